"""How far muscle paths stay outside bone, across poses (build and test tool; uses VTK).

Each bone's signed distance is evaluated with ``vtkImplicitPolyDataDistance`` in the
bone's own neutral frame, at points sampled every millimetre along each drawn path
(wrap arcs included). Negative clearance means the path is inside bone by that much.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass

import numpy as np

from hipviz.core.model import HipModel
from hipviz.core.pose import ANGLE_KEYS, RANGES, Pose
from hipviz.io.meshes import BONE_BODIES, Bone

log = logging.getLogger(__name__)

#: a path may touch bone by this much (mm): attachments sit 1 mm outside a faceted surface
TOLERANCE_MM = 0.5
SAMPLE_SPACING_MM = 1.0


def range_poses(
    levels: tuple[float, ...] = (-25.0, 0.0, 25.0), flexions: tuple[float, ...] = (0.0, 45.0, 90.0)
) -> list[Pose]:
    """Poses covering the control ranges: every combination of the extremes and neutral.

    Both sides move at once (crests opposite, so the pelvis tilts both ways).
    """
    poses = []
    for sup, ant, crest, flex in itertools.product(levels, levels, levels, flexions):
        poses.append(
            Pose.from_dict(
                {
                    "right.gt_superior_mm": sup,
                    "right.gt_anterior_mm": ant,
                    "right.iliac_crest_superior_mm": crest,
                    "right.hip_flexion_deg": flex,
                    "left.gt_superior_mm": sup,
                    "left.gt_anterior_mm": ant,
                    "left.iliac_crest_superior_mm": -crest,
                    "left.hip_flexion_deg": flex,
                }
            )
        )
    return poses


def angle_poses(
    abductions: tuple[float, ...] = (-30.0, 0.0, 45.0),
    rotations: tuple[float, ...] = (-45.0, 0.0, 45.0),
    crests: tuple[float, ...] = (-25.0, 0.0, 25.0),
    flexions: tuple[float, ...] = (0.0, 45.0, 90.0),
) -> list[Pose]:
    """Poses of the joint-angle mode: every combination of the angles' extremes and 0.

    Both sides driven by their angles at once (crests opposite, as :func:`range_poses`).
    """
    return [
        Pose.from_dict(
            {
                "right.hip_abduction_deg": abd,
                "right.hip_rotation_deg": rot,
                "right.iliac_crest_superior_mm": crest,
                "right.hip_flexion_deg": flex,
                "left.hip_abduction_deg": abd,
                "left.hip_rotation_deg": rot,
                "left.iliac_crest_superior_mm": -crest,
                "left.hip_flexion_deg": flex,
            }
        )
        for abd, rot, crest, flex in itertools.product(abductions, rotations, crests, flexions)
    ]


def random_poses(n: int, mode: str, seed: int = 16) -> list[Pose]:
    """``n`` poses drawn uniformly over every control's whole range, seeded.

    Parameters
    ----------
    n : int
    mode : str
        ``"gt"`` (GT position drives both sides) or ``"angles"``.
    seed : int
    """
    keys = ["iliac_crest_superior_mm", "hip_flexion_deg"]
    keys += ["gt_superior_mm", "gt_anterior_mm"] if mode == "gt" else list(ANGLE_KEYS)
    rng = np.random.default_rng(seed)
    poses = []
    for _ in range(n):
        values = {}
        for side in ("right", "left"):
            for key in keys:
                lo, hi = RANGES[key][:2]
                values[f"{side}.{key}"] = float(rng.uniform(lo, hi))
        poses.append(Pose.from_dict(values))
    return poses


@dataclass(frozen=True)
class Contact:
    """The deepest point of one path inside one bone over a set of poses."""

    path: str
    bone: str
    depth_mm: float  # positive = inside bone
    pose: Pose


class Clearance:
    """Signed-distance queries against the five bones.

    Parameters
    ----------
    bones : dict of str to Bone
    """

    def __init__(self, bones: dict[str, Bone]):
        import pyvista as pv
        import vtk

        self._distance = {}
        for name, bone in bones.items():
            f = vtk.vtkImplicitPolyDataDistance()
            f.SetInput(pv.PolyData.from_regular_faces(bone.vertices, bone.faces))
            self._distance[name] = (f, bone.vertices.min(0) - 2.0, bone.vertices.max(0) + 2.0)

    def signed_distance(self, part: str, points: np.ndarray) -> np.ndarray:
        """Signed distance (mm, negative inside) of neutral-frame points (n, 3) to one bone."""
        import vtk
        from vtk.util.numpy_support import numpy_to_vtk, vtk_to_numpy

        out = vtk.vtkDoubleArray()
        self._distance[part][0].FunctionValue(
            numpy_to_vtk(np.ascontiguousarray(points, float)), out
        )
        return vtk_to_numpy(out).copy()

    def bounds(self, part: str) -> tuple[np.ndarray, np.ndarray]:
        """Corners of a box (neutral frame, mm) holding one bone with a 2 mm margin."""
        return self._distance[part][1], self._distance[part][2]

    def gradient(self, part: str, point: np.ndarray) -> np.ndarray:
        """Outward direction of the distance field at one point."""
        g = np.zeros(3)
        self._distance[part][0].EvaluateGradient(np.asarray(point, float), g)
        return g / np.linalg.norm(g)

    def depths(self, model: HipModel, pose: Pose, paths: list[int] | None = None) -> dict:
        """``{(path key, bone): depth_mm}`` for paths deeper than 0 inside a bone in one pose."""
        solution = model.solve(pose, moment_arms=False)
        lines = model.muscles.polylines(solution.transforms)
        keys = model.muscles.keys
        out = {}
        for i in range(len(keys)) if paths is None else paths:
            samples = _sample(lines[i])
            for part, (_, lo, hi) in self._distance.items():
                t = solution.transforms[BONE_BODIES[part]]
                local = (samples - t[:3, 3]) @ t[:3, :3]
                near = ((local > lo) & (local < hi)).all(axis=1)
                if near.any():
                    depth = -self.signed_distance(part, local[near]).min()
                    if depth > 0:
                        out[keys[i], part] = float(depth)
        return out

    def worst(
        self, model: HipModel, poses: list[Pose], paths: list[int] | None = None
    ) -> list[Contact]:
        """The deepest contact of each (path, bone) pair over ``poses``, deepest first."""
        found: dict[tuple[str, str], Contact] = {}
        for pose in poses:
            for (key, part), depth in self.depths(model, pose, paths).items():
                if (key, part) not in found or depth > found[key, part].depth_mm:
                    found[key, part] = Contact(key, part, depth, pose)
        return sorted(found.values(), key=lambda c: -c.depth_mm)


def wrap_end_margin(model: HipModel, poses: list[Pose], paths: list[int] | None = None) -> float:
    """Smallest distance (mm) from a wrap sphere's surface to either end of its segment.

    A sphere wrap is only meaningful with both ends outside the sphere (an end inside
    makes the length ignore the gap); negative means an end went inside in some pose.
    """
    keys = range(len(model.muscles.paths)) if paths is None else paths
    worst = np.inf
    for pose in poses:
        t = model.solve(pose, moment_arms=False).transforms
        for i in keys:
            path = model.muscles.paths[i]
            for w in path.wraps:
                centre = t[w.body][:3, :3] @ w.centre + t[w.body][:3, 3]
                for j in (w.segment, w.segment + 1):
                    tb = t[path.bodies[j]]
                    end = tb[:3, :3] @ path.points[j] + tb[:3, 3]
                    worst = min(worst, float(np.linalg.norm(end - centre)) - w.radius)
    return worst


def _sample(line: np.ndarray) -> np.ndarray:
    """Points every ~1 mm along a polyline, (m, 3)."""
    parts = []
    for a, b in zip(line[:-1], line[1:], strict=True):
        n = max(2, int(np.ceil(np.linalg.norm(b - a) / SAMPLE_SPACING_MM)) + 1)
        parts.append(a + np.linspace(0.0, 1.0, n)[:, None] * (b - a))
    return np.concatenate(parts)
