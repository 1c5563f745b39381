"""Shared pytest fixtures for hipviz.

Plotting is *not* forced off-screen globally: the GUI tests render on the Xvfb
display that pytest-xvfb provides. Tests that only need an image use the
``offscreen_plotter`` fixture.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile

import pytest
import pyvista

# Qt settings (recent scene files, export choices) go to a throw-away folder, never the
# user's ~/.config; set before any QSettings is made (Qt reads it once)
_CONFIG_HOME = tempfile.mkdtemp(prefix="hipviz-test-config-")
os.environ["XDG_CONFIG_HOME"] = _CONFIG_HOME
atexit.register(shutil.rmtree, _CONFIG_HOME, ignore_errors=True)
# and the bones kept between starts (hipviz/io/bone_cache.py) to another
_CACHE_DIR = tempfile.mkdtemp(prefix="hipviz-test-cache-")
os.environ["HIPVIZ_CACHE_DIR"] = _CACHE_DIR
atexit.register(shutil.rmtree, _CACHE_DIR, ignore_errors=True)

# A fixed theme so screenshots do not depend on the user's pyvista defaults.
pyvista.set_plot_theme("document")
pyvista.global_theme.window_size = [800, 600]


def _plotter_registry() -> dict | None:
    """pyvista's registry of open plotters (``_ALL_PLOTTERS`` in pyvista 0.49).

    ``BasePlotter.__init__`` adds every plotter (including pyvistaqt's
    ``QtInteractor``/``BackgroundPlotter``) and ``BasePlotter.close`` removes it.
    """
    registry = getattr(pyvista.plotting.plotter, "_ALL_PLOTTERS", None)
    return registry if isinstance(registry, dict) else None


@pytest.fixture(autouse=True)
def _no_leaked_plotters():
    """Fail a test that leaves a pyvista plotter open (closing it so others are unaffected)."""
    registry = _plotter_registry()
    if registry is None:
        yield
        return
    before = set(registry)
    yield
    leaked = {
        name: plotter
        for name, plotter in list(registry.items())
        if name not in before and not getattr(plotter, "_closed", False)
    }
    for plotter in leaked.values():
        with contextlib.suppress(Exception):  # best-effort cleanup before failing
            plotter.close()
    if leaked:
        kinds = ", ".join(sorted(type(p).__name__ for p in leaked.values()))
        pytest.fail(
            f"test left {len(leaked)} pyvista plotter(s) open: {kinds}; close them "
            "(or use the offscreen_plotter fixture / qtbot.addWidget)",
            pytrace=False,
        )


@pytest.fixture
def offscreen_plotter():
    """An off-screen 800x600 ``pyvista.Plotter``, closed after the test."""
    plotter = pyvista.Plotter(off_screen=True, window_size=(800, 600))
    try:
        yield plotter
    finally:
        plotter.close()


@pytest.fixture(scope="session")
def anatomy():
    """The shipped bones and landmarks, loaded once."""
    from hipviz.io.meshes import load_bones, load_landmarks

    return load_bones(), load_landmarks()


@pytest.fixture
def window(qtbot, anatomy):
    """The real main window on the shipped model, shown and active, closed afterwards."""
    from PyQt5.QtWidgets import QApplication

    from hipviz.gui.window import MainWindow
    from hipviz.io.model_files import load_model

    bones, landmarks = anatomy
    win = MainWindow(load_model(), bones, landmarks)
    win.files.recent.clear()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    QApplication.setActiveWindow(win)  # shortcuts need the active window (Xvfb has no manager)
    qtbot.waitUntil(win.isActiveWindow, timeout=3000)
    yield win
    win.close()


@pytest.fixture(scope="module")
def chrome():
    """Headless Chromium driven by Selenium (``tests/browser.py``), one per test module.

    Skipped only when Debian's chromium or chromium-driver is missing (CI installs them
    with ``scripts/install-system-deps.sh``).
    """
    from browser import chromium, missing

    reason = missing()
    if reason is not None:
        pytest.skip(reason)
    with chromium() as driver:
        yield driver
