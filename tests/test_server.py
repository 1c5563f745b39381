"""The classroom server (``hipviz serve``): its rules, and real pages in headless Chromium.

The server runs as users run it, ``python -m hipviz serve SCENES --port P`` in its own
process; pages are Debian's Chromium with software WebGL. The first tests drive the
server's logic directly (no browser): what a message may hold, the token, the scenes.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from hipviz.core.model import HipModel
from hipviz.core.muscles import MUSCLES
from hipviz.core.pose import Pose
from hipviz.io.model_files import load_model
from hipviz.io.scene import read_scene
from hipviz.names import pose_words
from hipviz.web.classroom import (
    CONTROL_KEYS,
    Classroom,
    MessageError,
    cameras,
    check_pose_message,
)

SCENES = [
    Path("scenes/01_neutral.toml"),
    Path("scenes/02_two_sided_case.toml"),
    Path("scenes/08_piriformis_flexion.toml"),
]
PIRIFORMIS = "right.piriformis"


@pytest.fixture(scope="module")
def model() -> HipModel:
    return load_model()


@pytest.fixture(scope="module")
def classroom(model) -> Classroom:
    return Classroom(model, [(p.stem, read_scene(p)) for p in SCENES])


# --- rules, without a browser ------------------------------------------------------------------
def test_a_pose_message_is_solved_for_that_page_only(classroom, model):
    update = classroom.solve({"right.gt_anterior_mm": -20.0})
    change = {row["key"]: row["change_pct"] for row in update["rows"]}
    assert change[PIRIFORMIS] == pytest.approx(
        model.solve(Pose.from_dict({"right.gt_anterior_mm": -20.0})).change_pct[
            model.solution.keys.index(PIRIFORMIS)
        ],
        abs=0.05,
    )
    assert change[PIRIFORMIS] < -5.0  # the GT moved back: piriformis shortened
    assert update["controls"]["right.gt_anterior_mm"] == pytest.approx(-20.0)
    assert set(update["matrices"]) == {
        "pelvis_right",
        "pelvis_left",
        "sacrum",
        "femur_right",
        "femur_left",
    }
    muscles = update["muscles"]
    # flat x, y, z per point, a point count and an r, g, b per line: every fibre of the fans
    assert len(muscles["points"]) == 3 * sum(muscles["counts"]) > 0
    assert len(muscles["rgb"]) == 3 * len(muscles["counts"]) and muscles["fans"]
    # a still pose is tens of kB as JSON (about 13 kB as the packed message), not geometry (MBs)
    assert len(json.dumps(update)) < 25_000
    step = classroom.solve({"right.gt_anterior_mm": -20.0}, 0, False)  # while dragging
    # the central fibres only: lighter than the whole fans
    assert len(json.dumps(step)) < 0.7 * len(json.dumps(update)) and not step["muscles"]["fans"]
    assert step["rows"] == update["rows"]


def test_a_pose_asked_again_is_answered_as_solved_and_memory_stays_bounded(model):
    """Thirty pages asking for the same pose cost one solve: the answer kept is the one a
    fresh solve gives, per scene, and only the most recent poses are kept."""
    from hipviz.web.classroom import POSES_KEPT

    room = Classroom(model, [(p.stem, read_scene(p)) for p in SCENES])
    pose = {"right.gt_superior_mm": 12.5, "left.hip_flexion_deg": 30.0}
    first = room.solve(pose)
    first["rows"] = "changed by its caller"  # a caller's own copy: the kept one is not
    solved = room.solved
    again = [room.solve(dict(pose)) for _ in range(30)]
    assert room.solved == solved and room.updates == solved + 30
    fresh = Classroom(model, [(p.stem, read_scene(p)) for p in SCENES]).solve(pose)
    assert all(a == fresh for a in again)
    # the same pose in another scene: that scene's colours and caption, solved for it
    other = room.solve(pose, scene=2)
    assert room.solved == solved + 1
    assert other["muscles"] != fresh["muscles"]
    assert other["scene"]["index"] == 2
    for i in range(POSES_KEPT + 20):  # more poses than are kept: the oldest go
        room.solve({"right.gt_anterior_mm": -25.0 + i * 50.0 / (POSES_KEPT + 20)})
    assert len(room._kept) == POSES_KEPT
    solved = room.solved
    assert room.solve(pose) == fresh and room.solved == solved + 1  # solved again


@pytest.mark.parametrize(
    "message, words",
    [
        ({"right.gt_superior_mm": 1e9}, "out of range"),
        ({"right.gt_superior_mm": float("nan")}, "allowed -25 to 25"),
        ({"right.gt_superior_mm": "8"}, "not a number"),
        ({"right.hip_rotation_deg": 10}, "unknown pose key"),
        ({"/etc/passwd": 1}, "unknown pose key"),
        ([1, 2, 3], "must be an object"),
        ({"right.gt_superior_mm": [0] * 5000}, "longer than"),
    ],
)
def test_a_bad_pose_message_is_refused_with_the_reason(classroom, message, words):
    before = classroom.updates
    with pytest.raises(MessageError, match=words):
        classroom.solve(message)
    assert classroom.updates == before


@pytest.mark.parametrize("index", [-1, 3, "0", "../../etc/passwd", None, True, 0.5])
def test_only_served_scenes_open(classroom, index):
    with pytest.raises(MessageError, match="one of the served scenes"):
        classroom.open_scene(index)


def test_a_served_scene_opens_with_its_pose_view_and_caption(classroom):
    scene = read_scene(SCENES[1])
    opened = classroom.open_scene(1)
    assert opened["scene"]["caption"] == scene.caption
    assert opened["view"] == scene.camera.view
    assert opened["controls"]["right.gt_superior_mm"] == pytest.approx(
        scene.pose.get("right.gt_superior_mm")
    )


def test_a_page_colours_its_muscles_as_its_scene_does(classroom, model):
    from hipviz.render.colours import colour_for_moment_arm, rgb_uint8

    scene = read_scene(SCENES[2])  # piriformis at 90 deg flexion: rotation moment arms
    opened = classroom.open_scene(2)
    shown = [key for key in model.solution.keys if key in scene.display.muscles]
    drawn = sorted(set(opened["muscles"]["owner"]))  # each line's compartment
    assert len(drawn) == len(shown) == 6  # only the scene's muscles
    assert opened["keys"] == shown
    solution = model.solve(scene.pose)
    arm = solution.moment_arms_mm["rotation"][solution.keys.index(PIRIFORMIS)]
    assert arm > 10.0  # flexed: piriformis turns the thigh in
    expected = rgb_uint8(colour_for_moment_arm(arm, scene.display.moment_arm_range_mm))
    colours = np.array(opened["muscles"]["rgb"]).reshape(-1, 3)
    assert any((colours == expected).all(axis=1)), "no line in piriformis' green"
    moved = classroom.solve({"right.hip_flexion_deg": 0.0}, scene=2)  # straight: turns it out
    assert not any((np.array(moved["muscles"]["rgb"]).reshape(-1, 3) == expected).all(axis=1))


def test_only_the_token_leads(classroom):
    assert len(classroom.token) >= 20 and classroom.token != Classroom(classroom.model).token
    with pytest.raises(MessageError, match="token is wrong"):
        classroom.set_lead("guess", {})
    lead = classroom.set_lead(
        classroom.token, {"left.gt_superior_mm": 6.0}, scene=1, view="posterior"
    )
    assert lead["controls"]["left.gt_superior_mm"] == 6.0
    assert lead["scene"]["index"] == 1 and lead["view"] == "posterior"
    with pytest.raises(MessageError, match="view must be one of"):
        classroom.set_lead(classroom.token, {}, view=["posterior"])
    again = classroom.set_lead(classroom.token, {"left.gt_superior_mm": 7.0})
    assert again["seq"] == lead["seq"] + 1 and again["scene"]["index"] == 1  # scene kept


def test_every_control_key_is_a_pose_key():
    assert check_pose_message(dict.fromkeys(CONTROL_KEYS, 0.0)) == Pose()


# --- real pages --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server():
    from browser import missing
    from served import running_server

    if missing():
        pytest.skip(missing())
    with running_server(SCENES) as running:
        yield running


def next_frame(driver, frames: int) -> None:
    from browser import next_frame as drawn

    drawn(driver, frames)


def open_page(driver, url: str) -> None:
    from browser import wait_loaded

    driver.get(url)
    wait_loaded(driver, ".view-box")


def view_pixels(driver) -> np.ndarray:
    from browser import canvas_pixels
    from selenium.webdriver.common.by import By

    return canvas_pixels(driver, driver.find_element(By.CSS_SELECTOR, ".view-box"))


def call(driver, trigger: str, *args):
    """Send the server a trigger from the page, as any script in a browser could."""
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.trame.trigger(arguments[0], arguments[1]).then(done, e => done('failed: ' + e));",
        trigger,
        list(args),
    )


def move_control(driver, key: str, value: float) -> None:
    """One step of a page's slider, as the page's own control sends it: the pose with
    ``key`` at ``value``, then the page's pose-changed handler."""
    driver.execute_script(
        "const p = {...window.trame.state.get('pose')}; p[arguments[0]] = arguments[1];"
        "window.trame.state.set('pose', p); window.hipviz.poseChanged();",
        key,
        value,
    )


