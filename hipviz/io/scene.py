"""Scene files: a teaching case as data (TOML, versioned), read strictly, written atomically.

A scene holds both sides' pose, the camera, what is shown and how, and a title and
caption. Nothing in a scene file is executed or unpickled, and it names no paths, so
opening one can only ever change what is on screen. Example::

    hipviz_scene = 1
    title = "GT superior"
    caption = "What to look for ..."

    [pose.right]
    gt_superior_mm = 10.0

    [camera]
    view = "posterior"

    [display]
    muscles = ["right.piriformis", "left.piriformis"]   # or "all"
    colour_range_pct = 10.0
    bone_opacity = 1.0
    labels = true
    background = "slate"
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from hipviz.core.muscles import MUSCLES
from hipviz.core.pose import POSE_KEYS, SIDES, Pose, PoseError, check_value

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

FORMAT_VERSION = 1
VIEWS = ("anterior", "posterior", "right", "left", "superior")
BACKGROUNDS = ("slate", "white", "black", "transparent")
COLOUR_MAPS = ("cool-warm",)
ALL_PATHS = tuple(f"{s}.{m}" for s in SIDES for m in MUSCLES)


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

    muscles: tuple[str, ...] = ALL_PATHS
    colour_map: str = "cool-warm"
    colour_range_pct: float = 10.0
    bone_opacity: float = 1.0
    labels: bool = False
    tubes: bool = True
    background: str = "slate"


@dataclass(frozen=True)
class Scene:
    """A whole teaching case."""

    title: str = ""
    caption: str = ""
    pose: Pose = field(default_factory=Pose)
    camera: Camera = field(default_factory=Camera)
    display: Display = field(default_factory=Display)


# --- reading -------------------------------------------------------------------------------
def read_scene(path: Path | str) -> Scene:
    """Read and validate a scene file; :class:`SceneError` says exactly what is wrong."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise SceneError(f"{path}: no such scene file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SceneError(f"{path}: cannot read scene file ({exc})") from None
    return parse_scene(text, str(path))


