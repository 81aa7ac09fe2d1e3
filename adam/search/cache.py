"""A small per-process cache of search aggregates (totals, matrices, map figures, form choices).

Entries are keyed by the search and stamped with the register's version (last change recorded in the
history, highest project id): any save, import or withdrawal changes the stamp, so a cached aggregate is
not served for data that has moved on (projects are withdrawn, never deleted). The time limit is a safety net
for changes made outside the application's operations (direct SQL), not the freshness mechanism.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adam.models import Project, ProjectChange

T = TypeVar("T")


def register_version(session: Session) -> tuple:
    """A cheap stamp (two primary-key maxima) that changes whenever a project is created, or changed,
    withdrawn, restored, imported or merged through the operations, which record every such save."""
    return tuple(session.execute(
        select(select(func.max(ProjectChange.id)).scalar_subquery(), select(func.max(Project.id)).scalar_subquery())
    ).one())


class AggregateCache:
    def __init__(self, max_entries: int = 512, max_age_seconds: float = 120.0) -> None:
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
