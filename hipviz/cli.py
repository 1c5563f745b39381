"""Command-line front end (argparse). Never imports the GUI unless the window is asked for.

The imports are inside the commands on purpose: each command loads only its own stack
(``hipviz report`` needs no VTK, ``hipviz render`` no Qt), and the window's start loads
the bones in a second process before Qt and VTK are imported.
"""

from __future__ import annotations

import argparse
import difflib
import logging
import os
import sys
from pathlib import Path

from hipviz import __version__

log = logging.getLogger(__name__)

EXIT_USAGE = 2


class UsageError(ValueError):
    """Bad user input (a key, value or file): printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose subcommands report their own mistakes.

    Plain argparse hands a subcommand's unknown options back to the top-level parser,
    which prints ``usage: hipviz [-h] ... COMMAND`` and suggests nothing; here the
    subcommand itself says it, with its own usage and the nearest option it knows.
    """

    def parse_known_args(self, args=None, namespace=None):
        if self.prog == "hipviz":  # the top level: its subcommand's options are not its own
            return super().parse_known_args(args, namespace)
        # before argparse's own checks, which would first say "-o is required" to someone
        # who typed --sise for --size
        args = list(args or [])
        options = args[: args.index("--")] if "--" in args else args
        unknown = [a for a in options if self._unknown_option(a)]
        if unknown:
            self.error(self.unrecognized(unknown))
        namespace, extras = super().parse_known_args(args, namespace)
        if extras:  # said here, with this subcommand's usage
            self.error(self.unrecognized(extras))
        return namespace, extras

    def _unknown_option(self, arg: str) -> bool:
        """True for ``--sise`` or ``--sise=1``: an option this parser does not know even
        as an abbreviation (``-15``, a negative number, is a value)."""
        if not arg.startswith("-") or arg == "--" or len(arg) < 2:
            return False
        try:
            float(arg)
            return False
        except ValueError:
            pass
        name = arg.split("=", 1)[0]
        known = self._option_string_actions
        if name in known or (not arg.startswith("--") and arg[:2] in known):  # -oFILE
            return False
        return not any(o.startswith(name) for o in known if o.startswith("--"))

    def unrecognized(self, extras: list[str]) -> str:
        """``unrecognized arguments: --sise 1600x1000 (did you mean --size?)``"""
        message = "unrecognized arguments: " + " ".join(_quoted(e)[1:-1] for e in extras)
        for extra in extras:
            if extra.startswith("-"):
                typed = extra.split("=", 1)[0]
                near = difflib.get_close_matches(typed, self._option_string_actions, n=1)
                if near:
                    return f"{message} (did you mean {near[0]}?)"
                break
        return message

    def error(self, message: str):
        if self.prog == "hipviz" and message.startswith("unrecognized arguments: "):
            message = self.unrecognized(message.split(": ", 1)[1].split())
        elif message.startswith("argument COMMAND: invalid choice: "):
            typed = message.split("'")[1] if message.count("'") >= 2 else ""
            near = difflib.get_close_matches(typed, self._subcommands(), n=1)
            if near:
                message = f"{message.split(' (')[0]} (did you mean {near[0]}?)"
        return super().error(message)

    def _subcommands(self) -> list[str]:
        return [
            name
            for action in self._actions
            if isinstance(action, argparse._SubParsersAction)
            for name in action.choices
        ]


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size '{text}' must look like 1600x1000") from None
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise argparse.ArgumentTypeError(f"size '{text}': width and height must be 16-8192 pixels")
    return w, h


