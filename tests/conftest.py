"""One app per database (SQLite and PostgreSQL), built by the migrations, with reference data loaded once.

PostgreSQL runs whenever a server answers at ADAM_TEST_POSTGRES_URL; ADAM_REQUIRE_POSTGRES=1 makes an
unreachable server a failure instead of a skip. Each test run gets its own freshly created PostgreSQL
database (so parallel runs never collide), dropped at the end.
"""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from adam import create_app
from adam.extensions import db, limiter
from adam.models import user as user_model

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
BACKENDS = ["sqlite", "postgresql"]

# Real password hashing is deliberately slow; tests need many users, so they use a cheap method.
user_model.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


@pytest.fixture(scope="session", autouse=True)
def compiled_translations():
    """`make install` compiles the catalogues; `pytest` alone compiles those that are missing or older than their .po."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parent.parent / "adam" / "translations"
    for po in root.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as fh:
                catalog = read_po(fh, locale=po.parent.parent.name)
            with mo.open("wb") as fh:
                write_mo(fh, catalog)


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


@pytest.fixture
def scratch_database_url(database_url, tmp_path):
    """An empty database of the same kind as the test database, dropped afterwards."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    name = f"adam_scratch_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"))
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


# Uploads the tests make (IATI files, spreadsheet previews) go to a folder of their own, not the developer's instance/.
TEST_INSTANCE = Path(tempfile.mkdtemp(prefix="adam-tests-instance-"))
atexit.register(shutil.rmtree, TEST_INSTANCE, True)


def make_test_app(database_url: str, **extra):
    config = {
        "INSTANCE_PATH": str(TEST_INSTANCE),
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "localhost",
    }
    config.update(extra)
    app = create_app(config)

    # Tests hold an app context open, which every request in them shares: forget the user Flask-Login cached
    # in `g` by the previous request, so that each request authenticates from its own session cookie.
    @app.before_request
    def _forget_cached_user():
        g.pop("_login_user", None)

    return app


@pytest.fixture(scope="session")
def _migrated_app(database_url):
    """The schema comes from the Alembic migrations, not create_all, so tests prove the migrations."""
    from flask_migrate import upgrade

    from adam.refdata import load_organisations, load_reference_data

    app = make_test_app(database_url)
    with app.app_context():
        upgrade()
        load_reference_data(db.session)
        load_organisations(db.session)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


REFERENCE_TABLES = {"countries", "regions", "region_countries", "currencies", "pillars", "themes", "alembic_version"}
# Organisations seeded by refdata stay between tests (reloading them each time is slow); ones a test adds go.
SEEDED_TABLES = {"organisations": "id", "organisation_aliases": "organisation_id"}


def _clear_data(seeded_max_id: int) -> None:
    """Delete everything but reference data and the seeded organisations, children first."""
    for table in reversed(db.metadata.sorted_tables):
        if table.name in REFERENCE_TABLES:
            continue
        if table.name in SEEDED_TABLES:
            db.session.execute(table.delete().where(table.c[SEEDED_TABLES[table.name]] > seeded_max_id))
        else:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app(_migrated_app):
    from adam.models import Organisation
    from adam.overlap.report import clear_report_cache

    app = _migrated_app
    with app.app_context():
        seeded_max_id = app.config.setdefault(
            "TEST_SEEDED_ORGANISATION_MAX_ID", db.session.scalar(select(func.max(Organisation.id)))
        )
        _clear_data(seeded_max_id)
        clear_report_cache()  # the full report keeps its last pairs per database: each test starts without them
        if app.config.get("RATELIMIT_ENABLED", True):
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
