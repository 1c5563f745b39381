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

import math
from dataclasses import dataclass

import numpy as np

from hipviz.core.geometry import is_scalar, rotation

MIRROR = np.diag([1.0, 1.0, -1.0])
MIRROR4 = np.diag([1.0, 1.0, -1.0, 1.0])
#: MIRROR4 @ t @ MIRROR4 == t * MIRROR4_SIGNS exactly (each entry is only negated or kept)
MIRROR4_SIGNS = np.outer(np.diag(MIRROR4), np.diag(MIRROR4))

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
FEMUR_CONTACT = 32  # the femurs would pass through each other: adduction held where they touch


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
        """A landmark of ``side`` in right-like coordinates (mirrored if left), read-only."""
        # every solve asks for these: computed once (the anatomy is frozen)
        cache = self.__dict__.setdefault("_right_like", {})
        if (side, name) not in cache:
            p = np.array(getattr(self, name)[side], dtype=float)
            p = p if side == "right" else MIRROR @ p
            p.flags.writeable = False
            cache[side, name] = p
        return cache[side, name]

    def gt_geometry(self, side: str) -> tuple[tuple[float, ...], tuple[float, ...], float]:
        """Right-like hip centre, GT tip relative to it, and their distance (mm), as floats.

        For the one-pose GT solve, which works on plain floats; computed on first use.
        """
        cache = self.__dict__.setdefault("_gt_geometry", {})
        if side not in cache:
            h0 = self.right_like(side, "hip_centre")
            g0 = self.right_like(side, "greater_trochanter") - h0
            cache[side] = (tuple(map(float, h0)), tuple(map(float, g0)), float(np.linalg.norm(g0)))
        return cache[side]


def mirror_transform(t: np.ndarray) -> np.ndarray:
    """Mirror 4x4 transforms (..., 4, 4) through z = 0 (an involution)."""
    return t * MIRROR4_SIGNS


def pelvis_transform(anatomy: Anatomy, crest_right_mm, crest_left_mm) -> np.ndarray:
    """Pelvis pose from the two iliac crest heights: a lift plus an obliquity.

    Unequal heights tilt the pelvis in the frontal plane about the anteroposterior axis
    through the hip centre on the side of the lower crest, as the pelvis hikes over a
    standing leg: that hip centre does not move sideways, the other swings up (or down)
    on a 17 cm radius and moves sideways by a fraction of a millimetre (0.3 mm at 10 mm).
    The whole pelvis is then lifted straight up so each crest top rises by its own value:
    equal heights are a pure lift, ``(15, 10)`` is a lift of about 10 mm and a tilt that
    raises the right crest 5 mm more. The old tilt about the midpoint of the crest tops,
    14 cm above the hips, slid both hip centres 8 mm sideways for 10 mm at one crest.

    Returns
    -------
    (..., 4, 4) float
        Pelvis-frame to room transform.
    """
    (a, b, phi, radius), pivots = _crest_geometry(anatomy)
    if is_scalar(crest_right_mm, crest_left_mm):  # one pose: plain floats
        cr, cl = float(crest_right_mm), float(crest_left_mm)
        theta = math.acos(min(max((cr - cl + a) / radius, -1.0), 1.0)) - phi
        c, s = math.cos(theta), math.sin(theta)
        hy, hz, dy, dz = pivots["left" if cr >= cl else "right"]
        lower = cl if cr >= cl else cr
        # lift: the pivot side's crest top ends at its own height
        lift = lower - ((c - 1.0) * dy - s * dz)
        return np.array(
            [
                [1.0, 0.0, 0.0, 0.0],
                [0.0, c, -s, hy - (c * hy - s * hz) + lift],
                [0.0, s, c, hz - (s * hy + c * hz)],
                [0.0, 0.0, 0.0, 1.0],
            ]
        )
    cr, cl = np.broadcast_arrays(
        np.asarray(crest_right_mm, float), np.asarray(crest_left_mm, float)
    )
    theta = np.arccos(np.clip((cr - cl + a) / radius, -1.0, 1.0)) - phi
    c, s = np.cos(theta), np.sin(theta)
    left_pivot = cr >= cl
    hy, hz, dy, dz = (
        np.where(left_pivot, pl, pr) for pl, pr in zip(pivots["left"], pivots["right"], strict=True)
    )
    lift = np.where(left_pivot, cl, cr) - ((c - 1.0) * dy - s * dz)
    t = np.zeros(cr.shape + (4, 4))
    t[..., 0, 0] = 1.0
    t[..., 1, 1], t[..., 1, 2], t[..., 2, 1], t[..., 2, 2] = c, -s, s, c
    t[..., 1, 3] = hy - (c * hy - s * hz) + lift
    t[..., 2, 3] = hz - (s * hy + c * hz)
    t[..., 3, 3] = 1.0
    return t


