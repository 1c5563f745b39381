"""Femur against femur: how far apart the two thigh bones are in a pose (pure numpy).

Each femur's signed distance (mm, negative inside) is sampled once on a regular grid in
its own neutral frame (:class:`DistanceField`, built from the real mesh by
:mod:`hipviz.io.femur_contact`). A pose's gap is then the smallest field value of one
femur at the other's surface points, both ways round: a few thousand trilinear look-ups,
well under a millisecond, so a slider drag can afford it. A cheap test first (each femur
inside a capsule from hip centre to knee centre, :data:`CAPSULE_RADIUS_MM`) skips the
look-ups while the thighs are far apart, which is nearly always.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

log = logging.getLogger(__name__)

#: every femur vertex lies within this distance (mm) of the segment from its hip centre to
#: its knee centre (the mean shape: 65.1 mm, at the greater trochanter; checked in the tests)
CAPSULE_RADIUS_MM = 70.0
#: the pose stops when the femurs come this close (mm): the grid's interpolation and the
#: spacing of the surface points are well inside it, so the bones never overlap
CONTACT_MM = 1.0


@dataclass(frozen=True)
class DistanceField:
    """A bone's signed distance on a regular grid in its neutral frame.

    Attributes
    ----------
    origin : (3,) float
        Grid point (0, 0, 0), mm.
    spacing_mm : float
    values : (nx, ny, nz) float
        Signed distance, mm, negative inside the bone.
    """

    origin: np.ndarray
    spacing_mm: float
    values: np.ndarray

    @property
    def far_corner(self) -> np.ndarray:
        """The grid point opposite :attr:`origin`, (3,) mm."""
        return self.origin + self.spacing_mm * (np.array(self.values.shape) - 1)

    def __call__(self, points: np.ndarray) -> np.ndarray:
        """Signed distance (n,) at neutral-frame points (n, 3), trilinear; outside the grid
        the value at the nearest grid point plus the distance to it (never too small)."""
        return self.at_grid((np.asarray(points, float) - self.origin) / self.spacing_mm)

    @cached_property
    def _top(self) -> np.ndarray:
        # the largest grid coordinate interpolated in: a cell always has a far corner
        return np.array(self.values.shape) - 1.000001

    def at_grid(self, g: np.ndarray) -> np.ndarray:
        """:meth:`__call__` at grid coordinates ``(points - origin) / spacing_mm`` (n, 3)."""
        inside = np.clip(g, 0.0, self._top)
        outside_mm = np.linalg.norm(g - inside, axis=1) * self.spacing_mm
        i = inside.astype(int)
        f = inside - i
        v = self.values
        x0, y0, z0 = i.T
        x1, y1, z1 = x0 + 1, y0 + 1, z0 + 1
        fx, fy, fz = f.T
        c00 = v[x0, y0, z0] * (1 - fx) + v[x1, y0, z0] * fx
        c10 = v[x0, y1, z0] * (1 - fx) + v[x1, y1, z0] * fx
        c01 = v[x0, y0, z1] * (1 - fx) + v[x1, y0, z1] * fx
        c11 = v[x0, y1, z1] * (1 - fx) + v[x1, y1, z1] * fx
        c0 = c00 * (1 - fy) + c10 * fy
        c1 = c01 * (1 - fy) + c11 * fy
        return c0 * (1 - fz) + c1 * fz + outside_mm

    @cached_property
    def cell_least(self) -> np.ndarray:
        """Each grid cell's smallest corner value, (nx - 1, ny - 1, nz - 1): a point's
        trilinear value mixes its cell's corners, so it is never below this."""
        v = self.values
        least = v[:-1, :-1, :-1]
        for dx, dy, dz in ((1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (1, 0, 1), (0, 1, 1)):
            least = np.minimum(
                least,
                v[dx : v.shape[0] - 1 + dx, dy : v.shape[1] - 1 + dy, dz : v.shape[2] - 1 + dz],
            )
        return np.minimum(least, v[1:, 1:, 1:])

    def least_at_grid(self, g: np.ndarray) -> np.ndarray:
        """A lower bound (n,) of :meth:`at_grid` at grid coordinates (n, 3) inside the
        grid: the :attr:`cell_least` of the cell it interpolates in."""
        i = np.clip(g, 0.0, self._top).astype(int)
        return self.cell_least[i[:, 0], i[:, 1], i[:, 2]]


@dataclass(frozen=True)
class FemurPair:
    """Both femurs' distance fields and surface points, in their neutral frames (mm).

    Attributes
    ----------
    fields : dict side -> DistanceField
    points : dict side -> (n, 3) float
        Points on that femur's surface (its mesh vertices, thinned).
    """

    fields: dict[str, DistanceField]
    points: dict[str, np.ndarray]

    def gap_mm(self, femur_right: np.ndarray, femur_left: np.ndarray) -> float:
        """Smallest signed distance between the two femurs placed by (4, 4) transforms, mm
        (negative: one is inside the other; depths beyond the field's band read as the
        band). Femurs farther apart than the fields reach give ``inf``."""
        gap = np.inf
        for side, other, t_self, t_other in (
            ("right", "left", femur_right, femur_left),
            ("left", "right", femur_left, femur_right),
        ):
            # the other femur's points, room -> this femur's neutral frame
            r = t_self[:3, :3].T @ t_other[:3, :3]
            local = self.points[other] @ r.T + t_self[:3, :3].T @ (t_other[:3, 3] - t_self[:3, 3])
            field = self.fields[side]
            # only points inside this femur's grid can come near it: look those up
            near = ((local >= field.origin) & (local <= field.far_corner)).all(axis=1)
            if near.any():
                gap = min(gap, float(field(local[near]).min()))
        return gap

    @cached_property
    def _columns(self) -> dict[str, np.ndarray]:
        # (3, n), each coordinate contiguous: one (3, 3) @ (3, n) product places them all
        return {side: np.ascontiguousarray(p.T) for side, p in self.points.items()}

    def closer_than(self, femur_right: np.ndarray, femur_left: np.ndarray, mm: float) -> bool:
        """``gap_mm(femur_right, femur_left) < mm``, looking up only the points that can be
        that close: those whose grid cell has a corner below ``mm``. The answer is the same
        (every point closer than ``mm`` is among them); the time is a quarter, which is what
        a pose held at contact (a dozen checks while halving) costs a classroom server."""
        for side, other, t_self, t_other in (
            ("right", "left", femur_right, femur_left),
            ("left", "right", femur_left, femur_right),
        ):
            back = t_self[:3, :3].T
            local = back @ t_other[:3, :3] @ self._columns[other]  # (3, n)
            local += (back @ (t_other[:3, 3] - t_self[:3, 3]))[:, None]
            field = self.fields[side]
            lo, hi = self._box[side]
            inside = (local >= lo) & (local <= hi)
            near = inside[0] & inside[1] & inside[2]
            if not near.any():
                continue
            # grid coordinates as the field's own lookup computes them, point by point
            g = (local[:, near].T - field.origin) / field.spacing_mm
            # the margin covers round-off in mixing corners that are all exactly ``mm``
            maybe = field.least_at_grid(g) < mm + 1e-9
            if maybe.any() and field.at_grid(g[maybe]).min() < mm:
                return True
        return False

    @cached_property
    def _box(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        # each field's grid corners as columns, to compare with (3, n) points
        return {side: (f.origin[:, None], f.far_corner[:, None]) for side, f in self.fields.items()}


def segment_distance(p0, p1, q0, q1) -> float:
    """Shortest distance between segments p0-p1 and q0-q1 (three floats each), mm.

    Plain floats: it runs on every solve, where numpy's per-call cost on (3,) arrays
    would be most of the time.
    """
    d1 = [b - a for a, b in zip(p0, p1, strict=True)]
    d2 = [b - a for a, b in zip(q0, q1, strict=True)]
    r = [a - b for a, b in zip(p0, q0, strict=True)]
    dot = lambda u, v: u[0] * v[0] + u[1] * v[1] + u[2] * v[2]  # noqa: E731
    a, e, f, c, b = dot(d1, d1), dot(d2, d2), dot(d2, r), dot(d1, r), dot(d1, d2)
    denom = a * e - b * b
    s = min(max((b * f - c * e) / denom, 0.0), 1.0) if denom > 1e-12 else 0.0
    t = (b * s + f) / e
    if t < 0.0 or t > 1.0:
        t = min(max(t, 0.0), 1.0)
        s = min(max((b * t - c) / a, 0.0), 1.0)
    return math.dist([p0[k] + d1[k] * s for k in range(3)], [q0[k] + d2[k] * t for k in range(3)])


def capsules_apart(hip: dict, knee: dict, femurs: dict[str, np.ndarray]) -> bool:
    """Whether the femurs' bounding capsules (hip centre to knee centre, radius
    :data:`CAPSULE_RADIUS_MM`) are apart by more than :data:`CONTACT_MM`, so the bones are too.

    ``hip``, ``knee``: side -> three neutral-frame floats; ``femurs``: side -> (4, 4).
    """
    ends = []
    for side in ("right", "left"):
        t = femurs[side].tolist()
        for p in (hip[side], knee[side]):
            ends.append(
                [t[i][0] * p[0] + t[i][1] * p[1] + t[i][2] * p[2] + t[i][3] for i in range(3)]
            )
    return segment_distance(*ends) > 2 * CAPSULE_RADIUS_MM + CONTACT_MM


class ContactCheck:
    """The femur-femur gap of a pose, cheap while the thighs are apart.

    Parameters
    ----------
    hip, knee : dict side -> (3,) float
        Hip and knee centres at neutral (the capsules of the first test).
    load_pair : callable returning FemurPair
        Called the first time the capsules meet (building the fields takes a second or
        two), then kept.
    """

    def __init__(self, hip: dict, knee: dict, load_pair: Callable[[], FemurPair]):
        self.hip = {s: tuple(map(float, hip[s])) for s in ("right", "left")}
        self.knee = {s: tuple(map(float, knee[s])) for s in ("right", "left")}
        self._load_pair = load_pair
        self._pair: FemurPair | None = None

    @property
    def pair(self) -> FemurPair:
        if self._pair is None:
            self._pair = self._load_pair()
        return self._pair

    def gap_mm(self, femur_right: np.ndarray, femur_left: np.ndarray) -> float:
        """Smallest distance between the femurs, mm (``inf`` when their capsules are apart)."""
        if capsules_apart(self.hip, self.knee, {"right": femur_right, "left": femur_left}):
            return math.inf
        return self.pair.gap_mm(femur_right, femur_left)

    def capsules_meet(self, femur_right: np.ndarray, femur_left: np.ndarray) -> np.ndarray:
        """For many poses ((n, 4, 4) each): (n,) bool, True where the femurs' capsules meet
        (so the femurs may touch), vectorised for :meth:`HipModel.sweep`."""
        ends = []
        for t, side in ((femur_right, "right"), (femur_left, "left")):
            for p in (self.hip[side], self.knee[side]):
                ends.append(t[..., :3, :3] @ np.array(p) + t[..., :3, 3])
        p0, p1, q0, q1 = ends
        d1, d2, r = p1 - p0, q1 - q0, p0 - q0
        dot = lambda u, v: (u * v).sum(-1)  # noqa: E731
        a, e, f, c, b = dot(d1, d1), dot(d2, d2), dot(d2, r), dot(d1, r), dot(d1, d2)
        denom = a * e - b * b
        s = np.where(denom > 1e-12, np.clip((b * f - c * e) / np.maximum(denom, 1e-12), 0, 1), 0)
        t = (b * s + f) / e
        out = (t < 0) | (t > 1)
        t = np.clip(t, 0.0, 1.0)
        s = np.where(out, np.clip((b * t - c) / a, 0.0, 1.0), s)
        gap = np.linalg.norm(p0 + d1 * s[..., None] - (q0 + d2 * t[..., None]), axis=-1)
        return gap <= 2 * CAPSULE_RADIUS_MM + CONTACT_MM

    def touching(self, femur_right: np.ndarray, femur_left: np.ndarray) -> bool:
        """Whether the femurs are closer than :data:`CONTACT_MM` (or through each other)."""
        if capsules_apart(self.hip, self.knee, {"right": femur_right, "left": femur_left}):
            return False
        return self.pair.closer_than(femur_right, femur_left, CONTACT_MM)
