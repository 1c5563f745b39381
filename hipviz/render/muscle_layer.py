"""Muscle paths on a pyvista plotter: tubes or thin lines, attachments, highlight, legend.

Each compartment is drawn as its fan of fibres (:mod:`hipviz.core.fibres`): every fibre a
line of its own, coloured by its own length change or moment arm, with a tube radius
shared by its muscle's fibres (the muscle's PCSA, :func:`hipviz.core.fibres.radius_scale`).
Showing, hiding, highlighting and picking act on compartments; the compartment's numbers
are its central fibre's.

Every actor is built once. A pose change only writes new point coordinates and length
changes into the arrays the VTK pipelines read (one polyline data set holding all paths
-> ``vtkTubeFilter`` -> mapper) and marks them modified; nothing is removed or re-added.

The paths are coloured by their length change (the default) or by one moment arm
(:meth:`MuscleLayer.set_colour_by`): each is a point array of its own with a lookup table
of its own, and switching only points the mappers at the other pair.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pyvista as pv
from vtkmodules.vtkFiltersCore import vtkGlyph3D, vtkTubeFilter
from vtkmodules.vtkFiltersSources import vtkSphereSource
from vtkmodules.vtkRenderingCore import vtkPolyDataMapper

from hipviz.render.colours import (
    COLOUR_SCALES,
    DEFAULT_LIMIT_PCT,
    DEFAULT_MOMENT_ARM_RANGE_MM,
    N_COLOURS,
    diverging_colormap,
    rgb_uint8,
)
from hipviz.render.legend import Legend
from hipviz.render.projection import distance_to_polyline, world_to_display

log = logging.getLogger(__name__)

#: tube radius of the thickest fibres (gluteus medius), mm; other muscles' fibres are
#: thinner by their PCSA (a real gluteus medius is far thicker; this keeps the bones visible)
TUBE_RADIUS_MM = 2.5
#: radius of the wrap arcs and via-point corners as drawn: rounded, never a sharp hook
ARC_SAMPLES = 16
CORNER_MM = 6.0
#: what the tube thickness means, for the legend
THICKNESS_NOTE = "Tube thickness: muscle size (cross-sectional area, PCSA)"
#: the point array of the tube radius, mm
RADIUS = "radius_mm"
TUBE_SIDES = 14
#: while dragging (:meth:`MuscleLayer.set_light`): tube sides, points per wrap arc and
#: per rounded corner (a frame with about as many triangles as before the fans)
DRAG_TUBE_SIDES = 6
DRAG_ARC_SAMPLES = 8
DRAG_CORNER_SAMPLES = 5
#: thin-line mode width, pixels
LINE_WIDTH_PX = 3.0
#: attachment sphere radius, mm (a compartment's own path ends; the footprints show the areas)
ATTACHMENT_RADIUS_MM = 2.4
ATTACHMENT_COLOUR = "#1d2731"
#: highlight: a wider tube drawn with its front faces culled, so only a rim shows round the
#: muscle; its radius, mm, for each muscle style
HIGHLIGHT_RADIUS_MM = {"tubes": 4.6, "lines": 2.0}
HIGHLIGHT_COLOUR = "#ffe14d"
#: opacity of the other muscles while one is isolated (clicked): faded, still in place
FADED_OPACITY = 0.15
SCALARS = "change_pct"
#: the point array of the moment arm coloured by (NaN while colouring by length), mm
MOMENT_ARM_SCALARS = "moment_arm_mm"


def lookup_table(limit: float, colour_by: str = "length") -> pv.LookupTable:
    """The lookup table of a colouring (:data:`~hipviz.render.colours.COLOUR_SCALES`) over
    ``-limit .. +limit`` (% for the length change, mm for a moment arm)."""
    lut = pv.LookupTable()
    rgba = np.full((N_COLOURS, 4), 255, dtype=np.uint8)
    rgba[:, :3] = rgb_uint8(diverging_colormap(N_COLOURS, colour_by))
    lut.values = rgba
    lut.scalar_range = (-limit, limit)
    return lut


def sphere_glyphs(points: pv.PolyData, radius_mm: float) -> vtkGlyph3D:
    """A sphere of ``radius_mm`` at each point (a marker); follows the points' changes."""
    sphere = vtkSphereSource()
    sphere.SetRadius(radius_mm)
    sphere.SetThetaResolution(16)
    sphere.SetPhiResolution(12)
    glyphs = vtkGlyph3D()
    glyphs.SetInputData(points)
    glyphs.SetSourceConnection(sphere.GetOutputPort())
    return glyphs


