"""Every user-facing text in the templates is inside a translation construct ({{ _('…') }} or {% trans %})."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

# Words that are the same in every language: names and technical acronyms, never translated.
ALLOWED_WORDS = {"ADAM", "IATI", "CSV", "XLSX", "JSON", "XML", "API", "PDF", "USD"}
# Attributes that people read (screen readers included).
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "label"}
# Elements whose content is code or machine text, not prose (a curl example, a token).
CODE_ELEMENTS = {"code", "pre", "script", "style"}

_TRANS_BLOCK = re.compile(r"{%-?\s*trans\b.*?{%-?\s*endtrans\s*-?%}", re.S)
_JINJA = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.S)
_LETTER = re.compile(r"[^\W\d_]")


def strip_jinja(source: str) -> str:
    """The template as the HTML a browser would get if every expression and statement printed nothing:
    what is left is the literal text, which must not contain words."""
    source = _TRANS_BLOCK.sub("", source)
    return _JINJA.sub("", source)


def _words(text: str) -> list[str]:
    words = re.findall(r"[^\W_][\w'’-]*", text)
    return [w for w in words if _LETTER.search(w) and w not in ALLOWED_WORDS]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open_code = 0
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        if tag in CODE_ELEMENTS:
            self.open_code += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value and _words(value):
                self.found.append(f'<{tag} {name}="{value}">')

    def handle_endtag(self, tag):  # noqa: ANN001
        if tag in CODE_ELEMENTS and self.open_code:
            self.open_code -= 1

    def handle_data(self, data):  # noqa: ANN001
        if not self.open_code and _words(data):
            self.found.append(data.strip())


# String literals inside {{ }} and {% %} that are code, not text: a WTForms type name, a strftime pattern, and the
# overlap engine's label compared in a test (the label itself is shown through the `tr` filter).
CODE_LITERALS = {"BooleanField", "%Y-%m-%d %H:%M", "likely duplicate"}
_EXPRESSION = re.compile(r"{{(.*?)}}|{%(.*?)%}", re.S)
_GETTEXT_CALL = re.compile(r"\b_\(\s*(['\"]).*?\1", re.S)
_LITERAL = re.compile(r"(['\"])((?:(?!\1).)*)\1")


def prose_literals(source: str) -> list[str]:
    """String literals in expressions that read as prose (several words, or a capitalised word) outside _()."""
    found = []
    for match in _EXPRESSION.finditer(_TRANS_BLOCK.sub("", source)):
        expression = _GETTEXT_CALL.sub("", match.group(1) or match.group(2))
        for literal in _LITERAL.finditer(expression):
            text = literal.group(2)
            if text in CODE_LITERALS or not _LETTER.search(text):
                continue
            if " " in text.strip() or re.match(r"[A-Z][a-z]", text):
                found.append(text)
    return found


def untranslated(source: str) -> list[str]:
    collector = _Collector()
    collector.feed(strip_jinja(source))
    collector.close()
    return collector.found + prose_literals(source)


@pytest.mark.parametrize("template", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")))
def test_template_has_no_untranslated_text(template):
    found = untranslated((TEMPLATES / template).read_text(encoding="utf-8"))
    assert not found, f"{template}: text outside _() or {{% trans %}}: {found}"


def test_the_lint_finds_text_nodes_and_read_attributes_left_in_english():
    source = """<h1>{{ _('Projects') }}</h1><p>Nothing here</p>
    <a title="Open it" aria-label="{{ _('Main') }}">{{ name }}</a><img alt="Map of {{ x }}">
    <input placeholder="e.g. ours"><p>{% trans %}Translated {{ n }} words{% endtrans %} ADAM · CSV</p>
    <pre><code>curl -H "Authorization: Bearer $TOKEN"</code></pre>"""
    assert untranslated(source) == ["Nothing here", '<a title="Open it">', '<img alt="Map of ">',
                                    '<input placeholder="e.g. ours">']


def test_the_lint_finds_prose_in_template_expressions():
    source = """{{ 'New user' if not user else user.email }} {{ field(form.x, hint="At least one.") }}
    {{ _('Saved %(n)s', n=1) }} {{ url_for('main.index') }} {{ 'yes' if a else 'Never' }}"""
    assert untranslated(source) == ["New user", "At least one.", "Never"]


def test_the_lint_accepts_a_fully_translated_template():
    source = """{% extends "base.html" %}{% block title %}{{ _('Users') }}{% endblock %}
    <label for="x">{{ _('Name') }}</label> <span class="muted">{{ user.name }} · {{ user.organisation or '—' }}</span>"""
    assert untranslated(source) == []
