"""Helpers shared by web tests."""
from __future__ import annotations


def login(client, user) -> None:
    """Log a user in without going through the form (the login form has its own tests)."""
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user.id)
        sess["_fresh"] = True
