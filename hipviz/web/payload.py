"""What the classroom server sends a browser: plain JSON-able data, numpy only.

The bones go to a browser once (their triangles never change; a pose moves them by a
4x4 matrix). A slider step sends only what a pose changes: the bone matrices, the
muscle polylines with a colour per point, the table rows and the status line, a few
kilobytes in all. The browser builds the tubes itself (vtk.js ``vtkTubeFilter``).
"""

from __future__ import annotations

import base64

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
    return [round(float(v), 6) for v in np.asarray(transform, dtype=float).T.ravel()]


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
    points, lines, colours, start = [], [], [], 0
    for path, colour, shown in zip(polylines, rgb, visible, strict=True):
        if not shown:
            continue
        n = len(path)
        points.append(np.round(np.asarray(path, dtype=float), POINT_DECIMALS))
        lines.append([n, *range(start, start + n)])
        colours.append(np.repeat(colour[None, :], n, axis=0))
        start += n
    if not points:  # vtk.js wants at least one point; a single point draws nothing
        return {"points": [0.0, 0.0, 0.0], "lines": [], "colours": [0, 0, 0]}
    return {
        "points": np.concatenate(points).ravel().tolist(),
        "lines": [i for line in lines for i in line],
        "colours": np.concatenate(colours).ravel().tolist(),
    }


def table_rows(solution: Solution) -> list[dict]:
    """The numbers table: one row per path, values rounded for display; ``side`` and
    ``muscle`` are ids, ``side_label`` and ``muscle_label`` what a student reads
    (:mod:`hipviz.names`)."""
    rows = []
    for row in solution.rows():
        rows.append(
            {
                "key": f"{row['side']}.{row['muscle']}",
                "side": row["side"],
                "muscle": row["muscle"],
                "side_label": side_label(row["side"]),
                "muscle_label": muscle_label(row["muscle"]),
                "length_mm": round(row["length_mm"], 1),
                "change_mm": round(row["change_mm"], 1),
                "change_pct": round(row["change_pct"], 1),
                **{k: round(v, 1) for k, v in row.items() if k.startswith("moment_arm_")},
            }
        )
    return rows
