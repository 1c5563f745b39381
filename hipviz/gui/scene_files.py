"""Scene files in the window: open, save, save as, recent files, and the scene's title and caption.

A :class:`SceneFiles` owns the File-menu actions (Ctrl+O, Ctrl+S, Ctrl+Shift+S, "Open
recent") and remembers recent files with :class:`~PyQt5.QtCore.QSettings`. Reading and
writing go through :mod:`hipviz.io.scene`: a file that cannot be used is reported in a
message box naming the file, the key or line, and what is allowed, and the open scene is
left exactly as it was; saving is atomic.

Scene files open into a :class:`~hipviz.gui.document.SceneDocument` and save from it. The
scene's title and caption live in its display state; the :class:`SceneInfoPanel` dock
shows them, and :class:`SceneDetailsDialog` edits them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt5.QtCore import QObject, QSettings, Qt, pyqtSignal
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import (
    QAction,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hipviz.core.caption import MODIFIED_MARK
from hipviz.io.scene import CAPTION_MAX, TITLE_MAX, SceneError, read_scene, write_scene

if TYPE_CHECKING:
    from hipviz.gui.document import SceneDocument

log = logging.getLogger(__name__)

RECENT_KEY = "scenes/recent"
LAST_DIR_KEY = "scenes/last_dir"
MAX_RECENT = 8
FILE_FILTER = "hipviz scenes (*.toml);;All files (*)"


def settings() -> QSettings:
    """hipviz's settings (``~/.config/hipviz/hipviz.conf`` on Linux)."""
    return QSettings("hipviz", "hipviz")


class RecentFiles:
    """The most recently opened or saved scene files, newest first, kept in QSettings.

    Parameters
    ----------
    store : QSettings, optional
        Where the list lives; hipviz's own settings when not given.
    limit : int, default: 8
    """

    def __init__(self, store: QSettings | None = None, limit: int = MAX_RECENT):
        self.store = store if store is not None else settings()
        self.limit = limit

    def paths(self) -> list[Path]:
        value = self.store.value(RECENT_KEY, [])
        if isinstance(value, str):  # QSettings gives a lone string for a one-item list
            value = [value]
        return [Path(v) for v in (value or []) if isinstance(v, str) and v]

    def add(self, path: Path | str) -> None:
        path = Path(path).resolve()
        paths = [path, *(p for p in self.paths() if p != path)][: self.limit]
        self.store.setValue(RECENT_KEY, [str(p) for p in paths])
        self.store.setValue(LAST_DIR_KEY, str(path.parent))

    def remove(self, path: Path | str) -> None:
        path = Path(path).resolve()
        self.store.setValue(RECENT_KEY, [str(p) for p in self.paths() if p != path])

    def clear(self) -> None:
        self.store.setValue(RECENT_KEY, [])

    def last_dir(self) -> str:
        value = self.store.value(LAST_DIR_KEY, "")
        return value if isinstance(value, str) and Path(value).is_dir() else ""


