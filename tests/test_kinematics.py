"""Hip kinematics: the GT lands where palpated, the head stays centred, sides mirror."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hipviz.core import kinematics as kin
from hipviz.io.meshes import load_landmarks

ANATOMY = kin.Anatomy.from_landmarks(load_landmarks())
SIDES = ("right", "left")


def gt_displacement(side, crest_r, crest_l, flexion_deg, sup, ant):
    """Solve, then measure where the GT really went against neutral (room x, y)."""
    pelvis = kin.pelvis_transform(ANATOMY, crest_r, crest_l)
    flex = np.radians(flexion_deg)
    add, rot, status = kin.solve_gt(ANATOMY, side, pelvis, flex, sup, ant)
    femur = kin.femur_transform(ANATOMY, side, pelvis, flex, add, rot)
    gt = kin.gt_position(ANATOMY, side, femur)
    neutral = kin.neutral_gt(ANATOMY, side, flex)
    neutral = neutral if side == "right" else neutral @ kin.MIRROR
    head = femur[..., :3, :3] @ ANATOMY.hip_centre[side] + femur[..., :3, 3]
    hip = pelvis[..., :3, :3] @ ANATOMY.hip_centre[side] + pelvis[..., :3, 3]
    return gt - neutral, np.linalg.norm(head - hip, axis=-1), status, add, rot


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize(
    "sup, ant",
    [(10, 0), (-10, 0), (0, 10), (0, -10), (8, -6), (25, 0), (-25, 0), (0, 25), (0, -25)],
)
@pytest.mark.parametrize("flexion", [0, 45, 90])
def test_gt_lands_exactly_where_asked(side, sup, ant, flexion):
    d, head_error, status, *_ = gt_displacement(side, 0, 0, flexion, sup, ant)
    assert status == kin.OK
    assert d[1] == pytest.approx(sup, abs=0.01) and d[0] == pytest.approx(ant, abs=0.01)
    assert head_error < 1e-9


def test_neutral_is_identity():
    pelvis = kin.pelvis_transform(ANATOMY, 0.0, 0.0)
    assert np.allclose(pelvis, np.eye(4))
    for side in SIDES:
        add, rot, status = kin.solve_gt(ANATOMY, side, pelvis, 0.0, 0.0, 0.0)
        assert abs(add) < 1e-12 and abs(rot) < 1e-12 and status == kin.OK


def _angle_moving_gt(along: float, lateral: float, by_mm: float) -> float:
    """Hand computation, degrees: the rotation about an axis through the hip centre that
    moves a point at (``along``, ``lateral``) mm from it by ``by_mm`` along the first axis.
    The point turns on a circle: along * cos(t) + lateral * sin(t) = along + by_mm, i.e.
    R sin(t + phi) = along + by_mm with R = hypot(along, lateral), phi = atan2(along,
    lateral)."""
    radius, phi = np.hypot(along, lateral), np.arctan2(along, lateral)
    return float(np.degrees(np.arcsin((along + by_mm) / radius) - phi))


def test_superior_gt_is_abduction_anterior_gt_is_internal_rotation():
    """GT 10 mm superior is a pure abduction, 10 mm anterior a pure internal rotation, by
    the angle the landmarks give by hand: the GT sits about 53 mm lateral of the hip
    centre (about 10.9 and 10.8 degrees for this anatomy)."""
    for side in SIDES:
        anterior, superior, lateral = ANATOMY.right_like(
            side, "greater_trochanter"
        ) - ANATOMY.right_like(side, "hip_centre")
        pelvis = np.eye(4)
        add, rot, _ = kin.solve_gt(ANATOMY, side, pelvis, 0.0, 10.0, 0.0)
        # abduction turns the lateral GT up, about the antero-posterior axis
        assert np.degrees(-add) == pytest.approx(
            _angle_moving_gt(superior, lateral, 10.0), abs=0.01
        )
        assert abs(rot) < 1e-9
        add, rot, _ = kin.solve_gt(ANATOMY, side, pelvis, 0.0, 0.0, 10.0)
        # internal rotation turns it forward, about the femur's vertical long axis at neutral
        assert np.degrees(rot) == pytest.approx(_angle_moving_gt(anterior, lateral, 10.0), abs=0.01)
        assert abs(add) < 1e-9


@pytest.mark.parametrize("right, left", [(10, 10), (10, -5), (-20, 25), (0, 25)])
def test_crest_heights_lift_and_tilt_the_pelvis(right, left):
    pelvis = kin.pelvis_transform(ANATOMY, right, left)
    for side, height in (("right", right), ("left", left)):
        top = ANATOMY.iliac_crest_top[side]
        moved = pelvis[:3, :3] @ top + pelvis[:3, 3]
        assert moved[1] - top[1] == pytest.approx(height, abs=0.05)
        assert abs(moved[0] - top[0]) < 1e-9  # frontal-plane tilt only
    assert np.allclose(pelvis[:3, :3] @ pelvis[:3, :3].T, np.eye(3))


def test_crest_raised_with_its_gt_needs_no_abduction():
    # the whole hemipelvis and femur moved together: GT relative to pelvis unchanged
    pelvis = kin.pelvis_transform(ANATOMY, 10.0, 10.0)
    add, rot, _ = kin.solve_gt(ANATOMY, "right", pelvis, 0.0, 10.0, 0.0)
    assert abs(np.degrees(add)) < 1e-6 and abs(np.degrees(rot)) < 1e-6


def test_out_of_reach_request_gives_nearest_pose_and_a_reason():
    # crest up 25 mm and GT down 25 mm: 50 mm of adduction relative to the pelvis
    d, head_error, status, add, rot = gt_displacement("right", 25, 0, 0, -25, 0)
    assert status & kin.ADDUCTION_LIMIT
    assert np.degrees(add) == pytest.approx(-kin.ABDUCTION_RANGE_DEG[0])
    assert d[1] > -25  # as far down as the joint allows
    assert head_error < 1e-9
    assert any("adduction" in r for r in kin.status_reasons(int(status)))


def test_left_mirrors_right():
    for args in [(0, 0, 0, 10, 5), (0, 0, 60, -8, 12), (5, 5, 30, 3, -3)]:
        dr, *_, add_r, rot_r = gt_displacement("right", *args)
        dl, *_, add_l, rot_l = gt_displacement("left", *args)
        assert np.allclose(dr[:2], dl[:2], atol=1e-6)
        # mean shape: left and right differ slightly, angles within a degree
        assert abs(np.degrees(add_r - add_l)) < 1.0 and abs(np.degrees(rot_r - rot_l)) < 1.0


values = st.floats(-25, 25, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    cr=values, cl=values, flex=st.floats(0, 90), sup=values, ant=values, side=st.sampled_from(SIDES)
)
def test_any_request_in_range_gives_a_finite_pose_with_the_head_centred(
    cr, cl, flex, sup, ant, side
):
    d, head_error, status, add, rot = gt_displacement(side, cr, cl, flex, sup, ant)
    assert np.isfinite(d).all() and np.isfinite([add, rot]).all()
    assert head_error < 1e-9
    if status == kin.OK:
        assert d[1] == pytest.approx(sup, abs=0.01) and d[0] == pytest.approx(ant, abs=0.01)
    else:
        assert kin.status_reasons(int(status))


def test_vectorised_equals_one_at_a_time():
    rng = np.random.default_rng(1)
    cr, cl, sup, ant = rng.uniform(-25, 25, (4, 50))
    flex = rng.uniform(0, 90, 50)
    many = gt_displacement("right", cr, cl, flex, sup, ant)
    for i in range(0, 50, 7):
        one = gt_displacement("right", cr[i], cl[i], flex[i], sup[i], ant[i])
        assert np.allclose(many[0][i], one[0]) and many[2][i] == one[2]
