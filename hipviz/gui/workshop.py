"""Workshop mode: the view alone, full screen, legible from the back of a room, stepping
through a folder of teaching cases with a smooth move from one to the next.

F11 (View -> Workshop mode) enters and leaves; Esc leaves. While in workshop mode:

=====================  ==========================================
PageDown, Right        next scene (presenter remotes send PageDown)
PageUp, Left           previous scene
Home, End              first, last scene
T                      light / dark theme
Ctrl+Shift+O           choose the folder of scenes
Ctrl+G                 the plot, large (a dock; optional)
=====================  ==========================================

Entering hides the docks, toolbars, menu bar and status bar (and :meth:`leave` restores
them exactly), goes full screen, thickens the muscles, switches to a high-contrast theme
and shows the case's title and caption in a band across the top of the view. Stepping
reads the scene file again (an author may have just fixed a caption), shows which muscles
the case is about at once, then moves the pose and the camera there over
:data:`TRANSITION_S` seconds, easing in and out, and finally applies the scene exactly
(:meth:`SceneDocument.apply <hipviz.gui.document.SceneDocument.apply>`), in the workshop's
colours.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PyQt5.QtCore import QByteArray, QElapsedTimer, QObject, Qt, QTimer, pyqtSignal
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import (
    QAction,
    QActionGroup,
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QMenu,
    QMessageBox,
    QToolBar,
)

from hipviz.io.scene import Scene, SceneError, read_scene
from hipviz.io.scene_folder import default_scene_folder, scene_files
from hipviz.render.title_overlay import TitleOverlay
from hipviz.render.transition import ease_in_out, interpolate_camera, interpolate_pose
from hipviz.render.views import camera_position

if TYPE_CHECKING:
    from hipviz.gui.document import SceneDocument
    from hipviz.gui.plot_panel import LengthPlotPanel

log = logging.getLogger(__name__)

#: length of the move from one case to the next, seconds
TRANSITION_S = 0.6
#: timer interval of the move, ms (a slow renderer simply shows fewer, equally timed frames)
FRAME_MS = 16
#: muscles on a projector: tube radius (mm; 2.5 at the desk) and thin-line width (px; 3)
TUBE_RADIUS_MM = 4.2
LINE_WIDTH_PX = 7.0
#: the length plot's font and line scale in workshop mode
PLOT_SCALE = 1.7
#: landmark labels ("R ASIS", "sacrum") in workshop mode, relative to their desk size
LANDMARK_SCALE = 1.6


@dataclass(frozen=True)
class Theme:
    """A high-contrast look for a projector."""

    label: str
    tip: str
    background: str  # a :data:`hipviz.render.scene.BACKGROUNDS` name
    text: str
    panel: str


THEMES = {
    "dark": Theme("&Dark theme", "White on black, for a dim room", "black", "#ffffff", "#1b2430"),
    "light": Theme(
        "&Light theme", "Black on white, for a bright room", "white", "#0b0f14", "#e3e8ee"
    ),
}
DEFAULT_THEME = "dark"


@dataclass(frozen=True)
class _Saved:
    """What entering changed, to put back on leaving."""

    state: QByteArray
    geometry: QByteArray
    window_state: Qt.WindowStates
    menu_bar: bool
    status_bar: bool
    background: str
    tube_radius_mm: float
    line_width_px: float
    plot: tuple[float, str] | None
    landmark_scale: float


def default_folder(scene_path: Path | str | None = None) -> Path:
    """Where the scenes come from unless chosen: the open scene's folder, else ``scenes/``.

    ``scenes/`` is the source checkout's folder of teaching cases, or ``./scenes``.
    """
    path = scene_path
    if path:
        return Path(path).resolve().parent
    return default_scene_folder()


class WorkshopController(QObject):
    """Workshop mode: a main window presenting a teaching case, stepping through a folder.

    Parameters
    ----------
    frame : QMainWindow
        The window to present in: full screen, its docks, bars and menus hidden and put
        back on leaving (it owns the controller; the controller adds its actions to it).
    document : SceneDocument
        The model, display state and 3D scene shown, and the open scene file.
    plot : LengthPlotPanel, optional
        Drawn larger, in the workshop's theme, while presenting.
    plot_dock : QDockWidget, optional
        The plot's dock: given a good share of the screen when shown while presenting.

    Signals
    -------
    active_changed(bool)
        Workshop mode was entered (True) or left (False).
    scene_changed(int)
        Stepping started towards the scene at this index of :attr:`paths`.
    """

    active_changed = pyqtSignal(bool)
    scene_changed = pyqtSignal(int)

    def __init__(
        self,
        frame: QMainWindow,
        document: SceneDocument,
        plot: LengthPlotPanel | None = None,
        plot_dock: QDockWidget | None = None,
    ):
        super().__init__(frame)
        self.frame = frame
        self.document = document
        self.model, self.scene, self.plotter = document.model, document.scene, document.plotter
        self.plot, self.plot_dock = plot, plot_dock
        self.theme = DEFAULT_THEME
        self.folder: Path | None = None
        self._folder_chosen = False  # by set_folder or the dialog; else it follows the window
        self.paths: list[Path] = []
        self.errors: list[str] = []
        self.index: int | None = None
        #: the scene last stepped to (shown, or being moved to)
        self.current: Scene | None = None
        self._stepped = False  # stepped to a scene since entering
        self.duration_s = TRANSITION_S
        self.overlay: TitleOverlay | None = None
        self._saved: _Saved | None = None
        self._note = ""
        self._target: Scene | None = None
        self._move: tuple | None = None  # (start pose, end pose, start camera, end camera)
        self._fxaa: bool | None = None  # anti-aliasing before a move (restored at its end)
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._tick)
        self._build_actions()
        if plot_dock is not None:
            plot_dock.visibilityChanged.connect(self._plot_shown)
        # a slider moved off the scene's pose (or back): the band says so at once
        document.text_changed.connect(self._text_changed)

    def _text_changed(self, _text) -> None:
        if self.active:
            self._show_text()

    def _plot_shown(self, visible: bool) -> None:
        """In workshop mode the plot gets a good share of the screen (it is read from afar)."""
        if visible and self.active:
            self.frame.resizeDocks(
                [self.plot_dock], [round(0.42 * self.frame.height())], Qt.Vertical
            )

    # --- actions -----------------------------------------------------------------------------
    def _action(
        self, text: str, slot, shortcuts=(), tip: str = "", checkable: bool = False
    ) -> QAction:
        action = QAction(text, self.frame)
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setShortcutContext(Qt.WindowShortcut)
        names = ", ".join(QKeySequence(s).toString() for s in shortcuts)
        action.setStatusTip(tip)
        action.setToolTip(f"{tip} ({names})" if names else tip)
        action.setCheckable(checkable)
        (action.toggled if checkable else action.triggered).connect(slot)
        self.frame.addAction(action)  # works while the menu bar is hidden
        return action

    def _build_actions(self) -> None:
        self.toggle_action = self._action(
            "&Workshop mode",
            self.set_active,
            [Qt.Key_F11],
            "Full screen, large and high-contrast, stepping through a folder of scenes",
            checkable=True,
        )
        self.leave_action = self._action(
            "Leave workshop mode", self.leave, [Qt.Key_Escape], "Back to the desktop layout"
        )
        self.next_action = self._action(
            "&Next scene", self.next, [Qt.Key_PageDown, Qt.Key_Right], "Move to the next scene"
        )
        self.previous_action = self._action(
            "&Previous scene",
            self.previous,
            [Qt.Key_PageUp, Qt.Key_Left],
            "Move to the previous scene",
        )
        self.first_action = self._action(
            "&First scene", self.first, [Qt.Key_Home], "Move to the first scene"
        )
        self.last_action = self._action(
            "&Last scene", self.last, [Qt.Key_End], "Move to the last scene"
        )
        self.theme_toggle_action = self._action(
            "Switch light/dark", self.toggle_theme, [Qt.Key_T], "Switch the workshop theme"
        )
        self.folder_action = self._action(
            "Scene &folder\N{HORIZONTAL ELLIPSIS}",
            self.choose_folder,
            ["Ctrl+Shift+O"],
            "Choose the folder of scenes to step through",
        )
        group = QActionGroup(self)
        self.theme_actions = {}
        for name, theme in THEMES.items():
            action = self._action(
                theme.label,
                lambda on, n=name: on and self.set_theme(n),
                tip=theme.tip,
                checkable=True,
            )
            action.setChecked(name == self.theme)
            group.addAction(action)
            self.theme_actions[name] = action
        self.menu = QMenu("Wor&kshop", self.frame)
        for action in (self.next_action, self.previous_action, self.first_action, self.last_action):
            self.menu.addAction(action)
        self.menu.addSeparator()
        for action in self.theme_actions.values():
            self.menu.addAction(action)
        self.menu.addSeparator()
        self.menu.addAction(self.folder_action)
        self._sync_actions()

    def _sync_actions(self) -> None:
        # the keys belong to the sliders and spin boxes outside workshop mode
        for action in (
            self.leave_action,
            self.next_action,
            self.previous_action,
            self.first_action,
            self.last_action,
            self.theme_toggle_action,
        ):
            action.setEnabled(self.active)
        blocked = self.toggle_action.blockSignals(True)
        self.toggle_action.setChecked(self.active)
        self.toggle_action.blockSignals(blocked)
        for name, action in self.theme_actions.items():
            blocked = action.blockSignals(True)
            action.setChecked(name == self.theme)
            action.blockSignals(blocked)

    # --- entering and leaving ----------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self._saved is not None

    @property
    def animating(self) -> bool:
        return self._timer.isActive()

    def set_active(self, on: bool) -> None:
        (self.enter if on else self.leave)()

    def toggle(self) -> None:
        self.set_active(not self.active)

    def enter(self) -> None:
        """Full screen, view only, large, high-contrast; the scene folder is read."""
        if self.active:
            return
        w, scene, plot = self.frame, self.scene, self.plot
        self._saved = _Saved(
            state=w.saveState(),
            geometry=w.saveGeometry(),
            window_state=w.windowState(),
            menu_bar=not w.menuBar().isHidden(),
            status_bar=not w.statusBar().isHidden(),
            background=scene.background,
            tube_radius_mm=scene.tube_radius_mm,
            line_width_px=scene.line_width_px,
            plot=(plot.scale, plot.theme) if plot is not None else None,
            landmark_scale=scene.landmarks.font_scale if scene.landmarks is not None else 1.0,
        )
        self._stepped = False
        for dock in w.findChildren(QDockWidget):
            dock.hide()
        for toolbar in w.findChildren(QToolBar):
            toolbar.hide()
        w.menuBar().hide()
        w.statusBar().hide()
        if self.overlay is None:
            self.overlay = TitleOverlay(self.plotter)
        self.overlay.set_visible(True)
        scene.set_tube_radius(TUBE_RADIUS_MM, render=False)
        scene.set_line_width(LINE_WIDTH_PX, render=False)
        if scene.landmarks is not None:
            scene.landmarks.font_scale = LANDMARK_SCALE
        if scene.muscle_labels is not None:  # names pinned and in large type, under the band
            scene.muscle_labels.font_scale = LANDMARK_SCALE
            overlay = self.overlay
            scene.muscle_labels.top_band = lambda: overlay.band_px if overlay.visible else 0.0
        self._apply_theme()
        # read the folder again: an author may have added cases since
        self._load_folder(
            self.folder if self._folder_chosen else default_folder(self.document.path)
        )
        w.showFullScreen()
        self.plotter.setFocus()  # no hidden slider or spin box keeps the arrow keys
        self._show_text()
        self._sync_actions()
        log.info("workshop mode: %d scene(s) in %s", len(self.paths), self.folder)
        self.active_changed.emit(True)

    def leave(self) -> None:
        """Back to the layout, window state and look from before :meth:`enter`."""
        if not self.active:
            return
        self._finish_move()
        saved, self._saved = self._saved, None
        w, scene, plot = self.frame, self.scene, self.plot
        self.overlay.set_visible(False)
        scene.set_tube_radius(saved.tube_radius_mm, render=False)
        scene.set_line_width(saved.line_width_px, render=False)
        if scene.landmarks is not None:
            scene.landmarks.font_scale = saved.landmark_scale
        if scene.muscle_labels is not None:
            scene.muscle_labels.font_scale = 1.0
            scene.muscle_labels.top_band = None
        # the file's own background once a scene was stepped to, else the one from before
        background = (
            self.current.display.background if self._stepped and self.current else saved.background
        )
        scene.set_background(background, render=False)
        if plot is not None and saved.plot is not None:
            plot.set_presentation(*saved.plot)
        w.setWindowState(saved.window_state)
        w.restoreGeometry(saved.geometry)
        w.restoreState(saved.state)
        w.menuBar().setVisible(saved.menu_bar)
        w.statusBar().setVisible(saved.status_bar)
        scene.render()
        self._sync_actions()
        self.active_changed.emit(False)

    # --- theme -------------------------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        """``"dark"`` (black, for a dim room) or ``"light"`` (white, for a bright one)."""
        if name not in THEMES:
            raise ValueError(f"unknown workshop theme '{name}'; allowed: {', '.join(THEMES)}")
        self.theme = name
        if self.active:
            self._apply_theme()
        self._sync_actions()

    def toggle_theme(self) -> None:
        self.set_theme("light" if self.theme == "dark" else "dark")

    def _apply_theme(self) -> None:
        theme = THEMES[self.theme]
        self.scene.set_background(theme.background, render=False)
        self.overlay.set_colours(theme.text, theme.panel)
        if self.plot is not None:
            self.plot.set_presentation(PLOT_SCALE, self.theme)
        self.scene.render()

    # --- the scene folder --------------------------------------------------------------------
    def set_folder(self, folder: Path | str) -> int:
        """Step through the scene files of ``folder``; returns how many can be shown.

        Files that are not valid scenes are left out; :attr:`errors` says why (file, key
        and what is allowed), and the band shows how many were left out. Until a folder is
        set, workshop mode uses the open scene's folder, or the ``scenes/`` folder.
        """
        self._folder_chosen = True
        return self._load_folder(folder)

    def _load_folder(self, folder: Path | str) -> int:
        self.folder = Path(folder)
        self.paths, self.errors = [], []
        scenes, left_out = [], []
        for path in scene_files(self.folder):
            try:
                scenes.append(read_scene(path))
            except SceneError as exc:
                self.errors.append(str(exc))
                left_out.append(path.name)
                log.warning("workshop: leaving out %s", exc)
            else:
                self.paths.append(path)
        # the scene open in the window (if it is one of these) is where stepping starts
        opened = self.document.path
        resolved = [p.resolve() for p in self.paths]
        self.index = (
            resolved.index(Path(opened).resolve())
            if opened and Path(opened).resolve() in resolved
            else None
        )
        self.current = scenes[self.index] if self.index is not None else None
        self._note = f"{len(left_out)} file(s) left out: {', '.join(left_out)}" if left_out else ""
        self._show_text()
        return len(self.paths)

    def choose_folder(self) -> None:
        """Ask for a folder of scenes; in workshop mode, go to its first scene."""
        start = str(self.folder or default_folder(self.document.path))
        folder = QFileDialog.getExistingDirectory(self.frame, "Folder of scenes", start)
        if not folder:
            return
        count = self.set_folder(folder)
        if self.errors:
            QMessageBox.warning(
                self.frame,
                "Some scenes were left out",
                "These files are not valid scenes:\n\n" + "\n\n".join(self.errors),
            )
        if count == 0:
            self.document.message.emit(f"No scene files (*.toml) in {folder}")
        elif self.active:
            self.first()

    # --- stepping ----------------------------------------------------------------------------
    def next(self) -> None:
        self.go_to(0 if self.index is None else self.index + 1)

    def previous(self) -> None:
        self.go_to(0 if self.index is None else self.index - 1)

    def first(self) -> None:
        self.go_to(0)

    def last(self) -> None:
        self.go_to(len(self.paths) - 1)

    def go_to(self, index: int) -> None:
        """Move to scene ``index`` of :attr:`paths` (clamped), smoothly."""
        if not self.paths:
            self._show_text()
            return
        index = int(np.clip(index, 0, len(self.paths) - 1))
        if index == self.index and not self.animating:
            return
        path = self.paths[index]
        try:
            scene = read_scene(path)  # again: the file may have been edited since
        except SceneError as exc:
            log.warning("workshop: %s", exc)
            self._note = f"Cannot show {path.name}: {exc}"
            self._show_text()
            return
        self.index, self.current, self._stepped = index, scene, True
        self._note = ""
        self.scene_changed.emit(index)
        self._start_move(scene)

    def _start_move(self, scene: Scene) -> None:
        self._timer.stop()  # a step during a move starts from where the move got to
        self._target = scene
        # the muscles the case is about show at once: the room watches them move
        self.document.state.update(muscles=scene.display.muscles)
        self._show_text(render=False)  # the move's first frame (or the arrival) draws it
        camera = self.plotter.camera_position
        start_camera = (camera.position, camera.focal_point, camera.viewup)
        end_camera = self._camera_of(scene)
        moves = self.model.pose != scene.pose or not np.allclose(
            np.ravel(start_camera), np.ravel(end_camera), atol=1e-6
        )
        if self.duration_s <= 0 or not moves:
            self._arrive()
            return
        self._move = (self.model.pose, scene.pose, start_camera, end_camera)
        # during the move frames matter more than smooth edges: on a software renderer FXAA
        # doubles the time of a frame (the final frame has it again)
        renderer = self.plotter.renderer
        if self._fxaa is None:
            self._fxaa = bool(renderer.GetUseFXAA())
        renderer.SetUseFXAA(False)
        self._clock.start()
        self._timer.start()

    def _camera_of(self, scene: Scene) -> tuple:
        camera, plotter = scene.camera, self.plotter
        if camera.position is not None:
            return (camera.position, camera.focal_point, camera.up)
        width, height = plotter.window_size
        aspect = width / height if width > 0 and height > 0 else 1.6
        return tuple(camera_position(camera.view, plotter.camera.view_angle, aspect=aspect))

    def _tick(self) -> None:
        if self.scene.closed:  # the window closed during a move
            self._timer.stop()
            return
        t = self._clock.elapsed() / 1000.0 / self.duration_s
        if t >= 1.0 or self._move is None:
            self._finish_move()
            return
        s = ease_in_out(t)
        start_pose, end_pose, start_camera, end_camera = self._move
        self.model.set_pose(interpolate_pose(start_pose, end_pose, s))
        self.plotter.camera_position = list(interpolate_camera(start_camera, end_camera, s))
        self.plotter.reset_camera_clipping_range()
        self.scene.render()

    def _finish_move(self) -> None:
        """End a move now, at its target (no half-way pose is left behind)."""
        if self._target is None:
            return
        self._timer.stop()
        self._arrive()

    def _arrive(self) -> None:
        scene, self._target, self._move = self._target, None, None
        self._timer.stop()
        if self._fxaa is not None:
            self.plotter.renderer.SetUseFXAA(self._fxaa)
            self._fxaa = None
        if scene is None:
            return
        # exactly as the file says, except the colours: the room's theme, not the file's
        if self.active:
            scene = replace(
                scene, display=replace(scene.display, background=THEMES[self.theme].background)
            )
        try:
            self.document.apply(scene)
        except SceneError as exc:  # read fine but cannot be shown: the window kept its scene
            log.warning("workshop: %s", exc)
            self._note = f"Cannot show {scene.title or 'this scene'}: {exc}"
            self._show_text()
            return
        if self.index is not None:
            # the window now shows this file: Save writes here, not to an earlier one
            self.document.path = self.paths[self.index]

    # --- the band ----------------------------------------------------------------------------
    def _show_text(self, render: bool = True) -> None:
        if self.overlay is None:
            return
        n = len(self.paths)
        if self.index is not None and n:
            scene = self.current or Scene()
            # arrived: what the window shows, by the caption rule (a pose summary once the
            # pose left the scene's); on the way: the case being moved to
            text = scene.text() if self.animating else self.document.text()
            title = text.title or self.paths[self.index].stem
            caption = text.caption
            corner = f"{self.index + 1} / {n}"
        elif n:
            title = "Workshop mode"
            caption = (
                f"PageDown: first of {n} scene{'s' if n > 1 else ''} in "
                f"{self.folder.name}/   \N{MIDDLE DOT}   T: light / dark   "
                f"\N{MIDDLE DOT}   Esc: leave"
            )
            corner = f"0 / {n}"
        else:
            title = "Workshop mode"
            caption = (
                f"No scene files (*.toml) in {self.folder}.   Ctrl+Shift+O: choose a "
                "folder   \N{MIDDLE DOT}   Esc: leave"
            )
            corner = ""
        if self._note:
            caption = f"{caption}   [{self._note}]" if caption else self._note
        self.overlay.set_text(title, caption, corner)
        if render:
            self.scene.render()

    @property
    def title_text(self) -> tuple[str, str, str]:
        """(title, caption, corner) as the band shows them."""
        if self.overlay is None:
            return ("", "", "")
        return (self.overlay.title, self.overlay.caption, self.overlay.corner)
