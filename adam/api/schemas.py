"""Marshmallow schemas of the JSON API: they parse requests and document the OpenAPI spec at once.

Limits here mirror the database columns, so that bad input is a 422 with the field named, never a database error.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from adam.models import ACTIVITY_TYPES, STATUSES
from adam.search.filters import SORTS as SEARCH_SORTS

MAX_ID = 2**31 - 1  # PostgreSQL integer columns
MAX_AMOUNT = Decimal("9999999999999999.99")  # Numeric(18, 2)
MAX_PER_PAGE = 100
MAX_PAGE = 100_000


class Text(fields.String):
    """A string PostgreSQL can store: no NUL character and no lone surrogate (both would fail in the driver)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError("Must not contain the NUL character.")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValidationError("Must be valid Unicode text.") from exc
        return text


class DecimalString(fields.Decimal):
    """A decimal sent as a string ("1250.50") so no client rounds money through a float; numbers are accepted."""

    def __init__(self, **kwargs):
        super().__init__(as_string=True, **kwargs)


class UtcDateTime(fields.DateTime):
    """An RFC 3339 timestamp with its offset; SQLite hands back naive datetimes for UTC columns."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


def Id(**kwargs) -> fields.Integer:  # noqa: N802 - reads like a field class
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def QueryId(**kwargs) -> fields.Integer:  # noqa: N802 - query strings carry numbers as text
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def Amount(**kwargs) -> fields.Decimal:  # noqa: N802
    return DecimalString(places=2, validate=validate.Range(min=0, max=MAX_AMOUNT), **kwargs)


def Version() -> fields.Integer:  # noqa: N802 - reads like a field class
    return Id(metadata={"description": "the version you read; required unless If-Match is sent"})


class StrictSchema(Schema):
    class Meta:
        ordered = True


# --- reference data --------------------------------------------------------------------------------------------

class CountrySchema(StrictSchema):
    id = fields.Integer()
    iso3 = fields.String()
    iso2 = fields.String()
    name = fields.String()


class RegionSchema(StrictSchema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String(metadata={"description": "geographic, route or dac"})
    is_global = fields.Boolean()
    countries = fields.Method("_country_codes", metadata={"description": "ISO 3166 alpha-3 codes"})

    def _country_codes(self, region) -> list[str]:
        return [c.iso3 for c in region.countries]


class OrganisationSchema(StrictSchema):
    id = fields.Integer()
    name = fields.String()
    acronym = fields.String(allow_none=True)
    type = fields.String()
    country = fields.Function(lambda o: o.country.iso3 if o.country else None, allow_none=True)
    iati_identifier = fields.String(allow_none=True)
    aliases = fields.Function(lambda o: [a.alias for a in o.aliases])


class OrganisationRefSchema(StrictSchema):
    id = fields.Integer()
    name = fields.String()
    acronym = fields.String(allow_none=True)


class PillarSchema(StrictSchema):
    id = fields.Integer()
    number = fields.Integer()
    name = fields.String()
    description = fields.String()


class ThemeSchema(StrictSchema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    pillar = fields.Function(lambda t: t.pillar.number if t.pillar else None, allow_none=True,
                             metadata={"description": "pillar number; null for cross-cutting themes"})
    active = fields.Boolean()


class CountryRefSchema(StrictSchema):
    id = fields.Integer()
    iso3 = fields.String()
    name = fields.String()


class RegionRefSchema(StrictSchema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()


class PillarRefSchema(StrictSchema):
    id = fields.Integer()
    number = fields.Integer()
    name = fields.String()


class ThemeRefSchema(StrictSchema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()


class CurrencySchema(StrictSchema):
    code = fields.String()
    name = fields.String()
    usd_rate = DecimalString(allow_none=True)


class ReferenceQuerySchema(StrictSchema):
    q = Text(validate=validate.Length(max=100), metadata={"description": "part of the name (case-insensitive)"})


# --- projects: output ------------------------------------------------------------------------------------------

class DonorOutSchema(StrictSchema):
    organisation_id = fields.Integer()
    name = fields.Function(lambda f: f.organisation.name)
    amount = DecimalString(allow_none=True)
    currency = fields.String(allow_none=True)


class LinkSchema(StrictSchema):
    url = Text(required=True, validate=validate.Length(min=1, max=1000))
    label = Text(load_default="", validate=validate.Length(max=200))


class LocationSchema(StrictSchema):
    """A place within the recipient countries (a province, a border crossing, a port)."""

    name = Text(required=True, validate=validate.Length(min=1, max=200))
    country_id = Id(allow_none=True, load_default=None,
                    metadata={"description": "id of one of the project's recipient countries, or null"})


class SectorOutSchema(StrictSchema):
    vocabulary = fields.String(metadata={"description": "IATI SectorVocabulary (1: OECD DAC 5-digit)"})
    code = fields.String()
    percentage = DecimalString(allow_none=True)


class RelatedActivityOutSchema(StrictSchema):
    iati_identifier = fields.String()
    kind = fields.String(metadata={"description": "related-activity, provider-activity, receiver-activity..."})
    relation_type = fields.String(allow_none=True, metadata={"description": "IATI RelatedActivityType code"})


class ProjectOutSchema(StrictSchema):
    id = fields.Integer()
    version = fields.Integer(metadata={"description": "send it back (or If-Match) to update safely"})
    title = fields.String()
    summary = fields.String()
    description = fields.String()
    activity_type = fields.String(allow_none=True)
    status = fields.String()
    planned_start_on = fields.Date(allow_none=True)
    planned_end_on = fields.Date(allow_none=True)
    actual_start_on = fields.Date(allow_none=True)
    actual_end_on = fields.Date(allow_none=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    budget_amount = DecimalString(allow_none=True)
    budget_currency = fields.String(allow_none=True)
    budget_usd = DecimalString(allow_none=True)
    contact_name = fields.String()
    contact_email = fields.String()
    iati_identifier = fields.String(allow_none=True)
    language = fields.String(allow_none=True)
    countries = fields.List(fields.Nested(CountryRefSchema))
    regions = fields.List(fields.Nested(RegionRefSchema))
    pillars = fields.List(fields.Nested(PillarRefSchema))
    themes = fields.List(fields.Nested(ThemeRefSchema))
    donors = fields.List(fields.Nested(DonorOutSchema), attribute="funders")
    implementers = fields.List(fields.Nested(OrganisationRefSchema))
    beneficiary_institutions = fields.List(fields.Nested(OrganisationRefSchema))
    links = fields.List(fields.Nested(LinkSchema))
    locations = fields.List(fields.Nested(LocationSchema))
    sectors = fields.List(fields.Nested(SectorOutSchema), metadata={"description": "read-only (set by IATI imports)"})
    related_activities = fields.List(fields.Nested(RelatedActivityOutSchema),
                                     metadata={"description": "read-only (set by IATI imports)"})
    owner_organisation_id = fields.Integer(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    withdrawn_at = UtcDateTime(allow_none=True)
    withdrawn_reason = fields.String()


class PageLinksSchema(StrictSchema):
    self = fields.String()
    first = fields.String()
    last = fields.String()
    prev = fields.String(allow_none=True)
    next = fields.String(allow_none=True)


class ProjectPageSchema(StrictSchema):
    items = fields.List(fields.Nested(ProjectOutSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()
    links = fields.Nested(PageLinksSchema)


# --- projects: input -------------------------------------------------------------------------------------------

def _email_or_empty(value: str) -> None:
    if value:
        validate.Email(error="Not a valid e-mail address.")(value)


class DonorInSchema(StrictSchema):
    organisation_id = Id(required=True)
    amount = Amount(allow_none=True, load_default=None)


class ProjectInSchema(StrictSchema):
    """A whole project (POST). PUT and PATCH take the same fields; a field they leave out keeps its value, so
    an update never drops data it does not mention (to clear a field send [] for a list, "" for a text, null
    for a date, an amount or a code)."""

    title = Text(required=True, validate=validate.Length(min=1, max=300))
    summary = Text(load_default="", validate=validate.Length(max=20_000))
    description = Text(load_default="", validate=validate.Length(max=100_000))
    activity_type = fields.String(allow_none=True, load_default=None, validate=validate.OneOf(list(ACTIVITY_TYPES)))
    status = fields.String(load_default="pipeline", validate=validate.OneOf(list(STATUSES)))
    planned_start_on = fields.Date(allow_none=True, load_default=None)
    planned_end_on = fields.Date(allow_none=True, load_default=None)
    actual_start_on = fields.Date(allow_none=True, load_default=None)
    actual_end_on = fields.Date(allow_none=True, load_default=None)
    budget_amount = Amount(allow_none=True, load_default=None)
    budget_currency = Text(allow_none=True, load_default=None, validate=validate.Length(max=3),
                           metadata={"description": "ISO 4217 code, required with a budget"})
    contact_name = Text(load_default="", validate=validate.Length(max=200))
    contact_email = Text(load_default="", validate=[validate.Length(max=254), _email_or_empty],
                         metadata={"description": "an e-mail address, or empty"})
    iati_identifier = Text(allow_none=True, load_default=None, validate=validate.Length(max=200))
    country_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=300))
    region_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=100))
    pillar_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=10))
    theme_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=100))
    donors = fields.List(fields.Nested(DonorInSchema), load_default=list, validate=validate.Length(max=100))
    implementer_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=100))
    institution_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=100))
    links = fields.List(fields.Nested(LinkSchema), load_default=list, validate=validate.Length(max=50))
    locations = fields.List(fields.Nested(LocationSchema), load_default=list, validate=validate.Length(max=200))
    version = Version()


class WithdrawSchema(StrictSchema):
    reason = Text(load_default="", validate=validate.Length(max=2000))
    version = Version()


class RangesInOrder:
    """A query whose ranges must not be upside down: the search page swaps them and says so; an API client is told,
    since 2026..2020 read as it comes is another question (projects running through the whole gap)."""

    RANGES = (("date_from", "date_to"), ("budget_min", "budget_max"))

    @validates_schema
    def _ranges_in_order(self, data: dict, **_kwargs) -> None:
        for low, high in self.RANGES:
            if data.get(low) is not None and data.get(high) is not None and data[high] < data[low]:
                raise ValidationError(f"Must not be less than {low} ({data[low]}).", field_name=high)


class ProjectQuerySchema(RangesInOrder, StrictSchema):
    """The search page's filters; a filter may repeat (OR within a filter, AND between filters)."""

    q = Text(validate=validate.Length(max=200),
             metadata={"description": "free text (every word must match; the last also as a prefix)"})
    country = fields.List(Text(validate=validate.Length(equal=3)), metadata={"description": "ISO 3166 alpha-3"})
    region = fields.List(Text(validate=validate.Length(max=40)), metadata={"description": "region code"})
    donor = fields.List(QueryId(), metadata={"description": "organisation id"})
    implementer = fields.List(QueryId(), metadata={"description": "organisation id"})
    institution = fields.List(QueryId(), metadata={"description": "organisation id of a beneficiary institution"})
    pillar = fields.List(fields.Integer(validate=validate.Range(min=1, max=4)), metadata={"description": "1-4"})
    theme = fields.List(Text(validate=validate.Length(max=60)), metadata={"description": "theme code"})
    activity_type = fields.List(fields.String(validate=validate.OneOf(list(ACTIVITY_TYPES))))
    status = fields.List(fields.String(validate=validate.OneOf(list(STATUSES))))
    date_from = fields.Date(metadata={"description": "active at some time on or after this day"})
    date_to = fields.Date(metadata={"description": "active at some time on or before this day"})
    budget_min = DecimalString(validate=validate.Range(min=0, max=MAX_AMOUNT), metadata={"description": "USD"})
    budget_max = DecimalString(validate=validate.Range(min=0, max=MAX_AMOUNT), metadata={"description": "USD"})
    include_withdrawn = fields.Boolean(load_default=False)
    sort = fields.String(validate=validate.OneOf(list(SEARCH_SORTS)),
                         metadata={"description": "default: relevance with q, else start-desc"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=MAX_PER_PAGE))


