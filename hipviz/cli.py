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
        description="Interactive 3D hip anatomy: greater trochanter, iliac crest and muscle lengths.",
    )
    parser.add_argument("--version", action="version", version=f"hipviz {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("gui", help="open the interactive window (the default)")
    p.add_argument("scene", nargs="?", type=Path, help="scene file (TOML) to open")

    p = sub.add_parser("render", help="render an image off-screen (no display needed)")
    p.add_argument("-o", "--output", required=True, type=Path, help="PNG file to write")
    p.add_argument("--size", type=_size, default=(1600, 1000), help="WxH pixels (default 1600x1000)")
    p.add_argument("--view", choices=list(VIEWS), default=None,
                   help=f"camera view (default: the scene's, else {DEFAULT_VIEW})")
    p.add_argument("--transparent", action="store_true", help="transparent background")
    _add_pose_args(p)

    p = sub.add_parser("report", help="print the pose reached and every muscle's length")
    _add_pose_args(p)
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")

    p = sub.add_parser("build-meshes", help="rebuild meshes/ from musculoskeletal-models (build extra)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: meshes/)")

    p = sub.add_parser("build-muscles", help="rebuild hipviz/data/muscles.json from myo-sim (build extra)")
    p.add_argument("--out", type=Path, default=None, help="output file")
    return parser


def _add_pose_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scene", type=Path, default=None, help="start from this scene file (TOML)")
    p.add_argument("--set", action="append", default=[], metavar="SIDE.KEY=VALUE",
                   help="pose value, e.g. right.gt_superior_mm=8 (repeatable)")


def parse_settings(items: list[str]) -> dict[str, float]:
    """``["right.gt_superior_mm=8", ...]`` -> ``{"right.gt_superior_mm": 8.0}``; UsageError if malformed."""
    out: dict[str, float] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--set '{item}': expected SIDE.KEY=VALUE, e.g. right.gt_superior_mm=8")
        try:
            number = float(value)
        except ValueError:
            raise UsageError(f"--set {key.strip()}: '{value}' is not a number") from None
        out[key.strip()] = number
    return out


def _pose(args: argparse.Namespace):
    """The pose from ``--scene`` (if given) with every ``--set`` applied on top; UsageError if bad."""
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
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    from hipviz.io.meshes import MeshError
    from hipviz.io.scene import SceneError

    try:
        return _run(args)
    except SceneError as exc:
        print(f"hipviz: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (MeshError, UsageError) as exc:
        print(f"hipviz: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, UsageError) else 1


def _run(args: argparse.Namespace) -> int:
    from hipviz.render.views import DEFAULT_VIEW

    command = args.command or "gui"
    if command == "gui":
        from hipviz.gui.app import run

        return run(getattr(args, "scene", None))
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
        from hipviz.io.meshes import load_bones
        from hipviz.render.scene import render_image

        from hipviz.io.scene import read_scene

        view = args.view or (read_scene(args.scene).camera.view if args.scene else DEFAULT_VIEW)
        render_image(args.output, load_bones(), view=view, size=args.size,
                     transparent=args.transparent, settings=_pose(args).as_dict())
        print(f"wrote {args.output} ({args.size[0]}x{args.size[1]}, {view} view)")
        return 0
    if command == "report":
        from hipviz.report import print_report

        return print_report(_pose(args), args.format)
    raise AssertionError(command)
