"""The bones as trimesh last read and checked them, kept for the next start.

Reading the five PLY files with trimesh and checking them (finite, closed, a plausible
volume) takes a second at start, most of it importing trimesh and SciPy. The checked
vertices and triangles are saved in the user's cache folder under a hash of the mesh
files' bytes, so a start on the same files reads them back in milliseconds without
trimesh; any change to a file (a rebuilt or damaged mesh) changes the hash, and trimesh
reads and checks the files again. A cache that cannot be read or written is passed over
(logged), never an error: it only costs the second.

The cache is only a cache: an entry is used only if it reads back whole (a manifest of
counts, bounding boxes and a hash of the arrays) and its arrays pass the same numpy checks
as a fresh load (finite, closed and consistently wound, a plausible volume, on the
landmarks, the counts in each PLY header). Anything else (empty, truncated, NaN, scaled,
float or scrambled faces) is dropped with one warning and the meshes are read again.

The folder: ``$HIPVIZ_CACHE_DIR``, else ``$XDG_CACHE_HOME/hipviz``, else
``~/.cache/hipviz``.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

from hipviz.io.figure_files import FigureFileError, write_atomically
from hipviz.io.meshes import (
    MESH_FILES,
    Bone,
    MeshError,
    default_mesh_dir,
    fit_problem,
    load_landmarks,
    surface_problem,
)

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    if env := os.environ.get("HIPVIZ_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "hipviz"


def cache_path(mesh_dir: Path | None = None) -> Path | None:
    """Where the checked bones of these mesh files are kept (None: a file is unreadable)."""
    mesh_dir = default_mesh_dir() if mesh_dir is None else Path(mesh_dir)
    digest = hashlib.blake2b(digest_size=16)
    try:
        for name, file in sorted(MESH_FILES.items()):
            digest.update(name.encode())
            digest.update((mesh_dir / file).read_bytes())
    except OSError:
        return None  # trimesh will say which file and why
    return cache_dir() / f"bones-{digest.hexdigest()}.npz"


#: the layout of a kept entry; an entry of another version is dropped and rebuilt
CACHE_VERSION = 2


def _digest(vertices: np.ndarray, faces: np.ndarray) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(np.ascontiguousarray(vertices, dtype="<f8").tobytes())
    h.update(np.ascontiguousarray(faces, dtype="<i8").tobytes())
    return h.hexdigest()


def to_npz(bones: dict[str, Bone]) -> bytes:
    """The bones' vertices and triangles as ``.npz`` data, with a manifest (JSON) of each
    bone's counts, bounding box and a hash of its arrays, checked on reading."""
    manifest = {
        "version": CACHE_VERSION,
        "bones": {
            name: {
                "vertices": len(bone.vertices),
                "faces": len(bone.faces),
                "box": np.asarray(bone.vertices).min(axis=0).tolist()
                + np.asarray(bone.vertices).max(axis=0).tolist(),
                "hash": _digest(bone.vertices, bone.faces),
            }
            for name, bone in bones.items()
        },
    }
    out = io.BytesIO()
    np.savez(
        out,
        manifest=np.array(json.dumps(manifest)),
        **{
            f"{name}.{part}": getattr(bone, part)
            for name, bone in bones.items()
            for part in ("vertices", "faces")
        },
    )
    return out.getvalue()