def state(driver, key: str):
    return driver.execute_script("return window.trame.state.get(arguments[0])", key)


def wait_for(predicate, timeout: float = 15.0, what: str = "the page"):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not change within {timeout:g} s")
        time.sleep(0.1)


def slider_thumb(driver, key: str):
    from selenium.webdriver.common.by import By

    return driver.find_element(
        By.XPATH,
        f"//input[@id='slider-{key}']/ancestor::div[contains(@class, 'v-slider')][1]"
        "//div[@role='slider']",
    )


def project(point: np.ndarray, camera: dict, size: tuple[int, int]) -> tuple[int, int]:
    """Pixel (x, y) of a world point in a vtk.js view with this camera (vertical angle)."""
    eye, focal = np.array(camera["position"]), np.array(camera["focalPoint"])
    forward = (focal - eye) / np.linalg.norm(focal - eye)
    right = np.cross(forward, camera["viewUp"])
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    rel = point - eye
    depth = rel @ forward
    half = np.tan(np.radians(camera["viewAngle"]) / 2.0)
    width, height = size
    x_ndc = (rel @ right) / (depth * half * width / height)
    y_ndc = (rel @ up) / (depth * half)
    return int((x_ndc + 1) / 2 * width), int((1 - y_ndc) / 2 * height)


