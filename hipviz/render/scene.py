"""The 3D scene (pyvista only, no Qt): bones built once, updated in place, screenshots."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyvista as pv
from vtkmodules.vtkCommonSystem import vtkTimerLog
from vtkmodules.vtkFiltersCore import vtkQuadricDecimation
from vtkmodules.vtkRenderingCore import vtkPolyDataMapper

from hipviz.core.fibres import muscle_of, radius_scale
from hipviz.core.muscles import CORNER_SAMPLES
from hipviz.core.pose import Pose
from hipviz.io.figure_files import png_bytes, write_atomically
from hipviz.io.kept_arrays import kept
from hipviz.io.meshes import BONE_BODIES, Bone
from hipviz.io.model_files import load_model
from hipviz.render.colours import COLOUR_SCALES, DEFAULT_LIMIT_PCT
from hipviz.render.footprints import FootprintLayer, footprint_patches, patches_key
from hipviz.render.landmarks import LandmarkLabels
from hipviz.render.muscle_labels import MuscleLabels, text_box
from hipviz.render.muscle_layer import (
    ARC_SAMPLES,
    CORNER_MM,
    DRAG_ARC_SAMPLES,
    DRAG_CORNER_SAMPLES,
    MuscleLayer,
)
from hipviz.render.occlusion import BoneOcclusion
from hipviz.render.overlay import OverlayLayer  # trigger points, self-care ball
from hipviz.render.views import DEFAULT_VIEW, VIEWS, camera_position
from hipviz.state import NAMES, DisplayState

if TYPE_CHECKING:
    from hipviz.core.model import HipModel, Solution

log = logging.getLogger(__name__)

BONE_COLOURS = {
    "pelvis_right": "#e8dcc4",
    "pelvis_left": "#e8dcc4",
    "sacrum": "#dccfb3",
    "femur_right": "#efe5d0",
    "femur_left": "#efe5d0",
}
BACKGROUND = ("#3b4654", "#141a21")  # bottom, top: a quiet slate gradient
#: background name (as in scene files) -> (bottom, top or None); "transparent" shows white
#: on screen and is transparent in saved images
BACKGROUNDS = {
    "slate": BACKGROUND,
    "white": ("white", None),
    "black": ("black", None),
    "transparent": ("white", None),
}
#: legend (text, panel) on the slate background, and on a transparent export (for paper)
LEGEND_ON_BACKGROUND = ("#eef2f6", "#18202a")
LEGEND_ON_TRANSPARENT = ("#1a1f24", "#ffffff")
#: bones while the user drags: this share of their triangles; full detail returns on release
DRAG_BONE_KEEP = 0.25
#: bones at least this opaque hide the names of what lies behind them
HIDING_OPACITY = 0.5

# VTK logs the start and end of every render step into a global event log nobody reads;
# with a system call per mark it costs a few per cent of a frame on a software renderer.
vtkTimerLog.LoggingOff()


def subscribe_weakly(model: HipModel, method: Callable[[Solution], None]) -> None:
    """Subscribe a bound method to a model without keeping its object alive.

    The model has no unsubscribe; a closed window or scene must not be kept (or drawn)
    by it, so the subscription lapses once the object is gone.
    """
    ref = weakref.WeakMethod(method)
    model.subscribe(lambda solution: (m := ref()) is not None and m(solution))


def bone_polydata(bone: Bone) -> pv.PolyData:
    """A pyvista surface with smooth point normals for one bone."""
    mesh = pv.PolyData.from_regular_faces(bone.vertices, bone.faces)
    return mesh.compute_normals(cell_normals=False, split_vertices=False, consistent_normals=False)


def drag_polydata(mesh: pv.PolyData, keep: float = DRAG_BONE_KEEP) -> pv.PolyData:
    """A lighter copy of a bone surface (with smooth point normals) for frames drawn while
    dragging.

    Quadric decimation (edge collapses that keep the shape and the enclosed volume) to
    ``keep`` of the triangles: the copy stays one closed surface, so a thin plate such as
    the iliac wing shows no holes. It takes 40-100 ms a bone: :meth:`HipScene.prepare_drag`
    makes them one at a time while the window is idle.
    """
    decimate = vtkQuadricDecimation()
    decimate.SetInputData(pv.PolyData(mesh.points, mesh.faces))  # the surface, no normals
    decimate.SetTargetReduction(1.0 - keep)
    decimate.VolumePreservationOn()
    decimate.Update()
    light = pv.wrap(decimate.GetOutput()).compute_normals(
        cell_normals=False, split_vertices=False, consistent_normals=False
    )
    # a collapse may fold a triangle over (one in thousands): turned back, so that two-sided
    # lighting does not draw it dark
    points, normals = np.asarray(light.points), np.asarray(light.point_data["Normals"])
    faces = np.asarray(light.faces).reshape(-1, 4)[:, 1:].copy()
    a, b, c = (points[faces[:, k]] for k in range(3))
    folded = (np.cross(b - a, c - a) * normals[faces].sum(axis=1)).sum(axis=1) < 0
    if folded.any():
        faces[folded] = faces[folded][:, ::-1]
        light.faces = np.column_stack([np.full(len(faces), 3), faces]).ravel()
    return light


class HipScene:
    """Bones, muscles and landmark labels on a pyvista plotter; actors are built once.

    Parameters
    ----------
    plotter : pyvista.Plotter
        Any plotter: off-screen, or pyvistaqt's ``QtInteractor``.
    bones : dict of str to Bone
        The five bones from :func:`hipviz.io.meshes.load_bones`.
    model : HipModel, optional
        Draw its muscles, place the bones from its pose and follow its changes (the
        scene subscribes to it). Without a model only the neutral bones are drawn.
    landmarks : dict, optional
        From :func:`hipviz.io.meshes.load_landmarks`; enables :meth:`set_landmarks_visible`.
    colour_limit_pct : float, default: 10.0
        Half-width of the symmetric length-change colour range, % of neutral (when no
        ``state`` is given).
    state : DisplayState, optional
        What to show and how; the scene applies it now and follows its changes. A new
        one (the defaults) when not given. The setters below change it.
    """

    def __init__(
        self,
        plotter: pv.Plotter,
        bones: dict[str, Bone],
        model: HipModel | None = None,
        landmarks: dict[str, dict] | None = None,
        colour_limit_pct: float = DEFAULT_LIMIT_PCT,
        state: DisplayState | None = None,
    ):
        self.plotter = plotter
        self.model = model
        #: what is shown and how; the scene follows it (see :meth:`apply_state`)
        self.state = state if state is not None else DisplayState(colour_range_pct=colour_limit_pct)
        self._render_on_change = True
        #: called instead of ``plotter.render()`` when set: a GUI uses it to coalesce the
        #: renders of several changes into one per pass of its event loop
        self.render_hook: Callable[[], None] | None = None
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
                render=False,
            )
            for name, bone in bones.items()
        }
        self._bone_transforms: dict[str, np.ndarray] = {}  # as last placed
        #: True while the user drags (see :meth:`set_interactive`)
        self.interactive = False
        self._full_mappers = {name: actor.GetMapper() for name, actor in self.bone_actors.items()}
        self._drag_mappers: dict = {}  # name -> light mapper (see prepare_drag)
        self._fxaa_when_still = False
        self._watch_camera_drags()
        self.muscles: MuscleLayer | None = None
        #: which points the bones hide (for names), built on first use
        self.occlusion = BoneOcclusion(
            {name: mapper.GetInput() for name, mapper in self._full_mappers.items()}
        )
        self.footprints: FootprintLayer | None = None
        self._drawn: Solution | None = None  # the solution the muscles show
        self.landmarks = LandmarkLabels(plotter, landmarks) if landmarks is not None else None
        if self.landmarks is not None:
            self.landmarks.hidden = self.hidden_points
        #: muscle names pinned beside the muscles, and the isolated one's in large type
        self.muscle_labels: MuscleLabels | None = None
        # teaching overlays (hipviz/render/overlay.py): built when first shown
        self.overlay = (
            OverlayLayer(plotter, bones, model.muscles.paths, model.solution.transforms)
            if model is not None
            else None
        )
        if model is not None:
            solution = model.solution
            fibres = model.fibres
            self.muscles = MuscleLayer(
                plotter,
                solution.keys,
                self._fibre_lines(solution),
                model.fibre_values(solution).change_pct,
                colour_limit_pct,
                owner=fibres.owner,
                central=fibres.central,
                radius_scale=radius_scale(fibres),
                drag=fibres.drag_lines(),
            )
            self.muscle_labels = MuscleLabels(
                plotter, self.muscles, hidden=self.hidden_points, fixed_boxes=self._label_obstacles
            )
            patches = kept(
                "footprints",
                patches_key(bones, fibres),
                lambda: footprint_patches(bones, fibres),
            )
            self.footprints = FootprintLayer(plotter, patches, solution.transforms)
            self.update(solution, render=False)
            subscribe_weakly(model, self.update)
        self._apply(NAMES)  # the whole state, once
        ref = weakref.WeakMethod(self._on_state)  # the state must not keep a closed scene
        self.state.connect(lambda names: (m := ref()) is not None and m(names), changing=True)

    def render(self) -> None:
        """Render now, or ask :attr:`render_hook` to."""
        if self.closed:
            return
        (self.render_hook or self.plotter.render)()

    # --- names in the view ---------------------------------------------------------------------
    def hidden_points(self, points: np.ndarray) -> np.ndarray:
        """Which room points (n, 3) the bones hide from the camera now, (n,) bool; none
        while the bones are see-through (below :data:`HIDING_OPACITY`)."""
        points = np.asarray(points, dtype=float).reshape(-1, 3)
        if self.state.bone_opacity < HIDING_OPACITY:
            return np.zeros(len(points), dtype=bool)
        camera = self.plotter.renderer.GetActiveCamera()
        parallel = None
        if camera.GetParallelProjection():
            parallel = -np.asarray(camera.GetDirectionOfProjection(), dtype=float)
        return self.occlusion.hidden(
            points,
            np.asarray(camera.GetPosition(), dtype=float),
            {name: self._bone_transforms.get(name, np.eye(4)) for name in self.bone_actors},
            parallel_direction=parallel,
        )

    def _label_obstacles(self) -> list[tuple[float, float, float, float]]:
        """Boxes on screen the muscle labels keep off: the landmark and trigger-point names
        and the legend."""
        boxes = []
        renderer = self.plotter.renderer
        overlay_texts = getattr(self.overlay, "text_actors", None) or []
        boxes += [text_box(a, renderer) for a in overlay_texts if a.GetVisibility()]
        if self.landmarks is not None and self.landmarks.visible:
            boxes += [(x0, y0, x1, y1) for x0, x1, y0, y1 in self.landmarks.label_boxes().values()]
        if self.muscles is not None and self.muscles.legend.visible:
            x0, x1, y0, y1, *_ = self.muscles.legend.panel_rect.GetBounds()
            boxes.append((x0, y0, x1, y1))
        return boxes

    # --- camera ----------------------------------------------------------------------------
    def set_view(self, name: str, render: bool = True) -> None:
        """Move the camera to a named view (see :data:`hipviz.render.views.VIEWS`)."""
        if name not in VIEWS:
            raise ValueError(f"unknown view '{name}'; allowed: {', '.join(VIEWS)}")
        self._set(render, lambda: self.state.set_view(name))

    @property
    def view(self) -> str:
        """The named view last set (kept when a saved camera is shown)."""
        return self.state.view

    def viewport_aspect(self) -> float:
        """Width / height of the 3D picture (the renderer's viewport, not the whole window)."""
        w, h = self.plotter.window_size
        x0, y0, x1, y1 = self.plotter.renderer.GetViewport()
        w, h = w * (x1 - x0), h * (y1 - y0)
        return w / h if w > 0 and h > 0 else 1.6  # a widget not yet shown has no size

    def apply_camera(self, render: bool = True) -> None:
        """Place the camera as the state says: its explicit camera, else its named view
        framed for :meth:`viewport_aspect` (call again after the viewport changed)."""
        camera = self.state.camera
        if camera is not None:
            self.plotter.camera_position = [list(v) for v in camera]
        else:
            self.plotter.camera_position = camera_position(
                self.state.view, self.plotter.camera.view_angle, aspect=self.viewport_aspect()
            )
        self.plotter.reset_camera_clipping_range()
        if render:
            self.render()

    # --- pose ------------------------------------------------------------------------------
    def set_bone_transform(self, name: str, transform: np.ndarray) -> None:
        """Place a bone with a 4x4 transform (in place: no new actor)."""
        self.bone_actors[name].user_matrix = transform
        self._bone_transforms[name] = np.array(transform, dtype=float)

    def update(self, solution: Solution, render: bool = True) -> None:
        """Show a model solution: bone placement, muscle paths and colours, labels; in place.

        The camera does not move.
        """
        if self.closed:
            return
        for name in self.bone_actors:
            transform = solution.transforms[BONE_BODIES[name]]
            if not np.array_equal(self._bone_transforms.get(name), transform):  # a GT step
                self.set_bone_transform(name, transform)  # moves one femur, not the pelvis
        if self.muscles is not None and self.model is not None:
            self._drawn = solution
            # the moment arms cost a few more poses: only read while they are the colours
            values = self.model.fibre_values(solution)
            arms = values.moment_arms_mm if self.muscles.colour_by != "length" else None
            self.muscles.update(self._fibre_lines(solution), values.change_pct, arms)
        if self.footprints is not None:
            self.footprints.update(solution.transforms)
        if self.landmarks is not None:
            self.landmarks.update(solution.transforms)
        if self.overlay is not None:  # teaching overlays follow their bones
            self.overlay.update(solution.transforms)
        if render:
            self.render()

    def _fibre_lines(self, solution: Solution) -> list[np.ndarray]:
        """Every fibre as drawn: wrap arcs sampled densely, via-point corners rounded
        (more coarsely while dragging)."""
        light = self.interactive
        return self.model.fibres.muscles.polylines(
            solution.transforms,
            samples=DRAG_ARC_SAMPLES if light else ARC_SAMPLES,
            corner_mm=CORNER_MM,
            corner_samples=DRAG_CORNER_SAMPLES if light else CORNER_SAMPLES,
            # while dragging only the fibres drawn then; the others keep their last points
            only=self.muscles.drawn_while_light if light and self.muscles is not None else None,
        )

    @property
    def closed(self) -> bool:
        """The plotter was closed (pyvista drops its render window then)."""
        return self.plotter.render_window is None

    # --- level of detail ---------------------------------------------------------------------
    def set_interactive(self, interactive: bool, render: bool = True) -> None:
        """Draw lighter frames while the user drags a slider or the camera.

        On a software renderer a full frame (smooth edges by FXAA, every bone triangle)
        takes a large part of a second. While dragging, the bones are drawn with about a
        quarter of their triangles and without FXAA, and each compartment's fan by its
        central fibre only, in fewer-sided tubes; ``False`` (the release) brings full
        detail back, and the still picture is exactly as before. Pose, colours, camera
        and everything else are the same at both levels.
        """
        interactive = bool(interactive)
        if interactive == self.interactive or self.closed:
            return
        self.interactive = interactive
        if self.muscle_labels is not None:  # labels keep the points found while still
            self.muscle_labels.interactive = interactive
        renderer = self.plotter.renderer
        if interactive:
            self._fxaa_when_still = bool(renderer.GetUseFXAA())
            renderer.SetUseFXAA(False)
            mappers = self._bone_drag_mappers()
        else:
            renderer.SetUseFXAA(self._fxaa_when_still)
            mappers = self._full_mappers
        for name, actor in self.bone_actors.items():
            actor.SetMapper(mappers[name])
        if self.muscles is not None and self.model is not None:
            # a lighter fan too; the still frame draws it whole, as before the drag
            self.muscles.set_light(interactive)
            solution = self._drawn if self._drawn is not None else self.model.solution
            values = self.model.fibre_values(solution)
            arms = values.moment_arms_mm if self.muscles.colour_by != "length" else None
            self.muscles.update(self._fibre_lines(solution), values.change_pct, arms)
        if render and not interactive:  # the drag's next change renders the light frame
            self.render()

    def _watch_camera_drags(self) -> None:
        """Light frames while the mouse turns, pans or zooms the camera, too."""
        iren = getattr(self.plotter, "iren", None)
        if iren is None or not hasattr(iren, "add_observer"):
            return  # an off-screen plotter: nobody drags
        ref = weakref.ref(self)  # the interactor must not keep a closed scene alive
        iren.add_observer(
            "StartInteractionEvent",
            lambda *_: (scene := ref()) is not None and scene.set_interactive(True),
        )
        iren.add_observer(
            "EndInteractionEvent",
            lambda *_: (scene := ref()) is not None and scene.set_interactive(False),
        )

    def prepare_drag(self) -> bool:
        """Make the light copy of one more bone for drag frames; False once all are made.

        A GUI calls this while idle, one bone at a time (40-100 ms each), so that the
        first drag does not wait for all five.
        """
        if self.closed:
            return False
        for name, full in self._full_mappers.items():
            if name not in self._drag_mappers:
                mapper = vtkPolyDataMapper()
                mapper.SetInputData(drag_polydata(pv.wrap(full.GetInput())))
                mapper.ScalarVisibilityOff()
                self._drag_mappers[name] = mapper
                return True
        return False

    def _bone_drag_mappers(self) -> dict:
        while self.prepare_drag():
            pass
        return self._drag_mappers

    # --- the display state: one path from the state to the actors ---------------------------
    def _on_state(self, names: frozenset[str]) -> None:
        if self.closed:
            return
        self._apply(names)
        if self._render_on_change:
            self.render()

    def apply_state(self, render: bool = True) -> None:
        """Show every value of :attr:`state` again (the state's changes are applied as
        they happen; this is for a surface that changed underneath, e.g. its size)."""
        self._apply(NAMES)
        if render:
            self.render()

    def _apply(self, names: frozenset[str]) -> None:
        """Make the actors show the state's ``names``, in place: the one way they change."""
        s = self.state
        if "background" in names:
            bottom, top = BACKGROUNDS[s.background]
            self.plotter.set_background(bottom, top=top)
            light = s.background in ("white", "transparent")
            self.set_legend_colours(*(LEGEND_ON_TRANSPARENT if light else LEGEND_ON_BACKGROUND))
        if "bone_opacity" in names:
            for actor in self.bone_actors.values():
                actor.prop.opacity = s.bone_opacity
                # Unsorted translucent surfaces blend in drawing order; culling the back faces
                # leaves one layer per bone, which hides most ordering artefacts. (Depth
                # peeling would sort them properly but renders nothing on software OpenGL.)
                actor.prop.backface_culling = s.bone_opacity < 1.0
            if self.muscle_labels is not None:  # see-through bones hide no muscle part
                self.muscle_labels.forget_anchors()
        layer = self.muscles
        if layer is not None:
            if "colour_range_pct" in names:
                layer.set_limit(s.colour_range_pct)
            if "moment_arm_range_mm" in names:
                layer.set_moment_arm_range(s.moment_arm_range_mm)
            if "colour_by" in names and s.colour_by != layer.colour_by:
                arms = (
                    self.model.fibre_values(self.model.solution).moment_arms_mm
                    if s.colour_by != "length" and self.model is not None
                    else None
                )
                layer.set_colour_by(s.colour_by, arms)
            if "tubes" in names:
                layer.set_style("tubes" if s.tubes else "lines")
            if "muscles" in names:
                shown = set(s.muscles)
                for key in layer.keys:
                    layer.set_visible(key, key in shown)
            if "attachments" in names:
                layer.set_attachments_visible(s.attachments)
            if self.footprints is not None and names & {"muscles", "attachments", "isolated"}:
                # an isolated muscle's footprints alone, with the other muscles faded
                keys = [s.isolated] if s.isolated in s.muscles else s.muscles
                shown = {(k.split(".")[0], muscle_of(k.split(".")[1])) for k in keys}
                self.footprints.set_shown(shown, s.attachments)
            if "legend" in names:
                layer.set_legend_visible(s.legend)
            if "highlight" in names:
                layer.set_highlight(s.highlight)
            if "isolated" in names:
                layer.set_isolated(s.isolated)
                self.muscle_labels.set_isolated(s.isolated)
            if "muscle_labels" in names:
                self.muscle_labels.set_visible(s.muscle_labels)
        if "labels" in names:
            if self.landmarks is not None:
                self.landmarks.set_visible(s.labels)
            elif s.labels:
                log.warning("landmark labels asked for, but the scene has no landmarks")
        overlay_names = {"trigger_points", "trigger_point_labels", "ball", "ball_at"}
        if self.overlay is not None and names & overlay_names:
            self.overlay.set_trigger_points_visible(s.trigger_points)
            self.overlay.set_labels_visible(s.trigger_point_labels)
            self.overlay.set_ball(s.ball, s.ball_at)
        if names & {"view", "camera"}:
            self.apply_camera(render=False)

    def _set(self, render: bool, change) -> None:
        """Run ``change`` (which changes the state) with the scene rendering or not after it."""
        was, self._render_on_change = self._render_on_change, render
        try:
            change()
        finally:
            self._render_on_change = was

    def _update(self, render: bool, **values) -> None:
        self._set(render, lambda: self.state.update(**values))

    # --- appearance (each setter changes the state; the scene follows it) -------------------
    def set_bone_opacity(self, opacity: float, render: bool = True) -> None:
        """Bone opacity, 0.05 (nearly clear, muscles show through) to 1 (solid)."""
        if not 0.05 <= opacity <= 1.0:
            raise ValueError(f"bone opacity must be between 0.05 and 1, got {opacity}")
        self._update(render, bone_opacity=float(opacity))

    @property
    def bone_opacity(self) -> float:
        return self.state.bone_opacity

    def set_background(self, name: str, render: bool = True) -> None:
        """``"slate"`` (the default gradient), ``"white"``, ``"black"`` or ``"transparent"``."""
        if name not in BACKGROUNDS:
            raise ValueError(f"unknown background '{name}'; allowed: {', '.join(BACKGROUNDS)}")
        self._update(render, background=name)

    @property
    def background(self) -> str:
        return self.state.background

    def set_legend_colours(self, text, panel) -> None:
        """Legend text and panel colours (light on dark for the screen, dark on white for
        print); the muscle labels' leader lines take the text colour."""
        if self.muscles is not None:
            self.muscles.set_legend_colours(text, panel)
        if self.muscle_labels is not None:
            self.muscle_labels.set_leader_colour(text)

    def set_landmarks_visible(self, visible: bool, render: bool = True) -> None:
        """Show or hide the landmark labels (ASIS, PSIS, iliac crest, GT, sacrum)."""
        if self.landmarks is None:
            log.warning("no landmarks were given to the scene; cannot show labels")
            return
        self._update(render, labels=bool(visible))

    def _muscle_layer(self) -> MuscleLayer:
        if self.muscles is None:
            raise RuntimeError("this scene has no muscles (it was built without a model)")
        return self.muscles

    def set_muscle_style(self, style: str, render: bool = True) -> None:
        """``"tubes"`` or ``"lines"`` (thin-line mode)."""
        self._muscle_layer()
        if style not in ("tubes", "lines"):
            raise ValueError(f"muscle style must be 'tubes' or 'lines', got '{style}'")
        self._update(render, tubes=style == "tubes")

    def set_tube_radius(self, radius_mm: float, render: bool = True) -> None:
        """Muscle tube radius, mm (2.5 by default; workshop mode thickens them).

        How thick a surface draws, not what it shows: not part of the display state.
        """
        self._muscle_layer().set_tube_radius(radius_mm)
        if render:
            self.render()

    @property
    def tube_radius_mm(self) -> float:
        return float(self._muscle_layer().tube_filter.GetRadius())

    def set_line_width(self, width_px: float, render: bool = True) -> None:
        """Width of the thin-line muscle style, pixels (3 by default)."""
        if not width_px > 0:
            raise ValueError(f"line width must be a positive number of pixels, got {width_px}")
        self._muscle_layer().line_actor.prop.line_width = float(width_px)
        if render:
            self.render()

    @property
    def line_width_px(self) -> float:
        return float(self._muscle_layer().line_actor.prop.line_width)

    def set_colour_limit(self, limit_pct: float, render: bool = True) -> None:
        """Symmetric colour range ``±limit_pct`` % of neutral length (legend follows)."""
        self._muscle_layer()
        if not limit_pct > 0:
            raise ValueError(f"colour range must be a positive percentage, got {limit_pct}")
        self._update(render, colour_range_pct=float(limit_pct))

    def set_colour_by(self, colour_by: str, render: bool = True) -> None:
        """Colour the muscles by their length change (``"length"``, the default) or by one
        moment arm at the current pose (``"moment_arm_rotation"``, ``"moment_arm_abduction"``,
        ``"moment_arm_flexion"``); the legend follows, and so does every later pose."""
        self._muscle_layer()
        if colour_by not in COLOUR_SCALES:
            raise ValueError(f"cannot colour by '{colour_by}'; allowed: {', '.join(COLOUR_SCALES)}")
        if colour_by != "length" and self.model is None:
            raise ValueError(f"colouring by {colour_by} needs the solution's moment arms")
        self._update(render, colour_by=colour_by)

    @property
    def colour_by(self) -> str:
        """What the muscle colours show (see :meth:`set_colour_by`)."""
        return self._muscle_layer().colour_by

    def set_moment_arm_range(self, range_mm: float, render: bool = True) -> None:
        """Symmetric colour range ``±range_mm`` of the moment-arm colourings, mm (default 40)."""
        self._muscle_layer()
        if not range_mm > 0:
            raise ValueError(
                f"moment-arm colour range must be a positive number of mm, got {range_mm}"
            )
        self._update(render, moment_arm_range_mm=float(range_mm))

    @property
    def moment_arm_range_mm(self) -> float:
        return self._muscle_layer().moment_arm_range_mm

    def set_muscle_visible(self, key: str, visible: bool, render: bool = True) -> None:
        """Show or hide one muscle path, e.g. ``"right.piriformis"``."""
        self._muscle_layer().is_visible(key)  # a clear KeyError for an unknown path
        shown = set(self.state.muscles)
        shown = shown | {key} if visible else shown - {key}
        self._update(render, muscles=tuple(shown))

    def set_attachments_visible(self, visible: bool, render: bool = True) -> None:
        self._muscle_layer()
        self._update(render, attachments=bool(visible))

    def set_legend_visible(self, visible: bool, render: bool = True) -> None:
        self._muscle_layer()
        self._update(render, legend=bool(visible))

    def set_highlight(self, key: str | None, render: bool = True) -> None:
        """Outline one muscle path (``None`` for none)."""
        layer = self._muscle_layer()
        if key is not None:
            layer.is_visible(key)  # a clear KeyError for an unknown path
        self._update(render, highlight=key)

    def set_muscle_labels_visible(self, visible: bool, render: bool = True) -> None:
        """Pin each shown muscle's name beside it (with a leader line), or not."""
        self._muscle_layer()
        self._update(render, muscle_labels=bool(visible))

    def set_isolated(self, key: str | None, render: bool = True) -> None:
        """Draw one muscle path alone, the others faded, and name it in large type
        (``None``: all alike again)."""
        layer = self._muscle_layer()
        if key is not None:
            layer.is_visible(key)  # a clear KeyError for an unknown path
        self._update(render, isolated=key)

    def pick_muscle(self, x: float, y: float, tolerance_px: float = 8.0) -> str | None:
        """The muscle path drawn at display pixel (x, y) (origin bottom left), or ``None``."""
        if self.muscles is None:
            return None
        return self.muscles.pick(self.plotter.renderer, x, y, tolerance_px)

    # --- output ----------------------------------------------------------------------------
    def screenshot(self, path: Path | str | None = None, transparent: bool = False) -> np.ndarray:
        """Render and return the image, an (h, w, 3 or 4) uint8 array; save it if ``path`` is given.

        The camera stays where it is (call :meth:`set_view` first for a standard view).
        """
        self.plotter.render()  # pyvista grabs the last frame; make it the current state
        image = self.plotter.screenshot(transparent_background=transparent)
        if path is not None:  # through io/safe_save, like every file hipviz writes
            write_atomically(path, png_bytes(image))
        return image


def render_image(
    path: Path | str | None,
    bones: dict[str, Bone],
    view: str = DEFAULT_VIEW,
    size: tuple[int, int] = (1600, 1000),
    transparent: bool = False,
    settings: dict[str, float] | None = None,
    model: HipModel | None = None,
    muscles: bool = True,
    landmarks: dict[str, dict] | None = None,
    colour_limit_pct: float = DEFAULT_LIMIT_PCT,
) -> np.ndarray:
    """Render the scene off-screen (no display needed) and optionally save it as PNG.

    Parameters
    ----------
    path : Path or str or None
        PNG file to write; ``None`` only returns the image.
    bones : dict of str to Bone
    view : str, default: "anterior"
        A key of :data:`hipviz.render.views.VIEWS`.
    size : (int, int), default: (1600, 1000)
        Width and height, pixels.
    transparent : bool, default: False
        Transparent background (RGBA image); the legend text turns dark for a white page.
    settings : dict of str to float, optional
        Pose values such as ``{"right.gt_superior_mm": 8.0}``; raises
        :class:`hipviz.core.pose.PoseError` on a bad key or value.
    model : HipModel, optional
        The model to draw; loaded from the shipped data when needed and not given.
    muscles : bool, default: True
        Draw the muscles and their legend (needs the muscle data); ``False`` draws bones
        only, at neutral, and ignores ``settings``.
    landmarks : dict, optional
        Landmarks to label (from :func:`hipviz.io.meshes.load_landmarks`).
    colour_limit_pct : float, default: 10.0

    Returns
    -------
    (h, w, 3) or (h, w, 4) uint8
    """
    if muscles and model is None:
        model = load_model()
    if model is not None and settings:
        model.set_pose(Pose.from_dict(settings))
    plotter = pv.Plotter(off_screen=True, window_size=list(size))
    try:
        scene = HipScene(
            plotter,
            bones,
            model=model if muscles else None,
            landmarks=landmarks,
            colour_limit_pct=colour_limit_pct,
        )
        if landmarks is not None:
            scene.set_landmarks_visible(True, render=False)
        if transparent:
            # a gradient is drawn opaque; a plain white one blends edges toward the page
            scene.set_background("transparent", render=False)
        scene.set_view(view, render=False)
        return scene.screenshot(path, transparent=transparent)
    finally:
        plotter.close()
