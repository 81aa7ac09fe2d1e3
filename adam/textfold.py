"""Text folded for comparison: case and accents removed, in every script (Türkiye = TURKIYE = turkiye)."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


@lru_cache(maxsize=1)
def _combining() -> re.Pattern:
    """Every combining character of Unicode (unicodedata.combining), as one character class of ranges."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x110000):
        if unicodedata.combining(chr(code)):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return re.compile("[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges) + "]")


def fold(text: str) -> str:
    """Casefolded, decomposed (NFKD) and without combining marks; ASCII text is only lower-cased (the same)."""
    if text.isascii():  # the common case: nothing to decompose
        return text.lower()
    return _combining().sub("", unicodedata.normalize("NFKD", text.casefold()))
