"""The committed bone meshes: reproducible build, closed surfaces, anatomy in the right frame."""

from __future__ import annotations

import io
import json
import logging
import time

import numpy as np
import pytest
import trimesh

from hipviz.build.build_meshes import build
from hipviz.io import bone_cache
from hipviz.io.bone_process import BoneLoad
from hipviz.io.meshes import (
    MESH_FILES,
    Bone,
    MeshError,
    default_mesh_dir,
    load_bone,
    load_bones,
    load_landmarks,
)

MESH_DIR = default_mesh_dir()


@pytest.fixture(scope="module")
def bones():
    return {
        name: trimesh.Trimesh(b.vertices, b.faces, process=False)
        for name, b in load_bones().items()
    }


@pytest.fixture(scope="module")
def landmarks():
    return load_landmarks()


@pytest.fixture(scope="module")
def distance():
    """Signed distance to each bone, mm (negative inside): VTK's implicit distance."""
    from hipviz.build.clearance import Clearance

    return Clearance(load_bones()).signed_distance


def test_build_reproduces_committed_files(tmp_path):
    build(tmp_path)
    for name in [*MESH_FILES.values(), "landmarks.json", "NOTICE", "LICENSE-MPL-2.0"]:
        assert (tmp_path / name).read_bytes() == (MESH_DIR / name).read_bytes(), name


@pytest.mark.parametrize(
    "name, triangles, volume_cm3",
    [
        # the source's hemipelvises are 309.4 and 311.8 cm^3, its sacrum 230.7 and its
        # femurs 487.2 and 486.7: the symmetrised bones keep those within 1 %
        ("pelvis_right", 12000, 309.8),
        ("pelvis_left", 12000, 309.8),
        ("sacrum", 19200, 230.0),
        ("femur_right", 20992, 487.2),
        ("femur_left", 20992, 487.2),
    ],
)
def test_each_bone_is_closed_with_adult_volume(bones, name, triangles, volume_cm3):
    mesh = bones[name]
    assert len(mesh.faces) == triangles
    assert mesh.is_watertight and mesh.is_winding_consistent
    assert mesh.volume / 1000 == pytest.approx(volume_cm3, abs=1.0)  # outward winding: positive


@pytest.mark.parametrize("side", ["right", "left"])
def test_femoral_head_sits_in_acetabulum_without_penetration(bones, landmarks, distance, side):
    lm = landmarks[side]
    assert np.linalg.norm(lm["femoral_head_centre"] - lm["hip_centre"]) < 1.0
    assert lm["acetabulum_radius"] == pytest.approx(28, abs=3)
    assert lm["femoral_head_radius"] == pytest.approx(23, abs=3)
    femur = bones[f"femur_{side}"]
    near = femur.vertices[np.linalg.norm(femur.vertices - lm["hip_centre"], axis=1) < 40]
    gap = distance(f"pelvis_{side}", near)
    assert gap.min() > 0.1, "femoral head penetrates the acetabulum"
    assert gap.min() < 2.5, "joint space too wide: head not seated"


def test_no_bone_interpenetrates_another(bones, distance):
    for a, b in [
        ("pelvis_right", "pelvis_left"),
        ("femur_right", "pelvis_right"),
        ("femur_left", "pelvis_left"),
        ("femur_right", "sacrum"),
        ("femur_left", "sacrum"),
    ]:
        assert distance(b, bones[a].vertices).min() > 0.0, f"{a} inside {b}"


@pytest.mark.parametrize("side", ["right", "left"])
def test_sacroiliac_joint_overlap_stays_that_of_the_source_shape(bones, distance, side):
    # The GIAS3 mean shape's ilium and sacrum touch at the sacroiliac joint with up to
    # 1.15 mm of overlap in the source itself (the two are one rigid body here).
    d = distance("sacrum", bones[f"pelvis_{side}"].vertices)
    assert (d < 0).sum() < 30 and -d.min() < 1.5


