"""The validation page: hip moment arms of the model beside published values.

``hipviz validate`` (or ``python -m hipviz.validation``) writes ``docs/validation.md``
from the code, so the page cannot drift from the model:

* **ours**: :meth:`hipviz.core.model.HipModel.solve` at 0, 45 and 90 deg flexion (no
  abduction, no rotation), the muscle paths as shipped (via points and wraps included);
* **the source model on its own bones**: each path's source (gait2392, from the sites
  vendored in ``hipviz/data/gait2392_sites.json``, or Rajagopal et al. 2016 as read from
  ``myo-sim`` by :mod:`hipviz.build.myosim`), straight lines through its sites, moved with
  the same joint-angle conventions about that model's own hip centre;
* **the literature**: ``hipviz/data/literature_moment_arms.json``: published cadaver
  values, and the published attachment coordinates of Dostal & Andrews (1981) from which
  the straight-line moment arms of Dostal et al. (1986) are recomputed here.

``--check`` exits 1 when the committed page differs from what would be written. The page
holds no date or version, and every number is rounded to 0.1 mm, so it is deterministic.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

import numpy as np

from hipviz.core.kinematics import femur_rotation
from hipviz.core.model import HipModel
from hipviz.core.muscles import GROUPS, MUSCLES, MuscleSet
from hipviz.core.pose import Pose
from hipviz.formatting import number
from hipviz.io.model_files import load_model
from hipviz.io.packaged import checkout_root
from hipviz.io.safe_save import save_text

log = logging.getLogger(__name__)

#: hip flexion angles the page reports, degrees
FLEXIONS_DEG = (0, 45, 90)
#: flexion angles at which the sign of a moment arm is tested against the literature
SIGN_FLEXIONS_DEG = (0, 90)
#: moment-arm actions compared: rotation at every flexion, abduction at neutral only
ACTIONS = ("rotation", "abduction")
#: central-difference step for straight-line moment arms, rad
STEP_RAD = 1e-6
#: the page, relative to the repository root
PAGE = Path("docs") / "validation.md"

LABELS = {
    "gluteus_medius_anterior": "Gluteus medius, anterior part",
    "gluteus_medius_middle": "Gluteus medius, middle part",
    "gluteus_medius_posterior": "Gluteus medius, posterior part",
    "gluteus_minimus_anterior": "Gluteus minimus, anterior part",
    "gluteus_minimus_middle": "Gluteus minimus, middle part",
    "gluteus_minimus_posterior": "Gluteus minimus, posterior part",
    "piriformis": "Piriformis",
    "gluteus_maximus_superior": "Gluteus maximus, superior part",
    "gluteus_maximus_middle": "Gluteus maximus, middle part",
    "gluteus_maximus_inferior": "Gluteus maximus, inferior part",
    "tensor_fasciae_latae": "Tensor fasciae latae",
}
#: short names of the literature sources, as the page's tables show them
SHORT = {
    "delp1999": "Delp 1999",
    "dostal1981": "Dostal",
    "blemker2005": "Blemker & Delp 2005",
}
_WORDS = {"rotation": ("internal", "external"), "abduction": ("abductor", "adductor")}


@dataclass(frozen=True)
class Reference:
    """One literature value for one muscle, action and flexion.

    Attributes
    ----------
    value_mm : float
        Moment arm, mm (positive = abducts / internally rotates).
    tolerance_mm : float
        The spread between specimens when the source gives one, else the uncertainty of
        reading or rounding the number, mm.
    kind : str
        ``"cadaver"`` or ``"model"``.
    source : str
        Key in the literature file's ``sources``.
    spread_known : bool
        True when ``tolerance_mm`` is a spread between specimens.
    """

    value_mm: float
    tolerance_mm: float
    kind: str
    source: str
    spread_known: bool = False


@dataclass(frozen=True)
class SignCase:
    """A moment-arm sign the literature states unambiguously."""

    muscle: str
    action: str
    flexion_deg: int
    sign: int
    evidence: str


# --- numbers --------------------------------------------------------------------------------
def polyline_moment_arms(
    points: np.ndarray, on_femur: Sequence[bool], hip_centre: np.ndarray, flexion_deg: float
) -> dict[str, float]:
    """Moment arms of a straight-line path through fixed points, by central differences.

    Parameters
    ----------
    points : (k, 3) float
        Path points (origin first) at neutral, in the pelvis frame (x anterior, y superior,
        z right), mm. Femur points move with the femur, pelvis points stay.
    on_femur : (k,) bool
        Which points are fixed to the femur.
    hip_centre : (3,) float
        Centre of rotation, pelvis frame, mm.
    flexion_deg : float
        Hip flexion at which to evaluate (no adduction, no rotation).

    Returns
    -------
    dict
        ``flexion``, ``abduction``, ``rotation`` (internal): -dL/d(angle), mm. Angles are
        those of :func:`hipviz.core.kinematics.femur_rotation` (right hip).
    """
    p = np.asarray(points, float)
    femur = np.asarray(on_femur, bool)
    h = np.asarray(hip_centre, float)
    flex = math.radians(flexion_deg)
    e = STEP_RAD
    steps = np.array([[e, 0, 0], [-e, 0, 0], [0, e, 0], [0, -e, 0], [0, 0, e], [0, 0, -e]])
    rot = femur_rotation(flex + steps[:, 0], steps[:, 1], steps[:, 2])  # (6, 3, 3)
    moved = np.broadcast_to(p, (6,) + p.shape).copy()
    moved[:, femur] = h + (p[femur] - h) @ np.swapaxes(rot, -1, -2)
    lengths = np.linalg.norm(np.diff(moved, axis=1), axis=-1).sum(-1)
    d = (lengths[0::2] - lengths[1::2]) / (2 * e)  # dL/d(flexion, adduction, rotation)
    # abduction is minus adduction, so its moment arm -dL/d(abduction) is +dL/d(adduction)
    return {"flexion": float(-d[0]), "abduction": float(d[1]), "rotation": float(-d[2])}


def load_literature(path: Path | None = None) -> dict:
    """The literature file (``hipviz/data/literature_moment_arms.json`` by default)."""
    text = (
        Path(path).read_text()
        if path is not None
        else resources.files("hipviz.data").joinpath("literature_moment_arms.json").read_text()
    )
    return json.loads(text)


def straight_line_model_values(
    literature: dict, name: str = "dostal1981", flexions: Sequence[float] = FLEXIONS_DEG
) -> dict:
    """Moment arms of a published straight-line model, with their rounding bound.

    The bound is how far the moment arm can move when every published coordinate moves
    by up to its rounding (``coordinate_rounding_mm``), to first order: the sum of the
    absolute changes from moving each coordinate alone.

    Returns
    -------
    dict
        ``(muscle, flexion_deg) -> {action: (value_mm, bound_mm)}`` for every action of
        :func:`polyline_moment_arms`.
    """
    model = literature["straight_line_models"][name]
    scale = {"cm": 10.0, "mm": 1.0}[model["units"]]
    r = float(model["coordinate_rounding_mm"])
    out = {}
    for muscle, m in model["muscles"].items():
        pts = np.array([m["origin_" + model["units"]], m["insertion_" + model["units"]]]) * scale
        on_femur = [False, True]
        for f in flexions:
            base = polyline_moment_arms(pts, on_femur, np.zeros(3), f)
            bound = dict.fromkeys(base, 0.0)
            for idx in np.ndindex(pts.shape):
                shifted = pts.copy()
                shifted[idx] += r
                moved = polyline_moment_arms(shifted, on_femur, np.zeros(3), f)
                for k in bound:
                    bound[k] += abs(moved[k] - base[k])
            out[(muscle, int(f))] = {k: (base[k], bound[k]) for k in base}
    return out


def literature_references(literature: dict) -> dict[tuple[str, str, int], list[Reference]]:
    """Every literature value per ``(muscle, action, flexion_deg)``: cadaver ones first."""
    refs: dict[tuple[str, str, int], list[Reference]] = {}
    for c in literature.get("cadaver", []):
        spread = c.get("spread_mm")
        tol = float(spread) if spread is not None else float(c["reading_uncertainty_mm"])
        key = (c["muscle"], c["action"], int(c["flexion_deg"]))
        refs.setdefault(key, []).append(
            Reference(float(c["value_mm"]), tol, "cadaver", c["source"], spread is not None)
        )
    for name, model in literature.get("straight_line_models", {}).items():
        values = straight_line_model_values(literature, name)
        for (muscle, f), actions in values.items():
            for action in ACTIONS:
                value, bound = actions[action]
                refs.setdefault((muscle, action, f), []).append(
                    Reference(value, bound, "model", model["source"])
                )
    return refs


def fibre_ranges(literature: dict) -> list[dict]:
    """Published ranges over a whole muscle's fibres, read at 0 deg from digitised edges.

    Returns
    -------
    list of dict
        ``muscle_group``, ``action``, ``flexion_deg``, ``low_mm``, ``high_mm``,
        ``uncertainty_mm``, ``source``.
    """
    out = []
    for fr in literature.get("fibre_ranges", []):
        edges = []
        for name in ("upper_edge_points", "lower_edge_points"):
            (x0, y0), (x1, y1) = fr[name]
            edges.append(10.0 * fr["sign"] * (y0 + (0.0 - x0) * (y1 - y0) / (x1 - x0)))  # cm->mm
        out.append(
            {
                "muscle_group": fr["muscle_group"],
                "action": fr["action"],
                "flexion_deg": int(fr["flexion_deg"]),
                "low_mm": min(edges),
                "high_mm": max(edges),
                "uncertainty_mm": float(fr["reading_uncertainty_mm"]),
                "source": fr["source"],
            }
        )
    return out


def model_values(model, actions=ACTIONS) -> dict[tuple[str, str, str, int], float]:
    """Our moment arms: ``(side, muscle, action, flexion_deg) -> mm`` (both sides)."""

    out = {}
    for f in FLEXIONS_DEG:
        sol = model.solve(Pose.from_dict({"right.hip_flexion_deg": f, "left.hip_flexion_deg": f}))
        for i, key in enumerate(sol.keys):
            side, muscle = key.split(".")
            for action in actions:
                out[(side, muscle, action, f)] = float(sol.moment_arms_mm[action][i])
    return out


def right_values(model, actions) -> dict[tuple[str, str, int], float]:
    """:func:`model_values` of the right hip: ``(muscle, action, flexion_deg) -> mm``."""
    values = model_values(model, actions)
    return {(m, a, f): v for (side, m, a, f), v in values.items() if side == "right"}


def chosen_sources() -> dict[str, str]:
    """``muscle -> "gait2392" | "rajagopal2016"``: the source each shipped path was carried from."""
    data = _muscle_data()
    return {
        m["muscle"]: "gait2392" if m.get("source", "").startswith("gait2392") else "rajagopal2016"
        for m in data["muscles"]
        if m["side"] == "right"
    }


def source_geometry(
    muscle: str, source: str, models_dir: Path | None = None
) -> tuple[np.ndarray, list[bool], np.ndarray]:
    """A right path in its source model's own frames at neutral.

    Returns the points (k, 3) mm in the source's pelvis frame (femur points placed at the
    model's neutral), which of them are on the femur, and the source's hip centre (3,) mm.
    """
    if source == "gait2392":
        from hipviz.build import gait2392

        key = next(k for k, m in gait2392.MUSCLES.items() if m == muscle)
        return gait2392.own_geometry(key)
    from hipviz.build import myosim

    _, offsets = myosim.read_chain(models_dir)
    hip = offsets["femur_r"]
    path = next(
        p for p in myosim.muscle_paths(models_dir) if p.side == "right" and p.muscle == muscle
    )
    on_femur = [s.body != "pelvis" for s in path.sites]
    pts = np.array(
        [s.position + (hip if f else 0.0) for s, f in zip(path.sites, on_femur, strict=True)]
    )
    return pts, on_femur, hip


def source_model_values(models_dir: Path | None = None) -> dict[tuple[str, str, int], float]:
    """Each path's source model on its own bones, right side.

    Returns ``(muscle, action, flexion_deg) -> mm``.

    Straight lines through the sites of the source each path was carried from (gait2392
    or Rajagopal et al. 2016; neither has wrapping surfaces on these muscles), about that
    model's own hip centre.
    """
    out = {}
    for muscle, source in chosen_sources().items():
        pts, on_femur, hip = source_geometry(muscle, source, models_dir)
        for f in FLEXIONS_DEG:
            arms = polyline_moment_arms(pts, on_femur, hip, f)
            for action in ACTIONS:
                out[(muscle, action, f)] = arms[action]
    return out


def attachment_shifts(model, models_dir: Path | None = None) -> dict[str, dict[str, np.ndarray]]:
    """Where each path's origin and insertion sit relative to the hip centre, ours minus source.

    The source positions are scaled by the registration scale of their bone (from the
    provenance of ``muscles.json``, 1 when it is not recorded), so the difference is what
    the registration and the surface projection moved, not the overall size.

    Returns
    -------
    dict
        ``muscle -> {"origin": (3,), "insertion": (3,)}``, mm, right side; components
        anterior, superior, lateral.
    """
    scales = _registration_scales()
    hip_ours = np.asarray(model.anatomy.hip_centre["right"], float)
    ours = {p.muscle: p for p in model.muscles.paths if p.side == "right"}
    out = {}
    for muscle, source in chosen_sources().items():
        if muscle not in ours:
            continue
        pts, on_femur, hip = source_geometry(muscle, source, models_dir)
        mine = ours[muscle]
        shifts = {}
        for role, k, j in (("origin", 0, 0), ("insertion", -1, -1)):
            rel = (pts[k] - hip) * scales["femur" if on_femur[k] else "pelvis"]
            shifts[role] = (mine.points[j] - hip_ours) - rel
        out[muscle] = shifts
    return out


def _registration_scales() -> dict[str, float]:
    data = _muscle_data()
    reg = data.get("provenance", {}).get("registration_rms_mm", {})
    return {
        "pelvis": float(reg.get("pelvis", {}).get("scale", 1.0)),
        "femur": float(reg.get("femur_right", {}).get("scale", 1.0)),
    }


def _path_adjustments_for_moment_arms() -> list[str]:
    """Provenance entries of ``muscles.json`` that say a path was changed for its moment arms."""
    data = _muscle_data()
    found = []
    for a in data.get("provenance", {}).get("adjustments", []):
        text = json.dumps(a).lower()
        if "moment arm" in text or "moment_arm" in text:
            found.append(f"{a.get('side', '?')} {a.get('muscle', '?')}: {a.get('action', '')}")
    return found


def unambiguous_signs(
    literature: dict, flexions: Sequence[int] = SIGN_FLEXIONS_DEG
) -> list[SignCase]:
    """Signs the literature states unambiguously: a cadaver value and a model value agree.

    A case counts when there is at least one cadaver and one model value for it, all of the
    same sign, each larger in size than its spread (or, when no spread is given, its
    reading or rounding uncertainty).
    """
    cases = []
    for (muscle, action, f), refs in sorted(literature_references(literature).items()):
        if f not in flexions:
            continue
        kinds = {r.kind for r in refs}
        signs = {int(np.sign(r.value_mm)) for r in refs}
        if (
            {"cadaver", "model"} <= kinds
            and len(signs) == 1
            and 0 not in signs
            and all(abs(r.value_mm) > r.tolerance_mm for r in refs)
        ):
            evidence = "; ".join(
                f"{SHORT.get(r.source, r.source)} ({r.kind}) {_num(r.value_mm)} mm" for r in refs
            )
            cases.append(SignCase(muscle, action, f, signs.pop(), evidence))
    return cases


# --- words ----------------------------------------------------------------------------------
def _num(x: float, signed: bool = True) -> str:
    """Fixed rounding to 0.1 mm, no negative zero, a true minus sign."""
    text = number(x if signed else abs(x), sign=signed)
    return "0.0" if float(text) == 0 else text.replace("-", "−")


def _word(action: str, value: float) -> str:
    pos, neg = _WORDS[action]
    return pos if value > 0 else neg


def verdict(ours: float, ref: Reference, action: str) -> tuple[str, str]:
    """Plain-language verdict of our value against one reference.

    Returns
    -------
    category : str
        ``"agrees"``, ``"magnitude"`` or ``"sign"``.
    text : str
    """
    diff = ours - ref.value_mm
    tol = ref.tolerance_mm
    if abs(diff) <= tol:
        if ref.spread_known:
            return "agrees", "agrees (within the spread between specimens)"
        return "agrees", f"agrees (within the ±{_num(tol, False)} mm uncertainty of the reference)"
    if abs(ref.value_mm) <= tol:
        return "magnitude", (
            f"reference ≈ 0; ours is {_num(abs(ours), False)} mm {_word(action, ours)}"
        )
    if abs(ours) > tol and np.sign(ours) != np.sign(ref.value_mm):
        return "sign", (
            f"disagrees in sign (ours {_word(action, ours)}, "
            f"reference {_word(action, ref.value_mm)})"
        )
    change = abs(ours) - abs(ref.value_mm)
    return "magnitude", (
        f"same sign, {'stronger' if change > 0 else 'weaker'} by {_num(abs(change), False)} mm"
    )


def _ref_cell(refs: list[Reference], kind: str) -> str:
    cells = []
    for r in refs:
        if r.kind != kind:
            continue
        if kind == "cadaver":
            spread = (
                f"spread ±{_num(r.tolerance_mm, False)}" if r.spread_known else "no spread given"
            )
            cells.append(f"{_num(r.value_mm)} ({SHORT.get(r.source, r.source)}; {spread})")
        else:
            cells.append(
                f"{_num(r.value_mm)} ±{_num(r.tolerance_mm, False)} "
                f"({SHORT.get(r.source, r.source)})"
            )
    return "<br>".join(cells) if cells else "—"


def _reference(refs: list[Reference]) -> Reference | None:
    """The value a verdict is given against: a measurement if there is one, else a model."""
    for kind in ("cadaver", "model"):
        for r in refs:
            if r.kind == kind:
                return r
    return None


@dataclass(frozen=True)
class Row:
    muscle: str
    action: str
    flexion_deg: int
    ours: float
    source: float
    refs: tuple[Reference, ...]
    category: str
    verdict: str
    against: Reference | None


def compare(ours: dict, source: dict, refs: dict) -> list[Row]:
    """One row per muscle, action and flexion (abduction at neutral only)."""
    rows = []
    for muscle in MUSCLES:
        for action in ACTIONS:
            for f in FLEXIONS_DEG if action == "rotation" else (0,):
                r = refs.get((muscle, action, f), [])
                value = ours[("right", muscle, action, f)]
                against = _reference(r)
                category, text = verdict(value, against, action) if against else ("none", "—")
                rows.append(
                    Row(
                        muscle,
                        action,
                        f,
                        value,
                        source[(muscle, action, f)],
                        tuple(r),
                        category,
                        text,
                        against,
                    )
                )
    return rows


# --- the page -------------------------------------------------------------------------------
INTRO = """\
# Validation: hip moment arms against the literature

