"""The length plot panel: every shown muscle's length change against one chosen control,
with the current value marked, following the model live; PNG and SVG export.

The figure comes from :mod:`hipviz.render.length_plot` (matplotlib, no Qt); this panel only
hosts it on a Qt canvas and decides *when* to redraw. A full draw of the figure (text,
legend, layout) takes a few hundred milliseconds on a software renderer, so:

- moving the plotted control moves only the marker along the curves, blitted over a
  saved image of the rest (a few milliseconds);
- any other control changes the curves themselves: they are evaluated and drawn again
  while a slider is dragged, but at most every :data:`THROTTLE_MS`, or every two draw
  times if drawing is slower, so the 3D view keeps most of the time;
- a hidden panel does no work and catches up when it is shown.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PyQt5.QtCore import QTimer, pyqtSignal
from PyQt5.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from hipviz.core.model import HipModel, Solution
from hipviz.core.pose import POSE_KEYS, SIDES
from hipviz.gui.names import CONTROL_LABELS, SIDE_LABELS
from hipviz.render.length_plot import length_curves, marker_artists, move_marker, plot_lengths
from hipviz.render.scene import HipScene, subscribe_weakly

log = logging.getLogger(__name__)

DEFAULT_KEY = "right.gt_superior_mm"
#: while another control is dragged, evaluate and draw the curves at most this often, ms
#: (or every two full draws, when a draw takes longer), and never less often than the cap
THROTTLE_MS = 120
THROTTLE_CAP_MS = 1500
#: canvas height that shows the plot at 1x scale, pixels: a larger presentation scale is
#: only used as far as the canvas is taller than this (a short dock keeps its axes)
SCALE_HEIGHT_PX = 300
#: exported figures: size (inches; 1600 x 1000 pixels as PNG) and PNG resolution (dots per
#: inch), for course handouts and slides
EXPORT_SIZE_IN = (8.0, 5.0)
EXPORT_DPI = 200
EXPORT_FORMATS = {".png": "PNG image", ".svg": "SVG drawing"}
QUANTITY_TEXT = {"mm": "mm", "pct": "% of neutral"}


class LengthPlotPanel(QWidget):
    """Length change of the shown muscles against one control (a ``side.key``).

    Parameters
    ----------
    model : HipModel
        The model whose pose the plot follows (the panel subscribes to it).
    scene : HipScene
        Says which muscles are shown; call :meth:`visibility_changed` when that changes.
    parent : QWidget, optional

    Signals
    -------
    message(str)
        Something to tell the user in the status bar (an export saved or failed).
    """

    message = pyqtSignal(str)

    def __init__(self, model: HipModel, scene: HipScene, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.scene = scene
        self.key = DEFAULT_KEY
        self.quantity = "mm"
        self.theme = "light"
        self.scale = 1.0
        self._drawn_scale = 1.0
        self._background = None  # the figure without its marker, for blitting
        self._markers: list = []
        #: how long the last full draw took, s
        self.draw_s = 0.0
        self._curves = None  # (x, {path: y}) for self._curve_pose
        self._curve_pose: dict[str, float] | None = None
        self._stale = True
        #: how many times the curves were evaluated (the model swept): for tests and profiling
        self.sweeps = 0

        self.control_combo = QComboBox()
        for side in SIDES:
            for name in POSE_KEYS:
                self.control_combo.addItem(f"{SIDE_LABELS[side]}: {CONTROL_LABELS[name][0]}",
                                           f"{side}.{name}")
        self.control_combo.setCurrentIndex(self.control_combo.findData(self.key))
        self.control_combo.setToolTip("The control along the horizontal axis; the other "
                                      "controls stay where they are")
        self.control_combo.currentIndexChanged.connect(
            lambda i: self.set_key(self.control_combo.itemData(i)))
        self.quantity_combo = QComboBox()
        for quantity, text in QUANTITY_TEXT.items():
            self.quantity_combo.addItem(text, quantity)
        self.quantity_combo.setToolTip("Length change in millimetres or in % of the neutral "
                                       "length")
        self.quantity_combo.currentIndexChanged.connect(
            lambda i: self.set_quantity(self.quantity_combo.itemData(i)))
        self.png_button = QPushButton("Save PNG\N{HORIZONTAL ELLIPSIS}")
        self.png_button.setToolTip(f"Save the plot as a PNG image ({EXPORT_DPI} dpi)")
        self.png_button.clicked.connect(lambda: self.export_dialog(".png"))
        self.svg_button = QPushButton("Save SVG\N{HORIZONTAL ELLIPSIS}")
        self.svg_button.setToolTip("Save the plot as an SVG drawing (scalable, editable)")
        self.svg_button.clicked.connect(lambda: self.export_dialog(".svg"))

        self.figure = Figure(figsize=(7.0, 3.6), layout="constrained")
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.canvas.setMinimumSize(420, 260)
        self.canvas.setToolTip("Length change of each shown muscle over the chosen control's "
                               "range; the dots and the vertical line mark the current value")

        row = QHBoxLayout()
        row.addWidget(QLabel("Against:"))
        row.addWidget(self.control_combo)
        row.addSpacing(12)
        row.addWidget(QLabel("Change in:"))
        row.addWidget(self.quantity_combo)
        row.addStretch(1)
        row.addWidget(self.png_button)
        row.addWidget(self.svg_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.canvas, 1)

        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.setInterval(THROTTLE_MS)
        self._throttle.timeout.connect(self.refresh)
        self.canvas.mpl_connect("draw_event", self._on_full_draw)
        subscribe_weakly(model, self._on_solution)

    # --- public ------------------------------------------------------------------------------
    def set_key(self, key: str) -> None:
        """Plot against another control, e.g. ``"left.hip_flexion_deg"``."""
        i = self.control_combo.findData(key)
        if i < 0:
            raise ValueError(f"unknown control '{key}'; allowed: SIDE.KEY with SIDE in "
                             f"{', '.join(SIDES)} and KEY in {', '.join(POSE_KEYS)}")
        if key == self.key and self.control_combo.currentIndex() == i:
            return
        self.key = key
        blocked = self.control_combo.blockSignals(True)
        self.control_combo.setCurrentIndex(i)
        self.control_combo.blockSignals(blocked)
        self._curves = None
        self.refresh()

    def set_quantity(self, quantity: str) -> None:
        """``"mm"`` or ``"pct"`` (% of the neutral length)."""
        if quantity not in QUANTITY_TEXT:
            raise ValueError(f"unknown quantity '{quantity}'; allowed: {', '.join(QUANTITY_TEXT)}")
        if quantity == self.quantity:
            return
        self.quantity = quantity
        self.quantity_combo.setCurrentIndex(self.quantity_combo.findData(quantity))
        self._curves = None
        self.refresh()

    def set_presentation(self, scale: float, theme: str) -> None:
        """Font and line scale (1: desk, about 1.6: projector) and ``"light"`` or ``"dark"``."""
        if (scale, theme) == (self.scale, self.theme):
            return
        self.scale, self.theme = float(scale), theme
        self._redraw()

    def visible_paths(self) -> list[str]:
        """The paths shown in the 3D view (and so in the plot), in model order."""
        return [k for k in self.model.muscles.keys if self.scene.muscles.is_visible(k)]

    def plotted_paths(self) -> list[str]:
        """The paths that have a curve in the figure now."""
        return [line.get_gid() for ax in self.figure.axes for line in ax.get_lines()
                if line.get_gid() in self.model.muscles.keys]

    def visibility_changed(self) -> None:
        """A muscle was shown or hidden: draw the curves again (no new evaluation)."""
        self._redraw()

    def refresh(self) -> None:
        """Evaluate the curves at the model's pose and draw them (now, even if hidden)."""
        self._throttle.stop()
        self._curves = length_curves(self.model, self.key, quantity=self.quantity)
        self._curve_pose = self.model.pose.as_dict()
        self.sweeps += 1
        self._stale = False
        self._draw()

    def export(self, path: Path | str) -> Path:
        """Save the plot as PNG or SVG (chosen by the file's suffix), :data:`EXPORT_SIZE_IN`.

        The figure is the one shown (control, quantity, muscles, theme) at a fixed size, so
        every export of a course looks alike.

        Raises
        ------
        ValueError
            The suffix is neither ``.png`` nor ``.svg``.
        OSError
            The file cannot be written.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in EXPORT_FORMATS:
            raise ValueError(f"{path}: cannot save a plot as '{path.suffix or '(no suffix)'}'; "
                             f"allowed: {', '.join(EXPORT_FORMATS)}")
        curves = (self._curves if self._curves is not None and self._curve_pose
                  == self.model.pose.as_dict() else None)  # else evaluated for the export
        # a figure of its own: the same size every time, whatever the dock's shape
        figure = plot_lengths(self.model, self.key, self.visible_paths(), quantity=self.quantity,
                              curves=curves, theme=self.theme, size_in=EXPORT_SIZE_IN)
        figure.savefig(path, dpi=EXPORT_DPI, facecolor=figure.get_facecolor())
        self.message.emit(f"Saved the length plot to {path}")
        return path

    def export_dialog(self, suffix: str = ".png") -> None:
        name = f"lengths-{self.key.replace('.', '-')}{suffix}"
        filters = ";;".join(f"{text} (*{s})" for s, text in EXPORT_FORMATS.items()
                            if s == suffix)
        path, _ = QFileDialog.getSaveFileName(self, "Save length plot", name, filters)
        if not path:
            return
        if not Path(path).suffix:
            path += suffix
        try:
            self.export(path)
        except (OSError, ValueError) as exc:
            text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            log.warning("cannot save the length plot to %s: %s", path, text)
            QMessageBox.warning(self, "Cannot save the plot", f"{path}: {text}")

    # --- model -> plot -----------------------------------------------------------------------
    def _on_solution(self, solution: Solution) -> None:
        if not self.isVisible():
            self._stale = True  # catch up when shown
            return
        if self._curves is None or self._curve_pose is None:
            self._throttle.start()
            return
        pose = self.model.pose.as_dict()
        others_same = all(v == self._curve_pose[k] for k, v in pose.items() if k != self.key)
        if others_same:
            move_marker(self.figure, self.model, self.key, self.quantity)
            self._blit_markers()
        elif not self._throttle.isActive():  # throttle (not debounce): redraws while dragging
            self._throttle.start()

    def _redraw(self) -> None:
        if not self.isVisible() or self._curves is None:
            self._stale = True
            return
        if self._stale:
            self.refresh()
        else:
            self._draw()

    def _effective_scale(self) -> float:
        return min(self.scale, max(1.0, self.canvas.height() / SCALE_HEIGHT_PX))

    def _draw(self) -> None:
        self._drawn_scale = self._effective_scale()
        plot_lengths(self.model, self.key, self.visible_paths(), quantity=self.quantity,
                     curves=self._curves, figure=self.figure, theme=self.theme,
                     scale=self._drawn_scale)
        # the marker is drawn apart from the rest, so it can move without a full draw
        self._markers = marker_artists(self.figure)
        for artist in self._markers:
            artist.set_animated(True)
            artist.set_in_layout(False)
        self._background = None
        if not self.isVisible():
            self.canvas.draw_idle()
            return
        start = time.perf_counter()
        self.canvas.draw()
        self.draw_s = time.perf_counter() - start
        interval = min(max(THROTTLE_MS, round(2000 * self.draw_s)), THROTTLE_CAP_MS)
        self._throttle.setInterval(interval)
        self.canvas.update()

    def _on_full_draw(self, _event) -> None:
        """After every full draw (ours, or the canvas's own on a resize): keep the image
        without the marker, then draw the marker over it."""
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        for artist in self._markers:
            self.figure.draw_artist(artist)

    def _blit_markers(self) -> None:
        if self._background is None:
            self.canvas.draw_idle()
            return
        self.canvas.restore_region(self._background)
        for artist in self._markers:
            self.figure.draw_artist(artist)
        self.canvas.blit(self.figure.bbox)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        if abs(self._effective_scale() - self._drawn_scale) > 0.05:
            QTimer.singleShot(0, self._redraw)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self._stale or self._curves is None:
            QTimer.singleShot(0, self._catch_up)

    def _catch_up(self) -> None:
        if self.isVisible() and (self._stale or self._curves is None):
            self.refresh()