def test_frame_is_anatomical(landmarks):
    right, left = landmarks["right"], landmarks["left"]
    # origin midway between the hip centres, on the z axis
    assert np.allclose(0.5 * (right["hip_centre"] + left["hip_centre"]), 0.0, atol=1e-3)
    assert np.linalg.norm(right["hip_centre"] - left["hip_centre"]) == pytest.approx(169, abs=3)
    assert np.linalg.norm(right["asis"] - left["asis"]) == pytest.approx(235, abs=5)
    # both ASIS and the pubic symphysis in one frontal plane (same x)
    symphysis = 0.5 * (right["pubic_symphysis"] + left["pubic_symphysis"])
    assert right["asis"][0] == pytest.approx(left["asis"][0], abs=0.01)
    assert symphysis[0] == pytest.approx(right["asis"][0], abs=0.01)
    for side, lm, sign in [("right", right, 1), ("left", left, -1)]:
        # femur neutral: hip centre straight above knee centre, epicondyles along z
        axis = lm["hip_centre"] - lm["knee_centre"]
        assert np.allclose(axis[[0, 2]], 0.0, atol=1e-3) and axis[1] > 350
        epi = lm["lateral_epicondyle"] - lm["medial_epicondyle"]
        assert sign * epi[2] > 70 and np.allclose(epi[:2], 0, atol=5.0)
        # anatomical relations
        assert lm["asis"][0] > symphysis[0] - 1 and sign * lm["asis"][2] > sign * symphysis[2], side
        assert lm["asis"][1] > lm["hip_centre"][1] + 40
        assert lm["psis"][0] < lm["asis"][0] - 100
        assert lm["iliac_crest_top"][1] > lm["asis"][1]
        assert sign * lm["greater_trochanter"][2] > sign * lm["hip_centre"][2] + 40  # lateral
        assert lm["lesser_trochanter"][1] < lm["greater_trochanter"][1] - 30
        assert lm["lesser_trochanter"][0] < lm["hip_centre"][0]  # posteromedial
        assert lm["ischial_tuberosity"][1] < lm["hip_centre"][1] - 40
        assert lm["ischial_spine"][0] < lm["hip_centre"][0]


def test_landmarks_lie_on_their_surfaces(bones, landmarks):
    on = {
        "pelvis": [
            "asis",
            "psis",
            "pubic_tubercle",
            "pubic_symphysis",
            "ischial_spine",
            "ischial_tuberosity",
            "iliac_crest_top",
        ],
        "femur": [
            "greater_trochanter",
            "lesser_trochanter",
            "medial_epicondyle",
            "lateral_epicondyle",
        ],
    }
    for side in ("right", "left"):
        for bone, names in on.items():
            mesh = bones[f"{bone}_{side}"]
            points = np.array([landmarks[side][n] for n in names])
            _, distance, _ = trimesh.proximity.closest_point(mesh, points)
            assert distance.max() < 0.5, dict(zip(names, distance.round(2), strict=True))
    _, d, _ = trimesh.proximity.closest_point(
        bones["sacrum"], landmarks["sacrum"]["sacral_plateau"][None]
    )
    assert d[0] < 0.5


def test_left_bones_are_the_exact_mirror_images_of_the_right(bones):
    for bone in ("pelvis", "femur"):
        right, left = bones[f"{bone}_right"], bones[f"{bone}_left"]
        assert np.array_equal(left.vertices, right.vertices * [1, 1, -1])
        assert np.array_equal(left.faces, right.faces[:, ::-1])


def test_the_sacrum_is_its_own_mirror_image(bones, distance):
    sacrum = bones["sacrum"]
    off = np.abs(distance("sacrum", sacrum.vertices * [1, 1, -1]))
    # mirrored vertices lie on (or within a few tenths of) the sacrum's surface; the mean
    # shape's were 2.4 mm off on average, up to 6.8 mm
    assert off.mean() < 0.25 and off.max() < 3.0


def test_left_landmarks_mirror_the_right(landmarks):
    for name, value in landmarks["right"].items():
        if np.ndim(value):
            assert np.array_equal(landmarks["left"][name], value * [1, 1, -1]), name
        else:
            assert landmarks["left"][name] == value, name


