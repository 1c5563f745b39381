"""``hipviz position``: the search's answer (:mod:`hipviz.core.positions`) as a table or JSON."""

from __future__ import annotations

import json
import logging
import sys
import textwrap
from typing import TextIO

from hipviz.core.positions import AXIS_KEYS, ROM_SOURCE, Position
from hipviz.formatting import number
from hipviz.names import muscle_label, path_label, pose_words

log = logging.getLogger(__name__)

GOAL_WORDS = {
    "lengthen": "lengthens it most (a stretch)",
    "shorten": "shortens it most (a release)",
}


def position_record(p: Position) -> dict:
    """Everything the search says, JSON-ready (mm and degrees, rounded to 0.001)."""
    r = lambda v: round(float(v), 3)  # noqa: E731
    side = p.side
    return {
        "muscle": p.key.split(".")[1],
        "side": side,
        "goal": p.goal,
        "pose": {AXIS_KEYS[a]: r(v) for a, v in p.angles_deg.items()},
        "words": pose_words(*p.angles_deg.values()),
        "rest_length_mm": r(p.rest_length_mm),
        "change_mm": r(p.change_mm),
        "change_pct": r(p.change_pct),
        "set": [f"{side}.{AXIS_KEYS[a]}={v:.1f}" for a, v in p.angles_deg.items()],
        "search": {
            "box_deg": {a: [r(lo), r(hi)] for a, (lo, hi) in p.box.items()},
            "range_source": ROM_SOURCE,
            "grid_nodes": p.grid_nodes,
            "grid_best_change_mm": r(p.grid_change_mm),
            "refined_starts": p.starts,
            "starts_agreeing": p.starts_agreeing,
            "runner_up_short_by_mm": None if p.runner_up_mm is None else r(p.runner_up_mm),
            "contact_limited": p.contact_limited,
            "elapsed_ms": round(p.elapsed_ms, 1),
        },
        "muscles": [
            {k: row[k] for k in ("muscle", "side", "length_mm", "change_mm", "change_pct")}
            for row in p.others()
        ],
    }


def format_position(p: Position) -> str:
    """The answer as a few lines of text and a table of the side's muscles."""
    side = p.side
    a = p.angles_deg
    gain = abs(p.change_mm - p.grid_change_mm)
    if p.runner_up_mm is None:
        starts = "one refined start" if p.starts == 1 else f"all {p.starts} refined starts agree"
    else:
        starts = (
            f"{p.starts_agreeing} of {p.starts} refined starts agree; the next best local "
            f"optimum falls {p.runner_up_mm:.2f} mm short"
        )
    lines = [
        f"{path_label(p.key)}: the position that {GOAL_WORDS[p.goal]}",
        f"  {pose_words(*a.values())}",
        f"  (flexion {a['flexion']:.1f}, abduction {number(a['abduction'], sign=True)}, rotation "
        f"{number(a['rotation'], sign=True)} deg; + abduction, + internal rotation)",
        f"  length change {number(p.change_mm, 2, sign=True)} mm "
        f"({number(p.change_pct, sign=True)} %) from "
        f"{p.rest_length_mm:.1f} mm at neutral",
        "",
        "searched  " + ", ".join(f"{ax} {lo:g}..{hi:g}" for ax, (lo, hi) in p.box.items()) + " deg",
        *textwrap.wrap(f"({ROM_SOURCE})", 88, initial_indent=" " * 10, subsequent_indent=" " * 11),
        f"certainty best of a {p.grid_nodes}-node grid "
        f"{number(p.grid_change_mm, 2, sign=True)} mm; refined "
        f"{number(p.change_mm, 2, sign=True)} mm ({gain:.2f} mm more);",
        f"          {starts}",
    ]
    if p.contact_limited:
        lines.append(
            "          the thighs touch at the unconstrained optimum: searched the poses "
            "the hip can reach"
        )
    lines += [f"time      {p.elapsed_ms:.0f} ms", "", f"{side.capitalize()} hip in this position:"]
    lines.append(f"  {'muscle':34s} {'change mm':>10s} {'change %':>9s}")
    for row in p.others():
        mark = "  <- searched" if row["muscle"] == p.key.split(".")[1] else ""
        lines.append(
            f"  {muscle_label(row['muscle']):34s} "
            f"{number(row['change_mm'], 2, sign=True, width=10)} "
            f"{number(row['change_pct'], sign=True, width=9)}{mark}"
        )
    lines += [
        "",
        "to draw it: hipviz render -o pose.png "
        + " ".join(f"--set {s}" for s in position_record(p)["set"]),
    ]
    return "\n".join(lines)


def print_position(p: Position, fmt: str = "table", out: TextIO | None = None) -> int:
    """Write the answer to ``out`` (default stdout) as ``table`` or ``json``."""
    out = out or sys.stdout
    if fmt == "json":
        json.dump(position_record(p), out, indent=2)
        out.write("\n")
    else:
        out.write(format_position(p) + "\n")
    return 0
