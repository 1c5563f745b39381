"""The window's (and any surface's) "Stretch position" / "Release position" step, without Qt.

A user picks a muscle and asks for its stretch (the pose that lengthens it most) or its
release position (the pose that shortens it most). :func:`plan_move` runs the search
(:func:`hipviz.core.positions.find_position`) from the model's pose and returns the pose to
move to, the pose to come back to, and the words a caption shows: what the pose is, as a
therapist says it, and how much the muscle changed. The GUI only animates between the two
poses (:mod:`hipviz.render.transition`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from hipviz.core.model import HipModel
from hipviz.core.pose import Pose
from hipviz.core.positions import Position, find_position
from hipviz.formatting import number
from hipviz.names import path_label, pose_words

log = logging.getLogger(__name__)

#: goal -> (button text, what the pose is called in a caption)
GOAL_NAMES = {
    "lengthen": ("Stretch position", "stretch position"),
    "shorten": ("Release position", "release position"),
}


@dataclass(frozen=True)
class PositionMove:
    """One step to a muscle's stretch or release position, and back.

    Attributes
    ----------
    position : Position
        The search's answer (pose, length change against neutral).
    start : Pose
        The pose before the step: "Back" returns to it exactly.
    before_mm : float
        The muscle's length change against neutral at ``start``, mm.
    """

    position: Position
    start: Pose
    before_mm: float

    @property
    def key(self) -> str:
        return self.position.key

    @property
    def goal(self) -> str:
        return self.position.goal

    @property
    def target(self) -> Pose:
        return self.position.pose()

    @property
    def words(self) -> str:
        """The pose in words: ``"hip flexed 90 deg, adducted 30 deg, rotated out 15 deg"``."""
        return pose_words(*self.position.angles_deg.values())

    def caption(self) -> str:
        """What the step did, in one line: the pose in words and the muscle's change.

        ``"Right piriformis, stretch position: hip flexed 90 deg, adducted 18 deg, rotated
        out 45 deg. Length +12.3 mm (+9.4 %) against standing; +12.3 mm from the pose
        before."``
        """
        p = self.position
        name = path_label(p.key)
        delta = p.change_mm - self.before_mm
        return (
            f"{name}, {GOAL_NAMES[p.goal][1]}: {self.words}. "
            f"Length {number(p.change_mm, sign=True)} mm ({number(p.change_pct, sign=True)} %) "
            f"against standing; {number(delta, sign=True)} mm from the pose before."
        )


def plan_move(model: HipModel, key: str, goal: str) -> PositionMove:
    """The step from the model's pose to ``key``'s (``"right.piriformis"``) stretch
    (``goal="lengthen"``) or release (``"shorten"``) position; PositionError for a bad key."""
    side, _, muscle = key.partition(".")
    position = find_position(model, muscle, side=side, goal=goal)
    solution = model.solution
    before = float(solution.change_mm[solution.keys.index(key)])
    log.info("%s %s: %s (%.1f ms)", key, goal, position.angles_deg, position.elapsed_ms)
    return PositionMove(position=position, start=model.pose, before_mm=before)
