"""The 3D view widget: VTK's own native window by default, pyvistaqt's on request."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt5.QtWidgets import QApplication

from hipviz.gui.app import StartupError, load_window
from hipviz.gui.view import VIEW_ENV, FramebufferView, NativeView
from hipviz.gui.window import MainWindow
from hipviz.io.model_files import load_model

pytestmark = pytest.mark.gui

GT_UP = "right.gt_superior_mm"
SIZE = (1400, 900)


def shown_window(qtbot, anatomy) -> MainWindow:
    bones, landmarks = anatomy
    win = MainWindow(load_model(), bones, landmarks)
    qtbot.addWidget(win)
    win.resize(*SIZE)
    win.show()
    qtbot.waitExposed(win)
    qtbot.wait(100)
    return win


def test_the_view_is_a_native_window_and_shows_one_frame_per_update(qtbot, window):
    view = window.plotter
    assert isinstance(view, NativeView)
    assert view.windowHandle() is not None  # its own native window: VTK draws into it
    assert view.window().windowHandle() is not view.windowHandle()
    frames = []
    view.frame_shown.connect(lambda: frames.append(1))
    view.update()
    view.update()  # merged with the first by Qt
    qtbot.waitUntil(lambda: frames == [1], timeout=2000)
    qtbot.wait(50)
    assert frames == [1]


def test_both_views_draw_the_same_picture_and_follow_a_slider(qtbot, anatomy, monkeypatch):
    native = shown_window(qtbot, anatomy)
    monkeypatch.setenv(VIEW_ENV, "framebuffer")
    framebuffer = shown_window(qtbot, anatomy)
    try:
        assert isinstance(framebuffer.plotter, FramebufferView)
        assert native.plotter.window_size == framebuffer.plotter.window_size
        for win in (native, framebuffer):
            win.controls.controls[GT_UP].slider.setValue(30)  # +15 mm: the femur moves up
        qtbot.wait(100)
        pictures = [win.scene.screenshot().astype(float) for win in (native, framebuffer)]
        assert np.abs(pictures[0] - pictures[1]).mean() < 1.0
        # and the picture is the moved pose, not the start: it differs from neutral
        native.controls.controls[GT_UP].slider.setValue(0)
        qtbot.wait(100)
        moved = np.abs(native.scene.screenshot().astype(float) - pictures[0])
        assert (moved.max(axis=2) > 40).sum() > 500
    finally:
        framebuffer.close()
        native.close()


def test_a_closed_view_renders_nothing(qtbot, anatomy):
    win = shown_window(qtbot, anatomy)
    view = win.plotter
    frames = []
    view.frame_shown.connect(lambda: frames.append(1))
    win.close()
    view.render()
    view.repaint()
    QApplication.processEvents()
    assert frames == []


def test_a_mistyped_view_name_stops_the_start_with_the_allowed_values(monkeypatch):
    monkeypatch.setenv(VIEW_ENV, "opengl")
    with pytest.raises(StartupError, match=r"HIPVIZ_VIEW='opengl'.*native, framebuffer"):
        load_window()
