"""The classroom draws each compartment as its fan of fibres, as the desktop does.

A still pose brings every fibre of each shown compartment's fan, each line in its own
fibre's colour and as thick as its muscle's PCSA says; a page that drags gets each
compartment's central fibre only and asks for the whole fans once the pose rests. The
numbers (table, labels) are the compartments' own, unchanged: a compartment's central
fibre is its path. The server's logic first, then a real page in headless Chromium.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_server import (
    call,
    move_control,
    next_frame,
    open_page,
    project,
    state,
    view_pixels,
    wait_for,
)

from hipviz.core.fibres import FIBRES_PER_COMPARTMENT, muscle_of
from hipviz.core.pose import Pose
from hipviz.io.model_files import load_model
from hipviz.io.scene import read_scene
from hipviz.render.colours import colour_index, diverging_colormap, rgb_uint8
from hipviz.web.classroom import Classroom, MessageError, cameras, controls_of
from hipviz.web.payload import POINT_UNIT_MM, table_rows, view_line_sets

ROOT = Path(__file__).resolve().parents[1]
SCENES = [ROOT / "scenes" / "01_neutral.toml", ROOT / "scenes" / "02_two_sided_case.toml"]
#: the two-sided case: right GT posterior, so the right gluteus medius' anterior fibres are
#: long and its posterior fibres a little short
TWO_SIDED = 1


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.fixture(scope="module")
def room(model) -> Classroom:
    return Classroom(model, [(p.stem, read_scene(p)) for p in SCENES])


def lines_of(update: dict) -> list[np.ndarray]:
    """Each sent line's points, mm."""
    m = update["muscles"]
    points = np.asarray(m["points"], float).reshape(-1, 3) * POINT_UNIT_MM
    return np.split(points, np.cumsum(m["counts"])[:-1])


def redness(image: np.ndarray, xy: tuple[int, int], half: int = 3) -> float:
    x, y = xy
    patch = image[y - half : y + half + 1, x - half : x + half + 1].astype(int)
    return float((patch[..., 0] - patch[..., 2]).max())


# --- the server's answers ------------------------------------------------------------------------
def test_a_still_pose_brings_each_fibre_and_a_drag_step_the_compartments_own_lines(room, model):
    scene = read_scene(SCENES[TWO_SIDED])
    pose = controls_of(model.solve(scene.pose).reached)
    whole = room.solve(pose, TWO_SIDED, True)
    light = room.solve(pose, TWO_SIDED, False)
    keys = whole["keys"]
    assert keys == light["keys"] and len(keys) == 14  # medius, minimus, piriformis, both sides
    assert whole["muscles"]["fans"] and not light["muscles"]["fans"]

    # every compartment a fan of fibres; while dragging one line each
    owner = np.array(whole["muscles"]["owner"])
    assert len(owner) == FIBRES_PER_COMPARTMENT * len(keys)
    assert np.array_equal(np.bincount(owner), [FIBRES_PER_COMPARTMENT] * len(keys))
    assert light["muscles"]["owner"] == list(range(len(keys)))

    # the numbers are the compartments' own, as solved (the same as before the fans)
    solution = model.solve(Pose.from_dict(pose))
    assert whole["rows"] == light["rows"] == table_rows(solution)
    assert whole["labels"] == light["labels"]

    # a compartment's line while dragging is its path, and it is the central fibre of its fan
    paths = model.muscles.polylines(solution.transforms)
    fibres, drag = lines_of(whole), lines_of(light)
    central = FIBRES_PER_COMPARTMENT // 2
    for c, key in enumerate(keys):
        path = paths[solution.keys.index(key)]
        assert np.allclose(drag[c], path, atol=0.006)  # sent in whole hundredths of a mm
        assert np.array_equal(fibres[FIBRES_PER_COMPARTMENT * c + central], drag[c])

    # each fibre in its own colour: the colour of its own length change, so the colour runs
    # across the fan (right gluteus medius: anterior fibres long, posterior ones short)
    values = model.fibre_values(solution)
    colour_map = diverging_colormap(colour_by="length")
    rgb = np.array(whole["muscles"]["rgb"]).reshape(-1, 3)
    medius = [
        i
        for i, fibre in enumerate(model.fibres.fibres)
        if fibre.key.startswith("right.gluteus_medius")
    ]
    assert len(medius) == 3 * FIBRES_PER_COMPARTMENT
    expected = rgb_uint8(colour_map[colour_index(values.change_pct[medius], 10.0, len(colour_map))])
    sent = [
        i
        for i, k in enumerate(owner)
        if keys[k].startswith("right.gluteus_medius")  # the same fibres, in the same order
    ]
    assert np.array_equal(rgb[sent], expected)
    assert len({tuple(c) for c in rgb[sent]}) >= 8  # not three colours: a gradient
    reds = rgb[sent][:, 0].astype(int) - rgb[sent][:, 2]
    assert reds[0] > 80 and reds[-1] < 10  # the anterior edge red, the posterior not

    # thicker lines for the bigger muscle: gluteus medius' fibres in the widest class,
    # piriformis' thinner (PCSA 33.8 and 2.2 cm^2)
    widths = np.array(room.line_widths)[whole["muscles"]["width"]]
    muscle = np.array([muscle_of(keys[k].split(".")[1]) for k in owner])
    assert np.all(widths[muscle == "gluteus_medius"] == max(room.line_widths))
    assert np.all(widths[muscle == "piriformis"] < widths[muscle == "gluteus_medius"].min() / 1.5)

    # the page's view: one line set per width class, all the sent lines and colours
    sets = view_line_sets(whole["muscles"], len(room.line_widths))
    cells = sum(
        sum(1 for _ in _cells(s["lines"])) for s in sets if len(s["points"]) > 3 or s["lines"]
    )
    assert cells == len(owner)


