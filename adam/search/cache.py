"""A small per-process cache of search aggregates (totals, matrices, map figures, form choices).

Entries are keyed by the search and stamped with the register's version: a counter that triggers move on
every write to projects, their links and donors, organisations and reference data (migration
0004_search_perf), through the application or not; on PostgreSQL it moves at commit, in commit order. An
entry is only served under the stamp read before it was computed, so a write never leaves a stale result
visible. The time limit is a second safety net, not the freshness mechanism.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import column, select, table
from sqlalchemy.orm import Session

T = TypeVar("T")


_version = table("project_search_version", column("id"), column("version"))


def register_version(session: Session) -> tuple:
    """A cheap stamp (one row read by its key) that changes with every committed write a search can see."""
    return (session.scalar(select(_version.c.version).where(_version.c.id == 1)),)


class AggregateCache:
    def __init__(self, max_entries: int = 512, max_age_seconds: float = 3600.0) -> None:
        self.max_entries = max_entries
        self.max_age = max_age_seconds
        self._entries: OrderedDict[Hashable, tuple[tuple, float, object]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, version: tuple, compute: Callable[[], T]) -> T:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry and entry[0] == version and now - entry[1] < self.max_age:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry[2]  # type: ignore[return-value]
        value = compute()
        with self._lock:
            self.misses += 1
            self._entries[key] = (version, now, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
