"""Keep the registered muscle paths outside bone across the whole control range.

The source paths are straight lines from pelvis to femur (piriformis with one via
point in the greater sciatic notch). Straight, they cut through the greater
trochanter, the acetabular rim or the ilium beside their origin when the hip is
flexed, rotated or tilted far. Each path gets what the real muscle has:

- a via point fixed to the femur where the muscle leaves the greater trochanter:
  on the neutral line of action, ``exit_mm`` from the insertion, pushed out to
  ``offset_mm`` outside the bone (so at neutral the path is unchanged, or runs just
  over the trochanter instead of through it);
- a sphere wrap fixed to the pelvis (the hip capsule and the bone round the
  acetabulum, with the short external rotators over it) on the segment that crosses
  the joint;
- where no such sphere is enough (an origin in a hollow of the ilium, which the path
  would cut as it leaves), a sphere through the segment's pelvis end instead, under
  the bone the path would cut, so the path leaves its origin along the bone and over
  it;
- where neither keeps the path clear (a femur via point that sits behind the femur, in
  the gap between the femur and the ischium, swings into the ischium when the hip
  extends and turns out, and the stretch from the pelvis to it cuts the greater
  trochanter in deep flexion with abduction), the path is held to the pelvis further
  along its neutral line (a pelvis via point part of the way from its last pelvis point
  to its first femur point, where the muscle sheet lies behind the hip) and the rest of
  that stretch wraps over a sphere fixed to the femur (the greater trochanter), with no
  trochanter exit point.

For each path (every one in the data file, the same way) the exit, offset and spheres
are chosen by a deterministic search that first keeps the literature's actions (the
straight line's clear moment arms at neutral, and the flip with flexion), then minimises
the deepest bone contact over dense poses spanning every control's range in both modes
(:func:`design_poses`, distances read from sampled grids,
:mod:`hipviz.build.sweep_clearance`), then the change of neutral length. The choice and
its reason go into the data file's provenance, and the clearance is then measured
exactly (:func:`record_clearance`)."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np

from hipviz.build.clearance import (
    TOLERANCE_MM,
    Clearance,
    angle_poses,
    random_poses,
    range_poses,
    wrap_end_margin,
)
from hipviz.build.sweep_clearance import PoseSweep
from hipviz.core.model import HipModel
from hipviz.core.muscles import MuscleSet, Wrap
from hipviz.core.pose import Pose
from hipviz.io.model_files import load_model

log = logging.getLogger(__name__)

#: random poses per mode for the recorded clearance (the test suite checks the same set)
CLEARANCE_RANDOM_POSES = 300

#: the search's choices: where the trochanter exit sits (mm from the insertion along the
#: neutral line) and how far outside bone; the capsule sphere's centre (offset from the
#: hip centre: anterior, superior, lateral) and radius, mm
EXIT_MM = (10.0, 15.0, 20.0, 25.0)
OFFSET_MM = (2.0, 3.0, 4.0)
CAPSULE_GRID_MM = (
    tuple(float(x) for x in range(-40, 45, 5)),
    tuple(float(y) for y in range(-20, 65, 5)),
    tuple(float(z) for z in range(-70, 25, 5)),
    tuple(float(r) for r in range(20, 82, 3)),
)
START = {
    "exit": 15.0,
    "offset": 3.0,
    "capsule": (0.0, 0.0, 0.0, 32.0),
    "ilium": None,
    "pelvis_via": None,
    "trochanter": None,
}
#: the ilium sphere passes through the crossing segment's pelvis end (this far inside
#: it, mm, so the wrap starts there along the sphere), its centre found by steps (mm) from
#: starts this deep under the bone where the capsule-only path cuts it deepest
ILIUM_GAP_MM = 0.05
ILIUM_DEPTHS_MM = (5.0, 8.0, 12.0)
ILIUM_STEPS_MM = (-4.0, -2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 4.0)
SPHERE_RADIUS_MM = (8.0, 90.0)
#: the last resort: the pelvis via point's place on the neutral crossing segment (the
#: fraction of the way from its pelvis end to its femur end), and the femur-fixed sphere
#: started under the bone where the path would cut the femur deepest, at these radii (mm),
#: then moved by these steps (mm)
PELVIS_VIA_FRACTIONS = (0.5, 0.6, 0.7)
TROCHANTER_RADII_MM = (10.0, 15.0, 20.0, 25.0, 30.0)
TROCHANTER_STEPS_MM = (4.0, 2.0, 1.0)
PASSES = 4
#: at neutral both ends of a wrapped segment stay at least this far outside its spheres
#: (mm); an origin sits 1 mm outside bone, so a sphere that follows the bone under it
#: must come close
END_MARGIN_MM = 0.5
#: the search aims this far inside the allowance (mm): its distances are grid estimates
DESIGN_MARGIN_MM = 0.25
#: muscles that turn from external to internal rotators as the hip flexes to 90 deg
FLIP_WITH_FLEXION = ("gluteus_medius_posterior", "gluteus_minimus_posterior", "piriformis")
#: a moment arm at least this large (mm) in the carried straight line at neutral is an
#: action the wrap must keep (same sign, still at least this large)
ACTION_MM = 5.0
#: poses at which the actions are compared: neutral and 90 deg flexion
ACTION_POSES = ({}, {"right.hip_flexion_deg": 90.0})


def design_poses() -> list[Pose]:
    """The poses the design keeps paths clear over, both modes.

    Each mode's corners and the seeded random poses the tests and the recorded clearance
    use, finer grids over each mode's whole range, and more random poses (another seed).
    """
    levels = (-25.0, -12.5, 0.0, 12.5, 25.0)
    flexions = (0.0, 30.0, 60.0, 90.0)
    poses = range_poses() + angle_poses()
    poses += random_poses(CLEARANCE_RANDOM_POSES, "gt")
    poses += random_poses(CLEARANCE_RANDOM_POSES, "angles")
    poses += range_poses(levels, flexions)
    poses += angle_poses(
        (-30.0, -15.0, 0.0, 15.0, 30.0, 45.0),
        (-45.0, -30.0, -15.0, 0.0, 15.0, 30.0, 45.0),
        (-25.0, 0.0, 25.0),
        flexions,
    )
    poses += random_poses(400, "gt", seed=7) + random_poses(400, "angles", seed=7)
    return poses


def crossing_segment(path) -> int:
    """The segment that crosses the hip: its start on the pelvis, its end on the femur."""
    for j in range(len(path.points) - 2, -1, -1):
        if path.bodies[j] == "pelvis" and path.bodies[j + 1] != "pelvis":
            return j
    raise ValueError(f"{path.key}: no segment runs from the pelvis to the femur")


def action_arms(model: HipModel, path) -> np.ndarray:
    """Moment arms (flexion, abduction, rotation) of ``path`` alone at
    :data:`ACTION_POSES`: (poses, 3) mm."""
    alone = HipModel(model.anatomy, MuscleSet((path,)))
    out = []
    for values in ACTION_POSES:
        arms = alone.solve(Pose.from_dict(values)).moment_arms_mm
        out.append([float(arms[a][0]) for a in ("flexion", "abduction", "rotation")])
    return np.array(out)


def actions_lost(before: np.ndarray, after: np.ndarray) -> int:
    """How many clear actions (moment arms of at least :data:`ACTION_MM`) in ``before``
    a trial's arms ``after`` lose: the sign turned, or the lever shorter than that."""
    kept = np.abs(before) >= ACTION_MM
    turned = (np.sign(after) != np.sign(before)) | (np.abs(after) < ACTION_MM)
    return int((kept & turned).sum())


