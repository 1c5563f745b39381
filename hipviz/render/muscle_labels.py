"""Muscle names in the view: one label per muscle and side, pinned beside the muscle with a
leader line, and the isolated (clicked) muscle's name in large type.

Built once (a text actor per muscle and side, one 2D line set for the leaders, one text
actor for the large name); at the start of each render the labels are laid out again on
screen (:func:`hipviz.render.label_layout.place_labels`) so that they follow the pose and
the camera without overlapping each other, the landmark names, the legend or the muscles.

A label's leader ends on a point of its muscle that the bones do not hide from the camera
(:class:`hipviz.render.occlusion.BoneOcclusion`); a muscle the bones hide entirely is
not named. While the user drags, the point found on the last still frame is reused, so
a drag frame costs only the layout.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pyvista as pv
from vtkmodules.vtkRenderingCore import vtkActor2D, vtkPolyDataMapper2D, vtkTextActor

from hipviz.core.pose import SIDES
from hipviz.names import GROUP_LABELS, group_of, isolated_label
from hipviz.render.label_layout import place_labels, sample_polylines
from hipviz.render.landmarks import boxed_text
from hipviz.render.projection import world_to_display

log = logging.getLogger(__name__)

#: label font size at a view 800 pixels high (it scales with the view's height)
LABEL_FONT_SIZE = 19
#: the isolated muscle's name, same rule
NAME_FONT_SIZE = 34
TEXT_COLOUR = "#ffffff"
BOX_COLOUR = "#18202a"
BOX_OPACITY = 0.82
#: leader colours on a dark and on a light background
LEADER_ON_DARK = "#e8edf2"
LEADER_ON_LIGHT = "#18202a"
#: points tried along each path for a label's anchor (the ends sit on the bone)
ANCHOR_SAMPLES = 9
#: a label whose muscle lies this much farther from the camera than the same muscle of the
#: other side (mm; the hips are about 170 mm apart) says its side: from the side, the far
#: hip's "Piriformis" would read as a second one of the near hip's
FAR_SIDE_MM = 100.0
#: where the name in large type sits: pixels from the view's top left, at 800 high
NAME_MARGIN_PX = 14


def _text_actor(bold: bool = True) -> vtkTextActor:
    return boxed_text(TEXT_COLOUR, BOX_COLOUR, BOX_OPACITY, bold)


def _along(line: np.ndarray, fractions: np.ndarray) -> np.ndarray:
    """Points at ``fractions`` (k,) of the arc length of ``line`` (m, 3), (k, 3)."""
    steps = np.linalg.norm(np.diff(line, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(steps)])
    if s[-1] <= 0:
        return np.repeat(line[:1], len(fractions), axis=0)
    return np.column_stack([np.interp(fractions * s[-1], s, line[:, k]) for k in range(3)])


def text_box(actor: vtkTextActor, renderer) -> tuple[float, float, float, float]:
    """A text actor's box as drawn: (left, bottom, right, top), viewport pixels."""
    size = [0.0, 0.0]
    actor.GetSize(renderer, size)
    x, y = actor.GetPosition()
    prop = actor.GetTextProperty()
    share = (0.0, 0.5, 1.0)  # left / centred / right, bottom / centred / top
    left = x - size[0] * share[prop.GetJustification()]
    bottom = y - size[1] * share[prop.GetVerticalJustification()]
    return (left, bottom, left + size[0], bottom + size[1])


