"""The French, Russian and Spanish catalogues are complete, not fuzzy, keep every placeholder, and match the code."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "adam" / "translations"
LANGUAGES = ("fr", "ru", "es")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdr]|%%")


def _catalogue(language: str):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=language)


def _template():
    with (TRANSLATIONS / "messages.pot").open("rb") as fh:
        return read_po(fh)


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    catalogue = _catalogue(language)
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in _template() if m.id}
    translated = {}
    for message in catalogue:
        if not message.id:
            continue
        assert not message.fuzzy, f"{language}: fuzzy entry {message.id!r}"
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(s.strip() for s in strings), f"{language}: no translation for {message.id!r}"
        translated[message.id if isinstance(message.id, str) else message.id[0]] = strings
    assert ids <= set(translated), f"{language}: missing {sorted(ids - set(translated))}"
    assert len(ids) > 400  # the whole interface, not a sample


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder(language):
    catalogue = _catalogue(language)
    plural_forms = catalogue.num_plurals  # CLDR: fr and es have one/many/other, ru one/few/many
    for message in catalogue:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            assert len(message.string) == plural_forms, f"{language}: {message.id[0]!r} needs {plural_forms} forms"
            expected = _placeholders(message.id[1])
            strings = message.string
        else:
            expected = _placeholders(message.id)
            strings = (message.string,)
        for string in strings:
            assert _placeholders(string) == expected, f"{language}: {message.id!r} -> {string!r}"


def test_the_catalogue_template_is_up_to_date_with_the_code(tmp_path):
    """A string marked in the code or the templates but missing from messages.pot (and so from the translations)."""
    out = tmp_path / "messages.pot"
    subprocess.run([str(Path(sys.executable).with_name("pybabel")), "-q", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-k", "N_", "-k", "Message", "--no-location", "-o", str(out), "."],
                   cwd=ROOT, check=True)
    with out.open("rb") as fh:
        current = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    committed = {m.id if isinstance(m.id, str) else m.id[0] for m in _template() if m.id}
    assert current - committed == set(), "run the pybabel extract/update commands of the README"
