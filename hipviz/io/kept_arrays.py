"""Arrays worked out from the data once and kept for the next start (the fibre fans' points,
the footprint patches), in the bone cache's folder (:func:`hipviz.io.bone_cache.cache_dir`).

An entry is named by a digest of everything it was made from (the caller's key) and of
:data:`VERSION`, so changed data or code that lays the arrays out differently never reads
a stale entry; a missing or unreadable entry is built again, and failing to keep one is
only logged.
"""

from __future__ import annotations

import hashlib
import io
import logging
import zipfile
from collections.abc import Callable

import numpy as np

from hipviz.io.bone_cache import cache_dir
from hipviz.io.figure_files import FigureFileError, write_atomically

log = logging.getLogger(__name__)

#: the layout of the kept fibre and footprint arrays; change it when their code changes
VERSION = 1


def kept(kind: str, key: bytes, build: Callable[[], dict[str, np.ndarray]]) -> dict:
    """The arrays ``build()`` makes from the data ``key`` describes: kept from an earlier
    run when there, else built now and kept.

    Parameters
    ----------
    kind : str
        What they are (a file name prefix: ``fibres``, ``footprints``).
    key : bytes
        Everything the arrays are made from (data, mesh digest).
    build : callable
        Makes them: name -> array (numbers or strings, no objects).
    """
    digest = hashlib.blake2b(key + f"v{VERSION}".encode(), digest_size=16).hexdigest()
    path = cache_dir() / f"{kind}-{digest}.npz"
    if path.is_file():
        try:
            with np.load(path, allow_pickle=False) as data:
                return {name: data[name] for name in data.files}
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            log.info("%s: cannot use the kept %s (%s); building them", path, kind, exc)
    arrays = build()
    try:
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, buffer.getvalue())
        for old in path.parent.glob(f"{kind}-*.npz"):  # made from data since changed
            if old != path:
                old.unlink(missing_ok=True)
    except (OSError, FigureFileError) as exc:
        log.info("%s: cannot keep the %s (%s)", path, kind, exc)
    return arrays


def mesh_key(mesh_dir=None) -> bytes:
    """What identifies the mesh files (their bone cache name, a digest of their bytes)."""
    from hipviz.io.bone_cache import cache_path

    path = cache_path(mesh_dir)
    return b"" if path is None else path.name.encode()
