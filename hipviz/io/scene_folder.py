"""Where the teaching scenes live when nobody says: the checkout's ``scenes/`` folder."""

from __future__ import annotations

from pathlib import Path

import hipviz


def default_scene_folder() -> Path:
    """The source checkout's folder of teaching cases, else ``./scenes``."""
    checkout = Path(hipviz.__file__).resolve().parents[1] / "scenes"
    return checkout if checkout.is_dir() else Path.cwd() / "scenes"


def scene_files(folder: Path | None = None) -> list[Path]:
    """The ``*.toml`` scene files of a folder, by name (authors number their cases)."""
    folder = default_scene_folder() if folder is None else Path(folder)
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []
