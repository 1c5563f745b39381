"""Where name labels go on screen: beside their point, apart from each other, off the muscles.

Pure numpy, no VTK: the muscle labels (:mod:`hipviz.render.muscle_labels`) project their
anchors and the muscles' paths to pixels and ask :func:`place_labels` for boxes; tests
ask it directly.

Each label tries a ring of positions round its anchor, nearest first, and takes the
cheapest one that lies in the view and overlaps no label placed before it, no fixed box
(landmark names, the legend) and no muscle; a longer leader line, a position toward the
middle of the picture and a leader crossing another cost more. A label with no free
place at any distance is left out rather than drawn over another (it is reported in
:attr:`Layout.shown`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)

#: directions tried round an anchor (evenly spaced, starting to the right)
N_DIRECTIONS = 16
#: distances from the anchor to the box tried, in units of ``gap``
DISTANCES = (2.0, 4.0, 7.0, 11.0, 16.0, 23.0, 32.0)
#: rings tried first; the farther ones only if none of these is clear
NEAR_RINGS = 3
#: cost of each muscle sample under a box (a leader pixel costs 1)
MUSCLE_COST = 1e4
#: cost of a leader crossing another label's leader
CROSSING_COST = 400.0
#: how much a place away from the middle of the anchors is worth, per unit of direction
OUTWARD_WORTH = 30.0


@dataclass(frozen=True)
class Layout:
    """Placed labels.

    Attributes
    ----------
    boxes : (n, 4) float
        Each label's box: left, bottom, right, top, pixels (origin bottom left).
    leaders : (n, 2, 2) float
        Each label's leader line: from the box's edge to its anchor, pixels.
    shown : (n,) bool
        False for a label that found no free place (its box and leader are meaningless).
    """

    boxes: np.ndarray
    leaders: np.ndarray
    shown: np.ndarray


def overlaps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether boxes ``a`` (n, 4) overlap boxes ``b`` (m, 4), as an (n, m) bool array.

    Boxes are (left, bottom, right, top); touching edges do not overlap.
    """
    a, b = np.atleast_2d(a)[:, None, :], np.atleast_2d(b)[None, :, :]
    return (
        (a[..., 0] < b[..., 2])
        & (b[..., 0] < a[..., 2])
        & (a[..., 1] < b[..., 3])
        & (b[..., 1] < a[..., 3])
    )


def nearest_on_box(box: np.ndarray, point: np.ndarray) -> np.ndarray:
    """The point of ``box`` (4,) nearest ``point`` (2,): where a leader line meets its label."""
    return np.array([np.clip(point[0], box[0], box[2]), np.clip(point[1], box[1], box[3])])


def sample_polylines(polylines: list[np.ndarray], spacing: float) -> np.ndarray:
    """Points along screen polylines (each (m, 2)) at most ``spacing`` apart, (k, 2)."""
    lines = [np.asarray(line, dtype=float).reshape(-1, 2) for line in polylines]
    lines = [line for line in lines if len(line)]
    if not lines:
        return np.empty((0, 2))
    starts = np.vstack([line[:-1] for line in lines])
    ends = np.vstack([line[1:] for line in lines])
    counts = np.maximum(1, np.ceil(np.linalg.norm(ends - starts, axis=1) / spacing)).astype(int)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    t = ((np.arange(counts.sum()) - first) / np.repeat(counts, counts))[:, None]
    a, b = np.repeat(starts, counts, axis=0), np.repeat(ends, counts, axis=0)
    return np.vstack([a + t * (b - a), *(line[-1:] for line in lines)])


def _segments_cross(p0: np.ndarray, p1: np.ndarray, q0: np.ndarray, q1: np.ndarray) -> np.ndarray:
    """How many of segments q0-q1 (m, 2) each segment p0-p1 (c, 2) properly crosses, (c,)."""
    p0, p1 = p0[:, None, :], p1[:, None, :]
    q0, q1 = q0[None, :, :], q1[None, :, :]

    def side(a, b, c):
        return (b[..., 0] - a[..., 0]) * (c[..., 1] - a[..., 1]) - (b[..., 1] - a[..., 1]) * (
            c[..., 0] - a[..., 0]
        )

    d1, d2 = side(q0, q1, p0), side(q0, q1, p1)
    d3, d4 = side(p0, p1, q0), side(p0, p1, q1)
    return ((d1 * d2 < 0) & (d3 * d4 < 0)).sum(axis=1)


