"""Exchange operations without Flask: which projects an export holds, and the import reports' summaries."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from adam.models import Country, Organisation, Project, ProjectFunder
from adam.models.project import project_implementers
from adam.search import query as search_query
from adam.search.filters import SearchFilters

EXPORT_LOADS = (
    selectinload(Project.owner_organisation), selectinload(Project.funders).selectinload(ProjectFunder.organisation),
    selectinload(Project.implementers), selectinload(Project.countries), selectinload(Project.regions),
    selectinload(Project.pillars), selectinload(Project.themes), selectinload(Project.sectors),
    selectinload(Project.locations), selectinload(Project.related_activities),
)


MAX_ID = 2**31 - 1  # integer primary keys (PostgreSQL)


class ExportError(ValueError):
    """Bad export filters (an unknown country or organisation): nothing is exported."""


def export_query(session: Session, *, ids: Sequence[int] = (), countries: Sequence[str] = (),
                 organisation: str | int | None = None, statuses: Sequence[str] = (),
                 include_withdrawn: bool = False) -> Select:
    """Projects to export, by id, recipient country (ISO alpha-3), donor or implementer, and status."""
    query = select(Project).order_by(Project.id)
    if not include_withdrawn:
        query = query.where(Project.withdrawn_at.is_(None))
    if ids:
        beyond = [str(i) for i in ids if not 0 < i <= MAX_ID]
        if beyond:  # no such project; the database would fail on the number
            raise ExportError(f"unknown project id {', '.join(beyond)}")
        query = query.where(Project.id.in_(list(ids)))
    if countries:
        codes = [c.strip().upper() for c in countries]
        found = set(session.scalars(select(Country.iso3).where(Country.iso3.in_(codes))))
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise ExportError(f"unknown country code {', '.join(unknown)}")
        query = query.where(Project.countries.any(Country.iso3.in_(codes)))
    if organisation not in (None, ""):
        org_id = _organisation_id(session, organisation)
        query = query.where(or_(
            Project.funders.any(ProjectFunder.organisation_id == org_id),
            Project.id.in_(select(project_implementers.c.project_id)
                           .where(project_implementers.c.organisation_id == org_id)),
            Project.owner_organisation_id == org_id,
        ))
    if statuses:
        query = query.where(Project.status.in_(list(statuses)))
    return query


def search_export_query(session: Session, filters: SearchFilters) -> Select:
    """Exactly the projects of a search result (every filter of the search page, free text included; the page
    number does not narrow it), for an export. The filters come from adam.search.filters.parse_filters."""
    return select(Project).where(*search_query.where_clauses(session, filters)).order_by(Project.id)


def _organisation_id(session: Session, organisation: str | int) -> int:
    if isinstance(organisation, int) or str(organisation).isdigit():
        org = session.get(Organisation, int(organisation)) if 0 < int(organisation) <= MAX_ID else None
    else:
        org = session.scalars(select(Organisation).where(
            (Organisation.acronym == organisation) | (Organisation.name == organisation)
            | (Organisation.iati_identifier == organisation))).first()
    if org is None:
        raise ExportError(f"unknown organisation {organisation!r}")
    return org.id


def iter_export(session: Session, query: Select, chunk: int = 200) -> Iterator[Project]:
    """The projects of an export query with their relations loaded in chunks (no query per project)."""
    ids = list(session.scalars(query.with_only_columns(Project.id)))
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        projects = session.scalars(select(Project).where(Project.id.in_(part)).options(*EXPORT_LOADS)).all()
        by_id = {p.id: p for p in projects}
        yield from (by_id[i] for i in part if i in by_id)


def upload_file_name(filename: str | None, default: str = "upload.xml") -> str:
    """A client's file name, safe to store and to show: its last path part, with letters and digits of every script
    (werkzeug's secure_filename keeps ASCII only and turns "проекты.xml" into "xml") and any run of other
    characters as one underscore."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", filename or ""))[-1]
    name = re.sub(r"[^\w.-]+", "_", base).strip("._-")
    stem, _, suffix = name.rpartition(".")
    if not stem.strip("._-"):
        return default
    return f"{stem[:60]}.{suffix[:10]}"  # at most 255 bytes on disk, whatever the script


def expand_paths(paths: Iterable[str]) -> list[str]:
    """Files as given, and the *.xml files (any case) under any directory, in a stable order."""
    from pathlib import Path

    found: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            # *.xml whatever the case of the suffix (DPORTAL.XML, as some systems write it)
            found.extend(str(p) for p in sorted(path.rglob("*")) if p.suffix.lower() == ".xml" and p.is_file())
        else:
            found.append(str(path))
    return found
