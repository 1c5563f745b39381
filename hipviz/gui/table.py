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

from PyQt5.QtCore import QSortFilterProxyModel, Qt, pyqtSignal
from PyQt5.QtGui import QBrush, QColor, QKeySequence, QStandardItem, QStandardItemModel
from PyQt5.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QShortcut,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hipviz.core.muscles import MUSCLES
from hipviz.core.pose import SIDES
from hipviz.formatting import number
from hipviz.io.safe_save import save_text
from hipviz.names import muscle_label
from hipviz.render.colours import (
    DEFAULT_LIMIT_PCT,
    colour_index,
    diverging_colormap,
    rgb_uint8,
    text_colour_on,
)

log = logging.getLogger(__name__)

#: (header, CSV name, side or None, quantity); short headers (R/L) so fourteen columns
#: fit a bottom dock; :data:`HEADER_TIPS` spells each one out
COLUMNS = (
    ("Muscle", "muscle", None, "name"),
    ("R length\n(mm)", "right_length_mm", "right", "length"),
    ("R change\n(mm)", "right_change_mm", "right", "change_mm"),
    ("R change\n(%)", "right_change_pct", "right", "change_pct"),
    ("L length\n(mm)", "left_length_mm", "left", "length"),
    ("L change\n(mm)", "left_change_mm", "left", "change_mm"),
    ("L change\n(%)", "left_change_pct", "left", "change_pct"),
    ("L \N{MINUS SIGN} R\n(mm)", "left_minus_right_mm", None, "difference_mm"),
    *(
        (
            f"{side[0].upper()} MA {short}\n(mm)",
            f"{side}_moment_arm_{action}_mm",
            side,
            f"moment_{action}",
        )
        for side in SIDES
        for action, short in (("flexion", "flex"), ("abduction", "abd"), ("rotation", "rot"))
    ),
)
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
        return (
            f"{side.capitalize()} moment arm, mm (-dL/d angle) about hip "
            f"{MOMENT_TIPS[quantity[7:]]}. Click to sort."
        )
    return f"{side.capitalize()} {_QUANTITY_TIPS[quantity]}. Click to sort."


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


def _text(value: float, quantity: str) -> str:
    if quantity == "length":
        return number(value)
    if quantity == "change_pct":
        return f"{number(value, sign=True)} %"
    return number(value, sign=True)


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
        self.solution = None
        #: colour-map index -> (background, text) brushes; the map has few colours, and
        #: working a colour out costs more than the rest of a cell's update
        self._brushes: dict[int, tuple[QBrush, QBrush]] = {}
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
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        header.setToolTip("Click a heading to sort")
        self.view.setToolTip(
            "Length of each muscle path (mm), change from neutral (mm and %), "
            "and the left-right difference. Select a cell to inspect that "
            "muscle; Ctrl+C copies."
        )
        # every row visible without scrolling: a two-line header and seven rows
        self.view.setMinimumHeight(
            2 * self.view.fontMetrics().height()
            + 12
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
        buttons = QVBoxLayout()  # beside the table: the view keeps the height
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)

    # --- model -> table ----------------------------------------------------------------------
    def update_solution(self, solution) -> None:
        """Write a solution's numbers into the table (in place)."""
        self.solution = solution
        for r, row in enumerate(table_values(solution)):
            for c, (_, name, _, quantity) in enumerate(COLUMNS[1:], start=1):
                item = self.model.item(r, c)
                value = row[name]
                item.setData(_text(value, quantity), Qt.DisplayRole)
                item.setData(value, SORT_ROLE)
                if quantity == "change_pct":
                    background, text = self._cell_brushes(value)
                    item.setBackground(background)
                    item.setForeground(text)

    def _cell_brushes(self, pct: float) -> tuple[QBrush, QBrush]:
        """Background (the view's colour for ``pct``) and readable text brushes of a % cell."""
        index = int(colour_index(pct, self.colour_limit_pct))
        if index not in self._brushes:
            rgb = diverging_colormap()[index]
            self._brushes[index] = (
                QBrush(QColor(*rgb_uint8(rgb))),
                QBrush(QColor(text_colour_on(rgb))),
            )
        return self._brushes[index]

    def set_colour_limit(self, limit_pct: float) -> None:
        """Colour the % cells on the same scale as the view."""
        self.colour_limit_pct = float(limit_pct)
        if self.solution is not None:
            self.update_solution(self.solution)

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
