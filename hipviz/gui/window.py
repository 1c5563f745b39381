"""The main window: the 3D view in the middle, pose controls, display options, the readout
table and the inspect panel in docks, menus, a view toolbar and a status bar.

The window composes: the model (:class:`~hipviz.core.model.HipModel`, the pose), the display
state (:class:`~hipviz.state.DisplayState`, what is shown and how), the 3D scene that
follows both, and the panels and controllers, each given the few of these it uses. The
window subscribes to the model (weakly) and to the state, and passes their changes to the
widgets that are its own (status bar, actions, title). Widgets change the model and the
state only through their public setters.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PyQt5.QtCore import QEvent, QObject, QPoint, Qt, QTimer
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import (
    QAction,
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from hipviz import __version__
from hipviz.core.caption import MODIFIED_MARK
from hipviz.core.model import HipModel, Solution
from hipviz.core.pose import SIDES
from hipviz.formatting import number
from hipviz.gui.classroom_lead import ClassroomLead
from hipviz.gui.controls import PoseControls
from hipviz.gui.display import MUSCLE_LABELS_TIP, DisplayPanel
from hipviz.gui.document import SceneDocument
from hipviz.gui.inspect_panel import InspectPanel
from hipviz.gui.plot_panel import LengthPlotPanel
from hipviz.gui.position_panel import PositionPanel
from hipviz.gui.scene_files import SceneFiles, SceneInfoPanel
from hipviz.gui.table import ReadoutTable
from hipviz.gui.view import make_view
from hipviz.gui.workshop import WorkshopController
from hipviz.io.bone_process import BoneLoad
from hipviz.io.meshes import Bone, MeshError
from hipviz.io.scene import Scene
from hipviz.names import path_label
from hipviz.render.export import FigureOptions
from hipviz.render.scene import HipScene, subscribe_weakly
from hipviz.render.views import DEFAULT_VIEW, VIEWS
from hipviz.state import DisplayState

log = logging.getLogger(__name__)

WINDOW_SIZE = (1400, 900)
#: room left on the screen for the window's title bar and borders (the frame is not known
#: before the window is shown), pixels
FRAME_ALLOWANCE = (16, 48)


def window_size_for(available: tuple[int, int] | None) -> tuple[int, int]:
    """The window's first size: :data:`WINDOW_SIZE`, or less to fit ``available`` (the
    screen's free width and height, without task bars): on a 1366x768 laptop 1350x720."""
    if available is None:
        return WINDOW_SIZE
    return (
        min(WINDOW_SIZE[0], available[0] - FRAME_ALLOWANCE[0]),
        min(WINDOW_SIZE[1], available[1] - FRAME_ALLOWANCE[1]),
    )


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
    bones : dict of str to Bone, or BoneLoad
        From :func:`hipviz.io.meshes.load_bones`, or still loading in their own process
        (:class:`hipviz.io.bone_process.BoneLoad`): the window then makes its 3D view
        first and waits for them after (a MeshError if they cannot be used).
    landmarks : dict, optional
        From :func:`hipviz.io.meshes.load_landmarks`, for the landmark labels.
    parent : QWidget, optional
    """

    def __init__(
        self,
        model: HipModel,
        bones: dict[str, Bone] | BoneLoad,
        landmarks: dict | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.model = model
        self.setWindowTitle(TITLE)
        screen = QApplication.primaryScreen()
        free = screen.availableGeometry() if screen is not None else None
        self.resize(*window_size_for(free and (free.width(), free.height())))
        self.selected: str | None = None  # clicked (kept)
        self.hovered: str | None = None  # under the mouse (transient)
        self._press_pos: QPoint | None = None

        self.plotter = make_view(self)  # hipviz/gui/view.py: which widget, and why
        if QApplication.platformName().startswith("wayland"):  # EGL: pyvista picks SSAA
            self.plotter.enable_anti_aliasing("fxaa")
        else:  # straight on: pyvista's EGL probe builds a throwaway window (0.1 s at start)
            self.plotter.renderer.SetUseFXAA(True)
        self.setCentralWidget(self.plotter)
        if isinstance(bones, BoneLoad):  # the view was made while they were on their way
            try:
                bones = bones.result()
            except MeshError:
                self.plotter.close()
                raise
        #: what the view shows and how: scene files, figures and the handout read it
        self.state = DisplayState()
        self.scene = HipScene(
            self.plotter, bones, model=model, landmarks=landmarks, state=self.state
        )
        # Ask Qt to repaint instead of rendering at once: the paint renders the scene, and Qt
        # merges the repaints of many changes in one pass of the event loop (a drag, a reset)
        # into one frame. (A direct render would also be followed by a repaint: two frames.)
        self.scene.render_hook = self.plotter.update
        # the light bones for drag frames are made while idle after the first frame, one
        # bone per pass of the event loop, so the first drag does not wait for them
        self._drag_prep = QTimer(self)
        self._drag_prep.timeout.connect(self._prepare_drag_step)
        self.plotter.frame_shown.connect(self._start_drag_prep)
        self.plotter.installEventFilter(self)
        self.bones, self.landmarks = bones, landmarks  # figures are rendered off-screen from them
        #: the open case: model, state, scene and file, as the controllers share it
        self.document = SceneDocument(model, self.state, self.scene, self)
        self.document.message.connect(self.show_message)
        self.document.path_changed.connect(self.update_window_title)
        self.document.text_changed.connect(self._show_scene_text)

        self.controls = PoseControls(model)
        self.display = DisplayPanel(
            self.state,
            labels=self.scene.landmarks is not None,
            overlays=self.scene.overlay is not None,
        )
        self.table = ReadoutTable()
        self.table.set_colouring(
            self.state.colour_by, self.state.colour_range_pct, self.state.moment_arm_range_mm
        )
        self.inspect = InspectPanel(model.muscles.paths)
        # the selected muscle's stretch and release positions, under what is known about it
        self.positions = PositionPanel(model)
        inspect_box = QWidget()
        box_layout = QVBoxLayout(inspect_box)
        box_layout.setContentsMargins(0, 0, 0, 0)
        box_layout.addWidget(self.positions)
        box_layout.addWidget(self.inspect, 1)
        self.docks = {
            "pose": self._dock("Pose", self._scrolled(self.controls), Qt.LeftDockWidgetArea),
            "inspect": self._dock("Inspect", self._scrolled(inspect_box), Qt.LeftDockWidgetArea),
            "display": self._dock("Display", self._scrolled(self.display), Qt.RightDockWidgetArea),
            "table": self._dock("Muscle lengths", self.table, Qt.BottomDockWidgetArea),
        }
        self.setCorner(Qt.BottomLeftCorner, Qt.LeftDockWidgetArea)
        self.setCorner(Qt.BottomRightCorner, Qt.BottomDockWidgetArea)
        self.resizeDocks([self.docks["pose"], self.docks["inspect"]], [520, 260], Qt.Vertical)
        self.scene_info = SceneInfoPanel()
        self.docks["scene"] = self._dock("Scene", self.scene_info, Qt.RightDockWidgetArea)
        self.splitDockWidget(self.docks["scene"], self.docks["display"], Qt.Vertical)
        self.resizeDocks([self.docks["scene"], self.docks["display"]], [170, 600], Qt.Vertical)
        self.files = SceneFiles(self.document, self)
        self.scene_info.edit_requested.connect(self.files.details_dialog)
        self.scene_info.back_requested.connect(self.document.back_to_scene_pose)

        self.view_label = QLabel()
        self.statusBar().addPermanentWidget(self.view_label)
        self._build_actions()
        # File > Lead a classroom (hipviz serve)
        self.classroom = ClassroomLead(self.model, self.state, self, self.show_message)
        self._build_menus()
        self._build_toolbar()
        self._build_plot_and_workshop()

        self.controls.message.connect(self.show_message)
        for control in self.controls.controls.values():  # light frames while a slider is dragged
            control.slider.sliderPressed.connect(self._slider_pressed)
            control.slider.sliderReleased.connect(self._slider_released)
        self.table.message.connect(self.show_message)
        self.positions.message.connect(self.show_message)
        self.table.path_selected.connect(self.select_path)
        self.display.visibility_changed.connect(self._refresh_inspected)
        self.state.connect(self._state_changed, changing=True)

        subscribe_weakly(model, self._on_solution)
        self._on_solution(model.solution)
        self.set_view(DEFAULT_VIEW)
        self.show_message(
            "Drag a slider to move a greater trochanter; hover over a muscle to inspect it."
        )

    # --- construction ------------------------------------------------------------------------
    def _scrolled(self, widget: QWidget) -> QScrollArea:
        area = QScrollArea()
        area.setWidget(widget)
        area.setWidgetResizable(True)
        area.setFrameShape(QScrollArea.NoFrame)
        # scroll up and down only: the dock is as wide as the panel needs
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        area.setMinimumWidth(
            widget.sizeHint().width() + area.verticalScrollBar().sizeHint().width()
        )
        return area

    def _dock(self, title: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.lower().replace(" ", "_"))
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetMovable
            | QDockWidget.DockWidgetFloatable
            | QDockWidget.DockWidgetClosable
        )
        self.addDockWidget(area, dock)
        return dock

    def _action(
        self, text: str, slot, shortcut=None, tip: str = "", checkable: bool = False
    ) -> QAction:
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
        # scene files: Ctrl+O, Ctrl+S, Ctrl+Shift+S and the recent list (gui/scene_files.py)
        self.open_action = self.files.open_action
        self.save_action = self.files.save_action
        self.save_as_action = self.files.save_as_action
        self.export_figure_action = self._action(
            "&Export figure\N{HORIZONTAL ELLIPSIS}",
            self.export_dialog,
            "Ctrl+E",
            "Save the view as a figure: PNG, SVG or PDF, up to 4K, with legend, title and caption",
        )
        self.export_csv_action = self._action(
            "Export table as &CSV\N{HORIZONTAL ELLIPSIS}",
            self.table.export_dialog,
            "Ctrl+Shift+E",
            "Save the muscle-length table as CSV",
        )
        self.export_handout_action = self._action(
            "Export &handout\N{HORIZONTAL ELLIPSIS}",
            self.export_handout_dialog,
            "Ctrl+Shift+H",
            "Save the scene as one web page to share: a 3D view readers turn and zoom, with "
            "title, caption, legend and table; opens offline in any browser",
        )
        self.quit_action = self._action("&Quit", self.close, QKeySequence("Ctrl+Q"), "Close hipviz")
        self.view_actions = {
            name: self._action(
                view.label,
                lambda _=False, n=name: self.set_view(n),
                view.shortcut,
                f"{view.label} view",
            )
            for name, view in VIEWS.items()
        }
        self.reset_action = self._action(
            "&Reset both sides", self.controls.reset_all, "Ctrl+R", "Back to neutral on both sides"
        )
        self.reset_side_actions = {
            side: self._action(
                f"Reset {side} side",
                lambda _=False, s=side: self.controls.reset_side(s),
                tip=f"Back to neutral on the {side} side",
            )
            for side in SIDES
        }
        self.labels_action = self._action(
            "Landmark &labels",
            self.display.labels_check.setChecked,
            "Ctrl+L",
            "Show the landmark names",
            checkable=True,
        )
        self.muscle_labels_action = self._action(
            "Muscle &names (labels)",
            self.display.muscle_labels_check.setChecked,
            "Ctrl+N",
            MUSCLE_LABELS_TIP,
            checkable=True,
        )
        self.muscle_labels_action.setIconText("Labels")  # the toolbar's short word
        self.lines_action = self._action(
            "&Thin lines",
            lambda on: (self.display.lines_radio if on else self.display.tubes_radio).setChecked(
                True
            ),
            "Ctrl+T",
            "Draw muscles as thin lines",
            checkable=True,
        )
        self.colour_by_action = self._action(
            "Next &colouring",
            self.next_colouring,
            "Ctrl+M",
            "Colour the muscles by the next measure: length change, then the rotation, "
            "abduction and flexion moment arms, then length change again",
        )
        self.about_action = self._action("&About hipviz", self.about)
        # teaching overlays (gui/overlay_panel.py): trigger points and the self-care ball
        self.trigger_points_action = self._action(
            "T&rigger points",
            lambda on: self.display.overlay.set_trigger_points_visible(on),
            "Ctrl+Shift+T",
            "Show common trigger-point regions of the hip muscles",
            checkable=True,
        )
        self.ball_action = self._action(
            "Self-care &ball\N{HORIZONTAL ELLIPSIS}",
            self._choose_ball,
            "Ctrl+Shift+B",
            "Choose a ball and the trigger point it rolls around",
        )

    def next_colouring(self) -> None:
        """Colour the muscles by the next measure of the Display panel's "Colour by" list."""
        combo = self.display.colour_combo
        combo.setCurrentIndex((combo.currentIndex() + 1) % combo.count())
        self.show_message(f"Muscles coloured by {combo.currentText().lower()}")

    def _sync_labels_action(self, on: bool) -> None:
        blocked = self.labels_action.blockSignals(True)
        self.labels_action.setChecked(on)
        self.labels_action.blockSignals(blocked)

    def _sync_trigger_points_action(self, on: bool) -> None:
        blocked = self.trigger_points_action.blockSignals(True)
        self.trigger_points_action.setChecked(on)
        self.trigger_points_action.blockSignals(blocked)

    def _choose_ball(self) -> None:
        """Bring the display panel forward at its ball choice."""
        self.docks["display"].show()
        self.docks["display"].raise_()
        self.display.overlay.ball_combo.setFocus()
        self.display.overlay.ball_combo.showPopup()

    def _sync_lines_action(self, on: bool) -> None:
        blocked = self.lines_action.blockSignals(True)
        self.lines_action.setChecked(on)
        self.lines_action.blockSignals(blocked)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.open_action)
        file_menu.addMenu(self.files.recent_menu)
        file_menu.addSeparator()
        for action in (self.save_action, self.save_as_action, self.files.details_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_figure_action)
        file_menu.addAction(self.export_handout_action)
        file_menu.addAction(self.export_csv_action)
        file_menu.addSeparator()
        file_menu.addAction(self.classroom.action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        view_menu = bar.addMenu("&View")
        for action in self.view_actions.values():
            view_menu.addAction(action)
        view_menu.addSeparator()
        view_menu.addAction(self.labels_action)
        view_menu.addAction(self.muscle_labels_action)
        view_menu.addAction(self.lines_action)
        view_menu.addAction(self.colour_by_action)
        view_menu.addAction(self.trigger_points_action)  # teaching overlays
        view_menu.addAction(self.ball_action)
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
        toolbar.addAction(self.muscle_labels_action)
        toolbar.addSeparator()
        toolbar.addAction(self.reset_action)
        self.addToolBar(Qt.TopToolBarArea, toolbar)
        self.toolbar = toolbar

    def _build_plot_and_workshop(self) -> None:
        """The plot dock (hidden until asked for) and workshop mode, in the View menu."""
        self.plot = LengthPlotPanel(self.model, self.state)
        dock = self._dock("Plot", self.plot, Qt.BottomDockWidgetArea)
        self.tabifyDockWidget(self.docks["table"], dock)
        dock.hide()
        self.docks["plot"] = dock
        toggle = dock.toggleViewAction()
        toggle.setShortcut(QKeySequence("Ctrl+G"))
        toggle.setShortcutContext(Qt.WindowShortcut)
        toggle.setToolTip(
            "Length change of each muscle against one control, or its moment "
            "arm against hip flexion (Ctrl+G)"
        )
        toggle.triggered.connect(lambda on: on and dock.raise_())  # in front of its tab
        self.addAction(toggle)
        self.plot.message.connect(self.show_message)
        self.workshop = WorkshopController(self, self.document, self.plot, self.docks["plot"])
        self.workshop.active_changed.connect(lambda on: self.files.set_saving_enabled(not on))
        view_menu = self.menus["view"]
        view_menu.addAction(toggle)
        view_menu.addSeparator()
        view_menu.addAction(self.workshop.toggle_action)
        view_menu.addMenu(self.workshop.menu)

    # --- model -> widgets --------------------------------------------------------------------
    def _on_solution(self, solution: Solution) -> None:
        self.controls.sync(solution)
        self.table.update_solution(solution)
        self._refresh_inspected()
        i = int(np.argmax(np.abs(solution.change_pct)))
        pct = float(solution.change_pct[i])
        if abs(pct) >= 0.05:
            self.show_message(
                f"Largest change: {path_label(solution.keys[i]).lower()} "
                f"{number(pct, sign=True)} % ({change_word(pct)})"
            )

    def _slider_pressed(self) -> None:
        self.scene.set_interactive(True)

    def _slider_released(self) -> None:
        self.scene.set_interactive(False)

    def _refresh_inspected(self) -> None:
        key = self.hovered or self.selected
        self.inspect.show_path(key, self.model.solution)

    def _prepare_drag_step(self) -> None:
        if not self.scene.prepare_drag():
            self._drag_prep.stop()

    def _start_drag_prep(self) -> None:
        self.plotter.frame_shown.disconnect(self._start_drag_prep)
        self._drag_prep.start(0)

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, STATUS_TIMEOUT_MS)

    # --- camera ------------------------------------------------------------------------------
    def set_view(self, name: str) -> None:
        """Move the camera to a standard view (anterior, posterior, right, left, superior)."""
        self.scene.set_view(name)

    def _camera_changed(self) -> None:
        """The scene placed the state's camera: a named view, or a saved camera."""
        if self.state.camera is None:
            self.view_label.setText(f"{VIEWS[self.state.view].label} view")
            self.classroom.send()  # students following this window turn with it
        else:  # kept when the view is resized
            self.view_label.setText("Saved camera")

    def _state_changed(self, names: frozenset[str]) -> None:
        """The window's own widgets follow the display state (the panels follow it alone)."""
        state = self.state
        if names & {"view", "camera"}:
            self._camera_changed()
        if names & {"title", "caption"}:  # the document knows the pose they go with already
            self._show_scene_text()
        if names & {"colour_by", "colour_range_pct", "moment_arm_range_mm"}:
            # the table colours the column of the view's colouring, on the view's range
            self.table.set_colouring(
                state.colour_by, state.colour_range_pct, state.moment_arm_range_mm
            )
        if "labels" in names:
            self._sync_labels_action(state.labels)
        if "muscle_labels" in names:
            blocked = self.muscle_labels_action.blockSignals(True)
            self.muscle_labels_action.setChecked(state.muscle_labels)
            self.muscle_labels_action.blockSignals(blocked)
        if "isolated" in names and state.isolated not in (None, self.selected):
            # a scene opened with one muscle isolated selects it; one with none keeps the
            # user's selection (outlined), only no longer isolated
            self.select_path(state.isolated)
        if "tubes" in names:
            self._sync_lines_action(not state.tubes)
        if "trigger_points" in names:
            self._sync_trigger_points_action(state.trigger_points)

    def _reframe(self) -> None:
        """Frame the standard view for the view's new shape, unless the user moved the camera."""
        self.document.reframe()

    # --- inspecting --------------------------------------------------------------------------
    def select_path(self, key: str | None) -> None:
        """Select (and highlight) a muscle path, e.g. ``"right.piriformis"``; ``None`` clears.

        The selected muscle is also isolated: drawn alone, the others faded, and named in
        large type in the view (workshop mode too).
        """
        self.selected = key
        self.state.update(isolated=key)
        self.table.select_path(key)
        self.positions.set_key(key)
        self.plot.set_map_key(key)  # the length map shows the selected muscle
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
            self.show_message(f"{path_label(key)}: {number(pct, sign=True)} % ({change_word(pct)})")

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
            elif (
                kind == QEvent.MouseButtonRelease
                and event.button() == Qt.LeftButton
                and self._press_pos is not None
                and (event.pos() - self._press_pos).manhattanLength() <= CLICK_SLOP_PX
            ):
                self._press_pos = None
                self.select_path(self.scene.pick_muscle(*self._display_xy(event.pos())))
        return super().eventFilter(obj, event)

    # --- files -------------------------------------------------------------------------------
    def apply_scene(self, scene: Scene) -> None:
        """Show a teaching case, all or nothing (:meth:`SceneDocument.apply
        <hipviz.gui.document.SceneDocument.apply>`; a bad one raises SceneError)."""
        self.document.apply(scene)

    def current_scene(self) -> Scene:
        """What the window shows, as a :class:`~hipviz.io.scene.Scene` (what Ctrl+S saves)."""
        return self.document.current()

    @property
    def scene_path(self) -> Path | None:
        """The open scene file (None until opened or saved)."""
        return self.document.path

    @scene_path.setter
    def scene_path(self, path: Path | str | None) -> None:
        self.document.path = path

    @property
    def scene_title(self) -> str:
        """The title shown: the scene's, or, once the pose moved off the scene's, what the
        pose is now (:meth:`SceneDocument.text <hipviz.gui.document.SceneDocument.text>`)."""
        return self.document.text().title

    @property
    def scene_caption(self) -> str:
        """The caption shown (the scene's only while the pose is the scene's)."""
        return self.document.text().caption

    def _show_scene_text(self, *_) -> None:
        text = self.document.text()
        self.scene_info.set_text(text.title, text.caption, text.modified)
        self.update_window_title()

    def set_scene_text(self, title: str, caption: str) -> None:
        """The scene's title and caption (saved with it, drawn on figures, shown in its dock)."""
        self.state.update(title=title, caption=caption)

    def update_window_title(self, *_) -> None:
        text = self.document.text()
        parts = [TITLE]
        if text.title:
            parts.append(text.title)
        if self.scene_path is not None:
            parts.append(self.scene_path.name)
        mark = f" {MODIFIED_MARK}" if text.modified else ""
        self.setWindowTitle(" \N{EN DASH} ".join(parts) + mark)

    def open_scene(self, path: Path | str) -> bool:
        """Read and show a scene file; a bad file is reported in a message box, changing nothing."""
        return self.files.open(path)

    def save_scene(self, path: Path | str | None = None) -> bool:
        """Save the scene (atomically) to ``path``, or to the open scene file."""
        return self.files.save(path)

    def save_image(self, path: Path | str) -> None:
        """Save the view exactly as shown (window size) as PNG; see :meth:`export_figure`."""
        self.scene.screenshot(path)
        self.show_message(f"Saved the view to {path}")

    def export_figure(
        self, path: Path | str, options: FigureOptions | None = None, fmt: str | None = None
    ) -> Path:
        """Render the window's scene off-screen as a figure and write it (PNG, SVG or PDF).

        The figure has the options' size whatever the window's size; the camera, pose and
        display are the window's (:meth:`current_scene`).
        """
        from hipviz.render.export import FigureRenderer

        scene = self.current_scene()
        with FigureRenderer(self.bones, self.model, self.landmarks) as renderer:
            renderer.show(scene, options)
            written = renderer.write(path, fmt)
        w, h = renderer.options.pixel_size
        self.show_message(f"Exported {written} ({w} \N{MULTIPLICATION SIGN} {h} px)")
        return written

    def export_dialog(self) -> None:
        from hipviz.gui.export_dialog import ExportDialog

        dialog = ExportDialog(
            self.document, self.export_figure, self, edit_text=self.files.details_dialog
        )
        dialog.exec_()

    def export_handout(self, path: Path | str) -> Path:
        """Write the window's scene (:meth:`current_scene`) as a handout web page (HTML).

        See :func:`hipviz.web.handout.write_handout`; its ``FigureFileError`` says why a
        file cannot be written.
        """
        from hipviz.web.handout import write_handout

        written = write_handout(self.current_scene(), path, self.bones, self.model)
        size_mb = written.stat().st_size / 1e6
        self.show_message(f"Exported the handout {written} ({size_mb:.1f} MB)")
        return written

    def export_handout_dialog(self) -> Path | None:
        """Ask where to save the handout and write it; a problem is shown in a message box."""
        suggested = (
            str(self.scene_path.with_suffix(".html"))
            if self.scene_path is not None
            else "handout.html"
        )
        path, _ = QFileDialog.getSaveFileName(
            self, "Export handout", suggested, "Web pages (*.html *.htm)"
        )
        if not path:
            return None
        path = Path(path)
        if path.suffix.lower() not in (".html", ".htm"):
            path = path.with_name(f"{path.name}.html")
        QApplication.setOverrideCursor(Qt.WaitCursor)  # a second or two: pose, render, encode
        try:
            return self.export_handout(path)
        except OSError as exc:
            log.warning("%s", exc)
            error = str(exc)
        finally:
            QApplication.restoreOverrideCursor()
        QMessageBox.warning(self, "Cannot export handout", error)
        return None

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About hipviz",
            f"<b>hipviz {__version__}</b><p>Greater trochanter, iliac crest and hip muscle "
            "lengths for manual-therapy teaching.</p><p>Colours: blue = shortened, orange-red = "
            "lengthened, grey = as in neutral (anatomical position).</p>",
        )

    # --- closing -----------------------------------------------------------------------------
    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self._drag_prep.stop()
        self.positions.mover.stop()
        self.classroom.stop()
        self.plotter.removeEventFilter(self)
        self.plotter.close()
        super().closeEvent(event)
