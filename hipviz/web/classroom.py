"""The classroom server's logic, without the web framework: scenes, messages, the lead.

Every browser keeps its own pose and sends it with each slider move; :class:`Classroom`
checks the message, solves the pose and returns what the browser shows. Nothing a
browser sends is trusted: a message that is not exactly a pose within range, or a scene
number that is not served, is refused with a :class:`MessageError` (logged, and answered
with the reason) and changes nothing for anyone. The instructor (a page opened with the
run's random token, or the desktop app posting with it) sets the *lead*: the pose, scene
and view that students' pages in follow mode copy. Pure Python and numpy, so the tests
and the load benchmark drive it directly.
"""

from __future__ import annotations

import functools
import hmac
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from hipviz.core.caption import caption_for
from hipviz.core.explain import gt_move_text
from hipviz.core.fibres import radius_scale
from hipviz.core.kinematics import Anatomy
from hipviz.core.model import HipModel, Solution
from hipviz.core.muscles import MUSCLES
from hipviz.core.pose import RANGES, SIDES, Pose, PoseError
from hipviz.core.positions import GOALS, find_position
from hipviz.io.scene import Scene, state_of
from hipviz.names import CONTROL_LABELS, side_label
from hipviz.position_move import PositionMove
from hipviz.render.colours import COLOUR_SCALES
from hipviz.render.muscle_labels import label_specs
from hipviz.render.views import VIEWS, camera_position
from hipviz.state import DisplayState
from hipviz.web.payload import bone_matrices, fan_lines, line_widths, table_rows
from hipviz.web.wire import shown

log = logging.getLogger(__name__)

#: the controls a browser has, per side (GT mode: what a therapist palpates)
CONTROL_NAMES = ("gt_superior_mm", "gt_anterior_mm", "iliac_crest_superior_mm", "hip_flexion_deg")
CONTROL_KEYS = tuple(f"{side}.{name}" for side in SIDES for name in CONTROL_NAMES)
#: a message longer than this (characters of its text form) is refused unread
MAX_MESSAGE_CHARS = 2000
#: answers kept for the poses asked for most recently (about 35 kB each, 65 kB with the
#: whole fans: 9-17 MB at most, so memory stays flat however many poses pages ask for)
POSES_KEPT = 256


class MessageError(ValueError):
    """A browser's message is not one the server accepts; the text says what is."""


def controls_of(pose: Pose) -> dict[str, float]:
    """The browser's slider values for a pose: every control key, GT mode."""
    return {key: float(pose.get(key) or 0.0) for key in CONTROL_KEYS}


def check_pose_message(message) -> Pose:
    """The pose a browser sent, or MessageError saying what is allowed.

    A pose message is a flat object ``{"right.gt_superior_mm": 4.5, ...}`` holding only
    :data:`CONTROL_KEYS`, each a finite number within its range (missing keys are 0).
    """
    if not isinstance(message, dict):
        raise MessageError(
            f"a pose must be an object of {', '.join(CONTROL_KEYS)}; got {type(message).__name__}"
        )
    if len(repr(message)) > MAX_MESSAGE_CHARS:
        raise MessageError(f"pose message longer than {MAX_MESSAGE_CHARS} characters")
    unknown = [shown(k, 40) for k in message if k not in CONTROL_KEYS]
    if unknown:
        raise MessageError(
            f"unknown pose key {', '.join(unknown)}; allowed: {', '.join(CONTROL_KEYS)}"
        )
    for key, value in message.items():  # an int too large for a float: out of range too
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
            raise MessageError(f"{key}: a {value.bit_length()}-bit number is out of range")
    try:
        return Pose.from_dict(message)
    except PoseError as exc:
        raise MessageError(str(exc)) from None


def check_fans(fans) -> bool:
    """Whether a page asks for the whole fans (True) or the central fibres (False); nothing
    else is taken (MessageError)."""
    if not isinstance(fans, bool):
        raise MessageError(f"fans must be true or false; got {shown(fans, 40)}")
    return fans