def sphere_fits(wrap: Wrap, ends) -> bool:
    """A trial sphere's radius is within :data:`SPHERE_RADIUS_MM` and the ends of its
    segment (those that must lie outside it) stay :data:`END_MARGIN_MM` outside."""
    return SPHERE_RADIUS_MM[0] <= wrap.radius <= SPHERE_RADIUS_MM[1] and all(
        np.linalg.norm(p - wrap.centre) > wrap.radius + END_MARGIN_MM for p in ends
    )


def ranked(lost: int, depths: np.ndarray, trial, rest: float) -> tuple:
    """A trial's score, lower is better: (actions lost, depth past the aim, neutral length
    change from ``rest``, deepest), from its depth in each design pose (mm)."""
    deepest = float(depths.max())
    change = abs(MuscleSet((trial,)).rest_lengths[0] - rest)
    aim = TOLERANCE_MM - DESIGN_MARGIN_MM
    return (lost, round(max(deepest - aim, 0.0), 2), round(change, 1), round(deepest, 2))


def under_deepest_cut(clearance: Clearance, sweep: PoseSweep, path) -> list[np.ndarray]:
    """Points (pelvis neutral frame) :data:`ILIUM_DEPTHS_MM` under the bone surface where
    ``path`` cuts the pelvis deepest over the sweep's poses: where to start a sphere over
    the bone beside its origin."""
    deepest = sweep.deepest_in_pelvis(path)
    parts = [f"pelvis_{path.side}", "sacrum"]
    part = min(parts, key=lambda n: clearance.signed_distance(n, deepest[None])[0])
    normal = clearance.gradient(part, deepest)
    surface = deepest - normal * clearance.signed_distance(part, deepest[None])[0]
    return [surface - normal * r for r in ILIUM_DEPTHS_MM]


