"""Landmark labels a therapist palpates (ASIS, PSIS, iliac crest, greater trochanter, sacrum).

The labelled points live on their bones: a pose change moves them with the bone's
transform, in place. A label is shown only while its landmark faces the camera and no bone
hides it (the scene's occlusion test), so a lateral view is not cluttered with the far
side's names and no name floats over bone in front of its landmark.
"""

from __future__ import annotations

import logging

import numpy as np
import pyvista as pv
from vtkmodules.vtkRenderingCore import vtkPolyDataMapper, vtkTextActor

from hipviz.render.muscle_layer import sphere_glyphs
from hipviz.render.projection import world_to_display

log = logging.getLogger(__name__)

#: (landmark group, key in landmarks.json, body it moves with, label, outward direction of
#: the right side's landmark in the neutral frame: x anterior, y superior, z right)
LANDMARKS = (
    ("right", "asis", "pelvis", "R ASIS", (1.0, 0.0, 0.5)),
    ("left", "asis", "pelvis", "L ASIS", (1.0, 0.0, 0.5)),
    ("right", "psis", "pelvis", "R PSIS", (-1.0, 0.2, 0.3)),
    ("left", "psis", "pelvis", "L PSIS", (-1.0, 0.2, 0.3)),
    ("right", "iliac_crest_top", "pelvis", "R iliac crest", (0.0, 1.0, 0.3)),
    ("left", "iliac_crest_top", "pelvis", "L iliac crest", (0.0, 1.0, 0.3)),
    ("right", "greater_trochanter", "femur_right", "R greater trochanter", (0.0, 0.0, 1.0)),
    ("left", "greater_trochanter", "femur_left", "L greater trochanter", (0.0, 0.0, 1.0)),
    ("sacrum", "sacral_plateau", "pelvis", "sacrum", (0.0, 1.0, 0.0)),
)
#: a label shows while (outward direction) . (direction to the camera) exceeds this
FACING_THRESHOLD = -0.1
#: label font size at a view 800 pixels high (it scales with the view's height)
LABEL_FONT_SIZE = 17
TEXT_COLOUR = "#10161c"
BOX_COLOUR = "#f4f1e8"
BOX_OPACITY = 0.85
MARKER_RADIUS_MM = 3.0
MARKER_COLOUR = "#ffd84d"


def boxed_text(colour: str, box: str, opacity: float, bold: bool = True) -> vtkTextActor:
    """A 2D text actor in Arial, ``colour`` on a ``box`` backing of ``opacity``, anchored at
    its bottom left (its position is the box's corner)."""
    actor = vtkTextActor()
    prop = actor.GetTextProperty()
    prop.SetFontFamilyToArial()
    prop.SetBold(bold)
    prop.SetShadow(False)
    prop.SetColor(pv.Color(colour).float_rgb)
    prop.SetBackgroundColor(pv.Color(box).float_rgb)
    prop.SetBackgroundOpacity(opacity)
    prop.SetJustificationToLeft()
    prop.SetVerticalJustificationToBottom()
    return actor


