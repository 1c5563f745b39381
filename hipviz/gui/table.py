"""The readout table: each muscle's length, change in mm and %, left and right, the
left-right difference and the moment arms about flexion, abduction and rotation;
sortable, copyable, exportable as CSV.

Rows stay bound to their muscle: values are written into the same items on every pose
change and the sort proxy re-sorts them, so a sorted table stays sorted while dragging.
"""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

from PyQt5.QtCore import QEvent, QSortFilterProxyModel, Qt, pyqtSignal
from PyQt5.QtGui import QBrush, QColor, QKeySequence, QStandardItem, QStandardItemModel
from PyQt5.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QShortcut,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hipviz.core.muscles import MUSCLES
from hipviz.core.pose import SIDES
from hipviz.formatting import number
from hipviz.io.safe_save import save_text
from hipviz.names import MOMENT_ARM_LABELS, MOMENT_ARM_SHORT, SIDE_LABELS, muscle_label
from hipviz.render.colours import (
    COLOUR_SCALES,
    DEFAULT_LIMIT_PCT,
    DEFAULT_MOMENT_ARM_RANGE_MM,
    colour_index,
    diverging_colormap,
    rgb_uint8,
    text_colour_on,
)

log = logging.getLogger(__name__)

DELTA = "\N{GREEK CAPITAL LETTER DELTA}"
#: (header, CSV name, side or None, quantity). Headers are three short lines (side, what,
#: unit), each no wider than a number, so that fourteen columns fit a bottom dock on a
#: 1366x768 screen with no number cut; :data:`HEADER_TIPS` spells each one out
COLUMNS = (
    ("Muscle", "muscle", None, "name"),
    ("R\nlength\nmm", "right_length_mm", "right", "length"),
    (f"R\n{DELTA}\nmm", "right_change_mm", "right", "change_mm"),
    (f"R\n{DELTA}\n%", "right_change_pct", "right", "change_pct"),
    ("L\nlength\nmm", "left_length_mm", "left", "length"),
    (f"L\n{DELTA}\nmm", "left_change_mm", "left", "change_mm"),
    (f"L\n{DELTA}\n%", "left_change_pct", "left", "change_pct"),
    ("L \N{MINUS SIGN} R\nlength\nmm", "left_minus_right_mm", None, "difference_mm"),
    *(
        (
            f"{SIDE_LABELS[side][0]} MA\n{short}\nmm",
            f"{side}_moment_arm_{action}_mm",
            side,
            f"moment_{action}",
        )
        for side in SIDES
        for action, short in MOMENT_ARM_SHORT.items()
    ),
)
#: the key under the table: what the short headers' words mean
KEY_TEXT = (
    f"R right, L left; {DELTA} change from neutral; MA moment arm (+ flexor, abductor, "
    "internal rotator)"
)
#: the widest texts a number cell usually shows: lengths under 1000 mm, changes and moment
#: arms within +-99.9 (a wider number widens its column: :meth:`ReadoutTable.update_solution`)
WIDEST_NUMBERS = ("-00.0", "+00.0", "000.0")
#: moment-arm column tooltips (the sign convention)
MOMENT_TIPS = {
    "flexion": "flexion: + the muscle flexes the hip, - it extends it",
    "abduction": "abduction: + the muscle abducts the hip, - it adducts it",
    "rotation": "rotation about the femur's long axis: + the muscle rotates the hip "
    "internally, - externally",
}
_QUANTITY_TIPS = {
    "length": "length, mm",
    "change_mm": "length change from neutral (anatomical position), mm",
    "change_pct": "length change from neutral, % of the neutral length",
}


def _header_tip(side: str | None, quantity: str) -> str:
    if quantity == "name":
        return "The muscle (fibres). Click to sort."
    if quantity == "difference_mm":
        return "Left length minus right length, mm. Click to sort."
    if quantity.startswith("moment_"):
        action = quantity[7:]
        return (
            f"{SIDE_LABELS[side]} {MOMENT_ARM_LABELS[action].lower()}, mm (-dL/d angle) "
            f"about hip {MOMENT_TIPS[action]}. Click to sort."
        )
    return f"{SIDE_LABELS[side]} {_QUANTITY_TIPS[quantity]}. Click to sort."


#: column -> header tooltip
HEADER_TIPS = tuple(_header_tip(side, quantity) for _, _, side, quantity in COLUMNS)
SORT_ROLE = Qt.UserRole + 1
KEY_ROLE = Qt.UserRole + 2


