"""The register index of the save-time check: every live project's vectors and dates, kept in memory.

A check asks the index for the projects whose places meet the draft's and whose half-open date ranges meet
its range: per place, rows are sorted by start date and scanned from "draft start - longest duration in the
block" to "draft end" (projects with an unknown start or an open end are kept aside and always looked at).
Evidence among them (title or text cosine at the floor, a shared institution, a partner chain, the same donor
and implementer) comes from sparse column products with the draft's vectors; only the projects with
evidence are scored (numpy, vector.py) and only those reaching the threshold are worded (signals.py).

Freshness: the index is built once per database (engine) and process from everything the checking session
sees. Every check reads a stamp (highest project id, latest updated_at, a fingerprint of the small region
tables, highest organisation id: indexed look-ups in one round trip, the only one of a check that flags
nothing); when a new organisation appeared or this process wrote organisations, their spellings
(organisation_canon) are read again and the index rebuilt only if an organisation it may name now reads as
another (the indexed projects whose title now reads as an organisation's name, or no longer does, are reloaded
from then on, as the projects this process flushed); when the stamp moved, the projects saved since the build (updated_at or id beyond the build's) and
those a session of this process flushed are reloaded and replace their indexed rows; when the number of
projects does not add up (a project was deleted by another process: counted every 30 s) or too many changed,
the index is rebuilt; after this process deleted projects with a DELETE statement it is rebuilt at the next
check (a database may give a deleted id to a new project). Editing a project through the register
(adam.projects.operations) always sets updated_at, so saves by other processes are seen too.

The full report (adam.overlap.report) takes the index's features when the process has an index for the database
(register_snapshot), brought up to date by the same rules with the projects counted every time and the spellings
read every time. The reports of a running server (web page and API: keep_index) build or rebuild the index when it
is missing or stale; a one-shot report (the CLI) never does (it loads the register instead, and the next check
rebuilds). The report keeps the pairs it computed from the snapshot and takes them again while the snapshot holds
the very same feature objects: this relies on the index never changing a ProjectFeatures in place, and on a
patch keeping its reloaded features (the same objects) while nothing moved since the last patch (RegisterIndex.patch).
"""
from __future__ import annotations

import dataclasses
import threading
import time
import weakref
from collections import defaultdict
from collections.abc import Iterable
from itertools import compress
from operator import attrgetter

import numpy as np
import scipy.sparse as sp
from sqlalchemy import event, func, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.sql import Delete
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.orm import Session

from adam.collector import collections_paused
from adam.models import Organisation, Project, ProjectFunder, ProjectRelatedActivity, ProjectSector
from adam.overlap.candidates import Corpus, place_blocks
from adam.overlap.config import DEFAULT_CONFIG, OverlapConfig
from adam.overlap.features import (MAX_DAY, MIN_DAY, ProjectFeatures, RegionCatalogue, load_features,
                                   organisation_canon, organisation_key, organisation_keys, same_features)
from adam.overlap.signals import dates_overlap, places_meet, stated_link
from adam.overlap.text import counts
from adam.overlap import vector

# Rebuild rather than patch when more than this many projects changed since the build (or this share of it).
REBUILD_AFTER = 2000
REBUILD_SHARE = 0.05
# Counting the projects (a scan) checks, at most this often, that none disappeared behind the index's back.
COUNT_EVERY_S = 30.0


@dataclasses.dataclass(frozen=True)
class Stamp:
    max_id: int
    max_updated: object  # datetime or None
    regions: tuple  # a fingerprint of the regions and their member countries (a small table)
    organisations: int = 0  # highest organisation id: a new one may be a spelling variant of an indexed one


# One round trip of scalar sub-queries, each answered from an index (one aggregate per sub-query keeps SQLite's
# min/max optimisation); plain SQL, as compiling the equivalent expression costs more than running it.
_STAMP_SQL = text(
    "SELECT (SELECT max(id) FROM projects), (SELECT max(updated_at) FROM projects),"
    " (SELECT count(*) FROM regions), (SELECT max(id) FROM regions),"
    " (SELECT sum(CASE WHEN is_global THEN id ELSE 0 END) FROM regions),"
    " (SELECT count(*) FROM region_countries), (SELECT sum(region_id * 7919 + country_id) FROM region_countries),"
    " (SELECT max(id) FROM organisations)"
)


