"""Joint angles as controls: a side driven by its hip abduction and rotation instead of
its GT position, agreeing with GT mode; bad angle input refused clearly; the moment arms
in the window's table."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from PyQt5.QtCore import Qt

from hipviz.cli import main
from hipviz.core.model import HipModel
from hipviz.core.pose import Pose, PoseError, SidePose
from hipviz.io.model_files import load_model
from hipviz.io.scene import Scene, SceneError, format_scene, parse_scene, read_scene, write_scene

MODEL = load_model()

GT_POSES = [  # (side, flexion, GT superior, GT anterior): all reachable
    ("right", 0.0, 8.0, 0.0),
    ("right", 30.0, 5.0, -3.0),
    ("left", 0.0, -6.0, 7.0),
    ("left", 60.0, 4.0, -8.0),
    ("right", 90.0, -5.0, 5.0),
]
ANGLE_POSES = [  # (side, flexion, abduction, internal rotation)
    ("right", 0.0, 15.0, -20.0),
    ("left", 45.0, -10.0, 25.0),
    ("right", 70.0, 30.0, 10.0),
    ("left", 20.0, 0.0, -22.0),
]


@pytest.mark.parametrize("side, flex, sup, ant", GT_POSES)
def test_driving_by_the_angles_a_gt_pose_reports_reproduces_it(side, flex, sup, ant):
    gt = MODEL.solve(
        Pose.from_dict(
            {
                f"{side}.hip_flexion_deg": flex,
                f"{side}.gt_superior_mm": sup,
                f"{side}.gt_anterior_mm": ant,
            }
        )
    )
    assert not gt.reasons[side]
    _, abd, rot = gt.angles_deg[side]
    assert gt.reached.side(side).hip_abduction_deg == pytest.approx(abd)
    by_angles = MODEL.solve(
        Pose.from_dict(
            {
                f"{side}.hip_flexion_deg": flex,
                f"{side}.hip_abduction_deg": float(abd),
                f"{side}.hip_rotation_deg": float(rot),
            }
        )
    )
    reached = by_angles.reached.side(side)
    assert by_angles.requested.side(side).mode == "angles"
    assert (reached.gt_superior_mm, reached.gt_anterior_mm) == (
        pytest.approx(sup, abs=1e-6),
        pytest.approx(ant, abs=1e-6),
    )
    femur = f"femur_{side}"
    np.testing.assert_allclose(by_angles.transforms[femur], gt.transforms[femur], atol=1e-9)
    np.testing.assert_allclose(by_angles.lengths_mm, gt.lengths_mm, atol=1e-6)


@pytest.mark.parametrize("side, flex, abd, rot", ANGLE_POSES)
def test_driving_by_the_gt_an_angle_pose_reports_reproduces_it(side, flex, abd, rot):
    angles = MODEL.solve(
        Pose.from_dict(
            {
                f"{side}.hip_flexion_deg": flex,
                f"{side}.hip_abduction_deg": abd,
                f"{side}.hip_rotation_deg": rot,
            }
        )
    )
    np.testing.assert_allclose(angles.angles_deg[side], [flex, abd, rot], atol=1e-12)
    got = angles.reached.side(side)
    assert (got.hip_abduction_deg, got.hip_rotation_deg) == (pytest.approx(abd), pytest.approx(rot))
    assert abs(got.gt_superior_mm) > 0.5 or abs(got.gt_anterior_mm) > 0.5  # the GT did move
    gt = MODEL.solve(
        Pose.from_dict(
            {
                f"{side}.hip_flexion_deg": flex,
                f"{side}.gt_superior_mm": got.gt_superior_mm,
                f"{side}.gt_anterior_mm": got.gt_anterior_mm,
            }
        )
    )
    assert not gt.reasons[side]
    np.testing.assert_allclose(gt.angles_deg[side], [flex, abd, rot], atol=1e-6)
    np.testing.assert_allclose(gt.lengths_mm, angles.lengths_mm, atol=1e-6)


def test_model_set_mode_keeps_the_femur_still_both_ways():
    model = HipModel(MODEL.anatomy, MODEL.muscles)
    model.set_pose(
        Pose.from_dict(
            {"left.gt_superior_mm": 5.0, "left.gt_anterior_mm": -3.0, "left.hip_flexion_deg": 40.0}
        )
    )
    before = model.solution.transforms["femur_left"].copy()
    model.set_mode("left", "angles")
    assert model.pose.left.mode == "angles" and model.pose.right.mode == "gt"
    np.testing.assert_allclose(model.solution.transforms["femur_left"], before, atol=1e-12)
    model.set("left.hip_rotation_deg", 10.0)
    moved = model.solution.transforms["femur_left"].copy()
    model.set_mode("left", "gt")
    assert model.pose.left.mode == "gt"
    np.testing.assert_allclose(model.solution.transforms["femur_left"], moved, atol=1e-9)
    model.reset("left")  # neutral, still driven as it was
    assert model.pose.left == SidePose()
    with pytest.raises(PoseError, match="mode 'knee'"):
        model.set_mode("left", "knee")


@pytest.mark.parametrize(
    "values, message",
    [
        (
            {"right.hip_abduction_deg": 50.0},
            "right.hip_abduction_deg: 50.0 is out of range (allowed -30 to 45 deg)",
        ),
        ({"left.hip_abduction_deg": -31}, "allowed -30 to 45 deg"),
        (
            {"right.hip_rotation_deg": -46.0},
            "right.hip_rotation_deg: -46.0 is out of range (allowed -45 to 45 deg)",
        ),
        ({"left.hip_rotation_deg": math.nan}, "left.hip_rotation_deg: nan is out of range"),
        ({"right.hip_rotation_deg": "ten"}, "'ten' is not a number"),
        (
            {"right.gt_superior_mm": 0.0, "right.hip_rotation_deg": 5.0},
            "right: give either the GT position (gt_superior_mm, gt_anterior_mm) or the angles "
            "(hip_abduction_deg, hip_rotation_deg), not both (given: right.gt_superior_mm, "
            "right.hip_rotation_deg)",
        ),
    ],
)
def test_bad_angle_input_is_refused_with_the_key_and_what_is_allowed(values, message):
    with pytest.raises(PoseError) as exc:
        Pose.from_dict(values)
    assert message in str(exc.value)


def test_an_angle_on_a_side_the_gt_has_moved_is_refused():
    pose = Pose.from_dict({"left.gt_anterior_mm": 4.0})
    with pytest.raises(PoseError, match="left: give either the GT position"):
        pose.with_value("left.hip_abduction_deg", 10.0)
    switched = Pose().with_value("left.hip_abduction_deg", 10.0)  # from neutral: switches
    assert switched.left == SidePose(hip_abduction_deg=10.0, hip_rotation_deg=0.0)
    with pytest.raises(PoseError, match="not both"):
        switched.with_value("left.gt_superior_mm", 3.0)


def run(capsys, *args):
    code = main(["report", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_report_by_the_angles_shows_gt_and_angles(capsys):
    code, out, err = run(
        capsys,
        "--set",
        "right.hip_abduction_deg=15",
        "--set",
        "right.hip_rotation_deg=-20",
        "--format",
        "json",
    )
    assert code == 0, err
    pose = json.loads(out)["pose"]
    assert pose["right.mode"] == "angles" and pose["left.mode"] == "gt"
    assert pose["right.hip_abduction_deg"] == 15.0 and pose["right.hip_rotation_deg"] == -20.0
    assert pose["right.gt_superior_mm"] > 5  # abduction lifts the GT
    for side in ("right", "left"):
        assert [k.split(".")[1] for k in pose if k.startswith(side) and "mode" not in k] == [
            "gt_superior_mm",
            "gt_anterior_mm",
            "iliac_crest_superior_mm",
            "hip_flexion_deg",
            "hip_abduction_deg",
            "hip_rotation_deg",
        ]


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--set", "right.gt_superior_mm=0", "--set", "right.hip_abduction_deg=10"],
            "right: give either the GT position (gt_superior_mm, gt_anterior_mm) or the angles "
            "(hip_abduction_deg, hip_rotation_deg), not both (given: right.gt_superior_mm, "
            "right.hip_abduction_deg)",
        ),
        (
            ["--set", "left.hip_rotation_deg=60"],
            "left.hip_rotation_deg: 60.0 is out of range (allowed -45 to 45 deg)",
        ),
        (["--set", "left.hip_abduction_deg=nan"], "left.hip_abduction_deg: nan is out of range"),
    ],
)
def test_bad_angle_settings_exit_2_with_the_reason(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_scene_with_both_modes_for_a_side_is_a_scene_error(tmp_path):
    path = tmp_path / "both.toml"
    path.write_text(
        "hipviz_scene = 1\n[pose.left]\ngt_anterior_mm = 5.0\nhip_rotation_deg = 10.0\n"
    )
    with pytest.raises(SceneError) as exc:
        read_scene(path)
    text = str(exc.value)
    assert text.startswith(str(path)) and "pose.left: give either the GT position" in text
    assert "left.gt_anterior_mm, left.hip_rotation_deg" in text


def test_scene_round_trip_in_angle_mode_writes_only_the_driving_keys(tmp_path):
    pose = Pose.from_dict(
        {
            "right.hip_abduction_deg": 12.345678901234,
            "right.hip_flexion_deg": 33.3,
            "left.gt_superior_mm": -4.0,
        }
    )
    scene = Scene(title="Angles", pose=pose)
    text = format_scene(scene)
    right = text[text.index("[pose.right]") : text.index("[pose.left]")]
    assert "hip_abduction_deg = 12.345678901234" in right and "hip_rotation_deg = 0.0" in right
    assert "gt_" not in right
    left = text[text.index("[pose.left]") : text.index("[camera]")]
    assert "gt_superior_mm = -4.0" in left and "hip_" in left and "abduction" not in left
    assert parse_scene(text) == scene
    write_scene(scene, tmp_path / "a.toml")
    assert read_scene(tmp_path / "a.toml") == scene


def test_sweep_along_an_angle_matches_single_solves():
    model = HipModel(MODEL.anatomy, MODEL.muscles)
    model.set_pose(Pose.from_dict({"right.gt_superior_mm": 6.0, "right.hip_flexion_deg": 20.0}))
    x = np.array([-40.0, 0.0, 40.0])
    swept = model.sweep({"right.hip_rotation_deg": x})
    abd = float(model.solution.angles_deg["right"][1])  # the current abduction stays
    for i, rot in enumerate(x):
        one = model.solve(
            Pose.from_dict(
                {
                    "right.hip_flexion_deg": 20.0,
                    "right.hip_abduction_deg": abd,
                    "right.hip_rotation_deg": rot,
                }
            ),
            moment_arms=False,
        )
        np.testing.assert_allclose(swept[i], one.lengths_mm, atol=1e-9)


# --- the window ------------------------------------------------------------------------------
def test_gui_drive_by_angles_keeps_the_femur_still_and_the_rotation_moves_the_gt(window, qtbot):
    controls, model = window.controls, window.model
    model.set_pose(Pose.from_dict({"right.gt_superior_mm": 6.0, "right.gt_anterior_mm": -4.0}))
    before = model.solution.transforms["femur_right"].copy()
    user_before = _user_matrix(window, "femur_right")
    rotation = controls.controls["right.hip_rotation_deg"]
    gt_up = controls.controls["right.gt_superior_mm"]
    assert not rotation.isEnabled() and gt_up.isEnabled()

    combo = controls.mode_combos["right"]
    combo.setCurrentIndex(combo.findData("angles"))  # what choosing "Joint angles" does
    assert model.pose.right.mode == "angles"
    np.testing.assert_allclose(model.solution.transforms["femur_right"], before, atol=1e-12)
    np.testing.assert_allclose(_user_matrix(window, "femur_right"), user_before, atol=1e-9)
    assert rotation.isEnabled() and not gt_up.isEnabled()
    assert gt_up.spin.value() == pytest.approx(6.0, abs=0.05)  # the reached GT, read-only

    gt_ant_before = controls.controls["right.gt_anterior_mm"].spin.value()
    rotation.slider.setValue(30)  # internal rotation 30 deg: the GT goes anterior
    assert model.pose.right.hip_rotation_deg == 30.0
    assert controls.controls["right.gt_anterior_mm"].spin.value() > gt_ant_before + 3
    assert controls.controls["right.gt_anterior_mm"].spin.value() == pytest.approx(
        model.solution.reached.right.gt_anterior_mm, abs=0.05
    )
    assert not np.allclose(_user_matrix(window, "femur_right"), user_before)

    table = window.table
    header = [h for h in table.values()[0]]
    for side in ("R", "L"):
        for short in ("flex", "abd", "rot"):
            assert f"{side} MA {short} mm" in header
    col = header.index("R MA rot mm")
    tip = table.model.headerData(col, Qt.Horizontal, Qt.ToolTipRole)
    assert "Right rotation moment arm" in tip and "+ the muscle rotates the hip internally" in tip
    arms = model.solution.moment_arms_mm["rotation"]
    keys = model.solution.keys
    by_name = {row[0]: row[col] for row in table.values()[1:]}
    from hipviz.names import muscle_label

    assert by_name[muscle_label("piriformis")] == f"{arms[keys.index('right.piriformis')]:+.1f}"
    from hipviz.gui.table import table_csv

    csv_header = table_csv(model.solution).splitlines()[0].split(",")
    assert "right_moment_arm_rotation_mm" in csv_header
    assert "left_moment_arm_flexion_mm" in csv_header

    # and back: the GT (26.8 mm anterior) is beyond its controls' range, so it comes back
    with qtbot.waitSignal(controls.message) as blocker:
        combo.setCurrentIndex(combo.findData("gt"))
    assert "brought back into range" in blocker.args[0]
    assert model.pose.right.mode == "gt" and gt_up.isEnabled() and not rotation.isEnabled()
    assert model.pose.right.gt_anterior_mm == 25.0
    assert 20.0 < model.solution.reached.right.hip_rotation_deg < 30.0


def _user_matrix(window, body: str) -> np.ndarray:
    """The rendered bone's user matrix (what the viewer sees move)."""
    return np.array(window.scene.bone_actors[body].user_matrix, dtype=float)
