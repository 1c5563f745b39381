"""Start the window: load the bones, landmarks and muscle data, then run Qt's event loop.

Whatever a user can fix (a missing or damaged mesh, muscle data or scene file) is shown in
a message box naming the file and the command that rebuilds it, and ``run`` returns 1.
"""

from __future__ import annotations

import logging
import sys
import time
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PyQt5.QtCore import QPoint, QTimer
from PyQt5.QtGui import QImage, QPainter
from PyQt5.QtWidgets import QApplication, QMessageBox

from hipviz.gui.window import MainWindow
from hipviz.io.meshes import MeshError, load_bones

if TYPE_CHECKING:
    from hipviz.io.bone_process import BoneLoad

log = logging.getLogger(__name__)

MUSCLE_REBUILD_HINT = "rebuild with: hipviz build-muscles  (after pip install -e '.[build]')"


class StartupError(RuntimeError):
    """hipviz cannot open its window; the message says which file and what to do."""


def application() -> QApplication:
    """The running QApplication, or a new one."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1] or ["hipviz"])
        app.setApplicationName("hipviz")
    return app


def load_window(scene_path: Path | str | None = None, bones: BoneLoad | None = None):
    """Load everything and build the :class:`~hipviz.gui.window.MainWindow` (not shown).

    ``bones``: the bones already being loaded in another process (``hipviz`` starts that
    first); loaded here when not given. What does not need them is loaded first, while
    they may still be on their way.

    Raises
    ------
    StartupError
        A mesh, landmark, muscle data or scene file cannot be used, or ``HIPVIZ_VIEW``
        names no view.
    """

    try:
        landmarks, model, scene = _load_all_but_the_bones(scene_path)
    except StartupError:
        if bones is not None:
            bones.cancel()
        raise
    try:  # the window makes its view before it waits for the bones (if still loading)
        window = MainWindow(model, load_bones() if bones is None else bones, landmarks)
    except MeshError as exc:
        raise StartupError(str(exc)) from exc
    if scene is not None:
        window.apply_scene(scene)
        window.files.mark_open(scene_path)
    return window


def _load_all_but_the_bones(scene_path: Path | str | None):
    """The landmarks, the model and the scene (or None); StartupError naming the file."""
    from hipviz.gui.view import view_kind
    from hipviz.io.meshes import MeshError, load_landmarks
    from hipviz.io.model_files import model_from_landmarks
    from hipviz.io.scene import SceneError, read_scene

    try:
        view_kind()  # a mistyped HIPVIZ_VIEW is said before anything loads
    except ValueError as exc:
        raise StartupError(str(exc)) from exc
    try:
        landmarks = load_landmarks()
    except MeshError as exc:
        raise StartupError(str(exc)) from exc
    try:
        model = model_from_landmarks(landmarks)
    except MeshError as exc:
        raise StartupError(str(exc)) from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:  # missing, not JSON, wrong shape
        data = resources.files("hipviz.data").joinpath("muscles.json")
        raise StartupError(
            f"{data}: cannot read the muscle data ({exc}); {MUSCLE_REBUILD_HINT}"
        ) from exc
    try:
        scene = read_scene(scene_path) if scene_path is not None else None
    except SceneError as exc:
        raise StartupError(str(exc)) from exc
    return landmarks, model, scene


def run(
    scene_path: Path | str | None = None,
    bones: BoneLoad | None = None,
    screenshot: Path | str | None = None,
) -> int:
    """Open the hipviz window (optionally on a scene file) and run until it is closed.

    ``screenshot``: instead of waiting for the user, draw the window once, save a picture
    of it to this PNG file and close (``hipviz gui --screenshot``: proves an install can
    open its window on this display).

    Returns
    -------
    int
        The exit code: 0 after a normal close, 1 if hipviz could not start (the reason
        was shown in a message box).
    """
    app = application()
    try:
        window = load_window(scene_path, bones)
    except StartupError as exc:
        log.error("%s", exc)
        QMessageBox.critical(None, "hipviz cannot start", str(exc))
        return 1
    window.show()
    if screenshot is not None:
        _when_exposed(window, lambda: app.exit(_save_window(window, Path(screenshot))))
    code = app.exec_()
    if screenshot is not None:
        window.close()
    return int(code)


def _when_exposed(window, then, timeout_s: float = 20.0) -> None:
    """Call ``then`` once the window is on screen (or after ``timeout_s``, to fail there)."""
    deadline = time.monotonic() + timeout_s

    def check() -> None:
        handle = window.windowHandle()
        if (handle is not None and handle.isExposed()) or time.monotonic() > deadline:
            then()
        else:
            QTimer.singleShot(20, check)

    QTimer.singleShot(0, check)


def _save_window(window, path: Path) -> int:
    """Draw the 3D view now and save the whole window as PNG; the exit code (1: not saved).

    Qt's grab of the window leaves the OpenGL view out (VTK draws it, not Qt), so the view's
    own frame is painted over its place in the picture.
    """

    # the view reframes itself on the event after it took its size: let that run first
    QApplication.processEvents()
    QApplication.processEvents()
    view = window.plotter
    if not view.isVisible():
        log.error("the window did not appear on the display")
        return 1
    view.render()
    frame = np.ascontiguousarray(view.screenshot(return_img=True)[:, :, :3])
    height, width = frame.shape[:2]
    image = QImage(frame.data, width, height, 3 * width, QImage.Format_RGB888)
    picture = window.grab()
    painter = QPainter(picture)
    painter.drawImage(view.mapTo(window, QPoint(0, 0)), image.scaled(view.size()))
    painter.end()
    if not picture.save(str(path), "PNG"):
        log.error("%s: cannot write the window's picture", path)
        return 1
    print(f"wrote {path} (the window, {window.width()}x{window.height()})")
    return 0
