"""Names in the view: muscle labels pinned with leader lines (apart from each other and off
the muscles), a clicked muscle isolated and named in large type, landmark names hidden
behind bone, in the window, figures, scene files and workshop mode."""

from __future__ import annotations

import numpy as np
import pytest
import pyvista

from hipviz.core.pose import Pose
from hipviz.io.model_files import load_model
from hipviz.io.scene import Display, Scene, SceneError, parse_scene, read_scene, write_scene
from hipviz.names import GROUP_LABELS
from hipviz.render.label_layout import overlaps, place_labels, sample_polylines
from hipviz.render.projection import world_to_display
from hipviz.render.scene import HipScene

PROJECTOR = (1920, 1080)
DESK = (1366, 768)


@pytest.fixture
def make_scene(anatomy):
    bones, landmarks = anatomy  # loaded once for the session (conftest.py)
    plotters = []

    def make(size=DESK, view="posterior", pose: Pose | None = None, **state):
        plotter = pyvista.Plotter(off_screen=True, window_size=list(size))
        plotters.append(plotter)
        model = load_model()
        if pose is not None:
            model.set_pose(pose)
        scene = HipScene(plotter, bones, model=model, landmarks=landmarks)
        scene.set_view(view, render=False)
        scene.state.update(**state)
        return scene

    yield make
    for plotter in plotters:
        plotter.close()


def drawn_samples(scene: HipScene) -> np.ndarray:
    """The shown muscles' centre lines on screen, 2 pixels apart (viewport pixels)."""
    renderer = scene.plotter.renderer
    layer = scene.muscles
    lines = [
        world_to_display(renderer, p)
        for k, p in zip(layer.keys, layer.polylines, strict=True)
        if layer.is_visible(k)
    ]
    return sample_polylines(lines, 2.0)


# --- the layout alone (numpy) -----------------------------------------------------------------
def test_layout_keeps_labels_apart_in_view_and_off_the_muscles():
    rng = np.random.default_rng(3)
    anchors = rng.uniform([300, 200], [700, 500], size=(12, 2))
    sizes = np.tile([120.0, 20.0], (12, 1))
    muscle = sample_polylines([np.array([[200.0, 100.0], [800.0, 600.0]])], 3.0)
    layout = place_labels(anchors, sizes, (1000, 700), obstacles=muscle, obstacle_radius=6.0)
    assert layout.shown.all()
    boxes = layout.boxes
    hit = overlaps(boxes, boxes)
    np.fill_diagonal(hit, False)
    assert not hit.any()
    assert (boxes[:, :2] >= 0).all() and (boxes[:, 2] <= 1000).all() and (boxes[:, 3] <= 700).all()
    inside = (
        (muscle[None, :, 0] > boxes[:, None, 0] - 6)
        & (muscle[None, :, 0] < boxes[:, None, 2] + 6)
        & (muscle[None, :, 1] > boxes[:, None, 1] - 6)
        & (muscle[None, :, 1] < boxes[:, None, 3] + 6)
    )
    assert not inside.any()
    # each leader runs from its box's edge to its anchor
    np.testing.assert_allclose(layout.leaders[:, 1], anchors)
    for box, (end, _) in zip(boxes, layout.leaders, strict=True):
        assert box[0] - 1e-9 <= end[0] <= box[2] + 1e-9 and box[1] - 1e-9 <= end[1] <= box[3] + 1e-9


def test_layout_leaves_out_a_label_with_no_room_rather_than_overlap():
    anchors = np.array([[50.0, 20.0], [52.0, 21.0], [54.0, 19.0]])
    sizes = np.tile([90.0, 18.0], (3, 1))
    layout = place_labels(anchors, sizes, (100, 40), gap=2.0)
    shown = layout.boxes[layout.shown]
    hit = overlaps(shown, shown)
    np.fill_diagonal(hit, False)
    assert not hit.any() and layout.shown.sum() < 3


