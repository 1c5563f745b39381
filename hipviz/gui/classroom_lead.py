"""File > Lead a classroom: the window's pose and view go to a ``hipviz serve`` server.

Students' pages in follow mode then follow the desktop app, as they follow an
instructor page. The address asked for is the instructor page printed by ``hipviz
serve`` (it holds the run's token); the last one is remembered. Posting runs on a
worker thread (:class:`hipviz.web.lead_client.Leader`); its outcome reaches the status
bar through a Qt signal.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PyQt5.QtCore import QObject, QSettings, pyqtSignal
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import QAction, QInputDialog, QLineEdit, QMessageBox

from hipviz.core.model import Solution
from hipviz.render.scene import subscribe_weakly
from hipviz.web.classroom import controls_of
from hipviz.web.lead_client import Leader, LeadError

if TYPE_CHECKING:
    from collections.abc import Callable

    from PyQt5.QtWidgets import QWidget

    from hipviz.core.model import HipModel
    from hipviz.state import DisplayState

log = logging.getLogger(__name__)

SETTINGS_KEY = "classroom/instructor_url"


class ClassroomLead(QObject):
    """The checkable "Lead a classroom" action and the connection behind it."""

    #: the outcome of a post, from the worker thread: None when taken, else why not
    posted = pyqtSignal(object)

    def __init__(
        self,
        model: HipModel,
        state: DisplayState,
        window: QWidget,
        show_message: Callable[[str], None],
    ):
        """Lead with ``model``'s pose and ``state``'s view; ``window`` parents the action
        and the dialogs, ``show_message`` tells the user how it goes."""
        super().__init__(window)
        self.window = window
        self.model, self.state, self.show_message = model, state, show_message
        self.leader: Leader | None = None
        self.last_error: str | None = None
        self.action = QAction("&Lead a classroom\N{HORIZONTAL ELLIPSIS}", window)
        self.action.setCheckable(True)
        self.action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        tip = (
            "Students' pages on a `hipviz serve` classroom server follow this window's pose "
            "and view (give the instructor address the server printed)"
        )
        self.action.setToolTip(tip)
        self.action.setStatusTip(tip)
        self.action.toggled.connect(self._toggled)
        self.posted.connect(self._on_posted)
        subscribe_weakly(model, self._on_solution)

    def start(self, url: str) -> None:
        """Lead the server at this instructor address (LeadError if malformed)."""
        self.stop()
        self.leader = Leader(url, self.posted.emit)
        QSettings().setValue(SETTINGS_KEY, url)
        self.last_error = None
        self.send()
        self.action.blockSignals(True)
        self.action.setChecked(True)
        self.action.blockSignals(False)
        server = self.leader.endpoint.rsplit("/", 2)[0]
        self.show_message(f"Leading the classroom at {server}/")

    def stop(self) -> None:
        if self.leader is not None:
            self.leader.stop()
            self.leader = None
            self.show_message("Stopped leading the classroom")
        self.action.blockSignals(True)
        self.action.setChecked(False)
        self.action.blockSignals(False)

    def send(self) -> None:
        """Post the window's current pose and view now."""
        if self.leader is not None:
            self.leader.submit(controls_of(self.model.solution.reached), self.state.view)

    def _toggled(self, on: bool) -> None:
        if not on:
            self.stop()
            return
        url, ok = QInputDialog.getText(
            self.window,
            "Lead a classroom",
            "Instructor address printed by `hipviz serve` (http://HOST:PORT/?token=...):",
            QLineEdit.Normal,
            str(QSettings().value(SETTINGS_KEY, "") or ""),
        )
        if not ok or not url.strip():
            self.stop()
            return
        try:
            self.start(url)
        except LeadError as exc:
            self.stop()
            QMessageBox.warning(self.window, "Cannot lead the classroom", str(exc))

    def _on_solution(self, _solution: Solution) -> None:
        self.send()

    def _on_posted(self, error: str | None) -> None:
        if error != self.last_error:  # say it once, and once when it is mended
            self.show_message(error or "Classroom: students in follow mode follow again")
        self.last_error = error
