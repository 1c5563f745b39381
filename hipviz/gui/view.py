"""The 3D view: a pyvista plotter in a Qt widget.

Two kinds, both full pyvista plotters (``BasePlotter``: the scene code, screenshots and
the mouse interaction are pyvista's), both rendering on the GUI thread only when asked:
``render()`` at once, Qt's ``update()`` on the next pass of the event loop (which merges
many changes into one frame). ``frame_shown`` is emitted after each frame the view shows.

:class:`NativeView` (the default)
    VTK draws straight into the view's own native window (VTK's
    ``QVTKRenderWindowInteractor`` on a plain ``QWidget``): a frame is VTK's render and
    one swap of the view's pixels. The rest of the window is not touched.
:class:`FramebufferView`
    pyvistaqt's ``QtInteractor``, a ``QOpenGLWidget``: VTK renders into a framebuffer
    object, then Qt composes the *whole* main window (docks, table, toolbar) through
    OpenGL and swaps it, for every frame of the view. It works where a native window
    cannot be embedded (Wayland), but on a software renderer that composition costs more
    than a light frame of the bones: an empty 1280 x 800 view takes 37 ms a frame against
    14 ms for the native window (llvmpipe, ``python -m hipviz.bench``).

:func:`make_view` picks one: ``HIPVIZ_VIEW=native|framebuffer`` if set, else the
framebuffer view on Wayland and the native one everywhere else.
"""

from __future__ import annotations

import contextlib
import os
import weakref
from collections.abc import Iterator

from PyQt5.QtCore import pyqtSignal
from PyQt5.QtWidgets import QApplication, QWidget
from pyvista.plotting import BasePlotter
from pyvista.plotting.render_window_interactor import RenderWindowInteractor
from pyvistaqt import QtInteractor
from vtkmodules.qt.QVTKRenderWindowInteractor import QVTKRenderWindowInteractor

VIEW_ENV = "HIPVIZ_VIEW"
VIEW_KINDS = ("native", "framebuffer")


@contextlib.contextmanager
def _without_plotter_init() -> Iterator[None]:
    """Qt's cooperative ``__init__`` chain would call ``BasePlotter.__init__()`` bare."""
    init = BasePlotter.__init__
    BasePlotter.__init__ = lambda *args, **kwargs: None
    try:
        yield
    finally:
        BasePlotter.__init__ = init


class NativeView(QVTKRenderWindowInteractor, BasePlotter):
    """A pyvista plotter that VTK draws into a native child window.

    Parameters
    ----------
    parent : QWidget, optional
    """

    #: a frame has been rendered into the window (its pixels are on the screen)
    frame_shown = pyqtSignal()

    def __init__(self, parent: QWidget | None = None):
        # pyvista has no public way to make a plotter of a native Qt window (pyvistaqt
        # 0.13 offers only its QOpenGLWidget), so this follows the set-up pyvistaqt's
        # QtInteractor does itself: ren_win, iren, off_screen, and one private flag,
        # pyvista's _first_time, which a shown plotter clears (BasePlotter.render draws
        # nothing until then, and no public call clears it without pyvista's own window).
        # pyproject.toml bounds pyvista and pyvistaqt below their next minor versions so
        # a change there is met by a tested release; test_view.py checks the result.
        with _without_plotter_init():
            QVTKRenderWindowInteractor.__init__(self, parent=parent)
        BasePlotter.__init__(self)
        self.interactor = self
        self.ren_win = self.GetRenderWindow()
        self.ren_win.SetMultiSamples(0)  # the window smooths edges with FXAA instead
        for renderer in self.renderers:
            self.ren_win.AddRenderer(renderer)
        self.off_screen = False  # read by pyvista's screenshot
        self.iren = RenderWindowInteractor(self, interactor=self.ren_win.GetInteractor())
        # pyvista's mouse-move observer tracks a pick position nothing here reads
        self.iren.interactor.RemoveObservers("MouseMoveEvent")
        self.iren.initialize()
        self.enable_trackball_style()
        self.iren.add_observer("KeyPressEvent", self.key_press_event)
        self.reset_key_events()
        ref = weakref.ref(self)  # the render window must not keep a closed view alive
        self.ren_win.AddObserver(
            "EndEvent", lambda *_: (view := ref()) is not None and view.frame_shown.emit()
        )
        self._first_time = False  # for pyvista: this plotter is shown and may render

    @property
    def closed(self) -> bool:
        """Closed, or not set up yet: pyvista's render window is gone or not made."""
        try:
            return self.render_window is None
        except AttributeError:  # Qt may paint before BasePlotter.__init__ has run
            return True

    def render(self) -> None:
        """Render now (nothing once closed)."""
        if not self.closed:
            BasePlotter.render(self)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if not self.closed:
            super().paintEvent(event)

    def close(self) -> None:  # noqa: D102 (returns None, unlike QWidget.close)
        if self.closed:
            return
        BasePlotter.close(self)
        QVTKRenderWindowInteractor.close(self)


class FramebufferView(QtInteractor):
    """pyvistaqt's ``QOpenGLWidget`` plotter (for Wayland, or by ``HIPVIZ_VIEW``)."""

    def __init__(self, parent: QWidget | None = None):
        # no auto-render timer: the scene renders when something changed; FXAA instead
        # of multisampling (on a software renderer 8x MSAA triples the time of a frame)
        super().__init__(parent, auto_update=False, multi_samples=0)

    @property
    def frame_shown(self):
        """Qt has put a frame of the view on the screen."""
        return self.frameSwapped


def view_kind() -> str:
    """``native`` or ``framebuffer``, from ``HIPVIZ_VIEW`` or the Qt platform."""
    kind = os.environ.get(VIEW_ENV, "").strip().lower()
    if kind and kind not in VIEW_KINDS:
        raise ValueError(f"{VIEW_ENV}={kind!r}: allowed values are {', '.join(VIEW_KINDS)}")
    if kind:
        return kind
    wayland = QApplication.platformName().startswith("wayland")
    return "framebuffer" if wayland else "native"


def make_view(parent: QWidget | None = None) -> NativeView | FramebufferView:
    """The 3D view this platform (or ``HIPVIZ_VIEW``) asks for."""
    return FramebufferView(parent) if view_kind() == "framebuffer" else NativeView(parent)
