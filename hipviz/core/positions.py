"""Where to put the hip: the pose that lengthens (a stretch) or shortens (a positional
release) one muscle path most, within the hip's normal range of motion.

The search runs over hip flexion, abduction/adduction and rotation of one side, the other
side left as the model's pose has it. It is global over the box: every node of a coarse
grid is evaluated in one vectorised call, then the best few grid local optima are refined
together by a bounded pattern search (a 3 x 3 x 3 stencil that moves to its best node and
halves its step when the centre is best) down to :data:`TOLERANCE_DEG`. A denser grid
never beats the result (``tests/test_positions.py`` checks it).

Reachability: the lengths in the search are those of the pose as asked. The model stops
the thighs where they touch (:class:`~hipviz.core.contact.ContactCheck`); when the optimum
found is a pose the model holds back, the search is repeated on the reached poses
(:meth:`HipModel.sweep` stops each one where the femurs touch), slower but never reporting
a pose the hip cannot take. Pure numpy.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field

import numpy as np

from hipviz.core import kinematics as kin
from hipviz.core.model import HipModel, Solution
from hipviz.core.muscles import GROUPS, MUSCLES, MuscleSet
from hipviz.core.pose import RANGES, SIDES, Pose, SidePose

log = logging.getLogger(__name__)

#: the hip's normal range of motion, degrees, as the search's default box, in the pose's
#: convention (abduction +, internal rotation +). Normal values (AAOS: Greene & Heckman,
#: The Clinical Measurement of Joint Motion, 1994; Kendall et al., Muscles: Testing and
#: Function): flexion 0-120, abduction 45, adduction 30, internal and external rotation 45
#: each. The model's flexion stops at 90 (pose.RANGES), so the box does too.
NORMAL_ROM_DEG = {"flexion": (0.0, 120.0), "abduction": (-30.0, 45.0), "rotation": (-45.0, 45.0)}
ROM_SOURCE = (
    "normal hip range of motion (AAOS, Greene & Heckman 1994): flexion 0-120, abduction 45, "
    "adduction 30, internal and external rotation 45 deg; flexion held to the model's 0-90"
)
#: axis -> the pose key it drives
AXIS_KEYS = {
    "flexion": "hip_flexion_deg",
    "abduction": "hip_abduction_deg",
    "rotation": "hip_rotation_deg",
}
AXES = tuple(AXIS_KEYS)
#: the box the search may use: normal range of motion within what the model takes
DEFAULT_BOX = {
    a: (max(NORMAL_ROM_DEG[a][0], RANGES[k][0]), min(NORMAL_ROM_DEG[a][1], RANGES[k][1]))
    for a, k in AXIS_KEYS.items()
}
#: names a user may give in ``--within`` -> (axis, sign): adduction is negative abduction,
#: external rotation negative internal rotation
WITHIN_NAMES = {
    "flexion": ("flexion", 1.0),
    "abduction": ("abduction", 1.0),
    "adduction": ("abduction", -1.0),
    "rotation": ("rotation", 1.0),
    "internal_rotation": ("rotation", 1.0),
    "external_rotation": ("rotation", -1.0),
}
#: coarse grid nodes per axis (at most 7.5 deg apart over the default box)
GRID = (13, 11, 13)
#: how many grid local optima the refinement starts from
STARTS = 4
#: the refinement stops when its step is this small, degrees
TOLERANCE_DEG = 0.01
#: the pose found is given to this step, degrees (as typed into ``--set`` and the controls)
STEP_DEG = 0.1
#: refined starts this close (mm) found the same optimum
AGREE_MM = 0.01
GOALS = ("lengthen", "shorten")
PARTS = ("anterior", "middle", "posterior")


class PositionError(ValueError):
    """A muscle, part or range a user asked for is not allowed; the message says what is."""


@dataclass(frozen=True)
class Position:
    """The search's answer for one muscle path.

    Attributes
    ----------
    key : str
        ``side.muscle`` searched.
    goal : str
        ``lengthen`` or ``shorten``.
    angles_deg : dict axis -> float
        The pose found, as reached: flexion, abduction (+) / adduction (-), internal (+) /
        external (-) rotation.
    change_mm, change_pct, rest_length_mm : float
        The path's length change there against neutral.
    grid_change_mm : float
        The best node of the coarse grid: how much the refinement added.
    grid_nodes : int
    starts_agreeing : int
        Of the refinement's starts, how many ended within :data:`AGREE_MM` of the optimum.
    starts : int
    runner_up_mm : float or None
        How far (mm) the next best local optimum falls short of the optimum (None: every
        start found the optimum).
    box : dict axis -> (low, high)
    solution : Solution
        The model at the pose found (every muscle's length there).
    contact_limited : bool
        Whether the femurs touching bounded the search (it was redone on reached poses).
    elapsed_ms : float
    """

    key: str
    goal: str
    angles_deg: dict[str, float]
    change_mm: float
    change_pct: float
    rest_length_mm: float
    grid_change_mm: float
    grid_nodes: int
    starts_agreeing: int
    starts: int
    runner_up_mm: float | None
    box: dict[str, tuple[float, float]]
    solution: Solution = field(repr=False)
    contact_limited: bool = False
    elapsed_ms: float = 0.0

    @property
    def side(self) -> str:
        return self.key.split(".")[0]

    def pose(self) -> Pose:
        """The pose found, the searched side driven by its angles."""
        return self.solution.requested

    def others(self) -> list[dict]:
        """Every path of the searched side at the pose found (the searched one too)."""
        return [r for r in self.solution.rows() if r["side"] == self.side]


# --- the muscle and the box a user asks for -------------------------------------------------
def resolve_muscle(name: str, part: str | None = None) -> str:
    """The muscle path (a name of :data:`MUSCLES`) for a typed name and optional part.

    ``name`` may be a path (``gluteus_medius_posterior``) or a group (``gluteus_medius``,
    then ``part`` picks the compartment); spaces and hyphens count as underscores.
    """
    typed = re.sub(r"[\s\-]+", "_", name.strip().lower())
    allowed = f"allowed: {', '.join(MUSCLES)}, or a group ({', '.join(GROUPS)}) with --part"
    if part is not None:
        p = part.strip().lower()
        if p.startswith("fibre") or p.startswith("fiber"):
            raise PositionError(
                f"--part {part[:40]!r}: the muscle data has one path per compartment, not single "
                f"fibres; give --part {'|'.join(PARTS)}"
            )
        if p not in PARTS:
            raise PositionError(f"--part {part[:40]!r}: not a part; allowed: {', '.join(PARTS)}")
        if typed in GROUPS and len(GROUPS[typed]) > 1:
            return f"{typed}_{p}"
        if typed in MUSCLES and typed.endswith(f"_{p}"):
            return typed
        raise PositionError(
            f"--part {p}: '{typed[:40]}' has no parts; parts belong to "
            f"{', '.join(g for g, m in GROUPS.items() if len(m) > 1)}"
        )
    if typed in MUSCLES:
        return typed
    if typed in GROUPS:
        members = GROUPS[typed]
        if len(members) == 1:
            return members[0]
        raise PositionError(
            f"'{typed}' has {len(members)} compartments that move differently; give --part "
            f"{'|'.join(PARTS)} (or name one, e.g. {members[0]})"
        )
    raise PositionError(f"unknown muscle {name[:40]!r}; {allowed}")


def parse_within(text: str, box: dict[str, tuple[float, float]] | None = None) -> dict:
    """``"flexion 0..90, adduction 0..30, rotation -45..0"`` -> the narrowed box.

    Axes left out keep ``box``'s (default :data:`DEFAULT_BOX`) range; each range must lie
    inside it, else PositionError naming the allowed range.
    """
    box = dict(box or DEFAULT_BOX)
    seen = set()
    for item in filter(None, (s.strip() for s in text.split(","))):
        m = re.fullmatch(
            r"([a-z_ ]+?)\s+(-?\d+(?:\.\d+)?)\s*\.\.\s*(-?\d+(?:\.\d+)?)", item.lower()
        )
        if not m:
            raise PositionError(
                f"--within {item[:40]!r}: expected NAME LOW..HIGH, e.g. 'flexion 0..90'"
            )
        name, low, high = re.sub(r"\s+", "_", m[1]), float(m[2]), float(m[3])
        if name not in WITHIN_NAMES:
            raise PositionError(
                f"--within: unknown range '{name[:40]}'; allowed: {', '.join(WITHIN_NAMES)}"
            )
        axis, sign = WITHIN_NAMES[name]
        if axis in seen:
            raise PositionError(f"--within: {axis} is given twice")
        seen.add(axis)
        full = sorted(sign * v for v in DEFAULT_BOX[axis])
        if low > high:
            raise PositionError(f"--within {name} {low:g}..{high:g}: the low end comes first")
        if low < full[0] or high > full[1]:
            raise PositionError(
                f"--within {name} {low:g}..{high:g}: outside the allowed {full[0]:g}..{full[1]:g} "
                f"deg ({_meaning(name)}; the hip's normal range of motion"
                + (", held to the model's 0-90" if axis == "flexion" else "")
                + ")"
            )
        box[axis] = tuple(sorted((sign * low, sign * high)))
    return box


def _meaning(name: str) -> str:
    return {
        "flexion": "0 is standing",
        "abduction": "+ abduction, - adduction",
        "adduction": "+ adduction, - abduction",
        "rotation": "+ internal, - external",
        "internal_rotation": "+ internal, - external",
        "external_rotation": "+ external, - internal",
    }[name]


# --- the search ------------------------------------------------------------------------------
class _Lengths:
    """One path's length change (mm) for many (flexion, abduction, rotation) poses of its
    side, as asked (no contact stop): one vectorised call through the model's kinematics."""

    def __init__(self, model: HipModel, key: str, pose: Pose):
        side = key.split(".")[0]
        path = next(p for p in model.muscles.paths if p.key == key)
        self.one = MuscleSet((path,))
        self.side = side
        self.anatomy = model.anatomy
        self.pose = pose
        self.pelvis = kin.pelvis_transform(
            model.anatomy,
            pose.right.iliac_crest_superior_mm,
            pose.left.iliac_crest_superior_mm,
        )
        self.rest = float(self.one.rest_lengths[0])

    def __call__(self, angles: np.ndarray) -> np.ndarray:
        """(n, 3) degrees -> (n,) change, mm."""
        r = np.radians(np.atleast_2d(angles))
        femur = kin.femur_transform(
            self.anatomy, self.side, self.pelvis, r[:, 0], -r[:, 1], r[:, 2]
        )
        lengths = self.one.lengths({"pelvis": self.pelvis, f"femur_{self.side}": femur})
        return lengths[:, 0] - self.rest


class _Reachable:
    """Whether poses of one side are reachable: the femurs do not touch (the model would
    hold the adduction back). The cheap capsule test clears most poses at once; the rest
    are measured one by one (about a millisecond each), so callers ask only about poses
    that matter."""

    def __init__(self, model: HipModel, lengths: _Lengths):
        self.model, self.lengths = model, lengths
        other = next(s for s in SIDES if s != lengths.side)
        self.other = model.solve(lengths.pose, moment_arms=False).transforms[f"femur_{other}"]

    def _femurs(self, angles: np.ndarray) -> dict[str, np.ndarray]:
        r = np.radians(np.atleast_2d(angles))
        mine = kin.femur_transform(
            self.lengths.anatomy, self.lengths.side, self.lengths.pelvis, r[:, 0], -r[:, 1], r[:, 2]
        )
        other = np.broadcast_to(self.other, mine.shape)
        if self.lengths.side == "right":
            return {"right": mine, "left": other}
        return {"right": other, "left": mine}

    def near(self, angles: np.ndarray) -> np.ndarray:
        """(n,) bool: the femurs' capsules meet (the bones may touch), vectorised."""
        if self.model.contact is None:
            return np.zeros(len(np.atleast_2d(angles)), bool)
        f = self._femurs(angles)
        return self.model.contact.capsules_meet(f["right"], f["left"])

    def __call__(self, one: np.ndarray) -> bool:
        """Whether the pose (3,) degrees is reached as asked."""
        if self.model.contact is None or not self.near(one)[0]:
            return True
        f = self._femurs(one)
        return not self.model.contact.touching(f["right"][0], f["left"][0])


def grid(box: dict[str, tuple[float, float]], nodes=GRID) -> np.ndarray:
    """The grid's nodes over ``box``: (n_f, n_a, n_r, 3) degrees."""
    axes = [
        np.linspace(*box[a], n if box[a][1] > box[a][0] else 1)
        for a, n in zip(AXES, nodes, strict=True)
    ]
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)