def _crest_geometry(anatomy: Anatomy):
    """Constants of :func:`pelvis_transform`, computed once.

    A rotation by theta about x raises the right crest top against the left one by
    ``a (cos theta - 1) - b sin theta`` (a, b: right minus left crest top, y and z),
    whatever the axis; written as ``radius cos(theta + phi) - a`` it is solved in closed
    form. Per pivot side: the hip centre (y, z) and the crest top relative to it (y, z).
    """
    cache = anatomy.__dict__.setdefault("_crest", {})
    if not cache:
        top_r, top_l = anatomy.iliac_crest_top["right"], anatomy.iliac_crest_top["left"]
        a, b = float(top_r[1] - top_l[1]), float(top_r[2] - top_l[2])
        # cos(theta + phi) with cos phi = a / radius, sin phi = b / radius: theta = 0 at a
        # level pelvis, and raising the right crest turns the pelvis by -theta about x
        cache["abc"] = (a, b, math.atan2(b, a), math.hypot(a, b))
        cache["pivots"] = {
            side: (
                float(anatomy.hip_centre[side][1]),
                float(anatomy.hip_centre[side][2]),
                float(anatomy.iliac_crest_top[side][1] - anatomy.hip_centre[side][1]),
                float(anatomy.iliac_crest_top[side][2] - anatomy.hip_centre[side][2]),
            )
            for side in ("right", "left")
        }
    return cache["abc"], cache["pivots"]


def femur_rotation(flexion_rad, adduction_rad, rotation_rad) -> np.ndarray:
    """Right-like femur orientation in the pelvis frame: Rz(flexion) Rx(adduction) Ry(rotation)."""
    if is_scalar(flexion_rad, adduction_rad, rotation_rad):
        # one pose: the product written out (numpy's overhead on 3x3 arrays dominates)
        cf, sf = math.cos(flexion_rad), math.sin(flexion_rad)
        ca, sa = math.cos(adduction_rad), math.sin(adduction_rad)
        cr, sr = math.cos(rotation_rad), math.sin(rotation_rad)
        a0 = (cr, 0.0, sr)  # rows of Rx(adduction) Ry(rotation)
        a1 = (sa * sr, ca, -sa * cr)
        a2 = (-ca * sr, sa, ca * cr)
        return np.array(
            [
                [cf * a0[k] - sf * a1[k] for k in range(3)],
                [sf * a0[k] + cf * a1[k] for k in range(3)],
                a2,
            ]
        )
    return rotation("z", flexion_rad) @ rotation("x", adduction_rad) @ rotation("y", rotation_rad)


def femur_transform(
    anatomy: Anatomy, side: str, pelvis: np.ndarray, flexion_rad, adduction_rad, rotation_rad
) -> np.ndarray:
    """Neutral-frame femur points -> room, (..., 4, 4), with the head centred in the acetabulum."""
    if pelvis.shape == (4, 4) and is_scalar(flexion_rad, adduction_rad, rotation_rad):
        return _femur_transform_one(
            anatomy, side, pelvis, float(flexion_rad), float(adduction_rad), float(rotation_rad)
        )
    p = pelvis if side == "right" else mirror_transform(pelvis)
    h0 = anatomy.right_like(side, "hip_centre")
    rp = p[..., :3, :3]
    r = rp @ femur_rotation(flexion_rad, adduction_rad, rotation_rad)
    t = np.zeros(r.shape[:-2] + (4, 4))
    t[..., :3, :3] = r
    t[..., :3, 3] = (rp @ h0) + p[..., :3, 3] - r @ h0  # the hip centre stays where it was
    t[..., 3, 3] = 1.0
    return t if side == "right" else mirror_transform(t)


