"""Workshop mode, driven with the keys an instructor (or a presenter remote) would press:
real window, real scene files, real rendering under Xvfb."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
import pyvista
from PyQt5.QtCore import Qt

import hipviz
from hipviz.core.pose import Pose
from hipviz.gui.window import MainWindow
from hipviz.gui.workshop import THEMES, TUBE_RADIUS_MM, default_folder, scene_files
from hipviz.io.scene import ALL_PATHS, Camera, Display, Scene, write_scene
from hipviz.render.muscle_layer import TUBE_RADIUS_MM as DESK_TUBE_RADIUS_MM
from hipviz.render.title_overlay import PANEL_OPACITY
from hipviz.render.transition import ease_in_out, interpolate_camera, interpolate_pose
from hipviz.render.views import camera_position

GT_UP = "right.gt_superior_mm"
PIRIFORMIS = ("right.piriformis", "left.piriformis")
SCENES = (
    (
        "1-neutral.toml",
        Scene("Neutral", "Every muscle at its neutral length.", Pose(), Camera("anterior")),
    ),
    (
        "2-gt-superior.toml",
        Scene(
            "Right GT superior",
            "The right piriformis shortens.",
            Pose.from_dict({GT_UP: 12.0}),
            Camera("posterior"),
            Display(muscles=PIRIFORMIS),
        ),
    ),
    (
        "10-crest.toml",
        Scene(
            "Iliac crest raised too",
            "Back to neutral length?",
            Pose.from_dict({GT_UP: 12.0, "right.iliac_crest_superior_mm": 12.0}),
            Camera("right"),
        ),
    ),
)

pytestmark = pytest.mark.gui


@pytest.fixture
def folder(tmp_path):
    for name, scene in SCENES:
        write_scene(scene, tmp_path / name)
    (tmp_path / "5-broken.toml").write_text("hipviz_scene = 1\n[pose.right]\nknee = 3\n")
    (tmp_path / "notes.txt").write_text("not a scene")
    return tmp_path


def camera_of(win: MainWindow) -> np.ndarray:
    c = win.plotter.camera_position
    return np.array([c.position, c.focal_point, c.viewup])


def view_camera(win: MainWindow, view: str) -> np.ndarray:
    w, h = win.plotter.window_size
    return np.array(camera_position(view, win.plotter.camera.view_angle, aspect=w / h))


def band_colour(theme: str) -> np.ndarray:
    """The title band's colour on screen: its panel colour over the theme's background."""
    panel = np.array(pyvista.Color(THEMES[theme].panel).int_rgb, float)
    background = np.array(pyvista.Color(THEMES[theme].background).int_rgb, float)
    return PANEL_OPACITY * panel + (1 - PANEL_OPACITY) * background


def wait_view_alone(qtbot, win: MainWindow) -> None:
    """Until the 3D view fills the window (the docks' space is handed back in the event loop)."""
    qtbot.waitUntil(lambda: win.plotter.size() == win.size())


def press(qtbot, win: MainWindow, key) -> None:
    qtbot.keyClick(win.plotter, key)
    qtbot.waitUntil(lambda: not win.workshop.animating, timeout=5000)


# --- entering and leaving ----------------------------------------------------------------------
def test_f11_enters_and_esc_restores_the_layout(window, qtbot, folder):
    ws = window.workshop
    ws.set_folder(folder)
    size, docks = window.size(), {n: d.isVisible() for n, d in window.docks.items()}
    assert docks["pose"] and not docks["plot"]
    view_menu = [a.text().replace("&", "") for a in window.menus["view"].actions()]
    assert {"Workshop mode", "Workshop", "Plot"} <= set(view_menu)
    assert ws.toggle_action.shortcut().toString() == "F11"
    qtbot.keyClick(window, Qt.Key_Right)  # outside workshop mode the arrows do not step
    assert ws.index is None

    qtbot.keyClick(window, Qt.Key_F11)
    wait_view_alone(qtbot, window)
    assert ws.active and window.isFullScreen() and ws.toggle_action.isChecked()
    assert not any(d.isVisible() for d in window.docks.values())
    assert not window.toolbar.isVisible() and not window.menuBar().isVisible()
    assert not window.statusBar().isVisible()
    assert window.scene.tube_radius_mm == TUBE_RADIUS_MM > DESK_TUBE_RADIUS_MM
    assert window.scene.background == "black"
    assert not window.files.save_action.isEnabled()  # no stray Ctrl+S into a teaching file
    title, caption, corner = ws.title_text
    assert title == "Workshop mode" and "PageDown" in caption and corner == "0 / 3"
    assert "5-broken.toml" in caption  # the file left out is named, and why is in ws.errors
    assert "5-broken.toml" in ws.errors[0] and "knee" in ws.errors[0]
    # the title band is drawn across the top of the view, in the theme's panel colour
    image = window.scene.screenshot()
    assert np.allclose(image[3, 3, :3], band_colour("dark"), atol=3)
    assert np.allclose(image[3, -3, :3], band_colour("dark"), atol=3)
    assert image[image.shape[0] // 2, 3, :3].max() < 5  # black below it

    qtbot.keyClick(window.plotter, Qt.Key_Escape)
    assert not ws.active and not window.isFullScreen() and not ws.toggle_action.isChecked()
    qtbot.waitUntil(lambda: window.size() == size)
    assert {n: d.isVisible() for n, d in window.docks.items()} == docks
    assert window.toolbar.isVisible() and window.menuBar().isVisible()
    assert window.statusBar().isVisible()
    assert window.scene.tube_radius_mm == DESK_TUBE_RADIUS_MM
    assert window.scene.background == "slate"
    assert window.files.save_action.isEnabled()
    assert not ws.overlay.visible
    assert window.plotter.renderer.GetActiveCamera().GetWindowCenter() == (0.0, 0.0)


def test_keys_step_through_the_folder(window, qtbot, folder):
    ws = window.workshop
    ws.duration_s = 0  # this test is about the order; the next one about the motion
    ws.set_folder(folder)
    assert [p.name for p in scene_files(folder)] == [
        "1-neutral.toml",
        "2-gt-superior.toml",
        "5-broken.toml",
        "10-crest.toml",
    ]
    assert [p.name for p in ws.paths] == ["1-neutral.toml", "2-gt-superior.toml", "10-crest.toml"]
    window.workshop.toggle_action.trigger()
    press(qtbot, window, Qt.Key_PageDown)
    assert ws.index == 0 and ws.title_text == (
        "Neutral",
        "Every muscle at its neutral length.",
        "1 / 3",
    )
    press(qtbot, window, Qt.Key_Right)
    assert ws.index == 1 and ws.title_text[0] == "Right GT superior"
    assert ws.title_text[2] == "2 / 3"
    assert window.model.pose == SCENES[1][1].pose
    assert window.scene.view == "posterior"
    np.testing.assert_allclose(camera_of(window), view_camera(window, "posterior"), atol=1e-6)
    shown = [k for k in ALL_PATHS if window.scene.muscles.is_visible(k)]
    assert shown == list(PIRIFORMIS)
    assert window.scene.background == "black"  # the room's theme, not the file's slate
    assert window.scene_path == folder / "2-gt-superior.toml"  # what the window now shows
    assert "2-gt-superior.toml" in window.windowTitle()
    press(qtbot, window, Qt.Key_PageDown)
    assert ws.index == 2 and window.model.pose.get("right.iliac_crest_superior_mm") == 12.0
    press(qtbot, window, Qt.Key_PageDown)  # at the end it stays
    assert ws.index == 2
    press(qtbot, window, Qt.Key_PageUp)
    assert ws.index == 1
    press(qtbot, window, Qt.Key_Left)
    assert ws.index == 0 and window.model.pose == Pose()
    press(qtbot, window, Qt.Key_End)
    assert ws.index == 2
    press(qtbot, window, Qt.Key_Home)
    assert ws.index == 0 and window.scene.view == "anterior"

    # the file is read again on each step: an author's fix shows at once
    write_scene(Scene("Neutral, revised", "", Pose(), Camera("left")), folder / "1-neutral.toml")
    press(qtbot, window, Qt.Key_Right)
    press(qtbot, window, Qt.Key_Home)
    assert ws.title_text[0] == "Neutral, revised" and window.scene.view == "left"
    window.workshop.toggle_action.trigger()
    assert not ws.active


def test_moving_to_a_scene_is_smooth(window, qtbot, folder):
    ws = window.workshop
    ws.set_folder(folder)
    ws.enter()
    wait_view_alone(qtbot, window)
    ws.go_to(0)
    qtbot.waitUntil(lambda: not ws.animating)
    poses, cameras = [], []
    window.model.subscribe(
        lambda solution: (
            poses.append(solution.requested.get(GT_UP)),
            cameras.append(camera_of(window)),
        )
    )
    start = camera_of(window)
    end = view_camera(window, "posterior")
    # slower than the 0.6 s default: software OpenGL here draws a frame in 0.2 to 0.4 s
    ws.duration_s = 1.5
    clock = time.perf_counter()
    ws.next()
    assert ws.animating
    qtbot.waitUntil(lambda: not ws.animating, timeout=8000)
    assert time.perf_counter() - clock >= 1.5
    # frames in between, each further on; the last exactly at the scene's pose
    assert len(poses) >= 3, poses
    assert all(0.0 < p < 12.0 for p in poses[:-1])
    assert poses == sorted(poses) and poses[-1] == 12.0
    assert window.model.pose == SCENES[1][1].pose
    np.testing.assert_allclose(camera_of(window), end, atol=1e-6)
    # the camera went round the body (anterior to posterior), never through it
    focal = start[1]
    radius = np.linalg.norm(start[0] - focal)
    for camera in cameras[:-1]:
        assert np.linalg.norm(camera[0] - focal) == pytest.approx(radius, rel=1e-6)
    assert window.plotter.renderer.GetUseFXAA()  # smooth edges again once it stopped
    ws.leave()


def test_light_and_dark_themes(window, qtbot, folder):
    ws = window.workshop
    ws.duration_s = 0
    ws.set_folder(folder)
    ws.enter()
    wait_view_alone(qtbot, window)
    press(qtbot, window, Qt.Key_PageDown)
    dark = window.scene.screenshot()
    h = dark.shape[0]
    band = int(ws.overlay.band_px)
    assert 0.08 * h < band < 0.3 * h
    assert dark[h // 2, 3, :3].max() < 5
    # the title is light text on the band, large: its letters span 3 % of the screen height
    rows = np.flatnonzero((dark[:band, :, :3].min(axis=2) > 200).sum(axis=1) > 2)
    title_rows = np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1)[0]  # the first line
    assert title_rows[-1] - title_rows[0] > 0.03 * h
    qtbot.keyClick(window.plotter, Qt.Key_T)
    assert ws.theme == "light" and ws.theme_actions["light"].isChecked()
    light = window.scene.screenshot()
    assert light[h // 2, 3, :3].min() > 250 and window.scene.background == "white"
    dark_rows = np.flatnonzero((light[:band, :, :3].max(axis=2) < 60).sum(axis=1) > 2)
    assert list(dark_rows[dark_rows <= title_rows[-1]]) == list(title_rows)  # dark text now
    assert np.allclose(light[3, 3, :3], band_colour("light"), atol=3)
    # the picture moved down under the band: no bone in the band's rows
    bone = (light[:, :, 0] > 150) & (light[:, :, 0] - light[:, :, 2].astype(int) > 12)
    assert bone[:band].sum() == 0 and bone[band:].sum() > 10000
    ws.leave()
    assert window.scene.background == "slate"
    ws.set_theme("dark")


def test_an_empty_folder_says_what_to_do(window, qtbot, tmp_path):
    ws = window.workshop
    # unless told otherwise, the scenes come from the checkout's scenes/ folder
    assert (
        default_folder(window.scene_path) == Path(hipviz.__file__).resolve().parents[1] / "scenes"
    )
    assert ws.set_folder(tmp_path / "nowhere") == 0
    ws.enter()
    qtbot.keyClick(window.plotter, Qt.Key_PageDown)
    assert ws.index is None and window.model.pose == Pose()
    assert "No scene files (*.toml)" in ws.title_text[1] and "Ctrl+Shift+O" in ws.title_text[1]
    assert ws.folder_action.shortcut().toString() == "Ctrl+Shift+O"
    ws.leave()


# --- the in-between states (pure functions) ----------------------------------------------------
def test_transition_maths():
    assert ease_in_out(0) == 0 and ease_in_out(1) == 1 and ease_in_out(0.5) == pytest.approx(0.5)
    assert ease_in_out(0.1) < 0.1 and ease_in_out(-1) == 0 and ease_in_out(2) == 1
    a, b = Pose(), Pose.from_dict({GT_UP: 25.0, "left.hip_flexion_deg": 90.0})
    assert interpolate_pose(a, b, 1.0) is b and interpolate_pose(a, b, 0.0) is a
    half = interpolate_pose(a, b, 0.5)
    assert half.get(GT_UP) == 12.5 and half.get("left.hip_flexion_deg") == 45.0
    front, back = camera_position("anterior"), camera_position("posterior")
    np.testing.assert_allclose(interpolate_camera(front, back, 1.0), back)
    mid = np.array(interpolate_camera(front, back, 0.5))
    # half way round the vertical axis: looking from the side, up still up
    assert abs(mid[0, 0] - mid[1, 0]) < 1e-6
    np.testing.assert_allclose(mid[2], [0.0, 1.0, 0.0], atol=1e-9)
    top = camera_position("superior")
    np.testing.assert_allclose(interpolate_camera(front, top, 1.0), top, atol=1e-12)
    for s in np.linspace(0, 1, 11):
        p, f, u = (np.array(v) for v in interpolate_camera(front, top, s))
        assert abs(np.dot(u, p - f)) < 1e-6 and np.linalg.norm(u) == pytest.approx(1.0)


# --- legible from the back of the room: whole captions, a large counter, large labels --------
SHIPPED = Path(hipviz.__file__).resolve().parents[1] / "scenes"


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768)], ids=["1920x1080", "1366x768"])
@pytest.mark.parametrize("name", ["07_self_care_ball.toml", "08_piriformis_flexion.toml"])
def test_the_band_shows_the_whole_caption(size, name, anatomy):
    """The longest shipped captions, whole, inside the band; the bones below it, uncut."""
    from hipviz.io.scene import read_scene
    from hipviz.render.scene import HipScene
    from hipviz.render.title_overlay import TitleOverlay

    scene_file = read_scene(SHIPPED / name)
    width, height = size
    plotter = pyvista.Plotter(off_screen=True, window_size=list(size))
    try:
        scene = HipScene(plotter, anatomy[0])
        scene.set_background("black", render=False)
        scene.set_view(scene_file.camera.view, render=False)
        overlay = TitleOverlay(plotter)
        overlay.set_colours(THEMES["dark"].text, THEMES["dark"].panel)
        overlay.set_text(scene_file.title, scene_file.caption, "2 / 9")
        overlay.set_visible(True)
        image = scene.screenshot()
        if os.environ.get("HIPVIZ_SHOTS"):  # for a person to look at
            scene.screenshot(Path(os.environ["HIPVIZ_SHOTS"]) / f"band-{name}-{width}.png")
        renderer = plotter.renderer
        band = overlay.band_px
        # every word of the caption is drawn: nothing cut, no ellipsis
        drawn = overlay.caption_actor.GetInput()
        assert " ".join(drawn.split()) == " ".join(scene_file.caption.split())
        assert "\N{HORIZONTAL ELLIPSIS}" not in drawn
        # ... and its lines fit the screen's width and the band's height (VTK's own measure
        # of the text as drawn)
        boxes = {}
        for key, actor in (
            ("title", overlay.title_actor),
            ("caption", overlay.caption_actor),
            ("corner", overlay.corner_actor),
        ):
            # VTK's size of the text as drawn, placed by its justification
            w, h = [0.0, 0.0], None
            actor.GetSize(renderer, w)
            w, h = w
            x, y = actor.GetPosition()
            prop = actor.GetTextProperty()
            x0 = {0: x, 1: x - w / 2, 2: x - w}[prop.GetJustification()]
            y0 = {0: y, 1: y - h / 2, 2: y - h}[prop.GetVerticalJustification()]
            box = boxes[key] = [x0, x0 + w, y0, y0 + h]
            x0, x1, y0, y1 = box
            assert 0 <= x0 < x1 <= width and height - band - 1 <= y0 < y1 <= height, key
        assert boxes["caption"][3] <= boxes["title"][2]  # caption below the title
        # the band leaves most of the view to the anatomy, and the caption is readable
        assert band < 0.4 * height
        assert overlay.caption_actor.GetTextProperty().GetFontSize() >= 0.018 * height
        # the counter: large, in the text's own colour (not dimmed toward the band's)
        corner = overlay.corner_actor.GetTextProperty()
        assert corner.GetFontSize() >= 0.03 * height  # 32 px on a 1080-line projector
        assert corner.GetColor() == overlay.title_actor.GetTextProperty().GetColor()
        assert boxes["corner"][3] - boxes["corner"][2] >= 0.025 * height
        # the bones sit under the band (the femoral shafts run on off the bottom, as at the
        # desk), and the pelvis is not cut at the sides
        bone = (image[:, :, 0] > 150) & (image[:, :, 0] - image[:, :, 2].astype(int) > 12)
        top = height - int(np.ceil(band))  # image rows run top down
        assert bone[: height - top].sum() == 0 and bone.sum() > 20000
        assert bone[:, :2].sum() == 0 and bone[:, -2:].sum() == 0
    finally:
        plotter.close()


def test_landmark_labels_grow_in_workshop_mode(window, qtbot, folder):
    ws = window.workshop
    ws.duration_s = 0
    window.scene.set_landmarks_visible(True)
    labels = window.scene.landmarks

    def label_px_per_view_height() -> float:
        window.plotter.render()  # now (the window's render hook may defer it)
        height = window.plotter.renderer.GetSize()[1]
        sizes = [a.GetTextProperty().GetFontSize() for a in labels.text_actors]
        return max(sizes) / max(height / 800.0, 0.85)

    desk = label_px_per_view_height()
    ws.set_folder(folder)
    ws.enter()
    wait_view_alone(qtbot, window)
    assert label_px_per_view_height() >= 1.5 * desk
    ws.leave()
    qtbot.waitUntil(lambda: not window.isFullScreen())
    assert label_px_per_view_height() == pytest.approx(desk, rel=0.1)