def parse_scene(text: str, source: str = "<scene>") -> Scene:
    """Validate scene TOML text (``source`` names it in messages)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SceneError(f"{source}: not valid TOML: {exc}") from None
    check = _Checker(source)
    check.keys(data, "", {"hipviz_scene", "title", "caption", "pose", "camera", "display"})
    version = data.get("hipviz_scene")
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise SceneError(f"{source}: key 'hipviz_scene' must be {FORMAT_VERSION} (the format version), "
                         f"got {version!r}")
    title = check.string(data, "title")
    caption = check.string(data, "caption")

    pose_table = check.table(data, "pose")
    check.keys(pose_table, "pose", set(SIDES))
    values = {}
    for side in SIDES:
        side_table = check.table(pose_table, side, prefix="pose")
        check.keys(side_table, f"pose.{side}", set(POSE_KEYS))
        for key, value in side_table.items():
            try:
                values[f"{side}.{key}"] = check_value(f"{side}.{key}", value)
            except PoseError as exc:
                raise SceneError(f"{source}: pose.{exc}") from None
    pose = Pose.from_dict(values)

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
    muscles = disp.get("muscles", "all")
    if muscles == "all":
        muscles = ALL_PATHS
    elif isinstance(muscles, list) and all(isinstance(m, str) for m in muscles):
        unknown = [m for m in muscles if m not in ALL_PATHS]
        if unknown:
            raise SceneError(f"{source}: display.muscles: unknown path '{unknown[0]}'; allowed: 'all' "
                             f"or a list of SIDE.MUSCLE with SIDE in {', '.join(SIDES)} and MUSCLE in "
                             f"{', '.join(MUSCLES)}")
        muscles = tuple(m for m in ALL_PATHS if m in muscles)
    else:
        raise SceneError(f"{source}: display.muscles must be 'all' or a list of path names")
    display = Display(
        muscles=muscles,
        colour_map=check.choice(disp, "colour_map", COLOUR_MAPS, "cool-warm", prefix="display"),
        colour_range_pct=check.number(disp, "colour_range_pct", 1.0, 50.0, 10.0, "display"),
        bone_opacity=check.number(disp, "bone_opacity", 0.05, 1.0, 1.0, "display"),
        labels=check.boolean(disp, "labels", False, "display"),
        tubes=check.boolean(disp, "tubes", True, "display"),
        background=check.choice(disp, "background", BACKGROUNDS, "slate", prefix="display"),
    )
    return Scene(title, caption, pose, camera, display)


class _Checker:
    """Typed look-ups that raise SceneError naming file, key and what is allowed."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, key: str, message: str):
        raise SceneError(f"{self.source}: {key}: {message}")

    def keys(self, table: dict, where: str, allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                name = f"{where}.{key}" if where else key
                self.fail(name, f"unknown key; allowed here: {', '.join(sorted(allowed))}")

    def table(self, data: dict, key: str, prefix: str = "") -> dict:
        value = data.get(key, {})
        if not isinstance(value, dict):
            self.fail(f"{prefix}.{key}" if prefix else key, "must be a table ([section])")
        return value

    def string(self, data: dict, key: str) -> str:
        value = data.get(key, "")
        if not isinstance(value, str):
            self.fail(key, "must be a string")
        if len(value) > 2000:
            self.fail(key, "is longer than 2000 characters")
        return value

    def number(self, data: dict, key: str, low: float, high: float, default: float, prefix: str) -> float:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(f"{prefix}.{key}", f"must be a number from {low:g} to {high:g}")
        if math.isnan(value) or not low <= value <= high:
            self.fail(f"{prefix}.{key}", f"{value} is out of range (allowed {low:g} to {high:g})")
        return float(value)

    def boolean(self, data: dict, key: str, default: bool, prefix: str) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.fail(f"{prefix}.{key}", "must be true or false")
        return value

    def choice(self, data: dict, key: str, allowed: tuple[str, ...], default: str, prefix: str) -> str:
        value = data.get(key, default)
        if value not in allowed:
            self.fail(f"{prefix}.{key}", f"'{value}' is not allowed; allowed: {', '.join(allowed)}")
        return value

    def vector(self, data: dict, key: str, prefix: str):
        value = data.get(key)
        if value is None:
            return None
        if (not isinstance(value, list) or len(value) != 3
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
                or not all(math.isfinite(v) and abs(v) < 1e5 for v in value)):
            self.fail(f"{prefix}.{key}", "must be three finite numbers (mm), e.g. [0.0, 0.0, 900.0]")
        return tuple(float(v) for v in value)


# --- writing -------------------------------------------------------------------------------
def format_scene(scene: Scene) -> str:
    """TOML text for a scene; ``parse_scene(format_scene(s)) == s`` exactly."""
    lines = [f"hipviz_scene = {FORMAT_VERSION}", f"title = {_toml(scene.title)}",
             f"caption = {_toml(scene.caption)}"]
    for side in SIDES:
        lines += ["", f"[pose.{side}]"]
        lines += [f"{k} = {_toml(v)}" for k, v in asdict(scene.pose.side(side)).items()]
    lines += ["", "[camera]"]
    lines += [f"{k} = {_toml(v)}" for k, v in asdict(scene.camera).items() if v is not None]
    lines += ["", "[display]"]
    for k, v in asdict(scene.display).items():
        if k == "muscles" and tuple(v) == ALL_PATHS:
            v = "all"
        lines.append(f"{k} = {_toml(v)}")
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(float(value))
    if isinstance(value, str):
        escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                   .replace("\t", "\\t").replace("\r", "\\r"))
        escaped = "".join(c if c.isprintable() or c in "\\" else f"\\u{ord(c):04x}" for c in escaped)
        return f'"{escaped}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(value)


def write_scene(scene: Scene, path: Path | str) -> None:
    """Write atomically: a temporary file in the same folder, then rename over the target.

    If anything fails, the previous file (if any) is left exactly as it was.
    """
    path = Path(path)
    text = format_scene(scene)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise SceneError(f"{path}: cannot write scene here ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise SceneError(f"{path}: cannot write scene ({exc.strerror or exc})") from None


def with_pose(scene: Scene, pose: Pose) -> Scene:
    return replace(scene, pose=pose)