# --- rendered labels ------------------------------------------------------------------------
@pytest.mark.parametrize("size", [DESK, PROJECTOR])
@pytest.mark.parametrize("view", ["posterior", "anterior", "right"])
def test_muscle_labels_apart_on_screen_and_off_the_muscles(make_scene, view, size):
    scene = make_scene(size, view, muscle_labels=True, labels=True)
    scene.screenshot()
    labels = scene.muscle_labels
    boxes = labels.label_boxes()
    assert len(boxes) >= 3, (view, size, boxes)
    # a group's name, and the side for the far one of a pair seen from the side
    assert {t.split(" (")[0] for t in labels.shown_labels} <= set(GROUP_LABELS.values())
    # no two labels overlap, nor a label and a landmark name
    all_boxes = [(x0, y0, x1, y1) for x0, x1, y0, y1 in boxes.values()]
    all_boxes += [(x0, y0, x1, y1) for x0, x1, y0, y1 in scene.landmarks.label_boxes().values()]
    arr = np.array(all_boxes)
    hit = overlaps(arr, arr)
    np.fill_diagonal(hit, False)
    assert not hit.any(), (view, size)
    # no label covers a drawn muscle's centre line
    origin = np.array(scene.plotter.renderer.GetOrigin(), dtype=float)
    samples = drawn_samples(scene) - origin
    for name, (left, right, bottom, top) in boxes.items():
        inside = (
            (samples[:, 0] > left)
            & (samples[:, 0] < right)
            & (samples[:, 1] > bottom)
            & (samples[:, 1] < top)
        )
        assert not inside.any(), f"{view} {size}: the label of {name} covers a muscle"
        assert 0 <= left and right <= size[0] and 0 <= bottom and top <= size[1]


def test_from_the_side_the_far_hips_labels_say_their_side(make_scene):
    from hipviz.render.muscle_labels import text_box

    scene = make_scene(
        DESK, "right", muscle_labels=True, trigger_points=True, trigger_point_labels=True
    )
    scene.screenshot()
    texts = scene.muscle_labels.shown_labels
    assert any(t.endswith(" (left)") for t in texts), texts
    assert not any(t.endswith(" (right)") for t in texts), texts
    # and the trigger points' names are kept clear of
    renderer = scene.plotter.renderer
    names = [text_box(a, renderer) for a in scene.overlay.text_actors if a.GetVisibility()]
    assert names
    mine = np.array(
        [(x0, y0, x1, y1) for x0, x1, y0, y1 in scene.muscle_labels.label_boxes().values()]
    )
    assert not overlaps(mine, np.array(names)).any()


def test_label_text_is_in_the_figure(make_scene):
    scene = make_scene(DESK, "posterior", muscle_labels=False)
    without = scene.screenshot().astype(int)
    scene.state.update(muscle_labels=True)
    with_labels = scene.screenshot().astype(int)
    boxes = scene.muscle_labels.label_boxes()
    assert "right.gluteus_medius" in boxes and "left.piriformis" in boxes
    texts = [a.GetInput().strip() for a in scene.muscle_labels.text_actors if a.GetVisibility()]
    assert "Gluteus medius" in texts and "Piriformis" in texts
    h = DESK[1]
    for left, right, bottom, top in boxes.values():
        rows = slice(int(h - top) + 1, int(h - bottom) - 1)
        cols = slice(int(left) + 1, int(right) - 1)
        region = with_labels[rows, cols]
        # the dark box with white letters in it, where there was none before
        assert np.abs(region - without[rows, cols]).mean() > 20
        assert (region.min(axis=-1) > 230).mean() > 0.05  # white letters
        assert (region.max(axis=-1) < 70).mean() > 0.4  # the dark box


