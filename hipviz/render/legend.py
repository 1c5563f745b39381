"""The colour legend, laid out in pixels so it reads at a glance at any image size.

::

            Length change (% of neutral)
    shortened [=========================] lengthened
              -10    -5    0    5    10

Colouring by a moment arm swaps the bar's colours and the words (for example
"external rotator [====] internal rotator", ticks in mm); see
:data:`hipviz.render.colours.COLOUR_SCALES`.

Drawn with plain 2D actors (a panel, a colour bar, text) rather than VTK's scalar bar,
whose layout leaves the end words outside its box and crowds small windows. The layout
follows the window size (checked at the start of every render); text scales with height.
"""

from __future__ import annotations

import logging

import numpy as np
import pyvista as pv
from vtkmodules.vtkRenderingCore import vtkActor2D, vtkPolyDataMapper2D, vtkTextActor

from hipviz.formatting import number
from hipviz.render.colours import COLOUR_SCALES, N_COLOURS, diverging_colormap, rgb_uint8

log = logging.getLogger(__name__)

TITLE = COLOUR_SCALES["length"].title
SHORTENED_TEXT = COLOUR_SCALES["length"].negative
LENGTHENED_TEXT = COLOUR_SCALES["length"].positive
#: width of one character of the end words at the nominal font size, pixels (bold Arial,
#: lower case); the layout leaves this much room for them
END_CHAR_PX = 10.5
#: image height at which the legend has its nominal sizes, pixels
REFERENCE_HEIGHT_PX = 800
PANEL_OPACITY = 0.72
N_TICKS = 5
#: a line above the title saying what the tubes' thickness means, pixels at nominal size
NOTE_H = 22


def tick_values(limit_pct: float) -> np.ndarray:
    """The legend's tick values: ``-limit, -limit/2, 0, limit/2, limit``."""
    return np.linspace(-limit_pct, limit_pct, N_TICKS)


def tick_text(value: float) -> str:
    """A tick label: no decimals unless needed, a plus sign on lengthening."""
    text = number(value).rstrip("0").rstrip(".")
    text = "0" if text in ("-0", "0") else text
    return f"+{text}" if value > 0 else text


def layout(width: int, height: int, end_text_px: tuple[float, float] | None = None) -> dict:
    """Geometry (pixels, origin bottom left) and font sizes for a ``width`` x ``height`` image.

    Parameters
    ----------
    width, height : int
        Viewport size, pixels.
    end_text_px : (float, float), optional
        Widths of the left and right end words ("shortened", "lengthened") at the nominal
        size; estimated for those two when not given.

    Returns
    -------
    dict
        ``scale``, ``panel`` (x0, y0, x1, y1), ``bar`` (x0, y0, x1, y1), ``fonts``.
    """
    s = float(np.clip(height / REFERENCE_HEIGHT_PX, 0.5, 3.0))
    fonts = {
        "title": round(20 * s),
        "end": round(19 * s),
        "tick": round(16 * s),
        "note": round(16 * s),
    }
    if end_text_px is None:
        end_text_px = (len(SHORTENED_TEXT) * END_CHAR_PX, len(LENGTHENED_TEXT) * END_CHAR_PX)
    left_w, right_w = (w * s for w in end_text_px)
    gap, margin = 10 * s, 12 * s
    bar_w = float(
        np.clip(0.26 * width, 220 * s, max(width - left_w - right_w - 2 * (gap + margin) - 20, 40))
    )
    panel_w = left_w + right_w + bar_w + 2 * (gap + margin)
    panel_h = (96 + NOTE_H) * s
    x0, y0 = (width - panel_w) / 2, 8 * s
    bar_x0 = x0 + margin + left_w + gap
    bar_y0 = y0 + 34 * s
    return {
        "scale": s,
        "panel": (x0, y0, x0 + panel_w, y0 + panel_h),
        "bar": (bar_x0, bar_y0, bar_x0 + bar_w, bar_y0 + 24 * s),
        "fonts": fonts,
    }