def read_stamp(session: Session) -> Stamp:
    row = session.execute(_STAMP_SQL).one()
    return Stamp(int(row[0] or 0), row[1], tuple(int(v or 0) for v in row[2:7]), int(row[7] or 0))


def count_projects(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Project)) or 0)


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


def _hits(matrix: sp.csc_matrix, ids: Iterable[int]) -> np.ndarray:
    """For every row of an incidence matrix (CSC), whether it has one of the columns `ids`."""
    out = np.zeros(matrix.shape[0], dtype=bool)
    ptr, idx = matrix.indptr, matrix.indices
    for col in ids:
        if col is not None and 0 <= col < matrix.shape[1]:
            out[idx[ptr[col]:ptr[col + 1]]] = True
    return out


def _row_vector(text: str, weights: np.ndarray) -> sp.csr_matrix:
    """The TF-IDF row of one text, as Idf.transform makes it, without its whole-vocabulary broadcasting."""
    row = counts([text])
    data = row.data.astype(np.float32) * weights[row.indices]
    norm = np.sqrt((data * data).sum(dtype=np.float32))
    if norm > 0:
        data = data * np.float32(1.0 / norm)
    return sp.csr_matrix((data, row.indices, row.indptr), shape=row.shape)


def _products(matrix: sp.csc_matrix, row: sp.csr_matrix) -> np.ndarray:
    """Products of every row of a TF-IDF matrix (CSC) with one row vector, touching only the vector's words."""
    out = np.zeros(matrix.shape[0], dtype=np.float32)
    ptr, idx, data = matrix.indptr, matrix.indices, matrix.data
    for col, weight in zip(row.indices.tolist(), row.data.tolist()):
        lo, hi = ptr[col], ptr[col + 1]
        if hi > lo:
            out[idx[lo:hi]] += data[lo:hi] * weight
    return out