def _grid_optima(values: np.ndarray, count: int) -> np.ndarray:
    """Flat indices of up to ``count`` best nodes that beat all their grid neighbours
    (``values`` is to be maximised), best first."""
    padded = np.pad(values, 1, constant_values=-np.inf)
    best = np.ones(values.shape, bool)
    core = tuple(slice(1, -1) for _ in range(3))
    for shift in np.ndindex(3, 3, 3):
        if shift == (1, 1, 1):
            continue
        view = tuple(slice(s, s + n) for s, n in zip(shift, values.shape, strict=True))
        best &= padded[core] >= padded[view]
    flat = np.flatnonzero(best.ravel())
    return flat[np.argsort(-values.ravel()[flat])][:count]


def _refine(f, starts: np.ndarray, step: np.ndarray, low: np.ndarray, high: np.ndarray):
    """Bounded pattern search from every start at once, maximising ``f``.

    Returns (points (k, 3), values (k,)).
    """
    stencil = np.array(list(np.ndindex(3, 3, 3)), float) - 1.0  # (27, 3), centre at 13
    x = starts.copy()
    h = np.broadcast_to(step, x.shape).copy()
    fx = f(x)
    for _ in range(400):
        if (h.max(axis=1) < TOLERANCE_DEG).all():
            break
        trial = np.clip(x[:, None, :] + stencil[None] * h[:, None, :], low, high)
        v = f(trial.reshape(-1, 3)).reshape(len(x), 27)
        i = v.argmax(axis=1)
        moved = v[np.arange(len(x)), i] > fx + 1e-12
        x = np.where(moved[:, None], trial[np.arange(len(x)), i], x)
        fx = np.where(moved, v[np.arange(len(x)), i], fx)
        h = np.where(moved[:, None], h, h / 2)
    return x, fx


