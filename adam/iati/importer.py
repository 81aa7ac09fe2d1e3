"""Import IATI activity files into the project register, in bulk, idempotently, with a per-activity report.

The parser streams activities; they are handled in batches: organisations resolved through caches (IATI ref,
then normalised name or alias, else created), projects inserted or updated with SQLAlchemy Core statements of
many rows at once, children replaced, history recorded. An activity that says exactly what it said at its last
import (same digest in iati_activity_sources) is left alone. Nothing here commits: the caller does, once.
The search index is refreshed once per batch for the projects written (adam.search.bulk), not by a trigger per
row; on SQLite the import keeps its statement journals in memory and a larger page cache, both restored after.
On PostgreSQL the rows that nothing in the batch reads back (children, history, sources, index rows) are sent by a
background thread on the same connection while the next batch is read (_BackgroundWriter). The files are read by
adam.iati.reading, inline or in worker processes.

Plain Python: takes a SQLAlchemy session, imports neither Flask nor the request.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import queue
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from sqlalchemy import ARRAY, any_, bindparam, delete, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, selectinload

from adam.collector import collections_paused
from adam.iati.exporter import EXPORTED_ID, identifier_for, reporter_of
from adam.iati.mapping import Org, PreparedActivity, ReferenceData
from adam.iati.parser import FileError
from adam.iati.reading import _read_inline, _read_parallel, _size
from adam.messages import Message, message_data
from adam.models import (
    Country,
    Currency,
    IatiActivitySource,
    Organisation,
    OrganisationAlias,
    Pillar,
    Project,
    ProjectChange,
    ProjectFunder,
    ProjectLocation,
    ProjectRelatedActivity,
    ProjectSector,
    Region,
    Theme,
    normalise_name,
)
from adam.models.project import (
    project_countries,
    project_implementers,
    project_institutions,
    project_pillars,
    project_regions,
    project_themes,
)
from adam.search.bulk import DeferredSearchIndex, TextDocuments, deferred_search_index

BATCH_SIZE = 500
# Above this many bytes, files are parsed in a separate process while this one writes to the database.
PARALLEL_BYTES = 8_000_000
PARSE_WORKERS = 4
# An IATI organisation identifier: registration agency prefix, a hyphen, an identifier (XM-DAC-41114, GB-GOV-1).
IATI_ORG_REF = re.compile(r"[A-Za-z]{2,}[A-Za-z0-9]*-\S+")
# IATI OrganisationType code -> ADAM organisation type (the rest are "other").
ORG_TYPES = {"10": "bilateral_donor", "11": "recipient_agency", "15": "recipient_agency", "21": "ngo",
             "22": "ngo", "23": "ngo", "24": "ngo", "40": "multilateral",
             "government": "bilateral_donor", "multilateral": "multilateral", "ngo": "ngo"}

ProgressCallback = Callable[[int, int, int], None]  # (bytes read, bytes in all files, activities done)


@dataclass(slots=True)
class ActivityReport:
    """What happened to one activity that has something to say: rejected (with the reason) or imported with warnings."""

    file: str
    position: int
    line: int | None
    identifier: str
    outcome: str  # rejected | created | updated | unchanged
    messages: list[str]  # "warning: …" in English (the JSON report, the command line)
    # The same as {"severity", "message"} with each message's catalogue id (Message.as_data): the import page shows
    # them in the reader's language.
    notes: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"file": self.file, "position": self.position, "line": self.line, "identifier": self.identifier,
                "outcome": self.outcome, "messages": list(self.messages), "notes": list(self.notes)}


@dataclass
class ImportReport:
    """Counts and per-activity messages of one import; seen == created + updated + unchanged + rejected."""

    files: list[str] = field(default_factory=list)
    file_errors: list[FileError] = field(default_factory=list)
    seen: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    organisations_created: int = 0
    activities: list[ActivityReport] = field(default_factory=list)
    # Projects written by this import (created or changed): the ones to pass through the overlap check.
    project_ids: list[int] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def rejections(self) -> list[ActivityReport]:
        return [a for a in self.activities if a.outcome == "rejected"]

    @property
    def warnings(self) -> list[ActivityReport]:
        return [a for a in self.activities if a.outcome != "rejected"]

    def as_dict(self, limit: int | None = 1000) -> dict:
        return {
            "files": self.files,
            "file_errors": [{"file": e.file, "message": str(e.message), "message_data": message_data(e.message)}
                            for e in self.file_errors],
            "seen": self.seen, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "rejected": self.rejected, "organisations_created": self.organisations_created,
            "seconds": round(self.seconds, 3),
            "activities": [a.as_dict() for a in self.activities[:limit]],
            "activities_left_off": max(0, len(self.activities) - limit) if limit is not None else 0,
        }


class _NewOrganisation:
    """An organisation to be created with the current batch; gets its id when the batch is written."""

    __slots__ = ("id", "name", "key", "ref", "type")

    def __init__(self, name: str, key: str, ref: str | None, type: str) -> None:
        self.id: int | None = None
        self.name, self.key, self.ref, self.type = name, key, ref, type


OrgHandle = int | _NewOrganisation


@dataclass(slots=True)
class _Prepared:
    """A prepared activity whose organisations are resolved to ids (or to organisations created with the batch)."""

    data: PreparedActivity
    owner: OrgHandle | None
    funders: list[tuple[OrgHandle, Decimal | None, str | None]]
    implementers: list[OrgHandle]
    institutions: list[OrgHandle]
    digest: str = ""

    @property
    def row(self) -> dict[str, Any]:
        return self.data.row  # type: ignore[return-value]

    def __getattr__(self, name: str) -> Any:  # countries, regions, pillars, themes, sectors, related, locations
        return getattr(self.data, name)


def reference_data(session: Session, *, ignore_links: bool = False, default_country: Any = None) -> ReferenceData:
    """Snapshot of the reference tables that mapping needs (one query each)."""
    return ReferenceData(
        countries=dict(session.execute(select(Country.iso2, Country.id)).all()),
        countries_iso3=dict(session.execute(select(Country.iso3, Country.id)).all()),
        regions=dict(session.execute(select(Region.code, Region.id)).all()),
        rates=dict(session.execute(select(Currency.code, Currency.usd_rate)).all()),
        pillars=dict(session.execute(select(Pillar.number, Pillar.id)).all()),
        themes={code: (tid, pillar_id) for tid, code, pillar_id in
                session.execute(select(Theme.id, Theme.code, Theme.pillar_id))},
        ignore_links=ignore_links,
        default_country=getattr(default_country, "iso3", default_country),
    )


class _Importer:
    def __init__(self, session: Session, *, user_id: int | None, index: DeferredSearchIndex | None = None) -> None:
        self.session = session
        self.index = index
        self.writer: _BackgroundWriter | None = None
        self.documents: TextDocuments | None = None
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self.user_id = user_id
        self.report = ImportReport()
        self.org_by_ref: dict[str, OrgHandle] = {}
        self.org_by_key: dict[str, OrgHandle] = {}
        self.org_names: dict[str, OrgHandle] = {}
        for oid, name, ref in session.execute(select(Organisation.id, Organisation.name, Organisation.iati_identifier)):
            self.org_names[name] = oid
            if ref:
                self.org_by_ref[ref] = oid
            key = normalise_name(name)
            if key:
                self.org_by_key.setdefault(key, oid)
        self.alias_keys: set[str] = set()
        for oid, key in session.execute(select(OrganisationAlias.organisation_id, OrganisationAlias.key)):
            self.org_by_key[key] = oid  # an alias is an explicit statement: it wins over a name's key
            self.alias_keys.add(key)
        self.keys: dict[str, str] = {}
        self.resolved: dict[Org, OrgHandle | None] = {}
        self.pending_orgs: list[_NewOrganisation] = []
        self.pending_aliases: list[dict] = []
        self.names_unwritten = False  # the activity being resolved names an organisation that has no id yet

    def _among(self, column: Any, values: list) -> Any:
        """column IN values; on PostgreSQL one array parameter (= ANY) instead of one parameter per value: a batch's
        500 identifiers made psycopg parse a new 500-placeholder statement each time (0.6 s of an import)."""
        if self.postgres:
            return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
        return column.in_(values)

    def _organisation(self, org: Org) -> OrgHandle | None:
        """The organisation named by a reporting/participating/provider org: by IATI ref, then name, else new."""
        # The same organisations recur in thousands of activities: each distinct mention is resolved once.
        if org in self.resolved:
            handle = self.resolved[org]
        else:
            handle = self.resolved[org] = self._match_or_create(org)
        if handle.__class__ is _NewOrganisation and handle.id is None:
            self.names_unwritten = True  # an organisation of the batch being gathered: no id yet
        return handle

    def _match_or_create(self, org: Org) -> OrgHandle | None:
        name = org.name[:255].strip()
        ref = org.ref[:120].strip()
        key = self._key(name) if name else ""
        if ref and ref in self.org_by_ref:
            handle = self.org_by_ref[ref]
            if key and key not in self.org_by_key:
                # Remember the name as an alias so that a later mention without the ref finds the same one.
                self._alias(handle, name, key)
            return handle
        if key and key in self.org_by_key:
            return self.org_by_key[key]
        if not name:
            if not ref:
                return None
            name, key = ref, normalise_name(ref)
            if key in self.org_by_key:
                return self.org_by_key[key]
        if name in self.org_names:  # a name whose key is empty ("-"): the exact name still identifies it
            return self.org_names[name]
        good_ref = ref if ref and IATI_ORG_REF.fullmatch(ref) and ref not in self.org_by_ref else None
        handle = _NewOrganisation(name, key, good_ref, ORG_TYPES.get(org.type.lower(), org.default_type))
        self.pending_orgs.append(handle)
        self.org_names[name] = handle
        if key:
            self.org_by_key[key] = handle
            self._alias(handle, name, key)
        if good_ref:
            self.org_by_ref[good_ref] = handle
        return handle

    def _key(self, name: str) -> str:
        # The same few thousand names recur across tens of thousands of activities: normalise each once.
        key = self.keys.get(name)
        if key is None:
            key = self.keys[name] = normalise_name(name)
        return key

    def _alias(self, handle: OrgHandle, name: str, key: str) -> None:
        self.org_by_key[key] = handle
        if key not in self.alias_keys:
            self.alias_keys.add(key)
            self.pending_aliases.append({"org": handle, "alias": name, "key": key})

    # -- one activity -------------------------------------------------------------------------------------------

    def resolve(self, data: PreparedActivity) -> _Prepared:
        """Turn the organisations an activity names into handles; the same organisation counts once per role."""
        self.names_unwritten = False
        funders: dict[OrgHandle, tuple[Decimal | None, str | None]] = {}
        for org, amount, currency in data.funders:
            handle = self._organisation(org)
            if handle is not None and (handle not in funders or funders[handle][0] is None):
                funders[handle] = (amount, currency)
        budget = data.row["budget_amount"] if data.row else None
        if len(funders) == 1 and budget is not None:
            # A sole funder is taken to fund the whole budget, unless its own commitments say otherwise.
            (handle, (amount, _)), = funders.items()
            if amount is None:
                funders[handle] = (budget, data.row["budget_currency"])
        implementers = [h for h in dict.fromkeys(map(self._organisation, data.implementers)) if h is not None]
        institutions = [h for h in dict.fromkeys(map(self._organisation, data.institutions)) if h is not None]
        owner = self._organisation(data.owner) if data.owner else None
        prepared = _Prepared(data, owner, [(h, a, c) for h, (a, c) in funders.items()], implementers, institutions)
        if self.writer is not None and not self.names_unwritten:
            # Now, while the background writer still writes the previous batch, rather than in write(); an
            # organisation new in this batch gets its id only when the batch is written, so those wait.
            prepared.digest = _digest(prepared)
        return prepared

    # -- batches ------------------------------------------------------------------------------------------------

    def write(self, batch: list[_Prepared], source_of: dict[str, str]) -> None:
        """Write a batch: organisations first, then projects (insert or update), children, history, sources."""
        session = self.session
        if self.writer is not None:
            self.writer.wait()  # the previous batch's rows first: this one reads projects and sources back
        wrote_organisations = self._write_organisations()
        for prepared in batch:
            if not prepared.digest:
                prepared.digest = _digest(prepared)
        identifiers = [p.row["iati_identifier"] for p in batch]
        self._adopt_exported(identifiers)
        projects = Project.__table__
        sources = IatiActivitySource.__table__
        existing: dict[str, dict] = {}
        for found in session.execute(
            select(projects, sources.c.digest)
            .outerjoin(sources, sources.c.project_id == projects.c.id)
            .where(self._among(projects.c.iati_identifier, identifiers))
        ).mappings():
            existing[found["iati_identifier"]] = dict(found)

        to_create: list[_Prepared] = []
        to_update: list[tuple[_Prepared, dict]] = []
        for prepared in batch:
            old = existing.get(prepared.row["iati_identifier"])
            if old is None:
                to_create.append(prepared)
            elif old["digest"] == prepared.digest:
                self._outcome(prepared.data, "unchanged")
            else:
                to_update.append((prepared, old))

        now = dt.datetime.now(dt.timezone.utc)
        history: list[dict] = []
        source_rows: list[dict] = []
        written: list[tuple[int, _Prepared]] = []
        if to_create:
            rows = []
            for prepared in to_create:
                row = dict(prepared.row)
                row["owner_organisation_id"] = _id(prepared.owner)
                row["created_by_id"] = row["updated_by_id"] = self.user_id
                row["created_at"] = row["updated_at"] = now
                row["version"] = 1
                rows.append(row)
            # Plain executemany, then the ids back by the unique identifier: RETURNING in parameter order would
            # make SQLite insert one row per statement.
            insert_rows(session, projects, rows)
            ids_by_identifier = dict(session.execute(
                select(projects.c.iati_identifier, projects.c.id)
                .where(self._among(projects.c.iati_identifier, [p.row["iati_identifier"] for p in to_create]))).all())
            for prepared in to_create:
                project_id = ids_by_identifier[prepared.row["iati_identifier"]]
                written.append((project_id, prepared))
                self._outcome(prepared.data, "created")
                history.append({"project_id": project_id, "user_id": self.user_id, "changed_at": now,
                                "action": "imported", "changes": {},
                                "note": f"created from IATI file {source_of[prepared.row['iati_identifier']]}"})
                source_rows.append({"project_id": project_id, "digest": prepared.digest,
                                    "source_file": source_of[prepared.row["iati_identifier"]][:255],
                                    "imported_at": now})
        documents = None
        if self.documents is not None and self.index is not None and self.index.active:
            # The search documents of new projects without institutions: on the second connection, from now on.
            plain = [p.row for _, p in written if not p.institutions]
            if plain:
                documents = self.documents.submit(
                    [project_id for project_id, p in written if not p.institutions], [r["title"] for r in plain],
                    [r["summary"] for r in plain], [r["description"] for r in plain])
        if to_update:
            rows = []
            for prepared, old in to_update:
                if prepared.row["activity_type"] is None:
                    prepared.row["activity_type"] = old["activity_type"]  # IATI rarely says; keep ADAM's own
                row = {f"new_{k}": v for k, v in prepared.row.items()}
                row["new_owner_organisation_id"] = _id(prepared.owner) or old["owner_organisation_id"]
                row["project_id"] = old["id"]
                rows.append(row)
                changes = {k: [_plain(old[k]), _plain(v)] for k, v in prepared.row.items() if _differs(old[k], v)}
                written.append((old["id"], prepared))
                self._outcome(prepared.data, "updated")
                file = source_of[prepared.row["iati_identifier"]]
                history.append({"project_id": old["id"], "user_id": self.user_id, "changed_at": now,
                                "action": "imported", "changes": changes, "note": f"updated from IATI file {file}"})
                source_rows.append({"project_id": old["id"], "digest": prepared.digest, "source_file": file[:255],
                                    "imported_at": now, "had_source": old["digest"] is not None})
            columns = [*prepared.row.keys(), "owner_organisation_id"]
            session.execute(
                update(projects)
                .where(projects.c.id == bindparam("project_id"))
                .values({c: bindparam(f"new_{c}") for c in columns}
                        | {"version": projects.c.version + 1, "updated_at": now, "updated_by_id": self.user_id}),
                rows,
            )
            self._clear_children([old["id"] for _, old in to_update],
                                 with_optional=[old["id"] for p, old in to_update if p.institutions or p.locations])
        # The rows nothing in this batch reads back: children, history, new sources (and the search index after
        # them), written at the end, by the background writer on PostgreSQL.
        tail = self._children(written, {old["id"] for _, old in to_update})
        tail.append(_Rows.of(ProjectChange.__table__, history))
        new_sources: list[dict] = []
        old_sources: list[dict] = []
        for r in source_rows:
            (old_sources if r.pop("had_source", False) else new_sources).append(r)
        tail.append(_Rows.of(sources, new_sources))
        if old_sources:
            session.execute(
                update(sources).where(sources.c.project_id == bindparam("b_project_id"))
                .values(digest=bindparam("b_digest"), source_file=bindparam("b_source_file"),
                        imported_at=bindparam("b_imported_at")),
                [{f"b_{k}": v for k, v in r.items()} for r in old_sources],
            )
        self.report.project_ids.extend(project_id for project_id, _ in written)
        created_ids = [project_id for project_id, _ in written[:len(to_create)]]
        replaced_ids = [old["id"] for _, old in to_update]
        if self.writer is None:
            for rows in tail:
                _insert_values(session, rows)
            if self.index is not None:
                # The search index rows of this batch, in one statement, as the row triggers would have written them.
                self.index.refresh(created_ids, replaced_ids, changed=wrote_organisations)
            return
        job: list[Callable[[Any], None]] = []
        connection = session.connection()
        for rows in tail:
            payload = _copy_payload(connection, rows) if rows.values else None
            if payload is not None:
                job.append(payload.write)
            elif rows.values:  # a table that COPY cannot fill as insert() would (a callable default): now, in order
                session.execute(insert(rows.table), rows.as_dicts())
        if self.index is not None:
            self.index.refresh(created_ids, replaced_ids, changed=wrote_organisations, defer=job.append,
                               documents=documents)
        self.writer.submit(job)

    def _adopt_exported(self, identifiers: list[str]) -> None:
        """Activities that ADAM's export made up an identifier for ("<reporting-org ref>-ADAM-<id>": the project had
        none) come back to their project rather than as new ones: the project takes that identifier when it is
        the one the exporter gives it (same id, same reporting organisation), so the import updates it."""
        wanted = {}
        for identifier in identifiers:
            found = EXPORTED_ID.search(identifier)
            if found:
                wanted[int(found.group(1))] = identifier
        if not wanted:
            return
        # The reporting organisation as the exporter picks it (reporter_of), loaded with the projects: no query each.
        found = select(Project).where(Project.id.in_(sorted(wanted)), Project.iati_identifier.is_(None)).options(
            selectinload(Project.owner_organisation),
            selectinload(Project.funders).selectinload(ProjectFunder.organisation))
        for project in self.session.scalars(found):
            reporter = reporter_of(project)
            identifier = wanted[project.id]
            if identifier_for(project, (reporter.iati_identifier or "") if reporter else "") == identifier:
                self.session.execute(update(Project.__table__).where(Project.__table__.c.id == project.id)
                                     .values(iati_identifier=identifier))

    def _write_organisations(self) -> bool:
        """Write the organisations and aliases found since the last batch; True if any organisation was new."""
        created = bool(self.pending_orgs)
        if self.pending_orgs:
            now = dt.datetime.now(dt.timezone.utc)
            table = Organisation.__table__
            rows = [{"name": o.name, "type": o.type, "iati_identifier": o.ref, "active": True, "created_at": now}
                    for o in self.pending_orgs]
            insert_rows(self.session, table, rows)
            ids = dict(self.session.execute(
                select(table.c.name, table.c.id).where(self._among(table.c.name, [o.name for o in self.pending_orgs]))).all())
            for org in self.pending_orgs:
                org.id = ids[org.name]
            self.report.organisations_created += len(self.pending_orgs)
            self.pending_orgs = []
        if self.pending_aliases:
            rows = [{"organisation_id": _id(a["org"]), "alias": a["alias"], "key": a["key"][:255], "language": None}
                    for a in self.pending_aliases]
            insert_rows(self.session, OrganisationAlias.__table__, rows)
            self.pending_aliases = []
        return created

    def _clear_children(self, project_ids: list[int], with_optional: list[int]) -> None:
        for table in (project_countries, project_regions, project_implementers, ProjectFunder.__table__,
                      ProjectSector.__table__, ProjectRelatedActivity.__table__):
            self.session.execute(delete(table).where(self._among(table.c.project_id, project_ids)))
        # Beneficiary institutions and places are often added by hand in ADAM: replaced only when the file has some.
        if with_optional:
            for table in (project_institutions, ProjectLocation.__table__):
                self.session.execute(delete(table).where(self._among(table.c.project_id, with_optional)))

    def _children(self, written: list[tuple[int, _Prepared]], updated_ids: set[int]) -> list[_Rows]:
        """The child rows of the written projects, table by table (pillars and themes a coordinator added kept),
        as tuples in the order of each table's columns: the driver takes them as they are."""
        countries: list[tuple] = []
        regions: list[tuple] = []
        implementers: list[tuple] = []
        institutions: list[tuple] = []
        pillars: list[tuple] = []
        themes: list[tuple] = []
        funders: list[tuple] = []
        sectors: list[tuple] = []
        related: list[tuple] = []
        locations: list[tuple] = []
        # Pillars and themes are only ever added by an import: a coordinator's own classification stays.
        kept_pillars: set[tuple[int, int]] = set()
        kept_themes: set[tuple[int, int]] = set()
        if updated_ids:
            ids = list(updated_ids)
            kept_pillars = set(self.session.execute(
                select(project_pillars.c.project_id, project_pillars.c.pillar_id)
                .where(self._among(project_pillars.c.project_id, ids))).all())
            kept_themes = set(self.session.execute(
                select(project_themes.c.project_id, project_themes.c.theme_id)
                .where(self._among(project_themes.c.project_id, ids))).all())
        for project_id, p in written:
            d = p.data  # (its lists directly: not through _Prepared.__getattr__)
            countries.extend((project_id, c) for c in d.countries)
            regions.extend((project_id, r) for r in d.regions)
            implementers.extend((project_id, _id(o)) for o in p.implementers)
            if project_id not in updated_ids or p.institutions:
                institutions.extend((project_id, _id(o)) for o in p.institutions)
            if project_id not in updated_ids or d.locations:
                country = d.countries[0] if len(d.countries) == 1 else None
                locations.extend((project_id, name, country) for name in d.locations)
            pillars.extend((project_id, x) for x in d.pillars if (project_id, x) not in kept_pillars)
            themes.extend((project_id, x) for x in d.themes if (project_id, x) not in kept_themes)
            funders.extend((project_id, _id(o), a, c) for o, a, c in p.funders)
            sectors.extend((project_id, v, c, pc) for v, c, pc in d.sectors)
            related.extend((project_id, i, k, r) for i, k, r in d.related)
        return [
            _Rows(project_countries, ("project_id", "country_id"), countries),
            _Rows(project_regions, ("project_id", "region_id"), regions),
            _Rows(project_implementers, ("project_id", "organisation_id"), implementers),
            _Rows(project_institutions, ("project_id", "organisation_id"), institutions),
            _Rows(project_pillars, ("project_id", "pillar_id"), pillars),
            _Rows(project_themes, ("project_id", "theme_id"), themes),
            _Rows(ProjectFunder.__table__, ("project_id", "organisation_id", "amount", "currency"), funders),
            _Rows(ProjectSector.__table__, ("project_id", "vocabulary", "code", "percentage"), sectors),
            _Rows(ProjectRelatedActivity.__table__, ("project_id", "iati_identifier", "kind", "relation_type"),
                  related),
            _Rows(ProjectLocation.__table__, ("project_id", "name", "country_id"), locations),
        ]

    def _outcome(self, data: PreparedActivity, outcome: str) -> None:
        setattr(self.report, outcome, getattr(self.report, outcome) + 1)
        if data.issues:
            self.report.activities.append(_activity_report(data, outcome))

    def reject(self, data: PreparedActivity) -> None:
        self.report.rejected += 1
        self.report.activities.append(_activity_report(data, "rejected"))


