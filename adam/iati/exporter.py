"""Write projects as IATI 2.03 activity XML, valid against the IATI activity schema.

Streams with lxml.etree.xmlfile: one <iati-activity> is built and written at a time, so exporting a large search
result does not hold the whole document in memory. Plain Python: takes projects, writes bytes.

How ADAM fields become IATI (and come back through adam.iati.importer unchanged):
- iati-identifier: Project.iati_identifier, else "<reporting-org ref>-ADAM-<id>" (or "ADAM-<id>").
- reporting-org: the owner organisation, else the first funder, else the publisher given to the export.
- title / description type 1 (summary) / description type 4 (longer description).
- participating-org: funders role 1, implementers role 4 (with IATI refs where known). Beneficiary institutions
  have no IATI role and are not exported.
- activity-status: pipeline 1, ongoing 2, completed 3, cancelled 5; activity-date types 1-4.
- recipient-country (ISO alpha-2), recipient-region (DAC regions only, vocabulary 1).
- location: the project's places, by name.
- sector: every stored code with its vocabulary; pillars and themes as reporting-organisation sectors
  (vocabulary 99, codes adam-pillar-N and adam-theme-CODE), which the importer maps back.
- tag (vocabulary 99, code adam-activity-type-TYPE): the activity type.
- budget: one budget over the project's dates; funders' amounts as incoming commitments (transaction type 11).
- related-activity: stated links; links of other kinds (provider/receiver activity, participating-org activity)
  are written as related-activity type 5 (third party), since the export has no transaction to carry them.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import IO

from lxml import etree

from adam.models import Organisation, Project

IATI_VERSION = "2.03"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STATUS_CODES = {"pipeline": "1", "ongoing": "2", "completed": "3", "cancelled": "5"}
ORG_TYPE_CODES = {"bilateral_donor": "10", "multilateral": "40", "ngo": "21", "recipient_agency": "10", "other": "90"}
ADAM_SECTOR_VOCABULARY = "99"  # IATI SectorVocabulary 99: the reporting organisation's own codes
ADAM_PILLAR_PREFIX = "adam-pillar-"
ADAM_THEME_PREFIX = "adam-theme-"
ADAM_ACTIVITY_TYPE_PREFIX = "adam-activity-type-"  # a tag (vocabulary 99): IATI has no field for it


def _text(parent: etree._Element, tag: str, text: str, **attrs: str) -> etree._Element:
    """An element holding one narrative (IATI's text container)."""
    element = etree.SubElement(parent, tag, {k.replace("_", "-"): v for k, v in attrs.items() if v is not None})
    narrative = etree.SubElement(element, "narrative")
    narrative.text = _clean_xml(text)
    return element


# Characters XML 1.0 cannot carry: most control characters (pasted text sometimes has them), U+FFFE and U+FFFF.
# Lone surrogates never reach here (the database and the forms refuse them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean_xml(text: str) -> str:
    return _NOT_XML.sub("", text)


def _org(parent: etree._Element, tag: str, org: Organisation, **attrs: str) -> etree._Element:
    return _text(parent, tag, org.name, ref=org.iati_identifier, **attrs)


def _money(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")


def identifier_for(project: Project, reporting_ref: str = "") -> str:
    if project.iati_identifier:
        return _clean_xml(project.iati_identifier)
    return f"{reporting_ref}-ADAM-{project.id}" if reporting_ref else f"ADAM-{project.id}"


# The end of an identifier identifier_for makes up for a project that has none: the importer reads it back.
EXPORTED_ID = re.compile(r"(?:^|-)ADAM-([0-9]{1,9})$")


def reporter_of(project: Project, publisher: Organisation | None = None) -> Organisation | None:
    """The organisation an exported project is reported by: its owner, else its first donor, else the publisher."""
    return project.owner_organisation or (project.funders[0].organisation if project.funders else None) or publisher


def activity_element(project: Project, publisher: Organisation | None = None) -> etree._Element:
    """One project as an <iati-activity> element, children in the order the 2.03 schema requires."""
    reporter = reporter_of(project, publisher)
    reporting_ref = (reporter.iati_identifier or "") if reporter else ""
    currency = project.budget_currency or "USD"
    attrs = {"default-currency": currency, XML_LANG: project.language or "en"}
    if project.updated_at:
        attrs["last-updated-datetime"] = project.updated_at.replace(microsecond=0).isoformat()
    activity = etree.Element("iati-activity", attrs)
    etree.SubElement(activity, "iati-identifier").text = identifier_for(project, reporting_ref)
    if reporter is not None:
        # The schema requires @ref on the reporting organisation, even when ADAM does not know it.
        _text(activity, "reporting-org", reporter.name, ref=reporting_ref, type=ORG_TYPE_CODES.get(reporter.type, "90"))
    else:
        _text(activity, "reporting-org", "ADAM", ref="", type="90")
    _text(activity, "title", project.title)
    # The schema wants at least one description; a project without a summary repeats its title (which the
    # importer reads back as no summary).
    _text(activity, "description", project.summary or project.title, type="1")
    if project.description:
        _text(activity, "description", project.description, type="4")

    participants = [("1", f.organisation) for f in project.funders] + [("4", o) for o in project.implementers]
    if not participants and reporter is not None:
        participants = [("2", reporter)]  # the schema needs one participating organisation
    for role, org in participants:
        _org(activity, "participating-org", org, role=role, type=ORG_TYPE_CODES.get(org.type, "90"))
    if not participants:
        _text(activity, "participating-org", "ADAM", role="2")

    etree.SubElement(activity, "activity-status", code=STATUS_CODES.get(project.status, "2"))
    dates = [("1", project.planned_start_on), ("2", project.actual_start_on), ("3", project.planned_end_on),
             ("4", project.actual_end_on)]
    dates = [(kind, date) for kind, date in dates if date]
    if not dates:
        # The schema needs one activity-date: the day the project was registered stands in as a planned start.
        dates = [("1", (project.created_at or dt.datetime.now(dt.timezone.utc)).date())]
    for kind, date in dates:
        etree.SubElement(activity, "activity-date", type=kind, **{"iso-date": date.isoformat()})
    if project.contact_name or project.contact_email:
        contact = etree.SubElement(activity, "contact-info")
        if project.contact_name:
            _text(contact, "person-name", project.contact_name)
        if project.contact_email:
            etree.SubElement(contact, "email").text = project.contact_email
    for country in project.countries:
        etree.SubElement(activity, "recipient-country", code=country.iso2)
    for region in project.regions:
        if region.code.startswith("dac-"):
            etree.SubElement(activity, "recipient-region", code=region.code[4:], vocabulary="1")
    for location in project.locations:
        element = etree.SubElement(activity, "location")
        _text(element, "name", location.name)
    for sector in project.sectors:
        attrs = {"code": sector.code, "vocabulary": sector.vocabulary}
        if sector.percentage is not None:
            attrs["percentage"] = _money(sector.percentage)
        etree.SubElement(activity, "sector", attrs)
    for pillar in project.pillars:
        _text(activity, "sector", f"Pillar {pillar.number}: {pillar.name}",
              code=f"{ADAM_PILLAR_PREFIX}{pillar.number}", vocabulary=ADAM_SECTOR_VOCABULARY)
    for theme in project.themes:
        _text(activity, "sector", theme.name, code=f"{ADAM_THEME_PREFIX}{theme.code}",
              vocabulary=ADAM_SECTOR_VOCABULARY)
    if project.activity_type:
        _text(activity, "tag", project.activity_type_label,
              code=f"{ADAM_ACTIVITY_TYPE_PREFIX}{project.activity_type}", vocabulary="99")

    start = project.starts_on or project.planned_start_on or dates[0][1]
    end = max(project.ends_on or project.planned_end_on or start, start)
    if project.budget_amount is not None:
        budget = etree.SubElement(activity, "budget", type="1", status="1")
        etree.SubElement(budget, "period-start", **{"iso-date": start.isoformat()})
        etree.SubElement(budget, "period-end", **{"iso-date": end.isoformat()})
        value = etree.SubElement(budget, "value", currency=currency, **{"value-date": start.isoformat()})
        value.text = _money(project.budget_amount)
    for funder in project.funders:
        if funder.amount is None:
            continue
        transaction = etree.SubElement(activity, "transaction")
        etree.SubElement(transaction, "transaction-type", code="11")
        etree.SubElement(transaction, "transaction-date", **{"iso-date": start.isoformat()})
        value = etree.SubElement(transaction, "value", currency=funder.currency or currency,
                                 **{"value-date": start.isoformat()})
        value.text = _money(funder.amount)
        _org(transaction, "provider-org", funder.organisation)
    for link in project.related_activities:
        relation = link.relation_type if link.kind == "related-activity" and link.relation_type else "5"
        etree.SubElement(activity, "related-activity", ref=link.iati_identifier, type=relation)
    return activity


def write_activities(projects: Iterable[Project], output: str | Path | IO[bytes], *,
                     publisher: Organisation | None = None, generated_at: dt.datetime | None = None) -> int:
    """Write an <iati-activities> document of the projects to a path or binary stream; returns how many."""
    generated = (generated_at or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0).isoformat()
    count = 0
    with etree.xmlfile(str(output) if isinstance(output, Path) else output, encoding="utf-8") as xml:
        xml.write_declaration()
        with xml.element("iati-activities", version=IATI_VERSION, **{"generated-datetime": generated}):
            for project in projects:
                xml.write(activity_element(project, publisher), pretty_print=True)
                count += 1
    return count


def export_bytes(projects: Iterable[Project], **kwargs) -> bytes:  # noqa: ANN003
    """The IATI XML of the projects as bytes (for a download)."""
    import io

    buffer = io.BytesIO()
    write_activities(projects, buffer, **kwargs)
    return buffer.getvalue()
