"""Muscle line models: attachment and via points on bodies, sphere wraps, path lengths.

A path is a polyline from origin through via points to insertion; each point is fixed
to a body (``pelvis``, ``femur_right`` or ``femur_left``) and given in the neutral frame
(mm). A segment may wrap over a sphere fixed to a body (the hip capsule, the femoral
head): where the straight segment would cut the sphere, the path runs along the
tangents and the great-circle arc between them, as OpenSim's sphere wrap does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

MUSCLES = (
    "gluteus_medius_anterior",
    "gluteus_medius_middle",
    "gluteus_medius_posterior",
    "gluteus_minimus_anterior",
    "gluteus_minimus_middle",
    "gluteus_minimus_posterior",
    "piriformis",
)
GROUPS = {"gluteus_medius": MUSCLES[0:3], "gluteus_minimus": MUSCLES[3:6], "piriformis": MUSCLES[6:]}
BODIES = ("pelvis", "femur_right", "femur_left")


@dataclass(frozen=True)
class Wrap:
    """A sphere that segment ``segment`` (points ``segment`` -> ``segment + 1``) wraps over."""

    segment: int
    body: str
    centre: np.ndarray  # (3,) neutral frame, mm
    radius: float  # mm


@dataclass(frozen=True)
class MusclePath:
    """One muscle path (a compartment of one side).

    Attributes
    ----------
    muscle, side : str
    names : tuple of str
        Point names (source site names).
    roles : tuple of str
        ``origin``, ``via`` or ``insertion`` per point.
    bodies : tuple of str
        Body of each point (a key of :data:`BODIES`).
    points : (k, 3) float
        Points in the neutral frame, mm.
    wraps : tuple of Wrap
    """

    muscle: str
    side: str
    names: tuple[str, ...]
    roles: tuple[str, ...]
    bodies: tuple[str, ...]
    points: np.ndarray
    wraps: tuple[Wrap, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.side}.{self.muscle}"


def load_muscles(path: Path | None = None, hip_centres: dict[str, np.ndarray] | None = None
                 ) -> tuple[MusclePath, ...]:
    """Read ``muscles.json`` (femur points relative to that side's hip centre) into paths.

    Parameters
    ----------
    path : Path, optional
        The data file; the package's ``hipviz/data/muscles.json`` by default.
    hip_centres : dict side -> (3,) float
        Hip centres in the neutral frame, to place femur points; from ``landmarks.json``.
    """
    text = (Path(path).read_text() if path is not None
            else resources.files("hipviz.data").joinpath("muscles.json").read_text())
    data = json.loads(text)
    paths = []
    for m in data["muscles"]:
        side = m["side"]

        def to_neutral(body: str, p) -> np.ndarray:
            p = np.asarray(p, float)
            return p + hip_centres[side] if body == "femur" else p

        bodies = tuple("pelvis" if p["body"] == "pelvis" else f"femur_{side}" for p in m["points"])
        points = np.array([to_neutral(p["body"], p["position_mm"]) for p in m["points"]])
        wraps = tuple(
            Wrap(int(w["segment"]), "pelvis" if w["body"] == "pelvis" else f"femur_{side}",
                 to_neutral(w["body"], w["centre_mm"]), float(w["radius_mm"]))
            for w in m.get("wraps", [])
        )
        paths.append(MusclePath(m["muscle"], side, tuple(p["name"] for p in m["points"]),
                                tuple(p["role"] for p in m["points"]), bodies, points, wraps))
    order = {(s, mu): i for i, (s, mu) in enumerate((s, mu) for s in ("right", "left") for mu in MUSCLES)}
    return tuple(sorted(paths, key=lambda p: order[(p.side, p.muscle)]))


def transform_points(transforms: dict[str, np.ndarray], bodies: tuple[str, ...],
                     points: np.ndarray) -> np.ndarray:
    """Neutral-frame points on bodies -> room, for every pose: (k, 3) -> (..., k, 3)."""
    out = None
    for body in set(bodies):
        idx = [i for i, b in enumerate(bodies) if b == body]
        t = transforms[body]
        moved = points[idx] @ np.swapaxes(t[..., :3, :3], -1, -2) + t[..., None, :3, 3]
        if out is None:
            out = np.empty(moved.shape[:-2] + (len(bodies), 3))
        out[..., idx, :] = moved
    return out


def sphere_wrap_length(p: np.ndarray, q: np.ndarray, centre: np.ndarray, radius: float) -> np.ndarray:
    """Shortest length from p to q (..., 3) that does not enter a sphere.

    Straight if the segment misses the sphere; otherwise tangent + great-circle arc +
    tangent in the plane through p, q and the centre. Continuous, with a continuous
    first derivative, where the wrap engages.
    """
    a, b = p - centre, q - centre
    da, db = np.linalg.norm(a, axis=-1), np.linalg.norm(b, axis=-1)
    straight = np.linalg.norm(q - p, axis=-1)
    ra, rb = np.clip(radius / da, -1.0, 1.0), np.clip(radius / db, -1.0, 1.0)
    gamma = np.arccos(np.clip((a * b).sum(-1) / (da * db), -1.0, 1.0))
    arc = gamma - np.arccos(ra) - np.arccos(rb)
    wrapped = np.sqrt(np.maximum(da**2 - radius**2, 0)) + np.sqrt(np.maximum(db**2 - radius**2, 0)) \
        + radius * np.maximum(arc, 0.0)
    return np.where(arc > 0.0, wrapped, straight)


def sphere_wrap_points(p: np.ndarray, q: np.ndarray, centre: np.ndarray, radius: float,
                       samples: int = 12) -> np.ndarray:
    """Points of the wrapped path from p to q (one pose, (3,) each): (m, 3), ends included."""
    a, b = p - centre, q - centre
    da, db = np.linalg.norm(a), np.linalg.norm(b)
    gamma = np.arccos(np.clip(a @ b / (da * db), -1.0, 1.0))
    ta, tb = np.arccos(min(radius / da, 1.0)), np.arccos(min(radius / db, 1.0))
    if gamma - ta - tb <= 0.0 or gamma < 1e-9:
        return np.array([p, q])
    e1 = a / da
    e2 = b - (b @ e1) * e1
    e2 /= np.linalg.norm(e2)
    angles = np.linspace(ta, gamma - tb, samples)
    arc = centre + radius * (np.cos(angles)[:, None] * e1 + np.sin(angles)[:, None] * e2)
    return np.vstack([p, arc, q])


class MuscleSet:
    """All paths, evaluated together for one pose or many.

    Parameters
    ----------
    paths : tuple of MusclePath
    """

    def __init__(self, paths: tuple[MusclePath, ...]):
        self.paths = paths
        self.keys = tuple(p.key for p in paths)
        identity = {b: np.eye(4) for b in BODIES}
        self.rest_lengths = self.lengths(identity)

    def world_points(self, transforms: dict[str, np.ndarray]) -> list[np.ndarray]:
        """Each path's points in the room, (..., k, 3)."""
        return [transform_points(transforms, p.bodies, p.points) for p in self.paths]

    def lengths(self, transforms: dict[str, np.ndarray]) -> np.ndarray:
        """Path lengths, mm: (..., n_paths) for body transforms of shape (..., 4, 4)."""
        out = []
        for path, pts in zip(self.paths, self.world_points(transforms)):
            seg = np.linalg.norm(np.diff(pts, axis=-2), axis=-1)
            for w in path.wraps:
                t = transforms[w.body]
                centre = t[..., :3, :3] @ w.centre + t[..., :3, 3]
                seg[..., w.segment] = sphere_wrap_length(
                    pts[..., w.segment, :], pts[..., w.segment + 1, :], centre, w.radius)
            out.append(seg.sum(-1))
        return np.stack(out, axis=-1)

    def polylines(self, transforms: dict[str, np.ndarray]) -> list[np.ndarray]:
        """Each path as drawn (one pose): (m, 3) points with wrap arcs sampled."""
        lines = []
        for path, pts in zip(self.paths, self.world_points(transforms)):
            wraps = {w.segment: w for w in path.wraps}
            out = [pts[0]]
            for i in range(len(pts) - 1):
                if i in wraps:
                    w = wraps[i]
                    t = transforms[w.body]
                    centre = t[:3, :3] @ w.centre + t[:3, 3]
                    out.extend(sphere_wrap_points(pts[i], pts[i + 1], centre, w.radius)[1:])
                else:
                    out.append(pts[i + 1])
            lines.append(np.array(out))
        return lines
