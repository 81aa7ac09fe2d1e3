"""Operations on projects: validate input, create, update with optimistic locking, withdraw, keep history.

Plain Python: takes a SQLAlchemy session and plain data, knows nothing of HTTP. Used by the web forms, the API and
the importers alike, so every rule holds whichever way a project arrives.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from adam.messages import N_, Message
from adam.projects import reasons
from adam.models import (
    ACTIVITY_TYPES,
    STATUSES,
    Country,
    Currency,
    Organisation,
    Pillar,
    Project,
    ProjectChange,
    ProjectFunder,
    ProjectLink,
    ProjectLocation,
    ProjectRelatedActivity,
    ProjectSector,
    Region,
    Theme,
    User,
    utcnow,
)


# Numeric(18, 2): PostgreSQL refuses a larger amount (SQLite would keep it, and sums would stop adding up).
MAX_AMOUNT = Decimal("9999999999999999.99")


def _storable(amount: Decimal) -> bool:
    return amount.is_finite() and abs(amount) <= MAX_AMOUNT


class ProjectValidationError(ValueError):
    """Input that breaks a rule; errors maps field names to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


class StaleProjectError(RuntimeError):
    """The project changed since the editor loaded it (optimistic locking)."""

    def __init__(self, project: Project, expected_version: int):
        self.project = project
        self.expected_version = expected_version
        super().__init__(
            f"Project {project.id} is at version {project.version}, the edit was based on version {expected_version}"
        )


class PermissionDenied(PermissionError):
    pass


@dataclass
class DonorInput:
    organisation_id: int
    amount: Decimal | None = None


@dataclass
class ProjectInput:
    """Everything a user can set on a project, as ids and plain values."""

    title: str
    summary: str = ""
    description: str = ""
    activity_type: str | None = None
    status: str = "pipeline"
    planned_start_on: dt.date | None = None
    planned_end_on: dt.date | None = None
    actual_start_on: dt.date | None = None
    actual_end_on: dt.date | None = None
    budget_amount: Decimal | None = None
    budget_currency: str | None = None
    contact_name: str = ""
    contact_email: str = ""
    iati_identifier: str | None = None
    country_ids: list[int] = field(default_factory=list)
    region_ids: list[int] = field(default_factory=list)
    pillar_ids: list[int] = field(default_factory=list)
    theme_ids: list[int] = field(default_factory=list)
    donors: list[DonorInput] = field(default_factory=list)
    implementer_ids: list[int] = field(default_factory=list)
    institution_ids: list[int] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    # Places within the recipient countries: (country id or None, place name).
    locations: list[tuple[int | None, str]] = field(default_factory=list)

    @classmethod
    def from_project(cls, project: Project) -> "ProjectInput":
        return cls(
            title=project.title,
            summary=project.summary,
            description=project.description,
            activity_type=project.activity_type,
            status=project.status,
            planned_start_on=project.planned_start_on,
            planned_end_on=project.planned_end_on,
            actual_start_on=project.actual_start_on,
            actual_end_on=project.actual_end_on,
            budget_amount=project.budget_amount,
            budget_currency=project.budget_currency,
            contact_name=project.contact_name,
            contact_email=project.contact_email,
            iati_identifier=project.iati_identifier,
            country_ids=[c.id for c in project.countries],
            region_ids=[r.id for r in project.regions],
            pillar_ids=[p.id for p in project.pillars],
            theme_ids=[t.id for t in project.themes],
            donors=[DonorInput(f.organisation_id, f.amount) for f in project.funders],
            implementer_ids=[o.id for o in project.implementers],
            institution_ids=[o.id for o in project.beneficiary_institutions],
            links=[(link.url, link.label) for link in project.links],
            locations=[(loc.country_id, loc.name) for loc in project.locations],
        )


# --- permissions -----------------------------------------------------------------------------------------------

def can_edit(user: User, project: Project) -> bool:
    """Coordinators and administrators edit everything; a focal point only their organisation's projects."""
    if not user.is_authenticated or not user.active:
        return False
    if user.is_coordinator:
        return True
    return user.organisation_id is not None and user.organisation_id in project.organisation_ids()


def can_create(user: User) -> bool:
    return user.is_authenticated and user.active and (user.is_coordinator or user.organisation_id is not None)


