"""Load benchmark of the classroom server: real headless browsers moving sliders.

``python benchmarks/browser_load.py [--browsers N] [--seconds S] [--cycles C] [--json]``

Starts ``hipviz serve`` in its own process on a free port, opens N headless Chromium
pages (software WebGL) and has every page move its right GT slider continuously for S
seconds, then reports:

- ``server_ms_median`` / ``server_ms_p95``: server time per update (solve and payload);
- ``latency_ms_median`` / ``latency_ms_p95``: slider move to answer, seen in the pages;
- ``updates_per_s``: updates the server answered per second, all pages together;
- ``memory_mb_per_browser``: growth of the server's resident memory per connected page;
- ``rss_over_cycles_mb`` and ``leak_mb``: server memory after a warm-up of 50 page
  connections and departures and after every 50 of C more, and its growth from the
  first to the last: it should go up and down, not climb with each connection.

Needs Debian's ``chromium`` and ``chromium-driver`` and the ``web`` extra (Selenium).
Browsers and server share this machine's cores, so the numbers are conservative.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # this checkout's hipviz, and the harness

from served import Server, running_server  # noqa: E402

#: a page moves its slider this often while "dragging", ms (a hand drags at about 60 Hz;
#: a page sends the next move only once the previous answer arrived)
MOVE_INTERVAL_MS = 16
#: the latency a student still feels as instant, ms (p95 must stay under it)
INSTANT_MS = 100.0
#: a student dragging a slider on a laptop with a GPU: answered updates per second
DRAG_RATE_HZ = 30.0
#: the share of a class dragging a slider at any moment
DRAG_SHARE = 0.25
#: pages leave and return this many times first, so caches are warm before measuring
WARM_UP_CYCLES = 50
#: idle time before reading the server's memory, s (departed pages' sockets close)
SETTLE_S = 3.0

DRAG_SCRIPT = """
const stop = Date.now() + arguments[0];
const h = window.hipviz; h.latencies.length = 0;
let t = arguments[3];
const timer = setInterval(() => {
  if (Date.now() > stop) { clearInterval(timer); return; }
  t += 1;
  const pose = { ...window.trame.state.get('pose') };
  pose['right.gt_superior_mm'] = Math.round(20 * Math.sin(t / 15) * 2) / 2;
  pose['left.gt_anterior_mm'] = arguments[2];
  window.trame.state.set('pose', pose);
  h.poseChanged();
}, arguments[1]);
"""


def open_page(driver, url: str) -> None:
    """Load the classroom page and wait for its 3D view."""
    from browser import wait_loaded

    driver.get(url)
    wait_loaded(driver, ".view-box")


def run(browsers: int = 5, seconds: float = 20.0, cycles: int = 200) -> dict:
    """Run the benchmark; the numbers listed in the module docstring."""
    from browser import chromium

    with running_server() as server, contextlib.ExitStack() as stack:
        drivers = [stack.enter_context(chromium()) for _ in range(browsers)]
        # idle = after one page came and went: the server has sent its first state and
        # handed freed memory back, as it does on every arrival
        open_page(drivers[0], server.url)
        drivers[0].get("about:blank")
        open_page(drivers[0], server.url)
        drivers[0].get("about:blank")
        time.sleep(SETTLE_S)
        rss_idle = server.rss_mb
        for driver in drivers:
            open_page(driver, server.url)
        time.sleep(SETTLE_S)
        rss_connected = server.rss_mb
        stats_before = server.stats()
        before = stats_before.get("updates", 0)
        cpu_before = server.cpu_s
        start = time.perf_counter()
        solved_before = stats_before.get("solved", before)
        for i, driver in enumerate(drivers):
            # each page its own poses (its place on the swing, its own second slider): the
            # server answers a pose asked for again from the answers it keeps, and pages
            # moving in step would measure that, not the solving
            start_t = round(i * 2 * np.pi * 15 / browsers)
            driver.execute_script(
                DRAG_SCRIPT, int(seconds * 1000), MOVE_INTERVAL_MS, (i % 50) * 0.5, start_t
            )
        time.sleep(seconds + 1.0)
        elapsed = time.perf_counter() - start
        cpu = server.cpu_s - cpu_before
        stats = server.stats()
        latencies = np.concatenate(
            [
                np.asarray(driver.execute_script("return window.hipviz.latencies"), dtype=float)
                for driver in drivers
            ]
        )
        for driver in drivers[1:]:
            driver.get("about:blank")
        series = _connect_cycles(drivers[0], server, cycles)
    per_browser = (rss_connected - rss_idle) / browsers
    return {
        "browsers": browsers,
        "seconds": seconds,
        "updates": int(stats["updates"] - before),
        "updates_per_s": round((stats["updates"] - before) / elapsed, 1),
        "server_cpu_ms_per_update": round(1000.0 * cpu / max(stats["updates"] - before, 1), 2),
        # updates the model solved (the rest were poses a page had asked for just before)
        "solved_share": round(
            (stats.get("solved", stats["updates"]) - solved_before)
            / max(stats["updates"] - before, 1),
            2,
        ),
        "server_ms_median": round(stats["solve_ms_median"], 2),
        "server_ms_p95": round(stats["solve_ms_p95"], 2),
        "latency_ms_median": round(float(np.median(latencies)), 1),
        "latency_ms_p95": round(float(np.percentile(latencies, 95)), 1),
        "server_rss_idle_mb": round(rss_idle, 1),
        "memory_mb_per_browser": round(per_browser, 2),
        "cycles": cycles,
        "rss_over_cycles_mb": [round(v, 1) for v in series],
        "leak_mb": round(series[-1] - series[0], 1),
    }


def _connect_cycles(driver, server: Server, cycles: int, every: int = 50) -> list[float]:
    """Server memory after a warm-up, then after every ``every`` of ``cycles`` page
    connections and departures, MB."""

    def cycle():
        driver.get(server.url)
        # connected once the page holds the server's state (the scene list)
        deadline = time.monotonic() + 30
        while not driver.execute_script(
            "return !!(window.trame && window.trame.state && window.trame.state.get('scenes'))"
        ):
            if time.monotonic() > deadline:
                raise TimeoutError("the classroom page did not connect in 30 s")
            time.sleep(0.05)
        driver.get("about:blank")

    for _ in range(WARM_UP_CYCLES):
        cycle()
    time.sleep(SETTLE_S)
    series = [server.rss_mb]
    for done in range(1, cycles + 1):
        cycle()
        if done % every == 0 or done == cycles:
            time.sleep(SETTLE_S)
            series.append(server.rss_mb)
    return series


def students(
    result: dict, drag_rate_hz: float = DRAG_RATE_HZ, drag_share: float = DRAG_SHARE
) -> int:
    """Students one server serves with every update answered at once.

    The server answers one update at a time on one core; it keeps a fifth of that core
    free. Each student drags a slider a quarter of the time, a drag sending
    ``drag_rate_hz`` updates per second, each costing the measured server CPU time
    (solve, payload, websocket) per update.
    """
    busy_per_student = drag_share * drag_rate_hz * result["server_cpu_ms_per_update"] / 1000.0
    return int(0.8 / busy_per_student)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/browser_load.py", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--browsers", type=int, default=5, help="pages at once (default 5)")
    parser.add_argument(
        "--seconds", type=float, default=20.0, help="how long every page drags (default 20)"
    )
    parser.add_argument(
        "--cycles",
        type=int,
        default=200,
        help="connect-and-leave cycles for the leak check (default 200)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args(argv)
    result = run(args.browsers, args.seconds, args.cycles)
    result["students_estimate"] = students(result)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    width = max(map(len, result))
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    verdict = "instant" if result["latency_ms_p95"] <= INSTANT_MS else "NOT instant"
    print(
        f"\n{result['browsers']} pages dragging at once: 95% of updates within "
        f"{result['latency_ms_p95']:.0f} ms ({verdict}, <= {INSTANT_MS:.0f} ms)."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
