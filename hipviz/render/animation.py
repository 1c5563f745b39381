"""Slider sweeps as animations: one pose value stepped from A to B, written as GIF or MP4.

Every frame is a figure (:mod:`hipviz.render.export`) of the same scene with one pose value
changed and the title replaced by a readout of that value, rendered off-screen by one
plotter (actors built once). GIF is written with Pillow (one palette for all frames, so
the colours do not flicker, built so muscles and legend keep the PNG's colours); MP4
(H.264) with the ffmpeg executable that the ``imageio-ffmpeg`` package ships, so no system
ffmpeg is needed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from hipviz.core.caption import pose_summary
from hipviz.core.pose import RANGES, PoseError, check_value, split_key
from hipviz.formatting import number
from hipviz.io.figure_files import FigureFileError, check_figure_target
from hipviz.io.meshes import load_bones, load_landmarks
from hipviz.io.safe_save import SaveError, saving
from hipviz.io.scene import Scene
from hipviz.render.export import FigureOptions, FigureRenderer

log = logging.getLogger(__name__)

ANIMATION_FORMATS = ("gif", "mp4")
DEFAULT_ANIMATION_SIZE = (960, 540)
MAX_FRAMES = 600


class AnimationError(ValueError):
    """An animation request that cannot be made; the message says what is allowed."""


def animation_format(path: Path | str) -> str:
    """``"gif"`` or ``"mp4"`` from the file's suffix, or :class:`AnimationError`."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in ANIMATION_FORMATS:
        raise AnimationError(f"{path}: an animation is written as .gif or .mp4, not '.{suffix}'")
    return suffix


def sweep_values(
    key: str, start: float, stop: float, frames: int, bounce: bool = False
) -> np.ndarray:
    """The values of ``key`` frame by frame, ``(n,) float``, checked against the key's range.

    Parameters
    ----------
    key : str
        A pose key such as ``"right.gt_superior_mm"``.
    start, stop : float
        First and last value (units of the key: mm or degrees).
    frames : int
        Frames from ``start`` to ``stop`` (2 to 600).
    bounce : bool, default: False
        Then back again (without repeating the end frames), for a seamless loop.
    """

    try:
        split_key(key)
        check_value(key, start)
        check_value(key, stop)
    except PoseError as exc:
        raise AnimationError(str(exc)) from None
    if not 2 <= frames <= MAX_FRAMES:
        raise AnimationError(f"frames: {frames} is out of range (allowed 2 to {MAX_FRAMES})")
    values = np.linspace(start, stop, frames)
    if bounce:
        values = np.concatenate([values, values[-2:0:-1]])
    return values


def readout(key: str, value: float) -> str:
    """The title of one frame, e.g. ``"Right: greater trochanter superior (+) / inferior (-)
    +5.0 mm"``."""
    side, name = split_key(key)
    _, _, unit, label = RANGES[name]
    return f"{side.capitalize()}: {label}  {number(value, sign=True)} {unit}"


def frame_scene(scene: Scene, key: str, value: float) -> Scene:
    """The scene one frame of a sweep of ``key`` draws, at ``value``.

    The scene's own title and caption would be wrong on most frames ("GT 10 mm superior"
    at -15 mm), and so would naming the scene the sweep started from: the title is the
    running value (:func:`readout`) and the caption the frame's whole pose
    (:func:`~hipviz.core.caption.pose_summary`), so every frame says what it shows.
    """
    pose = scene.pose.with_value(key, value)
    return replace(
        scene, pose=pose, title=readout(key, value), caption=pose_summary(pose), caption_pose=None
    )


