"""Teaching overlays: trigger-point regions, their labels, and a self-care ball with spokes.

The regions come from :mod:`hipviz.io.trigger_points` (placed on the bones from the
data file). Everything is drawn in one saturated green that reads apart from both ends
of the length colours (blue, orange-red), from their grey centre and from the bone; the
spokes in a darker green that stands out on the bone; the ball is a pale, nearly clear
neutral glass so the muscles under it keep their colours.

Nothing is built until first shown (placing the regions takes a fraction of a second);
after that a pose change only sets each actor's body transform, in place.

The ball: there is no skin in the model, so the ball is placed on the line out of the
bone along the surface normal at the chosen trigger point, its centre
:data:`SOFT_TISSUE_MM` plus its radius from the bone: resting on the skin over the
point, with the gluteal muscles and fat between. The spokes are the strokes of the
routine, drawn on the bone surface around the point.
"""

from __future__ import annotations

import logging

import numpy as np
import pyvista as pv
from vtkmodules.vtkFiltersCore import vtkGlyph3D, vtkTubeFilter
from vtkmodules.vtkFiltersSources import vtkConeSource, vtkSphereSource
from vtkmodules.vtkRenderingCore import vtkTextActor

from hipviz.io.meshes import Bone
from hipviz.io.trigger_points import (
    BALL_CHOICES,
    BALL_DIAMETERS_MM,
    TriggerPoint,
    build_trigger_points,
    closest_on_surface,
    load_trigger_point_data,
)
from hipviz.render.muscle_layer import add_plain_actor
from hipviz.render.projection import world_to_display

log = logging.getLogger(__name__)

#: trigger points, their spokes and label boxes: a saturated green (CIELAB L* 72, a* -63,
#: b* 39), far from both ends of the length map and from its grey and the bone
OVERLAY_COLOUR = "#18c964"
LABEL_TEXT_COLOUR = "#06260f"
LABEL_BOX_COLOUR = "#d9f7e4"
LABEL_FONT_SIZE = 15
#: ball diameters, mm
BALLS = BALL_DIAMETERS_MM
#: a pale neutral glass ball: the muscles under it keep their length colours (a tinted
#: ball turned them olive), its highlight shows where it is
BALL_COLOUR = "#f4f4f0"
BALL_OPACITY = 0.2
BALL_SPECULAR = 0.7
#: skin-to-bone depth over the lateral hip assumed for placing the ball, mm: gluteus
#: medius and minimus plus a thin fat layer; a typical adult value, not a measurement
SOFT_TISSUE_MM = 25.0
#: spokes: count, where each starts and ends (mm from the point), how far outside bone
SPOKES = 8
SPOKE_FROM_MM = 10.0
SPOKE_TO_MM = 42.0
SPOKE_STEP_MM = 4.0
SPOKE_LIFT_MM = 2.0
SPOKE_RADIUS_MM = 2.2
ARROW_LENGTH_MM = 9.0
#: the spokes and their arrows: a dark green, the overlay's hue (the caption calls them "the
#: green arrows") but dark enough to stand out on the pale bone and the light green regions
SPOKE_COLOUR = "#0b6e37"
#: a label shows while (outward normal) . (direction to the camera) exceeds this: a
#: region seen edge-on or from behind is not named
FACING_THRESHOLD = 0.25