def table_values(solution) -> list[dict]:
    """One dict per muscle (in :data:`~hipviz.core.muscles.MUSCLES` order) with the CSV
    column names of :data:`COLUMNS` as keys; lengths in mm, changes in mm and %, moment
    arms in mm (-dL/d(angle); computed here if the solution has not yet)."""
    index = {key: i for i, key in enumerate(solution.keys)}
    rows = []
    for muscle in MUSCLES:
        row: dict = {"muscle": muscle}
        for side in SIDES:
            i = index[f"{side}.{muscle}"]
            row[f"{side}_length_mm"] = float(solution.lengths_mm[i])
            row[f"{side}_change_mm"] = float(solution.change_mm[i])
            row[f"{side}_change_pct"] = float(solution.change_pct[i])
            for action in MOMENT_TIPS:  # nan when solved without moment arms
                arms = solution.moment_arms_mm.get(action)
                row[f"{side}_moment_arm_{action}_mm"] = (
                    float("nan") if arms is None else float(arms[i])
                )
        row["left_minus_right_mm"] = row["left_length_mm"] - row["right_length_mm"]
        rows.append(row)
    return rows


def table_csv(solution) -> str:
    """The table as CSV text (header row, values rounded to 0.01)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c[1] for c in COLUMNS])
    for row in table_values(solution):
        writer.writerow([row["muscle"]] + [number(row[c[1]], 2) for c in COLUMNS[1:]])
    return out.getvalue()


def coloured_quantity(colour_by: str) -> str:
    """The table quantity (the last field of :data:`COLUMNS`) whose cells take the 3D view's
    colours when the view is coloured by ``colour_by`` (a key of
    :data:`~hipviz.render.colours.COLOUR_SCALES`): the % change, or that moment arm."""
    if colour_by not in COLOUR_SCALES:
        raise ValueError(f"cannot colour by '{colour_by}'; allowed: {', '.join(COLOUR_SCALES)}")
    action = COLOUR_SCALES[colour_by].action
    return "change_pct" if action is None else f"moment_{action}"


def _text(value: float, quantity: str) -> str:
    if quantity == "length":
        return number(value)
    return number(value, sign=True)  # a % column's unit is in its header: narrower cells


class ReadoutTable(QWidget):
    """The muscle-length table for a model's solutions.

    Parameters
    ----------
    parent : QWidget, optional

    Signals
    -------
    path_selected(str)
        The user selected a cell of a path (``"right.piriformis"``); a muscle-name cell
        selects the right side.
    message(str)
    """

    path_selected = pyqtSignal(str)
    message = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.colour_limit_pct = DEFAULT_LIMIT_PCT
        self.moment_arm_range_mm = DEFAULT_MOMENT_ARM_RANGE_MM
        #: what the 3D view is coloured by: the cells of that quantity take its colours, so
        #: the table and the view never tell two stories (:func:`coloured_quantity`)
        self.colour_by = "length"
        self.solution = None
        #: (colouring, colour-map index) -> (background, text) brushes; the map has few
        #: colours, and working a colour out costs more than the rest of a cell's update
        self._brushes: dict[tuple[str, int], tuple[QBrush, QBrush]] = {}
        self.model = QStandardItemModel(len(MUSCLES), len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels([c[0] for c in COLUMNS])
        for c, tip in enumerate(HEADER_TIPS):
            self.model.setHeaderData(c, Qt.Horizontal, tip, Qt.ToolTipRole)
        for r, muscle in enumerate(MUSCLES):
            for c, (_, _, side, _) in enumerate(COLUMNS):
                item = QStandardItem()
                item.setEditable(False)
                item.setData(f"{side or 'right'}.{muscle}", KEY_ROLE)
                if c == 0:
                    item.setText(muscle_label(muscle))
                    item.setData(muscle_label(muscle), SORT_ROLE)
                else:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.model.setItem(r, c, item)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setDynamicSortFilter(True)

        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(-1, Qt.AscendingOrder)  # muscle order until a header is clicked
        self.view.setSelectionBehavior(QAbstractItemView.SelectItems)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        row_height = self.view.fontMetrics().height() + 8
        self.view.verticalHeader().setDefaultSectionSize(row_height)
        # every column as wide as its widest text: a number is never cut to "+2..."; when
        # the dock is narrower than the table, a scroll bar, never an elided cell
        self.view.setTextElideMode(Qt.ElideNone)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarAsNeeded)
        self.view.setHorizontalScrollMode(QAbstractItemView.ScrollPerPixel)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        header.setStretchLastSection(False)
        header.setTextElideMode(Qt.ElideNone)
        self.fit_columns()
        header.sortIndicatorChanged.connect(lambda *_: self.fit_columns())
        header.setToolTip("Click a heading to sort")
        self.view.setToolTip(
            "Length of each muscle path (mm), change from neutral (mm and %), "
            "and the left-right difference. Select a cell to inspect that "
            "muscle; Ctrl+C copies."
        )
        # every row visible without scrolling: the three-line header and seven rows
        self.view.setMinimumHeight(
            header.sizeHint().height()
            + row_height * self.model.rowCount()
            + 2 * self.view.frameWidth()
        )
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        QShortcut(QKeySequence.Copy, self.view, activated=self.copy, context=Qt.WidgetShortcut)

        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the table (tab-separated) to paste into a spreadsheet")
        self.copy_button.clicked.connect(self.copy)
        self.export_button = QPushButton("Export CSV\N{HORIZONTAL ELLIPSIS}")
        self.export_button.setToolTip("Save the table as a CSV file")
        self.export_button.clicked.connect(self.export_dialog)
        # the short headers' words, spelt out once (each header's tooltip has it in full)
        self.key_label = QLabel(KEY_TEXT)
        self.key_label.setWordWrap(True)
        self.key_label.setToolTip("Point at a column heading for what it shows")
        # under the table, not beside it: the table keeps the dock's full width, so the
        # fourteen columns fit a 1366-pixel screen
        below = QHBoxLayout()
        below.addWidget(self.key_label, 1)
        below.addWidget(self.copy_button)
        below.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        layout.addWidget(self.view, 1)
        layout.addLayout(below)

    def fit_columns(self) -> None:
        """Each number column as wide as its header or the widest number it can show.

        Fixed by the widest possible text rather than resized to the current contents, so
        columns do not jump while a slider is dragged (``+9.9`` -> ``+10.0``). Only the
        sorted column keeps room for the sort arrow (Qt's own size hint keeps it in every
        column, as wide as the header is high: 13 columns would then not fit 1366 pixels).
        """
        header = self.view.horizontalHeader()
        for c in range(1, len(COLUMNS)):
            header.resizeSection(c, self.column_width_needed(c))

    def column_width_needed(self, column: int) -> int:
        """Pixels column ``column`` needs to show its header and any number uncut."""
        header = self.view.horizontalHeader()
        style = self.view.style()
        # the item delegate pads a cell's text by a focus-frame margin and a pixel each side
        pad = style.pixelMetric(QStyle.PM_FocusFrameHMargin, None, self.view) + 1
        shown = [self.model.item(r, column).text() for r in range(self.model.rowCount())]
        metrics = self.view.fontMetrics()
        cell = max(metrics.horizontalAdvance(t) for t in [*WIDEST_NUMBERS, *shown])
        margin = style.pixelMetric(QStyle.PM_HeaderMargin, None, header)
        lines = str(self.model.headerData(column, Qt.Horizontal)).split("\n")
        title = max(header.fontMetrics().horizontalAdvance(line) for line in lines)
        title += 2 * margin
        if header.isSortIndicatorShown() and header.sortIndicatorSection() == column:
            title += header.height() // 2 + 2 * margin  # the arrow (QCommonStyle's room)
        return max(cell + 2 * pad + 2, title + 2)

    def _widen(self, column: int) -> None:
        header = self.view.horizontalHeader()
        needed = self.column_width_needed(column)
        if header.sectionSize(column) < needed:
            header.resizeSection(column, needed)

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() in (QEvent.FontChange, QEvent.StyleChange):
            self.fit_columns()

    # --- model -> table ----------------------------------------------------------------------
    def update_solution(self, solution) -> None:
        """Write a solution's numbers into the table (in place)."""
        self.solution = solution
        coloured = coloured_quantity(self.colour_by)
        limit = self.colour_limit_pct if self.colour_by == "length" else self.moment_arm_range_mm
        for r, row in enumerate(table_values(solution)):
            for c, (_, name, _, quantity) in enumerate(COLUMNS[1:], start=1):
                item = self.model.item(r, c)
                value = row[name]
                text = _text(value, quantity)
                item.setData(text, Qt.DisplayRole)
                if len(text) > 5:  # wider than WIDEST_NUMBERS (rare): never cut it
                    self._widen(c)
                item.setData(value, SORT_ROLE)
                if quantity == coloured and value == value:  # nan: no moment arm, no colour
                    background, text = self._cell_brushes(value, limit)
                    item.setBackground(background)
                    item.setForeground(text)
                elif item.data(Qt.BackgroundRole) is not None:  # coloured by the last colouring
                    item.setData(None, Qt.BackgroundRole)
                    item.setData(None, Qt.ForegroundRole)

    def _cell_brushes(self, value: float, limit: float) -> tuple[QBrush, QBrush]:
        """Background (the view's colour for ``value``) and readable text brushes of a cell."""
        index = int(colour_index(value, limit))
        if (self.colour_by, index) not in self._brushes:
            rgb = diverging_colormap(colour_by=self.colour_by)[index]
            self._brushes[self.colour_by, index] = (
                QBrush(QColor(*rgb_uint8(rgb))),
                QBrush(QColor(text_colour_on(rgb))),
            )
        return self._brushes[self.colour_by, index]

    def set_colour_limit(self, limit_pct: float) -> None:
        """Colour the % cells on the same scale as the view."""
        self.set_colouring(self.colour_by, limit_pct, self.moment_arm_range_mm)

    def set_colouring(
        self, colour_by: str, limit_pct: float | None = None, arm_range_mm: float | None = None
    ) -> None:
        """Colour the cells of the quantity the 3D view is coloured by (``colour_by``, a key
        of :data:`~hipviz.render.colours.COLOUR_SCALES`) with the view's colours and range
        (``limit_pct`` for a length change, ``arm_range_mm`` for a moment arm; ``None``
        keeps the current one); every other cell is plain."""
        coloured_quantity(colour_by)  # a clear error for an unknown colouring
        self.colour_by = colour_by
        if limit_pct is not None:
            self.colour_limit_pct = float(limit_pct)
        if arm_range_mm is not None:
            self.moment_arm_range_mm = float(arm_range_mm)
        if self.solution is not None:
            self.update_solution(self.solution)

    def coloured_columns(self) -> list[int]:
        """The columns whose cells are coloured now (for tests and the key)."""
        return [
            c
            for c in range(1, len(COLUMNS))
            if any(
                self.model.item(r, c).data(Qt.BackgroundRole) is not None
                for r in range(self.model.rowCount())
            )
        ]

    def values(self) -> list[list[str]]:
        """The table as shown (sorted), header first, as text."""
        rows = [[c[0].replace("\n", " ") for c in COLUMNS]]
        for r in range(self.proxy.rowCount()):
            rows.append([self.proxy.index(r, c).data() or "" for c in range(len(COLUMNS))])
        return rows

    # --- copy and export ---------------------------------------------------------------------
    def copy(self) -> None:
        """Copy the selected cells (or the whole table) as tab-separated text."""
        selected = self.view.selectionModel().selectedIndexes()
        if len(selected) > 1:
            rows = sorted({i.row() for i in selected})
            cols = sorted({i.column() for i in selected})
            chosen = {(i.row(), i.column()) for i in selected}
            lines = [[COLUMNS[c][0].replace("\n", " ") for c in cols]]
            lines += [
                [self.proxy.index(r, c).data() if (r, c) in chosen else "" for c in cols]
                for r in rows
            ]
        else:
            lines = self.values()
        QApplication.clipboard().setText("\n".join("\t".join(line) for line in lines) + "\n")
        self.message.emit(f"Copied {len(lines) - 1} row(s) to the clipboard")

    def export_csv(self, path: Path | str) -> None:
        """Write the current numbers as CSV (full precision to 0.01, muscle order)."""
        if self.solution is None:
            raise RuntimeError("no solution to export yet")
        save_text(path, table_csv(self.solution))  # atomic; never over a device or folder
        self.message.emit(f"Saved the table to {path}")

    def export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export muscle lengths", "muscle-lengths.csv", "CSV files (*.csv)"
        )
        if path:
            try:
                self.export_csv(path)
            except OSError as exc:
                self.message.emit(f"Could not save {path}: {exc.strerror or exc}")

    # --- selection ---------------------------------------------------------------------------
    def _current_changed(self, current, _previous) -> None:
        if current.isValid():
            key = self.proxy.mapToSource(current).data(KEY_ROLE)
            if key:
                self.path_selected.emit(key)

    def select_path(self, key: str | None) -> None:
        """Mark the row of a path (no signal), e.g. after it was clicked in the view."""
        blocked = self.view.selectionModel().blockSignals(True)
        try:
            if key is None:
                self.view.clearSelection()
                return
            side, muscle = key.split(".")
            column = 1 if side == "right" else 4
            source = self.model.index(MUSCLES.index(muscle), column)
            self.view.setCurrentIndex(self.proxy.mapFromSource(source))
        finally:
            self.view.selectionModel().blockSignals(blocked)
