"""Room coordinates to screen pixels, and distances on screen (for picking)."""

from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger(__name__)


def world_to_display(renderer, points: np.ndarray) -> np.ndarray:
    """Project room points to display pixels, as ``vtkRenderer.WorldToDisplay`` does.

    Parameters
    ----------
    renderer : vtkRenderer
        A renderer in a render window (its camera and viewport are used).
    points : (n, 3) float
        Points in the room, mm.

    Returns
    -------
    (n, 2) float
        Display coordinates, pixels, origin at the bottom left of the render window.
    """
    points = np.atleast_2d(np.asarray(points, dtype=float))
    aspect = renderer.GetTiledAspectRatio()
    matrix = renderer.GetActiveCamera().GetCompositeProjectionTransformMatrix(aspect, -1.0, 1.0)
    m = np.array([[matrix.GetElement(i, j) for j in range(4)] for i in range(4)])
    clip = np.c_[points, np.ones(len(points))] @ m.T
    ndc = clip[:, :2] / clip[:, 3:4]
    width, height = renderer.GetRenderWindow().GetActualSize()
    vx0, vy0, vx1, vy1 = renderer.GetViewport()
    x = (vx0 + (ndc[:, 0] + 1.0) / 2.0 * (vx1 - vx0)) * width
    y = (vy0 + (ndc[:, 1] + 1.0) / 2.0 * (vy1 - vy0)) * height
    return np.c_[x, y]


def distance_to_polyline(polyline: np.ndarray, point: np.ndarray) -> float:
    """Shortest distance from ``point`` (2,) to a polyline (m, 2), in the same units."""
    a, b = polyline[:-1], polyline[1:]
    ab = b - a
    t = np.clip(((point - a) * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-12), 0.0, 1.0)
    nearest = a + t[:, None] * ab
    if len(nearest) == 0:
        return float(np.linalg.norm(polyline[0] - point))
    return float(np.linalg.norm(nearest - point, axis=-1).min())
