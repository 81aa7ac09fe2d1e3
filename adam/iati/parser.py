"""Stream-parse IATI activity XML (2.01-2.03, and the older 1.x and pre-1.0 dialects) into plain records.

lxml.etree.iterparse hands over one <iati-activity> at a time; each is turned into a ParsedActivity and then
cleared, together with the siblings already read, so memory stays flat however large the file is.
Nothing here touches the database: codes are read and normalised, problems become issues on the record.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO

from lxml import etree

from adam.iati.sector_map import normalise_vocabulary
from adam.messages import Message

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")

# IATI OrganisationRole codes, and the words of versions 1.x and earlier.
ROLE_WORDS = {
    "funding": "1", "donor": "1",
    "accountable": "2",
    "extending": "3",
    "implementing": "4", "un-ocha-implementing-partner": "4",
    "beneficiary": "beneficiary",
}
# ActivityDateType codes (1 planned start, 2 actual start, 3 planned end, 4 actual end) and the older words.
DATE_WORDS = {
    "start-planned": "1", "start-actual": "2", "end-planned": "3", "end-actual": "4",
    "start": "1", "end": "3", "completion": "3",
}
# ActivityStatus: 1 pipeline, 2 implementation, 3 finalisation, 4 closed, 5 cancelled, 6 suspended.
STATUS_CODES = {"1": "pipeline", "2": "ongoing", "3": "completed", "4": "completed", "5": "cancelled", "6": "ongoing"}
STATUS_WORDS = {
    "pipeline": "pipeline", "pipeline/identification": "pipeline", "identification": "pipeline",
    "implementation": "ongoing", "ongoing": "ongoing", "completion": "completed", "completed": "completed",
    "post-completion": "completed", "finalisation": "completed", "closed": "completed",
    "cancelled": "cancelled", "suspended": "ongoing",
}
# TransactionType codes and the 1.x words: 1 incoming funds, 2 commitment, 11 incoming commitment.
TRANSACTION_WORDS = {"if": "1", "incoming funds": "1", "c": "2", "commitment": "2", "d": "3",
                     "disbursement": "3", "disbursment": "3", "e": "4", "expenditure": "4", "ic": "11"}


@dataclass(slots=True)
class Issue:
    """A problem with one activity: an error rejects it, a warning only says what was dropped or assumed."""

    severity: str  # error | warning
    message: str


@dataclass(slots=True)
class OrgRef:
    name: str
    ref: str = ""
    role: str = ""  # OrganisationRole code, or "beneficiary"
    type: str = ""
    activity_id: str = ""


@dataclass(slots=True)
class Money:
    amount: Decimal
    currency: str  # may be empty: the activity's default currency applies


@dataclass(slots=True)
class Transaction:
    type: str
    value: Money | None
    provider: OrgRef | None = None  # of incoming funds and incoming commitments only


@dataclass(slots=True)
class Budget:
    type: str  # 1 original, 2 revised
    period_start: str
    value: Money


@dataclass(slots=True)
class Sector:
    vocabulary: str
    code: str
    percentage: Decimal | None = None


@dataclass(slots=True)
class ParsedActivity:
    file: str
    position: int  # 1-based index of the activity in its file
    line: int | None
    identifier: str = ""
    language: str | None = None
    default_currency: str = ""
    title: str = ""
    summary: str = ""
    description: str = ""
    reporting_org: OrgRef | None = None
    participating: list[OrgRef] = field(default_factory=list)
    status_code: str = ""
    status: str | None = None
    dates: dict[str, dt.date] = field(default_factory=dict)  # ActivityDateType code -> date
    countries: list[str] = field(default_factory=list)  # ISO 3166-1 alpha-2, upper case
    regions: list[tuple[str, str]] = field(default_factory=list)  # (vocabulary, code)
    sectors: list[Sector] = field(default_factory=list)
    budgets: list[Budget] = field(default_factory=list)
    # Only the transactions the import uses: incoming funds (1), incoming commitments (11), commitments (2).
    transactions: list[Transaction] = field(default_factory=list)
    # Activity ids named by the transactions of every type: ("provider-activity" | "receiver-activity", id).
    transaction_links: list[tuple[str, str]] = field(default_factory=list)
    total_cost: Money | None = None
    related: list[tuple[str, str]] = field(default_factory=list)  # (identifier, RelatedActivityType code)
    other_identifier: str = ""
    contact_name: str = ""
    contact_email: str = ""
    locations: list[str] = field(default_factory=list)
    tags: list[tuple[str, str]] = field(default_factory=list)  # (vocabulary, code)
    issues: list[Issue] = field(default_factory=list)

    def error(self, message: str) -> None:
        self.issues.append(Issue("error", message))

    def warn(self, message: str) -> None:
        self.issues.append(Issue("warning", message))

    @property
    def rejected(self) -> bool:
        return any(issue.severity == "error" for issue in self.issues)


@dataclass(slots=True)
class FileError:
    """A file that could not be read at all (not XML, truncated): reported, the other files go on."""

    file: str
    message: str


def _clean(text: str | None) -> str:
    return " ".join(text.split()) if text else ""


def _paragraphs(text: str | None) -> str:
    """Whitespace collapsed within paragraphs, blank lines between them kept (descriptions)."""
    if not text:
        return ""
    return "\n\n".join(p for p in (" ".join(block.split()) for block in PARAGRAPH_BREAK.split(text)) if p)


def _narratives(element: etree._Element, paragraphs: bool = False) -> list[tuple[str | None, str]]:
    """(language, text) of every narrative; 1.x elements carry their text directly."""
    clean = _paragraphs if paragraphs else _clean
    found = []
    for child in element.iterchildren("narrative"):
        text = child.text
        if text:
            text = clean(text)
            if text:
                found.append((child.get(XML_LANG), text))
    if not found:
        text = clean(element.text)
        if text:
            found.append((element.get(XML_LANG), text))
    return found


def _pick(narratives: list[tuple[str | None, str]], language: str | None) -> tuple[str | None, str]:
    """The narrative in the activity's language where there is one, else the first."""
    if not narratives:
        return None, ""
    if language:
        for lang, text in narratives:
            if lang and lang.lower() == language:
                return lang, text
    return narratives[0]


