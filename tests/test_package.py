"""Smoke tests: the package imports, its version matches pyproject, and rendering works."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import pyvista

import hipviz

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


def test_offscreen_render(offscreen_plotter):
    """The fixture plotter renders a non-blank image of the configured size."""
    offscreen_plotter.add_mesh(pyvista.Sphere(), color="tomato")
    image = offscreen_plotter.screenshot(return_img=True)
    assert image.shape[:2] == (600, 800)
    assert np.unique(image.reshape(-1, image.shape[-1]), axis=0).shape[0] > 2
