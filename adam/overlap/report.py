"""The duplicate-check report: every flagged pair in a scope, ranked, with decisions applied."""
from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from adam.collector import collections_paused
from adam.overlap.config import DEFAULT_CONFIG, OverlapConfig
from adam.overlap.check import evidence_names
from adam.overlap.decisions import decision_state, decisions_for
from adam.overlap.engine import ScoredPair, find_all_overlaps
from adam.overlap.features import ProjectFeatures, RegionCatalogue, load_features, same_features
from adam.overlap.index import _engine, built_corpus, register_index, register_snapshot
from adam.overlap.signals import EvidenceNames, OverlapSignal

DECIDED_CHOICES = ("undecided", "decided", "all")
# Where a report's features came from: the register index this process keeps for the save-time check, brought up
# to date (index.register_snapshot), or the database (load_features); REUSED: from the index, which had not changed
# since the last report of the database, whose pairs and scores were taken again (not computed).
FROM_INDEX = "register index"
REUSED = "register index, unchanged since the last report"
LOADED = "loaded"


@dataclass
class ReportFilters:
    countries: set[int] = field(default_factory=set)
    region_id: int | None = None
    pillars: set[int] = field(default_factory=set)
    donors: set[int] = field(default_factory=set)
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    min_score: int = 0
    decided: str = "undecided"  # undecided (incl. re-opened) | decided | all
    # A donor focal point sees only pairs that involve a project of their organisation.
    organisation_id: int | None = None


@dataclass
class ReportPair:
    a: ProjectFeatures
    b: ProjectFeatures
    score: int
    label: str
    pair: ScoredPair = field(repr=False)
    state: str  # undecided | decided | reopened
    decision: object | None = None

    @property
    def key(self) -> tuple[int, int]:
        return (self.a.id, self.b.id)

    @property
    def signals(self) -> list[OverlapSignal]:
        """The worded evidence, built when first asked for (a page shows a few dozen pairs of many)."""
        return self.pair.result.signals


@dataclass
class Report:
    pairs: list[ReportPair]
    projects: int
    candidates_scored: int  # pairs scored exactly (engine.find_all_overlaps: a bound ruled the others out)
    names: dict[int, str]
    source: str = LOADED  # FROM_INDEX, REUSED or LOADED


@dataclass
class _Computed:
    """The last find_all_overlaps of a database's register index: what it was given and what it returned."""
    features: list[ProjectFeatures]  # held, so that no object of it can be freed and its id() given to another
    organisation_ids: set[int]  # those the features name (_organisation_ids)
    names: dict[int, str]
    cfg: OverlapConfig
    flagged: list[ScoredPair]
    scored: int


# One computation per database (engine), the last one made from the register index.
_COMPUTED: "weakref.WeakKeyDictionary[Engine, _Computed]" = weakref.WeakKeyDictionary()
_COMPUTED_LOCK = threading.Lock()


def clear_report_cache() -> None:
    """Forget the pairs computed by the last reports (every database's): the next report computes them."""
    with _COMPUTED_LOCK:
        _COMPUTED.clear()


def _in_scope(f: ProjectFeatures, filters: ReportFilters, region_members: frozenset[int]) -> bool:
    if filters.countries and not (f.places & filters.countries):
        return False
    if filters.region_id is not None and not (f.places & region_members):
        return False
    if filters.pillars and not (f.pillars & filters.pillars):
        return False
    if filters.donors and not (f.funders & filters.donors):
        return False
    if filters.period_start or filters.period_end:
        start, end = f.interval()
        if filters.period_end and start > filters.period_end.toordinal():
            return False
        if filters.period_start and end <= filters.period_start.toordinal():
            return False
    return True


def _visible(f: ProjectFeatures, organisation_id: int | None) -> bool:
    return organisation_id is None or organisation_id in f.organisations


