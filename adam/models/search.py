"""Search-side records: the countries a user follows (for the dashboard's recent changes).

The full-text index itself (SQLite FTS5 table, PostgreSQL tsvector table) is not an ORM model: it is
created and kept in sync by migration 0003_search and only read through adam.search.fulltext.
"""
from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Table

from adam.models.base import Base

followed_countries = Table(
    "followed_countries",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("country_id", ForeignKey("countries.id", ondelete="CASCADE"), primary_key=True, index=True),
)
