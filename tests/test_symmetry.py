"""Exact bilateral symmetry: at mirrored poses every left number equals its right twin.

The bones are symmetric (the pelvis averaged with its mirror image, the left femur the
mirror of the right) and the left paths are the mirror images of the right, so L - R in
the table comes from the pose alone.
"""

from __future__ import annotations

import numpy as np
import pytest

from hipviz.build.clearance import random_poses
from hipviz.core.pose import Pose
from hipviz.io.model_files import load_model

TOL_MM = 1e-6
MIRROR = np.diag([1.0, 1.0, -1.0, 1.0])


@pytest.fixture(scope="module")
def model():
    return load_model()


def swapped(pose: Pose) -> Pose:
    """The mirrored pose: each side takes the other's controls."""
    return Pose(right=pose.left, left=pose.right)


def table(model, pose: Pose) -> dict[tuple[str, str], dict]:
    """Every path's unrounded numbers at one pose."""
    solution = model.solve(pose)
    out = {}
    for i, key in enumerate(solution.keys):
        side, muscle = key.split(".")
        out[side, muscle] = {
            "length_mm": solution.lengths_mm[i],
            "rest_mm": solution.rest_lengths_mm[i],
            "change_pct": solution.change_pct[i],
            **{f"arm_{a}": v[i] for a, v in solution.moment_arms_mm.items()},
        }
    return out


def test_rest_lengths_of_twins_are_equal(model):
    rest = dict(zip(model.muscles.keys, model.muscles.rest_lengths, strict=True))
    for key, value in rest.items():
        if key.startswith("right."):
            assert abs(rest["left." + key[6:]] - value) < TOL_MM, key


@pytest.mark.parametrize("mode", ["gt", "angles"])
def test_left_numbers_equal_right_twins_at_mirrored_poses(model, mode):
    for pose in random_poses(12, mode, seed=3):
        a, b = table(model, pose), table(model, swapped(pose))
        for (side, muscle), values in a.items():
            twin = b["left" if side == "right" else "right", muscle]
            for name, value in values.items():
                assert abs(twin[name] - value) < TOL_MM, (mode, side, muscle, name, value)


def test_bones_of_twins_are_mirror_placed(model):
    pose = random_poses(1, "gt", seed=5)[0]
    a = model.solve(pose, moment_arms=False).transforms
    b = model.solve(swapped(pose), moment_arms=False).transforms
    assert np.allclose(MIRROR @ a["femur_right"] @ MIRROR, b["femur_left"], atol=1e-9)
    assert np.allclose(MIRROR @ a["pelvis"] @ MIRROR, b["pelvis"], atol=1e-9)


def test_the_left_minus_right_column_is_zero_at_a_symmetric_pose(model):
    pose = Pose.from_dict(
        {
            "right.gt_superior_mm": 7.0,
            "right.gt_anterior_mm": -4.0,
            "left.gt_superior_mm": 7.0,
            "left.gt_anterior_mm": -4.0,
        }
    )
    rows = table(model, pose)
    for (side, muscle), r in rows.items():
        if side == "right":
            assert abs(rows["left", muscle]["change_pct"] - r["change_pct"]) < 1e-6, muscle
