"""How the importer writes rows: its driver path (COPY on PostgreSQL, executemany on SQLite) stores exactly what
SQLAlchemy's insert() stores, the background writer of PostgreSQL gives the same register as writing each batch
in place, its errors reach the caller, and the parse workers start without the web stack."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text

from adam.iati import importer as importer_module
from adam.iati.importer import _insert_values, _Rows, import_files
from adam.models import IatiActivitySource, Organisation, ProjectChange, ProjectFunder, ProjectLocation
from adam.search.bulk import POSTGRES_OWN_TEXT_DOCUMENT
from tests import factories as f
from tests.iati.test_search_after_import import FRENCH, RUSSIAN, deferred, index_as_triggers_build_it
from tests.iati.xml import FIXTURES, activity, write

ROOT = Path(__file__).resolve().parents[2]
AWKWARD = "tab\there, new\nline, back\\slash, \\N, quote ' \" and ё, Ж, 中文, emoji 🚢"


def rows_of(session, table, project_id: int, columns: list[str]) -> list[tuple]:
    """The rows of one project, in insertion order, with json read as its stored text."""
    exprs = ", ".join(f"CAST({c} AS TEXT)" if c == "changes" else c for c in columns)
    return session.execute(text(f"SELECT {exprs} FROM {table.name} WHERE project_id = :p ORDER BY id"),
                           {"p": project_id}).all()


def test_driver_path_stores_exactly_what_sqlalchemy_insert_stores(session):
    org = f.organisation(session, "UK")
    a, b = f.make_project(session, title="A"), f.make_project(session, title="B")
    session.flush()
    now = dt.datetime(2026, 12, 1, 5, 30, 1, 123456, tzinfo=dt.timezone.utc)
    cases = [
        (ProjectChange.__table__, ["user_id", "changed_at", "action", "changes", "note"], lambda pid: [
            {"project_id": pid, "user_id": None, "changed_at": now, "action": "imported", "changes": {},
             "note": f"created from IATI file {AWKWARD}"},
            {"project_id": pid, "user_id": None, "changed_at": now, "action": "imported",
             "changes": {"title": ["Old ё", AWKWARD], "budget_amount": [None, "1000000.50"], "n": [1, 2.5]},
             "note": ""},
        ]),
        (ProjectFunder.__table__, ["organisation_id", "amount", "currency"], lambda pid: [
            {"project_id": pid, "organisation_id": org.id, "amount": Decimal("1234567.89"), "currency": "EUR"},
            {"project_id": pid, "organisation_id": org.id, "amount": None, "currency": None},
        ]),
        (ProjectLocation.__table__, ["name", "country_id"], lambda pid: [
            {"project_id": pid, "name": AWKWARD, "country_id": f.country(session, "TJK").id},
            {"project_id": pid, "name": "", "country_id": None},
        ]),
    ]
    for table, columns, rows in cases:
        session.execute(insert(table), rows(a.id))
        _insert_values(session, _Rows.of(table, rows(b.id)))
        assert rows_of(session, table, a.id, columns) == rows_of(session, table, b.id, columns), table.name
    sources = IatiActivitySource.__table__
    session.execute(insert(sources), [{"project_id": a.id, "digest": "d" * 64, "source_file": AWKWARD,
                                       "imported_at": now}])
    _insert_values(session, _Rows.of(sources, [{"project_id": b.id, "digest": "d" * 64, "source_file": AWKWARD,
                                                "imported_at": now}]))
    read = select(sources.c.digest, sources.c.source_file, sources.c.imported_at)
    assert session.execute(read.where(sources.c.project_id == a.id)).one() == \
        session.execute(read.where(sources.c.project_id == b.id)).one()
    # A column the rows leave out gets the model's scalar default, as insert() gives it.
    table = Organisation.__table__
    session.execute(insert(table), [{"name": "Org A " + AWKWARD, "created_at": now}])
    _insert_values(session, _Rows.of(table, [{"name": "Org B " + AWKWARD, "created_at": now}]))
    read = select(table.c.type, table.c.active, table.c.created_at, table.c.iati_identifier)
    assert session.execute(read.where(table.c.name == "Org A " + AWKWARD)).one() == \
        session.execute(read.where(table.c.name == "Org B " + AWKWARD)).one()


def register_snapshot(session) -> dict:
    """Everything an import writes, with ids replaced by what they stand for (identifiers, names) and the clock
    left out: two imports rolled back in turn get other ids from the sequences."""
    project = dict(session.execute(text("SELECT id, iati_identifier FROM projects")).all())
    org = dict(session.execute(text("SELECT id, name FROM organisations")).all())
    snap = {"projects": sorted(
        tuple(None if k in ("id", "created_at", "updated_at") else org.get(v) if k == "owner_organisation_id" else v
              for k, v in row.items())
        for row in session.execute(text("SELECT * FROM projects")).mappings())}
    for table, columns in [
        ("project_countries", "country_id"), ("project_regions", "region_id"), ("project_pillars", "pillar_id"),
        ("project_themes", "theme_id"), ("project_implementers", "organisation_id"),
        ("project_institutions", "organisation_id"), ("project_funders", "organisation_id, amount, currency"),
        ("project_sectors", "vocabulary, code, percentage"), ("project_related_activities",
                                                              "iati_identifier, kind, relation_type"),
        ("project_locations", "name, country_id"), ("project_changes", "action, CAST(changes AS TEXT), note"),
        ("iati_activity_sources", "source_file"),  # (the digest covers organisation ids: other ids, other digest)
    ]:
        ordered = "id" if table in ("project_funders", "project_sectors", "project_related_activities",
                                    "project_locations", "project_changes") else "project_id"
        rows = session.execute(text(f"SELECT project_id, {columns} FROM {table} ORDER BY {ordered}")).all()
        snap[table] = [(project[r[0]], *(org.get(v) if table in ("project_implementers", "project_institutions",
                                                                  "project_funders") and i == 0 else v
                                         for i, v in enumerate(r[1:]))) for r in rows]
        if ordered == "project_id":
            snap[table].sort()
    snap["search"] = sorted((project[pid], doc) for pid, doc in session.execute(
        text("SELECT project_id, CAST(document AS TEXT) FROM project_search")))
    snap["organisations"] = sorted(session.execute(text(
        "SELECT name, type, iati_identifier, active FROM organisations")).all())
    snap["aliases"] = sorted(session.execute(text("SELECT alias, key FROM organisation_aliases")).all())
    return snap


def test_background_writer_gives_the_register_that_writing_in_place_gives(session, backend, tmp_path):
    if backend != "postgresql":
        pytest.skip("the background writer is PostgreSQL's")
    again = write(tmp_path, RUSSIAN.replace("Бишкеке", "Оше"), activity("XM-OTHER", title="Other"), name="v2.xml")
    paths = [FIXTURES / "dportal-ebola-0-sample.xml", write(tmp_path, RUSSIAN, FRENCH), FIXTURES / "global-fund.xml",
             again]
    reports, snapshots = [], []
    for background in (False, True):
        # Small batches: many of them, and an activity updated by a later batch of the same import.
        report = import_files(session, paths, batch_size=4, background=background)
        session.flush()
        reports.append((report.seen, report.created, report.updated, report.unchanged, report.rejected,
                        report.organisations_created, [a.as_dict() for a in report.activities]))
        snapshots.append(register_snapshot(session))
        assert all(same for _, same in index_as_triggers_build_it(session))
        session.rollback()
    assert reports[0] == reports[1]
    assert reports[1][2] >= 1  # the update across batches ran
    for table in snapshots[0]:
        assert snapshots[0][table] == snapshots[1][table], table
    assert snapshots[1]["search"] and snapshots[1]["project_changes"]


def test_an_error_in_the_background_writer_reaches_the_caller_and_the_triggers_come_back(session, backend, tmp_path,
                                                                                      monkeypatch):
    if backend != "postgresql":
        pytest.skip("the background writer is PostgreSQL's")
    write_rows = importer_module._RowsPayload.write

    def failing(self, dbapi):
        if "project_changes" in self.sql:
            raise RuntimeError("disk full")
        return write_rows(self, dbapi)

    monkeypatch.setattr(importer_module._RowsPayload, "write", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        import_files(session, [write(tmp_path, RUSSIAN, FRENCH)], batch_size=1)
    session.rollback()
    assert not deferred(session)
    monkeypatch.setattr(importer_module._RowsPayload, "write", write_rows)
    report = import_files(session, [write(tmp_path, RUSSIAN, FRENCH, name="again.xml")], batch_size=1)
    session.commit()
    assert report.created == 2


def test_the_bulk_refresh_builds_the_document_as_the_search_function_does(session, backend):
    if backend != "postgresql":
        pytest.skip("PostgreSQL's document function")
    source = session.scalar(text("SELECT prosrc FROM pg_proc WHERE proname = 'adam_project_document'"))
    # The expression used for projects without beneficiary institutions is the function's own, word for word.
    assert " ".join(POSTGRES_OWN_TEXT_DOCUMENT.split()) in " ".join(source.split())


def test_parse_workers_start_without_the_web_stack_or_the_database_layer():
    # A parse worker is a fresh interpreter that imports adam.iati.reading; Flask and SQLAlchemy cost it 0.7 s.
    out = subprocess.run(
        [sys.executable, "-c", "import sys, adam.iati.reading; "
         "print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'sqlalchemy', 'flask_sqlalchemy', 'alembic'}))"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


@pytest.mark.parametrize("background", [False, True], ids=["in place", "background"])
def test_one_batch_mixing_projects_with_and_without_institutions_gets_the_triggers_documents(session, tmp_path,
                                                                                             background):
    with_two = activity("XM-DAC-41128-TJK-7", title="Kontrol' granitsy", body=(
        '<description><narrative>Pogranichnye posty.</narrative></description>'
        '<participating-org role="beneficiary"><narrative>Agence nationale des stupéfiants</narrative>'
        '</participating-org><participating-org role="beneficiary"><narrative>Border Guard Service</narrative>'
        '</participating-org><recipient-country code="TJ"/>'))
    report = import_files(session, [write(tmp_path, RUSSIAN, FRENCH, with_two, activity("XM-EMPTY", title="x"))],
                          background=background)
    session.commit()
    assert report.created == 4
    rows = index_as_triggers_build_it(session)
    assert len(rows) == 4 and all(same for _, same in rows)


def test_documents_of_projects_without_institutions_come_from_the_second_connection(session, backend, tmp_path,
                                                                                    monkeypatch):
    if backend != "postgresql":
        pytest.skip("PostgreSQL's second connection")
    from adam.search import bulk

    computed = []
    compute = bulk.TextDocuments._compute

    def spy(self, ids, *texts):
        computed.append(list(ids))
        return compute(self, ids, *texts)

    monkeypatch.setattr(bulk.TextDocuments, "_compute", spy)
    odd = activity("XM-ODD", title="Tab\there \\N back\\slash", body=(
        "<description><narrative>Ligne 1\nligne 2 — «ёлка» Ё 中文 🚢</narrative></description>"))
    report = import_files(session, [write(tmp_path, RUSSIAN, FRENCH, odd)])
    session.commit()
    ids = dict(session.execute(select(text("iati_identifier"), text("id")).select_from(text("projects"))).all())
    # FRENCH names a beneficiary institution: its document comes from adam_project_document, not from its texts.
    assert computed == [[ids["XM-DAC-41128-KGZ-9"], ids["XM-ODD"]]] and report.created == 3
    rows = index_as_triggers_build_it(session)
    assert len(rows) == 3 and all(same for _, same in rows)
