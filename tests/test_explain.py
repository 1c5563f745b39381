"""What a GT move means at this flexion, said the same way by every surface."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hipviz.core.explain import crest_text, gt_move_motion, gt_move_text
from hipviz.io.model_files import load_model
from hipviz.io.scene import read_scene
from hipviz.web.classroom import Classroom
from hipviz.web.handout import write_handout

MODEL = load_model()
A = MODEL.anatomy
SCENES = Path(__file__).resolve().parents[1] / "scenes"

# the words are exact; the numbers are the model's (checked below), so a rebuilt anatomy
# moves them a little without changing what is said
N = r"\d+\.\d"
TEXT = {
    0: rf"At 0 deg flexion, GT superior = abduction \({N} deg per 10 mm\); "
    rf"GT anterior = internal rotation \({N} deg per 10 mm\)\.",
    45: rf"At 45 deg flexion, GT superior = (abduction \+ internal rotation|internal rotation "
    rf"\+ abduction) \({N} \+ {N} deg per 10 mm\); GT anterior = (adduction \+ internal "
    rf"rotation|internal rotation \+ adduction) \({N} \+ {N} deg per 10 mm\)\.",
    90: rf"At 90 deg flexion, GT superior = internal rotation \({N} deg per 10 mm\); "
    rf"GT anterior = adduction \({N} deg per 10 mm\)\.",
}


@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("flexion", [0, 45, 90])
def test_gt_move_text_at_0_45_90_deg(side, flexion):
    text = gt_move_text(A, side, flexion)
    assert re.fullmatch(TEXT[flexion], text), text
    if flexion == 90:  # the shipped anatomy's numbers
        assert "internal rotation (10.8 deg per 10 mm)" in text


def test_the_words_follow_the_model():
    """The sentence's numbers are the joint angles the model reaches for a 10 mm GT move."""
    for flexion in (0, 30, 45, 60, 90):
        motion = gt_move_motion(A, "right", flexion)
        for key, direction in (("gt_superior_mm", "superior"), ("gt_anterior_mm", "anterior")):
            reached = MODEL.solve(
                MODEL.pose.with_value("right.hip_flexion_deg", float(flexion)).with_value(
                    f"right.{key}", 10.0
                ),
                moment_arms=False,
            ).reached.right
            abd, rot = motion[direction]
            assert reached.hip_abduction_deg == pytest.approx(abd, abs=1e-6)
            assert reached.hip_rotation_deg == pytest.approx(rot, abs=1e-6)


def test_classroom_status_says_it():
    classroom = Classroom(MODEL)
    update = classroom.solve({"right.hip_flexion_deg": 90.0, "right.gt_superior_mm": 5.0})
    status = update["status"]
    assert "at 90 deg flexion, GT superior = internal rotation" in status
    assert "at 0 deg flexion, GT superior = abduction" in status  # the left hip


def test_handout_pose_text_says_it(tmp_path):
    scene = read_scene(SCENES / "06_flexed_90_rotation.toml")
    path = write_handout(scene, tmp_path / "flexed.html")
    page = path.read_text(encoding="utf-8")
    assert len(re.findall(TEXT[90], page)) == 2  # both hips flexed 90 deg
    crest = read_scene(SCENES / "05_gt_superior_crest_raised.toml")
    page = write_handout(crest, tmp_path / "crest.html").read_text(encoding="utf-8")
    assert "Pelvis:" in page and "stay where they were palpated" in page


def test_crest_text_follows_flexion():
    """Flexed, a crest lift becomes rotation, as a GT move does."""
    straight = crest_text(A, 15, 15)
    assert re.search(
        r"the right hip adducts 1\d\.\d deg and the left hip adducts 1\d\.\d", straight
    )
    flexed = crest_text(A, 15, 15, {"right": 90.0, "left": 0.0})
    assert re.search(
        r"the right hip rotates externally 1\d\.\d deg and the left hip adducts", flexed
    )
    assert "the pelvis rises 15 mm, level" in flexed