def _cells(flat: list[int]):
    i = 0
    while i < len(flat):
        yield flat[i + 1 : i + 1 + flat[i]]
        i += flat[i] + 1


def test_a_still_pose_costs_few_bytes_on_the_wire(room):
    """The fans travel as compact columns: a still pose with five times the lines is about
    as large on the wire as one line per compartment was (14.1 kB, points as floats):
    15.0 kB measured (14.2 kB before 13 fibres a side got wrap spheres of their own, which
    engage in more poses and so add arc points)."""
    import msgpack

    pose = {"right.gt_superior_mm": 7.5}
    whole = len(msgpack.packb(room.solve(pose, 0, True)))
    light = len(msgpack.packb(room.solve(pose, 0, False)))
    assert light < whole < 15_500


def test_a_scene_coloured_by_moment_arm_colours_each_fibre_by_its_own(model):
    scene_path = ROOT / "scenes" / "08_piriformis_flexion.toml"
    scene = read_scene(scene_path)
    room = Classroom(model, [(scene_path.stem, scene)])
    opened = room.open_scene(0)
    assert opened["muscles"]["fans"]
    solution = model.solve(scene.pose)
    arms = model.fibre_values(solution).moment_arms_mm["rotation"]
    colour_map = diverging_colormap(colour_by=scene.display.colour_by)
    limit = scene.display.moment_arm_range_mm
    shown = np.array(
        [model.solution.keys[f.compartment] in opened["keys"] for f in model.fibres.fibres]
    )
    expected = rgb_uint8(colour_map[colour_index(arms[shown], limit, len(colour_map))])
    assert np.array_equal(np.array(opened["muscles"]["rgb"]).reshape(-1, 3), expected)


@pytest.mark.parametrize("fans", ["yes", 1, None, [True], {"fans": True}])
def test_the_fans_switch_takes_only_true_or_false(room, fans):
    before = room.updates
    with pytest.raises(MessageError, match="fans must be true or false"):
        room.solve({}, 0, fans)
    with pytest.raises(MessageError, match="token is wrong"):  # the token first, as before
        room.set_lead("guess", {}, None, None, fans)
    with pytest.raises(MessageError, match="fans must be true or false"):
        room.set_lead(room.token, {}, None, None, fans)
    assert room.updates == before


def test_each_scene_shows_the_footprints_of_the_muscles_it_draws(model):
    from dataclasses import replace

    from hipviz.io.meshes import load_bones
    from hipviz.web.server import page_footprints

    neutral = read_scene(SCENES[0])
    maximus = read_scene(ROOT / "scenes" / "13_gluteus_maximus.toml")
    bare = replace(neutral, display=replace(neutral.display, attachments=False))
    room = Classroom(model, [("neutral", neutral), ("maximus", maximus), ("bare", bare)])
    pieces, shown = page_footprints(room, load_bones())
    assert len(pieces) == 2 * 2 * 5  # each side's origin and insertion of five muscles
    drawn = [{(pieces[i]["side"], pieces[i]["muscle"], pieces[i]["end"]) for i in s} for s in shown]
    assert drawn[0] == {
        (side, muscle, end)
        for side in ("right", "left")
        for muscle in ("gluteus_medius", "gluteus_minimus", "piriformis")
        for end in ("origin", "insertion")
    }
    assert {m for _, m, _ in drawn[1]} == {"gluteus_maximus"} and len(drawn[1]) == 4
    assert drawn[2] == set()  # a scene that hides the attachments
    pelvis = [p for p in pieces if p["body"] == "pelvis"]
    assert {p["end"] for p in pelvis} == {"origin"} and len(pelvis) == 10


# --- a real page --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server():
    from browser import missing
    from served import running_server

    if missing():
        pytest.skip(missing())
    with running_server(SCENES) as running:
        yield running


