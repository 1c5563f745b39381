"""The figure export dialog (Ctrl+E): size, scale, background, legend, title, caption, format.

The figure is rendered off-screen at the requested size with the document's camera and
display (the window's :meth:`~hipviz.gui.window.MainWindow.export_figure`), so it does not
depend on the window's size.
The choices are remembered between sessions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt5.QtCore import QSettings, Qt
from PyQt5.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QWidget,
)

from hipviz.io.figure_files import FORMATS, FigureFileError
from hipviz.render.export import (
    DEFAULT_SIZE,
    MAX_PX,
    MIN_PX,
    SCALE_RANGE,
    SIZE_PRESETS,
    FigureError,
    FigureOptions,
)

if TYPE_CHECKING:
    from hipviz.gui.document import SceneDocument

log = logging.getLogger(__name__)

CUSTOM = "Custom"
FORMAT_LABELS = {
    "png": "PNG image",
    "svg": "SVG (picture + vector text)",
    "pdf": "PDF (picture + vector text)",
}
FORMAT_FILTERS = {
    "png": "PNG images (*.png)",
    "svg": "SVG files (*.svg)",
    "pdf": "PDF files (*.pdf)",
}


class ExportDialog(QDialog):
    """Choose how to export the document's view as a figure, then write it.

    Parameters
    ----------
    document : SceneDocument
        What is drawn: its title, caption and legend set the defaults, its file the name.
    export : callable
        ``export(path, options, fmt=...)`` writes the figure and returns the path written.
    parent : QWidget, optional
    store : QSettings, optional
        Where the last choices are remembered (hipviz's settings when not given).
    edit_text : callable, optional
        Opens the title-and-caption editor (the "Edit" button); no button when not given.
    """

    def __init__(
        self,
        document: SceneDocument,
        export: Callable[..., Path],
        parent: QWidget | None = None,
        store: QSettings | None = None,
        edit_text: Callable[[], object] | None = None,
    ):
        super().__init__(parent)
        from hipviz.gui.scene_files import settings

        self.document, self._export, self._edit_text_dialog = document, export, edit_text
        self.store = store if store is not None else settings()
        self.setWindowTitle("Export figure")
        form = QFormLayout(self)

        self.preset_combo = QComboBox()
        self.preset_combo.addItems([*SIZE_PRESETS, CUSTOM])
        self.preset_combo.setToolTip("Image size; 4K UHD is 3840 \N{MULTIPLICATION SIGN} 2160")
        form.addRow("&Size:", self.preset_combo)
        self.width_spin = self._pixels_spin("Width, pixels")
        self.height_spin = self._pixels_spin("Height, pixels")
        row = QHBoxLayout()
        row.addWidget(self.width_spin)
        row.addWidget(QLabel("\N{MULTIPLICATION SIGN}"))
        row.addWidget(self.height_spin)
        row.addStretch(1)
        form.addRow("", row)

        self.scale_spin = QDoubleSpinBox()
        self.scale_spin.setRange(*SCALE_RANGE)
        self.scale_spin.setDecimals(2)
        self.scale_spin.setSingleStep(0.5)
        self.scale_spin.setSuffix(" \N{MULTIPLICATION SIGN}")
        self.scale_spin.setToolTip(
            "Pixel density: 2 \N{MULTIPLICATION SIGN} gives twice the "
            "pixels each way with the same layout (sharper print)"
        )
        form.addRow("S&cale:", self.scale_spin)
        self.pixels_label = QLabel()
        form.addRow("Image:", self.pixels_label)

        self.transparent_check = QCheckBox("&Transparent background")
        self.transparent_check.setToolTip("For slides and pages of any colour; text turns dark")
        self.legend_check = QCheckBox("&Legend")
        self.legend_check.setToolTip("The colour legend: shortened, lengthened, % of neutral")
        self.title_check = QCheckBox("T&itle")
        self.caption_check = QCheckBox("Ca&ption")
        row = QHBoxLayout()
        for check in (
            self.transparent_check,
            self.legend_check,
            self.title_check,
            self.caption_check,
        ):
            row.addWidget(check)
        row.addStretch(1)
        form.addRow("Show:", row)
        self.text_button = QPushButton("Edit title and caption\N{HORIZONTAL ELLIPSIS}")
        self.text_button.clicked.connect(self._edit_text)
        self.text_button.setVisible(edit_text is not None)
        form.addRow("", self.text_button)

        self.format_combo = QComboBox()
        for fmt in FORMATS:
            self.format_combo.addItem(FORMAT_LABELS[fmt], fmt)
        self.format_combo.setToolTip(
            "SVG and PDF keep title, caption and legend text as "
            "text; the 3D picture is embedded as an image"
        )
        form.addRow("&Format:", self.format_combo)
        self.path_edit = QLineEdit()
        self.path_edit.setToolTip("The file to write")
        browse = QPushButton("&Browse\N{HORIZONTAL ELLIPSIS}")
        browse.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        form.addRow("File:", row)

        self.buttons = QDialogButtonBox(QDialogButtonBox.Cancel)
        self.export_button = self.buttons.addButton("&Export", QDialogButtonBox.AcceptRole)
        self.export_button.setDefault(True)
        self.buttons.accepted.connect(self._export_and_close)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)

        self._restore()
        self.preset_combo.currentTextChanged.connect(self._preset_changed)
        for widget in (self.width_spin, self.height_spin):
            widget.valueChanged.connect(self._size_edited)
        self.scale_spin.valueChanged.connect(self._update_pixels)
        self.format_combo.currentIndexChanged.connect(self._format_changed)
        self._preset_changed(self.preset_combo.currentText())
        self._refresh_text_checks()

    def _pixels_spin(self, tip: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(MIN_PX, MAX_PX)
        spin.setSuffix(" px")
        spin.setToolTip(tip)
        spin.setKeyboardTracking(False)
        return spin

    # --- state -------------------------------------------------------------------------------
    def _restore(self) -> None:
        s = self.store
        preset = s.value(
            "export/preset", next(k for k, v in SIZE_PRESETS.items() if v == DEFAULT_SIZE)
        )
        index = self.preset_combo.findText(str(preset))
        self.preset_combo.setCurrentIndex(max(index, 0))
        w, h = (
            _int(s.value("export/width"), DEFAULT_SIZE[0]),
            _int(s.value("export/height"), DEFAULT_SIZE[1]),
        )
        self.width_spin.setValue(w)
        self.height_spin.setValue(h)
        self.scale_spin.setValue(_float(s.value("export/scale"), 1.0))
        self.transparent_check.setChecked(_bool(s.value("export/transparent"), False))
        legend = self.document.state.legend
        self.legend_check.setChecked(legend)
        self.title_check.setChecked(_bool(s.value("export/title"), True))
        self.caption_check.setChecked(_bool(s.value("export/caption"), True))
        fmt = s.value("export/format", "png")
        self.format_combo.setCurrentIndex(max(self.format_combo.findData(fmt), 0))
        folder = s.value("export/folder", "")
        folder = (
            Path(folder)
            if isinstance(folder, str) and folder and Path(folder).is_dir()
            else Path.cwd()
        )
        path = self.document.path
        stem = path.stem if path is not None else "hipviz"
        self.path_edit.setText(str(folder / f"{stem}.{self.format()}"))

    def _remember(self) -> None:
        s = self.store
        s.setValue("export/preset", self.preset_combo.currentText())
        s.setValue("export/width", self.width_spin.value())
        s.setValue("export/height", self.height_spin.value())
        s.setValue("export/scale", self.scale_spin.value())
        s.setValue("export/transparent", self.transparent_check.isChecked())
        s.setValue("export/title", self.title_check.isChecked())
        s.setValue("export/caption", self.caption_check.isChecked())
        s.setValue("export/format", self.format())
        s.setValue("export/folder", str(Path(self.path_edit.text()).parent))

    def _preset_changed(self, name: str) -> None:
        custom = name not in SIZE_PRESETS
        if not custom:
            for spin, value in zip(
                (self.width_spin, self.height_spin), SIZE_PRESETS[name], strict=True
            ):
                blocked = spin.blockSignals(True)
                spin.setValue(value)
                spin.blockSignals(blocked)
        self._update_pixels()

    def _size_edited(self) -> None:
        size = (self.width_spin.value(), self.height_spin.value())
        name = next((k for k, v in SIZE_PRESETS.items() if v == size), CUSTOM)
        blocked = self.preset_combo.blockSignals(True)
        self.preset_combo.setCurrentText(name)
        self.preset_combo.blockSignals(blocked)
        self._update_pixels()

    def _update_pixels(self) -> None:
        options = self.options()
        w, h = options.pixel_size
        try:
            options.check()
            self.pixels_label.setText(
                f"{w} \N{MULTIPLICATION SIGN} {h} px ({w * h / 1e6:.1f} megapixels)"
            )
            self.pixels_label.setStyleSheet("")
            self.export_button.setEnabled(True)
        except FigureError as exc:
            self.pixels_label.setText(str(exc))
            self.pixels_label.setStyleSheet("color: #b00020")
            self.export_button.setEnabled(False)

    def _format_changed(self) -> None:
        path = Path(self.path_edit.text() or "hipviz.png")
        self.path_edit.setText(str(path.with_suffix(f".{self.format()}")))

    def _refresh_text_checks(self) -> None:
        title, caption = self.document.state.title, self.document.state.caption
        self.title_check.setToolTip(
            f"Draw the title: {title}"
            if title
            else "This scene has no title (Edit title and caption)"
        )
        self.caption_check.setToolTip(
            "Draw the caption under the title"
            if caption
            else "This scene has no caption (Edit title and caption)"
        )

    def _edit_text(self) -> None:
        if self._edit_text_dialog is not None:
            self._edit_text_dialog()
        self._refresh_text_checks()

    # --- public ------------------------------------------------------------------------------
    def format(self) -> str:
        return self.format_combo.currentData()

    def options(self) -> FigureOptions:
        """The figure options as chosen (not yet checked)."""
        return FigureOptions(
            size=(self.width_spin.value(), self.height_spin.value()),
            scale=self.scale_spin.value(),
            transparent=self.transparent_check.isChecked(),
            legend=self.legend_check.isChecked(),
            title=self.title_check.isChecked(),
            caption=self.caption_check.isChecked(),
        )

    def browse(self) -> None:
        fmt = self.format()
        path, _ = QFileDialog.getSaveFileName(
            self, "Export figure", self.path_edit.text(), FORMAT_FILTERS[fmt]
        )
        if path:
            if Path(path).suffix.lower() != f".{fmt}":
                path = f"{path}.{fmt}"
            self.path_edit.setText(path)

    def export(self) -> Path | None:
        """Write the figure as chosen; reports a problem in a message box and returns None."""
        path = Path(self.path_edit.text().strip() or f"hipviz.{self.format()}")
        if path.suffix.lower() != f".{self.format()}":
            path = path.with_name(f"{path.name}.{self.format()}")
        QApplication.setOverrideCursor(Qt.WaitCursor)
        try:
            written = self._export(path, self.options(), fmt=self.format())
        except (FigureError, FigureFileError, OSError) as exc:
            log.warning("%s", exc)
            QApplication.restoreOverrideCursor()
            QMessageBox.warning(self, "Cannot export figure", str(exc))
            return None
        QApplication.restoreOverrideCursor()
        self._remember()
        return written

    def _export_and_close(self) -> None:
        if self.export() is not None:
            self.accept()


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _float(value, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _bool(value, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


__all__ = ["ExportDialog"]
