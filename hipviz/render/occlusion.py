"""Which points the bones hide from the camera (for names: a hidden landmark or muscle
part is not labelled).

One ``vtkOBBTree`` per bone, built on its neutral surface the first time it is asked
(labels off: never built); a point is hidden when the segment from just in front of it
to the camera meets a bone. The segment is carried into each bone's neutral frame with
the inverse of the bone's placement, so a pose change costs nothing here.
"""

from __future__ import annotations

import logging

import numpy as np
import pyvista as pv
from vtkmodules.vtkFiltersGeneral import vtkOBBTree

log = logging.getLogger(__name__)

#: a point this close to a bone's surface (mm, toward the camera) still counts as on it:
#: landmarks are surface nodes, muscle paths run over the bone
CLEARANCE_MM = 4.0


class BoneOcclusion:
    """Hidden-point tests against the scene's bones.

    Parameters
    ----------
    surfaces : dict of str to pyvista.PolyData
        Each bone's surface in its neutral frame (as its actor draws it before its
        placement).
    """

    def __init__(self, surfaces: dict[str, pv.PolyData]):
        self.surfaces = dict(surfaces)
        self._trees: dict[str, vtkOBBTree] = {}
        self._bounds = {
            name: np.asarray(s.bounds, dtype=float).reshape(3, 2).T
            for name, s in self.surfaces.items()
        }

    def _tree(self, name: str) -> vtkOBBTree:
        tree = self._trees.get(name)
        if tree is None:
            tree = vtkOBBTree()
            tree.SetDataSet(self.surfaces[name])
            tree.BuildLocator()
            self._trees[name] = tree
        return tree

    def hidden(
        self,
        points: np.ndarray,
        camera: np.ndarray,
        transforms: dict[str, np.ndarray],
        parallel_direction: np.ndarray | None = None,
        clearance_mm: float = CLEARANCE_MM,
    ) -> np.ndarray:
        """Which ``points`` a bone hides from the camera.

        Parameters
        ----------
        points : (n, 3) float
            Points in the room, mm.
        camera : (3,) float
            The camera's position in the room, mm.
        transforms : dict of str to (4, 4) float
            Each bone's placement (neutral frame to room); a bone not given is at neutral.
        parallel_direction : (3,) float, optional
            For a parallel projection: the direction from the scene toward the camera.
        clearance_mm : float, default: :data:`CLEARANCE_MM`

        Returns
        -------
        (n,) bool
        """
        points = np.asarray(points, dtype=float).reshape(-1, 3)
        hidden = np.zeros(len(points), dtype=bool)
        if not len(points):
            return hidden
        camera = np.asarray(camera, dtype=float)
        if parallel_direction is not None:
            toward = np.broadcast_to(np.asarray(parallel_direction, dtype=float), points.shape)
            far = np.linalg.norm(camera - points, axis=1, keepdims=True) + 1e4
            ends = points + toward / np.linalg.norm(toward, axis=1, keepdims=True) * far
        else:
            toward = camera - points
            ends = np.broadcast_to(camera, points.shape)
        toward = toward / np.maximum(np.linalg.norm(toward, axis=1, keepdims=True), 1e-12)
        starts = points + clearance_mm * toward
        for name in self.surfaces:
            t = np.asarray(transforms.get(name, np.eye(4)), dtype=float)
            inverse = np.linalg.inv(t)
            a = starts @ inverse[:3, :3].T + inverse[:3, 3]
            b = ends @ inverse[:3, :3].T + inverse[:3, 3]
            todo = ~hidden & _segment_meets_box(a, b, *self._bounds[name])
            if not todo.any():
                continue
            tree = self._tree(name)
            for i in np.flatnonzero(todo):
                if tree.IntersectWithLine(a[i].tolist(), b[i].tolist(), None, None) != 0:
                    hidden[i] = True
        return hidden


def _segment_meets_box(a: np.ndarray, b: np.ndarray, low: np.ndarray, high: np.ndarray):
    """Whether segments a-b (n, 3) meet the axis-aligned box low-high, (n,) bool (slabs)."""
    d = b - a
    with np.errstate(divide="ignore", invalid="ignore"):
        t0 = (low - a) / d
        t1 = (high - a) / d
    near = np.where(d != 0, np.minimum(t0, t1), np.where((a >= low) & (a <= high), -np.inf, np.inf))
    far = np.where(d != 0, np.maximum(t0, t1), np.where((a >= low) & (a <= high), np.inf, -np.inf))
    enter = np.maximum(near.max(axis=1), 0.0)
    leave = np.minimum(far.min(axis=1), 1.0)
    return enter <= leave


__all__ = ["CLEARANCE_MM", "BoneOcclusion"]
