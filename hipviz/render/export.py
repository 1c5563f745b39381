"""Figures: a scene rendered off-screen at any size, with title, caption and legend (no Qt).

The picture depends only on the :class:`~hipviz.io.scene.Scene` and the
:class:`FigureOptions`, never on a window's size: the off-screen plotter is made the
requested size, a named view is framed for that shape, and an explicit camera keeps its
position, focal point and up with the standard 30-degree vertical field of view.

Title and caption sit in a band of their own at the top (a second VTK renderer with the
background's top colour); the 3D picture and its legend fill the viewport below it, so
neither text nor a bone that reaches out of the frame (a flexed femur) overlaps the other.
Fonts, legend and thin lines scale with the image height.

Example::

    from hipviz.io.scene import read_scene
    from hipviz.render.export import FigureOptions, render_figure

    render_figure(read_scene("scenes/gt_superior.toml"), "gt.pdf",
                  FigureOptions(size=(1920, 1080), transparent=True))
"""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyvista as pv
from vtkmodules.vtkRenderingCore import vtkRenderer, vtkTextActor

from hipviz.core.model import HipModel
from hipviz.io.figure_files import FORMATS, TextItem, format_for, write_figure
from hipviz.io.meshes import load_bones, load_landmarks
from hipviz.io.model_files import load_model
from hipviz.io.scene import Scene, state_values
from hipviz.render.muscle_layer import LINE_WIDTH_PX
from hipviz.render.scene import (
    BACKGROUND,
    BACKGROUNDS,
    LEGEND_ON_BACKGROUND,
    LEGEND_ON_TRANSPARENT,
    HipScene,
)
from hipviz.render.title_overlay import text_actor
from hipviz.state import DisplayState

if TYPE_CHECKING:
    from hipviz.io.meshes import Bone

log = logging.getLogger(__name__)

#: name -> (width, height) pixels; the GUI's presets, largest is 4K UHD
SIZE_PRESETS: dict[str, tuple[int, int]] = {
    "HD 1280 \N{MULTIPLICATION SIGN} 720": (1280, 720),
    "Full HD 1920 \N{MULTIPLICATION SIGN} 1080": (1920, 1080),
    "QHD 2560 \N{MULTIPLICATION SIGN} 1440": (2560, 1440),
    "4K UHD 3840 \N{MULTIPLICATION SIGN} 2160": (3840, 2160),
    "Slide 4:3, 1600 \N{MULTIPLICATION SIGN} 1200": (1600, 1200),
    "Square 2000 \N{MULTIPLICATION SIGN} 2000": (2000, 2000),
}
DEFAULT_SIZE = (1920, 1080)
#: smallest and largest side of an image, pixels (after scaling)
MIN_PX, MAX_PX = 16, 8192
SCALE_RANGE = (0.25, 4.0)
#: vertical field of view of every figure camera, degrees (VTK's and the window's default)
VIEW_ANGLE_DEG = 30.0
#: image height at which fonts have their nominal sizes (as the legend), pixels
REFERENCE_HEIGHT_PX = 800
TITLE_FONT_PX = 30
CAPTION_FONT_PX = 20
#: the title band never takes more than this share of the height (long captions are cut)
MAX_BAND_FRACTION = 0.34
#: VTK places text by its line box; the baseline is this far (em) above the box bottom
DESCENT_EM = 0.22
#: ``--text-colour`` choices: light text for dark slides, dark text for light ones, or
#: from the background (:func:`light_text`)
TEXT_COLOURS = ("auto", "light", "dark")
#: (text, legend panel, the slide assumed under a transparent figure) for light and dark text
LIGHT_TEXT = (LEGEND_ON_BACKGROUND[0], LEGEND_ON_BACKGROUND[1], BACKGROUND[1])
DARK_TEXT = (LEGEND_ON_TRANSPARENT[0], LEGEND_ON_TRANSPARENT[1], "#ffffff")


class FigureError(ValueError):
    """Figure options that cannot be used; the message says what is allowed."""


