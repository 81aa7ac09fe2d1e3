"""The documented columns of the project spreadsheet (CSV or XLSX) for bulk import.

Lists inside a cell are separated by semicolons. Names of countries, organisations and themes are matched
case- and accent-insensitively; organisations also by acronym and alias.
"""
from __future__ import annotations

from dataclasses import dataclass

from adam.messages import N_


@dataclass(frozen=True)
class Column:
    """One column; the description is English, marked for the catalogue and translated on the bulk page."""

    name: str
    required: bool
    description: str
    example: str


COLUMNS: list[Column] = [
    Column("title", True, N_("Title of the project (at most 300 characters)."),
           "Container profiling training for customs officers"),
    Column("summary", False, N_("Summary and objectives."), "Risk profiling of sea containers at two ports."),
    Column("description", False, N_("Longer description."), ""),
    Column("activity_type", False, N_("One of: training, equipment, advisory, infrastructure, research, conference."),
           "training"),
    Column("status", False, N_("One of: pipeline, ongoing, completed, cancelled (default pipeline)."), "ongoing"),
    Column("planned_start", False, N_("Planned start date, YYYY-MM-DD."), "2025-03-01"),
    Column("planned_end", False, N_("Planned end date, YYYY-MM-DD (not before the start)."), "2026-02-28"),
    Column("actual_start", False, N_("Actual start date, YYYY-MM-DD."), ""),
    Column("actual_end", False, N_("Actual end date, YYYY-MM-DD."), ""),
    Column("budget_amount", False, N_("Budget, a number without thousands separators (dot for decimals)."), "250000"),
    Column("budget_currency", False, N_("ISO 4217 code of the budget (required with a budget)."), "EUR"),
    Column("countries", False, N_("Recipient countries: ISO alpha-3 codes or names, separated by ';'. "
           "A country or a region is required."), "PAK; IRN"),
    Column("regions", False, N_("Regions or routes by code (central-asia, route-balkan, dac-619), separated by ';'."), ""),
    Column("pillars", True, N_("Pillar numbers 1-4, separated by ';'."), "1"),
    Column("themes", False, N_("Theme codes or names, separated by ';'."), "container-control; capacity-building"),
    Column("donors", False, N_("Donors by name, acronym or alias, separated by ';'; an amount may follow a colon "
           "(in the budget currency)."), "UK: 150000; Japan: 100000"),
    Column("implementers", False, N_("Implementing organisations, separated by ';'."), "UNODC"),
    Column("beneficiary_institutions", False, N_("National counterparts, separated by ';' (must exist in ADAM)."), ""),
    Column("contact_name", False, N_("Contact person."), "Jane Doe"),
    Column("contact_email", False, N_("Contact e-mail."), "jane.doe@example.org"),
    Column("iati_identifier", False, N_("IATI identifier, when the project is published under IATI (unique)."), ""),
    Column("links", False, N_("Links (http:// or https://), separated by ';'."), ""),
]
COLUMN_NAMES = [c.name for c in COLUMNS]
REQUIRED = {c.name for c in COLUMNS if c.required}
