"""The classroom server's door, without a browser: what a message may be, how text is logged."""

from __future__ import annotations

from pathlib import Path

import msgpack
import pytest

from hipviz.io.model_files import load_model
from hipviz.web.wire import MAX_REQUEST_BYTES, WireError, answer, decode, shown


def frame(content: bytes, announced: int | None = None, offset: int = 0) -> bytes:
    total = len(content) if announced is None else announced
    return (
        b"\x01\x02\x03\x04" + offset.to_bytes(4, "little") + total.to_bytes(4, "little") + content
    )


def test_a_request_is_decoded():
    request = {"wslink": "1.0", "id": "rpc:1", "method": "trame.trigger", "args": ["x", [], {}]}
    assert decode(frame(msgpack.packb(request))) == request


@pytest.mark.parametrize(
    "data, words",
    [
        (frame(b"\x80", announced=250_000_000), "announcing 250000000 bytes"),
        (frame(b"\x80", announced=MAX_REQUEST_BYTES + 1), "at most"),
        (frame(b"\x80", announced=2), "several frames"),
        (frame(b"\x80", offset=4), "several frames"),
        (frame(b"\x91" * 5000 + b"\xc0"), "not a request"),
        (frame(msgpack.packb([1, 2])), "must be a map"),
        (frame(msgpack.packb({1: 2})), "not a request"),  # keys must be text
        (frame(b"\xc1"), "not a request"),
        (b"\x00" * 5, "shorter than its header"),
    ],
)
def test_a_bad_message_is_refused_before_it_is_read(data, words):
    with pytest.raises(WireError, match=words):
        decode(data)


def test_an_answer_is_one_frame_the_page_reads():
    (only,) = answer("rpc:7", {"ok": True})
    assert int.from_bytes(only[8:12], "little") == len(only) - 12
    assert msgpack.unpackb(only[12:]) == {"wslink": "1.0", "id": "rpc:7", "result": {"ok": True}}


@pytest.mark.parametrize(
    "text, logged",
    [
        ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
        ("one\nCRITICAL forged", "one\\x0aCRITICAL forged"),
        ("\u202eevil", "\\u202eevil"),
        ("A" * 100, "A" * 80 + "..."),
    ],
)
def test_text_from_a_page_is_logged_with_its_escapes_visible(text, logged):
    assert shown(text) == logged
    assert shown(text).isprintable() and shown(text).isascii()


@pytest.mark.parametrize("token", ["tökén", "\ud800", "", None, ["x"], 12])
def test_any_wrong_token_is_refused_not_a_failure(token):
    from hipviz.web.classroom import Classroom, MessageError

    with pytest.raises(MessageError, match="token is wrong"):
        Classroom(load_model(), token="right-token").check_token(token)


@pytest.mark.parametrize(
    "body, words",
    [
        ("[" * 30_000 + "]" * 30_000, "nested too deeply"),
        ('{"pose": {"right.gt_superior_mm": ' + "9" * 400 + "}}", "400 digits"),
        ('{"pose": NaN}', "NaN is not a number"),
    ],
)
def test_a_lead_body_is_refused_with_the_reason(body, words):
    from hipviz.web.server import parse_body

    with pytest.raises(ValueError, match=words):
        parse_body(body)


# --- hipviz_position: a muscle's stretch or release position, asked by one page ------------
PAGE_POSE = {"right.gt_superior_mm": 3.0, "left.hip_flexion_deg": 20.0}


def test_a_position_request_is_the_searchs_answer_from_the_pages_pose():
    from hipviz.core.pose import Pose
    from hipviz.core.positions import find_position
    from hipviz.web.classroom import Classroom, check_pose_message

    model = load_model()
    room = Classroom(model)
    got = room.position("piriformis", "right", "lengthen", PAGE_POSE)
    expected = find_position(
        model, "piriformis", "right", "lengthen", start=check_pose_message(PAGE_POSE)
    )
    assert model.pose == Pose()  # the shared model is not moved by a page
    p = got["position"]
    assert p["key"] == "right.piriformis" and p["goal"] == "lengthen"
    assert p["change_mm"] == pytest.approx(expected.change_mm, abs=1e-3)
    assert p["words"] in p["caption"] and "stretch position" in p["caption"]
    assert got["scene"]["modified"] and got["controls"] and got["rows"]
    # the left hip stays where the page had it
    assert got["controls"]["left.hip_flexion_deg"] == pytest.approx(20.0)


HOSTILE = [
    "",
    "piriformis ",
    "PIRIFORMIS",
    "<b>x</b>",
    "\x1b[31m",
    None,
    3,
    1.5,
    True,
    ["piriformis"],
    {"a": 1},
    "a" * 10_000,
]


@pytest.mark.parametrize("where", ["muscle", "side", "goal"])
@pytest.mark.parametrize("value", HOSTILE)
def test_a_position_request_outside_the_allow_list_is_refused_with_the_reason(where, value):
    from hipviz.web.classroom import Classroom, MessageError

    args = {"muscle": "piriformis", "side": "right", "goal": "shorten", **{where: value}}
    with pytest.raises(MessageError, match=f"^{where} must be one of ") as caught:
        Classroom(load_model()).position(args["muscle"], args["side"], args["goal"], PAGE_POSE)
    text = str(caught.value)  # one short printable line (the value shown escaped, cut)
    assert len(text) < 400 and text.isprintable() and "\x1b" not in text