def _search(f, box, sign: float) -> tuple[np.ndarray, float, float, int, np.ndarray]:
    """Grid + refinement of ``sign * f``: (angles, change_mm, grid best, nodes, every
    start's refined change_mm)."""
    nodes = grid(box)
    g = sign * f(nodes.reshape(-1, 3)).reshape(nodes.shape[:3])
    starts = nodes.reshape(-1, 3)[_grid_optima(g, STARTS)]
    low, high, spacing = _limits(box, nodes)
    x, fx = _refine(lambda a: sign * f(a), starts, spacing, low, high)
    best = int(fx.argmax())
    return x[best], sign * float(fx[best]), sign * float(g.max()), g.size, sign * fx


def _limits(box, nodes: np.ndarray):
    low = np.array([box[a][0] for a in AXES])
    high = np.array([box[a][1] for a in AXES])
    spacing = (high - low) / np.maximum(np.array(nodes.shape[:3]) - 1, 1)
    return low, high, spacing


def _search_reachable(f, reachable: _Reachable, box, sign: float):
    """As :func:`_search`, over the reachable poses only.

    A pose the model holds back reaches a pose with the same length, on the edge of the
    reachable set, so the optimum over what the model reaches is the optimum over the
    reachable poses. Only poses that would improve on the best so far are checked, best
    first: a handful of contact measurements instead of one per pose.
    """
    nodes = grid(box)
    flat = nodes.reshape(-1, 3)
    g = sign * f(flat)
    near = reachable.near(flat)
    ok = lambda i: not near[i] or reachable(flat[i])  # noqa: E731
    order = np.argsort(-g)
    first = next((int(i) for i in order if ok(i)), None)
    if first is None:
        raise PositionError("no pose in the range asked for is reachable (the thighs touch)")
    candidates = [first] + [
        int(i) for i in _grid_optima(g.reshape(nodes.shape[:3]), STARTS) if i != first and ok(i)
    ]
    starts = flat[candidates[:STARTS]]
    low, high, spacing = _limits(box, nodes)
    stencil = np.array(list(np.ndindex(3, 3, 3)), float) - 1.0
    ends, values = [], []
    for x in starts:
        fx, h = sign * float(f(x)[0]), spacing.copy()
        for _ in range(400):
            if h.max() < TOLERANCE_DEG:
                break
            trial = np.clip(x + stencil * h, low, high)
            v = sign * f(trial)
            better = [int(i) for i in np.argsort(-v) if v[i] > fx + 1e-12]
            move = next((i for i in better if reachable(trial[i])), None)
            if move is None:
                h = h / 2
            else:
                x, fx = trial[move], float(v[move])
        ends.append(x)
        values.append(fx)
    values = np.array(values)
    best = int(values.argmax())
    return ends[best], sign * values[best], sign * float(g[first]), g.size, sign * values


