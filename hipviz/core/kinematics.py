"""Hip kinematics in pure numpy: pelvis from crest heights, femur from angles or GT position.

Frame: mm, origin midway between the hip centres at neutral, x anterior, y superior,
z to the subject's right. The femur rotates about its hip centre with the gait2392
sequence: flexion about the pelvis' z axis, then adduction about the (flexed) x axis,
then rotation about the femur's own long axis. Positive angles are flexion, adduction
and internal rotation on both sides; the left side is the right mirrored through z = 0,
so everything is computed in right-handed "right-like" coordinates and mirrored back.

All functions broadcast over leading array dimensions (many poses at once).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hipviz.core.geometry import rotation

MIRROR = np.diag([1.0, 1.0, -1.0])
MIRROR4 = np.diag([1.0, 1.0, -1.0, 1.0])

#: joint limits used when a GT position is asked for, degrees
ABDUCTION_RANGE_DEG = (-30.0, 45.0)
ROTATION_RANGE_DEG = (-45.0, 45.0)

# status flags of a GT solve (bit mask per side)
OK = 0
BEYOND_REACH = 1  # no femur orientation puts the GT there (farther than the GT's radius)
ABDUCTION_LIMIT = 2
ADDUCTION_LIMIT = 4
INTERNAL_LIMIT = 8
EXTERNAL_LIMIT = 16


@dataclass(frozen=True)
class Anatomy:
    """Landmarks the kinematics needs, in the neutral frame (mm).

    Attributes
    ----------
    hip_centre : dict side -> (3,) float
    greater_trochanter : dict side -> (3,) float
        GT tip at neutral.
    iliac_crest_top : dict side -> (3,) float
    """

    hip_centre: dict[str, np.ndarray]
    greater_trochanter: dict[str, np.ndarray]
    iliac_crest_top: dict[str, np.ndarray]

    @classmethod
    def from_landmarks(cls, landmarks: dict[str, dict]) -> Anatomy:
        pick = lambda name: {s: np.asarray(landmarks[s][name], float) for s in ("right", "left")}  # noqa: E731
        return cls(pick("hip_centre"), pick("greater_trochanter"), pick("iliac_crest_top"))

    def right_like(self, side: str, name: str) -> np.ndarray:
        """A landmark of ``side`` in right-like coordinates (mirrored if left)."""
        p = getattr(self, name)[side]
        return p if side == "right" else MIRROR @ p


def mirror_transform(t: np.ndarray) -> np.ndarray:
    """Mirror 4x4 transforms (..., 4, 4) through z = 0 (an involution)."""
    return MIRROR4 @ t @ MIRROR4


def pelvis_transform(anatomy: Anatomy, crest_right_mm, crest_left_mm) -> np.ndarray:
    """Pelvis pose from the two iliac crest heights.

    Equal heights lift the pelvis; unequal ones tilt it in the frontal plane (obliquity)
    about the anterior axis through the midpoint of the crest tops, so each crest top
    rises by its own value.

    Returns
    -------
    (..., 4, 4) float
        Pelvis-frame to room transform.
    """
    cr, cl = np.broadcast_arrays(np.asarray(crest_right_mm, float), np.asarray(crest_left_mm, float))
    top_r, top_l = anatomy.iliac_crest_top["right"], anatomy.iliac_crest_top["left"]
    width = top_r[2] - top_l[2]
    centre = 0.5 * (top_r + top_l)
    theta = -np.arcsin(np.clip((cr - cl) / width, -1.0, 1.0))
    r = rotation("x", theta)
    t = np.zeros(cr.shape + (4, 4))
    t[..., :3, :3] = r
    t[..., :3, 3] = centre - r @ centre
    t[..., 1, 3] += 0.5 * (cr + cl)
    t[..., 3, 3] = 1.0
    return t


def femur_rotation(flexion_rad, adduction_rad, rotation_rad) -> np.ndarray:
    """Right-like femur orientation in the pelvis frame: Rz(flexion) Rx(adduction) Ry(rotation)."""
    return rotation("z", flexion_rad) @ rotation("x", adduction_rad) @ rotation("y", rotation_rad)


def femur_transform(anatomy: Anatomy, side: str, pelvis: np.ndarray,
                    flexion_rad, adduction_rad, rotation_rad) -> np.ndarray:
    """Neutral-frame femur points -> room, (..., 4, 4), with the head centred in the acetabulum."""
    p = pelvis if side == "right" else mirror_transform(pelvis)
    h0 = anatomy.right_like(side, "hip_centre")
    r = p[..., :3, :3] @ femur_rotation(flexion_rad, adduction_rad, rotation_rad)
    hip = (p[..., :3, :3] @ h0) + p[..., :3, 3]
    t = np.zeros(r.shape[:-2] + (4, 4))
    t[..., :3, :3] = r
    t[..., :3, 3] = hip - r @ h0
    t[..., 3, 3] = 1.0
    return t if side == "right" else mirror_transform(t)


def neutral_gt(anatomy: Anatomy, side: str, flexion_rad) -> np.ndarray:
    """GT tip in the room with the pelvis neutral and only the given flexion, right-like (..., 3)."""
    h0 = anatomy.right_like(side, "hip_centre")
    g0 = anatomy.right_like(side, "greater_trochanter") - h0
    return h0 + rotation("z", flexion_rad) @ g0


def gt_position(anatomy: Anatomy, side: str, femur: np.ndarray) -> np.ndarray:
    """GT tip in the room (..., 3) for room femur transforms (..., 4, 4)."""
    g = anatomy.greater_trochanter[side]
    return femur[..., :3, :3] @ g + femur[..., :3, 3]


def solve_gt(anatomy: Anatomy, side: str, pelvis: np.ndarray, flexion_rad,
             gt_superior_mm, gt_anterior_mm):
    """Adduction and rotation that put the GT tip at its palpated place.

    The GT target is its neutral place in the room (pelvis level, hip at the given
    flexion) moved ``gt_anterior_mm`` along x and ``gt_superior_mm`` along y; its
    medio-lateral place follows from the femur's geometry. Closed form: the GT lies on
    a sphere about the hip centre; rotation about the femur's long axis fixes its
    anterior reach, adduction then swings it into place. Where the target is out of
    reach or beyond the joint limits, the nearest reachable pose is returned.

    Returns
    -------
    adduction_rad, rotation_rad : (...,) float
    status : (...,) int
        Bit mask of the flags in this module (``OK`` when the GT is exactly there).
    """
    flex, sup, ant = np.broadcast_arrays(
        np.asarray(flexion_rad, float), np.asarray(gt_superior_mm, float),
        np.asarray(gt_anterior_mm, float))
    p = pelvis if side == "right" else mirror_transform(pelvis)
    p = np.broadcast_to(p, flex.shape + (4, 4))
    h0 = anatomy.right_like(side, "hip_centre")
    g0 = anatomy.right_like(side, "greater_trochanter") - h0
    radius = np.linalg.norm(g0)
    rp = p[..., :3, :3]
    hip = rp @ h0 + p[..., :3, 3]
    target = neutral_gt(anatomy, side, flex)
    target[..., 0] += ant
    target[..., 1] += sup

    status = np.zeros(flex.shape, dtype=int)
    vxy = target[..., :2] - hip[..., :2]
    reach = np.linalg.norm(vxy, axis=-1)
    limit = radius * 0.999
    too_far = reach > limit
    status[too_far] |= BEYOND_REACH
    vxy = np.where(too_far[..., None], vxy * (limit / np.maximum(reach, 1e-12))[..., None], vxy)
    vz = np.sqrt(np.maximum(radius**2 - (vxy**2).sum(-1), 0.0))
    v = np.concatenate([vxy, vz[..., None]], axis=-1)
    # into the pelvis frame, then undo flexion
    w = (rotation("z", -flex) @ (np.swapaxes(rp, -1, -2) @ v[..., None]))[..., 0]

    rho = np.hypot(g0[0], g0[2])
    phi = np.arctan2(g0[2], g0[0])
    ratio = w[..., 0] / rho
    status[np.abs(ratio) > 1.0] |= BEYOND_REACH
    rot = phi - np.arccos(np.clip(ratio, -1.0, 1.0))
    rot = (rot + np.pi) % (2 * np.pi) - np.pi
    u = (rotation("y", rot) @ g0[:, None])[..., 0]
    add = np.arctan2(w[..., 2], w[..., 1]) - np.arctan2(u[..., 2], u[..., 1])
    add = (add + np.pi) % (2 * np.pi) - np.pi

    abd_lo, abd_hi = np.radians(ABDUCTION_RANGE_DEG)
    rot_lo, rot_hi = np.radians(ROTATION_RANGE_DEG)
    status[-add > abd_hi] |= ABDUCTION_LIMIT
    status[-add < abd_lo] |= ADDUCTION_LIMIT
    status[rot > rot_hi] |= INTERNAL_LIMIT
    status[rot < rot_lo] |= EXTERNAL_LIMIT
    add = np.clip(add, -abd_hi, -abd_lo)
    rot = np.clip(rot, rot_lo, rot_hi)
    return add, rot, status


def status_reasons(status: int) -> list[str]:
    """Plain-language reasons for a GT solve's status flags."""
    reasons = []
    if status & BEYOND_REACH:
        reasons.append("the greater trochanter cannot reach that far from the hip centre")
    if status & ABDUCTION_LIMIT:
        reasons.append(f"it would need more than {ABDUCTION_RANGE_DEG[1]:g} deg of abduction")
    if status & ADDUCTION_LIMIT:
        reasons.append(f"it would need more than {-ABDUCTION_RANGE_DEG[0]:g} deg of adduction")
    if status & INTERNAL_LIMIT:
        reasons.append(f"it would need more than {ROTATION_RANGE_DEG[1]:g} deg of internal rotation")
    if status & EXTERNAL_LIMIT:
        reasons.append(f"it would need more than {-ROTATION_RANGE_DEG[0]:g} deg of external rotation")
    return reasons
