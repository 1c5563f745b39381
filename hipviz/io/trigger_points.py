"""Trigger-point regions from ``hipviz/data/trigger_points.json``, placed on the bone model.

Each region in the data file names a muscle path and a fraction of that path's neutral
length from origin to insertion, at the site the standard trigger-point maps give
(Travell & Simons, Vol. 2; the file cites the chapters). :func:`build_trigger_points`
turns that into a point on the outer surface of the named bone, set ``offset_mm``
outside it along the outward normal, for each side, from that side's own muscle path
and bone: no coordinates are typed in by hand. The region is fixed to the bone's body,
so it moves with the pose.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from hipviz.core.muscles import GROUPS, MusclePath, MuscleSet
from hipviz.core.pose import SIDES
from hipviz.io.meshes import Bone

log = logging.getLogger(__name__)

#: keys every region must have in the data file
#: self-care balls and their diameters, mm (tennis 6.7 cm, racquetball 5.7 cm, baseball 7.3 cm)
BALL_DIAMETERS_MM = {"tennis": 67.0, "racquetball": 57.0, "baseball": 73.0}
BALL_CHOICES = ("none", *BALL_DIAMETERS_MM)
#: where the ball goes unless a scene says otherwise: the "front corner of the hip"
DEFAULT_BALL_AT = "right.gluteus_minimus_anterior_trp"
REGION_KEYS = (
    "id",
    "muscle",
    "name",
    "where",
    "refers",
    "path",
    "fraction",
    "bone",
    "radius_mm",
    "source_section",
)


#: the bone a region may lie on: that side's hemipelvis or femur, or the sacrum (one for both
#: sides; the lowest gluteus maximus fibres arise from it)
REGION_BONES = ("pelvis", "femur", "sacrum")


class TriggerPointError(ValueError):
    """A trigger-point data file that cannot be used; names the file, the region and the key."""


@dataclass(frozen=True)
class TriggerPoint:
    """One trigger-point region on one side.

    Attributes
    ----------
    id : str
        ``"SIDE.REGION"``, e.g. ``"right.gluteus_minimus_anterior_trp"`` (scene files use it).
    side, muscle : str
        ``"right"``/``"left"``; the muscle group (``"gluteus_medius"``, ...).
    name, where, refers : str
        Label, where it is, and its referred pain pattern, in plain words.
    body : str
        Body it moves with (``"pelvis"``, ``"femur_right"``, ``"femur_left"``).
    bone : str
        Bone part it sits on (``"pelvis_right"``, ...).
    centre : (3,) float
        Neutral frame, mm: ``offset_mm`` outside the bone surface.
    normal : (3,) float
        Outward unit normal of the bone surface under the centre.
    surface : (3,) float
        The bone surface point under the centre, neutral frame, mm.
    radius_mm : float
    """

    id: str
    side: str
    muscle: str
    name: str
    where: str
    refers: str
    body: str
    bone: str
    centre: np.ndarray
    normal: np.ndarray
    surface: np.ndarray
    radius_mm: float

    @property
    def label(self) -> str:
        return f"{self.side[0].upper()} {self.name}"


def data_text(path: Path | None = None) -> tuple[str, str]:
    """(text, source name) of the data file; the shipped one by default."""
    if path is not None:
        return Path(path).read_text(encoding="utf-8"), str(path)
    shipped = resources.files("hipviz.data").joinpath("trigger_points.json")
    return shipped.read_text(encoding="utf-8"), "hipviz/data/trigger_points.json"


def load_trigger_point_data(path: Path | None = None) -> dict:
    """Read and check the data file; :class:`TriggerPointError` names what is wrong."""
    text, source = data_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TriggerPointError(f"{source}: not valid JSON ({exc})") from None
    if not isinstance(data.get("source"), str) or not data["source"]:
        raise TriggerPointError(f"{source}: 'source': the clinical source must be cited")
    offset = data.get("offset_mm")
    if not isinstance(offset, (int, float)) or not 0.0 <= offset <= 4.0:
        raise TriggerPointError(f"{source}: 'offset_mm' must be 0 to 4 mm, got {offset!r}")
    seen = set()
    for i, region in enumerate(data.get("regions", [])):
        where = f"{source}: regions[{i}]"
        missing = [k for k in REGION_KEYS if k not in region]
        if missing:
            raise TriggerPointError(f"{where}: missing {', '.join(missing)}")
        if region["id"] in seen:
            raise TriggerPointError(f"{where}: id '{region['id']}' is used twice")
        seen.add(region["id"])
        if region["muscle"] not in GROUPS:
            raise TriggerPointError(
                f"{where}.muscle: '{region['muscle']}' is not one of {', '.join(GROUPS)}"
            )
        if region["path"] not in GROUPS[region["muscle"]]:
            raise TriggerPointError(
                f"{where}.path: '{region['path']}' is not a path of "
                f"{region['muscle']} ({', '.join(GROUPS[region['muscle']])})"
            )
        if not 0.0 <= float(region["fraction"]) <= 1.0:
            raise TriggerPointError(f"{where}.fraction: must be 0 (origin) to 1 (insertion)")
        if region["bone"] not in REGION_BONES:
            raise TriggerPointError(
                f"{where}.bone: must be one of {', '.join(repr(b) for b in REGION_BONES)}"
            )
        if not 2.0 <= float(region["radius_mm"]) <= 20.0:
            raise TriggerPointError(f"{where}.radius_mm: must be 2 to 20 mm")
    if not seen:
        raise TriggerPointError(f"{source}: 'regions' is empty")
    return data


@lru_cache(maxsize=1)
def trigger_point_ids() -> tuple[str, ...]:
    """Every region id of the shipped data, ``"SIDE.REGION"``, right side first."""
    regions = load_trigger_point_data()["regions"]
    return tuple(f"{side}.{r['id']}" for side in SIDES for r in regions)


def point_along(polyline: np.ndarray, fraction: float) -> np.ndarray:
    """The point a ``fraction`` (0-1) of the way along a polyline (m, 3) by length."""
    polyline = np.asarray(polyline, dtype=float)
    cumulative = np.concatenate(
        [[0.0], np.cumsum(np.linalg.norm(np.diff(polyline, axis=0), axis=1))]
    )
    s = float(fraction) * cumulative[-1]
    return np.array([np.interp(s, cumulative, polyline[:, k]) for k in range(3)])


def closest_on_surface(
    vertices: np.ndarray, faces: np.ndarray, points: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Closest surface points (n, 3) and their triangles' outward unit normals (n, 3).

    Brute force over every triangle (a bone has about 20 000): a few points take
    milliseconds, and no spatial index has to be built.
    """
    import trimesh.triangles  # lazy, as in io/meshes.py: only when regions are placed

    triangles = vertices[faces]
    normals = np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0])
    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
    closest = np.empty((len(points), 3))
    normal = np.empty((len(points), 3))
    for i, p in enumerate(np.asarray(points, dtype=float)):
        on = trimesh.triangles.closest_point(triangles, np.broadcast_to(p, (len(triangles), 3)))
        j = int(np.argmin(((on - p) ** 2).sum(axis=1)))
        closest[i], normal[i] = on[j], normals[j]
    return closest, normal