def test_isolating_a_muscle_fades_the_others(make_scene):
    scene = make_scene(DESK, "posterior", pose=Pose.from_dict({"right.gt_superior_mm": 12.0}))
    before = scene.screenshot().astype(int)
    layer = scene.muscles
    renderer = scene.plotter.renderer

    def pixel(key: str, image: np.ndarray) -> np.ndarray:
        # a third of the way along from the origin, where a fan's fibres are spread apart
        line = layer.polylines[layer.keys.index(key)]
        along = np.r_[0, np.cumsum(np.linalg.norm(np.diff(line, axis=0), axis=1))]
        point = [np.interp(along[-1] / 3, along, line[:, k]) for k in range(3)]
        x, y = world_to_display(renderer, np.array([point]))[0]
        return image[DESK[1] - 1 - round(y), round(x)]

    # the mirror image: no fibre of the kept fan lies over it; faded, it shows mostly what
    # lies behind it (the bone, as with no muscle drawn)
    kept, faded = "right.gluteus_medius_posterior", "left.gluteus_medius_posterior"
    shown = scene.state.muscles
    scene.state.update(muscles=())
    bare = scene.screenshot().astype(int)
    scene.state.update(muscles=shown, isolated=kept)
    after = scene.screenshot().astype(int)
    assert np.abs(pixel(kept, after) - pixel(kept, before)).max() < 25
    drawn = np.abs(pixel(faded, before) - pixel(faded, bare)).sum()
    assert drawn > 60
    assert np.abs(pixel(faded, after) - pixel(faded, bare)).sum() < 0.5 * drawn
    assert layer.tube_actor.prop.opacity < 0.5 and layer.focus_tube_actor.visibility
    # its footprints alone on the bone
    assert {k[:2] for k in scene.footprints.shown} == {("right", "gluteus_medius")}
    # and named in large type, top left
    name = scene.muscle_labels.name_actor
    assert name.GetVisibility() and "Gluteus medius, posterior fibres (right)" in name.GetInput()
    assert (
        name.GetTextProperty().GetFontSize()
        > 2 * layer.legend.texts[1].GetTextProperty().GetFontSize() * 0.8
    )
    scene.state.update(isolated=None)
    assert len({k[:2] for k in scene.footprints.shown}) == 6  # 3 default muscles, 2 sides
    again = scene.screenshot().astype(int)
    assert np.abs(again - before).mean() < 1.0
    assert not name.GetVisibility()


def test_a_landmark_behind_bone_is_not_named(make_scene):
    scene = make_scene(DESK, "posterior", labels=True)
    scene.screenshot()
    # the sacral plateau faces up; from behind, the sacrum's own back hides it
    assert "sacrum" not in scene.landmarks.shown_labels
    assert "R PSIS" in scene.landmarks.shown_labels
    actor = scene.landmarks.text_actors[scene.landmarks.labels.index("sacrum")]
    assert not actor.GetVisibility()
    scene.state.update(bone_opacity=0.3)  # see-through bones hide nothing
    scene.screenshot()
    assert "sacrum" in scene.landmarks.shown_labels and actor.GetVisibility()


def test_a_muscle_hidden_by_bone_keeps_its_label_on_a_seen_part(make_scene):
    """Anchors sit on points of the muscle the bones do not hide."""
    scene = make_scene(DESK, "anterior", muscle_labels=True)
    scene.screenshot()
    labels = scene.muscle_labels
    for k, found in enumerate(labels._anchors):
        if found is None or not labels.shown[k]:
            continue
        i, f = found
        line = scene.muscles.polylines[i]
        steps = np.linalg.norm(np.diff(line, axis=0), axis=1)
        s = np.concatenate([[0.0], np.cumsum(steps)])
        point = np.array([np.interp(f * s[-1], s, line[:, j]) for j in range(3)])
        assert not scene.hidden_points(point[None])[0]


