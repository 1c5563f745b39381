"""Colouring the muscles by a moment arm: the right hue on a known internal and external
rotator, the legend's words, updates with the pose, switching back, scene files, figures,
and the Display panel's "Colour by" as a user drives it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from test_render import piriformis_pixel

from hipviz.io.model_files import load_model
from hipviz.io.scene import Display, Scene, read_scene, write_scene
from hipviz.render.export import FigureOptions, FigureRenderer
from hipviz.render.muscle_layer import MOMENT_ARM_SCALARS, SCALARS
from hipviz.render.scene import HipScene

ROOT = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"


def is_green(rgb) -> bool:
    r, g, b = (float(v) for v in rgb[:3])
    return g > r + 12 and g > b + 12


def is_purple(rgb) -> bool:
    r, g, b = (float(v) for v in rgb[:3])
    return r > g + 12 and b > g + 12


def legend_words(scene: HipScene) -> tuple[str, str, str, list[str]]:
    legend = scene.muscles.legend
    return (
        legend.title.GetInput(),
        legend.shortened.GetInput(),
        legend.lengthened.GetInput(),
        [a.GetInput() for a in legend.ticks],
    )


@pytest.fixture
def scene(offscreen_plotter, anatomy):
    """Right hip flexed 90 degrees, left straight, seen from behind."""
    bones, _ = anatomy
    model = load_model()
    model.set("right.hip_flexion_deg", 90.0)
    hip_scene = HipScene(offscreen_plotter, bones, model=model)
    hip_scene.set_view("posterior", render=False)
    return hip_scene


def test_rotation_colours_tell_internal_from_external_rotators(scene):
    length_image = scene.screenshot()
    before = {
        k: piriformis_pixel(scene, length_image, key=k)
        for k in ("right.piriformis", "left.piriformis")
    }
    actors = scene.plotter.renderer.GetViewProps().GetNumberOfItems()

    scene.set_colour_by("moment_arm_rotation")
    arms = scene.model.solution.moment_arms_mm["rotation"]
    keys = scene.model.solution.keys
    assert arms[keys.index("right.piriformis")] > 10  # flexed 90: an internal rotator
    assert arms[keys.index("left.piriformis")] < -20  # straight: an external rotator
    image = scene.screenshot()
    right = piriformis_pixel(scene, image, key="right.piriformis")
    left = piriformis_pixel(scene, image, key="left.piriformis")
    assert is_green(right), right
    assert is_purple(left), left
    assert legend_words(scene) == (
        "Rotation moment arm (mm)",
        "external rotator",
        "internal rotator",
        ["-40", "-20", "0", "+20", "+40"],
    )

    # every pose change recolours in place: the right hip straightened turns purple too
    scene.model.set("right.hip_flexion_deg", 0.0)
    assert is_purple(piriformis_pixel(scene, scene.screenshot(), key="right.piriformis"))
    np.testing.assert_allclose(
        scene.muscles.moment_arm_mm, scene.model.solution.moment_arms_mm["rotation"]
    )
    assert scene.plotter.renderer.GetViewProps().GetNumberOfItems() == actors

    # and back to length colours: the picture and the legend are as before
    scene.model.set("right.hip_flexion_deg", 90.0)
    scene.set_colour_by("length")
    assert np.isnan(scene.muscles.moment_arm_mm).all()
    image = scene.screenshot()
    for key, colour in before.items():
        assert np.abs(piriformis_pixel(scene, image, key=key) - colour).max() <= 6, key
    assert legend_words(scene) == (
        "Length change (% of neutral)",
        "shortened",
        "lengthened",
        ["-10", "-5", "0", "+5", "+10"],
    )
    # the right piriformis is lengthened by flexion: orange-red, not green
    assert before["right.piriformis"][0] > before["right.piriformis"][1]


def test_abduction_range_and_bad_choices(scene):
    scene.model.set("right.hip_flexion_deg", 0.0)
    scene.set_colour_by("moment_arm_abduction", render=False)
    scene.set_moment_arm_range(60.0, render=False)
    assert scene.muscles.moment_arm_lut.scalar_range == (-60.0, 60.0)
    assert legend_words(scene)[1:] == ("adductor", "abductor", ["-60", "-30", "0", "+30", "+60"])
    # the length range is its own: changing it leaves the moment-arm legend alone
    scene.set_colour_limit(4.0, render=False)
    assert legend_words(scene)[3] == ["-60", "-30", "0", "+30", "+60"]
    image = scene.screenshot()
    # every gluteal fibre abducts at neutral: all green
    for muscle in ("gluteus_medius_posterior", "gluteus_minimus_posterior", "piriformis"):
        assert is_green(piriformis_pixel(scene, image, key=f"left.{muscle}")), muscle
    scene.set_colour_by("moment_arm_flexion", render=False)
    assert legend_words(scene)[:3] == ("Flexion moment arm (mm)", "extensor", "flexor")
    with pytest.raises(
        ValueError, match="cannot colour by 'torque'; allowed: length, moment_arm_rotation"
    ):
        scene.set_colour_by("torque")
    with pytest.raises(ValueError, match="positive number of mm"):
        scene.set_moment_arm_range(0.0)
    assert scene.colour_by == "moment_arm_flexion" and scene.moment_arm_range_mm == 60.0
    scene.set_colour_by("length", render=False)
    assert legend_words(scene)[3] == ["-4", "-2", "0", "+2", "+4"]


def test_scene_file_round_trip(tmp_path):
    scene = Scene(
        title="Rotators", display=Display(colour_by="moment_arm_rotation", moment_arm_range_mm=22.5)
    )
    path = tmp_path / "rotators.toml"
    write_scene(scene, path)
    text = path.read_text(encoding="utf-8")
    assert 'colour_by = "moment_arm_rotation"' in text and "moment_arm_range_mm = 22.5" in text
    assert read_scene(path) == scene
    assert Display().colour_by == "length" and Display().moment_arm_range_mm == 40.0


def count(image: np.ndarray, test) -> int:
    return int(sum(test(p) for p in image[::2, ::2, :3].reshape(-1, 3).astype(float)))


def test_figures_follow_the_scene_colouring(tmp_path, anatomy):
    """``hipviz render`` and File > Export figure draw through this renderer."""
    scene = read_scene(ROOT / "scenes" / "08_piriformis_flexion.toml")
    picture_only = FigureOptions(size=(640, 400), legend=False, title=False, caption=False)
    with FigureRenderer(anatomy[0]) as renderer:
        renderer.show(scene, picture_only)
        image = renderer.image()
        green, purple = count(image, is_green), count(image, is_purple)
        assert green > 30 and purple > 30, (green, purple)
        renderer.show(Scene(pose=scene.pose, camera=scene.camera), picture_only)
        assert count(renderer.image(), is_green) < green / 5  # length colours: no green
        # with the legend, the SVG says what the colours mean, as real text
        renderer.show(scene, FigureOptions(size=(800, 500)))
        renderer.write(tmp_path / "legend.svg")
    texts = "".join(ET.parse(tmp_path / "legend.svg").getroot().itertext())
    assert "Rotation moment arm (mm)" in texts and "internal rotator" in texts


@pytest.mark.gui
def test_display_panel_colour_by(window, qtbot, tmp_path):
    display, scene = window.display, window.scene
    window.model.set("right.hip_flexion_deg", 90.0)
    window.set_view("posterior")
    combo = display.colour_combo
    assert combo.currentData() == "length" and display.range_spin.isVisible()
    assert not display.arm_range_spin.isVisible()
    assert "moment arm" in combo.toolTip()
    seen = []
    display.colour_by_changed.connect(seen.append)

    combo.setCurrentIndex(combo.findData("moment_arm_rotation"))  # as a user picks it
    assert seen == ["moment_arm_rotation"] and scene.colour_by == "moment_arm_rotation"
    assert display.arm_range_spin.isVisible() and not display.range_spin.isVisible()
    assert scene.muscles.legend.title.GetInput() == "Rotation moment arm (mm)"
    image = scene.screenshot()
    assert is_green(piriformis_pixel(scene, image, key="right.piriformis"))
    assert is_purple(piriformis_pixel(scene, image, key="left.piriformis"))
    display.arm_range_spin.setValue(25.0)
    assert scene.moment_arm_range_mm == 25.0
    assert scene.muscles.legend.ticks[-1].GetInput() == "+25"

    # a slider recolours: straighten the right hip and its piriformis turns external
    window.controls.controls["right.hip_flexion_deg"].spin.setValue(0.0)
    lines = scene.muscles.lines
    i = window.model.solution.keys.index("right.piriformis")
    # (the anterior fibres stay internal rotators of the straight hip, so look at piriformis)
    assert window.model.solution.moment_arms_mm["rotation"][i] < -10
    assert np.nanmin(np.array(lines.point_data[MOMENT_ARM_SCALARS])) < -10
    assert is_purple(piriformis_pixel(scene, scene.screenshot(), key="right.piriformis"))
    np.testing.assert_allclose(
        scene.muscles.moment_arm_mm[i], window.model.solution.moment_arms_mm["rotation"][i]
    )

    # saved with the scene, and restored by opening it
    path = tmp_path / "rotation.toml"
    assert window.save_scene(path)
    assert read_scene(path).display.colour_by == "moment_arm_rotation"
    assert read_scene(path).display.moment_arm_range_mm == 25.0
    combo.setCurrentIndex(combo.findData("length"))
    assert scene.colour_by == "length" and display.range_spin.isVisible()
    assert scene.muscles.tube_actor.GetMapper().GetArrayName() == SCALARS
    assert np.ptp(piriformis_pixel(scene, scene.screenshot())) < 15  # unchanged length: grey
    window.open_scene(path)
    assert combo.currentData() == "moment_arm_rotation" and scene.colour_by == combo.currentData()
    assert display.arm_range_spin.value() == 25.0 and display.arm_range_spin.isVisible()


def test_ctrl_m_steps_through_the_colourings_and_back(window, qtbot):
    from PyQt5.QtCore import Qt

    scene = window.scene
    titles = []
    for _ in range(4):
        qtbot.keyClick(window, Qt.Key_M, Qt.ControlModifier)  # a real key press
        titles.append(scene.muscles.legend.title.GetInput())
    assert titles == [
        "Rotation moment arm (mm)",
        "Abduction moment arm (mm)",
        "Flexion moment arm (mm)",
        "Length change (% of neutral)",
    ]
    assert scene.colour_by == "length" and window.display.colour_combo.currentData() == "length"
    qtbot.keyClick(window, Qt.Key_M, Qt.ControlModifier)
    assert window.display.colour_combo.currentData() == "moment_arm_rotation"
    assert window.statusBar().currentMessage() == "Muscles coloured by rotation moment arm"
    assert "Ctrl+M" in window.colour_by_action.toolTip()
