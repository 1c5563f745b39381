"""Where the teaching scenes live when nobody says: the checkout's ``scenes/`` folder."""

from __future__ import annotations

import re
from pathlib import Path

import hipviz


def default_scene_folder() -> Path:
    """The source checkout's folder of teaching cases, else ``./scenes``."""
    checkout = Path(hipviz.__file__).resolve().parents[1] / "scenes"
    return checkout if checkout.is_dir() else Path.cwd() / "scenes"


def _natural_key(path: Path) -> list:
    """``2-x`` before ``10-x``: authors number their cases."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


def scene_files(folder: Path | str | None = None) -> list[Path]:
    """The ``*.toml`` scene files of a folder (default :func:`default_scene_folder`) in
    natural name order (none if it does not exist)."""
    folder = default_scene_folder() if folder is None else Path(folder)
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.glob("*.toml") if p.is_file()), key=_natural_key)
