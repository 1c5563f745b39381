"""Scene files: a teaching case as data (TOML, versioned), read strictly, written atomically.

A scene holds both sides' pose, the camera, what is shown and how, and a title and
caption. Nothing in a scene file is executed or unpickled, and it names no paths, so
opening one can only ever change what is on screen. Example::

    hipviz_scene = 1
    title = "GT superior"
    caption = "What to look for ..."

    [pose.right]
    gt_superior_mm = 10.0

    [pose.left]            # driven by its joint angles instead of the GT position
    hip_abduction_deg = 15.0
    hip_rotation_deg = -20.0

    [camera]
    view = "posterior"

    [display]
    muscles = ["right.piriformis", "left.piriformis"]   # or "all", or "default"
    colour_range_pct = 10.0
    bone_opacity = 1.0
    labels = true                 # landmark names
    muscle_labels = true          # muscle names pinned beside the muscles
    isolated = "right.piriformis" # one muscle drawn alone (the others faded) and named
    background = "slate"
    colour_by = "length"          # or a moment arm: "moment_arm_rotation", ...
    moment_arm_range_mm = 40.0

Every key is optional except ``hipviz_scene``; README.md ("Scene files") lists each key
with its allowed values. Reading is strict: an unknown key, a wrong type, a value out of
range or NaN is a :class:`SceneError` naming the file, the key (or the line, for a TOML
syntax error) and what is allowed.
"""

from __future__ import annotations

import logging
import math
import os
import stat
import sys
import unicodedata
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from hipviz.core.caption import SceneText, caption_for
from hipviz.core.muscles import HIDDEN_BY_DEFAULT, MUSCLES
from hipviz.core.pose import POSE_KEYS, RANGES, SIDES, Pose, PoseError, check_value
from hipviz.io.safe_save import SaveError, save_text
from hipviz.io.toml_limits import too_complex
from hipviz.io.trigger_points import BALL_CHOICES, DEFAULT_BALL_AT, trigger_point_ids
from hipviz.state import DisplayState

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
VIEWS = ("anterior", "posterior", "right", "left", "superior")
BACKGROUNDS = ("slate", "white", "black", "transparent")
COLOUR_MAPS = ("cool-warm",)
#: what the muscle colours show: the length change, or one moment arm at the pose
#: (hipviz.render.colours.COLOUR_SCALES says how each is drawn)
COLOUR_BY = ("length", "moment_arm_rotation", "moment_arm_abduction", "moment_arm_flexion")
ALL_PATHS = tuple(f"{s}.{m}" for s in SIDES for m in MUSCLES)
#: ``muscles = "default"``: every path but those hidden by default (gluteus maximus and
#: tensor fasciae latae, :data:`hipviz.core.muscles.HIDDEN_BY_DEFAULT`)
DEFAULT_PATHS = tuple(k for k in ALL_PATHS if k.split(".")[1] not in HIDDEN_BY_DEFAULT)
#: the words a scene may give instead of a list of paths
MUSCLE_SETS = {"all": ALL_PATHS, "default": DEFAULT_PATHS}
#: longest title and caption, characters (a title is one line on a figure)
TITLE_MAX = 200
CAPTION_MAX = 2000
#: limits of the display numbers: (low, high) as in the GUI
COLOUR_RANGE_PCT = (1.0, 50.0)
BONE_OPACITY = (0.05, 1.0)
MOMENT_ARM_RANGE_MM = (5.0, 100.0)
#: explicit camera coordinates must be within this many mm of the origin
CAMERA_LIMIT_MM = 1e5
#: largest scene file read, bytes (the teaching scenes are under 2 kB); refused unread
MAX_SCENE_BYTES = 1_000_000
#: line breaks a caption may hold (paragraphs); a title holds none
CAPTION_BREAKS = frozenset("\n\r\t")
#: Unicode categories no title or caption holds: control characters (NUL, U+0085 ...),
#: line and paragraph separators (U+2028, U+2029) and lone surrogates
_NOT_TEXT = frozenset(("Cc", "Zl", "Zp", "Cs"))


