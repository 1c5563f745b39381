"""Plain-language names for what hipviz shows (muscles, sides, pose controls): no Qt, used by
the window, the figures and the web pages alike."""

from __future__ import annotations

import logging

from hipviz.core.muscles import GROUPS

log = logging.getLogger(__name__)

GROUP_LABELS = {
    "gluteus_medius": "Gluteus medius",
    "gluteus_minimus": "Gluteus minimus",
    "piriformis": "Piriformis",
}
SIDE_LABELS = {"right": "Right", "left": "Left"}

#: where each muscle attaches, as a student's anatomy text puts it
ATTACHMENTS = {
    "gluteus_medius": (
        "outer surface of the ilium, between the anterior and posterior gluteal lines",
        "lateral surface of the greater trochanter",
    ),
    "gluteus_minimus": (
        "outer surface of the ilium, between the anterior and inferior gluteal lines",
        "anterior surface of the greater trochanter",
    ),
    "piriformis": (
        "anterior surface of the sacrum (S2-S4), leaving the pelvis through the "
        "greater sciatic notch",
        "superior border of the greater trochanter",
    ),
}

#: pose key -> (short label for a control row, tooltip)
CONTROL_LABELS = {
    "gt_superior_mm": (
        "GT superior / inferior",
        "Greater trochanter position against neutral, as palpated: "
        "+ superior, - inferior (mm). The femur abducts or adducts to put it "
        "there.",
    ),
    "gt_anterior_mm": (
        "GT anterior / posterior",
        "Greater trochanter position against neutral, as palpated: "
        "+ anterior, - posterior (mm). The femur rotates internally or externally "
        "to put it there.",
    ),
    "iliac_crest_superior_mm": (
        "Iliac crest height",
        "Iliac crest height against neutral: + raised, - lowered (mm). "
        "Equal heights lift the pelvis, unequal ones tilt it.",
    ),
    "hip_flexion_deg": ("Hip flexion", "Hip flexion angle (degrees); 0 is standing."),
    "hip_abduction_deg": (
        "Hip abduction",
        "Hip abduction angle: + abduction, - adduction (degrees), after "
        "flexion, from anatomical neutral (OpenSim gait2392 order).",
    ),
    "hip_rotation_deg": (
        "Hip rotation",
        "Hip rotation about the femur's long axis: + internal, - external "
        "(degrees), after flexion and abduction.",
    ),
}


def group_of(muscle: str) -> str:
    """The group (``gluteus_medius``, ...) a muscle belongs to."""
    for group, members in GROUPS.items():
        if muscle in members:
            return group
    raise KeyError(f"muscle '{muscle}' is in no group")


def muscle_label(muscle: str) -> str:
    """``"gluteus_medius_anterior"`` -> ``"Gluteus medius, anterior fibres"``."""
    group = group_of(muscle)
    part = muscle[len(group) :].strip("_")
    return f"{GROUP_LABELS[group]}, {part} fibres" if part else GROUP_LABELS[group]


def path_label(key: str) -> str:
    """``"right.piriformis"`` -> ``"Right piriformis"``."""
    side, muscle = key.split(".")
    label = muscle_label(muscle)
    return f"{SIDE_LABELS[side]} {label[0].lower()}{label[1:]}"
