"""The model of the shipped anatomy: landmarks from the mesh folder, paths from the package.

The core builds a :class:`~hipviz.core.model.HipModel` from data it is given; reading the
files is this module's job, so the core never touches the file system's layout.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from hipviz.core.fibres import FibreSet, Surface, fan_key
from hipviz.core.model import HipModel
from hipviz.core.muscles import MusclePath
from hipviz.io.femur_contact import load_femur_pair
from hipviz.io.kept_arrays import kept, mesh_key
from hipviz.io.meshes import BONE_BODIES, load_bones, load_landmarks

log = logging.getLogger(__name__)


def load_model(mesh_dir: Path | None = None, muscles_path: Path | None = None) -> HipModel:
    """The model of the shipped anatomy.

    Parameters
    ----------
    mesh_dir : Path, optional
        Folder of ``landmarks.json`` (default :func:`hipviz.io.meshes.default_mesh_dir`).
    muscles_path : Path, optional
        Muscle data file (default: the package's ``hipviz/data/muscles.json``).
    """
    return model_from_landmarks(load_landmarks(mesh_dir), mesh_dir, muscles_path)


def model_from_landmarks(
    landmarks: dict[str, dict], mesh_dir: Path | None = None, muscles_path: Path | None = None
) -> HipModel:
    """The model of landmarks already read, with the femur contact check of ``mesh_dir``'s
    femurs (read when the thighs first come close) and its bones' surfaces for the fibre
    fans (read when the fibres are first needed)."""
    return HipModel.from_landmarks(
        landmarks,
        muscles_path,
        femurs=lambda: load_femur_pair(mesh_dir),
        fibres=lambda paths: kept_fibres(paths, mesh_dir),
    )


def kept_fibres(paths: tuple[MusclePath, ...], mesh_dir: Path | None = None) -> FibreSet:
    """The fibre fans of ``paths`` on ``mesh_dir``'s bones: kept from an earlier run
    (:mod:`hipviz.io.kept_arrays`; working them out takes a few tenths of a second), else
    worked out on the bones' surfaces and kept."""
    state = kept(
        "fibres",
        mesh_key(mesh_dir) + fan_key(paths),
        lambda: FibreSet(paths, bone_surfaces(mesh_dir)).state(),
    )
    try:
        return FibreSet(paths, state=state)
    except ValueError as exc:  # a kept entry of another layout: work them out
        log.info("kept fibres not used (%s)", exc)
        return FibreSet(paths, bone_surfaces(mesh_dir))


@functools.lru_cache(maxsize=4)
def bone_surfaces(mesh_dir: Path | None = None) -> dict[str, Surface]:
    """Each body's bone surface (its meshes together) in the neutral frame, for placing the
    fibres' ends on bone; once a process (the bones from the start-up cache when it holds
    them, else read by trimesh)."""
    from hipviz.io import bone_cache

    bones = bone_cache.read(bone_cache.cache_path(mesh_dir))
    if bones is None:
        bones = load_bones(mesh_dir)
    meshes: dict[str, list] = {}
    for name, bone in bones.items():
        meshes.setdefault(BONE_BODIES[name], []).append((bone.vertices, bone.faces))
    return {body: Surface.from_meshes(parts) for body, parts in meshes.items()}
