"""One app per database (SQLite and PostgreSQL), built by the migrations, with reference data loaded once.

PostgreSQL runs whenever a server answers at ADAM_TEST_POSTGRES_URL; ADAM_REQUIRE_POSTGRES=1 makes an
unreachable server a failure instead of a skip. Each test run gets its own freshly created PostgreSQL
database (so parallel runs never collide), dropped at the end.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from adam import create_app
from adam.extensions import db, limiter

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
BACKENDS = ["sqlite", "postgresql"]


def _pg_admin_url() -> str:
    url = os.environ.get("ADAM_TEST_POSTGRES_URL", DEFAULT_PG)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _create_pg_database() -> tuple[str, callable]:
    admin_url = _pg_admin_url()
    try:
        engine = create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        message = f"PostgreSQL not reachable at {admin_url}: {exc.__class__.__name__}"
        if os.environ.get("ADAM_REQUIRE_POSTGRES") == "1":
            pytest.fail(message + " (ADAM_REQUIRE_POSTGRES=1)")
        pytest.skip(message)
    name = f"adam_test_{uuid.uuid4().hex[:10]}"
    with engine.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with engine.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"),
                {"n": name},
            )
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        engine.dispose()

    return url, drop


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "adam.sqlite3"
        yield f"sqlite:///{path}"
        return
    url, drop = _create_pg_database()
    yield url
    drop()


def make_test_app(database_url: str, **extra):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "localhost",
    }
    config.update(extra)
    return create_app(config)


@pytest.fixture(scope="session")
def _migrated_app(database_url):
    """The schema comes from the Alembic migrations, not create_all, so tests prove the migrations."""
    from flask_migrate import upgrade

    from adam.refdata import load_reference_data

    app = make_test_app(database_url)
    with app.app_context():
        upgrade()
        load_reference_data(db.session)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


REFERENCE_TABLES = {"countries", "regions", "region_countries", "currencies", "pillars", "themes", "alembic_version"}


def _clear_data() -> None:
    """Delete everything but reference data, children first."""
    for table in reversed(db.metadata.sorted_tables):
        if table.name not in REFERENCE_TABLES:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app(_migrated_app):
    app = _migrated_app
    with app.app_context():
        _clear_data()
        # Organisations seeded by refdata are data, not reference: put them back for every test.
        from adam.refdata import load_organisations

        load_organisations(db.session)
        db.session.commit()
        if limiter.enabled:  # reset() needs a storage, which a disabled limiter never creates
            limiter.reset()
        yield app
        db.session.rollback()
        db.session.remove()


@pytest.fixture
def session(app):
    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def backend(database_url) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA}")
    return SHARED_DATA
