"""A scene's caption belongs to its pose: off it, every surface says the pose changed and what
it is now; back on it, the caption returns. Real window, real figures, real pages."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from hipviz.core.caption import CHANGED_TITLE, MODIFIED_MARK, caption_for, pose_summary
from hipviz.core.pose import Pose
from hipviz.io.scene import read_scene

ROOT = Path(__file__).resolve().parents[1]
SCENE_02 = ROOT / "scenes" / "02_two_sided_case.toml"
SCENE_03 = ROOT / "scenes" / "03_gt_superior.toml"
#: words from scene 02's caption that describe its own pose only: its first signed
#: percentage (read from the file, so a rebuilt anatomy that changes it changes this too)
STALE = re.search(r"[+-]\d+\.\d %", read_scene(SCENE_02).caption).group(0)
NOW_02 = "Right GT 12 mm superior, 8 mm posterior; left GT 8 mm superior, 8 mm anterior"


# --- the rule ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "values, words",
    [
        ({}, "Both sides neutral"),
        (
            {"right.gt_superior_mm": -12.0, "right.gt_anterior_mm": 3.0},
            "Right GT 12 mm inferior, 3 mm anterior; left neutral",
        ),
        (
            {"left.iliac_crest_superior_mm": 5.5, "left.hip_flexion_deg": 90.0},
            "Right neutral; left iliac crest 5.5 mm raised, hip flexed 90\N{DEGREE SIGN}",
        ),
        (
            {"right.hip_abduction_deg": -10.0, "right.hip_rotation_deg": 20.0},
            "Right hip adducted 10\N{DEGREE SIGN}, rotated 20\N{DEGREE SIGN} internally; "
            "left neutral",
        ),
        ({"right.gt_superior_mm": -0.01}, "Both sides neutral"),  # never "-0 mm"
    ],
)
def test_pose_summary_says_the_pose_in_one_line(values, words):
    assert pose_summary(Pose.from_dict(values)) == words


def test_caption_for_keeps_the_text_on_the_scenes_pose_only():
    scene = read_scene(SCENE_02)
    same = caption_for(scene.pose, scene.pose, scene.title, scene.caption)
    assert same == (scene.title, scene.caption, False)
    # a slider set back by hand lands on the value to its step
    near = scene.pose.with_value("right.gt_superior_mm", -8.0 + 1e-9)
    assert not caption_for(scene.pose, near, scene.title, scene.caption).modified
    moved = scene.pose.with_value("right.gt_superior_mm", 12.0)
    text = caption_for(scene.pose, moved, scene.title, scene.caption)
    assert text.modified and text.title == CHANGED_TITLE
    assert text.caption.startswith(f"Now: {NOW_02}.")
    assert STALE not in text.caption and scene.title in text.caption


# --- the window, its figure ------------------------------------------------------------------
def _shown(window) -> tuple[str, str, str]:
    panel = window.scene_info
    return window.windowTitle(), panel.title_label.text(), panel.caption_label.text()


@pytest.mark.gui
def test_window_and_its_figure_say_the_pose_changed_and_the_caption_returns(
    window, qtbot, tmp_path
):
    pypdf = pytest.importorskip("pypdf")
    from hipviz.render.export import FigureOptions

    scene = read_scene(SCENE_02)
    window.open_scene(SCENE_02)
    title, panel_title, panel_caption = _shown(window)
    assert scene.title in title and MODIFIED_MARK not in title
    assert panel_title == scene.title and STALE in panel_caption

    spin = window.controls.controls["right.gt_superior_mm"].spin
    spin.setValue(12.0)  # as typed in the control
    qtbot.waitUntil(lambda: MODIFIED_MARK in window.windowTitle(), timeout=3000)
    title, panel_title, panel_caption = _shown(window)
    assert scene.title not in title and "02_two_sided_case.toml" in title
    assert panel_title == f"{CHANGED_TITLE} {MODIFIED_MARK}"
    assert NOW_02 in panel_caption and STALE not in panel_caption

    # the exported figure draws the same words, not the scene's caption
    pdf = window.export_figure(tmp_path / "moved.pdf", FigureOptions(size=(1280, 720)))
    text = " ".join(pypdf.PdfReader(pdf).pages[0].extract_text().split())
    assert CHANGED_TITLE in text and "Now: Right GT 12 mm superior" in text
    assert STALE not in text and "anterior fibres are long" not in text
    png = window.export_figure(tmp_path / "moved.png", FigureOptions(size=(1280, 720)))
    assert png.stat().st_size > 10_000

    spin.setValue(-8.0)  # back on the scene's pose: its own text again
    qtbot.waitUntil(lambda: MODIFIED_MARK not in window.windowTitle(), timeout=3000)
    title, panel_title, panel_caption = _shown(window)
    assert scene.title in title and panel_title == scene.title and STALE in panel_caption
    pdf = window.export_figure(tmp_path / "back.pdf", FigureOptions(size=(1280, 720)))
    text = " ".join(pypdf.PdfReader(pdf).pages[0].extract_text().split())
    assert scene.title in text and STALE in text and CHANGED_TITLE not in text


@pytest.mark.gui
def test_new_text_written_at_a_moved_pose_belongs_to_that_pose(window, qtbot, tmp_path):
    window.open_scene(SCENE_02)
    window.controls.controls["right.gt_superior_mm"].spin.setValue(12.0)
    qtbot.waitUntil(lambda: MODIFIED_MARK in window.windowTitle(), timeout=3000)
    window.set_scene_text("Right GT superior", "Written for this pose.")
    assert _shown(window)[1:] == ("Right GT superior", "Written for this pose.")
    assert MODIFIED_MARK not in window.windowTitle()
    # saving a moved pose: the file's text goes with the file's pose, not marked modified
    window.controls.controls["left.gt_anterior_mm"].spin.setValue(0.0)
    assert MODIFIED_MARK in window.windowTitle()
    assert window.save_scene(tmp_path / "saved.toml")
    assert MODIFIED_MARK not in window.windowTitle()
    assert _shown(window)[2] == "Written for this pose."


# --- GIF frames ------------------------------------------------------------------------------
def test_each_gif_frame_says_its_own_pose(tmp_path):
    import numpy as np

    from hipviz.io.meshes import load_bones
    from hipviz.render.animation import frame_scene, render_animation, sweep_values
    from hipviz.render.export import FigureOptions, FigureRenderer

    scene = read_scene(SCENE_03)
    key = "right.gt_superior_mm"
    values = sweep_values(key, -15.0, 15.0, 11)
    shown = []
    bones = load_bones()
    with FigureRenderer(bones) as renderer:
        for value in values[[0, 5, 10]]:
            renderer.show(frame_scene(scene, key, float(value)), FigureOptions(size=(960, 540)))
            # what the frame draws: the band's text actors
            drawn = " ".join(a.GetInput() for a in renderer.titles.actors if a.GetVisibility())
            shown.append(drawn)
    assert "From the scene" not in " ".join(shown) and scene.title not in " ".join(shown)
    assert "-15.0 mm" in shown[0] and "Right GT 15 mm inferior; left neutral" in shown[0]
    assert "+0.0 mm" in shown[1] and "Both sides neutral" in shown[1]
    assert "+15.0 mm" in shown[2] and "Right GT 15 mm superior; left neutral" in shown[2]
    gif = render_animation(
        scene, key, values[:3], tmp_path / "sweep.gif", FigureOptions(size=(320, 180)), bones=bones
    )
    from PIL import Image

    with Image.open(gif) as im:
        assert im.n_frames == 3
        first = np.asarray(im.convert("RGB")).astype(int)
        im.seek(2)
        last = np.asarray(im.convert("RGB")).astype(int)
    band = slice(0, 40)  # the subtitle differs from frame to frame
    assert np.abs(first[band] - last[band]).sum() > 0


# --- handout ---------------------------------------------------------------------------------
def test_handout_of_a_moved_pose_shows_the_pose_not_the_caption(tmp_path):
    from hipviz.io.meshes import load_bones
    from hipviz.web.handout import handout_html

    scene = read_scene(SCENE_02)
    moved = replace(
        scene, pose=scene.pose.with_value("right.gt_superior_mm", 12.0), caption_pose=scene.pose
    )
    bones = load_bones()
    page = handout_html(moved, bones)
    caption = re.search(r'<div class="caption" id="caption">(.*?)</div>', page, re.S).group(1)
    assert "Now: Right GT 12 mm superior" in caption and STALE not in caption
    assert f"<title>{CHANGED_TITLE}" in page
    own = handout_html(scene, bones)
    assert STALE in own and "Now: " not in own


# --- classroom -------------------------------------------------------------------------------
def test_classroom_sends_a_page_off_its_scenes_pose_the_pose_not_the_caption():
    from hipviz.io.model_files import load_model
    from hipviz.web.classroom import Classroom, controls_of

    scenes = [(p.stem, read_scene(p)) for p in (ROOT / "scenes").glob("0[1-2]*.toml")]
    scenes.sort()
    room = Classroom(load_model(), scenes)
    neutral = room.open_scene(0)
    assert neutral["scene"]["title"] == scenes[0][1].title and not neutral["scene"]["modified"]
    pose = dict(neutral["controls"])
    pose["right.gt_superior_mm"] = 4.0
    page = room.solve(pose, 0)["scene"]
    assert page["modified"] and page["title"] == CHANGED_TITLE
    assert page["caption"].startswith("Now: Right GT 4 mm superior; left neutral.")
    assert scenes[0][1].caption not in page["caption"]
    # back on the scene's pose, as the page's sliders hold it: the caption returns
    back = room.solve(neutral["controls"], 0)["scene"]
    assert (back["title"], back["caption"], back["modified"]) == (
        scenes[0][1].title,
        scenes[0][1].caption,
        False,
    )
    # a two-sided scene opened and left as is keeps its text; the lead says the same
    case = room.open_scene(1)
    assert room.solve(case["controls"], 1)["scene"]["caption"] == scenes[1][1].caption
    lead = room.set_lead(room.token, {**controls_of(Pose()), "left.hip_flexion_deg": 30.0}, 1)
    assert lead["scene"]["modified"] and STALE not in lead["scene"]["caption"]


# --- workshop --------------------------------------------------------------------------------
@pytest.mark.gui
def test_workshop_band_says_the_pose_changed_and_the_caption_returns(window, qtbot, tmp_path):
    from PyQt5.QtCore import Qt

    (tmp_path / "1-case.toml").write_text(SCENE_02.read_text())
    ws = window.workshop
    ws.duration_s = 0
    ws.set_folder(tmp_path)
    ws.toggle_action.trigger()
    qtbot.keyClick(window.plotter, Qt.Key_PageDown)
    qtbot.waitUntil(lambda: ws.index == 0 and not ws.animating, timeout=5000)
    scene = read_scene(SCENE_02)
    assert ws.title_text[:2] == (scene.title, scene.caption)
    # the instructor moves the pose (the lead's sliders, or the window's once shown)
    window.model.set("right.gt_superior_mm", 12.0)
    title, caption, corner = ws.title_text
    assert title == CHANGED_TITLE and caption.startswith(f"Now: {NOW_02}.")
    assert STALE not in caption and corner == "1 / 1"
    window.model.set("right.gt_superior_mm", -8.0)
    assert ws.title_text == (scene.title, scene.caption, "1 / 1")
    qtbot.keyClick(window.plotter, Qt.Key_Escape)


def test_classroom_server_answers_a_moved_page_with_the_pose_over_the_wire():
    """The running server (``hipviz serve``), spoken to as a page would, without a browser."""
    from served import running_server
    from wire_client import RawPage

    scenes = sorted((ROOT / "scenes").glob("0[1-2]*.toml"))
    with running_server(scenes) as server:
        port = int(server.url.rsplit(":", 1)[1].strip("/"))
        page = RawPage(port)
        try:
            page.answer(page.call("wslink.hello", [{"secret": "wslink-secret"}], "system:c0:0"))
            state = page.answer(page.call("trame.state.get"), timeout=20)["result"]["state"]
            assert state["scene_title"] == read_scene(scenes[0]).title
            opened = page.answer(page.trigger("hipviz_scene", 1), timeout=20)["result"]
            assert opened["scene"]["caption"] == read_scene(scenes[1]).caption
            moved = {**opened["controls"], "right.gt_superior_mm": 12.0}
            answer = page.answer(page.trigger("hipviz_solve", moved, 1), timeout=20)["result"]
            assert answer["scene"]["title"] == CHANGED_TITLE and answer["scene"]["modified"]
            assert NOW_02 in answer["scene"]["caption"] and STALE not in answer["scene"]["caption"]
            back = page.answer(page.trigger("hipviz_solve", opened["controls"], 1), timeout=20)
            assert back["result"]["scene"]["caption"] == read_scene(scenes[1]).caption
        finally:
            page.close()


@pytest.mark.gui
def test_back_to_the_scenes_pose_is_one_click_and_brings_the_caption_back(window, qtbot):
    from PyQt5.QtCore import Qt

    scene = read_scene(SCENE_02)
    window.open_scene(SCENE_02)
    button = window.scene_info.back_button
    assert not button.isVisible()  # nothing to go back to
    window.controls.controls["left.hip_flexion_deg"].spin.setValue(45.0)
    qtbot.waitUntil(button.isVisible, timeout=3000)
    assert "left GT 8 mm superior, 8 mm anterior, hip flexed 45" in _shown(window)[2]
    qtbot.mouseClick(button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not button.isVisible(), timeout=3000)
    assert window.model.pose == scene.pose
    assert window.controls.controls["left.hip_flexion_deg"].spin.value() == 0.0
    assert _shown(window)[1:] == (scene.title, scene.caption)
    assert MODIFIED_MARK not in window.windowTitle()


def test_render_with_a_set_pose_draws_no_stale_caption(tmp_path):
    """`hipviz render SCENE --set ...`: the figure's title says the pose changed."""
    from PIL import Image

    from hipviz.cli import main

    out = tmp_path / "moved.png"
    scene = Path(__file__).parents[1] / "scenes" / "02_two_sided_case.toml"
    assert main(["render", str(scene), "--set", "right.gt_superior_mm=12", "-o", str(out)]) == 0
    assert Image.open(out).text["Title"] == "Pose changed"
    same = tmp_path / "same.png"
    assert main(["render", str(scene), "-o", str(same)]) == 0
    assert Image.open(same).text["Title"] != "Pose changed"
