"""The one-pose fast paths give the numbers of the general, vectorised code.

A slider step solves one pose on plain floats and evaluates all muscles from stacked
arrays; these tests hold those paths to the straightforward formulas, pose by pose.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from hipviz.core import kinematics as kin
from hipviz.core.model import MomentArms
from hipviz.core.muscles import sphere_wrap_length, sphere_wrap_points, transform_points
from hipviz.core.pose import Pose
from hipviz.io.model_files import load_model

MODEL = load_model()
RNG = np.random.default_rng(7)
# crests, flexion, GT requests: in range, plus some far out of reach (clamped solves)
CASES = np.column_stack(
    [RNG.uniform(-25, 25, (60, 2)), RNG.uniform(0, np.pi / 2, 60), RNG.uniform(-40, 40, (60, 2))]
)


@pytest.mark.parametrize("side", ["right", "left"])
def test_one_pose_kinematics_equals_the_batched_kinematics(side):
    a = MODEL.anatomy
    cr, cl, flex, sup, ant = CASES.T
    pelvis = kin.pelvis_transform(a, cr, cl)
    add, rot, status = kin.solve_gt(a, side, pelvis, flex, sup, ant)
    femur = kin.femur_transform(a, side, pelvis, flex, add, rot)
    assert (status != kin.OK).any() and (status == kin.OK).any()  # both kinds are covered
    for i in range(len(CASES)):
        one_pelvis = kin.pelvis_transform(a, float(cr[i]), float(cl[i]))
        np.testing.assert_allclose(one_pelvis, pelvis[i], atol=1e-12)
        one = kin.solve_gt(a, side, one_pelvis, float(flex[i]), float(sup[i]), float(ant[i]))
        np.testing.assert_allclose(one[:2], (add[i], rot[i]), atol=1e-12)
        assert one[2] == status[i]
        np.testing.assert_allclose(
            kin.femur_transform(a, side, one_pelvis, float(flex[i]), one[0], one[1]),
            femur[i],
            atol=1e-12,
        )


def lengths_path_by_path(transforms: dict) -> np.ndarray:
    """Path lengths the plain way: one path at a time, one wrap at a time."""
    out = []
    for path in MODEL.muscles.paths:
        pts = transform_points(transforms, path.bodies, path.points)
        seg = np.linalg.norm(np.diff(pts, axis=0), axis=1)
        for w in path.wraps:
            t = transforms[w.body]
            seg[w.segment] = sphere_wrap_length(
                pts[w.segment], pts[w.segment + 1], t[:3, :3] @ w.centre + t[:3, 3], w.radius
            )
        out.append(seg.sum())
    return np.array(out)


def polylines_path_by_path(transforms: dict) -> list[np.ndarray]:
    lines = []
    for path in MODEL.muscles.paths:
        pts = transform_points(transforms, path.bodies, path.points)
        wraps = {w.segment: w for w in path.wraps}
        out = [pts[0]]
        for i in range(len(pts) - 1):
            if i in wraps:
                t = transforms[wraps[i].body]
                centre = t[:3, :3] @ wraps[i].centre + t[:3, 3]
                out.extend(sphere_wrap_points(pts[i], pts[i + 1], centre, wraps[i].radius)[1:])
            else:
                out.append(pts[i + 1])
        lines.append(np.array(out))
    return lines


def test_stacked_lengths_and_drawn_paths_equal_the_path_by_path_formulas():
    engaged = 0
    for cr, cl, flex, sup, ant in CASES[:25]:
        pose = Pose.from_dict(
            {
                "right.iliac_crest_superior_mm": cr,
                "left.iliac_crest_superior_mm": cl,
                "right.hip_flexion_deg": np.degrees(flex),
                "left.gt_superior_mm": np.clip(sup, -25, 25),
                "right.gt_anterior_mm": np.clip(ant, -25, 25),
            }
        )
        solution = MODEL.solve(pose, moment_arms=False)
        np.testing.assert_allclose(
            solution.lengths_mm, lengths_path_by_path(solution.transforms), atol=1e-9
        )
        fast = MODEL.muscles.polylines(solution.transforms)
        for got, want in zip(fast, polylines_path_by_path(solution.transforms), strict=True):
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, atol=1e-9)
            engaged += len(got) > 4
    assert engaged > 0  # some wraps were engaged (arcs drawn), not only straight lines


def test_moment_arms_wait_until_read_and_then_behave_as_a_dict():
    solution = MODEL.solve(Pose.from_dict({"right.gt_superior_mm": 6.0}))
    arms = solution.moment_arms_mm
    assert isinstance(arms, MomentArms) and not arms.computed
    lengths = solution.lengths_mm.copy()
    assert set(arms) == {"flexion", "abduction", "rotation"} and arms.computed
    assert arms["abduction"].shape == lengths.shape
    copy = pickle.loads(pickle.dumps(solution))
    assert type(copy.moment_arms_mm) is dict
    np.testing.assert_array_equal(copy.moment_arms_mm["rotation"], arms["rotation"])
    assert MODEL.solve(Pose(), moment_arms=False).moment_arms_mm == {}
    assert [r["moment_arm_flexion_mm"] for r in solution.rows()][:1] == [
        round(float(arms["flexion"][0]), 3)
    ]
