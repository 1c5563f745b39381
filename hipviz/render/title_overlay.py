"""A title bar over the 3D view for workshops: the case's title and caption, large.

::

    +--------------------------------------------------------------+
    |                  Right GT superior (title)             2 / 6 |
    |      What to look for: the piriformis shortens ... (caption) |
    +--------------------------------------------------------------+
                          (the bones, moved down)

A band across the top of the view with 2D text actors, built once and laid out in pixels
at the start of every render, sized from the view's height so it reads from the back of
a room. While it shows, the camera's window centre moves the picture down by the band's
height, so the title never covers the iliac crests (which the lesson is about).
"""

from __future__ import annotations

import logging
import re
import textwrap

import numpy as np
import pyvista as pv
from vtkmodules.vtkCommonTransforms import vtkTransform
from vtkmodules.vtkRenderingCore import vtkActor2D, vtkPolyDataMapper2D, vtkTextActor

log = logging.getLogger(__name__)

#: view height at which the nominal sizes apply, pixels (1000: a common projector height)
REFERENCE_HEIGHT_PX = 1000
TITLE_FONT_PX = 46
CAPTION_FONT_PX = 30
#: the "2 / 9" counter: read from the back of the room, as large as the caption's text
CORNER_FONT_PX = 34
#: average character width of the sans-serif font, in font sizes (for wrapping; a little
#: wide, so a line never runs off the screen)
CHAR_WIDTH_EM = {"title": 0.5, "caption": 0.47}
#: at most this many lines; a longer text is set smaller (down to ``MIN_FONT_FRACTION`` of
#: its size) before it is cut short with an ellipsis. A caption is never cut (its last
#: sentence is often the conclusion): it takes as many lines as it needs, set smaller (down
#: to ``MIN_CAPTION_FRACTION``) while the band would be taller than ``MAX_BAND_FRACTION``
MAX_LINES = {"title": 2, "caption": 4}
MIN_FONT_FRACTION = 0.75
MIN_CAPTION_FRACTION = 0.7
MAX_BAND_FRACTION = 0.34
#: line heights in font sizes, as VTK sets them, and the gap between title and caption
LINE_HEIGHT = {"title": 1.12, "caption": 1.18}
GAP_EM = 0.35
PANEL_OPACITY = 0.9
#: fraction of the view's height the standard views leave above the pelvis (views.py frames
#: with 8 % spare, half of it at the top)
FRAME_TOP_MARGIN = 0.035


#: a number and its unit stay on one line ("+7.6 %", "10 mm", "11 degrees")
_NUMBER_UNIT = re.compile(r"(\d) (%|mm\b|deg\b|degrees\b)")
_GLUE = "\x00"  # not whitespace to textwrap; a space again once wrapped


def _wrap(text: str, width_px: float, font: int, kind: str) -> list[str]:
    chars = max(int(width_px / (CHAR_WIDTH_EM[kind] * font)), 12)
    glued = _NUMBER_UNIT.sub(rf"\1{_GLUE}\2", re.sub(r"\s+", " ", text).strip())
    lines = textwrap.wrap(glued, chars)
    # balance the lines: the narrowest width that needs no more lines (no orphan word)
    while chars > 12 and len(textwrap.wrap(glued, chars - 1)) == len(lines):
        chars -= 1
    return [line.replace(_GLUE, " ") for line in textwrap.wrap(glued, chars)]


def text_actor(bold: bool) -> vtkTextActor:
    """A 2D text actor in the type of figures and the workshop band: Arial, no shadow."""
    actor = vtkTextActor()
    prop = actor.GetTextProperty()
    prop.SetFontFamilyToArial()
    prop.SetBold(bold)
    prop.SetShadow(False)
    return actor


