"""Fuzzing the scene reader and ``--set`` parsing: thousands of unlucky inputs in seconds.

Every case ends in a clean refusal (the reader's own :class:`SceneError`, the command
line's :class:`UsageError`, each one line naming the file or the option) or a valid scene
that saves and reads back the same; never another exception type, and never more than a
second per case (Hypothesis's deadline). The inputs start from the shipped teaching scenes
and break them the ways the issue found: huge integers, nan, control and line-separator
characters, deep or dotted keys, cut lines, stray brackets and quotes.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hipviz.cli import UsageError, _pose
from hipviz.core.pose import POSE_KEYS, SIDES
from hipviz.io.scene import Scene, SceneError, format_scene, parse_scene, read_scene

ROOT = Path(__file__).resolve().parents[1]
TEACHING = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "scenes").glob("*.toml"))]
HUGE = "1" + "0" * 309

FUZZ = settings(
    deadline=timedelta(seconds=1),  # per case: the 200,000-part header took 104 s
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,  # the same cases on every machine and run
    derandomize=True,
)

#: pieces a damaged or hostile file holds
SNIPPETS = st.sampled_from(
    [
        HUGE,
        "-" + HUGE,
        "1" + "0" * 4400,  # past Python's int-to-text digit limit
        "nan",
        "-inf",
        "1e999",
        "0x7fffffffffffffff",
        "1_000_000",
        "-0.0",
        "true",
        "1979-05-27T07:32:00Z",
        "\x00",
        "\\u0000",
        "\\u2028",
        "\u2028",
        "\\u0085",
        "\x85",
        "\ufeff",
        "\ud800",
        "\\ud800",
        '"a\\u0000b"',
        '"\\u0085"',
        "\t",
        "\r",
        "\n",
        "[",
        "]",
        "[[",
        "{",
        "}",
        "=",
        ",",
        ".",
        '"',
        "'",
        '"""',
        "'''",
        "#",
        "\\",
        "a." * 200 + "a",
        "[" + "x." * 100 + "x]",
        "[" * 40,
        "{a=" * 40,
        "[pose.right]",
        "[display]",
        "[camera]",
        "[overlay]",
        "hipviz_scene = 1",
        "hipviz_scene = 2",
        'title = "x"',
        "colour_range_pct = ",
        "bone_opacity = ",
        "moment_arm_range_mm = ",
        "gt_superior_mm = ",
        "position = [",
        'muscles = ["right.piriformis", ',
    ]
)


@st.composite
def damaged_scenes(draw) -> str:
    """A teaching scene with one to four edits: an insertion, a deletion, a line repeated
    or cut, a number swapped for a huge one."""
    text = draw(st.sampled_from(TEACHING))
    for _ in range(draw(st.integers(1, 4))):
        how = draw(st.sampled_from(["insert", "insert", "delete", "repeat", "cut", "number"]))
        at = draw(st.integers(0, len(text)))
        if how == "insert":
            text = text[:at] + draw(SNIPPETS | st.text(max_size=6)) + text[at:]
        elif how == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        elif how == "repeat":
            lines = text.splitlines(keepends=True)
            if not lines:
                continue
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(i, lines[i] * draw(st.integers(1, 3)))
            text = "".join(lines)
        elif how == "cut":
            text = text[:at]
        else:  # the first number at or after `at` becomes a huge or odd one
            for i in range(at, len(text)):
                if text[i].isdigit():
                    j = i
                    while j < len(text) and (text[j].isdigit() or text[j] in "._"):
                        j += 1
                    odd = st.sampled_from([HUGE, "nan", "1e999", "0", '"a\\u0000"', '"\\u2028"'])
                    text = text[:i] + draw(odd) + text[j:]
                    break
    return text


def _check(text: str) -> None:
    try:
        scene = parse_scene(text, "fuzz.toml")
    except SceneError as exc:
        message = str(exc)
        assert message.startswith("fuzz.toml: "), message
        assert message.isprintable(), message  # one line: no control or separator characters
        return
    assert isinstance(scene, Scene)
    assert parse_scene(format_scene(scene), "again.toml") == scene  # it saves and reads back


@settings(FUZZ, max_examples=2000)
@given(damaged_scenes())
def test_damaged_teaching_scenes_are_refused_cleanly_or_read(text):
    _check(text)


@settings(FUZZ, max_examples=400)
@given(st.lists(SNIPPETS | st.characters(), max_size=30).map("".join))
def test_arbitrary_text_is_refused_cleanly_or_read(text):
    _check("hipviz_scene = 1\n" + text)


@settings(FUZZ, max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300) | damaged_scenes().map(lambda t: t.encode("utf-8", "replace")))
def test_files_of_any_bytes_are_refused_cleanly_or_read(tmp_path, data):
    path = tmp_path / "fuzz.toml"
    path.write_bytes(data)
    try:
        read_scene(path)
    except SceneError as exc:
        assert str(exc).startswith(f"{path}: ") and str(exc).isprintable()


# --- --set -------------------------------------------------------------------------------------
KEYS = (
    st.sampled_from([f"{s}.{k}" for s in SIDES for k in POSE_KEYS])
    | st.sampled_from(["right.gt_superior_mm\n", "\x00", "left\u2028.x", "a" * 5000, " "])
    | st.text(max_size=20)
)
VALUES = (
    st.floats(allow_nan=True, allow_infinity=True).map(repr)
    | st.integers(-(10**6), 10**6).map(str)
    | st.sampled_from([HUGE, "-" + HUGE, "nan", "inf", "1e999", "", " 5 ", "1_0", "0x10", "５"])
    | st.text(max_size=12)
)
ITEMS = st.tuples(KEYS, st.sampled_from(["=", "", "=="]), VALUES).map("".join)


@settings(FUZZ, max_examples=1200)
@given(st.lists(ITEMS, max_size=4))
def test_set_options_are_refused_cleanly_or_give_a_pose(items):
    try:
        pose = _pose(argparse.Namespace(scene=None, set=items))
    except UsageError as exc:
        assert str(exc) and str(exc).isprintable(), str(exc)  # one line
        return
    for key, value in pose.as_dict().items():
        assert key.partition(".")[0] in SIDES and -90.0 <= value <= 90.0
