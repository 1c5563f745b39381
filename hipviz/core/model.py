"""The hip model: pose in, bone transforms, muscle lengths and moment arms out.

:class:`HipModel` holds the current pose, notifies subscribers when it changes (the
GUI, the renderer), and evaluates one pose or many at once. Pure numpy, no Qt: scripts
drive it exactly as the window does.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from hipviz.core import kinematics as kin
from hipviz.core.contact import ContactCheck, FemurPair
from hipviz.core.fibres import FibreSet
from hipviz.core.muscles import MusclePath, MuscleSet, load_muscles
from hipviz.core.pose import (
    ANGLE_KEYS,
    GT_KEYS,
    MODES,
    RANGES,
    SIDES,
    Pose,
    PoseError,
    SidePose,
    check_one_mode,
)

log = logging.getLogger(__name__)

#: finite-difference step for moment arms, rad (central differences, error ~1e-9 mm)
ANGLE_STEP_RAD = 1e-5
#: halvings of the adduction when the femurs touch (2**-10 of 30 deg: 0.03 deg)
CONTACT_STEPS = 10


class MomentArms(Mapping):
    """``action -> (n_paths,) float`` moment arms, mm, computed on first access.

    A slider step needs the lengths at once but the moment arms only when a panel shows
    them; they cost more than the rest of a solve (seven more poses), so they wait.
    Behaves as a read-only dict.
    """

    def __init__(self, compute: Callable[[], dict[str, np.ndarray]]):
        self._compute: Callable[[], dict[str, np.ndarray]] | None = compute
        self._values: dict[str, np.ndarray] = {}

    def _resolved(self) -> dict[str, np.ndarray]:
        if self._compute is not None:
            self._values, self._compute = self._compute(), None  # drop the closure's pose
        return self._values

    @property
    def computed(self) -> bool:
        """Whether the values have been computed yet."""
        return self._compute is None

    def __getitem__(self, action: str) -> np.ndarray:
        return self._resolved()[action]

    def __iter__(self) -> Iterator[str]:
        return iter(self._resolved())

    def __len__(self) -> int:
        return len(self._resolved())

    def __repr__(self) -> str:
        return f"MomentArms({self._resolved()!r})"

    def __reduce__(self):  # pickle and copy as the plain dict it stands for
        return (dict, (self._resolved(),))


class _Lengths:
    """What a set of lengths says: change against rest, and a path's numbers as a row."""

    lengths_mm: np.ndarray
    rest_lengths_mm: np.ndarray
    moment_arms_mm: Mapping[str, np.ndarray]

    @property
    def change_mm(self) -> np.ndarray:
        return self.lengths_mm - self.rest_lengths_mm

    @property
    def change_pct(self) -> np.ndarray:
        return 100.0 * self.change_mm / self.rest_lengths_mm

    def _numbers(self, i: int) -> dict:
        """Path ``i``'s lengths, change and moment arms, rounded to 0.001."""
        row = {
            "rest_length_mm": round(float(self.rest_lengths_mm[i]), 3),
            "length_mm": round(float(self.lengths_mm[i]), 3),
            "change_mm": round(float(self.change_mm[i]), 3),
            "change_pct": round(float(self.change_pct[i]), 3),
        }
        for action, values in self.moment_arms_mm.items():
            row[f"moment_arm_{action}_mm"] = round(float(values[i]), 3)
        return row


@dataclass(frozen=True)
class Solution(_Lengths):
    """Everything the model says about one pose.

    Attributes
    ----------
    requested : Pose
        The pose asked for.
    reached : Pose
        The pose actually reached, every side with both its GT displacement and its
        abduction and rotation angles (the GT differs from ``requested`` when a GT was
        out of reach).
    angles_deg : dict side -> (3,) float
        Hip flexion, abduction and internal rotation, degrees.
    reasons : dict side -> list of str
        Why a side's request was not met (empty when it was): a GT out of the joint's
        reach, or femurs that would pass through each other.
    transforms : dict body -> (4, 4) float
        Neutral frame -> room, for ``pelvis``, ``femur_right``, ``femur_left``.
    lengths_mm, rest_lengths_mm, change_mm, change_pct : (n_paths,) float
    moment_arms_mm : mapping action -> (n_paths,) float
        ``flexion``, ``abduction``, ``rotation`` (internal): -dL/d(angle in rad), mm.
        Computed when first read (:class:`MomentArms`); empty if not asked for.
    """

    requested: Pose
    reached: Pose
    angles_deg: dict[str, np.ndarray]
    reasons: dict[str, list[str]]
    transforms: dict[str, np.ndarray]
    keys: tuple[str, ...]
    lengths_mm: np.ndarray
    rest_lengths_mm: np.ndarray
    moment_arms_mm: Mapping[str, np.ndarray] = field(default_factory=dict)

    def rows(self) -> list[dict]:
        """One dict per path: muscle, side, lengths, change and moment arms."""
        rows = []
        for i, key in enumerate(self.keys):
            side, muscle = key.split(".")
            rows.append({"muscle": muscle, "side": side, **self._numbers(i)})
        return rows