def build_parser() -> argparse.ArgumentParser:
    from hipviz.render.views import DEFAULT_VIEW, VIEWS

    parser = _Parser(
        prog="hipviz",
        description="Interactive 3D hip anatomy: greater trochanter, iliac crest and muscle "
        "lengths.",
    )
    parser.add_argument("--version", action="version", version=f"hipviz {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("gui", help="open the interactive window (the default)")
    p.add_argument("scene", nargs="?", type=Path, help="scene file (TOML) to open")
    p.add_argument(
        "--screenshot",
        type=Path,
        default=None,
        metavar="FILE.png",
        help="draw the window once, save a picture of it and exit (checks an install)",
    )

    p = sub.add_parser(
        "render",
        help="render scenes as figures off-screen (no display needed)",
        description="Render one or more scene files (or the neutral pose) as PNG, SVG or PDF "
        "figures. One scene: OUT is the file. Several: OUT is a folder, and each "
        "figure is named after its scene file.",
    )
    p.add_argument("scenes", nargs="*", type=Path, metavar="SCENE.toml", help="scene files")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        metavar="OUT",
        help="figure file (one scene) or folder (several)",
    )
    p.add_argument("--size", type=_size, default=None, help="WxH pixels (default 1600x1000)")
    p.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="pixel density: the image has size x scale pixels (default 1)",
    )
    p.add_argument(
        "--format",
        choices=["png", "svg", "pdf"],
        default=None,
        help="figure format (default: from OUT's suffix, else png)",
    )
    p.add_argument(
        "--view",
        choices=list(VIEWS),
        default=None,
        help=f"camera view (default: the scene's, else {DEFAULT_VIEW})",
    )
    p.add_argument("--transparent", action="store_true", help="transparent background")
    _add_text_colour_arg(p)
    p.add_argument("--no-legend", action="store_true", help="leave out the colour legend")
    p.add_argument("--no-title", action="store_true", help="leave out the scene's title")
    p.add_argument("--no-caption", action="store_true", help="leave out the scene's caption")
    _add_pose_args(p)

    p = sub.add_parser(
        "animate",
        help="render a slider sweep as an animated GIF or MP4",
        description="Step one pose value from --from to --to and write the frames as .gif "
        "or .mp4 (the ffmpeg of the imageio-ffmpeg package; no system ffmpeg).",
    )
    p.add_argument(
        "scene",
        nargs="?",
        type=Path,
        metavar="SCENE.toml",
        help="scene to start from (default: neutral)",
    )
    p.add_argument(
        "--param",
        required=True,
        metavar="SIDE.KEY",
        help="pose value to sweep, e.g. right.gt_superior_mm",
    )
    p.add_argument("--from", dest="start", type=float, required=True, help="first value")
    p.add_argument("--to", dest="stop", type=float, required=True, help="last value")
    p.add_argument("-o", "--output", required=True, type=Path, help=".gif or .mp4 file")
    p.add_argument("--frames", type=int, default=31, help="frames from start to end (default 31)")
    p.add_argument("--fps", type=float, default=10.0, help="frames per second (default 10)")
    p.add_argument("--bounce", action="store_true", help="sweep there and back (loops smoothly)")
    p.add_argument("--size", type=_size, default=None, help="WxH pixels (default 960x540)")
    p.add_argument("--view", choices=list(VIEWS), default=None, help="camera view")
    p.add_argument("--no-legend", action="store_true", help="leave out the colour legend")
    _add_text_colour_arg(p)

    p = sub.add_parser(
        "plot",
        help="plot moment arms against hip flexion (or length changes) as PNG or SVG",
        description="Plot each shown muscle's moment arm against hip flexion 0-90 degrees "
        "(--moment-arm), or its length change against one control (--against), "
        "at a scene's pose (or neutral) and with its muscles; the current pose is "
        "marked. Writes OUT as .png (1600x1000) or .svg.",
    )
    p.add_argument(
        "scene_file",
        nargs="?",
        type=Path,
        metavar="SCENE.toml",
        help="scene to plot: its pose and its shown muscles (default: neutral, all)",
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--moment-arm",
        choices=["rotation", "abduction", "flexion"],
        help="moment arm against hip flexion (+ internal rotator, abductor, flexor)",
    )
    what.add_argument(
        "--against",
        metavar="SIDE.KEY",
        help="length change against this control, e.g. right.gt_superior_mm",
    )
    what.add_argument(
        "--map",
        metavar="[SIDE.]MUSCLE",
        help="heat map of one muscle's length change over flexion x rotation and flexion x "
        "ab/adduction, e.g. piriformis or left.gluteus_medius_posterior (default side right)",
    )
    p.add_argument(
        "--part",
        default=None,
        help="with --map and a muscle group: the anterior, middle or posterior compartment",
    )
    p.add_argument(
        "--quantity",
        choices=["mm", "pct"],
        default="mm",
        help="with --against: length change in mm or in %% of neutral (default mm)",
    )
    p.add_argument("-o", "--output", required=True, type=Path, help=".png or .svg file")
    p.add_argument(
        "--theme",
        choices=["light", "dark"],
        default="light",
        help="light (paper, default) or dark (a projector)",
    )
    _add_pose_args(p)

    p = sub.add_parser(
        "handout",
        help="write a scene as one web page (HTML) that opens offline to share",
        description="Write a scene (or the neutral pose) as one self-contained HTML file that "
        "opens offline in any current browser: the bones and coloured muscles in "
        "3D (drag to rotate, scroll to zoom, buttons for the standard views), with "
        "the title, caption, colour legend, pose and muscle table as text. About "
        "4 MB; nothing is fetched from the network.",
    )
    p.add_argument(
        "scene_file",
        nargs="?",
        type=Path,
        metavar="SCENE.toml",
        help="scene to show (default: the neutral pose, all muscles)",
    )
    p.add_argument(
        "-o", "--output", required=True, type=Path, metavar="OUT.html", help="the web page to write"
    )
    p.add_argument(
        "--view",
        choices=list(VIEWS),
        default=None,
        help="the view the page opens with (default: the scene's)",
    )
    _add_pose_args(p)

    p = sub.add_parser(
        "serve",
        help="run the classroom server: the app in students' browsers (trame)",
        description="Serve the scenes to browsers on the network: each browser moves its own "
        "copy of the model (GT, crest and flexion sliders, coloured muscles, "
        "legend, table); pages in follow mode copy the instructor's pose, scene "
        "and view. The instructor opens the page with the run's token (printed "
        "at start). Binds to localhost unless --host is given.",
    )
    p.add_argument(
        "scenes",
        nargs="*",
        type=Path,
        metavar="SCENE.toml",
        help="scenes to serve, in menu order (default: every scene in scenes/)",
    )
    p.add_argument(
        "--host",
        default="localhost",
        help="address to listen on (default localhost: this machine only; "
        "0.0.0.0 for every network interface)",
    )
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="another web origin whose pages may open the classroom websocket, as "
        "http://host:port (repeatable; by default only this server's own pages)",
    )

    p = sub.add_parser("report", help="print the pose reached and every muscle's length")
    _add_pose_args(p)
    p.add_argument(
        "--format", choices=["table", "json", "csv"], default=None, help="default: table"
    )
    p.add_argument(
        "--geometry",
        action="store_true",
        help="JSON with each path's points (mm, anatomical frame) and each bone's 4x4 "
        "placement, to check clearance or plot paths in other tools",
    )
    p.add_argument(
        "--fibres",
        action="store_true",
        help="every fibre of every muscle's fan too (a compartment's numbers are its "
        "central fibre's)",
    )

    _add_position_parser(sub)

    p = sub.add_parser(
        "build-meshes", help="rebuild meshes/ from musculoskeletal-models (build extra)"
    )
    p.add_argument(
        "--out", type=Path, default=None, help="output folder (default: the checkout's meshes/)"
    )

    p = sub.add_parser(
        "build-muscles",
        help="rebuild hipviz/data/muscles.json from gait2392 and myo-sim (build extra)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output file (default: the checkout's hipviz/data/muscles.json)",
    )

    p = sub.add_parser(
        "validate", help="write docs/validation.md: moment arms against the literature"
    )
    from hipviz.validation import add_arguments as add_validate_arguments

    add_validate_arguments(p)
    return parser


