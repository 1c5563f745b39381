"""The pose controls: per side, GT superior/inferior and anterior/posterior, iliac crest
height, hip flexion, abduction and rotation, each a slider with a typed spin box; per
side a "Drive by" choice between the GT position and the joint angles (the other pair
shows the values reached, read-only); resets; mirroring.

Widgets only call the model's public setters. What they show comes back from the model
(:meth:`PoseControls.sync`, with signals blocked): the pose actually *reached*, and next
to the greater-trochanter controls the reason when a request was clamped, and what a GT
move means at that side's flexion; below both sides, what the crest heights do to the hips
(the wording is :mod:`hipviz.core.explain`'s, shared with the web pages).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from hipviz.core import explain
from hipviz.core.model import HipModel, Solution
from hipviz.core.pose import ANGLE_KEYS, GT_KEYS, POSE_KEYS, RANGES, SIDES, PoseError
from hipviz.formatting import number
from hipviz.names import CONTROL_LABELS, SIDE_LABELS

log = logging.getLogger(__name__)

#: slider steps per unit: 0.5 mm, 1 degree
STEPS_PER_UNIT = {"mm": 2, "deg": 1}
UNIT_SUFFIX = {"mm": " mm", "deg": " \N{DEGREE SIGN}"}
#: "Drive by" choices: mode -> (text, tooltip)
DRIVE_MODES = {
    "gt": (
        "GT position",
        "Drive this side by where the greater trochanter sits, as palpated; "
        "the hip's abduction and rotation follow (shown read-only).",
    ),
    "angles": (
        "Joint angles",
        "Drive this side by the hip's abduction and rotation angles "
        "(OpenSim gait2392 convention); the GT position follows (shown "
        "read-only).",
    ),
}
#: mirror modes: combo text -> (source side, target side) or None
MIRROR_MODES = {
    "Off": None,
    "Right onto left": ("right", "left"),
    "Left onto right": ("left", "right"),
}
CLAMPED_STYLE = "QDoubleSpinBox { background: #fff1c9; }"
REASON_STYLE = (
    "QLabel { color: #7a4b00; background: #fff4d6; border: 1px solid #e8c36a; "
    "border-radius: 3px; padding: 3px; }"
)
MEANING_STYLE = "QLabel { color: palette(dark); font-size: 90%; }"


class ValueControl(QWidget):
    """A slider and a spin box for one pose value (``side.key``), kept in step.

    Signals
    -------
    edited(str, float)
        The user moved the slider (live, while dragging) or entered a value.
    released()
        The user let go of the slider.
    """

    edited = pyqtSignal(str, float)
    released = pyqtSignal()

    def __init__(self, key: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.key = key
        #: shows a reached value only (the other mode drives the side); see set_read_only
        self.read_only = False
        name = key.split(".")[1]
        low, high, unit, _ = RANGES[name]
        self.steps = STEPS_PER_UNIT[unit]
        label, tip = CONTROL_LABELS[name]

        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(round(low * self.steps), round(high * self.steps))
        self.slider.setSingleStep(1)
        self.slider.setPageStep(5 * self.steps)
        self.slider.setTickPosition(QSlider.TicksBelow)
        self.slider.setTickInterval(5 * self.steps if unit == "mm" else 15)
        self.slider.setMinimumWidth(140)
        self.slider.setToolTip(tip)
        self.slider.setAccessibleName(f"{SIDE_LABELS[key.split('.')[0]]} {label}")

        self.spin = QDoubleSpinBox()
        self.spin.setRange(low, high)
        self.spin.setDecimals(1)
        self.spin.setSingleStep(1.0 / self.steps)
        self.spin.setSuffix(UNIT_SUFFIX[unit])
        self.spin.setKeyboardTracking(False)  # typing "12" sets 12, not 1 then 12
        self.spin.setAlignment(Qt.AlignRight)
        self.spin.setMinimumWidth(96)
        self.spin.setToolTip(tip)
        self.spin.setAccessibleName(self.slider.accessibleName())

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.spin)

        self.slider.valueChanged.connect(self._slider_moved)
        self.slider.sliderReleased.connect(self.released)
        self.spin.valueChanged.connect(self._spin_changed)

    def _slider_moved(self, position: int) -> None:
        value = position / self.steps
        with _blocked(self.spin):
            self.spin.setValue(value)
        self.edited.emit(self.key, value)

    def _spin_changed(self, value: float) -> None:
        with _blocked(self.slider):
            self.slider.setValue(round(value * self.steps))
        self.edited.emit(self.key, round(value, 1))

    def value(self) -> float:
        return self.spin.value()

    def set_read_only(self, read_only: bool) -> None:
        """Disable the control (it then shows a reached value only) or enable it.

        A reached value may lie beyond what can be set (the angles can put the GT
        more than 25 mm away): the disabled spin box then shows it as it is, not clipped.
        """
        self.read_only = read_only
        self.setEnabled(not read_only)
        name = self.key.split(".")[1]
        low, high = RANGES[name][:2]
        with _blocked(self.spin):
            self.spin.setRange(-999.0, 999.0) if read_only else self.spin.setRange(low, high)

    def show_value(self, value: float) -> None:
        """Show a value from the model without emitting anything.

        A slider the user is dragging is left under the mouse; it is set on release.
        """
        with _blocked(self.spin):
            self.spin.setValue(value)
        if not self.slider.isSliderDown():
            with _blocked(self.slider):
                self.slider.setValue(round(value * self.steps))


class _blocked:
    """``with _blocked(widget):`` - no signals from the widget inside the block."""

    def __init__(self, widget: QWidget):
        self.widget = widget

    def __enter__(self):
        self._was = self.widget.blockSignals(True)

    def __exit__(self, *exc):
        self.widget.blockSignals(self._was)


class PoseControls(QWidget):
    """Both sides' controls, the resets and the mirror option, driving a :class:`HipModel`.

    Parameters
    ----------
    model : HipModel
    parent : QWidget, optional

    Signals
    -------
    message(str)
        A short status message (e.g. a refused value).
    """

    message = pyqtSignal(str)

    def __init__(self, model: HipModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.controls: dict[str, ValueControl] = {}
        self.reason_labels: dict[str, QLabel] = {}
        #: side -> what a GT move means as joint motion at that side's flexion
        self.meaning_labels: dict[str, QLabel] = {}
        self.reset_buttons: dict[str, QPushButton] = {}
        self.side_boxes: dict[str, QGroupBox] = {}
        #: side -> its "Drive by" combo box (item data: "gt" or "angles")
        self.mode_combos: dict[str, QComboBox] = {}
        layout = QVBoxLayout(self)
        for side in SIDES:
            layout.addWidget(self._side_box(side))
        #: what the crest heights do to the pelvis and hips (hidden while level)
        self.crest_label = QLabel()
        self.crest_label.setWordWrap(True)
        self.crest_label.setVisible(False)
        layout.addWidget(self.crest_label)

        self.mirror_combo = QComboBox()
        self.mirror_combo.addItems(list(MIRROR_MODES))
        self.mirror_combo.setToolTip(
            "Copy one side's values onto the other and keep them equal "
            "while you move the controls (a symmetric case)."
        )
        self.mirror_combo.currentTextChanged.connect(self._mirror_changed)
        self.reset_all_button = QPushButton("Reset both sides")
        self.reset_all_button.setToolTip(
            "Back to neutral (anatomical position) on both sides (Ctrl+R)"
        )
        self.reset_all_button.clicked.connect(self.reset_all)
        row = QHBoxLayout()
        row.addWidget(QLabel("Mirror:"))
        row.addWidget(self.mirror_combo, 1)
        row.addWidget(self.reset_all_button)
        layout.addLayout(row)
        layout.addStretch(1)
        self.sync(model.solution)

    def _side_box(self, side: str) -> QGroupBox:
        box = QGroupBox(f"{SIDE_LABELS[side]} side")
        grid = QGridLayout(box)
        grid.setColumnStretch(1, 1)
        combo = QComboBox()
        for mode, (text, tip) in DRIVE_MODES.items():
            combo.addItem(text, mode)
            combo.setItemData(combo.count() - 1, tip, Qt.ToolTipRole)
        combo.setToolTip(
            f"What drives the {side} femur: the GT position or the joint angles. "
            "Switching keeps the femur where it is."
        )
        combo.setAccessibleName(f"{SIDE_LABELS[side]} drive by")
        combo.currentIndexChanged.connect(
            lambda i, s=side, c=combo: self.set_mode(s, c.itemData(i))
        )
        drive = QLabel("Drive by")
        drive.setBuddy(combo)
        grid.addWidget(drive, 0, 0)
        grid.addWidget(combo, 0, 1)
        self.mode_combos[side] = combo
        row = 1
        for name in POSE_KEYS:
            key = f"{side}.{name}"
            control = ValueControl(key)
            control.edited.connect(self._edited)
            control.released.connect(self._released)
            label = QLabel(CONTROL_LABELS[name][0])
            tip = CONTROL_LABELS[name][1]
            if name == "iliac_crest_superior_mm":  # how much hip motion a crest means
                example = (10.0, 0.0) if side == "right" else (0.0, 10.0)
                tip += " For example: " + explain.crest_text(self.model.anatomy, *example)
            label.setToolTip(tip)
            control.setToolTip(tip)
            label.setBuddy(control.spin)
            grid.addWidget(label, row, 0)
            grid.addWidget(control, row, 1)
            self.controls[key] = control
            row += 1
            if name == GT_KEYS[-1]:
                reason = QLabel()
                reason.setWordWrap(True)
                reason.setStyleSheet(REASON_STYLE)
                reason.setVisible(False)
                grid.addWidget(reason, row, 0, 1, 2)
                self.reason_labels[side] = reason
                row += 1
                meaning = QLabel()
                meaning.setWordWrap(True)
                meaning.setStyleSheet(MEANING_STYLE)
                meaning.setToolTip(
                    "The femur turns about the hip centre to put the GT where it is "
                    "palpated; which joint motion that is depends on the hip's flexion."
                )
                grid.addWidget(meaning, row, 0, 1, 2)
                self.meaning_labels[side] = meaning
                row += 1
        reset = QPushButton(f"Reset {side}")
        reset.setToolTip(f"Back to neutral on the {side} side")
        reset.clicked.connect(lambda _=False, s=side: self.reset_side(s))
        grid.addWidget(reset, row, 1, alignment=Qt.AlignRight)
        self.reset_buttons[side] = reset
        self.side_boxes[side] = box
        return box

    # --- user actions -> model ---------------------------------------------------------------
    @property
    def mirror(self) -> tuple[str, str] | None:
        """(source side, target side) while mirroring, else ``None``."""
        return MIRROR_MODES[self.mirror_combo.currentText()]

    def _edited(self, key: str, value: float) -> None:
        try:
            pose = self.model.pose.with_value(key, value)
        except PoseError as exc:
            self.message.emit(str(exc))
            self.sync(self.model.solution)
            return
        if self.mirror is not None:
            source, target = self.mirror
            pose = replace(pose, **{target: pose.side(source)})
        self.model.set_pose(pose)

    def _released(self) -> None:
        self.sync(self.model.solution)  # put the released slider at the reached value

    def _mirror_changed(self, _text: str) -> None:
        for side, box in self.side_boxes.items():
            box.setEnabled(self.mirror is None or side != self.mirror[1])
        if self.mirror is not None:
            source, target = self.mirror
            pose = self.model.pose
            self.model.set_pose(replace(pose, **{target: pose.side(source)}))
            self.message.emit(f"Mirroring the {source} side onto the {target} side")

    def set_mode(self, side: str, mode: str) -> None:
        """Drive ``side`` by its GT position (``"gt"``) or joint angles (``"angles"``);
        the femur stays where it is (while mirroring, the other side follows), unless the
        GT was beyond what its controls can set (then it comes back into range, and a
        message says so)."""
        before = self.model.solution.reached.side(side)
        self.model.set_mode(side, mode)
        after = self.model.solution.reached.side(side)
        if mode == "gt" and (before.gt_superior_mm, before.gt_anterior_mm) != (
            after.gt_superior_mm,
            after.gt_anterior_mm,
        ):
            low, high, unit, _ = RANGES["gt_superior_mm"]
            self.message.emit(
                f"The {side} GT was beyond {low:g} to {high:g} {unit}, the range "
                "of its controls: it was brought back into range"
            )
        if self.mirror is not None:
            source, target = self.mirror
            pose = self.model.pose
            self.model.set_pose(replace(pose, **{target: pose.side(source)}))
        self.sync(self.model.solution)  # also when nothing changed (a refused mirror side)

    def reset_side(self, side: str) -> None:
        """Neutral on one side (on both while mirroring: the sides are tied)."""
        self.model.reset(None if self.mirror is not None else side)

    def reset_all(self) -> None:
        self.model.reset()

    # --- model -> widgets --------------------------------------------------------------------
    def sync(self, solution: Solution) -> None:
        """Show the reached pose, what drives each side and any clamping reasons (no signals
        are emitted). The pair of controls not driving a side shows its reached values,
        disabled."""
        for key, control in self.controls.items():
            side, name = key.split(".")
            mode = solution.requested.side(side).mode
            read_only = name in GT_KEYS and mode == "angles" or name in ANGLE_KEYS and mode == "gt"
            if read_only != control.read_only:
                control.set_read_only(read_only)
            control.show_value(solution.reached.get(key))
        for side, combo in self.mode_combos.items():
            with _blocked(combo):
                combo.setCurrentIndex(combo.findData(solution.requested.side(side).mode))
        for side, label in self.reason_labels.items():
            reasons = solution.reasons.get(side, [])
            clamped = bool(reasons)
            if clamped:
                asked, got = solution.requested.side(side), solution.reached.side(side)
                if asked.mode == "angles":
                    what = (
                        f"Asked abduction {number(asked.hip_abduction_deg, sign=True)} deg; "
                        f"reached {number(got.hip_abduction_deg, sign=True)}: "
                    )
                else:
                    what = (
                        f"Asked GT {number(asked.gt_superior_mm, sign=True)} mm sup, "
                        f"{number(asked.gt_anterior_mm, sign=True)} mm ant; reached "
                        f"{number(got.gt_superior_mm, sign=True)}, "
                        f"{number(got.gt_anterior_mm, sign=True)}: "
                    )
                label.setText(what + "; ".join(reasons) + ".")
            label.setVisible(clamped)
            meaning = explain.gt_move_text(
                self.model.anatomy, side, solution.requested.side(side).hip_flexion_deg
            )
            if self.meaning_labels[side].text() != meaning:
                self.meaning_labels[side].setText(meaning)
            for name in GT_KEYS:
                self.controls[f"{side}.{name}"].spin.setStyleSheet(CLAMPED_STYLE if clamped else "")
        crests = [solution.requested.side(s).iliac_crest_superior_mm for s in SIDES]
        level = not any(crests)
        if not level:
            flexion = {s: solution.requested.side(s).hip_flexion_deg for s in SIDES}
            text = explain.crest_text(self.model.anatomy, *crests, flexion)
            if self.crest_label.text() != text:
                self.crest_label.setText(text)
        self.crest_label.setVisible(not level)
