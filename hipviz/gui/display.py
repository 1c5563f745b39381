"""What is drawn and how: muscle style, what the colours show (length change or a moment
arm) and their range, visibility per muscle and group, bone opacity, landmark labels.
Every widget changes the display state (:class:`hipviz.state.DisplayState`), which the
3D view follows; the widgets follow the state in turn (a scene file opened, the View
menu, a script), with their signals blocked so that nothing echoes back.
"""

from __future__ import annotations

import logging

from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QRadioButton,
    QSlider,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hipviz.core.muscles import GROUPS, HIDDEN_BY_DEFAULT
from hipviz.core.pose import SIDES
from hipviz.gui.overlay_panel import OverlayPanel
from hipviz.io.scene import MOMENT_ARM_RANGE_MM
from hipviz.names import GROUP_LABELS, muscle_label
from hipviz.state import NAMES, DisplayState

log = logging.getLogger(__name__)

#: the state's names the trigger-point section shows
#: what the muscle labels toggle does, for its tooltips (panel, menu and toolbar)
MUSCLE_LABELS_TIP = (
    "Name each shown muscle beside it, with a line to it; click a muscle to name it in "
    "large type and fade the others"
)
OVERLAY_NAMES = frozenset({"trigger_points", "trigger_point_labels", "ball", "ball_at"})

COLOUR_RANGE_PCT = (1.0, 50.0)
#: colouring (as in scene files) -> (menu text, tooltip)
COLOUR_BY_LABELS = {
    "length": (
        "Length change",
        "Blue shortened, orange-red lengthened, against the neutral length (% of it)",
    ),
    "moment_arm_rotation": (
        "Rotation moment arm",
        "What each muscle does to hip rotation at "
        "this pose: purple external rotator, green "
        "internal rotator (mm)",
    ),
    "moment_arm_abduction": (
        "Abduction moment arm",
        "What each muscle does to hip abduction at this pose: purple adductor, green abductor (mm)",
    ),
    "moment_arm_flexion": (
        "Flexion moment arm",
        "What each muscle does to hip flexion at this pose: purple extensor, green flexor (mm)",
    ),
}
OPACITY_PCT = (5, 100)  # as scene files allow: 0.05 to 1
#: background name (as in scene files) -> menu text
BACKGROUND_LABELS = {
    "slate": "Slate (dark)",
    "white": "White",
    "black": "Black",
    "transparent": "White (transparent in figures)",
}


def range_spin(
    limits: tuple[float, float], step: float, unit: str, value: float, tip: str
) -> QDoubleSpinBox:
    """A "± value unit" spin box for a symmetric colour range; it reports finished edits."""
    spin = QDoubleSpinBox()
    spin.setRange(*limits)
    spin.setDecimals(1)
    spin.setSingleStep(step)
    spin.setPrefix("\N{PLUS-MINUS SIGN} ")
    spin.setSuffix(f" {unit}")
    spin.setKeyboardTracking(False)
    spin.setValue(value)
    spin.setToolTip(tip)
    return spin


