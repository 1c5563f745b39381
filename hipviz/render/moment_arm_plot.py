"""Moment arm against hip flexion: what each muscle does to the hip as the hip bends.

Matplotlib only (a :class:`matplotlib.figure.Figure`, no pyplot, no Qt), drawn like the
length plot (:func:`hipviz.render.length_plot.draw_curves`), so the window's plot panel,
``hipviz plot`` and a script make the same figure::

    model = load_model()  # hipviz.io.model_files
    plot_moment_arms(model, "rotation").savefig("rotation.svg")

The curves answer "what does this muscle do at this much flexion?": piriformis, an
external rotator with the hip straight, crosses zero and turns the flexed hip inwards.
Each side's flexion runs from 0 to 90 degrees with its abduction and rotation held at the
angles it has now (a side the GT drives keeps the angles its GT gives now) and the iliac
crests as they are; a dot marks each muscle at its side's current flexion.

The moment arms are ``-dL/d(angle)`` by central differences, as
:attr:`hipviz.core.model.Solution.moment_arms_mm` computes them, for all flexions at once
(one vectorised sweep of ``2 n`` poses, both sides together).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from hipviz.core.model import ANGLE_STEP_RAD
from hipviz.core.pose import GT_KEYS, SIDES
from hipviz.formatting import number
from hipviz.render.colours import COLOUR_SCALES
from hipviz.render.length_plot import (
    CURRENT_LINE_GID,
    CURRENT_TEXT_GID,
    MARKER_GID_PREFIX,
    N_SAMPLES,
    SIDE_STYLES,
    CurrentLine,
    control_values,
    draw_curves,
)

if TYPE_CHECKING:
    from hipviz.core.model import HipModel

log = logging.getLogger(__name__)

#: action (a key of ``Solution.moment_arms_mm``) -> the pose angle it turns about
ACTIONS = {
    "rotation": "hip_rotation_deg",
    "abduction": "hip_abduction_deg",
    "flexion": "hip_flexion_deg",
}
FLEXION = "hip_flexion_deg"
XLABEL = "Hip flexion, deg (each side its own; abduction and rotation held as now)"
#: two sides' flexions closer than this share one label, deg
SAME_FLEXION_DEG = 0.05


def check_action(action: str) -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown moment arm '{action}'; allowed: {', '.join(ACTIONS)}")


def moment_arm_curves(
    model: HipModel, action: str, n: int = N_SAMPLES
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Each path's moment arm over hip flexion 0-90 deg, the rest of the pose as it is.

    Parameters
    ----------
    model : HipModel
        Its current pose gives the held values (see the module's description).
    action : {"rotation", "abduction", "flexion"}
        Which moment arm (positive: internal rotator, abductor, flexor).
    n : int, default: 101
        Samples over 0-90 deg.

    Returns
    -------
    x : (n,) float
        Hip flexion, deg (each path against its own side's flexion).
    curves : dict of str to (n,) float
        Path key -> moment arm at each x, mm, in model order.
    """
    check_action(action)
    x = control_values(f"right.{FLEXION}", n)
    step_deg = math.degrees(ANGLE_STEP_RAD)
    reached = model.solution.reached
    values = {}
    for side in SIDES:
        held = reached.side(side)
        angles = {
            FLEXION: x,
            "hip_abduction_deg": np.full(n, held.hip_abduction_deg),
            "hip_rotation_deg": np.full(n, held.hip_rotation_deg),
        }
        turned = ACTIONS[action]
        for name, v in angles.items():
            # the first n poses one step on, the last n one step back
            values[f"{side}.{name}"] = (
                np.r_[v + step_deg, v - step_deg] if name == turned else np.r_[v, v]
            )
    lengths = model.sweep(values)  # (2n, n_paths)
    arms = -(lengths[:n] - lengths[n:]) / (2.0 * ANGLE_STEP_RAD)
    return x, {path: arms[:, i] for i, path in enumerate(model.muscles.keys)}


def current_flexion(model: HipModel) -> dict[str, float]:
    """Each side's hip flexion now, deg."""
    return {side: float(model.pose.side(side).hip_flexion_deg) for side in SIDES}


def current_moment_arms(model: HipModel, action: str) -> dict[str, float]:
    """Each path's moment arm at the model's current pose, mm."""
    check_action(action)
    solution = model.solution
    arms = solution.moment_arms_mm[action]
    return {path: float(v) for path, v in zip(solution.keys, arms, strict=True)}


def curve_inputs(model: HipModel) -> dict[str, float]:
    """The pose values the curves depend on (all but the flexions and the GT positions, which
    the held angles stand for): equal inputs, equal curves; only the dots move."""
    return {
        k: v
        for k, v in model.solution.reached.as_dict().items()
        if not k.endswith((FLEXION, *GT_KEYS))
    }


