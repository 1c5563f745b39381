"""What a control means as joint motion, in words every surface shows alike (pure numpy).

The GT controls speak the therapist's language (millimetres of GT displacement) and the
crest controls move the pelvis; what that does to the hip depends on the pose. A GT moved
superiorly is abduction with the hip straight and internal rotation at 90 deg of
flexion; a crest raised 10 mm with the GT where it was palpated is about 14 deg of
adduction of that hip. The window, the classroom and the handout call these functions
for the sentence, so they say the same thing.
"""

from __future__ import annotations

import logging
import math

import numpy as np

from hipviz.core import kinematics as kin
from hipviz.formatting import number

log = logging.getLogger(__name__)

#: the GT move the sentences quote, mm
GT_STEP_MM = 10.0
#: a joint motion smaller than this (deg per GT_STEP_MM) is not named
NAMED_MIN_DEG = 1.0


def _motion_words(abduction_deg: float, rotation_deg: float) -> str:
    """``(7.7, 7.7)`` -> ``"abduction + internal rotation (7.7 + 7.7 deg per 10 mm)"``."""
    parts = [
        ("abduction" if abduction_deg > 0 else "adduction", abs(abduction_deg)),
        ("internal rotation" if rotation_deg > 0 else "external rotation", abs(rotation_deg)),
    ]
    parts = sorted((p for p in parts if p[1] >= NAMED_MIN_DEG), key=lambda p: -p[1])
    if not parts:
        return "no joint motion"
    names = " + ".join(name for name, _ in parts)
    degrees = " + ".join(f"{deg:.1f}" for _, deg in parts)
    return f"{names} ({degrees} deg per {GT_STEP_MM:g} mm)"


def gt_move_motion(anatomy: kin.Anatomy, side: str, flexion_deg: float) -> dict[str, tuple]:
    """The hip motion a GT move of :data:`GT_STEP_MM` from neutral produces at this flexion.

    Returns
    -------
    dict ``"superior"``/``"anterior"`` -> (abduction_deg, internal_rotation_deg)
    """
    flex = math.radians(flexion_deg)
    out = {}
    for name, (sup, ant) in (("superior", (GT_STEP_MM, 0.0)), ("anterior", (0.0, GT_STEP_MM))):
        add, rot, _ = kin.solve_gt(anatomy, side, np.eye(4), flex, sup, ant)
        out[name] = (-math.degrees(add), math.degrees(rot))
    return out


def gt_move_text(anatomy: kin.Anatomy, side: str, flexion_deg: float) -> str:
    """What "GT superior" and "GT anterior" mean as joint motion at this hip flexion.

    ``"At 90 deg flexion, GT superior = internal rotation (10.8 deg per 10 mm); GT
    anterior = adduction (10.9 deg per 10 mm)."``
    """
    motion = gt_move_motion(anatomy, side, flexion_deg)
    return (
        f"At {flexion_deg:.0f} deg flexion, GT superior = {_motion_words(*motion['superior'])}; "
        f"GT anterior = {_motion_words(*motion['anterior'])}."
    )


def crest_effect(
    anatomy: kin.Anatomy,
    crest_right_mm: float,
    crest_left_mm: float,
    flexion_deg: dict[str, float] | None = None,
) -> dict:
    """What the crest heights alone do, with both GTs where they were palpated (neutral)
    and each hip at its flexion (``flexion_deg``: side -> deg; default straight).

    Returns
    -------
    dict
        ``tilt_deg`` (pelvic obliquity, + right side up), ``pivot`` (the side whose hip
        centre the tilt turns about, ``None`` when level), ``hip_rise_mm`` (side ->
        vertical move of the hip centre), ``abduction_deg`` (side -> hip abduction (+) /
        adduction (-) relative to the pelvis) and ``rotation_deg`` (side -> internal (+) /
        external (-) rotation).
    """
    flexion_deg = flexion_deg or {}
    pelvis = kin.pelvis_transform(anatomy, crest_right_mm, crest_left_mm)
    tilt = math.degrees(math.atan2(-pelvis[2, 1], pelvis[1, 1]))
    rise, abduction, rotation = {}, {}, {}
    for side in ("right", "left"):
        hip = pelvis[:3, :3] @ anatomy.hip_centre[side] + pelvis[:3, 3]
        rise[side] = float(hip[1] - anatomy.hip_centre[side][1])
        flex = math.radians(flexion_deg.get(side, 0.0))
        add, rot, _ = kin.solve_gt(anatomy, side, pelvis, flex, 0.0, 0.0)
        abduction[side] = -math.degrees(float(add))
        rotation[side] = math.degrees(float(rot))
    pivot = None
    if crest_right_mm != crest_left_mm:
        pivot = "left" if crest_right_mm > crest_left_mm else "right"
    return {
        "tilt_deg": tilt,
        "pivot": pivot,
        "hip_rise_mm": rise,
        "abduction_deg": abduction,
        "rotation_deg": rotation,
    }


def crest_text(
    anatomy: kin.Anatomy,
    crest_right_mm: float,
    crest_left_mm: float,
    flexion_deg: dict[str, float] | None = None,
) -> str:
    """The crest heights as pelvis and hip motion, and why, in one or two sentences (each
    hip at its ``flexion_deg``, side -> deg, default straight: flexed, a crest move
    becomes rotation as a GT move does)."""
    if crest_right_mm == 0 and crest_left_mm == 0:
        return "Iliac crests level: the pelvis is in neutral."
    e = crest_effect(anatomy, crest_right_mm, crest_left_mm, flexion_deg)
    rise = e["hip_rise_mm"]
    if e["pivot"] is None:
        move = "rises" if crest_right_mm > 0 else "drops"
        pelvis = f"the pelvis {move} {abs(crest_right_mm):g} mm, level"
    else:
        up = "right" if e["tilt_deg"] > 0 else "left"
        pelvis = (
            f"the pelvis tilts {abs(e['tilt_deg']):.1f} deg, {up} side up, about an "
            f"anteroposterior axis at hip height (hip centres up: right "
            f"{number(rise['right'], sign=True)} mm, left "
            f"{number(rise['left'], sign=True)} mm; neither slides sideways)"
        )
    hips = []
    for side in ("right", "left"):
        motion = []
        deg = e["abduction_deg"][side]
        if abs(deg) >= 0.05:
            motion.append(f"{'abducts' if deg > 0 else 'adducts'} {abs(deg):.1f} deg")
        deg = e["rotation_deg"][side]
        if abs(deg) >= 0.05:
            motion.append(f"rotates {'internally' if deg > 0 else 'externally'} {abs(deg):.1f} deg")
        if motion:
            hips.append(f"the {side} hip " + " and ".join(motion))
    joined = " and ".join(hips) if hips else "neither hip moves"
    return (
        f"Crests right {crest_right_mm:+g} mm, left {crest_left_mm:+g} mm: {pelvis}. "
        f"The greater trochanters stay where they were palpated, so from the crests alone "
        f"{joined}."
    )
