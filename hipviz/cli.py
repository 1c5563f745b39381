"""Command-line front end (argparse). Never imports the GUI unless the window is asked for."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from hipviz import __version__

log = logging.getLogger(__name__)

EXIT_USAGE = 2


class UsageError(ValueError):
    """Bad user input (a key, value or file): printed as one line, exit code 2."""


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

    parser = argparse.ArgumentParser(
        prog="hipviz",
        description="Interactive 3D hip anatomy: greater trochanter, iliac crest and muscle "
        "lengths.",
    )
    parser.add_argument("--version", action="version", version=f"hipviz {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("gui", help="open the interactive window (the default)")
    p.add_argument("scene", nargs="?", type=Path, help="scene file (TOML) to open")

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
        "3 MB; nothing is fetched from the network.",
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

    p = sub.add_parser("report", help="print the pose reached and every muscle's length")
    _add_pose_args(p)
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")

    p = sub.add_parser(
        "build-meshes", help="rebuild meshes/ from musculoskeletal-models (build extra)"
    )
    p.add_argument("--out", type=Path, default=None, help="output folder (default: meshes/)")

    p = sub.add_parser(
        "build-muscles",
        help="rebuild hipviz/data/muscles.json from gait2392 and myo-sim (build extra)",
    )
    p.add_argument("--out", type=Path, default=None, help="output file")

    p = sub.add_parser(
        "validate", help="write docs/validation.md: moment arms against the literature"
    )
    from hipviz.validation import add_arguments as add_validate_arguments

    add_validate_arguments(p)
    return parser


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

    UsageError if an item is malformed.
    """
    out: dict[str, float] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(
                f"--set '{item}': expected SIDE.KEY=VALUE, e.g. right.gt_superior_mm=8"
            )
        try:
            number = float(value)
        except ValueError:
            raise UsageError(f"--set {key.strip()}: '{value}' is not a number") from None
        out[key.strip()] = number
    return out


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
    from hipviz.io.figure_files import FigureFileError
    from hipviz.io.meshes import MeshError
    from hipviz.io.scene import SceneError

    try:
        return _run(args)
    except SceneError as exc:
        print(f"hipviz: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (MeshError, UsageError, FigureFileError) as exc:
        print(f"hipviz: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, UsageError) else 1


def _run(args: argparse.Namespace) -> int:
    command = args.command or "gui"
    if command == "gui":
        # the bones load in a second process (trimesh and SciPy take most of a second to
        # import) while this one imports Qt and VTK
        from hipviz.io.bone_process import BoneLoad

        bones = BoneLoad()
        from hipviz.gui.app import run

        return run(getattr(args, "scene", None), bones)
    if command == "build-meshes":
        from hipviz.io.build_meshes import build
        from hipviz.io.meshes import default_mesh_dir

        out = args.out or default_mesh_dir()
        summary = build(out)
        for part, info in summary.items():
            print(f"{part}: {info['triangles']} triangles, {info['vertices']} vertices")
        print(f"wrote {out}")
        return 0
    if command == "build-muscles":
        from hipviz.io.build_muscles import main as build_muscles

        return build_muscles(args.out)
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

        return print_report(_pose(args), args.format)
    if command == "validate":
        from hipviz.validation import run as validate

        return validate(args)
    raise AssertionError(command)


# --- render and animate ----------------------------------------------------------------------
def _scene_for(path: Path | None, args: argparse.Namespace):
    """The scene from ``path`` (or neutral) with ``--set`` and ``--view`` applied."""
    from dataclasses import replace

    from hipviz.core.pose import PoseError
    from hipviz.io.scene import Camera, Scene, read_scene

    scene = read_scene(path) if path is not None else Scene()
    try:
        scene = replace(scene, pose=scene.pose.with_values(parse_settings(args.set)))
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
    from hipviz.io.figure_files import FORMATS
    from hipviz.render.export import FigureError, FigureOptions, render_many

    paths = list(args.scenes)
    if args.scene is not None:
        paths.insert(0, args.scene)
    scenes = [_scene_for(p, args) for p in paths] or [_scene_for(None, args)]
    options = FigureOptions(
        size=args.size or (1600, 1000),
        scale=args.scale,
        transparent=args.transparent,
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
    from hipviz.core.model import HipModel
    from hipviz.render.length_plot import EXPORT_SIZE_IN, plot_lengths, save_plot
    from hipviz.render.moment_arm_plot import plot_moment_arms

    args.view = None  # a plot has no camera
    scene = _scene_for(args.scene_file or args.scene, args)
    if not args.output.parent.is_dir():
        raise UsageError(f"{args.output.parent}: no such folder")
    model = HipModel.load()
    model.set_pose(scene.pose)
    shown = scene.display.muscles
    try:
        if args.moment_arm is not None:
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
        size=args.size or DEFAULT_ANIMATION_SIZE, legend=False if args.no_legend else None
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
    scenes = args.scenes or default_scenes()
    missing = [str(p) for p in scenes if not p.is_file()]
    if missing:
        raise UsageError(f"scene file not found: {', '.join(missing)}")
    serve(scenes, host=args.host, port=args.port)
    return 0