def flexion_label(value: float) -> str:
    """``30.0`` -> ``"30°"``, ``32.5`` -> ``"32.5°"``."""
    return number(value).rstrip("0").rstrip(".") + "\N{DEGREE SIGN}"


def current_lines(flexion: dict[str, float], sides: Iterable[str]) -> list[CurrentLine]:
    """A current-flexion line per side (solid right, dashed left, as the curves), labelled
    once when the sides agree, else each with its side's initial, set apart."""
    sides = list(sides)
    if len(sides) == 1 or abs(flexion["right"] - flexion["left"]) < SAME_FLEXION_DEG:
        return [
            CurrentLine(
                f"-{s}",
                flexion[s],
                f" {flexion_label(flexion[s])} " if i == 0 else "",
                SIDE_STYLES[s],
            )
            for i, s in enumerate(sides)
        ]
    low = min(sides, key=lambda s: flexion[s])  # its label to the left of its line
    return [
        CurrentLine(
            f"-{s}",
            flexion[s],
            f" {s[0].upper()} {flexion_label(flexion[s])} ",
            SIDE_STYLES[s],
            "right" if s == low else "left",
        )
        for s in sides
    ]


def plot_moment_arms(
    model: HipModel,
    action: str,
    visible: Iterable[str] | None = None,
    *,
    n: int = N_SAMPLES,
    curves: tuple[np.ndarray, dict[str, np.ndarray]] | None = None,
    figure: Figure | None = None,
    theme: str = "light",
    scale: float = 1.0,
    size_in: tuple[float, float] = (8.0, 5.0),
) -> Figure:
    """Plot the visible paths' moment arm against hip flexion, the current flexion marked.

    Parameters
    ----------
    model : HipModel
    action : {"rotation", "abduction", "flexion"}
    visible : iterable of str, optional
        Path keys to draw; all paths when not given.
    n : int, default: 101
        Samples over 0-90 deg (ignored when ``curves`` is given).
    curves : (x, dict), optional
        From :func:`moment_arm_curves`, to redraw without evaluating the model again.
    figure, theme, scale, size_in
        As for :func:`hipviz.render.length_plot.plot_lengths`.

    Returns
    -------
    matplotlib.figure.Figure
        Each curve's artist has the path key as its gid, each side's current-flexion line
        ``"current-value-<side>"`` and each dot ``"marker-<path key>"``.
    """
    check_action(action)
    x, ys = curves if curves is not None else moment_arm_curves(model, action, n)
    flexion = current_flexion(model)
    now = current_moment_arms(model, action)
    shown = [p for p in ys if visible is None or p in set(visible)]
    sides = [s for s in SIDES if any(p.startswith(f"{s}.") for p in shown)] or list(SIDES)
    scale_words = COLOUR_SCALES[f"moment_arm_{action}"]
    return draw_curves(
        x,
        ys,
        shown,
        {p: (flexion[p.split(".")[0]], y) for p, y in now.items()},
        current_lines(flexion, sides),
        xlabel=XLABEL,
        ylabel=scale_words.title,
        title=f"{action.capitalize()} moment arm against hip flexion",
        up_word=scale_words.positive,
        down_word=scale_words.negative,
        figure=figure,
        theme=theme,
        scale=scale,
        size_in=size_in,
    )


def move_moment_arm_markers(figure: Figure, model: HipModel, action: str) -> None:
    """Move the dots and current-flexion lines of a :func:`plot_moment_arms` figure to the
    model's pose (no curve is evaluated): for when only a flexion changed."""
    flexion = current_flexion(model)
    now = current_moment_arms(model, action)
    for ax in figure.axes:
        sides = [
            s
            for s in SIDES
            if any(line.get_gid() == f"{CURRENT_LINE_GID}-{s}" for line in ax.get_lines())
        ]
        lines = {line.suffix: line for line in current_lines(flexion, sides)}
        for artist in ax.get_lines():
            gid = artist.get_gid() or ""
            if gid.startswith(MARKER_GID_PREFIX):
                path = gid[len(MARKER_GID_PREFIX) :]
                artist.set_data([flexion[path.split(".")[0]]], [now[path]])
            elif gid.startswith(CURRENT_LINE_GID):
                x = lines[gid[len(CURRENT_LINE_GID) :]].x
                artist.set_xdata([x, x])
        for text in ax.texts:
            gid = text.get_gid() or ""
            if gid.startswith(CURRENT_TEXT_GID):
                line = lines[gid[len(CURRENT_TEXT_GID) :]]
                text.set_x(line.x)
                text.set_text(line.text)
                text.set_horizontalalignment(line.ha)
