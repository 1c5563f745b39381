"""Attachment footprints: tinted patches of bone surface where each muscle's fan arises and
inserts, on both sides, posed with their bone.

Built once from the bone meshes and the fibres' ends (:func:`hipviz.core.fibres.footprint_faces`):
one data set per body holding all its patches, placed each frame by the body's transform
(like the bones, through the actor's matrix), so a pose change writes no points.
"""

from __future__ import annotations

import logging

import numpy as np
import pyvista as pv

from hipviz.core.fibres import FibreSet, footprint_faces, line_distance, vertex_normals
from hipviz.core.muscles import GROUPS
from hipviz.io.meshes import BONE_BODIES, Bone

log = logging.getLogger(__name__)

#: band either side of the line through the fibre ends, mm: origin, insertion
MARGIN_MM = {"origin": 9.0, "insertion": 5.0}
#: faces this far beyond the band are taken and cut at its edge, mm
EDGE_MM = 3.0
#: patches sit this far outside the bone so they are never hidden in it, mm
LIFT_MM = 0.35
#: a tint per muscle, in the order of GROUPS (cycled for more): warm ochres and a plum,
#: apart from the length colours (blue, grey, red) and the moment-arm ones (green, purple)
TINTS = ("#d98e04", "#b5651d", "#8c5a9e", "#c9a227", "#a0522d", "#6b8e23")


def tint_of(muscle: str) -> str:
    """The footprint colour of a muscle (a key of :data:`~hipviz.core.muscles.GROUPS`)."""
    groups = list(GROUPS)
    return TINTS[(groups.index(muscle) if muscle in groups else len(groups)) % len(TINTS)]


class FootprintLayer:
    """The footprint patches of a scene.

    Parameters
    ----------
    plotter : pyvista.Plotter
    bones : dict of str to Bone
        The bone meshes (neutral frame), keyed by part name.
    fibres : FibreSet
    transforms : dict body -> (4, 4) float
        Where the bodies are now.
    """

    def __init__(
        self,
        plotter: pv.Plotter,
        bones: dict[str, Bone],
        fibres: FibreSet,
        transforms: dict[str, np.ndarray],
    ):
        self.plotter = plotter
        #: (side, muscle, end) -> (body, cell ids in that body's data set)
        self.patches: dict[tuple[str, str, str], tuple[str, np.ndarray]] = {}
        pieces: dict[str, list] = {}  # body -> [(points, faces, rgb per face, patch key)]
        normals = {name: vertex_normals(b.vertices, b.faces) for name, b in bones.items()}
        for (side, muscle, end), (body, ends) in fibres.ends().items():
            for name, bone in bones.items():
                if BONE_BODIES[name] != body:
                    continue
                # the faces round the band, then cut along the band's edge: a smooth
                # outline instead of the triangles' saw teeth
                mask = footprint_faces(
                    bone.vertices, bone.faces, ends, MARGIN_MM[end] + EDGE_MM, normals[name]
                )
                if not mask.any():
                    continue
                used, local = np.unique(bone.faces[mask], return_inverse=True)
                patch = pv.PolyData.from_regular_faces(
                    bone.vertices[used] + LIFT_MM * normals[name][used], local.reshape(-1, 3)
                )
                patch.point_data["d"] = line_distance(bone.vertices[used], ends)
                cut = patch.clip_scalar(scalars="d", value=MARGIN_MM[end]).triangulate()
                if cut.n_cells:
                    faces = np.asarray(cut.faces).reshape(-1, 4)[:, 1:]
                    pieces.setdefault(body, []).append(
                        (np.asarray(cut.points), faces, (side, muscle, end))
                    )
        self.meshes: dict[str, pv.PolyData] = {}
        self.actors: dict[str, pv.Actor] = {}
        self._faces: dict[str, np.ndarray] = {}
        self._owner: dict[str, list[tuple[str, str, str]]] = {}
        for body, parts in pieces.items():
            points, faces, colours, owners, offset = [], [], [], [], 0
            for patch_points, f, key in parts:
                points.append(patch_points)
                faces.append(f + offset)
                rgb = np.array(pv.Color(tint_of(key[1])).int_rgb, dtype=np.uint8)
                colours.append(np.repeat(rgb[None], len(f), 0))
                owners += [key] * len(f)
                offset += len(patch_points)
            all_faces = np.vstack(faces)
            mesh = pv.PolyData.from_regular_faces(np.vstack(points), all_faces)
            mesh.cell_data["tint"] = np.vstack(colours)
            self.meshes[body] = mesh
            self._faces[body] = all_faces
            self._owner[body] = owners
            for key in dict.fromkeys(owners):
                cells = np.flatnonzero([o == key for o in owners])
                self.patches[key] = (body, cells)
            actor = plotter.add_mesh(
                mesh,
                scalars="tint",
                rgb=True,
                ambient=0.25,
                diffuse=0.75,
                specular=0.1,
                name=f"footprints_{body}",
                reset_camera=False,
                render=False,
                pickable=False,
            )
            self.actors[body] = actor
        self._shown = set(self.patches)
        self.update(transforms)

    def update(self, transforms: dict[str, np.ndarray]) -> None:
        """Pose the patches with their bones (no points are written)."""
        for body, actor in self.actors.items():
            actor.user_matrix = transforms[body]

    def set_shown(self, shown: set[tuple[str, str]], visible: bool = True) -> None:
        """Show the patches of these ``(side, muscle)`` pairs (none when not ``visible``)."""
        keys = {k for k in self.patches if visible and (k[0], k[1]) in shown}
        if keys == self._shown:
            return
        self._shown = keys
        for body, mesh in self.meshes.items():
            keep = np.array([o in keys for o in self._owner[body]], dtype=bool)
            self.actors[body].visibility = bool(keep.any())
            if not keep.any():  # hidden whole: the data set keeps its last patches
                continue
            faces = self._faces[body][keep]
            mesh.faces = np.column_stack([np.full(len(faces), 3), faces]).ravel()
            mesh.cell_data["tint"] = self._tints(body)[keep]

    def _tints(self, body: str) -> np.ndarray:
        return np.array(
            [pv.Color(tint_of(o[1])).int_rgb for o in self._owner[body]], dtype=np.uint8
        )

    def all_actors(self) -> list:
        return list(self.actors.values())