def _language(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().lower().replace("_", "-").split("-")[0]
    return value[:5] if value.isalpha() and 2 <= len(value) <= 3 else None


def _code(element: etree._Element) -> str:
    """The code of a codelist element: @code in 2.x, @ref or @type or text in older files."""
    value = element.get("code") or element.get("ref") or _clean(element.text)
    return value.strip()


def _parse_date(activity: ParsedActivity, value: str | None, what: str) -> dt.date | None:
    if not value or not value.strip():
        activity.warn(Message("%(element)s: no date given", element=what))
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        activity.warn(Message("%(element)s: bad date %(value)r, ignored", element=what, value=value.strip()[:40]))
        return None


def _parse_money(activity: ParsedActivity, element: etree._Element | None, what: str) -> Money | None:
    if element is None:
        return None
    text = (element.text or "").strip()
    if not text:
        return None
    try:
        amount = Decimal(text.replace(",", ""))
    except InvalidOperation:
        activity.warn(Message("%(element)s: bad amount %(value)r, ignored", element=what, value=text[:40]))
        return None
    if not amount.is_finite():
        activity.warn(Message("%(element)s: bad amount %(value)r, ignored", element=what, value=text[:40]))
        return None
    return Money(amount, (element.get("currency") or "").strip().upper())


def _org(element: etree._Element, language: str | None) -> OrgRef:
    _, name = _pick(_narratives(element), language)
    return OrgRef(
        name=name,
        ref=(element.get("ref") or "").strip(),
        role=(element.get("role") or "").strip(),
        type=(element.get("type") or "").strip(),
        activity_id=(element.get("activity-id") or element.get("provider-activity-id")
                     or element.get("receiver-activity-id") or "").strip(),
    )


def _role(value: str) -> str:
    return value if value.isdigit() else ROLE_WORDS.get(value.lower(), "")


# The transaction types the import reads (incoming funds, incoming commitment, commitment).
USED_TRANSACTION_TYPES = frozenset({"1", "11", "2"})
# Real files carry tens of thousands of transactions, two thirds of them disbursements and expenditures that the
# import only reads activity ids from. libxml2 picks the others out (and those ids) without a Python object per
# transaction: a transaction goes through Python when its type code is not one of these known unused types.
_UNUSED_TYPES = " 3 4 5 6 7 8 9 10 12 13 D E R LR IR QP QS CG "
_TRANSACTIONS_USED = etree.XPath(
    f"transaction[not(transaction-type/@code) or not(contains('{_UNUSED_TYPES}', "
    "concat(' ', transaction-type/@code, ' ')))]")
_PROVIDER_ACTIVITY_IDS = etree.XPath("transaction/provider-org/@provider-activity-id", smart_strings=False)
_RECEIVER_ACTIVITY_IDS = etree.XPath("transaction/receiver-org/@receiver-activity-id", smart_strings=False)


def _transaction(activity: ParsedActivity, element: etree._Element) -> Transaction | None:
    """A transaction of a type the import uses (type, value, the provider of incoming funds), else None."""
    kind = ""
    value_element = provider_element = None
    for child in element.iterchildren("transaction-type", "value", "provider-org"):
        tag = child.tag
        if tag == "transaction-type":
            kind = child.get("code") or child.get("ref") or (child.text or "").strip()
        elif tag == "value":
            value_element = child
        else:
            provider_element = child
    if not kind:
        # 1.x put the type on the element; the pre-1.0 OCHA dialect says flow="incoming".
        kind = element.get("type") or ("1" if element.get("flow") == "incoming" else "")
    if kind and not kind.isdigit():
        kind = TRANSACTION_WORDS.get(kind.lower(), kind)
    if kind not in USED_TRANSACTION_TYPES:
        return None
    value = _parse_money(activity, value_element, "transaction value")
    provider = None
    if provider_element is not None and kind in ("1", "11"):
        provider = _org(provider_element, activity.language)
    return Transaction(kind, value, provider)


def _transactions(activity: ParsedActivity, element: etree._Element) -> None:
    for child in _TRANSACTIONS_USED(element):
        transaction = _transaction(activity, child)
        if transaction is not None:
            activity.transactions.append(transaction)
    links = activity.transaction_links
    for kind, ids in (("provider-activity", _PROVIDER_ACTIVITY_IDS(element)),
                      ("receiver-activity", _RECEIVER_ACTIVITY_IDS(element))):
        for value in ids:
            value = value.strip()
            if value:
                links.append((kind, value))


# The children of <iati-activity> that the import reads; the others (results, policy markers, document links,
# planned disbursements, other namespaces...) are skipped by libxml2 without becoming Python objects.
_READ = ("iati-identifier", "title", "description", "reporting-org", "participating-org", "activity-status",
         "activity-date", "recipient-country", "recipient-region", "sector", "budget", "total-cost",
         "related-activity", "other-identifier", "contact-info", "tag", "location")


def parse_activity(element: etree._Element, file: str, position: int) -> ParsedActivity:
    """Turn one <iati-activity> element into a ParsedActivity (never raises on bad content)."""
    language = _language(element.get(XML_LANG))
    activity = ParsedActivity(file=file, position=position, line=element.sourceline, language=language,
                              default_currency=(element.get("default-currency") or "").strip().upper())
    titles: list[tuple[str | None, str]] = []
    general: list[str] = []
    other_descriptions: list[str] = []
    for child in element.iterchildren(*_READ):
        tag = child.tag
        if tag == "iati-identifier":
            activity.identifier = _clean(child.text)
        elif tag == "title":
            titles.extend(_narratives(child))
        elif tag == "description":
            _, text = _pick(_narratives(child, paragraphs=True), language)
            kind = child.get("type") or "1"
            if text and text.lower() != "n/a":
                (general if kind in ("1", "summary", "general") else other_descriptions).append(text)
        elif tag == "reporting-org":
            activity.reporting_org = _org(child, language)
        elif tag == "participating-org":
            org = _org(child, language)
            org.role = _role(org.role)
            if org.name or org.ref:
                activity.participating.append(org)
            if not org.role and (org.name or org.ref):
                activity.warn(Message("participating-org %(organisation)r: unknown role %(role)r",
                                              organisation=org.name or org.ref, role=child.get("role")))
        elif tag == "activity-status":
            activity.status_code = _code(child)
        elif tag == "activity-date":
            kind = (child.get("type") or "").strip()
            kind = kind if kind.isdigit() else DATE_WORDS.get(kind.lower(), "")
            if kind not in ("1", "2", "3", "4"):
                activity.warn(Message("activity-date: unknown type %(type)r, ignored", type=child.get("type")))
                continue
            value = child.get("iso-date") or child.get("iso_date") or child.text
            date = _parse_date(activity, value, f"activity-date type {kind}")
            if date is not None:
                activity.dates[kind] = date
        elif tag == "recipient-country":
            code = (child.get("code") or "").strip().upper()
            if code:
                activity.countries.append(code)
            elif _clean(child.text):
                activity.warn(Message("recipient-country %(name)r has no code, ignored", name=_clean(child.text)))
        elif tag == "recipient-region":
            code = (child.get("code") or "").strip()
            if code:
                activity.regions.append(((child.get("vocabulary") or "1").strip(), code))
        elif tag == "sector":
            code = (child.get("code") or child.get("ref") or "").strip()
            if not code:
                continue
            vocabulary = normalise_vocabulary((child.get("vocabulary") or child.get("type") or "").strip(), code)
            percentage = None
            raw = child.get("percentage")
            if raw:
                try:
                    percentage = Decimal(raw.strip())
                except InvalidOperation:
                    activity.warn(Message("sector %(code)s: bad percentage %(value)r, ignored", code=code, value=raw[:20]))
                else:
                    if not percentage.is_finite() or not 0 <= percentage <= 1000:
                        percentage = None
            activity.sectors.append(Sector(vocabulary, code, percentage))
        elif tag == "budget":
            value = _parse_money(activity, child.find("value"), "budget value")
            if value is not None:
                start = child.find("period-start")
                activity.budgets.append(Budget((child.get("type") or "1").strip(),
                                               start.get("iso-date", "") if start is not None else "", value))
        elif tag == "total-cost":
            activity.total_cost = _parse_money(activity, child, "total-cost")
        elif tag == "related-activity":
            ref = (child.get("ref") or "").strip()
            if ref:
                activity.related.append((ref, (child.get("type") or "").strip()))
        elif tag == "other-identifier":
            activity.other_identifier = activity.other_identifier or (child.get("ref") or _clean(child.text))
        elif tag == "contact-info":
            for part in child:
                if part.tag == "person-name":
                    activity.contact_name = _pick(_narratives(part), language)[1]
                elif part.tag == "email":
                    activity.contact_email = _clean(part.text)
        elif tag == "tag":
            code = (child.get("code") or "").strip()
            if code:
                activity.tags.append(((child.get("vocabulary") or "1").strip(), code))
        elif tag == "location":
            name = child.find("name")
            if name is not None:
                text = _pick(_narratives(name), language)[1]
                if text:
                    activity.locations.append(text)
    _transactions(activity, element)
    lang, activity.title = _pick(titles, language)
    activity.language = _language(lang) or language
    activity.summary = "\n\n".join(general)
    activity.description = "\n\n".join(other_descriptions)
    if activity.status_code:
        code = activity.status_code
        activity.status = STATUS_CODES.get(code) if code.isdigit() else STATUS_WORDS.get(code.lower())
        if activity.status is None:
            activity.warn(Message("activity-status: unknown code %(code)r, status taken from the dates", code=code))
    return activity


ACTIVITY_ROOTS = ("iati-activities", "iati-activity")


def iter_activities(source: str | Path | IO[bytes], name: str | None = None) -> Iterator[ParsedActivity | FileError]:
    """Yield every activity of one file, in order; a file that breaks off yields a FileError after what it had.

    Works for a whole <iati-activities> file and for a bare <iati-activity> fragment (the worked example).
    """
    name = name or (Path(source).name if isinstance(source, (str, Path)) else getattr(source, "name", "upload"))
    position = 0
    try:
        # resolve_entities=False and no_network keep a hostile upload from reading files or the network.
        context = etree.iterparse(source, events=("end",), tag="iati-activity", huge_tree=True,
                                  resolve_entities=False, no_network=True, remove_comments=True)
        for _, element in context:
            position += 1
            try:
                yield parse_activity(element, name, position)
            finally:
                # Free what was read: the element's content and the siblings before it.
                element.clear(keep_tail=False)
                parent = element.getparent()
                if parent is not None:
                    while element.getprevious() is not None:
                        del parent[0]
        root = context.root
        if not position and root is not None and etree.QName(root).localname not in ACTIVITY_ROOTS:
            # A web page or an organisation file would otherwise read as an IATI file without activities.
            yield FileError(name, Message("not IATI activity XML: its root element is <%(root)s>, not "
                                          "<iati-activities>", root=etree.QName(root).localname))
    except etree.XMLSyntaxError as exc:
        if position:
            yield FileError(name, Message("not readable as IATI XML after activity %(position)s: %(error)s",
                                          position=position, error=str(exc.msg or exc)))
        else:
            yield FileError(name, Message("not readable as IATI XML: %(error)s", error=str(exc.msg or exc)))
    except OSError as exc:
        yield FileError(name, Message("cannot read the file: %(error)s", error=str(exc.strerror or exc)))