def _add_position_parser(sub) -> None:
    """``hipviz position``: the hip pose that lengthens or shortens one muscle most."""
    p = sub.add_parser(
        "position",
        help="find the hip position that lengthens (stretch) or shortens (release) a muscle most",
        description="Search hip flexion, ab/adduction and rotation within the hip's normal "
        "range of motion for the pose that lengthens (or shortens) one muscle path most, "
        "and show the length change there and what the side's other muscles do.",
    )
    p.add_argument(
        "muscle",
        metavar="MUSCLE",
        help="piriformis, gluteus_medius_posterior, ... or a group (gluteus_medius) with --part",
    )
    p.add_argument("--side", choices=["right", "left"], default="right", help="default: right")
    p.add_argument("--part", default=None, help="anterior, middle or posterior compartment")
    goal = p.add_mutually_exclusive_group(required=True)
    goal.add_argument("--lengthen", action="store_const", dest="goal", const="lengthen")
    goal.add_argument("--shorten", action="store_const", dest="goal", const="shorten")
    p.add_argument(
        "--within",
        default=None,
        metavar="RANGES",
        help="narrow the search, e.g. 'flexion 60..90, adduction 0..30, external_rotation "
        "0..45' (degrees; names: flexion, abduction, adduction, rotation (+ internal), "
        "internal_rotation, external_rotation)",
    )
    p.add_argument("--format", choices=["table", "json"], default="table", help="default: table")


