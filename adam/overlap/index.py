"""The register index of the save-time check: every live project's vectors and dates, kept in memory.

A check asks the index for the projects whose places meet the draft's and whose half-open date ranges meet
its range: per place, rows are sorted by start date and scanned from "draft start - longest duration in the
block" to "draft end" (projects with an unknown start or an open end are kept aside and always looked at).
Evidence among them (title or text cosine at the floor, a shared institution, a partner chain, the same donor
and implementer) comes from sparse column products with the draft's vectors; only the projects with
evidence are scored (numpy, vector.py) and only those reaching the threshold are worded (signals.py).

Freshness: the index is built once per database (engine) and process from everything the checking session
sees. Every check reads a stamp (number of projects, highest id, latest updated_at: three indexed look-ups);
when it moved, the projects saved since the build (updated_at or id beyond the build's) and those a session of
this process flushed are reloaded and replace their indexed rows; when the number of projects does not add
up (a project was deleted) or too many changed, the index is rebuilt. Editing a project through the register
(adam.projects.operations) always sets updated_at, so saves by other processes are seen too.
"""
from __future__ import annotations

import dataclasses
import threading
import weakref
from collections import defaultdict
from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from adam.models import Project, ProjectFunder, ProjectRelatedActivity, ProjectSector
from adam.overlap.candidates import Corpus
from adam.overlap.config import DEFAULT_CONFIG, OverlapConfig
from adam.overlap.features import MAX_DAY, MIN_DAY, ProjectFeatures, RegionCatalogue, load_features
from adam.overlap.signals import dates_overlap, places_meet, stated_link
from adam.overlap.text import counts

# Rebuild rather than patch when more than this many projects changed since the build (or this share of it).
REBUILD_AFTER = 2000
REBUILD_SHARE = 0.05


@dataclasses.dataclass(frozen=True)
class Stamp:
    count: int
    max_id: int
    max_updated: object  # datetime or None


def read_stamp(session: Session) -> Stamp:
    # Three scalar sub-queries: each is answered from an index (one aggregate per query keeps SQLite's min/max
    # optimisation).
    row = session.execute(select(
        select(func.count()).select_from(Project).scalar_subquery(),
        select(func.max(Project.id)).scalar_subquery(),
        select(func.max(Project.updated_at)).scalar_subquery(),
    )).one()
    return Stamp(int(row[0] or 0), int(row[1] or 0), row[2])


class _Block:
    """Rows of one place, sorted by start day, with the longest finite duration among them."""

    def __init__(self, rows: np.ndarray, starts: np.ndarray, ends: np.ndarray):
        bounded = (starts[rows] > MIN_DAY) & (ends[rows] < MAX_DAY)
        closed = rows[bounded]
        order = np.argsort(starts[closed], kind="stable")
        self.rows = closed[order]
        self.starts = starts[self.rows]
        self.ends = ends[self.rows]
        self.longest = int((self.ends - self.starts).max()) if len(self.rows) else 0
        self.open = rows[~bounded]
        self.open_starts = starts[self.open]
        self.open_ends = ends[self.open]

    def window(self, start: int, end: int) -> np.ndarray:
        """Rows whose [start, end) meets the given range."""
        lo = np.searchsorted(self.starts, start - self.longest, side="right")
        hi = np.searchsorted(self.starts, end, side="left")
        part = self.rows[lo:hi][self.ends[lo:hi] > start]
        if len(self.open):
            part = np.concatenate([part, self.open[(self.open_starts < end) & (self.open_ends > start)]])
        return part


def _columns(matrix: sp.csc_matrix, ids: Iterable[int]) -> np.ndarray:
    """For every row of an incidence matrix (CSC), whether it has one of the columns `ids`."""
    cols = [i for i in ids if i is not None and 0 <= i < matrix.shape[1]]
    if not cols:
        return np.zeros(matrix.shape[0], dtype=bool)
    return np.asarray(matrix[:, cols].sum(axis=1)).ravel() > 0


def _cosines(matrix: sp.csc_matrix, vector: sp.csr_matrix) -> np.ndarray:
    """Products of every row of a TF-IDF matrix (CSC) with one row vector, touching only the vector's words."""
    if vector.nnz == 0:
        return np.zeros(matrix.shape[0], dtype=np.float32)
    return np.asarray(matrix[:, vector.indices] @ vector.data).ravel()