def test_missing_and_corrupt_meshes_name_the_file_and_the_fix(tmp_path):
    with pytest.raises(MeshError, match=r"pelvis_right\.ply.*missing.*hipviz build-meshes"):
        load_bones(tmp_path)
    bad = tmp_path / "femur_left.ply"
    bad.write_bytes(b"ply\nformat binary_little_endian 1.0\nelement vertex 3\n")
    with pytest.raises(MeshError, match=r"femur_left\.ply.*hipviz build-meshes"):
        load_bone(bad, "femur_left")
    # a valid file scaled to metres: the size check catches it
    from hipviz.io.meshes import write_ply

    femur = load_bones()["femur_left"]
    write_ply(bad, femur.vertices / 1000.0, femur.faces)
    with pytest.raises(MeshError, match=r"femur_left\.ply.*cm\^3.*millimetres"):
        load_bone(bad, "femur_left")
    # an open surface
    write_ply(bad, femur.vertices, femur.faces[:-10])
    with pytest.raises(MeshError, match="watertight"):
        load_bone(bad, "femur_left")


def copy_meshes(folder):
    """A copy of the shipped bone meshes in ``folder`` (made if needed), to damage."""
    folder.mkdir(exist_ok=True)
    for file in [*MESH_FILES.values(), "landmarks.json"]:
        (folder / file).write_bytes((default_mesh_dir() / file).read_bytes())
    return folder


def test_the_bones_load_alike_in_a_second_process(tmp_path):
    from hipviz.io.bone_process import BoneLoad

    here, there = load_bones(), BoneLoad().result()
    assert set(there) == set(MESH_FILES)
    for name, bone in here.items():
        np.testing.assert_array_equal(there[name].vertices, bone.vertices)
        np.testing.assert_array_equal(there[name].faces, bone.faces)
    # a mesh problem found over there reads as it would here: file, reason, the fix
    copy_meshes(tmp_path)
    (tmp_path / "sacrum.ply").write_bytes(b"ply\nformat garbage\n")
    with pytest.raises(MeshError, match=r"sacrum\.ply.*hipviz build-meshes"):
        BoneLoad(tmp_path).result()


def test_a_start_that_fails_before_the_bones_arrive_stops_their_process(tmp_path, monkeypatch):
    from hipviz.gui.app import StartupError, load_window
    from hipviz.io.bone_process import BoneLoad

    monkeypatch.setenv("HIPVIZ_CACHE_DIR", str(tmp_path))  # none kept: they load in a child
    bad = tmp_path / "bad.toml"
    bad.write_text('[pose]\n"right.gt_superior_mm" = "high"\n')
    bones = BoneLoad()
    child = bones._process
    assert child is not None
    with pytest.raises(StartupError, match=r"bad\.toml"):
        load_window(bad, bones)
    assert child.poll() is not None  # stopped and reaped, not left running


@pytest.mark.gui
def test_bones_found_bad_after_the_view_was_made_stop_the_start_cleanly(tmp_path, qtbot):
    from hipviz.gui.app import StartupError, load_window
    from hipviz.io.bone_process import BoneLoad

    copy_meshes(tmp_path)
    (tmp_path / "femur_left.ply").write_bytes(b"ply\nformat garbage\n")
    # the window waits for these after making its view; the view is closed again
    # (the autouse fixture fails the test if a plotter is left open)
    with pytest.raises(StartupError, match=r"femur_left\.ply.*hipviz build-meshes"):
        load_window(bones=BoneLoad(tmp_path))


