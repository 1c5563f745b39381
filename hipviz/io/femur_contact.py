"""The femurs' distance fields for the contact check (:mod:`hipviz.core.contact`), from the
real meshes.

A field is sampled every :data:`SPACING_MM` over the femur's bounding box (plus a margin),
by SciPy's KD-tree on the surface's vertices and triangle centres: the distance to the
nearest of them, signed by its outward normal (near the surface, within a few mm, the
distance along that normal, which follows the facets more closely), within a band of
:data:`BAND_MM` about the surface. It is built the first time two femurs come near each
other (a second or two), kept for the process, and saved beside the bones kept for the
next start (:mod:`hipviz.io.bone_cache`, same hash of the mesh files), so later starts
read it in milliseconds.
"""

from __future__ import annotations

import functools
import io
import logging
import zipfile
from pathlib import Path

import numpy as np

from hipviz.core.contact import DistanceField, FemurPair
from hipviz.io.figure_files import FigureFileError, write_atomically
from hipviz.io.meshes import Bone

log = logging.getLogger(__name__)

SPACING_MM = 2.0
MARGIN_MM = 8.0
#: surface points kept per femur for the look-ups (every n-th vertex: about 3 mm apart)
POINT_STRIDE = 3
#: within this distance (mm) of the nearest surface sample, the distance along its normal
NEAR_MM = 4.0
#: the field is exact only this close to the surface (mm); farther grid points read
#: +BAND_MM, which keeps the build fast and loses nothing: where one femur passes into the
#: other, some of its surface points (3 mm apart) lie within the band inside it
BAND_MM = 10.0


def surface_samples(bone: Bone) -> tuple[np.ndarray, np.ndarray]:
    """Vertices and triangle centres (m, 3) with their outward unit normals (m, 3)."""
    v, f = bone.vertices, bone.faces
    tri = v[f]
    face_n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])  # area-weighted
    vert_n = np.zeros_like(v)
    for k in range(3):
        np.add.at(vert_n, f[:, k], face_n)
    points = np.concatenate([v, tri.mean(axis=1)])
    normals = np.concatenate([vert_n, face_n])
    return points, normals / np.linalg.norm(normals, axis=1, keepdims=True)


def distance_field(bone: Bone, spacing_mm: float = SPACING_MM) -> DistanceField:
    """The bone's signed distance on a grid in its neutral frame (negative inside)."""
    from scipy.spatial import cKDTree

    points, normals = surface_samples(bone)
    lo = bone.vertices.min(axis=0) - MARGIN_MM
    n = np.ceil((bone.vertices.max(axis=0) + MARGIN_MM - lo) / spacing_mm).astype(int) + 1
    axes = [lo[k] + spacing_mm * np.arange(n[k]) for k in range(3)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
    signed = np.full(len(grid), BAND_MM)
    dist, nearest = cKDTree(points).query(grid, distance_upper_bound=BAND_MM)
    near = np.isfinite(dist)
    d, i = dist[near], nearest[near]
    along = np.einsum("ij,ij->i", grid[near] - points[i], normals[i])
    signed[near] = np.where(d < NEAR_MM, along, np.copysign(d, along))
    return DistanceField(lo, float(spacing_mm), signed.reshape(tuple(n)))


def femur_pair(bones: dict[str, Bone]) -> FemurPair:
    """Both femurs' fields and thinned surface points."""
    fields, points = {}, {}
    for side in ("right", "left"):
        bone = bones[f"femur_{side}"]
        fields[side] = distance_field(bone)
        points[side] = np.ascontiguousarray(bone.vertices[::POINT_STRIDE], float)
    return FemurPair(fields, points)


#: in the kept file's name: a change to how the fields are built makes a new file
FIELD_VERSION = 1


def to_npz(pair: FemurPair) -> bytes:
    out = io.BytesIO()
    arrays = {}
    for side in ("right", "left"):
        f = pair.fields[side]
        arrays[f"{side}.origin"] = f.origin
        arrays[f"{side}.spacing"] = np.array(f.spacing_mm)
        arrays[f"{side}.values"] = f.values
        arrays[f"{side}.points"] = pair.points[side]
    np.savez(out, **arrays)
    return out.getvalue()


def from_npz(data: bytes) -> FemurPair:
    """The pair from :func:`to_npz` data (KeyError, ValueError: not such data)."""
    with np.load(io.BytesIO(data)) as a:
        fields, points = {}, {}
        for side in ("right", "left"):
            values = a[f"{side}.values"]
            if values.ndim != 3 or min(values.shape) < 2 or a[f"{side}.points"].shape[1] != 3:
                raise ValueError(f"{side}: arrays of the wrong shape")
            fields[side] = DistanceField(a[f"{side}.origin"], float(a[f"{side}.spacing"]), values)
            points[side] = a[f"{side}.points"]
    return FemurPair(fields, points)


def kept_path(mesh_dir: Path | None) -> Path | None:
    """Where the fields of these mesh files are kept (None: a mesh file is unreadable)."""
    from hipviz.io import bone_cache

    bones = bone_cache.cache_path(mesh_dir)
    if bones is None:
        return None
    return bones.with_name(bones.name.replace("bones-", f"femur-fields-v{FIELD_VERSION}-"))


@functools.lru_cache(maxsize=4)
def load_femur_pair(mesh_dir: Path | None = None) -> FemurPair:
    """The femur pair of the meshes in ``mesh_dir`` (default: the shipped ones), once a
    process: kept from an earlier run, else built from the bones (from the start-up cache
    when it holds them, else read by trimesh) and kept."""
    from hipviz.io import bone_cache
    from hipviz.io.meshes import load_bones

    path = kept_path(mesh_dir)
    if path is not None and path.is_file():
        try:
            return from_npz(path.read_bytes())
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            log.warning("%s: cannot use the kept femur fields (%s); building them", path, exc)
    bones = bone_cache.read(bone_cache.cache_path(mesh_dir))
    if bones is None:
        bones = load_bones(mesh_dir)
    log.debug("building the femur distance fields")
    pair = femur_pair(bones)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, to_npz(pair))
        except (OSError, FigureFileError) as exc:
            log.info("%s: cannot keep the femur fields (%s)", path, exc)
    return pair
