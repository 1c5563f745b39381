"""The command line as a user meets it: usage and hints on a mistake, one clear line when
the window cannot open, and nothing from VTK or Qt on stderr when no display is needed.

Run as real processes: exit codes and stderr are what the user sees."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hipviz.cli import UsageError, check_display

ROOT = Path(__file__).resolve().parents[1]
SCENE = ROOT / "scenes" / "02_two_sided_case.toml"


def hipviz(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT):
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "hipviz", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def without_display(**extra: str) -> dict[str, str]:
    drop = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "VTK_DEFAULT_OPENGL_WINDOW")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return {**env, **extra}


# --- mistakes ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, command, hint",
    [
        # -o is missing too: the misspelt option is still what the user is told about
        (["render", str(SCENE), "--sise", "1600x1000"], "render", "--size"),
        (["render", str(SCENE), "--sise=1600x1000", "-o", "x.png"], "render", "--size"),
        (["report", "--sett", "right.gt_superior_mm=4"], "report", "--set"),
        (
            ["animate", "--parm", "right.gt_superior_mm", "--from", "0", "--to", "4"],
            "animate",
            "--param",
        ),
        (["plot", "--moment-arms", "rotation", "-o", "p.png"], "plot", "--moment-arm"),
        ([str(SCENE), "--screenshott", "x.png"], "gui", "--screenshot"),
    ],
)
def test_a_misspelt_option_gets_its_subcommands_usage_and_a_hint(args, command, hint, tmp_path):
    result = hipviz(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert f"usage: hipviz {command} " in result.stderr
    assert "usage: hipviz [-h]" not in result.stderr  # not the top-level usage
    assert f"(did you mean {hint}?)" in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_an_unknown_option_with_no_near_miss_names_it_without_a_guess(tmp_path):
    result = hipviz("report", "--zzzzzz", cwd=tmp_path)
    assert result.returncode == 2
    assert "usage: hipviz report " in result.stderr
    assert "unrecognized arguments: --zzzzzz" in result.stderr
    assert "did you mean" not in result.stderr


def test_a_misspelt_command_gets_a_hint():
    result = hipviz("rendr", str(SCENE))
    assert result.returncode == 2
    assert "invalid choice: 'rendr' (did you mean render?)" in result.stderr


def test_negative_numbers_and_abbreviations_are_still_taken(tmp_path):
    """The early check for unknown options must not refuse ``--from -15`` or ``--fro``."""
    out = tmp_path / "sweep.gif"
    args = ["animate", "--param", "right.gt_superior_mm", "--fro", "-15", "--to", "15"]
    result = hipviz(*args, "--frames", "2", "--size", "64x48", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:4] == b"GIF8"


# --- the window without a display ----------------------------------------------------------
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland are Linux's")
@pytest.mark.parametrize(
    "env, says",
    [
        (without_display(), "no display (DISPLAY and WAYLAND_DISPLAY are not set)"),
        (without_display(QT_QPA_PLATFORM=""), "no display"),
        (without_display(QT_QPA_PLATFORM="xcb"), "no display"),
        (without_display(DISPLAY=":387"), "no X server answers at DISPLAY=':387'"),
    ],
    ids=["unset", "empty platform", "xcb", "no server"],
)
def test_no_display_is_one_line_and_exit_2_never_an_abort(env, says):
    result = hipviz(str(ROOT / "scenes" / "01_neutral.toml"), env=env)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("hipviz: cannot open the window: ")
    assert says in lines[0]
    assert "xvfb-run" in lines[0] and "hipviz render" in lines[0]  # how to fix it
    assert "Reinstalling" not in result.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland are Linux's")
def test_a_running_display_or_a_chosen_platform_passes():
    """pytest-xvfb's display answers; an offscreen or VNC platform is the user's choice."""
    check_display({"DISPLAY": os.environ["DISPLAY"]})
    check_display({"QT_QPA_PLATFORM": "offscreen"})
    check_display({"QT_QPA_PLATFORM": "wayland", "WAYLAND_DISPLAY": "wayland-0"})
    with pytest.raises(UsageError, match="no display"):
        check_display({"QT_QPA_PLATFORM": "wayland"})


# --- headless commands are quiet ------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["render", str(SCENE), "--size", "320x200", "-o", "{out}/f.png"],
        ["plot", "--moment-arm", "rotation", "-o", "{out}/p.png"],
        ["handout", "-o", "{out}/h.html"],
    ],
    ids=["render", "plot", "handout"],
)
def test_headless_commands_print_nothing_on_stderr_without_a_display(args, tmp_path):
    args = [a.format(out=tmp_path) for a in args]
    result = hipviz(*args, env=without_display())
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no "bad X server connection", no Qt warnings
    assert result.stdout.startswith("wrote ")
    assert Path(args[-1]).stat().st_size > 1000