class RegisterIndex:
    def __init__(self, features: list[ProjectFeatures], stamp: Stamp, regions: RegionCatalogue,
                 cfg: OverlapConfig = DEFAULT_CONFIG):
        self.cfg = cfg
        self.stamp = stamp
        self.region_key = (regions.is_global, regions.members)
        c = self.corpus = Corpus.build(features, cfg)
        self.features = c.features
        self.weights = (c.title_idf.weights(), c.text_idf.weights())
        n = len(features)
        self.ids = np.array([f.id for f in features], dtype=np.int64)
        self.row_of = {f.id: i for i, f in enumerate(features)}
        self.csc = {name: getattr(c, name).tocsc() for name in
                    ("titles", "texts", "institutions", "funders", "implementers", "owners", "partners")}
        by_place: dict[int, list[int]] = defaultdict(list)
        wide: list[int] = []
        self.by_identifier: dict[str, list[int]] = defaultdict(list)
        self.stating: dict[str, list[int]] = defaultdict(list)
        for i, f in enumerate(features):
            if f.wide:
                wide.append(i)
            else:
                for p in f.places:
                    by_place[p].append(i)
            if f.iati_identifier:
                self.by_identifier[f.iati_identifier].append(i)
            for ident in f.related:
                self.stating[ident].append(i)
        rows = lambda members: np.array(members, dtype=np.int64)  # noqa: E731
        self.blocks = {p: _Block(rows(m), c.starts, c.ends) for p, m in by_place.items()}
        self.wide = _Block(rows(wide), c.starts, c.ends)
        self.everyone = _Block(np.arange(n, dtype=np.int64), c.starts, c.ends)
        # What changed since the build: (stamp seen, rows no longer current, current features of changed ids).
        self.view: tuple[Stamp, np.ndarray, list[ProjectFeatures], int] = (stamp, np.ones(n, dtype=bool), [], 0)

    # -- freshness -------------------------------------------------------------------------------------------
    def changed_since_build(self, session: Session, touched: set[int]) -> tuple[set[int], int]:
        s = self.stamp
        changed = set(touched)
        new = set(session.scalars(select(Project.id).where(Project.id > s.max_id)))
        changed |= new
        if s.max_updated is not None:
            changed |= set(session.scalars(select(Project.id).where(Project.updated_at > s.max_updated)))
        return changed, len(new)

    def patch(self, session: Session, stamp: Stamp, changed: set[int], regions: RegionCatalogue,
              generation: int) -> None:
        alive = np.ones(len(self.ids), dtype=bool)
        rows = [self.row_of[i] for i in changed if i in self.row_of]
        alive[rows] = False
        current = list(load_features(session, changed, regions).values()) if changed else []
        self.view = (stamp, alive, current, generation)

    # -- the check -------------------------------------------------------------------------------------------
    def candidates(self, draft: ProjectFeatures) -> tuple[list[ProjectFeatures], list[ProjectFeatures]]:
        """Projects whose places and dates meet the draft's and that have evidence (or a stated link), and the
        projects with a stated link among them, excluding the draft itself."""
        cfg = self.cfg
        _, alive, current, changed = self.view
        start, end = draft.interval(cfg.undated_years)
        if draft.wide:
            rows = self.everyone.window(start, end)
        else:
            parts = [self.blocks[p].window(start, end) for p in draft.places if p in self.blocks]
            parts.append(self.wide.window(start, end))
            rows = np.unique(np.concatenate(parts)) if len(parts) > 1 else parts[0]
        rows = rows[alive[rows]]
        if draft.id is not None:
            rows = rows[self.ids[rows] != draft.id]
        found = rows[self._evidence(draft, rows)] if len(rows) else rows
        feats = self.features
        out = [feats[i] for i in found.tolist()]
        # stated links, whatever the place and dates
        linked_rows: set[int] = set()
        for ident in draft.related:
            linked_rows.update(self.by_identifier.get(ident, ()))
        if draft.iati_identifier:
            linked_rows.update(self.stating.get(draft.iati_identifier, ()))
        seen = set(found.tolist())
        linked = [feats[i] for i in linked_rows if alive[i] and feats[i].id != draft.id and i not in seen]
        # projects changed since the build: few, compared one by one (the numpy scorer judges the evidence)
        for f in current:
            if f.id == draft.id:
                continue
            if stated_link(draft, f):
                linked.append(f)
            elif places_meet(draft, f) and dates_overlap(draft, f, cfg):
                out.append(f)
        return out, linked

    def _evidence(self, draft: ProjectFeatures, rows: np.ndarray) -> np.ndarray:
        """Which of the rows have evidence with the draft (text at the floor, an institution, a partner chain,
        the same donor and implementer)."""
        cfg, csc = self.cfg, self.csc
        floor = cfg.text_floor - 1e-6
        c = self.corpus
        title_vec = c.title_idf.transform(counts([draft.title]), self.weights[0])
        text_vec = c.text_idf.transform(counts([draft.text]), self.weights[1])
        hit = (_cosines(csc["titles"], title_vec)[rows] >= floor) | (_cosines(csc["texts"], text_vec)[rows] >= floor)
        if draft.institutions:
            hit |= _columns(csc["institutions"], draft.institutions)[rows]
        if draft.funders and draft.implementers:
            hit |= (_columns(csc["funders"], draft.funders)[rows]
                    & _columns(csc["implementers"], draft.implementers)[rows])
        partners = draft.funders | draft.implementers
        owner = draft.owner if draft.owner is not None else -1
        chain = np.zeros(len(rows), dtype=bool)
        if partners:
            chain |= _columns(csc["owners"], partners)[rows]
        if draft.owner is not None:
            chain |= _columns(csc["partners"], [draft.owner])[rows]
        hit |= chain & (c.owner_ids[rows] != owner)
        return hit

    def comparable_corpus(self, features: list[ProjectFeatures]) -> Corpus:
        """A small corpus of the given projects whose vectors compare with the index's (same IDF and codes)."""
        c = self.corpus
        return Corpus.build(features, self.cfg, title_idf=c.title_idf, text_idf=c.text_idf, codes=c.codes,
                            weights=self.weights)


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.index: RegisterIndex | None = None
        self.touched: set[int] = set()
        self.generation = 0  # counts flushes that touched projects