@dataclass(frozen=True)
class ServedScene:
    """A scene file the server offers, with its number in the list."""

    index: int
    name: str
    scene: Scene
    #: the scene's pose as a page's sliders hold it (GT mode, the pose reached): what a
    #: page's pose is compared with to know whether the caption still applies
    page_pose: Pose | None = None

    @cached_property
    def state(self) -> DisplayState:
        """What the scene shows (the display state every surface draws from); its pose is
        the scene's own."""
        return state_of(self.scene)

    def summary(self, pose: Pose | None = None) -> dict:
        """Index, name, title and caption for a page showing ``pose`` (the scene's own
        when not given): off the scene's pose, a pose summary instead of the scene's text
        (:func:`~hipviz.core.caption.caption_for`), with ``modified`` true."""
        title = self.state.title or self.name
        text = caption_for(
            self.page_pose if pose is not None else None,
            pose if pose is not None else Pose(),
            title,
            self.state.caption,
        )
        return {
            "index": self.index,
            "name": self.name,
            "title": text.title,
            "caption": text.caption,
            "modified": text.modified,
        }


class Classroom:
    """Scenes, the model and the lead, shared by every browser of one server.

    Parameters
    ----------
    model : HipModel
        Solves poses (its own current pose is not used: each browser has its own).
    scenes : list of (name, Scene)
        What the browsers may open, in menu order.
    token : str, optional
        The instructor token; a fresh random one when not given.
    """

    def __init__(
        self,
        model: HipModel,
        scenes: list[tuple[str, Scene]] | None = None,
        token: str | None = None,
    ):
        self.model = model
        if not scenes:
            scenes = [
                (
                    "neutral",
                    Scene(
                        title="Neutral",
                        caption="Both hips in anatomical "
                        "position: every muscle at its neutral length.",
                    ),
                )
            ]
        self.scenes = [
            ServedScene(i, name, scene, _page_pose(model, scene))
            for i, (name, scene) in enumerate(scenes)
        ]
        self.token = token or secrets.token_urlsafe(16)
        self.lead: dict | None = None
        self.updates = 0
        self.solved = 0  # updates not answered from the kept ones
        self._kept: OrderedDict[tuple, dict] = OrderedDict()  # (scene, pose) -> update
        self.solve_seconds: list[float] = []  # server time per update, for the benchmark
        # what a GT move means depends on the side and flexion only (a slider's steps):
        # worked out once each, not on every update of every page
        self._gt_meaning = functools.lru_cache(maxsize=2048)(
            functools.partial(gt_move_text, model.anatomy)
        )
        # the fans now (their ends put on the bones, or read back), not on the first answer
        fibres = model.fibres
        self._central = np.asarray(fibres.central, dtype=int)
        #: each width class's line width, pixels (thickest first), and each fibre's class
        self.line_widths, self._width_class = line_widths(radius_scale(fibres))
        # the contact fields now, not on the first student's drag into contact
        if getattr(model, "contact", None) is not None:
            for field in model.contact.pair.fields.values():
                field.cell_least  # noqa: B018

    # -- what a browser asks -------------------------------------------------------------
    def solve(self, message, scene=0, fans=True) -> dict:
        """The update for one browser's pose message, coloured as served scene ``scene``
        colours its muscles (MessageError if either is refused).

        ``fans``: True for every fibre of each compartment's fan, False for each
        compartment's central fibre only (the lighter drawing a page asks for while it
        drags, as the desktop draws while dragging; the numbers are the same).

        A pose a page asked for recently, in the same scene, is answered from
        :data:`POSES_KEPT` kept answers instead of solved again: a class doing what the
        instructor says sends the same poses, and thirty pages cost one solve. The answer
        depends on nothing else (not on the page, the lead or the time).
        """
        pose = check_pose_message(message)
        served = self.scene(scene)
        fans = check_fans(fans)
        start = time.perf_counter()
        key = (served.index, pose, fans)
        update = self._kept.get(key)
        if update is None:
            update = self.update_for(self.model.solve(pose), served.state, fans)
            # the page's title and caption for this pose: the scene's only on the scene's pose
            update["scene"] = served.summary(pose)
            self._kept[key] = update
            if len(self._kept) > POSES_KEPT:
                self._kept.popitem(last=False)  # the least recently asked for
            self.solved += 1
        else:
            self._kept.move_to_end(key)
        self.solve_seconds.append(time.perf_counter() - start)
        self.updates += 1
        del self.solve_seconds[:-1000]
        return dict(update)  # the caller's own top level; the values are only read

    def update_for(self, solution: Solution, state: DisplayState, fans: bool = True) -> dict:
        """What a browser shows for a solution: bone matrices, the muscles ``state`` shows
        in its colouring (every fibre of their fans, or with ``fans`` False each
        compartment's central fibre), table, status.

        The table, the labels and a central fibre's colour are the compartment's own
        numbers (its central fibre is its path)."""
        action = COLOUR_SCALES[state.colour_by].action
        shown = np.array([key in state.muscles for key in solution.keys])
        polylines = self.model.muscles.polylines(solution.transforms)
        if fans:
            fibres = self.model.fibres
            lines = fibres.polylines(solution.transforms)
            # each fibre's own length change or moment arm (moment arms only when coloured
            # by one: they cost a few more poses)
            each = self.model.fibre_values(solution, moment_arms=action is not None)
            values = each.change_pct if action is None else each.moment_arms_mm[action]
            owner, width = fibres.owner, self._width_class
        else:
            lines = polylines
            values = solution.change_pct if action is None else solution.moment_arms_mm[action]
            owner, width = np.arange(len(polylines)), self._width_class[self._central]
        return {
            "controls": controls_of(solution.reached),
            "matrices": bone_matrices(solution),
            "muscles": fan_lines(
                lines,
                values,
                shown[owner],
                owner,
                width,
                state.colour_by,
                state.colour_limit,
                fans,
            ),
            "rows": table_rows(solution),
            "status": status_text(solution, meaning=self._gt_meaning),
            # the page lays its muscle labels out itself: texts (the server's own words)
            # and anchors, and which compartment each drawn line is (for a click to isolate
            # one): the keys of the lines' ``owner``
            "labels": label_specs(solution.keys, polylines, shown),
            "keys": [key for key, on in zip(solution.keys, shown, strict=True) if on],
        }

    def position(self, muscle, side, goal, message, scene=0) -> dict:
        """A muscle's stretch (``goal="lengthen"``) or release (``"shorten"``) position,
        searched from the page's pose ``message``: the update for the pose found, plus
        ``position`` (the pose in words, the change, a caption line). Every argument is
        checked against a fixed list (MessageError naming what is allowed)."""
        for what, value, allowed in (
            ("muscle", muscle, tuple(MUSCLES)),
            ("side", side, SIDES),
            ("goal", goal, GOALS),
        ):
            if not isinstance(value, str) or value not in allowed:
                raise MessageError(
                    f"{what} must be one of {', '.join(allowed)}; got {shown(value, 40)}"
                )
        pose = check_pose_message(message)
        served = self.scene(scene)
        key = f"{side}.{muscle}"
        found = find_position(self.model, muscle, side=side, goal=goal, start=pose)
        before = self.model.solve(pose, moment_arms=False)
        move = PositionMove(found, pose, float(before.change_mm[before.keys.index(key)]))
        update = self.update_for(self.model.solve(move.target), served.state)
        update["scene"] = served.summary(move.target)
        update["position"] = {
            "key": key,
            "goal": goal,
            "words": move.words,
            "caption": move.caption(),
            "change_mm": round(found.change_mm, 3),
            "change_pct": round(found.change_pct, 3),
            "angles_deg": {a: round(v, 3) for a, v in found.angles_deg.items()},
        }
        return update

    def open_scene(self, index) -> dict:
        """A served scene's pose, view and update (MessageError for anything else)."""
        served = self.scene(index)
        update = self.update_for(self.model.solve(served.scene.pose), served.state)
        return {
            **update,
            "scene": served.summary(),
            "view": served.state.view,
            "muscle_labels": served.state.muscle_labels,
        }

    def scene(self, index) -> ServedScene:
        if (
            isinstance(index, bool)
            or not isinstance(index, int)
            or not 0 <= index < len(self.scenes)
        ):
            raise MessageError(
                f"scene must be a number 0 to {len(self.scenes) - 1} "
                f"(one of the served scenes); got {shown(index, 40)}"
            )
        return self.scenes[index]

    def stats(self) -> dict:
        """Server time per update over the last 1000 updates, ms (for the load benchmark)."""
        times = np.array(self.solve_seconds) * 1000.0
        if not len(times):
            return {"updates": 0}
        return {
            "updates": self.updates,
            "solved": self.solved,
            "solve_ms_median": float(np.median(times)),
            "solve_ms_p95": float(np.percentile(times, 95)),
        }

    # -- the instructor ------------------------------------------------------------------
    def check_token(self, token) -> None:
        """MessageError unless ``token`` is the run's token (compared in constant time, as
        bytes: any text a page sends, non-ASCII included, is just a wrong token)."""
        given = token.encode("utf-8", "surrogatepass") if isinstance(token, str) else b""
        if not hmac.compare_digest(given, self.token.encode("utf-8")):
            raise MessageError("not the instructor: the token is wrong")

    def set_lead(self, token, message, scene=None, view=None, fans=True) -> dict:
        """The instructor's pose (and scene, view) for followers; MessageError if refused.

        Without a scene the lead keeps the one it had (the first at the start). ``fans``
        as for :meth:`solve`: the instructor's page leads with the lighter drawing while it
        drags and with the whole fans once the pose settles, so followers get both as the
        instructor sees them."""
        self.check_token(token)
        if scene is None:
            scene = (self.lead or {}).get("scene", {}).get("index", 0)
        update = self.solve(message, scene, fans)
        lead = {
            **update,
            "seq": (self.lead or {}).get("seq", 0) + 1,
            "scene": self.scene(scene).summary(check_pose_message(message)),
        }
        if view is not None:
            if not isinstance(view, str) or view not in VIEWS:
                raise MessageError(f"view must be one of {', '.join(VIEWS)}; got {shown(view, 40)}")
            lead["view"] = view
        elif self.lead is not None and "view" in self.lead:
            lead["view"] = self.lead["view"]
        self.lead = lead
        return lead


