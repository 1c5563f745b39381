"""``hipviz report``: the pose reached and every muscle's length, as a table, JSON or CSV;
with ``--geometry``, also each path's points and each bone's placement (JSON); with
``--fibres``, every fibre of every muscle's fan.

A compartment's numbers (the ``muscles`` rows) are those of its central fibre, which is
exactly the compartment's path."""

from __future__ import annotations

import csv
import io
import json
import sys
from typing import TextIO

from hipviz.core.model import HipModel, Solution
from hipviz.core.pose import SIDES, Pose
from hipviz.formatting import number
from hipviz.io.meshes import BONE_BODIES
from hipviz.io.model_files import load_model
from hipviz.names import ACTION_LABELS, QUANTITY_LABELS, muscle_label, side_label

#: points per wrap arc in the geometry: a step under a degree for any wrap the paths make,
#: so the polyline's length is the path's length to well under 0.01 mm
GEOMETRY_ARC_SAMPLES = 181
FRAME = (
    "mm; origin midway between the hip centres at neutral; x anterior, y superior, z to "
    "the subject's right (the frame of the meshes in meshes/ and of the landmarks)"
)

COLUMNS = ("muscle", "side", "rest_length_mm", "length_mm", "change_mm", "change_pct")
MOMENT_COLUMNS = ("moment_arm_flexion_mm", "moment_arm_abduction_mm", "moment_arm_rotation_mm")


def pose_record(solution: Solution) -> dict:
    """The pose reached, flat, with joint angles and any reasons a request was not met.

    Whichever drives a side (GT position or angles), it shows both, in a fixed order,
    and ``side.mode`` says which drove.
    """
    record: dict = {k: _rounded(v) for k, v in solution.reached.as_dict().items()}
    for side in SIDES:
        flex, abd, rot = solution.angles_deg[side]
        record[f"{side}.hip_abduction_deg"] = _rounded(abd)
        record[f"{side}.hip_rotation_deg"] = _rounded(rot)
    for side in SIDES:
        record[f"{side}.mode"] = solution.requested.side(side).mode
        if solution.reasons[side]:
            record[f"{side}.note"] = "not reachable as asked: " + "; ".join(solution.reasons[side])
    return record


def _rounded(value: float, decimals: int = 4) -> float:
    """``value`` rounded, with ``-0.0`` made ``0.0`` (JSON and CSV would write ``-0.0``)."""
    return round(float(value), decimals) + 0.0


def geometry_record(model: HipModel, solution: Solution) -> dict:
    """Each path's points and each bone's placement for ``solution``'s pose.

    ``paths``: ``"side.muscle"`` -> ``{"points_mm": [[x, y, z], ...], "length_mm"}``,
    origin first, via points and wrap arcs (sampled finely) in between, in the room
    frame. ``bones``: mesh name -> ``{"mesh", "body", "transform"}``, the 4x4 (row-major)
    that takes the mesh file's points (neutral frame) into the room, as the renderer
    places them. The polyline's length is the reported length (the arcs' chords fall
    short by under 0.01 mm).
    """
    lines = model.muscles.polylines(solution.transforms, samples=GEOMETRY_ARC_SAMPLES)
    paths = {
        key: {
            "points_mm": [[round(float(c), 6) for c in p] for p in line],
            "length_mm": round(float(solution.lengths_mm[i]), 6),
        }
        for i, (key, line) in enumerate(zip(model.muscles.keys, lines, strict=True))
    }
    bones = {
        name: {
            "mesh": f"meshes/{name}.ply",
            "body": body,
            "transform": [[round(float(c), 12) for c in row] for row in solution.transforms[body]],
        }
        for name, body in BONE_BODIES.items()
    }
    return {"frame": FRAME, "bones": bones, "paths": paths}


def format_report(solution: Solution, fmt: str, geometry_of: HipModel | None = None) -> str:
    """The report as text in ``table``, ``json`` or ``csv``; given the model, JSON with the
    geometry (:func:`geometry_record`) as well."""
    rows = [
        {k: v + 0.0 if isinstance(v, float) else v for k, v in row.items()}  # never -0.0
        for row in solution.rows()
    ]
    if geometry_of is not None:
        record = {
            "pose": pose_record(solution),
            "muscles": rows,
            "geometry": geometry_record(geometry_of, solution),
        }
        return json.dumps(record, indent=1) + "\n"
    columns = COLUMNS + tuple(c for c in MOMENT_COLUMNS if c in rows[0])
    if fmt == "json":
        return json.dumps({"pose": pose_record(solution), "muscles": rows}, indent=2) + "\n"
    if fmt == "csv":
        return _csv(rows, columns)
    return _table(solution, rows, columns)


