"""A project's change history as its reader sees it: field names, yes/no, statuses, dates and names in the
interface language.

The history stores each change as {field: [before, after]} in plain JSON values (operations.snapshot: English
names, ISO dates, codes). This module only reads them, so that a history written in one language reads in
every other; it knows nothing of HTTP (the view passes the country names it can translate).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from adam.i18n import translate
from adam.project_vocabulary import ACTIVITY_TYPES, STATUSES

# The labels of the project form, so that the history names a field as the form does.
FIELD_LABELS: dict[str, Any] = {
    "title": _l("Title"),
    "summary": _l("Summary and objectives"),
    "description": _l("Description"),
    "activity_type": _l("Activity type"),
    "status": _l("Status"),
    "planned_start_on": _l("Planned start"),
    "planned_end_on": _l("Planned end"),
    "actual_start_on": _l("Actual start"),
    "actual_end_on": _l("Actual end"),
    "budget_amount": _l("Budget"),
    "budget_currency": _l("Currency"),
    "contact_name": _l("Contact person"),
    "contact_email": _l("Contact e-mail"),
    "iati_identifier": _l("IATI identifier"),
    "countries": _l("Recipient countries"),
    "regions": _l("Recipient regions or routes"),
    "pillars": _l("Pillars"),
    "themes": _l("Themes"),
    "donors": _l("Donors"),
    "implementers": _l("Implementing organisations"),
    "beneficiary_institutions": _l("Beneficiary institutions"),
    "links": _l("Links"),
    "locations": _l("Places within the countries"),
    "withdrawn": _l("Withdrawn"),
    "merged_into": _l("Merged into project"),
    "duplicate_of": _l("Duplicate of project"),
}
DATE_FIELDS = frozenset({"planned_start_on", "planned_end_on", "actual_start_on", "actual_end_on"})
# Lists of names that are data seeded in English and translated by the catalogue (pillar, theme, region names).
TRANSLATED_NAMES = frozenset({"pillars", "themes", "regions"})
NOTHING = "—"


@dataclass(frozen=True)
class HistoryRow:
    field: str
    before: str
    after: str


def _one(field: str, value: Any, country: Callable[[str], str], date: Callable[[dt.date], str]) -> str:
    if value is None or value == "" or value == []:
        return NOTHING
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, list):
        return ", ".join(_one(field, item, country, date) for item in value)
    if field == "status":
        return translate(STATUSES.get(value, value))
    if field == "activity_type":
        return translate(ACTIVITY_TYPES.get(value, value))
    if field in DATE_FIELDS:
        try:
            return date(dt.date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if field == "countries":
        return country(str(value))
    if field in TRANSLATED_NAMES:
        return translate(value)
    return str(value)


def history_rows(changes: Mapping[str, Any] | None, *, country: Callable[[str], str] = str,
                 date: Callable[[dt.date], str] = dt.date.isoformat) -> list[HistoryRow]:
    """The rows of one change: the field's label and its values before and after, ready to show.

    country maps a country's stored (English) name to the reader's; date formats a date for the reader. A field
    this module does not know keeps its key, spaced.
    """
    rows = []
    for field, values in (changes or {}).items():
        before, after = (list(values) + [None, None])[:2] if isinstance(values, (list, tuple)) else (None, values)
        label = FIELD_LABELS.get(field)
        rows.append(HistoryRow(str(label) if label is not None else field.replace("_", " "),
                               _one(field, before, country, date), _one(field, after, country, date)))
    return rows
