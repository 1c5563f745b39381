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
from hipviz.io.safe_save import save_bytes

log = logging.getLogger(__name__)

#: part name -> file name inside the mesh folder
MESH_FILES = {
    "pelvis_right": "pelvis_right.ply",
    "pelvis_left": "pelvis_left.ply",
    "sacrum": "sacrum.ply",
    "femur_right": "femur_right.ply",
    "femur_left": "femur_left.ply",
}
#: part -> the model body (key of ``Solution.transforms``) whose placement it takes
BONE_BODIES = {
    "pelvis_right": "pelvis",
    "pelvis_left": "pelvis",
    "sacrum": "pelvis",
    "femur_right": "femur_right",
    "femur_left": "femur_left",
}
#: plausible volume of each part, cm^3 (adult bones, mm units)
VOLUME_RANGE_CM3 = {"pelvis": (150.0, 600.0), "sacrum": (100.0, 500.0), "femur": (250.0, 900.0)}
REBUILD_HINT = "rebuild with: hipviz build-meshes  (after pip install -e '.[build]')"
#: landmarks (landmarks.json group, keys) that lie on each bone's surface: a mesh must pass
#: within SURFACE_TOLERANCE_MM of every one, so a right femur saved as the left one (or a
#: bone in another frame or pose) is refused; the shipped meshes pass within 1.2 mm
_PELVIS_ON_SURFACE = (
    "asis",
    "psis",
    "iliac_crest_top",
    "ischial_spine",
    "ischial_tuberosity",
    "pubic_tubercle",
)
_FEMUR_ON_SURFACE = (
    "greater_trochanter",
    "lesser_trochanter",
    "medial_epicondyle",
    "lateral_epicondyle",
)
ON_SURFACE = {
    "pelvis_right": ("right", _PELVIS_ON_SURFACE),
    "pelvis_left": ("left", _PELVIS_ON_SURFACE),
    "sacrum": ("sacrum", ("sacral_plateau",)),
    "femur_right": ("right", _FEMUR_ON_SURFACE),
    "femur_left": ("left", _FEMUR_ON_SURFACE),
}
SURFACE_TOLERANCE_MM = 5.0
#: landmark coordinates lie within this many mm of the origin (midway between the hips)
LANDMARK_LIMIT_MM = 1000.0
#: a radius in landmarks.json (acetabulum, femoral head), mm
RADIUS_RANGE_MM = (5.0, 60.0)


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
    bone = Bone(
        name, np.asarray(mesh.vertices, dtype=float), np.asarray(mesh.faces, dtype=np.int64)
    )
    if problem := surface_problem(bone):
        raise MeshError(f"{path}: '{name}' {problem}; {REBUILD_HINT}")
    return bone


def surface_problem(bone: Bone) -> str | None:
    """What makes ``bone`` no closed bone surface of plausible size, or None (numpy only).

    The same checks whether the arrays come from trimesh or from the cache
    (:mod:`hipviz.io.bone_cache`): (v, 3) finite float vertices, (f, 3) integer faces
    indexing them, every edge shared by exactly two triangles wound oppositely (closed
    and consistently oriented), and an enclosed volume in :data:`VOLUME_RANGE_CM3`.
    """
    v, f = bone.vertices, bone.faces
    if not isinstance(v, np.ndarray) or v.dtype != np.float64 or v.ndim != 2 or v.shape[1] != 3:
        return "has vertices that are not (n, 3) floats"
    if not isinstance(f, np.ndarray) or f.dtype.kind not in "iu" or f.ndim != 2 or f.shape[1] != 3:
        return "has faces that are not (n, 3) integers"
    if len(f) == 0 or len(v) < 4:
        return "holds no triangles"
    if not np.isfinite(v).all():
        return "has non-finite coordinates"
    if f.min() < 0 or f.max() >= len(v):
        return "has triangles naming vertices it does not have"
    f = f.astype(np.int64, copy=False)
    n = np.int64(len(v))
    # closed and consistently wound: each directed edge once, and its reverse among them
    directed = np.sort((f * n + np.roll(f, -1, axis=1)).ravel())
    reverse = np.sort((np.roll(f, -1, axis=1) * n + f).ravel())
    if (directed[1:] == directed[:-1]).any() or not np.array_equal(directed, reverse):
        return "is not a closed (watertight), consistently wound surface"
    a, b, c = v[f[:, 0]], v[f[:, 1]], v[f[:, 2]]
    volume = float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum()) / 6.0 / 1000.0
    kind = bone.name.split("_")[0]
    low, high = VOLUME_RANGE_CM3.get(kind, (0.0, np.inf))
    if not low <= volume <= high:
        return (
            f"encloses {volume:.1f} cm^3, expected {low:g}-{high:g} cm^3 for a {kind} in "
            "millimetres, wound outward"
        )
    return None


