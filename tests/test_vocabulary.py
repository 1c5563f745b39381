"""One vocabulary: every surface a student reads (the window's table and Inspect panel, the
handout, the classroom page, the report's table) names muscles, sides and quantities in
:mod:`hipviz.names`' words, and never shows a model id (``piri-P1_r``, ``glmed1``,
``gluteus_medius_anterior``, ``moment_arm_rotation_mm``)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from hipviz.core.muscles import MUSCLES
from hipviz.io.scene import read_scene
from hipviz.names import (
    ACTION_LABELS,
    MOMENT_ARM_LABELS,
    SIDE_LABELS,
    muscle_label,
    point_words,
    quantity_heading,
)

ROOT = Path(__file__).resolve().parents[1]
SCENE = ROOT / "scenes" / "02_two_sided_case.toml"
#: what a model id looks like: a side suffix, a point id, an OpenSim muscle or a field name
INTERNAL_ID = re.compile(
    r"_[rl]\b|P\d_[rl]|glmed|glmin|piri-|gluteus_m|piriformis_|moment_arm_|_mm\b|_pct\b"
)


def assert_no_ids(text: str, where: str) -> None:
    found = INTERNAL_ID.search(text)
    assert found is None, (
        f"{where} shows an internal id: ...{text[found.start() - 40 : found.end() + 40]}..."
    )


class _Visible(HTMLParser):
    """The text a reader sees in an HTML document (no scripts, styles or attributes)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(html_text: str) -> str:
    parser = _Visible()
    parser.feed(html_text)
    return " ".join(" ".join(parser.parts).split())


# --- window --------------------------------------------------------------------------------------
def test_inspect_panel_names_the_path_in_anatomy_words(window, qtbot):
    for key in ("right.piriformis", "left.gluteus_medius_anterior"):
        window.select_path(key)
        text = visible_text(window.inspect.text)
        assert_no_ids(text, f"the Inspect panel for {key}")
        side, muscle = key.split(".")
        assert SIDE_LABELS[side] in text
        assert muscle_label(muscle)[1:].lower() in text.lower()
        for label in MOMENT_ARM_LABELS.values():
            assert label in text
    assert "via the greater sciatic notch" not in text  # gluteus medius has no notch
    window.select_path("right.piriformis")
    text = visible_text(window.inspect.text)
    arm = window.model.solution.moment_arms_mm["rotation"][
        window.model.solution.keys.index("right.piriformis")
    ]
    assert ("internal rotator" if arm > 0 else "external rotator") in text
    assert "origin on the sacrum" in text and "via the greater sciatic notch" in text
    assert "insertion on the greater trochanter" in text


def test_window_table_names_muscles_sides_and_moment_arms_in_the_shared_words(window):
    from PyQt5.QtCore import Qt

    table = window.table
    names = [table.model.item(r, 0).text() for r in range(table.model.rowCount())]
    assert names == [muscle_label(m) for m in MUSCLES]
    tips = [
        str(table.model.headerData(c, Qt.Horizontal, Qt.ToolTipRole))
        for c in range(table.model.columnCount())
    ]
    for side in SIDE_LABELS.values():
        for label in MOMENT_ARM_LABELS.values():
            assert any(tip.startswith(f"{side} {label.lower()}") for tip in tips), (side, label)
    for text in [*names, *tips, table.key_label.text()]:
        assert_no_ids(text, "the window's table")


# --- handout -------------------------------------------------------------------------------------
def test_handout_text_uses_the_names_module(tmp_path):
    from hipviz.web.handout import write_handout

    path = write_handout(read_scene(SCENE), tmp_path / "handout.html")
    text = visible_text(path.read_text())
    assert_no_ids(text, "the handout")
    for muscle in MUSCLES:
        assert muscle_label(muscle) in text
    for word in [*ACTION_LABELS.values(), *SIDE_LABELS.values()]:
        assert word in text
    assert "Right hip:" in text and "Left hip:" in text


# --- classroom -----------------------------------------------------------------------------------
def test_classroom_payload_carries_the_names_modules_labels():
    from hipviz.io.model_files import load_model
    from hipviz.names import CONTROL_LABELS
    from hipviz.web.classroom import control_specs, status_text
    from hipviz.web.payload import table_rows

    solution = load_model().solve(read_scene(SCENE).pose)
    rows = table_rows(solution)
    assert {r["muscle_label"] for r in rows} == {muscle_label(m) for m in MUSCLES}
    assert {r["side_label"] for r in rows} == set(SIDE_LABELS.values())
    assert {s["label"] for s in control_specs()} <= {v[0] for v in CONTROL_LABELS.values()}
    status = status_text(solution)
    assert status.startswith("Right hip") and "Left hip" in status


def test_classroom_page_shows_the_names_modules_words(chrome):
    from browser import missing, wait_loaded
    from selenium.webdriver.common.by import By
    from served import running_server

    if missing():
        pytest.skip(missing())
    with running_server([SCENE]) as server:
        chrome.get(server.url)
        wait_loaded(chrome, ".view-box")
        table = chrome.find_element(By.ID, "numbers").text
        body = chrome.find_element(By.TAG_NAME, "body").text
    for muscle in MUSCLES:
        assert muscle_label(muscle) in table
    for field in ("change_pct", "moment_arm_rotation_mm"):
        assert quantity_heading(field) in table
    assert "Right side" in body and "Left side" in body
    assert_no_ids(body, "the classroom page")


# --- report --------------------------------------------------------------------------------------
def test_report_table_uses_names_and_csv_keeps_ids():
    from hipviz.io.model_files import load_model
    from hipviz.report import format_report

    solution = load_model().solve(read_scene(SCENE).pose)
    table = format_report(solution, "table")
    assert_no_ids(table, "the report's table")
    for muscle in MUSCLES:
        assert muscle_label(muscle) in table
    assert "Moment arm (mm)" in table and "Rotation" in table
    csv_text = format_report(solution, "csv")
    assert csv_text.splitlines()[0].startswith("muscle,side,")
    assert "gluteus_medius_anterior,right," in csv_text


@pytest.mark.parametrize("muscle", MUSCLES)
def test_every_point_of_every_path_has_words(muscle):
    from hipviz.io.model_files import load_model

    for path in load_model().muscles.paths:
        if path.muscle == muscle:
            words = point_words(path.muscle, path.roles, path.bodies)
            assert len(words) == len(path.names)
            assert not any(w.startswith("point ") for w in words), words


def test_the_views_legend_ends_say_the_names_modules_roles():
    from hipviz.names import ACTION_ROLES
    from hipviz.render.colours import COLOUR_SCALES

    for scale in COLOUR_SCALES.values():
        if scale.action is not None:
            assert (scale.negative, scale.positive) == ACTION_ROLES[scale.action]