@dataclass(slots=True)
class _Rows:
    """Rows for one table: the values of each row in the order of columns."""

    table: Any
    columns: tuple[str, ...]
    values: list[tuple | list]

    @classmethod
    def of(cls, table: Any, rows: list[dict]) -> _Rows:
        columns = tuple(rows[0]) if rows else ()
        return cls(table, columns, [[row[c] for c in columns] for row in rows])

    def as_dicts(self) -> list[dict]:
        return [dict(zip(self.columns, value)) for value in self.values]


def insert_rows(session: Session, table: Any, rows: list[dict]) -> None:
    """Insert many rows, every one with the keys of the first, as insert(table) would (see _insert_values): the
    import's writes, and the matches and notifications of the overlap check after it."""
    if rows:
        _insert_values(session, _Rows.of(table, rows))


def _insert_values(session: Session, rows: _Rows) -> None:
    """Insert many rows: COPY on PostgreSQL, one executemany of the driver on SQLite, SQLAlchemy's insert elsewhere
    (and for a table with a callable default that the rows leave out).

    COPY sends the rows as one stream instead of one statement each: several times faster for the tens of
    thousands of child rows of a large import. The values are converted by the columns' own types (JSON, for
    example), as SQLAlchemy would, but without its per-row bookkeeping.
    """
    if not rows.values:
        return
    connection = session.connection()
    payload = _copy_payload(connection, rows)
    if payload is None:
        session.execute(insert(rows.table), rows.as_dicts())
    else:
        payload.write(connection.connection.driver_connection)


