"""The inspect panel: the highlighted muscle's name, attachments and numbers."""

from __future__ import annotations

import html
import logging

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QLabel, QVBoxLayout, QWidget

from hipviz.core.model import Solution
from hipviz.core.muscles import MusclePath
from hipviz.formatting import number
from hipviz.names import (
    ATTACHMENTS,
    MOMENT_ARM_LABELS,
    group_of,
    path_label,
    point_words,
    role_words,
)

log = logging.getLogger(__name__)

HINT = (
    "Hover over a muscle in the view to see its numbers; click it (or a cell of the table) "
    "to keep it selected."
)


def describe(path: MusclePath, solution: Solution) -> str:
    """Rich text about one path at one pose: name, attachments, length, change, moment arms."""
    i = solution.keys.index(path.key)
    change_mm, change_pct = float(solution.change_mm[i]), float(solution.change_pct[i])
    word = "lengthened" if change_mm > 0.05 else "shortened" if change_mm < -0.05 else "unchanged"
    origin, insertion = ATTACHMENTS[group_of(path.muscle)]
    # the path's points in anatomy words: the model's point ids never reach a student
    points = " \N{RIGHTWARDS ARROW} ".join(
        html.escape(w) for w in point_words(path.muscle, path.roles, path.bodies)
    )
    rows = [
        ("Origin", html.escape(origin)),
        ("Insertion", html.escape(insertion)),
        (
            "Length",
            f"{number(solution.lengths_mm[i])} mm "
            f"(neutral {number(solution.rest_lengths_mm[i])} mm)",
        ),
        (
            "Change",
            f"<b>{number(change_mm, sign=True)} mm, {number(change_pct, sign=True)} %</b> ({word})",
        ),
    ]
    for action, arms in solution.moment_arms_mm.items():
        rows.append(
            (
                MOMENT_ARM_LABELS[action],
                f"{number(arms[i], sign=True)} mm ({role_words(action, float(arms[i]))})",
            )
        )
    rows.append(("Path", f"<span style='color:#666'>{points}</span>"))
    body = "".join(
        f"<tr><td style='padding-right:8px'><i>{k}</i></td><td>{v}</td></tr>" for k, v in rows
    )
    return f"<h3 style='margin:0'>{html.escape(path_label(path.key))}</h3><table>{body}</table>"


class InspectPanel(QWidget):
    """Shows :func:`describe` for the path being inspected, or a hint."""

    def __init__(self, paths: tuple[MusclePath, ...], parent: QWidget | None = None):
        super().__init__(parent)
        self.paths = {p.key: p for p in paths}
        self.key: str | None = None
        self.label = QLabel(HINT)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.RichText)
        self.label.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.label)

    def show_path(self, key: str | None, solution: Solution) -> None:
        """Describe path ``key`` at ``solution`` (``None``: show the hint)."""
        self.key = key
        self.label.setText(HINT if key is None else describe(self.paths[key], solution))

    @property
    def text(self) -> str:
        return self.label.text()
