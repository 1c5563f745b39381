"""The render layer without Qt: still images per view, transparency, the CLI, and the
muscle layer's colours, legend, picking and in-place updates."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import pyvista

from hipviz.io.meshes import load_bones, load_landmarks
from hipviz.io.model_files import load_model
from hipviz.render.colours import (
    CVD_MATRICES,
    DEFAULT_LIMIT_PCT,
    colour_for_change,
    colour_for_moment_arm,
    diverging_colormap,
    simulate_cvd,
    srgb_to_lab,
)
from hipviz.render.legend import tick_text
from hipviz.render.projection import world_to_display
from hipviz.render.scene import HipScene, render_image
from hipviz.render.views import VIEWS, camera_position

SIZE = (480, 300)
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bones():
    return load_bones()


@pytest.fixture(scope="module")
def landmarks():
    return load_landmarks()


def project(view: str, size: tuple[int, int], points: np.ndarray) -> np.ndarray:
    """Image (column, row) of room points in a ``view`` render of ``size``."""
    plotter = pyvista.Plotter(off_screen=True, window_size=list(size))
    try:
        plotter.camera_position = camera_position(
            view, plotter.camera.view_angle, aspect=size[0] / size[1]
        )
        xy = world_to_display(plotter.renderer, points)
    finally:
        plotter.close()
    return np.c_[xy[:, 0], size[1] - 1 - xy[:, 1]].round().astype(int)


def is_bone(rgb) -> bool:
    """Cream bone: bright and warm (the background is dark slate, blue-ish)."""
    r, g, b = (int(v) for v in rgb[:3])
    return r > 110 and r >= b + 12


def shaft_points(bones, y_mm: float = -95.0) -> np.ndarray:
    """Centre of each femoral shaft (right, left) at height ``y_mm``."""
    centres = []
    for name in ("femur_right", "femur_left"):
        v = bones[name].vertices
        centres.append(v[np.abs(v[:, 1] - y_mm) < 5.0].mean(axis=0))
    return np.array(centres)


# --- still images ---------------------------------------------------------------------------
@pytest.mark.parametrize("view", ["anterior", "posterior"])
def test_frontal_views_show_both_femoral_shafts(bones, view):
    image = render_image(None, bones, view=view, size=SIZE)
    assert image.shape == (SIZE[1], SIZE[0], 3)
    shafts = shaft_points(bones)
    gap = shafts.mean(axis=0)  # between the thighs: background
    for (col, row), what in zip(
        project(view, SIZE, np.vstack([shafts, gap])),
        ("right shaft", "left shaft", "gap"),
        strict=True,
    ):
        pixel = image[row, col]
        assert is_bone(pixel) == (what != "gap"), f"{view}: {what} at ({col}, {row}) is {pixel}"
    # the subject's right is on the viewer's left from the front, on the right from behind
    right_col, left_col = project(view, SIZE, shafts)[:, 0]
    assert (right_col < left_col) == (view == "anterior")


@pytest.mark.parametrize("view", ["right", "left"])
def test_lateral_views_show_bone_in_the_centre(bones, view):
    image = render_image(None, bones, view=view, size=SIZE, muscles=False)
    h, w = image.shape[:2]
    centre = image[h // 2 - 10 : h // 2 + 10, w // 2 - 10 : w // 2 + 10].reshape(-1, 3)
    assert np.mean([is_bone(p) for p in centre]) > 0.8
    side = view
    ((col, row),) = project(view, SIZE, shaft_points(bones)[[0 if side == "right" else 1]])
    assert is_bone(image[row, col])
    assert not is_bone(image[5, 5]) and not is_bone(image[5, w - 6])


def test_superior_view_shows_both_iliac_crests(bones, landmarks):
    image = render_image(None, bones, view="superior", size=SIZE)
    crests = np.array([landmarks[s]["iliac_crest_top"] for s in ("right", "left")])
    crests[:, 1] -= 3.0  # just inside the bone
    for col, row in project("superior", SIZE, crests):
        assert is_bone(image[row, col])


def test_every_view_is_framed_on_the_pelvis(bones):
    """Bone fills a good part of the middle and does not spill over the top edge."""
    for view in VIEWS:
        image = render_image(None, bones, view=view, size=SIZE, muscles=False)
        bone = np.array([[is_bone(p) for p in row] for row in image[::6, ::6]])
        assert 0.08 < bone.mean() < 0.7, view
        assert bone[0].mean() < 0.2, f"{view}: bone runs off the top edge"


def test_transparent_render_has_clear_corners(bones, tmp_path):
    path = tmp_path / "figure.png"
    image = render_image(path, bones, view="anterior", size=SIZE, transparent=True)
    assert image.shape == (SIZE[1], SIZE[0], 4)
    alpha = image[..., 3]
    for corner in (alpha[0, 0], alpha[0, -1], alpha[-1, 0], alpha[-1, -1]):
        assert corner == 0
    assert alpha[SIZE[1] // 3, SIZE[0] // 2] == 255  # the sacrum is opaque
    saved = pyvista.read(path)
    assert saved.dimensions[:2] == SIZE


def test_cli_render_needs_no_display(tmp_path):
    """``hipviz render`` writes a PNG of the asked size with no X display at all."""
    out = tmp_path / "posterior.png"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    code = (
        "from hipviz.cli import main; raise SystemExit(main(['render', '-o', "
        f"{str(out)!r}, '--view', 'posterior', '--size', '640x400']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    with Image.open(out) as png:
        assert png.size == (640, 400)
        pixels = np.asarray(png.convert("RGB"))
    assert np.mean([is_bone(p) for p in pixels[::8, ::8].reshape(-1, 3)]) > 0.1


# --- colours --------------------------------------------------------------------------------
def test_colour_map_is_diverging_and_perceptually_even():
    lab = srgb_to_lab(diverging_colormap())
    lightness = lab[:, 0]
    mid = len(lab) // 2
    assert np.all(np.diff(lightness[:mid]) > 0) and np.all(np.diff(lightness[mid:]) < 0)
    steps = np.linalg.norm(np.diff(lab, axis=0), axis=1)
    halves = np.r_[steps[: mid - 1], steps[mid:]]  # the step across the centre turns a corner
    assert halves.max() / halves.min() < 1.05
    grey = lab[mid]
    assert abs(grey[1]) < 2 and abs(grey[2]) < 2  # a quiet, uncoloured middle


@pytest.mark.parametrize(
    "colour", [colour_for_change, colour_for_moment_arm], ids=["length", "moment arm"]
)
def test_both_ends_stay_apart_for_colour_blind_viewers(colour):
    """Machado et al. (2009) full-severity simulations (``simulate_cvd``)."""
    ends = colour(np.array([-1e3, 0.0, 1e3]))
    for name in CVD_MATRICES:
        low, neutral, high = srgb_to_lab(simulate_cvd(ends, name))
        assert np.linalg.norm(low - high) > 35, name
        assert np.linalg.norm(low - neutral) > 20 and np.linalg.norm(high - neutral) > 20, name


def test_moment_arm_colours_are_purple_and_green_not_the_length_colours():
    external, zero, internal = colour_for_moment_arm(np.array([-40.0, 0.0, 40.0]))
    assert external[0] > external[1] + 0.2 and external[2] > external[1] + 0.2  # purple
    assert internal[1] > internal[0] + 0.2 and internal[1] > internal[2] + 0.2  # green
    np.testing.assert_allclose(zero, colour_for_change(0.0), atol=0.01)  # the same grey centre
    # a viewer who glances at the picture cannot take one map for the other
    lab = srgb_to_lab(np.array([external, internal]))
    length = srgb_to_lab(colour_for_change(np.array([-10.0, 10.0])))
    assert np.linalg.norm(lab - length, axis=1).min() > 30
    np.testing.assert_allclose(colour_for_moment_arm(-25.0, 20.0), external)  # clamped


def test_colour_for_change_is_blue_when_short_and_red_when_long():
    short, neutral, long_ = colour_for_change(np.array([-10.0, 0.0, 10.0]))
    assert short[2] > short[0] + 0.3  # blue
    assert long_[0] > long_[2] + 0.3  # orange-red
    assert np.ptp(neutral) < 0.02  # grey
    np.testing.assert_allclose(colour_for_change(-50.0, 10.0), short)  # clamped at the range
    np.testing.assert_allclose(colour_for_change(-5.0, 5.0), short)  # the range is adjustable


def test_tick_labels():
    assert [tick_text(v) for v in np.linspace(-10, 10, 5)] == ["-10", "-5", "0", "+5", "+10"]
    assert tick_text(2.5) == "+2.5"


# --- the muscle layer -----------------------------------------------------------------------
@pytest.fixture
def scene(offscreen_plotter, bones, landmarks):
    return HipScene(offscreen_plotter, bones, model=load_model(), landmarks=landmarks)


def piriformis_pixel(
    scene: HipScene, image: np.ndarray, fraction: float = 0.6, key: str = "right.piriformis"
) -> np.ndarray:
    """The image colour at a point ``fraction`` of the way along a path (the right piriformis)."""
    line = scene.muscles.polylines[scene.muscles.keys.index(key)]
    seg = np.cumsum(np.r_[0, np.linalg.norm(np.diff(line, axis=0), axis=1)])
    t = fraction * seg[-1]
    i = min(np.searchsorted(seg, t) - 1, len(line) - 2)
    point = line[i] + (t - seg[i]) / (seg[i + 1] - seg[i]) * (line[i + 1] - line[i])
    x, y = world_to_display(scene.plotter.renderer, point)[0]
    return image[image.shape[0] - 1 - round(y), round(x), :3].astype(float)


def test_pose_change_updates_muscles_in_place(scene):
    renderer = scene.plotter.renderer
    props = renderer.GetViewProps().GetNumberOfItems()
    lines, tube = scene.muscles.lines, scene.muscles.tube_actor
    before = np.array(lines.points)
    scene.model.set("right.gt_superior_mm", 12.0)
    assert scene.muscles.lines is lines and scene.muscles.tube_actor is tube
    after = np.array(lines.points)  # a wrap that engages or lets go changes the count
    assert after.shape != before.shape or not np.allclose(after, before)
    change = np.array(lines.point_data["change_pct"])
    assert change.min() < -1.0  # right paths shortened: the colours follow
    np.testing.assert_allclose(
        scene.bone_actors["femur_right"].user_matrix, scene.model.solution.transforms["femur_right"]
    )
    assert renderer.GetViewProps().GetNumberOfItems() == props


def test_superior_gt_turns_right_piriformis_toward_shortened(scene):
    scene.set_view("posterior", render=False)
    neutral = piriformis_pixel(scene, scene.screenshot())
    assert np.ptp(neutral) < 12 and neutral.mean() > 60, f"not on the grey muscle: {neutral}"
    scene.model.set("right.gt_superior_mm", 20.0)
    pct = scene.model.solution.change_pct[scene.model.solution.keys.index("right.piriformis")]
    assert pct < -2.0
    moved = piriformis_pixel(scene, scene.screenshot())
    target = colour_for_change(-DEFAULT_LIMIT_PCT) * 255
    assert np.linalg.norm(moved - target) < np.linalg.norm(neutral - target) - 10
    assert moved[2] - moved[0] > neutral[2] - neutral[0] + 10  # bluer


def test_hidden_muscle_is_not_drawn_or_picked(scene):
    scene.set_view("posterior", render=False)
    image = scene.screenshot()
    line = scene.muscles.polylines[scene.muscles.keys.index("right.piriformis")]
    x, y = world_to_display(scene.plotter.renderer, line[len(line) // 2])[0]
    assert scene.pick_muscle(x, y) == "right.piriformis"
    before = piriformis_pixel(scene, image, 0.5)
    cells = scene.muscles.lines.n_cells
    fibres = int((scene.muscles.owner == scene.muscles.keys.index("right.piriformis")).sum())
    assert fibres >= 5  # a fan: every fibre goes with its muscle
    scene.set_muscle_visible("right.piriformis", False)
    assert scene.muscles.lines.n_cells == cells - fibres
    after = piriformis_pixel(scene, scene.screenshot(), 0.5)
    assert np.linalg.norm(after - before) > 25
    assert scene.pick_muscle(x, y) != "right.piriformis"
    assert scene.pick_muscle(2, 2) is None


def test_colour_range_relabels_the_legend(scene):
    scene.set_colour_limit(4.0)
    assert scene.muscles.lut.scalar_range == (-4.0, 4.0)
    ticks = [a.GetInput() for a in scene.muscles.legend.ticks]
    assert ticks == ["-4", "-2", "0", "+2", "+4"]
    texts = {a.GetInput() for a in scene.muscles.legend.texts}
    assert {"shortened", "lengthened", "Length change (% of neutral)"} <= texts
    with pytest.raises(ValueError):
        scene.set_colour_limit(0.0)


def test_landmark_labels_face_the_camera(scene):
    scene.set_landmarks_visible(True, render=False)
    scene.set_view("anterior", render=False)
    scene.screenshot()
    shown = scene.landmarks.shown_labels
    assert {"R ASIS", "L ASIS", "R greater trochanter", "L greater trochanter"} <= set(shown)
    assert "R PSIS" not in shown
    scene.set_view("right", render=False)
    scene.screenshot()
    shown = scene.landmarks.shown_labels
    assert "R greater trochanter" in shown and "L greater trochanter" not in shown
    scene.set_landmarks_visible(False, render=False)
    assert not any(a.GetVisibility() for a in scene.landmarks.text_actors)


def test_bones_only_scene_still_works(offscreen_plotter, bones):
    scene = HipScene(offscreen_plotter, bones)
    assert len(scene.bone_actors) == 5 and scene.muscles is None
    scene.set_bone_transform("femur_left", np.eye(4))
    assert scene.screenshot().shape == (600, 800, 3)


def test_superior_view_shows_the_muscles(bones):
    """From above, the gluteal muscles and piriformis are not hidden under the iliac wings."""
    from hipviz.io.scene import ALL_PATHS
    from hipviz.render.scene import HipScene

    plotter = pyvista.Plotter(off_screen=True, window_size=list(SIZE))
    try:
        scene = HipScene(plotter, bones, model=load_model())
        scene.set_view("superior", render=False)
        scene.state.update(muscles=ALL_PATHS)
        shown = scene.screenshot().astype(int)
        scene.state.update(muscles=())  # the same picture (legend too) without the muscles
        bare = scene.screenshot().astype(int)
    finally:
        plotter.close()
    muscle = np.abs(shown - bare).sum(axis=-1) > 30
    h, w = muscle.shape
    # muscles on both sides of the view (both hips), not just a few stray pixels
    assert muscle[:, : w // 2].sum() > 0.004 * h * w / 2
    assert muscle[:, w // 2 :].sum() > 0.004 * h * w / 2


@pytest.mark.parametrize("view", ["anterior", "posterior"])
def test_landmark_labels_do_not_overlap(bones, landmarks, view):
    """Every shown label is readable whole: no two label boxes overlap on screen, at a small
    window, a large one, and with the workshop's larger labels."""
    from hipviz.render.scene import HipScene

    for size, font_scale in (((800, 600), 1.0), ((1600, 1000), 1.0), ((1366, 768), 1.6)):
        plotter = pyvista.Plotter(off_screen=True, window_size=list(size))
        try:
            scene = HipScene(plotter, bones, landmarks=landmarks)
            scene.set_landmarks_visible(True, render=False)
            scene.landmarks.font_scale = font_scale
            scene.set_view(view, render=False)
            scene.screenshot()  # lays the labels out (pyvista renders nothing before that)
            boxes = scene.landmarks.label_boxes()
        finally:
            plotter.close()
        # from behind, the sacral plateau lies under the sacrum's own back: not named
        expected = {"sacrum"} if view == "anterior" else {"R PSIS", "L PSIS"}
        assert expected <= set(boxes) and len(boxes) >= 4, (view, size)
        items = sorted(boxes.items())
        for i, (a, (l0, r0, b0, t0)) in enumerate(items):
            assert 0 <= l0 and r0 <= size[0] and 0 <= b0 and t0 <= size[1], (view, size, a)
            for b, (l1, r1, b1, t1) in items[i + 1 :]:
                overlap = l1 < r0 and l0 < r1 and b1 < t0 and b0 < t1
                assert not overlap, f"{view} {size} x{font_scale}: '{a}' overlaps '{b}'"