@dataclass(slots=True)
class _RowsPayload:
    """Rows ready for the driver: COPY on PostgreSQL (psycopg), one executemany on SQLite."""

    sql: str
    values: list[tuple | list]
    copy: bool

    def write(self, dbapi: Any) -> None:
        if self.copy:
            with dbapi.cursor() as cursor, cursor.copy(self.sql) as copier:
                for value in self.values:
                    copier.write_row(value)
            return
        cursor = dbapi.cursor()
        try:
            cursor.executemany(self.sql, self.values)
        finally:
            cursor.close()


def _copy_payload(connection: Any, rows: _Rows) -> _RowsPayload | None:
    """The statement and values that insert the rows as insert(table) would; None where the driver path does not
    apply (another database or driver, or a callable default of a column the rows leave out)."""
    dialect = connection.dialect
    postgres = dialect.name == "postgresql" and dialect.driver == "psycopg"
    if not (postgres or dialect.name == "sqlite"):
        return None
    table = rows.table
    columns = list(rows.columns)
    # As an insert() would: add the model's own (scalar) defaults of the columns the rows leave out.
    defaults = {}
    for column in table.columns:
        if column.name in rows.columns or column.default is None or column.primary_key:
            continue
        if not column.default.is_scalar:
            return None
        defaults[column.name] = column.default.arg
    columns += list(defaults)
    processors = [(i, p) for i, p in enumerate(table.c[c].type._cached_bind_processor(dialect) for c in columns)
                  if p is not None]
    values = rows.values
    if defaults or processors:
        fill = tuple(defaults.values())
        values = []
        for row in rows.values:
            value = [*row, *fill]
            for i, process in processors:  # None too, as SQLAlchemy does: a JSON column stores it as JSON null
                value[i] = process(value[i])
            values.append(value)
    names = ", ".join(dialect.identifier_preparer.quote(c) for c in columns)
    name = dialect.identifier_preparer.quote(table.name)
    if postgres:
        return _RowsPayload(f"COPY {name} ({names}) FROM STDIN", values, copy=True)
    return _RowsPayload(f"INSERT INTO {name} ({names}) VALUES ({', '.join('?' * len(columns))})", values, copy=False)


