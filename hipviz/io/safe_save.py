"""Saving a file without damaging what it replaces: every hipviz writer goes through here.

A save writes a temporary file beside the target and renames it over the target, so a
failed or killed save never leaves half a file. On top of that a save respects what it
replaces:

- a symbolic link is written through: the file it points to gets the new content and
  the link stays a link;
- an existing file keeps its permission bits (and its owner and group, where this
  process may set them); a new file gets the usual ``0666`` less the umask;
- anything that is not a regular file (a folder, a device, a fifo, a socket) is refused
  with :class:`SaveError`, never replaced;
- a temporary file is removed when the save fails, and one left by a save that was
  killed (``.hipviz-save-PID-*``) is swept by the next save to that folder once its
  process has gone or it is over a minute old.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

#: every temporary file a save makes starts with this (so a sweep touches nothing else)
TEMP_PREFIX = ".hipviz-save-"
_TEMP_NAME = re.compile(re.escape(TEMP_PREFIX) + r"(\d+)-[0-9a-f]{8}(\.[A-Za-z0-9]{1,8})?\Z")
#: a temporary file whose process still runs is swept only when older than this, seconds
#: (its process id may since have been reused)
STALE_AFTER_S = 60.0
#: the longest file name most file systems take, bytes
NAME_MAX = 255


class SaveError(OSError):
    """A file cannot be saved there; the message names the file and the reason."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a fifo (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_target(path: Path | str) -> Path:
    """The real file a save to ``path`` would write (symbolic links followed).

    Checked before any work is done, so a long render is not wasted on a path that cannot
    take it: the folder exists and is writable, the name is not too long, and whatever
    is there now is a regular file (or nothing).

    Raises
    ------
    SaveError
        Naming ``path`` and what is wrong.
    """
    path = Path(path)
    if not path.name:
        raise SaveError(f"{path}: give a file name, not a folder")
    size = len(os.fsencode(path.name))
    if size > NAME_MAX:
        raise SaveError(
            f"{str(path)[:80]}...: the file name is {size} bytes long; at most {NAME_MAX} allowed"
        )
    real = Path(os.path.realpath(path))
    if len(os.fsencode(real.name)) > NAME_MAX:
        raise SaveError(f"{path}: links to a file name over {NAME_MAX} bytes long")
    try:
        st = os.stat(real)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise SaveError(f"{path}: cannot save here ({exc.strerror or exc})") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        shown = f"{path} (-> {real})" if real != path.absolute() else str(path)
        raise SaveError(
            f"{shown}: is {_kind(st.st_mode)}; hipviz only saves to a regular file, "
            "give a file name"
        )
    if not real.parent.is_dir():
        raise SaveError(f"{path}: no such folder {real.parent}")
    if not os.access(real.parent, os.W_OK | os.X_OK):
        raise SaveError(f"{path}: cannot write in {real.parent} (permission denied)")
    return real


def save_bytes(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see the module); returns the real file written."""
    with saving(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
    return Path(os.path.realpath(path))


def save_text(path: Path | str, text: str) -> Path:
    """Write ``text`` as UTF-8 to ``path`` atomically; returns the real file written."""
    return save_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def saving(path: Path | str, suffix: str = "") -> Iterator[Path]:
    """A temporary file to write, renamed over ``path`` when the block ends without error.

    For writers that want a file name (matplotlib, PIL, ffmpeg, VTK): give the
    ``suffix`` they read the format from. The temporary file exists (empty, with the
    permissions the target will have) when the block starts. On an error it is removed
    and the target is left exactly as it was.

    Raises
    ------
    SaveError
        The target cannot be replaced (see :func:`check_target`) or writing fails.
    """
    real = check_target(path)
    sweep_stale(real.parent)
    try:
        old = os.stat(real)
    except FileNotFoundError:
        old = None
    tmp, fd = _make_temp(real.parent, suffix, path)
    try:
        try:
            if old is not None and hasattr(os, "fchown"):  # POSIX: keep the owner
                if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
                    with contextlib.suppress(OSError):  # only root may give a file away
                        os.fchown(fd, old.st_uid, old.st_gid)
        finally:
            os.close(fd)
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:  # the data is on disk before the name points at it
            os.fsync(fd)
        finally:
            os.close(fd)
        if old is not None:  # after writing: a read-only target's mode would stop the writer
            os.chmod(tmp, stat.S_IMODE(old.st_mode))
        # the target may have become something else while the data was being made
        check_target(path)
        os.replace(tmp, real)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, SaveError) or not isinstance(exc, OSError):
            raise
        raise SaveError(f"{path}: cannot write ({exc.strerror or exc})") from None
    _sync_folder(real.parent)
    log.debug("saved %s", real)


def _make_temp(folder: Path, suffix: str, shown: Path | str) -> tuple[Path, int]:
    """A new empty temporary file in ``folder`` (mode 0666 less the umask) and its fd."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(20):
        tmp = folder / f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}{suffix}"
        try:
            return tmp, os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise SaveError(f"{shown}: cannot write in {folder} ({exc.strerror or exc})") from None
    raise SaveError(f"{shown}: cannot make a temporary file in {folder}")


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every system can)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError as exc:  # EPERM: it runs, as another user
        return exc.errno == errno.EPERM
    return True


def sweep_stale(folder: Path | str, now: float | None = None) -> list[Path]:
    """Remove temporary files left in ``folder`` by saves that were killed.

    Only names this module makes (``.hipviz-save-PID-XXXXXXXX[.ext]``) are touched, and
    only when their process has gone, or they are over :data:`STALE_AFTER_S` old and not
    this process's own. Returns the files removed.
    """
    folder = Path(folder)
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if match is None:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        pid = int(match.group(1))
        old = now - st.st_mtime > STALE_AFTER_S
        if _alive(pid) and (pid == os.getpid() or not old):
            continue
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    if removed:
        log.info(
            "removed %d temporary file(s) left by an interrupted save in %s", len(removed), folder
        )
    return removed
