"""What the classroom server sends a browser: plain JSON-able data, numpy only.

The bones go to a browser once (their triangles never change; a pose moves them by a
4x4 matrix). A slider step sends only what a pose changes: the bone matrices, the
muscle lines, the table rows and the status line, a few kilobytes in all.

The muscles are every compartment's fan of fibres (:mod:`hipviz.core.fibres`), each fibre
a line in its own colour, as compact columns (:func:`fan_lines`): coordinates as whole
hundredths of a millimetre, a point count, a colour, a compartment and a width class per
line. The page turns them into one vtk.js line set per width class
(:func:`view_line_sets` is the same in Python, for the page's first state), so each muscle's
lines are as thick as its cross-section says, as the desktop's tubes are.
"""

from __future__ import annotations

import base64
import functools

import numpy as np

from hipviz.core.model import Solution
from hipviz.io.meshes import Bone
from hipviz.names import muscle_label, side_label
from hipviz.render.colours import colour_index, diverging_colormap, rgb_uint8
from hipviz.render.scene import BONE_BODIES, BONE_COLOURS

#: decimals sent for coordinates, mm: far below a pixel, and the numbers stay short
POINT_DECIMALS = 2
#: coordinates go as whole units of this many mm (the same 2 decimals): an integer within
#: +-327 mm packs in 3 bytes, a float in 9
POINT_UNIT_MM = 10.0**-POINT_DECIMALS
#: line width of the thickest muscle's fibres (the largest PCSA), pixels; the others are
#: thinner by the square root of their PCSA per fibre, as the desktop's tube radii
LINE_WIDTH_PX = 6.0
#: no muscle's lines thinner than this, pixels (a thinner line is lost on a projector)
MIN_LINE_WIDTH_PX = 2.0


def typed_array(values: np.ndarray) -> dict:
    """A numpy array in the form trame-vtk's browser side decodes into a typed array."""
    values = np.ascontiguousarray(values)
    return {
        "bvals": base64.b64encode(values.tobytes()).decode("ascii"),
        "dtype": str(values.dtype),
        "shape": list(values.shape),
    }


def hex_to_rgb(colour: str) -> list[float]:
    """``"#rrggbb"`` -> ``[r, g, b]`` in 0-1."""
    return [int(colour[i : i + 2], 16) / 255.0 for i in (1, 3, 5)]


def bone_meshes(bones: dict[str, Bone]) -> dict[str, dict]:
    """Each bone's surface for the browser: points and triangles at neutral, and colour."""
    out = {}
    for name, bone in bones.items():
        faces = np.asarray(bone.faces, dtype=np.int32)
        cells = np.hstack([np.full((len(faces), 1), 3, dtype=np.int32), faces]).ravel()
        out[name] = {
            "points": typed_array(np.asarray(bone.vertices, dtype=np.float32).ravel()),
            "polys": typed_array(cells),
            "colour": hex_to_rgb(BONE_COLOURS[name]),
        }
    return out


def column_major(transform: np.ndarray) -> list[float]:
    """A 4x4 transform as vtk.js (gl-matrix) stores a user matrix: column by column."""
    return [round(v, 6) for v in np.asarray(transform, dtype=float).T.ravel().tolist()]


def bone_matrices(solution: Solution) -> dict[str, list[float]]:
    """Each bone's placement for one pose, as vtk.js user matrices."""
    return {name: column_major(solution.transforms[body]) for name, body in BONE_BODIES.items()}


def line_widths(radius_scale: np.ndarray) -> tuple[list[float], np.ndarray]:
    """Width classes of the fibres' lines: the widths in pixels (thickest first) and each
    fibre's class, (n_fibres,) int.

    ``radius_scale`` (n_fibres,) float: each fibre's tube radius as a fraction of the
    thickest's (:func:`hipviz.core.fibres.radius_scale`, from each muscle's PCSA). Widths
    are rounded to half pixels, so muscles of nearly the same size share one class.
    """
    px = np.maximum(np.round(2 * LINE_WIDTH_PX * np.asarray(radius_scale, float)) / 2, 0)
    px = np.maximum(px, MIN_LINE_WIDTH_PX)
    widths = sorted({float(w) for w in px}, reverse=True)
    return widths, np.array([widths.index(float(w)) for w in px], dtype=int)