def fit_problem(bone: Bone, landmarks: dict[str, dict]) -> str | None:
    """Which landmark ``bone`` does not pass near (see :data:`ON_SURFACE`), or None.

    This is the handedness check: a right femur saved as ``femur_left.ply`` misses the
    left greater trochanter by some 200 mm, a femur turned about its long axis misses
    the lesser trochanter.
    """
    if bone.name not in ON_SURFACE:
        return None
    group, keys = ON_SURFACE[bone.name]
    for key in keys:
        point = landmarks.get(group, {}).get(key)
        if not isinstance(point, np.ndarray):
            continue  # load_landmarks said what is missing
        distance = float(np.sqrt(((bone.vertices - point) ** 2).sum(axis=1).min()))
        if distance > SURFACE_TOLERANCE_MM:
            side = f"the {group} " if group in ("right", "left") else "the "
            return (
                f"does not fit {side}landmarks: {group}.{key} is {distance:.0f} mm from its "
                f"surface (at most {SURFACE_TOLERANCE_MM:g} mm); is it the {_describe(bone.name)} "
                "in the frame of landmarks.json?"
            )
    return None


def _describe(name: str) -> str:
    kind, _, side = name.partition("_")
    return f"{side} {kind}" if side else kind


def check_fit(bones: dict[str, Bone], landmarks: dict[str, dict], mesh_dir: Path) -> None:
    """MeshError naming the file of the first bone that misses its landmarks."""
    for name, bone in bones.items():
        if problem := fit_problem(bone, landmarks):
            raise MeshError(f"{mesh_dir / MESH_FILES[name]}: '{name}' {problem}; {REBUILD_HINT}")


def load_bones(mesh_dir: Path | None = None) -> dict[str, Bone]:
    """Load all five bones, keyed by part name, each checked against ``landmarks.json``."""
    mesh_dir = default_mesh_dir() if mesh_dir is None else Path(mesh_dir)
    bones = {name: load_bone(mesh_dir / file, name) for name, file in MESH_FILES.items()}
    check_fit(bones, load_landmarks(mesh_dir), mesh_dir)
    return bones


def load_landmarks(mesh_dir: Path | None = None) -> dict[str, dict]:
    """Read and check ``landmarks.json``.

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
    if not isinstance(raw, dict):
        raise MeshError(f"{path}: must hold a JSON object; {REBUILD_HINT}")
    out = {}
    for group in ("right", "left", "sacrum"):
        if not isinstance(raw.get(group), dict):
            raise MeshError(f"{path}: key '{group}' missing; {REBUILD_HINT}")
        out[group] = {k: _landmark(path, f"{group}.{k}", v) for k, v in raw[group].items()}
    for side in ("right", "left"):  # what the model and the labels read
        for key in ("hip_centre", "greater_trochanter", "iliac_crest_top"):
            if key not in out[side]:
                raise MeshError(f"{path}: {side}.{key} missing; {REBUILD_HINT}")
    return out


def _landmark(path: Path, key: str, value) -> np.ndarray | float:
    """A landmark point, (3,) float mm, or a radius (a ``*_radius`` key), checked."""
    if key.endswith("_radius"):
        low, high = RADIUS_RANGE_MM
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise MeshError(f"{path}: {key}: must be a number of mm ({low:g}-{high:g})")
        if not low <= value <= high:  # compared as given: no float() of a huge integer
            raise MeshError(f"{path}: {key}: must be {low:g}-{high:g} mm")
        return float(value)
    ok = (
        isinstance(value, list)
        and len(value) == 3
        and all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in value)
        and all(abs(c) <= LANDMARK_LIMIT_MM for c in value)  # False for nan
    )
    if not ok:
        raise MeshError(
            f"{path}: {key}: must be a point [x, y, z] of three finite numbers (mm, each "
            f"within {LANDMARK_LIMIT_MM:g}); {REBUILD_HINT}"
        )
    return np.array(value, dtype=float)


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
    save_bytes(path, ("\n".join(header) + "\n").encode("ascii") + v.tobytes() + f.tobytes())