class RegisterIndex:
    def __init__(self, features: list[ProjectFeatures], stamp: Stamp, count: int, regions: RegionCatalogue,
                 cfg: OverlapConfig = DEFAULT_CONFIG):
        self.cfg = cfg
        self.stamp = stamp
        self.count = count  # projects in the table (withdrawn ones too) when built
        self.regions = regions
        c = self.corpus = Corpus.build(features, cfg)
        self.features = c.features
        self.weights = (c.title_idf.weights(), c.text_idf.weights())
        n = len(features)
        self.ids = np.array([f.id for f in features], dtype=np.int64)
        self.row_of = {f.id: i for i, f in enumerate(features)}
        self.csc = {name: getattr(c, name).tocsc() for name in
                    ("titles", "texts", "institutions", "funders", "implementers", "owners", "partners",
                     "countries", "places", "pillars", "themes", "sectors", "title_countries")}
        by_place, wide = place_blocks(features)
        self.by_identifier: dict[str, list[int]] = defaultdict(list)
        self.stating: dict[str, list[int]] = defaultdict(list)
        for i, f in enumerate(features):
            if f.iati_identifier:
                self.by_identifier[f.iati_identifier].append(i)
            for ident in f.related:
                self.stating[ident].append(i)
        rows = lambda members: np.array(members, dtype=np.int64)  # noqa: E731
        self.blocks = {p: _Block(rows(m), c.starts, c.ends) for p, m in by_place.items()}
        self.wide = _Block(rows(wide), c.starts, c.ends)
        self.everyone = _Block(np.arange(n, dtype=np.int64), c.starts, c.ends)
        self.spellings_read_at = stamp.organisations  # highest organisation id when the spellings were read
        self._title_keys: np.ndarray | None = None  # hashes of the built rows' titles read as organisation keys
        # What changed since the build: (stamp seen, rows no longer current, current features of changed ids).
        self.view: tuple[Stamp, np.ndarray, list[ProjectFeatures], int] = (stamp, np.ones(n, dtype=bool), [], 0)
        # What the last patch was made from: (changed ids, organisation spellings' mappings), or None.
        self._patched: tuple[frozenset[int], object, object] | None = None

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
        """Reload the projects changed since the build (a new view). The view is kept as it is (its features the
        same objects) when nothing it was made from moved since the last patch: the same stamp, no flush of this
        process since (generation), the same changed ids and the same organisation spellings (the mappings are
        replaced, never edited, when they change) — as a check keeps the index when the stamp has not moved."""
        seen, _, _, seen_generation = self.view
        spellings = (regions._canon, regions._by_key)
        last = self._patched
        if (last is not None and stamp == seen and generation == seen_generation and last[0] == changed
                and last[1] is spellings[0] and last[2] is spellings[1]):
            return
        alive = np.ones(len(self.ids), dtype=bool)
        rows = [self.row_of[i] for i in changed if i in self.row_of]
        alive[rows] = False
        current = list(load_features(session, changed, regions).values()) if changed else []
        self.view = (stamp, alive, current, generation)
        self._patched = (frozenset(changed), regions._canon, regions._by_key)

    def titled(self, keys: Iterable[str]) -> set[int]:
        """Ids of the built rows whose title reads as one of the organisation keys (organisation_key), and maybe a
        few others (two keys of one hash): what the title names must be read again for those.

        The titles' keys are computed when first asked for (0.4 s at 100,000 projects), once per index.
        """
        if self._title_keys is None:
            self._title_keys = np.array([hash(organisation_key(f.title)) for f in self.features], dtype=np.int64)
        wanted = np.array([hash(key) for key in keys], dtype=np.int64)
        return set(self.ids[np.isin(self._title_keys, wanted)].tolist())

    # -- the check -------------------------------------------------------------------------------------------
    def check(self, draft: ProjectFeatures) -> tuple[list[ProjectFeatures], np.ndarray, np.ndarray, np.ndarray,
                                                    list[ProjectFeatures]]:
        """Indexed projects whose places and dates meet the draft's, that have evidence and reach their
        threshold, with their title and text cosines and scores; and the projects to compare one by one (those
        changed since the build, and stated links). The draft itself is left out."""
        cfg = self.cfg
        _, alive, current, _ = self.view
        start, end = draft.interval(cfg.undated_years)
        if draft.wide:
            rows = self.everyone.window(start, end)
        else:
            parts = [self.blocks[p].window(start, end) for p in draft.places if p in self.blocks]
            parts = [part for part in (*parts, self.wide.window(start, end)) if len(part)]
            if len(parts) > 1:
                rows = np.concatenate(parts)
                if len(draft.places) > 1:  # a project placed in several of the draft's places is found twice
                    rows = np.unique(rows)
            else:
                rows = parts[0] if parts else np.zeros(0, dtype=np.int64)
        rows = rows[alive[rows]]
        if draft.id is not None:
            rows = rows[self.ids[rows] != draft.id]
        feats = self.features
        c, csc = self.corpus, self.csc
        found = rows[:0]
        title_cos = text_cos = scores = np.zeros(0)
        if len(rows):
            title_vec = _row_vector(draft.title, self.weights[0])
            text_vec = _row_vector(draft.text, self.weights[1])
            t_all = _products(csc["titles"], title_vec)
            x_all = _products(csc["texts"], text_vec)
            institution = _hits(csc["institutions"], draft.institutions)
            donor = _hits(csc["funders"], draft.funders)
            implementer = _hits(csc["implementers"], draft.implementers)
            link_ab = _hits(csc["partners"], [draft.owner])  # the draft's registrant is a partner of the other
            link_ba = _hits(csc["owners"], draft.funders | draft.implementers)
            owner = draft.owner if draft.owner is not None else -1
            floor = cfg.text_floor - 1e-6
            tc, xc = t_all[rows], x_all[rows]
            evidence = ((tc >= floor) | (xc >= floor) | institution[rows] | (donor[rows] & implementer[rows])
                        | ((link_ab[rows] | link_ba[rows]) & (c.owner_ids[rows] != owner)))
            found = rows[evidence]
            title_cos = tc[evidence].astype(np.float64)
            text_cos = xc[evidence].astype(np.float64)
            scores, thresholds = vector.scores_from_inputs(
                self._inputs(draft, found, institution, donor, implementer, link_ab, link_ba), title_cos, text_cos, cfg)
            keep = (scores >= thresholds) | c.linked[found]
            found, title_cos, text_cos, scores = found[keep], title_cos[keep], text_cos[keep], scores[keep]
        out = [feats[i] for i in found.tolist()]
        # stated links, whatever the place and dates, and projects changed since the build: few, one by one
        one_by_one: list[ProjectFeatures] = []
        linked_rows: set[int] = set()
        for ident in draft.related:
            linked_rows.update(self.by_identifier.get(ident, ()))
        if draft.iati_identifier:
            linked_rows.update(self.stating.get(draft.iati_identifier, ()))
        seen = set(found.tolist())
        one_by_one.extend(feats[i] for i in linked_rows if alive[i] and feats[i].id != draft.id and i not in seen)
        for f in current:
            if f.id != draft.id and (stated_link(draft, f) or (places_meet(draft, f) and dates_overlap(draft, f, cfg))):
                one_by_one.append(f)
        return out, title_cos, text_cos, scores, one_by_one

    def _inputs(self, draft: ProjectFeatures, rows: np.ndarray, institution: np.ndarray, donor: np.ndarray,
                implementer: np.ndarray, link_ab: np.ndarray, link_ba: np.ndarray) -> "vector.PairInputs":
        """The score inputs of the pairs (draft, row), gathered from the index's columns."""
        c, csc, cfg = self.corpus, self.csc, self.cfg
        m = len(rows)
        start, end = draft.interval(cfg.undated_years)
        codes = c.codes
        sectors = [codes["sector"][s] for s in draft.sectors if s in codes["sector"]]
        language = draft.language.split("-")[0].lower() if draft.language else None
        full = lambda value, dtype=np.int64: np.full(m, value, dtype=dtype)  # noqa: E731
        return vector.PairInputs(
            wide=full(draft.wide, bool) | c.wide[rows],
            shared_country=_hits(csc["countries"], draft.countries)[rows],
            shared_place=_hits(csc["places"], draft.places)[rows],
            a0=full(start), a1=full(end), b0=c.starts[rows], b1=c.ends[rows],
            rs_i=full(draft.starts_on.toordinal() if draft.starts_on else -1), rs_j=c.raw_start[rows],
            re_i=full(draft.ends_on.toordinal() if draft.ends_on else -1), re_j=c.raw_end[rows],
            pillar=_hits(csc["pillars"], draft.pillars)[rows], theme=_hits(csc["themes"], draft.themes)[rows],
            sector=_hits(csc["sectors"], sectors)[rows], institution=institution[rows],
            act_i=full(codes["activity"].get(draft.activity_type, -1)), act_j=c.activity[rows],
            donor=donor[rows], implementer=implementer[rows],
            oi=full(draft.owner if draft.owner is not None else -1), oj=c.owner_ids[rows],
            other_identifier=np.array([bool(draft.iati_identifier) and bool(self.features[r].iati_identifier)
                                       and self.features[r].iati_identifier != draft.iati_identifier
                                       for r in rows.tolist()], dtype=bool).reshape(m),
            link_ab=link_ab[rows], link_ba=link_ba[rows],
            li=full(codes["language"].get(language, -1) if language else 0), lj=c.language[rows],
            bi=full(draft.budget_usd or 0.0, np.float64), bj=c.budget[rows],
            title_org=self._title_organisations(draft, rows),
            other_countries_named=(full(bool(draft.title_countries), bool) & c.title_named[rows]
                                   & ~_hits(csc["title_countries"], draft.title_countries)[rows]),
        )

    def _title_organisations(self, draft: ProjectFeatures, rows: np.ndarray) -> np.ndarray:
        """Whether the draft's title is the name of an organisation the row names, or the other way round."""
        c, csc = self.corpus, self.csc
        out = np.zeros(len(rows), dtype=bool)
        if draft.title_organisation is not None:
            titled_as = [draft.title_organisation]
            named = _hits(csc["owners"], titled_as) | _hits(csc["partners"], titled_as)
            out |= named[rows]
        titled = c.title_org[rows]
        if titled.any() and draft.organisations:
            k = np.flatnonzero(titled)
            out[k] = out[k] | np.array([self.features[r].title_organisation in draft.organisations
                                        for r in rows[k].tolist()], dtype=bool)
        return out

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
        self.counted_at = 0.0
        self.deleted = False  # this process deleted projects with a bulk statement: count them at the next check
        self.organisations = False  # this process wrote organisations: read their spellings again


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


