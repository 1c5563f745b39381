"""Small geometric helpers in pure numpy: sphere fits, frames and 4x4 transforms."""

from __future__ import annotations

import math

import numpy as np


def unit(v: np.ndarray) -> np.ndarray:
    """Vectors scaled to unit length along the last axis."""
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def fit_sphere(points: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares sphere through points.

    Parameters
    ----------
    points : (n, 3) float
        Points on the sphere, mm.

    Returns
    -------
    centre : (3,) float
        Sphere centre, mm.
    radius : float
        Sphere radius, mm.
    """
    p = np.asarray(points, dtype=float)
    a = np.column_stack([2.0 * p, np.ones(len(p))])
    b = (p**2).sum(axis=1)
    sol, *_ = np.linalg.lstsq(a, b, rcond=None)
    centre = sol[:3]
    return centre, float(np.sqrt(sol[3] + centre @ centre))


def frame_from_axes(x: np.ndarray, y: np.ndarray, z: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """4x4 transform taking frame coordinates to parent coordinates.

    ``x``, ``y``, ``z`` are the frame's unit axes and ``origin`` its origin, all given
    in the parent frame.
    """
    t = np.eye(4)
    t[:3, :3] = np.column_stack([x, y, z])
    t[:3, 3] = origin
    return t


def invert(transform: np.ndarray) -> np.ndarray:
    """Inverse of a rigid 4x4 transform (or a stack (..., 4, 4))."""
    r = np.swapaxes(transform[..., :3, :3], -1, -2)
    out = np.zeros_like(transform)
    out[..., :3, :3] = r
    out[..., :3, 3] = -(r @ transform[..., :3, 3, None])[..., 0]
    out[..., 3, 3] = 1.0
    return out


def apply(transform: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a 4x4 transform to points: (n, 3) -> (n, 3)."""
    p = np.asarray(points, dtype=float)
    return p @ transform[:3, :3].T + transform[:3, 3]


def is_scalar(*values) -> bool:
    """True if every value is one number (a float, an int, a numpy scalar or a 0-d array).

    The kinematics takes plain-float fast paths for one pose; ``np.ndim`` itself costs
    a few microseconds per call on a Python float, which is why this exists.
    """
    for v in values:
        if not (
            isinstance(v, (float, int, np.generic)) or (isinstance(v, np.ndarray) and v.ndim == 0)
        ):
            return False
    return True


#: axis -> (the axis' index, the two indices its rotation mixes, in right-handed order)
_AXES = {"x": (0, 1, 2), "y": (1, 2, 0), "z": (2, 0, 1)}


def rotation(axis: str, angle_rad: np.ndarray | float) -> np.ndarray:
    """Rotation matrix about a coordinate axis ('x', 'y' or 'z'), right-handed.

    ``angle_rad`` may be an array of shape (...,); the result is (..., 3, 3).
    """
    k, i, j = _AXES[axis]
    a = np.asarray(angle_rad, dtype=float)
    if a.ndim == 0:  # one pose (a slider step): math is ten times faster than numpy here
        c, s = math.cos(a), math.sin(a)
        out = np.zeros((3, 3))
    else:
        c, s = np.cos(a), np.sin(a)
        out = np.zeros(a.shape + (3, 3))
    out[..., k, k] = 1.0
    out[..., i, i] = c
    out[..., j, j] = c
    out[..., i, j] = -s
    out[..., j, i] = s
    return out
