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
    "gluteus_maximus_superior",
    "gluteus_maximus_middle",
    "gluteus_maximus_inferior",
    "tensor_fasciae_latae",
)
GROUPS = {
    "gluteus_medius": MUSCLES[0:3],
    "gluteus_minimus": MUSCLES[3:6],
    "piriformis": MUSCLES[6:7],
    "gluteus_maximus": MUSCLES[7:10],
    "tensor_fasciae_latae": MUSCLES[10:],
}
#: muscles drawn only when asked for (one click in the Display panel, or a scene's list):
#: gluteus maximus lies over gluteus medius, minimus and piriformis in the posterior view
#: and runs on down the femur, tensor fasciae latae down to the knee; with them the lines the
#: source texts reason about (medius, minimus, piriformis at the trochanter) are hard to
#: follow. They are always in the tables, plots and reports.
HIDDEN_BY_DEFAULT = GROUPS["gluteus_maximus"] + GROUPS["tensor_fasciae_latae"]
BODIES = ("pelvis", "femur_right", "femur_left")
#: points drawn round a rounded via-point corner (:func:`round_corners`)
CORNER_SAMPLES = 15


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
    fibre_wraps : tuple of (int, Wrap)
        Spheres the build designed for single fibres of this compartment's fan, by the
        fibre's index in the fan: that fibre wraps over these instead of the spheres
        interpolated from the compartments (:mod:`hipviz.core.fibres`).
    """

    muscle: str
    side: str
    names: tuple[str, ...]
    roles: tuple[str, ...]
    bodies: tuple[str, ...]
    points: np.ndarray
    wraps: tuple[Wrap, ...] = ()
    fibre_wraps: tuple[tuple[int, Wrap], ...] = ()

    @property
    def key(self) -> str:
        return f"{self.side}.{self.muscle}"


def load_muscles(
    path: Path | None = None, hip_centres: dict[str, np.ndarray] | None = None
) -> tuple[MusclePath, ...]:
    """Read ``muscles.json`` (default: the package's ``hipviz/data/muscles.json``) into paths:
    :func:`muscle_paths` of the file's data."""
    text = (
        Path(path).read_text()
        if path is not None
        else resources.files("hipviz.data").joinpath("muscles.json").read_text()
    )
    return muscle_paths(json.loads(text), hip_centres)


def muscle_paths(
    data: dict, hip_centres: dict[str, np.ndarray] | None = None
) -> tuple[MusclePath, ...]:
    """The paths of ``muscles.json``'s data (femur points relative to that side's hip centre).

    Parameters
    ----------
    data : dict
        The parsed ``muscles.json``.
    hip_centres : dict side -> (3,) float
        Hip centres in the neutral frame, to place femur points; from ``landmarks.json``.
    """
    paths = []
    for m in data["muscles"]:
        side = m["side"]

        def to_neutral(body: str, p, side: str = side) -> np.ndarray:
            p = np.asarray(p, float)
            return p + hip_centres[side] if body == "femur" else p

        bodies = tuple("pelvis" if p["body"] == "pelvis" else f"femur_{side}" for p in m["points"])
        points = np.array([to_neutral(p["body"], p["position_mm"]) for p in m["points"]])

        def wrap(w: dict, side: str = side) -> Wrap:
            return Wrap(
                int(w["segment"]),
                "pelvis" if w["body"] == "pelvis" else f"femur_{side}",
                to_neutral(w["body"], w["centre_mm"]),
                float(w["radius_mm"]),
            )

        paths.append(
            MusclePath(
                m["muscle"],
                side,
                tuple(p["name"] for p in m["points"]),
                tuple(p["role"] for p in m["points"]),
                bodies,
                points,
                tuple(wrap(w) for w in m.get("wraps", [])),
                tuple((int(w["fibre"]), wrap(w)) for w in m.get("fibre_wraps", [])),
            )
        )
    order = {
        (s, mu): i for i, (s, mu) in enumerate((s, mu) for s in ("right", "left") for mu in MUSCLES)
    }
    return tuple(sorted(paths, key=lambda p: order[(p.side, p.muscle)]))


def transform_points(
    transforms: dict[str, np.ndarray], bodies: tuple[str, ...], points: np.ndarray
) -> np.ndarray:
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


def sphere_wrap_length(p: np.ndarray, q: np.ndarray, centre: np.ndarray, radius) -> np.ndarray:
    """Shortest length from p to q (..., 3) that does not enter a sphere.

    ``centre`` is (..., 3) and ``radius`` (mm) a float or a (...,) array, so many
    spheres are wrapped in one call.

    Straight if the segment misses the sphere; otherwise tangent + great-circle arc +
    tangent in the plane through p, q and the centre. Continuous, with a continuous
    first derivative, where the wrap engages. An end inside the sphere (a femur point
    carried into a pelvis-fixed sphere) shrinks the sphere to pass through that end, so
    the length stays continuous and never ignores the gap.
    """
    # written with sqrt, minimum and maximum rather than norm and clip (the same numbers):
    # on the 14 wraps of one pose numpy's per-call overhead is most of the cost
    a, b, pq = p - centre, q - centre, q - p
    da, db = np.sqrt((a * a).sum(-1)), np.sqrt((b * b).sum(-1))
    straight = np.sqrt((pq * pq).sum(-1))
    # an end inside the sphere shrinks it to that end's distance, so the path still goes
    # round (continuously, as the end crosses the surface) instead of skipping the gap
    radius = np.minimum(radius, np.minimum(da, db))
    ra = np.minimum(np.maximum(radius / da, -1.0), 1.0)
    rb = np.minimum(np.maximum(radius / db, -1.0), 1.0)
    gamma = np.arccos(np.minimum(np.maximum((a * b).sum(-1) / (da * db), -1.0), 1.0))
    arc = gamma - np.arccos(ra) - np.arccos(rb)
    wrapped = (
        np.sqrt(np.maximum(da**2 - radius**2, 0))
        + np.sqrt(np.maximum(db**2 - radius**2, 0))
        + radius * np.maximum(arc, 0.0)
    )
    return np.where(arc > 0.0, wrapped, straight)


def sphere_wrap_points(
    p: np.ndarray, q: np.ndarray, centre: np.ndarray, radius: float, samples: int = 12
) -> np.ndarray:
    """Points of the wrapped path from p to q (one pose, (3,) each): (m, 3), ends included."""
    a, b = p - centre, q - centre
    da, db = np.linalg.norm(a), np.linalg.norm(b)
    radius = min(radius, da, db)  # an end inside: see sphere_wrap_length
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

    The points of all paths are stacked once, at construction, into one array per body,
    so a pose's lengths are three small matrix products, one vectorised norm and one
    vectorised wrap: no per-path Python loop and no tiny-array numpy calls, which
    dominate the cost for a single pose (a slider step).

    Parameters
    ----------
    paths : tuple of MusclePath
    """

    def __init__(self, paths: tuple[MusclePath, ...]):
        self.paths = paths
        self.keys = tuple(p.key for p in paths)
        counts = [len(p.points) for p in paths]
        if any(n < 2 for n in counts):
            raise ValueError("every muscle path needs at least two points")
        # Every point and every wrap-sphere centre gets a slot, those of one body together.
        items = [(b, pt) for p in paths for b, pt in zip(p.bodies, p.points, strict=True)]
        items += [(w.body, w.centre) for p in paths for w in p.wraps]
        order = sorted(
            range(len(items)),
            key=lambda i: BODIES.index(items[i][0]) if items[i][0] in BODIES else len(BODIES),
        )
        slot = np.empty(len(items), dtype=int)
        slot[order] = np.arange(len(items))
        neutral = np.array([items[i][1] for i in order], dtype=float).reshape(-1, 3)
        self._n_slots = len(items)
        #: (body, slice of its slots, its neutral points (k, 3) mm)
        self._bodies: list[tuple[str, slice, np.ndarray]] = []
        for body in dict.fromkeys(items[i][0] for i in order):
            where = np.flatnonzero([items[i][0] == body for i in order])
            sl = slice(int(where[0]), int(where[-1]) + 1)
            self._bodies.append((body, sl, neutral[sl]))
        n_pts = sum(counts)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int)
        # segment j of path i runs from point starts[i] + j to the next point
        seg = np.concatenate([s + np.arange(n - 1) for s, n in zip(starts, counts, strict=True)])
        seg_from, seg_to = slot[seg.astype(int)], slot[seg.astype(int) + 1]
        self._seg_starts = np.concatenate([[0], np.cumsum(np.subtract(counts, 1))[:-1]]).astype(int)
        wraps = [
            (int(self._seg_starts[i]) + w.segment, w) for i, p in enumerate(paths) for w in p.wraps
        ]
        self._wrap_seg = np.array([g for g, _ in wraps], dtype=int)
        self._wrap_radius = np.array([w.radius for _, w in wraps], dtype=float)
        # All bodies' neutral points, homogeneous and padded to one (n_bodies, k, 4) array,
        # so placing every point for a pose is one matrix product; ``_flat`` says where
        # each slot's room point lands in that product's (n_bodies * k) rows.
        k = max(sl.stop - sl.start for _, sl, _ in self._bodies)
        self._homogeneous = np.zeros((len(self._bodies), k, 4))
        self._selections: dict[bytes, list[tuple[np.ndarray, np.ndarray]]] = {}
        self._flat = np.empty(self._n_slots, dtype=int)
        for b, (_, sl, neutral) in enumerate(self._bodies):
            self._homogeneous[b, : len(neutral), :3] = neutral
            self._homogeneous[b, : len(neutral), 3] = 1.0
            self._flat[sl] = b * k + np.arange(len(neutral))
        self._path_rows = self._flat[slot[:n_pts]]
        self._path_starts = starts
        # rows for lengths, in one gather: segment ends, then wrap start, end and centre
        n_seg, n_wrap = len(seg_from), len(wraps)
        self._length_rows = self._flat[
            np.concatenate(
                [seg_to, seg_from, seg_from[self._wrap_seg], seg_to[self._wrap_seg], slot[n_pts:]]
            ).astype(int)
        ]
        cuts = np.cumsum([0, n_seg, n_seg, n_wrap, n_wrap, n_wrap])
        self._parts = [slice(int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
        identity = {b: np.eye(4) for b in BODIES}
        self.rest_lengths = self.lengths(identity)

    def _rows(self, transforms: dict[str, np.ndarray], rows: np.ndarray) -> np.ndarray:
        """Room coordinates (..., len(rows), 3) of the given rows of every body's points."""
        ts = [transforms[body] for body, _, _ in self._bodies]
        if len({t.shape for t in ts}) > 1:
            shape = np.broadcast_shapes(*(t.shape for t in ts))
            ts = [np.broadcast_to(t, shape) for t in ts]
        if ts[0].ndim > 2:
            # many poses: per body, one matrix product (n * 3, 4) @ (4, r) over just the rows
            # asked for, instead of n tiny ones and a gather (about 5x faster for 1000 poses)
            lead = ts[0].shape[:-2]
            out = np.empty(lead + (len(rows), 3))
            for t, (where, points) in zip(ts, self._selection(rows), strict=True):
                if len(where):
                    out[..., where, :] = np.swapaxes(
                        (t[..., :3, :].reshape(-1, 4) @ points.T).reshape(lead + (3, -1)), -1, -2
                    )
            return out
        t = np.stack(ts, axis=-3)  # (n_bodies, 4, 4)
        moved = self._homogeneous @ np.swapaxes(t, -1, -2)  # (n_bodies, k, 4)
        return moved.reshape(moved.shape[:-3] + (-1, 4))[..., rows, :3]

    def _selection(self, rows: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per body: where its rows go among ``rows``, and their homogeneous points (r, 4)."""
        key = rows.tobytes()
        if key not in self._selections:
            k = self._homogeneous.shape[1]
            body, index = np.divmod(rows, k)
            self._selections[key] = [
                (np.nonzero(body == b)[0], self._homogeneous[b][index[body == b]])
                for b in range(len(self._homogeneous))
            ]
        return self._selections[key]

    def world_points(self, transforms: dict[str, np.ndarray]) -> list[np.ndarray]:
        """Each path's points in the room, (..., k, 3)."""
        points = self._rows(transforms, self._path_rows)
        return np.split(points, self._path_starts[1:], axis=-2)

    def lengths(self, transforms: dict[str, np.ndarray]) -> np.ndarray:
        """Path lengths, mm: (..., n_paths) for body transforms of shape (..., 4, 4)."""
        rows = self._rows(transforms, self._length_rows)
        to, start, wrap_from, wrap_to, centre = (rows[..., part, :] for part in self._parts)
        d = to - start
        seg = np.sqrt((d * d).sum(-1))
        n = len(self._wrap_seg)
        if n:
            # sphere_wrap_length for every wrap at once, the two ends stacked: half the
            # numpy calls (their overhead is the cost for one pose), the same numbers
            ends = rows[..., self._parts[2].start : self._parts[3].stop, :]
            ab = ends.reshape(ends.shape[:-2] + (2, n, 3)) - centre[..., None, :, :]
            dist = np.sqrt((ab * ab).sum(-1))  # (..., 2, n): centre to each end
            da, db = dist[..., 0, :], dist[..., 1, :]
            # an end inside the sphere shrinks it to that end (see sphere_wrap_length)
            radius = np.minimum(self._wrap_radius, np.minimum(da, db))
            gamma = np.arccos(
                np.minimum(
                    np.maximum((ab[..., 0, :, :] * ab[..., 1, :, :]).sum(-1) / (da * db), -1.0), 1.0
                )
            )
            r = radius[..., None, :]
            tangent = np.arccos(np.minimum(np.maximum(r / dist, -1.0), 1.0))
            arc = gamma - tangent[..., 0, :] - tangent[..., 1, :]
            lines = np.sqrt(np.maximum(dist**2 - r**2, 0))
            wrapped = lines[..., 0, :] + lines[..., 1, :] + radius * np.maximum(arc, 0.0)
            seg[..., self._wrap_seg] = np.where(arc > 0.0, wrapped, seg[..., self._wrap_seg])
        return np.add.reduceat(seg, self._seg_starts, axis=-1)

    def polylines(
        self,
        transforms: dict[str, np.ndarray],
        samples: int = 12,
        corner_mm: float = 0.0,
        corner_samples: int = CORNER_SAMPLES,
        only: np.ndarray | None = None,
    ) -> list[np.ndarray | None]:
        """Each path as drawn (one pose): (m, 3) points with wrap arcs sampled.

        The same points as :func:`sphere_wrap_points` path by path (``samples`` per arc),
        with every wrap of every path worked out at once: this runs on every slider step.
        ``corner_mm`` > 0 rounds the corner at each via point (:func:`round_corners`), for
        drawing only: the lengths are the paths' (:meth:`lengths`), never the drawing's.
        ``only`` (n_paths,) bool: the paths to draw; the others come back as None.
        """
        rows = self._rows(transforms, self._length_rows)
        p, q, centre = (rows[..., part, :] for part in self._parts[2:])
        a, b = p - centre, q - centre
        da = np.sqrt((a * a).sum(-1))[:, None]
        db = np.sqrt((b * b).sum(-1))[:, None]
        radius = np.minimum(self._wrap_radius[:, None], np.minimum(da, db))
        gamma = np.arccos(np.minimum(np.maximum((a * b).sum(-1)[:, None] / (da * db), -1.0), 1.0))
        ta, tb = np.arccos(np.minimum(radius / da, 1.0)), np.arccos(np.minimum(radius / db, 1.0))
        engaged = ((gamma - ta - tb > 0.0) & (gamma >= 1e-9))[:, 0]
        e1 = a / da
        e2 = b - (b * e1).sum(-1)[:, None] * e1
        with np.errstate(invalid="ignore", divide="ignore"):  # p, q, centre in line: not engaged
            e2 /= np.sqrt((e2 * e2).sum(-1))[:, None]
        angles = np.linspace(ta[:, 0], (gamma - tb)[:, 0], samples, axis=-1)[..., None]
        arcs = centre[:, None, :] + radius[..., None] * (
            np.cos(angles) * e1[:, None, :] + np.sin(angles) * e2[:, None, :]
        )
        lines = []
        points = self.world_points(transforms)
        wrap_of = iter(range(len(self._wrap_seg)))
        for k, (path, pts) in enumerate(zip(self.paths, points, strict=True)):
            wrapped = {w.segment: next(wrap_of) for w in path.wraps}
            if only is not None and not only[k]:
                lines.append(None)
                continue
            parts = [pts[:1]]
            corners, n = [], 1
            for i in range(len(pts) - 1):
                w = wrapped.get(i)
                if w is not None and engaged[w]:
                    parts.append(arcs[w])
                    n += samples
                parts.append(pts[i + 1 : i + 2])
                corners.append(n)
                n += 1
            line = np.concatenate(parts)
            if corner_mm > 0 and len(corners) > 1:
                line = round_corners(line, corners[:-1], corner_mm, corner_samples)
            lines.append(line)
        return lines


def round_corners(
    line: np.ndarray, corners: list[int], radius_mm: float, samples: int = CORNER_SAMPLES
) -> np.ndarray:
    """A polyline (m, 3) with the corner at each index of ``corners`` replaced by a
    quadratic Bezier curve of ``samples`` points, tangent to both sides.

    The curve starts and ends ``radius_mm`` (at most 0.45 of either side's segment) from
    the corner, so a path does not hook like bent wire where it turns at a via point.
    """
    out, last = [], 0
    t = np.linspace(0.0, 1.0, samples)[:, None]
    for c in corners:
        p = line[c]
        # the neighbours that differ from the corner (a wrap arc may start right at it)
        i, j = c - 1, c + 1
        while i > 0 and np.sum((line[i] - p) ** 2) < 1e-12:
            i -= 1
        while j < len(line) - 1 and np.sum((line[j] - p) ** 2) < 1e-12:
            j += 1
        a, b = line[i] - p, line[j] - p
        la, lb = np.sqrt(a @ a), np.sqrt(b @ b)
        d = min(radius_mm, 0.45 * la, 0.45 * lb)
        if d <= 1e-9 or c < last:
            continue
        start, end = p + a * (d / la), p + b * (d / lb)
        out.append(line[last : i + 1])
        out.append((1 - t) ** 2 * start + 2 * (1 - t) * t * p + t**2 * end)
        last = j
    out.append(line[last:])
    return np.concatenate(out)