def test_the_page_draws_every_fibre_and_a_drag_draws_the_central_ones(chrome, server, model):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from test_server import slider_thumb

    open_page(chrome, server.url)
    chrome.execute_script("window.hipviz.openScene(arguments[0])", TWO_SIDED)
    wait_for(lambda: state(chrome, "scene_index") == TWO_SIDED, what="the scene")
    chrome.execute_script("window.hipviz.setView('posterior')")
    keys = state(chrome, "muscle_keys")
    sets = state(chrome, "muscle_sets")
    assert len(sets) == len(state(chrome, "line_widths")) >= 2  # a line width per muscle size
    drawn = sum(sum(1 for _ in _cells(s["lines"])) for s in sets)
    assert drawn == FIBRES_PER_COMPARTMENT * len(keys) == 70
    assert chrome.find_element(By.TAG_NAME, "body").get_attribute("data-fans") == "true"
    assert "Line thickness" in chrome.find_element(By.ID, "legend").text

    # the colour runs across the right gluteus medius fan as on the desktop: its anterior
    # edge fibre red (long), its posterior edge fibre grey
    next_frame(chrome, 3)
    image = view_pixels(chrome)
    box = chrome.find_element(By.CSS_SELECTOR, ".view-box")
    size = (box.size["width"], box.size["height"])
    scene = read_scene(SCENES[TWO_SIDED])
    solution = model.solve(scene.pose)
    lines = model.fibres.polylines(solution.transforms)
    medius = [
        i for i, f in enumerate(model.fibres.fibres) if f.key.startswith("right.gluteus_medius")
    ]
    anterior, posterior = (lines[medius[0]], lines[medius[-1]])
    at = [
        project(p[0] + 0.6 * (p[-1] - p[0]), cameras()["posterior"], size)
        for p in (anterior, posterior)
    ]
    assert redness(image, at[0]) > redness(image, at[1]) + 60, f"no red-to-grey fan at {at}"
    # and each fibre in its own colour (lines are drawn unlit, so a line's pixels are its
    # colour exactly): far more of the sent colours on screen than there are compartments
    sent = {tuple(c) for c in np.array(state(chrome, "muscles")["rgb"]).reshape(-1, 3)}
    flat = image.reshape(-1, 3)
    seen = [c for c in sent if (np.abs(flat.astype(int) - c).max(axis=1) <= 1).sum() >= 12]
    assert len(seen) > 2 * len(keys), f"{len(seen)} fibre colours on screen"
    # the footprints tinted on the bone (gluteus medius and minimus: ochre)
    r, g, b = (image[..., i].astype(int) for i in range(3))
    ochre = (r > 150) & (g > 90) & (g < 175) & (b < 70) & (r > g + 40)
    assert ochre.sum() > 300, "no footprints on the bone"

    # a drag step brings each compartment's central fibre; the rested pose the whole fans
    chrome.execute_script(
        "window.__fans = []; new MutationObserver(() => window.__fans.push("
        "document.body.dataset.fans)).observe(document.body, {attributes: true, "
        "attributeFilter: ['data-fans']});"
    )
    slider_thumb(chrome, "right.gt_anterior_mm").send_keys(Keys.ARROW_RIGHT)
    wait_for(
        lambda: chrome.execute_script("return window.__fans.join(',')").endswith("false,true"),
        what="the drag's light answer and then the whole fans",
    )
    sets = state(chrome, "muscle_sets")
    assert sum(sum(1 for _ in _cells(s["lines"])) for s in sets) == 70

    # the switch is checked on the wire too: nothing but true or false, no fourth argument
    answer = call(chrome, "hipviz_solve", {}, TWO_SIDED, "whole")
    assert "fans must be true or false" in answer["error"]
    answer = call(chrome, "hipviz_solve", {}, TWO_SIDED, True, "more")
    assert "takes (pose, scene number, whole fans true or false)" in answer["error"]


def test_a_follower_sees_the_instructors_drag_light_and_the_rested_pose_whole(chrome, server):
    from browser import chromium
    from selenium.webdriver.common.by import By

    open_page(chrome, server.url)
    with chromium() as teacher:
        open_page(teacher, server.instructor_url)
        chrome.find_element(By.ID, "follow").click()
        chrome.execute_script(
            "window.__fans = []; new MutationObserver(() => window.__fans.push("
            "document.body.dataset.fans)).observe(document.body, {attributes: true, "
            "attributeFilter: ['data-fans']});"
        )
        seq = (state(teacher, "lead") or {}).get("seq", 0)
        move_control(teacher, "left.gt_anterior_mm", 7)  # one drag step of the instructor's slider
        wait_for(
            lambda: chrome.execute_script("return window.__fans.join(',')").endswith("false,true"),
            what="the follower's light drawing and then the whole fans",
        )
        assert state(chrome, "pose")["left.gt_anterior_mm"] == 7.0
        assert state(teacher, "lead")["seq"] >= seq + 2  # the drag step, then the rested pose
        sets = state(chrome, "muscle_sets")
        drawn = sum(sum(1 for _ in _cells(s["lines"])) for s in sets)
        assert drawn == FIBRES_PER_COMPARTMENT * len(state(chrome, "muscle_keys"))
