"""Text folded for comparison: case and accents removed, in every script (Türkiye = TURKIYE = turkiye)."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np

# From this length on, the combining marks are removed by numpy over the code points (about twice as fast as the
# regular expression on a register's descriptions joined together); shorter texts by the regular expression.
LONG = 4096


@lru_cache(maxsize=1)
def _combining_mask() -> np.ndarray:
    """True at every combining character of Unicode (unicodedata.combining), indexed by code point."""
    return np.fromiter((bool(unicodedata.combining(chr(code))) for code in range(0x110000)), dtype=bool,
                       count=0x110000)


@lru_cache(maxsize=1)
def _combining() -> re.Pattern:
    """The same characters as one character class of ranges."""
    codes = np.flatnonzero(_combining_mask())
    breaks = np.flatnonzero(np.diff(codes) != 1)
    firsts, lasts = codes[np.r_[0, breaks + 1]], codes[np.r_[breaks, len(codes) - 1]]
    return re.compile("[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in zip(firsts, lasts)) + "]")


def fold(text: str) -> str:
    """Casefolded, decomposed (NFKD) and without combining marks; ASCII text is only lower-cased (the same)."""
    if text.isascii():  # the common case: nothing to decompose
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    if len(decomposed) < LONG:
        return _combining().sub("", decomposed)
    codes = np.frombuffer(decomposed.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return codes[~_combining_mask()[codes]].tobytes().decode("utf-32-le", "surrogatepass")
