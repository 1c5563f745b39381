"""Smoke tests: the package imports, its version matches pyproject, it finds its shipped
data, and hipviz renders the hip off-screen.

(That the built wheel works outside the checkout is proved by ``scripts/wheel-smoke.sh``,
which ``make test`` runs after this suite.)"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import hipviz
from hipviz.cli import main
from hipviz.io.meshes import MESH_FILES, default_mesh_dir
from hipviz.io.packaged import checkout_root, data_folder
from hipviz.io.scene import Scene
from hipviz.io.scene_folder import default_scene_folder, scene_files
from hipviz.render.export import FigureOptions, render_figure

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_version_matches_pyproject():
    with PYPROJECT.open("rb") as fh:
        project = tomllib.load(fh)["project"]
    assert project["name"] == "hipviz"
    assert hipviz.__version__ == project["version"]


def test_version_is_printed(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"hipviz {hipviz.__version__}"


def test_shipped_data_is_found_from_the_checkout(monkeypatch):
    """Run from the source tree, the data folders are the checkout's own top-level ones
    (what the wheel maps to hipviz/meshes and hipviz/scenes)."""
    monkeypatch.delenv("HIPVIZ_MESH_DIR", raising=False)
    monkeypatch.delenv("HIPVIZ_SCENE_DIR", raising=False)
    assert checkout_root() == PYPROJECT.parent
    assert default_mesh_dir() == data_folder("meshes") == PYPROJECT.parent / "meshes"
    assert {p.name for p in default_mesh_dir().iterdir()} >= {
        *MESH_FILES.values(),
        "landmarks.json",
    }
    assert default_scene_folder() == PYPROJECT.parent / "scenes"
    assert scene_files()[0].name == "01_neutral.toml"


def test_environment_overrides_the_data_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("HIPVIZ_MESH_DIR", str(tmp_path / "m"))
    monkeypatch.setenv("HIPVIZ_SCENE_DIR", str(tmp_path))
    (tmp_path / "2-b.toml").write_text("")
    (tmp_path / "10-a.toml").write_text("")
    assert default_mesh_dir() == tmp_path / "m"
    assert [p.name for p in scene_files()] == ["2-b.toml", "10-a.toml"]


def test_wheel_maps_every_data_folder():
    """pyproject's package-dir mapping names each shipped folder, and each exists."""
    with PYPROJECT.open("rb") as fh:
        setuptools = tomllib.load(fh)["tool"]["setuptools"]
    mapping = setuptools["package-dir"]
    assert mapping == {"hipviz.meshes": "meshes", "hipviz.scenes": "scenes"}
    for package, folder in mapping.items():
        assert package in setuptools["packages"]
        assert (PYPROJECT.parent / folder).is_dir()
    # every subpackage of hipviz/ is listed, so none is left out of the wheel
    subpackages = {
        f"hipviz.{p.parent.name}" for p in (PYPROJECT.parent / "hipviz").glob("*/__init__.py")
    }
    assert subpackages <= set(setuptools["packages"])


def test_offscreen_render_draws_the_hip(anatomy):
    """hipviz's own figure renderer draws the bones off-screen: ivory bone fills the middle
    of the anterior view, with the dark background around it."""
    bones, _ = anatomy
    options = FigureOptions(size=(400, 250), legend=False, title=False, caption=False)
    image = render_figure(Scene(), options=options, bones=bones)
    assert image.shape == (250, 400, 3)
    r, g, b = (image[..., i].astype(int) for i in range(3))
    bone = (r > 120) & (r >= g) & (g >= b) & (r - b > 10)  # the warm ivory of BONE_COLOURS
    assert 0.15 < bone.mean() < 0.8
    assert bone[:, 150:250].mean() > 3 * bone[:, :30].mean()  # centred, not the whole frame
    assert not bone[:10, :10].any()  # the top corner is background


@pytest.mark.gui
def test_screenshot_option_saves_the_window_with_its_3d_view(tmp_path, qtbot, capsys):
    """``hipviz gui --screenshot``: the window opens, is drawn once, saved and closed; the
    picture holds the 3D view's bones too (Qt's own grab would leave that area empty)."""
    from PIL import Image

    from hipviz.gui import app

    path = tmp_path / "window.png"
    assert main(["gui", "--screenshot", str(path)]) == 0
    assert f"wrote {path}" in capsys.readouterr().out
    image = np.asarray(Image.open(path).convert("RGB")).astype(int)
    assert image.shape[0] >= 600 and image.shape[1] >= 800
    r, g, b = image[..., 0], image[..., 1], image[..., 2]
    # lit ivory bone: about 5 % of the window; an unpainted (noise) view area gives 0.5 %
    ivory = (r > 150) & (abs(r - g) < 30) & (r - b > 15) & (r - b < 70)
    assert ivory.mean() > 0.03
    assert not any(w.isVisible() for w in app.application().topLevelWidgets())  # closed
