"""The API tokens section of the profile page as its users see it."""
from __future__ import annotations

import re
from pathlib import Path

from adam.api import tokens
from tests.factories import make_user
from tests.helpers import login

CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "adam.css"


def test_the_token_table_is_laid_out_as_the_other_tables_and_a_long_name_wraps(client, session):
    user = make_user(session)
    name = "x" * tokens.MAX_NAME_LENGTH  # one long word: it stretched the table past the page's right edge
    tokens.create_token(session, user, name)
    session.commit()
    login(client, user)
    page = client.get("/account/profile").get_data(as_text=True)
    table = re.search(r'<table class="([^"]*)">.*?</table>', page, re.S)
    assert table and "data" in table.group(1).split()  # headers left-aligned, rows ruled, as elsewhere
    cell = re.search(r'<td class="([^"]*)">' + name + "</td>", table.group(0))
    assert cell, "the name is in a cell of its own class"
    rule = re.search(r"td\." + re.escape(cell.group(1)) + r"\s*\{([^}]*)\}", CSS.read_text())
    assert rule and "overflow-wrap: anywhere" in rule.group(1)
