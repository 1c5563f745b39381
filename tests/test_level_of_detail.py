"""Dragging draws light frames, one per step; letting go brings back the exact still picture."""

from __future__ import annotations

import numpy as np
import pytest
import pyvista

from hipviz.core.pose import Pose
from hipviz.io.model_files import load_model
from hipviz.render.scene import HipScene, bone_polydata, drag_polydata

GT_UP = "right.gt_superior_mm"


def triangles(actor) -> int:
    return actor.GetMapper().GetInput().GetNumberOfCells()


def test_drag_bones_are_light_closed_and_shaded_like_the_full_ones(anatomy):
    bones, _ = anatomy
    for name, bone in bones.items():
        full = bone_polydata(bone)
        light = drag_polydata(full)
        assert light.n_cells < 0.45 * full.n_cells, name
        # one closed surface: no holes to see through on a thin plate (the iliac wing)
        edges = light.extract_feature_edges(
            boundary_edges=True, feature_edges=False, manifold_edges=False, non_manifold_edges=False
        )
        assert edges.n_cells == 0, f"{name}: {edges.n_cells} edges around holes"
        # the same place, size and volume
        np.testing.assert_allclose(light.bounds, full.bounds, atol=3.0)
        assert light.volume == pytest.approx(full.volume, rel=0.02), name
        # no triangle turned inside out against its smooth normals (it would draw dark)
        faces = light.faces.reshape(-1, 4)[:, 1:]
        a, b, c = (light.points[faces[:, k]] for k in range(3))
        along = (np.cross(b - a, c - a) * light.point_data["Normals"][faces].sum(axis=1)).sum(1)
        assert (along >= 0).all(), name


def test_interactive_level_is_lighter_and_release_restores_the_exact_picture(anatomy):
    bones, landmarks = anatomy
    model = load_model()
    model.set_pose(Pose.from_dict({GT_UP: 8.0}))
    plotter = pyvista.Plotter(off_screen=True, window_size=(480, 300))
    try:
        plotter.enable_anti_aliasing("fxaa")
        scene = HipScene(plotter, bones, model=model, landmarks=landmarks)
        still = scene.screenshot()
        full = {n: triangles(a) for n, a in scene.bone_actors.items()}

        fibres = scene.muscles.lines.n_cells
        scene.set_interactive(True)
        assert scene.interactive and not plotter.renderer.GetUseFXAA()
        assert all(triangles(a) < 0.45 * full[n] for n, a in scene.bone_actors.items())
        # each fan drawn by its central fibre (the compartment's line): 1 of 5
        assert scene.muscles.lines.n_cells == fibres // 5
        model.set(GT_UP, 9.0)  # a drag step: the light bones follow the pose
        np.testing.assert_allclose(
            scene.bone_actors["femur_right"].user_matrix, model.solution.transforms["femur_right"]
        )
        model.set(GT_UP, 8.0)
        light = scene.screenshot()
        # the same picture, a little coarser (each fan by its central fibre, as the
        # muscles were drawn before the fans; measured 1.5): differences are small and local
        assert np.abs(light.astype(int) - still).mean() < 3.0

        scene.set_interactive(False)
        assert plotter.renderer.GetUseFXAA()
        assert {n: triangles(a) for n, a in scene.bone_actors.items()} == full
        assert scene.muscles.lines.n_cells == fibres  # the whole fan again
        np.testing.assert_allclose(scene.screenshot(), still, atol=1)
    finally:
        plotter.close()


@pytest.mark.gui
def test_a_slider_drag_renders_one_light_frame_per_step(qtbot, window):
    window.resize(1200, 800)  # room for the view between the docks
    qtbot.wait(50)
    frames = []
    window.plotter.render_window.AddObserver("EndEvent", lambda *_: frames.append(1))
    slider = window.controls.controls[GT_UP].slider
    table = window.table

    slider.setSliderDown(True)  # what a mouse press on the handle sends
    assert window.scene.interactive and not window.plotter.renderer.GetUseFXAA()
    for value in (3, 4, 5, 6):
        frames.clear()
        slider.setValue(value)  # one mouse move while dragging
        qtbot.wait(1)
        # model, bones, muscles, table and panels changed; the view drew exactly once
        assert len(frames) == 1, f"a slider step rendered {len(frames)} frames"
        assert window.model.pose.get(GT_UP) == value / 2
        assert table.values()[1][1] == f"{window.model.solution.lengths_mm[0]:.1f}"
    slider.setSliderDown(False)  # the release: full detail, one more frame
    frames.clear()
    qtbot.wait(1)
    assert not window.scene.interactive and window.plotter.renderer.GetUseFXAA()
    assert len(frames) == 1


@pytest.mark.gui
def test_a_camera_drag_draws_light_frames_until_the_mouse_is_released(qtbot, window):
    iren = window.plotter.iren.interactor
    iren.InvokeEvent("StartInteractionEvent")  # what the camera style sends on a press
    assert window.scene.interactive
    iren.InvokeEvent("EndInteractionEvent")
    assert not window.scene.interactive and window.plotter.renderer.GetUseFXAA()


@pytest.mark.gui
def test_the_window_makes_the_light_bones_while_idle_before_any_drag(qtbot, window):
    # one bone per pass of the event loop after the first frame: the first drag then
    # finds all five ready instead of waiting about 0.4 s for them
    # all five made, and then the timer stops (on the pass after the last one)
    qtbot.waitUntil(
        lambda: len(window.scene._drag_mappers) == 5 and not window._drag_prep.isActive(),
        timeout=5000,
    )
    assert not window.scene.interactive
