"""Trigger-point regions and the self-care ball: placement, drawing, scene files, window."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import pyvista as pv

from hipviz.build.clearance import Clearance
from hipviz.core.muscles import GROUPS
from hipviz.io.meshes import load_bones, load_landmarks
from hipviz.io.model_files import load_model
from hipviz.io.scene import Overlay, Scene, SceneError, parse_scene, read_scene, write_scene
from hipviz.io.trigger_points import (
    build_trigger_points,
    load_trigger_point_data,
    trigger_point_ids,
)
from hipviz.render.colours import LENGTHENED_LAB, NEUTRAL_LAB, SHORTENED_LAB, srgb_to_lab
from hipviz.render.overlay import BALLS, OVERLAY_COLOUR, SOFT_TISSUE_MM
from hipviz.render.scene import BONE_COLOURS, HipScene

ROOT = Path(__file__).resolve().parents[1]
#: a region's centre is this far outside its bone (data offset 2.5 mm), within 4 mm
OUTSIDE_MM = (1.0, 4.0)
#: the muscle paths are centre lines; a region on the bone under the muscle lies within
#: the muscle's half-thickness of its own path (gluteus minimus, the thinnest, ~15 mm
#: thick near its origin; medius 20-25 mm), so within 16 mm, and nearer its own muscle
#: than any other muscle's path
OVER_MUSCLE_MM = 16.0


@pytest.fixture(scope="module")
def bones():
    return load_bones()


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.fixture(scope="module")
def points(bones, model):
    return build_trigger_points(load_trigger_point_data(), model.muscles.paths, bones)


def _segment_distance(p: np.ndarray, line: np.ndarray) -> float:
    a, d = line[:-1], np.diff(line, axis=0)
    t = np.clip(((p - a) * d).sum(1) / (d * d).sum(1), 0.0, 1.0)
    return float(np.linalg.norm(a + t[:, None] * d - p, axis=1).min())


def test_the_data_cites_its_source_and_every_region_is_placed(points):
    data = load_trigger_point_data()
    assert "Travell" in data["source"] and "Trigger Point Manual" in data["source"]
    assert [tp.id for tp in points] == list(trigger_point_ids())
    assert len(points) == 2 * len(data["regions"]) == 2 * 11
    # every muscle the app draws has its regions (gluteus maximus and TFL included)
    assert {tp.muscle for tp in points} == set(GROUPS)
    assert "Gluteus Maximus" in data["source"] and "Tensor Fasciae Latae" in data["source"]


def test_every_region_sits_just_outside_its_bone(points, bones):
    clearance = Clearance(bones)
    for tp in points:
        d = clearance.signed_distance(tp.bone, tp.centre[None])[0]
        assert OUTSIDE_MM[0] <= d <= OUTSIDE_MM[1], (tp.id, d)
        for part in bones:  # and inside no other bone
            assert clearance.signed_distance(part, tp.centre[None])[0] > 0.0, (tp.id, part)


def test_every_region_is_over_its_own_muscle(points, model):
    identity = {b: np.eye(4) for b in ("pelvis", "femur_right", "femur_left")}
    lines = dict(zip(model.muscles.keys, model.muscles.polylines(identity), strict=True))
    for tp in points:
        distances = {
            key: _segment_distance(tp.centre, line)
            for key, line in lines.items()
            if key.startswith(tp.side + ".")
        }
        nearest = min(distances, key=distances.get)
        assert nearest.split(".")[1].startswith(tp.muscle), (tp.id, nearest)
        assert distances[nearest] <= OVER_MUSCLE_MM, (tp.id, distances[nearest])


def test_regions_sit_where_the_maps_put_them_against_the_landmarks(points):
    lm = load_landmarks()
    at = {tp.id: tp.centre for tp in points}
    for side in ("right", "left"):

        def d(region, landmark, side=side):
            return np.linalg.norm(at[f"{side}.{region}"] - np.asarray(lm[side][landmark]))

        # medius TrP1 posterior (by the PSIS/SI joint), TrP3 anterior (by the ASIS)
        assert d("gluteus_medius_trp1", "psis") < d("gluteus_medius_trp3", "psis")
        assert d("gluteus_medius_trp3", "asis") < d("gluteus_medius_trp1", "asis")
        # the front corner: minimus anterior between ASIS and GT, within 6 cm of both
        assert d("gluteus_minimus_anterior_trp", "asis") < 60.0
        assert d("gluteus_minimus_anterior_trp", "greater_trochanter") < 60.0
        # piriformis TrP1 lateral (by the GT), TrP2 medial (by the sacrum)
        assert d("piriformis_trp1", "greater_trochanter") < d(
            "piriformis_trp2", "greater_trochanter"
        )
        # gluteus maximus: TrP1 high by the sacrum (near the PSIS), TrP2 just above the
        # ischial tuberosity, TrP3 lowest and most medial, on the sacrum
        assert d("gluteus_maximus_trp1", "psis") < 30.0
        assert d("gluteus_maximus_trp2", "ischial_tuberosity") < d(
            "gluteus_maximus_trp1", "ischial_tuberosity"
        )
        assert d("gluteus_maximus_trp2", "ischial_tuberosity") < 40.0
        assert at[f"{side}.gluteus_maximus_trp2"][1] > lm[side]["ischial_tuberosity"][1]
        trp3 = at[f"{side}.gluteus_maximus_trp3"]
        assert abs(trp3[2]) < abs(at[f"{side}.gluteus_maximus_trp1"][2])  # nearer the midline
        # tensor fasciae latae: at the front corner, just below the ASIS
        assert d("tensor_fasciae_latae_trp", "asis") < 30.0
        assert at[f"{side}.tensor_fasciae_latae_trp"][1] < lm[side]["asis"][1]
        sacrum = np.asarray(lm["sacrum"]["sacral_plateau"])
        assert np.linalg.norm(at[f"{side}.piriformis_trp2"] - sacrum) < np.linalg.norm(
            at[f"{side}.piriformis_trp1"] - sacrum
        )


def test_the_overlay_colour_reads_apart_from_lengths_and_bone():
    green = srgb_to_lab(np.array(pv.Color(OVERLAY_COLOUR).float_rgb))
    bone = srgb_to_lab(np.array(pv.Color(BONE_COLOURS["pelvis_right"]).float_rgb))
    for other in (SHORTENED_LAB, NEUTRAL_LAB, LENGTHENED_LAB, bone):
        assert np.linalg.norm(green - np.asarray(other)) > 40.0, other
    # lighter than both ends by far: apart for colour-deficient vision too
    assert green[0] - max(SHORTENED_LAB[0], LENGTHENED_LAB[0]) > 20.0


def _green_pixels(image: np.ndarray) -> int:
    rgb = image[..., :3].astype(int)
    return int(
        (
            (rgb[..., 1] > 120)
            & (rgb[..., 1] - rgb[..., 0] > 60)
            & (rgb[..., 1] - rgb[..., 2] > 40)
        ).sum()
    )


def test_toggling_shows_and_hides_the_regions_and_they_follow_the_pose(bones, model):
    plotter = pv.Plotter(off_screen=True, window_size=[640, 480])
    try:
        model.reset()
        scene = HipScene(plotter, bones, model=model)
        scene.set_view("posterior", render=False)
        assert _green_pixels(scene.screenshot()) == 0
        scene.overlay.set_trigger_points_visible(True)
        shown = _green_pixels(scene.screenshot())
        assert shown > 300
        scene.overlay.set_trigger_points_visible(False)
        assert _green_pixels(scene.screenshot()) == 0
        # moved in place with the pelvis: a raised right crest lifts the right side's regions
        before = scene.overlay.room_centres()
        model.set("right.iliac_crest_superior_mm", 10.0)
        after = scene.overlay.room_centres()
        right = [tp.side == "right" for tp in scene.overlay.points]
        assert np.all(after[right, 1] - before[right, 1] > 5.0)
    finally:
        model.reset()
        plotter.close()


def test_the_ball_sits_over_its_point_and_shows(bones, model, points):
    plotter = pv.Plotter(off_screen=True, window_size=[640, 480])
    try:
        model.reset()
        scene = HipScene(plotter, bones, model=model)
        scene.set_view("right", render=False)
        empty = scene.screenshot().astype(int)
        scene.overlay.set_ball("baseball", "right.gluteus_minimus_anterior_trp")
        tp = next(p for p in points if p.id == "right.gluteus_minimus_anterior_trp")
        centre = scene.overlay.ball_centre()
        out = (centre - tp.surface) @ tp.normal
        assert out == pytest.approx(SOFT_TISSUE_MM + BALLS["baseball"] / 2.0)
        assert np.linalg.norm(np.cross(centre - tp.surface, tp.normal)) < 1e-6
        image = scene.screenshot().astype(int)
        # the ball and spokes change the picture where the point projects
        from hipviz.render.projection import world_to_display

        x, y = world_to_display(plotter.renderer, tp.centre[None])[0]
        row, col = int(round(image.shape[0] - y)), int(round(x))
        patch = np.abs(image - empty)[row - 20 : row + 20, col - 20 : col + 20].sum(-1)
        assert (patch > 30).mean() > 0.5
        scene.overlay.set_ball("none")
        assert np.abs(scene.screenshot().astype(int) - empty).max() < 10
        with pytest.raises(ValueError, match="allowed: none, tennis"):
            scene.overlay.set_ball("football", tp.id)
        with pytest.raises(KeyError, match="unknown trigger point"):
            scene.overlay.set_ball("tennis", "right.nowhere")
    finally:
        plotter.close()


def test_the_overlay_round_trips_in_scene_files(tmp_path):
    scene = Scene(
        title="t",
        overlay=Overlay(
            trigger_points=True, labels=True, ball="racquetball", ball_at="left.piriformis_trp1"
        ),
    )
    path = tmp_path / "ball.toml"
    write_scene(scene, path)
    assert "[overlay]" in path.read_text()
    assert read_scene(path) == scene
    assert parse_scene("hipviz_scene = 1\n").overlay == Overlay()


@pytest.mark.parametrize(
    "text, message",
    [
        ('ball = "football"', "overlay.ball: 'football' is not allowed; allowed: none, tennis"),
        (
            'ball_at = "right.nowhere"',
            "overlay.ball_at: 'right.nowhere' is not allowed; allowed: right.gluteus_medius_trp1",
        ),
        ('trigger_points = "yes"', "overlay.trigger_points: must be true or false"),
        ("colour = 1", "overlay.colour: unknown key; allowed here: ball, ball_at, labels"),
    ],
)
def test_a_bad_overlay_value_is_a_clear_scene_error(text, message):
    with pytest.raises(SceneError) as info:
        parse_scene(f"hipviz_scene = 1\n[overlay]\n{text}\n", "case.toml")
    assert str(info.value).startswith("case.toml: ") and message in str(info.value)


def test_the_shipped_self_care_scene_exports_with_its_ball(bones, model):
    from hipviz.render.export import FigureOptions, render_figure

    scene = read_scene(ROOT / "scenes" / "07_self_care_ball.toml")
    assert scene.overlay.ball == "tennis" and scene.overlay.trigger_points
    assert "front corner" in scene.caption and "spoke" in scene.caption
    options = FigureOptions(size=(640, 400), title=False, caption=False)
    with_overlay = render_figure(scene, options=options, bones=bones, model=model)
    without = render_figure(
        replace(scene, overlay=Overlay()), options=options, bones=bones, model=model
    )
    assert _green_pixels(with_overlay) > _green_pixels(without) + 200


@pytest.mark.gui
def test_the_view_menu_and_panel_toggle_trigger_points_and_save_them(qtbot, tmp_path):
    from hipviz.gui.app import load_window

    window = load_window()
    qtbot.addWidget(window)
    try:
        layer, panel = window.scene.overlay, window.display.overlay
        assert window.trigger_points_action.shortcut().toString() == "Ctrl+Shift+T"
        assert window.trigger_points_action in window.menus["view"].actions()
        window.trigger_points_action.trigger()
        assert layer.trigger_points_on and panel.points_check.isChecked()
        panel.points_check.setChecked(False)
        assert not layer.trigger_points_on and not window.trigger_points_action.isChecked()
        panel.ball_combo.setCurrentIndex(panel.ball_combo.findData("tennis"))
        panel.at_combo.setCurrentIndex(panel.at_combo.findData("left.gluteus_medius_trp2"))
        assert (layer.ball, layer.ball_at) == ("tennis", "left.gluteus_medius_trp2")
        saved = window.current_scene().overlay
        assert saved == Overlay(False, False, "tennis", "left.gluteus_medius_trp2")
        window.apply_scene(read_scene(ROOT / "scenes" / "07_self_care_ball.toml"))
        assert panel.points_check.isChecked() and window.trigger_points_action.isChecked()
        assert panel.at_combo.currentData() == "right.gluteus_minimus_anterior_trp"
    finally:
        window.close()


def test_the_self_care_ball_keeps_the_muscles_colours_and_its_label_on_screen(bones, model):
    """Scene 07 as a student sees it: the ball is a neutral, nearly clear glass over the
    muscles (not an olive bubble), the spokes stand out on the bone, and the worked point's
    label stays whole inside a narrow view."""
    from hipviz.io.scene import ALL_PATHS
    from hipviz.render.overlay import BALL_COLOUR, BALL_OPACITY, SPOKE_COLOUR

    ball_lab = srgb_to_lab(np.array(pv.Color(BALL_COLOUR).float_rgb))
    assert np.hypot(ball_lab[1], ball_lab[2]) < 5.0 and BALL_OPACITY <= 0.25  # neutral, clear
    scene = read_scene(ROOT / "scenes" / "07_self_care_ball.toml")
    plotter = pv.Plotter(off_screen=True, window_size=[400, 600])  # a narrow, tall view
    try:
        model.reset()
        hip = HipScene(plotter, bones, model=model)
        hip.set_view(scene.camera.view, render=False)
        hip.state.update(muscles=ALL_PATHS)
        layer = hip.overlay
        layer.set_trigger_points_visible(True)
        layer.set_labels_visible(False)
        layer.set_ball(scene.overlay.ball, scene.overlay.ball_at)
        with_ball = hip.screenshot().astype(int)
        layer.ball_actor.visibility = False
        spokes_only = hip.screenshot().astype(int)
        layer.spoke_actor.visibility = layer.arrow_actor.visibility = False
        bare = hip.screenshot().astype(int)
        layer.ball_actor.visibility = layer.spoke_actor.visibility = True
        layer.arrow_actor.visibility = True
        # under the ball, where it lies over bone and muscles (the ball sits on the skin and
        # may hang past the bone's outline, over the dark background): the picture barely
        # changes, and evenly in R, G and B (no tint)
        change = with_ball - spokes_only
        footprint = np.abs(change).sum(-1) > 0
        on_body = footprint & (spokes_only.mean(-1) > 120)
        assert on_body.sum() > 500, on_body.sum()
        shift = change[on_body].mean(axis=0)
        assert np.abs(shift).max() < 30 and np.ptp(shift) < 10, shift
        # the spokes: where they are drawn they differ clearly from what is under them
        spoke = np.abs(spokes_only - bare).sum(-1) > 30
        assert spoke.sum() > 150
        spoke_lab = srgb_to_lab(spokes_only[spoke] / 255.0)
        under_lab = srgb_to_lab(bare[spoke] / 255.0)
        assert np.median(np.linalg.norm(spoke_lab - under_lab, axis=1)) > 30
        assert srgb_to_lab(np.array(pv.Color(SPOKE_COLOUR).float_rgb))[0] < 50  # dark on bone
        # the worked point's label is drawn whole inside the view
        layer.set_labels_visible(True)
        hip.screenshot()
        assert layer.shown_labels
        width, height = plotter.renderer.GetSize()
        for actor in layer.text_actors:
            if not actor.GetVisibility():
                continue
            size = [0.0, 0.0]
            actor.GetSize(plotter.renderer, size)
            left = actor.GetPosition()[0] - (
                0 if actor.GetTextProperty().GetJustification() == 0 else size[0]
            )
            assert 0 <= left and left + size[0] <= width, actor.GetInput()
    finally:
        model.reset()
        plotter.close()
