"""Narrow doors: scene files and the export dialog work on a SceneDocument, no main window."""

from __future__ import annotations

from pathlib import Path

import pytest
import pyvista as pv
from PyQt5.QtCore import QSettings
from PyQt5.QtWidgets import QWidget

from hipviz.gui.document import SceneDocument
from hipviz.gui.export_dialog import ExportDialog
from hipviz.gui.scene_files import SceneFiles
from hipviz.io.model_files import load_model
from hipviz.io.scene import read_scene
from hipviz.render.export import FigureOptions
from hipviz.render.scene import HipScene
from hipviz.state import DisplayState

pytestmark = pytest.mark.gui
SCENES = Path(__file__).resolve().parents[1] / "scenes"


@pytest.fixture
def document(qtbot, anatomy):
    bones, landmarks = anatomy
    model, state = load_model(), DisplayState()
    plotter = pv.Plotter(off_screen=True, window_size=[640, 400])
    scene = HipScene(plotter, bones, model=model, landmarks=landmarks, state=state)
    parent = QWidget()
    qtbot.addWidget(parent)
    try:
        yield SceneDocument(model, state, scene, parent)
    finally:
        plotter.close()


def test_scene_files_open_and_save_through_a_document(document, qtbot, tmp_path):
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    files = SceneFiles(document, document.parent(), store)
    messages = []
    document.message.connect(messages.append)
    source = SCENES / "03_gt_superior.toml"
    assert files.open(source)
    expected = read_scene(source)
    assert document.path == source.resolve()
    assert document.model.pose == expected.pose
    assert document.state.title == expected.title and document.state.view == expected.camera.view
    shown = set(expected.display.muscles)
    assert {k for k in document.model.muscles.keys if document.scene.muscles.is_visible(k)} == shown
    assert messages[-1].startswith(f"Opened {source.name}")
    # the mouse turns nothing here: saved as opened, to the file asked for
    document.state.update(title="Renamed")
    target = tmp_path / "copy"
    assert files.save(target)
    assert document.path == target.with_suffix(".toml").resolve()
    again = read_scene(target.with_suffix(".toml"))
    assert again.title == "Renamed"
    assert again.pose == expected.pose and again.display == expected.display
    assert again.camera == expected.camera
    assert store.value("scenes/recent")[0] == str(target.with_suffix(".toml").resolve())


def test_the_export_dialog_draws_the_document(document, qtbot, tmp_path):
    document.apply(read_scene(SCENES / "02_two_sided_case.toml"))
    document.state.update(legend=False)
    written = []

    def export(path, options: FigureOptions, fmt: str) -> Path:
        written.append((Path(path), options, fmt))
        return Path(path)

    store = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    dialog = ExportDialog(document, export, document.parent(), store)
    qtbot.addWidget(dialog)
    assert not dialog.legend_check.isChecked()  # as the document shows it
    assert document.state.title in dialog.title_check.toolTip()
    assert not dialog.text_button.isVisibleTo(dialog)  # no editor given: no button
    dialog.path_edit.setText(str(tmp_path / "figure"))
    assert dialog.export() == tmp_path / "figure.png"
    assert written[0][1].legend is False and written[0][2] == "png"
