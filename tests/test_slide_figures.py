"""Figures for slides: GIF colours that match the PNG, text readable on dark slides, a legend
that does not wash out the bones of a transparent figure. Real renders, files read back."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hipviz.cli import main
from hipviz.io.meshes import load_bones
from hipviz.io.scene import read_scene
from hipviz.render.animation import DEFAULT_ANIMATION_SIZE, frame_scene
from hipviz.render.export import FigureOptions, FigureRenderer

ROOT = Path(__file__).resolve().parents[1]
GT_SCENE = ROOT / "scenes" / "03_gt_superior.toml"
KEY = "right.gt_superior_mm"


@pytest.fixture(scope="module")
def renderer():
    with FigureRenderer(load_bones()) as r:
        yield r


def coloured_muscles(image: np.ndarray) -> np.ndarray:
    """Mask of clearly blue or red pixels (muscles and the legend's bar): neither the slate
    background (dark, a little blue), nor the bones (beige), nor text."""
    r, g, b = (image[..., i].astype(int) for i in range(3))
    return ((b - r > 30) & (b > 110)) | ((r - g > 40) & (r - b > 40))


def bar_box(renderer: FigureRenderer, height: int) -> tuple[int, int, int, int]:
    """The legend bar's inner pixels as image rows and columns (top, bottom, left, right)."""
    pts = renderer.scene.muscles.legend.bar_strip.points
    x0, x1 = pts[:, 0].min(), pts[:, 0].max()
    y0, y1 = pts[:, 1].min(), pts[:, 1].max()  # from the bottom of the main viewport
    return round(height - y1) + 2, round(height - y0) - 2, round(x0) + 2, round(x1) - 2


# --- GIF colours ------------------------------------------------------------------------------
def test_gif_frame_has_the_colours_of_the_png_of_the_same_pose(renderer, tmp_path):
    out = tmp_path / "sweep.gif"
    args = ["animate", str(GT_SCENE), "--param", KEY, "--from", "-15", "--to", "15"]
    assert main([*args, "--frames", "11", "-o", str(out)]) == 0
    with Image.open(out) as gif:
        gif.seek(7)  # -15, -12, ... : the eighth frame is +6 mm
        frame = np.asarray(gif.convert("RGB")).astype(float)

    renderer.show(
        frame_scene(read_scene(GT_SCENE), KEY, 6.0), FigureOptions(DEFAULT_ANIMATION_SIZE)
    )
    png = renderer.image()[..., :3].astype(float)
    assert frame.shape == png.shape
    distance = np.linalg.norm(frame - png, axis=2)

    muscles = coloured_muscles(png)
    muscles[-120:] = False  # the legend is measured on its own below
    assert muscles.sum() > 500  # the right side's muscles are blue at +6 mm
    # before: 13 RGB units on average, the blue fibres turned grey (95th percentile 48)
    assert distance[muscles].mean() < 8.0  # the old palette: 23.9
    assert np.percentile(distance[muscles], 95) < 15.0
    assert coloured_muscles(frame)[muscles].mean() > 0.75  # still blue, not grey

    top, bottom, left, right = bar_box(renderer, png.shape[0])
    assert distance[top:bottom, left:right].mean() < 5.0  # before: 7.7
    # a gradient, not three flat blocks: many distinct steps along the bar
    row = frame[(top + bottom) // 2, left:right]
    steps = len(np.unique(row, axis=0))
    assert steps >= 20, f"the GIF's legend bar has only {steps} colours"


# --- text colour ------------------------------------------------------------------------------
def band_text_luminance(renderer: FigureRenderer, image: np.ndarray) -> float:
    """Mean brightness (0-255) of the title and caption's opaque pixels in the title band."""
    band = image[: round(renderer.titles.band_px)].astype(float)
    if band.shape[2] == 4:
        ink = band[..., 3] > 200
    else:  # opaque: the pixels that differ from the band's own colour
        ink = np.abs(band[..., :3] - band[2, 2, :3]).sum(axis=2) > 300
    assert ink.sum() > 200, "no title or caption in the band"
    return float(band[ink][:, :3].mean())


@pytest.mark.parametrize(
    ("transparent", "text_colour", "light"),
    [
        (True, "auto", False),  # paper and light slides
        (True, "light", True),  # a dark slide
        (False, "auto", True),  # the slate background
        (False, "dark", False),
    ],
)
def test_text_colour_of_title_caption_and_legend(renderer, transparent, text_colour, light):
    scene = read_scene(GT_SCENE)
    options = FigureOptions((800, 500), transparent=transparent, text_colour=text_colour)
    renderer.show(scene, options)
    image = renderer.image()
    brightness = band_text_luminance(renderer, image)
    assert brightness > 150 if light else brightness < 100, brightness
    legend_text = renderer.scene.muscles.legend.title.GetTextProperty().GetColor()
    assert (np.mean(legend_text) > 0.7) == light


def test_light_text_reads_on_a_dark_slide(tmp_path):
    """The user's case: a transparent figure on a dark slide, with --text-colour light."""
    out = tmp_path / "slide.png"
    args = ["render", str(GT_SCENE), "--transparent", "--size", "800x500", "-o", str(out)]
    assert main([*args, "--text-colour", "light"]) == 0
    with Image.open(out) as image:
        rgba = np.asarray(image.convert("RGBA")).astype(float)
    alpha = rgba[..., 3:] / 255.0
    slide = np.array([20.0, 28.0, 40.0])
    on_slide = rgba[..., :3] * alpha + slide * (1.0 - alpha)
    title_rows = on_slide[: round(0.07 * 500)]  # the title's line
    bright = (title_rows.mean(axis=2) > 190).sum()
    assert bright > 300  # light letters, not dark ones lost on the slide


def test_text_colour_bad_value_is_refused(capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["render", str(GT_SCENE), "--text-colour", "purple", "-o", str(tmp_path / "x.png")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--text-colour" in err and "light" in err and "dark" in err
    assert not (tmp_path / "x.png").exists()
    with pytest.raises(ValueError, match="text colour 'purple'"):
        FigureOptions(text_colour="purple").check()


def test_animate_takes_the_text_colour(tmp_path):
    out = tmp_path / "dark.gif"
    args = ["animate", str(GT_SCENE), "--param", KEY, "--from", "0", "--to", "5"]
    assert (
        main(
            [*args, "--frames", "2", "--size", "480x300", "--text-colour", "dark"]
            + ["-o", str(out)]
        )
        == 0
    )
    with Image.open(out) as gif:
        frame = np.asarray(gif.convert("RGB")).astype(float)
    title = frame[5:35, 60:420]
    assert (title.mean(axis=2) < 60).sum() > 100  # dark letters on the slate band


# --- the legend over the bones of a transparent figure ---------------------------------------
def test_transparent_legend_leaves_the_bones_and_the_slide_alone(renderer):
    """No pale panel: around the legend's text and bar, the picture is as without a legend."""
    scene = read_scene(GT_SCENE)
    options = FigureOptions((800, 500), transparent=True, title=False, caption=False)
    renderer.show(scene, options)
    with_legend = renderer.image().astype(int)
    x0, x1, y0, y1 = (round(v) for v in renderer.scene.muscles.legend.panel_rect.bounds[:4])
    renderer.show(scene, replace(options, legend=False))
    without = renderer.image().astype(int)
    h = with_legend.shape[0]
    rows = slice(h - y1, h - y0)
    region_with, region_without = with_legend[rows, x0:x1], without[rows, x0:x1]
    same = (np.abs(region_with - region_without).sum(axis=2) <= 3).mean()
    # before: the panel (white at 72 %) changed every pixel of its rectangle
    assert same > 0.7, f"only {same:.0%} of the legend's rectangle is left as it was"
    # the femoral shafts under the legend keep their colour (not washed towards white)
    bone = (region_without[..., 3] == 255) & (region_without[..., 0] > 150)
    assert bone.sum() > 200
    assert np.abs(region_with[bone] - region_without[bone]).mean() < 25
