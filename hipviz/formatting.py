"""Numbers as every surface shows them (tables, panels, captions, plots): no Qt, no numpy.

One helper so that a value that rounds to zero reads the same everywhere: ``-0.0``
(Python's format of a tiny negative number or of IEEE negative zero) looks to a student
like a real change, so it is never printed.
"""

from __future__ import annotations

import logging
import math

log = logging.getLogger(__name__)


def number(value: float, decimals: int = 1, *, sign: bool = False, width: int = 0) -> str:
    """``value`` with ``decimals`` places; ``sign``: always a sign (``+2.0``, ``-1.5``).

    A value that rounds to zero is ``0.0`` (or ``+0.0`` with ``sign``), never ``-0.0``.
    ``width``: right-aligned in at least this many characters.

    >>> number(-0.04), number(-0.0, 2, sign=True), number(20.55, sign=True), number(3, 0)
    ('0.0', '+0.00', '+20.6', '3')
    """
    spec = f"{'+' if sign else ''}{width if width else ''}.{decimals}f"
    text = format(value, spec)
    if text.lstrip().startswith("-") and not math.isnan(value) and float(text) == 0:
        text = format(0.0, spec)
    return text
