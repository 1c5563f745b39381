"""The shipped benchmark runs end to end and reports every line of the budget."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from hipviz.bench import BUDGETS, format_report


@pytest.mark.gui
def test_the_benchmark_runs_and_reports_the_budget():
    run = subprocess.run(
        [sys.executable, "-m", "hipviz.bench", "--repeat", "1", "--no-export", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ),
    )
    assert run.returncode == 0, run.stderr[-2000:]
    results = json.loads(run.stdout)
    assert results["view_px"] == [1280, 800]
    assert results["view_kind"] == "NativeView"
    assert results["frames_per_step"] == [1]  # one frame per slider step, dragging or not
    for key in (
        "render_ms",
        "update_ms",
        "update_still_ms",
        "naive_update_ms",
        "empty_frame_ms",
        "startup_s",
        "import_floor_s",
        "model_us",
        "sweep_1000_ms",
        "position_ms",
        "position_max_ms",
    ):
        assert results[key] > 0, key
    # a drag step draws the light frame: cheaper than a still step at full detail
    assert results["update_ms"] < results["update_still_ms"]
    assert set(results["budget"]) == set(BUDGETS) - {"export"}
    report = format_report(results)
    assert "naive_update_ms / update_ms" in report and "NativeView" in report
