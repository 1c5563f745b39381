"""``hipviz report``: the pose reached and every muscle's length, as a table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
import sys
from typing import TextIO

from hipviz.core.model import HipModel, Solution
from hipviz.core.pose import SIDES, Pose

COLUMNS = ("muscle", "side", "rest_length_mm", "length_mm", "change_mm", "change_pct")
MOMENT_COLUMNS = ("moment_arm_flexion_mm", "moment_arm_abduction_mm", "moment_arm_rotation_mm")


def pose_record(solution: Solution) -> dict:
    """The pose reached, flat, with joint angles and any reasons a request was not met.

    Whichever drives a side (GT position or angles), it shows both, in a fixed order,
    and ``side.mode`` says which drove.
    """
    record: dict = {k: round(v, 4) for k, v in solution.reached.as_dict().items()}
    for side in SIDES:
        flex, abd, rot = solution.angles_deg[side]
        record[f"{side}.hip_abduction_deg"] = round(float(abd), 4)
        record[f"{side}.hip_rotation_deg"] = round(float(rot), 4)
    for side in SIDES:
        record[f"{side}.mode"] = solution.requested.side(side).mode
        if solution.reasons[side]:
            record[f"{side}.note"] = "not reachable as asked: " + "; ".join(
                solution.reasons[side]
            )
    return record


def format_report(solution: Solution, fmt: str) -> str:
    """The report as text in ``table``, ``json`` or ``csv``."""
    rows = solution.rows()
    columns = COLUMNS + tuple(c for c in MOMENT_COLUMNS if c in rows[0])
    if fmt == "json":
        return json.dumps({"pose": pose_record(solution), "muscles": rows}, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue()
    return _table(solution, rows, columns)


def _table(solution: Solution, rows: list[dict], columns: tuple[str, ...]) -> str:
    lines = []
    for side in SIDES:
        p = solution.reached.side(side)
        flex, abd, rot = solution.angles_deg[side]
        driven = "angles drive" if solution.requested.side(side).mode == "angles" else "GT drives"
        lines.append(
            f"{side:5}  ({driven}) GT {p.gt_superior_mm:+6.1f} mm superior,"
            f" {p.gt_anterior_mm:+6.1f} mm anterior;"
            f" iliac crest {p.iliac_crest_superior_mm:+6.1f} mm;"
            f" hip flexion {flex:5.1f}, abduction {abd:+5.1f}, internal rotation {rot:+5.1f} deg"
        )
        for reason in solution.reasons[side]:
            lines.append(f"       not reachable: {reason}")
    lines.append("")
    headers = {
        "muscle": "muscle",
        "side": "side",
        "rest_length_mm": "rest mm",
        "length_mm": "length mm",
        "change_mm": "change mm",
        "change_pct": "change %",
        "moment_arm_flexion_mm": "MA flex mm",
        "moment_arm_abduction_mm": "MA abd mm",
        "moment_arm_rotation_mm": "MA rot mm",
    }
    widths = {c: max(len(headers[c]), 26 if c == "muscle" else 0) for c in columns}
    lines.append(
        "  ".join(
            headers[c].ljust(widths[c]) if c in ("muscle", "side") else headers[c].rjust(widths[c])
            for c in columns
        )
    )
    for row in rows:
        cells = []
        for c in columns:
            v = row[c]
            cells.append(
                v.ljust(widths[c])
                if isinstance(v, str)
                else f"{v:+.2f}".rjust(widths[c])
                if c.startswith(("change", "moment"))
                else f"{v:.2f}".rjust(widths[c])
            )
        lines.append("  ".join(cells))
    return "\n".join(lines) + "\n"


def print_report(pose: Pose, fmt: str = "table", out: TextIO | None = None) -> int:
    """Solve ``pose`` and print the report."""
    out = sys.stdout if out is None else out
    model = HipModel.load()
    out.write(format_report(model.solve(pose), fmt))
    return 0
