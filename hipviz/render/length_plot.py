"""Length-displacement curves: every muscle's length change over one pose control's range.

Matplotlib only (a :class:`matplotlib.figure.Figure`, no pyplot, no Qt), so the window's
plot panel, a script and ``hipviz plot`` draw the same figure::

    model = load_model()  # hipviz.io.model_files
    plot_lengths(model, "right.gt_superior_mm").savefig("piriformis.svg")

A curve answers the student's question for a whole range at once: *as this greater
trochanter rises, which muscles shorten, which lengthen, and by how much?* The other
controls stay at the model's current pose; a marker shows the current value.

Colours name muscles (not length change, which is the y axis): golds for gluteus medius,
teals for gluteus minimus (light anterior, dark posterior fibres), the ink colour for
piriformis; right side solid, left dashed. The hues keep clear of every colour the 3D view
gives a meaning (blue shortened, red lengthened, green and purple a moment arm's two
actions, :data:`~hipviz.render.colours.COLOUR_SCALES`), so a green line is never read as
"internal rotator"; the fibres of a group differ in lightness.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from hipviz.core.muscles import MUSCLES
from hipviz.core.pose import ANGLE_KEYS, GT_KEYS, RANGES, SIDES, split_key
from hipviz.formatting import number
from hipviz.io.safe_save import saving
from hipviz.names import SIDE_LABELS, short_muscle_label

if TYPE_CHECKING:
    from hipviz.core.model import HipModel

log = logging.getLogger(__name__)

#: samples over a control's range
N_SAMPLES = 101
#: muscle -> line colour; ``None``: the theme's ink colour. CIELAB hues 88-95 deg (gold),
#: 189 deg (sea green) and 205-232 deg (teal), at least 45 deg from the view's map ends (39,
#: 140, 284, 325 deg); gluteus maximus in near-neutral warm greys (chroma 7-8, hue 89-90),
#: so no hue of its own is read as one of the view's meanings
MUSCLE_COLOURS: dict[str, str | None] = {
    "gluteus_medius_anterior": "#DFC745",  # light gold, L* 80
    "gluteus_medius_middle": "#B19325",  # gold, L* 62
    "gluteus_medius_posterior": "#7E6516",  # dark gold, L* 44
    "gluteus_minimus_anterior": "#4ACAD3",  # light teal, L* 75
    "gluteus_minimus_middle": "#0096A8",  # teal, L* 57
    "gluteus_minimus_posterior": "#006B84",  # dark teal, L* 42
    "piriformis": None,
    "gluteus_maximus_superior": "#CCC6BA",  # light warm grey, L* 80
    "gluteus_maximus_middle": "#969084",  # warm grey, L* 60
    "gluteus_maximus_inferior": "#635D51",  # dark warm grey, L* 40
    "tensor_fasciae_latae": "#00ABA2",  # sea green, L* 63
}
SIDE_STYLES = {"right": "-", "left": (0, (5, 2.5))}
SIDE_NAMES = SIDE_LABELS
#: (ink, background, grid, marker line) per theme
THEMES = {
    "light": ("#111111", "#ffffff", "#d9dde2", "#5b6570"),
    "dark": ("#f2f4f7", "#0b0f14", "#38414c", "#aab4bf"),
}
QUANTITIES = {"mm": "Length change (mm)", "pct": "Length change (% of neutral)"}
#: artist ids (matplotlib gid, SVG element id) of the current-value marker
CURRENT_LINE_GID = "current-value"
CURRENT_TEXT_GID = "current-value-label"
MARKER_GID_PREFIX = "marker-"
#: exported plots: size (inches; 1600 x 1000 pixels as PNG) and PNG resolution (dots per
#: inch), for course handouts and slides
EXPORT_SIZE_IN = (8.0, 5.0)
EXPORT_DPI = 200
EXPORT_FORMATS = {".png": "PNG image", ".svg": "SVG drawing"}


def muscle_name(muscle: str) -> str:
    """``"gluteus_medius_anterior"`` -> ``"G. medius anterior"`` (legend text: the names
    module's short form, the legend has little room at projector scale)."""
    if muscle not in MUSCLES:
        raise KeyError(f"unknown muscle '{muscle}'; known: {', '.join(MUSCLES)}")
    return short_muscle_label(muscle)


def control_values(key: str, n: int = N_SAMPLES) -> np.ndarray:
    """``n`` evenly spaced values over the range of a ``side.key`` control, (n,) float."""
    _, name = split_key(key)
    low, high = RANGES[name][:2]
    return np.linspace(low, high, n)


def control_label(key: str) -> str:
    """Axis label: ``"right.gt_superior_mm"`` ->
    ``"Right greater trochanter superior (+) / inferior (−), mm"``."""
    side, name = split_key(key)
    _, _, unit, label = RANGES[name]
    label = label.replace("(-)", "(\N{MINUS SIGN})")
    return f"{SIDE_NAMES[side]} {label}, {unit}"


def length_curves(
    model: HipModel, key: str, n: int = N_SAMPLES, quantity: str = "mm"
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Each path's length change over the range of one control, other controls as they are.

    Parameters
    ----------
    model : HipModel
        Its current pose gives the other controls' values.
    key : str
        The control, a ``side.key`` of :data:`hipviz.core.pose.RANGES`
        (``"right.gt_superior_mm"``).
    n : int, default: 101
        Samples over the control's range.
    quantity : {"mm", "pct"}, default: "mm"
        Length change from the neutral length in mm, or in % of it.

    Returns
    -------
    x : (n,) float
        The control's values (its unit: mm or degrees).
    curves : dict of str to (n,) float
        Path key (``"right.piriformis"``) -> length change at each x, in model order.
    """
    if quantity not in QUANTITIES:
        raise ValueError(f"unknown quantity '{quantity}'; allowed: {', '.join(QUANTITIES)}")
    x = control_values(key, n)
    lengths = model.sweep({key: x})  # (n, n_paths), one vectorised evaluation
    rest = model.muscles.rest_lengths
    change = lengths - rest
    if quantity == "pct":
        change = 100.0 * change / rest
    return x, {path: change[:, i] for i, path in enumerate(model.muscles.keys)}


def current_changes(model: HipModel, quantity: str = "mm") -> dict[str, float]:
    """Each path's length change at the model's current pose (mm or %)."""
    solution = model.solution
    values = solution.change_pct if quantity == "pct" else solution.change_mm
    return {path: float(v) for path, v in zip(solution.keys, values, strict=True)}


def plot_lengths(
    model: HipModel,
    key: str,
    visible: Iterable[str] | None = None,
    *,
    quantity: str = "mm",
    n: int = N_SAMPLES,
    curves: tuple[np.ndarray, dict[str, np.ndarray]] | None = None,
    figure: Figure | None = None,
    theme: str = "light",
    scale: float = 1.0,
    size_in: tuple[float, float] = (8.0, 5.0),
) -> Figure:
    """Plot the visible paths' length change against one control, with the current value marked.

    Parameters
    ----------
    model : HipModel
    key : str
        The control (``side.key``).
    visible : iterable of str, optional
        Path keys to draw (``"left.piriformis"``, ...); all paths when not given.
    quantity : {"mm", "pct"}, default: "mm"
    n : int, default: 101
        Samples over the control's range (ignored when ``curves`` is given).
    curves : (x, dict), optional
        From :func:`length_curves`, to redraw without evaluating the model again.
    figure : matplotlib.figure.Figure, optional
        Draw into this figure (it is cleared), e.g. the one on a Qt canvas.
    theme : {"light", "dark"}, default: "light"
    scale : float, default: 1.0
        Multiplies font sizes and line widths (about 1.6 reads on a projector).
    size_in : (float, float), default: (8, 5)
        Size of a new figure, inches.

    Returns
    -------
    matplotlib.figure.Figure
        Each curve's artist has the path key as its gid (the SVG element id), the current
        value line ``"current-value"`` and each dot on a curve ``"marker-<path key>"``.
    """
    check_theme(theme)
    x, ys = curves if curves is not None else length_curves(model, key, n, quantity)
    value = current_value(model, key)
    now = current_changes(model, quantity)
    unit = RANGES[split_key(key)[1]][2]
    return draw_curves(
        x,
        ys,
        visible,
        {path: (value, y) for path, y in now.items()},
        [CurrentLine("", value, f" {number(value, sign=True)} {unit} ")],
        xlabel=control_label(key),
        ylabel=QUANTITIES[quantity],
        title="Muscle length change from neutral",
        up_word="lengthened",
        down_word="shortened",
        figure=figure,
        theme=theme,
        scale=scale,
        size_in=size_in,
    )


@dataclass(frozen=True)
class CurrentLine:
    """A vertical line marking a current value on the x axis, with its label above the axes.

    ``suffix`` is appended to the gids ``"current-value"`` and ``"current-value-label"``;
    ``linestyle`` and ``ha`` (the label's alignment) as matplotlib takes them.
    """

    suffix: str
    x: float
    text: str
    linestyle: str | tuple = "-"
    ha: str = "center"


def check_theme(theme: str) -> None:
    if theme not in THEMES:
        raise ValueError(f"unknown theme '{theme}'; allowed: {', '.join(THEMES)}")


def draw_curves(
    x: np.ndarray,
    ys: dict[str, np.ndarray],
    visible: Iterable[str] | None,
    dots: dict[str, tuple[float, float]],
    lines: list[CurrentLine],
    *,
    xlabel: str,
    ylabel: str,
    title: str,
    up_word: str,
    down_word: str,
    figure: Figure | None = None,
    theme: str = "light",
    scale: float = 1.0,
    size_in: tuple[float, float] = (8.0, 5.0),
) -> Figure:
    """One curve per shown muscle path against ``x``, the current values marked: the figure
    of :func:`plot_lengths` and of :func:`hipviz.render.moment_arm_plot.plot_moment_arms`.

    Parameters
    ----------
    x : (n,) float
    ys : dict of str to (n,) float
        Path key -> y at each x, in model order.
    visible : iterable of str, optional
        The paths to draw; all of ``ys`` when not given.
    dots : dict of str to (float, float)
        Path key -> (x, y) of its current value, a dot on its curve.
    lines : list of CurrentLine
        The vertical current-value lines.
    xlabel, ylabel, title : str
    up_word, down_word : str
        What a positive and a negative y means, written in the plot's corners.
    figure, theme, scale, size_in
        As for :func:`plot_lengths`.
    """
    check_theme(theme)
    ink, background, grid, marker = THEMES[theme]
    shown = [p for p in ys if visible is None or p in set(visible)]
    if figure is None:
        figure = Figure(figsize=size_in, layout="constrained")
    else:
        figure.clear()
        figure.set_layout_engine("constrained")
    figure.set_facecolor(background)
    font = 10.0 * scale
    ax = figure.add_subplot()
    ax.set_facecolor(background)
    for spine in ax.spines.values():
        spine.set_color(grid)
    ax.tick_params(colors=ink, labelsize=font, width=scale, length=4 * scale)
    ax.grid(True, color=grid, linewidth=0.8 * scale)
    ax.axhline(0.0, color=marker, linewidth=1.0 * scale, zorder=1)

    width = 2.0 * scale
    for path in shown:
        side, muscle = path.split(".")
        colour = MUSCLE_COLOURS[muscle] or ink
        ax.plot(
            x,
            ys[path],
            color=colour,
            linestyle=SIDE_STYLES[side],
            linewidth=width * (1.25 if muscle == "piriformis" else 1.0),
            gid=path,
            zorder=3,
        )

    for line in lines:
        ax.axvline(
            line.x,
            color=marker,
            linewidth=2.5 * scale,
            alpha=0.8,
            linestyle=line.linestyle,
            gid=CURRENT_LINE_GID + line.suffix,
            zorder=2,
        )
        ax.text(
            line.x,
            1.0,
            line.text,
            transform=ax.get_xaxis_transform(),
            ha=line.ha,
            va="bottom",
            color=ink,
            fontsize=font,
            fontweight="bold",
            gid=CURRENT_TEXT_GID + line.suffix,
            clip_on=False,
        )
    for path in shown:
        muscle = path.split(".")[1]
        dot_x, dot_y = dots[path]
        ax.plot(
            [dot_x],
            [dot_y],
            linestyle="none",
            marker="o",
            markersize=6.5 * scale,
            markerfacecolor=MUSCLE_COLOURS[muscle] or ink,
            markeredgecolor=background,
            markeredgewidth=1.2 * scale,
            gid=MARKER_GID_PREFIX + path,
            zorder=4,
        )

    ax.set_xlim(x[0], x[-1])
    ax.set_xlabel(xlabel, color=ink, fontsize=font * 1.1)
    ax.set_ylabel(ylabel, color=ink, fontsize=font * 1.1)
    # which way is which, in the therapist's words, inside the plot's corners
    for y, va, word in (
        (0.98, "top", f"\N{UPWARDS ARROW} {up_word}"),
        (0.02, "bottom", f"\N{DOWNWARDS ARROW} {down_word}"),
    ):
        ax.text(
            0.01,
            y,
            word,
            transform=ax.transAxes,
            ha="left",
            va=va,
            color=marker,
            fontsize=font * 0.95,
        )
    if not shown:
        ax.text(
            0.5,
            0.5,
            "No muscle shown: tick some under Display \N{RIGHTWARDS ARROW} Show",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color=ink,
            fontsize=font,
        )
    ax.set_title(
        title, loc="left", color=ink, fontsize=font * 1.25, fontweight="bold", pad=14 * scale
    )

    muscles = [m for m in MUSCLES if any(p.endswith(f".{m}") for p in shown)]
    sides = [s for s in SIDES if any(p.startswith(f"{s}.") for p in shown)]
    handles = [
        Line2D([], [], color=MUSCLE_COLOURS[m] or ink, linewidth=width, label=muscle_name(m))
        for m in muscles
    ]
    handles += [
        Line2D(
            [],
            [],
            color=marker,
            linestyle=SIDE_STYLES[s],
            linewidth=width,
            label=f"{SIDE_NAMES[s]} side",
        )
        for s in sides
    ]
    if handles:
        legend = figure.legend(
            handles=handles,
            loc="outside right upper",
            frameon=False,
            fontsize=font,
            handlelength=2.6,
        )
        for text in legend.get_texts():
            text.set_color(ink)
    return figure


def save_plot(figure: Figure, path: Path | str) -> Path:
    """Write a plot as PNG (:data:`EXPORT_DPI`) or SVG (text as text), chosen by the suffix.

    Raises
    ------
    ValueError
        The suffix is neither ``.png`` nor ``.svg`` (nothing is written).
    OSError
        The file cannot be written.
    """
    path = Path(path)
    if path.suffix.lower() not in EXPORT_FORMATS:
        raise ValueError(
            f"{path}: cannot save a plot as '{path.suffix or '(no suffix)'}'; "
            f"allowed: {', '.join(EXPORT_FORMATS)}"
        )
    # SVG text stays text (not outlines), so a course author can edit and search it
    fmt = path.suffix.lower().lstrip(".")
    with rc_context({"svg.fonttype": "none"}), saving(path, f".{fmt}") as tmp:
        figure.savefig(tmp, format=fmt, dpi=EXPORT_DPI, facecolor=figure.get_facecolor())
    log.info("wrote plot %s", path)
    return path


def marker_artists(figure: Figure) -> list:
    """The current-value marker's artists of a :func:`plot_lengths` figure: the line, the
    dot on each curve and the value's label (what :func:`move_marker` moves)."""
    artists = []
    for ax in figure.axes:
        artists += [
            a
            for a in (*ax.get_lines(), *ax.texts)
            if (a.get_gid() or "").startswith((CURRENT_LINE_GID, MARKER_GID_PREFIX))
        ]
    return artists


def current_value(model: HipModel, key: str) -> float:
    """The control's value now: as set when it drives its side, else as reached
    (an angle while the GT drives, or the GT while the angles drive)."""
    side, name = split_key(key)
    drives = name not in GT_KEYS + ANGLE_KEYS or model.pose.side(side).mode == (
        "gt" if name in GT_KEYS else "angles"
    )
    return float((model.pose if drives else model.solution.reached).get(key))


def move_marker(figure: Figure, model: HipModel, key: str, quantity: str = "mm") -> None:
    """Move the current-value marker of a :func:`plot_lengths` figure to the model's pose.

    Only the marker changes (no curve is evaluated): for when the plotted control itself
    changed, which moves along the curves rather than changing them.
    """
    value = current_value(model, key)
    now = current_changes(model, quantity)
    unit = RANGES[split_key(key)[1]][2]
    for ax in figure.axes:
        for line in ax.get_lines():
            gid = line.get_gid() or ""
            if gid == CURRENT_LINE_GID:
                line.set_xdata([value, value])
            elif gid.startswith(MARKER_GID_PREFIX):
                line.set_data([value], [now[gid[len(MARKER_GID_PREFIX) :]]])
        for text in ax.texts:
            if text.get_gid() == CURRENT_TEXT_GID:
                text.set_x(value)
                text.set_text(f" {number(value, sign=True)} {unit} ")
