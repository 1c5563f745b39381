"""``hipviz position``: the stretch and release positions of each muscle.

Properties, not numbers: the muscle data is being rebuilt, so these tests check what must
hold whatever the paths are (the optimum beats a dense grid of the model's own reached
poses, a stretch lengthens and a release shortens, the pose found is reachable) and what
the literature says where it speaks (the piriformis action flip with flexion; the ranking
of cadaver stretch positions).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from hipviz.cli import main
from hipviz.core.muscles import MUSCLES
from hipviz.core.pose import Pose
from hipviz.core.positions import (
    AXES,
    AXIS_KEYS,
    DEFAULT_BOX,
    PositionError,
    find_position,
    parse_within,
    resolve_muscle,
)
from hipviz.io.model_files import load_model
from hipviz.names import pose_words

MODEL = load_model()
CASES = [(m, g) for m in MUSCLES for g in ("lengthen", "shorten")]


def _angles_pose(flexion: float, abduction: float, rotation: float, side: str = "right") -> Pose:
    return Pose().with_values(
        {
            f"{side}.hip_flexion_deg": flexion,
            f"{side}.hip_abduction_deg": abduction,
            f"{side}.hip_rotation_deg": rotation,
        }
    )


def _change(pose: Pose, key: str) -> float:
    s = MODEL.solve(pose, moment_arms=False)
    return float(s.change_mm[s.keys.index(key)])


@pytest.fixture(scope="module")
def dense():
    """Every right path's length change over a grid twice as dense per axis as the
    search's own (25 x 21 x 25 nodes, 3.75 deg apart), at the poses the model reaches
    (thighs stopped where they touch): the model's public sweep, not the search's code."""
    axes = [np.linspace(*DEFAULT_BOX[a], n) for a, n in zip(AXES, (25, 21, 25), strict=True)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 3)
    values = {f"right.{AXIS_KEYS[a]}": grid[:, i] for i, a in enumerate(AXES)}
    lengths = MODEL.sweep(values)
    return dict(zip(MODEL.muscles.keys, (lengths - MODEL.muscles.rest_lengths).T, strict=True))


#: where the search is known to lose to the dense grid, and why (reported to the lead)
GRID_BEATS = {
    ("gluteus_maximus_inferior", "shorten"): "the optimum lies on the thighs' contact "
    "(adduction stopped at -12.7 deg); the search ends 0.035 mm short of a grid node there",
}


@pytest.mark.parametrize(
    ("muscle", "goal"),
    [
        pytest.param(m, g, marks=pytest.mark.xfail(strict=True, reason=GRID_BEATS[m, g]))
        if (m, g) in GRID_BEATS
        else (m, g)
        for m, g in CASES
    ],
)
def test_no_pose_of_a_dense_grid_beats_the_optimum(dense, muscle, goal):
    found = find_position(MODEL, muscle, "right", goal)
    values = dense[f"right.{muscle}"]
    best = values.max() if goal == "lengthen" else values.min()
    # (the pose found is given to 0.1 deg: a smooth optimum loses well under 0.001 mm)
    if goal == "lengthen":
        assert found.change_mm >= best - 1e-3, (found.angles_deg, best)
    else:
        assert found.change_mm <= best + 1e-3, (found.angles_deg, best)
    # and the refinement did not lose to its own coarse grid
    assert abs(found.change_mm) >= abs(found.grid_change_mm) - 1e-3


@pytest.mark.parametrize(("muscle", "goal"), CASES)
def test_the_pose_found_is_reachable_and_changes_the_muscle_as_reported(muscle, goal):
    found = find_position(MODEL, muscle, "right", goal)
    a = found.angles_deg
    pose = _angles_pose(a["flexion"], a["abduction"], a["rotation"])
    solution = MODEL.solve(pose, moment_arms=False)
    assert solution.reasons["right"] == []  # not held back: the hip can take it
    assert _change(pose, found.key) == pytest.approx(found.change_mm, abs=1e-6)
    # a stretch lengthens, a release shortens
    assert (found.change_mm > 0) if goal == "lengthen" else (found.change_mm < 0)
    for axis, (low, high) in DEFAULT_BOX.items():
        assert low - 1e-9 <= a[axis] <= high + 1e-9


def test_the_left_side_mirrors_the_right():
    right = find_position(MODEL, "gluteus_medius_posterior", "right", "shorten")
    left = find_position(MODEL, "gluteus_medius_posterior", "left", "shorten")
    assert left.change_mm == pytest.approx(right.change_mm, abs=0.5)
    assert left.key == "left.gluteus_medius_posterior"
    assert {r["side"] for r in left.others()} == {"left"}


def test_a_narrowed_range_is_searched_and_kept():
    box = parse_within("flexion 60..90, adduction 0..30, external_rotation 0..45")
    assert box == {"flexion": (60.0, 90.0), "abduction": (-30.0, 0.0), "rotation": (-45.0, 0.0)}
    found = find_position(MODEL, "piriformis", "right", "lengthen", box)
    assert 60 <= found.angles_deg["flexion"] <= 90
    assert -30 <= found.angles_deg["abduction"] <= 0
    assert -45 <= found.angles_deg["rotation"] <= 0
    # a narrower box can only do as well as the full one
    full = find_position(MODEL, "piriformis", "right", "lengthen")
    assert found.change_mm <= full.change_mm + 1e-9


# --- the literature ------------------------------------------------------------------------
def test_piriformis_turns_from_external_to_internal_rotator_with_flexion():
    """Delp et al. 1999 (J Biomech 32:493): piriformis rotates the thigh out with the hip
    straight and in with it flexed 90 deg; textbooks put the flip at about 60-90 deg."""
    key = "right.piriformis"
    arms = {}
    for flexion in (0, 30, 45, 60, 75, 90):
        s = MODEL.solve(_angles_pose(flexion, 0, 0))
        arms[flexion] = float(s.moment_arms_mm["rotation"][s.keys.index(key)])
    assert arms[0] < 0 < arms[90], arms  # + internal rotator
    signs = [arms[f] > 0 for f in sorted(arms)]
    assert sum(a != b for a, b in zip(signs[:-1], signs[1:], strict=True)) == 1, arms  # one flip
    first_internal = min(f for f in arms if arms[f] > 0)
    assert 45 < first_internal <= 90, arms


def test_piriformis_stretch_ranking_follows_the_cadaver_study():
    """McGovern, Kivlan & Martin 2017 (Int J Sports Phys Ther; 17 embalmed hips): of four
    stretch positions, 30 deg adduction from 90 deg flexion lengthened the piriformis most,
    more than 45 deg external rotation at 90 deg flexion or 45 deg internal rotation with
    the hip straight; every one lengthened it."""
    key = "right.piriformis"
    adducted_flexed = _change(_angles_pose(90, -30, 0), key)
    external_flexed = _change(_angles_pose(90, 0, -45), key)
    internal_straight = _change(_angles_pose(0, 0, 45), key)
    assert adducted_flexed > max(external_flexed, internal_straight) > 0
    assert min(external_flexed, internal_straight) > 0


def test_the_piriformis_stretch_found_combines_flexion_adduction_and_rotation():
    """The flexed stretch (hip at 90 deg, as in the cadaver work and the clinical
    'piriformis stretch above 90 deg') is adduction with some external rotation, and beats
    each single-plane motion from there; over the whole range the optimum also adds
    adduction to rotation rather than using one plane alone."""
    key = "right.piriformis"
    flexed = find_position(MODEL, "piriformis", box=parse_within("flexion 90..90"))
    assert flexed.angles_deg["abduction"] <= -20  # adducted
    assert flexed.angles_deg["rotation"] < 0  # rotated out
    assert flexed.change_mm > _change(_angles_pose(90, -30, 0), key)
    assert flexed.change_mm > _change(_angles_pose(90, 0, -45), key)
    best = find_position(MODEL, "piriformis")
    assert best.angles_deg["abduction"] <= -20 and abs(best.angles_deg["rotation"]) >= 10
    assert best.change_mm >= flexed.change_mm


def test_a_release_of_piriformis_rotates_out_and_abducts():
    """Piriformis is an external rotator and abductor with the hip straight: the position
    that shortens it most (the positional release) is external rotation with abduction."""
    found = find_position(MODEL, "piriformis", goal="shorten")
    assert found.angles_deg["rotation"] < -20 and found.angles_deg["abduction"] > 20


# --- what the user types ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "part", "expected"),
    [
        ("piriformis", None, "piriformis"),
        ("Gluteus medius", "posterior", "gluteus_medius_posterior"),
        ("gluteus-minimus_anterior", None, "gluteus_minimus_anterior"),
        ("gluteus_medius_middle", "middle", "gluteus_medius_middle"),
    ],
)
def test_muscle_names_as_typed(name, part, expected):
    assert resolve_muscle(name, part) == expected


@pytest.mark.parametrize(
    ("name", "part", "message"),
    [
        ("gluteus_medius", None, "give --part anterior|middle|posterior"),
        ("psoas", None, "unknown muscle 'psoas'; allowed: gluteus_medius_anterior"),
        ("gluteus_medius", "fibre 3", "one path per compartment"),
        ("piriformis", "anterior", "'piriformis' has no parts"),
        ("gluteus_medius", "lateral", "allowed: anterior, middle, posterior"),
    ],
)
def test_bad_muscle_or_part_says_what_is_allowed(name, part, message):
    with pytest.raises(PositionError, match=message):
        resolve_muscle(name, part)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("flexion 0..120", r"flexion 0..120: outside the allowed 0..90 deg"),
        ("adduction -30..45", r"adduction -30..45: outside the allowed -45..30 deg"),
        ("rotation 10..0", "the low end comes first"),
        ("twist 0..3", "unknown range 'twist'; allowed: flexion, abduction"),
        ("flexion 5", "expected NAME LOW..HIGH"),
        ("flexion 0..90, flexion 0..10", "flexion is given twice"),
    ],
)
def test_bad_range_names_the_allowed_range(text, message):
    with pytest.raises(PositionError, match=message):
        parse_within(text)


def test_pose_words():
    assert pose_words(90, -30, -15) == "hip flexed 90 deg, adducted 30 deg, rotated out 15 deg"
    assert pose_words(0, 20.4, 45) == "hip abducted 20 deg, rotated in 45 deg"
    assert pose_words(0.2, 0, -0.3) == "hip in neutral (standing)"


def test_cli_json_reports_the_pose_the_muscles_and_the_certainty(capsys):
    assert main(["position", "piriformis", "--lengthen", "--format", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["muscle"] == "piriformis" and record["goal"] == "lengthen"
    assert record["change_mm"] > 0 and record["change_pct"] > 0
    assert set(record["pose"]) == {"hip_flexion_deg", "hip_abduction_deg", "hip_rotation_deg"}
    assert len(record["muscles"]) == len(MUSCLES)
    search = record["search"]
    assert search["grid_nodes"] > 1000
    assert record["change_mm"] >= search["grid_best_change_mm"]
    # the --set values it prints put the model in that pose
    values = {k: float(v) for k, _, v in (s.partition("=") for s in record["set"])}
    assert _change(Pose().with_values(values), "right.piriformis") == pytest.approx(
        record["change_mm"], abs=1e-3
    )


def test_cli_table_reads_as_a_therapist_would_say_it(capsys):
    args = ["position", "gluteus_medius", "--part", "posterior", "--shorten", "--side", "left"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("Left gluteus medius, posterior fibres: the position that shortens")
    assert "hip " in out.splitlines()[1] and "certainty best of a" in out
    assert "Gluteus minimus, anterior fibres" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["gluteus_medius", "--lengthen"], "give --part"),
        (["piriformis", "--lengthen", "--within", "flexion 0..120"], "allowed 0..90"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(capsys, args, message):
    assert main(["position", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and err.startswith("hipviz: ")
