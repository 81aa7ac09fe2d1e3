"""The save-time check: one project (a draft or a saved one) against the register, touching only candidates."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Integer, literal, null, select, union_all
from sqlalchemy.orm import Session

from adam.models import Organisation, Pillar, Project, Theme
from adam.overlap.config import DEFAULT_CONFIG, OverlapConfig
from adam.overlap.decisions import decision_state, decisions_for
from adam.overlap.engine import flagged_pairs
from adam.overlap.features import ProjectFeatures, features_from_project
from adam.overlap.index import RegisterIndex, register_index
from adam.overlap.signals import EvidenceNames, OverlapSignal


@dataclass
class OverlapResult:
    other: Project
    score: int
    label: str
    signals: list[OverlapSignal]
    reopened: bool = False
    wide_scope: bool = False
    features: ProjectFeatures | None = field(default=None, repr=False)


# What a row of the names statement names (its first column).
_ORGANISATION, _THEME, _PILLAR = 0, 1, 2


def _organisation_statements(ids: list[int]) -> tuple[list, set[int] | None]:
    """The statements that read the organisations of the sorted ids, as (kind, id, name, acronym) rows, and the ids
    wanted among those rows (None: every row).

    Many ids that fill most of their range (a whole register's: 34,000 of 34,000 organisations at 100,000
    projects) are read in one range query, not in lists of 900 (38 statements: about 0.3 s of a report on PostgreSQL).
    """
    columns = select(literal(_ORGANISATION, Integer), Organisation.id, Organisation.name, Organisation.acronym)
    if len(ids) > 900 and ids[-1] - ids[0] < 2 * len(ids):
        return [columns.where(Organisation.id.between(ids[0], ids[-1]))], set(ids)
    return [columns.where(Organisation.id.in_(ids[start:start + 900])) for start in range(0, len(ids), 900)], None


def _read_names(session: Session, statements: list, wanted: set[int] | None, names: dict[int, str]) -> None:
    subjects = {_THEME: getattr(names, "themes", None), _PILLAR: getattr(names, "pillars", None)}
    for statement in statements:
        for kind, oid, name, acronym in session.execute(statement):
            if kind != _ORGANISATION:
                subjects[kind][oid] = name
            elif wanted is None or oid in wanted:
                names[oid] = f"{name} ({acronym})" if acronym else name


def organisation_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Organisation id -> "Name (ACRONYM)" for the given ids."""
    names: dict[int, str] = {}
    _read_names(session, *_organisation_statements(sorted({i for i in ids if i is not None})), names)
    return names


def evidence_names(session: Session, organisation_ids: Iterable[int], themes: Iterable[int] | None = None,
                   pillars: Iterable[int] | None = None) -> EvidenceNames:
    """The names the evidence gives: the organisations' (as organisation_names), and those of the themes and
    pillars of the given ids (of every one by default). The subjects are read with the first statement of
    organisations, so that a save-time check makes no round trip more for them."""
    statements, wanted = _organisation_statements(sorted({i for i in organisation_ids if i is not None}))
    subjects = []
    for kind, model, ids in ((_THEME, Theme, themes), (_PILLAR, Pillar, pillars)):
        statement = select(literal(kind, Integer), model.id, model.name, null())
        subjects.append(statement if ids is None else statement.where(model.id.in_(list(ids))))
    statements[:1] = [union_all(*statements[:1], *subjects)]
    names = EvidenceNames()
    _read_names(session, statements, wanted, names)
    return names


def load_projects(session: Session, ids: list[int]) -> dict[int, Project]:
    """The projects of the given ids in one query (not one per project: a round trip each on PostgreSQL);
    the objects the session already holds are those returned, as session.get would."""
    ids = sorted(set(ids))
    out: dict[int, Project] = {}
    for start in range(0, len(ids), 900):  # SQLite's limit of bound parameters
        out.update((p.id, p) for p in session.scalars(select(Project).where(Project.id.in_(ids[start:start + 900]))))
    return out


def check_features(session: Session, draft: ProjectFeatures, *, limit: int | None = 10,
                   cfg: OverlapConfig = DEFAULT_CONFIG, index: RegisterIndex | None = None,
                   include_decided: bool = False) -> list[tuple[ProjectFeatures, object, str]]:
    """Flagged projects for a draft, best first, as (features, PairScore, decision state).

    Candidates come from the register index (adam.overlap.index): places and dates meet and there is
    evidence, or a stated link. The index scores them with numpy; only those that reach the threshold (and
    the few compared one by one: stated links, projects changed since the index was built) are worded.
    """
    index = index or register_index(session, cfg)
    found, title_cos, text_cos, _, one_by_one = index.check(draft)
    pairs = list(zip(found, title_cos.tolist(), text_cos.tolist()))
    if one_by_one:
        corpus = index.comparable_corpus([draft, *one_by_one])
        m = len(one_by_one)
        t, x = corpus.cosines(np.zeros(m, dtype=np.int64), np.arange(1, m + 1, dtype=np.int64))
        pairs.extend(zip(one_by_one, t.tolist(), x.tolist()))
    if not pairs:
        return []
    org_ids = set(draft.organisations) | set(draft.institutions)
    for other, _, _ in pairs:
        org_ids |= other.organisations | other.institutions
    # the subjects a draft shares are among its own
    names = evidence_names(session, org_ids, themes=draft.themes, pillars=draft.pillars)
    scored = flagged_pairs(draft, pairs, cfg, names)
    decisions = decisions_for(session, [draft.id]) if draft.id is not None else {}
    out = []
    for other, result in scored:
        key = (min(draft.id, other.id), max(draft.id, other.id)) if draft.id is not None else None
        state = decision_state(decisions.get(key), draft, other) if key else "undecided"
        if state == "decided" and not include_decided:
            continue
        out.append((other, result, state))
        if limit is not None and len(out) >= limit:
            break
    return out


def check_project(session: Session, project: Project, *, limit: int = 10,
                  cfg: OverlapConfig = DEFAULT_CONFIG) -> list[OverlapResult]:
    """Closest existing projects that may overlap `project` (a transient draft or a saved one), best first.

    Withdrawn projects are never candidates; pairs a coordinator has decided are left out unless a material
    field of either project changed since (then they come back with reopened=True).
    """
    index = register_index(session, cfg)
    draft = features_from_project(project, index.regions)  # the index keeps the region catalogue current
    found = check_features(session, draft, limit=limit, cfg=cfg, index=index)
    projects = load_projects(session, [other.id for other, _, _ in found])
    results = []
    for other, result, state in found:
        if other.id not in projects:  # deleted since the index read the register
            continue
        results.append(OverlapResult(other=projects[other.id], score=result.score, label=result.label,
                                     signals=result.signals, reopened=state == "reopened",
                                     wide_scope=result.wide_scope, features=other))
    return results


__all__ = ["OverlapResult", "check_features", "check_project", "evidence_names", "organisation_names"]
