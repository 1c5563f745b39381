"""The classroom's websocket: what a page may ask, and how each page is answered.

The server owns every piece of state a page sees. A page connects, receives the page
description and the shared data once (``trame.state.get``), and from then on may only
*ask*: for its own pose (``hipviz_solve``), for a served scene (``hipviz_scene``), for a
muscle's stretch or release position from its pose (``hipviz_position``), or,
with the token, to lead (``hipviz_lead``). :data:`REQUESTS` is that list; a request
outside it, and every attempt to write state (``trame.state.update``: no key is
writable by a page), is refused with the reason. Each answer goes to the page that
asked; the only thing that reaches every page is the lead, which the server builds
from a request carrying the token. Nothing a page sends is relayed.

Each page has its own outbox (answers in order, and the newest lead only) drained by
its own task, so a page that stops reading delays no one but itself and is closed
once a send has waited :data:`SEND_TIMEOUT_S`. Each page's requests are served one at
a time at most :data:`SOLVES_PER_S` a second; a newer request of the same kind
replaces one still waiting (the older is answered "superseded"), so a flood costs
the flooder. Messages beyond :data:`MESSAGES_PER_S` are dropped, and a page that
keeps flooding is closed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from hipviz.web.classroom import MessageError
from hipviz.web.wire import (
    MAX_REQUEST_BYTES,
    WireError,
    answer,
    decode,
    packed_answer,
    publication,
    refusal,
    shown,
)

log = logging.getLogger(__name__)

#: what a page may ask: trigger name -> (arguments at least, at most, what they are)
REQUESTS = {
    # the last argument of a pose: whole fans (true) or each compartment's central fibre
    # (false, while the page drags); only true or false is taken (Classroom.solve)
    "hipviz_solve": (1, 3, "(pose, scene number, whole fans true or false)"),
    "hipviz_scene": (1, 1, "(scene number)"),
    "hipviz_position": (4, 5, "(muscle, side, goal, pose, scene number)"),
    "hipviz_lead": (
        2,
        5,
        "(token, pose, scene number or null, view or null, whole fans true or false)",
    ),
    "hipviz_follow": (1, 1, "(true or false)"),
}
#: requests a page's code sends that change nothing and are answered with nothing
HARMLESS = ("trame.lifecycle.update", "trame.error.client")
#: a page's solves per second at most (a drag answered at 60 Hz stays under it)
SOLVES_PER_S = 60.0
#: position searches (``hipviz_position``, up to ~50 ms each, more on a busy machine) per
#: second: per page, and for all pages together (beyond that a request is refused at
#: once, "try again", so searches never hold up the room's slider answers)
POSITIONS_PER_S = 1.0
POSITIONS_PER_S_ALL = 4.0
#: messages a page may send per second (averaged over a second's burst)
MESSAGES_PER_S = 200.0
#: a page closed once it has had this many times :data:`MESSAGES_PER_S` messages dropped
FLOOD_FACTOR = 5
#: bytes of answers waiting for one page at most; a page further behind is not reading
#: (or asks for what it does not read): closed
MAX_WAITING_BYTES = 8 * 1024 * 1024
#: one send may wait this long for a page to read, seconds; then the page is closed
SEND_TIMEOUT_S = 10.0
#: the count of pages following is sent at most this often, seconds
FOLLOWERS_EVERY_S = 0.25
#: warnings about pages logged per second at most, all pages together
LOG_LINES_PER_S = 5.0
#: refusals logged per page (the rest are counted, and the count logged when it leaves)
LOGGED_REFUSALS = 3


class Bucket:
    """A token bucket: ``take()`` is true while the rate (per second) and burst allow."""

    def __init__(self, rate: float, burst: float):
        self.rate, self.burst = rate, burst
        self.level, self.when = burst, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.level = min(self.burst, self.level + (now - self.when) * self.rate)
        self.when = now
        if self.level >= 1.0:
            self.level -= 1.0
            return True
        return False

    def wait_s(self) -> float:
        """Seconds until the next take succeeds."""
        return max(0.0, (1.0 - self.level) / self.rate)


@dataclass
class Page:
    """One connected page: its outbox, its waiting requests, its counters."""

    number: int
    address: str
    send: Callable  # async (bytes) -> None
    close: Callable  # async (code, reason) -> None
    answers: deque = field(default_factory=deque)
    latest: dict = field(default_factory=dict)  # topic -> frames: the newest only
    following: bool = False
    waiting: dict = field(default_factory=dict)  # kind -> (rpcid, args)
    wake_writer: asyncio.Event = field(default_factory=asyncio.Event)
    wake_worker: asyncio.Event = field(default_factory=asyncio.Event)
    solves: Bucket = field(default_factory=lambda: Bucket(SOLVES_PER_S, 10))
    messages: Bucket = field(default_factory=lambda: Bucket(MESSAGES_PER_S, MESSAGES_PER_S))
    positions: Bucket = field(default_factory=lambda: Bucket(POSITIONS_PER_S, 2))
    waiting_bytes: int = 0
    has_state: bool = False
    dropped: int = 0
    refused: int = 0
    closed: bool = False

    def put(self, frames: list[bytes]) -> None:
        size = sum(map(len, frames))
        if self.waiting_bytes + size > MAX_WAITING_BYTES:
            self.closed = True  # the page is not reading: the writer closes it
        else:
            self.answers.extend(frames)
            self.waiting_bytes += size
        self.wake_writer.set()

    def put_latest(self, key: str, frames: list[bytes]) -> None:
        self.latest[key] = frames  # an older one not yet sent is simply replaced
        self.wake_writer.set()


class Gate:
    """The websocket endpoint's logic for all pages: requests in, answers out.

    Parameters
    ----------
    state_answer : callable() -> dict
        What ``trame.state.get`` returns (the page description and shared data).
    handlers : dict of trigger name -> callable(*args) -> dict
        The handler of each name in :data:`REQUESTS`; MessageError means refused.
    """

    def __init__(self, state_answer: Callable[[], bytes], handlers: dict[str, Callable]):
        self.state_answer = state_answer
        self.handlers = {**handlers, "hipviz_follow": None}
        assert set(self.handlers) == set(REQUESTS)
        self.pages: dict[int, Page] = {}
        self.numbers = 0
        self.published = 0
        self.shared: dict[str, list[bytes]] = {}  # what every page gets: the lead, the count
        self.followers = 0
        self.positions = Bucket(POSITIONS_PER_S_ALL, POSITIONS_PER_S_ALL)
        # a request's arrival to its answer in the page's outbox, the last 2000: the
        # server's share of a page's wait (the load benchmark reads it)
        self.answer_seconds: deque[float] = deque(maxlen=2000)
        self._count_due = None
        # the log is the instructor's terminal: a few lines a second at most, whatever
        # the pages do (the rest counted, and the count given with the next line)
        self._log_budget = Bucket(LOG_LINES_PER_S, 4 * LOG_LINES_PER_S)
        self._unlogged = 0

    # -- what every page receives: built by the server, never relayed ------------------
    def publish(self, key: str, value) -> None:
        """Send every page ``{key: value}`` (the newest replacing one not yet sent)."""
        self.published += 1
        self.shared[key] = publication("trame.state.topic", self.published, {key: value})
        for page in self.pages.values():
            page.put_latest(key, self.shared[key])

    def publish_lead(self, lead: dict) -> None:
        self.publish("lead", lead)

    def _count_followers(self) -> None:
        # counted and sent at most every FOLLOWERS_EVERY_S: a page switching its follow on
        # and off as fast as it can costs the room one small update a quarter second
        if self._count_due is None:
            self._count_due = asyncio.get_running_loop().call_later(
                FOLLOWERS_EVERY_S, self._publish_followers
            )

    def _publish_followers(self) -> None:
        self._count_due = None
        count = sum(page.following for page in self.pages.values())
        if count != self.followers:
            self.followers = count
            self.publish("followers", count)

    # -- one page's life ------------------------------------------------------------------
    async def serve(self, ws, address: str, abort: Callable[[], None]) -> None:
        """Serve one page's websocket (an aiohttp WebSocketResponse, prepared) until it goes.

        ``abort`` drops the connection without a word (for a page that does not read).
        """
        self.numbers += 1

        async def close(code: int, reason: str) -> None:
            try:
                await asyncio.wait_for(ws.close(code=code, message=reason.encode()), 1.0)
            except (TimeoutError, asyncio.TimeoutError, ConnectionError, RuntimeError):
                abort()

        page = Page(self.numbers, address, ws.send_bytes, close)
        self.pages[page.number] = page
        tasks = [
            asyncio.create_task(self._write(page)),
            asyncio.create_task(self._work(page)),
        ]
        try:
            async for message in ws:
                if page.closed:
                    break
                if message.type.name != "BINARY":
                    self._refuse(page, None, "only binary wslink messages are read")
                    continue
                self._receive(page, message.data)
        finally:
            page.closed = True
            del self.pages[page.number]
            if page.following:
                self._count_followers()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if not ws.closed:
                await close(1000, "bye")
            if page.refused > LOGGED_REFUSALS or page.dropped:
                self.note(
                    f"page {page.number} ({page.address}) left: {page.refused} requests "
                    f"refused, {page.dropped} messages dropped (flood)"
                )

    def _receive(self, page: Page, frame: bytes) -> None:
        if not page.messages.take():
            page.dropped += 1
            if page.dropped > FLOOD_FACTOR * MESSAGES_PER_S:
                self.note(f"page {page.number} ({page.address}): closed for flooding")
                page.closed = True
                page.wake_writer.set()
            return
        try:
            message = decode(frame)
        except WireError as exc:
            self._refuse(page, None, str(exc))
            return
        rpcid, method = message.get("id"), message.get("method")
        args = message.get("args")
        if not isinstance(rpcid, str) or len(rpcid) > 64 or not isinstance(method, str):
            self._refuse(page, None, "a request needs a short text id and a method")
            return
        args = args if isinstance(args, list) else []
        if rpcid.startswith("system:") and method == "wslink.hello":
            page.put(
                answer(rpcid, {"clientID": f"c{page.number}", "maxMsgSize": MAX_REQUEST_BYTES})
            )
        elif method == "trame.state.get":
            if page.has_state:
                self._refuse(page, rpcid, "a page receives the first state once")
                return
            page.has_state = True
            page.put(packed_answer(rpcid, self.state_answer()))
            for key, frames in self.shared.items():
                page.put_latest(key, frames)
        elif method == "trame.trigger" and args and args[0] in REQUESTS:
            name, trigger_args = args[0], args[1] if len(args) > 1 else []
            low, high, usage = REQUESTS[name]
            if not isinstance(trigger_args, list) or not low <= len(trigger_args) <= high:
                got = len(trigger_args) if isinstance(trigger_args, list) else "no list of"
                reason = f"{name} takes {usage}; got {got} argument(s)"
                self._refuse(page, None, reason)
                page.put(answer(rpcid, {"error": reason}))  # as the page's code reads it
                return
            if name == "hipviz_follow":
                page.following = trigger_args == [True]
                page.put(answer(rpcid, {"following": page.following}))
                self._count_followers()
                return
            kind = "scene" if name == "hipviz_scene" else "pose"  # a lead is a pose too
            superseded = page.waiting.get(kind)
            if superseded is not None:
                page.put(answer(superseded[0], {"superseded": True}))
            page.waiting[kind] = (rpcid, name, trigger_args, time.perf_counter())
            page.wake_worker.set()
        elif method in HARMLESS:
            page.put(answer(rpcid, None))
        elif method == "trame.state.update":
            self._refuse(page, rpcid, "the server owns the state: a page writes no key")
        else:
            self._refuse(page, rpcid, f"not a request the classroom serves: {shown(method, 40)}")

    def note(self, text: str) -> None:
        """Log a warning about a page (text already escaped), within the log's budget."""
        if not self._log_budget.take():
            self._unlogged += 1
            return
        if self._unlogged:
            text += f" ({self._unlogged} more such lines not logged)"
            self._unlogged = 0
        log.warning("%s", text)

    def _refuse(self, page: Page, rpcid: str | None, reason: str) -> None:
        page.refused += 1
        if page.refused <= LOGGED_REFUSALS:
            self.note(f"page {page.number} ({page.address}): refused: {shown(reason, 200)}")
        if rpcid is not None:
            page.put(refusal(rpcid, reason))

    async def _work(self, page: Page) -> None:
        """Serve the page's waiting requests one at a time, within its rate."""
        while not page.closed:
            await page.wake_worker.wait()
            page.wake_worker.clear()
            while page.waiting and not page.closed:
                if not page.solves.take():
                    await asyncio.sleep(page.solves.wait_s())
                    continue
                kind = "scene" if "scene" in page.waiting else "pose"
                rpcid, name, args, arrived = page.waiting.pop(kind)
                if name == "hipviz_position" and not (
                    page.positions.take() and self.positions.take()
                ):
                    reason = (
                        f"too many position searches (at most {POSITIONS_PER_S:g} a second "
                        "per page): try again in a second"
                    )
                    self._refuse(page, None, reason)
                    page.put(answer(rpcid, {"error": reason}))
                    continue
                try:
                    result = self.handlers[name](*args)
                except MessageError as exc:
                    self._refuse(page, None, str(exc))
                    result = {"error": str(exc)}
                except TypeError:  # wrong number of arguments for the handler
                    result = {"error": f"{name}: wrong arguments"}
                    self._refuse(page, None, result["error"])
                except Exception:  # a fault of ours: logged here, never sent to the page
                    log.exception("page %d: %s failed", page.number, name)
                    result = {"error": "the server could not answer this request"}
                page.put(answer(rpcid, result))
                self.answer_seconds.append(time.perf_counter() - arrived)
                await asyncio.sleep(0)  # let other pages' requests in between

    async def _write(self, page: Page) -> None:
        """Send the page's outbox; close the page if it stops reading."""
        try:
            while True:
                await page.wake_writer.wait()
                page.wake_writer.clear()
                while page.answers or page.latest:
                    if page.answers:
                        frame = page.answers.popleft()
                        page.waiting_bytes -= len(frame)
                    else:
                        key = next(iter(page.latest))
                        frame, rest = page.latest[key][0], page.latest[key][1:]
                        if rest:
                            page.latest[key] = rest
                        else:
                            del page.latest[key]
                    await _within(page.send(frame), SEND_TIMEOUT_S)
                if page.closed:
                    await page.close(1008, "too far behind or flooding")
                    return
        except (TimeoutError, asyncio.TimeoutError):
            self.note(f"page {page.number} ({page.address}): stopped reading, closed")
            page.closed = True
            await page.close(1008, "not reading")
        except (ConnectionError, RuntimeError):  # the page went while we sent
            page.closed = True


async def _within(send, seconds: float) -> None:
    """Await ``send``, raising TimeoutError after ``seconds``. A timer where asyncio has
    one (Python 3.11+), not :func:`asyncio.wait_for`'s task per call: this runs for every
    frame to every page (a lead to a hundred followers twenty times a second)."""
    if hasattr(asyncio, "timeout"):
        async with asyncio.timeout(seconds):
            await send
    else:
        await asyncio.wait_for(send, seconds)