class _BackgroundWriter:
    """PostgreSQL: writes the end of each batch (child rows, history, sources, the search index rows) on the
    import's own connection in a thread, while the main thread reads and resolves the next batch.

    Those statements are a third of the import's wall time on PostgreSQL, nearly all of it the server working and
    the main thread waiting; nothing in the batch reads them back. The server's work and the next batch's Python
    now overlap. The order of statements on the connection is the same as before: the main thread calls wait()
    before its next statement (the start of the next batch, the end of the import), so it never uses the
    connection while a job runs, and a job's error is raised there, in the import.
    """

    def __init__(self, dbapi: Any) -> None:
        self.dbapi = dbapi
        self.jobs: queue.Queue = queue.Queue()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="adam-iati-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            job = self.jobs.get()
            try:
                if job is None:
                    return
                if self.error is None:  # after a failure, the transaction is lost: the rest is not sent
                    for step in job:
                        step(self.dbapi)
            except BaseException as exc:  # noqa: BLE001 (handed to the main thread by wait())
                self.error = exc
            finally:
                self.jobs.task_done()

    def submit(self, job: list[Callable[[Any], None]]) -> None:
        self.jobs.put(job)

    def wait(self) -> None:
        """Until every submitted job has run; raises the first error of one."""
        self.jobs.join()
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        self.jobs.put(None)
        self.thread.join()


