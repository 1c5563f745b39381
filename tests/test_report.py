"""``hipviz report``: what a script or a student reads from the command line."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hipviz.cli import main
from hipviz.core.muscles import MUSCLES
from hipviz.formatting import number

ROOT = Path(__file__).resolve().parents[1]

NAMES = set(MUSCLES)


def run(capsys, *args):
    code = main(["report", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_report_has_pose_and_every_path(capsys):
    code, out, _ = run(capsys, "--set", "right.gt_superior_mm=8", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["pose"]["right.gt_superior_mm"] == 8.0
    assert data["pose"]["left.gt_superior_mm"] == 0.0
    assert data["pose"]["right.hip_abduction_deg"] > 5  # superior GT = abduction
    rows = data["muscles"]
    assert {r["muscle"] for r in rows} == NAMES and {r["side"] for r in rows} == {"left", "right"}
    assert len(rows) == 2 * len(MUSCLES)
    piri = next(r for r in rows if r["muscle"] == "piriformis" and r["side"] == "right")
    assert piri["change_mm"] < 0 and piri["change_pct"] < 0  # superior GT shortens piriformis
    assert piri["length_mm"] == pytest.approx(piri["rest_length_mm"] + piri["change_mm"], abs=0.002)
    left = next(r for r in rows if r["muscle"] == "piriformis" and r["side"] == "left")
    assert left["change_mm"] == 0.0


def test_csv_and_table_formats(capsys):
    code, out, _ = run(capsys, "--set", "left.gt_anterior_mm=-5", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 2 * len(MUSCLES)
    assert list(rows[0])[:6] == [
        "muscle",
        "side",
        "rest_length_mm",
        "length_mm",
        "change_mm",
        "change_pct",
    ]
    code, out, _ = run(capsys, "--set", "left.hip_flexion_deg=45")
    assert code == 0
    assert "hip flexion  45.0" in out and "Piriformis" in out


def test_scene_file_then_set_overrides(capsys, tmp_path):
    scene = tmp_path / "case.toml"
    scene.write_text("hipviz_scene = 1\n[pose.right]\ngt_superior_mm = 6.0\ngt_anterior_mm = 4.0\n")
    code, out, _ = run(
        capsys, "--scene", str(scene), "--set", "right.gt_anterior_mm=-3", "--format", "json"
    )
    assert code == 0
    pose = json.loads(out)["pose"]
    assert pose["right.gt_superior_mm"] == 6.0 and pose["right.gt_anterior_mm"] == -3.0


@pytest.mark.parametrize(
    "args, message",
    [
        (["--set", "right.gt_up_mm=3"], "unknown pose key 'right.gt_up_mm'"),
        (["--set", "right.gt_superior_mm=abc"], "'abc' is not a number"),
        (["--set", "right.gt_superior_mm=40"], "out of range (allowed -25 to 25 mm)"),
        (["--set", "left.hip_flexion_deg=nan"], "out of range (allowed 0 to 90 deg)"),
        (["--set", "right.gt_superior_mm"], "expected SIDE.KEY=VALUE"),
    ],
)
def test_bad_input_is_a_clear_message_and_exit_code_2(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_unreachable_request_reports_the_pose_reached_and_why(capsys):
    code, out, _ = run(
        capsys,
        "--set",
        "right.iliac_crest_superior_mm=25",
        "--set",
        "right.gt_superior_mm=-25",
        "--format",
        "json",
    )
    pose = json.loads(out)["pose"]
    assert code == 0
    assert pose["right.gt_superior_mm"] > -25
    assert "adduction" in pose["right.note"]


def test_console_script_runs_as_a_process():
    proc = subprocess.run(
        [sys.executable, "-m", "hipviz", "report", "--format", "csv"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("\n") == 1 + 2 * len(MUSCLES)  # heading, every path


HUGE = "1" + "0" * 309


@pytest.mark.parametrize(
    "argv, code, message",
    [
        (["report", "--set", f"right.gt_superior_mm={HUGE}"], 2, "out of range (allowed -25"),
        (["report", "--set", "right.gt_superior_mm\x00=1"], 2, "'right.gt_superior_mm\\x00'"),
        (["serve", "--host", "999.1.1.1"], 2, "--host 999.1.1.1: not a valid address"),
        (["render", "-o", "a" * 300 + ".png"], 2, "a file name is 304 bytes long; at most 255"),
        (["handout", "-o", "b" * 300 + ".html"], 2, "a file name is 305 bytes long; at most 255"),
        (["report", "--scene", "c" * 300 + ".toml"], 2, "a file name is 305 bytes long"),
    ],
)
def test_unlucky_command_lines_are_one_line_and_exit_2(capsys, argv, code, message):
    """Each once gave a traceback (OverflowError, socket.gaierror, File name too long)."""
    assert main(argv) == code
    err = capsys.readouterr().err
    assert err.startswith("hipviz: ") and err.count("\n") == 1, err
    assert message in err, err


def test_a_scene_with_a_huge_number_is_refused_by_every_command(capsys, tmp_path):
    scene = tmp_path / "huge.toml"
    scene.write_text(f"hipviz_scene = 1\n[display]\ncolour_range_pct = {HUGE}\n")
    for argv in (
        ["report", "--scene", str(scene)],
        ["render", str(scene), "-o", str(tmp_path / "x.png")],
        ["handout", str(scene), "-o", str(tmp_path / "x.html")],
        ["serve", str(scene), "--port", "0"],
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err == (
            f"hipviz: {scene}: display.colour_range_pct: a huge number is out of range "
            "(allowed 1 to 50)\n"
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["huge.toml"]


# --- no "-0.0" -------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
@pytest.mark.parametrize("scene", ["01_neutral.toml", "06_flexed_90_rotation.toml"])
def test_no_report_prints_minus_zero(scene, fmt, capsys):
    """A value that rounds to zero reads as zero: "-0.0" looks like a real (tiny) change.

    The neutral scene's abduction is -0.0 degrees before rounding (it was printed so)."""
    assert main(["report", "--scene", str(ROOT / "scenes" / scene), "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert re.search(r"-0\.0*(?![0-9])", out) is None, out
    if fmt == "table":
        assert "abduction  +0.0" in out or "06" in scene


@pytest.mark.parametrize(
    "value, kwargs, text",
    [
        (-0.0, {}, "0.0"),
        (-0.04, {}, "0.0"),
        (-0.04, {"sign": True}, "+0.0"),
        (-0.004, {"decimals": 2, "sign": True, "width": 7}, "  +0.00"),
        (-0.05001, {}, "-0.1"),
        (20.55, {"sign": True}, "+20.6"),
        (-0.4, {"decimals": 0}, "0"),
        (float("nan"), {}, "nan"),
    ],
)
def test_number_never_writes_minus_zero(value, kwargs, text):
    assert number(value, **kwargs) == text


def test_every_number_formatter_uses_the_helper():
    """No signed one-decimal format spec left in the code students read numbers from."""
    spec = re.compile(r"\{[^{}]*:\+[0-9]*\.[0-9]f\}")
    found = [
        f"{path.relative_to(ROOT)}:{i}"
        for path in (ROOT / "hipviz").rglob("*.py")
        if "build" not in path.parts
        for i, line in enumerate(path.read_text().splitlines(), 1)
        if spec.search(line)
    ]
    assert found == []
