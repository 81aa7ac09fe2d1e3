"""The API's project list: its query parameters mapped onto the search page's filters (adam.search). No Flask.

The API names parameters as the brief's search filters do (date_from, activity_type, ...); the meaning of every
filter, the free-text engine and the sort orders are the search page's own, so a list through the API and the
same search on the page give the same projects.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from adam.models import Country, Organisation, Pillar, Project, Region, Theme
from adam.search.filters import SORTS, SearchFilters
from adam.search.query import matching_ids, results

__all__ = ["SORTS", "page_of", "search_filters", "unknown_references"]

# API parameter -> SearchFilters field.
PARAMETERS = {
    "q": "q", "country": "countries", "region": "regions", "donor": "donors", "implementer": "implementers",
    "institution": "institutions", "pillar": "pillars", "theme": "themes", "activity_type": "activity_types",
    "status": "statuses", "date_from": "active_from", "date_to": "active_to", "budget_min": "budget_min",
    "budget_max": "budget_max", "include_withdrawn": "include_withdrawn", "sort": "sort",
}
CODE_FIELDS = {"countries": str.upper}
# API parameter -> the column its values must name in the register.
REFERENCES = {
    "country": Country.iso3, "region": Region.code, "donor": Organisation.id, "implementer": Organisation.id,
    "institution": Organisation.id, "pillar": Pillar.number, "theme": Theme.code,
}


def search_filters(args: dict) -> SearchFilters:
    """SearchFilters from the API's parsed query parameters (already validated by the schema)."""
    values = {}
    for name, field in PARAMETERS.items():
        if name not in args or args[name] is None:
            continue
        value = args[name]
        if isinstance(value, list):
            convert = CODE_FIELDS.get(field, lambda v: v)
            value = tuple(dict.fromkeys(convert(v) for v in value))
        values[field] = value
    return SearchFilters(**values)


def unknown_references(session: Session, filters: SearchFilters) -> dict[str, list[str]]:
    """Filter values that name nothing in the register, by API parameter (a typo must not read as "no project")."""
    errors: dict[str, list[str]] = {}
    for name, column in REFERENCES.items():
        values = getattr(filters, PARAMETERS[name])
        if not values:
            continue
        found = set(session.scalars(select(column).where(column.in_(values))))
        missing = [f"Unknown value {value!r}." for value in values if value not in found]
        if missing:
            errors[name] = missing
    return errors


def page_of(session: Session, filters: SearchFilters, page: int, per_page: int) -> tuple[list[Project], int]:
    """One page of matching projects, with every collection the API shows loaded, and the number of matches."""
    # A bare count of the matching ids: the search page's totals() also sums budgets, which the API does not show.
    total = session.scalar(select(func.count()).select_from(matching_ids(session, filters).subquery())) or 0
    items = results(session, filters, limit=per_page, offset=(page - 1) * per_page)
    if items:
        # The search page loads what its table shows; the API shows a little more.
        session.scalars(select(Project).where(Project.id.in_([p.id for p in items])).options(
            selectinload(Project.themes), selectinload(Project.beneficiary_institutions),
            selectinload(Project.links), selectinload(Project.locations), selectinload(Project.sectors),
            selectinload(Project.related_activities))).all()
    return items, total
