"""The classroom server's door, without a browser: what a message may be, how text is logged."""

from __future__ import annotations

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
