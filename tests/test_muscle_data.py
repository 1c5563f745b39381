"""Checks of the committed muscle path data, ``hipviz/data/muscles.json``.

The file is built by ``python -m hipviz.build.build_muscles`` (gait2392 and Rajagopal 2016
paths carried onto the hipviz bones); these tests only need the JSON and the bone meshes.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hipviz.build.build_muscles import closest_point, segment_hits, winding_number
from hipviz.core.muscles import MUSCLES as CORE_MUSCLES
from hipviz.io.meshes import default_mesh_dir, load_bones, load_landmarks

DATA = Path(__file__).resolve().parents[1] / "hipviz" / "data" / "muscles.json"
#: every muscle the app knows must be in the data file, no more and no less
MUSCLES = set(CORE_MUSCLES)
PELVIS_PARTS = ("pelvis_right", "pelvis_left", "sacrum")


@pytest.fixture(scope="module")
def data() -> dict:
    return json.loads(DATA.read_text())


@pytest.fixture(scope="module")
def bones() -> dict:
    return {n: (b.vertices, b.faces) for n, b in load_bones(default_mesh_dir()).items()}


@pytest.fixture(scope="module")
def landmarks() -> dict:
    return load_landmarks(default_mesh_dir())


def _paths(data: dict) -> dict[tuple[str, str], dict]:
    return {(m["muscle"], m["side"]): m for m in data["muscles"]}


def _world(point: dict, side: str, landmarks: dict) -> np.ndarray:
    p = np.array(point["position_mm"], dtype=float)
    return p + landmarks[side]["hip_centre"] if point["body"] == "femur" else p


def _nearest_part(p: np.ndarray, parts: tuple[str, ...], bones: dict) -> tuple[str, float]:
    d = {n: closest_point(p[None], *bones[n])[1][0] for n in parts}
    best = min(d, key=d.get)
    return best, d[best]


def _ray_hits(p: np.ndarray, direction: np.ndarray, mesh: tuple) -> int:
    return len(segment_hits(p, p + 300.0 * np.asarray(direction, dtype=float), *mesh))


def test_both_sides_of_every_muscle_with_exact_names(data):
    assert data["format"] == 1
    keys = [(m["muscle"], m["side"]) for m in data["muscles"]]
    assert len(keys) == 2 * len(CORE_MUSCLES) == 22
    assert set(keys) == {(m, s) for m in MUSCLES for s in ("left", "right")}
    assert keys == sorted(keys)
    for key in ("sources", "method", "source_evaluation", "registration_rms_mm", "adjustments"):
        assert key in data["provenance"]


def test_every_path_names_its_source_with_its_licence_and_why(data):
    sources = data["provenance"]["sources"]
    assert "CC BY 3.0" in sources["gait2392"]["licence"]
    assert "opensim-org/opensim-models" in sources["gait2392"]["where"]
    assert "Apache-2.0" in sources["rajagopal2016"]["licence"]
    assert "Rajagopal" in sources["rajagopal2016"]["what"]
    for m in data["muscles"]:
        assert m["source"].startswith(("gait2392", "Rajagopal")), m["muscle"]
        assert len(m["source_reason"]) > 40
    # both sources were evaluated for every compartment
    evaluated = {(r["muscle"], r["source"]) for r in data["provenance"]["source_evaluation"]}
    assert evaluated == {(m, s) for m in MUSCLES for s in ("gait2392", "rajagopal2016")}


def test_the_vendored_gait2392_sites_carry_source_and_licence():
    from hipviz.build import gait2392

    info = gait2392.read()["source"]
    assert info["repository"] == "opensim-org/opensim-models"
    assert info["file"] == "Models/Gait2392_Simbody/gait2392_thelen2003muscle.osim"
    assert "CC BY 3.0" in info["licence"] and "Delp" in info["credits"]
    paths = {p.key: p for p in gait2392.muscle_paths() if p.side == "right"}
    # one transcribed number checked against the model file: glut_med1_r-P1 (m)
    assert [s.name for s in paths["glut_med1"].sites] == ["glut_med1_r-P1", "glut_med1_r-P2"]
    assert gait2392.read()["paths"]["glut_med1_r"][0]["location_m"] == [
        -0.0408,
        0.0304,
        0.1209,
    ]


def test_paths_run_from_pelvis_to_femur(data):
    for m in data["muscles"]:
        pts = m["points"]
        # every source site, plus the one point the wrap design adds: a trochanter exit, or
        # for a path held to the pelvis further along, a pelvis via point
        added = ("_trochanter_exit", "_pelvis_via")
        assert [p["name"] for p in pts if not p["name"].endswith(added)] == m["source_sites"]
        assert len(pts) == len(m["source_sites"]) + 1
        assert (pts[0]["body"], pts[0]["role"]) == ("pelvis", "origin")
        assert (pts[-1]["body"], pts[-1]["role"]) == ("femur", "insertion")
        assert all(p["role"] == "via" for p in pts[1:-1])
        assert all(len(p["position_mm"]) == 3 for p in pts)


def test_attachments_on_bone_surface(data, bones, landmarks):
    for m in data["muscles"]:
        for point in (m["points"][0], m["points"][-1]):
            p = _world(point, m["side"], landmarks)
            parts = PELVIS_PARTS if point["body"] == "pelvis" else (f"femur_{m['side']}",)
            part, dist = _nearest_part(p, parts, bones)
            assert dist <= 3.0, (m["muscle"], m["side"], point["name"], part, dist)
            # just outside bone, not inside
            assert winding_number(p[None], *bones[part])[0] < 0.5, (m["muscle"], point["name"])


def test_left_paths_are_exact_mirror_images(data):
    paths = _paths(data)
    for muscle in MUSCLES:
        right, left = paths[(muscle, "right")], paths[(muscle, "left")]
        assert len(right["points"]) == len(left["points"])
        for a, b in zip(right["points"], left["points"], strict=True):
            assert a["body"] == b["body"] and a["role"] == b["role"]
            assert b["position_mm"] == [*a["position_mm"][:2], -a["position_mm"][2]]
        for a, b in zip(right["wraps"], left["wraps"], strict=True):
            assert b["centre_mm"] == [*a["centre_mm"][:2], -a["centre_mm"][2]]
            assert b["radius_mm"] == a["radius_mm"] and b["segment"] == a["segment"]


def test_piriformis_sacrum_to_greater_trochanter(data, bones, landmarks):
    for side in ("right", "left"):
        m = _paths(data)[("piriformis", side)]
        origin = _world(m["points"][0], side, landmarks)
        part, _ = _nearest_part(origin, PELVIS_PARTS, bones)
        assert part == "sacrum"
        # anterior (pelvic) side: nothing of the sacrum in front, the sacrum behind
        assert _ray_hits(origin, [1.0, 0.0, 0.0], bones["sacrum"]) == 0
        assert _ray_hits(origin, [-1.0, 0.0, 0.0], bones["sacrum"]) > 0
        insertion = _world(m["points"][-1], side, landmarks)
        gt = landmarks[side]["greater_trochanter"]
        assert np.linalg.norm(insertion - gt) <= 25.0


def test_gluteus_medius_origins_on_outer_ilium(data, bones, landmarks):
    for side, lateral in (("right", 1.0), ("left", -1.0)):
        hip = landmarks[side]["hip_centre"]
        radius = landmarks[side]["acetabulum_radius"]
        for bundle in ("anterior", "middle", "posterior"):
            m = _paths(data)[(f"gluteus_medius_{bundle}", side)]
            origin = _world(m["points"][0], side, landmarks)
            part, _ = _nearest_part(origin, PELVIS_PARTS, bones)
            assert part == f"pelvis_{side}"
            assert origin[1] > hip[1] + radius  # above the acetabulum
            # outer face of the iliac wing: bone medially, none laterally
            assert _ray_hits(origin, [0.0, 0.0, lateral], bones[part]) == 0
            assert _ray_hits(origin, [0.0, 0.0, -lateral], bones[part]) > 0


def test_gluteus_maximus_runs_from_behind_the_pelvis_past_the_trochanter(data, bones, landmarks):
    for side in ("right", "left"):
        hip, gt = landmarks[side]["hip_centre"], landmarks[side]["greater_trochanter"]
        for part in ("superior", "middle", "inferior"):
            m = _paths(data)[(f"gluteus_maximus_{part}", side)]
            origin = _world(m["points"][0], side, landmarks)
            insertion = _world(m["points"][-1], side, landmarks)
            # origin on the back of the pelvis (ilium behind the PSIS line, sacrum), well
            # behind the hip; insertion on the femur below the trochanter (gluteal tuberosity)
            assert origin[0] < hip[0] - 60.0, (part, side, origin)
            assert _nearest_part(origin, PELVIS_PARTS, bones)[1] <= 3.0
            assert insertion[1] < gt[1] - 40.0, (part, side, insertion)
        # the compartments are stacked from the iliac crest down to the sacrum
        heights = [
            _world(_paths(data)[(f"gluteus_maximus_{p}", side)]["points"][0], side, landmarks)[1]
            for p in ("superior", "middle", "inferior")
        ]
        assert heights == sorted(heights, reverse=True)


def test_tensor_fasciae_latae_from_the_asis_to_the_lateral_knee(data, landmarks):
    for side in ("right", "left"):
        m = _paths(data)[("tensor_fasciae_latae", side)]
        origin = _world(m["points"][0], side, landmarks)
        end = _world(m["points"][-1], side, landmarks)
        assert np.linalg.norm(origin - landmarks[side]["asis"]) <= 20.0
        assert np.linalg.norm(end - landmarks[side]["lateral_epicondyle"]) <= 40.0