class SceneError(ValueError):
    """A scene file that cannot be used; the message names the file, the key and what is allowed."""


@dataclass(frozen=True)
class Camera:
    """A named view, or an explicit camera (mm, neutral frame)."""

    view: str = "anterior"
    position: tuple[float, float, float] | None = None
    focal_point: tuple[float, float, float] | None = None
    up: tuple[float, float, float] | None = None


@dataclass(frozen=True)
class Display:
    """How the scene is drawn."""

    muscles: tuple[str, ...] = DEFAULT_PATHS
    colour_map: str = "cool-warm"
    colour_range_pct: float = 10.0
    bone_opacity: float = 1.0
    labels: bool = False
    tubes: bool = True
    background: str = "slate"
    legend: bool = True
    attachments: bool = True
    colour_by: str = "length"
    moment_arm_range_mm: float = 40.0
    #: each shown muscle's name pinned beside it
    muscle_labels: bool = False
    #: the path drawn alone (the others faded) and named in large type; None: none
    isolated: str | None = None

    @property
    def colour_limit(self) -> float:
        """Half-width of the colour range in the coloured quantity's unit (% or mm)."""
        return self.colour_range_pct if self.colour_by == "length" else self.moment_arm_range_mm


@dataclass(frozen=True)
class Overlay:
    """Teaching overlays: trigger-point regions and the self-care ball."""

    trigger_points: bool = False
    labels: bool = False
    ball: str = "none"
    ball_at: str = DEFAULT_BALL_AT


@dataclass(frozen=True)
class Scene:
    """A whole teaching case."""

    title: str = ""
    caption: str = ""
    pose: Pose = field(default_factory=Pose)
    camera: Camera = field(default_factory=Camera)
    display: Display = field(default_factory=Display)
    overlay: Overlay = field(default_factory=Overlay)
    #: the pose the title and caption were written for, when the pose shown has since
    #: moved off it (a window's scene after a slider moved); ``None``: :attr:`pose`. Not
    #: saved in a file and not compared: it says how to draw the text, not what the scene is
    caption_pose: Pose | None = field(default=None, compare=False)

    def text(self) -> SceneText:
        """The title and caption every surface draws (:func:`hipviz.core.caption.caption_for`)."""
        written_for = self.caption_pose if self.caption_pose is not None else self.pose
        return caption_for(written_for, self.pose, self.title, self.caption)


