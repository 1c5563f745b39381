"""The teaching case a window shows: its model (pose), display state, 3D scene and file.

A :class:`SceneDocument` is what the window's controllers share instead of the window:
scene files open into it and save from it (:mod:`hipviz.gui.scene_files`), workshop mode
steps it from case to case (:mod:`hipviz.gui.workshop`), the export dialog draws it. It
shows a :class:`~hipviz.io.scene.Scene` all or nothing (:meth:`SceneDocument.apply`) and
says what it shows as one (:meth:`SceneDocument.current`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PyQt5.QtCore import QObject, pyqtSignal

from hipviz.core.caption import SceneText, caption_for
from hipviz.core.model import HipModel
from hipviz.core.pose import Pose
from hipviz.io.scene import Scene, scene_of, state_values, validate_scene
from hipviz.render.scene import HipScene, subscribe_weakly
from hipviz.state import DisplayState

log = logging.getLogger(__name__)


class SceneDocument(QObject):
    """A model, its display state, the scene that draws both, and the open scene file.

    Parameters
    ----------
    model : HipModel
    state : DisplayState
        The state ``scene`` follows.
    scene : HipScene
        Draws ``model`` and ``state`` (made with ``state=state``).
    parent : QObject, optional

    Signals
    -------
    path_changed(object)
        The open scene file changed (a Path, or None).
    message(str)
        Something to tell the user in the status bar.
    text_changed(object)
        The title and caption to show changed (a :class:`~hipviz.core.caption.SceneText`):
        new text, or the pose moved off the scene's pose or back onto it.
    """

    path_changed = pyqtSignal(object)
    message = pyqtSignal(str)
    text_changed = pyqtSignal(object)

    def __init__(
        self,
        model: HipModel,
        state: DisplayState,
        scene: HipScene,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        if scene.state is not state:
            raise ValueError("the scene must draw the document's state")
        self.model, self.state, self.scene = model, state, scene
        self.plotter = scene.plotter
        self._path: Path | None = None
        #: the camera the last named view set (None after a saved camera): while the
        #: camera is still there, the scene is saved with the view's name
        self.view_camera = None
        #: the pose the title and caption were written for (the scene's, as opened)
        self.scene_pose: Pose = model.pose
        self._showing = False
        self._text = self.text()
        # after the scene placed it (the scene subscribed first)
        state.connect(self._state_changed, changing=True)
        self._state_changed(frozenset({"camera"}))
        subscribe_weakly(model, self._pose_changed)

    def _state_changed(self, names: frozenset[str]) -> None:
        if names & {"view", "camera"}:
            named = self.state.camera is None
            self.view_camera = self.plotter.camera_position if named else None
        if names & {"title", "caption"}:
            if not self._showing:  # the author wrote this text for the pose shown now
                self.scene_pose = self.model.pose
            self._text_may_change()

    def _pose_changed(self, _solution) -> None:
        self._text_may_change()

    # --- the title and caption -------------------------------------------------------------
    def text(self) -> SceneText:
        """The title and caption every surface shows now, and whether the pose was changed
        (:func:`~hipviz.core.caption.caption_for`: off the scene's pose, a pose summary)."""
        return caption_for(self.scene_pose, self.model.pose, self.state.title, self.state.caption)

    @property
    def modified(self) -> bool:
        """Whether the pose is no longer the one the title and caption were written for."""
        return self.text().modified

    def _text_may_change(self) -> None:
        if self._showing:  # a scene half shown: said once it is all there
            return
        text = self.text()
        if text != self._text:
            self._text = text
            self.text_changed.emit(text)

    def back_to_scene_pose(self) -> None:
        """Set the pose the title and caption were written for again (they return with it)."""
        self.model.set_pose(self.scene_pose)

    def saved(self) -> None:
        """The scene was saved as shown: its pose is now the one its text goes with."""
        self.scene_pose = self.model.pose
        self._text_may_change()

    # --- the file --------------------------------------------------------------------------
    @property
    def path(self) -> Path | None:
        """The open scene file (None until one is opened or saved)."""
        return self._path

    @path.setter
    def path(self, path: Path | str | None) -> None:
        self._path = None if path is None else Path(path).resolve()
        self.path_changed.emit(self._path)

    # --- the scene ---------------------------------------------------------------------------
    def apply(self, scene: Scene) -> None:
        """Show a teaching case: pose, camera, display, title and caption; all or nothing.

        The scene is checked as a file would be first (:func:`~hipviz.io.scene.validate_scene`),
        so a bad one raises :class:`~hipviz.io.scene.SceneError` before anything changes; if
        showing it fails part way, the previous scene is put back and the error re-raised.
        """
        scene = validate_scene(scene)
        previous = self.current()
        try:
            self._show(scene)
        except Exception:
            log.exception("could not show the scene; putting the previous one back")
            self._show(previous)
            raise

    def _show(self, scene: Scene) -> None:
        self._showing = True
        try:
            self.scene_pose = scene.caption_pose if scene.caption_pose is not None else scene.pose
            self.model.set_pose(scene.pose)
            values = state_values(scene)
            # one change of the state: the scene and every panel follow it once
            with self.state.held():
                self.state.update(**values)
                if values["camera"] is None:  # framed again, even if the view is named already
                    self.state.set_view(values["view"])
        finally:
            self._showing = False
        self._text_may_change()

    def current(self) -> Scene:
        """What is shown, as a :class:`~hipviz.io.scene.Scene` (what Ctrl+S saves).

        The camera is the named view while it has not been moved, else explicit.
        """
        position = self.plotter.camera_position
        if self.view_camera is not None and position == self.view_camera:
            self.state.record(camera=None)
        else:  # the mouse turned it: the state notes the camera the view already shows
            self.state.record(camera=tuple(tuple(float(v) for v in p) for p in position))
        return scene_of(self.state, self.model.pose, caption_pose=self.scene_pose)

    def reframe(self) -> None:
        """Frame the named view again for the view's new shape, unless the camera moved."""
        if not self.scene.closed and self.plotter.camera_position == self.view_camera:
            self.scene.set_view(self.state.view)