class _Designer:
    """Builds and scores trial wraps for one source path (right side).

    A choice is a dict: ``exit`` and ``offset`` place the trochanter exit; the segment
    from the last pelvis point to it wraps over ``capsule`` (centre offset from the hip
    centre, radius; mm) where ``ilium`` is None, else over a sphere centred at ``ilium``
    (offset from the hip centre, mm) through that pelvis point: the bone beside it.
    """

    def __init__(self, model: HipModel, clearance: Clearance, sweep: PoseSweep, path):
        self.model, self.clearance, self.sweep, self.path = model, clearance, sweep, path
        self.k = crossing_segment(path)
        self.hip = model.anatomy.hip_centre[path.side]
        self.side_sign = np.array([1.0, 1.0, 1.0 if path.side == "right" else -1.0])
        self.rest = MuscleSet((path,)).rest_lengths[0]
        self.source_arms = action_arms(model, path)
        self._cache: dict = {}
        self._exits: dict = {}

    def femur_exit(self, exit_mm: float, offset: float) -> np.ndarray:
        """The trochanter exit: on the neutral line, pushed out to ``offset`` outside bone."""
        key = (exit_mm, offset)
        if key not in self._exits:
            end, before = self.path.points[self.k + 1], self.path.points[self.k]
            u = (before - end) / np.linalg.norm(before - end)
            point, part = end + exit_mm * u, self.path.bodies[self.k + 1]
            for _ in range(20):  # along the distance gradient
                d = self.clearance.signed_distance(part, point[None])[0]
                if d >= offset - 0.05:
                    break
                point = point + self.clearance.gradient(part, point) * (offset - d)
            self._exits[key] = point
        return self._exits[key]

    def ilium_starts(self, c: dict) -> list[tuple[float, float, float]]:
        """Where to start the ilium sphere's centre (hip-relative): under the bone where
        choice ``c``'s path cuts the pelvis deepest, at :data:`ILIUM_DEPTHS_MM`."""
        return [
            tuple(round(float(v), 1) for v in (point - self.hip) * self.side_sign)
            for point in under_deepest_cut(self.clearance, self.sweep, self.trial(c))
        ]

    def _sphere(self, s) -> tuple[np.ndarray, float]:
        return self.hip + np.array(s[:3]) * self.side_sign, float(s[3])

    def trial(self, c: dict):
        """The source path with the trochanter exit and the wraps of choice ``c``."""
        path, k = self.path, self.k
        if c.get("pelvis_via") is not None:
            return self._held_to_pelvis(c)
        if c["ilium"] is None:
            wraps = [Wrap(k, "pelvis", *self._sphere(c["capsule"]))]
        else:  # through the segment's pelvis end (just inside it)
            centre = self.hip + np.array(c["ilium"]) * self.side_sign
            radius = float(np.linalg.norm(path.points[k] - centre)) - ILIUM_GAP_MM
            wraps = [Wrap(k, "pelvis", centre, radius)]
        return replace(
            path,
            names=(*path.names[: k + 1], f"{path.muscle}_trochanter_exit", *path.names[k + 1 :]),
            roles=(*path.roles[: k + 1], "via", *path.roles[k + 1 :]),
            bodies=(*path.bodies[: k + 2], *path.bodies[k + 1 :]),
            points=np.vstack(
                [
                    path.points[: k + 1],
                    self.femur_exit(c["exit"], c["offset"]),
                    path.points[k + 1 :],
                ]
            ),
            wraps=tuple(wraps),
        )

    def _held_to_pelvis(self, c: dict):
        """The source path with a pelvis via point ``pelvis_via`` of the way along its neutral
        crossing segment, and the rest of that segment over a femur-fixed sphere
        ``trochanter`` (centre offset from the hip centre, radius; mm), or straight."""
        path, k = self.path, self.k
        via = path.points[k] + c["pelvis_via"] * (path.points[k + 1] - path.points[k])
        femur = path.bodies[k + 1]
        wraps = (
            () if c["trochanter"] is None else (Wrap(k + 1, femur, *self._sphere(c["trochanter"])),)
        )
        return replace(
            path,
            names=(*path.names[: k + 1], f"{path.muscle}_pelvis_via", *path.names[k + 1 :]),
            roles=(*path.roles[: k + 1], "via", *path.roles[k + 1 :]),
            bodies=(*path.bodies[: k + 1], "pelvis", *path.bodies[k + 1 :]),
            points=np.vstack([path.points[: k + 1], via, path.points[k + 1 :]]),
            wraps=wraps,
        )

    def trochanter_starts(self, c: dict) -> list[tuple[float, ...]]:
        """Femur-fixed spheres to start from (hip-relative centre, radius): under the bone
        where choice ``c``'s path, without a sphere, cuts the femur deepest."""
        deepest = self.sweep.deepest_in_femur(self.trial({**c, "trochanter": None}))
        part = f"femur_{self.path.side}"
        normal = self.clearance.gradient(part, deepest)
        surface = deepest - normal * self.clearance.signed_distance(part, deepest[None])[0]
        return [
            (
                *(
                    round(float(v), 1)
                    for v in (surface - normal * (r - 1.0) - self.hip) * self.side_sign
                ),
                r,
            )
            for r in TROCHANTER_RADII_MM
        ]

    def score(self, c: dict) -> tuple:
        """(actions lost, depth past the aim, neutral length change, deepest): lower is better."""
        key = repr(sorted(c.items()))
        if key in self._cache:
            return self._cache[key]
        trial = self.trial(c)
        (wrap,) = trial.wraps
        if c.get("pelvis_via") is not None:  # the femur-fixed sphere's segment
            ends = trial.points[self.k + 1 : self.k + 3]
        elif c["ilium"] is None:
            ends = trial.points[self.k : self.k + 2]
        else:
            ends = trial.points[self.k + 1 :][:1]
        if not sphere_fits(wrap, ends):
            result = (np.inf,) * 4
        else:
            arms = action_arms(self.model, trial)
            # at neutral, where the straight line has a clear action, the wrap keeps it
            lost = actions_lost(self.source_arms[:1], arms[:1])
            if self.path.muscle in FLIP_WITH_FLEXION:
                lost += int(arms[0, 2] >= -ACTION_MM) + int(arms[1, 2] <= ACTION_MM)
            result = ranked(lost, self.sweep.depth(trial), trial, self.rest)
        self._cache[key] = result
        return result

    def exit_steps(self, c: dict, s: tuple) -> tuple[dict, tuple]:
        """Each trochanter exit distance, then each offset, from choice ``c`` (score ``s``),
        kept where it scores better."""
        for name, values in (("exit", EXIT_MM), ("offset", OFFSET_MM)):
            for v in values:
                t = self.score({**c, name: v})
                if t < s:
                    c, s = {**c, name: v}, t
        return c, s

    def grid_search(self, c: dict) -> tuple[dict, tuple]:
        """The capsule sphere and trochanter exit, one value at a time over fixed grids."""
        s = self.score(c)
        for _ in range(PASSES):
            before = s
            for i, values in enumerate(CAPSULE_GRID_MM):
                for v in values:
                    option = {
                        **c,
                        "capsule": tuple(v if j == i else x for j, x in enumerate(c["capsule"])),
                    }
                    t = self.score(option)
                    if t < s:
                        c, s = option, t
            c, s = self.exit_steps(c, s)
            if s == before:
                break
        return c, s

    def coordinate_steps(self, c: dict, s: tuple, name: str, steps) -> tuple[dict, tuple]:
        """Each coordinate of ``c[name]`` moved by each of ``steps`` in turn, from choice
        ``c`` (score ``s``), kept where it scores better."""
        for i in range(len(c[name])):
            for d in steps:
                option = {
                    **c,
                    name: tuple(round(v + d * (i == j), 2) for j, v in enumerate(c[name])),
                }
                t = self.score(option)
                if t < s:
                    c, s = option, t
        return c, s

    def sphere_search(self, c: dict) -> tuple[dict, tuple]:
        """The femur-fixed sphere's centre and radius, by shrinking steps from choice ``c``."""
        s = self.score(c)
        for step in TROCHANTER_STEPS_MM:
            for _ in range(PASSES):
                before = s
                c, s = self.coordinate_steps(c, s, "trochanter", (-step, step))
                if s == before:
                    break
        return c, s

    def pattern_search(self, c: dict) -> tuple[dict, tuple]:
        """The ilium sphere's centre and the trochanter exit, by steps from choice ``c``."""
        s = self.score(c)
        for _ in range(PASSES):
            before = s
            c, s = self.coordinate_steps(c, s, "ilium", ILIUM_STEPS_MM)
            c, s = self.exit_steps(c, s)
            if s == before:
                break
        return c, s


