"""``hipviz serve`` in a child process for tests and benchmarks: its addresses, memory, CPU.

The server runs as users run it, ``python -m hipviz serve SCENES --port P``, on a free
localhost port; :func:`running_server` stops it on exit.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from hipviz.io.scene_folder import scene_files


@dataclass
class Server:
    """A running ``hipviz serve`` process."""

    process: subprocess.Popen
    url: str
    instructor_url: str
    output: IO[str]

    def log(self) -> str:
        """What the server has printed and logged so far."""
        self.output.seek(0)
        return self.output.read()

    @property
    def rss_mb(self) -> float:
        """Resident memory of the server process, MB."""
        text = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", text).group(1)) / 1024.0

    @property
    def cpu_s(self) -> float:
        """CPU time the server process has used so far (user + system), seconds."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stats(self) -> dict:
        with urllib.request.urlopen(self.url + "hipviz/stats", timeout=10) as response:
            return json.loads(response.read())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(
    scenes: list[Path] | None = None, timeout: float = 60.0, file_limit: int | None = None
) -> Iterator[Server]:
    """``hipviz serve`` in a child process on a free localhost port; stopped on exit.

    ``file_limit`` lowers the child's open-file limit (to see it meet the limit).

    Its output goes to a temporary file (read for the addresses it prints), never to a
    pipe nobody reads, which would stall a server that logs a lot.
    """
    port = free_port()
    scenes = scene_files()[:3] if scenes is None else scenes
    command = [sys.executable, "-m", "hipviz", "serve", *map(str, scenes), "--port", str(port)]
    with tempfile.TemporaryFile("w+") as output:

        def limit_files():
            import resource

            resource.setrlimit(resource.RLIMIT_NOFILE, (file_limit, file_limit))

        process = subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=limit_files if file_limit else None,
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                output.seek(0)
                text = output.read()
                found = dict(
                    re.findall(
                        r"^(hipviz classroom server|instructor page)[^:]*: (\S+)",
                        text,
                        re.MULTILINE,
                    )
                )
                if len(found) == 2:
                    break
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("hipviz serve did not start:\n" + text)
                time.sleep(0.1)
            server = Server(
                process, found["hipviz classroom server"], found["instructor page"], output
            )
            _wait_http(server.url, deadline)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_http(url: str, deadline: float) -> None:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