def test_checked_bones_are_kept_for_the_next_start_until_a_mesh_changes(
    tmp_path, monkeypatch, caplog
):
    from hipviz.io import bone_cache
    from hipviz.io.bone_process import BoneLoad

    monkeypatch.setenv("HIPVIZ_CACHE_DIR", str(tmp_path / "cache"))
    meshes = copy_meshes(tmp_path / "meshes")
    reference = load_bones(meshes)

    def same(bones):
        for name, bone in reference.items():
            np.testing.assert_array_equal(bones[name].vertices, bone.vertices)
            np.testing.assert_array_equal(bones[name].faces, bone.faces)

    first = BoneLoad(meshes)
    assert first._process is not None  # trimesh reads and checks them in the child
    same(first.result())
    again = BoneLoad(meshes)
    assert again._process is None  # kept: no trimesh, no second process
    same(again.result())
    # a damaged kept copy is passed over (logged), and the meshes read again
    kept = bone_cache.cache_path(meshes)
    kept.write_bytes(b"PK\x03\x04 not a zip")
    with caplog.at_level("WARNING"):
        third = BoneLoad(meshes)
    assert third._process is not None and "cannot use the kept bones" in caplog.text
    same(third.result())
    # a changed mesh is read and checked again by trimesh, and its problem said
    (meshes / "sacrum.ply").write_bytes(b"ply\nformat garbage\n")
    changed = BoneLoad(meshes)
    assert changed._process is not None
    with pytest.raises(MeshError, match=r"sacrum\.ply"):
        changed.result()
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [kept.name]


# --- the bones kept between starts are only a cache ---------------------------------------------


@pytest.fixture(scope="module")
def kept_meshes(tmp_path_factory):
    return copy_meshes(tmp_path_factory.mktemp("meshes"))


@pytest.fixture(scope="module")
def reference(kept_meshes):
    return load_bones(kept_meshes)


def _same(bones, reference):
    assert set(bones) == set(MESH_FILES)
    for name, bone in reference.items():
        np.testing.assert_array_equal(bones[name].vertices, bone.vertices)
        np.testing.assert_array_equal(bones[name].faces, bone.faces)
        assert bones[name].faces.dtype == np.int64


def _with(reference, name, vertices=None, faces=None):
    bones = dict(reference)
    old = reference[name]
    bones[name] = Bone(
        name,
        old.vertices if vertices is None else vertices,
        old.faces if faces is None else faces,
    )
    return bones


def _float_faces(reference) -> bytes:
    """Well-formed data whose sacrum faces are floats (the manifest's hash still matches)."""
    data = bone_cache.to_npz(reference)
    with np.load(io.BytesIO(data)) as arrays:
        parts = {k: arrays[k] for k in arrays.files}
    parts["sacrum.faces"] = parts["sacrum.faces"].astype(float)
    out = io.BytesIO()
    np.savez(out, **parts)
    return out.getvalue()


def _scrambled(reference):
    faces = reference["sacrum"].faces.copy()
    np.random.default_rng(1).shuffle(faces.ravel())
    return _with(reference, "sacrum", faces=faces)


def _nan(reference):
    vertices = reference["pelvis_left"].vertices.copy()
    vertices[100, 1] = np.nan
    return _with(reference, "pelvis_left", vertices=vertices)