# --- reading -------------------------------------------------------------------------------
def read_scene(path: Path | str) -> Scene:
    """Read and validate a scene file; :class:`SceneError` says exactly what is wrong.

    Only a regular file of at most :data:`MAX_SCENE_BYTES` is read (a fifo or a device
    would block or never end); a larger one is refused before any of it is parsed.
    """
    path = Path(path)
    try:
        # non-blocking: opening a fifo must not wait for a writer
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise SceneError(f"{path}: no such scene file") from None
    except OSError as exc:
        raise SceneError(f"{path}: cannot read scene file ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise SceneError(f"{path}: not a regular file; a scene file is a .toml text file")
            if st.st_size > MAX_SCENE_BYTES:
                raise SceneError(
                    f"{path}: is {st.st_size:,} bytes; a scene file is at most "
                    f"{MAX_SCENE_BYTES:,} bytes (the teaching scenes are under 2 kB)"
                )
            data = f.read(MAX_SCENE_BYTES + 1)
        text = data.decode("utf-8")
    except OSError as exc:
        raise SceneError(f"{path}: cannot read scene file ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise SceneError(
            f"{path}: cannot read scene file: not UTF-8 text (byte {exc.start}); save it as UTF-8"
        ) from None
    return parse_scene(text, str(path))


def parse_scene(text: str, source: str = "<scene>") -> Scene:
    """Validate scene TOML text (``source`` names it in messages)."""
    if not isinstance(text, str):
        raise SceneError(f"{source}: a scene is TOML text, got {type(text).__name__}")
    if len(text) > MAX_SCENE_BYTES:
        raise SceneError(
            f"{source}: is {len(text):,} characters; a scene file is at most "
            f"{MAX_SCENE_BYTES:,} bytes"
        )
    # the parser's time grows faster than the text for some shapes: count first
    if problem := too_complex(text):
        raise SceneError(f"{source}: not a scene file: it has {problem}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # its message ends "(at line L, column C)"
        raise SceneError(f"{source}: not valid TOML: {exc}") from None
    except (ValueError, RecursionError) as exc:  # a 5000-digit number, arrays nested 1000 deep
        raise SceneError(f"{source}: not a usable TOML file ({str(exc)[:80]})") from None
    check = _Checker(source)
    check.keys(
        data, "", {"hipviz_scene", "title", "caption", "pose", "camera", "display", "overlay"}
    )
    version = data.get("hipviz_scene")
    if type(version) is int and version > FORMAT_VERSION:
        raise SceneError(
            f"{source}: hipviz_scene: format {version} is newer than this hipviz "
            f"reads ({FORMAT_VERSION}); update hipviz"
        )
    if type(version) is not int or version != FORMAT_VERSION:
        raise SceneError(
            f"{source}: hipviz_scene: must be {FORMAT_VERSION} (the format version, "
            f"the first line of a scene file), got {_show(version)}"
        )
    title = check.string(data, "title", TITLE_MAX, one_line=True)
    caption = check.string(data, "caption", CAPTION_MAX)

    pose_table = check.table(data, "pose")
    check.keys(pose_table, "pose", set(SIDES))
    values = {}
    for side in SIDES:
        side_table = check.table(pose_table, side, prefix="pose")
        check.keys(side_table, f"pose.{side}", set(POSE_KEYS))
        for key, value in side_table.items():
            if type(value) is int and abs(value) > 1e6:  # float() of a huge int overflows
                low, high, unit, _ = RANGES[key]
                check.fail(
                    f"pose.{side}.{key}",
                    f"a huge number is out of range (allowed {low:g} to {high:g} {unit})",
                )
            try:
                values[f"{side}.{key}"] = check_value(f"{side}.{key}", value)
            except PoseError as exc:
                raise SceneError(f"{source}: pose.{_clip(str(exc))}") from None
    try:
        pose = Pose.from_dict(values)  # PoseError: a side given both a GT and an angle key
    except PoseError as exc:
        raise SceneError(f"{source}: pose.{_clip(str(exc))}") from None

    cam = check.table(data, "camera")
    check.keys(cam, "camera", {"view", "position", "focal_point", "up"})
    camera = Camera(
        view=check.choice(cam, "view", VIEWS, "anterior", prefix="camera"),
        position=check.vector(cam, "position", "camera"),
        focal_point=check.vector(cam, "focal_point", "camera"),
        up=check.vector(cam, "up", "camera"),
    )
    explicit = [camera.position, camera.focal_point, camera.up]
    if any(v is not None for v in explicit) and not all(v is not None for v in explicit):
        raise SceneError(f"{source}: camera: give all of position, focal_point and up, or none")

    disp = check.table(data, "display")
    names = {f.name for f in fields(Display)}
    check.keys(disp, "display", names)
    muscles = disp.get("muscles", "default")
    if isinstance(muscles, str) and muscles in MUSCLE_SETS:
        muscles = MUSCLE_SETS[muscles]
    elif isinstance(muscles, list) and all(isinstance(m, str) for m in muscles):
        unknown = [m for m in muscles if m not in ALL_PATHS]
        if unknown:
            raise SceneError(
                f"{source}: display.muscles: unknown path {_show(unknown[0])}; "
                f"allowed: 'all', 'default' or a list of SIDE.MUSCLE with SIDE in "
                f"{', '.join(SIDES)} and MUSCLE in {', '.join(MUSCLES)}"
            )
        muscles = tuple(m for m in ALL_PATHS if m in muscles)
    else:
        raise SceneError(
            f"{source}: display.muscles: must be 'all', 'default' or a list of path names "
            f'such as ["right.piriformis", "left.piriformis"]'
        )
    display = Display(
        muscles=muscles,
        colour_map=check.choice(disp, "colour_map", COLOUR_MAPS, "cool-warm", prefix="display"),
        colour_range_pct=check.number(disp, "colour_range_pct", *COLOUR_RANGE_PCT, 10.0, "display"),
        bone_opacity=check.number(disp, "bone_opacity", *BONE_OPACITY, 1.0, "display"),
        labels=check.boolean(disp, "labels", False, "display"),
        tubes=check.boolean(disp, "tubes", True, "display"),
        background=check.choice(disp, "background", BACKGROUNDS, "slate", prefix="display"),
        legend=check.boolean(disp, "legend", True, "display"),
        attachments=check.boolean(disp, "attachments", True, "display"),
        colour_by=check.choice(disp, "colour_by", COLOUR_BY, "length", prefix="display"),
        moment_arm_range_mm=check.number(
            disp, "moment_arm_range_mm", *MOMENT_ARM_RANGE_MM, 40.0, "display"
        ),
        muscle_labels=check.boolean(disp, "muscle_labels", False, "display"),
        isolated=(
            check.choice(disp, "isolated", ALL_PATHS, "", prefix="display")
            if "isolated" in disp
            else None
        ),
    )
    over = check.table(data, "overlay")
    check.keys(over, "overlay", {f.name for f in fields(Overlay)})
    overlay = Overlay(
        trigger_points=check.boolean(over, "trigger_points", False, "overlay"),
        labels=check.boolean(over, "labels", False, "overlay"),
        ball=check.choice(over, "ball", BALL_CHOICES, "none", prefix="overlay"),
        ball_at=check.choice(
            over, "ball_at", trigger_point_ids(), DEFAULT_BALL_AT, prefix="overlay"
        ),
    )
    return Scene(title, caption, pose, camera, display, overlay)


class _Checker:
    """Typed look-ups that raise SceneError naming file, key and what is allowed."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, key: str, message: str):
        raise SceneError(f"{self.source}: {key}: {message}")

    def keys(self, table: dict, where: str, allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                shown = key if key.isidentifier() and len(key) <= 60 else _show(key)
                name = f"{where}.{shown}" if where else shown
                self.fail(name, f"unknown key; allowed here: {', '.join(sorted(allowed))}")

    def table(self, data: dict, key: str, prefix: str = "") -> dict:
        value = data.get(key, {})
        if not isinstance(value, dict):
            self.fail(f"{prefix}.{key}" if prefix else key, "must be a table ([section])")
        return value

    def string(self, data: dict, key: str, limit: int, one_line: bool = False) -> str:
        value = data.get(key, "")
        if not isinstance(value, str):
            self.fail(key, f"must be a string in quotes, got {_show(value)}")
        if len(value) > limit:
            self.fail(key, f"is {len(value)} characters long; at most {limit} allowed")
        if one_line and ("\n" in value or "\r" in value):
            self.fail(key, "must be one line (no line breaks)")
        allowed = frozenset() if one_line else CAPTION_BREAKS
        for i, c in enumerate(value):
            # a NUL cuts a PDF title short; U+2028 and U+0085 break lines in some viewers
            if c not in allowed and unicodedata.category(c) in _NOT_TEXT:
                rule = (
                    "line breaks and tabs are allowed, other control characters and line "
                    "separators are not"
                    if allowed
                    else "one line of text, without control characters or line separators"
                )
                self.fail(key, f"character {i + 1} is U+{ord(c):04X} ({_char_name(c)}); {rule}")
        return value

    def number(
        self, data: dict, key: str, low: float, high: float, default: float, prefix: str
    ) -> float:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(
                f"{prefix}.{key}", f"must be a number from {low:g} to {high:g}, got {_show(value)}"
            )
        # compared as they are: a 310-digit integer has no float (math.isnan would overflow)
        if isinstance(value, float) and math.isnan(value):
            self.fail(f"{prefix}.{key}", f"nan is not allowed; a number from {low:g} to {high:g}")
        if not low <= value <= high:
            self.fail(
                f"{prefix}.{key}", f"{_show(value)} is out of range (allowed {low:g} to {high:g})"
            )
        return float(value)

    def boolean(self, data: dict, key: str, default: bool, prefix: str) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.fail(f"{prefix}.{key}", f"must be true or false, got {_show(value)}")
        return value

    def choice(
        self, data: dict, key: str, allowed: tuple[str, ...], default: str, prefix: str
    ) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or value not in allowed:
            self.fail(
                f"{prefix}.{key}", f"{_show(value)} is not allowed; allowed: {', '.join(allowed)}"
            )
        return value

    def vector(self, data: dict, key: str, prefix: str):
        value = data.get(key)
        if value is None:
            return None
        if (
            not isinstance(value, list)
            or len(value) != 3
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
            or not all(abs(v) < CAMERA_LIMIT_MM and math.isfinite(v) for v in value)
        ):
            self.fail(
                f"{prefix}.{key}",
                f"must be three finite numbers (mm, each within "
                f"{CAMERA_LIMIT_MM:g}), e.g. [0.0, 0.0, 900.0]; "
                f"got {_show(value)}",
            )
        return tuple(float(v) for v in value)


def _show(value: Any, limit: int = 60) -> str:
    """A value for an error message: TOML-like, and short even when the value is huge."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)) and abs(value) > 1e15:
        text = "a huge number"
    elif isinstance(value, str):
        text = repr(value)
    elif isinstance(value, dict):
        text = "a table"
    elif isinstance(value, list):
        text = "a list"
    elif value is None:
        text = "nothing"
    else:
        text = repr(value)
    return _clip(text, limit)


def _char_name(c: str) -> str:
    return unicodedata.name(c, "a control character").lower()


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- writing -------------------------------------------------------------------------------
def format_scene(scene: Scene) -> str:
    """TOML text for a scene; ``parse_scene(format_scene(s)) == s`` exactly."""
    lines = [
        f"hipviz_scene = {FORMAT_VERSION}",
        f"title = {_toml(scene.title)}",
        f"caption = {_toml(scene.caption)}",
    ]
    for side in SIDES:
        lines += ["", f"[pose.{side}]"]
        # only the keys that drive the side: the GT position or the angles
        lines += [f"{k} = {_toml(v)}" for k, v in scene.pose.side(side).items().items()]
    lines += ["", "[camera]"]
    lines += [f"{k} = {_toml(v)}" for k, v in asdict(scene.camera).items() if v is not None]
    lines += ["", "[display]"]
    for k, v in asdict(scene.display).items():
        if k == "muscles":
            v = next((word for word, paths in MUSCLE_SETS.items() if tuple(v) == paths), v)
        if v is None:  # TOML has no "nothing": a key left out is the default
            continue
        lines.append(f"{k} = {_toml(v)}")
    lines += ["", "[overlay]"]
    lines += [f"{k} = {_toml(v)}" for k, v in asdict(scene.overlay).items()]
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(float(value))
    if isinstance(value, str):
        escaped = (
            value.replace("\\", "\\\\")
            .replace('"', '\\"')
            .replace("\n", "\\n")
            .replace("\t", "\\t")
            .replace("\r", "\\r")
        )
        escaped = "".join(
            c if c.isprintable() else f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}"
            for c in escaped
        )
        return f'"{escaped}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(value)


def validate_scene(scene: Scene, source: str = "<scene>") -> Scene:
    """The scene as a file would give it back, or :class:`SceneError` if it breaks a file rule.

    A scene built in code (not read from a file) passes the same checks as a file before
    it is shown or saved, so what is saved can always be opened again.
    """
    try:
        text = format_scene(scene)
    except (TypeError, AttributeError, ValueError) as exc:
        raise SceneError(f"{source}: cannot be written as a scene ({exc})") from None
    return replace(parse_scene(text, source), caption_pose=scene.caption_pose)


def write_scene(scene: Scene, path: Path | str) -> None:
    """Write atomically: a temporary file in the same folder, then rename over the target.

    The scene is checked first (:func:`validate_scene`): a scene that could not be read
    back is not written. A symbolic link is written through, the replaced file keeps its
    permissions, and anything but a regular file is refused (:mod:`hipviz.io.safe_save`).
    If anything fails, the previous file (if any) is left exactly as it was and no
    temporary file remains.
    """
    path = Path(path)
    validate_scene(scene, str(path))
    try:
        real = save_text(path, format_scene(scene))
    except SaveError as exc:
        raise SceneError(str(exc)) from None
    log.info("wrote scene %s", real)


# --- the display state ---------------------------------------------------------------------
def state_values(scene: Scene) -> dict[str, Any]:
    """A scene's display, camera, title, caption and overlay as
    :class:`~hipviz.state.DisplayState` values (for :meth:`~hipviz.state.DisplayState.restore`).

    The highlight is not part of a scene, so it is not among them.
    """
    camera, display, overlay = scene.camera, scene.display, scene.overlay
    explicit = camera.position is not None
    return {
        "title": scene.title,
        "caption": scene.caption,
        "view": camera.view,
        "camera": (camera.position, camera.focal_point, camera.up) if explicit else None,
        "muscles": display.muscles,
        "tubes": display.tubes,
        "attachments": display.attachments,
        "colour_map": display.colour_map,
        "colour_by": display.colour_by,
        "colour_range_pct": display.colour_range_pct,
        "moment_arm_range_mm": display.moment_arm_range_mm,
        "legend": display.legend,
        "bone_opacity": display.bone_opacity,
        "labels": display.labels,
        "muscle_labels": display.muscle_labels,
        "isolated": display.isolated,
        "background": display.background,
        "trigger_points": overlay.trigger_points,
        "trigger_point_labels": overlay.labels,
        "ball": overlay.ball,
        "ball_at": overlay.ball_at,
    }


def scene_of(
    state: DisplayState, pose: Pose | None = None, caption_pose: Pose | None = None
) -> Scene:
    """The scene a display state and a pose make (what a window saves); no Qt needed.

    ``caption_pose``: the pose the state's title and caption were written for, if not
    ``pose`` (see :attr:`Scene.caption_pose`).
    """
    s = state
    explicit = s.camera is not None
    return Scene(
        caption_pose=caption_pose,
        title=s.title,
        caption=s.caption,
        pose=pose if pose is not None else Pose(),
        camera=Camera(
            view=s.view,
            position=s.camera[0] if explicit else None,
            focal_point=s.camera[1] if explicit else None,
            up=s.camera[2] if explicit else None,
        ),
        display=Display(
            muscles=s.muscles,
            colour_map=s.colour_map,
            colour_range_pct=s.colour_range_pct,
            bone_opacity=s.bone_opacity,
            labels=s.labels,
            tubes=s.tubes,
            background=s.background,
            legend=s.legend,
            attachments=s.attachments,
            colour_by=s.colour_by,
            moment_arm_range_mm=s.moment_arm_range_mm,
            muscle_labels=s.muscle_labels,
            isolated=s.isolated,
        ),
        overlay=Overlay(
            trigger_points=s.trigger_points,
            labels=s.trigger_point_labels,
            ball=s.ball,
            ball_at=s.ball_at or DEFAULT_BALL_AT,
        ),
    )


def state_of(scene: Scene) -> DisplayState:
    """A new :class:`~hipviz.state.DisplayState` showing ``scene`` (its pose is the model's)."""
    return DisplayState(**state_values(scene))
