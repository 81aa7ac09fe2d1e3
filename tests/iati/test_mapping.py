"""Mapping one parsed activity onto project fields (no database: a hand-made reference snapshot)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from adam.iati.mapping import ReferenceData, prepare_activity
from adam.iati.parser import iter_activities
from adam.iati.sector_map import DAC_CATEGORY_MAP, DAC_PURPOSE_MAP, is_known, map_sector
from adam.refdata import THEMES
from tests.iati.xml import activity, write

REF = ReferenceData(
    countries={"TJ": 1, "KG": 2, "NG": 3},
    countries_iso3={"TJK": 1, "KGZ": 2, "NGA": 3},
    regions={"dac-619": 10, "dac-998": 11},
    rates={"USD": Decimal("1"), "EUR": Decimal("1.08"), "XOF": None},
    pillars={1: 101, 2: 102, 3: 103, 4: 104},
    themes={"interdiction": (201, 101), "harm-reduction": (202, 104), "legal-frameworks": (203, None)},
    today=dt.date(2026, 1, 1),
)


def prepare(tmp_path, xml, ref=REF, name="activities.xml"):
    (parsed,) = list(iter_activities(write(tmp_path, xml, name=name)))
    return prepare_activity(parsed, ref)


def messages(prepared):
    return [m for _, m in prepared.issues]


def test_missing_identifier_is_rejected_with_its_reason(tmp_path):
    prepared = prepare(tmp_path, activity(None))
    assert prepared.rejected
    assert prepared.issues == [("error", "missing iati-identifier")]


def test_dates_and_effective_range(tmp_path):
    prepared = prepare(tmp_path, activity(body='<activity-date type="1" iso-date="2024-01-01"/>'
                                               '<activity-date type="2" iso-date="2024-03-01"/>'
                                               '<activity-date type="3" iso-date="2025-12-31"/>'))
    row = prepared.row
    assert (row["planned_start_on"], row["actual_start_on"], row["planned_end_on"], row["actual_end_on"]) == (
        dt.date(2024, 1, 1), dt.date(2024, 3, 1), dt.date(2025, 12, 31), None)
    assert (row["starts_on"], row["ends_on"]) == (dt.date(2024, 3, 1), dt.date(2025, 12, 31))
    assert row["status"] == "ongoing"  # no activity-status: an actual start means it is under way


def test_end_before_start_is_dropped_and_reported(tmp_path):
    prepared = prepare(tmp_path, activity(body='<activity-date type="1" iso-date="2024-06-01"/>'
                                               '<activity-date type="3" iso-date="2023-01-01"/>'))
    assert prepared.row["planned_end_on"] is None
    assert "planned end 2023-01-01 before planned start 2024-06-01: end ignored" in messages(prepared)


def test_status_inferred_from_dates_when_absent(tmp_path):
    done = prepare(tmp_path, activity(body='<activity-date type="4" iso-date="2020-01-01"/>'))
    planned = prepare(tmp_path, activity(body='<activity-date type="1" iso-date="2027-01-01"/>'))
    assert done.row["status"] == "completed" and planned.row["status"] == "pipeline"


def test_budget_uses_revised_over_original_per_period_and_converts_to_usd(tmp_path):
    prepared = prepare(tmp_path, activity(body=(
        '<budget type="1"><period-start iso-date="2024-01-01"/><value>100</value></budget>'
        '<budget type="2"><period-start iso-date="2024-01-01"/><value>150</value></budget>'
        '<budget type="1"><period-start iso-date="2025-01-01"/><value>200</value></budget>')))
    assert prepared.row["budget_amount"] == Decimal("350.00")
    assert prepared.row["budget_currency"] == "EUR"  # the activity's default currency
    assert prepared.row["budget_usd"] == Decimal("378.00")


def test_budget_falls_back_to_commitments_then_mixed_currencies_to_usd(tmp_path):
    prepared = prepare(tmp_path, activity(body=(
        '<transaction><transaction-type code="2"/><value currency="USD">100</value></transaction>'
        '<transaction><transaction-type code="2"/><value>100</value></transaction>'
        '<transaction><transaction-type code="3"/><value>999</value></transaction>')))
    assert prepared.row["budget_amount"] == Decimal("208.00")
    assert prepared.row["budget_currency"] == "USD"


@pytest.mark.parametrize(("value", "currency", "message"), [
    ("-5", "EUR", "budget -5 is negative, ignored"),
    ("100", "ZZZ", "unknown currency 'ZZZ', amount ignored"),
    ("1e20", "EUR", "budget 100000000000000000000 is implausibly large, ignored"),
])
def test_bad_budgets_are_dropped_and_reported(tmp_path, value, currency, message):
    prepared = prepare(tmp_path, activity(body=f'<budget><period-start iso-date="2024-01-01"/>'
                                               f'<value currency="{currency}">{value}</value></budget>'))
    assert prepared.row["budget_amount"] is None and prepared.row["budget_currency"] is None
    assert message in messages(prepared)


def test_roles_map_to_funders_implementers_and_funder_amounts(tmp_path):
    prepared = prepare(tmp_path, activity(body=(
        '<reporting-org ref="XM-DAC-41128"><narrative>UNODC</narrative></reporting-org>'
        '<participating-org role="1" ref="GB-GOV-1"><narrative>UK</narrative></participating-org>'
        '<participating-org role="2"><narrative>Ministry</narrative></participating-org>'
        '<participating-org role="3"><narrative>Agency</narrative></participating-org>'
        '<participating-org role="4"><narrative>UNODC</narrative></participating-org>'
        '<transaction><transaction-type code="11"/><value>40</value>'
        '<provider-org><narrative>Norway</narrative></provider-org></transaction>'
        '<transaction><transaction-type code="1"/><value>10</value>'
        '<provider-org><narrative>Norway</narrative></provider-org></transaction>')))
    assert prepared.owner.name == "UNODC" and prepared.owner.ref == "XM-DAC-41128"
    funders = {org.name: (amount, currency) for org, amount, currency in prepared.funders}
    # Norway's incoming commitment (11) counts, not its incoming funds (1); the UK states no amount here
    assert funders == {"UK": (None, None), "Norway": (Decimal("40.00"), "EUR")}
    assert [o.name for o in prepared.implementers] == ["Ministry", "Agency", "UNODC"]


def test_countries_regions_and_unknown_codes(tmp_path):
    prepared = prepare(tmp_path, activity(body=(
        '<recipient-country code="TJ"/><recipient-country code="XX"/>'
        '<recipient-region code="619"/><recipient-region code="12345"/>'
        '<recipient-region code="A1" vocabulary="2"/>')))
    assert prepared.countries == [1] and prepared.regions == [10]
    assert "unknown recipient-country code 'XX', ignored" in messages(prepared)
    assert "unknown recipient-region code '12345', ignored" in messages(prepared)
    assert any("vocabulary '2' (not OECD DAC)" in m for m in messages(prepared))


def test_default_country_for_activities_without_one(tmp_path):
    ref = ReferenceData(**{**REF.__dict__, "default_country": {"NigeriaAIMS": "NGA"}})
    prepared = prepare(tmp_path, activity(), ref=ref, name="NigeriaAIMS.xml")
    assert prepared.countries == [3]
    assert "no recipient-country: took the file's country NGA" in messages(prepared)
    other = prepare(tmp_path, activity(), ref=ref, name="other.xml")
    assert other.countries == []


def test_sectors_kept_and_mapped_to_pillars_and_themes(tmp_path):
    prepared = prepare(tmp_path, activity(body=(
        '<sector code="16063" vocabulary="1" percentage="60"/><sector code="13040"/>'
        '<sector code="15130"/><sector code="11110"/><sector code="99999"/>')))
    assert [(v, c) for v, c, _ in prepared.sectors] == [
        ("1", "16063"), ("1", "13040"), ("1", "15130"), ("1", "11110"), ("1", "99999")]
    assert prepared.pillars == [101, 104]  # narcotics control -> 1, HIV -> 4; legal frameworks is cross-cutting
    assert prepared.themes == [201, 202, 203]
    assert "unknown sector code '99999' in vocabulary 1" in messages(prepared)


def test_stated_links_of_every_kind_unless_ignored(tmp_path):
    xml = activity("XM-SELF", body=(
        '<participating-org role="4" activity-id="XM-IMPL-1"><narrative>NGO</narrative></participating-org>'
        '<related-activity ref="XM-PARENT" type="1"/><related-activity ref="XM-SELF" type="3"/>'
        '<transaction><transaction-type code="1"/><value>1</value>'
        '<provider-org provider-activity-id="XM-FUNDER-1"><narrative>Donor</narrative></provider-org></transaction>'
        '<transaction><transaction-type code="3"/><value>1</value>'
        '<receiver-org receiver-activity-id="XM-IMPL-2"/></transaction>'))
    prepared = prepare(tmp_path, xml)
    assert sorted(prepared.related) == [
        ("XM-FUNDER-1", "provider-activity", None), ("XM-IMPL-1", "participating-org", None),
        ("XM-IMPL-2", "receiver-activity", None), ("XM-PARENT", "related-activity", "1")]
    ignoring = prepare(tmp_path, xml, ref=ReferenceData(**{**REF.__dict__, "ignore_links": True}))
    assert ignoring.related == []


def test_long_title_is_shortened_and_missing_title_reported(tmp_path):
    long = prepare(tmp_path, activity(title="x" * 400))
    assert len(long.row["title"]) == 300
    untitled = prepare(tmp_path, activity("XM-NT", title=""))
    assert untitled.row["title"] == "XM-NT"
    assert "no title: used the description or the identifier" in messages(untitled)


def test_sector_table_names_only_real_codes_and_themes():
    for code, (_, themes) in DAC_PURPOSE_MAP.items():
        assert is_known("1", code), code
        assert set(themes) <= set(THEMES), code
    for code in DAC_CATEGORY_MAP:
        assert is_known("2", code), code
    assert map_sector("1", "11110") is None
    assert map_sector("99", "16063") is None
