"""A muscle's length change over two hip angles at once, as a heat map.

Two panels: hip flexion against rotation (abduction held where the hip is now), and hip
flexion against ab/adduction (rotation held where it is now). The current pose is marked,
and so are the positions that lengthen and shorten the muscle most over the whole range
(:func:`hipviz.core.positions.find_position`; a marker is where that pose lies in the
panel's two angles, its third angle is in the legend). The colours are the window's
length-change map (shortened blue, lengthened orange-red, unchanged grey), symmetric about
no change. Matplotlib only (no pyplot, no Qt)::

    plot_length_map(load_model(), "right.piriformis").savefig("piriformis-map.svg")
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from hipviz.core.positions import AXIS_KEYS, DEFAULT_BOX, find_position
from hipviz.formatting import number
from hipviz.names import path_label, pose_words
from hipviz.render.colours import diverging_colormap
from hipviz.render.length_plot import THEMES, check_theme

if TYPE_CHECKING:
    from hipviz.core.model import HipModel

log = logging.getLogger(__name__)

#: samples per axis of each panel
N_MAP = 31
#: panel -> (y axis, the angle held, y label)
PANELS = {
    "rotation": (
        "rotation",
        "abduction",
        "Hip rotation, deg (+ internal, \N{MINUS SIGN} external)",
    ),
    "abduction": (
        "abduction",
        "rotation",
        "Hip abduction, deg (+ abduction, \N{MINUS SIGN} adduction)",
    ),
}
#: artist ids (matplotlib gid, SVG element id)
CURRENT_GID = "current-pose"
STRETCH_GID = "stretch-position"
RELEASE_GID = "release-position"


def length_maps(model: HipModel, key: str, n: int = N_MAP) -> dict[str, tuple]:
    """The length change (mm) of path ``key`` over each panel's two angles.

    Returns
    -------
    dict panel -> (flexion (n,), y (n,), change (n, n) [y index, flexion index], held value)
        At the poses the model reaches (the thighs stop where they touch), the other side
        and the held angle as the model's pose has them.
    """
    side = key.split(".")[0]
    reached = model.solution.reached.side(side)
    now = {"abduction": reached.hip_abduction_deg, "rotation": reached.hip_rotation_deg}
    flexion = np.linspace(*DEFAULT_BOX["flexion"], n)
    index = model.muscles.keys.index(key)
    out = {}
    for panel, (y_axis, held, _) in PANELS.items():
        y = np.linspace(*DEFAULT_BOX[y_axis], n)
        f, v = np.meshgrid(flexion, y)
        values = {
            f"{side}.{AXIS_KEYS['flexion']}": f.ravel(),
            f"{side}.{AXIS_KEYS[y_axis]}": v.ravel(),
            f"{side}.{AXIS_KEYS[held]}": np.full(f.size, now[held]),
        }
        lengths = model.sweep(values)[:, index]
        change = (lengths - model.muscles.rest_lengths[index]).reshape(f.shape)
        out[panel] = (flexion, y, change, float(now[held]))
    return out


def length_map_data(model: HipModel, key: str, n: int = N_MAP) -> tuple[dict, dict]:
    """What :func:`plot_length_map` draws for path ``key`` at the model's pose, computed once
    so a caller (the window's plot dock) can keep it while the pose stays put.

    Returns
    -------
    (maps, found)
        :func:`length_maps`, and goal (``"lengthen"``, ``"shorten"``) ->
        :func:`~hipviz.core.positions.find_position`'s answer.
    """
    side, muscle = key.split(".")
    maps = length_maps(model, key, n)
    found = {goal: find_position(model, muscle, side, goal) for goal in ("lengthen", "shorten")}
    return maps, found


def plot_length_map(
    model: HipModel,
    key: str,
    *,
    n: int = N_MAP,
    data: tuple[dict, dict] | None = None,
    theme: str = "light",
    size_in: tuple[float, float] = (8.0, 5.0),
    figure: Figure | None = None,
) -> Figure:
    """Heat maps of path ``key``'s length change over flexion x rotation and flexion x
    ab/adduction, with the current pose and the stretch and release positions marked.

    Parameters
    ----------
    model : HipModel
        Its pose is the current pose (the held angles, the other side).
    key : str
        ``"right.piriformis"``, ...
    n : int, default: 31
        Samples per axis.
    theme : {"light", "dark"}, default: "light"
    size_in : (float, float), default: (8, 5)
    figure : Figure, optional
        Draw into this figure (cleared).
    data : (maps, found), optional
        :func:`length_map_data` for this model's pose and ``key`` (else computed here).
    """
    check_theme(theme)
    ink, background, grid_colour, _ = THEMES[theme]
    side = key.split(".")[0]
    maps, found = data if data is not None else length_map_data(model, key, n)
    reached = model.solution.reached.side(side)
    now = {
        "flexion": reached.hip_flexion_deg,
        "abduction": reached.hip_abduction_deg,
        "rotation": reached.hip_rotation_deg,
    }
    limit = max(float(np.abs(m[2]).max()) for m in maps.values()) or 1.0
    cmap = ListedColormap(np.asarray(diverging_colormap()), name="hipviz-length")
    if figure is None:
        figure = Figure(figsize=size_in)
    figure.clear()
    figure.set_layout_engine("none")
    figure.set_facecolor(background)
    # placed by hand (gridspec, not subplots_adjust, which a figure that had a layout engine
    # refuses: the plot dock lends one with constrained layout)
    axes = figure.subplots(
        1,
        2,
        sharex=True,
        gridspec_kw={"bottom": 0.3, "top": 0.86, "left": 0.08, "right": 0.84, "wspace": 0.3},
    )
    image = None
    for ax, (panel, (flexion, y, change, held)) in zip(axes, maps.items(), strict=True):
        y_axis, held_axis, ylabel = PANELS[panel]
        image = ax.pcolormesh(
            flexion, y, change, cmap=cmap, vmin=-limit, vmax=limit, shading="nearest"
        )
        image.set_gid(f"map-{panel}")
        ax.set_facecolor(background)
        ax.set_xlabel("Hip flexion, deg", color=ink)
        ax.set_ylabel(ylabel, color=ink)
        shown = round(held) + 0  # no "-0"
        ax.set_title(f"{held_axis} held at {shown:+d} deg (as now)", color=ink, fontsize="medium")
        ax.tick_params(colors=ink)
        for spine in ax.spines.values():
            spine.set_color(grid_colour)
        ax.plot(
            now["flexion"],
            now[y_axis],
            "o",
            ms=9,
            mfc="none",
            mec=ink,
            mew=2,
            label="now",
            gid=CURRENT_GID,
            clip_on=False,
        )
        for goal, marker, gid in (("lengthen", "*", STRETCH_GID), ("shorten", "v", RELEASE_GID)):
            p = found[goal]
            a = p.angles_deg
            word = "stretch" if goal == "lengthen" else "release"
            ax.plot(
                a["flexion"],
                a[y_axis],
                marker,
                ms=13,
                mfc=ink,
                mec=background,
                mew=1,
                gid=gid,
                clip_on=False,
                label=(
                    f"{word}: {pose_words(*a.values())[4:]} ({number(p.change_mm, sign=True)} mm)"
                ),
            )
    axes[0].legend(
        loc="upper center",
        bbox_to_anchor=(1.1, -0.16),
        ncol=1,
        fontsize="small",
        frameon=False,
        labelcolor=ink,
    )
    bar = figure.colorbar(image, cax=figure.add_axes((0.87, 0.3, 0.018, 0.56)))
    bar.set_label("Length change (mm): \N{MINUS SIGN} shortened, + lengthened", color=ink)
    bar.ax.tick_params(colors=ink)
    figure.suptitle(f"{path_label(key)}: length change over the hip's range", color=ink)
    return figure