def _page_pose(model: HipModel, scene: Scene) -> Pose | None:
    """A scene's pose as a page's sliders get it when the scene opens (see
    :meth:`Classroom.open_scene`), or None if it has no such form."""
    try:
        return Pose.from_dict(controls_of(model.solve(scene.pose, moment_arms=False).reached))
    except PoseError:
        log.warning(
            "scene %r: its pose has no slider form; its caption is always shown", scene.title
        )
        return None


def status_text(
    solution: Solution, anatomy: Anatomy | None = None, meaning: Callable | None = None
) -> str:
    """One line on the pose reached: each side's angles, why a request was not met, and
    (given the anatomy) what a GT move means at that side's flexion (``meaning(side,
    flexion_deg)``: :func:`~hipviz.core.explain.gt_move_text` for that anatomy, by default)."""
    if meaning is None and anatomy is not None:
        meaning = functools.partial(gt_move_text, anatomy)
    parts = []
    for side in SIDES:
        flexion, abduction, rotation = solution.angles_deg[side]
        text = (
            f"{side_label(side)} hip: flexion {flexion:.0f}°, "
            f"{'abduction' if abduction >= 0 else 'adduction'} {abs(abduction):.1f}°, "
            f"{'internal' if rotation >= 0 else 'external'} rotation {abs(rotation):.1f}°"
        )
        if solution.reasons.get(side):
            text += " (" + "; ".join(solution.reasons[side]) + ")"
        if meaning is not None:
            words = meaning(side, float(flexion))
            text += "; " + words[0].lower() + words[1:].rstrip(".")
        parts.append(text)
    return ". ".join(parts)


def cameras(aspect: float = 1.6) -> dict[str, dict]:
    """Each standard view as vtk.js camera settings."""
    out = {}
    for name in VIEWS:
        eye, focal, up = camera_position(name, aspect=aspect)
        out[name] = {
            "position": [float(v) for v in eye],
            "focalPoint": [float(v) for v in focal],
            "viewUp": [float(v) for v in up],
            "viewAngle": 30.0,
        }
    return out


def control_specs() -> list[dict]:
    """Slider settings for every control: key, label, range, step, unit."""
    labels = {name: label for name, (label, _tip) in CONTROL_LABELS.items()}
    specs = []
    for key in CONTROL_KEYS:
        side, name = key.split(".")
        low, high, unit, help_text = RANGES[name]
        specs.append(
            {
                "key": key,
                "side": side,
                "label": labels[name],
                "min": low,
                "max": high,
                "step": 0.5 if unit == "mm" else 1.0,
                "unit": unit,
                "help": help_text,
            }
        )
    return specs