class SceneFiles(QObject):
    """Open, save and recent scene files of a :class:`~hipviz.gui.document.SceneDocument`.

    Parameters
    ----------
    document : SceneDocument
        What is opened into and saved from; status messages go out through its
        ``message`` signal.
    parent : QWidget
        Owns the actions (their shortcuts work while the menu bar is hidden) and the
        dialogs and message boxes.
    store : QSettings, optional
        Where the recent files are kept (hipviz's settings when not given).

    Signals
    -------
    opened(str)
        A scene file was opened and shown.
    saved(str)
        The scene was saved to this file.
    """

    opened = pyqtSignal(str)
    saved = pyqtSignal(str)

    def __init__(self, document: SceneDocument, parent: QWidget, store: QSettings | None = None):
        super().__init__(parent)
        self.document = document
        self.parent_widget = parent
        self.recent = RecentFiles(store)
        self.open_action = self._action(
            "&Open scene\N{HORIZONTAL ELLIPSIS}",
            self.open_dialog,
            QKeySequence.Open,
            "Open a teaching case (scene file)",
        )
        self.save_action = self._action(
            "&Save scene",
            self.save,
            QKeySequence.Save,
            "Save pose, camera, display, title and caption to the scene file",
        )
        self.save_as_action = self._action(
            "Save scene &as\N{HORIZONTAL ELLIPSIS}",
            self.save_as_dialog,
            "Ctrl+Shift+S",
            "Save the scene to a new file",
        )
        self.details_action = self._action(
            "Scene &title and caption\N{HORIZONTAL ELLIPSIS}",
            self.details_dialog,
            None,
            "Name the case and say what to look for (saved with the scene, drawn on figures)",
        )
        self.recent_menu = QMenu("Open &recent", parent)
        self.recent_menu.setToolTipsVisible(True)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._fill_recent_menu()

    def _action(self, text: str, slot, shortcut, tip: str) -> QAction:
        action = QAction(text, self.parent_widget)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.WindowShortcut)
        action.setStatusTip(tip)
        action.setToolTip(f"{tip} ({action.shortcut().toString()})" if shortcut else tip)
        action.triggered.connect(lambda _=False: slot())
        self.parent_widget.addAction(action)  # shortcuts work while the menu bar is hidden
        return action

    # --- recent ------------------------------------------------------------------------------
    def _fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        paths = self.recent.paths()
        for i, path in enumerate(paths, start=1):
            label = f"&{i} {path.name}" if i < 10 else path.name
            action = menu.addAction(label, lambda p=path: self.open(p))
            action.setToolTip(str(path))
            action.setStatusTip(str(path))
            action.setEnabled(path.is_file())
        if paths:
            menu.addSeparator()
            menu.addAction("&Clear list", self._clear_recent)
        else:
            menu.addAction("(no recent scenes)").setEnabled(False)

    def _clear_recent(self) -> None:
        self.recent.clear()
        self._fill_recent_menu()

    def _start_dir(self) -> str:
        current = self.document.path
        if current is not None:
            return str(current.parent)
        return self.recent.last_dir() or str(Path.cwd())

    # --- open --------------------------------------------------------------------------------
    def open(self, path: Path | str) -> bool:
        """Read and show a scene file. A bad file is reported and changes nothing.

        Returns
        -------
        bool
            Whether the scene was opened.
        """
        path = Path(path)
        try:
            scene = read_scene(path)
            self.document.apply(scene)
        except SceneError as exc:
            log.warning("%s", exc)
            QMessageBox.warning(self.parent_widget, "Cannot open scene", str(exc))
            if not path.is_file():
                self.recent.remove(path)
            return False
        except Exception as exc:  # noqa: BLE001 - an error escaping a Qt slot aborts the app
            # a bug, not the file's fault: say so, keep the case on screen (apply_scene
            # restores it), and keep the traceback in the log for a bug report
            log.error("%s: could not be opened", path, exc_info=True)
            QMessageBox.warning(
                self.window,
                "Cannot open scene",
                f"{path}: could not be opened ({type(exc).__name__}: {str(exc)[:200]}); "
                "the case on screen is unchanged",
            )
            return False
        self.mark_open(path)
        self.document.message.emit(
            f"Opened {path.name}" + (f": {scene.caption}" if scene.caption else "")
        )
        return True

    def mark_open(self, path: Path | str) -> None:
        """Record that the document now shows the scene file ``path`` (Ctrl+S saves there)."""
        path = Path(path)
        self.document.path = path
        self.recent.add(path)
        self.opened.emit(str(path))

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.parent_widget, "Open scene", self._start_dir(), FILE_FILTER
        )
        if path:
            self.open(path)

    # --- save --------------------------------------------------------------------------------
    def save(self, path: Path | str | None = None) -> bool:
        """Save the document's scene to ``path``, or to its file; asks for a file if it has none.

        Returns
        -------
        bool
            Whether it was saved (a failure is reported and leaves any old file as it was).
        """
        if path is None:
            path = self.document.path
            if path is None:
                return self.save_as_dialog()
        path = Path(path)
        if path.suffix.lower() != ".toml":
            path = path.with_name(path.name + ".toml")
        try:
            write_scene(self.document.current(), path)
        except SceneError as exc:
            log.warning("%s", exc)
            QMessageBox.warning(self.parent_widget, "Cannot save scene", str(exc))
            return False
        self.document.path = path
        self.document.saved()
        self.recent.add(path)
        self.document.message.emit(f"Saved the scene to {path}")
        self.saved.emit(str(path))
        return True

    def save_as_dialog(self) -> bool:
        current = self.document.path
        suggested = (
            str(current)
            if current is not None
            else str(Path(self._start_dir()) / _file_name(self.document.state.title))
        )
        path, _ = QFileDialog.getSaveFileName(
            self.parent_widget, "Save scene as", suggested, FILE_FILTER
        )
        return self.save(path) if path else False

    # --- title and caption ---------------------------------------------------------------------
    def details_dialog(self) -> bool:
        state = self.document.state
        dialog = SceneDetailsDialog(state.title, state.caption, self.parent_widget)
        if dialog.exec_() != QDialog.Accepted:
            return False
        title, caption = dialog.values()
        state.update(title=title, caption=caption)
        return True

    def set_saving_enabled(self, on: bool) -> None:
        """Offer saving or not (workshop mode: a stray Ctrl+S would write the workshop's
        background into the teaching case)."""
        self.save_action.setEnabled(on)
        self.save_as_action.setEnabled(on)


