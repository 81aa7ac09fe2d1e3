"""Free text over the project index built by migration 0003_search, in each database's own full-text engine.

Both engines see the same words: user input is split into Unicode word tokens here (so no operator or
quote typed by a user reaches FTS5 or to_tsquery), every token must match, and the last one also
matches as a prefix so "precurs" finds "precursors". Accents and case never matter (FTS5 unicode61
remove_diacritics 2; PostgreSQL unaccent over the 'simple' configuration).
"""
from __future__ import annotations

import re

from sqlalchemy import Select, column, func, literal, literal_column, select, table
from sqlalchemy.dialects.postgresql import REGCONFIG, TSVECTOR

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TOKENS = 12

# Column weights for SQLite bm25 (title, summary, description, institutions), matching PostgreSQL's A/B/C/B.
_BM25 = "bm25(project_search, 10.0, 4.0, 1.0, 4.0)"

_sqlite_index = table("project_search", column("rowid"))
_pg_index = table("project_search", column("project_id"), column("document", TSVECTOR))


def tokens(text: str) -> list[str]:
    """The words of a free-text query, case-folded (and ё as е, as in the index), at most MAX_TOKENS."""
    return [t.casefold().replace("ё", "е") for t in _WORD.findall(text or "")][:MAX_TOKENS]


def sqlite_match_expression(words: list[str]) -> str:
    # Each token quoted (so FTS5 syntax such as NEAR, AND, column filters or '-' is taken literally).
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def postgres_tsquery_text(words: list[str]) -> str:
    # \w tokens hold no tsquery operator; to_tsquery then applies unaccent/lowercase like the documents.
    parts = list(words)
    parts[-1] += ":*"
    return " & ".join(parts)


def ranked_matches(dialect: str, text: str) -> Select | None:
    """SELECT project_id, score for projects matching text (higher score = better); None for no words."""
    words = tokens(text)
    if not words:
        return None
    if dialect == "sqlite":
        return (
            select(
                _sqlite_index.c.rowid.label("project_id"),
                (-literal_column(_BM25)).label("score"),
            )
            .select_from(_sqlite_index)
            .where(literal_column("project_search").op("MATCH")(literal(sqlite_match_expression(words))))
        )
    if dialect == "postgresql":
        query = func.to_tsquery(literal("simple", REGCONFIG), func.unaccent(literal(postgres_tsquery_text(words))))
        return select(
            _pg_index.c.project_id.label("project_id"),
            func.ts_rank(_pg_index.c.document, query).label("score"),
        ).where(_pg_index.c.document.op("@@")(query))
    raise NotImplementedError(f"no full-text search for {dialect}")
