"""The pose a therapist dials in: per side GT displacement, iliac crest height and hip flexion.

Keys, units and allowed ranges live here once; scene files, ``hipviz report --set`` and
the GUI all validate against :data:`RANGES`.
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
}
POSE_KEYS = tuple(RANGES)


class PoseError(ValueError):
    """A pose key or value a user gave is not allowed; the message says what is."""


@dataclass(frozen=True)
class SidePose:
    """One side's controls, against neutral (anatomical position), as palpated in the room."""

    gt_superior_mm: float = 0.0
    gt_anterior_mm: float = 0.0
    iliac_crest_superior_mm: float = 0.0
    hip_flexion_deg: float = 0.0


@dataclass(frozen=True)
class Pose:
    """Both sides' controls."""

    right: SidePose = SidePose()
    left: SidePose = SidePose()

    def side(self, side: str) -> SidePose:
        return self.right if side == "right" else self.left

    def get(self, key: str) -> float:
        """Value of a ``side.key`` such as ``"right.gt_superior_mm"``."""
        side, name = split_key(key)
        return getattr(self.side(side), name)

    def with_value(self, key: str, value: Any) -> Pose:
        """A copy with one ``side.key`` changed (validated)."""
        side, name = split_key(key)
        new_side = replace(self.side(side), **{name: check_value(key, value)})
        return replace(self, **{side: new_side})

    def with_values(self, values: dict[str, Any]) -> Pose:
        pose = self
        for key, value in values.items():
            pose = pose.with_value(key, value)
        return pose

    def as_dict(self) -> dict[str, float]:
        """Flat ``{"right.gt_superior_mm": 0.0, ...}`` in a fixed order."""
        return {f"{s}.{f.name}": getattr(self.side(s), f.name) for s in SIDES for f in fields(SidePose)}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Pose:
        return cls().with_values(values)


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
        raise PoseError(f"{key}: '{value}' is not a number (allowed {low:g} to {high:g} {unit})")
    number = float(value)
    if math.isnan(number) or not low <= number <= high:
        raise PoseError(f"{key}: {value} is out of range (allowed {low:g} to {high:g} {unit})")
    return number