# --- scene files -----------------------------------------------------------------------------
def test_a_scene_with_labels_saves_and_reads_back(tmp_path):
    scene = Scene(
        title="Names",
        display=Display(muscle_labels=True, labels=True, isolated="left.piriformis"),
    )
    path = tmp_path / "names.toml"
    write_scene(scene, path)
    text = path.read_text()
    assert "muscle_labels = true" in text and 'isolated = "left.piriformis"' in text
    back = read_scene(path)
    assert back == scene
    assert back.display.muscle_labels and back.display.isolated == "left.piriformis"
    # none isolated: the key is left out and reads back as none
    plain = Scene(display=Display(muscle_labels=True))
    write_scene(plain, path)
    assert "isolated" not in path.read_text() and read_scene(path) == plain


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ('isolated = "right.nonsense"', "display.isolated: 'right.nonsense' is not allowed"),
        ("isolated = 3", "display.isolated: 3 is not allowed"),
        ('muscle_labels = "yes"', "display.muscle_labels: must be true or false"),
    ],
)
def test_a_bad_label_key_is_a_clear_error(line, words):
    with pytest.raises(SceneError, match="case.toml: ") as info:
        parse_scene(f"hipviz_scene = 1\n[display]\n{line}\n", "case.toml")
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def test_a_figure_of_a_scene_with_labels_names_the_muscles(anatomy):
    from hipviz.render.export import FigureOptions, FigureRenderer

    bones, landmarks = anatomy
    scene = Scene(display=Display(muscle_labels=True, isolated="right.piriformis"))
    with FigureRenderer(bones, load_model(), landmarks) as figure:
        figure.show(scene, FigureOptions(size=PROJECTOR))
        image = figure.image()
        labels = figure.scene.muscle_labels
        assert labels.shown_labels == ["Piriformis"]  # only the isolated muscle's
        assert "Piriformis (right)" in labels.name_actor.GetInput()
        assert image.shape[:2] == (PROJECTOR[1], PROJECTOR[0])


# --- the handout -----------------------------------------------------------------------------
LABEL_RECTS_JS = """
const frame = document.querySelector('.view-frame').getBoundingClientRect();
return Array.from(document.querySelectorAll('.muscle-label')).filter((el) => !el.hidden
  && !el.closest('[hidden]')).map((el) => {
  const r = el.getBoundingClientRect();
  return [el.textContent, r.left - frame.left, r.top - frame.top, r.right - frame.left,
          r.bottom - frame.top, frame.width, frame.height];
});
"""


def test_the_handout_names_the_muscles_and_lays_the_labels_apart(chrome, tmp_path):
    from browser import wait_loaded
    from selenium.webdriver.common.by import By

    from hipviz.io.scene import Camera
    from hipviz.web.handout import write_handout

    scene = Scene(
        title="Names",
        camera=Camera(view="posterior"),
        display=Display(muscle_labels=True, isolated=None),
    )
    path = write_handout(scene, tmp_path / "names.html")
    text = path.read_text(encoding="utf-8")
    for name in ("Gluteus medius", "Gluteus minimus", "Piriformis"):
        assert f">{name}</div>" in text  # in the file itself, readable without the script
    assert 'id="labels-toggle" aria-pressed="true"' in text

    chrome.get(path.as_uri())
    wait_loaded(chrome, "#view")
    wait_loaded(chrome, ".view-frame", attribute="data-labels-placed", value="1")
    rects = chrome.execute_script(LABEL_RECTS_JS)
    assert len(rects) >= 4, rects
    for i, (name, left, top, right, bottom, width, height) in enumerate(rects):
        assert 0 <= left and right <= width + 0.5 and 0 <= top and bottom <= height + 0.5, name
        for other in rects[i + 1 :]:
            assert not (
                other[1] < right and left < other[3] and other[2] < bottom and top < other[4]
            )
    # the toggle (and key N) hides them
    chrome.find_element(By.ID, "labels-toggle").click()
    assert chrome.execute_script(LABEL_RECTS_JS) == []
    chrome.find_element(By.TAG_NAME, "body").send_keys("n")
    assert len(chrome.execute_script(LABEL_RECTS_JS)) == len(rects)


def test_a_handout_of_an_isolated_muscle_names_it_in_large_type(tmp_path):
    from hipviz.web.handout import handout_html

    scene = Scene(display=Display(isolated="left.gluteus_minimus_anterior"))
    text = handout_html(scene)
    assert '<div class="isolated-name">Gluteus minimus, anterior fibres (left)</div>' in text
    # labels off in the scene: the button starts off, the one label (its muscle's) is there
    assert 'id="labels-toggle" aria-pressed="false"' in text
    assert text.count('class="muscle-label"') == 1


