"""Load and check the bone meshes (trimesh) and landmarks, and write binary PLY.

Every problem a user can meet (a missing, corrupt, open or wrongly scaled mesh) raises
:class:`MeshError` with a message naming the file and the command that rebuilds it.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hipviz.io.packaged import data_folder

log = logging.getLogger(__name__)

#: part name -> file name inside the mesh folder
MESH_FILES = {
    "pelvis_right": "pelvis_right.ply",
    "pelvis_left": "pelvis_left.ply",
    "sacrum": "sacrum.ply",
    "femur_right": "femur_right.ply",
    "femur_left": "femur_left.ply",
}
#: plausible volume of each part, cm^3 (adult bones, mm units)
VOLUME_RANGE_CM3 = {"pelvis": (150.0, 600.0), "sacrum": (100.0, 500.0), "femur": (250.0, 900.0)}
REBUILD_HINT = "rebuild with: hipviz build-meshes  (after pip install -e '.[build]')"


class MeshError(RuntimeError):
    """A bone mesh or the landmark file cannot be used; the message says which and why."""


def default_mesh_dir() -> Path:
    """The folder holding the meshes: ``$HIPVIZ_MESH_DIR``, else the shipped ones
    (:func:`hipviz.io.packaged.data_folder`)."""
    env = os.environ.get("HIPVIZ_MESH_DIR")
    return Path(env) if env else data_folder("meshes")


@dataclass(frozen=True)
class Bone:
    """One bone surface.

    Attributes
    ----------
    name : str
        Part name (a key of :data:`MESH_FILES`).
    vertices : (v, 3) float
        Vertex positions in the anatomical frame at neutral, mm.
    faces : (f, 3) int
        Triangles, outward winding.
    """

    name: str
    vertices: np.ndarray
    faces: np.ndarray


def load_bone(path: Path, name: str) -> Bone:
    """Load one PLY with trimesh and check it is a closed bone surface of plausible size."""
    import trimesh  # lazy: trimesh and SciPy cost a second at start; the bone cache skips it

    path = Path(path)
    if not path.is_file():
        raise MeshError(f"{path}: bone mesh '{name}' is missing; {REBUILD_HINT}")
    try:
        mesh = trimesh.load(path, file_type="ply", force="mesh", process=False)
    except Exception as exc:  # trimesh raises many kinds on a damaged file
        raise MeshError(f"{path}: cannot read bone mesh '{name}' ({exc}); {REBUILD_HINT}") from exc
    if not isinstance(mesh, trimesh.Trimesh) or len(mesh.faces) == 0:
        raise MeshError(f"{path}: '{name}' holds no triangles; {REBUILD_HINT}")
    if not np.isfinite(mesh.vertices).all():
        raise MeshError(f"{path}: '{name}' has non-finite coordinates; {REBUILD_HINT}")
    if not mesh.is_watertight:
        raise MeshError(f"{path}: '{name}' is not a closed (watertight) surface; {REBUILD_HINT}")
    kind = name.split("_")[0]
    low, high = VOLUME_RANGE_CM3[kind]
    volume = mesh.volume / 1000.0
    if not low <= volume <= high:
        raise MeshError(
            f"{path}: '{name}' encloses {volume:.1f} cm^3, expected {low:g}-{high:g} cm^3 for a "
            f"{kind} in millimetres; {REBUILD_HINT}"
        )
    return Bone(
        name, np.asarray(mesh.vertices, dtype=float), np.asarray(mesh.faces, dtype=np.int64)
    )


def load_bones(mesh_dir: Path | None = None) -> dict[str, Bone]:
    """Load all five bones, keyed by part name."""
    mesh_dir = default_mesh_dir() if mesh_dir is None else Path(mesh_dir)
    return {name: load_bone(mesh_dir / file, name) for name, file in MESH_FILES.items()}


def load_landmarks(mesh_dir: Path | None = None) -> dict[str, dict]:
    """Read ``landmarks.json``.

    Returns ``{"right": {name: (3,) array or float}, "left": ..., "sacrum": ...}``.
    """
    mesh_dir = default_mesh_dir() if mesh_dir is None else Path(mesh_dir)
    path = mesh_dir / "landmarks.json"
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise MeshError(f"{path}: landmark file is missing; {REBUILD_HINT}") from None
    except (OSError, ValueError) as exc:
        raise MeshError(f"{path}: cannot read landmarks ({exc}); {REBUILD_HINT}") from exc
    out = {}
    for group in ("right", "left", "sacrum"):
        if not isinstance(raw.get(group), dict):
            raise MeshError(f"{path}: key '{group}' missing; {REBUILD_HINT}")
        out[group] = {
            k: (np.array(v, dtype=float) if isinstance(v, list) else float(v))
            for k, v in raw[group].items()
        }
    return out


def write_ply(path: Path, vertices: np.ndarray, faces: np.ndarray, comment: str = "") -> None:
    """Write a binary little-endian PLY (float32 vertices, int32 triangles), deterministically."""
    v = np.ascontiguousarray(vertices, dtype="<f4")
    f = np.empty(len(faces), dtype=[("n", "u1"), ("idx", "<i4", (3,))])
    f["n"] = 3
    f["idx"] = faces
    header = ["ply", "format binary_little_endian 1.0"]
    if comment:
        header.append(f"comment {comment}")
    header += [
        f"element vertex {len(v)}",
        "property float x",
        "property float y",
        "property float z",
        f"element face {len(f)}",
        "property list uchar int vertex_indices",
        "end_header",
    ]
    Path(path).write_bytes(("\n".join(header) + "\n").encode("ascii") + v.tobytes() + f.tobytes())