def fit_text(text: str, width_px: float, font: int, kind: str) -> tuple[str, int]:
    """Wrap ``text`` to ``width_px`` in at most ``MAX_LINES[kind]`` lines: (text, font size).

    The font shrinks in steps (to ``MIN_FONT_FRACTION``) until the text fits; what still
    does not fit is cut at a word with an ellipsis.
    """
    for size in range(font, round(MIN_FONT_FRACTION * font) - 1, -1):
        lines = _wrap(text, width_px, size, kind)
        if len(lines) <= MAX_LINES[kind]:
            return "\n".join(lines), size
    lines = lines[: MAX_LINES[kind]]
    last = lines[-1].split(" ")
    lines[-1] = " ".join(last[:-1] if len(last) > 1 else last) + " \N{HORIZONTAL ELLIPSIS}"
    return "\n".join(lines), size


def layout(width: int, height: int, title: str, caption: str) -> dict:
    """Font sizes, wrapped text and the band's height for a ``width`` x ``height`` view.

    Returns
    -------
    dict
        ``scale``, ``fonts`` (title, caption, corner: pixels), ``title`` and ``caption``
        (wrapped text), ``band`` (height of the band, pixels), ``margin`` (pixels).
    """
    s = float(np.clip(height / REFERENCE_HEIGHT_PX, 0.45, 3.0))
    corner = round(CORNER_FONT_PX * s)
    margin = 14 * s
    usable = max(width - 2 * margin - 2 * 5 * corner, 100)  # clear of the corner text
    title_text, title_font = fit_text(title, usable, round(TITLE_FONT_PX * s), "title")
    n_title = title_text.count("\n") + 1 if title_text else 0

    def band_height(caption_font: int, n_caption: int) -> float:
        return (
            2 * margin
            + LINE_HEIGHT["title"] * title_font * n_title
            + LINE_HEIGHT["caption"] * caption_font * n_caption
            + (GAP_EM * caption_font if n_title and n_caption else 0)
        )

    # the whole caption, in the largest font that keeps the band within its share of the
    # view (else the smallest font, and the band grows): never cut short
    nominal = round(CAPTION_FONT_PX * s)
    for caption_font in range(nominal, round(MIN_CAPTION_FRACTION * nominal) - 1, -1):
        lines = _wrap(caption, usable, caption_font, "caption") if caption.strip() else []
        if band_height(caption_font, len(lines)) <= MAX_BAND_FRACTION * height:
            break
    caption_text, n_caption = "\n".join(lines), len(lines)
    band = band_height(caption_font, n_caption)
    return {
        "scale": s,
        "fonts": {"title": title_font, "caption": caption_font, "corner": corner},
        "title": title_text,
        "caption": caption_text,
        "band": band if n_title or n_caption else 0.0,
        "margin": margin,
    }