def _organisation_ids(features: list[ProjectFeatures]) -> set[int]:
    org_ids: set[int] = set()
    for f in features:  # f.organisations | f.institutions, without two new sets per project
        org_ids.update(f.funders)
        org_ids.update(f.implementers)
        org_ids.update(f.institutions)
        if f.owner is not None:
            org_ids.add(f.owner)
    return org_ids


def register_features(session: Session, regions: RegionCatalogue | None = None
                      ) -> tuple[list[ProjectFeatures], EvidenceNames]:
    """Every live project's features loaded from the database, by id, and the names of the organisations they
    mention and of every theme and pillar (for the evidence)."""
    features = sorted(load_features(session, regions=regions or RegionCatalogue(session)).values(),
                      key=lambda f: f.id)
    return features, evidence_names(session, _organisation_ids(features))


def run_report(session: Session, filters: ReportFilters | None = None, cfg: OverlapConfig = DEFAULT_CONFIG,
               progress: Callable[[int, int], None] | None = None, keep_index: bool = False) -> Report:
    """Every flagged pair in the filters' scope, best first.

    When this process already keeps the register index of the session's database (built by a save-time check),
    its features are used, brought up to date as a check would with the projects counted and the organisation
    spellings read now (index.register_snapshot); otherwise, or when the index would have to be rebuilt, the
    register is loaded. Either way the pairs, scores, labels and evidence are the same.

    With keep_index (a running server: the web page and the API), a missing or stale index is built first
    (index.register_index) and kept for the next reports and checks; without it (a one-shot command) the register
    is loaded instead.

    From the index, the pairs of the whole register (find_all_overlaps) are computed once and kept for the
    database: a report whose features are the very objects of the last one (no project created, changed or
    deleted since: the index replaces a changed project's features), with the same organisation names and
    weights, takes them again (source REUSED). The filters, the donor scoping and the decisions are applied on
    every report, so a decision shows at once. A loaded register is computed every time.
    """
    filters = filters or ReportFilters()
    with collections_paused():
        snapshot = register_snapshot(session)
        if snapshot is None and keep_index:
            register_index(session)
            snapshot = register_snapshot(session)
        if snapshot is not None:
            (features, regions), source = snapshot, FROM_INDEX
            engine = _engine(session)
            with _COMPUTED_LOCK:
                last = _COMPUTED.get(engine)
            same = last is not None and same_features(last.features, features)
            organisation_ids = last.organisation_ids if same else _organisation_ids(features)
            names = evidence_names(session, organisation_ids)  # read every time: a rename shows at once
            if same and last.cfg == cfg and last.names == names:
                flagged, scored, source = last.flagged, last.scored, REUSED
                if progress:
                    progress(1, 1)
            else:
                # the vectors the index was built with, while no project changed since the build
                flagged, scored = find_all_overlaps(features, cfg, names, progress=progress,
                                                    corpus=built_corpus(session, features, cfg))
                with _COMPUTED_LOCK:
                    _COMPUTED[engine] = _Computed(features, organisation_ids, names, cfg, flagged, scored)
        else:
            regions, source = RegionCatalogue(session), LOADED
            features, names = register_features(session, regions)
            flagged, scored = find_all_overlaps(features, cfg, names, progress=progress)
    members = regions.members.get(filters.region_id, frozenset()) if filters.region_id is not None else frozenset()
    decisions = decisions_for(session)
    pairs: list[ReportPair] = []
    for p in flagged:
        a, b = (p.a, p.b) if p.a.id < p.b.id else (p.b, p.a)
        if p.score < filters.min_score:
            continue
        if not (_in_scope(a, filters, members) or _in_scope(b, filters, members)):
            continue
        if not (_visible(a, filters.organisation_id) or _visible(b, filters.organisation_id)):
            continue
        decision = decisions.get((a.id, b.id))
        state = decision_state(decision, a, b)
        if filters.decided == "undecided" and state == "decided":
            continue
        if filters.decided == "decided" and state == "undecided":
            continue
        pairs.append(ReportPair(a, b, p.score, p.label, p, state, decision))
    return Report(pairs, len(features), scored, names, source)
