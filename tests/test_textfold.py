"""fold(): case and accents removed in every script, by the regular expression (short texts) or numpy (long ones)."""
from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from adam import textfold
from adam.textfold import LONG, fold


def by_regex(text: str) -> str:
    return textfold._combining().sub("", unicodedata.normalize("NFKD", text.casefold()))


def test_examples_in_several_scripts():
    assert fold("Türkiye") == fold("TURKIYE") == "turkiye"
    assert fold("Côte d'Ivoire") == "cote d'ivoire"
    assert fold("Straße") == "strasse"
    assert fold("ЙОШКАР-ОЛА") == "иошкар-ола"  # й is и with a breve
    assert fold("ﬁnance") == "finance"


def test_the_character_class_is_every_combining_character():
    pattern = textfold._combining()
    combining = [code for code in range(0x110000) if unicodedata.combining(chr(code))]
    assert len(combining) > 500
    found = re.findall(pattern, "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF))
    assert [ord(c) for c in found] == [c for c in combining if not 0xD800 <= c <= 0xDFFF]


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("e\u0301\u0308ÉйßﬁΣ\x1f"), max_size=80))
def test_a_long_text_is_folded_as_a_short_one(piece):
    long = (piece + " Türkiye ") * (LONG // (len(piece) + 9) + 1)
    assert len(long) >= LONG
    assert fold(long) == by_regex(long)
    assert fold(piece) == by_regex(piece)


def test_a_lone_surrogate_survives_the_long_path():
    long = "é\ud800x" * LONG
    assert fold(long) == by_regex(long) == "e\ud800x" * LONG