@dataclass(frozen=True)
class FigureOptions:
    """How a figure is made.

    Attributes
    ----------
    size : (int, int), default: (1920, 1080)
        Figure width and height, pixels.
    scale : float, default: 1.0
        Pixel density: the image has ``size * scale`` pixels and looks like ``size``:
        fonts, legend and lines are sized from the image height, in proportion between 400
        and 2400 pixels (below and above, they stop shrinking and growing). SVG and PDF
        pages keep ``size``.
    transparent : bool, default: False
        Transparent background (PNG, SVG, PDF keep the alpha). The legend has no panel
        there (it would wash out the bones and leave a rectangle on the slide).
    text_colour : {"auto", "light", "dark"}, default: "auto"
        Colour of the title, caption and legend text. ``"auto"`` follows the background:
        light on ``slate`` and ``black``, dark on ``white`` and on a transparent
        background (paper and light slides; say ``"light"`` for a dark slide).
    legend : bool or None, default: None
        Draw the colour legend; ``None`` follows the scene's ``display.legend``.
    title, caption : bool, default: True
        Draw the scene's title / caption (when it has one).
    """

    size: tuple[int, int] = DEFAULT_SIZE
    scale: float = 1.0
    transparent: bool = False
    text_colour: str = "auto"
    legend: bool | None = None
    title: bool = True
    caption: bool = True

    @property
    def pixel_size(self) -> tuple[int, int]:
        """The image's width and height, pixels."""
        return round(self.size[0] * self.scale), round(self.size[1] * self.scale)

    def check(self) -> FigureOptions:
        """``self``, or :class:`FigureError` naming the bad option and the allowed range."""
        w, h = self.size
        if not (isinstance(w, int) and isinstance(h, int) and w > 0 and h > 0):
            raise FigureError(f"figure size must be two whole numbers of pixels, got {self.size}")
        if self.text_colour not in TEXT_COLOURS:
            raise FigureError(
                f"text colour '{self.text_colour}' is not one of {', '.join(TEXT_COLOURS)}"
            )
        low, high = SCALE_RANGE
        if not low <= self.scale <= high:  # also refuses NaN
            raise FigureError(f"scale {self.scale} is out of range (allowed {low:g} to {high:g})")
        pw, ph = self.pixel_size
        if not (MIN_PX <= pw <= MAX_PX and MIN_PX <= ph <= MAX_PX):
            raise FigureError(
                f"image size {pw}x{ph} px (size x scale) is out of range: each side "
                f"must be {MIN_PX} to {MAX_PX} pixels"
            )
        return self


def light_text(text_colour: str, background: str) -> bool:
    """Whether a figure's text is light: ``text_colour`` as asked, or from ``background``.

    ``"auto"`` is light on the dark backgrounds (``slate``, ``black``) and dark on
    ``white`` and ``transparent``: a transparent figure cannot see its slide, and dark text
    is the safe guess for paper and the common white slide; a dark slide says ``"light"``.
    """
    if text_colour != "auto":
        return text_colour == "light"
    return background in ("slate", "black")


def text_scale(height_px: int) -> float:
    """Font scale for an image ``height_px`` tall (the legend's rule)."""
    return float(np.clip(height_px / REFERENCE_HEIGHT_PX, 0.5, 3.0))