def _search(designer: _Designer) -> tuple[dict, tuple]:
    """A capsule sphere if one keeps the path clear; else the better of that and a sphere
    through the crossing segment's pelvis end, under the bone the capsule's path cuts; if
    neither does, the best of those and the path held to the pelvis further along with a
    femur-fixed sphere beyond."""
    best, s = designer.grid_search(dict(START))
    log.info("%s, capsule only: %s %s", designer.path.muscle, best, s)
    if s[0] == 0 and s[1] == 0.0:
        return best, s
    for centre in designer.ilium_starts(best):
        c, t = designer.pattern_search({**best, "capsule": None, "ilium": centre})
        log.info("%s, with an ilium sphere: %s %s", designer.path.muscle, c, t)
        if t < s:
            best, s = c, t
        if s[0] == 0 and s[1] == 0.0:
            break
    if s[0] == 0 and s[1] == 0.0:
        return best, s
    for fraction in PELVIS_VIA_FRACTIONS:
        held = {**START, "pelvis_via": fraction}
        starts = designer.trochanter_starts(held)
        c = min(({**held, "trochanter": t} for t in starts), key=designer.score)
        c, t = designer.sphere_search(c)
        log.info("%s, held to the pelvis: %s %s", designer.path.muscle, c, t)
        if t < s:
            best, s = c, t
        if s[0] == 0 and s[1] == 0.0:
            break
    return best, s


