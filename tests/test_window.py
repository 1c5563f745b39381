"""The window, driven as a user would: real widgets and real rendering under Xvfb."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PyQt5.QtCore import QEvent, QPoint, Qt
from PyQt5.QtGui import QMouseEvent
from PyQt5.QtWidgets import QApplication, QMessageBox, QStyle, QStyleOptionSlider

from hipviz.core.model import HipModel
from hipviz.core.muscles import MUSCLES
from hipviz.core.pose import Pose
from hipviz.formatting import number
from hipviz.gui import app
from hipviz.gui.window import MainWindow
from hipviz.io.scene import Display, Scene
from hipviz.names import muscle_label
from hipviz.render.colours import DEFAULT_LIMIT_PCT, colour_for_change
from hipviz.render.export import FigureOptions, FigureRenderer
from hipviz.render.projection import world_to_display
from hipviz.render.views import VIEWS, camera_position
from hipviz.state import DEFAULT_PATHS

pytestmark = pytest.mark.gui

GT_UP = "right.gt_superior_mm"


def settle(qtbot) -> None:
    """Let queued repaints (renders) and re-framing run."""
    qtbot.wait(30)


def renderer_props(win: MainWindow) -> int:
    return win.plotter.renderer.GetViewProps().GetNumberOfItems()


def path_point(win: MainWindow, key: str, fraction: float = 0.6) -> np.ndarray:
    """A room point ``fraction`` of the way along a drawn muscle path."""
    line = win.scene.muscles.polylines[win.scene.muscles.keys.index(key)]
    seg = np.cumsum(np.r_[0, np.linalg.norm(np.diff(line, axis=0), axis=1)])
    t = fraction * seg[-1]
    i = min(np.searchsorted(seg, t) - 1, len(line) - 2)
    return line[i] + (t - seg[i]) / (seg[i + 1] - seg[i]) * (line[i + 1] - line[i])


def pixel_at(win: MainWindow, point: np.ndarray) -> np.ndarray:
    """The rendered colour at a room point (projected with the renderer's camera)."""
    image = win.scene.screenshot()
    x, y = world_to_display(win.plotter.renderer, point)[0]
    return image[image.shape[0] - 1 - round(y), round(x), :3].astype(float)


def widget_pos(win: MainWindow, point: np.ndarray) -> QPoint:
    """Qt position in the 3D view of a room point."""
    x, y = world_to_display(win.plotter.renderer, point)[0]
    ratio = win.plotter.devicePixelRatioF()
    return QPoint(round(x / ratio), round(win.plotter.height() - 1 - y / ratio))


def drag_slider(qtbot, slider, dx: int) -> None:
    """Press the handle, drag it ``dx`` pixels with the button held, release."""
    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    handle = (
        slider.style()
        .subControlRect(QStyle.CC_Slider, option, QStyle.SC_SliderHandle, slider)
        .center()
    )
    qtbot.mousePress(slider, Qt.LeftButton, pos=handle)
    for step in range(1, 6):  # QTest cannot move with a button held: send the moves ourselves
        pos = handle + QPoint(round(dx * step / 5), 0)
        move = QMouseEvent(
            QEvent.MouseMove,
            pos,
            slider.mapToGlobal(pos),
            Qt.NoButton,
            Qt.LeftButton,
            Qt.NoModifier,
        )
        QApplication.sendEvent(slider, move)
        qtbot.wait(5)
    qtbot.mouseRelease(slider, Qt.LeftButton, pos=handle + QPoint(dx, 0))


# --- opening and closing --------------------------------------------------------------------
def test_window_opens_with_five_bones_menus_and_shortcuts(window, qtbot):
    assert window.isVisible()
    assert (window.width(), window.height()) == (1400, 900)
    assert set(window.scene.bone_actors) == {
        "pelvis_right",
        "pelvis_left",
        "sacrum",
        "femur_right",
        "femur_left",
    }
    actors = list(window.plotter.renderer.actors.values())
    assert all(a in actors for a in window.scene.bone_actors.values())
    menus = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert menus[:2] == ["File", "View"]
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"
    assert window.reset_action.shortcut().toString() == "Ctrl+R"
    assert [a.shortcut().toString() for a in window.view_actions.values()] == list("12345")
    assert window.controls.controls[GT_UP].slider.toolTip()
    # the rendered view shows bone: cream pixels in the middle of the 3D view
    image = window.scene.screenshot()
    h, w = image.shape[:2]
    middle = image[h // 3 : 2 * h // 3, w // 3 : 2 * w // 3].reshape(-1, 3).astype(int)
    assert np.mean((middle[:, 0] > 110) & (middle[:, 0] >= middle[:, 2] + 12)) > 0.3


def test_view_actions_and_keys_move_the_camera(window, qtbot):
    for name in ("posterior", "right", "left", "superior", "anterior"):
        before = window.plotter.camera_position
        window.view_actions[name].trigger()
        w, h = window.plotter.window_size
        expected = camera_position(name, window.plotter.camera.view_angle, aspect=w / h)
        got = window.plotter.camera_position
        np.testing.assert_allclose(got.position, expected[0], atol=1e-6)
        np.testing.assert_allclose(got.focal_point, expected[1], atol=1e-6)
        np.testing.assert_allclose(got.viewup, expected[2], atol=1e-6)
        assert not np.allclose(before.position, got.position)
    qtbot.keyClick(window.plotter, Qt.Key_3)  # shortcut "3": right lateral, even in the view
    np.testing.assert_allclose(
        window.plotter.camera_position.position,
        camera_position(
            "right", window.plotter.camera.view_angle, aspect=np.divide(*window.plotter.window_size)
        )[0],
    )
    assert window.view_label.text() == f"{VIEWS['right'].label} view"
    window.view_actions["anterior"].trigger()
    before = window.plotter.camera_position.position
    window.resize(1200, 800)  # a standard view is framed again for the view's new shape
    qtbot.waitUntil(
        lambda: np.allclose(
            window.plotter.camera_position.position,
            camera_position(
                "anterior",
                window.plotter.camera.view_angle,
                aspect=np.divide(*window.plotter.window_size),
            )[0],
        )
    )
    assert not np.allclose(window.plotter.camera_position.position, before)


def test_file_quit_closes_the_window(window, qtbot):
    window.quit_action.trigger()
    qtbot.waitUntil(lambda: not window.isVisible())
    assert window.plotter._closed


# --- live pose changes ----------------------------------------------------------------------
def test_slider_drag_and_set_value_move_femur_colours_and_table(window, qtbot):
    control = window.controls.controls[GT_UP]
    femur = window.scene.bone_actors["femur_right"]
    matrix0 = np.array(femur.user_matrix)
    scalars0 = np.array(window.scene.muscles.lines.point_data["change_pct"])
    table0 = window.table.values()
    camera0 = window.plotter.camera_position

    drag_slider(qtbot, control.slider, 20)
    settle(qtbot)
    dragged = window.model.pose.get(GT_UP)
    assert 2.0 < dragged < 15.0
    assert control.spin.value() == pytest.approx(dragged)
    matrix1 = np.array(femur.user_matrix)
    assert not np.allclose(matrix1, matrix0)
    np.testing.assert_allclose(matrix1, window.model.solution.transforms["femur_right"])
    scalars1 = np.array(window.scene.muscles.lines.point_data["change_pct"])
    assert scalars1.min() < scalars0.min() - 0.5
    assert window.table.values() != table0
    assert window.plotter.camera_position == camera0  # the camera holds still

    control.slider.setValue(control.slider.value() + 10)  # +5 mm
    settle(qtbot)
    assert window.model.pose.get(GT_UP) == pytest.approx(dragged + 5.0)
    assert not np.allclose(np.array(femur.user_matrix), matrix1)
    assert np.array(window.scene.muscles.lines.point_data["change_pct"]).min() < scalars1.min()
    piriformis = window.model.solution.change_pct[
        window.model.solution.keys.index("right.piriformis")
    ]
    row = [r for r in window.table.values() if r[0] == "Piriformis"][0]
    assert row[3] == number(piriformis, sign=True)  # the heading says %


def test_superior_gt_turns_the_right_piriformis_blue_on_screen(window, qtbot):
    window.set_view("posterior")
    settle(qtbot)
    point = path_point(window, "right.piriformis")
    neutral = pixel_at(window, point)
    assert np.ptp(neutral) < 14 and neutral.mean() > 60, f"not on the grey muscle: {neutral}"
    window.controls.controls[GT_UP].spin.setValue(20.0)
    settle(qtbot)
    moved = pixel_at(window, path_point(window, "right.piriformis"))
    shortened = colour_for_change(-DEFAULT_LIMIT_PCT) * 255
    assert np.linalg.norm(moved - shortened) < np.linalg.norm(neutral - shortened) - 10
    assert moved[2] - moved[0] > neutral[2] - neutral[0] + 10


def test_reset_restores_neutral(window, qtbot):
    window.controls.controls[GT_UP].slider.setValue(16)
    window.controls.controls["left.iliac_crest_superior_mm"].spin.setValue(-6.0)
    window.controls.controls["left.hip_flexion_deg"].slider.setValue(30)
    assert window.model.pose != Pose()
    qtbot.keyClick(window, Qt.Key_R, Qt.ControlModifier)
    settle(qtbot)
    assert window.model.pose == Pose()
    assert all(
        c.slider.value() == 0 and c.spin.value() == 0 for c in window.controls.controls.values()
    )
    for name in ("femur_right", "femur_left", "pelvis_left"):
        np.testing.assert_allclose(window.scene.bone_actors[name].user_matrix, np.eye(4), atol=1e-9)
    np.testing.assert_allclose(window.scene.muscles.lines.point_data["change_pct"], 0.0, atol=1e-9)
    window.controls.controls["left.gt_anterior_mm"].slider.setValue(10)
    window.controls.reset_buttons["left"].click()
    assert window.model.pose == Pose()


def test_dragging_through_200_values_adds_no_actors(window, qtbot):
    slider = window.controls.controls[GT_UP].slider
    props = renderer_props(window)
    actors = dict(window.plotter.renderer.actors)
    lines, tubes = window.scene.muscles.lines, window.scene.muscles.tube_actor
    values = np.r_[np.arange(-50, 50), np.arange(50, -50, -1)]
    for i, value in enumerate(values):
        slider.setValue(int(value))
        if i % 25 == 0:
            qtbot.wait(1)  # let the view repaint now and then, as during a real drag
    settle(qtbot)
    assert renderer_props(window) == props
    assert dict(window.plotter.renderer.actors) == actors
    assert window.scene.muscles.lines is lines and window.scene.muscles.tube_actor is tubes
    # where the drag stopped (slider -49: 24.5 mm inferior) is what the view and the
    # controls show, not a pose from half-way
    assert window.model.pose.get(GT_UP) == -24.5
    solution = window.model.solution
    # 24.5 mm inferior adducts the right thigh into the left one: the femurs stop where they
    # touch, and the controls show the GT reached there (with the reason)
    reached = solution.reached.get(GT_UP)
    assert -24.5 < reached < 0
    assert window.controls.controls[GT_UP].spin.value() == pytest.approx(reached, abs=0.05)
    assert "touch" in window.controls.reason_labels["right"].text()
    np.testing.assert_allclose(
        window.scene.bone_actors["femur_right"].user_matrix, solution.transforms["femur_right"]
    )
    np.testing.assert_allclose(window.scene.muscles.change_pct, solution.change_pct)
    i = solution.keys.index("right.gluteus_medius_middle")
    assert solution.change_pct[i] > 1.0  # an inferior GT lengthens the abductors


def test_clamped_request_shows_its_reason(window, qtbot):
    window.controls.controls["right.gt_anterior_mm"].slider.setValue(-50)  # 25 mm posterior
    spin = window.controls.controls[GT_UP].spin
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "-25")  # typed: digits must not trigger view shortcuts
    qtbot.keyClick(spin.lineEdit(), Qt.Key_Return)
    settle(qtbot)
    solution = window.model.solution
    assert solution.requested.right.gt_superior_mm == -25.0
    assert solution.reasons["right"]
    label = window.controls.reason_labels["right"]
    assert label.isVisible()
    assert solution.reasons["right"][0] in label.text()
    assert spin.value() == pytest.approx(round(solution.reached.right.gt_superior_mm, 1))
    assert spin.value() > -25.0
    assert not window.controls.reason_labels["left"].isVisible()
    window.controls.reset_all()
    assert not label.isVisible()


def test_mirror_copies_one_side_onto_the_other(window, qtbot):
    window.controls.mirror_combo.setCurrentText("Right onto left")
    assert not window.controls.side_boxes["left"].isEnabled()
    window.controls.controls[GT_UP].slider.setValue(12)
    assert window.model.pose.left == window.model.pose.right
    assert window.controls.controls["left.gt_superior_mm"].spin.value() == 6.0
    window.controls.mirror_combo.setCurrentText("Off")
    assert window.controls.side_boxes["left"].isEnabled()


# --- inspecting and display options ---------------------------------------------------------
def test_hover_and_click_inspect_a_muscle(window, qtbot):
    window.set_view("posterior")
    settle(qtbot)
    pos = widget_pos(window, path_point(window, "right.piriformis", 0.5))
    move = QMouseEvent(QEvent.MouseMove, pos, Qt.NoButton, Qt.NoButton, Qt.NoModifier)
    QApplication.sendEvent(window.plotter, move)
    assert window.hovered == "right.piriformis"
    assert window.scene.muscles.highlight_actor.visibility
    assert "Right piriformis" in window.inspect.text
    assert "greater trochanter" in window.inspect.text
    assert "Right piriformis" in window.statusBar().currentMessage()
    qtbot.mouseClick(window.plotter, Qt.LeftButton, pos=pos)
    assert window.selected == "right.piriformis"
    elsewhere = QMouseEvent(QEvent.MouseMove, QPoint(3, 3), Qt.NoButton, Qt.NoButton, Qt.NoModifier)
    QApplication.sendEvent(window.plotter, elsewhere)
    assert window.hovered is None
    assert window.scene.muscles.highlighted == "right.piriformis"  # the click keeps it


def test_hiding_a_muscle_removes_its_pixels(window, qtbot):
    window.set_view("posterior")
    settle(qtbot)
    # the gluteus medius and minimus fans lie over piriformis from behind: hidden first
    for group in ("gluteus_medius", "gluteus_minimus"):
        window.display.set_group_shown(group, False)
    assert not window.scene.muscles.is_visible("right.gluteus_medius_posterior")
    point = path_point(window, "right.piriformis", 0.5)
    before = pixel_at(window, point)
    window.display.set_muscle_shown("piriformis", False)
    after = pixel_at(window, point)
    assert np.linalg.norm(after - before) > 25
    assert not window.scene.muscles.is_visible("left.piriformis")
    window.display.set_muscle_shown("piriformis", True)
    np.testing.assert_allclose(pixel_at(window, point), before, atol=12)
    for group in ("gluteus_medius", "gluteus_minimus"):
        window.display.set_group_shown(group, True)
    assert window.scene.muscles.is_visible("right.gluteus_medius_posterior")


def test_display_options(window, qtbot):
    display = window.display
    display.opacity_slider.setValue(40)
    assert window.scene.bone_actors["sacrum"].prop.opacity == pytest.approx(0.4)
    display.lines_radio.setChecked(True)
    assert window.scene.muscles.line_actor.visibility
    assert not window.scene.muscles.tube_actor.visibility
    assert window.lines_action.isChecked()
    display.range_spin.setValue(5.0)
    assert window.scene.muscles.lut.scalar_range == (-5.0, 5.0)
    assert window.scene.muscles.legend.ticks[-1].GetInput() == "+5"
    window.labels_action.trigger()
    assert display.labels_check.isChecked()
    settle(qtbot)
    window.scene.screenshot()
    assert "R ASIS" in window.scene.landmarks.shown_labels
    assert any(a.GetVisibility() for a in window.scene.landmarks.text_actors)
    display.labels_check.setChecked(False)
    assert not any(a.GetVisibility() for a in window.scene.landmarks.text_actors)


def test_table_sorts_copies_and_exports(window, qtbot, tmp_path):
    window.controls.controls[GT_UP].spin.setValue(10.0)
    table = window.table
    header = table.view.horizontalHeader()
    qtbot.mouseClick(
        header.viewport(),
        Qt.LeftButton,
        pos=QPoint(header.sectionViewportPosition(3) + 5, header.height() // 2),
    )
    # the first click on "R Δ %" puts the right side's most shortened muscle on top,
    # in the order of the model's own length changes; a second click turns the order round
    solution = window.model.solution
    right = {
        muscle_label(key.split(".", 1)[1]): float(solution.change_pct[i])
        for i, key in enumerate(solution.keys)
        if key.startswith("right.")
    }
    shortest_first = sorted(right, key=right.get)
    rows = table.values()[1:]
    assert [r[0] for r in rows] == shortest_first
    assert float(rows[0][3].rstrip(" %")) == pytest.approx(min(right.values()), abs=0.051)
    assert min(right.values()) < -1.0  # a superior GT shortens (the abductors, piriformis)
    qtbot.mouseClick(
        header.viewport(),
        Qt.LeftButton,
        pos=QPoint(header.sectionViewportPosition(3) + 5, header.height() // 2),
    )
    assert [r[0] for r in table.values()[1:]] == shortest_first[::-1]
    for row in rows:  # left - right difference
        assert float(row[7]) == pytest.approx(float(row[4]) - float(row[1]), abs=0.11)
    table.copy_button.click()
    copied = QApplication.clipboard().text().splitlines()
    assert copied[0].startswith("Muscle\t") and len(copied) == 1 + len(MUSCLES)
    path = tmp_path / "lengths.csv"
    table.export_csv(path)
    lines = path.read_text().splitlines()
    assert lines[0].split(",")[:2] == ["muscle", "right_length_mm"] and len(lines) == 1 + len(
        MUSCLES
    )


def test_scene_file_sets_pose_view_and_display(window, qtbot, tmp_path):
    path = tmp_path / "case.toml"
    path.write_text(
        'hipviz_scene = 1\ntitle = "GT superior"\n[pose.right]\n'
        'gt_superior_mm = 8.0\n[camera]\nview = "posterior"\n'
        '[display]\nmuscles = ["right.piriformis"]\nlabels = true\n'
    )
    window.open_scene(path)
    assert window.model.pose.get(GT_UP) == 8.0
    assert window.controls.controls[GT_UP].spin.value() == 8.0
    assert window.scene.view == "posterior"
    assert window.scene.muscles.is_visible("right.piriformis")
    assert not window.scene.muscles.is_visible("left.piriformis")
    assert window.display.labels_check.isChecked()
    assert "GT superior" in window.windowTitle()


# --- start-up errors ------------------------------------------------------------------------
def test_missing_meshes_show_an_error_dialog(monkeypatch, tmp_path, qtbot):
    monkeypatch.setenv("HIPVIZ_MESH_DIR", str(tmp_path))
    shown = []
    monkeypatch.setattr(
        QMessageBox, "critical", staticmethod(lambda parent, title, text, *a: shown.append(text))
    )
    assert app.run() == 1
    assert len(shown) == 1
    # the first file missing from the mesh folder (the landmarks are read while the bones
    # still load in their own process), and the fix
    assert str(tmp_path / "landmarks.json") in shown[0]
    assert "hipviz build-meshes" in shown[0]


def test_unreadable_muscle_data_shows_an_error_dialog(monkeypatch, qtbot):
    def missing(*_args, **_kwargs):
        raise FileNotFoundError(2, "No such file or directory", "hipviz/data/muscles.json")

    monkeypatch.setattr(HipModel, "from_landmarks", missing)
    shown = []
    monkeypatch.setattr(
        QMessageBox, "critical", staticmethod(lambda parent, title, text, *a: shown.append(text))
    )
    assert app.run() == 1
    assert "muscles.json" in shown[0] and "hipviz build-muscles" in shown[0]


# --- the display state ----------------------------------------------------------------------
def test_the_display_panel_and_the_state_follow_each_other(window, qtbot):
    state, display = window.state, window.display
    finished = []
    state.connect(finished.append)
    # a script (or a scene) changes the state: the view, the panel and the menus follow
    state.update(
        bone_opacity=0.3,
        tubes=False,
        background="white",
        muscles=[k for k in state.muscles if k != "left.piriformis"],
    )
    assert display.opacity_slider.value() == 30 and display.opacity_spin.value() == 30
    assert display.lines_radio.isChecked() and window.lines_action.isChecked()
    assert display.background_combo.currentData() == "white"
    assert display.muscle_items["piriformis"].checkState(0) == Qt.PartiallyChecked
    assert window.scene.bone_actors["sacrum"].prop.opacity == pytest.approx(0.3)
    assert window.scene.muscles.line_actor.visibility
    # the panel changes the state
    display.legend_check.setChecked(False)
    assert state.legend is False and not window.scene.muscles.legend.visible
    display.set_muscle_shown("piriformis", True)
    assert "left.piriformis" in state.muscles
    # a drag: the view follows each step, the rest hear once, when the slider is let go
    finished.clear()
    slider = display.opacity_slider
    slider.setSliderDown(True)
    for pct in (50, 55, 60):
        slider.setValue(pct)
        assert window.scene.bone_actors["sacrum"].prop.opacity == pytest.approx(pct / 100)
    assert finished == [] and display.opacity_spin.value() == 60
    slider.setSliderDown(False)  # released
    assert finished == [frozenset({"bone_opacity"})]
    assert window.current_scene().display.bone_opacity == pytest.approx(0.6)


def test_a_scene_without_attachments_hides_them_in_the_window_and_in_its_figure(window):
    window.select_path("right.piriformis")
    window.apply_scene(Scene(title="No spheres", display=Display(attachments=False)))
    # one path from the scene to the view: the check box, the view and the figure agree
    assert not window.display.attachments_check.isChecked()
    assert not window.scene.muscles.attachments.point_data["scale"].any()
    assert window.scene.muscles.highlighted == "right.piriformis"  # the user's selection stays
    with FigureRenderer(window.bones, window.model, window.landmarks) as renderer:
        renderer.show(window.current_scene(), FigureOptions(size=(320, 200)))
        muscles = renderer.scene.muscles
        assert not muscles.attachments.point_data["scale"].any()
        assert muscles.highlighted is None  # a figure outlines nothing
        assert renderer.state.values() == {
            **window.state.values(),
            "highlight": None,
            "camera": renderer.state.camera,
        }
    window.apply_scene(replace(window.current_scene(), display=Display()))
    assert window.display.attachments_check.isChecked()
    # both ends of every path shown (gluteus maximus and tensor fasciae latae start hidden)
    scale = window.scene.muscles.attachments.point_data["scale"]
    assert (scale > 0).sum() == 2 * len(DEFAULT_PATHS)


def test_gt_controls_say_what_a_gt_move_means_at_this_flexion(window, qtbot):
    meaning = window.controls.meaning_labels["right"]
    assert meaning.isVisible()
    assert "At 0 deg flexion, GT superior = abduction" in meaning.text()
    window.controls.controls["right.hip_flexion_deg"].slider.setValue(90)
    settle(qtbot)
    assert "At 90 deg flexion, GT superior = internal rotation" in meaning.text()
    assert "GT anterior = adduction" in meaning.text()
    assert "At 0 deg flexion" in window.controls.meaning_labels["left"].text()


def test_crests_say_what_they_do_and_femurs_stop_at_contact(window, qtbot):
    crest = window.controls.crest_label
    assert not crest.isVisible()
    tip = window.controls.controls["right.iliac_crest_superior_mm"].toolTip()
    assert "right hip adducts 1" in tip and "palpated" in tip  # 14.4 deg
    window.controls.controls["right.iliac_crest_superior_mm"].slider.setValue(20)  # 10 mm
    settle(qtbot)
    assert crest.isVisible() and "right hip adducts 1" in crest.text()
    assert not window.controls.reason_labels["right"].isVisible()
    window.controls.controls["left.iliac_crest_superior_mm"].slider.setValue(30)  # 15 mm
    settle(qtbot)
    solution = window.model.solution
    for side in ("right", "left"):
        label = window.controls.reason_labels[side]
        assert label.isVisible(), side
        assert "thighs would pass through each other" in label.text()
    assert solution.reasons["right"][0] in window.controls.reason_labels["right"].text()


def test_gluteus_maximus_and_tfl_start_hidden_and_one_click_shows_them(window, qtbot):
    from hipviz.core.muscles import HIDDEN_BY_DEFAULT
    from hipviz.state import DEFAULT_PATHS

    display, muscles = window.display, window.scene.muscles
    hidden = [f"{side}.{m}" for side in ("right", "left") for m in HIDDEN_BY_DEFAULT]
    assert len(hidden) == 8 and not any(muscles.is_visible(k) for k in hidden)
    assert all(muscles.is_visible(k) for k in DEFAULT_PATHS)
    # the table lists them all the same
    names = {window.table.model.item(r, 0).text() for r in range(window.table.model.rowCount())}
    assert {"Gluteus maximus, inferior fibres", "Tensor fasciae latae"} <= names
    box = display.more_check
    assert box.text().replace("&&", "&") == "Gluteus maximus & Tensor fasciae latae"
    box.ensurePolished()
    # one click (on the box's own check mark) shows both sides of all four paths
    qtbot.mouseClick(box, Qt.LeftButton, pos=QPoint(8, box.height() // 2))
    assert box.isChecked() and all(muscles.is_visible(k) for k in hidden)
    assert all(muscles.is_visible(k) for k in DEFAULT_PATHS)  # the rest stay
    assert display.group_items["gluteus_maximus"].checkState(0) == Qt.Checked
    assert display.muscle_items["tensor_fasciae_latae"].checkState(0) == Qt.Checked
    # unticking one part in the tree unticks the one-click box; a click hides them again
    display.set_muscle_shown("gluteus_maximus_middle", False)
    assert not box.isChecked()
    box.setChecked(True)
    qtbot.mouseClick(box, Qt.LeftButton, pos=QPoint(8, box.height() // 2))
    assert not any(muscles.is_visible(k) for k in hidden)
    assert all(muscles.is_visible(k) for k in DEFAULT_PATHS)
