"""Read the Rajagopal et al. (2016) hip muscle paths and bones from PyPI ``myo-sim``.

``myo-sim`` 0.2.4 (MyoSuite, Apache-2.0) ships the MuJoCo leg model ``myolegs``, which
its own ``models/leg/README.md`` derives from Rajagopal et al.'s full-body gait model
(IEEE Trans Biomed Eng 2016) -- not from gait2392 (myo-sim's reduced ``myolegs26`` is of
gait2392's lineage, but lumps each hip abductor into one path, so it has no compartments;
gait2392's own sites are read by :mod:`hipviz.build.gait2392`). Rajagopal's bone meshes are
gait2392's bones, in other frames. This module reads, with :mod:`xml.etree` only:

* the ordered sites of the gluteus medius (``glmed1/2/3``), gluteus minimus
  (``glmin1/2/3``), piriformis (``piri``), gluteus maximus (``glmax1/2/3``) and tensor
  fasciae latae (``tfl``, to the knee) paths of both legs
  (``models/leg/assets/myolegs_tendon.xml``),
* each site's position in its body frame (``models/leg/assets/myolegs_chain.xml``),
* the pelvis -> femur body offsets (the femur body origin is the femoral head centre),
* the coarse bone meshes of the pelvis body (both hemipelvises and the sacrum) and of the
  femurs, in their body frames,
* a few bony landmarks picked on those meshes, to initialise the registration onto the
  hipviz bones (:mod:`hipviz.build.build_muscles`).

All lengths are returned in millimetres (the model uses metres). Body frames use the
OpenSim axes: x anterior, y superior, z to the right. The pelvis body origin is the
midpoint of the two anterior superior iliac spines (ASIS).

The sacrum mesh (``models/meshes/sacrum.stl``) is not attached in ``myolegs_chain.xml``;
it is the gait2392 sacrum in the same pelvis frame (``myolegs26_chain.xml`` and
``myotorso_chain.xml`` place it at the pelvis origin with no offset; the piriformis
origin ``piri-P1`` lies 0.6 mm from its anterior surface), so it is added to the pelvis
body here.

Only the package's installed files are read; nothing is imported from MuJoCo.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hipviz.core.geometry import fit_sphere

log = logging.getLogger(__name__)

SOURCE_PACKAGE = "myo-sim"
SOURCE_VERSION = "0.2.4"
TENDON_XML = "leg/assets/myolegs_tendon.xml"
CHAIN_XML = "leg/assets/myolegs_chain.xml"
ASSETS_XML = "leg/assets/myolegs_assets.xml"
#: metres -> millimetres
M_TO_MM = 1000.0

#: myo-sim path prefix -> hipviz muscle name (1/2/3 = anterior/middle/posterior bundles)
MUSCLES: dict[str, str] = {
    "glmed1": "gluteus_medius_anterior",
    "glmed2": "gluteus_medius_middle",
    "glmed3": "gluteus_medius_posterior",
    "glmin1": "gluteus_minimus_anterior",
    "glmin2": "gluteus_minimus_middle",
    "glmin3": "gluteus_minimus_posterior",
    "piri": "piriformis",
    "glmax1": "gluteus_maximus_superior",
    "glmax2": "gluteus_maximus_middle",
    "glmax3": "gluteus_maximus_inferior",
    "tfl": "tensor_fasciae_latae",
}
#: sites below the knee, left out: hipviz has no tibia (the knee stays straight, so the
#: part of a path beyond the femur never changes length)
BELOW_KNEE = ("tfl-P4",)
#: myo-sim side suffix -> hipviz side name
SIDES: dict[str, str] = {"r": "right", "l": "left"}
#: bone part name -> (body, mesh file in models/meshes); ``sacrum`` is added, see module doc
BONE_PARTS: dict[str, tuple[str, str]] = {
    "pelvis_right": ("pelvis", "r_pelvis.stl"),
    "pelvis_left": ("pelvis", "l_pelvis.stl"),
    "sacrum": ("pelvis", "sacrum.stl"),
    "femur_right": ("femur_r", "r_femur.stl"),
    "femur_left": ("femur_l", "l_femur.stl"),
}


@dataclass(frozen=True)
class Site:
    """One MuJoCo site.

    Attributes
    ----------
    name : str
        Site name, e.g. ``"glmed1-P1_r"``.
    body : str
        Name of the body it is fixed to (``"pelvis"``, ``"femur_r"``, ...).
    position : (3,) float
        Position in the body frame, mm.
    """

    name: str
    body: str
    position: np.ndarray


@dataclass(frozen=True)
class MusclePath:
    """One muscle path: the ordered sites of a spatial tendon.

    Attributes
    ----------
    key : str
        myo-sim prefix, e.g. ``"glmed1"``.
    muscle : str
        hipviz muscle name, e.g. ``"gluteus_medius_anterior"``.
    side : str
        ``"right"`` or ``"left"``.
    tendon : str
        Spatial tendon name in the XML, e.g. ``"glmed1_r_tendon"``.
    sites : list of Site
        Sites from origin to insertion.
    wraps : list of str
        Wrapping geoms referenced by the tendon (none for these muscles).
    """

    key: str
    muscle: str
    side: str
    tendon: str
    sites: list[Site]
    wraps: list[str]


@dataclass(frozen=True)
class BoneMesh:
    """A myo-sim bone mesh in its body frame.

    Attributes
    ----------
    part : str
        hipviz part name (a key of :data:`BONE_PARTS`).
    body : str
        myo-sim body the mesh is fixed to.
    vertices : (v, 3) float
        Vertex positions in the body frame, mm.
    faces : (f, 3) int
        Triangles.
    """

    part: str
    body: str
    vertices: np.ndarray
    faces: np.ndarray


def models_dir() -> Path:
    """The installed ``myo_sim/models`` folder.

    Raises
    ------
    SystemExit
        If ``myo-sim`` is not installed (it is a build-time extra).
    """
    try:
        import myo_sim
    except ImportError as exc:
        raise SystemExit(
            "hipviz build-muscles needs the build-time data package: "
            "pip install -e '.[build]'  (myo-sim==0.2.4)"
        ) from exc
    import importlib.metadata

    version = importlib.metadata.version(SOURCE_PACKAGE)
    if version != SOURCE_VERSION:
        log.warning("expected %s %s, found %s", SOURCE_PACKAGE, SOURCE_VERSION, version)
    return Path(myo_sim.__file__).resolve().parent / "models"


def _floats(text: str | None, n: int, default: float = 0.0) -> np.ndarray:
    if text is None:
        return np.full(n, default)
    values = np.array([float(t) for t in text.split()], dtype=float)
    if values.shape != (n,):
        raise ValueError(f"expected {n} numbers, got {text!r}")
    return values


def quat_to_matrix(quat: np.ndarray) -> np.ndarray:
    """Rotation matrix of a MuJoCo quaternion.

    Parameters
    ----------
    quat : (4,) float
        ``(w, x, y, z)``, need not be normalised.

    Returns
    -------
    (3, 3) float
    """
    w, x, y, z = np.asarray(quat, dtype=float) / np.linalg.norm(quat)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )


def _local_rotation(element: ET.Element) -> np.ndarray:
    """Rotation of a body/geom relative to its parent (quat only; other forms refused)."""
    for attr in ("euler", "axisangle", "xyaxes", "zaxis"):
        if element.get(attr) is not None:
            raise ValueError(f"{element.tag} {element.get('name')!r}: '{attr}' is not supported")
    return quat_to_matrix(_floats(element.get("quat"), 4)) if element.get("quat") else np.eye(3)


def read_chain(models: Path | None = None) -> tuple[dict[str, Site], dict[str, np.ndarray]]:
    """Read all sites and the femur body offsets from ``myolegs_chain.xml``.

    Parameters
    ----------
    models : Path, optional
        The ``myo_sim/models`` folder; the installed one by default.

    Returns
    -------
    sites : dict of str to Site
        Every site of the pelvis and femur bodies, by name (mm, body frame).
    femur_offsets : dict of str to (3,) float
        Position of the ``femur_r`` / ``femur_l`` body origins (= femoral head centres) in
        the pelvis frame, mm. The femur bodies carry no rotation, so at zero joint angles
        their axes are the pelvis axes.
    """
    models = models_dir() if models is None else Path(models)
    root = ET.parse(models / CHAIN_XML).getroot()
    pelvis = root.find(".//body[@name='pelvis']")
    if pelvis is None:
        raise ValueError(f"{CHAIN_XML}: no pelvis body")
    sites: dict[str, Site] = {}
    offsets: dict[str, np.ndarray] = {}
    bodies = [pelvis] + [pelvis.find(f"body[@name='femur_{s}']") for s in SIDES]
    for body in bodies:
        if body is None:
            raise ValueError(f"{CHAIN_XML}: femur body missing")
        name = body.get("name")
        if name != "pelvis":
            if not np.allclose(_local_rotation(body), np.eye(3)):
                raise ValueError(f"{CHAIN_XML}: body {name} is rotated; not supported")
            offsets[name] = _floats(body.get("pos"), 3) * M_TO_MM
        for site in body.findall("site"):  # direct children only
            pos = _floats(site.get("pos"), 3) * M_TO_MM
            sites[site.get("name")] = Site(site.get("name"), name, pos)
    return sites, offsets


def read_tendons(models: Path | None = None) -> dict[str, tuple[list[str], list[str]]]:
    """Read the spatial tendons of ``myolegs_tendon.xml``.

    Returns
    -------
    dict of str to (list of str, list of str)
        Tendon name -> (ordered site names, wrapping geom names).
    """
    models = models_dir() if models is None else Path(models)
    root = ET.parse(models / TENDON_XML).getroot()
    out = {}
    for spatial in root.iter("spatial"):
        sites = [e.get("site") for e in spatial if e.tag == "site"]
        wraps = [e.get("geom") for e in spatial if e.tag == "geom"]
        out[spatial.get("name")] = (sites, wraps)
    return out


def muscle_paths(models: Path | None = None) -> list[MusclePath]:
    """The hip muscle paths (:data:`MUSCLES` x 2 sides) with their sites in body frames (mm).

    Returns
    -------
    list of MusclePath
        Ordered by muscle key (``glmed1``, ..., ``piri``) then side (right, left).
    """
    sites, _ = read_chain(models)
    tendons = read_tendons(models)
    paths = []
    for key, muscle in MUSCLES.items():
        for suffix, side in SIDES.items():
            tendon = f"{key}_{suffix}_tendon"
            if tendon not in tendons:
                raise ValueError(f"{TENDON_XML}: tendon {tendon} not found")
            names, wraps = tendons[tendon]
            names = [n for n in names if n.rsplit("_", 1)[0] not in BELOW_KNEE]
            missing = [n for n in names if n not in sites]
            if missing:
                raise ValueError(f"{CHAIN_XML}: sites {missing} of {tendon} not found")
            paths.append(MusclePath(key, muscle, side, tendon, [sites[n] for n in names], wraps))
    return paths


def _read_stl(path: Path) -> tuple[np.ndarray, np.ndarray]:
    import trimesh

    mesh = trimesh.load(path, file_type="stl", force="mesh", process=True)
    return np.asarray(mesh.vertices, dtype=float), np.asarray(mesh.faces, dtype=np.int64)


def bone_meshes(models: Path | None = None) -> dict[str, BoneMesh]:
    """The myo-sim bone meshes of the pelvis body and both femurs, in body frames (mm).

    Mesh ``scale`` (assets XML) and geom ``pos``/``quat`` (chain XML) are applied when
    present (none are set in 0.2.4).

    Returns
    -------
    dict of str to BoneMesh
        Keyed by hipviz part name (:data:`BONE_PARTS`).
    """
    models = models_dir() if models is None else Path(models)
    assets = ET.parse(models / ASSETS_XML).getroot()
    chain = ET.parse(models / CHAIN_XML).getroot()
    mesh_by_file = {Path(m.get("file")).name: m for m in assets.iter("mesh")}
    out = {}
    for part, (body_name, file_name) in BONE_PARTS.items():
        v, f = _read_stl(models / "meshes" / file_name)
        mesh_el = mesh_by_file.get(file_name)
        rot, pos = np.eye(3), np.zeros(3)
        if mesh_el is not None:
            v = v * _floats(mesh_el.get("scale"), 3, 1.0)
            body = chain.find(f".//body[@name='{body_name}']")
            geom = None if body is None else body.find(f"geom[@mesh='{mesh_el.get('name')}']")
            if geom is None:
                raise ValueError(f"{CHAIN_XML}: no geom for mesh {file_name} in {body_name}")
            rot, pos = _local_rotation(geom), _floats(geom.get("pos"), 3)
        elif part != "sacrum":
            raise ValueError(f"{ASSETS_XML}: mesh {file_name} not declared")
        v = (v @ rot.T + pos) * M_TO_MM
        out[part] = BoneMesh(part, body_name, v, f)
    return out


def pelvis_landmarks(
    meshes: dict[str, BoneMesh], femur_offsets: dict[str, np.ndarray]
) -> dict[str, dict[str, np.ndarray]]:
    """Bony landmarks of the myo-sim pelvis, picked on the hemipelvis meshes.

    Definitions (pelvis frame; ``h`` = that side's hip centre, ``top`` = the highest
    vertex of the hemipelvis; extremal vertices of a region, so they are accurate to
    about one edge of these coarse meshes, ~5-10 mm):

    * ``hip_centre``: the femur body origin (the pelvis -> femur offset). A sphere fit to
      the hemipelvis vertices within 32 mm of it is logged as a check.
    * ``asis``: most anterior (max x) vertex among vertices at least 40 % of the way up
      from ``h`` to ``top`` (above the anterior inferior iliac spine).
    * ``psis``: most posterior (min x) vertex in the same upper region.
    * ``pubic_symphysis``: most anterior vertex among the 15 mm most medial
      (``|z|`` smallest) of the hemipelvis.
    * ``iliac_crest_top``: ``top``.

    Parameters
    ----------
    meshes : dict of str to BoneMesh
        From :func:`bone_meshes`.
    femur_offsets : dict of str to (3,) float
        From :func:`read_chain`, mm.

    Returns
    -------
    dict
        ``{"right": {name: (3,) float}, "left": {...}}``, mm, pelvis frame.
    """
    out: dict[str, dict[str, np.ndarray]] = {}
    for suffix, side in SIDES.items():
        v = meshes[f"pelvis_{side}"].vertices
        hip = femur_offsets[f"femur_{suffix}"]
        top = v[np.argmax(v[:, 1])]
        upper = v[v[:, 1] >= hip[1] + 0.4 * (top[1] - hip[1])]
        absz = np.abs(v[:, 2])
        medial = v[absz <= absz.min() + 15.0]
        near = v[np.linalg.norm(v - hip, axis=1) < 32.0]
        centre, radius = fit_sphere(near)
        log.debug(
            "myo-sim %s acetabulum sphere fit: centre %s, radius %.1f mm (%d vertices); "
            "femur body at %s",
            side,
            np.round(centre, 1),
            radius,
            len(near),
            np.round(hip, 1),
        )
        out[side] = {
            "hip_centre": hip.copy(),
            "asis": upper[np.argmax(upper[:, 0])],
            "psis": upper[np.argmin(upper[:, 0])],
            "pubic_symphysis": medial[np.argmax(medial[:, 0])],
            "iliac_crest_top": top,
        }
    return out


def femur_landmarks(mesh: BoneMesh, side: str) -> dict[str, np.ndarray]:
    """Bony landmarks of a myo-sim femur, in its body frame (mm).

    Definitions (femur frame, origin at the femoral head centre; ``s`` = +1 right,
    -1 left so ``s * z`` points laterally; ``bottom`` = lowest vertex):

    * ``femoral_head_centre``: the body origin (0, 0, 0).
    * ``greater_trochanter``: highest vertex among the lateral vertices ``s * z > 30``
      (beyond the head, radius ~22 mm, and the neck).
    * ``lateral_epicondyle`` / ``medial_epicondyle``: most lateral / medial vertex within
      60 mm of ``bottom``.
    * ``knee_centre``: midpoint of the epicondyles.

    Parameters
    ----------
    mesh : BoneMesh
        ``femur_right`` or ``femur_left`` from :func:`bone_meshes`.
    side : str
        ``"right"`` or ``"left"``.

    Returns
    -------
    dict of str to (3,) float
    """
    s = 1.0 if side == "right" else -1.0
    v = mesh.vertices
    lateral = v[s * v[:, 2] > 30.0]
    distal = v[v[:, 1] < v[:, 1].min() + 60.0]
    lat = distal[np.argmax(s * distal[:, 2])]
    med = distal[np.argmin(s * distal[:, 2])]
    return {
        "femoral_head_centre": np.zeros(3),
        "greater_trochanter": lateral[np.argmax(lateral[:, 1])],
        "lateral_epicondyle": lat,
        "medial_epicondyle": med,
        "knee_centre": 0.5 * (lat + med),
    }
