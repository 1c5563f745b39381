"""The window tells one colour story: the table colours the column of the 3D view's
colouring, the plot opens on the view's measure, and a plot line never wears a colour the
view gives a meaning (green: internal rotator)."""

from __future__ import annotations

import numpy as np
import pytest

from hipviz.render.colours import COLOUR_SCALES, srgb_to_lab
from hipviz.render.length_plot import MUSCLE_COLOURS

#: the least CIELAB hue angle between a plot line and any end of the view's colour maps, deg
MIN_HUE_GAP_DEG = 40.0


def _hue_deg(lab) -> float:
    return float(np.degrees(np.arctan2(lab[2], lab[1])) % 360.0)


def _hex_lab(hex_colour: str) -> np.ndarray:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0
    return srgb_to_lab(rgb[None])[0]


@pytest.mark.parametrize("muscle", [m for m, c in MUSCLE_COLOURS.items() if c])
def test_plot_line_colours_keep_clear_of_the_views_meanings(muscle):
    lab = _hex_lab(MUSCLE_COLOURS[muscle])
    hue = _hue_deg(lab)
    for name, scale in COLOUR_SCALES.items():
        for end, end_lab in (
            (scale.negative, scale.negative_lab),
            (scale.positive, scale.positive_lab),
        ):
            gap = abs((hue - _hue_deg(end_lab) + 180.0) % 360.0 - 180.0)
            assert gap >= MIN_HUE_GAP_DEG, (
                f"{muscle}'s line ({MUSCLE_COLOURS[muscle]}) looks like '{end}' ({name})"
            )


def _column(window, header_start: str) -> int:
    from hipviz.gui.table import COLUMNS

    return next(i for i, c in enumerate(COLUMNS) if c[0].replace("\n", " ") == header_start)


def test_table_colours_the_column_of_the_views_colouring(window, qtbot):
    table = window.table
    r_pct, r_rot = (
        _column(window, "R \N{GREEK CAPITAL LETTER DELTA} %"),
        _column(window, "R MA rot mm"),
    )
    l_rot = _column(window, "L MA rot mm")
    assert r_pct in table.coloured_columns()
    window.state.update(colour_by="moment_arm_rotation")
    assert table.coloured_columns() == sorted([r_rot, l_rot])
    # the piriformis's rotation cell has the view's colour for its moment arm
    from hipviz.core.muscles import MUSCLES
    from hipviz.render.colours import colour_for_moment_arm, rgb_uint8

    row = MUSCLES.index("piriformis")
    arm = window.model.solution.moment_arms_mm["rotation"][
        window.model.solution.keys.index("right.piriformis")
    ]
    brush = table.model.item(row, r_rot).background()
    expected = rgb_uint8(colour_for_moment_arm(arm, window.state.moment_arm_range_mm))
    got = brush.color().getRgb()[:3]
    assert np.abs(np.array(got) - expected).max() <= 3
    window.state.update(colour_by="length")
    assert table.coloured_columns() == sorted(
        [r_pct, _column(window, "L \N{GREEK CAPITAL LETTER DELTA} %")]
    )


def test_plot_dock_opens_on_the_views_measure(window, qtbot):
    window.state.update(colour_by="moment_arm_rotation")
    window.docks["plot"].show()
    qtbot.waitUntil(lambda: window.plot.plotted_paths() != [], timeout=10000)
    assert window.plot.kind == "rotation"
    assert window.plot.kind_combo.currentText() == "Rotation moment arm"
    window.state.update(colour_by="moment_arm_abduction")
    assert window.plot.kind == "abduction"
    window.state.update(colour_by="length")
    assert window.plot.kind_combo.currentText() == "Length change"
    assert window.plot.control_combo.isEnabled()
