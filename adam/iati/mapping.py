"""Map one parsed IATI activity onto ADAM's project fields, without touching the database.

prepare_activity() takes a ParsedActivity and a snapshot of the reference data (ids of countries, regions,
pillars and themes, USD rates) and returns plain, picklable data: the project row, the organisations it names
(still as names and refs: the importer resolves them), the ids of its children, and the issues. Being pure, it
runs in the parse worker process of a large import, in parallel with the database writes.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from adam.iati.parser import Money, OrgRef, ParsedActivity
from adam.iati.sector_map import is_known, map_sector
from adam.messages import Message
from adam.project_vocabulary import ACTIVITY_TYPES

# ADAM's own classification, as the exporter writes it (reporting-organisation vocabulary 99).
OWN_VOCABULARIES = {"98", "99"}
PILLAR_PREFIX, THEME_PREFIX, ACTIVITY_TYPE_PREFIX = "adam-pillar-", "adam-theme-", "adam-activity-type-"

MAX_AMOUNT = Decimal("1e15")  # Numeric(18, 2) holds less than 1e16; larger figures are publishing errors
CENT = Decimal("0.01")
# Participating-org roles: 1 funding -> funders; 2 accountable, 3 extending, 4 implementing -> implementers;
# "beneficiary" (pre-1.0 files only) -> beneficiary institutions.
IMPLEMENTER_ROLES = {"2", "3", "4"}


class Org(NamedTuple):
    """An organisation as the file names it; the importer matches it by ref, then name, else creates it."""

    name: str
    ref: str
    type: str  # IATI OrganisationType code or 1.x word, as published
    default_type: str  # ADAM type for a new organisation when the IATI type says nothing


class PreparedActivity(NamedTuple):
    """Everything the import writes for one activity, as plain data (cheap to pickle between processes)."""

    file: str
    position: int
    line: int | None
    identifier: str
    issues: list[tuple[str, str]]  # (severity, message); an "error" means rejected, then row is None
    row: dict[str, Any] | None = None
    owner: Org | None = None
    funders: list[tuple[Org, Decimal | None, str | None]] = []
    implementers: list[Org] = []
    institutions: list[Org] = []
    countries: list[int] = []
    regions: list[int] = []
    pillars: list[int] = []
    themes: list[int] = []
    sectors: list[tuple[str, str, Decimal | None]] = []
    related: list[tuple[str, str, str | None]] = []
    locations: list[str] = []

    @property
    def rejected(self) -> bool:
        return self.row is None


@dataclass
class ReferenceData:
    """What prepare_activity needs from the database, read once per import (picklable)."""

    countries: dict[str, int] = field(default_factory=dict)  # ISO alpha-2 -> id
    countries_iso3: dict[str, int] = field(default_factory=dict)
    regions: dict[str, int] = field(default_factory=dict)  # Region.code ("dac-998") -> id
    rates: dict[str, Decimal | None] = field(default_factory=dict)  # every known currency -> USD rate or None
    pillars: dict[int, int] = field(default_factory=dict)  # number -> id
    themes: dict[str, tuple[int, int | None]] = field(default_factory=dict)  # code -> (id, pillar id)
    ignore_links: bool = False
    default_country: Any = None  # an ISO code, or a mapping of file name or stem to one
    today: dt.date = field(default_factory=dt.date.today)

    def country_id(self, value: Any) -> int | None:
        if value is None:
            return None
        code = str(getattr(value, "iso3", value)).strip().upper()
        return self.countries.get(code) if len(code) == 2 else self.countries_iso3.get(code)

    def default_country_for(self, file: str) -> tuple[int | None, str]:
        value = self.default_country
        if isinstance(value, Mapping):
            value = value.get(file) or value.get(Path(file).stem)
        label = str(getattr(value, "iso3", value) or "").upper()
        return self.country_id(value), label


def _amount(value: Decimal) -> Decimal:
    return value.quantize(CENT)


class _Money:
    """Sums of amounts for one activity, in its default currency, with the reference rates."""

    def __init__(self, activity: ParsedActivity, ref: ReferenceData) -> None:
        self.activity, self.rates = activity, ref.rates

    def one(self, money: Money) -> tuple[Decimal, str] | None:
        currency = money.currency or self.activity.default_currency
        if not currency:
            self.activity.warn(Message("amount %(amount)s without a currency, ignored", amount=str(money.amount)))
            return None
        if currency not in self.rates:
            self.activity.warn(Message("unknown currency %(currency)r, amount ignored", currency=currency))
            return None
        return money.amount, currency

    def total(self, values: list[Money], what: str) -> tuple[Decimal | None, str | None]:
        """Sum in the shared currency, else converted to USD; negative or absurd totals are dropped."""
        resolved = [m for m in map(self.one, values) if m is not None]
        if not resolved:
            return None, None
        currencies = {c for _, c in resolved}
        if len(currencies) == 1:
            amount, currency = sum((a for a, _ in resolved), Decimal(0)), resolved[0][1]
        elif all(self.rates.get(c) is not None for c in currencies):
            amount, currency = sum((a * self.rates[c] for a, c in resolved), Decimal(0)), "USD"
        else:
            currency = resolved[0][1]
            self.activity.warn(Message("%(element)s: amounts in several currencies (%(currencies)s) without USD rates: "
                                       "kept those in %(currency)s", element=what,
                                       currencies=", ".join(sorted(currencies)), currency=currency))
            amount = sum((a for a, c in resolved if c == currency), Decimal(0))
        if amount < 0:
            self.activity.warn(Message("%(element)s %(amount)s is negative, ignored", element=what, amount=str(amount)))
            return None, None
        if amount >= MAX_AMOUNT:
            self.activity.warn(Message("%(element)s %(amount)s is implausibly large, ignored", element=what,
                                               amount=str(amount)))
            return None, None
        return _amount(amount), currency


def _budget_values(activity: ParsedActivity) -> list[Money]:
    """The budgets (a revised budget replaces the original of its period), else the commitments, else total-cost."""
    if activity.budgets:
        by_period: dict[str, list] = {}
        for budget in activity.budgets:
            kept = by_period.setdefault(budget.period_start, [])
            if budget.type == "2" and any(b.type != "2" for b in kept):
                kept.clear()
            if budget.type == "2" or not any(b.type == "2" for b in kept):
                kept.append(budget)
        return [b.value for kept in by_period.values() for b in kept]
    commitments = [t.value for t in activity.transactions if t.type == "2" and t.value is not None]
    if commitments:
        return commitments
    return [activity.total_cost] if activity.total_cost is not None else []


def _org(org: OrgRef, default_type: str = "other") -> Org:
    return Org(org.name, org.ref, org.type, default_type)


def rejected(activity: ParsedActivity) -> PreparedActivity:
    return PreparedActivity(activity.file, activity.position, activity.line, activity.identifier,
                            [(i.severity, i.message) for i in activity.issues])


def prepare_activity(activity: ParsedActivity, ref: ReferenceData) -> PreparedActivity:
    """Map a parsed activity; a rejected one comes back with its reasons and no row."""
    if not activity.identifier:
        activity.error(Message("missing iati-identifier"))
    elif len(activity.identifier) > 200:
        activity.error(Message("iati-identifier longer than 200 characters"))
    if activity.rejected:
        return rejected(activity)

    title = activity.title or activity.summary[:120] or activity.identifier
    if not activity.title:
        activity.warn(Message("no title: used the description or the identifier"))
    if len(title) > 300:
        title = title[:299] + "…"

    dates = activity.dates
    planned_start, actual_start = dates.get("1"), dates.get("2")
    planned_end, actual_end = dates.get("3"), dates.get("4")
    if planned_start and planned_end and planned_end < planned_start:
        activity.warn(Message("planned end %(end)s before planned start %(start)s: end ignored", end=str(planned_end),
                              start=str(planned_start)))
        planned_end = None
    if actual_start and actual_end and actual_end < actual_start:
        activity.warn(Message("actual end %(end)s before actual start %(start)s: end ignored", end=str(actual_end),
                              start=str(actual_start)))
        actual_end = None
    status = activity.status
    if status is None:
        if actual_end and actual_end <= ref.today:
            status = "completed"
        elif actual_start:
            status = "ongoing"
        else:
            status = "pipeline"

    money = _Money(activity, ref)
    amount, currency = money.total(_budget_values(activity), "budget")
    budget_usd = None
    if amount is not None:
        rate = ref.rates.get(currency)
        budget_usd = _amount(amount * rate) if rate is not None else None

    funders: dict[Org, tuple[Decimal | None, str | None]] = {}
    implementers: dict[Org, None] = {}
    institutions: dict[Org, None] = {}
    for org in activity.participating:
        if org.role == "1":
            funders.setdefault(_org(org, "bilateral_donor"), (None, None))
        elif org.role in IMPLEMENTER_ROLES:
            implementers[_org(org)] = None
        elif org.role == "beneficiary":
            institutions[_org(org, "recipient_agency")] = None
    # Donors also show as providers of incoming funds (1) or incoming commitments (11), with their amounts.
    incoming: dict[Org, dict[str, list[Money]]] = {}
    for transaction in activity.transactions:
        if transaction.type in ("1", "11") and transaction.provider is not None and transaction.value is not None:
            provider = transaction.provider
            if provider.name or provider.ref:
                by_type = incoming.setdefault(_org(provider, "bilateral_donor"), {"1": [], "11": []})
                by_type[transaction.type].append(transaction.value)
    for org, by_type in incoming.items():
        funders[org] = money.total(by_type["11"] or by_type["1"], "funder amount")

    countries: list[int] = []
    for code in dict.fromkeys(activity.countries):
        cid = ref.countries.get(code)
        if cid is None:
            activity.warn(Message("unknown recipient-country code %(code)r, ignored", code=code))
        else:
            countries.append(cid)
    regions: list[int] = []
    for vocabulary, code in dict.fromkeys(activity.regions):
        if vocabulary != "1":
            activity.warn(Message("recipient-region %(code)r in vocabulary %(vocabulary)r (not OECD DAC), ignored", code=code,
                                  vocabulary=vocabulary))
            continue
        rid = ref.regions.get(f"dac-{code}")
        if rid is None:
            activity.warn(Message("unknown recipient-region code %(code)r, ignored", code=code))
        else:
            regions.append(rid)
    if not activity.countries:
        cid, label = ref.default_country_for(activity.file)
        if cid is not None:
            countries.append(cid)
            activity.warn(Message("no recipient-country: took the file's country %(country)s", country=label))

    pillars: set[int] = set()
    themes: set[int] = set()
    own_pillars: set[int] = set()
    own_themes: set[int] = set()
    sectors: dict[tuple[str, str], Decimal | None] = {}
    for sector in activity.sectors:
        if sector.vocabulary in OWN_VOCABULARIES and sector.code.lower().startswith("adam-"):
            code = sector.code.lower()
            if code.startswith(PILLAR_PREFIX) and code[len(PILLAR_PREFIX):].isdigit() \
                    and int(code[len(PILLAR_PREFIX):]) in ref.pillars:
                own_pillars.add(ref.pillars[int(code[len(PILLAR_PREFIX):])])
            elif code.startswith(THEME_PREFIX) and code[len(THEME_PREFIX):] in ref.themes:
                own_themes.add(ref.themes[code[len(THEME_PREFIX):]][0])
            else:
                activity.warn(Message("unknown ADAM classification %(code)r, ignored", code=sector.code))
            continue
        if len(sector.code) > 20 or len(sector.vocabulary) > 10:
            activity.warn(Message("sector code %(code)r too long, ignored", code=sector.code[:40]))
            continue
        if not is_known(sector.vocabulary, sector.code):
            activity.warn(Message("unknown sector code %(code)r in vocabulary %(vocabulary)s", code=sector.code,
                                  vocabulary=sector.vocabulary))
        sectors.setdefault((sector.vocabulary, sector.code), sector.percentage)
        mapping = map_sector(sector.vocabulary, sector.code)
        if mapping:
            pillars.update(ref.pillars[n] for n in mapping.pillars if n in ref.pillars)
            for code in mapping.themes:
                if code in ref.themes:
                    theme_id, pillar_id = ref.themes[code]
                    themes.add(theme_id)
                    if pillar_id:
                        pillars.add(pillar_id)
    if own_pillars or own_themes:
        # A file written by ADAM states its classification: it replaces what the DAC codes would suggest.
        pillars, themes = own_pillars, own_themes

    related: dict[tuple[str, str], str | None] = {}
    if not ref.ignore_links:
        for other, kind in activity.related:
            related.setdefault((other, "related-activity"), kind[:5] or None)
        for kind, other in activity.transaction_links:
            related.setdefault((other, kind), None)
        for org in activity.participating:
            if org.activity_id:
                related.setdefault((org.activity_id, "participating-org"), None)

    activity_type = None
    for vocabulary, code in activity.tags:
        if vocabulary in OWN_VOCABULARIES and code.startswith(ACTIVITY_TYPE_PREFIX):
            if code[len(ACTIVITY_TYPE_PREFIX):] in ACTIVITY_TYPES:
                activity_type = code[len(ACTIVITY_TYPE_PREFIX):]

    row = {
        "title": title,
        # A description that only repeats the title (common in aid registers) says nothing more.
        "summary": activity.summary if activity.summary != activity.title else "",
        "activity_type": activity_type,
        "description": activity.description,
        "status": status,
        "planned_start_on": planned_start,
        "planned_end_on": planned_end,
        "actual_start_on": actual_start,
        "actual_end_on": actual_end,
        "starts_on": actual_start or planned_start,
        "ends_on": actual_end or planned_end,
        "budget_amount": amount,
        "budget_currency": currency if amount is not None else None,
        "budget_usd": budget_usd,
        "contact_name": activity.contact_name[:200],
        "contact_email": activity.contact_email[:254],
        "iati_identifier": activity.identifier,
        "language": activity.language,
    }
    own = activity.identifier
    return PreparedActivity(
        activity.file, activity.position, activity.line, activity.identifier,
        [(i.severity, i.message) for i in activity.issues],
        row=row,
        owner=_org(activity.reporting_org) if activity.reporting_org else None,
        funders=[(org, a, c) for org, (a, c) in funders.items()],
        implementers=list(implementers), institutions=list(institutions),
        countries=countries, regions=regions, pillars=sorted(pillars), themes=sorted(themes),
        sectors=[(v, c, p) for (v, c), p in sectors.items()],
        related=[(other, kind, relation) for (other, kind), relation in related.items()
                 if other != own and len(other) <= 200],
        locations=list(dict.fromkeys(name[:200] for name in activity.locations)),
    )