def _femur_transform_one(
    anatomy: Anatomy,
    side: str,
    pelvis: np.ndarray,
    flexion_rad: float,
    adduction_rad: float,
    rotation_rad: float,
) -> np.ndarray:
    """:func:`femur_transform` for one pose, on Python floats (a slider step)."""
    p = pelvis.tolist()
    if side != "right":  # right-like: mirror through z = 0 (negate the z row and column)
        p = [
            [p[0][0], p[0][1], -p[0][2], p[0][3]],
            [p[1][0], p[1][1], -p[1][2], p[1][3]],
            [-p[2][0], -p[2][1], p[2][2], -p[2][3]],
        ]
    h0, h1, h2 = anatomy.gt_geometry(side)[0]
    cf, sf = math.cos(flexion_rad), math.sin(flexion_rad)
    ca, sa = math.cos(adduction_rad), math.sin(adduction_rad)
    cr, sr = math.cos(rotation_rad), math.sin(rotation_rad)
    a0, a1, a2 = (cr, 0.0, sr), (sa * sr, ca, -sa * cr), (-ca * sr, sa, ca * cr)  # Rx Ry
    f = (
        [cf * a0[k] - sf * a1[k] for k in range(3)],  # Rz(flexion) Rx Ry
        [sf * a0[k] + cf * a1[k] for k in range(3)],
        a2,
    )
    rows = []
    for i in range(3):
        p0, p1, p2, p3 = p[i]
        r0 = p0 * f[0][0] + p1 * f[1][0] + p2 * f[2][0]
        r1 = p0 * f[0][1] + p1 * f[1][1] + p2 * f[2][1]
        r2 = p0 * f[0][2] + p1 * f[1][2] + p2 * f[2][2]
        # the hip centre stays where the pelvis puts it: hip - r @ h0
        hip = p0 * h0 + p1 * h1 + p2 * h2 + p3
        rows.append([r0, r1, r2, hip - (r0 * h0 + r1 * h1 + r2 * h2)])
    if side != "right":  # back to the left side
        rows[0][2], rows[1][2] = -rows[0][2], -rows[1][2]
        rows[2] = [-rows[2][0], -rows[2][1], rows[2][2], -rows[2][3]]
    rows.append([0.0, 0.0, 0.0, 1.0])
    return np.array(rows)


def neutral_gt(anatomy: Anatomy, side: str, flexion_rad) -> np.ndarray:
    """GT tip in the room with the pelvis neutral and only the given flexion, right-like.

    Returns (..., 3) float, mm.
    """
    h0 = anatomy.right_like(side, "hip_centre")
    g0 = anatomy.right_like(side, "greater_trochanter") - h0
    return h0 + rotation("z", flexion_rad) @ g0


def gt_position(anatomy: Anatomy, side: str, femur: np.ndarray) -> np.ndarray:
    """GT tip in the room (..., 3) for room femur transforms (..., 4, 4)."""
    g = anatomy.greater_trochanter[side]
    return femur[..., :3, :3] @ g + femur[..., :3, 3]


def solve_gt(
    anatomy: Anatomy, side: str, pelvis: np.ndarray, flexion_rad, gt_superior_mm, gt_anterior_mm
):
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
    if pelvis.shape == (4, 4) and is_scalar(flexion_rad, gt_superior_mm, gt_anterior_mm):
        return _solve_gt_one(
            anatomy, side, pelvis, float(flexion_rad), float(gt_superior_mm), float(gt_anterior_mm)
        )
    flex, sup, ant = np.broadcast_arrays(
        np.asarray(flexion_rad, float),
        np.asarray(gt_superior_mm, float),
        np.asarray(gt_anterior_mm, float),
    )
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


