"""Bulk import of projects from a spreadsheet: a dry run that reports every row's errors, then an all-or-nothing
commit that creates every project or none.

Rows become ProjectInput and go through adam.projects.operations (the same validation, permissions and history
as the web form). Plain Python: takes a session and rows, returns data.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from adam.messages import N_, Message, ngettext
from adam.bulk.columns import REQUIRED
from adam.bulk.spreadsheet import SheetRow
from adam.models import Country, Organisation, OrganisationAlias, Pillar, Project, Region, Theme, User, normalise_name
from adam.projects.operations import (
    DonorInput,
    PermissionDenied,
    ProjectInput,
    ProjectValidationError,
    can_create,
    create_project,
    validate,
)

# Column names as the web form labels them, for messages that come from the shared validation.
FIELD_COLUMNS = {
    "planned_end_on": "planned_end", "actual_end_on": "actual_end", "planned_start_on": "planned_start",
    "actual_start_on": "actual_start", "institutions": "beneficiary_institutions",
}


class BulkImportError(RuntimeError):
    """A commit was attempted while some rows still have errors: nothing was written. Its arguments are messages
    (the web page translates each: adam.i18n.translate_error)."""

    def __str__(self) -> str:
        return " ".join(str(arg) for arg in self.args)


@dataclass
class RowResult:
    line: int
    title: str
    errors: list[str] = field(default_factory=list)
    data: ProjectInput | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class BulkReport:
    rows: list[RowResult]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and all(r.ok for r in self.rows)

    @property
    def error_count(self) -> int:
        return sum(1 for r in self.rows if not r.ok)


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


# "Unknown country 'Atlantis'.": one catalogue entry per kind of name, so each language can say it its own way.
UNKNOWN = {
    "country": N_("Unknown country %(name)r."), "region": N_("Unknown region %(name)r."),
    "pillar": N_("Unknown pillar %(name)r."), "theme": N_("Unknown theme %(name)r."),
    "donor": N_("Unknown donor %(name)r."), "implementer": N_("Unknown implementer %(name)r."),
    "beneficiary institution": N_("Unknown beneficiary institution %(name)r."),
}


class _Lookup:
    """Names, codes, acronyms and aliases of the reference data, normalised once per file."""

    def __init__(self, session: Session) -> None:
        # Also "PAK Pakistan" and "1 Regional initiatives": the template's Reference sheet lists them so.
        self.countries: dict[str, int] = {}
        for country in session.scalars(select(Country)):
            for key in (country.iso3, country.iso2, country.name, f"{country.iso3} {country.name}"):
                self.countries[normalise_name(key)] = country.id
        self.regions = {normalise_name(r.code): r.id for r in session.scalars(select(Region))}
        for region in session.scalars(select(Region)):
            self.regions.setdefault(normalise_name(region.name), region.id)
        self.pillars = {str(p.number): p.id for p in session.scalars(select(Pillar))}
        for pillar in session.scalars(select(Pillar)):
            self.pillars[normalise_name(pillar.name)] = pillar.id
            self.pillars[normalise_name(f"{pillar.number} {pillar.name}")] = pillar.id
        self.themes: dict[str, int] = {}
        for theme in session.scalars(select(Theme).where(Theme.active.is_(True))):
            self.themes[normalise_name(theme.code)] = theme.id
            self.themes.setdefault(normalise_name(theme.name), theme.id)
        self.organisations: dict[str, int] = {}
        for org in session.scalars(select(Organisation).where(Organisation.active.is_(True))):
            self.organisations.setdefault(normalise_name(org.name), org.id)
            if org.acronym:
                self.organisations.setdefault(normalise_name(org.acronym), org.id)
        for key, org_id in session.execute(select(OrganisationAlias.key, OrganisationAlias.organisation_id)):
            self.organisations.setdefault(key, org_id)

    def ids(self, table: dict[str, int], cell: str, label: str, errors: list[str]) -> list[int]:
        found = []
        for name in _split(cell):
            key = normalise_name(name)
            if key in table:
                found.append(table[key])
            else:
                errors.append(Message(UNKNOWN[label], name=name))
        return found


def _date(value: str, column: str, errors: list[str]) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        errors.append(Message("%(column)s: %(value)r is not a date; write YYYY-MM-DD.", column=column, value=value))
        return None


def _decimal(value: str, column: str, errors: list[str]) -> Decimal | None:
    if not value:
        return None
    try:
        number = Decimal(value.replace(" ", ""))
    except InvalidOperation:
        if "," in value:
            errors.append(Message("%(column)s: %(value)r is not a number (no thousands separators).", column=column,
                                  value=value))
        else:
            errors.append(Message("%(column)s: %(value)r is not a number.", column=column, value=value))
        return None
    if not number.is_finite():
        errors.append(Message("%(column)s: %(value)r is not a number.", column=column, value=value))
        return None
    return number


def row_input(row: SheetRow, lookup: _Lookup, errors: list[str]) -> ProjectInput:
    """A spreadsheet row as ProjectInput; problems with names, dates and numbers go to errors."""
    v = row.values
    if row.extra:
        errors.append(Message("More values than columns: %(values)s has no column (a comma or semicolon inside a "
                              "cell needs quotes).", values=", ".join(repr(value) for value in row.extra)))
    for column in sorted(REQUIRED):
        if not v.get(column):
            errors.append(Message("%(column)s: required.", column=column))
    donors: list[DonorInput] = []
    for part in _split(v.get("donors", "")):
        name, _, amount = part.partition(":")
        org_ids = lookup.ids(lookup.organisations, name, "donor", errors)
        if org_ids:
            donors.append(DonorInput(org_ids[0], _decimal(amount.strip(), f"donors ({name.strip()})", errors)))
    return ProjectInput(
        title=v.get("title", ""),
        summary=v.get("summary", ""),
        description=v.get("description", ""),
        activity_type=(v.get("activity_type") or "").lower() or None,
        status=(v.get("status") or "pipeline").lower(),
        planned_start_on=_date(v.get("planned_start", ""), "planned_start", errors),
        planned_end_on=_date(v.get("planned_end", ""), "planned_end", errors),
        actual_start_on=_date(v.get("actual_start", ""), "actual_start", errors),
        actual_end_on=_date(v.get("actual_end", ""), "actual_end", errors),
        budget_amount=_decimal(v.get("budget_amount", ""), "budget_amount", errors),
        budget_currency=v.get("budget_currency") or None,
        contact_name=v.get("contact_name", ""),
        contact_email=v.get("contact_email", ""),
        iati_identifier=v.get("iati_identifier") or None,
        country_ids=lookup.ids(lookup.countries, v.get("countries", ""), "country", errors),
        region_ids=lookup.ids(lookup.regions, v.get("regions", ""), "region", errors),
        pillar_ids=lookup.ids(lookup.pillars, v.get("pillars", ""), "pillar", errors),
        theme_ids=lookup.ids(lookup.themes, v.get("themes", ""), "theme", errors),
        donors=donors,
        implementer_ids=lookup.ids(lookup.organisations, v.get("implementers", ""), "implementer", errors),
        institution_ids=lookup.ids(lookup.organisations, v.get("beneficiary_institutions", ""),
                                   "beneficiary institution", errors),
        links=[(url, "") for url in _split(v.get("links", ""))],
    )


def dry_run(session: Session, rows: list[SheetRow], user: User | None) -> BulkReport:
    """Check every row as if it were saved; nothing is written. Every problem is reported with its row."""
    lookup = _Lookup(session)
    results: list[RowResult] = []
    identifiers: dict[str, int] = {}
    seen_rows: dict[tuple, int] = {}
    for row in rows:
        errors: list[str] = []
        data = row_input(row, lookup, errors)
        # A row pasted twice would register the same project twice.
        first_line = seen_rows.setdefault((tuple(sorted(row.values.items())), tuple(row.extra)), row.line)
        if first_line != row.line:
            errors.append(Message("The same as row %(line)s: remove one of them.", line=first_line))
        if user is not None and not can_create(user):
            errors.append(N_("You may not register projects."))
        if data.iati_identifier:
            first = identifiers.setdefault(data.iati_identifier, row.line)
            if first != row.line:
                errors.append(Message("iati_identifier: %(identifier)s is also on row %(line)s.",
                                      identifier=data.iati_identifier, line=first))
        if not errors:
            try:
                validate(session, data, user)
            except ProjectValidationError as exc:
                for key, messages in exc.errors.items():
                    errors.extend(Message("%(column)s: %(message)s", column=FIELD_COLUMNS.get(key, key),
                                          message=m if isinstance(m, Message) else Message(m)) for m in messages)
        results.append(RowResult(row.line, row.values.get("title", ""), errors, data))
    return BulkReport(results)


def commit(session: Session, rows: list[SheetRow], user: User | None) -> list[Project]:
    """Create every project of the file, or none: raises BulkImportError if any row fails; the caller then rolls
    back (rows are checked before the first write, so that is the rare case of a rule failing at save time).
    Adds and flushes; the caller commits once."""
    report = dry_run(session, rows, user)
    if not report.ok:  # the page says that nothing was imported, in the reader's language
        raise BulkImportError(ngettext("%(num)s row has errors.", "%(num)s rows have errors.", report.error_count))
    created = []
    for result in report.rows:
        try:
            created.append(create_project(session, result.data, user))  # type: ignore[arg-type]
        except ProjectValidationError as exc:
            said = [message for messages in exc.errors.values() for message in messages]
            raise BulkImportError(Message("Row %(line)s:", line=result.line), *said) from exc
        except PermissionDenied as exc:
            raise BulkImportError(Message("Row %(line)s:", line=result.line), *exc.args) from exc
    return created
