"""The hip model: muscle lengths follow the clinical rules of docs/domain.md."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hipviz.core.muscles import MUSCLES
from hipviz.core.pose import Pose, PoseError
from hipviz.io.model_files import load_model

MODEL = load_model()
KEYS = MODEL.muscles.keys


def change(muscle: str, side: str = "right", **values) -> float:
    """Length change (mm) of one path for a pose given as side-less keys on ``side``."""
    pose = Pose.from_dict({f"{side}.{k}": v for k, v in values.items()})
    return float(MODEL.solve(pose, moment_arms=False).change_mm[KEYS.index(f"{side}.{muscle}")])


def test_every_path_with_a_positive_rest_length():
    assert KEYS == tuple(f"{s}.{m}" for s in ("right", "left") for m in MUSCLES)
    rest = MODEL.muscles.rest_lengths
    # tensor fasciae latae runs on to the knee; every other path ends near the trochanter
    short = [i for i, k in enumerate(KEYS) if "tensor_fasciae_latae" not in k]
    assert (rest > 30).all() and (rest[short] < 250).all() and (rest < 600).all()
    assert np.allclose(MODEL.solve(Pose()).change_mm, 0.0, atol=1e-9)


@pytest.mark.parametrize("side", ["right", "left"])
def test_piriformis_rules(side):
    # superior GT shortens it, inferior lengthens; anterior lengthens, posterior shortens
    assert change("piriformis", side, gt_superior_mm=10) < -2
    assert change("piriformis", side, gt_superior_mm=-10) > 1.5
    assert change("piriformis", side, gt_anterior_mm=10) > 2
    assert change("piriformis", side, gt_anterior_mm=-10) < -2


@pytest.mark.parametrize("side", ["right", "left"])
def test_anterior_gt_brings_anterior_fibres_together_and_posterior_apart(side):
    # the source text's rule: an anterior GT (internal rotation) brings the anterior fibres'
    # ends closer and takes the posterior fibres' ends apart, a posterior GT the reverse
    for muscle in ("gluteus_medius", "gluteus_minimus"):
        ant = change(f"{muscle}_anterior", side, gt_anterior_mm=10)
        post = change(f"{muscle}_posterior", side, gt_anterior_mm=10)
        assert ant < -2 and post > 2, (muscle, ant, post)
        ant = change(f"{muscle}_anterior", side, gt_anterior_mm=-10)
        post = change(f"{muscle}_posterior", side, gt_anterior_mm=-10)
        assert ant > 2 and post < -2, (muscle, ant, post)


@pytest.mark.parametrize("side", ["right", "left"])
def test_superior_gt_shortens_the_abductors(side):
    for muscle in MUSCLES[:6]:
        assert change(muscle, side, gt_superior_mm=10) < -2, muscle
        assert change(muscle, side, gt_superior_mm=-10) > 2, muscle


@pytest.mark.parametrize("muscle", MUSCLES)
def test_crest_raised_with_its_gt_cancels_most_of_the_change(muscle):
    alone = change(muscle, gt_superior_mm=10)
    with_crest = change(muscle, gt_superior_mm=10, iliac_crest_superior_mm=10)
    # One crest up tilts the pelvis (obliquity), which itself adducts that hip a little
    # relative to the pelvis: most, not all, of the change goes. A muscle a GT lift barely
    # changes (gluteus maximus middle, near the abduction axis: -0.2 mm) has nothing to
    # cancel: with the crest it stays small (under 1 mm).
    if abs(alone) >= 1.0:
        assert abs(with_crest) < 0.35 * abs(alone), (alone, with_crest)
    else:
        assert abs(with_crest) < 1.0, (alone, with_crest)
    # Both crests and the GT up together: the hip moves as one block, nothing changes.
    pose = Pose.from_dict(
        {
            "right.gt_superior_mm": 10,
            "right.iliac_crest_superior_mm": 10,
            "left.iliac_crest_superior_mm": 10,
        }
    )
    level = MODEL.solve(pose, moment_arms=False).change_mm[KEYS.index(f"right.{muscle}")]
    assert abs(level) < 1e-6


def test_the_two_sided_case_of_the_source_text():
    # right GT inferior-posterior, left GT superior-anterior, crests level
    pose = Pose.from_dict(
        {
            "right.gt_superior_mm": -8,
            "right.gt_anterior_mm": -8,
            "left.gt_superior_mm": 8,
            "left.gt_anterior_mm": 8,
        }
    )
    s = MODEL.solve(pose)
    c = dict(zip(KEYS, s.change_mm, strict=True))
    # the fibres the therapist works are the shortened ones: posterior on the right,
    # anterior on the left
    assert c["right.gluteus_medius_posterior"] < c["right.gluteus_medius_anterior"]
    assert c["left.gluteus_medius_anterior"] < c["left.gluteus_medius_posterior"]
    assert not s.reasons["right"] and not s.reasons["left"]


def test_left_and_right_are_mirror_images():
    pose = Pose.from_dict(
        {
            "right.gt_superior_mm": 7,
            "right.gt_anterior_mm": -5,
            "left.gt_superior_mm": 7,
            "left.gt_anterior_mm": -5,
        }
    )
    pct = MODEL.solve(pose).change_pct
    n = len(MUSCLES)
    right, left = pct[:n], pct[n:]
    assert np.allclose(right, left, atol=1.0)  # mean pelvis is only nearly symmetric
    assert np.allclose(MODEL.muscles.rest_lengths[:n], MODEL.muscles.rest_lengths[n:], rtol=0.05)


def test_moment_arms_match_finite_differences_and_signs():
    s = MODEL.solve(Pose())
    arms = s.moment_arms_mm
    i = KEYS.index("right.gluteus_medius_middle")
    assert arms["abduction"][i] > 20  # the classic abductor
    assert arms["rotation"][KEYS.index("right.piriformis")] < 0  # external rotator, hip straight
    # against a coarser, independent difference through the GT controls is not possible
    # (angles are derived), so check through the femur transform directly
    from hipviz.core import kinematics as kin

    def length(abd_deg):
        pelvis = np.eye(4)
        t = {
            "pelvis": pelvis,
            "femur_left": s.transforms["femur_left"],
            "femur_right": kin.femur_transform(
                MODEL.anatomy, "right", pelvis, 0.0, -np.radians(abd_deg), 0.0
            ),
        }
        return MODEL.muscles.lengths(t)[i]

    h = 0.01
    numeric = -(length(h) - length(-h)) / np.radians(2 * h)
    assert arms["abduction"][i] == pytest.approx(numeric, abs=0.1)


values = st.floats(-25, 25, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    sup=values,
    ant=values,
    crest=values,
    flex=st.floats(0, 90),
    side=st.sampled_from(["right", "left"]),
)
def test_lengths_are_finite_positive_and_continuous(sup, ant, crest, flex, side):
    base = {
        f"{side}.gt_superior_mm": sup,
        f"{side}.gt_anterior_mm": ant,
        f"{side}.iliac_crest_superior_mm": crest,
        f"{side}.hip_flexion_deg": flex,
    }
    lengths = MODEL.solve(Pose.from_dict(base), moment_arms=False).lengths_mm
    assert np.isfinite(lengths).all() and (lengths > 0).all()
    nudged = dict(base)
    nudged[f"{side}.gt_superior_mm"] = min(sup + 0.01, 25.0)
    step = MODEL.solve(Pose.from_dict(nudged), moment_arms=False).lengths_mm
    assert np.abs(step - lengths).max() < 0.1  # 0.01 mm of GT never jumps a path


def test_vectorised_sweep_equals_one_at_a_time():
    rng = np.random.default_rng(3)
    values = {
        "right.gt_superior_mm": rng.uniform(-25, 25, 40),
        "left.gt_anterior_mm": rng.uniform(-25, 25, 40),
        "right.hip_flexion_deg": rng.uniform(0, 90, 40),
        "left.iliac_crest_superior_mm": rng.uniform(-25, 25, 40),
    }
    many = MODEL.sweep(values)
    for i in range(0, 40, 9):
        pose = Pose.from_dict({k: float(v[i]) for k, v in values.items()})
        assert np.allclose(many[i], MODEL.solve(pose, moment_arms=False).lengths_mm, atol=1e-9)


def test_model_notifies_once_per_change_and_not_for_the_same_value():
    model = load_model()
    seen = []
    model.subscribe(seen.append)
    model.set("right.gt_superior_mm", 5.0)
    model.set("right.gt_superior_mm", 5.0)
    assert len(seen) == 1 and seen[0].reached.right.gt_superior_mm == 5.0
    model.reset("right")
    assert len(seen) == 2 and model.pose == Pose()
    with pytest.raises(PoseError, match=r"right\.gt_superior_mm.*-25 to 25 mm"):
        model.set("right.gt_superior_mm", 40)
    with pytest.raises(PoseError, match="unknown pose key 'middle.gt_superior_mm'"):
        model.set("middle.gt_superior_mm", 1)
    assert len(seen) == 2
