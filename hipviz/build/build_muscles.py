"""Carry the myo-sim hip muscle paths onto the hipviz bones and write ``muscles.json``.

For each bone (the pelvis as one rigid body made of both hemipelvises and the sacrum, and
each femur) the coarse myo-sim bone mesh is registered onto the hipviz mesh:

1. a similarity transform (rotation, translation, uniform scale; Umeyama 1991) from
   corresponding landmarks (:func:`hipviz.build.myosim.pelvis_landmarks`,
   :func:`hipviz.build.myosim.femur_landmarks` against ``meshes/landmarks.json``);
2. a fixed number of similarity ICP iterations: symmetric closest-point pairs between
   dense, seeded surface samples of both meshes (scipy ``cKDTree``), matched part to part
   (right hemipelvis to right hemipelvis, ...), pairs with opposed normals rejected and
   the farthest pairs trimmed.

The muscle sites are mapped with the bone's transform. Origins and insertions are then
put on the hipviz bone surface: the closest surface point whose outward normal agrees
with the myo-sim surface normal at the site (so a site on the outer face of the thin
iliac wing stays on the outer face), moved 1 mm outward along the normal. Via points
keep their mapped position unless it is inside a bone, in which case they are pushed
out the same way. Straight segments of each path are then checked against all five
bones at neutral; segments passing through bone are only reported (wrapping is added
elsewhere).

Everything is deterministic (seeded sampling, fixed iteration counts), so the written
file is byte-identical on a rerun. Only numpy, scipy and trimesh (for reading meshes)
are needed: closest points, winding numbers and segment/triangle intersections are
computed here in numpy (trimesh's versions need the optional ``rtree``/``embree``).
"""

from __future__ import annotations

import argparse
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from hipviz.build import gait2392, myosim
from hipviz.core.muscles import GROUPS, MUSCLES

log = logging.getLogger(__name__)

FORMAT = 1
#: distance an origin/insertion (or a via point found inside bone) is set outside bone, mm
OUTWARD_OFFSET_MM = 1.0
#: similarity ICP iterations (fixed, for a deterministic result)
ICP_ITERATIONS = 30
#: fraction of closest-point pairs kept in each ICP iteration (the rest are outliers)
ICP_KEEP = 0.9
#: mean spacing of the surface samples used by ICP, mm
SAMPLE_SPACING_MM = 2.5
SEED = 20240601
#: landmarks used for the initial similarity transform (names as in landmarks.json)
PELVIS_LANDMARKS = ("hip_centre", "asis", "psis", "pubic_symphysis")
#: the femur fit is refined on its proximal part, down to this far below the hip centre, mm
FEMUR_REGION_MM = 110.0
#: femoral sites farther than this below the hip centre (mm; near the knee: the band of
#: tensor fasciae latae) are placed with the whole-femur fit, not the proximal refinement,
#: which was fitted down to FEMUR_REGION_MM only and leaves the knee ~10 mm off our bone
DISTAL_FEMUR_MM = 250.0
FEMUR_LANDMARKS = (
    "femoral_head_centre",
    "greater_trochanter",
    "lateral_epicondyle",
    "medial_epicondyle",
)
#: hipviz bone parts (= mesh file stems), pelvis parts first
PARTS = ("pelvis_right", "pelvis_left", "sacrum", "femur_right", "femur_left")
PELVIS_PARTS = ("pelvis_right", "pelvis_left", "sacrum")
FRAME = (
    "mm; pelvis points in the pelvis (world-at-neutral) frame: origin midway between hip "
    "centres, x anterior, y superior, z right; femur points in that side's femur frame: "
    "same axes at neutral, origin at that side's hip centre"
)
#: the two sources, as the data file names them
SOURCE_NAMES = {
    "gait2392": "gait2392 (Delp et al. 1990), OpenSim's own model file",
    "rajagopal2016": "Rajagopal et al. 2016, as myo-sim's myolegs",
}
SOURCES = {
    "gait2392": {
        "what": "OpenSim gait2392 (Delp et al. 1990; Thelen, Seth, Anderson, Delp)",
        "where": "opensim-org/opensim-models, Models/Gait2392_Simbody/"
        "gait2392_thelen2003muscle.osim (commit 20a888b9), sites transcribed in "
        "hipviz/data/gait2392_sites.json",
        "licence": "CC BY 3.0; credits: Delp S.L., Loan J.P., Hoy M.G., Zajac F.E., Topp E.L., "
        "Rosen J.M., Thelen D.G., Anderson F.C., Seth A.; modified: registered onto hipviz bones",
    },
    "rajagopal2016": {
        "what": "Rajagopal et al. 2016 full-body gait model, as converted in myo-sim's myolegs "
        "(myo-sim's models/leg/README.md)",
        "where": "PyPI myo-sim 0.2.4 (MyoSuite), models/leg/assets/myolegs_tendon.xml + "
        "myolegs_chain.xml; its bone meshes are the bridge for both sources",
        "licence": "Apache-2.0, Copyright 2020 Vikash Kumar, Vittorio Caggiano, Huawei Wang; "
        "modified: registered onto hipviz bones",
    },
}
#: the muscles carried: every muscle of the model, in its order
CARRIED = MUSCLES
#: site moves closer than this (mm) are a tie between the sources
TIE_MM = 1.0
#: what the literature is clear about at neutral (Neumann 2010; Delp et al. 1999; Dostal et
#: al. 1986): muscle -> (action, sign) the carried path must show, beyond 5 mm. Every part
#: of gluteus medius and minimus and piriformis abducts; gluteus maximus extends and
#: rotates externally, its upper fibres abduct and its lower ones adduct (its middle ones
#: lie near the axis, so no abduction sign is asked of them); tensor fasciae latae flexes
#: and abducts (it rotates internally too, but with a lever of a few mm, so no sign is
#: asked of its rotation at the source choice; the app's tests check it).
CLEAR_ACTIONS = {
    "gluteus_medius_anterior": (("abduction", +1), ("rotation", +1)),
    "gluteus_medius_middle": (("abduction", +1),),
    "gluteus_medius_posterior": (("abduction", +1), ("rotation", -1)),
    "gluteus_minimus_anterior": (("abduction", +1), ("rotation", +1)),
    "gluteus_minimus_middle": (("abduction", +1),),
    "gluteus_minimus_posterior": (("abduction", +1), ("rotation", -1)),
    "piriformis": (("abduction", +1), ("rotation", -1)),
    "gluteus_maximus_superior": (("abduction", +1), ("flexion", -1), ("rotation", -1)),
    "gluteus_maximus_middle": (("flexion", -1), ("rotation", -1)),
    "gluteus_maximus_inferior": (("abduction", -1), ("flexion", -1), ("rotation", -1)),
    "tensor_fasciae_latae": (("flexion", +1), ("abduction", +1)),
}