def register_index(session: Session, cfg: OverlapConfig = DEFAULT_CONFIG) -> RegisterIndex:
    """The index of the session's database, built or brought up to date as the session sees it.

    Its `regions` (the region catalogue it was built with) are current too.
    """
    state = _state(_engine(session))
    with state.lock:
        stamp = read_stamp(session)
        index = state.index
        if index is not None and index.cfg == cfg:
            recount = time.monotonic() - state.counted_at > COUNT_EVERY_S
            index = _brought_up_to_date(session, state, index, stamp, recount=recount, spellings=False)
            if index is not None:
                return index
        return _rebuild(session, state, stamp, cfg)


def _brought_up_to_date(session: Session, state: _State, index: RegisterIndex, stamp: Stamp, *, recount: bool,
                        spellings: bool) -> RegisterIndex | None:
    """The index patched to what the session sees (the rules at the top of this module), or None when they call
    for a rebuild; the state's flags are then left for the rebuild (the next check's, when the caller does not
    rebuild). `recount` counts the projects now; `spellings` reads the organisation spellings even when no
    organisation was added or written by this process (a rename by another process then shows too, when it changed
    the total length of the names: organisation_keys). The caller holds state.lock."""
    # Rebuilt when this process deleted projects: a database may give a deleted project's id to a new one
    # (SQLite does, for the highest), which neither the count nor the stamp would tell from the old one.
    if index.stamp.regions != stamp.regions or stamp.max_id < index.stamp.max_id or state.deleted:
        return None
    seen, _, _, generation = index.view
    written = state.organisations  # this process renamed or deleted organisations since the last check
    if stamp == seen and generation == state.generation and not (recount or spellings or written):
        return index
    if spellings or written or stamp.organisations != index.spellings_read_at:
        stale = _refresh_spellings(session, index, stamp, written)
        if stale is None:  # an organisation the index may name now reads as another
            state.organisations = True  # the next check reads the spellings again, and rebuilds
            return None
        state.organisations = False
        state.touched |= stale  # reloaded by every patch from now on, as the projects this process flushed
    changed, new = index.changed_since_build(session, state.touched)
    if len(changed) > max(REBUILD_AFTER, int(REBUILD_SHARE * len(index.ids))):
        return None
    if recount:
        if count_projects(session) != index.count + new:  # a project was deleted behind the index's back
            state.counted_at = 0.0  # the next check counts again, and rebuilds
            return None
        state.counted_at = time.monotonic()
    index.patch(session, stamp, changed, index.regions, state.generation)
    return index