def find_position(
    model: HipModel,
    muscle: str,
    side: str = "right",
    goal: str = "lengthen",
    box: dict[str, tuple[float, float]] | None = None,
    start: Pose | None = None,
) -> Position:
    """The pose of ``side``'s hip in ``box`` that lengthens (or shortens) ``muscle`` most.

    Parameters
    ----------
    model : HipModel
        Its current pose gives the other side and both iliac crests (neutral for a fresh
        model).
    muscle : str
        A path name of :data:`~hipviz.core.muscles.MUSCLES` (see :func:`resolve_muscle`).
    side : str, default: "right"
    goal : str, default: "lengthen"
        ``lengthen`` (a stretch) or ``shorten`` (a positional release).
    box : dict axis -> (low, high), optional
        Degrees (see :func:`parse_within`); default :data:`DEFAULT_BOX`.
    start : Pose, optional
        The pose giving the other side and the crests instead of the model's (the
        classroom searches from each page's own pose; the model is left as it is).
    """
    started = time.perf_counter()
    if side not in SIDES:
        raise PositionError(f"side '{side}' is not allowed; allowed: {', '.join(SIDES)}")
    if goal not in GOALS:
        raise PositionError(f"goal '{goal}' is not allowed; allowed: {', '.join(GOALS)}")
    if muscle not in MUSCLES:
        raise PositionError(f"unknown muscle '{muscle}'; allowed: {', '.join(MUSCLES)}")
    box = dict(box or DEFAULT_BOX)
    key = f"{side}.{muscle}"
    sign = 1.0 if goal == "lengthen" else -1.0
    lengths = _Lengths(model, key, model.pose if start is None else start)
    reachable = _Reachable(model, lengths)
    found = _search(lengths, box, sign)
    limited = not reachable(found[0])
    if limited:  # the free optimum is a pose the thighs cannot take: search reachable ones
        log.info("%s: the femurs touch at the free optimum; searching reachable poses", key)
        found = _search_reachable(lengths, reachable, box, sign)
    angles, best, grid_best, nodes, ends = found
    solution = _snap(model, side, lengths, reachable, angles, box, sign)
    gaps = np.abs(ends - best)
    agree = int((gaps <= AGREE_MM).sum())
    others = gaps[gaps > AGREE_MM]
    reached = solution.reached.side(side)
    i = solution.keys.index(key)
    return Position(
        key=key,
        goal=goal,
        angles_deg={
            "flexion": float(reached.hip_flexion_deg),
            "abduction": float(reached.hip_abduction_deg),
            "rotation": float(reached.hip_rotation_deg),
        },
        change_mm=float(solution.change_mm[i]),
        change_pct=float(solution.change_pct[i]),
        rest_length_mm=float(solution.rest_lengths_mm[i]),
        grid_change_mm=grid_best,
        grid_nodes=nodes,
        starts_agreeing=agree,
        starts=len(ends),
        runner_up_mm=float(others.min()) if len(others) else None,
        box=box,
        solution=solution,
        contact_limited=limited,
        elapsed_ms=1e3 * (time.perf_counter() - started),
    )


