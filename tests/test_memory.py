"""Long sessions: ten thousand slider steps must not grow memory or leave actors behind.

An instructor drags sliders for a whole workshop. The scene is updated in place, so
after a warm-up the process size stays flat and the renderer holds the same actors.
The steps go through the real scene update (off-screen, rendered every few hundred
steps) and, for a few hundred of them, through the real window (sliders, table,
panels, the drag level of detail), rendering once per pass of the event loop.
"""

from __future__ import annotations

import gc
import os

import numpy as np
import pytest
import pyvista

from hipviz.core.pose import Pose
from hipviz.io.model_files import load_model
from hipviz.render.scene import HipScene

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
#: allowed growth of the resident set over the measured steps, bytes
ALLOWED_GROWTH = 5 * 1024**2


def resident_bytes() -> int:
    """This process's resident set size (Linux ``/proc/self/statm``), bytes."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE_BYTES


def growth(samples: list[int]) -> int:
    """How much the floor of the resident set rose from the first to the last third, bytes.

    A frame in flight holds ~10 MB of the software renderer's buffers for a moment, and
    the allocator hands memory back in chunks: single readings jump both ways. A leak
    lifts the lowest readings; those moments do not.
    """
    third = max(1, len(samples) // 3)
    return min(samples[-third:]) - min(samples[:third])


def sample(samples: list[int]) -> None:
    gc.collect()
    samples.append(resident_bytes())


def view_props(plotter) -> int:
    return plotter.renderer.GetViewProps().GetNumberOfItems()


def poses(n: int, seed: int = 0) -> list[Pose]:
    """``n`` different poses touching every control (a GT drag, crests, flexion)."""
    rng = np.random.default_rng(seed)
    sup = np.round(20 * np.sin(np.linspace(0, 40 * np.pi, n)), 1)  # back and forth
    out = []
    for i in range(n):
        values = {
            "right.gt_superior_mm": float(sup[i]),
            "left.gt_anterior_mm": float(np.round(rng.uniform(-15, 15), 1)),
        }
        if i % 7 == 0:
            values["left.iliac_crest_superior_mm"] = float(np.round(rng.uniform(-10, 10), 1))
        if i % 11 == 0:
            values["right.hip_flexion_deg"] = float(np.round(rng.uniform(0, 60), 0))
        out.append(Pose.from_dict(values))
    return out


needs_proc = pytest.mark.skipif(
    not os.path.exists("/proc/self/statm"), reason="reads the resident set size from /proc"
)


@needs_proc
def test_ten_thousand_scene_updates_keep_memory_and_actors(anatomy):
    bones, landmarks = anatomy
    model = load_model()
    plotter = pyvista.Plotter(off_screen=True, window_size=(320, 200))
    try:
        scene = HipScene(plotter, bones, model=model, landmarks=landmarks)
        scene.set_landmarks_visible(True, render=False)
        # the names too: pinned labels laid out at each render, one muscle isolated
        scene.state.update(muscle_labels=True, isolated="right.piriformis")
        renders = []
        scene.render_hook = lambda: renders.append(1)  # render below, not on every step
        steps = poses(10_000)

        samples: list[int] = []

        def drive(chunk: list[Pose]) -> None:
            for i, pose in enumerate(chunk):
                model.set_pose(pose)
                if i % 500 == 0:
                    scene.set_interactive(i % 1000 == 0)  # both levels of detail
                    plotter.render()
                    sample(samples)

        drive(steps[:1000])  # warm-up: VTK and numpy caches, both levels built
        scene.set_interactive(False)
        plotter.render()
        props = view_props(plotter)
        samples.clear()
        drive(steps[1000:])
        scene.set_interactive(False)
        plotter.render()
        sample(samples)
        grown = growth(samples)

        assert len(renders) >= 10_000  # every step asked for a frame
        assert model.pose == steps[-1]  # ... and the scene shows the last one
        np.testing.assert_allclose(scene.muscles.change_pct, model.solution.change_pct)
        assert view_props(plotter) == props, "a pose change added or removed actors"
        assert grown < ALLOWED_GROWTH, f"9000 steps grew the process by {grown / 2**20:.1f} MB"
    finally:
        plotter.close()


@pytest.mark.gui
@needs_proc
def test_hundreds_of_slider_drags_in_the_window_keep_memory_and_actors(qtbot, anatomy):
    from hipviz.gui.window import MainWindow

    bones, landmarks = anatomy
    window = MainWindow(load_model(), bones, landmarks)
    qtbot.addWidget(window)
    window.resize(900, 640)  # a small view: frames are cheap on a software renderer
    window.show()
    qtbot.waitExposed(window)
    slider = window.controls.controls["right.gt_superior_mm"].slider
    positions = np.round(40 * np.sin(np.linspace(0, 12 * np.pi, 700))).astype(int)

    samples: list[int] = []

    def drag(values) -> None:
        slider.setSliderDown(True)  # a mouse press on the handle: light frames
        for i, value in enumerate(values):
            slider.setValue(int(value))  # one mouse move: model, table, panels, scene
            if i % 20 == 0:
                qtbot.wait(1)  # the event loop draws the coalesced frame
                sample(samples)
        slider.setSliderDown(False)
        qtbot.wait(1)

    drag(positions[:200])  # warm-up
    props = view_props(window.plotter)
    samples.clear()
    drag(positions[200:])
    sample(samples)
    grown = growth(samples)

    assert window.model.pose.right.gt_superior_mm == positions[-1] / 2
    assert not window.scene.interactive  # full detail again after the release
    assert view_props(window.plotter) == props
    assert grown < ALLOWED_GROWTH, f"500 slider steps grew the process by {grown / 2**20:.1f} MB"
    window.close()