def build_trigger_points(
    data: dict, paths: tuple[MusclePath, ...], bones: dict[str, Bone]
) -> tuple[TriggerPoint, ...]:
    """Place every region of the data on both sides (a pure function of its inputs).

    Parameters
    ----------
    data : dict
        From :func:`load_trigger_point_data`.
    paths : tuple of MusclePath
        Both sides' muscle paths (``HipModel.muscles.paths``).
    bones : dict of str to Bone
        From :func:`hipviz.io.meshes.load_bones`.

    Returns
    -------
    tuple of TriggerPoint
        Right side first, in the data file's order (the order of :func:`trigger_point_ids`).
    """
    identity = {body: np.eye(4) for body in ("pelvis", "femur_right", "femur_left")}
    lines = dict(zip((p.key for p in paths), MuscleSet(paths).polylines(identity), strict=True))
    offset = float(data["offset_mm"])
    out = []
    for side in SIDES:
        for region in data["regions"]:
            seed = point_along(lines[f"{side}.{region['path']}"], region["fraction"])
            bone = "sacrum" if region["bone"] == "sacrum" else f"{region['bone']}_{side}"
            surface, face_normal = closest_on_surface(
                bones[bone].vertices, bones[bone].faces, seed[None]
            )
            # from outside, the way back to the seed is the outward normal (also at an edge)
            direction = seed - surface[0]
            length = np.linalg.norm(direction)
            normal = direction / length if length > 1e-6 else face_normal[0]
            if normal @ face_normal[0] < 0:  # the seed was inside the bone: go out instead
                normal = face_normal[0]
            body = f"femur_{side}" if region["bone"] == "femur" else "pelvis"
            out.append(
                TriggerPoint(
                    id=f"{side}.{region['id']}",
                    side=side,
                    muscle=region["muscle"],
                    name=region["name"],
                    where=region["where"],
                    refers=region["refers"],
                    body=body,
                    bone=bone,
                    centre=surface[0] + offset * normal,
                    normal=normal,
                    surface=surface[0],
                    radius_mm=float(region["radius_mm"]),
                )
            )
    log.debug("placed %d trigger-point regions", len(out))
    return tuple(out)