def _snap(
    model, side, lengths: _Lengths, reachable: _Reachable, angles: np.ndarray, box, sign: float
) -> Solution:
    """The model at the optimum rounded to :data:`STEP_DEG` (what a user types back into
    ``--set`` and the controls), the best reachable of the rounded poses around it: near
    the femurs' contact a pose 0.03 deg away may be held back by several degrees."""
    low = np.array([box[a][0] for a in AXES])
    high = np.array([box[a][1] for a in AXES])
    stencil = np.array(list(np.ndindex(3, 3, 3)), float) - 1.0
    candidates = np.clip(np.round(angles / STEP_DEG) * STEP_DEG + STEP_DEG * stencil, low, high)
    candidates = np.unique(np.round(candidates, 6), axis=0)
    for i in np.argsort(-sign * lengths(candidates)):
        if reachable(candidates[i]):
            solution = _solve(model, side, candidates[i], lengths.pose)
            if not solution.reasons[side]:
                return solution
    return _solve(
        model, side, angles, lengths.pose
    )  # none reachable: say so (the reasons) at the optimum


def _solve(model: HipModel, side: str, angles: np.ndarray, pose: Pose) -> Solution:
    """The model at these angles of ``side`` (its crest kept), the other side as ``pose``
    has it."""
    current = pose.side(side)
    sp = SidePose(
        iliac_crest_superior_mm=current.iliac_crest_superior_mm,
        hip_flexion_deg=float(angles[0]),
        hip_abduction_deg=float(angles[1]),
        hip_rotation_deg=float(angles[2]),
    )
    return model.solve(pose.with_side(side, sp), moment_arms=False)