#: muscles that turn from external to internal rotators as the hip flexes to 90 deg
#: (Delp et al. 1999: piriformis -29 mm at 0, +14 mm at 90 deg)
FLIP_WITH_FLEXION = ("gluteus_medius_posterior", "gluteus_minimus_posterior", "piriformis")


def _acts_as_literature(row: dict) -> bool:
    arms = row["carried_moment_arms_mm"]
    clear = CLEAR_ACTIONS[row["muscle"]]
    flips = row["muscle"] not in FLIP_WITH_FLEXION or row["carried_rotation_at_90_deg_mm"] > 5.0
    # a line through bone in the neutral pose is no faithful carry either
    clear_of_bone = row["neutral_depth_in_bone_mm"] <= 0.5
    # nor one that crosses the midline: a right path must stay right of the plane its left
    # twin mirrors it in, or the two cross (gait2392's lowest gluteus maximus origin,
    # 6 mm right of its own midline, lands 6 mm left of ours through the frame change)
    own_side = row.get("nearest_midline_mm", 1.0) > 0.0
    return (
        clear_of_bone
        and own_side
        and flips
        and all(sign * arms[action] > 5.0 for action, sign in clear)
    )


def _off_literature(row: dict) -> float:
    """Summed difference (mm) of a carried straight line from Dostal's straight-line model."""
    from hipviz import validation

    ref = validation.straight_line_model_values(validation.load_literature())
    m = row["muscle"]
    return (
        abs(row["carried_moment_arms_mm"]["rotation"] - ref[m, 0]["rotation"][0])
        + abs(row["carried_rotation_at_90_deg_mm"] - ref[m, 90]["rotation"][0])
        + abs(row["carried_moment_arms_mm"]["abduction"] - ref[m, 0]["abduction"][0])
    )


def choose_sources(evaluation: list[dict]) -> dict[str, tuple[str, str]]:
    """Per muscle: the source to carry and why, from :func:`evaluate_sources`.

    Of the sources whose carried path acts as the literature is clear it should
    (:data:`CLEAR_ACTIONS`; posterior fibres and piriformis internal rotators at 90 deg
    flexion) and whose line is clear of bone at neutral and on its own side of the
    midline, the one whose sites needed the least moving
    to sit on our bones is the more faithful carry. A tie (within :data:`TIE_MM`) goes to
    the one nearer the literature model the validation page compares with.
    """
    rows = {(r["muscle"], r["source"]): r for r in evaluation}
    out = {}
    for muscle in CARRIED:
        both = [rows[muscle, "gait2392"], rows[muscle, "rajagopal2016"]]
        fit = [r for r in both if _acts_as_literature(r)] or both
        fit.sort(key=lambda r: r["largest_site_move_mm"])
        best = fit[0]
        if len(fit) > 1 and fit[1]["largest_site_move_mm"] - best["largest_site_move_mm"] < TIE_MM:
            off = {r["source"]: _off_literature(r) for r in fit}
            best = min(fit, key=lambda r: off[r["source"]])
            why = (
                "a tie on site moves; its carried line is nearer the literature model on the "
                "validation page (Dostal's straight lines: rotation at 0 and 90 deg, "
                "abduction at 0 deg; summed difference "
                + ", ".join(
                    f"{'gait2392' if k == 'gait2392' else 'Rajagopal'} {v:.1f} mm"
                    for k, v in off.items()
                )
                + ")"
            )
        elif len(fit) > 1:
            why = "its sites needed less moving to sit on our bones"
        else:
            other = next(r for r in both if r is not best)
            if other.get("nearest_midline_mm", 1.0) <= 0.0 and _acts_as_literature(
                {**other, "nearest_midline_mm": 1.0}
            ):
                why = (
                    "only its carried path stays on its own side of the midline (the other's "
                    f"origin lands {-other['nearest_midline_mm']:.1f} mm across it, so the "
                    "right and left paths would cross)"
                )
            else:
                why = (
                    "only its carried path is clear of bone at neutral and acts as the "
                    "literature says (the other: "
                    + ", ".join(f"{k} {v:+.1f}" for k, v in other["carried_moment_arms_mm"].items())
                    + " mm)"
                )
        moves = ", ".join(
            f"{'gait2392' if r['source'] == 'gait2392' else 'Rajagopal'} "
            f"{r['largest_site_move_mm']:.1f} mm"
            for r in both
        )
        arms = ", ".join(f"{k} {v:+.1f}" for k, v in best["carried_moment_arms_mm"].items())
        out[muscle] = (
            best["source"],
            f"{why} (largest site move: {moves}); carried, at neutral: {arms} mm",
        )
    return out


#: Muscles whose pelvic sites keep the source's pelvis-to-femur relation at neutral: placed
#: about our hip centre with the femur's registration (rotation and scale), not the
#: pelvis's. The two registrations differ by 11.6 deg about the femur's long axis (and 6 deg
#: of tilt): our femur's neutral rotation is set by its condyles, and its torsion differs
#: from the source femur's, so at neutral its greater trochanter stands rotated against
#: the pelvis compared with the source. Placed by the pelvis's registration, the gluteal
#: origins come out about 9 mm posterior, relative to hip centre and trochanter, of where
#: the source has them, and every compartment loses 7-10 mm of internal rotation leverage
#: (anterior gluteus medius +2 mm instead of the source's +12.6 mm). Kept this way they
#: sit on our ilium (put on the surface as every origin is) within the broad gluteal
#: attachment areas, 8-9 mm anterior of the surface correspondence. Piriformis keeps the
#: pelvis's registration: its origin on the sacrum is far from the hip axis (it would
#: move 17 mm), and its rotation leverage is the same either way (-30 / -32 mm).
#: Gluteus maximus keeps the pelvis's registration for the same reason as piriformis: its
#: origins (posterior ilium, sacrum, coccyx) lie 90-150 mm behind the hip, where the
#: 11.6 deg would move them 20-30 mm off the bone they arise from, and its actions are
#: those of the literature either way. Tensor fasciae latae takes the joint relation, as
#: the gluteal compartments do: by the pelvis's registration its origin lands 39 mm behind
#: our ASIS (the source puts it 31 mm behind its own) and it rotates the hip externally
#: (-6.9 mm, against gait2392's own +6.2 mm and the literature's internal rotator); in the
#: joint relation it arises at the ASIS itself (4 mm behind, 8 mm above), still within its
#: attachment (ASIS and the anterior outer lip of the crest), and rotates internally.
JOINT_RELATION = (
    GROUPS["gluteus_medius"] + GROUPS["gluteus_minimus"] + GROUPS["tensor_fasciae_latae"]
)
#: source body -> the myo-sim bone parts its sites may sit on
BODY_PARTS = {"pelvis": PELVIS_PARTS, "femur_r": ("femur_right",)}
METHOD = (
    "Right-side sites of the chosen source (per muscle, see source_evaluation) in myo-sim's "
    "body frames (gait2392's through the rigid frame transforms in gait2392_sites.json; "
    "metres -> mm). The myo-sim bones were registered onto the hipviz bones (pelvis = both "
    "hemipelvises + sacrum as one body; the right femur): a similarity transform (Umeyama) "
    "from landmarks (pelvis: hip centres, ASIS, PSIS, pubic symphysis; femur: head centre, "
    f"greater trochanter, epicondyles), then {ICP_ITERATIONS} iterations of symmetric, "
    "trimmed, normal-compatible similarity ICP on seeded surface samples (femur: then "
    f"{ICP_ITERATIONS} more on the proximal femur, down to {FEMUR_REGION_MM:g} mm below the "
    "hip centre, where the muscles attach). Pelvic sites kept their place relative to the "
    "source model's hip centre (rotated and scaled with the pelvis, about our hip centre), "
    "femoral sites mapped with the femur (those more than "
    f"{DISTAL_FEMUR_MM:g} mm below the hip centre, at the knee, with the whole-femur fit); "
    "origins and insertions were moved to the closest "
    f"hipviz bone surface point with a compatible normal and set {OUTWARD_OFFSET_MM:g} mm "
    "outside along the surface normal (each move is listed under adjustments); via points "
    "kept their mapped position (pushed out of bone if inside). The left paths are the "
    "exact mirror images of the right (the bones are symmetric). Femur points are in the "
    "femur frame at neutral."
)


# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class Similarity:
    """``x -> scale * rotation @ x + translation``.

    Attributes
    ----------
    scale : float
        Uniform scale (dimensionless).
    rotation : (3, 3) float
        Proper rotation matrix.
    translation : (3,) float
        mm.
    """

    scale: float
    rotation: np.ndarray
    translation: np.ndarray

    def apply(self, points: np.ndarray) -> np.ndarray:
        """Map points, (n, 3) mm -> (n, 3) mm."""
        return self.scale * np.asarray(points, dtype=float) @ self.rotation.T + self.translation

    def rotate(self, vectors: np.ndarray) -> np.ndarray:
        """Map directions (rotation only), (n, 3) -> (n, 3)."""
        return np.asarray(vectors, dtype=float) @ self.rotation.T

    def then(self, other: Similarity) -> Similarity:
        """The composition ``other(self(x))``."""
        return Similarity(
            other.scale * self.scale,
            other.rotation @ self.rotation,
            other.apply(self.translation[None])[0],
        )


def umeyama(
    src: np.ndarray, dst: np.ndarray, with_scale: bool = True, weights: np.ndarray | None = None
) -> Similarity:
    """Weighted least-squares similarity (or rigid) transform taking ``src`` onto ``dst``.

    Parameters
    ----------
    src, dst : (n, 3) float
        Corresponding points, mm; n >= 3, not collinear.
    with_scale : bool
        Estimate a uniform scale (else scale = 1).
    weights : (n,) float, optional
        Non-negative pair weights; equal by default.

    Returns
    -------
    Similarity
        Minimises ``sum w |dst - T(src)|^2`` (Umeyama 1991).
    """
    src, dst = np.asarray(src, dtype=float), np.asarray(dst, dtype=float)
    w = np.ones(len(src)) if weights is None else np.asarray(weights, dtype=float)
    w = w / w.sum()
    mu_s, mu_d = w @ src, w @ dst
    a, b = src - mu_s, dst - mu_d
    cov = (b * w[:, None]).T @ a
    u, d, vt = np.linalg.svd(cov)
    sign = np.eye(3)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[2, 2] = -1.0
    rot = u @ sign @ vt
    scale = float(np.trace(np.diag(d) @ sign) / (w @ (a**2).sum(1))) if with_scale else 1.0
    return Similarity(scale, rot, mu_d - scale * rot @ mu_s)


def face_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Unit face normals (zero for degenerate faces), (f, 3)."""
    tri = vertices[faces]
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    length = np.linalg.norm(n, axis=1, keepdims=True)
    return np.divide(n, length, out=np.zeros_like(n), where=length > 0)


def sample_surface(
    vertices: np.ndarray, faces: np.ndarray, spacing: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Area-weighted random points on a triangle mesh, seeded.

    Parameters
    ----------
    vertices : (v, 3) float
        mm.
    faces : (f, 3) int
    spacing : float
        Mean point spacing, mm (``area / spacing**2`` points).
    seed : int

    Returns
    -------
    points : (n, 3) float
        mm.
    normals : (n, 3) float
        Unit face normal at each point.
    """
    tri = vertices[faces]
    area = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    n = max(int(area.sum() / spacing**2), 100)
    rng = np.random.default_rng(seed)
    face = rng.choice(len(faces), size=n, p=area / area.sum())
    r = rng.random((n, 2))
    flip = r.sum(1) > 1.0
    r[flip] = 1.0 - r[flip]
    t = tri[face]
    points = t[:, 0] + r[:, :1] * (t[:, 1] - t[:, 0]) + r[:, 1:] * (t[:, 2] - t[:, 0])
    return points, face_normals(vertices, faces)[face]