def _position(args: argparse.Namespace) -> int:
    from hipviz.core.positions import PositionError, find_position, parse_within, resolve_muscle
    from hipviz.io.model_files import load_model
    from hipviz.position_report import print_position

    try:
        muscle = resolve_muscle(args.muscle, args.part)
        box = parse_within(args.within) if args.within is not None else None
        found = find_position(load_model(), muscle, args.side, args.goal, box)
    except PositionError as exc:
        raise UsageError(str(exc)) from None
    return print_position(found, args.format)


def _add_text_colour_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--text-colour",
        choices=["auto", "light", "dark"],
        default="auto",
        help="title, caption and legend text: light (for a dark slide), dark, or auto from "
        "the background (default: light on slate and black, dark on white and transparent)",
    )


def _add_pose_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scene", type=Path, default=None, help="start from this scene file (TOML)")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SIDE.KEY=VALUE",
        help="pose value, e.g. right.gt_superior_mm=8 or right.hip_rotation_deg=-20 "
        "(repeatable; per side either GT or angle keys, not both)",
    )


def parse_settings(items: list[str]) -> dict[str, float]:
    """``["right.gt_superior_mm=8", ...]`` -> ``{"right.gt_superior_mm": 8.0}``.

    UsageError if an item is malformed; its message is one line whatever was typed.
    """
    out: dict[str, float] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(
                f"--set {_quoted(item)}: expected SIDE.KEY=VALUE, e.g. right.gt_superior_mm=8"
            )
        key = key.strip()
        if not key.isprintable() or len(key) > 60:  # never echoed as typed
            raise UsageError(
                f"--set {_quoted(key)}: unknown pose key; expected SIDE.KEY such as "
                "right.gt_superior_mm"
            )
        try:
            number = float(value)
        except ValueError:
            raise UsageError(f"--set {key}: {_quoted(value)} is not a number") from None
        out[key] = number
    return out


def _quoted(text: str, limit: int = 60) -> str:
    """Typed text for a one-line message: quoted, control characters escaped, clipped."""
    if text.isprintable() and len(text) <= limit:
        return f"'{text}'"
    return repr(text[:limit]) + ("..." if len(text) > limit else "")