def design(model: HipModel, clearance: Clearance) -> tuple[HipModel, list[dict]]:
    """Choose via points and wraps for every right-side path.

    The left paths are mirror images of the right (the bones are symmetric), so each
    choice is made once, on the right, and holds for both. Returns the model with the
    right paths adjusted (the left as they were) and one provenance record per muscle.
    """
    poses = design_poses()
    paths = list(model.muscles.paths)
    right = [i for i, p in enumerate(paths) if p.side == "right"]
    lo, hi = clearance.bounds("pelvis_right")
    sweep = PoseSweep(model, clearance, poses, "right", (lo, hi))
    records = []
    for i in right:
        designer = _Designer(model, clearance, sweep, paths[i])
        choice, s = _search(designer)
        trial = designer.trial(choice)
        records.append(
            {
                "muscle": trial.muscle,
                "point": ", ".join(n for n in trial.names if n.startswith(f"{trial.muscle}_")),
                "action": _describe(choice, trial.wraps[0].radius, trial.muscle),
                "design_poses": len(poses),
                "estimated_deepest_contact_mm": s[3],
                "actions_lost": s[0],
                "neutral_length_change_mm": round(
                    float(MuscleSet((trial,)).rest_lengths[0] - designer.rest), 2
                ),
            }
        )
        paths[i] = trial
        log.info("%s: %s; %s", trial.muscle, choice, s)
    return HipModel(model.anatomy, MuscleSet(tuple(paths))), records


