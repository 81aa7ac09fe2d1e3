"""The state of a search, parsed from (and written back to) URL query parameters; no Flask, no database.

Every filter takes several values (OR within a filter); filters combine with AND. Bad values are dropped
with a message, so a mistyped link still shows a sensible result and says what was ignored.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Protocol
from urllib.parse import urlencode

from adam.messages import N_, Message
from adam.models.project import ACTIVITY_TYPES, STATUSES

SORTS = {
    "relevance": N_("Relevance (with free text)"),
    "start-desc": N_("Start date, newest first"),
    "start-asc": N_("Start date, oldest first"),
    "budget-desc": N_("Budget, largest first"),
    "budget-asc": N_("Budget, smallest first"),
    "title": N_("Title A-Z"),
    "updated": N_("Recently changed"),
}
PER_PAGE_CHOICES = (25, 50, 100)
MAX_QUERY_LENGTH = 200
_ISO3 = re.compile(r"^[A-Za-z]{3}$")
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")


class MultiArgs(Protocol):
    def getlist(self, key: str) -> list[str]: ...


@dataclasses.dataclass(frozen=True)
class SearchFilters:
    q: str = ""
    countries: tuple[str, ...] = ()        # ISO 3166 alpha-3
    regions: tuple[str, ...] = ()          # Region.code (geographic, route or dac-NNN)
    donors: tuple[int, ...] = ()           # Organisation.id funding the project
    implementers: tuple[int, ...] = ()     # Organisation.id implementing it
    institutions: tuple[int, ...] = ()     # Organisation.id of a beneficiary institution
    pillars: tuple[int, ...] = ()          # Pillar.number
    themes: tuple[str, ...] = ()           # Theme.code
    activity_types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    active_from: dt.date | None = None     # active at any time within [active_from, active_to]
    active_to: dt.date | None = None
    budget_min: Decimal | None = None      # on budget_usd
    budget_max: Decimal | None = None
    include_withdrawn: bool = False
    sort: str = ""
    page: int = 1
    per_page: int = 25

    # URL parameter name for each field; several values repeat the parameter (?country=TJK&country=UZB).
    PARAMS = {
        "q": "q", "countries": "country", "regions": "region", "donors": "donor", "implementers": "implementer",
        "institutions": "institution", "pillars": "pillar", "themes": "theme", "activity_types": "activity",
        "statuses": "status", "active_from": "from", "active_to": "to", "budget_min": "budget_min",
        "budget_max": "budget_max", "include_withdrawn": "withdrawn", "sort": "sort", "page": "page",
        "per_page": "per_page",
    }

    @property
    def effective_sort(self) -> str:
        if self.sort and (self.sort != "relevance" or self.q):
            return self.sort
        return "relevance" if self.q else "start-desc"

    @property
    def is_empty(self) -> bool:
        """True when no filter narrows the register (sorting and paging aside)."""
        return self.narrowing() == SearchFilters().narrowing()

    def narrowing(self) -> SearchFilters:
        """The same filters without sort and paging: what decides the matching set."""
        return dataclasses.replace(self, sort="", page=1, per_page=25)

    def replace(self, **changes) -> SearchFilters:
        return dataclasses.replace(self, **changes)

    def query_items(self) -> list[tuple[str, str]]:
        """(parameter, value) pairs holding the whole state; defaults are left out to keep URLs short."""
        items: list[tuple[str, str]] = []
        default = SearchFilters()
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value == getattr(default, field.name):
                continue
            name = self.PARAMS[field.name]
            if isinstance(value, tuple):
                items.extend((name, str(v)) for v in value)
            elif isinstance(value, bool):
                items.append((name, "1"))
            elif isinstance(value, dt.date):
                items.append((name, value.isoformat()))
            elif isinstance(value, Decimal):
                items.append((name, format(value.normalize(), "f")))
            else:
                items.append((name, str(value)))
        return items

    def query_string(self, **changes) -> str:
        return urlencode((self.replace(**changes) if changes else self).query_items())


def _values(args: MultiArgs | Mapping[str, Iterable[str]], name: str) -> list[str]:
    if hasattr(args, "getlist"):
        raw = args.getlist(name)
    else:
        raw = args.get(name, [])  # type: ignore[union-attr]
        raw = [raw] if isinstance(raw, str) else list(raw)
    # A GET form sends empty values for untouched fields: they mean "any".
    return [v.strip() for v in raw if v is not None and v.strip()]


def _ints(values: list[str], label: str, errors: list[str]) -> tuple[int, ...]:
    out = []
    for v in values:
        if v.isdigit() and len(v) < 10:
            out.append(int(v))
        else:
            errors.append(Message("Ignored %(label)s %(value)r: not a valid identifier.", label=label, value=v))
    return tuple(dict.fromkeys(out))


def _date(values: list[str], label: str, errors: list[str]) -> dt.date | None:
    if not values:
        return None
    try:
        return dt.date.fromisoformat(values[0])
    except ValueError:
        errors.append(Message("Ignored %(label)s %(value)r: use a date like 2024-03-31.", label=label, value=values[0]))
        return None


def _money(values: list[str], label: str, errors: list[str]) -> Decimal | None:
    if not values:
        return None
    text = values[0].replace(",", "").replace(" ", "").replace("_", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        errors.append(Message("Ignored %(label)s %(value)r: not a number.", label=label, value=values[0]))
        return None
    if not amount.is_finite() or amount < 0:
        errors.append(Message("Ignored %(label)s %(value)r: use a positive amount in USD.", label=label, value=values[0]))
        return None
    return amount


def parse_filters(args: MultiArgs | Mapping[str, Iterable[str]]) -> tuple[SearchFilters, list[str]]:
    """Read a search from query parameters; returns the filters and messages about ignored values."""
    errors: list[str] = []
    p = SearchFilters.PARAMS

    q = " ".join(_values(args, p["q"]))
    if len(q) > MAX_QUERY_LENGTH:
        errors.append(Message("The free text was cut to %(count)s characters.", count=MAX_QUERY_LENGTH))
        q = q[:MAX_QUERY_LENGTH]

    countries = []
    for v in _values(args, p["countries"]):
        if _ISO3.match(v):
            countries.append(v.upper())
        else:
            errors.append(Message("Ignored country %(value)r: use an ISO 3166 alpha-3 code such as TJK.", value=v))

    def codes(field: str, label: str, allowed: Mapping[str, str] | None = None) -> tuple[str, ...]:
        out = []
        for v in _values(args, p[field]):
            key = v.lower()
            if (allowed is not None and key in allowed) or (allowed is None and _CODE.match(key)):
                out.append(key)
            else:
                errors.append(Message("Ignored %(label)s %(value)r: unknown value.", label=label, value=v))
        return tuple(dict.fromkeys(out))

    pillars = tuple(n for n in _ints(_values(args, p["pillars"]), Message("pillar"), errors) if 1 <= n <= 99)

    active_from = _date(_values(args, p["active_from"]), Message("start of the date window"), errors)
    active_to = _date(_values(args, p["active_to"]), Message("end of the date window"), errors)
    if active_from and active_to and active_to < active_from:
        errors.append(N_("The date window ends before it starts: the two dates were swapped."))
        active_from, active_to = active_to, active_from

    budget_min = _money(_values(args, p["budget_min"]), Message("minimum budget"), errors)
    budget_max = _money(_values(args, p["budget_max"]), Message("maximum budget"), errors)
    if budget_min is not None and budget_max is not None and budget_max < budget_min:
        errors.append(N_("The budget range was upside down: the two amounts were swapped."))
        budget_min, budget_max = budget_max, budget_min

    sort = (_values(args, p["sort"]) or [""])[0]
    if sort and sort not in SORTS:
        errors.append(Message("Ignored sort %(value)r.", value=sort))
        sort = ""

    page_values = _values(args, p["page"])
    page = int(page_values[0]) if page_values and page_values[0].isdigit() and len(page_values[0]) < 7 else 1
    per_page_values = _values(args, p["per_page"])
    per_page = int(per_page_values[0]) if per_page_values and per_page_values[0].isdigit() else 25
    if per_page not in PER_PAGE_CHOICES:
        per_page = 25

    filters = SearchFilters(
        q=q,
        countries=tuple(dict.fromkeys(countries)),
        regions=codes("regions", Message("region")),
        donors=_ints(_values(args, p["donors"]), Message("donor"), errors),
        implementers=_ints(_values(args, p["implementers"]), Message("implementer"), errors),
        institutions=_ints(_values(args, p["institutions"]), Message("beneficiary institution"), errors),
        pillars=pillars,
        themes=codes("themes", Message("theme")),
        activity_types=codes("activity_types", Message("activity type"), ACTIVITY_TYPES),
        statuses=codes("statuses", Message("status"), STATUSES),
        active_from=active_from,
        active_to=active_to,
        budget_min=budget_min,
        budget_max=budget_max,
        include_withdrawn=(_values(args, p["include_withdrawn"]) or ["0"])[0] in ("1", "on", "true", "yes"),
        sort=sort,
        page=max(page, 1),
        per_page=per_page,
    )
    return filters, errors
