"""A scene's title and caption belong to the scene's pose: the one rule every surface draws.

An author's caption says what to look for *at the scene's pose* ("the anterior fibres are
long, +7.8 %"). Once the pose is moved off it, that text would describe a pose no longer
shown, so every surface (the window and its Scene panel, workshop mode, figures, GIF
frames, the handout, the classroom page) shows instead that the pose was changed and what
it is now, in one generated line (:func:`pose_summary`); back on the scene's pose, the
author's text returns. :func:`caption_for` decides; nothing else does. No Qt, no VTK.

Example::

    >>> text = caption_for(scene.pose, model.pose, scene.title, scene.caption)
    >>> text.modified, text.title, text.caption[:45]
    (True, 'Pose changed', 'Now: Right GT 12 mm superior, 8 mm posterior;')
"""

from __future__ import annotations

import logging
from typing import NamedTuple

from hipviz.core.pose import SIDES, Pose, SidePose

log = logging.getLogger(__name__)

#: two poses closer than this in every value (mm or degrees) are the same pose: a slider
#: set back by hand lands on the scene's value to its step, not to the last bit
SAME_TOLERANCE = 0.05
#: what the window title and the Scene panel add while the pose is not the scene's
MODIFIED_MARK = "(modified)"
#: the title while the pose is not the scene's (the caption says what the pose is)
CHANGED_TITLE = "Pose changed"


class SceneText(NamedTuple):
    """What a surface shows as a scene's title and caption, and whether the pose was changed."""

    title: str
    caption: str
    modified: bool


def same_pose(a: Pose, b: Pose, tolerance: float = SAME_TOLERANCE) -> bool:
    """Whether two poses drive both sides the same way (same mode, same values)."""
    for side in SIDES:
        sa, sb = a.side(side).items(), b.side(side).items()
        if sa.keys() != sb.keys():
            return False
        if any(abs(sa[k] - sb[k]) > tolerance for k in sa):
            return False
    return True


def _number(value: float) -> str:
    """``12.0`` -> ``"12"``, ``2.54`` -> ``"2.5"``; never ``"-0"``."""
    text = f"{abs(value):.1f}".rstrip("0").rstrip(".")
    return text or "0"


def _side_summary(pose: SidePose) -> str:
    """One side in words: ``"GT 12 mm inferior, 3 mm anterior, hip flexed 90°"``, or
    ``"neutral"``."""
    parts: list[str] = []
    nil = 0.05  # below the precision shown: "0 mm superior" says nothing
    if pose.mode == "gt":
        gt = []
        if abs(pose.gt_superior_mm) >= nil:
            word = "superior" if pose.gt_superior_mm > 0 else "inferior"
            gt.append(f"{_number(pose.gt_superior_mm)} mm {word}")
        if abs(pose.gt_anterior_mm) >= nil:
            word = "anterior" if pose.gt_anterior_mm > 0 else "posterior"
            gt.append(f"{_number(pose.gt_anterior_mm)} mm {word}")
        if gt:
            parts.append("GT " + ", ".join(gt))
    else:
        abduction, rotation = pose.hip_abduction_deg or 0.0, pose.hip_rotation_deg or 0.0
        if abs(abduction) >= nil:
            word = "abducted" if abduction > 0 else "adducted"
            parts.append(f"hip {word} {_number(abduction)}\N{DEGREE SIGN}")
        if abs(rotation) >= nil:
            word = "internally" if rotation > 0 else "externally"
            parts.append(f"rotated {_number(rotation)}\N{DEGREE SIGN} {word}")
    if abs(pose.iliac_crest_superior_mm) >= nil:
        word = "raised" if pose.iliac_crest_superior_mm > 0 else "lowered"
        parts.append(f"iliac crest {_number(pose.iliac_crest_superior_mm)} mm {word}")
    if abs(pose.hip_flexion_deg) >= nil:
        parts.append(f"hip flexed {_number(pose.hip_flexion_deg)}\N{DEGREE SIGN}")
    return ", ".join(parts) or "neutral"


def pose_summary(pose: Pose) -> str:
    """The pose in one line, as a therapist would say it.

    ``"Right GT 12 mm inferior, 3 mm anterior; left neutral"``; ``"Both sides neutral"``.
    """
    right, left = _side_summary(pose.right), _side_summary(pose.left)
    if right == left == "neutral":
        return "Both sides neutral"
    return f"Right {right}; left {left}"


def caption_for(scene_pose: Pose | None, current_pose: Pose, title: str, caption: str) -> SceneText:
    """The title and caption to show for a scene whose text was written for ``scene_pose``
    while ``current_pose`` is shown.

    On the scene's pose (or with no scene pose to compare with): the author's ``title`` and
    ``caption``. Off it: the title says the pose was changed (:data:`CHANGED_TITLE`) and the
    caption what it is now (:func:`pose_summary`) and that the scene's text no longer
    applies, so the old caption is never drawn over a pose it does not describe.
    """
    if scene_pose is None or same_pose(scene_pose, current_pose):
        return SceneText(title, caption, False)
    summary = pose_summary(current_pose)
    if title:
        note = (
            f" The text of the scene \N{LEFT DOUBLE QUOTATION MARK}{title}"
            "\N{RIGHT DOUBLE QUOTATION MARK} describes its own pose, not this one; "
            "it returns when the pose does."
        )
    elif caption:
        note = (
            " The scene's caption describes its own pose, not this one; "
            "it returns when the pose does."
        )
    else:
        note = ""
    # the title is short so it is never cut; the caption (which wraps) leads with the pose
    return SceneText(CHANGED_TITLE, f"Now: {summary}.{note}", True)