# --- validation ------------------------------------------------------------------------------------------------

def _load(session: Session, model, ids: list[int], label: str, errors: dict, key: str) -> list:
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    found = {obj.id: obj for obj in session.scalars(select(model).where(model.id.in_(ids)))}
    missing = [i for i in ids if i not in found]
    if missing:
        errors.setdefault(key, []).append(Message("Unknown %(label)s id(s): %(ids)s.", label=label, ids=", ".join(map(str, missing))))
    return [found[i] for i in ids if i in found]


@dataclass
class ResolvedInput:
    """ProjectInput with ids turned into loaded objects."""

    data: ProjectInput
    countries: list[Country]
    regions: list[Region]
    pillars: list[Pillar]
    themes: list[Theme]
    donors: list[tuple[Organisation, Decimal | None]]
    implementers: list[Organisation]
    institutions: list[Organisation]
    currency: Currency | None


def validate(session: Session, data: ProjectInput, user: User | None = None,
             project: Project | None = None) -> ResolvedInput:
    """Check every rule; raise ProjectValidationError with field messages, or return the resolved input."""
    errors: dict[str, list[str]] = {}

    def err(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    # PostgreSQL cannot store the NUL character (a crafted request or a damaged spreadsheet may carry one).
    texts = {key: [getattr(data, key) or ""] for key in ("title", "summary", "description", "contact_name",
                                                          "contact_email", "iati_identifier")}
    texts.update(links=[part for link in data.links for part in link], locations=[name for _, name in data.locations])
    for key, values in texts.items():
        if any("\x00" in value for value in values):
            err(key, N_("The text must not contain the NUL character."))
    data.title = (data.title or "").strip()
    if not data.title:
        err("title", N_("A title is required."))
    elif len(data.title) > 300:
        err("title", N_("The title may have at most 300 characters."))
    if data.status not in STATUSES:
        err("status", Message("Unknown status %(value)r; choose one of %(choices)s.", value=data.status, choices=", ".join(STATUSES)))
    if data.activity_type and data.activity_type not in ACTIVITY_TYPES:
        err("activity_type", Message("Unknown activity type %(value)r; choose one of %(choices)s.", value=data.activity_type,
                                     choices=", ".join(ACTIVITY_TYPES)))
    for start, end, key in (
        (data.planned_start_on, data.planned_end_on, "planned_end_on"),
        (data.actual_start_on, data.actual_end_on, "actual_end_on"),
    ):
        if start and end and end < start:
            err(key, N_("The end date must not be before the start date."))

    currency = None
    if data.budget_amount is not None:
        try:
            data.budget_amount = Decimal(data.budget_amount)
        except (InvalidOperation, TypeError, ValueError):
            err("budget_amount", N_("The budget must be a number."))
        else:
            if data.budget_amount.is_nan():
                err("budget_amount", N_("The budget must be a number."))
            elif data.budget_amount < 0:
                err("budget_amount", N_("The budget must not be negative."))
            elif not _storable(data.budget_amount):
                err("budget_amount", N_("The budget is too large."))
            if not data.budget_currency:
                err("budget_currency", N_("Give the currency of the budget."))
    if data.budget_currency:
        data.budget_currency = data.budget_currency.strip().upper()
        currency = session.get(Currency, data.budget_currency)
        if currency is None:
            err("budget_currency", Message("Unknown currency %(value)r: use an ISO 4217 code such as USD or EUR.",
                                           value=data.budget_currency))
        elif "budget_amount" not in errors and isinstance(data.budget_amount, Decimal):
            usd = usd_value(data.budget_amount, currency)
            if usd is not None and not _storable(usd):
                err("budget_amount", N_("The budget is too large."))

    countries = _load(session, Country, data.country_ids, "country", errors, "countries")
    regions = _load(session, Region, data.region_ids, "region", errors, "regions")
    if not data.country_ids and not data.region_ids:
        err("countries", N_("Name at least one recipient country or region."))
    pillars = _load(session, Pillar, data.pillar_ids, "pillar", errors, "pillars")
    if not data.pillar_ids:
        err("pillars", N_("Choose at least one pillar."))
    themes = _load(session, Theme, data.theme_ids, "theme", errors, "themes")

    donor_orgs = _load(session, Organisation, [d.organisation_id for d in data.donors], "organisation", errors, "donors")
    by_id = {o.id: o for o in donor_orgs}
    donors: list[tuple[Organisation, Decimal | None]] = []
    seen: set[int] = set()
    for donor in data.donors:
        if donor.organisation_id in seen:
            err("donors", N_("Each donor may be named once."))
            continue
        seen.add(donor.organisation_id)
        amount = None if donor.amount is None else Decimal(donor.amount)
        if amount is not None and amount.is_nan():
            err("donors", N_("A donor's amount must be a number."))
        elif amount is not None and amount < 0:
            err("donors", N_("A donor's amount must not be negative."))
        elif amount is not None and not _storable(amount):
            err("donors", N_("A donor's amount is too large."))
        if donor.organisation_id in by_id:
            donors.append((by_id[donor.organisation_id], donor.amount))
    implementers = _load(session, Organisation, data.implementer_ids, "organisation", errors, "implementers")
    institutions = _load(session, Organisation, data.institution_ids, "organisation", errors, "institutions")

    if data.iati_identifier:
        data.iati_identifier = data.iati_identifier.strip()
        clash = session.scalar(select(Project.id).where(Project.iati_identifier == data.iati_identifier))
        if clash is not None and (project is None or clash != project.id):
            err("iati_identifier", Message("Project %(project)s already has the IATI identifier %(identifier)s.", project=clash,
                                           identifier=data.iati_identifier))
    else:
        data.iati_identifier = None
    chosen = set(data.country_ids)
    for country_id, name in data.locations:
        if not name.strip() or len(name) > 200:
            err("locations", N_("A place needs a name of at most 200 characters."))
        elif country_id is not None and country_id not in chosen:
            err("locations", Message("The place %(name)s lies in a country that is not among the recipient countries.", name=name))
    for url, _label in data.links:
        if not url.startswith(("http://", "https://")):
            err("links", Message("Links must start with http:// or https:// (%(url)s).", url=url[:60]))

    if user is not None and not user.is_coordinator:
        involved = {o.id for o, _ in donors} | {o.id for o in implementers}
        if user.organisation_id not in involved:
            org = user.organisation.name if user.organisation else Message("your organisation")
            err("donors", Message("%(organisation)s must be among the donors or implementers of projects you register or edit.",
                                  organisation=org))

    if errors:
        raise ProjectValidationError(errors)
    return ResolvedInput(data, countries, regions, pillars, themes, donors, implementers, institutions, currency)


# --- applying and history --------------------------------------------------------------------------------------

SCALAR_FIELDS = (
    "title", "summary", "description", "activity_type", "status", "planned_start_on", "planned_end_on",
    "actual_start_on", "actual_end_on", "budget_amount", "budget_currency", "contact_name", "contact_email",
    "iati_identifier",
)


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    return value


def snapshot(project: Project) -> dict:
    """The project's user-visible state as JSON-friendly values (labels, not ids), for the change history."""
    state = {name: _plain(getattr(project, name)) for name in SCALAR_FIELDS}
    # Sets in a fixed order: the form sends them in the reader's order, the database gives them in its own.
    state.update(
        countries=sorted(c.name for c in project.countries),
        regions=sorted(r.name for r in project.regions),
        pillars=[p.name for p in sorted(project.pillars, key=lambda p: p.number)],
        themes=sorted(t.name for t in project.themes),
        donors=[
            f.organisation.name + (f" ({_plain(f.amount)})" if f.amount is not None else "") for f in project.funders
        ],
        implementers=sorted(o.name for o in project.implementers),
        beneficiary_institutions=sorted(o.name for o in project.beneficiary_institutions),
        links=[link.url + (f" ({link.label})" if link.label else "") for link in project.links],
        # As the form writes them ("TJK: Khorog"), so that moving a place to another country is a change too.
        locations=[(f"{loc.country.iso3}: " if loc.country is not None else "") + loc.name for loc in project.locations],
    )
    return state


def diff(before: dict, after: dict) -> dict:
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}


