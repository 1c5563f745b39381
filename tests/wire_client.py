"""A hostile page for tests: the classroom websocket spoken by hand over a plain socket.

Nothing of the server's code is used, so a test sees what any script on the network
could send: any header, any frame, any chunk header, and it can stop reading. Loopback
only; every read has a timeout.
"""

from __future__ import annotations

import base64
import os
import socket
import time

import msgpack
import numpy as np


class RawPage:
    """One websocket connection to ``127.0.0.1:port/ws`` (``status`` is the HTTP answer)."""

    def __init__(self, port: int, origin: str | None = "same", timeout: float = 5.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.port, self.count, self.buffer = port, 0, b""
        origin = f"http://127.0.0.1:{port}" if origin == "same" else origin
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            "GET /ws HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ] + ([f"Origin: {origin}"] if origin else [])
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        self.head = head.decode("latin-1")
        self.status = int(self.head.split()[1]) if self.head else 0

    def close(self) -> None:
        self.sock.close()

    # -- sending ---------------------------------------------------------------------------
    def send_frame(self, payload: bytes, opcode: int = 2) -> None:
        n = len(payload)
        if n < 126:
            header = bytes([0x80 | opcode, 0x80 | n])
        elif n < 65536:
            header = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
        else:
            header = bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8, "big")
        mask = os.urandom(4)
        data = np.frombuffer(payload, np.uint8) ^ np.resize(np.frombuffer(mask, np.uint8), n)
        self.sock.sendall(header + mask + data.tobytes())

    def send_message(self, content, announced: int | None = None, offset: int = 0) -> str:
        """A wslink message (content packed, or raw bytes) with its chunk header."""
        packed = content if isinstance(content, bytes) else msgpack.packb(content)
        total = len(packed) if announced is None else announced
        header = os.urandom(4) + offset.to_bytes(4, "little") + total.to_bytes(4, "little")
        self.send_frame(header + packed)

    def call(self, method: str, args=(), rpcid: str | None = None) -> str:
        self.count += 1
        rpcid = rpcid or f"rpc:hostile:{self.count}"
        self.send_message(
            {"wslink": "1.0", "id": rpcid, "method": method, "args": list(args), "kwargs": {}}
        )
        return rpcid

    def trigger(self, name: str, *args) -> str:
        return self.call("trame.trigger", [name, list(args), {}])

    # -- reading ---------------------------------------------------------------------------
    def _need(self, n: int, deadline: float) -> bytes:
        while len(self.buffer) < n:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("closed by the server")
            self.buffer += chunk
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def read(self, timeout: float = 5.0) -> dict | None:
        """The next whole wslink message (pings skipped); ``None`` for a close frame."""
        deadline = time.monotonic() + timeout
        parts: dict[bytes, bytearray] = {}
        while True:
            first, second = self._need(2, deadline)
            n = second & 0x7F
            if n == 126:
                n = int.from_bytes(self._need(2, deadline), "big")
            elif n == 127:
                n = int.from_bytes(self._need(8, deadline), "big")
            payload = self._need(n, deadline)
            opcode = first & 0x0F
            if opcode == 8:
                return None
            if opcode != 2:
                continue
            ident, total = payload[:4], int.from_bytes(payload[8:12], "little")
            got = parts.setdefault(ident, bytearray())
            got += payload[12:]
            if len(got) >= total:
                # as sent: the message id (random each time the server packs a message)
                # and the packed bytes, to tell one packing sent to many from many packings
                self.last_packed = ident + bytes(parts.pop(ident))
                return msgpack.unpackb(self.last_packed[4:], raw=False)

    def answer(self, rpcid: str, timeout: float = 5.0) -> dict:
        """The answer to ``rpcid`` (other messages read past)."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.read(max(0.01, deadline - time.monotonic()))
            if message is None:
                raise ConnectionError("closed by the server")
            if message.get("id") == rpcid:
                return message

    def closed_within(self, timeout: float) -> bool:
        """True if the server closes this connection within ``timeout`` s (reads past all)."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if self.read(max(0.01, deadline - time.monotonic())) is None:
                    return True
        except ConnectionError:
            return True
        except TimeoutError:
            return False
        return False