def _csv(rows: list[dict], columns: tuple[str, ...]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _table(solution: Solution, rows: list[dict], columns: tuple[str, ...]) -> str:
    lines = []
    for side in SIDES:
        p = solution.reached.side(side)
        flex, abd, rot = solution.angles_deg[side]
        driven = "angles drive" if solution.requested.side(side).mode == "angles" else "GT drives"
        lines.append(
            f"{side:5}  ({driven}) GT {number(p.gt_superior_mm, sign=True, width=6)} mm superior,"
            f" {number(p.gt_anterior_mm, sign=True, width=6)} mm anterior;"
            f" iliac crest {number(p.iliac_crest_superior_mm, sign=True, width=6)} mm;"
            f" hip flexion {number(flex, width=5)},"
            f" abduction {number(abd, sign=True, width=5)},"
            f" internal rotation {number(rot, sign=True, width=5)} deg"
        )
        for reason in solution.reasons[side]:
            lines.append(f"       not reachable: {reason}")
    lines.append("")
    # ids stay in JSON and CSV (machine-read); a person reads the names module's words
    headers = {"muscle": "Muscle", "side": "Side"}
    for c in columns[2:]:
        name, unit = QUANTITY_LABELS[c]
        if c.startswith("moment_arm_"):  # under a "Moment arm (mm)" line
            headers[c] = ACTION_LABELS[c[len("moment_arm_") : -len("_mm")]]
        else:
            headers[c] = "Neutral mm" if c == "rest_length_mm" else f"{name} {unit}"
    names = {"muscle": max(len(muscle_label(r["muscle"])) for r in rows), "side": 5}
    widths = {c: max(len(headers[c]), names.get(c, 0)) for c in columns}
    moments = [c for c in columns if c.startswith("moment_arm_")]
    if moments:
        first = columns.index(moments[0])
        lead = sum(widths[c] + 2 for c in columns[:first])
        span = sum(widths[c] + 2 for c in moments) - 2
        lines.append(" " * lead + "Moment arm (mm)".center(span).rstrip())
    lines.append(
        "  ".join(
            headers[c].ljust(widths[c]) if c in ("muscle", "side") else headers[c].rjust(widths[c])
            for c in columns
        ).rstrip()
    )
    for row in rows:
        cells = []
        for c in columns:
            v = row[c]
            if c == "muscle":
                v = muscle_label(v)
            elif c == "side":
                v = side_label(v)
            cells.append(
                v.ljust(widths[c])
                if isinstance(v, str)
                else number(v, 2, sign=c.startswith(("change", "moment")), width=widths[c])
            )
        lines.append("  ".join(cells))
    return "\n".join(lines) + "\n"


FIBRE_COLUMNS = ("fibre", "muscle", "side", "index", "central", "fan_position") + COLUMNS[2:]
#: what the compartment rows mean, said wherever fibres are listed
CENTRAL_NOTE = (
    "compartment numbers are its central fibre's (the compartment's own path); the other "
    "fibres spread across the muscle's origin and insertion footprints"
)


def format_fibres(model: HipModel, solution: Solution, fmt: str) -> str:
    """Every fibre's numbers in ``solution``'s pose, as ``table``, ``json`` or ``csv``."""
    values = model.fibre_values(solution)
    rows = [
        {k: v + 0.0 if isinstance(v, float) else v for k, v in row.items()} for row in values.rows()
    ]
    if fmt == "json":
        record = {
            "pose": pose_record(solution),
            "note": CENTRAL_NOTE,
            "muscles": [
                {k: v + 0.0 if isinstance(v, float) else v for k, v in row.items()}
                for row in solution.rows()
            ],
            "fibres": rows,
        }
        return json.dumps(record, indent=2) + "\n"
    columns = FIBRE_COLUMNS + MOMENT_COLUMNS
    if fmt == "csv":
        return _csv(rows, columns)
    lines = [
        "Fibres: " + CENTRAL_NOTE.replace("; ", ";\n"),
        "Fibre 1 is the anterior (or upper) edge of each compartment's share of the fan;",
        "* marks the central fibre.",
        "",
    ]
    names = [f"{muscle_label(r['muscle'])}, {side_label(r['side'])}" for r in rows]
    width = max(len(n) for n in names) + 2
    heads = ["Fibre", "Neutral mm", "Length mm", "Change mm", "Change %"] + [
        f"{ACTION_LABELS[a]} MA mm" for a in ("flexion", "abduction", "rotation")
    ]
    cell = max(len(h) for h in heads)
    lines.append("Muscle".ljust(width) + "  ".join(h.rjust(cell) for h in heads))
    for name, r in zip(names, rows, strict=True):
        cells = [r["rest_length_mm"], r["length_mm"], r["change_mm"], r["change_pct"]] + [
            r[c] for c in MOMENT_COLUMNS
        ]
        fibre = f"{r['index'] + 1}{' *' if r['central'] else '  '}"
        lines.append(
            name.ljust(width)
            + fibre.rjust(cell)
            + "  "
            + "  ".join(number(v, 2, sign=i >= 2, width=cell) for i, v in enumerate(cells))
        )
    return "\n".join(lines) + "\n"


def print_report(
    pose: Pose,
    fmt: str = "table",
    out: TextIO | None = None,
    geometry: bool = False,
    fibres: bool = False,
) -> int:
    """Solve ``pose`` and print the report (with ``geometry``: JSON with the geometry;
    with ``fibres``: every fibre's numbers, after the compartments' in a table)."""
    out = sys.stdout if out is None else out
    model = load_model()
    solution = model.solve(pose)
    if fibres:
        if fmt == "table":
            out.write(format_report(solution, fmt) + "\n")
        out.write(format_fibres(model, solution, fmt))
        return 0
    out.write(format_report(solution, fmt, model if geometry else None))
    return 0