class LandmarkLabels:
    """Labelled landmark markers, hidden until switched on.

    Parameters
    ----------
    plotter : pyvista.Plotter
    landmarks : dict
        From :func:`hipviz.io.meshes.load_landmarks` (neutral frame, mm).
    """

    def __init__(self, plotter: pv.Plotter, landmarks: dict[str, dict]):
        self.plotter = plotter
        found = [lm for lm in LANDMARKS if lm[1] in landmarks.get(lm[0], {})]
        for group, key, *_ in set(LANDMARKS) - set(found):
            log.warning("landmark '%s.%s' is not in the landmark file; not labelled", group, key)
        self.neutral = np.array([landmarks[g][k] for g, k, *_ in found], dtype=float)
        self.bodies = tuple(lm[2] for lm in found)
        self.labels = tuple(lm[3] for lm in found)
        outward = np.array([lm[4] for lm in found], dtype=float)
        outward[[lm[0] == "left" for lm in found], 2] *= -1.0  # the left side is the mirror image
        self.neutral_outward = outward / np.linalg.norm(outward, axis=1, keepdims=True)
        self.outward = self.neutral_outward.copy()

        self.points = pv.PolyData(self.neutral.copy())
        self.text_actors = [self._text(label) for label in self.labels]
        for actor, label in zip(self.text_actors, self.labels, strict=True):
            plotter.add_actor(
                actor, reset_camera=False, name=f"landmark {label}", pickable=False, render=False
            )
        self.shown = np.ones(len(found), dtype=bool)
        #: ``hidden(points (n, 3)) -> (n,) bool``: which points the bones hide now (a label
        #: behind bone is not drawn); set by the scene, none hidden when not set
        self.hidden = None
        #: the labels' size relative to the desk's (workshop mode sets it larger)
        self.font_scale = 1.0
        glyphs = sphere_glyphs(self.points, MARKER_RADIUS_MM)
        glyphs.ScalingOff()
        mapper = vtkPolyDataMapper()
        mapper.SetInputConnection(glyphs.GetOutputPort())
        mapper.ScalarVisibilityOff()
        self.marker_actor = pv.Actor(mapper=mapper)
        self.marker_actor.prop.color = MARKER_COLOUR
        self.marker_actor.prop.specular = 0.4
        plotter.add_actor(
            self.marker_actor,
            reset_camera=False,
            name="landmark_markers",
            pickable=False,
            render=False,
        )
        self.set_visible(False)
        # labels are 2D text placed beside their projected points at the start of each render
        plotter.renderer.AddObserver("StartEvent", self._place)

    @staticmethod
    def _text(label: str) -> vtkTextActor:
        actor = boxed_text(TEXT_COLOUR, BOX_COLOUR, BOX_OPACITY)
        actor.SetInput(f" {label} ")  # the spaces pad the backing box
        return actor

    def update(self, transforms: dict[str, np.ndarray]) -> None:
        """Move the points with their bones (body -> (4, 4) neutral-to-room transforms)."""
        moved = np.empty_like(self.neutral)
        for i, (p, n, body) in enumerate(
            zip(self.neutral, self.neutral_outward, self.bodies, strict=True)
        ):
            t = transforms[body]
            moved[i] = t[:3, :3] @ p + t[:3, 3]
            self.outward[i] = t[:3, :3] @ n
        self.points.points[:] = moved
        self.points.GetPoints().Modified()
        self.points.Modified()

    def _place(self, *_) -> None:
        if not self.visible:
            return
        renderer = self.plotter.renderer
        camera = renderer.GetActiveCamera()
        to_camera = np.subtract(camera.GetPosition(), camera.GetFocalPoint())
        self.shown = self.outward @ (to_camera / np.linalg.norm(to_camera)) > FACING_THRESHOLD
        if self.hidden is not None and self.shown.any():
            self.shown[self.shown] = ~self.hidden(np.asarray(self.points.points)[self.shown])
        width, height = renderer.GetSize()
        x0, y0 = renderer.GetOrigin()
        scale = float(np.clip(height / 800.0, 0.85, 3.0))  # legible in a small view
        gap = 5.0 * scale
        xy = world_to_display(renderer, self.points.points)
        for actor, (x, y), shown in zip(self.text_actors, xy, self.shown, strict=True):
            actor.SetVisibility(bool(shown))
            prop = actor.GetTextProperty()
            prop.SetFontSize(round(LABEL_FONT_SIZE * scale * self.font_scale))
            # text beside its point, toward the middle of the view, so edge labels stay on screen
            if x - x0 > 0.6 * width:
                prop.SetJustificationToRight()
                actor.SetPosition(x - x0 - gap, y - y0 + gap)
            else:
                prop.SetJustificationToLeft()
                actor.SetPosition(x - x0 + gap, y - y0 + gap)
        self._separate(gap)

    def label_boxes(self) -> dict[str, tuple[float, float, float, float]]:
        """The shown labels' boxes on screen: label -> (left, right, bottom, top), pixels
        from the view's bottom left, as laid out at the last render."""
        renderer = self.plotter.renderer
        boxes = {}
        for label, actor, shown in zip(self.labels, self.text_actors, self.shown, strict=True):
            if not (shown and actor.GetVisibility()):
                continue
            size = [0.0, 0.0]
            actor.GetSize(renderer, size)
            x, y = actor.GetPosition()
            right = actor.GetTextProperty().GetJustification() == 2
            left = x - size[0] if right else x
            boxes[label] = (left, left + size[0], y, y + size[1])
        return boxes

    def _separate(self, gap: float) -> None:
        """Move labels whose boxes overlap apart vertically (the lower one down, away from
        the top of the view where the workshop's band is), so close landmarks ("sacrum"
        beside "R PSIS" from behind) keep both names readable."""
        by_label = dict(zip(self.labels, self.text_actors, strict=True))
        for _ in range(3 * len(self.labels)):
            boxes = sorted(self.label_boxes().items(), key=lambda item: -item[1][3])
            moved = False
            for i, (_, (l0, r0, b0, t0)) in enumerate(boxes):
                for label, (l1, r1, b1, t1) in boxes[i + 1 :]:
                    if l1 < r0 and l0 < r1 and b1 < t0 and b0 < t1:
                        actor = by_label[label]
                        x, y = actor.GetPosition()
                        actor.SetPosition(x, y - (t1 - b0) - 0.3 * gap)
                        moved = True
                        break
                if moved:
                    break
            if not moved:
                return

    @property
    def shown_labels(self) -> list[str]:
        """The labels drawn from the current camera direction (when visible)."""
        return [label for label, shown in zip(self.labels, self.shown, strict=True) if shown]

    def set_visible(self, visible: bool) -> None:
        for actor, shown in zip(self.text_actors, self.shown, strict=True):
            actor.SetVisibility(bool(visible) and bool(shown))
        self.marker_actor.visibility = bool(visible)

    @property
    def visible(self) -> bool:
        return bool(self.marker_actor.visibility)

    @property
    def actors(self) -> list:
        return [*self.text_actors, self.marker_actor]
