"""Crest and femur-contact numbers (issue 16), checked independently of the model's own
contact fields: VTK's exact distance to the real right femur mesh, at every third vertex
of the left femur placed as the renderer places it.

    python scripts/crest_contact_numbers.py            # about a minute
    python scripts/crest_contact_numbers.py --quick    # the crest numbers only
"""

from __future__ import annotations

import itertools
import sys

import numpy as np
import pyvista as pv
import vtk
from vtk.util.numpy_support import numpy_to_vtk, vtk_to_numpy

from hipviz.core.model import HipModel
from hipviz.core.pose import Pose
from hipviz.io.meshes import load_bones

CREST = "iliac_crest_superior_mm"


def main() -> None:
    model = HipModel.load()
    a = model.anatomy

    def solve(**values):
        return model.solve(Pose().with_values(values), moment_arms=False)

    def hips(solution):
        p = solution.transforms["pelvis"]
        return {s: p[:3, :3] @ a.hip_centre[s] + p[:3, 3] for s in ("right", "left")}

    for label, values in [
        ("right crest +10", {f"right.{CREST}": 10}),
        ("both crests +10", {f"right.{CREST}": 10, f"left.{CREST}": 10}),
    ]:
        s = solve(**values)
        h = hips(s)
        print(
            f"{label}: hip-centre move (x, y, z) mm: right",
            np.round(h["right"] - a.hip_centre["right"], 2),
            "left",
            np.round(h["left"] - a.hip_centre["left"], 2),
        )
        print(
            f"   abduction right {s.angles_deg['right'][1]:+.2f}, left "
            f"{s.angles_deg['left'][1]:+.2f} deg; reasons {s.reasons}"
        )
    if "--quick" in sys.argv:
        return

    bones = load_bones()
    fr, fl = bones["femur_right"], bones["femur_left"]
    distance = vtk.vtkImplicitPolyDataDistance()
    distance.SetInput(pv.PolyData.from_regular_faces(fr.vertices, fr.faces))

    def femur_gap(solution) -> float:
        tr, tl = solution.transforms["femur_right"], solution.transforms["femur_left"]
        local = (fl.vertices[::3] @ tl[:3, :3].T + tl[:3, 3] - tr[:3, 3]) @ tr[:3, :3]
        out = vtk.vtkDoubleArray()
        distance.FunctionValue(numpy_to_vtk(np.ascontiguousarray(local)), out)
        return float(vtk_to_numpy(out).min())

    worst = []
    gt = (-25.0, 0.0, 25.0)
    crests = ((0.0, 0.0), (15.0, 15.0), (25.0, 25.0), (25.0, 0.0))
    for (cr, cl), sup, ant_r, ant_l, flex in itertools.product(crests, gt, gt, gt, (0.0, 90.0)):
        values = {
            f"right.{CREST}": cr,
            f"left.{CREST}": cl,
            "right.gt_superior_mm": sup,
            "left.gt_superior_mm": sup,
            "right.gt_anterior_mm": ant_r,
            "left.gt_anterior_mm": ant_l,
            "right.hip_flexion_deg": flex,
            "left.hip_flexion_deg": flex,
        }
        worst.append((femur_gap(solve(**values)), values))
    for abd, rot, flex, c in itertools.product(
        (-30.0, 0.0), (-45.0, 0.0, 45.0), (0, 45, 90), (0, 25)
    ):
        values = {
            f"{side}.{k}": float(v)
            for side in ("right", "left")
            for k, v in (
                ("hip_abduction_deg", abd),
                ("hip_rotation_deg", rot),
                ("hip_flexion_deg", flex),
                (CREST, c),
            )
        }
        worst.append((femur_gap(solve(**values)), values))
    worst.sort(key=lambda w: w[0])
    overlapping = sum(w[0] < 0 for w in worst)
    print(f"poses checked: {len(worst)}; femurs overlapping in {overlapping}")
    for gap, values in worst[:3]:
        print(
            f"  femur-femur signed distance {gap:+.1f} mm at",
            {k: v for k, v in values.items() if v},
        )
    for c in (10.0, 15.0):
        s = solve(**{f"right.{CREST}": c, f"left.{CREST}": c})
        print(f"both crests +{c:g}, GT neutral: femur-femur signed distance {femur_gap(s):+.1f} mm")


if __name__ == "__main__":
    main()