def add_plain_actor(plotter: pv.Plotter, source, colour: str, name: str) -> pv.Actor:
    """An unpickable, one-colour, Phong-shaded actor fed by a VTK algorithm's output.

    Parameters
    ----------
    plotter : pyvista.Plotter
    source : vtkAlgorithm
        Its output port feeds the mapper, so changing the source's input updates the actor.
    colour : str
        Any colour pyvista accepts.
    name : str
        Actor name in the plotter.
    """
    mapper = vtkPolyDataMapper()
    mapper.SetInputConnection(source.GetOutputPort())
    mapper.ScalarVisibilityOff()
    actor = pv.Actor(mapper=mapper)
    actor.prop.color = colour
    actor.prop.interpolation = "phong"
    actor.prop.specular = 0.3
    plotter.add_actor(actor, reset_camera=False, name=name, pickable=False, render=False)
    return actor


class MuscleLayer:
    """The muscle actors of a scene.

    Parameters
    ----------
    plotter : pyvista.Plotter
    keys : sequence of str
        Compartment keys (``"right.piriformis"``, ...).
    polylines : list of (m, 3) float
        Each drawn line's points in the room (from ``MuscleSet.polylines``), at the start
        pose: one per compartment, or one per fibre with ``owner``.
    change_pct : (n_lines,) float
        Length change of each line, % of neutral.
    limit_pct : float, default: 10.0
        Half-width of the symmetric colour range.
    owner : (n_lines,) int, optional
        Each line's compartment (index into ``keys``); default: line i is compartment i.
    central : (n_compartments,) int, optional
        Each compartment's central line (its own numbers); default: ``arange``.
    radius_scale : (n_lines,) float, optional
        Each line's tube radius as a fraction of the tube radius; default: all 1.
    drag : (n_lines,) bool, optional
        The lines still drawn while the user drags (:meth:`set_light`); default: all.
    """

    def __init__(
        self,
        plotter: pv.Plotter,
        keys: Sequence[str],
        polylines: list[np.ndarray],
        change_pct: np.ndarray,
        limit_pct: float = DEFAULT_LIMIT_PCT,
        owner: np.ndarray | None = None,
        central: np.ndarray | None = None,
        radius_scale: np.ndarray | None = None,
        drag: np.ndarray | None = None,
    ):
        self.plotter = plotter
        self.keys = tuple(keys)
        n = len(polylines)
        self.owner = np.arange(n) if owner is None else np.asarray(owner, dtype=int)
        self.central = np.arange(len(self.keys)) if central is None else np.asarray(central)
        self.radius_scale = np.ones(n) if radius_scale is None else np.asarray(radius_scale)
        self._radius_mm = TUBE_RADIUS_MM
        self._drag = np.ones(n, dtype=bool) if drag is None else np.asarray(drag, dtype=bool)
        #: True while dragging: only the ``drag`` lines, with fewer tube sides
        self.light = False
        self.limit_pct = float(limit_pct)
        self.style = "tubes"
        self.highlighted: str | None = None
        #: the path drawn alone at full strength, the others faded (``None``: all alike)
        self.isolated: str | None = None
        self._visible = np.ones(len(self.keys), dtype=bool)
        self._attachments_on = True
        self._polylines = [np.asarray(p, dtype=float) for p in polylines]
        self._change = np.asarray(change_pct, dtype=float).copy()
        self.lut = lookup_table(self.limit_pct)
        #: what the colours show: a key of :data:`~hipviz.render.colours.COLOUR_SCALES`
        self.colour_by = "length"
        self.moment_arm_range_mm = DEFAULT_MOMENT_ARM_RANGE_MM
        self._arms = np.full(n, np.nan)  # each line's coloured moment arm, mm
        self.moment_arm_lut = lookup_table(self.moment_arm_range_mm, "moment_arm_rotation")

        self.lines = pv.PolyData()
        self._write_lines(rebuild=True)
        self.tube_filter, self.tube_actor, self.line_actor = self._add_fibres(self.lines, "muscle")
        self.line_actor.visibility = False

        self.attachments = pv.PolyData()
        self._write_attachments(rebuild=True)
        glyphs = sphere_glyphs(self.attachments, 1.0)
        glyphs.SetScaleModeToScaleByScalar()
        glyphs.SetInputArrayToProcess(0, 0, 0, 0, "scale")  # hidden muscles' spheres get size 0
        glyphs.SetScaleFactor(ATTACHMENT_RADIUS_MM)
        self.attachment_actor = self._add_plain(glyphs, ATTACHMENT_COLOUR, "muscle_attachments")

        self.highlight_line = pv.PolyData()
        self._write_highlight(rebuild=True)
        self.halo_filter = vtkTubeFilter()
        self.halo_filter.SetInputData(self.highlight_line)
        self.halo_filter.SetRadius(HIGHLIGHT_RADIUS_MM[self.style])
        self.halo_filter.SetNumberOfSides(TUBE_SIDES)
        self.halo_filter.CappingOn()
        self.highlight_actor = self._add_plain(
            self.halo_filter, HIGHLIGHT_COLOUR, "muscle_highlight"
        )
        self.highlight_actor.prop.culling = "front"
        self.highlight_actor.prop.lighting = False
        self.highlight_actor.visibility = False

        # the isolated compartment's fibres: their own copy of the arrays, drawn opaque over
        # the faded rest
        self.focus_line = pv.PolyData()
        self._write_focus(rebuild=True)
        self.focus_filter, self.focus_tube_actor, self.focus_line_actor = self._add_fibres(
            self.focus_line, "muscle_focus"
        )
        self._show_focus()

        self.legend = Legend(plotter, self.limit_pct)
        if len(np.unique(np.round(self.radius_scale, 6))) > 1:  # thickness carries meaning
            self.legend.set_note(THICKNESS_NOTE)

    # --- building (once) ---------------------------------------------------------------------
    def _add_fibres(
        self, lines: pv.PolyData, name: str
    ) -> tuple[vtkTubeFilter, pv.Actor, pv.Actor]:
        """Tubes and thin lines of ``lines``, coloured: (tube filter, tube actor, line actor)."""
        tubes = vtkTubeFilter()
        tubes.SetInputData(lines)
        tubes.SetRadius(TUBE_RADIUS_MM)
        # each fibre's radius from the point array RADIUS (the lines' active scalars; the
        # colours come from named arrays, so this does not touch them)
        tubes.SetVaryRadiusToVaryRadiusByAbsoluteScalar()
        tubes.SetNumberOfSides(TUBE_SIDES)
        tubes.CappingOn()
        tubes.SidesShareVerticesOn()
        tube_actor = self._add_coloured(tubes, f"{name}_tubes")
        line_actor = self._add_coloured(lines, f"{name}_lines")
        line_actor.prop.line_width = LINE_WIDTH_PX
        line_actor.prop.lighting = False
        return tubes, tube_actor, line_actor

    def _add_coloured(self, source, name: str) -> pv.Actor:
        mapper = vtkPolyDataMapper()
        if isinstance(source, pv.DataSet):
            mapper.SetInputData(source)
        else:
            mapper.SetInputConnection(source.GetOutputPort())
        mapper.SetScalarModeToUsePointFieldData()
        mapper.SelectColorArray(SCALARS)
        mapper.SetLookupTable(self.lut)
        mapper.UseLookupTableScalarRangeOn()
        mapper.ScalarVisibilityOn()
        actor = pv.Actor(mapper=mapper)
        actor.prop.interpolation = "phong"
        actor.prop.ambient = 0.2
        actor.prop.diffuse = 0.8
        actor.prop.specular = 0.3
        actor.prop.specular_power = 25.0
        self.plotter.add_actor(actor, reset_camera=False, name=name, pickable=False, render=False)
        return actor

    def _add_plain(self, source, colour: str, name: str) -> pv.Actor:
        return add_plain_actor(self.plotter, source, colour, name)

    # --- arrays (written in place) -----------------------------------------------------------
    def _write_lines(self, rebuild: bool = False) -> None:
        counts = np.array([len(p) for p in self._polylines])
        points = np.vstack(self._polylines)
        arrays = {
            SCALARS: np.repeat(self._change, counts),
            MOMENT_ARM_SCALARS: np.repeat(self._arms, counts),
            RADIUS: np.repeat(self._radius_mm * self.radius_scale, counts),
        }
        if rebuild or len(points) != self.lines.n_points:
            # the number of points changed (a wrap engaged): same data set, new arrays
            self._counts = counts
            self.lines.points = points
            for name, values in arrays.items():
                self.lines.point_data[name] = values
            self.lines.point_data.active_scalars_name = RADIUS
            self._write_connectivity()
        else:
            if not np.array_equal(counts, self._counts):
                self._counts = counts
                self._write_connectivity()
            self.lines.points[:] = points
            self.lines.GetPoints().Modified()
            for name, values in arrays.items():
                self.lines.point_data[name][:] = values
                self.lines.GetPointData().GetArray(name).Modified()
        self.lines.Modified()

    def _write_connectivity(self) -> None:
        starts = np.concatenate([[0], np.cumsum(self._counts)[:-1]])
        drawn = self._shown_lines()
        if self.isolated is not None:  # drawn by its own actors, not under the faded rest
            drawn &= self.owner != self.keys.index(self.isolated)
        cells = [
            np.concatenate([[n], np.arange(s, s + n)])
            for n, s, shown in zip(self._counts, starts, drawn, strict=True)
            if shown
        ]
        self.lines.lines = np.concatenate(cells) if cells else np.empty(0, dtype=int)

    def _shown_lines(self) -> np.ndarray:
        shown = self._visible[self.owner]
        return shown & self._drag if self.light else shown

    @property
    def drawn_while_light(self) -> np.ndarray:
        """(n_lines,) bool: the lines drawn while dragging."""
        return self._drag.copy()

    def set_light(self, light: bool) -> None:
        """While dragging (``True``): draw only the ``drag`` lines (each compartment's
        central fibre) with :data:`DRAG_TUBE_SIDES` sides, so a drag frame costs no more
        than before the fans; ``False`` draws every fibre again, exactly as before."""
        light = bool(light)
        if light == self.light:
            return
        self.light = light
        for tubes in (self.tube_filter, self.focus_filter):
            tubes.SetNumberOfSides(DRAG_TUBE_SIDES if light else TUBE_SIDES)
        self._write_connectivity()
        self.lines.Modified()
        self._write_highlight()
        self._write_focus()

    def _attachment_points(self) -> np.ndarray:
        return np.array([self._polylines[c][i] for c in self.central for i in (0, -1)])

    def _write_attachments(self, rebuild: bool = False) -> None:
        points = self._attachment_points()
        scale = np.repeat(self._visible & self._attachments_on, 2).astype(float)
        if rebuild:
            self.attachments.points = points
            self.attachments.point_data["scale"] = scale
        else:
            self.attachments.points[:] = points
            self.attachments.point_data["scale"][:] = scale
            self.attachments.GetPoints().Modified()
            self.attachments.GetPointData().GetArray("scale").Modified()
        self.attachments.Modified()

    def _lines_of(self, key: str | None) -> np.ndarray:
        """Indices of the lines drawn now for compartment ``key`` (``None``: the first)."""
        mine = self.owner == (self.keys.index(key) if key is not None else 0)
        return np.flatnonzero(mine & self._drag if self.light else mine)

    def _write_subset(self, data: pv.PolyData, lines: np.ndarray, rebuild: bool) -> bool:
        """Write ``lines``' points into ``data`` (its own copy; cells rebuilt when their
        lengths change); True when the arrays must be set anew."""
        counts = [len(self._polylines[i]) for i in lines]
        points = np.vstack([self._polylines[i] for i in lines])
        starts = np.cumsum([0, *counts[:-1]])
        cells = np.concatenate(
            [np.r_[n, np.arange(s, s + n)] for n, s in zip(counts, starts, strict=True)]
        )
        if rebuild or len(points) != data.n_points or not np.array_equal(cells, data.lines):
            data.points = points
            data.lines = cells
            return True
        data.points[:] = points
        data.GetPoints().Modified()
        return False

    def _write_highlight(self, rebuild: bool = False) -> None:
        self._write_subset(self.highlight_line, self._lines_of(self.highlighted), rebuild)
        self.highlight_line.Modified()

    def _write_focus(self, rebuild: bool = False) -> None:
        lines = self._lines_of(self.isolated)
        counts = [len(self._polylines[i]) for i in lines]
        arrays = {
            SCALARS: np.repeat(self._change[lines], counts),
            MOMENT_ARM_SCALARS: np.repeat(self._arms[lines], counts),
            RADIUS: np.repeat(self._radius_mm * self.radius_scale[lines], counts),
        }
        if self._write_subset(self.focus_line, lines, rebuild):
            for name, values in arrays.items():
                self.focus_line.point_data[name] = values
            self.focus_line.point_data.active_scalars_name = RADIUS
        else:
            for name, values in arrays.items():
                self.focus_line.point_data[name][:] = values
                self.focus_line.GetPointData().GetArray(name).Modified()
        self.focus_line.Modified()

    def _show_focus(self) -> None:
        key = self.isolated
        on = key is not None and self.is_visible(key)
        self.focus_tube_actor.visibility = on and self.style == "tubes"
        self.focus_line_actor.visibility = on and self.style == "lines"
        opacity = FADED_OPACITY if key is not None else 1.0
        for actor in (self.tube_actor, self.line_actor, self.attachment_actor):
            actor.prop.opacity = opacity

    def set_isolated(self, key: str | None) -> None:
        """Draw path ``key`` alone at full strength and fade the others (``None``: none)."""
        if key is not None:
            self._index(key)
        if key == self.isolated:
            return
        self.isolated = key
        self._write_connectivity()
        self.lines.Modified()
        self._write_focus()
        self._show_focus()

    # --- public ------------------------------------------------------------------------------
    def update(
        self,
        polylines: list[np.ndarray],
        change_pct: np.ndarray,
        moment_arms: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        """New line points (the order given at construction) and length changes (%); in
        place.

        ``moment_arms`` (``Solution.moment_arms_mm``, or ``FibreValues.moment_arms_mm`` when
        drawing fibres) is needed while colouring by a moment arm and not read otherwise
        (the model computes them only when asked).
        """
        # a line given as None (not drawn while dragging) keeps its last points
        self._polylines = [
            old if p is None else np.asarray(p, dtype=float)
            for old, p in zip(self._polylines, polylines, strict=True)
        ]
        self._change = np.asarray(change_pct, dtype=float).copy()
        self._take_moment_arms(moment_arms)
        self._write_lines()
        self._write_attachments()
        self._write_highlight()
        if self.isolated is not None:
            self._write_focus()

    @property
    def polylines(self) -> list[np.ndarray]:
        """Each compartment's (central fibre's) points as currently drawn, (m, 3) mm."""
        return [self._polylines[i] for i in self.central]

    @property
    def fibre_polylines(self) -> list[np.ndarray]:
        """Every drawn line's points (each fibre), (m, 3) mm."""
        return list(self._polylines)

    @property
    def change_pct(self) -> np.ndarray:
        """Each compartment's (central fibre's) length change as currently coloured, %."""
        return self._change[self.central].copy()

    @property
    def fibre_change_pct(self) -> np.ndarray:
        """Every drawn line's length change as currently coloured, %."""
        return self._change.copy()

    def set_style(self, style: str) -> None:
        """``"tubes"`` (shaded, 2.5 mm radius) or ``"lines"`` (thin, unlit)."""
        if style not in ("tubes", "lines"):
            raise ValueError(f"muscle style must be 'tubes' or 'lines', got '{style}'")
        self.style = style
        self.tube_actor.visibility = style == "tubes"
        self.line_actor.visibility = style == "lines"
        self.halo_filter.SetRadius(HIGHLIGHT_RADIUS_MM[style])
        self._show_focus()

    def set_tube_radius(self, radius_mm: float) -> None:
        """Tube radius of the thickest fibres, mm (default :data:`TUBE_RADIUS_MM`; thicker
        reads better on a projector); the others keep their proportion."""
        if not radius_mm > 0:
            raise ValueError(f"tube radius must be a positive number of mm, got {radius_mm}")
        self._radius_mm = float(radius_mm)
        self.tube_filter.SetRadius(self._radius_mm)
        self.focus_filter.SetRadius(self._radius_mm)
        self._write_lines()
        self._write_focus()

    def set_limit(self, limit_pct: float) -> None:
        """Colour range ``-limit_pct .. +limit_pct`` (% of neutral), shared by the legend."""
        if not limit_pct > 0:
            raise ValueError(f"colour range must be a positive percentage, got {limit_pct}")
        self.limit_pct = float(limit_pct)
        self.lut.scalar_range = (-self.limit_pct, self.limit_pct)
        if self.colour_by == "length":
            self.legend.set_limit(self.limit_pct)

    def set_colour_by(
        self, colour_by: str, moment_arms: Mapping[str, np.ndarray] | None = None
    ) -> None:
        """Colour by the length change (``"length"``) or by one moment arm
        (``"moment_arm_rotation"``, ``"moment_arm_abduction"``, ``"moment_arm_flexion"``).

        ``moment_arms`` (``Solution.moment_arms_mm`` of the pose drawn) is needed for a
        moment arm. The legend follows.
        """
        if colour_by not in COLOUR_SCALES:
            raise ValueError(f"cannot colour by '{colour_by}'; allowed: {', '.join(COLOUR_SCALES)}")
        previous = self.colour_by
        self.colour_by = colour_by
        try:
            self._take_moment_arms(moment_arms)
        except ValueError:
            self.colour_by = previous
            raise
        if COLOUR_SCALES[colour_by].action is None:
            array, lut = SCALARS, self.lut
        else:
            array, lut = MOMENT_ARM_SCALARS, self.moment_arm_lut
        for actor in (
            self.tube_actor,
            self.line_actor,
            self.focus_tube_actor,
            self.focus_line_actor,
        ):
            actor.GetMapper().SelectColorArray(array)
            actor.GetMapper().SetLookupTable(lut)
        self._write_lines()
        self._write_focus()
        self.legend.set_scale(colour_by, self.colour_limit)

    def set_moment_arm_range(self, range_mm: float) -> None:
        """Colour range ``-range_mm .. +range_mm`` of a moment-arm colouring, mm."""
        if not range_mm > 0:
            raise ValueError(
                f"moment-arm colour range must be a positive number of mm, got {range_mm}"
            )
        self.moment_arm_range_mm = float(range_mm)
        self.moment_arm_lut.scalar_range = (-self.moment_arm_range_mm, self.moment_arm_range_mm)
        if self.colour_by != "length":
            self.legend.set_limit(self.moment_arm_range_mm)

    @property
    def colour_limit(self) -> float:
        """Half-width of the colour range now in use, in the colouring's unit (% or mm)."""
        return self.limit_pct if self.colour_by == "length" else self.moment_arm_range_mm

    @property
    def moment_arm_mm(self) -> np.ndarray:
        """Each compartment's (central fibre's) moment arm as currently coloured, mm (NaN
        while colouring by length)."""
        return self._arms[self.central].copy()

    def _take_moment_arms(self, moment_arms: Mapping[str, np.ndarray] | None) -> None:
        action = COLOUR_SCALES[self.colour_by].action
        if action is None:
            self._arms = np.full(len(self.owner), np.nan)
        elif moment_arms is None or action not in moment_arms:
            raise ValueError(
                f"colouring by the {action} moment arm needs the solution's moment arms"
            )
        else:
            self._arms = np.asarray(moment_arms[action], dtype=float).copy()

    def set_visible(self, key: str, visible: bool) -> None:
        """Show or hide one path (its tube or line, its attachments and its highlight)."""
        i = self._index(key)
        if self._visible[i] == bool(visible):
            return
        self._visible[i] = bool(visible)
        self._write_connectivity()
        self.lines.Modified()
        self._write_attachments()
        self._show_highlight()
        self._show_focus()

    def is_visible(self, key: str) -> bool:
        return bool(self._visible[self._index(key)])

    def set_attachments_visible(self, visible: bool) -> None:
        self._attachments_on = bool(visible)
        self._write_attachments()

    def set_legend_visible(self, visible: bool) -> None:
        self.legend.set_visible(visible)

    def set_highlight(self, key: str | None) -> None:
        """Outline one path (``None``: none)."""
        if key is not None:
            self._index(key)
        self.highlighted = key
        self._write_highlight()
        self._show_highlight()

    def _show_highlight(self) -> None:
        key = self.highlighted
        self.highlight_actor.visibility = key is not None and self.is_visible(key)

    def _index(self, key: str) -> int:
        try:
            return self.keys.index(key)
        except ValueError:
            raise KeyError(f"unknown muscle path '{key}'; known: {', '.join(self.keys)}") from None

    def pick(self, renderer, x: float, y: float, tolerance_px: float = 8.0) -> str | None:
        """The visible path drawn nearest display point (x, y) (VTK pixels, origin bottom left).

        Returns ``None`` when no path's centre line passes within ``tolerance_px``.
        Occlusion by bone is ignored: the paths run over the bones' surfaces.
        """
        shown = list(np.flatnonzero(self._shown_lines()))
        if not shown:
            return None
        # one projection for all points (this runs on every mouse move)
        screen = world_to_display(renderer, np.vstack([self._polylines[i] for i in shown]))
        ends = np.cumsum([len(self._polylines[i]) for i in shown])[:-1]
        where = np.array([x, y], dtype=float)
        distances = [distance_to_polyline(line, where) for line in np.split(screen, ends)]
        best = int(np.argmin(distances))
        return self.keys[self.owner[shown[best]]] if distances[best] <= tolerance_px else None

    def set_legend_colours(self, text, panel) -> None:
        self.legend.set_colours(text, panel)

    @property
    def actors(self) -> list:
        return [
            self.tube_actor,
            self.line_actor,
            self.attachment_actor,
            self.highlight_actor,
            self.focus_tube_actor,
            self.focus_line_actor,
            *self.legend.actors,
        ]
