"""Load and check the bone meshes and landmarks, and write binary PLY.

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
    """The folder holding the meshes: ``$HIPVIZ_MESH_DIR`` or the repository's ``meshes/``."""
    env = os.environ.get("HIPVIZ_MESH_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "meshes"


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


def read_ply_triangles(data: bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """Vertices (n, 3) float and triangles (m, 3) int64 of a PLY as :func:`write_ply` writes it.

    Reading our own layout with numpy keeps trimesh (and the SciPy it brings, about a
    second) out of the application's start. ``None`` for any other PLY layout (read
    those with trimesh); ``ValueError`` for a file of this layout that is cut short.
    """
    end = data.find(b"end_header\n")
    if not data.startswith(b"ply\n") or end < 0:
        return None
    lines = [line.split() for line in data[:end].decode("ascii", "replace").splitlines()]
    lines = [line for line in lines[1:] if line and line[0] != "comment"]
    try:
        fmt, (_, _, n_vertices), *xyz, (_, _, n_faces), face = lines
    except ValueError:
        return None
    if (fmt != ["format", "binary_little_endian", "1.0"]
            or xyz != [["property", "float", a] for a in "xyz"]
            or face != ["property", "list", "uchar", "int", "vertex_indices"]):
        return None
    n_vertices, n_faces = int(n_vertices), int(n_faces)
    body = memoryview(data)[end + len(b"end_header\n"):]
    vertex_bytes = 12 * n_vertices
    if len(body) != vertex_bytes + 13 * n_faces:
        raise ValueError(f"expected {n_vertices} vertices and {n_faces} faces, "
                         f"the file holds {len(body)} bytes of them")
    vertices = np.frombuffer(body[:vertex_bytes], dtype="<f4").reshape(-1, 3).astype(float)
    faces = np.frombuffer(body[vertex_bytes:], dtype=[("n", "u1"), ("idx", "<i4", (3,))])
    if (faces["n"] != 3).any():
        raise ValueError("a face is not a triangle")
    triangles = faces["idx"].astype(np.int64)
    if len(triangles) and (triangles.min() < 0 or triangles.max() >= n_vertices):
        raise ValueError("a face refers to a vertex the file does not have")
    return vertices, triangles


def is_watertight(faces: np.ndarray) -> bool:
    """Whether every edge of the triangles (m, 3) is shared by exactly two of them."""
    edges = np.sort(faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
    _, counts = np.unique(edges[:, 0] * (int(faces.max()) + 1) + edges[:, 1],
                          return_counts=True)
    return bool((counts == 2).all())


def enclosed_volume(vertices: np.ndarray, faces: np.ndarray) -> float:
    """Signed volume enclosed by a closed triangle surface (outward winding: positive)."""
    a, b, c = (vertices[faces[:, k]] for k in range(3))
    return float(np.einsum("ij,ij->", a, np.cross(b, c)) / 6.0)


def _read_with_trimesh(path: Path) -> tuple[np.ndarray, np.ndarray]:
    import trimesh

    mesh = trimesh.load(path, file_type="ply", force="mesh", process=False)
    if not isinstance(mesh, trimesh.Trimesh):
        return np.empty((0, 3)), np.empty((0, 3), dtype=np.int64)
    return np.asarray(mesh.vertices, dtype=float), np.asarray(mesh.faces, dtype=np.int64)


def load_bone(path: Path, name: str) -> Bone:
    """Load one PLY and check it is a closed bone surface of plausible size."""
    path = Path(path)
    if not path.is_file():
        raise MeshError(f"{path}: bone mesh '{name}' is missing; {REBUILD_HINT}")
    try:
        read = read_ply_triangles(path.read_bytes())
        vertices, faces = read if read is not None else _read_with_trimesh(path)
    except Exception as exc:  # trimesh raises many kinds on a damaged file
        raise MeshError(
            f"{path}: cannot read bone mesh '{name}' ({exc}); {REBUILD_HINT}") from exc
    if len(faces) == 0:
        raise MeshError(f"{path}: '{name}' holds no triangles; {REBUILD_HINT}")
    if not np.isfinite(vertices).all():
        raise MeshError(f"{path}: '{name}' has non-finite coordinates; {REBUILD_HINT}")
    if not is_watertight(faces):
        raise MeshError(f"{path}: '{name}' is not a closed (watertight) surface; {REBUILD_HINT}")
    kind = name.split("_")[0]
    low, high = VOLUME_RANGE_CM3[kind]
    volume = enclosed_volume(vertices, faces) / 1000.0
    if not low <= volume <= high:
        raise MeshError(
            f"{path}: '{name}' encloses {volume:.1f} cm^3, expected {low:g}-{high:g} cm^3 for a "
            f"{kind} in millimetres; {REBUILD_HINT}"
        )
    return Bone(name, vertices, faces)


def load_bones(mesh_dir: Path | None = None) -> dict[str, Bone]:
    """Load all five bones, keyed by part name."""
    mesh_dir = default_mesh_dir() if mesh_dir is None else Path(mesh_dir)
    return {name: load_bone(mesh_dir / file, name) for name, file in MESH_FILES.items()}


def load_landmarks(mesh_dir: Path | None = None) -> dict[str, dict]:
    """Read ``landmarks.json``: ``{"right": {name: (3,) array or float}, "left": ..., "sacrum": ...}``."""
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
        "property float x", "property float y", "property float z",
        f"element face {len(f)}",
        "property list uchar int vertex_indices",
        "end_header",
    ]
    Path(path).write_bytes(("\n".join(header) + "\n").encode("ascii") + v.tobytes() + f.tobytes())
