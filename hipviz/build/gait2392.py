"""Read the gait2392 hip muscle sites vendored in ``hipviz/data/gait2392_sites.json``.

OpenSim's gait2392 (Delp et al. 1990; opensim-org/opensim-models,
``Models/Gait2392_Simbody/gait2392_thelen2003muscle.osim``, CC BY 3.0) has one site per
compartment of gluteus medius, minimus and maximus, piriformis and tensor fasciae latae.
hipviz keeps a transcription of the few sites it uses, so the build does not need the
model file. Its bone meshes are myo-sim's (Rajagopal et al. 2016) bones in other body
frames; the file holds the rigid transforms between the frames, so the sites come out
here in myo-sim's frames (mm) and are carried onto the hipviz bones by the same
registration as myo-sim's own sites (:mod:`hipviz.build.build_muscles`).

gait2392 has the right leg's sites only; the left ones are their mirror images.
"""

from __future__ import annotations

import json
import logging
from importlib import resources

import numpy as np

from hipviz.build.myosim import M_TO_MM, MusclePath, Site

log = logging.getLogger(__name__)

DATA_FILE = "gait2392_sites.json"
#: gait2392 muscle -> hipviz muscle name (1/2/3 = anterior/middle/posterior compartment for
#: gluteus medius and minimus, superior/middle/inferior for gluteus maximus)
MUSCLES: dict[str, str] = {
    "glut_med1": "gluteus_medius_anterior",
    "glut_med2": "gluteus_medius_middle",
    "glut_med3": "gluteus_medius_posterior",
    "glut_min1": "gluteus_minimus_anterior",
    "glut_min2": "gluteus_minimus_middle",
    "glut_min3": "gluteus_minimus_posterior",
    "peri": "piriformis",
    "glut_max1": "gluteus_maximus_superior",
    "glut_max2": "gluteus_maximus_middle",
    "glut_max3": "gluteus_maximus_inferior",
    "tfl": "tensor_fasciae_latae",
}
MIRROR = np.array([1.0, 1.0, -1.0])


def read() -> dict:
    """The vendored data file as a dict."""
    return json.loads(resources.files("hipviz.data").joinpath(DATA_FILE).read_text())


def _to_myosim(data: dict, body: str, location_m, frame_of: str | None = None) -> np.ndarray:
    frame = data["frames_to_myosim"][frame_of or ("pelvis" if body == "pelvis" else "femur_r")]
    rotation = np.asarray(frame["rotation"], dtype=float)
    return rotation @ (np.asarray(location_m, dtype=float) * M_TO_MM) + np.asarray(
        frame["translation_mm"], dtype=float
    )


def hip_centre(pelvis_frame: str = "pelvis") -> dict[str, np.ndarray]:
    """gait2392's hip joint centres in myo-sim's frames, mm, by side (see :func:`muscle_paths`)."""
    data = read()
    right = _to_myosim(data, "pelvis", data["hip_r_in_pelvis_m"], pelvis_frame)
    return {"right": right, "left": right * MIRROR}


def own_geometry(key: str) -> tuple[np.ndarray, list[bool], np.ndarray]:
    """One right path in gait2392's own frames, as the model has it at neutral.

    Returns the points (k, 3) mm in the pelvis frame (femur points placed at neutral:
    the femur frame's origin is the hip centre, its axes the pelvis's), which of them are
    on the femur, and the hip centre (3,) mm.
    """
    data = read()
    hip = np.asarray(data["hip_r_in_pelvis_m"], dtype=float) * M_TO_MM
    points = data["paths"][f"{key}_r"]
    on_femur = [p["body"] != "pelvis" for p in points]
    xyz = np.array(
        [
            np.asarray(p["location_m"]) * M_TO_MM + (hip if f else 0.0)
            for p, f in zip(points, on_femur, strict=True)
        ]
    )
    return xyz, on_femur, hip


def muscle_paths(pelvis_frame: str = "pelvis") -> list[MusclePath]:
    """Every vendored path, both sides, sites in myo-sim's body frames (mm).

    Body names are myo-sim's (``pelvis``, ``femur_r``, ``femur_l``); site names keep
    gait2392's (``glut_med1_r-P1``), with ``_l`` for the mirrored left ones.

    ``pelvis_frame="femur_r"`` places the pelvic sites with the femur's frame transform
    instead of the pelvis's: the two models' pelvis frames differ (by 10.5 deg) while
    their femur frames agree (0.6 deg), so this keeps gait2392's own pelvis-to-femur
    relation at neutral (use with :func:`hip_centre` of the same frame).
    """
    data = read()
    paths = []
    for key, muscle in MUSCLES.items():
        points = data["paths"][f"{key}_r"]
        right = [
            Site(p["name"], p["body"], _to_myosim(data, p["body"], p["location_m"])) for p in points
        ]
        left = [
            Site(
                s.name.replace("_r-", "_l-"),
                s.body.replace("_r", "_l"),
                s.position * MIRROR,
            )
            for s in right
        ]
        for side, sites in (("right", right), ("left", left)):
            paths.append(MusclePath(key, muscle, side, f"{key}_{side[0]}", sites, []))
    return paths
