"""FALLBACK for the real benchmark: read IATI activity XML straight into overlap features.

Reads ONLY the fields the overlap engine uses (identifier, reporting org, title, descriptions, language,
countries, regions, sectors, participating and transaction organisations by ref or name, dates, status,
budgets in USD). Linking elements (related-activity, provider-/receiver-activity-id, participating-org
activity-id) are ignored unless keep_links=True, so the engine is judged on content alone. Replaced by the
project's IATI importer (adam/iati) once it is merged: see bench/eval_overlap.py.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path

from lxml import etree

from adam.models.organisation import normalise_name
from adam.overlap.features import ProjectFeatures

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STATUS = {"1": "pipeline", "2": "ongoing", "3": "completed", "4": "completed", "5": "cancelled", "6": "ongoing"}
FUNDING_ROLES = {"1", "3"}
IMPLEMENTING_ROLES = {"4"}


class OrgIds:
    """Organisation ids by IATI ref, else by normalised name (what the alias table does at import)."""

    def __init__(self):
        self.ids: dict[str, int] = {}
        self.names: dict[int, str] = {}

    def get(self, ref: str | None, name: str | None) -> int | None:
        ref = (ref or "").strip().upper()
        key_name = normalise_name(name or "") if name else ""
        if not ref and not key_name:
            return None
        for key in ([f"ref:{ref}"] if ref else []) + ([f"name:{key_name}"] if key_name else []):
            if key in self.ids:
                found = self.ids[key]
                break
        else:
            found = len(self.names) + 1
            self.names[found] = name or ref
        for key in ([f"ref:{ref}"] if ref else []) + ([f"name:{key_name}"] if key_name else []):
            self.ids.setdefault(key, found)
        return found


def _text(element) -> tuple[str, str | None]:  # noqa: ANN001
    if element is None:
        return "", None
    narratives = element.findall("narrative")
    if narratives:
        first = narratives[0]
        return (first.text or "").strip(), first.get(XML_LANG)
    return (element.text or "").strip(), None


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "")[:10])
    except ValueError:
        return None


def _activities(path: Path):
    for _, act in etree.iterparse(str(path), tag="iati-activity", huge_tree=True):
        yield act


def parse_activities(paths: Iterable[Path], orgs: OrgIds, countries: dict[str, int],
                     keep_links: bool = False) -> Iterator[ProjectFeatures]:
    for path in paths:
        try:
            events = list(_activities(path))
        except etree.XMLSyntaxError:
            continue  # a page the portal did not serve as XML
        for act in events:
            ident = (act.findtext("iati-identifier") or "").strip()
            if not ident:
                continue
            title, lang = _text(act.find("title"))
            texts = [_text(d)[0] for d in act.findall("description")]
            default_lang = act.get(XML_LANG)
            reporting = act.find("reporting-org")
            owner = orgs.get(reporting.get("ref"), _text(reporting)[0]) if reporting is not None else None
            funders, implementers = set(), set()
            for po in act.findall("participating-org"):
                oid = orgs.get(po.get("ref"), _text(po)[0])
                if oid is None:
                    continue
                if po.get("role") in FUNDING_ROLES:
                    funders.add(oid)
                elif po.get("role") in IMPLEMENTING_ROLES:
                    implementers.add(oid)
            for tr in act.findall("transaction"):
                kind = (tr.find("transaction-type").get("code") if tr.find("transaction-type") is not None else "")
                prov, recv = tr.find("provider-org"), tr.find("receiver-org")
                if kind in ("1", "11") and prov is not None:
                    oid = orgs.get(prov.get("ref"), _text(prov)[0])
                    if oid:
                        funders.add(oid)
                if kind in ("2", "3") and recv is not None:
                    oid = orgs.get(recv.get("ref"), _text(recv)[0])
                    if oid:
                        implementers.add(oid)
            named = set()
            for rc in act.findall("recipient-country"):
                code = (rc.get("code") or "").upper()
                if code:
                    named.add(countries.setdefault(code, len(countries) + 1))
            dates = {d.get("type"): _date(d.get("iso-date")) for d in act.findall("activity-date")}
            start = dates.get("2") or dates.get("1")
            end = dates.get("4") or dates.get("3")
            if start and end and end < start:
                end = None
            status_el = act.find("activity-status")
            related = set()
            if keep_links:
                related |= {(r.get("ref") or "").strip() for r in act.findall("related-activity")}
                related |= {(p.get("activity-id") or "").strip() for p in act.findall("participating-org")}
                related.discard("")
            sectors = {s.get("code") for s in act.findall("sector") if s.get("code")}
            yield ProjectFeatures(
                id=None, title=title, text=" ".join(t for t in texts if t)[:4000],
                language=(lang or default_lang or "").lower()[:2] or None,
                status=STATUS.get(status_el.get("code") if status_el is not None else "", "ongoing"),
                starts_on=start, ends_on=end, recorded_on=dt.date(2021, 6, 1),
                countries=frozenset(named), places=frozenset(named), wide=not named,
                sectors=frozenset(sectors), funders=frozenset(funders), implementers=frozenset(implementers),
                owner=owner, iati_identifier=ident, related=frozenset(related),
            )


def load_real(folder: Path, keep_links: bool = False) -> tuple[list[ProjectFeatures], OrgIds]:
    """Activities of iati-real/, one per identifier (the later file wins, as an update would)."""
    orgs = OrgIds()
    countries: dict[str, int] = {}
    paths = sorted(folder.glob("covid-2021-06/*.xml")) + sorted(folder.glob("ebola-2021-07/*.xml"))
    by_ident: dict[str, ProjectFeatures] = {}
    for f in parse_activities(paths, orgs, countries, keep_links):
        by_ident[f.iati_identifier] = f
    features = list(by_ident.values())
    for i, f in enumerate(features, start=1):
        f.id = i
    return features, orgs