class OverlayLayer:
    """Trigger points, labels and the self-care ball of a scene; hidden until asked for.

    Parameters
    ----------
    plotter : pyvista.Plotter
    bones : dict of str to Bone
    paths : tuple of MusclePath
        Both sides' muscle paths (``HipModel.muscles.paths``), for placing the regions.
    transforms : dict of str to (4, 4) float
        The bodies' transforms at the start pose (``Solution.transforms``).
    """

    def __init__(self, plotter: pv.Plotter, bones: dict[str, Bone], paths, transforms):
        self.plotter = plotter
        self.bones = bones
        self.paths = paths
        self.transforms = {k: np.asarray(v, dtype=float) for k, v in transforms.items()}
        self.trigger_points_on = False
        self.labels_on = False
        self.ball = "none"
        self.ball_at: str | None = None
        self._points: tuple[TriggerPoint, ...] | None = None
        self._built = False
        self._ball_built_for: str | None = None
        self._observer = None

    # --- data ----------------------------------------------------------------------------
    @property
    def points(self) -> tuple[TriggerPoint, ...]:
        """Every trigger-point region (placed on first use)."""
        if self._points is None:
            self._points = build_trigger_points(load_trigger_point_data(), self.paths, self.bones)
        return self._points

    def point(self, tp_id: str) -> TriggerPoint:
        for tp in self.points:
            if tp.id == tp_id:
                return tp
        raise KeyError(
            f"unknown trigger point '{tp_id}'; known: {', '.join(tp.id for tp in self.points)}"
        )

    def room_centres(self) -> np.ndarray:
        """Each region's centre in the room at the current pose, (n, 3) mm."""
        return np.array([self._to_room(tp.body, tp.centre) for tp in self.points])

    def _to_room(self, body: str, point: np.ndarray) -> np.ndarray:
        t = self.transforms[body]
        return t[:3, :3] @ point + t[:3, 3]

    # --- building (once) -----------------------------------------------------------------
    def _build(self) -> None:
        if self._built:
            return
        self._built = True
        points = self.points
        bodies = tuple(dict.fromkeys(tp.body for tp in points))
        # one glyph actor per body: it moves with that body's transform, points never change
        self.region_actors = {}
        for body in bodies:
            mine = [tp for tp in points if tp.body == body]
            centres = pv.PolyData(np.array([tp.centre for tp in mine]))
            centres.point_data["radius"] = np.array([tp.radius_mm for tp in mine])
            sphere = vtkSphereSource()
            sphere.SetRadius(1.0)
            sphere.SetThetaResolution(20)
            sphere.SetPhiResolution(14)
            glyphs = vtkGlyph3D()
            glyphs.SetInputData(centres)
            glyphs.SetSourceConnection(sphere.GetOutputPort())
            glyphs.SetScaleModeToScaleByScalar()
            glyphs.SetInputArrayToProcess(0, 0, 0, 0, "radius")
            glyphs.SetScaleFactor(1.0)
            actor = self._add(glyphs, f"trigger_points {body}")
            actor.prop.ambient = 0.35  # stays green in the shadowed side of the bone
            self.region_actors[body] = actor
        self.text_actors = [self._text(tp.label) for tp in points]
        for actor, tp in zip(self.text_actors, points, strict=True):
            self.plotter.add_actor(
                actor,
                reset_camera=False,
                name=f"trigger label {tp.id}",
                pickable=False,
                render=False,
            )
        # the ball and its spokes: geometry written when a ball is placed
        sphere = vtkSphereSource()
        sphere.SetRadius(1.0)
        sphere.SetThetaResolution(40)
        sphere.SetPhiResolution(30)
        self.ball_actor = self._add(sphere, "selfcare_ball")
        self.ball_actor.prop.color = BALL_COLOUR
        self.ball_actor.prop.opacity = BALL_OPACITY
        self.ball_actor.prop.specular = BALL_SPECULAR
        self.ball_actor.prop.specular_power = 30.0
        self.spokes = pv.PolyData()
        tubes = vtkTubeFilter()
        tubes.SetInputData(self.spokes)
        tubes.SetRadius(SPOKE_RADIUS_MM)
        tubes.SetNumberOfSides(10)
        tubes.CappingOn()
        self.spoke_actor = self._add(tubes, "selfcare_spokes")
        self.arrow_tips = pv.PolyData()
        cone = vtkConeSource()
        cone.SetHeight(ARROW_LENGTH_MM)
        cone.SetRadius(ARROW_LENGTH_MM * 0.45)
        cone.SetResolution(16)
        cone.SetCenter(ARROW_LENGTH_MM / 2, 0.0, 0.0)  # the base sits on the spoke's end
        arrows = vtkGlyph3D()
        arrows.SetInputData(self.arrow_tips)
        arrows.SetSourceConnection(cone.GetOutputPort())
        arrows.SetVectorModeToUseVector()
        arrows.OrientOn()
        arrows.ScalingOff()
        self.arrow_actor = self._add(arrows, "selfcare_arrows")
        for actor in (self.spoke_actor, self.arrow_actor):
            actor.prop.color = SPOKE_COLOUR
        for actor in (self.ball_actor, self.spoke_actor, self.arrow_actor):
            actor.visibility = False
        # labels are 2D text beside their projected points, placed at the start of a render
        self._observer = self.plotter.renderer.AddObserver("StartEvent", self._place)
        self._apply_transforms()
        self._show()

    def _add(self, source, name: str) -> pv.Actor:
        return add_plain_actor(self.plotter, source, OVERLAY_COLOUR, name)

    @staticmethod
    def _text(label: str) -> vtkTextActor:
        actor = vtkTextActor()
        actor.SetInput(f" {label} ")
        prop = actor.GetTextProperty()
        prop.SetFontFamilyToArial()
        prop.SetBold(True)
        prop.SetColor(pv.Color(LABEL_TEXT_COLOUR).float_rgb)
        prop.SetBackgroundColor(pv.Color(LABEL_BOX_COLOUR).float_rgb)
        prop.SetBackgroundOpacity(0.9)
        prop.SetFrameColor(pv.Color(OVERLAY_COLOUR).float_rgb)
        prop.SetFrame(True)
        prop.SetVerticalJustificationToBottom()
        actor.SetVisibility(False)
        return actor

    def _write_ball(self, tp: TriggerPoint) -> None:
        """Place the ball and draw the spokes around ``tp`` (in its body's neutral frame)."""
        n = tp.normal
        u = np.cross(n, [0.0, 1.0, 0.0])
        if np.linalg.norm(u) < 0.3:  # a normal nearly vertical: take another reference
            u = np.cross(n, [1.0, 0.0, 0.0])
        u /= np.linalg.norm(u)
        v = np.cross(n, u)
        bone = self.bones[tp.bone]
        radii = np.arange(SPOKE_FROM_MM, SPOKE_TO_MM + 1e-9, SPOKE_STEP_MM)
        angles = np.arange(SPOKES) * 2.0 * np.pi / SPOKES
        flat = np.array(
            [tp.surface + r * (np.cos(a) * u + np.sin(a) * v) for a in angles for r in radii]
        )
        # each spoke follows the bone: its points set just outside the surface under them
        surface, normals = closest_on_surface(bone.vertices, bone.faces, flat)
        on_bone = (surface + SPOKE_LIFT_MM * normals).reshape(SPOKES, len(radii), 3)
        facing = (normals @ n).reshape(SPOKES, len(radii)) > 0.2  # not round a rim
        points, lines, tips, directions = [], [], [], []
        for spoke, keep in zip(on_bone, facing, strict=True):
            k = len(keep) if keep.all() else int(np.argmin(keep))
            if k < 2:
                continue
            start = len(points)
            points.extend(spoke[:k])
            lines.append(np.concatenate([[k], np.arange(start, start + k)]))
            tips.append(spoke[k - 1])
            directions.append(spoke[k - 1] - spoke[k - 2])
        self.spokes.points = np.array(points)
        self.spokes.lines = np.concatenate(lines)
        self.spokes.Modified()
        self.arrow_tips.points = np.array(tips)
        self.arrow_tips.point_data["vectors"] = np.array(directions)
        self.arrow_tips.point_data.active_vectors_name = "vectors"
        self.arrow_tips.Modified()
        self._ball_built_for = tp.id

    def ball_centre(self, room: bool = True) -> np.ndarray | None:
        """The ball's centre, mm (room frame at the current pose, or the body's neutral frame)."""
        if self.ball == "none" or self.ball_at is None:
            return None
        tp = self.point(self.ball_at)
        radius = BALLS[self.ball] / 2.0
        centre = tp.surface + (SOFT_TISSUE_MM + radius) * tp.normal
        return self._to_room(tp.body, centre) if room else centre

    # --- public --------------------------------------------------------------------------
    def update(self, transforms: dict[str, np.ndarray]) -> None:
        """Follow the bodies (4x4 neutral-to-room transforms); nothing is rebuilt."""
        self.transforms = {k: np.asarray(v, dtype=float) for k, v in transforms.items()}
        if self._built:
            self._apply_transforms()

    def _apply_transforms(self) -> None:
        for body, actor in self.region_actors.items():
            actor.user_matrix = self.transforms[body]
        if self.ball_at is not None and self.ball != "none":
            tp = self.point(self.ball_at)
            t = self.transforms[tp.body]
            place = np.eye(4)
            place[:3, :3] *= BALLS[self.ball] / 2.0
            place[:3, 3] = self.ball_centre(room=False)
            self.ball_actor.user_matrix = t @ place
            self.spoke_actor.user_matrix = t
            self.arrow_actor.user_matrix = t

    def set_trigger_points_visible(self, visible: bool) -> None:
        """Show or hide the trigger-point regions (and their labels, if labels are on)."""
        self.trigger_points_on = bool(visible)
        if visible:
            self._build()
        self._show()

    def set_labels_visible(self, visible: bool) -> None:
        """Name each trigger point (shown while the regions are shown)."""
        self.labels_on = bool(visible)
        if visible:
            self._build()
        self._show()

    def set_ball(self, ball: str, at: str | None = None) -> None:
        """Show a ``"tennis"``, ``"racquetball"`` or ``"baseball"`` at a trigger point.

        ``ball="none"`` hides it; ``at`` is a trigger-point id such as
        ``"right.gluteus_minimus_anterior_trp"`` (kept when not given).
        """
        if ball not in BALL_CHOICES:
            raise ValueError(f"unknown ball '{ball}'; allowed: {', '.join(BALL_CHOICES)}")
        at = self.ball_at if at is None else at
        if ball != "none":
            if at is None:
                raise ValueError("say where the ball goes: a trigger-point id")
            self.point(at)  # a clear KeyError for an unknown id
        self.ball, self.ball_at = ball, at
        if ball != "none":
            self._build()
            if self._ball_built_for != at:
                self._write_ball(self.point(at))
            self._apply_transforms()
        self._show()

    def _show(self) -> None:
        if not self._built:
            return
        for actor in self.region_actors.values():
            actor.visibility = self.trigger_points_on
        ball = self.ball != "none"
        for actor in (self.ball_actor, self.spoke_actor, self.arrow_actor):
            actor.visibility = ball
        if not (self.trigger_points_on and self.labels_on):
            for tp, actor in zip(self.points, self.text_actors, strict=True):
                actor.SetVisibility(ball and tp.id == self.ball_at)

    def _place(self, *_) -> None:
        if not (self.trigger_points_on and self.labels_on) and self.ball == "none":
            return
        renderer = self.plotter.renderer
        camera = renderer.GetActiveCamera()
        to_camera = np.subtract(camera.GetPosition(), camera.GetFocalPoint())
        to_camera /= np.linalg.norm(to_camera)
        width, height = renderer.GetSize()
        x0, y0 = renderer.GetOrigin()
        scale = float(np.clip(height / 800.0, 0.85, 3.0))
        gap = 7.0 * scale
        xy = world_to_display(renderer, self.room_centres())
        line_px = round(LABEL_FONT_SIZE * scale) * 1.45
        # labels go outward, away from the middle of the view, and are stacked so that none
        # covers another: right half to the right, left half to the left, top to bottom
        placed: dict[bool, list[float]] = {True: [], False: []}
        order = np.argsort(-xy[:, 1])
        for i in order:
            tp, actor, (x, y) = self.points[i], self.text_actors[i], xy[i]
            normal = self.transforms[tp.body][:3, :3] @ tp.normal
            worked = self.ball != "none" and tp.id == self.ball_at
            shown = worked or (
                self.trigger_points_on
                and self.labels_on
                and bool(normal @ to_camera > FACING_THRESHOLD)
            )
            actor.SetVisibility(shown)
            if not shown:
                continue
            prop = actor.GetTextProperty()
            prop.SetFontSize(round(LABEL_FONT_SIZE * scale))
            right = x - x0 > 0.5 * width
            ty = y - y0 + gap
            for other in placed[right]:
                if abs(ty - other) < line_px:
                    ty = other - line_px
            placed[right].append(ty)
            placed[right].sort(reverse=True)
            if right:
                prop.SetJustificationToLeft()
                actor.SetPosition(x - x0 + gap, ty)
            else:
                prop.SetJustificationToRight()
                actor.SetPosition(x - x0 - gap, ty)
            self._keep_inside(actor, width, height, gap)

    def _keep_inside(self, actor: vtkTextActor, width: int, height: int, gap: float) -> None:
        """Slide a label back into the view when its box would run off an edge."""
        size = [0.0, 0.0]
        actor.GetSize(self.plotter.renderer, size)
        w, h = size
        x, y = actor.GetPosition()
        left_justified = actor.GetTextProperty().GetJustification() == 0
        left = x if left_justified else x - w
        shift = max(gap / 2 - left, 0.0) or min(width - gap / 2 - (left + w), 0.0)
        y = float(np.clip(y, gap / 2, max(height - gap / 2 - h, gap / 2)))
        actor.SetPosition(x + shift, y)

    @property
    def shown_labels(self) -> list[str]:
        """The trigger-point labels drawn in the last render."""
        if not self._built:
            return []
        return [
            tp.label
            for tp, a in zip(self.points, self.text_actors, strict=True)
            if a.GetVisibility()
        ]

    @property
    def actors(self) -> list:
        if not self._built:
            return []
        return [
            *self.region_actors.values(),
            *self.text_actors,
            self.ball_actor,
            self.spoke_actor,
            self.arrow_actor,
        ]
