"""The desktop app leading a classroom server: poses posted to ``/hipviz/lead``.

``hipviz serve`` prints the instructor page's address, ``http://HOST:PORT/?token=...``;
the desktop app takes that address and posts its pose (and view) after each change, so
students' pages in follow mode follow the app. Posting happens on a worker thread that
always sends the newest pose and drops the ones overtaken meanwhile, so a fast slider in
the app never queues requests. Standard library only, no Qt.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

log = logging.getLogger(__name__)

TIMEOUT_S = 5.0


class LeadError(ValueError):
    """The instructor address is malformed, or the server refused or cannot be reached."""


def parse_instructor_url(url: str) -> tuple[str, str]:
    """``http://host:port/?token=T`` -> (``http://host:port/hipviz/lead``, ``T``)."""
    parts = urllib.parse.urlsplit(url.strip())
    token = urllib.parse.parse_qs(parts.query).get("token", [""])[0]
    if parts.scheme not in ("http", "https") or not parts.netloc or not token:
        raise LeadError(
            f"'{url}' is not an instructor address; expected "
            "http://HOST:PORT/?token=... as printed by `hipviz serve`"
        )
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/hipviz/lead", "", "")), token


def post_lead(endpoint: str, token: str, pose: dict[str, float], view: str | None = None) -> dict:
    """Post one pose; the server's answer, or LeadError saying why not."""
    body = json.dumps({"token": token, "pose": pose, "view": view}).encode()
    request = urllib.request.Request(
        endpoint, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            try:
                reason = json.loads(exc.read()).get("error", exc.reason)
            except ValueError:
                reason = exc.reason
        raise LeadError(f"{endpoint}: the server refused ({exc.code}): {reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise LeadError(f"{endpoint}: cannot reach the classroom server ({reason})") from None


class Leader:
    """Posts the newest pose on a worker thread; ``report`` hears each outcome.

    Parameters
    ----------
    url : str
        The instructor address printed by ``hipviz serve`` (LeadError if malformed).
    report : callable(str or None)
        Called on the worker thread after each post: ``None`` when it was taken, else the
        reason it was not.
    """

    def __init__(self, url: str, report: Callable[[str | None], None] = lambda _: None):
        self.endpoint, self._token = parse_instructor_url(url)
        self.url = url
        self._report = report
        self._latest: tuple[dict, str | None] | None = None
        self._wake = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="hipviz-lead", daemon=True)
        self._thread.start()

    def submit(self, pose: dict[str, float], view: str | None = None) -> None:
        """Send this pose next (replacing one not yet sent)."""
        with self._wake:
            self._latest = (dict(pose), view)
            self._wake.notify()

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify()
        self._thread.join(timeout=TIMEOUT_S + 1.0)

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._latest is None and not self._stopped:
                    self._wake.wait()
                if self._stopped:
                    return
                (pose, view), self._latest = self._latest, None
            try:
                post_lead(self.endpoint, self._token, pose, view)
                self._report(None)
            except LeadError as exc:
                log.warning("%s", exc)
                self._report(str(exc))
