"""The streaming parser: 2.0x codes and the words of older versions, bad values reported, files that break."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from adam.iati.parser import FileError, ParsedActivity, iter_activities
from tests.iati.xml import FIXTURES, activity, document, write


def parse(tmp_path, *activities, version="2.03") -> list[ParsedActivity]:
    return list(iter_activities(write(tmp_path, *activities, version=version)))


def test_reads_identifier_title_description_and_language(tmp_path):
    (a,) = parse(tmp_path, activity("XM-1", '<description type="1"><narrative xml:lang="fr">Formation</narrative>'
                                            '<narrative xml:lang="en">Training</narrative></description>'
                                            '<description type="2"><narrative>Objectives here</narrative></description>',
                                    title="Customs training", attrs='xml:lang="en"'))
    assert a.identifier == "XM-1"
    assert a.title == "Customs training"
    assert a.summary == "Training"  # the narrative in the activity's language
    assert a.description == "Objectives here"
    assert a.language == "en"


def test_title_language_wins_over_activity_default(tmp_path):
    body = ""
    xml = ('<iati-activity><iati-identifier>XM-2</iati-identifier><title>'
           '<narrative xml:lang="RU">Обучение таможенников</narrative></title>' + body + '</iati-activity>')
    (a,) = parse(tmp_path, xml)
    assert a.title == "Обучение таможенников"
    assert a.language == "ru"


def test_participating_org_roles_as_codes_and_words(tmp_path):
    (a,) = parse(tmp_path, activity(body=(
        '<participating-org role="1" ref="GB-GOV-1" type="10"><narrative>UK</narrative></participating-org>'
        '<participating-org role="Implementing"><narrative>UNODC</narrative></participating-org>'
        '<participating-org role="donor">Norway</participating-org>'
        '<participating-org role="4" activity-id="XM-OTHER-9"><narrative>Partner</narrative></participating-org>'
        '<participating-org role="99"><narrative>Odd</narrative></participating-org>')))
    roles = [(o.name, o.role) for o in a.participating]
    assert roles == [("UK", "1"), ("UNODC", "4"), ("Norway", "1"), ("Partner", "4"), ("Odd", "99")]
    assert a.participating[0].ref == "GB-GOV-1" and a.participating[0].type == "10"
    assert a.participating[3].activity_id == "XM-OTHER-9"


def test_activity_dates_codes_words_and_iso_date_spelling(tmp_path):
    (a,) = parse(tmp_path, activity(body=(
        '<activity-date type="1" iso-date="2024-01-15"/><activity-date type="end-actual" iso-date="2025-06-30"/>'
        '<activity-date type="start" iso_date="2023-02-01T00:00:00"/>')))
    # "start" (pre-1.0) is a planned start and comes later in the file, so it replaces type 1
    assert a.dates == {"1": dt.date(2023, 2, 1), "4": dt.date(2025, 6, 30)}
    assert a.issues == []


def test_bad_date_is_reported_and_dropped(tmp_path):
    (a,) = parse(tmp_path, activity(body='<activity-date type="2" iso-date="2024-13-45"/>'
                                         '<activity-date type="9" iso-date="2024-01-01"/>'))
    assert a.dates == {}
    messages = [i.message for i in a.issues]
    assert any("bad date '2024-13-45'" in m for m in messages)
    assert any("unknown type '9'" in m for m in messages)
    assert not a.rejected  # a bad date is a warning: the activity is still imported


def test_status_codes_and_words(tmp_path):
    statuses = [parse(tmp_path, activity(body=f'<activity-status code="{c}"/>'))[0].status
                for c in ("1", "2", "3", "4", "5", "6")]
    assert statuses == ["pipeline", "ongoing", "completed", "completed", "cancelled", "ongoing"]
    (old,) = parse(tmp_path, activity(body='<activity-status ref="ongoing"/>'))
    assert old.status == "ongoing"
    (odd,) = parse(tmp_path, activity(body='<activity-status code="42"/>'))
    assert odd.status is None and "unknown code '42'" in odd.issues[0].message


def test_countries_regions_and_sectors_with_vocabularies(tmp_path):
    (a,) = parse(tmp_path, activity(body=(
        '<recipient-country code="tj" percentage="60"/><recipient-country code="KG"/>'
        '<recipient-region code="619" vocabulary="1"/>'
        '<sector code="16063" vocabulary="1" percentage="50"/><sector code="152" vocabulary="2"/>'
        '<sector code="13040"/><sector vocabulary="DAC" ref="12330"/><sector code="7" vocabulary="99"/>')))
    assert a.countries == ["TJ", "KG"]
    assert a.regions == [("1", "619")]
    assert [(s.vocabulary, s.code, s.percentage) for s in a.sectors] == [
        ("1", "16063", Decimal("50")), ("2", "152", None), ("1", "13040", None), ("1", "12330", None),
        ("99", "7", None)]


def test_budgets_transactions_and_links(tmp_path):
    (a,) = parse(tmp_path, activity(body=(
        '<budget type="1"><period-start iso-date="2024-01-01"/><value currency="USD">1,000.50</value></budget>'
        '<transaction><transaction-type code="11"/><value>500</value>'
        '<provider-org ref="GB-GOV-1" provider-activity-id="GB-GOV-1-300"><narrative>FCDO</narrative></provider-org>'
        '</transaction>'
        '<transaction><transaction-type code="3"/><value currency="EUR">20</value>'
        '<receiver-org receiver-activity-id="XM-IMPL-7"><narrative>NGO</narrative></receiver-org></transaction>'
        '<transaction type="commitment"><value>abc</value></transaction>'
        '<transaction><transaction-type code="C"/><value>7</value>'
        '<provider-org provider-activity-id=" XM-OLD-1 "/></transaction>'
        '<transaction><transaction-type code="4"/><value>bad, but unused</value></transaction>'
        '<related-activity ref="XM-PARENT" type="1"/>')))
    assert a.budgets[0].value.amount == Decimal("1000.50") and a.budgets[0].value.currency == "USD"
    # Only the types the import reads are kept: incoming (11) and commitments (2, "commitment", 1.x "C").
    incoming, old, letter = a.transactions
    assert incoming.type == "11" and incoming.provider.name == "FCDO"
    assert incoming.provider.activity_id == "GB-GOV-1-300"
    assert old.type == "2" and old.value is None
    assert letter.type == "2" and letter.value.amount == 7 and letter.provider is None
    # The activity ids of every transaction, disbursements included, providers first.
    assert a.transaction_links == [("provider-activity", "GB-GOV-1-300"), ("provider-activity", "XM-OLD-1"),
                                   ("receiver-activity", "XM-IMPL-7")]
    assert any("bad amount 'abc'" in i.message for i in a.issues)
    assert not any("unused" in i.message for i in a.issues)  # an expenditure's amount is not read
    assert a.related == [("XM-PARENT", "1")]


def test_reads_the_worked_example_fragment_without_a_root_element():
    (a,) = [x for x in iter_activities(FIXTURES / "worked-example.xml")]
    assert a.identifier == "http://www.example.org/activities/12345.xml"
    assert a.title == "Worked example of an activity report"
    assert a.language == "en"
    assert a.countries == ["HT"]
    assert a.related == [("http://example.org/activities/54321.xml", "sibling")]


def test_missing_identifier_is_kept_for_the_importer_to_reject(tmp_path):
    (a,) = parse(tmp_path, activity(None))
    assert a.identifier == ""


def test_a_file_that_is_not_xml_is_one_file_error():
    items = list(iter_activities(FIXTURES / "dportal-empty-result.xml"))
    assert len(items) == 1 and isinstance(items[0], FileError)
    assert "not readable as IATI XML" in items[0].message


@pytest.mark.parametrize("xml, root", [
    (b"<html><body><p>Not found</p></body></html>", "html"),
    (b'<iati-organisations version="2.03"><iati-organisation/></iati-organisations>', "iati-organisations"),
])
def test_xml_that_is_not_iati_activity_xml_is_one_file_error(xml, root):
    # Read silently, such a file would look like an IATI file without activities ("0 activities").
    items = list(iter_activities(io.BytesIO(xml), "page.xml"))
    assert len(items) == 1 and isinstance(items[0], FileError)
    assert f"<{root}>" in items[0].message and "iati-activities" in items[0].message


def test_an_iati_file_without_activities_is_no_error():
    assert list(iter_activities(io.BytesIO(b'<iati-activities version="2.03"/>'), "empty.xml")) == []


def test_a_truncated_file_yields_what_it_had_then_an_error():
    xml = document(activity("XM-A"), activity("XM-B"))
    broken = xml[: xml.index("XM-B") + 10]
    items = list(iter_activities(io.BytesIO(broken.encode()), "broken.xml"))
    assert [type(i).__name__ for i in items] == ["ParsedActivity", "FileError"]
    assert items[0].identifier == "XM-A"
    assert "after activity 1" in items[1].message


def test_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    xml = (f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY s SYSTEM "file://{secret}">]>'
           f'<iati-activities><iati-activity><iati-identifier>XM-E</iati-identifier>'
           f'<title><narrative>&s;</narrative></title></iati-activity></iati-activities>')
    items = list(iter_activities(io.BytesIO(xml.encode()), "evil.xml"))
    assert all("top secret" not in getattr(i, "title", "") for i in items)