#: damage -> the kept bytes; each entry but the first three has a manifest that matches it,
#: so only the checks against the meshes and the landmarks can catch it
DAMAGE = {
    "empty file": lambda ref: b"",
    "truncated": lambda ref: bone_cache.to_npz(ref)[: len(bone_cache.to_npz(ref)) // 2],
    "not a zip": lambda ref: b"PK\x03\x04 not a zip",
    "float faces": _float_faces,
    "NaN vertex": lambda ref: bone_cache.to_npz(_nan(ref)),
    "sacrum x1000": lambda ref: bone_cache.to_npz(
        _with(ref, "sacrum", vertices=ref["sacrum"].vertices * 1000.0)
    ),
    "scrambled faces": lambda ref: bone_cache.to_npz(_scrambled(ref)),
    "right femur as the left": lambda ref: bone_cache.to_npz(
        _with(
            ref, "femur_left", vertices=ref["femur_right"].vertices, faces=ref["femur_right"].faces
        )
    ),
    "inside out": lambda ref: bone_cache.to_npz(
        _with(ref, "femur_right", faces=ref["femur_right"].faces[:, ::-1].copy())
    ),
    "fewer faces than the mesh file": lambda ref: bone_cache.to_npz(
        _with(ref, "sacrum", faces=ref["sacrum"].faces[:-2])
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_or_implausible_entry_is_dropped_with_one_warning(
    damage, kept_meshes, reference, tmp_path, monkeypatch, caplog
):
    monkeypatch.setenv("HIPVIZ_CACHE_DIR", str(tmp_path / "cache"))
    kept = bone_cache.cache_path(kept_meshes)
    kept.parent.mkdir(parents=True)
    kept.write_bytes(DAMAGE[damage](reference))
    with caplog.at_level(logging.WARNING):
        assert bone_cache.read(kept, kept_meshes) is None
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "cannot use the kept bones" in warnings[0].getMessage()
    assert not kept.exists()  # dropped: the next start does not meet it again


def test_a_good_entry_reads_back_exactly_and_fast(kept_meshes, reference, tmp_path, monkeypatch):
    monkeypatch.setenv("HIPVIZ_CACHE_DIR", str(tmp_path / "cache"))
    kept = bone_cache.cache_path(kept_meshes)
    bone_cache.write(reference, kept)
    start = time.perf_counter()
    bones = bone_cache.read(kept, kept_meshes)
    assert time.perf_counter() - start < 1.0  # trimesh's import and checks take seconds
    _same(bones, reference)


def test_an_empty_entry_no_longer_stops_the_start(kept_meshes, reference, tmp_path, monkeypatch):
    """A 0-byte kept file raised EOFError from np.load at every start until deleted."""
    monkeypatch.setenv("HIPVIZ_CACHE_DIR", str(tmp_path / "cache"))
    kept = bone_cache.cache_path(kept_meshes)
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"")
    load = BoneLoad(kept_meshes)
    assert load._process is not None  # read from the meshes again, in the child
    _same(load.result(), reference)
    _same(bone_cache.read(kept, kept_meshes), reference)  # and kept again, whole


# --- landmarks and the handedness of the meshes ---------------------------------------------------
def test_a_right_femur_saved_as_the_left_one_is_refused(tmp_path):
    folder = copy_meshes(tmp_path)
    (folder / "femur_left.ply").write_bytes((folder / "femur_right.ply").read_bytes())
    with pytest.raises(MeshError) as info:
        load_bones(folder)
    message = str(info.value)
    assert message.startswith(f"{folder / 'femur_left.ply'}: 'femur_left' does not fit the left")
    assert "left.greater_trochanter is 200 mm from its surface (at most 5 mm)" in message
    assert "\n" not in message


def test_a_femur_mirrored_into_place_is_a_left_femur_and_loads(tmp_path, bones):
    """A right femur mirrored (not moved) is a true left femur: it fits the left landmarks."""
    from hipviz.io.meshes import write_ply

    folder = copy_meshes(tmp_path)
    right = bones["femur_right"]
    write_ply(folder / "femur_left.ply", right.vertices * [1, 1, -1], right.faces[:, ::-1])
    assert set(load_bones(folder)) == set(MESH_FILES)


LANDMARK_DAMAGE = {
    "a point of two numbers": (["left", "greater_trochanter"], [1.0, 2.0], "three finite"),
    "a NaN coordinate": (["right", "asis"], [1.0, float("nan"), 2.0], "three finite"),
    "a string coordinate": (["right", "psis"], [1.0, "2", 3.0], "three finite"),
    "a huge integer": (["sacrum", "sacral_plateau"], [10**400, 0, 0], "three finite"),
    "a radius as a point": (["left", "femoral_head_radius"], [1, 2, 3], "a number of mm"),
    "a radius of 1 km": (["right", "acetabulum_radius"], 1e6, "must be 5-60 mm"),
    "a missing hip centre": (["right", "hip_centre"], None, "right.hip_centre missing"),
}


@pytest.mark.parametrize("damage", list(LANDMARK_DAMAGE))
def test_damaged_landmarks_are_refused_naming_the_key(damage, tmp_path):
    (group, key), value, expected = LANDMARK_DAMAGE[damage]
    raw = json.loads((MESH_DIR / "landmarks.json").read_text())
    if value is None:
        del raw[group][key]
    else:
        raw[group][key] = value
    # json.dumps writes NaN as NaN, which Python's json reads back (as browsers do not)
    (tmp_path / "landmarks.json").write_text(json.dumps(raw))
    with pytest.raises(MeshError) as info:
        load_landmarks(tmp_path)
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'landmarks.json'}: ")
    assert expected in message, message
    if value is not None:
        assert f"{group}.{key}" in message
