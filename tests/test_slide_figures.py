"""Figures for slides: GIF colours that match the PNG, text readable on dark slides, a legend
that does not wash out the bones of a transparent figure. Real renders, files read back."""

from __future__ import annotations

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
    assert distance[muscles].mean() < 7.0
    assert np.percentile(distance[muscles], 95) < 15.0
    assert coloured_muscles(frame)[muscles].mean() > 0.75  # still blue, not grey

    top, bottom, left, right = bar_box(renderer, png.shape[0])
    assert distance[top:bottom, left:right].mean() < 5.0  # before: 7.7
    # a gradient, not three flat blocks: many distinct steps along the bar
    row = frame[(top + bottom) // 2, left:right]
    steps = len(np.unique(row, axis=0))
    assert steps >= 20, f"the GIF's legend bar has only {steps} colours"
