"""Backup and restore of the whole database as one portable JSON document (SQLite <-> PostgreSQL).

Every table on the metadata is written in dependency order; restore refuses a non-empty database, inserts in the
same order and moves PostgreSQL sequences past the restored ids. Plain SQLAlchemy Core: no Flask.
"""
from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
from decimal import Decimal
from pathlib import Path
from typing import IO

from sqlalchemy import JSON, Date, DateTime, LargeBinary, MetaData, Numeric, func, insert, select, text
from sqlalchemy.engine import Connection

FORMAT = "adam-backup/1"
SKIP_TABLES = {"alembic_version"}


class BackupError(RuntimeError):
    pass


def _encode(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _decoder(column):
    kind = column.type
    if isinstance(kind, DateTime):
        return lambda v: dt.datetime.fromisoformat(v) if v is not None else None
    if isinstance(kind, Date):
        return lambda v: dt.date.fromisoformat(v) if v is not None else None
    if isinstance(kind, Numeric):
        return lambda v: Decimal(v) if v is not None else None
    if isinstance(kind, LargeBinary):
        return lambda v: base64.b64decode(v) if v is not None else None
    if isinstance(kind, JSON):
        return lambda v: v
    return lambda v: v


def _open(path: Path, mode: str) -> IO:
    if str(path).endswith(".gz"):
        return gzip.open(path, mode + "t", encoding="utf-8")
    return open(path, mode, encoding="utf-8")


def dump(connection: Connection, metadata: MetaData, path: Path) -> dict[str, int]:
    """Write every row of every table; returns the row count per table."""
    counts: dict[str, int] = {}
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    with _open(path, "w") as out:
        out.write(json.dumps({"format": FORMAT, "revision": revision,
                              "at": dt.datetime.now(dt.timezone.utc).isoformat()}) + "\n")
        for table in metadata.sorted_tables:
            if table.name in SKIP_TABLES:
                continue
            columns = [c.name for c in table.columns]
            order = [table.c[c.name] for c in table.primary_key.columns] or [table.c[columns[0]]]
            rows = connection.execute(select(table).order_by(*order))
            out.write(json.dumps({"table": table.name, "columns": columns}) + "\n")
            n = 0
            for row in rows:
                out.write(json.dumps([_encode(v) for v in row]) + "\n")
                n += 1
            counts[table.name] = n
    return counts


def restore(connection: Connection, metadata: MetaData, path: Path, batch: int = 1000) -> dict[str, int]:
    """Load a backup into an empty database whose schema is at the same revision."""
    tables = {t.name: t for t in metadata.sorted_tables}
    counts: dict[str, int] = {}
    with _open(path, "r") as handle:
        header = json.loads(handle.readline() or "{}")
        if header.get("format") != FORMAT:
            raise BackupError(f"{path} is not an ADAM backup (format {header.get('format')!r}).")
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        if sorted(revision) != sorted(header.get("revision") or []):
            raise BackupError(f"The backup is at schema revision {header.get('revision')}, the database at {revision}: "
                              "run `flask db upgrade` to the same revision first.")
        for existing in tables.values():
            if existing.name not in SKIP_TABLES and connection.scalar(select(func.count()).select_from(existing)):
                raise BackupError(f"Restore needs an empty database, but table {existing.name} has rows.")
        table = None
        pending: list[dict] = []

        def flush() -> None:
            if pending:
                connection.execute(insert(table), pending)
                counts[table.name] = counts.get(table.name, 0) + len(pending)
                pending.clear()

        decoders: list = []
        columns: list[str] = []
        for line in handle:
            record = json.loads(line)
            if isinstance(record, dict):
                if table is not None:
                    flush()
                if record["table"] not in tables:
                    raise BackupError(f"The backup has a table {record['table']} this version does not know.")
                table = tables[record["table"]]
                columns = record["columns"]
                decoders = [_decoder(table.c[c]) for c in columns]
                counts.setdefault(table.name, 0)
                continue
            pending.append({c: d(v) for c, d, v in zip(columns, decoders, record)})
            if len(pending) >= batch:
                flush()
        if table is not None:
            flush()
    if connection.dialect.name == "postgresql":
        for table in tables.values():
            pk = list(table.primary_key.columns)
            if len(pk) == 1 and pk[0].autoincrement is not False and isinstance(pk[0].type.python_type, type) \
                    and pk[0].type.python_type is int:
                connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                    f"COALESCE((SELECT MAX({pk[0].name}) FROM {table.name}), 0) + 1, false)"
                ))
    return counts
