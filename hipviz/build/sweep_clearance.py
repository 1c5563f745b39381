"""Fast clearance of one trial path over many poses, for the wrap design's search.

:class:`hipviz.build.clearance.Clearance` asks VTK for the exact signed distance pose by
pose; the design tries hundreds of wrap choices per path over a thousand poses, so it
needs something faster. Here each bone's signed distance is sampled once on a regular
grid (its own neutral frame) and read back by trilinear interpolation, and a path's
points, wrap arcs and samples are worked out for every pose at once in the pelvis frame
(the relative femur placements are solved once). The numbers are estimates to rank
choices; the chosen design is measured exactly afterwards (:func:`record_clearance`).
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.ndimage import map_coordinates

from hipviz.build.clearance import Clearance
from hipviz.core.model import HipModel
from hipviz.core.muscles import MusclePath
from hipviz.core.pose import Pose

log = logging.getLogger(__name__)

#: grid spacing of the sampled signed distance (mm): trilinear reading is within about
#: 0.1 mm of the exact distance on smooth bone, a little more on a sharp rim
GRID_MM = 1.5
#: samples along a path at most this far apart (mm)
SPACING_MM = 0.75
#: points per wrap arc (as drawn: :meth:`MuscleSet.polylines`' default)
ARC_SAMPLES = 12
#: a distance read outside a bone's grid (mm): far from it
FAR_MM = 50.0


class DistanceGrid:
    """One bone's signed distance (mm, negative inside) sampled on a regular grid.

    Parameters
    ----------
    clearance : Clearance
        The exact signed distance (VTK).
    part : str
        Bone name (a key of :data:`hipviz.io.meshes.BONE_BODIES`).
    lo, hi : (3,) float
        Corners of the box to sample, the bone's neutral frame (mm).
    """

    def __init__(self, clearance: Clearance, part: str, lo, hi, spacing: float = GRID_MM):
        self.lo = np.asarray(lo, float)
        self.spacing = spacing
        axes = [np.arange(a, b + spacing, spacing) for a, b in zip(self.lo, hi, strict=True)]
        grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)
        self.values = clearance.signed_distance(part, grid.reshape(-1, 3)).reshape(grid.shape[:3])
        log.info("%s: signed distance on %s points", part, "x".join(map(str, grid.shape[:3])))

    def __call__(self, points: np.ndarray) -> np.ndarray:
        """Signed distance (mm) at points (..., 3) of the bone's neutral frame."""
        flat = points.reshape(-1, 3)
        index = ((flat - self.lo) / self.spacing).T
        out = map_coordinates(self.values, index, order=1, mode="constant", cval=FAR_MM)
        return out.reshape(points.shape[:-1])


