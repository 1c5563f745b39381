"""Build the project's bone meshes from the GIAS3 LLP26 mean shape.

Run ``hipviz build-meshes`` (needs ``pip install -e '.[build]'``, that is PyPI
``musculoskeletal-models`` 0.2.4, at build time only). It evaluates the Lagrange
surfaces with :mod:`hipviz.build.fieldwork`, separates the pelvis into right and left
hemipelvis and sacrum, places each femur in neutral with its head centre on the
acetabular centre, and writes everything in one anatomical frame:

- millimetres; origin midway between the two hip (acetabular) centres;
- x anterior, y superior, z to the subject's right;
- pelvis in anatomical position (both ASIS and the pubic symphysis in one frontal plane);
- femurs in neutral (hip centre to knee centre along -y, epicondyles along z).

Outputs (deterministic, same bytes on a rerun): five binary PLY files, ``landmarks.json``,
the MPL-2.0 licence text and a ``NOTICE``.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
from pathlib import Path

import numpy as np

from hipviz.build import fieldwork
from hipviz.core.geometry import apply, fit_sphere, frame_from_axes, invert, unit
from hipviz.io.meshes import MESH_FILES, write_ply

log = logging.getLogger(__name__)

SOURCE_PACKAGE = "musculoskeletal-models"
SOURCE_VERSION = "0.2.4"
PELVIS_SUBDIVISIONS = 10
FEMUR_SUBDIVISIONS = 16

#: pelvis parts by element range (no shared nodes between them)
PELVIS_PARTS = {
    "pelvis_right": range(0, 73),
    "pelvis_left": range(73, 146),
    "sacrum": range(146, 260),
}
#: acetabulum elements for the hip-centre sphere fit
ACETABULUM_ELEMENTS = {"right": [36, 38, 39, 40, 41, 42], "left": [109, 111, 112, 113, 114, 115]}
#: GIAS3 fw_model_landmarks node numbers on the mean pelvis
PELVIS_NODES = {
    "right": {
        "asis": 466,
        "psis": 384,
        "pubic_tubercle": 103,
        "pubic_symphysis": 92,
        "ischial_spine": 233,
        "ischial_tuberosity": 25,
    },
    "left": {
        "asis": 1004,
        "psis": 924,
        "pubic_tubercle": 642,
        "pubic_symphysis": 630,
        "ischial_spine": 773,
        "ischial_tuberosity": 566,
    },
}
SACRAL_PLATEAU_NODE = 1300
FEMUR_HEAD_ELEMENTS = range(0, 8)
# The right femur is the left mirrored, with its own node numbering. GIAS3 lists node 550
# as the lateral epicondyle on both, but on the right mesh node 549 is the mirror image of
# the left's 550 (the others match their mirrors exactly), so 549 keeps the femurs mirrored.
FEMUR_NODES = {
    "right": {
        "greater_trochanter": 174,
        "lesser_trochanter": 276,
        "medial_epicondyle": 628,
        "lateral_epicondyle": 549,
    },
    "left": {
        "greater_trochanter": 172,
        "lesser_trochanter": 276,
        "medial_epicondyle": 630,
        "lateral_epicondyle": 550,
    },
}
FEMUR_FILES = {
    "right": (
        "femur_right_quartic_flat.mesh",
        "femur_right_mirrored_from_left_mean_rigid_LLP26.geof",
    ),
    "left": ("femur_left_quartic_flat.mesh", "femur_left_mean_rigid_LLP26.geof"),
}
PELVIS_FILES = ("pelvis_combined_cubic_flat.mesh", "pelvis_combined_cubic_mean_rigid_LLP26.geof")


#: reflection about the midsagittal plane (z = 0 in the anatomical frame)
MIRROR = np.array([1.0, 1.0, -1.0])
#: smoothing passes over the sacrum's move towards its mirror image
SACRUM_SMOOTHING = 5


def mirror_mesh(vertices: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mirror image about z = 0, faces rewound so normals still point outward."""
    return vertices * MIRROR, faces[:, ::-1].copy()


