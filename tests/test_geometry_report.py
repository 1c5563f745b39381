"""``hipviz report --geometry``: paths and bone placements another tool can check."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest
import pyvista as pv
import vtk
from vtk.util.numpy_support import numpy_to_vtk, vtk_to_numpy

from hipviz.cli import main
from hipviz.core.muscles import MUSCLES
from hipviz.io.meshes import load_bones, load_landmarks

POSE = ["--set", "right.gt_superior_mm=8", "--set", "left.hip_flexion_deg=60"]
POSE += ["--set", "left.iliac_crest_superior_mm=6", "--set", "right.gt_anterior_mm=-12"]


@pytest.fixture(scope="module")
def geometry(tmp_path_factory):
    """The report written as a user runs it, then read back from the file."""
    out = tmp_path_factory.mktemp("geometry") / "pose.json"
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["report", "--geometry", *POSE]) == 0
    out.write_text(buffer.getvalue(), encoding="utf-8")
    return json.loads(out.read_text(encoding="utf-8"))


def distance_to_placed_mesh(bone, transform, points) -> np.ndarray:
    """Unsigned distance (mm) of room points to the mesh placed by the report's 4x4."""
    t = np.array(transform)
    placed = bone.vertices @ t[:3, :3].T + t[:3, 3]
    f = vtk.vtkImplicitPolyDataDistance()
    f.SetInput(pv.PolyData.from_regular_faces(placed, bone.faces))
    out = vtk.vtkDoubleArray()
    f.FunctionValue(numpy_to_vtk(np.ascontiguousarray(points, float)), out)
    return np.abs(vtk_to_numpy(out))


def test_every_path_and_bone_is_there(geometry):
    g = geometry["geometry"]
    assert set(g["bones"]) == {"pelvis_right", "pelvis_left", "sacrum", "femur_right", "femur_left"}
    assert len(g["paths"]) == len(geometry["muscles"]) == 2 * len(MUSCLES)
    assert "x anterior, y superior, z to the subject's right" in g["frame"]
    for bone in g["bones"].values():
        t = np.array(bone["transform"])
        assert t.shape == (4, 4) and np.allclose(t[3], [0, 0, 0, 1])
        assert np.allclose(t[:3, :3] @ t[:3, :3].T, np.eye(3), atol=1e-9)


def test_path_ends_lie_on_the_bones_placed_by_the_4x4(geometry):
    bones = load_bones()
    g = geometry["geometry"]
    for key, path in g["paths"].items():
        side, muscle = key.split(".")
        points = np.array(path["points_mm"])
        # origins on the ilium or the sacrum (piriformis, the lower gluteus maximus)
        start = min(
            distance_to_placed_mesh(bones[b], g["bones"][b]["transform"], points[:1])
            for b in (f"pelvis_{side}", "sacrum")
        )
        end = distance_to_placed_mesh(
            bones[f"femur_{side}"], g["bones"][f"femur_{side}"]["transform"], points[-1:]
        )
        # attachments sit on the surface (1 mm outside the faceted mesh at most)
        assert start[0] < 2.0 and end[0] < 2.0, (key, start, end)
        # and well away from the other femur: the 4x4s are not all the same
        other = "left" if side == "right" else "right"
        far = distance_to_placed_mesh(
            bones[f"femur_{other}"], g["bones"][f"femur_{other}"]["transform"], points[-1:]
        )
        assert far[0] > 50.0


def test_polyline_length_is_the_reported_length(geometry):
    lengths = {f"{r['side']}.{r['muscle']}": r["length_mm"] for r in geometry["muscles"]}
    wrapped = 0
    for key, path in geometry["geometry"]["paths"].items():
        points = np.array(path["points_mm"])
        polyline = np.linalg.norm(np.diff(points, axis=0), axis=1).sum()
        assert polyline == pytest.approx(path["length_mm"], abs=0.01), key
        assert path["length_mm"] == pytest.approx(lengths[key], abs=1e-3)
        wrapped += len(points) > 3
    assert wrapped >= 1  # a wrap arc is in the check, not only straight lines


def test_hip_stays_in_its_socket_in_the_placements(geometry):
    lm = load_landmarks()
    bones = geometry["geometry"]["bones"]
    pelvis = np.array(bones["pelvis_right"]["transform"])
    for side in ("right", "left"):
        femur = np.array(bones[f"femur_{side}"]["transform"])
        hip = np.append(lm[side]["hip_centre"], 1.0)
        assert np.allclose(femur @ hip, pelvis @ hip, atol=1e-6)


def test_geometry_with_another_format_is_refused(capsys):
    assert main(["report", "--geometry", "--format", "csv"]) != 0
    err = capsys.readouterr().err
    assert "--geometry writes JSON" in err