def blueness(image: np.ndarray, xy: tuple[int, int], half: int = 4) -> float:
    """How blue (shortened) the muscle colour around a pixel is: max of blue - red."""
    x, y = xy
    patch = image[y - half : y + half + 1, x - half : x + half + 1].astype(int)
    return float((patch[..., 2] - patch[..., 0]).max())


def test_a_page_shows_the_scene_its_legend_and_table(chrome, server):
    from selenium.webdriver.common.by import By

    open_page(chrome, server.url)
    image = view_pixels(chrome)
    bone = (
        (image[..., 0] > 180)
        & (image[..., 1] > 170)
        & (image[..., 2] > 140)
        & (image[..., 0] > image[..., 2] + 15)
    )
    assert bone.mean() > 0.05, "no bone on screen"
    grey_muscle = np.abs(image.astype(int) - 163).max(axis=-1) < 18  # neutral grey lines
    assert grey_muscle.sum() > 200, "no muscle lines on screen"
    legend = chrome.find_element(By.ID, "legend").text
    assert "Length change" in legend and "shortened" in legend and "lengthened" in legend
    assert len(chrome.find_elements(By.CSS_SELECTOR, "#numbers tbody tr")) == 2 * len(MUSCLES)
    assert chrome.find_element(By.ID, "scene-title").text == read_scene(SCENES[0]).title


