"""Where the teaching scenes live when nobody says: the shipped ``scenes`` folder."""

from __future__ import annotations

import os
import re
from pathlib import Path

from hipviz.io.packaged import data_folder


def default_scene_folder() -> Path:
    """The folder of teaching cases: ``$HIPVIZ_SCENE_DIR``, else the shipped ones (inside
    the installed package, or the source checkout's ``scenes/``)."""
    env = os.environ.get("HIPVIZ_SCENE_DIR")
    return Path(env) if env else data_folder("scenes")


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