def _rebuild(session: Session, state: _State, stamp: Stamp, cfg: OverlapConfig) -> RegisterIndex:
    written = state.organisations
    state.organisations = False
    state.touched.clear()
    if written:
        organisation_canon(session, fresh=True)  # the catalogue below reads the spellings from this cache
    regions = RegionCatalogue(session)
    count = count_projects(session)
    with collections_paused():  # millions of small containers: the collector would walk them again and again
        # by id, as a report lists them (so that a report can take the index's vectors: built_corpus); the
        # database returns them in any order (PostgreSQL's parallel scans interleave)
        features = sorted(load_features(session, regions=regions).values(), key=attrgetter("id"))
        state.index = RegisterIndex(features, stamp, count, regions, cfg)
    state.index.view = (*state.index.view[:3], state.generation)
    state.counted_at, state.deleted = time.monotonic(), False
    return state.index


def register_snapshot(session: Session) -> tuple[list[ProjectFeatures], RegionCatalogue] | None:
    """Every live project's features, by id, and the region catalogue, from the index of the session's database
    when this process has built one and it can be brought up to date without a rebuild; None otherwise (the
    caller loads the register: a rebuild costs more than a load, and is left to the next check).

    The index is brought up to date by the rules of a check, with the projects counted now (not at most every
    30 s: a project deleted by another process a moment ago is not in the snapshot) and the organisation spellings
    read now. Features do not depend on the weights (OverlapConfig): those of an index built for any weights serve.
    The list is the caller's own; its features are shared with the index and, like every ProjectFeatures, never
    changed once made (the index replaces a changed project's features, it does not edit them).
    """
    with _STATES_LOCK:
        state = _STATES.get(_engine(session))
    if state is None:
        return None
    with state.lock:
        if state.index is None:
            return None
        index = _brought_up_to_date(session, state, state.index, read_stamp(session), recount=True, spellings=True)
        if index is None:
            return None
        # a patch assigns a new view; the built rows and the view's parts are never changed in place
        features, (_, alive, current, _), regions = index.features, index.view, index.regions
    snapshot = list(compress(features, alive.tolist()))
    snapshot.extend(current)
    snapshot.sort(key=attrgetter("id"))
    return snapshot, regions


