"""The length-displacement plot: the curves are the model's numbers, the figure draws what
is shown, the panel follows the model live, and the exports open."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from matplotlib.image import imread
from PyQt5.QtCore import Qt

from hipviz.core.pose import PoseError
from hipviz.io.model_files import load_model
from hipviz.render.length_plot import (
    CURRENT_LINE_GID,
    MARKER_GID_PREFIX,
    length_curves,
    move_marker,
    plot_lengths,
)
from hipviz.state import DEFAULT_PATHS

GT_UP = "right.gt_superior_mm"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.fixture
def fresh(model):
    model.reset()
    yield model
    model.reset()


def curve_gids(figure) -> list[str]:
    return [
        line.get_gid()
        for ax in figure.axes
        for line in ax.get_lines()
        if line.get_gid()
        and "." in line.get_gid()
        and not line.get_gid().startswith(MARKER_GID_PREFIX)
    ]


def current_line(figure):
    return next(line for line in figure.axes[0].get_lines() if line.get_gid() == CURRENT_LINE_GID)


def marker_column_share(panel, value: float) -> float:
    """Share of the plot's height where the canvas shows the marker's grey at ``value``."""
    ax = panel.figure.axes[0]
    image = np.asarray(panel.canvas.buffer_rgba())[:, :, :3].astype(float)
    x0, y0 = ax.transData.transform((value, ax.get_ylim()[0]))
    _, y1 = ax.transData.transform((value, ax.get_ylim()[1]))
    rows = slice(image.shape[0] - int(y1) + 3, image.shape[0] - int(y0) - 3)
    column = image[rows, int(round(x0))]
    grey = 0.8 * np.array([0x5B, 0x65, 0x70]) + 0.2 * 255  # the marker line over white
    return float(np.mean(np.linalg.norm(column - grey, axis=1) < 30))


# --- the numbers -------------------------------------------------------------------------------
def test_curves_equal_the_model_sweep_with_the_other_controls_held(fresh):
    fresh.set("left.iliac_crest_superior_mm", 6.0)
    fresh.set("right.gt_anterior_mm", -8.0)
    x, curves = length_curves(fresh, GT_UP)
    np.testing.assert_allclose(x, np.linspace(-25.0, 25.0, 101))
    expected = fresh.sweep({GT_UP: x}) - fresh.muscles.rest_lengths
    assert list(curves) == list(fresh.muscles.keys)
    for i, path in enumerate(fresh.muscles.keys):
        np.testing.assert_allclose(curves[path], expected[:, i], atol=1e-12)
    # at a sampled value the curve is the model's own solution there (x[70] = +10 mm)
    fresh.set(GT_UP, 10.0)
    np.testing.assert_allclose(
        [curves[p][70] for p in fresh.muscles.keys], fresh.solution.change_mm, atol=1e-9
    )
    # a superior right GT shortens the right piriformis, and leaves the left one alone,
    # except where the right GT is low enough for the thighs to meet: both hips' adduction
    # is held back there (the femurs stop where they touch)
    assert curves["right.piriformis"][-1] < curves["right.piriformis"][50] - 3.0
    apart = np.array(
        [not fresh.solve(fresh.pose.with_value(GT_UP, v), False).reasons["left"] for v in x]
    )
    assert apart.sum() > 50 and not apart[0]
    assert np.ptp(curves["left.piriformis"][apart]) < 1e-9


def test_percent_curves_and_degrees(fresh):
    x, pct = length_curves(fresh, "left.hip_flexion_deg", n=31, quantity="pct")
    assert x[0] == 0.0 and x[-1] == 90.0 and len(x) == 31
    lengths = fresh.sweep({"left.hip_flexion_deg": x})
    rest = fresh.muscles.rest_lengths
    i = fresh.muscles.keys.index("left.piriformis")
    np.testing.assert_allclose(pct["left.piriformis"], 100 * (lengths[:, i] - rest[i]) / rest[i])
    with pytest.raises(PoseError, match="unknown pose key 'right.knee'.*allowed"):
        length_curves(fresh, "right.knee")
    with pytest.raises(ValueError, match="unknown quantity 'cm'; allowed: mm, pct"):
        length_curves(fresh, GT_UP, quantity="cm")


# --- the figure --------------------------------------------------------------------------------
def test_figure_draws_the_visible_curves_and_the_current_value(fresh, tmp_path):
    fresh.set(GT_UP, 8.0)
    shown = ["right.piriformis", "right.gluteus_medius_anterior", "left.piriformis"]
    figure = plot_lengths(fresh, GT_UP, shown)
    assert curve_gids(figure) == [p for p in fresh.muscles.keys if p in shown]
    x, curves = length_curves(fresh, GT_UP)
    line = next(ln for ln in figure.axes[0].get_lines() if ln.get_gid() == "right.piriformis")
    np.testing.assert_allclose(line.get_ydata(), curves["right.piriformis"])
    assert list(current_line(figure).get_xdata()) == [8.0, 8.0]
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend == ["G. medius anterior", "Piriformis", "Right side", "Left side"]

    fresh.set(GT_UP, -12.0)
    move_marker(figure, fresh, GT_UP)
    assert list(current_line(figure).get_xdata()) == [-12.0, -12.0]
    dot = next(
        ln
        for ln in figure.axes[0].get_lines()
        if ln.get_gid() == MARKER_GID_PREFIX + "right.piriformis"
    )
    i = fresh.solution.keys.index("right.piriformis")
    assert dot.get_ydata()[0] == pytest.approx(fresh.solution.change_mm[i])
    assert dot.get_ydata()[0] == pytest.approx(
        np.interp(-12.0, x, curves["right.piriformis"]), abs=1e-3
    )

    figure.savefig(tmp_path / "plot.svg")
    root = ET.parse(tmp_path / "plot.svg").getroot()
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g")}
    for path in shown:
        assert groups[path].find(f".//{SVG}path") is not None, path
    assert "right.gluteus_minimus_middle" not in groups
    assert CURRENT_LINE_GID in groups


def test_dark_projector_figure_png(fresh, tmp_path):
    figure = plot_lengths(
        fresh, "right.gt_anterior_mm", theme="dark", scale=1.6, size_in=(6.0, 4.0)
    )
    figure.savefig(tmp_path / "dark.png", dpi=100, facecolor=figure.get_facecolor())
    image = imread(tmp_path / "dark.png")
    assert image.shape[:2] == (400, 600)
    assert image[2, 2, :3].max() < 0.1  # a dark background for a dim room
    with pytest.raises(ValueError, match="unknown theme 'blue'; allowed: light, dark"):
        plot_lengths(fresh, GT_UP, theme="blue")


# --- the panel in the window -------------------------------------------------------------------
@pytest.mark.gui
def test_panel_follows_the_model(window, qtbot):
    panel, dock = window.plot, window.docks["plot"]
    assert not dock.isVisible()  # hidden until asked for, and idle meanwhile
    window.controls.controls["left.gt_anterior_mm"].spin.setValue(5.0)
    assert panel.sweeps == 0
    qtbot.keyClick(window, Qt.Key_G, Qt.ControlModifier)
    qtbot.waitUntil(lambda: panel.sweeps == 1)
    assert dock.isVisible()
    # every path shown (gluteus maximus and tensor fasciae latae start hidden)
    assert panel.plotted_paths() == [k for k in window.model.muscles.keys if k in DEFAULT_PATHS]
    x, curves = length_curves(window.model, GT_UP)
    line = next(ln for ln in panel.figure.axes[0].get_lines() if ln.get_gid() == "left.piriformis")
    np.testing.assert_allclose(line.get_ydata(), curves["left.piriformis"])

    # the plotted control: the marker moves along the same curves (no new evaluation), and
    # on screen: the canvas shows the marker's grey line at +10 mm, and no longer at 0
    assert marker_column_share(panel, 0.0) > 0.6
    window.controls.controls[GT_UP].spin.setValue(10.0)
    assert list(current_line(panel.figure).get_xdata()) == [10.0, 10.0]
    assert marker_column_share(panel, 10.0) > 0.6
    assert marker_column_share(panel, 0.0) < 0.3
    qtbot.wait(panel._throttle.interval() + 30)
    assert panel.sweeps == 1

    # another control: the curves themselves change (evaluated again, throttled)
    window.controls.controls["right.hip_flexion_deg"].spin.setValue(40.0)
    qtbot.waitUntil(lambda: panel.sweeps == 2)
    x, curves = length_curves(window.model, GT_UP)
    line = next(ln for ln in panel.figure.axes[0].get_lines() if ln.get_gid() == "right.piriformis")
    np.testing.assert_allclose(line.get_ydata(), curves["right.piriformis"])
    assert window.model.pose.get("right.hip_flexion_deg") == 40.0

    # hiding a muscle removes its curves; choosing another control re-plots against it
    window.display.set_muscle_shown("piriformis", False)
    assert "right.piriformis" not in panel.plotted_paths()
    assert "left.piriformis" not in panel.plotted_paths()
    assert "right.gluteus_medius_anterior" in panel.plotted_paths()
    panel.control_combo.setCurrentIndex(panel.control_combo.findData("left.hip_flexion_deg"))
    assert panel.key == "left.hip_flexion_deg"
    assert panel.figure.axes[0].get_xlim() == (0.0, 90.0)
    assert "Left hip flexion, deg" in panel.figure.axes[0].get_xlabel()


@pytest.mark.gui
def test_panel_follows_a_scene_file_and_exports_png_and_svg(window, qtbot, tmp_path):
    window.docks["plot"].toggleViewAction().trigger()
    qtbot.waitUntil(lambda: window.plot.sweeps >= 1)
    scene = tmp_path / "case.toml"
    scene.write_text(
        "hipviz_scene = 1\n[pose.right]\ngt_superior_mm = 6.0\n"
        '[display]\nmuscles = ["right.piriformis", "left.piriformis"]\n'
    )
    window.open_scene(scene)
    qtbot.waitUntil(lambda: window.plot.plotted_paths() == ["right.piriformis", "left.piriformis"])
    assert list(current_line(window.plot.figure).get_xdata()) == [6.0, 6.0]

    png = window.plot.export(tmp_path / "lengths.png")
    image = imread(png)
    assert image.shape[:2] == (1000, 1600)  # 8 x 5 inches at 200 dpi, whatever the dock
    assert image[5, 5, :3].min() > 0.95  # white, for paper
    svg = window.plot.export(tmp_path / "lengths.svg")
    ids = {g.get("id") for g in ET.parse(svg).getroot().iter(f"{SVG}g")}
    assert {"right.piriformis", "left.piriformis", CURRENT_LINE_GID} <= ids
    assert "right.gluteus_medius_middle" not in ids
    assert "Saved the length plot" in window.statusBar().currentMessage()
    with pytest.raises(
        ValueError,
        match=r"lengths\.pdf: cannot save a plot as '\.pdf'; "
        r"allowed: \.png, \.svg",
    ):
        window.plot.export(tmp_path / "lengths.pdf")
    assert not (tmp_path / "lengths.pdf").exists()