def _turn_about_z(angle_rad: float) -> np.ndarray:
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _closest(points: np.ndarray, vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    from hipviz.build.build_muscles import closest_point

    return closest_point(points, vertices, faces)[0]


def _average_with(points: np.ndarray, vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Each point moved halfway to its closest point on another surface, (n, 3) mm."""
    return 0.5 * (points + _closest(points, vertices, faces))


def symmetric_sacrum(vertices: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sacrum averaged with its own mirror image (the same closed surface, unfolded).

    Its mesh has no left/right vertex pairing, so each vertex moves halfway to the closest
    point of the mirrored surface, that move smoothed over its neighbours
    (:data:`SACRUM_SMOOTHING` passes): unsmoothed, or repeated, the moves fold the thin
    sacral ala edges over (13 faces after three passes). What is left is a few tenths of a
    millimetre off symmetry (the tests bound it); the sacrum carries only the piriformis
    origin, which is mirrored exactly with its path.
    """
    n = len(vertices)
    edges = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    edges = np.unique(np.sort(edges, axis=1), axis=0)
    mirrored = mirror_mesh(vertices, faces)
    move = 0.5 * (_closest(vertices, *mirrored) - vertices)
    degree = np.bincount(edges.ravel(), minlength=n)[:, None]
    for _ in range(SACRUM_SMOOTHING):
        total = np.zeros_like(move)
        np.add.at(total, edges[:, 0], move[edges[:, 1]])
        np.add.at(total, edges[:, 1], move[edges[:, 0]])
        move = 0.5 * move + 0.5 * total / degree
    return vertices + move, faces


def source_dir() -> Path:
    """Folder holding the GIAS3 atlas meshes; a clear error if the build extra is missing."""
    try:
        import musculoskeletal.models as mm
    except ImportError as exc:
        raise SystemExit(
            "hipviz build-meshes needs the build-time data package: "
            "pip install -e '.[build]'  (musculoskeletal-models==0.2.4)"
        ) from exc
    version = importlib.metadata.version(SOURCE_PACKAGE)
    if version != SOURCE_VERSION:
        log.warning("expected %s %s, found %s", SOURCE_PACKAGE, SOURCE_VERSION, version)
    return Path(mm.__file__).parent / "atlas_meshes"


def _element_points(mesh: fieldwork.LagrangeMesh, elements, n: int = 12) -> np.ndarray:
    """Dense points over whole elements (for sphere fits), (m, 3) mm."""
    g = np.linspace(0.0, 1.0, n)
    xi = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
    out = []
    for e in elements:
        pts = xi if mesh.element_types[e].startswith("quad") else xi[xi.sum(1) <= 1.0 + 1e-12]
        out.append(mesh.evaluate(e, pts))
    return np.concatenate(out)


def pelvis_frame(nodes: np.ndarray, hip_centres: dict[str, np.ndarray]) -> np.ndarray:
    """4x4 transform from raw (CT) pelvis coordinates to the anatomical frame."""
    r_asis, l_asis = nodes[PELVIS_NODES["right"]["asis"]], nodes[PELVIS_NODES["left"]["asis"]]
    symphysis = 0.5 * (
        nodes[PELVIS_NODES["right"]["pubic_symphysis"]]
        + nodes[PELVIS_NODES["left"]["pubic_symphysis"]]
    )
    z = unit(r_asis - l_asis)
    x = unit(np.cross(symphysis - l_asis, r_asis - l_asis))
    if x @ np.array([0.0, -1.0, 0.0]) < 0:  # raw +y is posterior
        x = -x
    y = np.cross(z, x)
    origin = 0.5 * (hip_centres["right"] + hip_centres["left"])
    return invert(frame_from_axes(x, y, z, origin))


def femur_frame(
    head: np.ndarray, knee: np.ndarray, medial: np.ndarray, lateral: np.ndarray, side: str
) -> np.ndarray:
    """4x4 transform from raw femur coordinates to the neutral femur frame (origin head centre)."""
    y = unit(head - knee)
    to_right = lateral - medial if side == "right" else medial - lateral
    z = unit(to_right - (to_right @ y) * y)
    x = np.cross(y, z)
    return invert(frame_from_axes(x, y, z, head))


def build(out_dir: Path, src: Path | None = None) -> dict:
    """Evaluate, place and write all bone meshes and landmarks. Returns a summary dict."""
    src = source_dir() if src is None else Path(src)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pelvis = fieldwork.load(src / PELVIS_FILES[0], src / PELVIS_FILES[1])

    hip_raw, acetabulum_radius = {}, {}
    for side, elements in ACETABULUM_ELEMENTS.items():
        hip_raw[side], acetabulum_radius[side] = fit_sphere(_element_points(pelvis, elements))
    to_anat = pelvis_frame(pelvis.nodes, hip_raw)

    landmarks: dict[str, dict] = {"right": {}, "left": {}, "sacrum": {}}
    raw_meshes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for part, elements in PELVIS_PARTS.items():
        v, f = pelvis.triangulate(PELVIS_SUBDIVISIONS, elements)
        raw_meshes[part] = (apply(to_anat, v), f)
    # The mean shape is slightly asymmetric (hip centres 0.2 mm, landmarks up to a few mm
    # apart from their mirror images), which would show as left - right differences that no
    # pose made. The right hemipelvis is averaged with the mirrored left one, the sacrum with
    # its own mirror image (closest-point correspondence), and the left side is the exact
    # mirror of the right: left and right numbers then differ only where the pose does.
    mirrored_left = (raw_meshes["pelvis_left"][0] * MIRROR, raw_meshes["pelvis_left"][1])
    right_v, right_f = raw_meshes["pelvis_right"]
    meshes: dict[str, tuple[np.ndarray, np.ndarray]] = {
        "pelvis_right": (_average_with(right_v, *mirrored_left), right_f),
        "sacrum": symmetric_sacrum(*raw_meshes["sacrum"]),
    }
    meshes["pelvis_left"] = mirror_mesh(*meshes["pelvis_right"])
    lm = landmarks["right"]
    for name, node in PELVIS_NODES["right"].items():
        # a landmark moves as the surface points around it do
        p = apply(to_anat, pelvis.nodes[node][None])
        lm[name] = 0.5 * (p + _closest(p, *mirrored_left))[0]
    hip = {s: apply(to_anat, hip_raw[s][None])[0] for s in ("right", "left")}
    lm["hip_centre"] = 0.5 * (hip["right"] + hip["left"] * MIRROR)
    lm["acetabulum_radius"] = 0.5 * (acetabulum_radius["right"] + acetabulum_radius["left"])
    v = meshes["pelvis_right"][0]
    lm["iliac_crest_top"] = v[np.argmax(v[:, 1])]
    # averaging moved the ASIS and the symphysis a little (0.35 mm in x): a small turn about
    # the hip axis puts them back in one frontal plane (anatomical position)
    d = lm["pubic_symphysis"] - lm["asis"]
    turn = _turn_about_z(np.arctan(d[0] / d[1]))
    for part in ("pelvis_right", "sacrum"):
        meshes[part] = (meshes[part][0] @ turn.T, meshes[part][1])
    meshes["pelvis_left"] = mirror_mesh(*meshes["pelvis_right"])
    for name, value in lm.items():
        if np.ndim(value):
            lm[name] = turn @ value
    landmarks["left"] = {
        k: (val * MIRROR if np.ndim(val) else val) for k, val in landmarks["right"].items()
    }
    plateau = apply(to_anat, pelvis.nodes[SACRAL_PLATEAU_NODE][None])
    plateau[:, 2] = 0.0  # a midline landmark
    landmarks["sacrum"]["sacral_plateau"] = _closest(plateau, *meshes["sacrum"])[0]

    # The right femur of the source is its left one mirrored; the left is made the exact
    # mirror of the placed right femur, so the two sides match to rounding.
    mesh_file, geof_file = FEMUR_FILES["right"]
    femur = fieldwork.load(src / mesh_file, src / geof_file)
    head, head_radius = fit_sphere(
        femur.nodes[
            np.unique(np.concatenate([femur.element_nodes[e] for e in FEMUR_HEAD_ELEMENTS]))
        ]
    )
    raw = {name: femur.nodes[node] for name, node in FEMUR_NODES["right"].items()}
    knee = 0.5 * (raw["medial_epicondyle"] + raw["lateral_epicondyle"])
    to_femur = femur_frame(head, knee, raw["medial_epicondyle"], raw["lateral_epicondyle"], "right")
    place = np.eye(4)
    place[:3, 3] = landmarks["right"]["hip_centre"]
    to_world = place @ to_femur
    v, f = femur.triangulate(FEMUR_SUBDIVISIONS)
    meshes["femur_right"] = (apply(to_world, v), f)
    meshes["femur_left"] = mirror_mesh(*meshes["femur_right"])
    lm = landmarks["right"]
    lm["femoral_head_centre"] = apply(to_world, head[None])[0]
    lm["femoral_head_radius"] = head_radius
    for name, p in raw.items():
        lm[name] = apply(to_world, p[None])[0]
    lm["knee_centre"] = apply(to_world, knee[None])[0]
    for name in ("femoral_head_centre", "femoral_head_radius", *raw, "knee_centre"):
        val = lm[name]
        landmarks["left"][name] = val * MIRROR if np.ndim(val) else val

    for part, file_name in MESH_FILES.items():
        write_ply(out_dir / file_name, *meshes[part], comment=_notice_line(part))
    (out_dir / "landmarks.json").write_text(_landmarks_json(landmarks))
    (out_dir / "NOTICE").write_text(_notice())
    licence = _licence_text()
    if licence is not None:
        (out_dir / "LICENSE-MPL-2.0").write_text(licence)
    summary = {part: {"triangles": len(f), "vertices": len(v)} for part, (v, f) in meshes.items()}
    log.info("wrote %s", ", ".join(f"{k} ({v['triangles']} triangles)" for k, v in summary.items()))
    return summary


def _landmarks_json(landmarks: dict[str, dict]) -> str:
    def clean(value):
        if np.ndim(value) == 0:
            return round(float(value), 4)
        return [round(float(c), 4) + 0.0 for c in value]

    data = {
        "units": "mm",
        "frame": "origin midway between hip centres; x anterior, y superior, z subject's right",
        **{
            group: {k: clean(v) for k, v in sorted(items.items())}
            for group, items in landmarks.items()
        },
    }
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def _notice_line(part: str) -> str:
    return (
        f"hipviz {part}: derived from the GIAS3 LLP26 mean shape, "
        f"{SOURCE_PACKAGE} {SOURCE_VERSION}, MPL-2.0; built by hipviz build-meshes"
    )


def _notice() -> str:
    return f"""The bone meshes in this folder (*.ply) and landmarks.json are derived from the
GIAS3 LLP26 mean shape models of PyPI package `{SOURCE_PACKAGE}` version {SOURCE_VERSION}
(Auckland Bioengineering Institute), distributed under the Mozilla Public License 2.0
(see LICENSE-MPL-2.0 in this folder).

Modifications: the Lagrange surface elements were evaluated and triangulated
({PELVIS_SUBDIVISIONS} subdivisions per pelvis element edge, {FEMUR_SUBDIVISIONS} per femur
element edge), the pelvis was split into right and left hemipelvis and sacrum, and all
parts were moved into one anatomical frame (mm; origin midway between the hip centres;
x anterior, y superior, z right), each femur placed in neutral with its head centre on
the acetabular centre.

Source form: `hipviz/build/fieldwork.py` and `hipviz/build/build_meshes.py` regenerate these
files exactly with `hipviz build-meshes` (after `pip install -e '.[build]'`).
"""


def _licence_text() -> str | None:
    try:
        dist = importlib.metadata.distribution(SOURCE_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return None
    for f in dist.files or []:
        if Path(str(f)).name.upper().startswith("LICENSE"):
            return Path(dist.locate_file(f)).read_text()
    return None
