"""The muscle table shows every number and heading whole on a 1366x768 laptop and a
1920x1080 projector: no "+2..." for +20.6 %, no headers cut to "t lengtl", every column
and row in view without scrolling, and a first window that fits the screen."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[1]
#: scene 06: two-digit % changes on both sides and two-digit moment arms
SCENE = ROOT / "scenes" / "06_flexed_90_rotation.toml"


def cut_texts(table) -> list[str]:
    """Every cell or heading text wider than the room its column gives it."""
    from PyQt5.QtCore import Qt
    from PyQt5.QtWidgets import QStyle

    view = table.view
    header = view.horizontalHeader()
    style = view.style()
    pad = style.pixelMetric(QStyle.PM_FocusFrameHMargin, None, view) + 1
    margin = style.pixelMetric(QStyle.PM_HeaderMargin, None, header)
    cut = []
    for c in range(table.proxy.columnCount()):
        width = header.sectionSize(c)
        heading = str(table.proxy.headerData(c, Qt.Horizontal))
        room = width - 2 * margin
        if header.isSortIndicatorShown() and header.sortIndicatorSection() == c:
            room -= header.height() // 2 + 2 * margin
        for line in heading.split("\n"):
            if header.fontMetrics().horizontalAdvance(line) > room:
                cut.append(f"heading {heading!r}: {width} px")
        for r in range(table.proxy.rowCount()):
            text = table.proxy.index(r, c).data()
            if view.fontMetrics().horizontalAdvance(text) + 2 * pad > width:
                cut.append(f"cell {text!r} in {heading!r}: {width} px")
    return cut


def all_in_view(table) -> bool:
    view = table.view
    header = view.horizontalHeader()
    rows = sum(view.rowHeight(r) for r in range(table.proxy.rowCount()))
    return (
        header.length() <= view.viewport().width()
        and rows <= view.viewport().height()
        and not view.horizontalScrollBar().isVisible()
        and not view.verticalScrollBar().isVisible()
    )


@pytest.mark.parametrize(
    "screen, size",
    [
        ((1366, 768), None),  # the first window on a 1366x768 laptop
        ((1920, 1080), None),  # the first window on a 1920x1080 projector
        ((1920, 1080), (1920, 1080)),  # maximised there
    ],
    ids=["1366x768", "1920x1080", "1920x1080 maximised"],
)
def test_no_number_or_heading_is_cut(window, qtbot, screen, size):
    from PyQt5.QtCore import QPoint, Qt

    from hipviz.gui.window import window_size_for

    window.resize(*(size or window_size_for(screen)))
    assert window.open_scene(SCENE)
    qtbot.wait(50)
    table = window.table
    assert table.view.textElideMode() == Qt.ElideNone
    texts = [row[3] for row in table.values()[1:]] + [row[6] for row in table.values()[1:]]
    # two-digit % changes (cut to "+2..." before) are among what the table must show whole
    assert sum(len(t.lstrip("+-").split(".")[0]) >= 2 for t in texts) >= 2, texts
    assert cut_texts(table) == []
    assert all_in_view(table), "the table needs scrolling"

    # sorting puts an arrow in the heading: that column makes room for it
    header = table.view.horizontalHeader()
    for _ in range(2):  # ascending, then descending
        qtbot.mouseClick(
            header.viewport(),
            Qt.LeftButton,
            pos=QPoint(header.sectionViewportPosition(9) + 5, header.height() // 2),
        )
        qtbot.wait(20)
        assert header.sortIndicatorSection() == 9
        assert cut_texts(table) == []
        assert all_in_view(table)


def test_headings_say_side_and_unit(window):
    """Left and right columns can be told apart, and the key spells out the short words."""
    headings = window.table.values()[0]
    assert headings[1:4] == ["R length mm", "R \N{GREEK CAPITAL LETTER DELTA} mm", "R Δ %"]
    assert headings[4:7] == ["L length mm", "L Δ mm", "L Δ %"]
    assert headings[8] == "R MA flex mm" and headings[13] == "L MA rot mm"
    assert len(set(headings)) == len(headings)
    key = window.table.key_label.text()
    assert "R right" in key and "L left" in key and "Δ change" in key and "MA moment arm" in key
    assert window.table.key_label.isVisible()


@pytest.mark.parametrize(
    "available, size",
    [((1366, 768), (1350, 720)), ((1366, 728), (1350, 680)), ((1920, 1080), (1400, 900))],
)
def test_first_window_fits_the_screen(available, size):
    from hipviz.gui.window import window_size_for

    assert window_size_for(available) == size
    assert window_size_for(None) == (1400, 900)


def test_the_window_opens_within_the_screen(window):
    from PyQt5.QtWidgets import QApplication

    free = QApplication.primaryScreen().availableGeometry()  # pytest-xvfb: 1600x1000
    assert window.width() <= free.width() and window.height() <= free.height()
