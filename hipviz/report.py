"""``hipviz report``: the pose reached and every muscle's length, as a table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
import sys
from typing import TextIO

from hipviz.core.model import Solution
from hipviz.core.pose import SIDES, Pose
from hipviz.formatting import number
from hipviz.io.model_files import load_model

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
            record[f"{side}.note"] = "GT request not reachable: " + "; ".join(
                solution.reasons[side]
            )
    return record


def _rounded(value: float, decimals: int = 4) -> float:
    """``value`` rounded, with ``-0.0`` made ``0.0`` (JSON and CSV would write ``-0.0``)."""
    return round(float(value), decimals) + 0.0


def format_report(solution: Solution, fmt: str) -> str:
    """The report as text in ``table``, ``json`` or ``csv``."""
    rows = [
        {k: v + 0.0 if isinstance(v, float) else v for k, v in row.items()}
        for row in solution.rows()
    ]
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
    widths = {c: max(len(headers[c]), {"muscle": 26, "side": 5}.get(c, 0)) for c in columns}
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
                else number(v, 2, sign=c.startswith(("change", "moment")), width=widths[c])
            )
        lines.append("  ".join(cells))
    return "\n".join(lines) + "\n"


def print_report(pose: Pose, fmt: str = "table", out: TextIO | None = None) -> int:
    """Solve ``pose`` and print the report."""
    out = sys.stdout if out is None else out
    model = load_model()
    out.write(format_report(model.solve(pose), fmt))
    return 0
