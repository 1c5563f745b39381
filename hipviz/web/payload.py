"""What the classroom server sends a browser: plain JSON-able data, numpy only.

The bones go to a browser once (their triangles never change; a pose moves them by a
4x4 matrix). A slider step sends only what a pose changes: the bone matrices, the
muscle polylines with a colour per point, the table rows and the status line, a few
kilobytes in all. The browser builds the tubes itself (vtk.js ``vtkTubeFilter``).
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


def muscle_lines(
    polylines: list[np.ndarray],
    values: np.ndarray,
    visible: np.ndarray,
    colour_by: str = "length",
    limit: float = 10.0,
) -> dict:
    """Visible muscle paths as one line set, each in the colour of its value.

    Parameters
    ----------
    polylines : list of (m, 3) float
        Each path's points, mm (``MuscleSet.polylines``).
    values : (n_paths,) float
        What the colours show: length change, %, or a moment arm, mm.
    visible : (n_paths,) bool
        Which paths to send.
    colour_by : str, default: "length"
        A key of :data:`hipviz.render.colours.COLOUR_SCALES`.
    limit : float, default: 10.0
        Half-width of the colour range, in the values' unit.

    Returns
    -------
    dict
        ``points`` (flat x, y, z list), ``lines`` (VTK legacy cell array: count, ids...),
        ``colours`` (flat r, g, b 0-255 list, one per point).
    """
    colour_map = diverging_colormap(colour_by=colour_by)
    rgb = rgb_uint8(colour_map[colour_index(values, limit, len(colour_map))])
    kept = [i for i, shown in enumerate(visible) if shown]
    if len(visible) != len(polylines) or len(values) != len(polylines):
        raise ValueError(
            f"{len(polylines)} paths, {len(values)} values and {len(visible)} visibility flags"
        )
    if not kept:  # vtk.js wants at least one point; a single point draws nothing
        return {"points": [0.0, 0.0, 0.0], "lines": [], "colours": [0, 0, 0]}
    # all at once rather than path by path: this runs on every slider step of every page
    counts = [len(polylines[i]) for i in kept]
    points = np.round(np.concatenate([polylines[i] for i in kept]).astype(float), POINT_DECIMALS)
    lines = []
    start = 0
    for n in counts:
        lines.append(n)
        lines.extend(range(start, start + n))
        start += n
    return {
        "points": points.ravel().tolist(),
        "lines": lines,
        "colours": np.repeat(rgb[kept], counts, axis=0).ravel().tolist(),
    }


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