@dataclass(frozen=True)
class FibreValues(_Lengths):
    """Every fibre's numbers for one pose (see :mod:`hipviz.core.fibres`).

    A compartment's numbers (:class:`Solution`) are those of its central fibre.

    Attributes
    ----------
    fibres : FibreSet
    lengths_mm, rest_lengths_mm, change_mm, change_pct : (n_fibres,) float
    moment_arms_mm : mapping action -> (n_fibres,) float
        As :attr:`Solution.moment_arms_mm`, computed when first read.
    """

    fibres: FibreSet
    lengths_mm: np.ndarray
    rest_lengths_mm: np.ndarray
    moment_arms_mm: Mapping[str, np.ndarray] = field(default_factory=dict)

    @property
    def keys(self) -> tuple[str, ...]:
        return self.fibres.keys

    def rows(self) -> list[dict]:
        """One dict per fibre: its compartment, its place in the fan and its numbers."""
        rows = []
        for i, fibre in enumerate(self.fibres.fibres):
            side, muscle, index = fibre.key.split(".")
            row = {
                "fibre": fibre.key,
                "muscle": muscle,
                "side": side,
                "index": int(index),
                "central": fibre.central,
                "fan_position": round(fibre.position, 3),
                **self._numbers(i),
            }
            rows.append(row)
        return rows


