"""The plot panel: every shown muscle's length change against one chosen control, or its
moment arm (rotation, abduction or flexion) against hip flexion, with the current value
marked, following the model live; PNG and SVG export.

The figures come from :mod:`hipviz.render.length_plot` and
:mod:`hipviz.render.moment_arm_plot` (matplotlib, no Qt); this panel only hosts them on a
Qt canvas and decides *when* to redraw. A full draw of the figure (text,
legend, layout) takes a few hundred milliseconds on a software renderer, so:

- moving the plotted control (for a moment arm: a flexion, while the held angles stay)
  moves only the marker along the curves, blitted over a saved image of the rest (a few
  milliseconds);
- any other control changes the curves themselves: they are evaluated and drawn again
  while a slider is dragged, but at most every :data:`THROTTLE_MS`, or every two draw
  times if drawing is slower, so the 3D view keeps most of the time;
- a hidden panel does no work and catches up when it is shown;
- the length map (one muscle over two hip angles, :mod:`hipviz.render.length_map`) is
  computed only while it is the plot shown, kept per muscle and pose (:data:`MAP_CACHE`
  of them), and while a slider is dragged computed again at most every
  :data:`MAP_THROTTLE_MS` (or every two compute-and-draw times).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PyQt5.QtCore import Qt, QTimer, pyqtSignal
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
from hipviz.names import CONTROL_LABELS, MOMENT_ARM_LABELS, SIDE_LABELS
from hipviz.render.colours import COLOUR_SCALES
from hipviz.render.length_map import length_map_data, plot_length_map
from hipviz.render.length_plot import (
    EXPORT_DPI,
    EXPORT_FORMATS,
    EXPORT_SIZE_IN,
    length_curves,
    marker_artists,
    move_marker,
    plot_lengths,
    save_plot,
)
from hipviz.render.moment_arm_plot import (
    curve_inputs,
    moment_arm_curves,
    move_moment_arm_markers,
    plot_moment_arms,
)
from hipviz.render.scene import subscribe_weakly
from hipviz.state import DisplayState

log = logging.getLogger(__name__)

DEFAULT_KEY = "right.gt_superior_mm"
#: while another control is dragged, evaluate and draw the curves at most this often, ms
#: (or every two full draws, when a draw takes longer), and never less often than the cap
THROTTLE_MS = 120
THROTTLE_CAP_MS = 1500
#: canvas height that shows the plot at 1x scale, pixels: a larger presentation scale is
#: only used as far as the canvas is taller than this (a short dock keeps its axes)
SCALE_HEIGHT_PX = 300
#: the length map: recomputed while dragging at most this often, ms (it takes a few hundred
#: ms to compute and draw); how many muscle-and-pose maps are kept
MAP_THROTTLE_MS = 400
MAP_CACHE = 8
QUANTITY_TEXT = {"mm": "mm", "pct": "% of neutral"}
#: what the panel plots: the length change, or a moment arm (``Solution.moment_arms_mm``)
#: -> (menu text, tooltip)
PLOT_KINDS = {
    "length": (
        "Length change",
        "Each muscle's length change from neutral against the chosen control over its range",
    ),
    "rotation": (
        MOMENT_ARM_LABELS["rotation"],
        "What each muscle does to hip rotation (+ internal, "
        "\N{MINUS SIGN} external), mm, against hip flexion "
        "0-90\N{DEGREE SIGN}",
    ),
    "abduction": (
        MOMENT_ARM_LABELS["abduction"],
        "What each muscle does to hip abduction (+ abducts, "
        "\N{MINUS SIGN} adducts), mm, against hip flexion "
        "0-90\N{DEGREE SIGN}",
    ),
    "flexion": (
        MOMENT_ARM_LABELS["flexion"],
        "What each muscle does to hip flexion (+ flexes, "
        "\N{MINUS SIGN} extends), mm, against hip flexion "
        "0-90\N{DEGREE SIGN}",
    ),
    "map": (
        "Length map",
        "The selected muscle's (else the first shown's) length change over hip flexion "
        "against rotation and against ab/adduction, with the current pose and the "
        "positions that stretch and release it most marked",
    ),
}
#: pose values closer than this count as unchanged (a GT-driven side's angles wobble by
#: round-off when only its flexion moves)
SAME_TOLERANCE = 1e-9


def kind_for_colouring(colour_by: str) -> str:
    """The plot (a key of :data:`PLOT_KINDS`) of what the 3D view is coloured by: the
    length change, or that moment arm."""
    return COLOUR_SCALES[colour_by].action or "length"


def same_inputs(a: dict[str, float] | None, b: dict[str, float]) -> bool:
    """Whether two sets of curve inputs (``side.key`` -> value) are the same pose."""
    return (
        a is not None
        and a.keys() == b.keys()
        and bool(np.allclose([a[k] for k in b], list(b.values()), rtol=0.0, atol=SAME_TOLERANCE))
    )


class LengthPlotPanel(QWidget):
    """Length change of the shown muscles against one control (a ``side.key``), or their
    moment arm against hip flexion (:meth:`set_kind`).

    Parameters
    ----------
    model : HipModel
        The model whose pose the plot follows (the panel subscribes to it).
    state : DisplayState
        Says which muscles are shown (the panel follows its changes).
    parent : QWidget, optional

    Signals
    -------
    message(str)
        Something to tell the user in the status bar (an export saved or failed).
    """

    message = pyqtSignal(str)

    def __init__(self, model: HipModel, state: DisplayState, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.state = state
        self.key = DEFAULT_KEY
        self.quantity = "mm"
        #: what is plotted: a key of :data:`PLOT_KINDS`; the 3D view's measure (it follows
        #: the display state's ``colour_by``, :func:`kind_for_colouring`)
        self.kind = kind_for_colouring(state.colour_by)
        self.theme = "light"
        self.scale = 1.0
        self._drawn_scale = 1.0
        self._background = None  # the figure without its marker, for blitting
        self._markers: list = []
        #: how long the last full draw took, s
        self.draw_s = 0.0
        self._curves = None  # (x, {path: y}) for the pose values self._curve_inputs
        self._curve_inputs: dict[str, float] | None = None
        self._stale = True
        #: how many times the curves were evaluated (the model swept): for tests and profiling
        self.sweeps = 0
        #: the muscle path the length map shows (the window's selection); None: the first shown
        self.map_key: str | None = None
        self._maps: OrderedDict[tuple, tuple] = OrderedDict()  # (path, pose) -> map data
        #: how many length maps were computed (not taken from the cache)
        self.map_computes = 0

        self.kind_combo = QComboBox()
        for i, (kind, (text, tip)) in enumerate(PLOT_KINDS.items()):
            self.kind_combo.addItem(text, kind)
            self.kind_combo.setItemData(i, tip, Qt.ToolTipRole)
        self.kind_combo.setToolTip(
            "What to plot: the length change against a control, or "
            "what each muscle does to the hip (its moment arm) as the "
            "hip flexes"
        )
        self.kind_combo.currentIndexChanged.connect(
            lambda i: self.set_kind(self.kind_combo.itemData(i))
        )
        self.control_combo = QComboBox()
        for side in SIDES:
            for name in POSE_KEYS:
                self.control_combo.addItem(
                    f"{SIDE_LABELS[side]}: {CONTROL_LABELS[name][0]}", f"{side}.{name}"
                )
        self.control_combo.setCurrentIndex(self.control_combo.findData(self.key))
        self.control_combo.setToolTip(
            "The control along the horizontal axis; the other controls stay where they are"
        )
        self.control_combo.currentIndexChanged.connect(
            lambda i: self.set_key(self.control_combo.itemData(i))
        )
        self.quantity_combo = QComboBox()
        for quantity, text in QUANTITY_TEXT.items():
            self.quantity_combo.addItem(text, quantity)
        self.quantity_combo.setToolTip("Length change in millimetres or in % of the neutral length")
        self.quantity_combo.currentIndexChanged.connect(
            lambda i: self.set_quantity(self.quantity_combo.itemData(i))
        )
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
        self.canvas.setToolTip(
            "Each shown muscle over the horizontal axis's range; the dots "
            "and the vertical line mark the current value"
        )

        row = QHBoxLayout()
        row.addWidget(QLabel("Plot:"))
        row.addWidget(self.kind_combo)
        row.addSpacing(12)
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

        self._show_kind(self.kind)
        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.setInterval(THROTTLE_MS)
        self._throttle.timeout.connect(self.refresh)
        self.canvas.mpl_connect("draw_event", self._on_full_draw)
        subscribe_weakly(model, self._on_solution)
        state.connect(self._state_changed)

    def _state_changed(self, names: frozenset[str]) -> None:
        if "muscles" in names:
            self.visibility_changed()
        if "colour_by" in names:  # plot what the 3D view's colours show
            kind = kind_for_colouring(self.state.colour_by)
            if self.isVisible():
                self.set_kind(kind)
            elif kind != self.kind:  # drawn when shown, not now
                self._show_kind(kind)
                self.kind, self._curves, self._stale = kind, None, True

    # --- public ------------------------------------------------------------------------------
    def set_key(self, key: str) -> None:
        """Plot against another control, e.g. ``"left.hip_flexion_deg"``."""
        i = self.control_combo.findData(key)
        if i < 0:
            raise ValueError(
                f"unknown control '{key}'; allowed: SIDE.KEY with SIDE in "
                f"{', '.join(SIDES)} and KEY in {', '.join(POSE_KEYS)}"
            )
        if key == self.key and self.control_combo.currentIndex() == i:
            return
        self.key = key
        blocked = self.control_combo.blockSignals(True)
        self.control_combo.setCurrentIndex(i)
        self.control_combo.blockSignals(blocked)
        self._curves = None
        self.refresh()

    def set_kind(self, kind: str) -> None:
        """Plot the length change (``"length"``) or a moment arm against hip flexion
        (``"rotation"``, ``"abduction"``, ``"flexion"``)."""
        if kind not in PLOT_KINDS:
            raise ValueError(f"unknown plot '{kind}'; allowed: {', '.join(PLOT_KINDS)}")
        self._show_kind(kind)
        if kind == self.kind:
            return
        self.kind = kind
        self._curves = None
        self.refresh()

    def _show_kind(self, kind: str) -> None:
        blocked = self.kind_combo.blockSignals(True)
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))
        self.kind_combo.blockSignals(blocked)
        # a moment arm is always against each side's flexion, in mm
        self.control_combo.setEnabled(kind == "length")
        self.quantity_combo.setEnabled(kind == "length")

    def set_map_key(self, key: str | None) -> None:
        """Show the length map of path ``key`` (``"right.piriformis"``); None: of the first
        shown muscle. Drawn now only if the map is the plot shown."""
        if key is not None and key not in self.model.muscles.keys:
            raise ValueError(
                f"unknown muscle path '{key}'; allowed: {', '.join(self.model.muscles.keys)}"
            )
        if key == self.map_key:
            return
        self.map_key = key
        if self.kind == "map":
            self._curves = None
            self._redraw_now()

    def map_path(self) -> str:
        """The path the length map shows: the selected one, else the first shown, else the
        model's first."""
        if self.map_key is not None:
            return self.map_key
        shown = self.visible_paths()
        return shown[0] if shown else self.model.muscles.keys[0]

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
        shown = set(self.state.muscles)
        return [k for k in self.model.muscles.keys if k in shown]

    def plotted_paths(self) -> list[str]:
        """The paths that have a curve in the figure now."""
        return [
            line.get_gid()
            for ax in self.figure.axes
            for line in ax.get_lines()
            if line.get_gid() in self.model.muscles.keys
        ]

    def visibility_changed(self) -> None:
        """A muscle was shown or hidden: draw the curves again (no new evaluation)."""
        if self.kind == "map":  # the first shown muscle may be another now
            self._curves = None
            self._redraw_now()
            return
        self._redraw()

    def _redraw_now(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def refresh(self) -> None:
        """Evaluate the curves at the model's pose and draw them (now, even if hidden)."""
        self._throttle.stop()
        if self.kind == "length":
            self._curves = length_curves(self.model, self.key, quantity=self.quantity)
        elif self.kind == "map":
            self._curves = (self.map_path(), self._map_data())
        else:
            self._curves = moment_arm_curves(self.model, self.kind)
        self._curve_inputs = self._inputs()
        self.sweeps += 1
        self._stale = False
        self._draw()

    def export(self, path: Path | str) -> Path:
        """Save the plot as PNG or SVG (chosen by the file's suffix), :data:`EXPORT_SIZE_IN`.

        The figure is the one shown (what is plotted, control, quantity, muscles, theme) at a
        fixed size, so every export of a course looks alike.

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
            raise ValueError(
                f"{path}: cannot save a plot as '{path.suffix or '(no suffix)'}'; "
                f"allowed: {', '.join(EXPORT_FORMATS)}"
            )
        curves = (
            self._curves if same_inputs(self._curve_inputs, self._inputs()) else None
        )  # else evaluated for the export
        # a figure of its own: the same size every time, whatever the dock's shape
        save_plot(self._plot(curves=curves, size_in=EXPORT_SIZE_IN), path)
        self.message.emit(f"Saved the {self._plot_name()} to {path}")
        return path

    def _plot_name(self) -> str:
        if self.kind == "map":
            return "length map"
        return "length plot" if self.kind == "length" else f"{self.kind} moment-arm plot"

    def _map_data(self) -> tuple[dict, dict]:
        """The length map's data at the model's pose, from the cache if it was computed."""
        path = self.map_path()
        pose = self.model.pose.as_dict()
        key = (path, tuple(round(pose[k], 9) for k in sorted(pose)))
        if key in self._maps:
            self._maps.move_to_end(key)
            return self._maps[key]
        start = time.perf_counter()
        data = length_map_data(self.model, path)
        self.map_computes += 1
        log.debug("length map of %s in %.0f ms", path, 1000 * (time.perf_counter() - start))
        self._maps[key] = data
        while len(self._maps) > MAP_CACHE:
            self._maps.popitem(last=False)
        return data

    def export_dialog(self, suffix: str = ".png") -> None:
        if self.kind == "map":
            stem = f"length-map-{self.map_path().replace('.', '-')}"
        elif self.kind == "length":
            stem = f"lengths-{self.key.replace('.', '-')}"
        else:
            stem = f"moment-arm-{self.kind}"
        filters = ";;".join(f"{text} (*{s})" for s, text in EXPORT_FORMATS.items() if s == suffix)
        path, _ = QFileDialog.getSaveFileName(
            self, f"Save {self._plot_name()}", stem + suffix, filters
        )
        if not path:
            return
        if not Path(path).suffix:
            path += suffix
        try:
            self.export(path)
        except (OSError, ValueError) as exc:
            text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            log.warning("cannot save the %s to %s: %s", self._plot_name(), path, text)
            QMessageBox.warning(self, "Cannot save the plot", f"{path}: {text}")

    # --- model -> plot -----------------------------------------------------------------------
    def _on_solution(self, solution: Solution) -> None:
        if not self.isVisible():
            self._stale = True  # catch up when shown
            return
        if self._curves is None or self._curve_inputs is None:
            self._throttle.start()
            return
        if same_inputs(self._curve_inputs, self._inputs()):  # along the same curves
            if self.kind == "map":
                return
            if self.kind == "length":
                move_marker(self.figure, self.model, self.key, self.quantity)
            else:
                move_moment_arm_markers(self.figure, self.model, self.kind)
            self._blit_markers()
        elif not self._throttle.isActive():  # throttle (not debounce): redraws while dragging
            self._throttle.start()

    def _inputs(self) -> dict[str, float]:
        """The pose values the curves depend on: all but the plotted control, or for a
        moment arm all but the flexions (:func:`~hipviz.render.moment_arm_plot.curve_inputs`)."""
        if self.kind == "length":
            return {k: v for k, v in self.model.pose.as_dict().items() if k != self.key}
        if self.kind == "map":  # the map's held angles and marks follow the whole pose
            return self.model.pose.as_dict()
        return curve_inputs(self.model)

    def _plot(self, **kwargs):
        """The figure of what is plotted (keywords as :func:`plot_lengths` takes them)."""
        if self.kind == "map":  # one muscle, no curves, no presentation scale
            return plot_length_map(
                self.model,
                self.map_path(),
                data=self._map_data(),
                theme=self.theme,
                **{k: v for k, v in kwargs.items() if k in ("figure", "size_in")},
            )
        if self.kind == "length":
            return plot_lengths(
                self.model,
                self.key,
                self.visible_paths(),
                quantity=self.quantity,
                theme=self.theme,
                **kwargs,
            )
        return plot_moment_arms(
            self.model, self.kind, self.visible_paths(), theme=self.theme, **kwargs
        )

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
        self._plot(curves=self._curves, figure=self.figure, scale=self._drawn_scale)
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
        least = MAP_THROTTLE_MS if self.kind == "map" else THROTTLE_MS
        interval = min(max(least, round(2000 * self.draw_s)), THROTTLE_CAP_MS)
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