class Legend:
    """The legend's actors on a plotter, built once; :meth:`set_limit` relabels the ticks and
    :meth:`set_scale` switches what the colours stand for.

    Parameters
    ----------
    plotter : pyvista.Plotter
    limit_pct : float
        The colour range is ``-limit_pct .. +limit_pct`` (in the scale's unit).
    """

    def __init__(self, plotter: pv.Plotter, limit_pct: float):
        self.plotter = plotter
        self.panel_rect = pv.PolyData(np.zeros((4, 3)), faces=[4, 0, 1, 2, 3])
        self.panel = self._actor2d(self.panel_rect)
        self.panel.GetProperty().SetOpacity(PANEL_OPACITY)
        # the colour bar: one quad per colour, coloured per cell
        n = N_COLOURS
        self.bar_strip = pv.PolyData(
            np.zeros((2 * (n + 1), 3)),
            faces=np.array([[4, 2 * i, 2 * i + 2, 2 * i + 3, 2 * i + 1] for i in range(n)]).ravel(),
        )
        self.bar_strip.cell_data.set_scalars(rgb_uint8(diverging_colormap(n)), "rgb")
        self.colour_by = "length"
        self.bar = self._actor2d(self.bar_strip)
        self.bar.GetMapper().SetScalarModeToUseCellData()
        self.bar.GetMapper().SetColorModeToDirectScalars()
        self.bar.GetMapper().ScalarVisibilityOn()
        self.title = self._text(TITLE, bold=True)
        # the end words: "shortened" and "lengthened" until :meth:`set_scale` names others
        self.shortened = self._text(SHORTENED_TEXT, bold=True)
        self.lengthened = self._text(LENGTHENED_TEXT, bold=True)
        self.ticks = [self._text("") for _ in range(N_TICKS)]
        #: what else the drawing encodes (the tube thickness), in a line above the title
        self.note = self._text("")
        self.note.GetTextProperty().SetItalic(True)
        self.texts = [self.title, self.shortened, self.lengthened, *self.ticks, self.note]
        for actor in (self.panel, self.bar, *self.texts):
            plotter.add_actor(
                actor, reset_camera=False, pickable=False, render=False, name=f"legend-{id(actor)}"
            )
        self._size = (0, 0)
        #: whether the panel shows with the legend; a transparent figure leaves it out
        self.panel_shown = True
        self.set_limit(limit_pct)
        # lay out again whenever the viewport size changed since the last render
        plotter.renderer.AddObserver("StartEvent", self._fit)

    def _actor2d(self, polydata: pv.PolyData) -> vtkActor2D:
        mapper = vtkPolyDataMapper2D()
        mapper.SetInputData(polydata)
        mapper.ScalarVisibilityOff()
        actor = vtkActor2D()
        actor.SetMapper(mapper)
        return actor

    def _text(self, text: str, bold: bool = False) -> vtkTextActor:
        actor = vtkTextActor()
        actor.SetInput(text)
        prop = actor.GetTextProperty()
        prop.SetFontFamilyToArial()
        prop.SetBold(bold)
        prop.SetShadow(False)
        return actor

    @property
    def actors(self) -> list:
        return [self.panel, self.bar, *self.texts]

    def set_note(self, text: str) -> None:
        """The line above the title (what the tubes' thickness means)."""
        self.note.SetInput(text)

    def set_limit(self, limit_pct: float) -> None:
        """Label the ticks for the range ``±limit_pct``."""
        for actor, value in zip(self.ticks, tick_values(limit_pct), strict=True):
            actor.SetInput(tick_text(value))

    def set_scale(self, colour_by: str, limit: float) -> None:
        """Show the scale of ``colour_by`` (a key of :data:`~hipviz.render.colours.COLOUR_SCALES`)
        over ``±limit`` in its unit: bar colours, title, end words, ticks; in place."""
        scale = COLOUR_SCALES[colour_by]
        self.colour_by = colour_by
        self.bar_strip.cell_data["rgb"][:] = rgb_uint8(diverging_colormap(N_COLOURS, colour_by))
        self.bar_strip.GetCellData().GetArray("rgb").Modified()
        self.bar_strip.Modified()
        self.title.SetInput(scale.title)
        self.shortened.SetInput(scale.negative)
        self.lengthened.SetInput(scale.positive)
        self.set_limit(limit)
        self._size = (0, 0)  # the end words changed width: lay out again at the next render

    def set_colours(self, text, panel) -> None:
        """Text colour and panel colour (light on dark for the screen, dark on white for print)."""
        self.panel.GetProperty().SetColor(pv.Color(panel).float_rgb)
        for actor in self.texts:
            actor.GetTextProperty().SetColor(pv.Color(text).float_rgb)

    def set_panel(self, shown: bool) -> None:
        """Draw the panel behind the legend or not.

        A transparent figure goes on a slide of any colour: a semi-opaque panel there is a
        pale (or dark) rectangle over the slide and washes out the femoral shafts behind it,
        so figures leave it out and draw the text with an outline of the slide's colour.
        """
        self.panel_shown = bool(shown)
        self.panel.SetVisibility(self.panel_shown and self.visible)
        for actor in self.texts:
            actor.GetTextProperty().SetShadow(not self.panel_shown)

    def set_visible(self, visible: bool) -> None:
        for actor in self.actors:
            actor.SetVisibility(bool(visible))
        self.panel.SetVisibility(bool(visible) and self.panel_shown)

    @property
    def visible(self) -> bool:
        return bool(self.bar.GetVisibility())

    def _fit(self, *_) -> None:
        size = tuple(self.plotter.renderer.GetSize())
        if size == self._size or min(size) <= 0:
            return
        self._size = size
        self.fit(*size)

    def fit(self, width: int, height: int) -> None:
        """Lay the legend out for a viewport of ``width`` x ``height`` pixels."""
        ends = tuple(
            len(a.GetInput() or "") * END_CHAR_PX for a in (self.shortened, self.lengthened)
        )
        geo = layout(width, height, ends)
        s, fonts = geo["scale"], geo["fonts"]
        x0, y0, x1, y1 = geo["panel"]
        self.panel_rect.points[:] = [[x0, y0, 0], [x1, y0, 0], [x1, y1, 0], [x0, y1, 0]]
        self.panel_rect.GetPoints().Modified()
        bx0, by0, bx1, by1 = geo["bar"]
        xs = np.linspace(bx0, bx1, N_COLOURS + 1)
        pts = np.zeros((2 * (N_COLOURS + 1), 3))
        pts[0::2, 0], pts[0::2, 1] = xs, by0
        pts[1::2, 0], pts[1::2, 1] = xs, by1
        self.bar_strip.points[:] = pts
        self.bar_strip.GetPoints().Modified()
        mid_y = (by0 + by1) / 2

        def place(actor: vtkTextActor, x: float, y: float, size: int, h: str, v: str) -> None:
            prop = actor.GetTextProperty()
            prop.SetFontSize(size)
            {
                "left": prop.SetJustificationToLeft,
                "centre": prop.SetJustificationToCentered,
                "right": prop.SetJustificationToRight,
            }[h]()
            {
                "bottom": prop.SetVerticalJustificationToBottom,
                "centre": prop.SetVerticalJustificationToCentered,
                "top": prop.SetVerticalJustificationToTop,
            }[v]()
            actor.SetPosition(x, y)

        place(self.title, (x0 + x1) / 2, by1 + 7 * s, fonts["title"], "centre", "bottom")
        place(self.note, (x0 + x1) / 2, y1 - 6 * s, fonts["note"], "centre", "top")
        place(self.shortened, bx0 - 10 * s, mid_y, fonts["end"], "right", "centre")
        place(self.lengthened, bx1 + 10 * s, mid_y, fonts["end"], "left", "centre")
        for actor, x in zip(self.ticks, np.linspace(bx0, bx1, N_TICKS), strict=True):
            place(actor, x, by0 - 5 * s, fonts["tick"], "centre", "top")
