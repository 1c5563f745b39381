"""The "Stretch position" / "Release position" buttons under the Inspect panel.

Pick a muscle (click it in the view or the table), press a button: the hip moves to the
pose that lengthens (or shortens) it most, over the same eased half-second move workshop
mode uses, and the panel says what the pose is and how much the muscle changed. "Back"
moves to the pose before, exactly. The search and the words are the model layer's
(:mod:`hipviz.position_move`); this module only animates and shows them.
"""

from __future__ import annotations

import logging

from PyQt5.QtCore import QElapsedTimer, QObject, Qt, QTimer, pyqtSignal
from PyQt5.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from hipviz.core.model import HipModel
from hipviz.core.pose import Pose
from hipviz.core.positions import PositionError
from hipviz.gui.workshop import TRANSITION_S
from hipviz.names import path_label
from hipviz.position_move import GOAL_NAMES, PositionMove, plan_move
from hipviz.render.transition import ease_in_out, interpolate_pose

log = logging.getLogger(__name__)

#: goal -> (shortcut, tooltip)
SHORTCUTS = {
    "lengthen": (
        "Ctrl+Alt+S",
        "Move the hip to the pose that lengthens the selected muscle most (its stretch "
        "position), within the hip's normal range of motion",
    ),
    "shorten": (
        "Ctrl+Alt+R",
        "Move the hip to the pose that shortens the selected muscle most (its positional-"
        "release position), within the hip's normal range of motion",
    ),
}
BACK_SHORTCUT = "Ctrl+Alt+B"
HINT = (
    "Select a muscle (click it in the view or the table) to find its stretch or release position."
)
#: frames of a move, milliseconds apart (about 60 per second)
FRAME_MS = 16


class PoseMover(QObject):
    """Moves the model from its pose to another over :data:`TRANSITION_S` seconds, easing
    in and out (:func:`~hipviz.render.transition.interpolate_pose`); ends on the target
    exactly. ``arrived`` is emitted when the model is at the target."""

    arrived = pyqtSignal()

    def __init__(self, model: HipModel, parent: QObject | None = None):
        super().__init__(parent)
        self.model = model
        self.duration_s = TRANSITION_S
        self._move: tuple[Pose, Pose] | None = None
        self._last_set: Pose | None = None  # the pose this move set last
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._tick)

    @property
    def moving(self) -> bool:
        return self._move is not None

    def move_to(self, target: Pose) -> None:
        """Start moving (from wherever a move in progress got to)."""
        self._move = (self.model.pose, target)
        self._last_set = self.model.pose
        if self.duration_s <= 0 or self.model.pose == target:
            self._finish()
            return
        self._clock.start()
        self._timer.start()

    def _tick(self) -> None:
        if self._move is None or self.model.pose != self._last_set:
            # someone else moved the hip meanwhile (a slider, a scene opened, workshop
            # mode): theirs wins, the move ends where it is
            self.stop()
            return
        t = self._clock.elapsed() / 1000.0 / self.duration_s
        if t >= 1.0:
            self._finish()
            return
        start, end = self._move
        self._last_set = interpolate_pose(start, end, ease_in_out(t))
        self.model.set_pose(self._last_set)

    def _finish(self) -> None:
        self._timer.stop()
        if self._move is None:
            return
        _, end = self._move
        self._move = None
        self.model.set_pose(end)  # exactly the target: no half-way pose left behind
        self.arrived.emit()

    def stop(self) -> None:
        self._timer.stop()
        self._move = None


class PositionPanel(QWidget):
    """Stretch / Release / Back buttons for the selected muscle, and what the last step did.

    Signals
    -------
    message(str)
        A line for the status bar: the caption of a step, or why it cannot be taken.
    """

    message = pyqtSignal(str)

    def __init__(self, model: HipModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.key: str | None = None
        #: the last step taken (None: none, or it was taken back)
        self.last: PositionMove | None = None
        self.mover = PoseMover(model, self)
        self.mover.arrived.connect(self._arrived)
        self._arriving: str = ""  # the caption to show on arrival
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for goal, (shortcut, tip) in SHORTCUTS.items():
            button = QPushButton(GOAL_NAMES[goal][0])
            button.setShortcut(shortcut)
            button.setToolTip(f"{tip} ({shortcut})")
            button.clicked.connect(lambda _=False, g=goal: self.go(g))
            self.buttons[goal] = button
            row.addWidget(button)
        self.back_button = QPushButton("Back")
        self.back_button.setShortcut(BACK_SHORTCUT)
        self.back_button.setToolTip(
            f"Move the hip back to the pose before the last stretch or release position "
            f"({BACK_SHORTCUT})"
        )
        self.back_button.clicked.connect(self.back)
        row.addWidget(self.back_button)
        self.caption_label = QLabel(HINT)
        self.caption_label.setWordWrap(True)
        self.caption_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 6)
        layout.addLayout(row)
        layout.addWidget(self.caption_label)
        self._sync()

    @property
    def caption(self) -> str:
        return self.caption_label.text()

    def set_key(self, key: str | None) -> None:
        """The muscle path the buttons act on (the window's selection)."""
        self.key = key
        if self.last is None and not self.mover.moving:
            self.caption_label.setText(
                HINT
                if key is None
                else f"{path_label(key)}: find the pose that stretches "
                "it most, or the one that shortens it most."
            )
        self._sync()

    def _sync(self) -> None:
        for button in self.buttons.values():
            button.setEnabled(self.key is not None)
        self.back_button.setEnabled(self.last is not None)

    def go(self, goal: str) -> PositionMove | None:
        """Search the selected muscle's ``goal`` (``lengthen``/``shorten``) pose and move there."""
        if self.key is None:
            self.message.emit("Select a muscle first (click it in the view or the table).")
            return None
        start = self.last.start if self.last is not None and self.mover.moving else None
        self.mover.stop()  # a step during a move is planned from where the hip is now
        try:
            move = plan_move(self.model, self.key, goal)
        except PositionError as exc:
            log.warning("%s", exc)
            self.message.emit(str(exc))
            return None
        if start is not None:  # pressed during a move: Back still returns before both
            move = PositionMove(move.position, start, move.before_mm)
        self.last = move
        self._arriving = move.caption()
        self.caption_label.setText(
            f"Moving to the {GOAL_NAMES[goal][1]}: {move.words}\N{HORIZONTAL ELLIPSIS}"
        )
        self._sync()
        self.mover.move_to(move.target)
        return move

    def back(self) -> None:
        """Move back to the pose before the last step, exactly."""
        if self.last is None:
            return
        start, name, goal = self.last.start, path_label(self.last.key), self.last.goal
        self.last = None
        self._arriving = f"Back to the pose before the {name.lower()} {GOAL_NAMES[goal][1]}."
        self._sync()
        self.mover.move_to(start)

    def _arrived(self) -> None:
        if self._arriving:
            self.caption_label.setText(self._arriving)
            self.message.emit(self._arriving)