def usd_value(amount: Decimal | None, currency: Currency | None) -> Decimal | None:
    if amount is None or currency is None or currency.usd_rate is None:
        return None
    return (Decimal(amount) * currency.usd_rate).quantize(Decimal("0.01"))


def apply_input(project: Project, resolved: ResolvedInput) -> None:
    """Set every field of a project (persistent or a transient draft) from validated input."""
    data = resolved.data
    previous_currency = project.budget_currency
    for name in SCALAR_FIELDS:
        setattr(project, name, getattr(data, name))
    project.budget_usd = usd_value(data.budget_amount, resolved.currency)
    project.countries = resolved.countries
    project.regions = resolved.regions
    project.pillars = resolved.pillars
    project.themes = resolved.themes
    project.implementers = resolved.implementers
    project.beneficiary_institutions = resolved.institutions
    existing = {f.organisation_id: f for f in project.funders}
    funders = []
    for org, amount in resolved.donors:
        funder = existing.get(org.id) or ProjectFunder(organisation=org, organisation_id=org.id)
        amount = Decimal(amount) if amount is not None else None
        # Amounts are entered in the budget currency and follow it; one left as it was in a currency of its own
        # (an IATI transaction's) keeps that currency.
        own = funder.currency is not None and funder.currency != previous_currency and amount == funder.amount
        if not own:
            funder.currency = data.budget_currency if amount is not None else None
        funder.amount = amount
        funders.append(funder)
    project.funders = funders
    current_links = {(link.url, link.label): link for link in project.links}
    project.links = [current_links.get((u, lab)) or ProjectLink(url=u, label=lab) for u, lab in data.links]
    current_places = {(loc.country_id, loc.name): loc for loc in project.locations}
    countries = {c.id: c for c in resolved.countries}
    project.locations = [
        current_places.get((c, n.strip())) or ProjectLocation(country_id=c, country=countries.get(c), name=n.strip())
        for c, n in data.locations
    ]
    project.refresh_effective_dates()


