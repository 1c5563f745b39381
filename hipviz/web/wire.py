"""The classroom page's wire format (wslink's, which trame's browser code speaks), read with caps.

A websocket message is a 12-byte header (message id, offset, total size: three
little-endian uint32) and msgpack content; a message larger than one frame comes in
several. A page's requests are a few hundred bytes, so the server takes only whole,
single-frame messages of at most :data:`MAX_REQUEST_BYTES`: the header's announced size
is checked before anything is allocated, and msgpack is unpacked with its own caps
(strings, arrays, maps, nesting depth). What comes out is plain data still to be
checked by the caller: nothing here trusts it.
"""

from __future__ import annotations

import secrets

import msgpack

HEADER_BYTES = 12
#: the largest request a page may send, bytes (a pose message is about 300)
MAX_REQUEST_BYTES = 16 * 1024
#: the largest frame the server sends; larger answers go in several (the page joins them)
MAX_FRAME_BYTES = 4 * 1024 * 1024


class WireError(ValueError):
    """A message is not one a page sends; the text says why (safe to show the page)."""


def decode(frame: bytes) -> dict:
    """One request from a page: the msgpack map of a whole single-frame message.

    Raises WireError for a header announcing more than :data:`MAX_REQUEST_BYTES`, a
    message split over frames, content that is not msgpack within the caps, or not a map.
    """
    if len(frame) < HEADER_BYTES:
        raise WireError("a message shorter than its header")
    offset = int.from_bytes(frame[4:8], "little")
    total = int.from_bytes(frame[8:12], "little")
    if total > MAX_REQUEST_BYTES:
        raise WireError(f"a message announcing {total} bytes; at most {MAX_REQUEST_BYTES}")
    content = frame[HEADER_BYTES:]
    if offset != 0 or total != len(content):
        raise WireError("a message in several frames; a page's requests fit in one")
    try:
        message = msgpack.unpackb(
            content,
            raw=False,
            strict_map_key=True,
            max_str_len=MAX_REQUEST_BYTES,
            max_bin_len=0,
            max_ext_len=0,
            max_array_len=256,
            max_map_len=64,
        )
    except (ValueError, msgpack.ExtraData, msgpack.StackError, msgpack.FormatError) as exc:
        raise WireError(f"not a request ({type(exc).__name__})") from None
    if not isinstance(message, dict):
        raise WireError("a request must be a map")
    return message


def frames(content: dict) -> list[bytes]:
    """``content`` packed and cut into frames with wslink's header (one id for all)."""
    return cut(msgpack.packb(content))


def cut(packed: bytes) -> list[bytes]:
    """A packed message cut into frames with wslink's header (one id for all)."""
    ident = secrets.token_bytes(4)
    total = len(packed).to_bytes(4, "little")
    step = MAX_FRAME_BYTES - HEADER_BYTES
    return [
        ident + offset.to_bytes(4, "little") + total + packed[offset : offset + step]
        for offset in range(0, max(len(packed), 1), step)
    ]


def answer(rpcid: str, result) -> list[bytes]:
    """The frames answering request ``rpcid`` with ``result``."""
    return frames({"wslink": "1.0", "id": rpcid, "result": result})


def packed_answer(rpcid: str, packed_result: bytes) -> list[bytes]:
    """:func:`answer` for a result packed once beforehand (the large first state)."""
    head = msgpack.packb({"wslink": "1.0", "id": rpcid, "result": None})[:-1]  # drop nil
    return cut(head + packed_result)


def refusal(rpcid: str, reason: str, code: int = -32000) -> list[bytes]:
    """The frames refusing request ``rpcid``: the reason, never a traceback."""
    return frames({"wslink": "1.0", "id": rpcid, "error": {"code": code, "message": reason}})


def publication(topic: str, number: int, data) -> list[bytes]:
    """The frames of a server-sent update on ``topic`` (what trame calls a publish)."""
    return frames({"wslink": "1.0", "id": f"publish:{topic}:{number}", "result": data})


def shown(text, limit: int = 80) -> str:
    """Text from a page as it may be logged or quoted: ASCII, escapes visible, cut short.

    Control characters (ANSI colour codes, new lines that would forge log lines) and
    non-ASCII characters appear as ``\\x1b``, ``\\n``, ``\\u202e``.
    """
    text = str(text)
    cut = len(text) > limit
    text = text[:limit].encode("ascii", "backslashreplace").decode("ascii")
    text = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)
    return text + ("..." if cut else "")