# --- title and caption -----------------------------------------------------------------------
class TitleBlock:
    """Title and caption at the top of a figure, in a renderer of their own (the band).

    Actors are built once and laid out per image; :meth:`layout` returns the band height.
    """

    MAX_CAPTION_LINES = 12

    def __init__(self, plotter: pv.Plotter):
        self.plotter = plotter
        self.renderer = vtkRenderer()
        self.renderer.InteractiveOff()
        self.renderer.SetDraw(False)
        plotter.ren_win.AddRenderer(self.renderer)
        self.title = self._text(bold=True)
        self.lines = [self._text(bold=False) for _ in range(self.MAX_CAPTION_LINES)]
        for actor in self.actors:
            self.renderer.AddViewProp(actor)
        self.band_px = 0.0

    @staticmethod
    def _text(bold: bool) -> vtkTextActor:
        actor = text_actor(bold)
        prop = actor.GetTextProperty()
        prop.SetJustificationToCentered()
        prop.SetVerticalJustificationToTop()
        actor.SetVisibility(False)
        return actor

    @property
    def actors(self) -> list[vtkTextActor]:
        return [self.title, *self.lines]

    def _width(self, actor: vtkTextActor, text: str) -> float:
        actor.SetInput(text)
        bbox = [0.0] * 4
        actor.GetBoundingBox(self.renderer, bbox)
        return bbox[1] - bbox[0]

    def _wrap(self, actor: vtkTextActor, text: str, width: float) -> list[str]:
        """Greedy word wrap to ``width`` pixels, measured with the renderer's own fonts."""
        out: list[str] = []
        for paragraph in text.splitlines() or [""]:
            words = paragraph.split()
            line = ""
            for word in words:
                candidate = f"{line} {word}" if line else word
                if not line or self._width(actor, candidate) <= width:
                    line = candidate
                else:
                    out.append(line)
                    line = word
                # a single word wider than the image: cut it by characters
                while self._width(actor, line) > width and len(line) > 1:
                    n = max(1, int(len(line) * width / self._width(actor, line)) - 1)
                    out.append(line[:n])
                    line = line[n:]
            out.append(line)
        return out

    def layout(
        self,
        title: str,
        caption: str,
        width: int,
        height: int,
        colour,
        background=None,
        slide="#ffffff",
    ) -> float:
        """Place the texts for a ``width`` x ``height`` image; returns the band height, px.

        ``background`` is the band's colour (``None``: transparent, over a ``slide`` of
        that colour: the text's smoothed edges blend towards it, not into a halo).
        """
        s = text_scale(height)
        margin = 14.0 * s
        rgb = pv.Color(colour).float_rgb
        y = height - margin
        max_band = MAX_BAND_FRACTION * height
        self.title.SetVisibility(bool(title))
        if title:
            prop = self.title.GetTextProperty()
            prop.SetFontSize(round(TITLE_FONT_PX * s))
            prop.SetColor(rgb)
            # a title is one line: shorten it rather than wrap it
            text = title
            while self._width(self.title, text) > width - 2 * margin and len(text) > 4:
                text = text[:-2].rstrip() + "\N{HORIZONTAL ELLIPSIS}"
            self.title.SetInput(text)
            self.title.SetPosition(width / 2, y)
            y -= round(TITLE_FONT_PX * s) * 1.3
        lines: list[str] = []
        if caption:
            size = round(CAPTION_FONT_PX * s)
            for actor in self.lines:
                actor.GetTextProperty().SetFontSize(size)
                actor.GetTextProperty().SetColor(rgb)
            wrap_px = min(width - 4 * margin, 60 * size)  # long lines are hard to read
            lines = self._wrap(self.lines[0], caption, wrap_px)
            room = int((y - (height - max_band)) // (size * 1.3))
            limit = max(0, min(room, self.MAX_CAPTION_LINES))
            if len(lines) > limit:
                lines = lines[:limit]
                if lines:
                    lines[-1] = textwrap.shorten(
                        lines[-1] + " x" * 40,
                        max(len(lines[-1]), 4),
                        placeholder=" \N{HORIZONTAL ELLIPSIS}",
                    )
            if lines:
                y -= 0.15 * size
        for i, actor in enumerate(self.lines):
            shown = i < len(lines)
            actor.SetVisibility(shown)
            if shown:
                actor.SetInput(lines[i])
                actor.SetPosition(width / 2, y)
                y -= actor.GetTextProperty().GetFontSize() * 1.3
        used = height - y if (title or lines) else 0.0
        self.band_px = float(round(min(used + 0.5 * margin, max_band))) if used else 0.0
        # the text was placed in image pixels from the top; the band renderer's origin is
        # at the band's bottom edge
        shift = height - self.band_px
        for actor in self.actors:
            x, y_text = actor.GetPosition()
            actor.SetPosition(x, y_text - shift)
        fraction = self.band_px / height
        self.renderer.SetDraw(fraction > 0)
        self.renderer.SetViewport(0.0, 1.0 - fraction if fraction > 0 else 0.99, 1.0, 1.0)
        if background is None:
            self.renderer.SetBackground(pv.Color(slide).float_rgb)
            self.renderer.SetBackgroundAlpha(0.0)
        else:
            self.renderer.SetBackground(pv.Color(background).float_rgb)
            self.renderer.SetBackgroundAlpha(1.0)
        return self.band_px


# --- rendering -------------------------------------------------------------------------------
def text_items(actors: list[tuple[vtkTextActor, vtkRenderer]], height_px: int) -> list[TextItem]:
    """The visible, non-empty text actors (each with its renderer) as :class:`TextItem` s."""
    items = []
    for actor, renderer in actors:
        text = actor.GetInput() or ""
        if not actor.GetVisibility() or not text.strip():
            continue
        prop = actor.GetTextProperty()
        bbox = [0.0] * 4
        actor.GetBoundingBox(renderer, bbox)
        x, y = np.add(actor.GetPosition(), renderer.GetOrigin())
        size = float(prop.GetFontSize())
        baseline_up = y + bbox[2] + DESCENT_EM * size
        anchor = {0: "start", 1: "middle", 2: "end"}.get(prop.GetJustification(), "start")
        items.append(
            TextItem(
                text=text,
                left=x + bbox[0],
                baseline=height_px - baseline_up,
                width=bbox[1] - bbox[0],
                size=size,
                colour=tuple(prop.GetColor()),
                bold=bool(prop.GetBold()),
                anchor=anchor,
            )
        )
    return items


class FigureRenderer:
    """An off-screen plotter that draws scenes as figures; its actors are built once.

    Reuse one for many scenes or frames (``hipviz render`` with many files, animations):
    only points, colours, visibility and the camera change between images.

    Parameters
    ----------
    bones : dict of str to Bone
        From :func:`hipviz.io.meshes.load_bones`.
    model : HipModel, optional
        Anatomy and muscle data to use (its pose is not touched: the renderer keeps its own
        model); loaded from the shipped data when not given.
    landmarks : dict, optional
        From :func:`hipviz.io.meshes.load_landmarks`; needed for ``display.labels``.
    """

    def __init__(
        self,
        bones: dict[str, Bone],
        model: HipModel | None = None,
        landmarks: dict[str, dict] | None = None,
    ):

        base = model if model is not None else load_model()
        # a model of its own, so rendering a figure never moves the caller's sliders
        self.model = base.twin()
        self.plotter = pv.Plotter(off_screen=True, window_size=list(DEFAULT_SIZE))
        #: what the figure shows; :meth:`show` restores a scene into it
        self.state = DisplayState()
        self.scene = HipScene(
            self.plotter, bones, model=self.model, landmarks=landmarks, state=self.state
        )
        self.scene.render_hook = _no_render  # render once per image, not once per change
        self.titles = TitleBlock(self.plotter)
        self.options = FigureOptions()
        self.shown: Scene | None = None

    def __enter__(self) -> FigureRenderer:
        return self

    def __exit__(self, *_) -> None:
        self.close()

    def close(self) -> None:
        self.plotter.close()

    # --- state ---------------------------------------------------------------------------------
    def show(self, scene: Scene, options: FigureOptions | None = None) -> None:
        """Make the next image show ``scene`` with ``options``.

        The scene goes into the renderer's display state (:attr:`state`) as a whole, and
        the scene on its plotter follows it, as the window's does; the options only change
        what a figure draws differently: a transparent background, the legend, the texts.
        """
        options = (options or FigureOptions()).check()
        width, height = options.pixel_size
        if tuple(self.plotter.window_size) != (width, height):
            self.plotter.window_size = [width, height]
        self.options = options
        self.shown = scene
        values = state_values(scene)
        # a caption belongs to its scene's pose: off it, the figure says what the pose is
        values["title"], values["caption"], _ = scene.text()
        if options.transparent:
            values["background"] = "transparent"
        if options.legend is not None:
            values["legend"] = options.legend
        self.model.set_pose(scene.pose)
        self.plotter.camera.view_angle = VIEW_ANGLE_DEG
        self.state.restore(values)
        state, hs = self.state, self.scene
        hs.set_line_width(LINE_WIDTH_PX * max(1.0, text_scale(height)), render=False)
        light = light_text(options.text_colour, state.background)
        text, panel, slide = LIGHT_TEXT if light else DARK_TEXT
        hs.set_legend_colours(text, panel)
        if hs.muscles is not None:
            hs.muscles.legend.set_panel(not options.transparent)
        bottom, top = BACKGROUNDS[state.background]
        # the band has the background's colour, unless the text asked for is the
        # background's own (dark on slate): then the legend panel's, so it still reads
        band_colour = top or bottom
        if light != light_text("auto", state.background):
            band_colour = panel
        if options.transparent:
            # the colour under alpha 0: smoothed edges of text and bones blend towards the
            # slide the text was chosen for, so they show no halo there
            self.plotter.renderer.SetBackground(pv.Color(slide).float_rgb)
        else:  # set every time: the last figure may have been transparent
            self.plotter.set_background(bottom, top=top)
        band = self.titles.layout(
            state.title if options.title else "",
            state.caption if options.caption else "",
            width,
            height,
            text,
            background=None if options.transparent else band_colour,
            slide=slide,
        )
        self.plotter.renderer.SetViewport(0.0, 0.0, 1.0, 1.0 - band / height)
        # a named view is framed for the picture's own shape, below the title band
        hs.apply_camera(render=False)

    # --- output --------------------------------------------------------------------------------
    def _text_actors(self) -> list[tuple[vtkTextActor, vtkRenderer]]:
        legend = self.scene.muscles.legend
        main = self.plotter.renderer
        return [
            *((a, self.titles.renderer) for a in self.titles.actors),
            *((a, main) for a in (legend.texts if legend.visible else [])),
        ]

    def image(self) -> np.ndarray:
        """The figure as an (h, w, 3) uint8 image, or (h, w, 4) with a transparent background."""
        self.plotter.render()
        return self.plotter.screenshot(
            transparent_background=self.options.transparent, return_img=True
        )

    def vector_parts(self) -> tuple[np.ndarray, list[TextItem]]:
        """The picture without the figure's text, and that text as :class:`TextItem` s."""
        self.plotter.render()  # lays out the legend and the labels for this size
        actors = self._text_actors()
        items = text_items(actors, self.options.pixel_size[1])
        shown = [a for a, _ in actors if a.GetVisibility()]
        for actor in shown:
            actor.SetVisibility(False)
        try:
            return self.image(), items
        finally:
            for actor in shown:
                actor.SetVisibility(True)

    def write(self, path: Path | str, fmt: str | None = None) -> Path:
        """Write the figure as PNG, SVG or PDF (from ``fmt`` or the file's suffix)."""
        fmt = format_for(path, fmt)
        title = self.state.title if self.shown is not None else ""
        if fmt == "png":
            return write_figure(path, self.image(), fmt=fmt, scale=self.options.scale, title=title)
        image, texts = self.vector_parts()
        return write_figure(path, image, texts, fmt=fmt, scale=self.options.scale, title=title)


def _no_render() -> None:
    """The figure renderer renders when an image is asked for, not on every change."""


def render_figure(
    scene: Scene,
    path: Path | str | None = None,
    options: FigureOptions | None = None,
    fmt: str | None = None,
    bones: dict[str, Bone] | None = None,
    model: HipModel | None = None,
    landmarks: dict[str, dict] | None = None,
) -> np.ndarray:
    """Render one scene off-screen as a figure; write it if ``path`` is given.

    Parameters
    ----------
    scene : Scene
    path : Path or str, optional
        ``.png``, ``.svg`` or ``.pdf`` (or give ``fmt``).
    options : FigureOptions, optional
    fmt : str, optional
    bones, model, landmarks : optional
        Loaded from the shipped data when not given.

    Returns
    -------
    (h, w, 3) or (h, w, 4) uint8
        The image as rendered (with its text).
    """

    bones = bones if bones is not None else load_bones()
    if landmarks is None and scene.display.labels:
        landmarks = load_landmarks()
    with FigureRenderer(bones, model, landmarks) as renderer:
        renderer.show(scene, options)
        if path is not None:
            renderer.write(path, fmt)
        return renderer.image()


def render_many(
    jobs: list[tuple[Scene, Path]],
    options: FigureOptions | None = None,
    fmt: str | None = None,
    progress: Callable[[int, int, Path], None] | None = None,
) -> list[Path]:
    """Render several scenes with one off-screen plotter (batch mode of ``hipviz render``).

    Parameters
    ----------
    jobs : list of (Scene, Path)
        Each scene and the file to write.
    options : FigureOptions, optional
    fmt : str, optional
        Format for every file; from each suffix when not given.
    progress : callable, optional
        Called as ``progress(done, total, path)`` after each file.
    """

    landmarks = load_landmarks() if any(s.display.labels for s, _ in jobs) else None
    written = []
    with FigureRenderer(load_bones(), landmarks=landmarks) as renderer:
        for i, (scene, path) in enumerate(jobs, start=1):
            renderer.show(scene, options)
            written.append(renderer.write(path, fmt))
            if progress is not None:
                progress(i, len(jobs), path)
    return written


__all__ = [
    "FORMATS",
    "SIZE_PRESETS",
    "FigureError",
    "FigureOptions",
    "FigureRenderer",
    "render_figure",
    "render_many",
    "text_items",
]
