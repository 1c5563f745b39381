"""No muscle path enters bone, in neutral or anywhere in the control ranges."""

from __future__ import annotations

import pytest

from hipviz.build.clearance import CLAMPED_TOLERANCE_MM, TOLERANCE_MM, Clearance, range_poses
from hipviz.core.model import HipModel
from hipviz.core.pose import Pose
from hipviz.io.meshes import load_bones
from hipviz.io.model_files import load_model


@pytest.fixture(scope="module")
def model_and_clearance():
    return load_model(), Clearance(load_bones())


def test_no_path_enters_bone_in_neutral(model_and_clearance):
    model, clearance = model_and_clearance
    assert (
        clearance.depths(model, Pose()) == {}
        or max(clearance.depths(model, Pose()).values()) <= TOLERANCE_MM
    )


def test_no_path_enters_bone_across_the_ranges(model_and_clearance):
    model, clearance = model_and_clearance
    poses = range_poses()
    assert len(poses) == 81
    checked = 0
    for pose in poses:
        solution = model.solve(pose, moment_arms=False)
        for (key, bone), depth in clearance.depths(model, pose).items():
            side = key.split(".")[0]
            limit = CLAMPED_TOLERANCE_MM if solution.reasons[side] else TOLERANCE_MM
            assert depth <= limit, f"{key} {depth:.2f} mm inside {bone} at {pose.as_dict()}"
        checked += 1
    assert checked == 81


def test_the_checker_sees_a_path_through_bone(model_and_clearance):
    # a straight line from the origin through the femoral head must be caught
    from dataclasses import replace

    import numpy as np

    from hipviz.core.muscles import MuscleSet

    model, clearance = model_and_clearance
    path = model.muscles.paths[0]
    head = model.anatomy.hip_centre[path.side]
    straight = replace(
        path,
        points=np.array([path.points[0], head + [0, -60, 0]]),
        bodies=(path.bodies[0], path.bodies[-1]),
        names=path.names[:2],
        roles=("origin", "insertion"),
        wraps=(),
    )
    broken = HipModel(model.anatomy, MuscleSet((straight, *model.muscles.paths[1:])))
    depths = clearance.depths(broken, Pose(), [0])
    assert max(depths.values()) > 10