def _where(s) -> str:
    parts = [
        f"{abs(v):g} mm {names[v > 0]}"
        for v, names in (
            (s[0], ("posterior", "anterior")),
            (s[1], ("inferior", "superior")),
            (s[2], ("medial", "lateral")),
        )
        if v
    ]
    return f"a {round(s[3], 1):g} mm sphere " + (
        "at the hip centre" if not parts else "centred " + ", ".join(parts) + " of the hip centre"
    )


def _describe(c: dict, radius: float, muscle: str = "") -> str:
    if c.get("pelvis_via") is not None:
        return (
            f"added a pelvis via point on the neutral line, {c['pelvis_via']:g} of the way from "
            "its last pelvis point to its first femur point (the sheet held behind the hip), and "
            f"a wrap fixed to the femur over the greater trochanter ({_where(c['trochanter'])}) "
            "on the segment from it to the femur, instead of a trochanter exit and a pelvis "
            "sphere: no pelvis sphere kept the path clear (its femur via point, behind the femur, "
            "swings into the ischium when the hip extends and turns out, and the stretch to it "
            "cuts the greater trochanter in deep flexion with abduction); unchanged at neutral"
        )
    where = (
        f"a hip-capsule wrap ({_where(c['capsule'])})"
        if c["ilium"] is None
        else f"a wrap over the ilium beside its pelvis end ({_where((*c['ilium'], radius))}, "
        "through that point, so the path leaves it along the bone)"
    )
    return (
        "added a femur via point where the muscle leaves the greater trochanter "
        f"({c['exit']:g} mm from the insertion, {c['offset']:g} mm outside bone) and {where} "
        "on the segment to it, so the path runs over bone, not through it, across the "
        "control ranges"
    )


def add_wraps(json_path, mesh_dir) -> list[dict]:
    """Design wraps for the registered paths in ``json_path`` and rewrite it in place."""
    import json
    from pathlib import Path

    from hipviz.build.build_muscles import mirror_entry
    from hipviz.core import kinematics as kin
    from hipviz.core.muscles import load_muscles
    from hipviz.io.meshes import load_bones, load_landmarks

    json_path = Path(json_path)
    anatomy = kin.Anatomy.from_landmarks(load_landmarks(mesh_dir))
    model = HipModel(anatomy, MuscleSet(load_muscles(json_path, anatomy.hip_centre)))
    adjusted, records = design(model, Clearance(load_bones(mesh_dir)))
    data = json.loads(json_path.read_text())
    by_key = {(p.side, p.muscle): p for p in adjusted.muscles.paths}
    hip = anatomy.hip_centre["right"]
    right = {}
    for entry in data["muscles"]:
        if entry["side"] != "right":
            continue
        path = by_key["right", entry["muscle"]]
        entry["points"] = [
            {
                "name": n,
                "role": r,
                "body": "pelvis" if b == "pelvis" else "femur",
                "position_mm": file_mm(p if b == "pelvis" else p - hip),
            }
            for n, r, b, p in zip(path.names, path.roles, path.bodies, path.points, strict=True)
        ]
        entry["wraps"] = [wrap_entry(path, w, hip) for w in path.wraps]
        right[entry["muscle"]] = entry
    data["muscles"] = [
        e if e["side"] == "right" else mirror_entry(right[e["muscle"]]) for e in data["muscles"]
    ]
    data["provenance"]["adjustments"] = data["provenance"]["adjustments"] + records
    data["provenance"]["method"] += " " + " ".join(__doc__.split()).split(" The choice")[0].strip()
    json_path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    return records