_STATES: "weakref.WeakKeyDictionary[Engine, _State]" = weakref.WeakKeyDictionary()
_STATES_LOCK = threading.Lock()


def _state(engine: Engine) -> _State:
    with _STATES_LOCK:
        state = _STATES.get(engine)
        if state is None:
            state = _STATES[engine] = _State()
        return state


def _engine(session: Session) -> Engine:
    bind = session.get_bind(Project.__mapper__)
    return getattr(bind, "engine", bind)


def register_index(session: Session, regions: RegionCatalogue | None = None,
                   cfg: OverlapConfig = DEFAULT_CONFIG) -> RegisterIndex:
    """The index of the session's database, built or brought up to date as the session sees it."""
    regions = regions or RegionCatalogue(session)
    state = _state(_engine(session))
    with state.lock:
        stamp = read_stamp(session)
        index = state.index
        if (index is not None and index.cfg == cfg and index.region_key == (regions.is_global, regions.members)):
            seen, _, _, generation = index.view
            if stamp == seen and generation == state.generation:
                return index
            changed, new = index.changed_since_build(session, state.touched)
            limit = max(REBUILD_AFTER, int(REBUILD_SHARE * len(index.ids)))
            if stamp.count == index.stamp.count + new and len(changed) <= limit:
                index.patch(session, stamp, changed, regions, state.generation)
                return index
        state.touched.clear()
        features = list(load_features(session, regions=regions).values())
        state.index = RegisterIndex(features, stamp, regions, cfg)
        state.index.view = (*state.index.view[:3], state.generation)
        return state.index


def forget(engine: Engine) -> None:
    """Drop the index of a database (the next check rebuilds it)."""
    with _STATES_LOCK:
        _STATES.pop(engine, None)


@event.listens_for(Session, "after_flush")
def _note_flushed_projects(session: Session, _context) -> None:  # noqa: ANN001
    """Projects written by this process are reloaded by the next check, even when only their links changed."""
    ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Project):
            if obj.id is not None:
                ids.add(obj.id)
        elif isinstance(obj, (ProjectFunder, ProjectSector, ProjectRelatedActivity)):
            if obj.project_id is not None:
                ids.add(obj.project_id)
    if not ids:
        return
    try:
        engine = _engine(session)
    except Exception:  # noqa: BLE001 - a session without a bind for projects has no index to keep fresh
        return
    with _STATES_LOCK:
        state = _STATES.get(engine)
    if state is not None:
        with state.lock:
            state.touched |= ids
            state.generation += 1