def built_corpus(session: Session, features: list[ProjectFeatures], cfg: OverlapConfig) -> Corpus | None:
    """The corpus the index of the session's database was built with, when `features` are its very rows in its
    order (a snapshot taken while no project changed since the build) and cfg dates undated projects as the
    index's does (the only weight Corpus.build reads): a report then need not build the same vectors again.
    None otherwise. The corpus is shared with the checks: nothing changes it in place (its lazy parts are
    computed whole and set at once)."""
    with _STATES_LOCK:
        state = _STATES.get(_engine(session))
    if state is None:
        return None
    with state.lock:
        index = state.index
    if index is None or index.cfg.undated_years != cfg.undated_years:
        return None
    return index.corpus if same_features(index.features, features) else None


def _refresh_spellings(session: Session, index: RegisterIndex, stamp: Stamp, written: bool) -> set[int] | None:
    """Bring the index's organisation spellings (organisation_canon) up to date: the ids of the indexed projects
    whose title now names another organisation (title_organisation: they are reloaded), or None when an
    organisation the indexed features may name now reads differently (they must all be loaded again).

    New organisations (ids beyond those the spellings were read with) are named only by projects saved since,
    which the check reloads; they may read as an older one, never the other way round (the lowest id is kept).
    A title may be the name of any organisation, new or renamed: the titles are matched against the keys that
    read as another organisation, or as none, since the spellings were last read.
    """
    regions = index.regions
    old, old_keys = regions._canon, regions._by_key
    new, by_key = organisation_keys(session, fresh=written)
    stale: set[int] = set()
    if new is not old or by_key is not old_keys:  # the cache's own mappings are returned while nothing changed
        if old is not None:
            known = index.spellings_read_at
            for oid in old.keys() | {k for k in new if k <= known}:
                if old.get(oid, oid) != new.get(oid, oid):
                    return None
        old_keys = old_keys or {}
        moved = {key for key, oid in by_key.items() if old_keys.get(key) != oid}
        moved.update(key for key in old_keys if key not in by_key)
        if moved:
            stale = index.titled(moved)
        regions._canon, regions._by_key = new, by_key
    index.spellings_read_at = stamp.organisations
    return stale


def forget(engine: Engine) -> None:
    """Drop the index of a database (the next check rebuilds it)."""
    with _STATES_LOCK:
        _STATES.pop(engine, None)


@event.listens_for(Session, "after_flush")
def _note_flushed_projects(session: Session, _context) -> None:  # noqa: ANN001
    """Projects written by this process are reloaded by the next check, even when only their links changed."""
    ids: set[int] = set()
    organisations = False
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Project):
            if obj.id is not None:
                ids.add(obj.id)
        elif isinstance(obj, (ProjectFunder, ProjectSector, ProjectRelatedActivity)):
            if obj.project_id is not None:
                ids.add(obj.project_id)
        elif isinstance(obj, Organisation) and obj not in session.new:
            # renamed or deleted (a new one raises the highest id the stamp reads: its spelling alone is read)
            organisations |= obj in session.deleted or inspect(obj).attrs.name.history.has_changes()
    if not ids and not organisations:
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
            state.organisations |= organisations
            state.generation += 1


@event.listens_for(Engine, "after_execute")
def _note_bulk_deletes(conn, clauseelement, *_args) -> None:  # noqa: ANN001
    """A DELETE on projects outside the ORM (bulk or SQL) makes the next check rebuild the index; one on
    organisations, read their spellings again."""
    if isinstance(clauseelement, Delete):
        table = clauseelement.table.name
    elif isinstance(clauseelement, TextClause) and "delete" in clauseelement.text.lower():
        sql = clauseelement.text.lower()
        table = next((t for t in (Project.__tablename__, Organisation.__tablename__) if t in sql), None)
    else:
        return
    if table not in (Project.__tablename__, Organisation.__tablename__):
        return
    with _STATES_LOCK:
        state = _STATES.get(conn.engine)
    if state is not None:
        if table == Project.__tablename__:
            state.deleted = True
        else:
            state.organisations = True