def _solve_gt_one(
    anatomy: Anatomy, side: str, pelvis: np.ndarray, flex: float, sup: float, ant: float
) -> tuple[float, float, int]:
    """:func:`solve_gt` for one pose, step for step, on Python floats.

    A slider step solves one pose; numpy's per-call overhead on (3,) arrays made this
    the largest part of a solve. The vectorised solve checks this one in the tests.
    """
    (h0x, h0y, h0z), (g0x, g0y, g0z), radius = anatomy.gt_geometry(side)
    p = pelvis.tolist()
    if side != "right":  # mirror through z = 0: negate the z row and column once
        p = [
            [p[0][0], p[0][1], -p[0][2], p[0][3]],
            [p[1][0], p[1][1], -p[1][2], p[1][3]],
            [-p[2][0], -p[2][1], p[2][2], -p[2][3]],
            p[3],
        ]
    (r00, r01, r02, t0), (r10, r11, r12, t1), (r20, r21, r22, _t2) = p[0], p[1], p[2]
    hip_x = r00 * h0x + r01 * h0y + r02 * h0z + t0
    hip_y = r10 * h0x + r11 * h0y + r12 * h0z + t1
    cf, sf = math.cos(flex), math.sin(flex)
    target_x = h0x + cf * g0x - sf * g0y + ant  # neutral_gt, then the palpated offset
    target_y = h0y + sf * g0x + cf * g0y + sup

    status = OK
    vx, vy = target_x - hip_x, target_y - hip_y
    reach = math.hypot(vx, vy)
    limit = radius * 0.999
    if reach > limit:
        status |= BEYOND_REACH
        scale = limit / max(reach, 1e-12)
        vx, vy = vx * scale, vy * scale
    vz = math.sqrt(max(radius**2 - (vx * vx + vy * vy), 0.0))
    # into the pelvis frame (transpose of the rotation), then undo flexion
    px = r00 * vx + r10 * vy + r20 * vz
    py = r01 * vx + r11 * vy + r21 * vz
    pz = r02 * vx + r12 * vy + r22 * vz
    w0, w1, w2 = cf * px + sf * py, -sf * px + cf * py, pz

    rho = math.hypot(g0x, g0z)
    phi = math.atan2(g0z, g0x)
    ratio = w0 / rho
    if abs(ratio) > 1.0:
        status |= BEYOND_REACH
    rot = phi - math.acos(min(max(ratio, -1.0), 1.0))
    rot = (rot + math.pi) % (2 * math.pi) - math.pi
    cr, sr = math.cos(rot), math.sin(rot)
    u1, u2 = g0y, -sr * g0x + cr * g0z
    add = math.atan2(w2, w1) - math.atan2(u2, u1)
    add = (add + math.pi) % (2 * math.pi) - math.pi

    abd_lo, abd_hi = math.radians(ABDUCTION_RANGE_DEG[0]), math.radians(ABDUCTION_RANGE_DEG[1])
    rot_lo, rot_hi = math.radians(ROTATION_RANGE_DEG[0]), math.radians(ROTATION_RANGE_DEG[1])
    if -add > abd_hi:
        status |= ABDUCTION_LIMIT
    if -add < abd_lo:
        status |= ADDUCTION_LIMIT
    if rot > rot_hi:
        status |= INTERNAL_LIMIT
    if rot < rot_lo:
        status |= EXTERNAL_LIMIT
    add = min(max(add, -abd_hi), -abd_lo)
    rot = min(max(rot, rot_lo), rot_hi)
    return add, rot, status


def status_reasons(status: int) -> list[str]:
    """Plain-language reasons for a solve's status flags."""
    reasons = []
    if status & BEYOND_REACH:
        reasons.append("the greater trochanter cannot reach that far from the hip centre")
    if status & ABDUCTION_LIMIT:
        reasons.append(f"it would need more than {ABDUCTION_RANGE_DEG[1]:g} deg of abduction")
    if status & ADDUCTION_LIMIT:
        reasons.append(f"it would need more than {-ABDUCTION_RANGE_DEG[0]:g} deg of adduction")
    if status & INTERNAL_LIMIT:
        reasons.append(
            f"it would need more than {ROTATION_RANGE_DEG[1]:g} deg of internal rotation"
        )
    if status & EXTERNAL_LIMIT:
        reasons.append(
            f"it would need more than {-ROTATION_RANGE_DEG[0]:g} deg of external rotation"
        )
    if status & FEMUR_CONTACT:
        reasons.append(
            "the thighs would pass through each other: the femurs stop where they touch "
            "(adduction held there)"
        )
    return reasons