class HipModel:
    """Anatomy + muscles + the current pose, with change notification.

    Parameters
    ----------
    anatomy : kinematics.Anatomy
    muscles : MuscleSet
    contact : ContactCheck, optional
        Stops the femurs where they touch (:meth:`solve`); without it nothing stops them.
    fibres : callable, optional
        Called once, with the muscle paths, when the fibres are first needed
        (:attr:`fibres`), for their :class:`~hipviz.core.fibres.FibreSet` (its ends put on
        the bones, or kept from an earlier run); None: the fibres' ends are interpolated
        without the bones.
    """

    def __init__(
        self,
        anatomy: kin.Anatomy,
        muscles: MuscleSet,
        contact: ContactCheck | None = None,
        fibres: Callable[[tuple[MusclePath, ...]], FibreSet] | None = None,
    ):
        self.anatomy = anatomy
        self.muscles = muscles
        self.contact = contact
        self._make_fibres = fibres
        self._fibres: FibreSet | None = None
        self._fibre_values: tuple[Solution, FibreValues] | None = None  # the last asked for
        self._pose = Pose()
        self._solution: Solution | None = None
        self._subscribers: list[Callable[[Solution], None]] = []

    @classmethod
    def from_landmarks(
        cls,
        landmarks: Mapping[str, dict],
        muscles_path: Path | None = None,
        femurs: Callable[[], FemurPair] | None = None,
        fibres: Callable[[tuple[MusclePath, ...]], FibreSet] | None = None,
    ) -> HipModel:
        """The model of these landmarks (``landmarks.json``'s data) and muscle data file
        (default: the package's).

        ``femurs``: called once, when the thighs first come close, for the femur pair the
        contact check measures (:func:`hipviz.io.femur_contact.load_femur_pair`); None: no
        contact check. ``fibres``: see the class.
        """
        anatomy = kin.Anatomy.from_landmarks(landmarks)
        contact = None
        if femurs is not None:
            knees = {s: landmarks[s]["knee_centre"] for s in SIDES}
            contact = ContactCheck(anatomy.hip_centre, knees, femurs)
        muscles = MuscleSet(load_muscles(muscles_path, anatomy.hip_centre))
        return cls(anatomy, muscles, contact, fibres)

    def twin(self) -> HipModel:
        """A model of the same anatomy, muscles, contact check and fibre fans (built once,
        for both), with a pose of its own: a figure renderer's, so drawing a figure never
        moves the caller's sliders."""
        return HipModel(self.anatomy, self.muscles, self.contact, lambda _paths: self.fibres)

    # --- fibres ----------------------------------------------------------------------------
    @property
    def fibres(self) -> FibreSet:
        """Every compartment's fan of fibres (built on first use, then kept)."""
        if self._fibres is None:
            paths = self.muscles.paths
            make = self._make_fibres
            self._fibres = make(paths) if make is not None else FibreSet(paths)
            self._make_fibres = None
        return self._fibres

    def fibre_values(self, solution: Solution, moment_arms: bool = True) -> FibreValues:
        """Every fibre's lengths (and moment arms, computed when first read) in the pose of
        ``solution``."""
        cached = self._fibre_values
        if (
            cached is not None
            and cached[0] is solution
            and (isinstance(cached[1].moment_arms_mm, MomentArms) or not moment_arms)
        ):
            return cached[1]
        fibres = self.fibres
        lengths = fibres.lengths(solution.transforms)
        arms: Mapping[str, np.ndarray] = {}
        if moment_arms:
            pelvis, angles = solution.transforms["pelvis"], solution.angles_deg
            arms = MomentArms(lambda: self._moment_arms(pelvis, angles, fibres.muscles))
        values = FibreValues(fibres, lengths, fibres.rest_lengths, arms)
        self._fibre_values = (solution, values)
        return values

    # --- state -----------------------------------------------------------------------------
    @property
    def pose(self) -> Pose:
        return self._pose

    @property
    def solution(self) -> Solution:
        if self._solution is None:
            self._solution = self.solve(self._pose)
        return self._solution

    def subscribe(self, callback: Callable[[Solution], None]) -> None:
        """Call ``callback(solution)`` after every pose change."""
        self._subscribers.append(callback)

    def set_pose(self, pose: Pose) -> None:
        """Change the whole pose; an unchanged pose does nothing."""
        if pose == self._pose:
            return
        self._pose = pose
        self._solution = None
        solution = self.solution
        for callback in list(self._subscribers):
            callback(solution)

    def set(self, key: str, value: float) -> None:
        """Set one ``side.key`` (validated, see :mod:`hipviz.core.pose`)."""
        self.set_pose(self._pose.with_value(key, value))

    def set_mode(self, side: str, mode: str) -> None:
        """Drive one side by its GT position (``"gt"``) or its joint angles (``"angles"``).

        The new mode starts from where the femur is now (the current solution's reached
        GT or angles), so flipping the mode does not move it; only a GT beyond its
        allowed range (reachable by the angles, not by the GT controls) is brought
        back into range.
        """
        if mode not in MODES:
            raise PoseError(f"{side}: mode '{mode}' is not allowed; allowed: {', '.join(MODES)}")
        current = self._pose.side(side)
        if current.mode == mode:
            return
        got = self.solution.reached.side(side)
        if mode == "angles":
            new = replace(
                current,
                gt_superior_mm=0.0,
                gt_anterior_mm=0.0,
                hip_abduction_deg=_clip("hip_abduction_deg", got.hip_abduction_deg),
                hip_rotation_deg=_clip("hip_rotation_deg", got.hip_rotation_deg),
            )
        else:
            new = replace(
                current,
                hip_abduction_deg=None,
                hip_rotation_deg=None,
                gt_superior_mm=_clip("gt_superior_mm", got.gt_superior_mm),
                gt_anterior_mm=_clip("gt_anterior_mm", got.gt_anterior_mm),
            )
        self.set_pose(self._pose.with_side(side, new))

    def reset(self, side: str | None = None) -> None:
        """Neutral pose for one side, or both; each side stays driven as it was."""

        def neutral(s: str) -> SidePose:
            if self._pose.side(s).mode == "angles":
                return SidePose(hip_abduction_deg=0.0, hip_rotation_deg=0.0)
            return SidePose()

        self.set_pose(
            Pose(**{s: neutral(s) if side in (None, s) else self._pose.side(s) for s in SIDES})
        )

    # --- evaluation ------------------------------------------------------------------------
    def solve(self, pose: Pose, moment_arms: bool = True) -> Solution:
        """Bone transforms, lengths and moment arms for one pose.

        The moment arms are computed when first read (see :class:`MomentArms`);
        ``moment_arms=False`` leaves them empty.
        """
        a = self.anatomy
        pelvis = kin.pelvis_transform(
            a, pose.right.iliac_crest_superior_mm, pose.left.iliac_crest_superior_mm
        )
        transforms = {"pelvis": pelvis}
        angles, reasons, reached = {}, {}, {}
        solved = {}
        for side in SIDES:
            sp = pose.side(side)
            flex = math.radians(sp.hip_flexion_deg)
            if sp.mode == "angles":  # the angles drive: in range already (pose.RANGES)
                add, rot = -math.radians(sp.hip_abduction_deg), math.radians(sp.hip_rotation_deg)
                status = 0
            else:
                add, rot, status = kin.solve_gt(
                    a, side, pelvis, flex, sp.gt_superior_mm, sp.gt_anterior_mm
                )
                add, rot = float(add), float(rot)
            solved[side] = [flex, add, rot, int(status)]
            transforms[f"femur_{side}"] = kin.femur_transform(a, side, pelvis, flex, add, rot)
        self._stop_at_contact(pelvis, solved, transforms)
        for side in SIDES:
            sp = pose.side(side)
            flex, add, rot, status = solved[side]
            femur = transforms[f"femur_{side}"]
            angles[side] = np.degrees([flex, -add, rot])
            reasons[side] = kin.status_reasons(status)
            if sp.mode == "angles" or reasons[side]:  # report where the GT really went
                sup, ant = self._reached_gt(side, femur, flex)
            else:  # exact within round-off when nothing was clamped
                sup, ant = sp.gt_superior_mm, sp.gt_anterior_mm
            reached[side] = SidePose(
                gt_superior_mm=sup,
                gt_anterior_mm=ant,
                iliac_crest_superior_mm=sp.iliac_crest_superior_mm,
                hip_flexion_deg=sp.hip_flexion_deg,
                hip_abduction_deg=-math.degrees(add),
                hip_rotation_deg=math.degrees(rot),
            )
        lengths = self.muscles.lengths(transforms)
        arms = MomentArms(lambda: self._moment_arms(pelvis, angles)) if moment_arms else {}
        return Solution(
            pose,
            Pose(**reached),
            angles,
            reasons,
            transforms,
            self.muscles.keys,
            lengths,
            self.muscles.rest_lengths,
            arms,
        )

    def _stop_at_contact(self, pelvis: np.ndarray, solved: dict, transforms: dict) -> None:
        """Where the femurs would touch or cross, hold both hips' adduction back (by one
        common fraction, so a symmetric request stays symmetric) to where they are
        :data:`~hipviz.core.contact.CONTACT_MM` apart, and flag the sides held back.

        ``solved``: side -> [flexion, adduction, rotation (rad), status], updated in place
        with ``transforms``. Abduction never brings the thighs together, so only
        adduction is scaled; the gap is found by halving.
        """
        if self.contact is None or not self.contact.touching(
            transforms["femur_right"], transforms["femur_left"]
        ):
            return
        a = self.anatomy

        def femurs(scale: float) -> dict[str, np.ndarray]:
            out = {}
            for side in SIDES:
                flex, add, rot, _ = solved[side]
                held = add * scale if add > 0 else add
                out[side] = kin.femur_transform(a, side, pelvis, flex, held, rot)
            return out

        low, high = 0.0, 1.0  # low: apart (assumed; checked below), high: touching
        for _ in range(CONTACT_STEPS):
            mid = 0.5 * (low + high)
            f = femurs(mid)
            if self.contact.touching(f["right"], f["left"]):
                high = mid
            else:
                low = mid
        f = femurs(low)
        if low == 0.0 and self.contact.touching(f["right"], f["left"]):
            log.warning("the femurs touch even with no adduction; pose shown as asked")
            return
        for side in SIDES:
            if solved[side][1] > 0:
                solved[side][1] *= low
                solved[side][3] |= kin.FEMUR_CONTACT
            transforms[f"femur_{side}"] = f[side]

    def _reached_gt(self, side: str, femur: np.ndarray, flexion_rad: float) -> tuple[float, float]:
        """The GT's (superior, anterior) displacement from its neutral place, mm."""
        a = self.anatomy
        gt = kin.gt_position(a, side, femur)
        neutral = kin.neutral_gt(a, side, flexion_rad)
        if side == "left":
            neutral = kin.MIRROR @ neutral
        return float(gt[1] - neutral[1]), float(gt[0] - neutral[0])

    def _moment_arms(
        self,
        pelvis: np.ndarray,
        angles_deg: dict[str, np.ndarray],
        muscles: MuscleSet | None = None,
    ) -> dict:
        """-dL/d(angle) by central differences on a 7-pose batch (both sides at once), of
        ``muscles`` (default: the compartments)."""
        h = ANGLE_STEP_RAD
        steps = np.array(
            [[0, 0, 0], [h, 0, 0], [-h, 0, 0], [0, h, 0], [0, -h, 0], [0, 0, h], [0, 0, -h]]
        )
        transforms = {"pelvis": np.broadcast_to(pelvis, (7, 4, 4))}
        for side in SIDES:
            flex, abd, rot = np.radians(angles_deg[side])
            transforms[f"femur_{side}"] = kin.femur_transform(
                self.anatomy,
                side,
                pelvis,
                flex + steps[:, 0],
                -(abd + steps[:, 1]),
                rot + steps[:, 2],
            )
        lengths = (self.muscles if muscles is None else muscles).lengths(transforms)
        d = lambda i: -(lengths[2 * i + 1] - lengths[2 * i + 2]) / (2 * h)  # noqa: E731
        return {"flexion": d(0), "abduction": d(1), "rotation": d(2)}

    def sweep(self, values: dict[str, np.ndarray]) -> np.ndarray:
        """Lengths (n, n_paths) for many poses at once; ``values`` maps ``side.key`` -> (n,) arrays.

        Keys not given stay at the current pose's reached values. A side is driven by its
        angles when an angle key of it is given (or, with no GT or angle key of it given,
        when the current pose drives it by its angles), else by its GT position. No
        validation: for scripts and plots that generate their own in-range values. Femurs
        that would pass through each other stop where they touch, as in :meth:`solve`.
        """
        check_one_mode(values)
        base = self.solution.reached.as_dict()
        n = max(np.size(v) for v in values.values())
        v = {k: np.broadcast_to(np.asarray(values.get(k, base[k]), float), (n,)) for k in base}
        a = self.anatomy
        pelvis = kin.pelvis_transform(
            a, v["right.iliac_crest_superior_mm"], v["left.iliac_crest_superior_mm"]
        )
        transforms = {"pelvis": pelvis}
        solved = {}
        for side in SIDES:
            flex = np.radians(v[f"{side}.hip_flexion_deg"])
            given = {k.partition(".")[2] for k in values if k.startswith(f"{side}.")}
            if given & set(ANGLE_KEYS) or (
                not given & set(GT_KEYS) and self._pose.side(side).mode == "angles"
            ):
                add = -np.radians(v[f"{side}.hip_abduction_deg"])
                rot = np.radians(v[f"{side}.hip_rotation_deg"])
            else:
                add, rot, _ = kin.solve_gt(
                    a, side, pelvis, flex, v[f"{side}.gt_superior_mm"], v[f"{side}.gt_anterior_mm"]
                )
            solved[side] = np.broadcast_arrays(flex, add, rot)
            transforms[f"femur_{side}"] = kin.femur_transform(a, side, pelvis, flex, add, rot)
        if self.contact is not None:  # the few poses where the thighs come near: one by one
            near = self.contact.capsules_meet(transforms["femur_right"], transforms["femur_left"])
            for i in np.flatnonzero(near):
                one = {s: [float(x[i]) for x in solved[s]] + [0] for s in SIDES}
                placed = {k: transforms[k][i] for k in ("femur_right", "femur_left")}
                self._stop_at_contact(pelvis[i], one, placed)
                for k in placed:
                    transforms[k][i] = placed[k]
        return self.muscles.lengths(transforms)


def _clip(name: str, value: float) -> float:
    """``value`` within the allowed range of pose key ``name`` (round-off at a limit)."""
    low, high = RANGES[name][:2]
    return min(max(float(value), low), high)
