"""Declarative base with named constraints (Alembic batch mode on SQLite needs names)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    """Timezone-aware now; used as a callable default so every row gets its own stamp."""
    return dt.datetime.now(dt.timezone.utc)


# Tables kept by hand-written migrations and triggers, not by the ORM (the full-text index of adam.search and
# the search's version counter, project_search_version):
# Alembic's autogenerate must neither create nor drop them.
UNMANAGED_TABLE_PREFIXES = ("project_search",)


def include_in_autogenerate(name: str | None, type_: str, parent_names: dict) -> bool:
    return not (type_ == "table" and name and name.startswith(UNMANAGED_TABLE_PREFIXES))
