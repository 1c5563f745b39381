"""Plain-language names for what hipviz shows (muscles, their parts, sides, pose controls,
quantities and units, moment-arm actions, a path's points): no Qt, the one vocabulary of
the window, the figures and plots, the report's table, the handout and the classroom.

Model ids (``right.gluteus_medius_anterior``, ``piri-P1_r``, ``moment_arm_rotation_mm``)
stay in files and machine-read output (scene files, JSON, CSV keys); a student reads only
the words here (``tests/test_vocabulary.py`` checks each surface's visible text)."""

from __future__ import annotations

import logging

from hipviz.core.muscles import GROUPS

log = logging.getLogger(__name__)

GROUP_LABELS = {
    "gluteus_medius": "Gluteus medius",
    "gluteus_minimus": "Gluteus minimus",
    "piriformis": "Piriformis",
    "gluteus_maximus": "Gluteus maximus",
    "tensor_fasciae_latae": "Tensor fasciae latae",
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
    "gluteus_maximus": (
        "posterior ilium behind the posterior gluteal line, the back of the sacrum and "
        "coccyx and the sacrotuberous ligament",
        "gluteal tuberosity of the femur and the iliotibial band",
    ),
    "tensor_fasciae_latae": (
        "anterior iliac crest, just behind the anterior superior iliac spine",
        "iliotibial band, which runs down the lateral thigh to the lateral condyle of the "
        "tibia (the model ends it at the lateral femoral condyle)",
    ),
}
#: a path's origin, where it is not the group's usual one (its compartment's own bone)
ORIGIN_WORDS = {
    "piriformis": "origin on the sacrum",
    "gluteus_maximus_superior": "origin on the posterior ilium",
    "gluteus_maximus_middle": "origin on the posterior ilium beside the PSIS",
    "gluteus_maximus_inferior": "origin on the side of the lower sacrum",
    "tensor_fasciae_latae": "origin on the iliac crest behind the ASIS",
}
#: a path's insertion, where it is not on the greater trochanter
INSERTION_WORDS = {
    "gluteus_maximus": "insertion on the gluteal tuberosity",
    "tensor_fasciae_latae": "into the iliotibial band at the lateral femoral condyle",
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


def short_muscle_label(muscle: str) -> str:
    """``"gluteus_medius_anterior"`` -> ``"G. medius anterior"``: :func:`muscle_label`'s
    words, abbreviated where room is scarce (a plot's legend at projector scale)."""
    group = group_of(muscle)
    part = muscle[len(group) :].strip("_")
    name = GROUP_LABELS[group]
    return f"{name.replace('Gluteus ', 'G. ')} {part}" if part else name


def path_label(key: str) -> str:
    """``"right.piriformis"`` -> ``"Right piriformis"``."""
    side, muscle = key.split(".")
    label = muscle_label(muscle)
    return f"{SIDE_LABELS[side]} {label[0].lower()}{label[1:]}"


def isolated_label(key: str) -> str:
    """``"right.gluteus_medius_anterior"`` -> ``"Gluteus medius, anterior fibres (right)"``:
    a muscle path named on its own, in large type in the view."""
    side, muscle = key.split(".")
    return f"{muscle_label(muscle)} ({side})"


def pose_words(flexion_deg: float, abduction_deg: float, rotation_deg: float) -> str:
    """A hip pose as a therapist says it: ``"hip flexed 90 deg, adducted 30 deg, rotated
    out 15 deg"`` (abduction +, internal rotation +; under half a degree is left out)."""
    parts = []
    if round(flexion_deg) != 0:
        parts.append(f"flexed {flexion_deg:.0f} deg")
    if round(abduction_deg) != 0:
        way = "abducted" if abduction_deg > 0 else "adducted"
        parts.append(f"{way} {abs(abduction_deg):.0f} deg")
    if round(rotation_deg) != 0:
        way = "rotated in" if rotation_deg > 0 else "rotated out"
        parts.append(f"{way} {abs(rotation_deg):.0f} deg")
    return "hip " + ", ".join(parts) if parts else "hip in neutral (standing)"


def side_label(side: str) -> str:
    """``"right"`` -> ``"Right"`` (a KeyError names an unknown side)."""
    return SIDE_LABELS[side]


#: a moment arm's action (a key of ``Solution.moment_arms_mm``) -> its word, as a sub-heading
#: under "Moment arm (mm)"
ACTION_LABELS = {"flexion": "Flexion", "abduction": "Abduction", "rotation": "Rotation"}
#: a moment arm's action -> the quantity's name
MOMENT_ARM_LABELS = {a: f"{word} moment arm" for a, word in ACTION_LABELS.items()}
#: a moment arm's action -> what a muscle with a negative and with a positive moment arm is
#: (the 3D view's legend ends, :data:`hipviz.render.colours.COLOUR_SCALES`, say the same)
ACTION_ROLES = {
    "flexion": ("extensor", "flexor"),
    "abduction": ("adductor", "abductor"),
    "rotation": ("external rotator", "internal rotator"),
}


def role_words(action: str, moment_arm_mm: float) -> str:
    """What a muscle does with this moment arm: ``"internal rotator"``, or ``"no lever"``
    under 0.05 mm."""
    if abs(moment_arm_mm) < 0.05:
        return "no lever"
    return ACTION_ROLES[action][moment_arm_mm > 0]


#: the short word of a moment arm where room is scarce (the window table's three-line
#: headers; its key line and tooltips spell them out with :data:`MOMENT_ARM_LABELS`)
MOMENT_ARM_SHORT = {"flexion": "flex", "abduction": "abd", "rotation": "rot"}
#: a number's field (the keys of ``Solution.rows()``, of the report's JSON and CSV) -> (name,
#: unit); the one wording of every table heading
QUANTITY_LABELS = {
    "rest_length_mm": ("Neutral length", "mm"),
    "length_mm": ("Length", "mm"),
    "change_mm": ("Change", "mm"),
    "change_pct": ("Change", "%"),
    **{f"moment_arm_{a}_mm": (label, "mm") for a, label in MOMENT_ARM_LABELS.items()},
}


def quantity_heading(field: str) -> str:
    """``"moment_arm_rotation_mm"`` -> ``"Rotation moment arm (mm)"``."""
    name, unit = QUANTITY_LABELS[field]
    return f"{name} ({unit})"


def point_words(muscle: str, roles: tuple[str, ...], bodies: tuple[str, ...]) -> tuple[str, ...]:
    """A muscle path's points as an anatomy text names them (``"origin on the sacrum"``,
    ``"via the greater sciatic notch"``, ...), never the model's point ids; a point this
    cannot name is ``"point 2 of 4"``."""
    group = group_of(muscle)
    origin = ORIGIN_WORDS.get(muscle, ORIGIN_WORDS.get(group, "origin on the ilium"))
    insertion = INSERTION_WORDS.get(group, "insertion on the greater trochanter")
    words = []
    femur_vias = 0
    for i, (role, body) in enumerate(zip(roles, bodies, strict=True)):
        if role == "origin":
            words.append(origin)
        elif role == "insertion":
            words.append(insertion)
        elif role == "via" and body == "pelvis" and group == "piriformis":
            words.append("via the greater sciatic notch")
        elif role == "via" and body == "pelvis" and group == "gluteus_maximus":
            words.append("via the back of the hip")
        elif role == "via" and body.startswith("femur"):
            femur_vias += 1
            if femur_vias == 1:
                words.append("over the greater trochanter")
            elif group == "gluteus_maximus":
                words.append("behind the top of the femoral shaft")
            elif group == "tensor_fasciae_latae":
                words.append("down the lateral thigh in the iliotibial band")
            else:
                words.append(f"point {i + 1} of {len(roles)}")
        else:
            words.append(f"point {i + 1} of {len(roles)}")
    return tuple(words)