def _file_name(title: str) -> str:
    """A file name from a title: lower case, words joined by underscores."""
    words = "".join(c if c.isalnum() else " " for c in title.lower()).split()
    return ("_".join(words)[:60] or "scene") + ".toml"


class SceneDetailsDialog(QDialog):
    """Edit a scene's title (one line) and caption (what to look for)."""

    def __init__(self, title: str = "", caption: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Scene title and caption")
        form = QFormLayout(self)
        self.title_edit = QLineEdit(title)
        self.title_edit.setMaxLength(TITLE_MAX)
        self.title_edit.setPlaceholderText("e.g. Right GT 10 mm superior")
        self.title_edit.setToolTip("One line: the name of the case, drawn at the top of figures")
        self.caption_edit = QPlainTextEdit(caption)
        self.caption_edit.setPlaceholderText("What to look for, in words a student understands")
        self.caption_edit.setToolTip(f"Up to {CAPTION_MAX} characters; shown under the title")
        self.caption_edit.setMinimumSize(480, 140)
        form.addRow("&Title:", self.title_edit)
        form.addRow("&Caption:", self.caption_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[str, str]:
        """(title, caption) as typed; the title without line breaks, the caption cut to size."""
        title = " ".join(self.title_edit.text().split())
        return title[:TITLE_MAX], self.caption_edit.toPlainText().strip()[:CAPTION_MAX]


class SceneInfoPanel(QWidget):
    """The open scene's title and caption, and a button to edit them."""

    edit_requested = pyqtSignal()
    #: "Back to the scene's pose" was clicked (shown only while the pose was changed)
    back_requested = pyqtSignal()

    PLACEHOLDER = (
        "No scene open. Open a teaching case with Ctrl+O, or give this one a "
        "title and caption to save with it."
    )

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.title_label = QLabel()
        font = self.title_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title_label.setFont(font)
        self.title_label.setWordWrap(True)
        self.caption_label = QLabel()
        self.caption_label.setWordWrap(True)
        self.caption_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.caption_label.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        # room for a typical caption (five or six lines); a longer one scrolls
        self.caption_area = QScrollArea()
        self.caption_area.setWidget(self.caption_label)
        self.caption_area.setWidgetResizable(True)
        self.caption_area.setFrameShape(QScrollArea.NoFrame)
        self.caption_area.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.caption_area.setMinimumHeight(4 * self.fontMetrics().lineSpacing())
        self.edit_button = QToolButton()
        self.edit_button.setText("Edit\N{HORIZONTAL ELLIPSIS}")
        self.edit_button.setToolTip(
            "Edit the title and caption: name the case and say what to look for"
        )
        self.edit_button.clicked.connect(self.edit_requested)
        top = QHBoxLayout()
        top.addWidget(self.title_label, 1)
        top.addWidget(self.edit_button, 0, Qt.AlignTop)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(top)
        layout.addWidget(self.caption_area, 1)
        # the caption says the scene's text returns with its pose: one click takes it there
        self.back_button = QPushButton("Back to the scene's pose")
        self.back_button.setToolTip(
            "Set the pose the scene was written for again; its title and caption return"
        )
        self.back_button.clicked.connect(self.back_requested)
        layout.addWidget(self.back_button, 0, Qt.AlignLeft)
        self.set_text("", "")

    def set_text(self, title: str, caption: str, modified: bool = False) -> None:
        """Show a title and caption; ``modified``: the pose is no longer the scene's (the
        title is then a pose summary, marked so)."""
        title = title or "Untitled scene"
        self.title_label.setText(f"{title} {MODIFIED_MARK}" if modified else title)
        self.back_button.setVisible(modified)
        self.caption_label.setText(caption or self.PLACEHOLDER)
        self.caption_label.setEnabled(bool(caption))  # the placeholder is greyed