def _best_place(a, w, h, units, distances, viewport, taken, near, radius, outward, leaders):
    """The cheapest free box for a label of ``w`` x ``h`` at anchor ``a`` among the rings
    at ``distances``: (box (4,), leader end (2,), cost), or None if none is free."""
    # each direction: the box's centre beyond the anchor by the distance plus the half
    # extent of the box along that direction, so the gap is the box's, not its centre's
    reach = np.abs(units[:, 0]) * w / 2 + np.abs(units[:, 1]) * h / 2  # (D,)
    centres = a + units[None, :, :] * (distances[:, None, None] + reach[None, :, None])
    centres = centres.reshape(-1, 2)  # (R*D, 2), nearest ring first
    half = np.array([w / 2, h / 2])
    cand = np.concatenate([centres - half, centres + half], axis=1)
    width, height = viewport
    ok = (cand[:, 0] >= 0) & (cand[:, 1] >= 0) & (cand[:, 2] <= width) & (cand[:, 3] <= height)
    if taken:
        ok &= ~overlaps(cand, np.array(taken)).any(axis=1)
    if not ok.any():
        return None
    cand, centres = cand[ok], centres[ok]
    ends = np.column_stack(
        [np.clip(a[0], cand[:, 0], cand[:, 2]), np.clip(a[1], cand[:, 1], cand[:, 3])]
    )
    cost = np.linalg.norm(ends - a, axis=1)
    if len(near):
        inside = (
            (near[None, :, 0] > cand[:, None, 0] - radius)
            & (near[None, :, 0] < cand[:, None, 2] + radius)
            & (near[None, :, 1] > cand[:, None, 1] - radius)
            & (near[None, :, 1] < cand[:, None, 3] + radius)
        )
        cost += MUSCLE_COST * inside.sum(axis=1)
    direction = centres - a
    direction /= np.maximum(np.linalg.norm(direction, axis=1, keepdims=True), 1e-9)
    cost -= OUTWARD_WORTH * (direction @ outward)
    if leaders:
        q = np.array(leaders)  # (m, 2, 2)
        cost += CROSSING_COST * _segments_cross(
            ends, np.broadcast_to(a, ends.shape), q[:, 0], q[:, 1]
        )
    best = int(np.argmin(cost))
    return cand[best], ends[best], float(cost[best]) + OUTWARD_WORTH


def place_labels(
    anchors: np.ndarray,
    sizes: np.ndarray,
    viewport: tuple[float, float],
    obstacles: np.ndarray | None = None,
    obstacle_radius: float = 0.0,
    fixed: np.ndarray | None = None,
    gap: float = 8.0,
) -> Layout:
    """Lay out ``n`` labels so that none overlaps another, a fixed box or a muscle.

    Parameters
    ----------
    anchors : (n, 2) float
        The point each label names (its leader line ends there), pixels.
    sizes : (n, 2) float
        Each label's width and height, pixels.
    viewport : (float, float)
        Width and height of the view, pixels; boxes stay inside it.
    obstacles : (k, 2) float, optional
        Points a box must not cover (samples along the drawn muscles, see
        :func:`sample_polylines`), pixels.
    obstacle_radius : float, default: 0.0
        Half the drawn width of the muscles, pixels: a box keeps this far from each sample.
    fixed : (m, 4) float, optional
        Boxes already on screen (left, bottom, right, top) that labels must not overlap.
    gap : float, default: 8.0
        The unit of distance from an anchor to its label, pixels (scale it with the font).

    Returns
    -------
    Layout
    """
    anchors = np.asarray(anchors, dtype=float).reshape(-1, 2)
    sizes = np.asarray(sizes, dtype=float).reshape(-1, 2)
    n = len(anchors)
    boxes = np.zeros((n, 4))
    leaders = np.zeros((n, 2, 2))
    shown = np.zeros(n, dtype=bool)
    if n == 0:
        return Layout(boxes, leaders, shown)
    width, height = float(viewport[0]), float(viewport[1])
    obstacles = (
        np.empty((0, 2)) if obstacles is None else np.asarray(obstacles, dtype=float).reshape(-1, 2)
    )
    taken = [np.asarray(b, dtype=float) for b in (fixed if fixed is not None else [])]
    placed_leaders: list[tuple[np.ndarray, np.ndarray]] = []

    angles = 2.0 * np.pi * np.arange(N_DIRECTIONS) / N_DIRECTIONS
    units = np.column_stack([np.cos(angles), np.sin(angles)])  # (D, 2)
    distances = np.asarray(DISTANCES) * gap
    middle = anchors.mean(axis=0)

    # crowded anchors first: they have the fewest free places
    order = np.argsort([-np.sum(np.linalg.norm(anchors - a, axis=1) < 6 * gap) for a in anchors])
    for i in order:
        a, (w, h) = anchors[i], sizes[i]
        near = obstacles
        if len(obstacles):  # only the samples a candidate box could reach
            reach = distances[-1] + np.hypot(w, h) + obstacle_radius
            near = obstacles[np.abs(obstacles - a).max(axis=1) <= reach]
        outward = a - middle
        norm = np.linalg.norm(outward)
        outward = outward / norm if norm > 1e-9 else np.zeros(2)
        found = None
        # the near rings first; the far ones only when no near place is clear
        for rings in (distances[:NEAR_RINGS], distances):
            found = _best_place(
                a,
                w,
                h,
                units,
                rings,
                (width, height),
                taken,
                near,
                obstacle_radius,
                outward,
                placed_leaders,
            )
            if found is not None and found[2] < CROSSING_COST:
                break
        if found is None:
            log.debug("label %d: no free place in the view", i)
            continue
        boxes[i], end, _ = found
        leaders[i] = [end, a]
        shown[i] = True
        taken.append(boxes[i].copy())
        placed_leaders.append((end, a.copy()))
    return Layout(boxes, leaders, shown)


__all__ = ["Layout", "nearest_on_box", "overlaps", "place_labels", "sample_polylines"]
