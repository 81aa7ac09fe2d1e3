"""A throwaway PostgreSQL database for a benchmark or a profile: created on entry, dropped on exit (its
connections closed), whatever happens in between."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def psycopg_url(url: str) -> str:
    """The URL with SQLAlchemy's psycopg 3 driver (postgresql:// would ask for psycopg2)."""
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def unreachable(admin_url: str) -> str | None:
    """Why the server at admin_url cannot be used (the exception's class name), or None when it answers."""
    engine = create_engine(psycopg_url(admin_url), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return None
    except Exception as exc:  # noqa: BLE001 - a bench without a server reports why it skipped
        return exc.__class__.__name__
    finally:
        engine.dispose()


@contextmanager
def throwaway_database(admin_url: str, prefix: str = "adam_bench") -> Iterator[str]:
    """Yields the URL (psycopg driver) of a new empty UTF-8 database on the server of admin_url."""
    admin_url = psycopg_url(admin_url)
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        with engine.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"))
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with engine.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    finally:
        engine.dispose()
