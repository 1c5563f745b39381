"""The pose a therapist dials in: per side GT displacement, iliac crest height and hip flexion,
or, instead of the GT displacement, the hip's abduction and rotation angles.

Keys, units and allowed ranges live here once; scene files, ``hipviz report --set`` and
the GUI all validate against :data:`RANGES`.

A side is driven either by its greater trochanter's position (mode ``"gt"``, the
default: the femur's abduction and rotation are solved so the GT lands there) or by its
joint angles (mode ``"angles"``). Giving both for one side is an error
(:func:`check_one_mode`). The angles follow OpenSim's gait2392 convention: flexion about
the pelvis' medio-lateral axis, then adduction, then rotation about the femur's own long
axis, each from anatomical neutral.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any

SIDES = ("right", "left")

#: pose key -> (minimum, maximum, unit, plain-language label)
RANGES: dict[str, tuple[float, float, str, str]] = {
    "gt_superior_mm": (-25.0, 25.0, "mm", "greater trochanter superior (+) / inferior (-)"),
    "gt_anterior_mm": (-25.0, 25.0, "mm", "greater trochanter anterior (+) / posterior (-)"),
    "iliac_crest_superior_mm": (-25.0, 25.0, "mm", "iliac crest superior (+) / inferior (-)"),
    "hip_flexion_deg": (0.0, 90.0, "deg", "hip flexion"),
    # the same limits the GT solver clamps to (kinematics.ABDUCTION_RANGE_DEG, ROTATION_RANGE_DEG)
    "hip_abduction_deg": (-30.0, 45.0, "deg", "hip abduction (+) / adduction (-)"),
    "hip_rotation_deg": (-45.0, 45.0, "deg", "hip internal (+) / external (-) rotation"),
}
POSE_KEYS = tuple(RANGES)
#: the keys that drive a side in each mode (flexion and the crest drive in both)
GT_KEYS = ("gt_superior_mm", "gt_anterior_mm")
ANGLE_KEYS = ("hip_abduction_deg", "hip_rotation_deg")
MODES = ("gt", "angles")


class PoseError(ValueError):
    """A pose key or value a user gave is not allowed; the message says what is."""


@dataclass(frozen=True)
class SidePose:
    """One side's controls, against neutral (anatomical position), as palpated in the room.

    The angles are ``None`` while the GT position drives the side (mode ``"gt"``); when
    the angles drive (mode ``"angles"``) both are numbers and the GT values are unused
    (0). A :class:`~hipviz.core.model.Solution`'s ``reached`` pose holds both.
    """

    gt_superior_mm: float = 0.0
    gt_anterior_mm: float = 0.0
    iliac_crest_superior_mm: float = 0.0
    hip_flexion_deg: float = 0.0
    hip_abduction_deg: float | None = None
    hip_rotation_deg: float | None = None

    @property
    def mode(self) -> str:
        """``"angles"`` when the joint angles drive this side, else ``"gt"``."""
        unset = self.hip_abduction_deg is None and self.hip_rotation_deg is None
        return "gt" if unset else "angles"

    def items(self) -> dict[str, float]:
        """The values that drive this side, in a fixed order (no unused keys, no ``None``)."""
        skip = GT_KEYS if self.mode == "angles" else ANGLE_KEYS
        return {f.name: getattr(self, f.name) for f in fields(SidePose) if f.name not in skip}

    def with_value(self, side: str, name: str, value: float) -> SidePose:
        """A copy with one (already validated) value set, switching mode when that is safe.

        An angle on a side the GT drives switches it to the angles only while the GT
        values are 0 (the other angle becomes 0), and a GT value on a side the angles
        drive switches back only while both angles are 0; otherwise PoseError.
        """
        if name in ANGLE_KEYS and self.mode == "gt":
            if self.gt_superior_mm or self.gt_anterior_mm:
                raise PoseError(both_modes_message(side))
            return replace(
                self,
                **{
                    "gt_superior_mm": 0.0,
                    "gt_anterior_mm": 0.0,
                    "hip_abduction_deg": 0.0,
                    "hip_rotation_deg": 0.0,
                    name: value,
                },
            )
        if name in GT_KEYS and self.mode == "angles":
            if self.hip_abduction_deg or self.hip_rotation_deg:
                raise PoseError(both_modes_message(side))
            return replace(
                self, **{"hip_abduction_deg": None, "hip_rotation_deg": None, name: value}
            )
        return replace(self, **{name: value})


@dataclass(frozen=True)
class Pose:
    """Both sides' controls."""

    right: SidePose = SidePose()
    left: SidePose = SidePose()

    def side(self, side: str) -> SidePose:
        return self.right if side == "right" else self.left

    def get(self, key: str) -> float | None:
        """Value of a ``side.key`` such as ``"right.gt_superior_mm"`` (``None``: unused angle)."""
        side, name = split_key(key)
        return getattr(self.side(side), name)

    def with_value(self, key: str, value: Any) -> Pose:
        """A copy with one ``side.key`` changed (validated)."""
        side, name = split_key(key)
        new_side = self.side(side).with_value(side, name, check_value(key, value))
        return replace(self, **{side: new_side})

    def with_side(self, side: str, side_pose: SidePose) -> Pose:
        """A copy with one side's controls replaced."""
        return replace(self, **{side: side_pose})

    def with_values(self, values: dict[str, Any]) -> Pose:
        """A copy with several ``side.key`` values changed; PoseError if one side gets both
        a GT key and an angle key (:func:`check_one_mode`) or a value is not allowed."""
        check_one_mode(values)
        pose = self
        for key, value in values.items():
            pose = pose.with_value(key, value)
        return pose

    def as_dict(self) -> dict[str, float]:
        """Flat ``{"right.gt_superior_mm": 0.0, ...}`` in a fixed order, without ``None`` angles.

        A side the GT drives has no angle keys; a reached pose (which holds both) has all.
        """
        return {
            f"{s}.{f.name}": getattr(self.side(s), f.name)
            for s in SIDES
            for f in fields(SidePose)
            if getattr(self.side(s), f.name) is not None
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Pose:
        """The pose from flat ``side.key`` values; PoseError if one side gets both modes' keys."""
        return cls().with_values(values)


def both_modes_message(side: str, keys: tuple[str, ...] = ()) -> str:
    """The error for a side given both a GT key and an angle key."""
    given = f" (given: {', '.join(keys)})" if keys else ""
    return (
        f"{side}: give either the GT position ({', '.join(GT_KEYS)}) or the angles "
        f"({', '.join(ANGLE_KEYS)}), not both{given}"
    )


def check_one_mode(keys) -> None:
    """PoseError if, for one side, the ``side.key`` names include both a GT and an angle key."""
    for side in SIDES:
        names = [k.partition(".")[2] for k in keys if k.partition(".")[0] == side]
        gt = [n for n in names if n in GT_KEYS]
        angles = [n for n in names if n in ANGLE_KEYS]
        if gt and angles:
            raise PoseError(both_modes_message(side, tuple(f"{side}.{n}" for n in gt + angles)))


def split_key(key: str) -> tuple[str, str]:
    """``"right.gt_superior_mm"`` -> ``("right", "gt_superior_mm")``, or PoseError."""
    side, dot, name = key.partition(".")
    if not dot or side not in SIDES or name not in RANGES:
        raise PoseError(
            f"unknown pose key '{key}'; allowed: SIDE.KEY with SIDE one of {', '.join(SIDES)} "
            f"and KEY one of {', '.join(POSE_KEYS)}"
        )
    return side, name


def check_value(key: str, value: Any) -> float:
    """The value as a float within its range, or PoseError naming the key and the range."""
    name = key.rpartition(".")[2]
    low, high, unit, _ = RANGES[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        text = str(value)
        # one line whatever was given: control characters escaped, long text clipped
        shown = f"'{text}'" if text.isprintable() and len(text) <= 60 else repr(text[:60])
        raise PoseError(f"{key}: {shown} is not a number (allowed {low:g} to {high:g} {unit})")
    # compared before float(): a 310-digit integer has no float (OverflowError)
    if (isinstance(value, float) and math.isnan(value)) or not low <= value <= high:
        shown = "a huge number" if isinstance(value, int) and abs(value) > 1e15 else value
        raise PoseError(f"{key}: {shown} is out of range (allowed {low:g} to {high:g} {unit})")
    return float(value)