def build_draft(session: Session, data: ProjectInput, user: User | None = None,
                project: Project | None = None) -> Project:
    """A transient Project carrying the input, for the overlap check before anything is saved."""
    resolved = validate(session, data, user, project)
    draft = Project()
    if project is not None:
        draft.id = None
    apply_input(draft, resolved)
    if project is not None:
        draft.owner_organisation_id = project.owner_organisation_id
    elif user is not None:
        draft.owner_organisation_id = user.organisation_id
    return draft


def record_change(session: Session, project: Project, user: User | None, action: str,
                  changes: dict, note: str = "") -> ProjectChange:
    change = ProjectChange(project=project, user_id=user.id if user else None, action=action, changes=changes, note=note)
    session.add(change)
    return change


def create_project(session: Session, data: ProjectInput, user: User | None) -> Project:
    if user is not None and not can_create(user):
        raise PermissionDenied(N_("You may not register projects."))
    resolved = validate(session, data, user)
    project = Project()
    apply_input(project, resolved)
    if user is not None:
        project.created_by_id = project.updated_by_id = user.id
        project.owner_organisation_id = user.organisation_id
    session.add(project)
    session.flush()
    record_change(session, project, user, "created", diff({}, snapshot(project)))
    session.flush()
    return project


def update_project(session: Session, project: Project, data: ProjectInput, user: User | None,
                   expected_version: int | None) -> dict:
    """Apply an edit; refuse it when the project moved on since version expected_version. Returns the diff."""
    if user is not None and not can_edit(user, project):
        raise PermissionDenied(N_("You may edit only projects that your organisation funds or implements."))
    if expected_version is not None and project.version != expected_version:
        raise StaleProjectError(project, expected_version)
    resolved = validate(session, data, user, project)
    before = snapshot(project)
    apply_input(project, resolved)
    changes = diff(before, snapshot(project))
    if changes:
        project.updated_at = utcnow()
        if user is not None:
            project.updated_by_id = user.id
        record_change(session, project, user, "updated", changes)
    session.flush()
    return changes


def withdraw_project(session: Session, project: Project, user: User | None, reason: str = "",
                     expected_version: int | None = None) -> bool:
    """Withdraw a project: it leaves lists and overlap checks but is never deleted; history keeps it.
    Whether it changed anything (False: it was withdrawn already)."""
    if user is not None and not can_edit(user, project):
        raise PermissionDenied(N_("You may withdraw only projects that your organisation funds or implements."))
    if expected_version is not None and project.version != expected_version:
        raise StaleProjectError(project, expected_version)
    if project.withdrawn_at is not None:
        return False
    project.withdrawn_at = utcnow()
    project.withdrawn_reason = reason.strip()
    if user is not None:
        project.updated_by_id = user.id
    record_change(session, project, user, "withdrawn", {"withdrawn": [False, True]}, note=reason.strip())
    session.flush()
    return True


