"""The bones as trimesh last read and checked them, kept for the next start.

Reading the five PLY files with trimesh and checking them (finite, closed, a plausible
volume) takes a second at start, most of it importing trimesh and SciPy. The checked
vertices and triangles are saved in the user's cache folder under a hash of the mesh
files' bytes, so a start on the same files reads them back in milliseconds without
trimesh; any change to a file (a rebuilt or damaged mesh) changes the hash, and trimesh
reads and checks the files again. A cache that cannot be read or written is passed over
(logged), never an error: it only costs the second.

The folder: ``$HIPVIZ_CACHE_DIR``, else ``$XDG_CACHE_HOME/hipviz``, else
``~/.cache/hipviz``.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import zipfile
from pathlib import Path

import numpy as np

from hipviz.io.figure_files import FigureFileError, write_atomically
from hipviz.io.meshes import MESH_FILES, Bone, default_mesh_dir

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


def to_npz(bones: dict[str, Bone]) -> bytes:
    """The bones' vertices and triangles as ``.npz`` data."""
    out = io.BytesIO()
    np.savez(
        out,
        **{
            f"{name}.{part}": getattr(bone, part)
            for name, bone in bones.items()
            for part in ("vertices", "faces")
        },
    )
    return out.getvalue()


def from_npz(data: bytes) -> dict[str, Bone]:
    """The bones from :func:`to_npz` data (KeyError, ValueError: not such data)."""
    with np.load(io.BytesIO(data)) as arrays:
        return {
            name: Bone(name, arrays[f"{name}.vertices"], arrays[f"{name}.faces"])
            for name in MESH_FILES
        }


def read(path: Path | None) -> dict[str, Bone] | None:
    """The bones kept at ``path`` (from :func:`cache_path`), or None (not kept, or not
    usable)."""
    if path is None or not path.is_file():
        return None
    try:
        bones = from_npz(path.read_bytes())
        for bone in bones.values():
            v, f = bone.vertices, bone.faces
            if (
                v.ndim != 2
                or v.shape[1] != 3
                or f.ndim != 2
                or f.shape[1] != 3
                or not len(f)
                or f.min() < 0
                or f.max() >= len(v)
            ):
                raise ValueError(f"{bone.name}: arrays of the wrong shape")
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        log.warning("%s: cannot use the kept bones (%s); reading the meshes", path, exc)
        return None
    return bones


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