def label_specs(
    keys: tuple[str, ...],
    polylines: list[np.ndarray],
    shown: np.ndarray,
    isolated: str | None = None,
) -> list[dict]:
    """The muscle labels of a surface that lays them out itself (the handout's page): one
    per muscle and side with a shown path, in the order of the sides and the groups.

    Parameters
    ----------
    keys : tuple of str
        Path keys (``"right.piriformis"``, ...).
    polylines : list of (m, 3) float
        Each path's points in the room, mm.
    shown : (n,) bool
        Which paths are drawn.
    isolated : str, optional
        The isolated path: only its muscle is labelled.

    Returns
    -------
    list of dict
        ``{"key": "right.gluteus_medius", "text": "Gluteus medius", "anchor": [x, y, z],
        "members": ["right.gluteus_medius_anterior", ...]}``; the anchor is half-way along
        the middle one of the muscle's shown paths, ``members`` are those paths.
    """
    groups: dict[tuple[str, str], list[int]] = {}
    for i, key in enumerate(keys):
        if not shown[i] or (isolated is not None and key != isolated):
            continue
        side, muscle = key.split(".")
        groups.setdefault((side, group_of(muscle)), []).append(i)
    order = {s: k for k, s in enumerate(SIDES)}
    out = []
    for (side, group), members in sorted(groups.items(), key=lambda e: order.get(e[0][0], 9)):
        middle = members[len(members) // 2]
        anchor = _along(np.asarray(polylines[middle], dtype=float), np.array([0.5]))[0]
        out.append(
            {
                "key": f"{side}.{group}",
                "text": GROUP_LABELS[group],
                "anchor": [round(float(v), 2) for v in anchor],
                "members": [keys[i] for i in members],
            }
        )
    return out


class MuscleLabels:
    """Labels of a :class:`~hipviz.render.muscle_layer.MuscleLayer`'s muscles.

    Parameters
    ----------
    plotter : pyvista.Plotter
    layer : MuscleLayer
        Whose paths (points, visibility, style) are named.
    hidden : callable, optional
        ``hidden(points (n, 3)) -> (n,) bool``: which room points the bones hide now; all
        are seen when not given.
    fixed_boxes : callable, optional
        ``fixed_boxes() -> list of (left, bottom, right, top)``: boxes already on screen
        (viewport pixels) that labels keep off.
    """

    def __init__(
        self,
        plotter: pv.Plotter,
        layer,
        hidden: Callable[[np.ndarray], np.ndarray] | None = None,
        fixed_boxes: Callable[[], list] | None = None,
    ):
        self.plotter = plotter
        self.layer = layer
        self.hidden = hidden
        self.fixed_boxes = fixed_boxes
        # one label per muscle (group) and side, in the order of SIDES and of the groups
        entries: dict[tuple[str, str], list[int]] = {}
        for i, key in enumerate(layer.keys):
            side, muscle = key.split(".")
            entries.setdefault((side, group_of(muscle)), []).append(i)
        order = {s: k for k, s in enumerate(SIDES)}
        self.entries = sorted(entries.items(), key=lambda e: order.get(e[0][0], len(order)))
        self.texts = [GROUP_LABELS[group] for (_, group), _ in self.entries]
        self.text_actors = [_text_actor() for _ in self.entries]
        for actor, text in zip(self.text_actors, self.texts, strict=True):
            actor.SetInput(f" {text} ")  # the spaces pad the backing box
            plotter.add_actor(actor, reset_camera=False, pickable=False, render=False)
        n = len(self.entries)
        self.leader_lines = pv.PolyData(
            np.zeros((2 * n, 3)),
            lines=np.column_stack([np.full(n, 2), np.arange(2 * n).reshape(n, 2)]).ravel(),
        )
        mapper = vtkPolyDataMapper2D()
        mapper.SetInputData(self.leader_lines)
        mapper.ScalarVisibilityOff()
        self.leader_actor = vtkActor2D()
        self.leader_actor.SetMapper(mapper)
        self.leader_actor.GetProperty().SetColor(pv.Color(LEADER_ON_DARK).float_rgb)
        plotter.add_actor(self.leader_actor, reset_camera=False, pickable=False, render=False)
        self.name_actor = _text_actor()
        plotter.add_actor(self.name_actor, reset_camera=False, pickable=False, render=False)
        #: the labels' size relative to the desk's (workshop mode sets it larger)
        self.font_scale = 1.0
        #: ``top_band() -> pixels`` kept free at the top of the view (the workshop's title
        #: band); the large name goes under it
        self.top_band: Callable[[], float] | None = None
        #: when True (a drag), the anchors found on the last still frame are reused
        self.interactive = False
        self.visible = False
        self.isolated: str | None = None
        self.shown = np.zeros(n, dtype=bool)
        self.boxes = np.zeros((n, 4))
        #: per label, (path index, fraction along it) of its anchor on the last still frame
        self._anchors: list[tuple[int, float] | None] = [None] * n
        #: what the anchors were found for: (camera, paths shown, the path arrays drawn);
        #: a frame with the same (a hover's outline) does not test the bones again
        self._anchors_for: list = [None] * n
        self._apply_visibility()
        # after the landmark labels and the legend (priority 0) are laid out: their boxes
        # are obstacles here
        plotter.renderer.AddObserver("StartEvent", self._place, -1.0)

    # --- public ------------------------------------------------------------------------------
    def set_visible(self, visible: bool) -> None:
        """Show or hide the pinned labels (the large name follows :meth:`set_isolated`)."""
        self.visible = bool(visible)
        self._apply_visibility()

    def set_isolated(self, key: str | None) -> None:
        """Name ``key`` in large type (``None``: no name); only its muscle keeps its label."""
        if key is not None and key not in self.layer.keys:
            raise KeyError(f"unknown muscle path '{key}'; known: {', '.join(self.layer.keys)}")
        self.isolated = key
        self.name_actor.SetInput(f" {isolated_label(key)} " if key is not None else "")
        self._apply_visibility()

    def forget_anchors(self) -> None:
        """Find the anchors again at the next still frame (the bones' opacity changed)."""
        self._anchors_for = [None] * len(self.entries)

    def set_leader_colour(self, colour) -> None:
        """Leader lines' colour: light on a dark background, dark on a light one."""
        self.leader_actor.GetProperty().SetColor(pv.Color(colour).float_rgb)

    @property
    def actors(self) -> list:
        return [*self.text_actors, self.leader_actor, self.name_actor]

    def label_boxes(self) -> dict[str, tuple[float, float, float, float]]:
        """The shown labels as laid out at the last render: ``"right.gluteus_medius"`` ->
        (left, right, bottom, top), viewport pixels from the bottom left."""
        out = {}
        for ((side, group), _), box, on, actor in zip(
            self.entries, self.boxes, self.shown, self.text_actors, strict=True
        ):
            if on and actor.GetVisibility():
                out[f"{side}.{group}"] = (box[0], box[2], box[1], box[3])
        return out

    @property
    def shown_labels(self) -> list[str]:
        """The texts of the labels drawn at the last render."""
        return [
            a.GetInput().strip()
            for on, a in zip(self.shown, self.text_actors, strict=True)
            if on and a.GetVisibility()
        ]

    # --- drawing -----------------------------------------------------------------------------
    def _apply_visibility(self) -> None:
        for actor, on in zip(self.text_actors, self.shown, strict=True):
            actor.SetVisibility(self.visible and bool(on))
        self.leader_actor.SetVisibility(self.visible)
        self.name_actor.SetVisibility(self.isolated is not None)

    def _scale(self) -> float:
        height = self.plotter.renderer.GetSize()[1]
        return float(np.clip(height / 800.0, 0.85, 3.0)) * self.font_scale

    def _place(self, *_) -> None:
        renderer = self.plotter.renderer
        width, height = renderer.GetSize()
        if width <= 0 or height <= 0:
            return
        x0, y0 = renderer.GetOrigin()
        scale = self._scale()
        if self.isolated is not None:
            prop = self.name_actor.GetTextProperty()
            prop.SetVerticalJustificationToTop()
            margin = NAME_MARGIN_PX * scale
            font = round(NAME_FONT_SIZE * scale)
            prop.SetFontSize(font)
            size = [0.0, 0.0]
            self.name_actor.GetSize(renderer, size)
            room = width - 2 * margin
            if size[0] > room > 0:  # a small view: smaller, but whole
                prop.SetFontSize(max(8, int(font * room / size[0])))
            band = float(self.top_band()) if self.top_band is not None else 0.0
            self.name_actor.SetPosition(margin, height - band - margin)
        if not self.visible:
            return
        layer = self.layer
        lines = layer.polylines
        isolated = layer.keys.index(self.isolated) if self.isolated is not None else None
        n = len(self.entries)
        anchors = np.zeros((n, 3))
        wanted = np.zeros(n, dtype=bool)
        camera = renderer.GetActiveCamera()
        view = (camera.GetPosition(), camera.GetFocalPoint(), camera.GetViewUp())
        for k, (_, members) in enumerate(self.entries):
            shown = [i for i in members if layer.is_visible(layer.keys[i])]
            if isolated is not None:
                shown = [i for i in shown if i == isolated]
            if not shown:
                self._anchors[k] = None
                continue
            found = self._anchors[k]
            was = self._anchors_for[k]
            same = (
                was is not None
                and was[:2] == (view, tuple(shown))
                and all(lines[i] is a for i, a in zip(shown, was[2], strict=True))
            )
            if not (self.interactive or same):
                found = self._find_anchor(shown, lines)
                self._anchors[k] = found
                self._anchors_for[k] = (view, tuple(shown), [lines[i] for i in shown])
            if found is None or found[0] not in shown:
                continue
            anchors[k] = _along(lines[found[0]], np.array([found[1]]))[0]
            wanted[k] = True
        self._name_far_sides(anchors, wanted)
        self.shown = np.zeros(n, dtype=bool)
        if wanted.any():
            origin = np.array([x0, y0], dtype=float)
            screen = world_to_display(renderer, anchors[wanted]) - origin
            sizes = []
            for k in np.flatnonzero(wanted):
                prop = self.text_actors[k].GetTextProperty()
                prop.SetFontSize(round(LABEL_FONT_SIZE * scale))
                size = [0.0, 0.0]
                self.text_actors[k].GetSize(renderer, size)
                sizes.append(size)
            # the drawn muscles, projected in one go, as samples a box must not cover
            drawn = [lines[i] for i in range(len(lines)) if layer.is_visible(layer.keys[i])]
            radius_px = self._tube_px(renderer, anchors[wanted])
            obstacles = None
            if drawn:
                flat = world_to_display(renderer, np.vstack(drawn)) - origin
                split = np.split(flat, np.cumsum([len(p) for p in drawn])[:-1])
                obstacles = sample_polylines(split, spacing=max(3.0, 0.8 * radius_px))
            fixed = list(self.fixed_boxes()) if self.fixed_boxes is not None else []
            if self.isolated is not None:
                size = [0.0, 0.0]
                self.name_actor.GetSize(renderer, size)
                nx, ny = self.name_actor.GetPosition()
                fixed.append((nx, ny - size[1], nx + size[0], ny))
            layout = place_labels(
                screen,
                np.array(sizes),
                (width, height),
                obstacles=obstacles,
                obstacle_radius=radius_px,
                fixed=np.array(fixed, dtype=float).reshape(-1, 4),
                gap=5.0 * scale,
            )
            for j, k in enumerate(np.flatnonzero(wanted)):
                self.shown[k] = layout.shown[j]
                self.boxes[k] = layout.boxes[j]
                self.text_actors[k].SetPosition(*layout.boxes[j][:2])
            points = np.zeros((2 * n, 3))
            points[:, :2] = -100.0  # unused leaders: off screen
            for j, k in enumerate(np.flatnonzero(wanted)):
                if layout.shown[j]:
                    points[2 * k : 2 * k + 2, :2] = layout.leaders[j]
        else:
            points = np.full((2 * n, 3), -100.0)
        self.leader_lines.points[:] = points
        self.leader_lines.GetPoints().Modified()
        self.leader_lines.Modified()
        self.leader_actor.GetProperty().SetLineWidth(max(1.0, 1.6 * scale))
        self._apply_visibility()

    def _name_far_sides(self, anchors: np.ndarray, wanted: np.ndarray) -> None:
        """Add the side to a label whose muscle is the far one of a pair seen from the side."""
        camera = self.plotter.renderer.GetActiveCamera()
        eye = np.asarray(camera.GetPosition(), dtype=float)
        ahead = np.asarray(camera.GetFocalPoint(), dtype=float) - eye
        depth = (anchors - eye) @ (ahead / np.linalg.norm(ahead))
        where = {key: k for k, (key, _) in enumerate(self.entries)}
        for k, ((side, group), _) in enumerate(self.entries):
            text = self.texts[k]
            partner = next(
                (where[(s, group)] for s in SIDES if s != side and (s, group) in where), None
            )
            if (
                partner is not None
                and wanted[k]
                and wanted[partner]
                and depth[k] - depth[partner] > FAR_SIDE_MM
            ):
                text = f"{text} ({side})"
            actor = self.text_actors[k]
            if actor.GetInput() != f" {text} ":
                actor.SetInput(f" {text} ")

    def _tube_px(self, renderer, points: np.ndarray) -> float:
        """Half the drawn width of a muscle near ``points``, pixels."""
        if self.layer.style != "tubes":
            return 0.5 * float(self.layer.line_actor.prop.line_width) + 1.0
        radius = float(self.layer.tube_filter.GetRadius())
        camera = renderer.GetActiveCamera()
        centre = np.asarray(points).mean(axis=0)
        up = np.asarray(camera.GetViewUp(), dtype=float)
        ends = world_to_display(renderer, np.array([centre, centre + radius * up]))
        return float(np.linalg.norm(ends[1] - ends[0])) + 2.0

    def _find_anchor(self, shown: list[int], lines: list[np.ndarray]) -> tuple[int, float] | None:
        """A point of the paths ``shown`` the bones do not hide, near the middle of the
        seen part (on screen): (path index, fraction of its length)."""
        fractions = np.linspace(0.0, 1.0, ANCHOR_SAMPLES + 2)[1:-1]
        candidates = [(i, f) for i in shown for f in fractions]
        points = np.vstack([_along(lines[i], fractions) for i in shown])
        seen = ~self.hidden(points) if self.hidden is not None else np.ones(len(points), bool)
        if not seen.any():
            return None
        screen = world_to_display(self.plotter.renderer, points[seen])
        middle = np.median(screen, axis=0)
        best = int(np.argmin(np.linalg.norm(screen - middle, axis=1)))
        return candidates[int(np.flatnonzero(seen)[best])]


__all__ = ["MuscleLabels", "label_specs", "text_box"]