def _closest_on_triangles(p: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Closest points on triangles (Ericson, Real-Time Collision Detection 5.1.5).

    ``p`` (..., 3) broadcast against triangle corners ``a, b, c`` (..., 3); returns (..., 3).
    """
    ab, ac = b - a, c - a
    ap, bp, cp = p - a, p - b, p - c
    d1, d2 = (ab * ap).sum(-1), (ac * ap).sum(-1)
    d3, d4 = (ab * bp).sum(-1), (ac * bp).sum(-1)
    d5, d6 = (ab * cp).sum(-1), (ac * cp).sum(-1)
    va, vb, vc = d3 * d6 - d5 * d4, d5 * d2 - d1 * d6, d1 * d4 - d3 * d2
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = va + vb + vc
        v, w = vb / denom, vc / denom
        res = a + ab * v[..., None] + ac * w[..., None]
        t = d1 / (d1 - d3)
        res = np.where(((vc <= 0) & (d1 >= 0) & (d3 <= 0))[..., None], a + ab * t[..., None], res)
        t = d2 / (d2 - d6)
        res = np.where(((vb <= 0) & (d2 >= 0) & (d6 <= 0))[..., None], a + ac * t[..., None], res)
        e, f = d4 - d3, d5 - d6
        t = e / (e + f)
        res = np.where(
            ((va <= 0) & (e >= 0) & (f >= 0))[..., None], b + (c - b) * t[..., None], res
        )
    res = np.where(((d1 <= 0) & (d2 <= 0))[..., None], a, res)
    res = np.where(((d3 >= 0) & (d4 <= d3))[..., None], b, res)
    res = np.where(((d6 >= 0) & (d5 <= d6))[..., None], c, res)
    return np.where(np.isfinite(res), res, a)


def closest_point(
    points: np.ndarray,
    vertices: np.ndarray,
    faces: np.ndarray,
    face_mask: np.ndarray | None = None,
    k: int = 32,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Closest points on a triangle mesh.

    Exact over all faces for small meshes (< 4000 faces); otherwise exact over the ``k``
    faces with the nearest centroids and the faces around the nearest vertex (exact for
    the fairly regular hipviz meshes).

    Parameters
    ----------
    points : (n, 3) float
        Query points, mm.
    vertices : (v, 3) float
        mm.
    faces : (f, 3) int
    face_mask : (f,) bool, optional
        Only these faces are considered.
    k : int
        Candidate faces per point for large meshes.

    Returns
    -------
    closest : (n, 3) float
        mm.
    distance : (n,) float
        mm.
    face : (n,) int
        Index (into ``faces``) of the face holding the closest point.
    """
    points = np.atleast_2d(np.asarray(points, dtype=float))
    index = np.arange(len(faces)) if face_mask is None else np.flatnonzero(face_mask)
    tri = vertices[faces[index]]
    if len(index) < 4000:
        cand = np.broadcast_to(np.arange(len(index)), (len(points), len(index)))
    else:
        centroid_tree = cKDTree(tri.mean(1))
        _, cand = centroid_tree.query(points, k=min(k, len(index)))
        # faces around the nearest vertex (guards against long, thin triangles)
        corner = faces[index].ravel()
        order = np.argsort(corner, kind="stable")
        owner = order // 3  # candidate face (position in index) of each sorted corner
        start = np.searchsorted(corner[order], np.arange(len(vertices) + 1))
        used = np.unique(corner)
        _, nv = cKDTree(vertices[used]).query(points)
        nv = used[nv]
        width = int((start[nv + 1] - start[nv]).max())
        offs = np.minimum(start[nv, None] + np.arange(width), start[nv + 1, None] - 1)
        cand = np.concatenate([cand, owner[offs]], axis=1)
    out_p = np.empty((len(points), 3))
    out_d = np.empty(len(points))
    out_f = np.empty(len(points), dtype=np.int64)
    step = max(1, 400_000 // cand.shape[1])
    for s in range(0, len(points), step):
        c = cand[s : s + step]
        t = tri[c]  # (m, k, 3, 3)
        p = points[s : s + step, None, :]
        q = _closest_on_triangles(p, t[..., 0, :], t[..., 1, :], t[..., 2, :])
        d = np.linalg.norm(q - p, axis=-1)
        j = d.argmin(1)
        rows = np.arange(len(j))
        out_p[s : s + step] = q[rows, j]
        out_d[s : s + step] = d[rows, j]
        out_f[s : s + step] = index[c[rows, j]]
    return out_p, out_d, out_f


def winding_number(points: np.ndarray, vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Generalised winding number of a closed, outward-wound mesh at points.

    About 1 inside, 0 outside (solid angles, van Oosterom & Strackee 1983).

    Parameters
    ----------
    points : (n, 3) float
        mm.
    vertices : (v, 3) float
    faces : (f, 3) int

    Returns
    -------
    (n,) float
    """
    points = np.atleast_2d(np.asarray(points, dtype=float))
    tri = vertices[faces]
    out = np.empty(len(points))
    step = max(1, 2_000_000 // len(faces))
    for s in range(0, len(points), step):
        r = tri[None] - points[s : s + step, None, None, :]  # (m, f, 3, 3)
        a, b, c = r[..., 0, :], r[..., 1, :], r[..., 2, :]
        la, lb, lc = (np.linalg.norm(x, axis=-1) for x in (a, b, c))
        det = (a * np.cross(b, c)).sum(-1)
        den = la * lb * lc + (a * b).sum(-1) * lc + (b * c).sum(-1) * la + (c * a).sum(-1) * lb
        out[s : s + step] = np.arctan2(det, den).sum(1) / (2.0 * np.pi)
    return out


def segment_hits(
    p0: np.ndarray, p1: np.ndarray, vertices: np.ndarray, faces: np.ndarray
) -> np.ndarray:
    """Parameters ``t`` in (0, 1) where the segment ``p0 + t (p1 - p0)`` crosses triangles.

    Moller-Trumbore against every face.

    Returns
    -------
    (h,) float
        Sorted.
    """
    tri = vertices[faces]
    d = np.asarray(p1, dtype=float) - p0
    e1, e2 = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
    pv = np.cross(d, e2)
    det = (e1 * pv).sum(1)
    ok = np.abs(det) > 1e-12
    inv = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
    tv = p0 - tri[:, 0]
    u = (tv * pv).sum(1) * inv
    qv = np.cross(tv, e1)
    v = (qv @ d) * inv
    t = (qv * e2).sum(1) * inv
    hit = ok & (u >= 0) & (v >= 0) & (u + v <= 1) & (t > 0) & (t < 1)
    return np.sort(t[hit])


def inside_intervals(
    p0: np.ndarray, p1: np.ndarray, vertices: np.ndarray, faces: np.ndarray
) -> list[tuple[float, float]]:
    """Parts of a segment inside a closed mesh, as ``(t0, t1)`` parameter intervals.

    Breakpoints are the triangle crossings; each piece is classified by the winding
    number at its midpoint (robust to crossings counted twice on shared edges).
    """
    t = np.concatenate([[0.0], segment_hits(p0, p1, vertices, faces), [1.0]])
    t = t[np.concatenate([[True], np.diff(t) > 1e-9])]
    if len(t) < 2:
        return []
    mid = 0.5 * (t[:-1] + t[1:])
    inside = winding_number(p0 + mid[:, None] * (p1 - p0), vertices, faces) > 0.5
    out: list[tuple[float, float]] = []
    for a, b, flag in zip(t[:-1], t[1:], inside, strict=True):
        if flag:
            if out and abs(out[-1][1] - a) < 1e-9:
                out[-1] = (out[-1][0], float(b))
            else:
                out.append((float(a), float(b)))
    return out


# ------------------------------------------------------------------------ registration


@dataclass
class _Part:
    """Surface samples of one part: myo-sim (source, own frame) and hipviz (target)."""

    name: str
    src_points: np.ndarray
    src_normals: np.ndarray
    dst_points: np.ndarray
    dst_normals: np.ndarray
    dst_tree: cKDTree


def icp_similarity(
    parts: list[_Part], init: Similarity, iterations: int = ICP_ITERATIONS, keep: float = ICP_KEEP
) -> Similarity:
    """Symmetric, trimmed similarity ICP, matching each source part only to its target part.

    Each iteration pairs every source sample with its nearest target sample and every
    target sample with its nearest (mapped) source sample, drops pairs whose normals
    point apart (cosine < 0) and the ``1 - keep`` farthest pairs, and re-solves the
    similarity (Umeyama) from all remaining pairs.

    Parameters
    ----------
    parts : list of _Part
    init : Similarity
        Initial source -> target transform.
    iterations : int
    keep : float
        Fraction of pairs kept.

    Returns
    -------
    Similarity
    """
    tf = init
    for _ in range(iterations):
        src_all, dst_all = [], []
        for part in parts:
            moved = tf.apply(part.src_points)
            moved_n = tf.rotate(part.src_normals)
            _, j = part.dst_tree.query(moved)
            ok = (moved_n * part.dst_normals[j]).sum(1) > 0.0
            src_all.append(part.src_points[ok])
            dst_all.append(part.dst_points[j][ok])
            _, i = cKDTree(moved).query(part.dst_points)
            ok = (moved_n[i] * part.dst_normals).sum(1) > 0.0
            src_all.append(part.src_points[i][ok])
            dst_all.append(part.dst_points[ok])
        src, dst = np.concatenate(src_all), np.concatenate(dst_all)
        dist = np.linalg.norm(tf.apply(src) - dst, axis=1)
        sel = dist <= np.quantile(dist, keep)
        tf = umeyama(src[sel], dst[sel])
    return tf


def surface_rms(
    tf: Similarity,
    src_v: np.ndarray,
    src_f: np.ndarray,
    dst_v: np.ndarray,
    dst_f: np.ndarray,
    seed: int,
    min_y: float | None = None,
) -> dict[str, float]:
    """Distances between the mapped myo-sim surface and the hipviz surface.

    Parameters
    ----------
    tf : Similarity
        myo-sim -> hipviz.
    src_v, src_f : (v, 3) float, (f, 3) int
        myo-sim mesh, mm.
    dst_v, dst_f : (v, 3) float, (f, 3) int
        hipviz mesh, mm.
    seed : int
        Sampling seed.
    min_y : float, optional
        Only sample points with ``y >= min_y`` (hipviz frame, mm) are measured.

    Returns
    -------
    dict
        ``rms_mm`` (symmetric: seeded 3 mm samples of each surface to the exact closest
        point of the other surface), ``median_mm`` and ``p95_mm`` of the same distances.
    """
    mv = tf.apply(src_v)
    a, _ = sample_surface(mv, src_f, 3.0, seed)
    b, _ = sample_surface(dst_v, dst_f, 3.0, seed + 1)
    if min_y is not None:
        a, b = a[a[:, 1] >= min_y], b[b[:, 1] >= min_y]
    d = np.concatenate([closest_point(a, dst_v, dst_f)[1], closest_point(b, mv, src_f)[1]])
    return {
        "rms_mm": float(np.sqrt((d**2).mean())),
        "median_mm": float(np.median(d)),
        "p95_mm": float(np.quantile(d, 0.95)),
    }


def register_bone(
    names: tuple[str, ...],
    source: dict[str, myosim.BoneMesh],
    target: dict[str, tuple[np.ndarray, np.ndarray]],
    src_landmarks: np.ndarray,
    dst_landmarks: np.ndarray,
    region_min_y: float | None = None,
) -> tuple[Similarity, dict]:
    """Register the myo-sim parts ``names`` (one rigid body) onto the hipviz parts.

    Parameters
    ----------
    names : tuple of str
        Part names present in both ``source`` and ``target``.
    source : dict of str to BoneMesh
        myo-sim meshes, body frame, mm.
    target : dict of str to (vertices (v, 3), faces (f, 3))
        hipviz meshes, world at neutral, mm.
    src_landmarks, dst_landmarks : (n, 3) float
        Corresponding landmarks, mm.
    region_min_y : float, optional
        If given, a second ICP stage refines the fit on the region ``y >= region_min_y``
        of the hipviz frame only (the proximal femur, where the muscles attach); source
        samples are selected by their position after the first stage.

    Returns
    -------
    tf : Similarity
        myo-sim body frame -> hipviz world.
    report : dict
        Scales, landmark residual and surface distances (mm) after each stage, per part
        (``landmarks``, ``icp``) and, with a region, within the region (``icp``,
        ``regional_icp``).
    """
    init = umeyama(src_landmarks, dst_landmarks)
    lm_res = np.linalg.norm(init.apply(src_landmarks) - dst_landmarks, axis=1)
    parts = []
    for k, name in enumerate(names):
        sp, sn = sample_surface(
            source[name].vertices, source[name].faces, SAMPLE_SPACING_MM, SEED + k
        )
        dp, dn = sample_surface(*target[name], SAMPLE_SPACING_MM, SEED + 100 + k)
        parts.append(_Part(name, sp, sn, dp, dn, cKDTree(dp)))
    tf = icp_similarity(parts, init)
    report: dict = {
        "landmark_scale": init.scale,
        "landmark_residual_mm": float(np.sqrt((lm_res**2).mean())),
        "icp_scale": tf.scale,
        "parts": {},
    }
    for k, name in enumerate(names):
        s, t = source[name], target[name]
        report["parts"][name] = {
            "landmarks": surface_rms(init, s.vertices, s.faces, *t, SEED + 200 + k),
            "icp": surface_rms(tf, s.vertices, s.faces, *t, SEED + 200 + k),
        }
    if region_min_y is not None:
        regional = []
        for part in parts:
            ks = tf.apply(part.src_points)[:, 1] >= region_min_y
            kd = part.dst_points[:, 1] >= region_min_y
            regional.append(
                _Part(
                    part.name,
                    part.src_points[ks],
                    part.src_normals[ks],
                    part.dst_points[kd],
                    part.dst_normals[kd],
                    cKDTree(part.dst_points[kd]),
                )
            )
        tf_region = icp_similarity(regional, tf)
        report["region_min_y_mm"] = region_min_y
        report["region"] = {}
        for k, name in enumerate(names):
            s, t = source[name], target[name]
            report["region"][name] = {
                stage: surface_rms(x, s.vertices, s.faces, *t, SEED + 300 + k, region_min_y)
                for stage, x in (("icp", tf), ("regional_icp", tf_region))
            }
            report["parts"][name]["regional_icp"] = surface_rms(
                tf_region, s.vertices, s.faces, *t, SEED + 200 + k
            )
        report["whole_bone_transform"] = tf
        tf = tf_region
    report["scale"] = tf.scale
    log.info(
        "registered %s: scale %.4f (landmarks %.4f); surface RMS mm %s%s",
        "+".join(names),
        tf.scale,
        init.scale,
        ", ".join(
            f"{n} " + " -> ".join(f"{x['rms_mm']:.1f}" for x in v.values())
            for n, v in report["parts"].items()
        ),
        ""
        if region_min_y is None
        else "; in region "
        + ", ".join(
            f"{n} " + " -> ".join(f"{x['rms_mm']:.1f}" for x in v.values())
            for n, v in report["region"].items()
        ),
    )
    return tf, report


# ------------------------------------------------------------------------------ build


def _load_targets(mesh_dir: Path) -> tuple[dict, dict]:
    from hipviz.io.meshes import load_bones, load_landmarks

    bones = load_bones(mesh_dir)
    landmarks = load_landmarks(mesh_dir)
    return {n: (b.vertices, b.faces) for n, b in bones.items()}, landmarks


def _snap(
    point: np.ndarray,
    normal: np.ndarray | None,
    vertices: np.ndarray,
    faces: np.ndarray,
    normals: np.ndarray,
) -> tuple[np.ndarray, float]:
    """Closest surface point (normal-compatible if ``normal`` given) + outward offset."""
    mask = None
    if normal is not None:
        mask = normals @ normal > 0.0
    cp, dist, face = closest_point(point[None], vertices, faces, face_mask=mask)
    return cp[0] + OUTWARD_OFFSET_MM * normals[face[0]], float(dist[0])


def _r(x: float) -> float:
    return round(float(x), 2) + 0.0


def _segment_arms(origin: np.ndarray, insertion: np.ndarray, hip: np.ndarray) -> dict[str, float]:
    """Moment arms (mm) of a straight segment pelvis -> right femur at neutral.

    ``-dL/d(angle)`` about the right hip's axes at neutral: flexion about +z, abduction
    about -x, internal rotation about the femur's long axis +y (as the model reports).
    """
    u = (insertion - origin) / np.linalg.norm(insertion - origin)
    r = insertion - hip
    axes = {"flexion": [0.0, 0.0, 1.0], "abduction": [-1.0, 0.0, 0.0], "rotation": [0.0, 1.0, 0.0]}
    return {k: float(-(u @ np.cross(a, r))) for k, a in axes.items()}


def _carry(path, hip_src: np.ndarray, ctx: dict) -> tuple[np.ndarray, list[dict], list[dict]]:
    """One right-side source path onto the hipviz bones.

    Pelvic sites keep their place relative to the source model's hip centre (the pelvis
    transform's rotation and scale, about our hip centre): a muscle's action is set by
    where it runs relative to the hip centre, and the best surface fit of two different
    pelvises leaves the source's hip centre ~10 mm from ours. Femoral sites map with the
    femur's registration (the femur frame's origin is the head centre in both).
    Origins and insertions then go onto the surface (normal-compatible closest point,
    :data:`OUTWARD_OFFSET_MM` outside); via points stay unless inside bone.

    Returns the points (k, 3) in the hipviz world at neutral, the data-file entries and
    the adjustment records.
    """
    transforms, target, normals, source = (
        ctx["transforms"],
        ctx["target"],
        ctx["normals"],
        ctx["source"],
    )
    hip = ctx["hip"]["right"]
    # which registration places the pelvic sites (see JOINT_RELATION)
    pelvis = transforms["femur_r" if path.muscle in JOINT_RELATION else "pelvis"]
    points, entries, adjustments = [], [], []
    for i, site in enumerate(path.sites):
        role = "origin" if i == 0 else "insertion" if i == len(path.sites) - 1 else "via"
        tf = transforms[site.body]
        if site.body == "pelvis":
            tf = pelvis
            p = hip + pelvis.scale * pelvis.rotate((site.position - hip_src)[None])[0]
        else:
            p = tf.apply(site.position[None])[0]
            if p[1] < hip[1] - DISTAL_FEMUR_MM:  # near the knee: the whole-femur fit
                tf = transforms[f"{site.body}_whole"]
                p = tf.apply(site.position[None])[0]
        if role == "via":
            inside = [n for n in PARTS if winding_number(p[None], *target[n])[0] > 0.5]
            if inside:
                q, _ = _snap(p, None, *target[inside[0]], normals[inside[0]])
                action = f"pushed out of {inside[0]}"
            else:
                q, action = p, "kept (outside bone)"
        else:
            cands = []
            for n in BODY_PARTS[site.body]:
                s = source[n]
                _, d, f = closest_point(site.position[None], s.vertices, s.faces)
                cands.append((d[0], n, face_normals(s.vertices, s.faces)[f[0]]))
            _, n, src_normal = min(cands, key=lambda c: c[0])
            q, _ = _snap(p, tf.rotate(src_normal[None])[0], *target[n], normals[n])
            action = f"moved onto {n} surface + {OUTWARD_OFFSET_MM:g} mm"
        move = q - p
        adjustments.append(
            {
                "muscle": path.muscle,
                "point": site.name,
                "action": action,
                "moved_mm": _r(np.linalg.norm(move)),
                # the move in anatomical terms: + anterior, + superior, + lateral
                "moved_ant_sup_lat_mm": [_r(move[0]), _r(move[1]), _r(move[2])],
            }
        )
        points.append(q)
        body = "pelvis" if site.body == "pelvis" else "femur"
        entries.append(
            {
                "name": site.name,
                "body": body,
                "role": role,
                "position_mm": [_r(c) for c in (q if body == "pelvis" else q - hip)],
            }
        )
    return np.array(points), entries, adjustments


def mirror_entry(entry: dict) -> dict:
    """The left twin of a right-side path entry (z negated, names ``_r`` -> ``_l``)."""

    def name(n: str) -> str:
        return n.replace("_r-", "_l-").replace("_r", "_l") if n.endswith("_r") or "_r-" in n else n

    out = json.loads(json.dumps(entry))
    out["side"] = "left"
    out["source_sites"] = [name(n) for n in entry["source_sites"]]
    for p in out["points"]:
        p["name"] = name(p["name"])
        p["position_mm"][2] = -p["position_mm"][2] + 0.0
    for w in out.get("wraps", []) + out.get("fibre_wraps", []):
        w["centre_mm"][2] = -w["centre_mm"][2] + 0.0
    return out


def _context(mesh_dir: Path) -> dict:
    """Register the myo-sim bones onto ours: transforms, meshes, landmarks, report."""
    target, landmarks = _load_targets(mesh_dir)
    normals = {n: face_normals(*target[n]) for n in PARTS}
    models = myosim.models_dir()
    source = myosim.bone_meshes(models)
    _, femur_offsets = myosim.read_chain(models)
    src_pelvis_lm = myosim.pelvis_landmarks(source, femur_offsets)
    transforms: dict[str, Similarity] = {}
    registration: dict[str, dict] = {}
    sides = ("right", "left")
    src = np.array([src_pelvis_lm[s][n] for s in sides for n in PELVIS_LANDMARKS])
    dst = np.array([landmarks[s][n] for s in sides for n in PELVIS_LANDMARKS])
    transforms["pelvis"], registration["pelvis"] = register_bone(
        PELVIS_PARTS, source, target, src, dst
    )
    lm = myosim.femur_landmarks(source["femur_right"], "right")
    src = np.array([lm[n] for n in FEMUR_LANDMARKS])
    dst = np.array([landmarks["right"][n] for n in FEMUR_LANDMARKS])
    transforms["femur_r"], registration["femur_right"] = register_bone(
        ("femur_right",),
        source,
        target,
        src,
        dst,
        region_min_y=float(landmarks["right"]["hip_centre"][1]) - FEMUR_REGION_MM,
    )
    transforms["femur_r_whole"] = registration["femur_right"].pop("whole_bone_transform")
    hip = {s: np.asarray(landmarks[s]["hip_centre"], dtype=float) for s in sides}
    registration["pelvis"]["hip_centre_offset_mm"] = {
        "right": float(
            np.linalg.norm(
                transforms["pelvis"].apply(femur_offsets["femur_r"][None])[0] - hip["right"]
            )
        )
    }
    registration["femur_right"]["head_centre_offset_mm"] = float(
        np.linalg.norm(
            transforms["femur_r"].translation - landmarks["right"]["femoral_head_centre"]
        )
    )
    return {
        "target": target,
        "landmarks": landmarks,
        "normals": normals,
        "source": source,
        "transforms": transforms,
        "registration": registration,
        "hip": hip,
        "hip_src": {
            "rajagopal2016": femur_offsets["femur_r"],
            "gait2392": gait2392.hip_centre()["right"],
            "gait2392_joint": gait2392.hip_centre("femur_r")["right"],
        },
        "paths": {
            "rajagopal2016": {
                p.muscle: p for p in myosim.muscle_paths(models) if p.side == "right"
            },
            "gait2392": {p.muscle: p for p in gait2392.muscle_paths() if p.side == "right"},
            "gait2392_joint": {
                p.muscle: p for p in gait2392.muscle_paths("femur_r") if p.side == "right"
            },
        },
    }


def _depth_in_bone(points: np.ndarray, target: dict) -> float:
    """Deepest point (mm) of a polyline's straight segments inside any bone at neutral."""
    depth = 0.0
    for p0, p1 in zip(points[:-1], points[1:], strict=True):
        for n in PARTS:
            iv = inside_intervals(p0, p1, *target[n])
            if iv:
                ts = np.concatenate([np.linspace(a, b, 20) for a, b in iv])
                d = closest_point(p0 + ts[:, None] * (p1 - p0), *target[n])[1].max()
                depth = max(depth, float(d))
    return depth


def _source_path(ctx: dict, source: str, muscle: str):
    """The path and source hip centre to carry (gait2392 in its joint-relation frame for
    the muscles of :data:`JOINT_RELATION`)."""
    variant = "gait2392_joint" if source == "gait2392" and muscle in JOINT_RELATION else source
    return ctx["paths"][variant][muscle], ctx["hip_src"][variant]


def _own_arms(ctx: dict, source: str, path) -> dict[str, float]:
    """Straight-line moment arms (mm) of a right path in its own model, at neutral."""
    if source == "gait2392":
        key = next(k for k, m in gait2392.MUSCLES.items() if m == path.muscle)
        xyz, on_femur, hip = gait2392.own_geometry(key)
    else:
        hip = ctx["hip_src"]["rajagopal2016"]
        on_femur = [s.body != "pelvis" for s in path.sites]
        xyz = np.array(
            [s.position + (hip if f else 0.0) for s, f in zip(path.sites, on_femur, strict=True)]
        )
    k = on_femur.index(True)
    return _segment_arms(xyz[k - 1], xyz[k], hip)


def evaluate_sources(ctx: dict) -> list[dict]:
    from hipviz.validation import polyline_moment_arms

    """Both sources, every compartment, carried onto our bones: how they act at neutral.

    Per muscle and source: the straight-line moment arms (mm) of the segment that crosses
    the hip, in the source model itself (its sites, its hip centre) and carried onto our
    bones, and the largest move that putting its sites on our surface took.
    """
    rows = []
    for source in ("gait2392", "rajagopal2016"):
        for muscle in CARRIED:
            path, hip_src = _source_path(ctx, source, muscle)
            world, _, adjustments = _carry(path, hip_src, ctx)
            k = next(i for i, s in enumerate(path.sites) if s.body != "pelvis")
            rows.append(
                {
                    "muscle": muscle,
                    "source": source,
                    "source_moment_arms_mm": {
                        a: _r(v) for a, v in _own_arms(ctx, source, path).items()
                    },
                    "carried_moment_arms_mm": {
                        a: _r(v)
                        for a, v in _segment_arms(
                            world[k - 1], world[k], ctx["hip"]["right"]
                        ).items()
                    },
                    "carried_rotation_at_90_deg_mm": _r(
                        polyline_moment_arms(
                            world, [s.body != "pelvis" for s in path.sites], ctx["hip"]["right"], 90
                        )["rotation"]
                    ),
                    "largest_site_move_mm": max(a["moved_mm"] for a in adjustments),
                    "neutral_depth_in_bone_mm": _r(_depth_in_bone(world, ctx["target"])),
                    # lateral distance of the path's most medial point from the midline
                    "nearest_midline_mm": _r(world[:, 2].min()),
                }
            )
    return rows


def build_muscles(mesh_dir: Path | str, out_path: Path | str) -> dict:
    """Carry the chosen source paths onto the hipviz bones and write ``muscles.json``.

    The right side is carried; the left is its exact mirror image (the bones are
    symmetric, :mod:`hipviz.build.build_meshes`), so a left number equals its right twin at
    mirrored poses.

    Parameters
    ----------
    mesh_dir : path
        Folder with the five hipviz PLY meshes and ``landmarks.json``.
    out_path : path
        Output JSON file (``hipviz/data/muscles.json``).

    Returns
    -------
    dict
        ``registration`` (per bone: scale, landmark residual, surface RMS per part, mm),
        ``evaluation`` (:func:`evaluate_sources`), ``adjustments`` (points moved onto or
        out of bone) and ``penetrations`` (path segments through bone at neutral).
    """
    mesh_dir, out_path = Path(mesh_dir), Path(out_path)
    ctx = _context(mesh_dir)
    target = ctx["target"]
    evaluation = evaluate_sources(ctx)
    muscles, adjustments, penetrations = [], [], []
    for muscle, (source, reason) in choose_sources(evaluation).items():
        path, hip_src = _source_path(ctx, source, muscle)
        world, entries, moves = _carry(path, hip_src, ctx)
        for m in moves:
            m["source"] = source
        adjustments += moves
        entry = {
            "muscle": muscle,
            "side": "right",
            "source": SOURCE_NAMES[source],
            "source_reason": reason,
            "source_sites": [s.name for s in path.sites],
            "points": entries,
        }
        muscles += [entry, mirror_entry(entry)]
        for i in range(len(world) - 1):
            p0, p1 = world[i], world[i + 1]
            for n in PARTS:
                iv = inside_intervals(p0, p1, *target[n])
                if not iv:
                    continue
                seg_len = float(np.linalg.norm(p1 - p0))
                ts = np.concatenate(
                    [np.linspace(a, b, max(3, int((b - a) * seg_len / 0.5))) for a, b in iv]
                )
                penetrations.append(
                    {
                        "muscle": muscle,
                        "segment": [path.sites[i].name, path.sites[i + 1].name],
                        "bone": n,
                        "inside_length_mm": _r(sum(b - a for a, b in iv) * seg_len),
                        "max_depth_mm": _r(
                            closest_point(p0 + ts[:, None] * (p1 - p0), *target[n])[1].max()
                        ),
                    }
                )
    muscles.sort(key=lambda d: (d["muscle"], d["side"]))
    rms = {}
    for bone, rep in ctx["registration"].items():
        rms[bone] = {
            "scale": round(rep["scale"], 4),
            "landmark_residual": _r(rep["landmark_residual_mm"]),
        }
        for part, stages in rep["parts"].items():
            rms[bone][part] = {stage: _r(v["rms_mm"]) for stage, v in stages.items()}
        for part, stages in rep.get("region", {}).items():
            rms[bone][f"{part}_proximal_{FEMUR_REGION_MM:g}mm"] = {
                stage: _r(v["rms_mm"]) for stage, v in stages.items()
            }
        if "hip_centre_offset_mm" in rep:
            rms[bone]["mapped_hip_centre_offset"] = {
                k: _r(v) for k, v in rep["hip_centre_offset_mm"].items()
            }
        if "head_centre_offset_mm" in rep:
            rms[bone]["mapped_head_centre_offset"] = _r(rep["head_centre_offset_mm"])
    data = {
        "format": FORMAT,
        "frame": FRAME,
        "provenance": {
            "sources": SOURCES,
            "method": METHOD,
            "source_evaluation": evaluation,
            "registration_rms_mm": rms,
            "adjustments": adjustments,
        },
        "muscles": muscles,
    }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    log.info("wrote %s (%d paths)", out_path, len(muscles))
    return {
        "registration": ctx["registration"],
        "evaluation": evaluation,
        "adjustments": adjustments,
        "penetrations": penetrations,
        "out_path": str(out_path),
    }


def default_out_path() -> Path:
    """``hipviz/data/muscles.json`` inside the package."""
    return Path(__file__).resolve().parents[1] / "data" / "muscles.json"


def main(out: Path | str | None = None, mesh_dir: Path | str | None = None) -> int:
    """Build ``muscles.json`` and print a summary (the ``hipviz build-muscles`` command).

    Parameters
    ----------
    out : path, optional
        Output JSON; :func:`default_out_path` by default.
    mesh_dir : path, optional
        hipviz bone meshes; :func:`hipviz.io.meshes.default_mesh_dir` by default.

    Returns
    -------
    int
        Exit status (0).
    """
    from hipviz.build.build_wraps import add_wraps, record_clearance
    from hipviz.build.fibre_wraps import add_fibre_wraps
    from hipviz.io.meshes import default_mesh_dir

    report = build_muscles(mesh_dir or default_mesh_dir(), out or default_out_path())
    wraps = add_wraps(report["out_path"], mesh_dir or default_mesh_dir())
    fibre_wraps = add_fibre_wraps(report["out_path"], mesh_dir or default_mesh_dir())
    clearance = record_clearance(report["out_path"], mesh_dir or default_mesh_dir())
    print(f"wrote {report['out_path']}")
    for bone, rep in report["registration"].items():
        print(
            f"{bone}: scale {rep['scale']:.3f} (landmarks {rep['landmark_scale']:.3f}, "
            f"landmark residual {rep['landmark_residual_mm']:.1f} mm)"
        )
        if "hip_centre_offset_mm" in rep:
            print(
                "  mapped myo-sim hip centres from ours: "
                + ", ".join(f"{k} {v:.1f} mm" for k, v in rep["hip_centre_offset_mm"].items())
            )
        if "head_centre_offset_mm" in rep:
            print(f"  mapped myo-sim head centre from ours: {rep['head_centre_offset_mm']:.1f} mm")
        for group in ("parts", "region"):
            for part, stages in rep.get(group, {}).items():
                where = part if group == "parts" else f"{part} proximal"
                print(
                    f"  surface RMS {where}: "
                    + ", ".join(f"{k} {v['rms_mm']:.2f}" for k, v in stages.items())
                    + " mm"
                )
    print("both sources carried (right hip, straight lines at neutral; moment arms mm):")
    for row in report["evaluation"]:
        own, here = row["source_moment_arms_mm"], row["carried_moment_arms_mm"]
        print(
            f"  {row['muscle']:27s} {row['source']:14s} own model "
            + " ".join(f"{k[:3]} {v:+6.1f}" for k, v in own.items())
            + "; on our bones "
            + " ".join(f"{k[:3]} {v:+6.1f}" for k, v in here.items())
            + f"; largest site move {row['largest_site_move_mm']:.1f} mm"
        )
    print(f"segments through bone at neutral: {len(report['penetrations'])}")
    for row in report["penetrations"]:
        print(
            f"  {row['muscle']} {row['segment'][0]}->{row['segment'][1]} "
            f"{row['bone']}: {row['inside_length_mm']:.1f} mm inside, "
            f"max depth {row['max_depth_mm']:.1f} mm"
        )
    for mode, what in (("gt", "gt mode"), ("angles", "angles mode"), ("fibres", "fibres")):
        c = clearance[mode]
        print(
            f"deepest point inside bone, {what} ({c['poses']} poses): "
            f"{c['deepest_mm']:.2f} mm ({c['where']})"
        )
    print("adjusted so no path enters bone across the control ranges:")
    for row in wraps:
        print(
            f"  {row['muscle']}: {row['action']}; deepest contact "
            f"{row['estimated_deepest_contact_mm']:.2f} mm (grid estimate), neutral length "
            f"{row['neutral_length_change_mm']:+.2f} mm"
        )
    print("fibres given their own wrap where the interpolated one cut bone:")
    for row in fibre_wraps:
        depth = row["estimated_deepest_contact_mm"]
        print(
            f"  {row['fibre']}: {row['action']}; deepest contact {depth['interpolated']:.2f} -> "
            f"{depth['own']:.2f} mm (grid estimate), neutral length "
            f"{row['neutral_length_change_mm']:+.2f} mm"
        )
    return 0


def _command_line(argv: list[str] | None = None) -> int:
    """``python -m hipviz.build.build_muscles [--out FILE] [--mesh-dir DIR] [-v]``."""
    parser = argparse.ArgumentParser(
        prog="python -m hipviz.build.build_muscles", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--mesh-dir",
        type=Path,
        default=None,
        help="folder with the hipviz bone meshes (default: meshes/)",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="output JSON (default: hipviz/data/muscles.json)"
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    return main(args.out, args.mesh_dir)


if __name__ == "__main__":
    raise SystemExit(_command_line())
