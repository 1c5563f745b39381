"""The 3D scene (pyvista only, no Qt): bones built once, updated in place, screenshots."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pyvista as pv

from hipviz.io.meshes import Bone
from hipviz.render.views import DEFAULT_VIEW, camera_position

log = logging.getLogger(__name__)

BONE_COLOURS = {
    "pelvis_right": "#e8dcc4",
    "pelvis_left": "#e8dcc4",
    "sacrum": "#dccfb3",
    "femur_right": "#efe5d0",
    "femur_left": "#efe5d0",
}
BACKGROUND = ("#3b4654", "#141a21")  # bottom, top: a quiet slate gradient


def bone_polydata(bone: Bone) -> pv.PolyData:
    """A pyvista surface with smooth point normals for one bone."""
    mesh = pv.PolyData.from_regular_faces(bone.vertices, bone.faces)
    return mesh.compute_normals(cell_normals=False, split_vertices=False, consistent_normals=False)


class HipScene:
    """Bones (and, later, muscles) on a pyvista plotter; actors are built once.

    Parameters
    ----------
    plotter : pyvista.Plotter
        Any plotter: off-screen, or pyvistaqt's ``QtInteractor``.
    bones : dict of str to Bone
        The five bones from :func:`hipviz.io.meshes.load_bones`.
    """

    def __init__(self, plotter: pv.Plotter, bones: dict[str, Bone]):
        self.plotter = plotter
        self.view = DEFAULT_VIEW
        plotter.set_background(BACKGROUND[0], top=BACKGROUND[1])
        self.bone_actors = {
            name: plotter.add_mesh(
                bone_polydata(bone),
                color=BONE_COLOURS[name],
                smooth_shading=True,
                ambient=0.15,
                diffuse=0.85,
                specular=0.25,
                specular_power=20.0,
                name=name,
                reset_camera=False,
            )
            for name, bone in bones.items()
        }
        self.set_view(DEFAULT_VIEW, render=False)

    def set_view(self, name: str, render: bool = True) -> None:
        """Move the camera to a named view (see :data:`hipviz.render.views.VIEWS`)."""
        w, h = self.plotter.window_size
        self.plotter.camera_position = camera_position(
            name, self.plotter.camera.view_angle, aspect=w / max(h, 1)
        )
        self.plotter.reset_camera_clipping_range()
        self.view = name
        if render:
            self.plotter.render()

    def set_bone_transform(self, name: str, transform: np.ndarray) -> None:
        """Place a bone with a 4x4 transform (in place: no new actor)."""
        self.bone_actors[name].user_matrix = transform

    def screenshot(self, path: Path | str | None = None, transparent: bool = False) -> np.ndarray:
        """Render and return the image as an (h, w, 3 or 4) uint8 array; save it if ``path`` is given."""
        self.set_view(self.view, render=False)
        image = self.plotter.screenshot(
            filename=None if path is None else str(path), transparent_background=transparent
        )
        return image


def render_image(
    path: Path | str | None,
    bones: dict[str, Bone],
    view: str = DEFAULT_VIEW,
    size: tuple[int, int] = (1600, 1000),
    transparent: bool = False,
) -> np.ndarray:
    """Render the scene off-screen (no display needed) and optionally save it as PNG."""
    plotter = pv.Plotter(off_screen=True, window_size=list(size))
    try:
        scene = HipScene(plotter, bones)
        scene.view = view
        return scene.screenshot(path, transparent=transparent)
    finally:
        plotter.close()