def from_npz(data: bytes) -> dict[str, Bone]:
    """The bones from :func:`to_npz` data, exactly as they were written.

    Raises
    ------
    ValueError
        Not such data, or data that does not match its own manifest (truncated,
        changed, float or reordered faces, another version); the message says which.
    """
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            manifest = json.loads(str(arrays["manifest"][()]))
            bones = {
                name: Bone(name, arrays[f"{name}.vertices"], arrays[f"{name}.faces"])
                for name in MESH_FILES
            }
    except (OSError, EOFError, KeyError, TypeError, zipfile.BadZipFile, zlib.error) as exc:
        raise ValueError(f"not readable ({type(exc).__name__}: {exc})") from None
    if not isinstance(manifest, dict) or manifest.get("version") != CACHE_VERSION:
        raise ValueError(f"not version {CACHE_VERSION} of the kept bones")
    for name, bone in bones.items():
        entry = manifest["bones"].get(name) if isinstance(manifest.get("bones"), dict) else None
        v, f = bone.vertices, bone.faces
        if not isinstance(entry, dict):
            raise ValueError(f"{name}: not in the manifest")
        if v.dtype != np.float64 or f.dtype != np.int64 or v.ndim != 2 or f.ndim != 2:
            raise ValueError(f"{name}: arrays of the wrong type (float vertices, integer faces)")
        if (len(v), len(f)) != (entry.get("vertices"), entry.get("faces")):
            raise ValueError(f"{name}: {len(v)} vertices and {len(f)} faces, not as kept")
        if _digest(v, f) != entry.get("hash"):
            raise ValueError(f"{name}: the arrays differ from those kept (hash)")
    return bones


def _ply_counts(data: bytes) -> tuple[int, int] | None:
    """(vertices, faces) from a PLY header, or None if it has no such header."""
    end = data.find(b"end_header", 0, 4096)
    if end < 0:
        return None
    counts = {}
    for line in data[:end].decode("ascii", "replace").splitlines():
        words = line.split()
        if len(words) == 3 and words[0] == "element" and words[2].isdigit():
            counts[words[1]] = int(words[2])
    if "vertex" not in counts or "face" not in counts:
        return None
    return counts["vertex"], counts["face"]


def problem(bones: dict[str, Bone], mesh_dir: Path | None = None) -> str | None:
    """Why bones read back from the cache cannot stand for the mesh files, or None.

    The same numpy checks as a fresh load (finite, closed, consistently wound, a
    plausible volume: :func:`~hipviz.io.meshes.surface_problem`), the fit to
    ``landmarks.json`` (a left femur is a left femur), and the vertex and face counts
    against each PLY file's header.
    """
    mesh_dir = default_mesh_dir() if mesh_dir is None else Path(mesh_dir)
    try:
        landmarks = load_landmarks(mesh_dir)
    except MeshError as exc:
        return str(exc)
    for name, bone in bones.items():
        if found := surface_problem(bone) or fit_problem(bone, landmarks):
            return f"{name} {found}"
        try:
            counts = _ply_counts((mesh_dir / MESH_FILES[name]).read_bytes()[:4096])
        except OSError as exc:
            return f"{MESH_FILES[name]}: {exc.strerror or exc}"
        if counts is not None and counts != (len(bone.vertices), len(bone.faces)):
            return (
                f"{name}: {len(bone.vertices)} vertices and {len(bone.faces)} faces, "
                f"but {MESH_FILES[name]} has {counts[0]} and {counts[1]}"
            )
    return None


def read(path: Path | None, mesh_dir: Path | None = None) -> dict[str, Bone] | None:
    """The bones kept at ``path`` (from :func:`cache_path`), or None (not kept, or not
    usable: then the entry is removed, with one warning, and the meshes are read again)."""
    if path is None or not path.is_file():
        return None
    try:
        bones = from_npz(path.read_bytes())
        found = problem(bones, mesh_dir)
    except (OSError, ValueError) as exc:
        found = str(exc)
    if found is None:
        return bones
    log.warning("%s: cannot use the kept bones (%s); reading the meshes", path, found)
    try:
        path.unlink()
    except OSError:
        pass  # it is written over once the meshes are read again
    return None


def write(bones: dict[str, Bone], path: Path | None) -> None:
    """Keep checked bones at ``path`` (from :func:`cache_path`) for the next start
    (atomically; a failure is only logged)."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, to_npz(bones))
    except (OSError, FigureFileError) as exc:
        log.info("%s: cannot keep the bones for the next start (%s)", path, exc)
        return
    for old in path.parent.glob("bones-*.npz"):  # kept for mesh files since changed
        if old != path:
            old.unlink(missing_ok=True)