def render_animation(
    scene: Scene,
    key: str,
    values: np.ndarray,
    path: Path | str,
    options: FigureOptions | None = None,
    fps: float = 10.0,
    progress: Callable[[int, int], None] | None = None,
    bones=None,
    landmarks=None,
) -> Path:
    """Render ``scene`` once per value of ``key`` and write the frames as GIF or MP4.

    Parameters
    ----------
    scene : Scene
        Everything but ``key`` stays as in the scene; each frame's title and caption say
        its own pose (:func:`frame_scene`).
    key : str
    values : (n,) float
        From :func:`sweep_values`.
    path : Path or str
        ``.gif`` or ``.mp4``; written atomically (a failed run leaves no partial file).
    options : FigureOptions, optional
        Size (made even for MP4), legend and title; no transparent background.
    fps : float, default: 10.0
        Frames per second (1 to 60).
    progress : callable, optional
        ``progress(done, total)`` after each frame.
    """
    path = Path(path)
    fmt = animation_format(path)
    options = options or FigureOptions(size=DEFAULT_ANIMATION_SIZE)
    if options.transparent:
        raise AnimationError("animations cannot have a transparent background")
    if not 1.0 <= fps <= 60.0:
        raise AnimationError(f"fps: {fps} is out of range (allowed 1 to 60)")
    if fmt == "mp4":  # H.264 in yuv420p needs an even width and height
        w, h = options.pixel_size
        options = replace(options, size=(w - w % 2, h - h % 2), scale=1.0)
    options.check()
    check_figure_target(path)  # before a minute of rendering, not after
    if bones is None:
        bones = load_bones()
    if landmarks is None and scene.display.labels:
        landmarks = load_landmarks()
    values = np.asarray(values, dtype=float)
    with FigureRenderer(bones, landmarks=landmarks) as renderer:

        def frames():
            for i, value in enumerate(values, start=1):
                renderer.show(frame_scene(scene, key, float(value)), options)
                yield renderer.image()
                if progress is not None:
                    progress(i, len(values))

        # through io/safe_save: a symbolic link written through, permissions kept, never
        # over a device or fifo, no temporary file left behind
        try:
            if fmt == "gif":
                images = list(frames())  # rendered first: the temporary file lives briefly
                with saving(path, ".gif") as tmp:
                    _write_gif(str(tmp), images, fps)
            else:  # ffmpeg writes as the frames come, so the file grows (and looks alive)
                with saving(path, ".mp4") as tmp:
                    _write_mp4(str(tmp), frames(), options.pixel_size, fps)
        except SaveError as exc:
            raise FigureFileError(str(exc)) from None
    log.info("wrote %s (%d frames)", path, len(values))
    return path


#: frames the GIF's palette is built from (evenly spaced), and at most this many pixels
PALETTE_FRAMES = 16
PALETTE_MAX_PX = 8_000_000
#: of the GIF's 256 colours, this many by octree (every hue), the rest by median cut (area)
OCTREE_COLOURS = 192


def gif_palette(frames: list[np.ndarray]) -> Image.Image:
    """One 256-colour palette for every frame of a GIF, so the colours do not flicker.

    Built from frames spread over the whole sweep. Median cut alone (the old way) gives
    each colour entries in proportion to its area, so the background gradient and the
    bones took nearly all of them: thin muscles lost their blue or red to grey and the
    legend's 256 steps fell into three blocks. An octree keeps the rare but saturated
    colours of muscles and legend within a few RGB units of the PNG; a quarter of the
    entries still come from median cut, so the large background gradient keeps fine steps
    (with the octree alone its bands show dotted edges).
    """
    picks = np.unique(np.linspace(0, len(frames) - 1, min(len(frames), PALETTE_FRAMES)).round())
    sample = np.concatenate([frames[int(i)][..., :3] for i in picks], axis=0)
    step = int(np.ceil(sample.shape[0] * sample.shape[1] / PALETTE_MAX_PX))
    image = Image.fromarray(np.ascontiguousarray(sample[::step]))
    colours = []
    for n, method in (
        (OCTREE_COLOURS, Image.Quantize.FASTOCTREE),
        (256 - OCTREE_COLOURS, Image.Quantize.MEDIANCUT),
    ):
        part = image.quantize(colors=n, method=method).getpalette()[: 3 * n]
        colours += part + part[-3:] * (n - len(part) // 3)  # fewer colours than asked: pad
    palette = Image.new("P", (1, 1))
    palette.putpalette(colours)
    return palette


def _write_gif(path: str, frames: list[np.ndarray], fps: float) -> None:
    palette = gif_palette(frames)
    # no dithering: dithered muscles look speckled, and a flat colour compresses better
    images = [
        Image.fromarray(np.ascontiguousarray(f[..., :3])).quantize(
            palette=palette, dither=Image.Dither.NONE
        )
        for f in frames
    ]
    images[0].save(
        path,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=round(1000.0 / fps),
        loop=0,
        optimize=False,
    )


def _write_mp4(path: str, frames, size: tuple[int, int], fps: float) -> None:
    import imageio_ffmpeg  # lazy: only MP4 needs it (it finds its ffmpeg executable)

    writer = imageio_ffmpeg.write_frames(
        path,
        size,
        fps=fps,
        codec="libx264",
        quality=8,
        pix_fmt_out="yuv420p",
        macro_block_size=2,
        ffmpeg_log_level="error",
    )
    writer.send(None)  # start ffmpeg
    try:
        for frame in frames:
            writer.send(np.ascontiguousarray(frame[..., :3]))
    finally:
        writer.close()