@contextmanager
def _text_documents(session: Session, writer: _BackgroundWriter | None) -> Iterator[TextDocuments | None]:
    """With the background writer: a second connection from the pool that computes search documents (see
    adam.search.bulk.TextDocuments), given back on leaving."""
    if writer is None:
        yield None
        return
    try:
        raw = session.get_bind().raw_connection()
    except DBAPIError:  # no second connection to be had (the server's limit): the import's own computes them
        yield None
        return
    documents = TextDocuments(raw.driver_connection)
    try:
        yield documents
    finally:
        try:
            documents.close()
            raw.rollback()
        finally:
            raw.close()


@contextmanager
def _background_writer(session: Session, enabled: bool | None) -> Iterator[_BackgroundWriter | None]:
    """A background writer for the import's connection (PostgreSQL with psycopg only, unless enabled is False),
    waited for and stopped on leaving, whatever happens: the caller gets its connection back idle."""
    connection = session.connection()
    dialect = connection.dialect
    # SQLite's connection belongs to the thread that opened it, and its writes are this process's own CPU anyway.
    enabled = enabled is not False and dialect.name == "postgresql" and dialect.driver == "psycopg"
    if not enabled:
        yield None
        return
    writer = _BackgroundWriter(connection.connection.driver_connection)
    try:
        yield writer
        writer.wait()
    finally:
        try:
            writer.jobs.join()  # an error on the way out: the job in flight ends before the caller rolls back
        finally:
            writer.close()


