"""The "Trigger points" section of the display panel: regions, names, self-care ball.

Every widget changes the display state (:class:`hipviz.state.DisplayState`); the 3D view's
:class:`~hipviz.render.overlay.OverlayLayer` follows it.
"""

from __future__ import annotations

import logging

from PyQt5.QtCore import pyqtSignal
from PyQt5.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QWidget

from hipviz.core.pose import SIDES
from hipviz.io.trigger_points import (
    BALL_CHOICES,
    BALL_DIAMETERS_MM,
    DEFAULT_BALL_AT,
    load_trigger_point_data,
)
from hipviz.state import DisplayState

log = logging.getLogger(__name__)

BALL_LABELS = {
    "none": "No ball",
    **{
        name: f"{name.capitalize()} ball ({BALL_DIAMETERS_MM[name] / 10:.1f} cm)"
        for name in BALL_DIAMETERS_MM
    },
}


class OverlayPanel(QGroupBox):
    """Trigger-point regions and the self-care ball: widgets of a display state.

    Signals
    -------
    trigger_points_toggled(bool)
        The regions were shown or hidden here (the View menu's action follows).
    """

    trigger_points_toggled = pyqtSignal(bool)

    def __init__(self, state: DisplayState, parent: QWidget | None = None):
        super().__init__("Trigger points", parent)
        self.state = state
        form = QFormLayout(self)
        self.points_check = QCheckBox("Trigger points")
        self.points_check.setToolTip(
            "Common trigger-point regions of gluteus medius, minimus and piriformis, after "
            "Travell & Simons' trigger-point maps (green; Ctrl+Shift+T)"
        )
        self.points_check.toggled.connect(self.set_trigger_points_visible)
        self.names_check = QCheckBox("Names")
        self.names_check.setToolTip("Name each trigger point facing you")
        self.names_check.toggled.connect(self._names)
        form.addRow(self.points_check, self.names_check)
        self.ball_combo = QComboBox()
        for name in BALL_CHOICES:
            self.ball_combo.addItem(BALL_LABELS[name], name)
        self.ball_combo.setToolTip(
            "Self-care: lie on a ball over a tender point and roll it "
            "in spokes around it. Softer: tennis or racquetball on a "
            "bed; deeper: baseball on the floor"
        )
        self.at_combo = QComboBox()
        regions = load_trigger_point_data()["regions"]
        for side in SIDES:
            for region in regions:
                self.at_combo.addItem(
                    f"{side.capitalize()} {region['name']}", f"{side}.{region['id']}"
                )
                self.at_combo.setItemData(
                    self.at_combo.count() - 1, f"{region['where']}; refers {region['refers']}", 3
                )  # Qt.ToolTipRole
        self.at_combo.setCurrentIndex(self.at_combo.findData(self.state.ball_at or DEFAULT_BALL_AT))
        self.at_combo.setToolTip("The trigger point the ball is on")
        self.ball_combo.currentIndexChanged.connect(self._ball)
        self.at_combo.currentIndexChanged.connect(self._ball)
        form.addRow("Ball:", self.ball_combo)
        form.addRow("On:", self.at_combo)

    def set_trigger_points_visible(self, on: bool) -> None:
        """Show or hide the regions (as the check box and the View menu do)."""
        if self.points_check.isChecked() != bool(on):
            self.points_check.setChecked(bool(on))  # comes back here through toggled
            return
        self.state.update(trigger_points=bool(on))
        self.trigger_points_toggled.emit(bool(on))

    def _names(self, on: bool) -> None:
        self.state.update(trigger_point_labels=on)

    def _ball(self, *_) -> None:
        self.state.update(ball=self.ball_combo.currentData(), ball_at=self.at_combo.currentData())

    def sync_from_state(self) -> None:
        """Set the widgets from the state without calling it back (after a scene file)."""
        widgets = (self.points_check, self.names_check, self.ball_combo, self.at_combo)
        blocked = [w.blockSignals(True) for w in widgets]
        try:
            self.points_check.setChecked(self.state.trigger_points)
            self.names_check.setChecked(self.state.trigger_point_labels)
            self.ball_combo.setCurrentIndex(self.ball_combo.findData(self.state.ball))
            if self.state.ball_at is not None:
                self.at_combo.setCurrentIndex(self.at_combo.findData(self.state.ball_at))
        finally:
            for widget, was in zip(widgets, blocked, strict=True):
                widget.blockSignals(was)
