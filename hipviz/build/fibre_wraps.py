"""Keep every fibre of every fan outside bone, as the compartments are kept.

A fan's fibres between compartments interpolate their neighbours' points and wrap spheres,
and the fibres beyond the first and last compartment take that compartment's sphere
(:mod:`hipviz.core.fibres`). The build designed those spheres for the compartments' own
paths, not for the fibres beside them: an edge fibre whose origin lies further back on the
ilium than its compartment's leaves it through the bone. So each fibre that the
interpolated sphere does not keep clear over the design poses (both modes,
:func:`hipviz.build.build_wraps.design_poses`, distances from sampled grids) gets its own
sphere, found by a deterministic search:

- the interpolated sphere's centre (and its radius, or, for a wrap over the ilium beside
  the origin, the radius that keeps it through the fibre's own pelvis end) moved by
  shrinking steps;
- where the wrapped segment leaves the pelvis, also spheres through the fibre's own pelvis
  end (over the ilium beside its origin), started under the bone where the first search's
  best cuts deepest and moved the same way (unless that best is already clear without
  changing the neutral length); the better of the two is kept;
- a choice is ranked first by the actions it keeps (every moment arm of at least 5 mm the
  interpolated fibre has at neutral and at 90 deg flexion keeps its sign and size), then
  by how deep it cuts bone past the aim, then by how far its neutral length moves.

The fibre's points stay as the fan places them; only its sphere is its own. The chosen
spheres go into the data file (``fibre_wraps`` of each right-side entry, mirrored on the
left) with a provenance record per fibre, and the fibres' clearance is measured exactly
with the compartments' (:func:`hipviz.build.build_wraps.record_clearance`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import numpy as np

from hipviz.build.build_wraps import (
    DESIGN_MARGIN_MM,
    ILIUM_GAP_MM,
    PASSES,
    action_arms,
    actions_lost,
    design_poses,
    ranked,
    sphere_fits,
    through_start,
    under_deepest_cut,
    wrap_entry,
)
from hipviz.build.clearance import TOLERANCE_MM, Clearance
from hipviz.build.sweep_clearance import PoseSweep
from hipviz.core.fibres import FibreSet, Surface
from hipviz.core.model import HipModel
from hipviz.core.muscles import MusclePath, MuscleSet
from hipviz.io.meshes import load_bones
from hipviz.io.model_files import bone_surfaces, load_model

log = logging.getLogger(__name__)

#: the sphere's centre and radius are moved by these steps (mm), largest first
STEPS_MM = (4.0, 2.0, 1.0, 0.5)


class _FibreDesigner:
    """Scores trial spheres for one fibre. A choice is ``(x, y, z, r, through)``: the
    sphere's centre (neutral frame of its body, mm) and radius, or, with ``through``, the
    radius that takes it through the segment's pelvis end (a wrap over the bone beside
    the origin)."""

    def __init__(self, model: HipModel, sweep: PoseSweep, path: MusclePath, guide: MusclePath):
        (self.wrap,) = path.wraps
        self.model, self.sweep, self.path = model, sweep, path
        self.guide_through = self.wrap.body == "pelvis" and through_start(guide, guide.wraps[0])
        self.rest = MuscleSet((path,)).rest_lengths[0]
        self.start_arms = action_arms(model, path)
        self._cache: dict = {}

    def trial(self, c: tuple) -> MusclePath:
        centre, radius = np.array(c[:3]), c[3]
        if c[4]:
            radius = float(np.linalg.norm(self.path.points[self.wrap.segment] - centre))
            radius -= ILIUM_GAP_MM
        return replace(self.path, wraps=(replace(self.wrap, centre=centre, radius=radius),))

    def choice(self, centre, radius: float, through: bool) -> tuple:
        return (*(round(float(v), 2) for v in centre), round(float(radius), 2), through)

    def score(self, c: tuple) -> tuple:
        """(actions lost, depth past the aim, neutral length change, deepest): lower is better."""
        if c in self._cache:
            return self._cache[c]
        trial = self.trial(c)
        (wrap,) = trial.wraps
        k = wrap.segment
        ends = trial.points[k + 1 : k + 2] if c[4] else trial.points[k : k + 2]
        if not sphere_fits(wrap, ends):
            result = (np.inf,) * 4
        else:
            # every clear action the interpolated fibre has, at neutral and at 90 deg flexion
            lost = actions_lost(self.start_arms, action_arms(self.model, trial))
            result = ranked(lost, self.sweep.depth(trial), trial, self.rest)
        self._cache[c] = result
        return result

    def steps(self, c: tuple) -> tuple[tuple, tuple]:
        """Shrinking coordinate steps of the centre (and radius) from choice ``c``."""
        s = self.score(c)
        coordinates = 3 if c[4] else 4
        for step in STEPS_MM:
            for _ in range(PASSES):
                before = s
                for i in range(coordinates):
                    for d in (-step, step):
                        option = (
                            *(round(v + d * (i == j), 2) for j, v in enumerate(c[:4])),
                            c[4],
                        )
                        t = self.score(option)
                        if t < s:
                            c, s = option, t
                if s == before:
                    break
            if s[1] == 0.0:
                break
        return c, s

    def search(self, clearance: Clearance) -> tuple[tuple, tuple]:
        """The better of: steps from the interpolated sphere; and, where the wrapped
        segment leaves the pelvis, steps from spheres through its pelvis end started under
        the bone where the first's best cuts the pelvis deepest (as the compartments'
        search), so a fibre is not given a large sphere that lengthens it where one over
        the bone beside its origin does."""
        w = self.wrap
        best, s = self.steps(self.choice(w.centre, w.radius, self.guide_through))
        if self.path.bodies[w.segment] != "pelvis" or w.body != "pelvis" or s[1:3] == (0, 0):
            return best, s
        for centre in under_deepest_cut(clearance, self.sweep, self.trial(best)):
            c, t = self.steps(self.choice(centre, 0.0, True))
            if t < s:
                best, s = c, t
        return best, s


def design_fibres(
    model: HipModel, clearance: Clearance, surfaces: dict[str, Surface]
) -> tuple[dict[str, MusclePath], list[dict]]:
    """Each right-side fibre's own sphere where the interpolated one cuts bone.

    Returns ``{fibre key: its path with its own sphere}`` for the fibres given one and a
    provenance record for each (the left fibres are the right ones' mirror images).
    """
    fibres = FibreSet(model.muscles.paths, surfaces)
    poses = design_poses()
    sweep = PoseSweep(model, clearance, poses, "right", clearance.bounds("pelvis_right"))
    aim = TOLERANCE_MM - DESIGN_MARGIN_MM
    designed, records = {}, []
    for fibre, path in zip(fibres.fibres, fibres.paths, strict=True):
        if path.side != "right" or fibre.central:
            continue
        before = float(sweep.depth(path).max())
        if before <= aim:
            continue
        guide = fibres.compartments[fibre.compartment]
        designer = _FibreDesigner(model, sweep, path, guide)
        choice, s = designer.search(clearance)
        trial = designer.trial(choice)
        designed[fibre.key] = trial
        records.append(
            {
                "fibre": fibre.key,
                "action": _describe(path.wraps[0], trial.wraps[0], choice[4]),
                "design_poses": len(poses),
                "estimated_deepest_contact_mm": {"interpolated": round(before, 2), "own": s[3]},
                "actions_lost": s[0],
                "neutral_length_change_mm": round(
                    float(MuscleSet((trial,)).rest_lengths[0] - designer.rest), 2
                ),
            }
        )
        log.info("%s: %.2f -> %s (%s)", fibre.key, before, s, records[-1]["action"])
    return designed, records


def _describe(before, after, through: bool) -> str:
    moved = np.linalg.norm(after.centre - before.centre)
    return (
        f"its own {'sphere over the ilium beside its origin' if through else 'sphere'}: "
        f"centre moved {moved:.1f} mm, radius {before.radius:.1f} -> {after.radius:.1f} mm"
    )


def add_fibre_wraps(json_path, mesh_dir) -> list[dict]:
    """Design the fibres' own wraps for the paths in ``json_path`` (:func:`design_fibres`)
    and write them into it: ``fibre_wraps`` of each entry, the right ones designed, the
    left their mirror images; one provenance record per fibre given its own."""
    from hipviz.build.build_muscles import mirror_entry

    json_path = Path(json_path)
    model = load_model(mesh_dir, json_path)
    paths = tuple(replace(p, fibre_wraps=()) for p in model.muscles.paths)
    model = HipModel(model.anatomy, MuscleSet(paths))
    designed, records = design_fibres(
        model, Clearance(load_bones(mesh_dir)), bone_surfaces(mesh_dir)
    )
    hip = model.anatomy.hip_centre["right"]
    data = json.loads(json_path.read_text())
    right = {}
    for entry, path in zip(data["muscles"], _in_file_order(data, paths), strict=True):
        if entry["side"] != "right":
            continue
        entry["fibre_wraps"] = [
            {"fibre": int(key.rsplit(".", 1)[1]), **wrap_entry(fibre, fibre.wraps[0], hip)}
            for key, fibre in sorted(designed.items())
            if key.rsplit(".", 1)[0] == path.key
        ]
        right[entry["muscle"]] = entry
    data["muscles"] = [
        e if e["side"] == "right" else mirror_entry(right[e["muscle"]]) for e in data["muscles"]
    ]
    data["provenance"]["fibre_adjustments"] = records
    data["provenance"]["method"] += " " + " ".join(__doc__.split()).split(" The chosen")[0]
    json_path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    return records


def _in_file_order(data: dict, paths: tuple[MusclePath, ...]) -> list[MusclePath]:
    by_key = {(p.side, p.muscle): p for p in paths}
    return [by_key[e["side"], e["muscle"]] for e in data["muscles"]]