*Generated by `hipviz validate` from the code and from
`hipviz/data/literature_moment_arms.json`; do not edit by hand. `hipviz validate --check`
(run by the test suite) fails when this page is out of date.*

## What a moment arm is

A muscle turns the thigh about the hip with a leverage called its **moment arm**: the
force times the moment arm is the turning effect. The model computes it the way
cadaver studies measure it, from how fast the muscle's length changes as the joint turns:
moment arm = −(change of length) / (change of angle in radians), in millimetres. A
muscle that shortens when the hip turns one way pulls the hip that way.

Sign convention on this page (the right hip; the left mirrors it):

* **rotation**: positive = the muscle rotates the thigh **internally** (the knee turns
  in), negative = **externally** (the knee turns out). Rotation is about the femur's own
  long axis, so at 90° flexion it is the rotation a therapist tests in sitting;
* **abduction**: positive = the muscle **abducts** (lifts the thigh out to the side),
  negative = it adducts. Reported with the hip straight.

Flexion is bent forward with no abduction and no rotation, the greater trochanter in its
neutral place for that flexion. The angle conventions are those of the gait2392 model
(flexion, then ab/adduction about the flexed front-to-back axis, then rotation about the
femur's long axis), which is also how Delp et al. (1999) report rotation against flexion.
"""


def build_page(model=None, literature: dict | None = None, models_dir: Path | None = None) -> str:
    """The Markdown page (deterministic text)."""
    if model is None:
        model = load_model()
    literature = load_literature() if literature is None else literature
    ours = model_values(model)
    source = source_model_values(models_dir)
    refs = literature_references(literature)
    rows = compare(ours, source, refs)
    out = [INTRO]
    out += _sources_section(literature, model)
    out += _reading_section()
    out += _summary_section(rows)
    for muscle in MUSCLES:
        out += _muscle_section(muscle, [r for r in rows if r.muscle == muscle])
    out += _fibre_section(literature, ours)
    shifts = attachment_shifts(model, models_dir)
    what_if = origins_restored_values(model, shifts)
    out += _carrying_section(rows, shifts, what_if)
    out += _source_choice_section()
    out += _more_actions_section(model)
    out += _dostal1986_section(literature, model)
    out += _maximus_tfl_section(literature, model)
    out += _positions_section(literature, model)
    out += _left_section(ours)
    out += _sign_section(literature, ours)
    out += _clearance_section()
    out += _disagreement_section(rows, what_if)
    out += _limits_section()
    return "\n".join(out).rstrip("\n") + "\n"


def _sources_section(literature: dict, model) -> list[str]:
    src = literature["sources"]
    right = [p for p in model.muscles.paths if p.side == "right"]
    vias = sum(role == "via" for p in right for role in p.roles)
    wraps = sum(len(p.wraps) for p in right)
    lines = [
        "## Where the numbers come from",
        "",
        "* **Ours**: the hipviz model as shipped: each muscle's chosen source path carried "
        "onto our bones "
        f"(`hipviz/data/muscles.json`; on the right, {len(right)} paths with {vias} via "
        f"point{'s' if vias != 1 else ''} and {wraps} wrapping surface"
        f"{'s' if wraps != 1 else ''}, as its provenance describes), moment arms from "
        "`HipModel.solve`.",
        "* **Source model**: the path each muscle was carried from, on its own bones: "
        "OpenSim's gait2392 (Delp et al. 1990; its own model file, opensim-org/opensim-models, "
        "CC BY 3.0) or Rajagopal et al. (2016; as converted in myo-sim 0.2.4's `myolegs`), "
        "as the section 'Which source, and why' says; straight lines through its sites, "
        "turned about that model's own hip centre with the same angle conventions. The "
        "difference between this column and ours is what carrying the path onto our bones "
        "changed.",
        "* **Cadaver**: moment arms measured on cadaver hips, with the spread between "
        "specimens when the source gives one.",
        "* **Literature model**: the straight-line model of "
        f"{src['dostal1981']['citation']} Its attachment coordinates (one dry-bone "
        "specimen) are in the literature file; the moment arms are recomputed here the "
        "way Dostal, Soderberg & Andrews (1986) did (straight lines), at our angles. The "
        "± is how far rounding the published coordinates (to 1 mm) can move the value.",
        "",
        "Sources:",
        "",
    ]
    for key in sorted(src):
        s = src[key]
        lines.append(
            f"* `{key}`: {s['citation']} *{s['kind']}*"
            + (f". Accessed: {s['accessed']}" if "accessed" in s else "")
        )
    lines += ["", "Each cadaver number in the literature file records how it was read:", ""]
    for c in literature.get("cadaver", []):
        lines.append(
            f"* {LABELS[c['muscle']]}, {c['action']} at {c['flexion_deg']}°: "
            f"{_num(c['value_mm'])} mm, {c['source']} via {c.get('via', 'the paper')}; "
            f"{c['how_read']} ({c['statistic']}; "
            f"read to ±{c['reading_uncertainty_mm']} mm)."
        )
    lines += ["", "Looked for and not found (so not on this page):", ""]
    lines += [f"* {s}" for s in literature.get("sought_not_found", [])]
    lines += ["", f"Compartments: {src['delp1999']['compartments']}", ""]
    return lines


def _reading_section() -> list[str]:
    return [
        "## How to read the verdicts",
        "",
        "Each verdict compares our value with one reference: the cadaver measurement "
        "where there is one, otherwise the literature model. *Agrees* means the "
        "difference is within the spread between specimens (or, where no spread is "
        "published, within the uncertainty of the reference number). *Same sign, "
        "weaker/stronger by X mm* means the muscle does the same thing with less or more "
        "leverage. *Disagrees in sign* means the model has the muscle turning the hip "
        "the other way.",
        "",
    ]


def _summary_section(rows: list[Row]) -> list[str]:
    lines = [
        "## Summary",
        "",
        "| Muscle | Rotation 0° | Rotation 45° | Rotation 90° | Abduction 0° |",
        "|---|---|---|---|---|",
    ]
    for muscle in MUSCLES:
        cells = []
        for action, f in (("rotation", 0), ("rotation", 45), ("rotation", 90), ("abduction", 0)):
            cells.append(_row(rows, muscle, action, f).verdict)
        lines.append(f"| {LABELS[muscle]} | " + " | ".join(cells) + " |")
    return lines + [""]


def _row(rows: list[Row], muscle: str, action: str, flexion_deg: int) -> Row:
    key = (muscle, action, flexion_deg)
    return next(r for r in rows if (r.muscle, r.action, r.flexion_deg) == key)


def _table(rows: list[Row]) -> list[str]:
    lines = [
        "| Hip flexion | Ours | Source model (own bones) | Cadaver | Literature model "
        "| Ours − reference | Verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r.against is None:
            diff = "—"
        else:
            name = SHORT.get(r.against.source, r.against.source)
            diff = f"{_num(r.ours - r.against.value_mm)} (vs {name})"
        lines.append(
            f"| {r.flexion_deg}° | {_num(r.ours)} | {_num(r.source)} | "
            f"{_ref_cell(list(r.refs), 'cadaver')} | {_ref_cell(list(r.refs), 'model')} | "
            f"{diff} | {r.verdict} |"
        )
    return lines


def _muscle_section(muscle: str, rows: list[Row]) -> list[str]:
    lines = [f"## {LABELS[muscle]}", "", "Rotation moment arm, mm (+ internal, − external):", ""]
    lines += _table([r for r in rows if r.action == "rotation"])
    lines += ["", "Abduction moment arm with the hip straight, mm (+ abducts):", ""]
    lines += _table([r for r in rows if r.action == "abduction"])
    return lines + [""]


def _fibre_section(literature: dict, ours: dict) -> list[str]:
    ranges = fibre_ranges(literature)
    if not ranges:
        return []
    lines = [
        "## Gluteus medius as a whole",
        "",
        "Blemker & Delp (2005) modelled gluteus medius as a 3D muscle whose fibres have a "
        "range of moment arms; our three parts are three lines through that muscle, so "
        "each should lie within (or near) the range of its fibres. Read with the hip "
        "straight from the digitised edges of the published band (±1 mm).",
        "",
        "| Action | Fibres (Blemker & Delp 2005), mm | Ours anterior / middle / posterior, mm "
        "| Outside the fibre range |",
        "|---|---|---|---|",
    ]
    for fr in ranges:
        parts = [m for m in MUSCLES if m.startswith(fr["muscle_group"])]
        values = [ours[("right", m, fr["action"], fr["flexion_deg"])] for m in parts]
        outside = []
        for m, v in zip(parts, values, strict=True):
            below = fr["low_mm"] - fr["uncertainty_mm"] - v
            above = v - fr["high_mm"] - fr["uncertainty_mm"]
            if below > 0:
                outside.append(f"{m.rsplit('_', 1)[1]} by {_num(below, False)} mm")
            elif above > 0:
                outside.append(f"{m.rsplit('_', 1)[1]} by {_num(above, False)} mm")
        lines.append(
            f"| {fr['action']} | {_num(fr['low_mm'])} to {_num(fr['high_mm'])} | "
            + " / ".join(_num(v) for v in values)
            + " | "
            + ("; ".join(outside) if outside else "none")
            + " |"
        )
    return lines + [""]


def _carrying_section(rows: list[Row], shifts: dict, what_if: dict) -> list[str]:
    lines = [
        "## What carrying the paths onto our bones changed",
        "",
        "Ours minus the source model on its own bones, mm:",
        "",
        *_change_table(rows, lambda r, key: _num(r.ours - r.source)),
    ]
    scales = _registration_scales()
    lines += [
        "",
        "Moment arms depend on where a muscle's ends sit relative to the hip centre. "
        "Ours minus the source model's, relative to each model's own hip centre (the "
        f"source scaled by its registration scale: pelvis {scales['pelvis']:.3f}, femur "
        f"{scales['femur']:.3f}), mm, + = anterior / superior / lateral:",
        "",
        "| Muscle | Origin (pelvis) | Insertion (femur) |",
        "|---|---|---|",
    ]
    for muscle in MUSCLES:
        s = shifts.get(muscle, {})
        cells = [
            " / ".join(_num(v) for v in s[role]) if role in s else "—"
            for role in ("origin", "insertion")
        ]
        lines.append(f"| {LABELS[muscle]} | {cells[0]} | {cells[1]} |")
    origins = np.array([s["origin"] for s in shifts.values() if "origin" in s])
    inserts = np.array([s["insertion"] for s in shifts.values() if "insertion" in s])
    if len(origins) and len(inserts):
        o, i = origins.mean(0), inserts.mean(0)
        lines += [
            "",
            f"On average the origins sit {_towards(o[0], 'anterior', 'posterior')} "
            f"and {_towards(o[1], 'superior', 'inferior')} of where the source model has "
            "them relative to the hip centre, the insertions "
            f"{_towards(i[0], 'anterior', 'posterior')} and "
            f"{_towards(i[1], 'superior', 'inferior')}.",
        ]
    lines += [
        "",
        "What if the pelvic points sat where the source model has them relative to the "
        "hip centre (every pelvis-fixed point of a path moved back by its origin's shift "
        "above; a calculation, not a proposed path: the moved points are not projected "
        "onto our bone):",
        "",
        *_change_table(
            rows,
            lambda r, key: (
                f"{_num(what_if[('right', *key)])} (now {_num(r.ours)}, source {_num(r.source)})"
            ),
        ),
    ]
    return lines + [""]


#: the (action, flexion) columns of the tables on what carrying the paths changed
CHANGE_COLUMNS = (("rotation", 0), ("rotation", 45), ("rotation", 90), ("abduction", 0))


def _change_table(rows: list[Row], cell) -> list[str]:
    """A muscle-by-column table: ``cell(row, (muscle, action, flexion))`` gives each entry."""
    lines = [
        "| Muscle | Rotation 0° | Rotation 45° | Rotation 90° | Abduction 0° |",
        "|---|---|---|---|---|",
    ]
    for muscle in MUSCLES:
        cells = [
            cell(_row(rows, muscle, action, f), (muscle, action, f)) for action, f in CHANGE_COLUMNS
        ]
        lines.append(f"| {LABELS[muscle]} | " + " | ".join(cells) + " |")
    return lines


def _towards(value: float, positive: str, negative: str) -> str:
    return f"{_num(abs(value), False)} mm {positive if value >= 0 else negative}"


def origins_restored_values(model, shifts: dict) -> dict:
    """Our moment arms with every right pelvis-fixed path point moved back by its origin's shift.

    Parameters
    ----------
    model : HipModel
    shifts : dict
        From :func:`attachment_shifts`.

    Returns
    -------
    dict
        As :func:`model_values`.
    """

    paths = []
    for p in model.muscles.paths:
        shift = shifts.get(p.muscle, {}).get("origin") if p.side == "right" else None
        if shift is not None:
            moved = p.points.copy()
            moved[[b == "pelvis" for b in p.bodies]] -= shift
            p = replace(p, points=moved)
        paths.append(p)
    return model_values(HipModel(model.anatomy, MuscleSet(tuple(paths))))


def _muscle_data() -> dict:
    """The shipped ``hipviz/data/muscles.json``."""
    return json.loads(resources.files("hipviz.data").joinpath("muscles.json").read_text())


def _provenance() -> dict:
    return _muscle_data().get("provenance", {})


def _arms_cell(arms: dict) -> str:
    return " / ".join(_num(arms[a]) for a in ("rotation", "abduction", "flexion"))


def _source_choice_section() -> list[str]:
    prov = _provenance()
    rows = prov.get("source_evaluation", [])
    data = _muscle_data()
    chosen = {m["muscle"]: m for m in data["muscles"] if m["side"] == "right"}
    lines = [
        "## Which source, and why",
        "",
        "Two published models have one line per compartment of these muscles: OpenSim's "
        "gait2392 (Delp et al. 1990; read from its own model file in opensim-org/opensim-models, "
        "CC BY 3.0) and Rajagopal et al. (2016; as converted in myo-sim's `myolegs`, Apache-2.0). "
        "myo-sim's `myolegs26` (gait2392's lineage) lumps each abductor into one line, so it "
        "cannot show the compartments. Both models use the same bones, but set their pelvis "
        "10.5° apart against the femur at neutral, so their compartments act differently. "
        "Both were carried onto our bones, and each muscle takes the one whose carried line "
        "acts as the literature is clear it should (every part of gluteus medius and "
        "minimus and piriformis abducts; anterior fibres rotate the straight hip internally, "
        "posterior fibres and piriformis externally, and internally at 90° flexion; gluteus "
        "maximus extends and rotates externally, its superior part abducting and its "
        "inferior part adducting; tensor fasciae latae flexes and abducts), runs clear of "
        "bone at neutral and stays on its own side of the midline, with "
        "the least moving of its sites onto our bone surface; a tie on that goes to the one "
        "nearer the literature model below.",
        "",
        "The gluteal origins keep the source's pelvis-to-femur relation at neutral: placed "
        "by the pelvis's own surface fit they would sit about 9 mm further back relative to "
        "the hip centre and the trochanter, because our femur's torsion differs from the "
        "source femur's by about 12° (our neutral is set by the femoral condyles), and every "
        "compartment would lose 7-10 mm of internal-rotation leverage (anterior gluteus "
        "medius +2 mm instead of the source's +12.6 to +20.4 mm). The largest move below is "
        "that of putting an origin or insertion on our surface after this placement.",
        "",
        "Moment arms of the line crossing the hip at neutral, straight lines, mm "
        "(rotation / abduction / flexion):",
        "",
        "| Muscle | gait2392, own model | gait2392, on our bones | Rajagopal, own model "
        "| Rajagopal, on our bones | Largest site move (gait2392 / Rajagopal) | Chosen, and why |",
        "|---|---|---|---|---|---|---|",
    ]
    by = {(r["muscle"], r["source"]): r for r in rows}
    for muscle in MUSCLES:
        if (muscle, "gait2392") not in by:
            continue
        g, r = by[muscle, "gait2392"], by[muscle, "rajagopal2016"]
        m = chosen.get(muscle, {})
        lines.append(
            f"| {LABELS[muscle]} | {_arms_cell(g['source_moment_arms_mm'])} "
            f"| {_arms_cell(g['carried_moment_arms_mm'])} "
            f"| {_arms_cell(r['source_moment_arms_mm'])} "
            f"| {_arms_cell(r['carried_moment_arms_mm'])} "
            f"| {g['largest_site_move_mm']:.1f} / {r['largest_site_move_mm']:.1f} mm "
            f"| {m.get('source', '?')}: {m.get('source_reason', '')} |"
        )
    return lines + [""]


def _more_actions_section(model) -> list[str]:
    values = right_values(model, ("flexion", "abduction"))
    lines = [
        "## Flexion, and abduction away from 0°",
        "",
        "The app colours muscles by all three moment arms at any flexion. Ours, right hip, "
        "mm (flexion: + flexes, − extends; abduction: + abducts, − adducts):",
        "",
        "| Muscle | Flexion 0° | Flexion 45° | Flexion 90° | Abduction 0° | Abduction 45° "
        "| Abduction 90° |",
        "|---|---|---|---|---|---|---|",
    ]
    for muscle in MUSCLES:
        if (muscle, "flexion", 0) not in values:
            continue
        cells = [_num(values[muscle, "flexion", f]) for f in FLEXIONS_DEG]
        cells += [_num(values[muscle, "abduction", f]) for f in FLEXIONS_DEG]
        lines.append(f"| {LABELS[muscle]} | " + " | ".join(cells) + " |")
    return lines + [
        "",
        "No cadaver flexion or abduction moment arms per compartment were found; Dostal et "
        "al. (1986), below, give the anterior gluteus medius against flexion, the one "
        "flexion moment arm this page can check.",
        "",
    ]


#: hip flexions at which the piriformis flip is shown, deg
FLIP_FLEXIONS_DEG = (0, 45, 60, 90)
#: McGovern, Kivlan & Martin 2017's stretch positions, in their order (most lengthening
#: first): text, (flexion, abduction, rotation) deg (+ abduction, + internal)
MCGOVERN_POSITIONS = (
    ("30° adduction from 90° flexion", (90.0, -30.0, 0.0)),
    ("45° external rotation at 90° flexion", (90.0, 0.0, -45.0)),
    ("45° internal rotation with the hip straight", (0.0, 0.0, 45.0)),
)


def _angles_pose(flexion: float, abduction: float, rotation: float) -> Pose:
    return Pose().with_values(
        {
            "right.hip_flexion_deg": flexion,
            "right.hip_abduction_deg": abduction,
            "right.hip_rotation_deg": rotation,
        }
    )


def _positions_section(literature: dict, model) -> list[str]:
    """Where to put the hip: the piriformis rotation flip (Delp et al. 1999) and the stretch
    ranking (McGovern, Kivlan & Martin 2017), both computed from the model."""
    from hipviz.core.positions import find_position
    from hipviz.names import pose_words

    key = "right.piriformis"
    arms = {}
    for f in FLIP_FLEXIONS_DEG:
        sol = model.solve(_angles_pose(f, 0.0, 0.0))
        arms[f] = float(sol.moment_arms_mm["rotation"][sol.keys.index(key)])
    delp = {
        int(c["flexion_deg"]): float(c["value_mm"])
        for c in literature.get("cadaver", [])
        if (c["muscle"], c["action"], c["source"]) == ("piriformis", "rotation", "delp1999")
    }
    external = [f for f in FLIP_FLEXIONS_DEG if arms[f] < 0]
    internal = [f for f in FLIP_FLEXIONS_DEG if arms[f] > 0]
    if external and internal and max(external) < min(internal):
        flip = (
            f"Ours is an external rotator up to {max(external)}° of flexion and an internal "
            f"rotator from {min(internal)}°: it flips between the two, as the cadaver study "
            "(and the textbooks' 60-90°) has it."
        )
    else:
        flip = "Ours does not flip once from external to internal rotation: it disagrees."
    head = " | ".join(f"Flexion {f}°" for f in FLIP_FLEXIONS_DEG)
    lines = [
        "## Where to put the hip",
        "",
        "The position search (`hipviz position`, the Stretch and Release buttons, the "
        "length map) rests on two things the cadaver literature says about the piriformis.",
        "",
        "Its rotation moment arm, right hip, mm (+ internal, − external), abduction and "
        "rotation at 0°:",
        "",
        f"| | {head} |",
        "|---|" + "---|" * len(FLIP_FLEXIONS_DEG),
        "| Ours | " + " | ".join(_num(arms[f]) for f in FLIP_FLEXIONS_DEG) + " |",
        "| Delp et al. 1999 | "
        + " | ".join(_num(delp[f]) if f in delp else "—" for f in FLIP_FLEXIONS_DEG)
        + " |",
        "",
        flip,
        "",
        "How much each stretch of McGovern, Kivlan & Martin (2017; 17 embalmed hips) "
        "lengthens our right piriformis from neutral, mm; they found the first lengthened it "
        "most and every one lengthened it:",
        "",
        "| Position | Ours, mm | Our rank |",
        "|---|---|---|",
    ]
    changes = []
    for _, angles in MCGOVERN_POSITIONS:
        sol = model.solve(_angles_pose(*angles), moment_arms=False)
        changes.append(float(sol.change_mm[sol.keys.index(key)]))
    ranks = {i: r + 1 for r, i in enumerate(sorted(range(len(changes)), key=lambda i: -changes[i]))}
    for i, (text, _) in enumerate(MCGOVERN_POSITIONS):
        lines.append(f"| {text} | {_num(changes[i])} | {ranks[i]} |")
    agrees = ranks[0] == 1 and min(changes) > 0
    best = find_position(model, "piriformis", "right", "lengthen")
    a = best.angles_deg
    lines += [
        "",
        (
            "Agrees: adduction from 90° flexion lengthens it most, and every position lengthens it."
            if agrees
            else "Disagrees with the cadaver ranking."
        ),
        "",
        f"The search's stretch over the whole range: {pose_words(*a.values())[4:]} "
        f"({_num(best.change_mm)} mm), combining flexion, adduction and rotation.",
        "",
    ]
    return lines


def _dostal1986_section(literature: dict, model) -> list[str]:
    tables = literature.get("dostal1986_tables")
    if not tables:
        return []
    ours = right_values(model, ("flexion", "abduction", "rotation"))
    lines = [
        "## Dostal et al. (1986), as tabulated by Modenese & Kohout",
        "",
        f"How read: {tables['how_read']}",
        "",
        "Per compartment at 0° flexion (Dostal's Table 1), mm:",
        "",
        "| Muscle | Action | Ours | Dostal 1986 | Ours − Dostal |",
        "|---|---|---|---|---|",
    ]
    for muscle, refs in tables["at_0_deg"].items():
        if (muscle, "rotation", 0) not in ours:
            continue
        for action, ref in refs.items():
            v = ours[muscle, action, 0]
            lines.append(
                f"| {LABELS[muscle]} | {action} | {_num(v)} | {_num(ref)} | {_num(v - ref)} |"
            )
    lines += [
        "",
        "Gluteus medius, anterior part, against flexion (the curve's values at 0° are "
        "Table 1's anterior compartment), mm:",
        "",
        "| Flexion | Action | Ours | Dostal 1986 | Ours − Dostal |",
        "|---|---|---|---|---|",
    ]
    for f in FLEXIONS_DEG:
        for action in ("rotation", "abduction", "flexion"):
            v = ours["gluteus_medius_anterior", action, f]
            ref = tables["gluteus_medius_anterior_curve"][str(f)][action]
            lines.append(f"| {f}° | {action} | {_num(v)} | {_num(ref)} | {_num(v - ref)} |")
    return lines + [""]


def _maximus_tfl_section(literature: dict, model) -> list[str]:
    """Gluteus maximus and tensor fasciae latae: where from, and how they act."""
    added = GROUPS["gluteus_maximus"] + GROUPS["tensor_fasciae_latae"]
    ours = right_values(model, ("flexion", "abduction", "rotation"))
    if (added[0], "flexion", 0) not in ours:
        return []
    dostal = straight_line_model_values(literature)
    table = literature.get("dostal1986_tables", {}).get("at_0_deg", {}).get("gluteus_maximus", {})
    data = _muscle_data()
    chosen = {m["muscle"]: m for m in data["muscles"] if m["side"] == "right"}
    lines = [
        "## Gluteus maximus and tensor fasciae latae",
        "",
        "These were added the way the other muscles were: both sources carried onto our "
        "bones, one chosen per compartment by the rule of the section above, a trochanter "
        "exit point and a sphere wrap chosen by the same search over dense poses as every "
        "other path (for gluteus maximus, spheres as large as the bony envelope of the "
        "trochanter and ischial tuberosity it runs over; where no pelvis sphere is enough, "
        "the path held to the pelvis further along and a sphere over the greater "
        "trochanter, fixed to the femur, instead: the wraps are listed in the data file's "
        "provenance), and the left side the exact mirror of the "
        "right. Gluteus maximus has the three compartments of "
        "both source models (superior, middle, inferior: from the posterior ilium near the "
        "crest, from beside the PSIS and from the side of the lower sacrum, past the back of "
        "the greater trochanter to the gluteal tuberosity). Tensor fasciae latae runs from "
        "the ASIS over the front of the trochanter into the iliotibial band, which the model "
        "ends at the lateral femoral condyle (hipviz has no knee; the part of a path fixed "
        "to the femur never changes length). In the 3D view they are hidden until asked for "
        "(Display, Show: one tick, 'Gluteus maximus & Tensor fasciae latae'), because in the "
        "posterior view they lie over the deep muscles the source texts reason about; the "
        "table, plots, reports, handout and classroom always carry them.",
        "",
        "Source per compartment, and why:",
        "",
    ]
    for m in added:
        entry = chosen.get(m, {})
        lines.append(f"* {LABELS[m]}: {entry.get('source', '?')}; {entry.get('source_reason', '')}")
    lines += [
        "",
        "The inferior compartment is Rajagopal's although gait2392's sites needed less "
        "moving: gait2392's origin, 6 mm right of its own model's midline, lands 6 mm left "
        "of ours once its pelvis frame is turned into the bridge model's (the two frames "
        "differ by 10.5°), so the right and left paths would cross at the sacrum. Tensor "
        "fasciae latae keeps the source's pelvis-to-femur relation, as the gluteal "
        "compartments do: placed by the pelvis's fit its origin lands 39 mm behind our ASIS "
        "and it rotates the hip externally (−6.9 mm, against gait2392's own +6.2 mm); so "
        "placed it arises at the ASIS (4 mm behind, 8 mm above it) and rotates internally. "
        "Its end at the knee is placed by the whole-femur fit (the proximal refinement was "
        "fitted only to 110 mm below the hip).",
        "",
        "What the literature is clear about (Neumann 2010; Dostal et al. 1986): gluteus "
        "maximus extends the hip and rotates it externally, its upper fibres abduct and its "
        "lower fibres adduct; tensor fasciae latae flexes, abducts and rotates internally "
        "(with a short lever: Dostal's line +0.5 mm, gait2392's own +6.2 mm at 0°). Ours "
        "does each of these on both sides (tests/test_actions.py). Right hip, mm (+ flexes / "
        "abducts / rotates internally); Dostal's line is recomputed from Dostal & Andrews "
        "(1981)'s coordinates, one line for the whole gluteus maximus, so the same numbers "
        "stand beside each of our three compartments; the 1986 table gives the whole "
        "gluteus maximus at 0° only:",
        "",
        "| Muscle | Action | Flexion | Ours | Dostal's line | Dostal 1986 table |",
        "|---|---|---|---|---|---|",
    ]
    for m in added:
        for action in ("flexion", "abduction", "rotation"):
            for f in FLEXIONS_DEG:
                line = dostal.get((m, f), {}).get(action)
                ref = table.get(action) if f == 0 and m.startswith("gluteus_maximus") else None
                cells = [_num(line[0]) if line else "—", _num(ref) if ref is not None else "—"]
                lines.append(
                    f"| {LABELS[m]} | {action} | {f}° | {_num(ours[m, action, f])} "
                    f"| {cells[0]} | {cells[1]} |"
                )
    lines += [
        "",
        "Where ours and Dostal's line part: Dostal's single line runs from the sacrum to the "
        "gluteal tuberosity, nearest our middle compartment; our superior compartment "
        "abducts (the upper fibres do) where that line adducts a little, and our compartments "
        "wrap the back of the trochanter, which a straight line does not. No cadaver moment "
        "arms per compartment of gluteus maximus or for tensor fasciae latae were found "
        "(Blemker & Delp 2005 modelled gluteus maximus in 3D, but no digitisation of its "
        "bands was available to us; Arnold et al. 2010 was looked for without usable "
        "numbers), so these rows are checked against the straight-line model and the signs "
        "only.",
        "",
    ]
    return lines


def _clearance_section() -> list[str]:
    rec = _provenance().get("clearance")
    lines = ["## Clearance: no path through bone", ""]
    if not rec:
        return lines + ["Not measured for this data file.", ""]
    lines += [
        "Every path is sampled every millimetre (wrap arcs included) against each bone's "
        "signed distance, at every combination of each control's extremes and 0 and at "
        "seeded random poses over the whole ranges (the same sets the test suite checks, "
        "allowance 0.5 mm: attachments sit 1 mm outside a faceted surface):",
        "",
        "| Mode | Poses | Deepest point inside bone | Where |",
        "|---|---|---|---|",
    ]
    rows = [("gt", "GT position drives"), ("angles", "joint angles drive")]
    if "fibres" in rec:
        rows.append(("fibres", "every fibre of the fans, both modes' corners"))
    for mode, label in rows:
        r = rec[mode]
        lines.append(f"| {label} | {r['poses']} | {r['deepest_mm']:.2f} mm | {r['where']} |")
    from hipviz.names import GROUP_LABELS, group_of

    def label(muscle: str) -> str:  # "gluteus medius (anterior fibres)"
        part = muscle[len(group_of(muscle)) :].strip("_")
        return GROUP_LABELS[group_of(muscle)].lower() + (f" ({part} fibres)" if part else "")

    data = _muscle_data()
    ilium = [
        label(m["muscle"])
        for m in data["muscles"]
        if m["side"] == "right" and any(w["name"] == "ilium" for w in m.get("wraps", []))
    ]
    held = [
        label(m["muscle"])
        for m in data["muscles"]
        if m["side"] == "right"
        and any(w["name"] == "greater trochanter" for w in m.get("wraps", []))
    ]
    return lines + [
        "",
        "Each path keeps clear by a femur via point where it leaves the greater trochanter "
        "and one sphere wrap on the segment that crosses the joint, chosen by the build "
        "over dense poses in both modes: a sphere over the hip capsule and the bone round "
        "the acetabulum"
        + (
            f", or, for {' and '.join(ilium)}, a sphere through the origin under the ilium "
            "beside it (the origin sits in a hollow of the bone that the path would otherwise "
            "cut as it leaves, in deep flexion with abduction)"
            if ilium
            else ""
        )
        + ". The path meets every wrap tangentially, without a kink."
        + (
            f" Where no pelvis sphere keeps a path clear ({' and '.join(held)}: its femur "
            "via point sits behind the femur and swings into the ischium when the hip "
            "extends and turns out, while the stretch to it cuts the greater trochanter in "
            "deep flexion with abduction), the build holds the path to the pelvis further "
            "along its neutral line (a pelvis via point instead of the trochanter exit) and "
            "wraps the rest of the stretch over a sphere fixed to the femur, over the "
            "greater trochanter. Its line at neutral, and so its neutral moment arms, are "
            "unchanged; away from neutral it bends at that point instead of passing "
            "through bone. The point is a modelling device (the sheet of muscle lies "
            "behind the hip there, but nothing in the source models fixes it to the "
            "pelvis), so this path's lengths far from neutral are the least certain."
            if held
            else ""
        ),
        "",
        *_fibre_wraps_paragraph(data),
        "A wrapped segment's end can come closer to its sphere's centre than the radius in "
        "some poses (the sphere is fixed to one bone, the point to the other): "
        f"by up to {max(-rec['wrap_end_margin_mm'], 0.0):.1f} mm in these poses. The wrap "
        "then shrinks the sphere to pass through that point, so the length still goes "
        "round and never skips the gap (tests/test_clearance.py).",
        "",
    ]


def _fibre_wraps_paragraph(data: dict) -> list[str]:
    """How the fibres between the compartments keep clear (the build's fibre_wraps)."""
    from hipviz.names import GROUP_LABELS, group_of

    own = [
        (GROUP_LABELS[group_of(m["muscle"])].lower(), w)
        for m in data["muscles"]
        if m["side"] == "right"
        for w in m.get("fibre_wraps", [])
    ]
    if not own:
        return []
    muscles = sorted({name for name, _ in own})
    over_ilium = sum(w["name"] == "ilium" for _, w in own)
    return [
        "The fibres of each fan between and beyond the compartments wrap over spheres "
        "interpolated from their compartments'. Where that sphere would let a fibre cut "
        f"bone over the design poses, the build gave the fibre its own: {len(own)} fibres "
        f"on each side ({', '.join(muscles)}), {over_ilium} of them over the bone beside "
        "their origin, the rest over their compartment's sphere moved, each keeping every "
        "action its interpolated path has at neutral and at 90° flexion "
        "(`hipviz/build/fibre_wraps.py`; each fibre's record in the data file's provenance).",
        "",
    ]


def _limits_section() -> list[str]:
    return [
        "## What the model cannot tell you",
        "",
        "* Each compartment is one line from one attachment point to another. A real "
        "muscle fans out over a broad area, and its fibres at the front and back of one "
        "compartment can act differently; the fibre ranges above show how much.",
        "* The lines are the published models' lines, carried onto one average skeleton "
        "(26 adults). A client's bones, torsion and tilt differ; so do their numbers.",
        "* The bones are made symmetric on purpose: real pelvises are not, so a left-right "
        "difference on screen always comes from the pose, never from the skeleton.",
        "* The bone a path runs over is one sphere per path (the hip capsule, the ilium "
        "beside the origin, or the greater trochanter) and each muscle leaves the trochanter "
        "or is held to the pelvis at one fixed point. Real "
        "muscles slide over bone and each other and flatten against it; near the ends of "
        "the ranges the modelled length can be a few millimetres off.",
        "* Moment arms say which way a muscle turns the hip and with how much leverage, "
        "not how strongly it pulls: that needs its size and its activation, which the model "
        "does not have.",
        "* No cadaver study with per-compartment numbers for every action and flexion was "
        "available to us; where the page has no cadaver value, the comparison is model "
        "against model.",
        "",
    ]


def _left_section(ours: dict) -> list[str]:
    worst, where = 0.0, None
    for (side, muscle, action, f), v in ours.items():
        if side != "right" or (action == "abduction" and f != 0):  # only what the page shows
            continue
        d = abs(ours[("left", muscle, action, f)] - v)
        if d > worst:
            worst, where = d, (muscle, action, f)
    text = (
        f"The left side mirrors the right. The largest left/right difference of any moment "
        f"arm on this page is {_num(worst, False)} mm"
    )
    if where:
        text += f" ({LABELS[where[0]].lower()}, {where[1]} at {where[2]}° flexion)"
    return [
        "## Left side",
        "",
        text + ": the bones are symmetric (the pelvis averaged with its mirror image, the left "
        "bones the mirror images of the right) and the left paths are the mirror images of "
        "the right, so a left number equals its right twin at mirrored poses (to 1e-6 mm, "
        "tests/test_symmetry.py) and the table's L - R column shows only what the pose does.",
        "",
    ]


def _sign_section(literature: dict, ours: dict) -> list[str]:
    cases = unambiguous_signs(literature)
    lines = [
        "## Signs the literature is sure of",
        "",
        "Where a cadaver measurement and a literature model agree in sign, each larger "
        "than its spread or uncertainty, the model must have the same sign (the test "
        "suite checks this at 0° and 90° flexion):",
        "",
    ]
    if not cases:
        return lines + ["* none with the numbers available", ""]
    for c in cases:
        v = ours[("right", c.muscle, c.action, c.flexion_deg)]
        ok = "same sign" if np.sign(v) == c.sign else "**opposite sign**"
        lines.append(
            f"* {LABELS[c.muscle]}, {c.action} at {c.flexion_deg}°: literature "
            f"{_word(c.action, c.sign)} ({c.evidence}); ours {_num(v)} mm, {ok}."
        )
    return lines + [""]


def _disagreement_section(rows: list[Row], what_if: dict) -> list[str]:
    lines = ["## Disagreements, and why the paths stay as they are for now", ""]
    groups = [
        ("Opposite sign to the reference:", [r for r in rows if r.category == "sign"]),
        (
            "Differ from a measurement by more than the spread between specimens:",
            [
                r
                for r in rows
                if r.category != "agrees"
                and r.against is not None
                and r.against.kind == "cadaver"
                and r.against.spread_known
            ],
        ),
        (
            "Differ from a measurement whose spread between specimens is not published (so the "
            "difference cannot be judged against it):",
            [
                r
                for r in rows
                if r.category != "agrees"
                and r.against is not None
                and r.against.kind == "cadaver"
                and not r.against.spread_known
            ],
        ),
    ]
    for title, chosen in groups:
        lines += [title, ""]
        lines += [
            f"* {LABELS[r.muscle]}, {r.action} at {r.flexion_deg}°: ours {_num(r.ours)} mm, "
            f"{SHORT.get(r.against.source, r.against.source)} ({r.against.kind}) "
            f"{_num(r.against.value_mm)} mm: {r.verdict}."
            for r in chosen
        ] or ["* none"]
        lines.append("")
    adjusted = _path_adjustments_for_moment_arms()
    if adjusted:
        lines += [
            "Paths adjusted for their moment arms (from the provenance of `muscles.json`): "
            + "; ".join(adjusted)
            + ".",
            "",
        ]
    else:
        lines += [
            "No path has been adjusted to match these moment arms (the provenance of "
            "`muscles.json` records none).",
            "",
        ]
    vs_model = [
        (r.ours, ref.value_mm)
        for r in rows
        if r.action == "rotation"
        for ref in r.refs
        if ref.kind == "model"
    ]
    more_external = [m - o for o, m in vs_model if o < m]
    straight = [r for r in rows if r.action == "rotation" and r.flexion_deg == 0]
    vs_source = [r for r in straight if r.ours < r.source]
    gap_now = np.mean([abs(r.ours - r.source) for r in straight])
    gap_if = np.mean(
        [abs(what_if[("right", r.muscle, "rotation", 0)] - r.source) for r in straight]
    )
    sign_rows = [r for r in rows if r.category == "sign"]
    if not sign_rows:
        signs = "There is no disagreement in sign."
    elif all(r.against.kind == "model" for r in sign_rows):
        signs = (
            "The sign disagreements are all with the straight-line model of a single "
            "specimen, none with a measurement."
        )
    else:
        signs = (
            "Some sign disagreements are with cadaver measurements; those paths need a closer look."
        )
    cause = (
        "So the shared shift comes mostly from where the registration placed the pelvic "
        "attachments relative to the hip centre, not from a via point or wrap missing from "
        "one path."
        if gap_if < 0.5 * gap_now
        else "So the pelvic attachments explain little of it; the cause is elsewhere."
    )
    lines.append(
        f"Why they stay: in {len(more_external)} of {len(vs_model)} rotation comparisons with "
        "the literature model ours is the more external value"
        + (
            f" (by {_num(float(np.mean(more_external)), False)} mm on average)"
            if more_external
            else ""
        )
        + f", and with the hip straight {len(vs_source)} of {len(straight)} parts are more "
        "external than in the source model on its own bones. Their mean difference from the "
        f"source model with the hip straight is {_num(gap_now, False)} mm as shipped and "
        f"{_num(gap_if, False)} mm with the pelvic points put back where the source model has "
        "them relative to the hip centre (see *What carrying the paths onto our bones "
        "changed*). " + cause + " " + signs + " Adjusting each path by hand towards one "
        "specimen would hide a shared cause, so the paths stay until it is corrected."
    )
    return lines + [""]


# --- command line ---------------------------------------------------------------------------
def default_page_path() -> Path:
    """``docs/validation.md`` of the source checkout this package runs from.

    Raises
    ------
    FileNotFoundError
        hipviz is installed, not run from a checkout: there is no page to rewrite, and
        the package's own folder is no place to write one (give ``--output``).
    """
    root = checkout_root()
    if root is None:
        raise FileNotFoundError(
            f"{PAGE}: hipviz is not running from a source checkout; give --output FILE"
        )
    return root / PAGE


def main(argv: list[str] | None = None) -> int:
    """Write the page, or with ``--check`` exit 1 if the committed page is out of date."""
    parser = argparse.ArgumentParser(prog="hipviz validate", description=__doc__.split("\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if the page differs from what would be written",
    )
    parser.add_argument(
        "-o", "--output", type=Path, default=None, help=f"page to write or check (default: {PAGE})"
    )


def run(args: argparse.Namespace) -> int:
    path = args.output or default_page_path()
    text = build_page()
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            print(
                f"hipviz validate: {path} is out of date; run `hipviz validate` to regenerate it",
                file=sys.stderr,
            )
            return 1
        print(f"{path} is up to date")
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    save_text(path, text)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