def merge_projects(session: Session, kept: Project, merged: Project, user: User | None, note: str = "") -> dict:
    """Resolve a duplicate by merging `merged` into `kept`; returns the changes made to `kept`.

    `kept` gains what only `merged` states: countries, regions, pillars, themes, donors (with their amounts),
    implementers, beneficiary institutions, links, places, sectors and related activities, and a summary or
    description it lacks. Its dates, budget and title stay its own. `merged` is withdrawn, naming the project it
    was merged into. Nothing is deleted: both histories say what happened.
    """
    if kept.id is None or merged.id is None or kept.id == merged.id:
        raise ProjectValidationError({"merge": [N_("A merge needs two different saved projects.")]})
    if kept.withdrawn_at is not None or merged.withdrawn_at is not None:
        raise ProjectValidationError({"merge": [N_("A withdrawn project cannot be merged.")]})

    def union(current: list, extra: list, key=lambda x: x) -> list:  # noqa: ANN001
        seen = {key(x) for x in current}
        return list(current) + [x for x in extra if key(x) not in seen]

    before = snapshot(kept)
    kept.countries = union(kept.countries, merged.countries)
    kept.regions = union(kept.regions, merged.regions)
    kept.pillars = union(kept.pillars, merged.pillars)
    kept.themes = union(kept.themes, merged.themes)
    kept.implementers = union(kept.implementers, merged.implementers)
    kept.beneficiary_institutions = union(kept.beneficiary_institutions, merged.beneficiary_institutions)
    kept.funders = union(kept.funders, [
        ProjectFunder(organisation=f.organisation, organisation_id=f.organisation_id, amount=f.amount,
                      currency=f.currency) for f in merged.funders], key=lambda f: f.organisation_id)
    kept.links = union(kept.links, [ProjectLink(url=x.url, label=x.label) for x in merged.links],
                       key=lambda x: x.url)
    kept.locations = union(kept.locations, [ProjectLocation(country_id=x.country_id, country=x.country, name=x.name)
                                            for x in merged.locations], key=lambda x: (x.country_id, x.name))
    kept.sectors = union(kept.sectors, [ProjectSector(vocabulary=x.vocabulary, code=x.code, percentage=x.percentage)
                                        for x in merged.sectors], key=lambda x: (x.vocabulary, x.code))
    kept.related_activities = union(kept.related_activities, [
        ProjectRelatedActivity(iati_identifier=x.iati_identifier, kind=x.kind, relation_type=x.relation_type)
        for x in merged.related_activities if x.iati_identifier != kept.iati_identifier],
        key=lambda x: (x.iati_identifier, x.kind))
    for name in ("summary", "description"):
        if not (getattr(kept, name) or "").strip() and (getattr(merged, name) or "").strip():
            setattr(kept, name, getattr(merged, name))
    changes = diff(before, snapshot(kept))
    now = utcnow()
    kept.updated_at = now
    if user is not None:
        kept.updated_by_id = merged.updated_by_id = user.id
    note = note.strip()
    record_change(session, kept, user, "merged", changes,
                  note=str(reasons.with_note(reasons.MERGED_FROM, note, id=merged.id, title=merged.title)))
    merged.withdrawn_at = now
    merged.withdrawn_reason = str(reasons.with_note(reasons.MERGED_INTO, note, id=kept.id))
    record_change(session, merged, user, "withdrawn", {"withdrawn": [False, True], "merged_into": [None, kept.id]},
                  note=merged.withdrawn_reason)
    session.flush()
    return changes


def restore_project(session: Session, project: Project, user: User | None) -> bool:
    """Bring a withdrawn project back; whether it changed anything (False: it was not withdrawn)."""
    if user is not None and not can_edit(user, project):
        raise PermissionDenied(N_("You may restore only projects that your organisation funds or implements."))
    if project.withdrawn_at is None:
        return False
    project.withdrawn_at = None
    project.withdrawn_reason = ""
    if user is not None:
        project.updated_by_id = user.id
    record_change(session, project, user, "restored", {"withdrawn": [True, False]})
    session.flush()
    return True
