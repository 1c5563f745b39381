"""Fibre fans: each muscle drawn and measured as many fibres across its attachment areas.

A compartment's path (``muscles.json``) is the **central fibre** of its fan, exactly: the
same points and wraps, so its length, change and moment arms are the compartment's numbers
in the table and the report. The other fibres spread across the muscle's origin and
insertion footprints:

- a muscle of several compartments (gluteus medius: anterior, middle, posterior) is one
  fan: fibre ``j`` of compartment ``i`` sits at fan position ``t = i + (j - c) / n``
  (``n`` fibres a compartment, ``c`` the central one), its points interpolated linearly
  between compartment ``i`` and its neighbour (extrapolated a little beyond the first and
  last compartments), wrap centres and radii too (beyond the first and last compartment,
  that compartment's own sphere), so each fibre keeps the compartments' via points and
  wrapping rules; where that sphere would let the fibre cut bone, the build designed the
  fibre its own (``MusclePath.fibre_wraps``, :mod:`hipviz.build.fibre_wraps`), used instead;
- a muscle of one compartment (piriformis, tensor fasciae latae) spreads its origin and
  insertion across the bone surface, perpendicular to the line of action, by a width per
  end (:data:`SPREAD_MM`); its via points and wraps stay the compartment's.

The left fans are the right ones' mirror images, fibre by fibre, as the left compartments
are the right ones' (so a symmetric pose gives both sides the same numbers).

Given the bone surfaces, interpolated points near bone are put back at the height above the
surface their compartments have (origins and insertions 1 mm), so the ends lie on the bone.
Pure numpy; the surfaces come as arrays.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from importlib import resources

import numpy as np

from hipviz.core.muscles import GROUPS, MusclePath, MuscleSet, Wrap

log = logging.getLogger(__name__)

#: how the fans are made (raised when that changes, so fibres kept from before are not used)
FAN_VERSION = 3
#: fibres in each compartment's fan (odd, so one is the compartment's own path)
FIBRES_PER_COMPARTMENT = 5
#: footprint width of a one-compartment muscle, mm, across its line of action:
#: (origin, insertion); piriformis arises from the 2nd-4th anterior sacral segments
#: (about 3 cm) and inserts by a narrow tendon on the top of the greater trochanter
SPREAD_MM = (30.0, 8.0)
#: fibre spacing beyond a muscle's first and last compartments, a fraction of the spacing
#: between compartments (there the fibres are extrapolated)
EDGE_SPACING = 0.5
#: how far from a fibre's interpolated end the bone surface is looked for, mm (an end
#: interpolated between two on the bone lies within a few mm of it)
REACH_MM = 25.0
#: points closer to bone than this (mm) are kept at their interpolated height above it
NEAR_BONE_MM = 6.0


@dataclass(frozen=True)
class Surface:
    """A bone surface in the neutral frame, for placing fibre ends on it.

    Attributes
    ----------
    vertices : (n, 3) float
        mm.
    normals : (n, 3) float
        Unit outward vertex normals.
    faces : (m, 3) int
        Triangles (outward winding).
    parts : (n,) int
        Which mesh (bone) each vertex belongs to.
    """

    vertices: np.ndarray
    normals: np.ndarray
    faces: np.ndarray
    parts: np.ndarray

    @classmethod
    def from_meshes(cls, meshes: list[tuple[np.ndarray, np.ndarray]]) -> Surface:
        """One surface of several triangle meshes ``(vertices (n, 3), faces (m, 3) int)``."""
        verts = [np.asarray(v, float) for v, _ in meshes]
        faces = [np.asarray(f, int) for _, f in meshes]
        normals = [vertex_normals(v, f) for v, f in zip(verts, faces, strict=True)]
        offsets = np.cumsum([0] + [len(v) for v in verts[:-1]])
        parts = np.concatenate([np.full(len(v), i) for i, v in enumerate(verts)])
        return cls(
            np.vstack(verts),
            np.vstack(normals),
            np.vstack([f + o for f, o in zip(faces, offsets, strict=True)]),
            parts,
        )

    def nearest(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For points (k, 3): the point below each on its nearest vertex's tangent plane,
        that vertex's normal, and the height above the plane (mm, negative inside)."""
        points = np.atleast_2d(points)
        d2 = (
            (points * points).sum(1)[:, None]
            - 2 * points @ self.vertices.T
            + (self.vertices * self.vertices).sum(1)[None, :]
        )
        nearest = np.argmin(d2, axis=1)
        v, n = self.vertices[nearest], self.normals[nearest]
        height = ((points - v) * n).sum(1)
        return points - height[:, None] * n, n, height

    def below(self, points: np.ndarray, facing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For points (k, 3) and the way the bone should face under each (k, 3): where the
        line through the point along its ``facing`` meets the surface nearest the point,
        on a triangle facing that way (so on the side of a thin plate, the iliac wing, the
        point belongs to) of the bone the point is nearest; and that triangle's unit
        normal: (k, 3), (k, 3). Without such a triangle within :data:`REACH_MM`:
        :meth:`nearest`'s.
        """
        points = np.atleast_2d(np.asarray(points, float))
        f = np.atleast_2d(np.asarray(facing, float))
        f = f / np.linalg.norm(f, axis=1, keepdims=True)
        feet, normals, _ = self.nearest(points)  # the fallback
        d2 = (
            (points * points).sum(1)[:, None]
            - 2 * points @ self.vertices.T
            + (self.vertices * self.vertices).sum(1)[None, :]
        )
        part_of = self.parts[np.argmin(d2, axis=1)]
        for q, (p, fq, part) in enumerate(zip(points, f, part_of, strict=True)):
            a, e1, e2, n, low, high, width = self._triangles(int(part))
            # that bone's triangles whose bounding boxes meet the box round the ray's reach
            # (a slab of x first: they are sorted by their lowest x) and that face the way
            # asked; then Moller-Trumbore on those at once
            ends = np.array([p - REACH_MM * fq, p + REACH_MM * fq])
            box_lo, box_hi = ends.min(0) - 0.1, ends.max(0) + 0.1
            lo, hi = np.searchsorted(low[:, 0], [box_lo[0] - width, box_hi[0]])
            sl = slice(int(lo), int(hi))
            meets = ((high[sl] > box_lo) & (low[sl] < box_hi)).all(axis=1)
            near = np.flatnonzero(meets & (n[sl] @ fq > 0.2)) + int(lo)
            if not len(near):
                continue
            pvec = np.cross(fq, e2[near])
            det = (e1[near] * pvec).sum(1)
            with np.errstate(divide="ignore", invalid="ignore"):
                inv = 1.0 / det
                tvec = p - a[near]
                u = (tvec * pvec).sum(1) * inv
                qvec = np.cross(tvec, e1[near])
                v = (qvec @ fq) * inv
                t = (e2[near] * qvec).sum(1) * inv
            hit = (np.abs(det) > 1e-12) & (u >= 0) & (v >= 0) & (u + v <= 1)
            hit &= np.abs(t) < REACH_MM
            if hit.any():
                best = np.flatnonzero(hit)[np.argmin(np.abs(t[hit]))]
                feet[q] = p + t[best] * fq
                normals[q] = n[near[best]]
        return feet, normals

    def _triangles(self, part: int) -> tuple:
        """One bone's triangles, sorted by their lowest x: first corners, two edges, unit
        normals, bounding boxes (low and high corners) and the widest box's x extent,
        computed once."""
        cache = self.__dict__.setdefault("_tri", {})  # frozen: a cache, not state
        if part not in cache:
            faces = self.faces[self.parts[self.faces[:, 0]] == part]
            corners = self.vertices[faces]  # (t, 3, 3)
            low, high = corners.min(axis=1), corners.max(axis=1)
            order = np.argsort(low[:, 0])
            corners, low, high = corners[order], low[order], high[order]
            a, b, c = corners[:, 0], corners[:, 1], corners[:, 2]
            n = np.cross(b - a, c - a)
            n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
            width = float((high[:, 0] - low[:, 0]).max())
            cache[part] = (a, b - a, c - a, n, low, high, width)
        return cache[part]


def vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted unit vertex normals (n, 3) of a triangle mesh (outward winding)."""
    a, b, c = (vertices[faces[:, k]] for k in range(3))
    face_n = np.cross(b - a, c - a)
    normals = np.zeros_like(vertices)
    for k in range(3):
        np.add.at(normals, faces[:, k], face_n)
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    return normals / np.where(length > 0, length, 1.0)


@dataclass(frozen=True)
class Fibre:
    """Where one fibre sits in its fan.

    Attributes
    ----------
    key : str
        ``side.muscle.j``: its compartment's key and its index ``j`` (0 = the fan's
        anterior / superior edge of the compartment).
    compartment : int
        Index of its compartment among the paths the fans were made of.
    position : float
        Fan position: the compartment's index in its muscle (0, 1, 2) plus the fibre's
        offset (-0.4 .. 0.4 between compartments, half that beyond the first and last);
        across a one-compartment muscle, -0.5 .. 0.5 of its footprint width.
    central : bool
        It is the compartment's own path.
    """

    key: str
    compartment: int
    position: float
    central: bool


def muscle_of(compartment: str) -> str:
    """The muscle (a key of :data:`~hipviz.core.muscles.GROUPS`) a compartment belongs to."""
    for group, members in GROUPS.items():
        if compartment in members:
            return group
    return compartment


class FibreSet:
    """Every compartment's fan of fibres, evaluated together.

    Parameters
    ----------
    paths : tuple of MusclePath
        The compartments (``MuscleSet.paths``); each becomes its fan's central fibre.
    surfaces : dict body -> Surface, optional
        Bone surfaces (neutral frame) to put the interpolated ends on.
    per_compartment : int, default: :data:`FIBRES_PER_COMPARTMENT`
        Odd.
    state : dict, optional
        The fibres' points and wraps as :meth:`state` gave them (kept from an earlier
        run): used instead of working them out; ValueError if they do not fit ``paths``.
    """

    def __init__(
        self,
        paths: tuple[MusclePath, ...],
        surfaces: dict[str, Surface] | None = None,
        per_compartment: int = FIBRES_PER_COMPARTMENT,
        state: dict[str, np.ndarray] | None = None,
    ):
        if per_compartment < 1 or per_compartment % 2 == 0:
            raise ValueError(f"fibres per compartment must be odd, got {per_compartment}")
        self.compartments = tuple(paths)
        self.compartment_keys = tuple(p.key for p in paths)
        fibres, paths_out = fan_paths(paths, None if state else surfaces, per_compartment)
        if state is not None:
            paths_out = _with_state(paths_out, state)
        self.fibres = tuple(fibres)
        self.keys = tuple(f.key for f in fibres)
        #: (n_fibres,) int: each fibre's compartment
        self.owner = np.array([f.compartment for f in fibres], dtype=int)
        #: (n_compartments,) int: each compartment's central fibre
        self.central = np.array(
            [
                next(i for i, f in enumerate(fibres) if f.central and f.compartment == c)
                for c in range(len(paths))
            ],
            dtype=int,
        )
        self.muscles = MuscleSet(tuple(paths_out))
        self.paths = self.muscles.paths
        self.rest_lengths = self.muscles.rest_lengths

    def __len__(self) -> int:
        return len(self.fibres)

    def state(self) -> dict[str, np.ndarray]:
        """Every fibre's points and wrap spheres as plain arrays (to keep and rebuild from):
        ``points`` (n, 3), ``wrap_centres`` (m, 3), ``wrap_radii`` (m,) mm, in fibre order."""
        wraps = [w for p in self.paths for w in p.wraps]
        return {
            "points": np.vstack([p.points for p in self.paths]),
            "wrap_centres": np.array([w.centre for w in wraps]).reshape(-1, 3),
            "wrap_radii": np.array([w.radius for w in wraps], dtype=float),
        }

    def drag_lines(self) -> np.ndarray:
        """(n_fibres,) bool: each compartment's central fibre (the lighter drawing while
        dragging: as many lines as before the fans, so a drag frame costs no more)."""
        out = np.zeros(len(self.fibres), dtype=bool)
        out[self.central] = True
        return out

    def lengths(self, transforms: dict[str, np.ndarray]) -> np.ndarray:
        """Fibre lengths, mm: (..., n_fibres)."""
        return self.muscles.lengths(transforms)

    def polylines(self, transforms: dict[str, np.ndarray], samples: int = 12) -> list[np.ndarray]:
        """Each fibre as drawn (see :meth:`MuscleSet.polylines`)."""
        return self.muscles.polylines(transforms, samples)

    def ends(self) -> dict[tuple[str, str, str], tuple[str, np.ndarray]]:
        """Each muscle's fibre ends: ``(side, muscle, "origin" | "insertion")`` -> (body,
        (k, 3) neutral-frame points, mm), the fan's ends in fan order."""
        out: dict = {}
        for path in self.paths:
            muscle = muscle_of(path.muscle)
            for end, i in (("origin", 0), ("insertion", -1)):
                body, points = out.setdefault((path.side, muscle, end), (path.bodies[i], []))
                points.append(path.points[i])
        return {k: (b, np.array(p)) for k, (b, p) in out.items()}


def fan_paths(
    paths: tuple[MusclePath, ...],
    surfaces: dict[str, Surface] | None = None,
    per_compartment: int = FIBRES_PER_COMPARTMENT,
) -> tuple[list[Fibre], list[MusclePath]]:
    """The fibres of every compartment in ``paths`` (see the module's description).

    Returns the fibres' descriptions and their paths, compartment by compartment (in the
    order of ``paths``), each compartment's fibres in fan order.
    """
    index = {(p.side, p.muscle): i for i, p in enumerate(paths)}
    centre = per_compartment // 2
    fibres: list[Fibre] = []
    out: list[MusclePath] = []
    queue = _Projections()  # the ends to put on bone, all at once at the end
    mirrors: list[tuple[int, int]] = []  # (left fibre, its right twin), filled in at the end
    for c, path in enumerate(paths):
        twin = index.get(("right", path.muscle)) if path.side == "left" else None
        if twin is not None and twin < c:  # the left is the right's mirror image, fibres too
            for j in range(per_compartment):
                first = twin * per_compartment + j
                fibres.append(replace(fibres[first], key=f"{path.key}.{j}", compartment=c))
                if j != centre:  # the central fibre is the compartment's own path
                    mirrors.append((len(out), first))
                out.append(path)
            continue
        group = muscle_of(path.muscle)
        members = [m for m in GROUPS.get(group, (path.muscle,)) if (path.side, m) in index]
        chain = [paths[index[(path.side, m)]] for m in members]
        k = members.index(path.muscle)
        for j in range(per_compartment):
            offset = (j - centre) / per_compartment
            if not 0 <= k + offset <= len(chain) - 1:
                # beyond the first or last compartment nothing guides the path: half the
                # spacing there, so the fan's edge stays near what the data show
                offset *= EDGE_SPACING
            if j == centre:
                fibre_path = path
            elif len(chain) > 1:
                fibre_path = _interpolated(chain, k, k + offset, surfaces, queue)
            else:
                offset = (j - centre) / max(2 * centre, 1)  # -0.5 .. 0.5 across the width
                fibre_path = _spread(path, offset, surfaces, queue)
            if j != centre:  # its own spheres where the build designed them
                own = tuple(w for i, w in path.fibre_wraps if i == j)
                fibre_path = replace(fibre_path, wraps=own or fibre_path.wraps, fibre_wraps=())
            fibres.append(Fibre(f"{path.key}.{j}", c, k + offset, j == centre))
            out.append(fibre_path)
    queue.run()  # writes into the new fibres' point arrays, before anything reads them
    flip = np.array([1.0, 1.0, -1.0])
    for i, j in mirrors:
        left, right = out[i], out[j]
        wraps = tuple(
            replace(w, centre=r.centre * flip, radius=r.radius)
            for w, r in zip(left.wraps, right.wraps, strict=True)
        )
        out[i] = replace(left, points=right.points * flip, wraps=wraps)
    return fibres, out


def _with_state(paths: list[MusclePath], state: dict[str, np.ndarray]) -> list[MusclePath]:
    """``paths`` with the points and wraps of :meth:`FibreSet.state`."""
    points, centres = np.asarray(state["points"], float), np.asarray(state["wrap_centres"])
    radii = np.asarray(state["wrap_radii"], float)
    n_points = sum(len(p.points) for p in paths)
    n_wraps = sum(len(p.wraps) for p in paths)
    if points.shape != (n_points, 3) or centres.shape != (n_wraps, 3) or radii.shape != (n_wraps,):
        raise ValueError("kept fibres do not fit these muscle paths")
    out, i, k = [], 0, 0
    for p in paths:
        wraps = []
        for w in p.wraps:
            wraps.append(replace(w, centre=centres[k].copy(), radius=float(radii[k])))
            k += 1
        out.append(replace(p, points=points[i : i + len(p.points)].copy(), wraps=tuple(wraps)))
        i += len(p.points)
    return out


def fan_key(paths: tuple[MusclePath, ...]) -> bytes:
    """Everything the fibres of ``paths`` are made from, besides the bones (to name kept
    fibres): the paths' points, bodies, wraps and fibres' own wraps and this module's
    settings."""
    settings = (FAN_VERSION, FIBRES_PER_COMPARTMENT, SPREAD_MM, EDGE_SPACING, REACH_MM)
    parts = [repr((*settings, NEAR_BONE_MM)).encode()]
    for p in paths:
        wraps = [*p.wraps, *(w for _, w in p.fibre_wraps)]
        fibres = [i for i, _ in p.fibre_wraps]
        parts.append(
            repr((p.key, p.bodies, fibres, [(w.segment, w.body, w.radius) for w in wraps])).encode()
        )
        parts.append(np.ascontiguousarray(p.points, dtype="<f8").tobytes())
        for w in wraps:
            parts.append(np.ascontiguousarray(w.centre, dtype="<f8").tobytes())
    return b"".join(parts)


def _same_shape(a: MusclePath, b: MusclePath) -> bool:
    return a.bodies == b.bodies


def _interpolated(
    chain: list[MusclePath],
    own: int,
    t: float,
    surfaces: dict[str, Surface] | None,
    queue: _Projections,
) -> MusclePath:
    """Compartment ``own``'s fibre at fan position ``t`` between the chain's compartments."""
    i = int(np.clip(np.floor(t), 0, len(chain) - 2))
    f = t - i
    a, b = chain[i], chain[i + 1]
    base = chain[own]
    points = base.points.copy()
    if _same_shape(a, b) and _same_shape(a, base):
        points = (1 - f) * a.points + f * b.points
        heights = _heights(surfaces, a, b, f)
        mask = np.ones(len(points), bool)
    else:  # different via points: only the ends move across the fan
        for idx in (0, -1):
            points[idx] = (1 - f) * a.points[idx] + f * b.points[idx]
        heights = _heights(surfaces, a, b, f, ends_only=True)
        mask = np.zeros(len(points), bool)
        mask[[0, -1]] = True
    _onto_surface(points, base.bodies, heights, mask, surfaces, queue)
    wraps = []
    g = min(max(f, 0.0), 1.0)  # beyond the first or last compartment: its own sphere
    for w in base.wraps:
        wa, wb = _matching_wrap(a, w), _matching_wrap(b, w)
        if wa is not None and wb is not None:
            w = replace(
                w,
                centre=(1 - g) * wa.centre + g * wb.centre,
                radius=float(max((1 - g) * wa.radius + g * wb.radius, 1.0)),
            )
        wraps.append(w)
    return replace(base, points=points, wraps=tuple(wraps))


def _matching_wrap(path: MusclePath, wrap: Wrap) -> Wrap | None:
    for w in path.wraps:
        if w.segment == wrap.segment and w.body == wrap.body:
            return w
    return None


def _heights(
    surfaces: dict[str, Surface] | None,
    a: MusclePath,
    b: MusclePath,
    f: float,
    ends_only: bool = False,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Each point's height above bone and the way its bone faces, interpolated between
    ``a`` and ``b`` ((k,) NaN where either is not near bone, or for via points when only
    the ends move; (k, 3))."""
    if surfaces is None:
        return None
    last_a, last_b = len(a.points) - 1, len(b.points) - 1
    pairs = [(0, 0), (last_a, last_b)] if ends_only else [(i, i) for i in range(len(a.points))]
    ha, na = _height_of(surfaces, a, [i for i, _ in pairs])
    hb, nb = _height_of(surfaces, b, [i for _, i in pairs])
    near = (np.abs(ha) < NEAR_BONE_MM) & (np.abs(hb) < NEAR_BONE_MM)
    heights = np.full(len(a.points), np.nan)
    facing = np.zeros((len(a.points), 3))
    where = [i for i, _ in pairs]
    heights[where] = np.where(near, (1 - f) * ha + f * hb, np.nan)
    facing[where] = (1 - f) * na + f * nb
    return heights, facing


def _height_of(
    surfaces: dict[str, Surface], path: MusclePath, idx: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Height above bone and bone normal of some of a path's points (inf, 0 off bone)."""
    heights, normals = np.full(len(idx), np.inf), np.zeros((len(idx), 3))
    for n, i in enumerate(idx):
        surface = surfaces.get(path.bodies[i])
        if surface is not None:
            heights[n], normals[n] = _height_above(surface, path.points[i])
    return heights, normals


def _height_above(surface: Surface, point: np.ndarray) -> tuple[float, np.ndarray]:
    """(height, normal) of a compartment's point: asked for by every fibre beside it, so
    kept on the surface (keyed by the point's coordinates)."""
    cache = surface.__dict__.setdefault("_heights", {})  # frozen: a cache, not state
    key = np.asarray(point, float).tobytes()
    if key not in cache:
        _, normal, height = surface.nearest(point)
        cache[key] = (float(height[0]), normal[0])
    return cache[key]


class _Projections:
    """Points to put onto bone, gathered from every fibre and done together per surface
    (one batch of ray casts instead of one a point)."""

    def __init__(self) -> None:
        self.items: list[tuple[Surface, np.ndarray, int, np.ndarray, float]] = []

    def add(self, surface: Surface, array: np.ndarray, i: int, facing, height: float) -> None:
        """Put ``array[i]`` at ``height`` above the bone below it along ``facing``."""
        self.items.append((surface, array, i, np.asarray(facing, float), float(height)))

    def run(self) -> None:
        for surface in {id(it[0]): it[0] for it in self.items}.values():
            mine = [it for it in self.items if it[0] is surface]
            points = np.array([array[i] for _, array, i, _, _ in mine])
            feet, normals = surface.below(points, np.array([it[3] for it in mine]))
            for (_, array, i, _, height), foot, n in zip(mine, feet, normals, strict=True):
                array[i] = foot + height * n
        self.items.clear()


def _onto_surface(
    points: np.ndarray,
    bodies: tuple[str, ...],
    heights: tuple[np.ndarray, np.ndarray] | None,
    mask: np.ndarray,
    surfaces: dict[str, Surface] | None,
    queue: _Projections,
) -> None:
    """Queue the points near bone to go at their interpolated height above the surface
    below them (on the side of the bone their compartments' points face), in place."""
    if surfaces is None or heights is None:
        return
    height, facing = heights
    for i in np.flatnonzero(mask & np.isfinite(height)):
        surface = surfaces.get(bodies[i])
        if surface is not None:
            queue.add(surface, points, int(i), facing[i], height[i])


def _spread(
    path: MusclePath,
    offset: float,
    surfaces: dict[str, Surface] | None,
    queue: _Projections,
) -> MusclePath:
    """A one-compartment muscle's fibre: its ends moved ``offset`` of the footprint width
    across the line of action, on the bone surface (negative offsets towards the upper,
    else the anterior, edge); via points and wraps unchanged."""
    points = path.points.copy()
    for (idx, inward), width in zip(((0, 1), (-1, -2)), SPREAD_MM, strict=True):
        p = path.points[idx]
        along = path.points[inward] - p
        surface = surfaces.get(path.bodies[idx]) if surfaces is not None else None
        if surface is not None:
            _, normal, height = surface.nearest(p)
            normal, height = normal[0], float(height[0])
        else:  # no surface: spread in the plane the line of action makes with anterior
            normal, height = np.array([1.0, 0.0, 0.0]), None
        across = np.cross(along, normal)
        if np.linalg.norm(across) < 1e-9:
            across = np.cross(along, [0.0, 1.0, 0.0])
        across /= np.linalg.norm(across)
        # fibre 0 at the upper (else the anterior) edge on both sides: a cross product
        # turns over in the mirror image, so the sign is set by the anatomy, not by it
        lead = across[1] if abs(across[1]) > 0.3 else across[0]
        if lead > 0:  # negative offsets (the first fibres) go up, else forward
            across = -across
        points[idx] = p + offset * width * across
        if surface is not None:
            queue.add(surface, points, idx % len(points), normal, height)
    return replace(path, points=points)


def load_pcsa(data: dict | None = None) -> dict[str, float]:
    """Each muscle's physiological cross-sectional area, cm^2 (``muscle_size.json``)."""
    if data is None:
        text = resources.files("hipviz.data").joinpath("muscle_size.json").read_text()
        data = json.loads(text)
    return {k: float(v) for k, v in data["pcsa_cm2"].items()}


def radius_scale(fibres: FibreSet, pcsa: dict[str, float] | None = None) -> np.ndarray:
    """Each fibre's tube radius as a fraction of the largest, (n_fibres,) float.

    A muscle's fibres share one radius, chosen so the bundle's total cross-section is
    proportional to the muscle's PCSA: fibre area = PCSA / (the muscle's fibres on one side).
    """
    pcsa = load_pcsa() if pcsa is None else pcsa
    fallback = float(np.median(list(pcsa.values())))
    muscles = [muscle_of(fibres.compartments[c].muscle) for c in fibres.owner]
    sides = [fibres.compartments[c].side for c in fibres.owner]
    counts: dict[tuple[str, str], int] = {}
    for key in zip(sides, muscles, strict=True):
        counts[key] = counts.get(key, 0) + 1
    for m in sorted(set(muscles) - set(pcsa)):
        log.warning("muscle_size.json has no PCSA for %s: drawn with the median", m)
    area = np.array(
        [pcsa.get(m, fallback) / counts[s, m] for s, m in zip(sides, muscles, strict=True)]
    )
    return np.sqrt(area / area.max())


def footprint_faces(
    vertices: np.ndarray,
    faces: np.ndarray,
    ends: np.ndarray,
    margin_mm: float,
    normals: np.ndarray | None = None,
) -> np.ndarray:
    """Which faces (m,) bool of a bone mesh lie under a muscle's attachment footprint.

    ``ends`` (k, 3): the fibre ends of one muscle at one bone, in fan order (neutral frame,
    mm). The footprint is the band within ``margin_mm`` of the line through them, on the
    side of the bone they sit on (a face must face the way the bone faces under the
    nearest end, so the inner table of the thin iliac wing is left out).
    """
    normals = vertex_normals(vertices, faces) if normals is None else normals
    line = _every_mm(ends)
    centroids = vertices[faces].mean(axis=1)
    lo, hi = line.min(0) - margin_mm, line.max(0) + margin_mm
    near = np.flatnonzero(((centroids > lo) & (centroids < hi)).all(axis=1))
    selected = np.zeros(len(faces), dtype=bool)
    if not len(near):
        return selected
    d2 = _squared_distances(centroids[near], line)
    closest = np.argmin(d2, axis=1)
    within = d2[np.arange(len(near)), closest] < margin_mm**2
    # the bone's outward direction under each point of the line: its nearest vertex's normal
    box = np.flatnonzero(((vertices > lo) & (vertices < hi)).all(axis=1))
    v2 = _squared_distances(line, vertices[box])
    facing = normals[box[np.argmin(v2, axis=1)]]
    face_n = np.cross(
        vertices[faces[near, 1]] - vertices[faces[near, 0]],
        vertices[faces[near, 2]] - vertices[faces[near, 0]],
    )
    face_n /= np.maximum(np.linalg.norm(face_n, axis=1, keepdims=True), 1e-12)
    agrees = (face_n * facing[closest]).sum(1) > 0.2
    selected[near[within & agrees]] = True
    return selected


def _every_mm(ends: np.ndarray) -> np.ndarray:
    """The polyline through ``ends`` (k, 3), a point every millimetre or less."""
    ends = np.asarray(ends, float)
    pieces = [ends[:1]]
    for a, b in zip(ends[:-1], ends[1:], strict=True):
        n = max(int(np.ceil(np.linalg.norm(b - a))), 1)
        pieces.append(a + np.linspace(0.0, 1.0, n + 1)[1:, None] * (b - a))
    return np.concatenate(pieces)


def line_distance(points: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Distance (n,) mm of points (n, 3) from the polyline through ``ends`` (k, 3)."""
    d2 = _squared_distances(np.asarray(points, float), _every_mm(ends))
    return np.sqrt(np.maximum(d2.min(axis=1), 0.0))


def _squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n, m) squared distances between points a (n, 3) and b (m, 3), by one matrix
    product (no (n, m, 3) temporary)."""
    return (a * a).sum(1)[:, None] - 2.0 * a @ b.T + (b * b).sum(1)[None, :]