class TitleOverlay:
    """The title band's actors on a plotter, built once and hidden until shown.

    Parameters
    ----------
    plotter : pyvista.Plotter
    """

    def __init__(self, plotter: pv.Plotter):
        self.plotter = plotter
        self.title = ""
        self.caption = ""
        self.corner = ""
        self.band_px = 0.0
        self.panel_rect = pv.PolyData(np.zeros((4, 3)), faces=[4, 0, 1, 2, 3])
        mapper = vtkPolyDataMapper2D()
        mapper.SetInputData(self.panel_rect)
        mapper.ScalarVisibilityOff()
        self.panel = vtkActor2D()
        self.panel.SetMapper(mapper)
        self.panel.GetProperty().SetOpacity(PANEL_OPACITY)
        self.title_actor = self._text(bold=True)
        self.caption_actor = self._text(bold=False)
        # the band is sized for LINE_HEIGHT["caption"]: use it, the lines read easier apart
        self.caption_actor.GetTextProperty().SetLineSpacing(LINE_HEIGHT["caption"] - 0.08)
        self.corner_actor = self._text(bold=True)
        for actor in self.actors:
            plotter.add_actor(
                actor,
                reset_camera=False,
                pickable=False,
                render=False,
                name=f"title-overlay-{id(actor)}",
            )
        self._laid_out: tuple = ()
        self._visible = False
        self.set_colours("#ffffff", "#10161d")
        self.set_visible(False)
        plotter.renderer.AddObserver("StartEvent", self._fit)

    @staticmethod
    def _text(bold: bool) -> vtkTextActor:
        actor = text_actor(bold)
        actor.GetTextProperty().SetLineSpacing(1.05)
        return actor

    @property
    def actors(self) -> list:
        return [self.panel, self.title_actor, self.caption_actor, self.corner_actor]

    @property
    def visible(self) -> bool:
        return self._visible

    def set_text(self, title: str, caption: str = "", corner: str = "") -> None:
        """The case's title and caption (wrapped to the view), and a small corner note."""
        self.title, self.caption, self.corner = title, caption, corner
        self._laid_out = ()  # lay out again at the next render

    def set_colours(self, text, panel) -> None:
        """Text and band colours (any pyvista colour)."""
        self.panel.GetProperty().SetColor(pv.Color(panel).float_rgb)
        # the counter too: the room reads "2 / 9" to know how far the session has got
        for actor in (self.title_actor, self.caption_actor, self.corner_actor):
            actor.GetTextProperty().SetColor(pv.Color(text).float_rgb)

    def set_visible(self, visible: bool) -> None:
        """Show or hide the band; the picture moves down under it while it shows."""
        self._visible = bool(visible)
        self._laid_out = ()
        for actor in self.actors:
            actor.SetVisibility(self._visible)
        if not self._visible:
            self.band_px = 0.0
            self._fit_picture(0.0)

    def _fit(self, *_) -> None:
        if not self._visible:
            return
        renderer = self.plotter.renderer
        size = tuple(renderer.GetSize())
        camera = renderer.GetActiveCamera()
        key = (size, self.title, self.caption, self.corner, id(camera))
        if key == self._laid_out or min(size) <= 0:
            return
        self._laid_out = key
        self.fit(*size)

    def fit(self, width: int, height: int) -> None:
        """Lay the band out for a ``width`` x ``height`` view and shift the picture under it."""
        geo = layout(width, height, self.title, self.caption)
        fonts, margin = geo["fonts"], geo["margin"]
        band = geo["band"]
        self.band_px = band
        y0 = height - band
        self.panel_rect.points[:] = [[0, y0, 0], [width, y0, 0], [width, height, 0], [0, height, 0]]
        self.panel_rect.GetPoints().Modified()
        self.panel.SetVisibility(band > 0)
        for actor, text, font, x, y, h in (
            (self.title_actor, geo["title"], fonts["title"], width / 2, height - margin, "centre"),
            (
                self.caption_actor,
                geo["caption"],
                fonts["caption"],
                width / 2,
                y0 + margin,
                "centre",
            ),
            (
                self.corner_actor,
                self.corner,
                fonts["corner"],
                width - margin,
                height - margin,
                "right",
            ),
        ):
            actor.SetInput(text)
            prop = actor.GetTextProperty()
            prop.SetFontSize(font)
            (prop.SetJustificationToCentered if h == "centre" else prop.SetJustificationToRight)()
            if actor is self.caption_actor:
                prop.SetVerticalJustificationToBottom()
            else:
                prop.SetVerticalJustificationToTop()
            actor.SetPosition(x, y)
        self._fit_picture(band / height)

    def _fit_picture(self, band: float) -> None:
        """Shift (and if need be shrink) the picture so the anatomy sits under the band.

        ``band`` is the band's height as a fraction of the view's. The standard views leave
        ``FRAME_TOP_MARGIN`` spare at top and bottom (normalised device y in
        ``[-1 + 2m, 1 - 2m]``); the picture is scaled by ``a`` about the centre after the
        window centre's shift ``c`` so that its top meets the band and its bottom stays put:
        ``a (1 - 2m - c) = 1 - 2 band`` and ``a (-1 + 2m - c) = -1 + 2m``.
        """
        m = FRAME_TOP_MARGIN
        scale = min(1.0, (1.0 - band - m) / (1.0 - 2.0 * m)) if band > 0 else 1.0
        shift = max(1.0 - 2.0 * m - (1.0 - 2.0 * band) / scale, 0.0)
        camera = self.plotter.renderer.GetActiveCamera()
        camera.SetWindowCenter(0.0, shift)
        if scale < 1.0:
            transform = vtkTransform()
            transform.Scale(scale, scale, 1.0)
            camera.SetUserTransform(transform)
        else:
            camera.SetUserTransform(None)