def test_moving_a_gt_slider_turns_piriformis_blue(chrome, server, model):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    open_page(chrome, server.url)
    chrome.find_element(By.ID, "view-right").click()
    assert state(chrome, "view") == "right"
    chrome.find_element(By.TAG_NAME, "body").send_keys("2")  # key 2: posterior, as in the app
    assert state(chrome, "view") == "posterior"
    next_frame(chrome, 3)  # the new camera drawn
    box = chrome.find_element(By.CSS_SELECTOR, ".view-box")
    size = (box.size["width"], box.size["height"])
    camera = cameras()["posterior"]
    before = view_pixels(chrome)

    updates = int(chrome.find_element(By.TAG_NAME, "body").get_attribute("data-updates") or 0)
    slider_thumb(chrome, "right.gt_anterior_mm").send_keys(Keys.HOME)  # all the way back
    wait_for(
        lambda: (
            int(chrome.find_element(By.TAG_NAME, "body").get_attribute("data-updates") or 0)
            > updates
        ),
        what="the muscles",
    )
    next_frame(chrome, 3)  # the answer drawn
    assert state(chrome, "pose")["right.gt_anterior_mm"] == -25.0
    after = view_pixels(chrome)

    solution = model.solve(Pose.from_dict({"right.gt_anterior_mm": -25.0}))
    path = model.muscles.polylines(solution.transforms)[solution.keys.index(PIRIFORMIS)]
    lateral = path[0] + 0.75 * (path[-1] - path[0])  # the part beside the trochanter
    xy = project(lateral, camera, size)
    assert blueness(after, xy) > blueness(before, xy) + 40, f"piriformis at {xy} not bluer"
    row = next(r for r in state(chrome, "rows") if r["key"] == PIRIFORMIS)
    assert row["change_pct"] < -8.0


def test_every_slider_key_press_is_one_step(chrome, server):
    from selenium.webdriver.common.keys import Keys

    open_page(chrome, server.url)
    thumb = slider_thumb(chrome, "left.gt_superior_mm")
    thumb.send_keys(*[Keys.ARROW_RIGHT] * 10)  # ten quick presses, 0.5 mm a step
    wait_for(lambda: state(chrome, "pose")["left.gt_superior_mm"] == 5.0, what="the slider")
    wait_for(
        lambda: any(
            r["key"] == "left.gluteus_medius_middle" and r["change_pct"] != 0.0
            for r in state(chrome, "rows")
        ),
        what="the table",
    )
    thumb.send_keys(Keys.ARROW_LEFT, Keys.ARROW_LEFT, Keys.PAGE_DOWN)
    wait_for(lambda: state(chrome, "pose")["left.gt_superior_mm"] == -1.0, what="the slider")
    label = chrome.execute_script(
        "return [...document.querySelectorAll('.control .text-caption')]"
        ".map(e => e.innerText).find(t => t.includes('-1.0 mm'))"
    )
    assert label, "the slider's label does not say -1.0 mm"


def test_the_instructor_page_says_it_leads_and_counts_followers(chrome, server):
    from browser import chromium, console_log
    from selenium.webdriver.common.by import By

    open_page(chrome, server.url)
    with chromium() as teacher:
        open_page(teacher, server.instructor_url)
        assert not teacher.find_elements(By.ID, "follow")  # the lead follows no one
        leading = teacher.find_element(By.ID, "leading")
        before = int(leading.text.split()[2])
        chrome.find_element(By.ID, "follow").click()
        wait_for(lambda: f"{before + 1} page" in leading.text, what="the follower count")
        chrome.find_element(By.ID, "follow").click()
        wait_for(lambda: f"{before} page" in leading.text, what="the follower count")
        errors = [e for e in console_log(teacher) if e.get("level") == "SEVERE"]
        assert not errors, errors
    errors = [e for e in console_log(chrome) if e.get("level") == "SEVERE"]
    assert not errors, errors


def test_two_pages_keep_their_own_poses(chrome, server):
    from browser import chromium

    open_page(chrome, server.url)
    with chromium() as other:
        open_page(other, server.url)
        call(chrome, "hipviz_solve", {"right.gt_superior_mm": 12.0})
        move_control(chrome, "right.gt_superior_mm", 12)
        wait_for(
            lambda: (
                abs(
                    next(
                        r
                        for r in state(chrome, "rows")
                        if r["key"] == "right.gluteus_medius_middle"
                    )["change_pct"]
                )
                > 1.0
            )
        )
        # a round trip of the other page: whatever the server sent it before has arrived
        assert "error" not in call(other, "hipviz_solve", {}, 0)
        assert state(other, "pose")["right.gt_superior_mm"] == 0.0
        assert all(abs(r["change_pct"]) < 0.05 for r in state(other, "rows"))


