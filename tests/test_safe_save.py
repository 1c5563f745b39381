"""Saving respects what it replaces: symbolic links, permissions, non-regular files, and
temporary files (cleaned on failure, swept after a killed save). Only tmp_path is touched:
a fifo made there stands in for a device (tests run as root in CI)."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time

import numpy as np
import pytest

from hipviz.io.figure_files import FigureFileError, write_figure
from hipviz.io.safe_save import (
    STALE_AFTER_S,
    TEMP_PREFIX,
    SaveError,
    save_bytes,
    saving,
    sweep_stale,
)
from hipviz.io.scene import Scene, SceneError, read_scene, write_scene

IMAGE = np.zeros((8, 8, 3), dtype=np.uint8)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_replaced_file_keeps_its_permissions(tmp_path):
    shared = tmp_path / "case.toml"
    shared.write_text("old")
    os.chmod(shared, 0o664)  # a file shared with a group: stayed 0600 after a save before
    write_scene(Scene(title="new"), shared)
    assert _mode(shared) == 0o664
    assert read_scene(shared).title == "new"
    figure = tmp_path / "fig.png"
    figure.write_bytes(b"old")
    os.chmod(figure, 0o640)
    write_figure(figure, IMAGE)
    assert _mode(figure) == 0o640 and figure.read_bytes().startswith(b"\x89PNG")


def test_a_read_only_file_is_replaced_and_stays_read_only(tmp_path):
    path = tmp_path / "case.toml"
    write_scene(Scene(title="first"), path)
    os.chmod(path, 0o444)
    write_scene(Scene(title="second"), path)
    assert _mode(path) == 0o444 and read_scene(path).title == "second"


def test_a_new_file_gets_the_umask_mode(tmp_path):
    old = os.umask(0o022)
    try:
        write_scene(Scene(), tmp_path / "new.toml")
        os.umask(0o002)
        write_figure(tmp_path / "new.png", IMAGE)
    finally:
        os.umask(old)
    assert _mode(tmp_path / "new.toml") == 0o644  # not mkstemp's private 0600
    assert _mode(tmp_path / "new.png") == 0o664


def test_a_symbolic_link_is_written_through(tmp_path):
    real = tmp_path / "library" / "case.toml"
    real.parent.mkdir()
    write_scene(Scene(title="old"), real)
    os.chmod(real, 0o660)
    link = tmp_path / "case.toml"
    link.symlink_to(real)
    write_scene(Scene(title="new"), link)
    assert link.is_symlink() and os.readlink(link) == str(real)  # the link stays a link
    assert read_scene(real).title == "new"  # and the real file has the new content
    assert _mode(real) == 0o660
    # a link to a link, and a dangling link (creates the file it names)
    chain = tmp_path / "chain.toml"
    chain.symlink_to(link)
    write_scene(Scene(title="via chain"), chain)
    assert read_scene(real).title == "via chain"
    dangling = tmp_path / "later.toml"
    dangling.symlink_to(tmp_path / "library" / "later.toml")
    write_scene(Scene(title="later"), dangling)
    assert (
        dangling.is_symlink() and read_scene(tmp_path / "library" / "later.toml").title == "later"
    )
    assert sorted(p.name for p in real.parent.iterdir()) == ["case.toml", "later.toml"]


@pytest.mark.parametrize("writer", ["scene", "figure", "handout"])
def test_a_fifo_or_folder_is_never_replaced(writer, tmp_path):
    fifo = tmp_path / "out"
    os.mkfifo(fifo)  # stands in for a device node (/dev/...): not a regular file
    folder = tmp_path / "folder"
    folder.mkdir()
    link = tmp_path / "link"
    link.symlink_to(fifo)
    for target, kind in [(fifo, "a fifo"), (folder, "a folder"), (link, "a fifo")]:
        if writer == "scene":
            with pytest.raises(SceneError) as info:
                write_scene(Scene(), target)
        elif writer == "figure":
            with pytest.raises(FigureFileError) as info:
                write_figure(target, IMAGE, fmt="png")
        else:
            from hipviz.io.figure_files import write_atomically

            with pytest.raises(FigureFileError) as info:
                write_atomically(target, b"<html></html>")
        message = str(info.value)
        assert message.startswith(str(target)) and f"is {kind}" in message, message
        assert "hipviz only saves to a regular file" in message
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and folder.is_dir() and link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder", "link", "out"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    path = tmp_path / "fig.png"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError), saving(path, ".png") as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("the writer failed")
    assert path.read_bytes() == b"old"
    with pytest.raises(SaveError, match=r"fig\.png: cannot write"), saving(path) as tmp:
        raise OSError(28, "No space left on device")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["fig.png"]


def test_a_file_name_over_255_bytes_is_refused_with_a_message(tmp_path):
    with pytest.raises(SaveError, match="the file name is 304 bytes long; at most 255 allowed"):
        save_bytes(tmp_path / ("a" * 300 + ".png"), b"x")
    assert list(tmp_path.iterdir()) == []


def _temp(folder, pid, age_s=0.0):
    path = folder / f"{TEMP_PREFIX}{pid}-{os.urandom(4).hex()}.tmp"
    path.write_bytes(b"half")
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid  # reaped: no such process now (reuse within the test is unlikely)


def test_stale_temporary_files_are_swept_by_the_next_save(tmp_path):
    dead = _temp(tmp_path, _dead_pid())
    old_live = _temp(tmp_path, os.getppid(), age_s=STALE_AFTER_S + 5)
    fresh_live = _temp(tmp_path, os.getppid())  # another save still running: left alone
    mine = _temp(tmp_path, os.getpid(), age_s=STALE_AFTER_S + 5)  # this process's own
    other = tmp_path / ".case.toml.abc.tmp"  # not a name hipviz makes: never touched
    other.write_text("theirs")
    write_scene(Scene(), tmp_path / "case.toml")
    left = {p.name for p in tmp_path.iterdir()}
    assert dead.name not in left and old_live.name not in left
    assert {fresh_live.name, mine.name, other.name, "case.toml"} == left
    assert sweep_stale(tmp_path) == []


def test_a_save_killed_midway_leaves_the_old_file_and_its_temp_is_swept(tmp_path):
    """SIGKILL while the data is being written: the old file is whole, and the orphan
    temporary file (55 of 200 kills left one before) goes with the next save."""
    path = tmp_path / "case.toml"
    write_scene(Scene(title="before"), path)
    script = (
        "import sys, time\n"
        "from hipviz.io.safe_save import saving\n"
        "with saving(sys.argv[1]) as tmp:\n"
        "    tmp.write_bytes(b'half a file')\n"
        "    print('writing', flush=True)\n"
        "    time.sleep(60)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline() == "writing\n"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    orphans = [p for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)]
    assert len(orphans) == 1 and read_scene(path).title == "before"
    write_scene(Scene(title="after"), path)
    assert [p.name for p in tmp_path.iterdir()] == ["case.toml"]
    assert read_scene(path).title == "after"


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root gives files away"
)
def test_a_replaced_file_keeps_its_owner_where_allowed(tmp_path):
    path = tmp_path / "case.toml"
    write_scene(Scene(title="theirs"), path)
    os.chown(path, 12345, 23456)  # someone else's shared file, saved over by root
    write_scene(Scene(title="edited"), path)
    st = os.stat(path)
    assert (st.st_uid, st.st_gid) == (12345, 23456) and read_scene(path).title == "edited"