@pytest.mark.parametrize("pose, scene", [({"right.knee": 1}, 0), (PAGE_POSE, 7), ([], 0)])
def test_a_position_request_with_a_bad_pose_or_scene_is_refused(pose, scene):
    from hipviz.web.classroom import Classroom, MessageError

    with pytest.raises(MessageError):
        Classroom(load_model()).position("piriformis", "right", "lengthen", pose, scene)


def test_a_position_is_answered_to_the_asking_page_only_and_rate_limited():
    """The running server, spoken to by two pages over the wire: one asks, only it hears."""
    from served import running_server
    from wire_client import RawPage

    from hipviz.web.gate import POSITIONS_PER_S

    with running_server([Path("scenes/01_neutral.toml")]) as server:
        port = int(server.url.rsplit(":", 1)[1].strip("/"))
        asker, other = RawPage(port), RawPage(port)
        try:
            for page in (asker, other):
                page.answer(page.call("wslink.hello", [{"secret": "s"}], "system:c0:0"))
                page.answer(page.call("trame.state.get"), timeout=20)
            rpcid = asker.trigger(
                "hipviz_position", "piriformis", "right", "lengthen", PAGE_POSE, 0
            )
            got = asker.answer(rpcid, timeout=20)["result"]
            assert "stretch position" in got["position"]["caption"]
            with pytest.raises(TimeoutError):  # nothing reaches the other page
                other.read(timeout=1.0)
            # refused with the reason, as the page's code reads it
            bad = asker.trigger("hipviz_position", "<script>", "right", "lengthen", PAGE_POSE)
            assert "muscle must be one of" in asker.answer(bad, timeout=20)["result"]["error"]
            few = asker.trigger("hipviz_position", "piriformis", "right")
            assert "takes (muscle, side, goal" in asker.answer(few, timeout=20)["result"]["error"]
            # a burst: past the page's budget the rest are refused at once, "try again"
            answers = []
            for goal in ["lengthen", "shorten"] * 3:
                rpcid = asker.trigger("hipviz_position", "piriformis", "left", goal, PAGE_POSE)
                answers.append(asker.answer(rpcid, timeout=20)["result"])
            refused = [a for a in answers if "too many position searches" in a.get("error", "")]
            assert refused and len(refused) < len(answers)
            assert f"at most {POSITIONS_PER_S:g} a second" in refused[0]["error"]
        finally:
            asker.close()
            other.close()


def test_a_lead_is_packed_once_and_every_page_gets_the_same_bytes():
    """A hundred followers cost one solve and one packing per lead, not a hundred: every
    page receives the very bytes packed once, message id included (the id is drawn at
    random each time a message is packed, so pages packed for one by one would differ)."""
    from served import running_server
    from wire_client import RawPage

    with running_server([Path("scenes/01_neutral.toml")]) as server:
        port = int(server.url.rsplit(":", 1)[1].strip("/"))
        token = server.instructor_url.split("token=")[1]
        pages = [RawPage(port) for _ in range(4)]
        try:
            for page in pages:
                page.answer(page.call("wslink.hello", [{"secret": "s"}], "system:c0:0"))
                page.answer(page.call("trame.state.get"), timeout=20)
            teacher, followers = pages[0], pages[1:]
            for page in followers:
                page.answer(page.trigger("hipviz_follow", True))
            for step in (1, 2):
                pose = {"right.gt_superior_mm": 2.0 * step}
                seq = teacher.answer(
                    teacher.trigger("hipviz_lead", token, pose, None, None), timeout=20
                )["result"]["seq"]
                heard = []
                for page in followers:
                    while True:
                        message = page.read(timeout=20)
                        lead = (message.get("result") or {}).get("lead")
                        if str(message.get("id")).startswith("publish:") and lead:
                            if lead["seq"] == seq:
                                break
                    assert lead["controls"]["right.gt_superior_mm"] == 2.0 * step
                    heard.append(page.last_packed)
                assert len(set(heard)) == 1, "each follower got a lead packed for it alone"
        finally:
            for page in pages:
                page.close()


def test_the_classroom_carries_gluteus_maximus_and_tfl():
    """Students get every path's numbers, may ask for the new muscles' stretch position, and
    see their lines when a scene shows them (scenes 13 and 14); the default hides them."""
    from hipviz.core.muscles import HIDDEN_BY_DEFAULT
    from hipviz.io.scene import read_scene
    from hipviz.web.classroom import Classroom

    root = Path(__file__).resolve().parents[1] / "scenes"
    scenes = [
        (p.stem, read_scene(root / f"{p.stem}.toml"))
        for p in (root / "01_neutral.toml", root / "13_gluteus_maximus.toml")
    ]
    room = Classroom(load_model(), scenes)
    neutral, maximus = room.open_scene(0), room.open_scene(1)
    keys = {f"{r['side']}.{r['muscle']}" for r in neutral["rows"]}
    assert {f"{s}.{m}" for s in ("right", "left") for m in HIDDEN_BY_DEFAULT} <= keys

    # scene 13 draws its six gluteus maximus paths (each a fan of fibres); the neutral
    # scene none of them
    def lines(update) -> int:  # the compartments drawn
        return len(set(update["muscles"]["owner"]))

    assert lines(maximus) == 6 and lines(neutral) == 14
    assert maximus["keys"] == [k for k in room.model.muscles.keys if "maximus" in k]
    found = room.position("gluteus_maximus_inferior", "right", "lengthen", PAGE_POSE)
    assert found["position"]["key"] == "right.gluteus_maximus_inferior"
    assert found["position"]["change_mm"] > 0
