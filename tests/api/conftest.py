"""API test helpers: a user with a real token, and the Authorization header for it."""
from __future__ import annotations

import pytest

from adam.api import tokens
from tests.factories import make_user


def bearer(session, user, name: str = "test client") -> dict[str, str]:
    new = tokens.create_token(session, user, name)
    session.commit()
    return {"Authorization": f"Bearer {new.secret}"}


@pytest.fixture
def coordinator(session):
    return make_user(session, "coordinator", org="UNODC")


@pytest.fixture
def focal_point(session):
    return make_user(session, "focal_point", org="UK")


@pytest.fixture
def coordinator_headers(session, coordinator):
    return bearer(session, coordinator)


@pytest.fixture
def focal_headers(session, focal_point):
    return bearer(session, focal_point)
