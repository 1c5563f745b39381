"""Moment arms against hip flexion: the signs the literature is clear about, the curves are
the model's own moment arms, the figure, ``hipviz plot`` and the plot panel."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hipviz.cli import main
from hipviz.core.model import HipModel
from hipviz.core.muscles import GROUPS
from hipviz.core.pose import Pose
from hipviz.io.model_files import load_model
from hipviz.render.length_plot import CURRENT_LINE_GID, CURRENT_TEXT_GID, MARKER_GID_PREFIX
from hipviz.render.moment_arm_plot import (
    moment_arm_curves,
    move_moment_arm_markers,
    plot_moment_arms,
)

SVG = "{http://www.w3.org/2000/svg}"
GLUTEAL = [*GROUPS["gluteus_medius"], *GROUPS["gluteus_minimus"]]


MODEL = load_model()


@pytest.fixture
def model() -> HipModel:
    """The shipped model, at neutral."""
    return MODEL


@pytest.fixture
def fresh() -> HipModel:
    """A model of its own (at neutral) to pose."""
    return HipModel(MODEL.anatomy, MODEL.muscles)


def arm(model: HipModel, action: str, key: str, flexion_deg: float) -> float:
    side = key.split(".")[0]
    solution = model.solve(Pose.from_dict({f"{side}.hip_flexion_deg": flexion_deg}))
    return float(solution.moment_arms_mm[action][solution.keys.index(key)])


# --- the signs the literature is unambiguous about -----------------------------------------------
@pytest.mark.parametrize("side", ["right", "left"])
def test_piriformis_turns_from_external_to_internal_rotator(model, side):
    """Delp et al. (1999): external rotator with the hip straight, internal at 90 deg flexion."""
    assert arm(model, "rotation", f"{side}.piriformis", 0.0) < 0
    assert arm(model, "rotation", f"{side}.piriformis", 90.0) > 0


@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("muscle", GLUTEAL)
def test_every_gluteus_medius_and_minimus_fibre_abducts_at_neutral(model, side, muscle):
    """Neumann (2010): all fibres of gluteus medius and minimus are abductors."""
    assert arm(model, "abduction", f"{side}.{muscle}", 0.0) > 0


@pytest.mark.parametrize("side", ["right", "left"])
def test_posterior_gluteus_medius_rotates_externally_in_extension(model, side):
    assert arm(model, "rotation", f"{side}.gluteus_medius_posterior", 0.0) < 0


# --- the curves ----------------------------------------------------------------------------------
@pytest.mark.parametrize("action", ["rotation", "abduction", "flexion"])
def test_curves_equal_the_solution_at_the_current_flexion(fresh, action):
    # a GT-driven right side and an angle-driven left, crests uneven, flexions apart
    fresh.set("right.gt_anterior_mm", -6.0)
    fresh.set("right.hip_flexion_deg", 27.3)
    fresh.set("left.hip_flexion_deg", 63.0)
    fresh.set("left.hip_abduction_deg", 10.0)
    fresh.set("left.iliac_crest_superior_mm", 5.0)
    x, curves = moment_arm_curves(fresh, action)
    np.testing.assert_allclose(x, np.linspace(0.0, 90.0, 101))
    assert list(curves) == list(fresh.muscles.keys)
    solution = fresh.solution
    for i, path in enumerate(solution.keys):
        flexion = 27.3 if path.startswith("right") else 63.0
        assert np.interp(flexion, x, curves[path]) == pytest.approx(
            solution.moment_arms_mm[action][i], abs=0.1
        ), path


def test_rotation_curve_of_piriformis_crosses_zero_once(fresh):
    x, curves = moment_arm_curves(fresh, "rotation")
    piriformis = curves["right.piriformis"]
    assert piriformis[0] < -20 and piriformis[-1] > 10
    assert np.count_nonzero(np.diff(np.sign(piriformis))) == 1
    with pytest.raises(
        ValueError, match="unknown moment arm 'torque'; allowed: rotation, abduction, flexion"
    ):
        moment_arm_curves(fresh, "torque")


def test_figure_marks_each_side_at_its_own_flexion(fresh, tmp_path):
    fresh.set("right.hip_flexion_deg", 30.0)
    shown = ["right.piriformis", "left.piriformis", "left.gluteus_medius_posterior"]
    figure = plot_moment_arms(fresh, "rotation", shown)
    ax = figure.axes[0]
    lines = {ln.get_gid(): ln for ln in ax.get_lines()}
    texts = {t.get_gid(): t for t in ax.texts}
    assert [g for g in lines if g in fresh.muscles.keys] == [
        "right.piriformis",
        "left.gluteus_medius_posterior",
        "left.piriformis",
    ]
    assert list(lines[f"{CURRENT_LINE_GID}-right"].get_xdata()) == [30.0, 30.0]
    assert list(lines[f"{CURRENT_LINE_GID}-left"].get_xdata()) == [0.0, 0.0]
    assert texts[f"{CURRENT_TEXT_GID}-right"].get_text().strip() == "R 30\N{DEGREE SIGN}"
    assert ax.get_ylabel() == "Rotation moment arm (mm)"
    words = {t.get_text() for t in ax.texts}
    assert {"\N{UPWARDS ARROW} internal rotator", "\N{DOWNWARDS ARROW} external rotator"} <= words
    dot = lines[MARKER_GID_PREFIX + "right.piriformis"]
    assert dot.get_xdata()[0] == 30.0
    assert dot.get_ydata()[0] == pytest.approx(arm(fresh, "rotation", "right.piriformis", 30.0))

    # both sides at one flexion: one label; the dots move along the same curves
    fresh.set("left.hip_flexion_deg", 30.0)
    move_moment_arm_markers(figure, fresh, "rotation")
    assert list(lines[f"{CURRENT_LINE_GID}-left"].get_xdata()) == [30.0, 30.0]
    labels = [texts[f"{CURRENT_TEXT_GID}-{s}"].get_text().strip() for s in ("right", "left")]
    assert labels == ["30\N{DEGREE SIGN}", ""]
    assert lines[MARKER_GID_PREFIX + "left.piriformis"].get_ydata()[0] == pytest.approx(
        arm(fresh, "rotation", "left.piriformis", 30.0)
    )

    figure.savefig(tmp_path / "rotation.svg")
    groups = {g.get("id") for g in ET.parse(tmp_path / "rotation.svg").getroot().iter(f"{SVG}g")}
    assert set(shown) <= groups and "right.gluteus_medius_anterior" not in groups


# --- hipviz plot ---------------------------------------------------------------------------------
def test_cli_writes_png_and_svg_that_open(tmp_path, capsys):
    png, svg = tmp_path / "rotation.png", tmp_path / "abduction.svg"
    scene = str(Path(__file__).resolve().parents[1] / "scenes" / "08_piriformis_flexion.toml")
    assert main(["plot", scene, "--moment-arm", "rotation", "-o", str(png)]) == 0
    assert f"wrote {png}" in capsys.readouterr().out
    with Image.open(png) as image:
        assert image.size == (1600, 1000)
        pixels = np.asarray(image.convert("RGB"))
    assert pixels[5, 5].min() > 240  # white, for paper
    assert (
        main(
            [
                "plot",
                "--moment-arm",
                "abduction",
                "-o",
                str(svg),
                "--set",
                "right.hip_flexion_deg=45",
            ]
        )
        == 0
    )
    root = ET.parse(svg).getroot()
    ids = {g.get("id") for g in root.iter(f"{SVG}g")}
    assert {"right.piriformis", "left.gluteus_minimus_middle", f"{CURRENT_LINE_GID}-right"} <= ids
    assert "Abduction moment arm against hip flexion" in "".join(root.itertext())
    # the scene's muscles only
    assert main(["plot", scene, "--moment-arm", "rotation", "-o", str(tmp_path / "s.svg")]) == 0
    ids = {g.get("id") for g in ET.parse(tmp_path / "s.svg").getroot().iter(f"{SVG}g")}
    assert "right.piriformis" in ids and "right.gluteus_medius_anterior" not in ids


@pytest.mark.parametrize(
    "args, message",
    [
        (["--moment-arm", "rotation", "-o", "plot.pdf"], "cannot save a plot as '.pdf'"),
        (["--against", "right.knee", "-o", "plot.png"], "unknown pose key 'right.knee'"),
        (["--moment-arm", "rotation", "-o", "no/such/dir/plot.png"], "no such folder"),
        (
            ["--moment-arm", "rotation", "--set", "right.hip_flexion_deg=120", "-o", "p.png"],
            "out of range",
        ),
    ],
)
def test_cli_bad_input_exits_2_with_the_reason(args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["plot", *args]) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


# --- the panel in the window ---------------------------------------------------------------------
@pytest.mark.gui
def test_panel_plots_a_moment_arm_and_exports_it(window, qtbot, tmp_path):
    panel = window.plot
    window.docks["plot"].toggleViewAction().trigger()
    qtbot.waitUntil(lambda: panel.sweeps >= 1)
    panel.kind_combo.setCurrentIndex(panel.kind_combo.findData("rotation"))  # as a user picks
    assert panel.kind == "rotation"
    assert not panel.control_combo.isEnabled() and not panel.quantity_combo.isEnabled()
    ax = panel.figure.axes[0]
    assert ax.get_xlim() == (0.0, 90.0) and ax.get_ylabel() == "Rotation moment arm (mm)"
    x, curves = moment_arm_curves(window.model, "rotation")
    line = next(ln for ln in ax.get_lines() if ln.get_gid() == "right.piriformis")
    np.testing.assert_allclose(line.get_ydata(), curves["right.piriformis"])

    # moving a flexion moves only the marker; the held angles changing redraws the curves
    sweeps = panel.sweeps
    window.controls.controls["right.hip_flexion_deg"].spin.setValue(60.0)
    dot = next(
        ln
        for ln in panel.figure.axes[0].get_lines()
        if ln.get_gid() == MARKER_GID_PREFIX + "right.piriformis"
    )
    assert dot.get_xdata()[0] == 60.0
    qtbot.wait(panel._throttle.interval() + 30)
    assert panel.sweeps == sweeps
    window.controls.controls["right.gt_anterior_mm"].spin.setValue(5.0)  # turned in
    qtbot.waitUntil(lambda: panel.sweeps == sweeps + 1)

    png = panel.export(tmp_path / "rotation.png")
    with Image.open(png) as image:
        assert image.size == (1600, 1000)
    svg = panel.export(tmp_path / "rotation.svg")
    assert "Rotation moment arm against hip flexion" in "".join(ET.parse(svg).getroot().itertext())
    assert "Saved the rotation moment-arm plot" in window.statusBar().currentMessage()
    panel.kind_combo.setCurrentIndex(panel.kind_combo.findData("length"))
    assert panel.control_combo.isEnabled()
    assert panel.figure.axes[0].get_ylabel() == "Length change (mm)"