def _pose(args: argparse.Namespace):
    """The pose from ``--scene`` (if given) with every ``--set`` on top; UsageError if bad."""
    from hipviz.core.pose import Pose, PoseError
    from hipviz.io.scene import SceneError, read_scene

    try:
        pose = read_scene(args.scene).pose if args.scene else Pose()
        return pose.with_values(parse_settings(args.set))
    except (PoseError, SceneError) as exc:
        raise UsageError(str(exc)) from None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    if argv and argv[0].endswith(".toml"):
        argv = ["gui", *argv]
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    from hipviz.io.meshes import MeshError
    from hipviz.io.safe_save import SaveError
    from hipviz.io.scene import SceneError

    try:
        _check_path_lengths(args)
        return _run(args)
    except SceneError as exc:
        print(f"hipviz: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (MeshError, UsageError, SaveError) as exc:  # SaveError: FigureFileError too
        print(f"hipviz: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, UsageError) else 1


#: the longest file name and path most file systems take, bytes
NAME_MAX = 255
PATH_MAX = 4096


def _check_path_lengths(args: argparse.Namespace) -> None:
    """UsageError for a file argument whose name is too long for any file system (the
    first ``stat`` of it would raise OSError: File name too long)."""
    for option, value in vars(args).items():
        for path in value if isinstance(value, list) else [value]:
            if not isinstance(path, Path):
                continue
            raw = os.fsencode(path)
            long = max((len(part) for part in raw.split(b"/")), default=0)
            if long > NAME_MAX or len(raw) > PATH_MAX:
                what = "a file name" if long > NAME_MAX else "the path"
                size = long if long > NAME_MAX else len(raw)
                limit = NAME_MAX if long > NAME_MAX else PATH_MAX
                flag = "" if option in ("scene", "scenes", "scene_file") else f"--{option} "
                raise UsageError(
                    f"{flag}{str(path)[:60]}...: {what} is {size} bytes long; "
                    f"at most {limit} allowed"
                )


def check_display(environ: dict[str, str] | None = None) -> None:
    """UsageError if the window has nowhere to open (Linux without a display).

    Qt itself aborts there (exit 134, "Reinstalling the application may fix this
    problem"), so this is said before Qt is loaded. A ``QT_QPA_PLATFORM`` other than X11
    or Wayland (offscreen, vnc, eglfs) is the user's own choice and is let through.
    """
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return
    platform = env.get("QT_QPA_PLATFORM", "").strip().split(":")[0]
    x11, wayland = bool(env.get("DISPLAY")), bool(env.get("WAYLAND_DISPLAY"))
    if platform == "xcb":
        missing = not x11
    elif platform.startswith("wayland"):
        missing = not wayland
    else:
        missing = not platform and not (x11 or wayland)
    fix = (
        "run it in a desktop session, over 'ssh -X', or under 'xvfb-run hipviz ...'; "
        "'hipviz render' and 'hipviz handout' need no display"
    )
    if missing:
        raise UsageError(
            f"cannot open the window: no display (DISPLAY and WAYLAND_DISPLAY are not set); {fix}"
        )
    if (platform == "xcb" or not (platform or wayland)) and not _x_server_answers(env["DISPLAY"]):
        shown = _quoted(env["DISPLAY"])
        raise UsageError(f"cannot open the window: no X server answers at DISPLAY={shown}; {fix}")


def _x_server_answers(display: str, timeout_s: float = 2.0) -> bool:
    """Whether an X server listens at ``display`` (``:0``, ``unix:1``, ``host:10.0``).

    A display this cannot parse counts as answering: Qt then has the last word.
    """
    import socket

    host, _, rest = display.rpartition(":")
    try:
        number = int(rest.split(".")[0])
    except ValueError:
        return True
    if host.startswith("/"):  # macOS launchd sockets: a path, not a host
        return True
    if host in ("", "unix"):
        path = f"/tmp/.X11-unix/X{number}"
        for address in (path, "\0" + path):  # the socket file, then Linux's abstract one
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(timeout_s)
                try:
                    sock.connect(address)
                    return True
                except OSError:
                    continue
        return False
    try:
        with socket.create_connection((host, 6000 + number), timeout=timeout_s):
            return True
    except OSError:
        return False


def _quiet_offscreen_rendering() -> None:
    """Render off-screen through EGL when there is no X display.

    VTK's default window tries X first, prints "bad X server connection. DISPLAY=" to
    stderr, then falls back; naming EGL skips the attempt. Only when libEGL loads: a
    named window class that cannot be made is not replaced by another.
    """
    if not sys.platform.startswith("linux") or os.environ.get("DISPLAY"):
        return
    if "VTK_DEFAULT_OPENGL_WINDOW" in os.environ:  # the user's choice
        return
    import ctypes

    try:
        ctypes.CDLL("libEGL.so.1")
    except OSError:
        log.info("no libEGL: VTK chooses its own off-screen window")
        return
    os.environ["VTK_DEFAULT_OPENGL_WINDOW"] = "vtkEGLRenderWindow"


def _run(args: argparse.Namespace) -> int:
    command = args.command or "gui"
    if command != "gui":
        _quiet_offscreen_rendering()
    if command == "gui":
        check_display()
        # the bones load in a second process (trimesh and SciPy take most of a second to
        # import) while this one imports Qt and VTK
        from hipviz.io.bone_process import BoneLoad

        bones = BoneLoad()
        from hipviz.gui.app import run

        return run(getattr(args, "scene", None), bones, getattr(args, "screenshot", None))
    if command == "build-meshes":
        from hipviz.build.build_meshes import build

        out = args.out or checkout_output("meshes", "build-meshes", "--out FOLDER")
        summary = build(out)
        for part, info in summary.items():
            print(f"{part}: {info['triangles']} triangles, {info['vertices']} vertices")
        print(f"wrote {out}")
        return 0
    if command == "build-muscles":
        from hipviz.build.build_muscles import main as build_muscles

        out = args.out or checkout_output("hipviz/data/muscles.json", "build-muscles", "--out FILE")
        return build_muscles(out)
    if command == "render":
        return _render(args)
    if command == "animate":
        return _animate(args)
    if command == "plot":
        return _plot(args)
    if command == "handout":
        return _handout(args)
    if command == "serve":
        return _serve(args)
    if command == "report":
        from hipviz.report import print_report

        if args.geometry and args.format not in (None, "json"):
            raise UsageError(f"--geometry writes JSON; leave out --format {args.format}")
        if args.geometry and args.fibres:
            raise UsageError("--geometry and --fibres: ask for one at a time")
        return print_report(
            _pose(args), args.format or "table", geometry=args.geometry, fibres=args.fibres
        )
    if command == "position":
        return _position(args)
    if command == "validate":
        from hipviz.validation import PAGE
        from hipviz.validation import run as validate

        args.output = args.output or checkout_output(PAGE, "validate", "--output FILE")
        return validate(args)
    raise AssertionError(command)


def checkout_output(relative: str | Path, command: str, option: str) -> Path:
    """The default output of a build command: the source checkout's own file or folder.

    An installed hipviz has no checkout to rebuild, and writing into ``site-packages`` would
    change what the installed package ships, so the command then needs an explicit path.
    """
    from hipviz.io.packaged import checkout_root

    root = checkout_root()
    if root is None:
        raise UsageError(
            f"{command}: hipviz is installed, not run from a source checkout, so it has no "
            f"{relative} of its own to rebuild; give {option} to say where to write"
        )
    return root / relative


# --- render and animate ----------------------------------------------------------------------
def _scene_for(path: Path | None, args: argparse.Namespace):
    """The scene from ``path`` (or neutral) with ``--set`` and ``--view`` applied."""
    from dataclasses import replace

    from hipviz.core.pose import PoseError
    from hipviz.io.scene import Camera, Scene, read_scene

    scene = read_scene(path) if path is not None else Scene()
    try:
        # the scene's text stays tied to the scene's own pose (a --set pose gets a summary)
        changed = scene.pose.with_values(parse_settings(args.set))
        scene = replace(scene, pose=changed, caption_pose=scene.pose)
    except PoseError as exc:
        raise UsageError(str(exc)) from None
    if args.view is not None:
        scene = replace(scene, camera=Camera(view=args.view))
    return scene


def _progress_bar(done: int, total: int, label: str = "") -> None:
    """A one-line text progress bar on stderr (redrawn in place on a terminal)."""
    width = 24
    filled = round(width * done / total)
    bar = "#" * filled + "-" * (width - filled)
    end = "\n" if done == total or not sys.stderr.isatty() else ""
    print(f"\r[{bar}] {done}/{total} {label}", end=end, file=sys.stderr, flush=True)


def _render(args: argparse.Namespace) -> int:
    from hipviz.io.figure_files import FORMATS, check_figure_target
    from hipviz.render.export import FigureError, FigureOptions, render_many

    paths = list(args.scenes)
    if args.scene is not None:
        paths.insert(0, args.scene)
    scenes = [_scene_for(p, args) for p in paths] or [_scene_for(None, args)]
    options = FigureOptions(
        size=args.size or (1600, 1000),
        scale=args.scale,
        transparent=args.transparent,
        text_colour=args.text_colour,
        legend=False if args.no_legend else None,
        title=not args.no_title,
        caption=not args.no_caption,
    )
    try:
        options.check()
    except FigureError as exc:
        raise UsageError(str(exc)) from None
    out: Path = args.output
    suffix = out.suffix.lower().lstrip(".")
    if len(scenes) == 1 and not out.is_dir():
        fmt = args.format or (suffix if suffix in FORMATS else None)
        if fmt is None:
            raise UsageError(
                f"{out}: cannot tell the format from '{out.suffix}'; name the file "
                f".png, .svg or .pdf, or give --format"
            )
        if suffix in FORMATS and suffix != fmt:
            raise UsageError(f"{out}: the suffix says {suffix} but --format says {fmt}")
        targets = [out]
    else:
        if out.exists() and not out.is_dir():
            raise UsageError(f"{out}: several scenes need a folder for OUT, not a file")
        fmt = args.format or "png"
        stems = [p.stem for p in paths] or ["neutral"]
        if len(set(stems)) != len(stems):
            raise UsageError(
                "two scene files have the same name; their figures would overwrite each other"
            )
        out.mkdir(parents=True, exist_ok=True)
        targets = [out / f"{stem}.{fmt}" for stem in stems]
    if not targets[0].parent.is_dir():
        raise UsageError(f"{targets[0].parent}: no such folder")
    for target in targets:  # a name too long, a device or fifo: said before rendering
        check_figure_target(target)
    many = len(targets) > 1
    written = render_many(
        list(zip(scenes, targets, strict=True)),
        options,
        fmt,
        progress=(lambda i, n, p: _progress_bar(i, n, p.name)) if many else None,
    )
    w, h = options.pixel_size
    for path in written:
        print(f"wrote {path} ({w}x{h}, {fmt})")
    return 0


def _plot(args: argparse.Namespace) -> int:
    from hipviz.io.figure_files import check_figure_target
    from hipviz.io.model_files import load_model
    from hipviz.render.length_plot import EXPORT_SIZE_IN, plot_lengths, save_plot
    from hipviz.render.moment_arm_plot import plot_moment_arms

    args.view = None  # a plot has no camera
    scene = _scene_for(args.scene_file or args.scene, args)
    if not args.output.parent.is_dir():
        raise UsageError(f"{args.output.parent}: no such folder")
    check_figure_target(args.output)
    model = load_model()
    model.set_pose(scene.pose)
    shown = scene.display.muscles
    try:
        if args.map is not None:
            from hipviz.core.positions import PositionError, resolve_muscle
            from hipviz.render.length_map import plot_length_map

            side, dot, name = args.map.rpartition(".")
            if dot and side not in ("right", "left"):
                raise UsageError(f"--map {args.map[:60]}: the side must be right or left")
            try:
                key = f"{side or 'right'}.{resolve_muscle(name, args.part)}"
            except PositionError as exc:
                raise UsageError(f"--map: {exc}") from None
            figure = plot_length_map(model, key, theme=args.theme, size_in=EXPORT_SIZE_IN)
            what = f"{key} length change over the hip's range"
        elif args.moment_arm is not None:
            figure = plot_moment_arms(
                model, args.moment_arm, shown, theme=args.theme, size_in=EXPORT_SIZE_IN
            )
            what = f"{args.moment_arm} moment arm against hip flexion"
        else:
            figure = plot_lengths(
                model,
                args.against,
                shown,
                quantity=args.quantity,
                theme=args.theme,
                size_in=EXPORT_SIZE_IN,
            )
            what = f"length change against {args.against}"
        save_plot(figure, args.output)
    except ValueError as exc:  # a PoseError for --against, or the file's suffix
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"{args.output}: cannot write ({exc.strerror or exc})") from None
    print(f"wrote {args.output} ({what})")
    return 0


def _animate(args: argparse.Namespace) -> int:
    from hipviz.render.animation import (
        DEFAULT_ANIMATION_SIZE,
        AnimationError,
        render_animation,
        sweep_values,
    )
    from hipviz.render.export import FigureError, FigureOptions

    args.set = []
    scene = _scene_for(args.scene, args)
    options = FigureOptions(
        size=args.size or DEFAULT_ANIMATION_SIZE,
        text_colour=args.text_colour,
        legend=False if args.no_legend else None,
    )
    try:
        values = sweep_values(args.param, args.start, args.stop, args.frames, args.bounce)
        if not args.output.parent.is_dir():
            raise UsageError(f"{args.output.parent}: no such folder")
        render_animation(
            scene,
            args.param,
            values,
            args.output,
            options,
            fps=args.fps,
            progress=lambda i, n: _progress_bar(i, n, "frames"),
        )
    except (AnimationError, FigureError) as exc:
        raise UsageError(str(exc)) from None
    print(f"wrote {args.output} ({len(values)} frames, {args.fps:g} fps)")
    return 0


def _handout(args: argparse.Namespace) -> int:
    from hipviz.web.handout import write_handout

    scene = _scene_for(args.scene_file or args.scene, args)
    if not args.output.parent.is_dir():
        raise UsageError(f"{args.output.parent}: no such folder")
    written = write_handout(scene, args.output)
    print(f"wrote {written} ({written.stat().st_size / 1e6:.1f} MB; opens in any browser)")
    return 0


# --- classroom server ------------------------------------------------------------------------
def _serve(args: argparse.Namespace) -> int:
    from hipviz.web.server import default_scenes, serve

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: must be 0 to 65535")
    check_host(args.host)
    scenes = args.scenes or default_scenes()
    missing = [str(p) for p in scenes if not p.is_file()]
    if missing:
        raise UsageError(f"scene file not found: {', '.join(missing)}")
    try:
        serve(scenes, host=args.host, port=args.port, allow_origins=tuple(args.allow_origin))
    except OSError as exc:  # the address is not this machine's, or the port is taken
        raise UsageError(
            f"--host {args.host} --port {args.port}: cannot listen there ({exc.strerror or exc})"
        ) from None
    return 0


HOST_HELP = "an address of this machine (e.g. 192.168.1.20), localhost, or 0.0.0.0 for all"


def check_host(host: str) -> None:
    """UsageError unless ``host`` is an IP address or a name that resolves (no traceback
    from the server's bind later: ``--host 999.1.1.1`` gave socket.gaierror)."""
    import ipaddress
    import socket

    try:
        ipaddress.ip_address(host)
        return
    except ValueError:
        pass
    shown = repr(host) if not host.isprintable() or len(host) > 80 else host
    if not host or len(host) > 253 or not host.isprintable() or host.replace(".", "").isdigit():
        raise UsageError(f"--host {shown[:80]}: not a valid address; give {HOST_HELP}")
    try:
        socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:  # socket.gaierror: no such name
        reason = getattr(exc, "strerror", None) or exc
        raise UsageError(
            f"--host {shown}: cannot be resolved ({reason}); give {HOST_HELP}"
        ) from None
