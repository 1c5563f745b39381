"""The main window: the 3D view in the middle, pose controls, display options, the readout
table and the inspect panel in docks, menus, a view toolbar and a status bar.

The window subscribes to the model (weakly) and passes each new solution to its panels;
the scene subscribes by itself. Widgets change the model only through its public setters.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PyQt5.QtCore import QEvent, QObject, QPoint, Qt, QTimer
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import (
    QAction,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QToolBar,
    QWidget,
)
from pyvistaqt import QtInteractor

from hipviz import __version__
from hipviz.core.model import HipModel, Solution
from hipviz.core.pose import SIDES
from hipviz.gui.controls import PoseControls
from hipviz.gui.display import DisplayPanel
from hipviz.gui.inspect_panel import InspectPanel
from hipviz.gui.names import path_label
from hipviz.gui.table import ReadoutTable
from hipviz.io.meshes import Bone
from hipviz.render.scene import HipScene, subscribe_weakly
from hipviz.render.views import DEFAULT_VIEW, VIEWS

log = logging.getLogger(__name__)

WINDOW_SIZE = (1400, 900)
TITLE = "hipviz \N{EM DASH} hip muscle lengths"
#: a press and release closer than this (pixels) is a click, not a camera drag
CLICK_SLOP_PX = 4
STATUS_TIMEOUT_MS = 6000


def change_word(pct: float) -> str:
    return "lengthened" if pct > 0.05 else "shortened" if pct < -0.05 else "unchanged"


class MainWindow(QMainWindow):
    """hipviz's window.

    Parameters
    ----------
    model : HipModel
        The model the controls drive and the view shows.
    bones : dict of str to Bone
        From :func:`hipviz.io.meshes.load_bones`.
    landmarks : dict, optional
        From :func:`hipviz.io.meshes.load_landmarks`, for the landmark labels.
    parent : QWidget, optional
    """

    def __init__(self, model: HipModel, bones: dict[str, Bone], landmarks: dict | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.setWindowTitle(TITLE)
        self.resize(*WINDOW_SIZE)
        self.selected: str | None = None  # clicked (kept)
        self.hovered: str | None = None  # under the mouse (transient)
        self._press_pos: QPoint | None = None

        # No auto-render timer (the scene renders when something changed) and FXAA instead of
        # multisampling: on a software renderer 8x MSAA triples the time of a frame.
        self.plotter = QtInteractor(self, auto_update=False, multi_samples=0)
        self.plotter.enable_anti_aliasing("fxaa")
        self.setCentralWidget(self.plotter)
        self.scene = HipScene(self.plotter, bones, model=model, landmarks=landmarks)
        # Ask Qt to repaint instead of rendering at once: the paint renders the scene, and Qt
        # merges the repaints of many changes in one pass of the event loop (a drag, a reset)
        # into one frame. (A direct render would also be followed by a repaint: two frames.)
        self.scene.render_hook = self.plotter.update
        self._view_camera = None  # the camera the last standard view set
        self.plotter.installEventFilter(self)

        self.controls = PoseControls(model)
        self.display = DisplayPanel(self.scene)
        self.table = ReadoutTable()
        self.inspect = InspectPanel(model.muscles.paths)
        self.docks = {
            "pose": self._dock("Pose", self._scrolled(self.controls), Qt.LeftDockWidgetArea),
            "inspect": self._dock("Inspect", self._scrolled(self.inspect), Qt.LeftDockWidgetArea),
            "display": self._dock("Display", self._scrolled(self.display),
                                  Qt.RightDockWidgetArea),
            "table": self._dock("Muscle lengths", self.table, Qt.BottomDockWidgetArea),
        }
        self.setCorner(Qt.BottomLeftCorner, Qt.LeftDockWidgetArea)
        self.setCorner(Qt.BottomRightCorner, Qt.BottomDockWidgetArea)
        self.resizeDocks([self.docks["pose"], self.docks["inspect"]], [520, 260], Qt.Vertical)

        self.view_label = QLabel()
        self.statusBar().addPermanentWidget(self.view_label)
        self._build_actions()
        self._build_menus()
        self._build_toolbar()

        self.controls.message.connect(self.show_message)
        self.table.message.connect(self.show_message)
        self.table.path_selected.connect(self.select_path)
        self.display.colour_limit_changed.connect(self.table.set_colour_limit)
        self.display.visibility_changed.connect(self._refresh_inspected)

        subscribe_weakly(model, self._on_solution)
        self._on_solution(model.solution)
        self.set_view(DEFAULT_VIEW)
        self.show_message("Drag a slider to move a greater trochanter; hover over a muscle "
                          "to inspect it.")

    # --- construction ------------------------------------------------------------------------
    def _scrolled(self, widget: QWidget) -> QScrollArea:
        area = QScrollArea()
        area.setWidget(widget)
        area.setWidgetResizable(True)
        area.setFrameShape(QScrollArea.NoFrame)
        # scroll up and down only: the dock is as wide as the panel needs
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        area.setMinimumWidth(widget.sizeHint().width()
                             + area.verticalScrollBar().sizeHint().width())
        return area

    def _dock(self, title: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.lower().replace(" ", "_"))
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable
                         | QDockWidget.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def _action(self, text: str, slot, shortcut=None, tip: str = "",
                checkable: bool = False) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.WindowShortcut)
        action.setStatusTip(tip)
        action.setToolTip(f"{tip} ({action.shortcut().toString()})" if shortcut else tip)
        action.setCheckable(checkable)
        (action.toggled if checkable else action.triggered).connect(slot)
        self.addAction(action)  # shortcuts work while the menu bar is hidden, too
        return action

    def _build_actions(self) -> None:
        self.open_action = self._action(
            "&Open scene\N{HORIZONTAL ELLIPSIS}", self.open_scene_dialog, QKeySequence.Open,
            "Open a teaching case (scene file)")
        self.save_image_action = self._action(
            "Save &image\N{HORIZONTAL ELLIPSIS}", self.save_image_dialog, QKeySequence.Save,
            "Save the view as a PNG image")
        self.export_action = self._action("&Export table as CSV\N{HORIZONTAL ELLIPSIS}",
                                          self.table.export_dialog, "Ctrl+E",
                                          "Save the muscle-length table as CSV")
        self.quit_action = self._action("&Quit", self.close, QKeySequence("Ctrl+Q"),
                                        "Close hipviz")
        self.view_actions = {
            name: self._action(view.label, lambda _=False, n=name: self.set_view(n),
                               view.shortcut, f"{view.label} view")
            for name, view in VIEWS.items()
        }
        self.reset_action = self._action("&Reset both sides", self.controls.reset_all, "Ctrl+R",
                                         "Back to neutral on both sides")
        self.reset_side_actions = {
            side: self._action(f"Reset {side} side",
                               lambda _=False, s=side: self.controls.reset_side(s),
                               tip=f"Back to neutral on the {side} side")
            for side in SIDES
        }
        self.labels_action = self._action("Landmark &labels", self.display.labels_check.setChecked,
                                          "Ctrl+L", "Show the landmark names", checkable=True)
        self.display.labels_check.toggled.connect(self._sync_labels_action)
        self.lines_action = self._action(
            "&Thin lines", lambda on: (self.display.lines_radio if on
                                       else self.display.tubes_radio).setChecked(True),
            "Ctrl+T", "Draw muscles as thin lines", checkable=True)
        self.display.lines_radio.toggled.connect(self._sync_lines_action)
        self.about_action = self._action("&About hipviz", self.about)

    def _sync_labels_action(self, on: bool) -> None:
        blocked = self.labels_action.blockSignals(True)
        self.labels_action.setChecked(on)
        self.labels_action.blockSignals(blocked)

    def _sync_lines_action(self, on: bool) -> None:
        blocked = self.lines_action.blockSignals(True)
        self.lines_action.setChecked(on)
        self.lines_action.blockSignals(blocked)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        for action in (self.open_action, self.save_image_action, self.export_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        view_menu = bar.addMenu("&View")
        for action in self.view_actions.values():
            view_menu.addAction(action)
        view_menu.addSeparator()
        view_menu.addAction(self.labels_action)
        view_menu.addAction(self.lines_action)
        view_menu.addSeparator()
        for dock in self.docks.values():
            view_menu.addAction(dock.toggleViewAction())
        pose_menu = bar.addMenu("&Pose")
        pose_menu.addAction(self.reset_action)
        for action in self.reset_side_actions.values():
            pose_menu.addAction(action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.about_action)
        self.menus = {"file": file_menu, "view": view_menu, "pose": pose_menu, "help": help_menu}

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Views", self)
        toolbar.setObjectName("views")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonTextOnly)
        for action in self.view_actions.values():
            toolbar.addAction(action)
        toolbar.addSeparator()
        toolbar.addAction(self.reset_action)
        self.addToolBar(Qt.TopToolBarArea, toolbar)
        self.toolbar = toolbar

    # --- model -> widgets --------------------------------------------------------------------
    def _on_solution(self, solution: Solution) -> None:
        self.controls.sync(solution)
        self.table.update_solution(solution)
        self._refresh_inspected()
        i = int(np.argmax(np.abs(solution.change_pct)))
        pct = float(solution.change_pct[i])
        if abs(pct) >= 0.05:
            self.show_message(f"Largest change: {path_label(solution.keys[i]).lower()} "
                              f"{pct:+.1f} % ({change_word(pct)})")

    def _refresh_inspected(self) -> None:
        key = self.hovered or self.selected
        self.inspect.show_path(key, self.model.solution)

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, STATUS_TIMEOUT_MS)

    # --- camera ------------------------------------------------------------------------------
    def set_view(self, name: str) -> None:
        """Move the camera to a standard view (anterior, posterior, right, left, superior)."""
        self.scene.set_view(name)
        self._view_camera = self.plotter.camera_position
        self.view_label.setText(f"{VIEWS[name].label} view")

    def _reframe(self) -> None:
        """Frame the standard view for the view's new shape, unless the user moved the camera."""
        if not self.scene.closed and self.plotter.camera_position == self._view_camera:
            self.set_view(self.scene.view)

    # --- inspecting --------------------------------------------------------------------------
    def select_path(self, key: str | None) -> None:
        """Select (and highlight) a muscle path, e.g. ``"right.piriformis"``; ``None`` clears."""
        self.selected = key
        self.table.select_path(key)
        self._show_highlight()

    def hover_path(self, key: str | None) -> None:
        """Highlight a path transiently (the mouse is over it)."""
        if key == self.hovered:
            return
        self.hovered = key
        self._show_highlight()
        if key is not None:
            i = self.model.solution.keys.index(key)
            pct = float(self.model.solution.change_pct[i])
            self.show_message(f"{path_label(key)}: {pct:+.1f} % ({change_word(pct)})")

    def _show_highlight(self) -> None:
        self.scene.set_highlight(self.hovered or self.selected)
        self._refresh_inspected()

    def _display_xy(self, pos: QPoint) -> tuple[float, float]:
        """Qt widget position -> VTK display pixels (origin bottom left, device pixels)."""
        ratio = self.plotter.devicePixelRatioF()
        return pos.x() * ratio, (self.plotter.height() - pos.y() - 1) * ratio

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if obj is self.plotter:
            kind = event.type()
            if kind == QEvent.Resize:
                QTimer.singleShot(0, self._reframe)  # after the render window took the new size
            elif kind in (QEvent.KeyPress, QEvent.KeyRelease):
                # VTK's own keys would quit (q, e), go wireframe (w) or stereo (3) in the view;
                # the window's shortcuts are handled before this point
                return True
            if kind == QEvent.MouseMove and event.buttons() == Qt.NoButton:
                self.hover_path(self.scene.pick_muscle(*self._display_xy(event.pos())))
            elif kind == QEvent.Leave:
                self.hover_path(None)
            elif kind == QEvent.MouseButtonPress and event.button() == Qt.LeftButton:
                self._press_pos = event.pos()
            elif (kind == QEvent.MouseButtonRelease and event.button() == Qt.LeftButton
                  and self._press_pos is not None
                  and (event.pos() - self._press_pos).manhattanLength() <= CLICK_SLOP_PX):
                self._press_pos = None
                self.select_path(self.scene.pick_muscle(*self._display_xy(event.pos())))
        return super().eventFilter(obj, event)

    # --- files -------------------------------------------------------------------------------
    def apply_scene(self, scene) -> None:
        """Show a teaching case (:class:`hipviz.io.scene.Scene`): pose, camera and display."""
        display = scene.display
        self.model.set_pose(scene.pose)
        self.display.range_spin.setValue(display.colour_range_pct)
        self.display.opacity_slider.setValue(round(display.bone_opacity * 100))
        self.display.labels_check.setChecked(display.labels)
        (self.display.tubes_radio if display.tubes else self.display.lines_radio).setChecked(True)
        for key in self.model.solution.keys:
            self.scene.set_muscle_visible(key, key in display.muscles, render=False)
        self.display.sync_tree()
        self.scene.set_background(display.background, render=False)
        camera = scene.camera
        if camera.position is not None:
            self.plotter.camera_position = [camera.position, camera.focal_point, camera.up]
            self.plotter.reset_camera_clipping_range()
            self.plotter.render()
        else:
            self.set_view(camera.view)
        title = f"{TITLE} \N{EN DASH} {scene.title}" if scene.title else TITLE
        self.setWindowTitle(title)
        if scene.caption:
            self.show_message(scene.caption)

    def open_scene(self, path: Path | str) -> None:
        """Read and show a scene file; a :class:`~hipviz.io.scene.SceneError` is reported."""
        from hipviz.io.scene import SceneError, read_scene

        try:
            scene = read_scene(path)
        except SceneError as exc:
            QMessageBox.warning(self, "Cannot open scene", str(exc))
            return
        self.apply_scene(scene)

    def open_scene_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open scene", "", "Scene files (*.toml)")
        if path:
            self.open_scene(path)

    def save_image(self, path: Path | str) -> None:
        """Save the view (as shown) as PNG."""
        self.scene.screenshot(path)
        self.show_message(f"Saved the view to {path}")

    def save_image_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save image", "hipviz.png",
                                              "PNG images (*.png)")
        if path:
            self.save_image(path)

    def about(self) -> None:
        QMessageBox.about(
            self, "About hipviz",
            f"<b>hipviz {__version__}</b><p>Greater trochanter, iliac crest and hip muscle "
            "lengths for manual-therapy teaching.</p><p>Colours: blue = shortened, orange-red = "
            "lengthened, grey = as in neutral (anatomical position).</p>")

    # --- closing -----------------------------------------------------------------------------
    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self.plotter.removeEventFilter(self)
        self.plotter.close()
        super().closeEvent(event)
