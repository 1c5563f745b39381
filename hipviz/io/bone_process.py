"""Load the bones (trimesh) in a second process while the first imports Qt and VTK.

Opening the window needs both: Qt, VTK and pyvista (about 1.5 s of imports here) and the
bones, which trimesh reads and checks (its import alone, with SciPy, takes most of a
second). Python runs one thread at a time, so a thread would not overlap them; a second
process does, on the second core. It sends the checked vertices and triangles back as
an ``.npz`` through a pipe (3 MB, a few milliseconds). A mesh problem comes back as the
same :class:`~hipviz.io.meshes.MeshError` message; if the child cannot run at all, the
bones are loaded here, as before. Checked bones are kept for the next start
(:mod:`hipviz.io.bone_cache`): while the mesh files stay the same, no child is started.

``python -m hipviz.io.bone_process [MESH_DIR]`` is the child.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

from hipviz.io import bone_cache
from hipviz.io.meshes import Bone, MeshError, load_bones

log = logging.getLogger(__name__)

#: the child's exit status for a mesh the user has to fix (its message on stderr)
MESH_PROBLEM = 3


class BoneLoad:
    """The bones, being loaded by a child process from the moment this is made.

    Parameters
    ----------
    mesh_dir : Path, optional
        The mesh folder (default: :func:`hipviz.io.meshes.default_mesh_dir`).
    """

    def __init__(self, mesh_dir: Path | None = None):
        self.mesh_dir = mesh_dir
        self._process: subprocess.Popen | None = None
        #: where checked bones of these mesh files are kept (their hash: read them once)
        self._kept_at = bone_cache.cache_path(mesh_dir)
        #: the bones as checked at an earlier start, if these mesh files have not changed
        self._kept = bone_cache.read(self._kept_at, mesh_dir)
        if self._kept is not None:
            return
        args = [sys.executable, "-m", "hipviz.io.bone_process"]
        if mesh_dir is not None:
            args.append(str(mesh_dir))
        try:
            self._process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as exc:  # no interpreter to run: load in this process instead
            log.info("loading the bones here (%s)", exc)
            self._process = None

    def cancel(self) -> None:
        """Stop the child: the bones are not wanted after all (the start failed)."""
        if self._process is not None:
            self._process.kill()
            self._process.communicate()
            self._process = None

    def result(self) -> dict[str, Bone]:
        """The bones, keyed by part name (waits for the child); MeshError on a bad mesh."""
        if self._kept is not None:
            return self._kept
        if self._process is None:
            return load_bones(self.mesh_dir)
        out, err = self._process.communicate()
        code, self._process = self._process.returncode, None
        if code == MESH_PROBLEM:
            raise MeshError(err.decode("utf-8", "replace").strip())
        if code != 0:
            log.warning(
                "the bone loader failed (%s); loading here",
                err.decode("utf-8", "replace").strip()[-300:],
            )
            return load_bones(self.mesh_dir)
        bones = bone_cache.from_npz(out)
        bone_cache.write(bones, self._kept_at)
        return bones


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        bones = load_bones(Path(argv[0]) if argv else None)
    except MeshError as exc:
        print(exc, file=sys.stderr)
        return MESH_PROBLEM
    sys.stdout.buffer.write(bone_cache.to_npz(bones))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