class PoseSweep:
    """One side's femur placed in the pelvis frame over many poses, and bone distance grids.

    Parameters
    ----------
    model : HipModel
    clearance : Clearance
    poses : list of Pose
    side : str
    region : ((3,) float, (3,) float)
        The box (pelvis frame, mm) the paths can reach: the pelvis bones are sampled there.
    """

    def __init__(self, model: HipModel, clearance: Clearance, poses: list[Pose], side: str, region):
        self.side = side
        femur = f"femur_{side}"
        relative = []
        for pose in poses:
            t = model.solve(pose, moment_arms=False).transforms
            relative.append(np.linalg.solve(t["pelvis"], t[femur]))
        #: (n, 4, 4): femur neutral frame -> pelvis neutral frame, per pose
        self.femur_in_pelvis = np.array(relative)
        self.pelvis_in_femur = np.linalg.inv(self.femur_in_pelvis)
        lo, hi = (np.asarray(c, float) for c in region)
        self.pelvis_grids = []
        for part in (f"pelvis_{side}", "sacrum"):
            b_lo, b_hi = clearance.bounds(part)
            p_lo, p_hi = np.maximum(lo, b_lo), np.minimum(hi, b_hi)
            if (p_hi > p_lo).all():
                self.pelvis_grids.append(DistanceGrid(clearance, part, p_lo, p_hi))
        hip = model.anatomy.hip_centre[side]
        b_lo, b_hi = clearance.bounds(femur)
        # the proximal femur: the paths end at the greater trochanter
        self.femur_grid = DistanceGrid(
            clearance, femur, np.maximum(b_lo, hip - 80.0), np.minimum(b_hi, hip + 80.0)
        )

    def depth(self, path: MusclePath) -> np.ndarray:
        """Deepest point of ``path`` inside bone in each pose (n,) (mm, 0 if clear)."""
        samples = self.samples(path)
        inside = -np.min([grid(samples).min(axis=-1) for grid in self.pelvis_grids], axis=0)
        t = self.pelvis_in_femur
        local = np.einsum("nij,nmj->nmi", t[:, :3, :3], samples) + t[:, None, :3, 3]
        inside = np.maximum(inside, -self.femur_grid(local).min(axis=-1))
        return np.maximum(inside, 0.0)

    def deepest_in_pelvis(self, path: MusclePath) -> np.ndarray:
        """The point of ``path`` deepest inside the pelvis over the poses (3,), pelvis frame."""
        samples = self.samples(path)
        distance = np.min([grid(samples) for grid in self.pelvis_grids], axis=0)
        return samples.reshape(-1, 3)[np.argmin(distance)]

    def deepest_in_femur(self, path: MusclePath) -> np.ndarray:
        """The point of ``path`` deepest inside the femur over the poses (3,), femur frame."""
        t = self.pelvis_in_femur
        local = np.einsum("nij,nmj->nmi", t[:, :3, :3], self.samples(path)) + t[:, None, :3, 3]
        return local.reshape(-1, 3)[np.argmin(self.femur_grid(local))]

    def samples(self, path: MusclePath) -> np.ndarray:
        """Points along ``path`` at most :data:`SPACING_MM` apart, pelvis frame: (n, m, 3)."""
        n = len(self.femur_in_pelvis)
        points = np.empty((n, len(path.points), 3))
        for j, (body, p) in enumerate(zip(path.bodies, path.points, strict=True)):
            if body == "pelvis":
                points[:, j] = p
            else:
                t = self.femur_in_pelvis
                points[:, j] = t[:, :3, :3] @ p + t[:, :3, 3]
        wraps = {w.segment: w for w in path.wraps}
        parts = [points[:, :1]]
        for j in range(len(path.points) - 1):
            w = wraps.get(j)
            if w is not None:
                centre = w.centre
                if w.body != "pelvis":  # a sphere fixed to the femur, placed per pose
                    t = self.femur_in_pelvis
                    centre = t[:, :3, :3] @ w.centre + t[:, :3, 3]
                parts.append(_arc(points[:, j], points[:, j + 1], centre, w.radius))
            parts.append(points[:, j + 1 : j + 2])
        line = np.concatenate(parts, axis=1)
        out = [line[:, :1]]
        for k in range(line.shape[1] - 1):
            a, b = line[:, k], line[:, k + 1]
            steps = int(np.ceil(np.linalg.norm(b - a, axis=-1).max() / SPACING_MM))
            if steps > 0:
                t = np.arange(1, steps + 1) / steps
                out.append(a[:, None] + t[None, :, None] * (b - a)[:, None])
        return np.concatenate(out, axis=1)


def _arc(p: np.ndarray, q: np.ndarray, centre: np.ndarray, radius: float) -> np.ndarray:
    """The wrap arc from p to q (n, 3) over a sphere (centre (3,), or (n, 3) for a sphere
    that moves with the femur), :data:`ARC_SAMPLES` points per pose (n, s, 3); where the
    segment misses the sphere, points on the straight line instead.
    Follows :meth:`hipviz.core.muscles.MuscleSet.polylines`."""
    centre = np.broadcast_to(centre, p.shape)
    with np.errstate(invalid="ignore", divide="ignore"):  # p, q, centre in line: not engaged
        a, b = p - centre, q - centre
        da = np.linalg.norm(a, axis=-1)[:, None]
        db = np.linalg.norm(b, axis=-1)[:, None]
        r = np.minimum(radius, np.minimum(da, db))
        gamma = np.arccos(np.clip((a * b).sum(-1)[:, None] / (da * db), -1.0, 1.0))
        ta, tb = np.arccos(np.minimum(r / da, 1.0)), np.arccos(np.minimum(r / db, 1.0))
        engaged = ((gamma - ta - tb > 0.0) & (gamma >= 1e-9))[:, 0]
        e1 = a / da
        e2 = b - (b * e1).sum(-1)[:, None] * e1
        e2 /= np.linalg.norm(e2, axis=-1)[:, None]
        angles = np.linspace(ta[:, 0], (gamma - tb)[:, 0], ARC_SAMPLES, axis=-1)[..., None]
        arc = centre[:, None] + r[..., None] * (
            np.cos(angles) * e1[:, None] + np.sin(angles) * e2[:, None]
        )
    straight = p[:, None] + np.linspace(0.0, 1.0, ARC_SAMPLES)[None, :, None] * (q - p)[:, None]
    return np.where(engaged[:, None, None], arc, straight)