def fan_lines(
    polylines: list[np.ndarray],
    values: np.ndarray,
    visible: np.ndarray,
    owner: np.ndarray,
    width_class: np.ndarray,
    colour_by: str = "length",
    limit: float = 10.0,
    fans: bool = True,
) -> dict:
    """The visible muscle lines (each fibre, or each compartment's central fibre) as compact
    columns, each line in the colour of its value.

    Parameters
    ----------
    polylines : list of (m, 3) float
        Each line's points, mm.
    values : (n_lines,) float
        What the colours show: length change, %, or a moment arm, mm.
    visible : (n_lines,) bool
        Which lines to send (their compartment is shown).
    owner : (n_lines,) int
        Each line's compartment (index into the compartments' keys).
    width_class : (n_lines,) int
        Each line's width class (:func:`line_widths`).
    colour_by : str, default: "length"
        A key of :data:`hipviz.render.colours.COLOUR_SCALES`.
    limit : float, default: 10.0
        Half-width of the colour range, in the values' unit.
    fans : bool, default: True
        Whether these are the whole fans (False: each compartment's central fibre only,
        the lighter drawing while a page drags); said in the answer.

    Returns
    -------
    dict
        ``points`` (flat x, y, z list of whole :data:`POINT_UNIT_MM`), ``counts`` (points
        of each line), ``rgb`` (flat r, g, b 0-255, one per line), ``owner`` (each line's
        compartment: index into the visible compartments, in key order), ``width`` (each
        line's width class) and ``fans``.
    """
    n = len(polylines)
    if not len(values) == len(visible) == len(owner) == len(width_class) == n:
        raise ValueError(
            f"{n} lines, {len(values)} values, {len(visible)} visibility flags, "
            f"{len(owner)} owners and {len(width_class)} width classes"
        )
    colour_map = diverging_colormap(colour_by=colour_by)
    rgb = rgb_uint8(colour_map[colour_index(np.asarray(values, float), limit, len(colour_map))])
    kept = np.flatnonzero(np.asarray(visible, bool))
    owner = np.asarray(owner, int)
    # a line's compartment among the visible ones (the page's keys are those, in order)
    rank = np.cumsum(np.bincount(owner[kept], minlength=owner.max(initial=0) + 1) > 0) - 1
    if not len(kept):
        points = np.zeros((0, 3))
    else:  # all at once: this runs on every slider step of every page
        points = np.concatenate([polylines[i] for i in kept])
    return {
        "points": np.rint(np.asarray(points, float) / POINT_UNIT_MM).astype(int).ravel().tolist(),
        "counts": [len(polylines[i]) for i in kept],
        "rgb": rgb[kept].ravel().tolist(),
        "owner": rank[owner[kept]].tolist(),
        "width": np.asarray(width_class, int)[kept].tolist(),
        "fans": bool(fans),
    }


def view_line_sets(lines: dict, n_sets: int) -> list[dict]:
    """:func:`fan_lines`' columns as the page draws them: one line set per width class,
    each ``points`` (flat x, y, z, mm), ``lines`` (VTK cell array: count, ids...) and
    ``colours`` (flat r, g, b 0-255, one per point). An empty set holds one point (vtk.js
    wants one) and no line. The page's script does the same (``classroom.js``)."""
    sets = [{"points": [], "lines": [], "colours": []} for _ in range(n_sets)]
    points = np.asarray(lines["points"], float).reshape(-1, 3) * POINT_UNIT_MM
    rgb = np.asarray(lines["rgb"], int).reshape(-1, 3)
    start = 0
    for i, (count, width) in enumerate(zip(lines["counts"], lines["width"], strict=True)):
        target = sets[width]
        first = len(target["points"]) // 3
        target["points"].extend(np.round(points[start : start + count], 6).ravel().tolist())
        target["lines"].extend([count, *range(first, first + count)])
        target["colours"].extend(rgb[i].tolist() * count)
        start += count
    for target in sets:
        if not target["points"]:
            target["points"], target["colours"] = [0.0, 0.0, 0.0], [0, 0, 0]
    return sets


def footprint_pieces(patches: dict[str, np.ndarray], tints: dict[str, str]) -> list[dict]:
    """Each attachment footprint for the browser, once: its side, muscle and body, its
    triangles (points and VTK cells, the body's neutral frame; a pose places them by the
    body's matrix, as it places the bones) and its tint.

    Parameters
    ----------
    patches : dict
        :func:`hipviz.render.footprints.footprint_patches`' arrays.
    tints : dict of str to str
        Each muscle's tint, ``"#rrggbb"``.
    """
    names = [str(k).split("|") for k in patches["patches"]]
    out = []
    bodies = [k[: -len(".points")] for k in patches if k.endswith(".points")]
    for body in bodies:
        points = np.asarray(patches[f"{body}.points"], dtype=float)
        faces = np.asarray(patches[f"{body}.faces"], dtype=int)
        owner = np.asarray(patches[f"{body}.patch"], dtype=int)
        for i in np.unique(owner):
            used, local = np.unique(faces[owner == i], return_inverse=True)
            local = local.reshape(-1, 3)  # numpy 2 keeps the faces' shape, 1 flattens
            cells = np.column_stack([np.full(len(local), 3), local])
            side, muscle, end = names[i]
            out.append(
                {
                    "side": side,
                    "muscle": muscle,
                    "end": end,
                    "body": body,
                    "points": typed_array(points[used].astype(np.float32).ravel()),
                    "polys": typed_array(cells.astype(np.int32).ravel()),
                    "colour": hex_to_rgb(tints[muscle]),
                }
            )
    return out


def table_rows(solution: Solution) -> list[dict]:
    """The numbers table: one row per path, values rounded for display; ``side`` and
    ``muscle`` are ids, ``side_label`` and ``muscle_label`` what a student reads
    (:mod:`hipviz.names`)."""
    columns = {
        "length_mm": solution.lengths_mm,
        "change_mm": solution.change_mm,
        "change_pct": solution.change_pct,
        **{f"moment_arm_{a}_mm": v for a, v in solution.moment_arms_mm.items()},
    }
    # rounded as Solution.rows() rounds (to 3 decimals), then to the 1 the table shows;
    # column by column, not row by row: this runs on every slider step of every page
    shown = [
        (name, [round(round(v, 3), 1) for v in np.asarray(values, float).tolist()])
        for name, values in columns.items()
    ]
    return [
        {**head, **{name: column[i] for name, column in shown}}
        for i, head in enumerate(row_heads(solution.keys))
    ]


@functools.lru_cache(maxsize=8)
def row_heads(keys: tuple[str, ...]) -> tuple[dict, ...]:
    """Each table row's fixed part (key, ids and labels), made once per set of paths."""
    heads = []
    for key in keys:
        side, muscle = key.split(".")
        heads.append(
            {
                "key": key,
                "side": side,
                "muscle": muscle,
                "side_label": side_label(side),
                "muscle_label": muscle_label(muscle),
            }
        )
    return tuple(heads)
