"""The save-time check: one project (a draft or a saved one) against the register, touching only candidates."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from adam.models import Organisation, Project, ProjectFunder, Region
from adam.models.project import project_countries, project_implementers, project_institutions, project_regions
from adam.overlap.config import DEFAULT_CONFIG, OverlapConfig
from adam.overlap.decisions import decision_state, decisions_for
from adam.overlap.engine import find_overlaps
from adam.overlap.features import MAX_DAY, MIN_DAY, ProjectFeatures, RegionCatalogue, features_from_project, load_features
from adam.overlap.signals import OverlapSignal


@dataclass
class OverlapResult:
    other: Project
    score: int
    label: str
    signals: list[OverlapSignal]
    reopened: bool = False
    wide_scope: bool = False
    features: ProjectFeatures | None = field(default=None, repr=False)


def organisation_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    ids = sorted({i for i in ids if i is not None})
    names: dict[int, str] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start:start + 900]
        for oid, name, acronym in session.execute(
                select(Organisation.id, Organisation.name, Organisation.acronym).where(Organisation.id.in_(chunk))):
            names[oid] = f"{name} ({acronym})" if acronym else name
    return names


def _date_window(draft: ProjectFeatures, cfg: OverlapConfig):
    start, end = draft.interval(cfg.undated_years)
    conditions = []
    if end < MAX_DAY:  # candidates must start before the draft ends (half-open)
        conditions.append(or_(Project.starts_on.is_(None), Project.starts_on < dt.date.fromordinal(end)))
    if start > MIN_DAY:  # and end on or after the draft starts
        conditions.append(or_(Project.ends_on.is_(None), Project.ends_on >= dt.date.fromordinal(start)))
    return conditions


def candidate_ids(session: Session, draft: ProjectFeatures, regions: RegionCatalogue,
                  cfg: OverlapConfig = DEFAULT_CONFIG) -> set[int]:
    """Ids of saved projects whose places meet the draft's and whose dates may intersect (dates are checked
    exactly afterwards), plus wide-scope projects, plus projects sharing an organisation or institution."""
    live = [Project.withdrawn_at.is_(None), *_date_window(draft, cfg)]
    found: set[int] = set()
    if draft.places and not draft.wide:
        places = list(draft.places)
        found |= set(session.scalars(select(Project.id).join(project_countries).where(
            project_countries.c.country_id.in_(places), *live)))
        holding = list(regions.regions_holding(places))
        if holding:
            found |= set(session.scalars(select(Project.id).join(project_regions).where(
                project_regions.c.region_id.in_(holding), *live)))
        # wide-scope projects: no country and no regional place, or a global region
        has_country = exists().where(project_countries.c.project_id == Project.id)
        has_region = exists().where(and_(project_regions.c.project_id == Project.id,
                                         project_regions.c.region_id == Region.id, Region.is_global.is_(False)))
        has_global = exists().where(and_(project_regions.c.project_id == Project.id,
                                         project_regions.c.region_id == Region.id, Region.is_global.is_(True)))
        found |= set(session.scalars(select(Project.id).where(or_(and_(~has_country, ~has_region), has_global),
                                                              *live)))
    else:
        # A wide-scope draft meets every place: everything in its period is a candidate.
        found |= set(session.scalars(select(Project.id).where(*live)))
    # Stated links hold whatever the place and dates.
    if draft.related:
        found |= set(session.scalars(select(Project.id).where(
            Project.iati_identifier.in_(list(draft.related)), Project.withdrawn_at.is_(None))))
    if draft.iati_identifier:
        from adam.models import ProjectRelatedActivity

        found |= set(session.scalars(select(ProjectRelatedActivity.project_id).where(
            ProjectRelatedActivity.iati_identifier == draft.iati_identifier)))
    if draft.id is not None:
        found.discard(draft.id)
    return found


def check_features(session: Session, draft: ProjectFeatures, *, limit: int | None = 10,
                   cfg: OverlapConfig = DEFAULT_CONFIG, regions: RegionCatalogue | None = None,
                   include_decided: bool = False) -> list[tuple[ProjectFeatures, object, str]]:
    regions = regions or RegionCatalogue(session)
    ids = candidate_ids(session, draft, regions, cfg)
    if not ids:
        return []
    candidates = list(load_features(session, ids, regions).values())
    org_ids = set(draft.organisations) | set(draft.institutions)
    for c in candidates:
        org_ids |= c.organisations | c.institutions
    names = organisation_names(session, org_ids)
    scored = find_overlaps(draft, candidates, cfg, names)
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
    regions = RegionCatalogue(session)
    draft = features_from_project(project, regions)
    found = check_features(session, draft, limit=limit, cfg=cfg, regions=regions)
    results = []
    for other, result, state in found:
        results.append(OverlapResult(other=session.get(Project, other.id), score=result.score, label=result.label,
                                     signals=result.signals, reopened=state == "reopened",
                                     wide_scope=result.wide_scope, features=other))
    return results


__all__ = ["OverlapResult", "candidate_ids", "check_features", "check_project", "organisation_names"]
