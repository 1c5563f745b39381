"""Smooth transitions between two poses and two camera positions: pure numpy, no Qt.

A workshop steps from one teaching case to the next; moving the bones and the camera over
half a second, easing in and out, lets a room see *what changed*, where a jump would only
show the result. The GUI drives the clock; these functions give the in-between states.
"""

from __future__ import annotations

import logging
import math
from dataclasses import fields

import numpy as np

from hipviz.core.pose import ANGLE_KEYS, GT_KEYS, SIDES, Pose, SidePose

log = logging.getLogger(__name__)

#: a camera as pyvista gives it: (position, focal point, view up), each (3,) float, mm
CameraTuple = tuple[
    tuple[float, float, float], tuple[float, float, float], tuple[float, float, float]
]


def ease_in_out(t: float) -> float:
    """Cosine ease: 0 at ``t <= 0``, 1 at ``t >= 1``, zero speed at both ends."""
    t = min(max(float(t), 0.0), 1.0)
    return 0.5 - 0.5 * math.cos(math.pi * t)


def interpolate_pose(start: Pose, end: Pose, s: float) -> Pose:
    """The pose a fraction ``s`` (0 to 1) of the way from ``start`` to ``end``.

    Every value moves in a straight line, so each stays within its range (a convex
    combination of two allowed values is allowed); ``s = 1`` gives ``end`` exactly.
    """
    if s >= 1.0:
        return end
    if s <= 0.0:
        return start

    def side(name: str) -> SidePose:
        a, b = start.side(name), end.side(name)
        # one side driven by the GT, the other by the angles: those values have nothing to
        # blend with, so they switch halfway (crest and flexion still blend)
        mode_from = a if s < 0.5 else b
        values = {}
        for f in fields(SidePose):
            v0, v1 = getattr(a, f.name), getattr(b, f.name)
            if a.mode != b.mode and f.name in GT_KEYS + ANGLE_KEYS:
                values[f.name] = getattr(mode_from, f.name)
            else:
                values[f.name] = None if v0 is None else v0 + s * (v1 - v0)
        return SidePose(**values)

    return Pose(**{name: side(name) for name in SIDES})


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _rotate(v: np.ndarray, axis: np.ndarray, angle: float) -> np.ndarray:
    """Rodrigues' rotation of ``v`` about the unit ``axis`` by ``angle`` rad."""
    c, s = math.cos(angle), math.sin(angle)
    return v * c + np.cross(axis, v) * s + axis * (axis @ v) * (1.0 - c)


def interpolate_camera(start: CameraTuple, end: CameraTuple, s: float) -> CameraTuple:
    """The camera a fraction ``s`` (0 to 1) of the way from ``start`` to ``end``.

    The camera orbits: the focal point and the distance move in straight lines, the view
    direction turns on a great circle (the shortest way; about the view-up axis when the
    two directions are opposite, e.g. anterior to posterior, so the camera walks round the
    body rather than through it), and the view up follows, rolling the rest of the way.
    A straight line between the two eye positions would pass through the pelvis.
    """
    p0, f0, u0 = (np.asarray(v, float) for v in start)
    p1, f1, u1 = (np.asarray(v, float) for v in end)
    if s >= 1.0:
        return _as_tuple(p1, f1, u1)
    if s <= 0.0:
        return _as_tuple(p0, f0, u0)
    d0, d1 = p0 - f0, p1 - f1
    r0, r1 = np.linalg.norm(d0), np.linalg.norm(d1)
    a, b = d0 / r0, d1 / r1
    up_a = _unit(u0 - (u0 @ a) * a)
    up_b = _unit(u1 - (u1 @ b) * b)
    cross = np.cross(a, b)
    angle = math.atan2(np.linalg.norm(cross), float(a @ b))
    if np.linalg.norm(cross) > 1e-9:
        axis = _unit(cross)
    else:  # parallel or opposite: turn about the view up
        axis = up_a
    # roll still needed at the end, after the direction turn carried the up vector along
    carried = _rotate(up_a, axis, angle)
    roll = math.atan2(float(np.cross(carried, up_b) @ b), float(carried @ up_b))
    direction = _rotate(a, axis, s * angle)
    up = _rotate(_rotate(up_a, axis, s * angle), direction, s * roll)
    focal = f0 + s * (f1 - f0)
    position = focal + direction * (r0 + s * (r1 - r0))
    return _as_tuple(position, focal, up)


def _as_tuple(position, focal, up) -> CameraTuple:
    return (
        tuple(float(x) for x in position),
        tuple(float(x) for x in focal),
        tuple(float(x) for x in up),
    )
