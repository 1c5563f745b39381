"""The shipped teaching scenes that show a searched position (stretch or release), and what
their captions must quote, computed from the model.

Each of these scenes puts a hip where :func:`~hipviz.core.positions.find_position` puts it
and its caption quotes the pose in words and the muscle's change there. When the muscle
data or the kinematics change, those numbers change: ``tests/test_scenes.py`` then fails,
and ``python -m hipviz.position_scenes`` prints the new pose lines and quotes to put in the
scene files.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import TextIO

from hipviz.core.model import HipModel, Solution
from hipviz.core.pose import Pose, SidePose
from hipviz.core.positions import AXIS_KEYS, Position, find_position
from hipviz.formatting import number
from hipviz.names import pose_words

log = logging.getLogger(__name__)

#: scene file stem -> the (path key, goal) it shows; at most one per side
POSITION_SCENES: dict[str, tuple[tuple[str, str], ...]] = {
    "10_piriformis_stretch": (("right.piriformis", "lengthen"),),
    "11_posterior_gluteus_medius_stretch": (("right.gluteus_medius_posterior", "lengthen"),),
    # the source case (02_two_sided_case): the short fibres put shorter still, "played into"
    "12_release_positions": (
        ("right.gluteus_medius_posterior", "shorten"),
        ("left.gluteus_medius_anterior", "shorten"),
    ),
}


@dataclass(frozen=True)
class Quote:
    """What one searched position makes a caption say."""

    key: str
    goal: str
    position: Position
    #: the pose in words, as the caption quotes it
    words: str
    #: the change at the scene's pose, as quoted: ``"+21.6 %"`` and ``"+31.2 mm"``
    pct: str
    mm: str

    @property
    def side(self) -> str:
        return self.key.split(".")[0]

    def pose_values(self) -> dict[str, float]:
        """The side's pose keys and values as the scene file gives them (0.1 deg)."""
        return {AXIS_KEYS[a]: round(v, 1) + 0.0 for a, v in self.position.angles_deg.items()}


def scene_pose(quotes: list[Quote]) -> Pose:
    """The scene's pose: each searched side at its position, the others neutral."""
    sides = {q.side: SidePose(**q.pose_values()) for q in quotes}
    return Pose(**sides)


def quotes_for(model: HipModel, stem: str) -> tuple[list[Quote], Solution]:
    """The quotes scene ``stem`` must make, and the model at the scene's pose. Each side is
    searched from standing (a fresh model's neutral pose)."""
    model.set_pose(Pose())
    found = []
    for key, goal in POSITION_SCENES[stem]:
        side, _, muscle = key.partition(".")
        found.append((key, goal, find_position(model, muscle, side=side, goal=goal)))
    pose = Pose(
        **{
            p.side: SidePose(**{AXIS_KEYS[a]: round(v, 1) + 0.0 for a, v in p.angles_deg.items()})
            for _, _, p in found
        }
    )
    solution = model.solve(pose)
    quotes = []
    for key, goal, p in found:
        i = solution.keys.index(key)
        quotes.append(
            Quote(
                key=key,
                goal=goal,
                position=p,
                words=pose_words(*p.angles_deg.values()),
                pct=f"{number(float(solution.change_pct[i]), sign=True)} %",
                mm=f"{number(float(solution.change_mm[i]), sign=True)} mm",
            )
        )
    return quotes, solution


def main(out: TextIO = sys.stdout) -> int:
    """Print, per scene, the pose lines for its file and what its caption must quote."""
    from hipviz.io.model_files import load_model

    model = load_model()
    for stem in POSITION_SCENES:
        quotes, _ = quotes_for(model, stem)
        print(f"# scenes/{stem}.toml", file=out)
        for q in quotes:
            print(f"[pose.{q.side}]", file=out)
            for k, v in q.pose_values().items():
                print(f"{k} = {v}", file=out)
        for q in quotes:
            print(f"#   {q.key} {q.goal}: {q.words!r}, {q.pct!r}, {q.mm!r}", file=out)
        print(file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
