"""Named camera views: a small data table (frame: x anterior, y superior, z right, mm)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class View:
    """A standard anatomical view.

    Attributes
    ----------
    name : str
        Key used on the command line and in scene files.
    label : str
        Menu text.
    shortcut : str
        Keyboard shortcut in the window.
    direction : (3,) float
        Unit vector from the focal point towards the camera.
    up : (3,) float
        Camera view-up vector.
    """

    name: str
    label: str
    shortcut: str
    direction: tuple[float, float, float]
    up: tuple[float, float, float]


#: the superior view looks down from this far behind the vertical, degrees
SUPERIOR_TILT_DEG = 30.0

VIEWS: dict[str, View] = {
    v.name: v
    for v in (
        View("anterior", "Anterior", "1", (1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
        View("posterior", "Posterior", "2", (-1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
        View("right", "Right lateral", "3", (0.0, 0.0, 1.0), (0.0, 1.0, 0.0)),
        View("left", "Left lateral", "4", (0.0, 0.0, -1.0), (0.0, 1.0, 0.0)),
        # from above, tilted towards the back: straight down, the iliac wings hide every
        # gluteal muscle and piriformis (they lie under the wings)
        View(
            "superior",
            "Superior",
            "5",
            (-np.sin(np.radians(SUPERIOR_TILT_DEG)), np.cos(np.radians(SUPERIOR_TILT_DEG)), 0.0),
            (np.cos(np.radians(SUPERIOR_TILT_DEG)), np.sin(np.radians(SUPERIOR_TILT_DEG)), 0.0),
        ),
    )
}
DEFAULT_VIEW = "anterior"

#: the region framed by every view: pelvis and proximal femurs, mm (x, y, z ranges)
FRAME_BOUNDS = np.array([[-105.0, 50.0], [-140.0, 145.0], [-150.0, 150.0]])


def camera_position(view: str, view_angle_deg: float = 30.0, aspect: float = 1.6):
    """pyvista camera position ``[eye, focal point, view up]`` framing the pelvis region.

    Parameters
    ----------
    view : str
        A key of :data:`VIEWS`.
    view_angle_deg : float, default: 30.0
        Vertical field of view of the camera.
    aspect : float, default: 1.6
        Viewport width / height, so wide windows are framed by height and tall ones by width.
    """
    if view not in VIEWS:
        raise ValueError(f"unknown view '{view}'; allowed: {', '.join(VIEWS)}")
    v = VIEWS[view]
    d, up = np.array(v.direction), np.array(v.up)
    right = np.cross(d, up)  # screen horizontal, in the frame
    extent = FRAME_BOUNDS[:, 1] - FRAME_BOUNDS[:, 0]
    centre = FRAME_BOUNDS.mean(axis=1)
    half_h = 0.5 * np.abs(up) @ extent
    half_w = 0.5 * np.abs(right) @ extent
    half_depth = 0.5 * np.abs(d) @ extent
    half = max(half_h, half_w / max(aspect, 1e-6)) * 1.08
    distance = half / np.tan(np.radians(view_angle_deg) / 2.0) + half_depth
    eye = centre + d * distance
    return [tuple(eye), tuple(centre), tuple(up)]