class DisplayPanel(QWidget):
    """Display options: the widgets of a :class:`~hipviz.state.DisplayState`.

    Parameters
    ----------
    state : DisplayState
        What the view shows; the panel changes it and follows it.
    labels : bool, default: True
        Whether landmark labels can be shown (the scene has landmarks).
    overlays : bool, default: True
        Whether to offer the trigger-point and ball overlays (the scene has a model).

    Signals
    -------
    visibility_changed()
        A muscle was shown or hidden (here or in the state).
    colour_limit_changed(float)
        The symmetric colour range changed (percent).
    colour_by_changed(str)
        What the muscle colours show changed (``"length"``, ``"moment_arm_rotation"``, ...).
    """

    visibility_changed = pyqtSignal()
    colour_limit_changed = pyqtSignal(float)
    colour_by_changed = pyqtSignal(str)

    def __init__(
        self,
        state: DisplayState,
        labels: bool = True,
        overlays: bool = True,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.state = state
        self._labels_available = labels
        self._tree_editing = False  # a tick in the tree is changing the state
        layout = QVBoxLayout(self)
        layout.addWidget(self._muscle_box())
        layout.addWidget(self._tree_box())
        layout.addWidget(self._bone_box())
        # trigger points and the self-care ball (gui/overlay_panel.py)
        self.overlay = OverlayPanel(state) if overlays else None
        if self.overlay is not None:
            layout.addWidget(self.overlay)
        layout.addStretch(1)
        self.sync_from_state()
        state.connect(self._state_changed, changing=True)

    # --- building ----------------------------------------------------------------------------
    def _muscle_box(self) -> QGroupBox:
        box = QGroupBox("Muscles")
        form = QFormLayout(box)
        self.tubes_radio = QRadioButton("Tubes")
        self.lines_radio = QRadioButton("Thin lines")
        self.tubes_radio.setChecked(True)
        self.tubes_radio.setToolTip("Shaded tubes along each muscle's line of action")
        self.lines_radio.setToolTip("Thin lines: see the bone underneath")
        style = QButtonGroup(self)
        style.addButton(self.tubes_radio)
        style.addButton(self.lines_radio)
        self.lines_radio.toggled.connect(lambda lines: self.state.update(tubes=not lines))
        row = QHBoxLayout()
        row.addWidget(self.tubes_radio)
        row.addWidget(self.lines_radio)
        row.addStretch(1)
        form.addRow("Draw as:", row)

        self.colour_combo = QComboBox()
        for i, (name, (text, tip)) in enumerate(COLOUR_BY_LABELS.items()):
            self.colour_combo.addItem(text, name)
            self.colour_combo.setItemData(i, tip, Qt.ToolTipRole)
        self.colour_combo.setCurrentIndex(self.colour_combo.findData(self.state.colour_by))
        self.colour_combo.setToolTip(
            "What the muscle colours show: how much each muscle's "
            "length changed, or what it does to the hip at this pose "
            "(its moment arm); the legend says which"
        )
        self.colour_combo.currentIndexChanged.connect(
            lambda i: self.state.update(colour_by=self.colour_combo.itemData(i))
        )
        form.addRow("Colour by:", self.colour_combo)

        self.range_spin = range_spin(
            COLOUR_RANGE_PCT,
            1.0,
            "%",
            self.state.colour_range_pct,
            "Length change at the ends of the colour scale, % of the "
            "neutral length; larger changes take the end colours",
        )
        self.range_spin.valueChanged.connect(lambda v: self.state.update(colour_range_pct=v))
        self.arm_range_spin = range_spin(
            MOMENT_ARM_RANGE_MM,
            5.0,
            "mm",
            self.state.moment_arm_range_mm,
            "Moment arm at the ends of the colour scale, mm; "
            "larger moment arms take the end colours",
        )
        self.arm_range_spin.valueChanged.connect(lambda v: self.state.update(moment_arm_range_mm=v))
        # one range at a time: the one of what the colours show
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.range_spin)
        row.addWidget(self.arm_range_spin)
        row.addStretch(1)
        form.addRow("Colour range:", row)
        self._show_range_for(self.state.colour_by)

        self.attachments_check = QCheckBox("Attachments")
        self.attachments_check.setChecked(True)
        self.attachments_check.setToolTip("Mark origins and insertions with small spheres")
        self.attachments_check.toggled.connect(lambda on: self.state.update(attachments=on))
        self.legend_check = QCheckBox("Legend")
        self.legend_check.setChecked(True)
        self.legend_check.setToolTip("The colour legend at the bottom of the view")
        self.legend_check.toggled.connect(lambda on: self.state.update(legend=on))
        row = QHBoxLayout()
        row.addWidget(self.attachments_check)
        row.addWidget(self.legend_check)
        row.addStretch(1)
        form.addRow(row)
        self.muscle_labels_check = QCheckBox("Muscle labels")
        self.muscle_labels_check.setToolTip(MUSCLE_LABELS_TIP)
        self.muscle_labels_check.setChecked(self.state.muscle_labels)
        self.muscle_labels_check.toggled.connect(lambda on: self.state.update(muscle_labels=on))
        form.addRow(self.muscle_labels_check)
        return box

    def _tree_box(self) -> QGroupBox:
        box = QGroupBox("Show")
        layout = QVBoxLayout(box)
        # one click for the muscles hidden by default (they crowd the deep hip's lines)
        self.more_check = QCheckBox(
            " && ".join(GROUP_LABELS[g] for g in GROUPS if GROUPS[g][0] in HIDDEN_BY_DEFAULT)
        )
        self.more_check.setToolTip(
            "Show gluteus maximus (superior, middle and inferior parts) and tensor fasciae "
            "latae on both sides; hidden at first because they lie over the deep hip's muscles"
        )
        self.more_check.toggled.connect(self.set_superficial_shown)
        layout.addWidget(self.more_check)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setToolTip("Show or hide a muscle (both sides) or a whole group")
        self.group_items: dict[str, QTreeWidgetItem] = {}
        self.muscle_items: dict[str, QTreeWidgetItem] = {}
        for group, members in GROUPS.items():
            parent = QTreeWidgetItem(self.tree, [GROUP_LABELS[group]])
            parent.setFlags(parent.flags() | Qt.ItemIsUserCheckable | Qt.ItemIsAutoTristate)
            parent.setCheckState(0, Qt.Checked)
            self.group_items[group] = parent
            if len(members) > 1:
                for muscle in members:
                    child = QTreeWidgetItem(parent, [muscle_label(muscle).split(", ")[-1]])
                    child.setFlags(child.flags() | Qt.ItemIsUserCheckable)
                    child.setCheckState(0, Qt.Checked)
                    child.setData(0, Qt.UserRole, muscle)
                    self.muscle_items[muscle] = child
            else:
                parent.setData(0, Qt.UserRole, members[0])
                self.muscle_items[members[0]] = parent
        self.tree.expandAll()
        rows = len(self.group_items) + sum(len(m) for m in GROUPS.values() if len(m) > 1)
        self.tree.setMinimumHeight(rows * (self.tree.fontMetrics().height() + 4) + 8)
        self.tree.itemChanged.connect(self._item_changed)
        layout.addWidget(self.tree)
        return box

    def _bone_box(self) -> QGroupBox:
        box = QGroupBox("Bones")
        form = QFormLayout(box)
        self.opacity_slider = QSlider(Qt.Horizontal)
        self.opacity_slider.setRange(*OPACITY_PCT)
        self.opacity_slider.setValue(round(self.state.bone_opacity * 100))
        self.opacity_spin = QSpinBox()
        self.opacity_spin.setRange(*OPACITY_PCT)
        self.opacity_spin.setSuffix(" %")
        self.opacity_spin.setValue(self.opacity_slider.value())
        for widget in (self.opacity_slider, self.opacity_spin):
            widget.setToolTip("Bone opacity: lower it to see muscles behind the bones")
        self.opacity_slider.valueChanged.connect(self.opacity_spin.setValue)
        self.opacity_spin.valueChanged.connect(self.opacity_slider.setValue)
        # while the slider is dragged the opacity is still changing (the view follows at
        # once); its release finishes the edit
        self.opacity_slider.valueChanged.connect(
            lambda pct: self.state.update(
                bone_opacity=pct / 100.0, final=not self.opacity_slider.isSliderDown()
            )
        )
        self.opacity_slider.sliderReleased.connect(
            lambda: self.state.update(bone_opacity=self.opacity_slider.value() / 100.0)
        )
        row = QHBoxLayout()
        row.addWidget(self.opacity_slider, 1)
        row.addWidget(self.opacity_spin)
        form.addRow("Opacity:", row)
        self.labels_check = QCheckBox("Landmark labels")
        self.labels_check.setToolTip(
            "Name the landmarks a therapist palpates: ASIS, PSIS, "
            "iliac crest, greater trochanter, sacrum"
        )
        self.labels_check.setEnabled(self._labels_available)
        if self._labels_available:
            self.labels_check.toggled.connect(lambda on: self.state.update(labels=on))
        form.addRow(self.labels_check)
        self.background_combo = QComboBox()
        for name, label in BACKGROUND_LABELS.items():
            self.background_combo.addItem(label, name)
        self.background_combo.setCurrentIndex(self.background_combo.findData(self.state.background))
        self.background_combo.setToolTip(
            "Behind the bones: slate for screens and projectors, white or black for figures"
        )
        self.background_combo.currentIndexChanged.connect(
            lambda i: self.state.update(background=self.background_combo.itemData(i))
        )
        form.addRow("Background:", self.background_combo)
        return box

    # --- handlers ----------------------------------------------------------------------------
    def _show_range_for(self, colour_by: str) -> None:
        self.range_spin.setVisible(colour_by == "length")
        self.arm_range_spin.setVisible(colour_by != "length")

    def _item_changed(self, item: QTreeWidgetItem, _column: int) -> None:
        muscle = item.data(0, Qt.UserRole)
        if muscle is None:  # a group: Qt's auto-tristate already set its children
            return
        shown = set(self.state.muscles)
        paths = {f"{side}.{muscle}" for side in SIDES}
        shown = shown | paths if item.checkState(0) == Qt.Checked else shown - paths
        # Qt is still ticking a group's other children: the tree must not be re-ticked now
        self._tree_editing = True
        try:
            self.state.update(muscles=tuple(shown))
        finally:
            self._tree_editing = False

    def _state_changed(self, names: frozenset[str]) -> None:
        """Follow the state: the widgets show its values, without calling it back."""
        if "muscles" in names:
            if not self._tree_editing:
                self.sync_tree()
            else:  # the tree is being ticked by hand: only the one-click box follows now
                self._sync_more_check()
            self.visibility_changed.emit()
        if names - {"muscles"}:
            self._sync_widgets(names)
        if "colour_range_pct" in names:
            self.colour_limit_changed.emit(self.state.colour_range_pct)
        if "colour_by" in names:
            self.colour_by_changed.emit(self.state.colour_by)

    # --- public ------------------------------------------------------------------------------
    def sync_tree(self) -> None:
        """Tick the tree from the state (a muscle shown on one side only is partly ticked)."""
        shown_paths = set(self.state.muscles)
        self._sync_more_check()
        blocked = self.tree.blockSignals(True)
        try:
            for muscle, item in self.muscle_items.items():
                shown = [f"{side}.{muscle}" in shown_paths for side in SIDES]
                state = (
                    Qt.Checked
                    if all(shown)
                    else Qt.PartiallyChecked
                    if any(shown)
                    else Qt.Unchecked
                )
                item.setCheckState(0, state)
        finally:
            self.tree.blockSignals(blocked)

    def _sync_more_check(self) -> None:
        """Tick the one-click box when every hidden-by-default path is shown."""
        shown = set(self.state.muscles)
        was = self.more_check.blockSignals(True)
        self.more_check.setChecked(
            all(f"{side}.{m}" in shown for side in SIDES for m in HIDDEN_BY_DEFAULT)
        )
        self.more_check.blockSignals(was)

    def _sync_widgets(self, names: frozenset[str] | set[str] = NAMES) -> None:
        """Set the widgets of ``names`` (all but the tree by default) from the state (a
        colour range of 10.25 % shows as 10.3 but stays 10.25 in the state until edited)."""
        state = self.state
        setters = {
            "colour_range_pct": (
                self.range_spin,
                lambda: self.range_spin.setValue(state.colour_range_pct),
            ),
            "colour_by": (self.colour_combo, self._show_colour_by),
            "moment_arm_range_mm": (
                self.arm_range_spin,
                lambda: self.arm_range_spin.setValue(state.moment_arm_range_mm),
            ),
            "bone_opacity": (None, self._show_opacity),
            "labels": (
                self.labels_check,
                lambda: self.labels_check.setChecked(self._labels_available and state.labels),
            ),
            "tubes": (None, self._show_style),
            "attachments": (
                self.attachments_check,
                lambda: self.attachments_check.setChecked(state.attachments),
            ),
            "legend": (self.legend_check, lambda: self.legend_check.setChecked(state.legend)),
            "muscle_labels": (
                self.muscle_labels_check,
                lambda: self.muscle_labels_check.setChecked(state.muscle_labels),
            ),
            "background": (
                self.background_combo,
                lambda: self.background_combo.setCurrentIndex(
                    self.background_combo.findData(state.background)
                ),
            ),
        }
        for name, (widget, show) in setters.items():
            if name in names:
                if widget is None:
                    show()
                    continue
                blocked = widget.blockSignals(True)
                try:
                    show()
                finally:
                    widget.blockSignals(blocked)
        if self.overlay is not None and names & OVERLAY_NAMES:
            self.overlay.sync_from_state()

    def _show_colour_by(self) -> None:
        colour_by = self.state.colour_by
        self.colour_combo.setCurrentIndex(self.colour_combo.findData(colour_by))
        self._show_range_for(colour_by)

    def _show_opacity(self) -> None:
        pct = round(self.state.bone_opacity * 100)
        for widget in (self.opacity_slider, self.opacity_spin):
            if widget is self.opacity_slider and widget.isSliderDown():
                continue  # the hand on the slider sets it
            blocked = widget.blockSignals(True)
            widget.setValue(pct)
            widget.blockSignals(blocked)

    def _show_style(self) -> None:
        radios = (self.tubes_radio, self.lines_radio)
        blocked = [r.blockSignals(True) for r in radios]
        (self.tubes_radio if self.state.tubes else self.lines_radio).setChecked(True)
        for radio, was in zip(radios, blocked, strict=True):
            radio.blockSignals(was)

    def sync_from_state(self) -> None:
        """Set every widget from the state without calling it back (the panel does this
        itself on each change of the state)."""
        self.sync_tree()
        self._sync_widgets()

    def set_muscle_shown(self, muscle: str, shown: bool) -> None:
        """Tick or untick one muscle (both sides), as a user would."""
        self.muscle_items[muscle].setCheckState(0, Qt.Checked if shown else Qt.Unchecked)

    def set_superficial_shown(self, shown: bool) -> None:
        """Show or hide gluteus maximus and tensor fasciae latae, both sides, in one step
        (:data:`hipviz.core.muscles.HIDDEN_BY_DEFAULT`); the other muscles stay as they are."""
        paths = {f"{side}.{m}" for side in SIDES for m in HIDDEN_BY_DEFAULT}
        current = set(self.state.muscles)
        self.state.update(muscles=tuple(current | paths if shown else current - paths))

    def set_group_shown(self, group: str, shown: bool) -> None:
        """Tick or untick a whole group (medius, minimus, piriformis)."""
        self.group_items[group].setCheckState(0, Qt.Checked if shown else Qt.Unchecked)
