"""Attachment footprints: tinted patches of bone surface where each muscle's fan arises and
inserts, on both sides, posed with their bone.

Built once from the bone meshes and the fibres' ends (:func:`hipviz.core.fibres.footprint_faces`,
kept for the next start by :mod:`hipviz.io.kept_arrays`): one data set per body holding all
its patches, placed each frame by the body's transform (like the bones, through the
actor's matrix), so a pose change writes no points.
"""

from __future__ import annotations

import hashlib
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


def footprint_patches(bones: dict[str, Bone], fibres: FibreSet) -> dict[str, np.ndarray]:
    """The footprint patches as plain arrays (to keep and draw from): per body,
    ``BODY.points`` (n, 3), ``BODY.faces`` (m, 3) and ``BODY.patch`` (m,) int, an index
    into ``patches``, the ``side|muscle|end`` each triangle belongs to."""
    normals = {name: vertex_normals(b.vertices, b.faces) for name, b in bones.items()}
    names: list[str] = []
    pieces: dict[str, list] = {}  # body -> [(points, faces, patch index)]
    for (side, muscle, end), (body, ends) in fibres.ends().items():
        for name, bone in bones.items():
            if BONE_BODIES[name] != body:
                continue
            # the faces round the band, then cut along the band's edge: a smooth outline
            # instead of the triangles' saw teeth
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
                key = f"{side}|{muscle}|{end}"
                if key not in names:
                    names.append(key)
                faces = np.asarray(cut.faces).reshape(-1, 4)[:, 1:]
                pieces.setdefault(body, []).append(
                    (np.asarray(cut.points), faces, names.index(key))
                )
    out: dict[str, np.ndarray] = {"patches": np.array(names, dtype=str)}
    for body, parts in pieces.items():
        offsets = np.cumsum([0] + [len(p) for p, _, _ in parts[:-1]])
        out[f"{body}.points"] = np.vstack([p for p, _, _ in parts])
        out[f"{body}.faces"] = np.vstack(
            [f + o for (_, f, _), o in zip(parts, offsets, strict=True)]
        )
        out[f"{body}.patch"] = np.concatenate([np.full(len(f), i) for _, f, i in parts])
    return out


def patches_key(bones: dict[str, Bone], fibres: FibreSet) -> bytes:
    """Everything the patches are made from: the bones, the fibres' ends, the settings."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(repr((MARGIN_MM, EDGE_MM, LIFT_MM)).encode())
    for name in sorted(bones):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(bones[name].vertices, dtype="<f8").tobytes())
        digest.update(np.ascontiguousarray(bones[name].faces, dtype="<i8").tobytes())
    for key, (body, ends) in sorted(fibres.ends().items()):
        digest.update(repr((key, body)).encode())
        digest.update(np.ascontiguousarray(ends, dtype="<f8").tobytes())
    return digest.digest()


class FootprintLayer:
    """The footprint patches of a scene.

    Parameters
    ----------
    plotter : pyvista.Plotter
    patches : dict
        From :func:`footprint_patches` (or kept from an earlier run).
    transforms : dict body -> (4, 4) float
        Where the bodies are now.
    """

    def __init__(
        self,
        plotter: pv.Plotter,
        patches: dict[str, np.ndarray],
        transforms: dict[str, np.ndarray],
    ):
        self.plotter = plotter
        names = [tuple(str(k).split("|")) for k in patches["patches"]]
        #: (side, muscle, end) -> (body, cell ids in that body's data set)
        self.patches: dict[tuple[str, ...], tuple[str, np.ndarray]] = {}
        self.meshes: dict[str, pv.PolyData] = {}
        self.actors: dict[str, pv.Actor] = {}
        self._faces: dict[str, np.ndarray] = {}
        #: each face's patch: an index into ``names``
        self._owner: dict[str, np.ndarray] = {}
        self._names = names
        #: each patch's tint, 0-255
        self._tint = np.array([pv.Color(tint_of(n[1])).int_rgb for n in names], dtype=np.uint8)
        bodies = [k[: -len(".points")] for k in patches if k.endswith(".points")]
        for body in bodies:
            faces = np.asarray(patches[f"{body}.faces"], dtype=int)
            owner = np.asarray(patches[f"{body}.patch"], dtype=int)
            mesh = pv.PolyData.from_regular_faces(np.asarray(patches[f"{body}.points"]), faces)
            self._owner[body] = owner
            self._faces[body] = faces
            mesh.cell_data["tint"] = self._tint[owner]
            self.meshes[body] = mesh
            for i in np.unique(owner):
                self.patches[names[i]] = (body, np.flatnonzero(owner == i))
            self.actors[body] = plotter.add_mesh(
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
        self._shown = set(self.patches)
        self._placed: dict[str, np.ndarray] = {}
        self.update(transforms)

    def update(self, transforms: dict[str, np.ndarray]) -> None:
        """Pose the patches with their bones (no points are written; a body that did not
        move, the pelvis during a trochanter drag, is left alone)."""
        for body, actor in self.actors.items():
            if not np.array_equal(self._placed.get(body), transforms[body]):
                actor.user_matrix = transforms[body]
                self._placed[body] = np.array(transforms[body], dtype=float)

    @property
    def shown(self) -> set[tuple[str, ...]]:
        """The ``(side, muscle, end)`` patches drawn now."""
        return set(self._shown)

    def set_shown(self, shown: set[tuple[str, str]], visible: bool = True) -> None:
        """Show the patches of these ``(side, muscle)`` pairs (none when not ``visible``)."""
        keys = {k for k in self.patches if visible and (k[0], k[1]) in shown}
        if keys == self._shown:
            return
        self._shown = keys
        wanted = np.array([n in keys for n in self._names], dtype=bool)
        for body, mesh in self.meshes.items():
            keep = wanted[self._owner[body]]
            self.actors[body].visibility = bool(keep.any())
            if not keep.any():  # hidden whole: the data set keeps its last patches
                continue
            faces = self._faces[body][keep]
            mesh.faces = np.column_stack([np.full(len(faces), 3), faces]).ravel()
            mesh.cell_data["tint"] = self._tint[self._owner[body][keep]]

    def all_actors(self) -> list:
        return list(self.actors.values())