def _activity_report(data: PreparedActivity, outcome: str) -> ActivityReport:
    return ActivityReport(data.file, data.position, data.line, data.identifier, outcome,
                          [f"{severity}: {message}" for severity, message in data.issues],
                          [{"severity": severity, "message": message_data(message)} for severity, message in data.issues])


def _id(handle: OrgHandle | None) -> int | None:
    if handle is None:
        return None
    return handle if isinstance(handle, int) else handle.id


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, Decimal)):
        return str(value)
    return value


def _differs(old: Any, new: Any) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return (Decimal(old) if old is not None else None) != (Decimal(new) if new is not None else None)
    return (old or None) != (new or None)


def _digest(p: _Prepared) -> str:
    """A digest of everything the import would write, organisation ids included (so a new alias counts).

    Lists keep the file's order, so the same activity gives the same digest without sorting.
    """
    d = p.data
    parts = (
        tuple(p.row.values()), _id(p.owner), [(_id(o), a, c) for o, a, c in p.funders],
        [_id(o) for o in p.implementers], [_id(o) for o in p.institutions], d.countries, d.regions,
        sorted(d.pillars), sorted(d.themes), d.sectors, d.related, d.locations,
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def import_files(
    session: Session,
    paths: Iterable[str | Path | IO[bytes]],
    *,
    ignore_links: bool = False,
    default_country: Any = None,
    progress: ProgressCallback | None = None,
    user_id: int | None = None,
    batch_size: int = BATCH_SIZE,
    parallel: bool | None = None,
    workers: int | None = None,
    background: bool | None = None,
) -> ImportReport:
    """Import IATI activity files; returns the report. Adds and flushes, never commits.

    default_country (a Country, an ISO code, or a mapping of file name or stem to one) is given to activities
    that name no recipient country, as the aid registers in iati-aims/ need; each such activity is reported.
    progress(bytes read, total bytes, activities done) is called after every batch and at the end of each file.
    parallel: parse in worker processes (default: when the files are paths and larger than PARALLEL_BYTES),
    workers of them (default: one per CPU, at most PARSE_WORKERS), while this process writes to the database.
    background: write the end of each batch in a thread on the import's connection (PostgreSQL; False: not).
    progress must not use the session: a batch may still be written while it runs.
    """
    started = time.perf_counter()
    session.flush()  # pending ORM changes first: the Core statements below read and write the same tables
    ref = reference_data(session, ignore_links=ignore_links, default_country=default_country)
    importer = _Importer(session, user_id=user_id)
    report = importer.report
    sources = list(paths)
    total = sum(_size(s) for s in sources)
    if parallel is None:
        parallel = total > PARALLEL_BYTES and all(isinstance(s, (str, Path)) for s in sources)
    if workers is None:
        workers = max(1, min(PARSE_WORKERS, os.cpu_count() or 1))
    events = _read_parallel(sources, ref, workers) if parallel else _read_inline(sources, ref)
    batch: list[_Prepared] = []
    source_of: dict[str, str] = {}
    done_before = 0
    name = ""

    def flush_batch() -> None:
        if batch:
            importer.write(batch, source_of)
            batch.clear()
            source_of.clear()

    # The search index follows batch by batch, not row by row (adam.search.bulk); it is whole again on return.
    # On PostgreSQL the end of each batch is written in the background (_BackgroundWriter), waited for before
    # the next batch's statements and before the block ends.
    with collections_paused(), _sqlite_import_settings(session), deferred_search_index(session) as index, \
            _background_writer(session, background) as writer, _text_documents(session, writer) as documents:
        importer.index, importer.writer, importer.documents = index, writer, documents
        for event in events:
            kind = event[0]
            if kind == "chunk":
                for data in event[1]:
                    report.seen += 1
                    if data.rejected:
                        importer.reject(data)
                        continue
                    if data.identifier in source_of:
                        flush_batch()  # the same activity twice: write the first before the second updates it
                    batch.append(importer.resolve(data))
                    source_of[data.identifier] = name
                    if len(batch) >= batch_size:
                        flush_batch()
                        if progress:
                            progress(done_before + event[2], total, report.seen)
            elif kind == "file":
                name = event[1]
                report.files.append(name)
            elif kind == "error":
                report.file_errors.append(event[1])
            elif kind == "end":
                done_before += event[2]
                if progress:
                    progress(done_before, total, report.seen)
        flush_batch()
    if progress:
        progress(total, total, report.seen)
    session.expire_all()  # the Core writes bypassed the identity map
    report.seconds = time.perf_counter() - started
    return report


IMPORT_CACHE_KIB = 65_536  # SQLite page cache while importing (64 MiB): a large import's new pages stay in memory


@contextmanager
def _sqlite_import_settings(session: Session) -> Iterator[None]:
    """SQLite: for the import, temporary files (the statement journals) in memory and a 64 MiB page cache; then
    both as they were.

    Every row written to a table with triggers gets a statement journal; in files, a large import makes hundreds
    of thousands of small writes to them. In memory they cost nothing and hold only the pages one statement
    changes. With the default 2 MB page cache, the import's new pages are written out and read back many times
    before the commit; 64 MiB (at most: the cache grows only as pages are used) keeps them. Neither has anything
    to do with durability: the database and its rollback journal are written and synced at commit as before.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    restore = []
    temp_store = connection.exec_driver_sql("PRAGMA temp_store").scalar()
    cache_size = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    page_size = connection.exec_driver_sql("PRAGMA page_size").scalar()
    wanted = []
    if temp_store != 2:  # 2 = MEMORY
        wanted.append(("temp_store", "MEMORY", temp_store))
    if (-cache_size * 1024 if cache_size < 0 else cache_size * page_size) < IMPORT_CACHE_KIB * 1024:
        wanted.append(("cache_size", -IMPORT_CACHE_KIB, cache_size))
    for name, value, before in wanted:
        try:
            connection.exec_driver_sql(f"PRAGMA {name} = {value}")
            restore.append((name, int(before)))
        except DBAPIError:  # temp_store is refused inside a transaction that uses temporary tables: files then
            pass
    try:
        yield
    finally:
        for name, before in restore:
            try:
                connection.exec_driver_sql(f"PRAGMA {name} = {before}")
            except DBAPIError:
                pass


def check_imported_projects(session: Session, project_ids: Iterable[int],
                            check: Callable[[Session, Project], Any] | None = None) -> list[tuple[int, Any]]:
    """Hook for the overlap check: run check(session, project) on every project an import wrote.

    The overlap engine (adam.overlap.check_project) lives on another branch; pass it here, for example
    check_imported_projects(session, report.project_ids, adam.overlap.check_project). Without a check, nothing runs.
    """
    if check is None:
        return []
    results = []
    for project_id in project_ids:
        project = session.get(Project, project_id)
        if project is not None:
            results.append((project_id, check(session, project)))
    return results