def _deepest(worst: list, poses: int) -> dict:
    """The record of the deepest contact of :meth:`Clearance.worst` over ``poses`` poses."""
    deepest = worst[0] if worst else None
    return {
        "poses": poses,
        "deepest_mm": round(deepest.depth_mm, 2) if deepest else 0.0,
        "where": (
            f"{deepest.path} in {deepest.bone} at "
            + ", ".join(
                f"{k} {v:g}" for k, v in deepest.pose.as_dict().items() if v and k[0] == "r"
            )
            if deepest
            else "nowhere"
        ),
    }


def through_start(path, w: Wrap) -> bool:
    """The wrap's sphere passes through its segment's first point (a wrap over the bone
    beside a pelvis point, as the search places an ilium sphere)."""
    return bool(abs(np.linalg.norm(path.points[w.segment] - w.centre) - w.radius) < 0.1)


def file_mm(v) -> list[float]:
    """Coordinates as the data file holds them (0.01 mm, no negative zero)."""
    return [round(float(c), 2) + 0.0 for c in v]


def wrap_entry(path, w: Wrap, hip: np.ndarray) -> dict:
    """A wrap of a right-side path as the data file holds it (femur spheres relative to
    the hip centre ``hip``), named for what it stands for."""
    return {
        "name": "greater trochanter"
        if w.body != "pelvis"
        else "ilium"
        if through_start(path, w)
        else "hip capsule",
        "segment": w.segment,
        "body": "pelvis" if w.body == "pelvis" else "femur",
        "centre_mm": file_mm(w.centre if w.body == "pelvis" else w.centre - hip),
        "radius_mm": round(float(w.radius), 3),
    }


def record_clearance(json_path, mesh_dir) -> dict:
    """Measure the deepest point of any path inside bone, per mode, and record it.

    Over each mode's corners (:func:`range_poses`, :func:`angle_poses`) and
    :data:`CLEARANCE_RANDOM_POSES` seeded random poses (:func:`random_poses`), and of any
    fibre of the right fans over both modes' corners; written to the provenance of
    ``json_path`` as ``clearance`` (read by the validation page).
    """
    import json
    from pathlib import Path

    from hipviz.core.fibres import FibreSet
    from hipviz.io.meshes import load_bones
    from hipviz.io.model_files import bone_surfaces

    json_path = Path(json_path)
    model = load_model(mesh_dir, json_path)
    clearance = Clearance(load_bones(mesh_dir))
    record = {}
    margin = np.inf
    for mode, corners in (("gt", range_poses()), ("angles", angle_poses())):
        poses = corners + random_poses(CLEARANCE_RANDOM_POSES, mode)
        record[mode] = _deepest(clearance.worst(model, poses), len(poses))
        margin = min(margin, wrap_end_margin(model, poses))
    record["wrap_end_margin_mm"] = round(float(margin), 2)
    # every fibre of the right fans (the left mirror them) at both modes' corners, each
    # named by its fibre key
    fibres = FibreSet(model.muscles.paths, bone_surfaces(mesh_dir))
    named = [
        replace(p, muscle=k.split(".", 1)[1])
        for p, k in zip(fibres.paths, fibres.keys, strict=True)
    ]
    right = [i for i, p in enumerate(named) if p.side == "right"]
    corners = range_poses() + angle_poses()
    fibre_model = HipModel(model.anatomy, MuscleSet(tuple(named)), model.contact)
    record["fibres"] = _deepest(clearance.worst(fibre_model, corners, right), len(corners))
    data = json.loads(json_path.read_text())
    data["provenance"]["clearance"] = record
    json_path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    return record
