"""``hipviz plot --map``: a muscle's length change over two hip angles, with the current
pose and the stretch and release positions marked."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from hipviz.cli import main
from hipviz.core.pose import Pose
from hipviz.core.positions import find_position
from hipviz.io.model_files import load_model
from hipviz.render.length_map import (
    CURRENT_GID,
    RELEASE_GID,
    STRETCH_GID,
    length_maps,
    plot_length_map,
)
from hipviz.render.length_plot import save_plot

POSE = Pose().with_values(
    {"right.hip_flexion_deg": 45, "right.hip_abduction_deg": -10, "right.hip_rotation_deg": -20}
)


@pytest.fixture(scope="module")
def model():
    m = load_model()
    m.set_pose(POSE)
    return m


def test_the_map_is_the_models_length_change_at_the_poses_it_reaches(model):
    maps = length_maps(model, "right.piriformis", n=7)
    flexion, rotation, change, held = maps["rotation"]
    assert held == pytest.approx(-10)  # the abduction the hip has now
    i = model.muscles.keys.index("right.piriformis")
    for r, f in ((0, 0), (3, 6), (6, 2)):
        pose = Pose().with_values(
            {
                "right.hip_flexion_deg": float(flexion[f]),
                "right.hip_abduction_deg": -10.0,
                "right.hip_rotation_deg": float(rotation[r]),
            }
        )
        assert change[r, f] == pytest.approx(float(model.solve(pose).change_mm[i]), abs=1e-9)


def test_no_point_of_a_panel_beats_the_stretch_or_release_position(model):
    maps = length_maps(model, "right.gluteus_medius_posterior", n=15)
    stretch = find_position(model, "gluteus_medius_posterior", "right", "lengthen")
    release = find_position(model, "gluteus_medius_posterior", "right", "shorten")
    for _, _, change, _ in maps.values():
        assert change.max() <= stretch.change_mm + 1e-3
        assert change.min() >= release.change_mm - 1e-3


def test_the_figure_marks_now_and_the_two_positions_and_exports(model, tmp_path):
    figure = plot_length_map(model, "right.piriformis", n=11)
    marks = {
        line.get_gid(): line.get_xydata()[0]
        for ax in figure.axes
        for line in ax.get_lines()
        if ax.get_ylabel().startswith("Hip rotation")
    }
    assert marks[CURRENT_GID] == pytest.approx([45, -20])
    stretch = find_position(model, "piriformis", "right", "lengthen")
    assert marks[STRETCH_GID] == pytest.approx(
        [stretch.angles_deg["flexion"], stretch.angles_deg["rotation"]]
    )
    assert RELEASE_GID in marks
    svg = save_plot(figure, tmp_path / "map.svg").read_text()
    for gid in (CURRENT_GID, STRETCH_GID, RELEASE_GID, "map-rotation", "map-abduction"):
        assert f'id="{gid}' in svg, gid
    assert "stretch: " in svg and "release: " in svg  # the legend says the poses in words


def test_cli_writes_the_map_as_png(tmp_path, capsys):
    out = tmp_path / "piriformis.png"
    args = ["plot", "--map", "left.gluteus_medius", "--part", "posterior", "-o", str(out)]
    assert main(args) == 0
    assert "left.gluteus_medius_posterior" in capsys.readouterr().out
    image = np.asarray(Image.open(out).convert("RGB"))
    assert image.shape == (1000, 1600, 3)
    # both ends of the length colours are there: shortened blue and lengthened orange-red
    r, g, b = (image[..., k].astype(int) for k in range(3))
    assert ((b - r) > 80).sum() > 1000 and ((r - b) > 80).sum() > 1000


@pytest.mark.parametrize(
    ("value", "message"),
    [("middle.piriformis", "the side must be right or left"), ("psoas", "unknown muscle")],
)
def test_cli_bad_map_is_one_line_and_exit_2(tmp_path, capsys, value, message):
    assert main(["plot", "--map", value, "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert not (tmp_path / "x.png").exists()


# --- the map in the window's Plot dock -----------------------------------------------------------
@pytest.mark.gui
def test_the_plot_dock_shows_and_exports_the_selected_muscles_map(window, qtbot, tmp_path):
    panel = window.plot
    window.docks["plot"].toggleViewAction().trigger()
    qtbot.waitUntil(lambda: panel.sweeps >= 1)
    assert panel.map_computes == 0  # lazy: nothing computed until the map is shown
    window.select_path("right.piriformis")
    assert panel.map_computes == 0
    panel.kind_combo.setCurrentIndex(panel.kind_combo.findData("map"))
    assert panel.kind == "map"
    assert panel.kind_combo.currentText() == "Length map"
    assert not panel.control_combo.isEnabled()
    qtbot.waitUntil(lambda: panel.map_computes == 1)
    title = panel.figure._suptitle.get_text()
    assert "Right piriformis" in title
    panels = [ax for ax in panel.figure.axes if ax.collections]
    assert len(panels) == 3  # flexion x rotation, flexion x ab/adduction, the colour bar
    gids = {c.get_gid() for ax in panels for c in ax.collections}
    assert {"map-rotation", "map-abduction"} <= gids
    for ax in panels[:2]:
        marks = {line.get_gid() for line in ax.get_lines()}
        assert {CURRENT_GID, STRETCH_GID, RELEASE_GID} <= marks
    assert panels[0].get_xlabel() == "Hip flexion, deg"
    assert panels[0].get_ylabel().startswith("Hip rotation")
    assert panels[1].get_ylabel().startswith("Hip abduction")

    # a pose already mapped comes from the cache; a drag is throttled, not one map per step
    slider = window.controls.controls["right.hip_flexion_deg"].spin
    for value in (10.0, 20.0, 30.0, 40.0, 50.0):
        slider.setValue(value)
    qtbot.waitUntil(lambda: not panel._throttle.isActive(), timeout=10000)
    qtbot.wait(50)
    assert panel.map_computes in (2, 3)  # the first step and the last, not five
    computed = panel.map_computes

    now = next(ln for ln in panel.figure.axes[0].get_lines() if ln.get_gid() == CURRENT_GID)
    assert list(now.get_xdata()) == pytest.approx([50.0], abs=0.5)
    slider.setValue(0.0)
    qtbot.waitUntil(lambda: not panel._throttle.isActive(), timeout=10000)
    assert panel.map_computes == computed  # pose 0 was mapped already

    # selecting another muscle maps it
    window.select_path("left.gluteus_medius_posterior")
    label = "Left gluteus medius, posterior fibres"
    assert label in panel.figure._suptitle.get_text()

    png = panel.export(tmp_path / "map.png")
    with Image.open(png) as image:
        assert image.size == (1600, 1000)  # 8 x 5 inches at 200 dpi, whatever the dock
    svg = panel.export(tmp_path / "map.svg").read_text()
    assert f'id="{STRETCH_GID}' in svg
    assert f'id="{CURRENT_GID}' in svg
    assert label in svg
