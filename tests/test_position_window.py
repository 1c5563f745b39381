"""The window's Stretch / Release position buttons (issue 21, item 2): a real window, real
clicks, the real search, the eased move run to its end."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtTest import QTest

from hipviz.core.pose import Pose, SidePose
from hipviz.core.positions import find_position
from hipviz.formatting import number
from hipviz.names import pose_words

pytestmark = pytest.mark.gui

KEY = "right.piriformis"


def change_mm(window, key: str = KEY) -> float:
    solution = window.model.solution
    return float(solution.change_mm[solution.keys.index(key)])


def arrive(qtbot, window, target: Pose) -> None:
    """Wait for the move to end on ``target`` (it takes about half a second)."""
    panel = window.positions
    qtbot.waitUntil(lambda: not panel.mover.moving and window.model.pose == target, timeout=5000)


def test_the_buttons_wait_for_a_selected_muscle(window):
    panel = window.positions
    assert not panel.buttons["lengthen"].isEnabled() and not panel.back_button.isEnabled()
    assert "Select a muscle" in panel.caption
    window.select_path(KEY)
    assert panel.buttons["lengthen"].isEnabled() and panel.buttons["shorten"].isEnabled()
    assert not panel.back_button.isEnabled()  # nothing to go back to yet
    for button in (*panel.buttons.values(), panel.back_button):
        shortcut = button.shortcut().toString()
        assert shortcut and shortcut in button.toolTip()


def test_stretch_moves_the_hip_to_the_found_pose_and_back_restores_it(window, qtbot):
    start = Pose(right=SidePose(gt_superior_mm=4.0), left=SidePose(hip_flexion_deg=20.0))
    window.model.set_pose(start)
    before = change_mm(window)
    window.select_path(KEY)
    expected = find_position(window.model, "piriformis", side="right", goal="lengthen")
    window.positions.mover.duration_s = 2.0  # frames to see on a busy machine, too
    poses = []
    window.model.subscribe(lambda s: poses.append(s.requested))
    qtbot.mouseClick(window.positions.buttons["lengthen"], Qt.LeftButton)
    arrive(qtbot, window, expected.pose())
    # it moved there in steps (the eased move), not in one jump
    assert len(poses) >= 3
    flexions = [p.right.hip_flexion_deg or 0.0 for p in poses]
    assert any(0 < f < expected.angles_deg["flexion"] for f in flexions)
    # the piriformis changed as the search says
    assert change_mm(window) == pytest.approx(expected.change_mm, abs=1e-9)
    # the caption says the pose in words and the change
    a = expected.angles_deg
    words = pose_words(a["flexion"], a["abduction"], a["rotation"])
    assert words != pose_words(0, 0, 0)  # the hip moved off standing
    caption = window.positions.caption
    assert "Right piriformis, stretch position" in caption
    assert words in caption
    assert f"Length {number(expected.change_mm, sign=True)} mm" in caption
    assert f"({number(expected.change_pct, sign=True)} %)" in caption
    assert f"{number(expected.change_mm - before, sign=True)} mm from the pose before" in caption
    assert window.statusBar().currentMessage() == caption
    # the Scene panel's caption rule says what the pose is now, too
    assert window.document.text().modified
    # one click back: exactly the pose before
    assert window.positions.back_button.isEnabled()
    window.positions.mover.duration_s = 0.3
    qtbot.mouseClick(window.positions.back_button, Qt.LeftButton)
    arrive(qtbot, window, start)
    assert window.model.pose == start
    assert change_mm(window) == pytest.approx(before, abs=1e-12)
    assert "Back to the pose before" in window.positions.caption
    assert not window.positions.back_button.isEnabled()


def test_release_by_its_shortcut_shortens_the_muscle(window, qtbot):
    window.select_path(KEY)
    expected = find_position(window.model, "piriformis", side="right", goal="shorten")
    QTest.keyClick(window, Qt.Key_R, Qt.ControlModifier | Qt.AltModifier)
    arrive(qtbot, window, expected.pose())
    assert (
        change_mm(window) == pytest.approx(expected.change_mm, abs=1e-9) and expected.change_mm < 0
    )
    assert "release position" in window.positions.caption
    QTest.keyClick(window, Qt.Key_B, Qt.ControlModifier | Qt.AltModifier)
    arrive(qtbot, window, Pose())


def test_a_second_step_during_the_move_still_goes_back_to_the_first_pose(window, qtbot):
    window.select_path(KEY)
    panel = window.positions
    panel.mover.duration_s = 5.0  # long enough to press again half-way
    panel.go("lengthen")
    qtbot.wait(100)
    assert panel.mover.moving and window.model.pose != Pose()
    panel.mover.duration_s = 0.2
    move = panel.go("shorten")  # planned from the half-way pose
    arrive(qtbot, window, move.target)
    assert np.isclose(change_mm(window), move.position.change_mm)
    panel.back()
    arrive(qtbot, window, Pose())


def test_a_slider_moved_during_the_move_wins(window, qtbot):
    window.select_path(KEY)
    panel = window.positions
    panel.mover.duration_s = 5.0
    panel.go("shorten")
    qtbot.waitUntil(lambda: window.model.pose != Pose(), timeout=5000)
    window.model.set("left.hip_flexion_deg", 30.0)  # as the left flexion slider does
    qtbot.waitUntil(lambda: not panel.mover.moving, timeout=2000)
    pose = window.model.pose
    qtbot.wait(200)
    assert window.model.pose == pose and pose.left.hip_flexion_deg == 30.0
    assert panel.back_button.isEnabled()  # the pose before is still one click away
