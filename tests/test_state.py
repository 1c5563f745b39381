"""The display state: Qt-free, evented, saved and read back, and drawn by the 3D scene."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from hipviz.io.model_files import load_model
from hipviz.io.scene import read_scene, scene_of, state_of
from hipviz.state import DEFAULTS, DisplayState

ROOT = Path(__file__).resolve().parents[1]


def heard(state: DisplayState, changing: bool = False) -> list[frozenset]:
    calls: list[frozenset] = []
    state.connect(calls.append, changing=changing)
    return calls


def test_setting_a_value_it_has_does_nothing():
    state = DisplayState()
    calls = heard(state)
    assert state.update(bone_opacity=1.0, labels=False) == frozenset()
    state.bone_opacity = 1  # the same number, as an int
    assert calls == []
    state.update(bone_opacity=0.4, labels=False)
    assert calls == [frozenset({"bone_opacity"})]
    assert state.bone_opacity == 0.4


def test_a_drag_is_heard_live_by_the_renderer_and_once_finished_by_the_rest():
    state = DisplayState()
    live, finished = heard(state, changing=True), heard(state)
    for value in (0.9, 0.7, 0.5):
        state.update(bone_opacity=value, final=False)  # the slider is held
    assert live == [frozenset({"bone_opacity"})] * 3
    assert finished == []
    state.update(bone_opacity=0.5)  # released where it was last
    assert finished == [frozenset({"bone_opacity"})]
    assert len(live) == 4


def test_restore_tells_each_listener_once_when_everything_is_set():
    state = DisplayState()
    seen = []
    state.connect(lambda names: seen.append((names, state.values())))
    state.restore({"title": "GT superior", "bone_opacity": 0.3, "muscles": ["left.piriformis"]})
    assert len(seen) == 1
    names, values = seen[0]
    assert names == {"title", "bone_opacity", "muscles"}
    assert values["title"] == "GT superior" and values["muscles"] == ("left.piriformis",)
    assert state.reset() == names
    assert state.values() == DEFAULTS


def test_unknown_names_and_paths_are_refused_clearly():
    state = DisplayState()
    with pytest.raises(AttributeError, match="opacity.*names: "):
        state.update(opacity=0.5)
    with pytest.raises(ValueError, match="unknown path.*right.psoas"):
        state.update(muscles=["right.psoas"])
    assert state.values() == DEFAULTS


def test_every_shipped_scene_goes_into_a_state_and_back_exactly():
    shipped = sorted((ROOT / "scenes").glob("*.toml"))
    assert shipped
    for path in shipped:
        scene = read_scene(path)
        assert scene_of(state_of(scene), scene.pose) == scene, path.name


def test_saving_a_scene_needs_no_qt(tmp_path):
    """Build a display state, save it as a scene file and read it back in a Python that
    has never imported Qt."""
    path = tmp_path / "case.toml"
    code = textwrap.dedent(
        f"""
        import sys
        from hipviz.core.pose import Pose
        from hipviz.io.scene import read_scene, scene_of, state_of, write_scene
        from hipviz.state import DisplayState

        state = DisplayState(title="Right GT high", view="posterior", labels=True)
        state.update(muscles=["right.piriformis"], colour_by="moment_arm_rotation",
                     trigger_points=True, bone_opacity=0.5)
        pose = Pose.from_dict({{"right.gt_superior_mm": 8.0}})
        write_scene(scene_of(state, pose), {str(path)!r})
        back = read_scene({str(path)!r})
        assert back == scene_of(state, pose), back
        assert back.pose.right.gt_superior_mm == 8.0
        shown = state_of(back)
        assert (shown.title, shown.view, shown.muscles) == (state.title, "posterior", state.muscles)
        assert "PyQt5" not in sys.modules, "saving a scene imported Qt"
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    assert 'title = "Right GT high"' in path.read_text()


def test_the_scene_follows_its_state_in_place(anatomy):
    import pyvista as pv

    from hipviz.render.scene import HipScene

    bones, _ = anatomy
    model = load_model()
    state = DisplayState()
    plotter = pv.Plotter(off_screen=True, window_size=[400, 300])
    try:
        scene = HipScene(plotter, bones, model=model, state=state)
        renders = []
        scene.render_hook = lambda: renders.append(1)
        actors = dict(plotter.renderer.actors)
        state.update(bone_opacity=0.4, tubes=False, muscles=["right.piriformis"], view="right")
        assert len(renders) == 1  # one change of the state, one frame
        assert scene.bone_actors["sacrum"].prop.opacity == pytest.approx(0.4)
        assert scene.muscles.line_actor.visibility and not scene.muscles.tube_actor.visibility
        assert scene.muscles.is_visible("right.piriformis")
        assert not scene.muscles.is_visible("left.piriformis")
        eye = np.array(plotter.camera_position[0]) - plotter.camera_position[1]
        assert eye[2] > 5 * max(abs(eye[0]), abs(eye[1]))  # from the right (+z, OpenSim frame)
        state.update(bone_opacity=0.4)
        assert len(renders) == 1  # unchanged: no frame
        # the scene's own setters go through the state, so the state says what is drawn
        scene.set_muscle_visible("left.piriformis", True)
        assert state.muscles == ("right.piriformis", "left.piriformis")
        scene.set_background("white")
        assert state.background == "white"
        assert dict(plotter.renderer.actors) == actors  # nothing re-added
    finally:
        plotter.close()