def test_follow_mode_copies_the_instructor_and_a_bad_message_changes_nothing(chrome, server):
    from browser import chromium
    from selenium.webdriver.common.by import By

    open_page(chrome, server.url)
    with chromium() as teacher:
        open_page(teacher, server.instructor_url)
        chrome.find_element(By.ID, "follow").click()
        move_control(teacher, "left.gt_anterior_mm", 9)
        wait_for(
            lambda: state(chrome, "pose")["left.gt_anterior_mm"] == 9.0, what="the student's pose"
        )
        teacher.execute_script("window.hipviz.openScene(1)")
        wait_for(lambda: state(chrome, "scene_index") == 1, what="the student's scene")
        assert chrome.find_element(By.ID, "scene-caption").text == read_scene(SCENES[1]).caption
        lead_seq = state(teacher, "lead")["seq"]

        # hostile messages from the student's page: each refused, nothing changes
        rows = state(chrome, "rows")
        assert "token is wrong" in call(chrome, "hipviz_lead", "guess", {})["error"]
        assert "out of range" in call(chrome, "hipviz_solve", {"left.gt_anterior_mm": 99})["error"]
        assert "served scenes" in call(chrome, "hipviz_scene", "/etc/passwd")["error"]
        assert "got 0 argument" in call(chrome, "hipviz_solve")["error"]
        # a page may scribble on its own copy of the lead; the server takes none of it
        chrome.execute_script("window.trame.state.set('lead', {seq: 999, rows: []})")
        assert "got 4 argument" in call(chrome, "hipviz_solve", {}, 0, True, 1)["error"]
        assert "fans must be true or false" in call(chrome, "hipviz_solve", {}, 0, 1)["error"]
        assert state(teacher, "lead")["seq"] == lead_seq
        assert state(chrome, "rows") == rows

        # the desktop app leads over HTTP with the same token; a wrong one is refused
        token = server.instructor_url.split("token=")[1]
        request = urllib.request.Request(
            server.url + "hipviz/lead",
            method="POST",
            data=json.dumps({"token": "wrong", "pose": {}}).encode(),
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 403
        refused.value.close()
        request = urllib.request.Request(
            server.url + "hipviz/lead",
            method="POST",
            data=json.dumps({"token": token, "pose": {"right.gt_superior_mm": -6}}).encode(),
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert json.loads(answer.read())["seq"] > lead_seq
        wait_for(
            lambda: state(chrome, "pose")["right.gt_superior_mm"] == -6.0,
            what="the student's pose after the desktop app led",
        )


def test_the_desktop_app_leads_students_in_follow_mode(chrome, server, window, qtbot, monkeypatch):
    from PyQt5.QtWidgets import QInputDialog
    from selenium.webdriver.common.by import By

    open_page(chrome, server.url)
    chrome.find_element(By.ID, "follow").click()
    # File > Lead a classroom, answering its question with the address `hipviz serve` printed
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (server.instructor_url, True))
    window.classroom.action.trigger()
    assert window.classroom.action.isChecked()
    window.controls.controls["left.gt_superior_mm"].spin.setValue(-11.0)
    wait_for(
        lambda: state(chrome, "pose")["left.gt_superior_mm"] == -11.0,
        what="the student's pose after the desktop slider moved",
    )
    window.set_view("right")
    wait_for(lambda: state(chrome, "view") == "right", what="the student's view")
    assert window.classroom.last_error is None  # every post was taken
    window.classroom.action.trigger()  # toggled off: nothing more is sent
    assert window.classroom.leader is None


@pytest.mark.parametrize(
    "url, words",
    [
        ("localhost:8080", "not an instructor address"),
        ("http://localhost:8080/", "not an instructor address"),
        ("http://127.0.0.1:9/?token=abc", "cannot reach the classroom server"),
    ],
)
def test_a_bad_instructor_address_says_why(url, words):
    from hipviz.web.lead_client import LeadError, parse_instructor_url, post_lead

    with pytest.raises(LeadError, match=words):
        post_lead(*parse_instructor_url(url), {})


@pytest.mark.parametrize(
    "args, words",
    [
        (["serve", "no_such_scene.toml"], "scene file not found: no_such_scene.toml"),
        (["serve", "--port", "70000"], "--port 70000: must be 0 to 65535"),
    ],
)
def test_serve_reports_bad_arguments(args, words, capsys):
    from hipviz.cli import main

    assert main(args) == 2
    assert words in capsys.readouterr().err


def test_serve_names_a_bad_scene_file(tmp_path, capsys):
    from hipviz.cli import main

    bad = tmp_path / "typo.toml"
    bad.write_text('hipviz_scene = 1\ntitle = "x"\n[pose.right]\ngt_superior_mm = 99\n')
    assert main(["serve", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "typo.toml" in err and "gt_superior_mm" in err


def test_lead_a_classroom_with_a_bad_address_says_why(window, monkeypatch):
    from PyQt5.QtWidgets import QInputDialog, QMessageBox

    shown = []
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("localhost:8080", True))
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, title, text: shown.append(text))
    window.classroom.action.trigger()
    assert not window.classroom.action.isChecked() and window.classroom.leader is None
    assert "not an instructor address" in shown[0] and "?token=" in shown[0]


def test_the_address_to_share_is_a_real_one():
    import ipaddress
    import socket

    from hipviz.web.server import share_address

    assert share_address("localhost") == share_address("127.0.0.1") == "localhost"
    assert share_address("192.168.1.20") == "192.168.1.20"
    shown = share_address("0.0.0.0")  # every interface: students need this machine's address
    assert shown != "0.0.0.0"
    try:
        address = ipaddress.ip_address(shown)
    except ValueError:  # no route at all: the host name
        assert shown == socket.gethostname()
    else:
        assert not address.is_unspecified


def test_a_page_moved_off_its_scenes_pose_shows_the_pose_not_the_caption(chrome, server):
    """The issue's case: the neutral scene's "reference position" caption stayed at +4 mm."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from hipviz.core.caption import CHANGED_TITLE

    open_page(chrome, server.url)
    neutral = read_scene(SCENES[0])

    def shown() -> tuple[str, str]:
        return (
            chrome.find_element(By.ID, "scene-title").text,
            chrome.find_element(By.ID, "scene-caption").text,
        )

    assert shown() == (neutral.title, neutral.caption)
    thumb = slider_thumb(chrome, "right.gt_superior_mm")
    thumb.send_keys(*[Keys.ARROW_RIGHT] * 8)  # +4 mm, 0.5 mm a step
    wait_for(lambda: shown()[0] == CHANGED_TITLE, what="the scene's title")
    title, caption = shown()
    assert caption.startswith("Now: Right GT 4 mm superior; left neutral.")
    assert neutral.caption not in caption
    thumb.send_keys(*[Keys.ARROW_LEFT] * 8)  # back on the scene's pose
    wait_for(lambda: shown() == (neutral.title, neutral.caption), what="the scene's caption")


def piriformis_mm(driver) -> float:
    return next(r for r in state(driver, "rows") if r["key"] == "right.piriformis")["change_mm"]


def test_stretch_on_a_classroom_page_glides_there_and_back_restores_it(chrome, server):
    """A page picks right piriformis, presses Stretch: its sliders glide to the position
    the search finds from its pose, its caption says the pose and the change, its table
    shows the search's change; Back brings its pose back exactly. (Issue 21, item 2.)"""
    from selenium.webdriver.common.by import By

    from hipviz.core.positions import find_position

    open_page(chrome, server.url)
    start = dict(state(chrome, "pose"))
    chrome.execute_script("window.trame.state.set('position_muscle', 'right.piriformis')")
    chrome.find_element(By.ID, "position-lengthen").click()
    wait_for(lambda: state(chrome, "position_back"), what="the stretch")
    expected = find_position(load_model(), "piriformis", "right", "lengthen")
    caption = chrome.find_element(By.ID, "scene-caption").text
    assert "Right piriformis, stretch position" in caption
    a = expected.angles_deg
    assert pose_words(a["flexion"], a["abduction"], a["rotation"]) in caption
    assert piriformis_mm(chrome) == pytest.approx(expected.change_mm, abs=0.05)
    assert state(chrome, "pose") != start
    chrome.find_element(By.ID, "position-back").click()
    wait_for(lambda: not state(chrome, "position_back"), what="Back")
    wait_for(lambda: state(chrome, "pose") == start, what="the pose back")
    wait_for(lambda: abs(piriformis_mm(chrome)) < 0.05, what="the table back")