# --- the window ------------------------------------------------------------------------------
def _widget_pos(win, point):
    from PyQt5.QtCore import QPoint

    x, y = world_to_display(win.plotter.renderer, point[None])[0]
    ratio = win.plotter.devicePixelRatioF()
    return QPoint(round(x / ratio), round(win.plotter.height() - 1 - y / ratio))


def test_the_labels_toggle_its_shortcut_and_tooltip(window, qtbot):
    from PyQt5.QtCore import Qt

    action = window.muscle_labels_action
    assert action.shortcut().toString() == "Ctrl+N"
    assert "Ctrl+N" in action.toolTip() and "Name each shown muscle" in action.toolTip()
    assert action in window.toolbar.actions() and action.iconText() == "Labels"
    assert "Name each shown muscle" in window.display.muscle_labels_check.toolTip()
    qtbot.keyClick(window, Qt.Key_N, Qt.ControlModifier)
    assert window.state.muscle_labels and window.display.muscle_labels_check.isChecked()
    window.plotter.render()
    assert len(window.scene.muscle_labels.label_boxes()) >= 3
    window.display.muscle_labels_check.setChecked(False)
    assert not window.state.muscle_labels and not action.isChecked()
    assert window.current_scene().display.muscle_labels is False


def test_a_click_names_the_muscle_in_large_type_and_isolates_it(window, qtbot):
    from PyQt5.QtCore import QPoint, Qt

    window.set_view("posterior")
    qtbot.wait(30)
    line = window.scene.muscles.polylines[window.scene.muscles.keys.index("right.piriformis")]
    pos = _widget_pos(window, line[len(line) // 2])
    qtbot.mouseClick(window.plotter, Qt.LeftButton, pos=pos)
    assert window.selected == "right.piriformis" and window.state.isolated == "right.piriformis"
    window.plotter.render()
    name = window.scene.muscle_labels.name_actor
    assert name.GetVisibility() and name.GetInput().strip() == "Piriformis (right)"
    assert window.scene.muscles.tube_actor.prop.opacity < 0.5
    # workshop mode: the name is larger still and sits under the title band
    desk = name.GetTextProperty().GetFontSize()
    window.workshop.enter()
    qtbot.wait(50)
    window.plotter.render()
    assert name.GetVisibility() and name.GetTextProperty().GetFontSize() > desk
    height = window.plotter.renderer.GetSize()[1]
    band = window.workshop.overlay.band_px
    assert name.GetPosition()[1] <= height - band
    window.workshop.leave()
    # a click on empty space: all muscles back
    qtbot.mouseClick(window.plotter, Qt.LeftButton, pos=QPoint(3, 3))
    assert window.state.isolated is None and window.scene.muscles.tube_actor.prop.opacity == 1.0


# --- the classroom page ----------------------------------------------------------------------
PAGE_LABELS_JS = """
const box = document.querySelector('.view-box').getBoundingClientRect();
return Array.from(document.querySelectorAll('.view-box .muscle-label')).filter((el) =>
  !el.hidden && !el.closest('[hidden]')).map((el) => {
  const r = el.getBoundingClientRect();
  return [el.textContent, r.left - box.left, r.top - box.top, r.right - box.left,
          r.bottom - box.top, box.width, box.height];
});
"""


def _screen(point, camera: dict, size) -> tuple[float, float]:
    """Pixel (x, y from the top left) of a room point in a vtk.js view with this camera."""
    eye, focal = np.array(camera["position"]), np.array(camera["focalPoint"])
    forward = (focal - eye) / np.linalg.norm(focal - eye)
    right = np.cross(forward, camera["viewUp"])
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    rel = np.asarray(point) - eye
    half = np.tan(np.radians(camera["viewAngle"]) / 2.0) * (rel @ forward)
    width, height = size
    x = (rel @ right) / (half * width / height)
    y = (rel @ up) / half
    return (x + 1) / 2 * width, (1 - y) / 2 * height


def test_the_classroom_page_names_the_muscles_and_a_click_isolates_one(chrome):
    from pathlib import Path

    from browser import missing, next_frame, wait_loaded
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from served import running_server

    if missing():
        pytest.skip(missing())
    root = Path(__file__).resolve().parents[1]
    with running_server([root / "scenes" / "02_two_sided_case.toml"]) as server:
        chrome.get(server.url)
        wait_loaded(chrome, ".view-box")
        get = lambda key: chrome.execute_script("return window.trame.state.get(arguments[0])", key)  # noqa: E731
        texts = {label["text"] for label in get("labels")}
        assert texts == {"Gluteus medius", "Gluteus minimus", "Piriformis"}
        assert chrome.execute_script(PAGE_LABELS_JS) == []  # the scene has them off
        chrome.find_element(By.TAG_NAME, "body").send_keys("n")  # the page's own switch
        next_frame(chrome, 4)
        rects = chrome.execute_script(PAGE_LABELS_JS)
        assert len(rects) >= 4, rects
        for i, (name, left, top, right, bottom, width, height) in enumerate(rects):
            assert 0 <= left and right <= width + 0.5 and 0 <= top and bottom <= height + 0.5
            for other in rects[i + 1 :]:
                overlap = (
                    other[1] < right and left < other[3] and other[2] < bottom and top < other[4]
                )
                assert not overlap, (name, other[0])
        legend = chrome.execute_script(
            "const b = document.querySelector('.view-box').getBoundingClientRect();"
            "const r = document.getElementById('legend').getBoundingClientRect();"
            "return [r.left - b.left, r.top - b.top, r.right - b.left, r.bottom - b.top];"
        )
        for _name, left, top, right, bottom, *_ in rects:  # the legend on the view stays clear
            assert not (
                legend[0] < right and left < legend[2] and legend[1] < bottom and top < legend[3]
            )
        # a click on the right piriformis isolates it, on this page only: the lines as the
        # server sent them (whole hundredths of a mm, a point count and compartment each)
        muscles, keys = get("muscles"), get("muscle_keys")
        points = np.array(muscles["points"]).reshape(-1, 3) / 100.0
        starts = np.cumsum([0, *muscles["counts"][:-1]])
        mine = [i for i, o in enumerate(muscles["owner"]) if keys[o] == "right.piriformis"]
        central = mine[len(mine) // 2]
        line = points[starts[central] : starts[central] + muscles["counts"][central]]
        middle = line[len(line) // 5]  # near the sacrum, away from the gluteal fans
        box = chrome.find_element(By.CSS_SELECTOR, ".view-box")
        size = (box.size["width"], box.size["height"])
        camera = chrome.execute_script("return window.trame.refs.view.getCamera()")
        x, y = _screen(middle, camera, size)

        def colours() -> np.ndarray:  # of the drawn lines (an empty set holds one point)
            return np.concatenate(
                [np.array(s["colours"]) for s in get("muscle_sets") if s["lines"]]
            )

        before = colours()
        ActionChains(chrome).move_to_element_with_offset(
            box, round(x - size[0] / 2), round(y - size[1] / 2)
        ).click().perform()
        next_frame(chrome, 4)
        assert chrome.find_element(By.TAG_NAME, "body").get_attribute("data-isolated") == (
            "right.piriformis"
        )
        name = chrome.find_element(By.CSS_SELECTOR, ".view-box .isolated-name")
        assert name.is_displayed() and name.text == "Piriformis (right)"
        after = colours()
        # the piriformis fibres keep their colours, every other line is faded (point by
        # point: a faded colour can keep one of its channels)
        kept = sum(muscles["counts"][i] for i in mine)
        assert (after == before).reshape(-1, 3).all(axis=1).sum() == kept
        assert np.abs(after - before).sum() > 1000
        assert [r[0] for r in chrome.execute_script(PAGE_LABELS_JS)] == ["Piriformis"]
        # the server heard nothing of it: no refusal in its log
        assert "refused" not in server.log()