# --- tokens and overlaps ---------------------------------------------------------------------------------------

class MeSchema(StrictSchema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    organisation = fields.Nested(OrganisationRefSchema, allow_none=True)


class SignalSchema(StrictSchema):
    name = fields.String()
    explanation = fields.String()
    points = fields.Float()


class ProjectRefSchema(StrictSchema):
    id = fields.Integer()
    title = fields.String()
    status = fields.String()
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)


class OverlapMatchSchema(StrictSchema):
    project = fields.Nested(ProjectRefSchema)
    score = fields.Float()
    label = fields.String()
    signals = fields.List(fields.Nested(SignalSchema))


class OverlapCheckSchema(StrictSchema):
    available = fields.Boolean(metadata={"description": "false while the overlap engine is not installed"})
    matches = fields.List(fields.Nested(OverlapMatchSchema))


class OverlapReportQuerySchema(RangesInOrder, StrictSchema):
    country = fields.List(Text(validate=validate.Length(equal=3)), metadata={"description": "ISO 3166 alpha-3"})
    region = Text(validate=validate.Length(max=40), metadata={"description": "region code"})
    pillar = fields.List(fields.Integer(validate=validate.Range(min=1, max=4)), metadata={"description": "1-4"})
    donor = fields.List(QueryId(), metadata={"description": "organisation id"})
    date_from = fields.Date(metadata={"description": "pairs with a project active on or after this day"})
    date_to = fields.Date(metadata={"description": "pairs with a project active on or before this day"})
    min_score = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100))
    decided = fields.String(load_default="undecided", validate=validate.OneOf(["undecided", "decided", "all"]),
                            metadata={"description": "undecided pairs (and re-opened ones), decided ones, or all"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class OverlapPairSchema(StrictSchema):
    a = fields.Nested(ProjectRefSchema)
    b = fields.Nested(ProjectRefSchema)
    score = fields.Float()
    label = fields.String()
    state = fields.String(metadata={"description": "undecided, decided or reopened"})
    signals = fields.List(fields.Nested(SignalSchema))


class OverlapReportSchema(StrictSchema):
    pairs = fields.List(fields.Nested(OverlapPairSchema))
    total = fields.Integer(metadata={"description": "flagged pairs in scope"})
    page = fields.Integer()
    per_page = fields.Integer()
    projects = fields.Integer(metadata={"description": "projects compared"})
    candidates_scored = fields.Integer()


class ProblemSchema(StrictSchema):
    """RFC 9457 problem details; errors maps field names to messages (422)."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
