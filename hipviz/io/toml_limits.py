"""A linear-time look at TOML text before it is parsed: is it small enough to parse quickly?

Python's TOML parser takes time that grows faster than the text in some shapes: a table
header of 200,000 dotted parts (400 kB) takes minutes, and a megabyte of tables, keys or
array items takes seconds. A scene file is a short file (six tables, a few dozen keys),
so before parsing we count what the parser would have to build, skipping strings and
comments exactly as TOML delimits them, and refuse text over generous budgets. The
count is one pass with ``str.find`` and one regular expression without backtracking, so
it takes milliseconds even for a megabyte.
"""

from __future__ import annotations

import re

#: most table headers ([a] or [[a]]) in one file; a scene has at most six
MAX_HEADERS = 100
#: most key = value pairs; a scene has a few dozen
MAX_KEYS = 1000
#: most separators (commas) in arrays and inline tables
MAX_ITEMS = 10_000
#: most dotted parts on one line between commas (a key such as pose.right has two)
MAX_DOTS_PER_RUN = 64
#: deepest nesting of arrays and inline tables
MAX_DEPTH = 32
#: most structural characters of any kind (brackets, braces, =, commas, dots, line ends)
MAX_TOKENS = 50_000

_INTERESTING = re.compile(r"[\"'#\n\[\]{}=,.]")
#: the rest of a one-line basic string: no backtracking (the branches start differently)
_BASIC_REST = re.compile(r'(?:[^"\\\n]|\\.)*"')
#: the rest of a multi-line basic string, up to its closing three quotes
_ML_BASIC_REST = re.compile(r'(?:[^"\\]|\\.|"(?!""))*"""', re.S)


def too_complex(text: str) -> str | None:
    """Why ``text`` is too big a job for the TOML parser, or None when it is within budget.

    Text that is not valid TOML may pass (the parser then says where it is wrong); the
    point is only that whatever passes parses in a fraction of a second.
    """
    headers = keys = items = tokens = depth = dots = 0
    line_has_token = False
    pos, end = 0, len(text)
    while pos < end:
        m = _INTERESTING.search(text, pos)
        if m is None:
            break
        p = m.start()
        if not line_has_token and text[pos:p].strip():
            line_has_token = True
        c = text[p]
        tokens += 1
        if tokens > MAX_TOKENS:
            return f"more than {MAX_TOKENS} brackets, keys, commas and lines"
        if c == "#":
            nl = text.find("\n", p)
            pos = end if nl < 0 else nl
            continue
        if c == '"' or c == "'":
            pos = _skip_string(text, p)
            if pos < 0:
                return None  # unterminated: the parser stops there with a syntax error
            line_has_token = True
            continue
        if c == "\n":
            line_has_token = False
            dots = 0
        elif c == ".":
            dots += 1
            if dots > MAX_DOTS_PER_RUN:
                return f"a key or value with more than {MAX_DOTS_PER_RUN} dotted parts"
        elif c == ",":
            dots = 0
            items += 1
            if items > MAX_ITEMS:
                return f"more than {MAX_ITEMS} list or inline-table items"
        elif c == "=":
            keys += 1
            if keys > MAX_KEYS:
                return f"more than {MAX_KEYS} keys"
        elif c in "[{":
            if c == "[" and not line_has_token and depth == 0:
                headers += 1
                if headers > MAX_HEADERS:
                    return f"more than {MAX_HEADERS} table headers"
            depth += 1
            if depth > MAX_DEPTH:
                return f"lists or tables nested more than {MAX_DEPTH} deep"
            line_has_token = True
        elif c in "]}":
            depth = max(depth - 1, 0)
            line_has_token = True
        pos = p + 1
    return None


def _skip_string(text: str, p: int) -> int:
    """The position after the string that starts at ``p``, or -1 if it never ends."""
    q = text[p]
    if text.startswith(q * 3, p):
        if q == '"':
            m = _ML_BASIC_REST.match(text, p + 3)
            close = -1 if m is None else m.end()
        else:
            found = text.find("'''", p + 3)
            close = -1 if found < 0 else found + 3
        if close < 0:
            return -1
        extra = 0  # up to two more quotes belong to the string ("""a"""" ends in a quote)
        while extra < 2 and close < len(text) and text[close] == q:
            close += 1
            extra += 1
        return close
    if q == '"':
        m = _BASIC_REST.match(text, p + 1)
        return -1 if m is None else m.end()
    found = text.find("'", p + 1)
    nl = text.find("\n", p + 1)
    if found < 0 or (0 <= nl < found):
        return -1
    return found + 1
