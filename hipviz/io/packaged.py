"""Where the shipped data lives: the bone meshes, landmarks and teaching scenes.

The repository keeps them in its top-level ``meshes/`` and ``scenes/`` folders; the wheel
carries the same files inside the package as ``hipviz/meshes`` and ``hipviz/scenes``
(``pyproject.toml`` maps one onto the other), read here with :mod:`importlib.resources`
so an installed hipviz works from any folder. An editable install or a run from the
source tree has no such folder inside the package and reads the checkout's own folders.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)

#: the shipped data folders, by the name they have both in the repository and the package
DATA_FOLDERS = ("meshes", "scenes")


def checkout_root() -> Path | None:
    """The source checkout this hipviz runs from, or None for an installed wheel.

    A checkout is the folder above the ``hipviz`` package that holds hipviz's
    ``pyproject.toml``; an installed package sits in ``site-packages`` with no such file.
    """
    root = Path(str(resources.files("hipviz"))).resolve().parent
    project = root / "pyproject.toml"
    try:
        if 'name = "hipviz"' in project.read_text(encoding="utf-8"):
            return root
    except OSError:
        pass
    return None


def data_folder(name: str) -> Path:
    """The folder of shipped ``meshes`` or ``scenes``: inside the installed package, else the
    source checkout's top-level folder of that name.

    Parameters
    ----------
    name : str
        One of :data:`DATA_FOLDERS`.

    Returns
    -------
    Path
        The folder (it may be missing in a broken install; the loaders say so, naming it).
    """
    if name not in DATA_FOLDERS:
        raise ValueError(f"data folder '{name}': expected one of {', '.join(DATA_FOLDERS)}")
    packaged = resources.files("hipviz").joinpath(name)
    if packaged.is_dir():
        # pip installs wheels unpacked, so the traversable is a real folder
        return Path(str(packaged))
    return Path(str(resources.files("hipviz"))).resolve().parent / name
