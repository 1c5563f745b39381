"""Load of the classroom server at classroom scale, on the wire (no browsers).

``python benchmarks/classroom_load.py [--draggers 30] [--followers 100] [--seconds 15]
[--cycles 1000]``

Starts ``hipviz serve`` in its own process, then from this process (asyncio, one
websocket per page, trame's wire format): ``--draggers`` pages each ask for a new pose
10 times a second (the next once the answer is in), ``--followers`` pages follow the
instructor, and the instructor leads at 20 Hz over the websocket with the token.
Reports the server's CPU time per update (answers and leads), answer latency of the
dragging pages and lead delay of the followers (p50/p95, ms), the server's resident
memory, and its memory over ``--cycles`` page connections and departures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
from pathlib import Path

import aiohttp
import msgpack
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # this checkout's hipviz, and the harness

from served import running_server  # noqa: E402

from hipviz.web.wire import frames  # noqa: E402

DRAG_HZ = 10.0
LEAD_HZ = 20.0


class Page:
    #: the last publication unpacked: the server sends every follower the same bytes, and
    #: this one process plays all hundred, so it unpacks them once (its own CPU is not
    #: what is measured; the lead's arrival at each page still is)
    last_publication: tuple[bytes, dict] = (b"", {})

    def __init__(self, ws):
        self.ws, self.count, self.waiting, self.on_publish = ws, 0, {}, None
        self.answer_bytes = 0
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, session, url: str, first_state: bool = True) -> Page:
        origin = url.replace("ws", "http", 1).rsplit("/", 1)[0]
        ws = await session.ws_connect(url, max_msg_size=0, origin=origin)
        page = cls(ws)
        await page.call("wslink.hello", [{}], rpcid="system:c0:0")
        if first_state:
            await page.call("trame.state.get")
        return page

    async def _read(self):
        parts = {}
        async for message in self.ws:
            if message.type != aiohttp.WSMsgType.BINARY:
                continue
            data = message.data
            got = parts.setdefault(data[:4], bytearray())
            got += data[12:]
            if len(got) < int.from_bytes(data[8:12], "little"):
                continue
            packed = bytes(parts.pop(data[:4]))
            if packed == Page.last_publication[0]:  # the lead every follower gets
                content = Page.last_publication[1]
            else:
                content = msgpack.unpackb(packed, raw=False)
                if content.get("id", "").startswith("publish:"):
                    Page.last_publication = (packed, content)
            rpcid = content.get("id", "")
            if rpcid.startswith("publish:") and self.on_publish:
                self.on_publish(content["result"])
            elif rpcid in self.waiting:
                self.answer_bytes = len(packed)  # the answer as it came on the wire
                self.waiting.pop(rpcid).set_result(content)

    async def call(self, method, args=(), rpcid=None):
        self.count += 1
        rpcid = rpcid or f"rpc:load:{self.count}"
        future = asyncio.get_running_loop().create_future()
        self.waiting[rpcid] = future
        message = {"wslink": "1.0", "id": rpcid, "method": method, "args": list(args)}
        for frame in frames(message):
            await self.ws.send_bytes(frame)
        return await future

    async def trigger(self, name, *args):
        return (await self.call("trame.trigger", [name, list(args), {}]))["result"]

    async def close(self):
        await self.ws.close()
        self.reader.cancel()


async def load(
    server,
    draggers: int,
    followers: int,
    seconds: float,
    distinct: bool = False,
    fans: bool = False,
) -> dict:
    ws_url = server.url.replace("http", "ws", 1) + "ws"
    token = server.instructor_url.split("token=")[1]
    answers, delays, sent_at, sizes = [], [], {}, []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        drag_pages = [await Page.open(session, ws_url) for _ in range(draggers)]
        follow_pages = [await Page.open(session, ws_url) for _ in range(followers)]
        teacher = await Page.open(session, ws_url)
        for page in follow_pages:

            def heard(result, page=page):
                lead = result.get("lead")
                if lead and lead["seq"] in sent_at:
                    delays.append(time.perf_counter() - sent_at[lead["seq"]])

            page.on_publish = heard
            await page.trigger("hipviz_follow", True)
        stop = time.perf_counter() + seconds
        stats0 = server.stats()
        cpu0, updates0 = server.cpu_s, stats0.get("updates", 0)
        solved0 = stats0.get("solved", updates0)
        waited0 = cpu_pressure_s()
        own0 = time.process_time()

        async def drag(page, phase, number):
            await asyncio.sleep(phase / DRAG_HZ)
            t, other = 0, {}
            if distinct:  # its own place on the swing, and its own other slider
                t = round(number * 2 * np.pi * 15 / draggers)
                other = {"left.gt_anterior_mm": (number % 50) * 0.5}
            while time.perf_counter() < stop:
                t += 1
                start = time.perf_counter()
                pose = {"right.gt_superior_mm": round(20 * np.sin(t / 15) * 2) / 2, **other}
                # while dragging a page asks for the central fibres (fans: the whole fans)
                await page.trigger("hipviz_solve", pose, 0, fans)
                answers.append(time.perf_counter() - start)
                sizes.append(page.answer_bytes)
                await asyncio.sleep(max(0.0, 1 / DRAG_HZ - (time.perf_counter() - start)))

        async def lead():
            t, seq = 0, None
            while time.perf_counter() < stop:
                t += 1
                start = time.perf_counter()
                if seq is not None:
                    sent_at[seq + 1] = start
                pose = {"left.gt_anterior_mm": round(15 * np.sin(t / 10) * 2) / 2}
                answer = await teacher.trigger("hipviz_lead", token, pose, None, None, fans)
                seq = answer["seq"]
                await asyncio.sleep(max(0.0, 1 / LEAD_HZ - (time.perf_counter() - start)))

        await asyncio.gather(lead(), *(drag(p, i / draggers, i) for i, p in enumerate(drag_pages)))
        cpu = server.cpu_s - cpu0
        waited = None if waited0 is None else cpu_pressure_s() - waited0
        own = time.process_time() - own0
        stats = server.stats()
        updates = stats["updates"] - updates0
        solved = stats.get("solved", stats["updates"]) - solved0
        rss = server.rss_mb
        for page in [*drag_pages, *follow_pages, teacher]:
            await page.close()
    ms = lambda xs, q: round(1000 * float(np.percentile(xs, q)), 1)  # noqa: E731
    bytes_per_update = round(float(np.mean(sizes))) if sizes else None
    return {
        "draggers": draggers,
        "followers": followers,
        "seconds": seconds,
        "updates": updates,
        "updates_per_s": round(updates / seconds, 1),
        # updates the model solved (the rest were poses already solved for another page)
        "solved_share": round(solved / max(updates, 1), 2),
        "poses": "each page its own" if distinct else "every page the same swing, in step",
        "lines": "whole fans" if fans else "central fibres (dragging)",
        "bytes_per_update": bytes_per_update,
        "server_cpu_ms_per_update": round(1000 * cpu / max(updates, 1), 2),
        "server_cpu_share_of_one_core": round(cpu / seconds, 2),
        # share of the time some process on the machine was ready to run but had no core
        # (Linux CPU pressure): near 0 when the server and this tool have the two cores to
        # themselves; when high, part of the latencies below is waiting for a core
        "cpu_pressure_share": None if waited is None else round(waited / seconds, 2),
        # the pages' side runs in this one process: when it is near 1.0 the latencies
        # below are this process's queueing, not the server's
        "load_tool_cpu_share_of_one_core": round(own / seconds, 2),
        "answer_ms_p50": ms(answers, 50),
        "answer_ms_p95": ms(answers, 95),
        # the server's part of it: a request's arrival to its answer queued for sending
        # (its last 2,000 requests, leads included)
        "server_answer_ms_p50": stats.get("answer_ms_median"),
        "server_answer_ms_p95": stats.get("answer_ms_p95"),
        "lead_delay_ms_p50": ms(delays, 50) if delays else None,
        "lead_delay_ms_p95": ms(delays, 95) if delays else None,
        "leads_heard": len(delays),
        "server_rss_mb": round(rss, 1),
    }


def cpu_pressure_s() -> float | None:
    """Seconds some task on this machine has waited for a core so far (Linux PSI; None
    where the kernel does not say)."""
    try:
        some = Path("/proc/pressure/cpu").read_text().split("\n")[0]
        return int(some.rsplit("total=", 1)[1]) / 1e6
    except (OSError, IndexError, ValueError):
        return None


async def cycles(server, n: int, every: int = 200) -> list[float]:
    ws_url = server.url.replace("http", "ws", 1) + "ws"
    series = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        for done in range(n + 1):
            page = await Page.open(session, ws_url)
            await page.close()
            if done % every == 0:
                await asyncio.sleep(1.5)  # departed pages' memory handed back
                series.append(round(server.rss_mb, 1))
    return series


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draggers", type=int, default=30)
    parser.add_argument("--followers", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument(
        "--distinct",
        action="store_true",
        help="every dragging page its own poses (its own place on the swing, its own second "
        "slider), as a class moving freely; by default they swing through the same poses "
        "in step, as a class doing what the instructor says",
    )
    parser.add_argument(
        "--server-nice",
        type=int,
        default=None,
        help="run the server and this tool at this nice value (negative needs root): on a "
        "machine shared with other work, gives them the cores they would have on their own "
        "(where Linux groups processes by session, autogroup, the group's nice is set too: "
        "nice alone would only rank the server against this tool)",
    )
    parser.add_argument(
        "--fans",
        action="store_true",
        help="every request asks for the whole fans of fibres (what a page asks for once its "
        "pose rests), not the central fibres a dragging page asks for: the worst case",
    )
    args = parser.parse_args(argv)
    group = Path("/proc/self/autogroup")  # shared with the shell that started this
    group_nice = None
    if args.server_nice is not None:
        os.setpriority(os.PRIO_PROCESS, 0, args.server_nice)
        with contextlib.suppress(OSError, ValueError):  # no autogroup: process nice only
            group_nice = int(group.read_text().rsplit("nice", 1)[1])
            group.write_text(str(args.server_nice))
    try:
        return run(args)
    finally:
        if group_nice is not None:  # the shell's group as it was
            group.write_text(str(group_nice))


def run(args) -> int:
    # other work on the machine takes cores from the server (and from this process, whose
    # own CPU is reported): the load average says how busy it was
    load_before = [round(x, 2) for x in os.getloadavg()]
    with running_server() as server:
        result = asyncio.run(
            load(server, args.draggers, args.followers, args.seconds, args.distinct, args.fans)
        )
        result["server_nice"] = args.server_nice
        if args.cycles:
            series = asyncio.run(cycles(server, args.cycles))
            result["rss_over_cycles_mb"] = series
            result["rss_growth_over_cycles_mb"] = round(series[-1] - series[0], 1)
    result["load_average_before"] = load_before
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
