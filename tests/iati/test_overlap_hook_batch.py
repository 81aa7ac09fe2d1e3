"""The import's batch check (overlap_hook._check_batch): the matches and notifications it writes, and its rows
written by COPY on PostgreSQL exactly as an INSERT writes them."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select, text

from adam.exchange.overlap_hook import check_projects
from adam.iati.importer import insert_rows
from adam.iati.importer import import_files
from adam.models import Notification, OverlapAcknowledgement, Project
from adam.overlap.decisions import decide
from adam.overlap.features import RegionCatalogue, features_from_project
from adam.overlap.notify import notice_text
from tests import factories as f
from tests.iati.xml import activity, write

TITLE = "Container profiling training for customs officers in Dushanbe"


def _activity(identifier: str, title: str, donor: str = "Japan", country: str = "TJ") -> str:
    return activity(identifier, title=title, body=(
        f'<participating-org role="1"><narrative>{donor}</narrative></participating-org>'
        '<participating-org role="4"><narrative>UNODC</narrative></participating-org>'
        '<activity-date type="1" iso-date="2024-03-01"/><activity-date type="3" iso-date="2024-10-31"/>'
        f'<recipient-country code="{country}"/><sector code="33120" vocabulary="1"/>'))


def _register(session):
    """Three projects already in the register (one pair decided by a coordinator, one decided then changed) with
    focal points reading French and Russian, and an import of four activities that overlap them and each other."""
    uk, japan_org = f.organisation(session, "UK"), f.organisation(session, "Japan")
    existing = [f.make_project(session, TITLE, donors=("UK",), start=dt.date(2024, 3, 1), end=dt.date(2024, 10, 31)),
                f.make_project(session, TITLE + " (phase 2)", donors=("Japan",), start=dt.date(2024, 1, 1),
                               end=dt.date(2024, 12, 31)),
                f.make_project(session, "Container profiling in Dushanbe port", donors=("UK",),
                               start=dt.date(2024, 2, 1), end=dt.date(2024, 6, 30))]
    focal_fr = f.make_user(session, "focal_point", org=uk, language="fr")
    focal_ru = f.make_user(session, "focal_point", org=japan_org, language="ru")
    f.make_user(session, "focal_point", org=uk, active=False)  # not told
    coordinator = f.make_user(session, "coordinator", org="UNODC")
    session.commit()
    return existing, (focal_fr, focal_ru), coordinator


def _import(session, tmp_path, existing, coordinator):
    report = import_files(session, [write(tmp_path, _activity("XM-A", TITLE), _activity("XM-B", TITLE + " 2024"),
                                          _activity("XM-C", "Container profiling course, Dushanbe", donor="UK"),
                                          _activity("XM-D", "Methadone maintenance in prisons", country="KZ"))],
                          user_id=coordinator.id)
    session.flush()
    written = session.scalars(select(Project).where(Project.id.in_(report.project_ids)))
    imported = {p.iati_identifier: p for p in written}
    regions = RegionCatalogue(session)
    decide(session, features_from_project(imported["XM-A"], regions), features_from_project(existing[0], regions),
           "complementary", "coordinated", coordinator)
    decide(session, features_from_project(imported["XM-B"], regions), features_from_project(existing[1], regions),
           "unrelated", "", coordinator)
    existing[1].planned_end_on = dt.date(2025, 6, 30)  # a material change: the pair comes back
    existing[1].refresh_effective_dates()
    session.flush()
    return report, imported


def _written(session):
    acks = [(a.project_id, a.other_project_id, a.user_id, a.score, a.label, a.acknowledged, a.signals)
            for a in session.scalars(select(OverlapAcknowledgement).order_by(
                OverlapAcknowledgement.project_id, OverlapAcknowledgement.score.desc(),
                OverlapAcknowledgement.other_project_id))]
    notes = [(n.user_id, n.project_id, n.message, n.content)
             for n in session.scalars(select(Notification).order_by(Notification.id))]
    return acks, notes


def test_the_batch_check_records_what_the_check_of_each_project_records(session, tmp_path):
    existing, (focal_fr, focal_ru), coordinator = _register(session)
    report, imported = _import(session, tmp_path, existing, coordinator)
    single = check_projects(session, report.project_ids, coordinator, batch_threshold=1000)
    single_acks, _ = _written(session)
    session.rollback()
    existing = [session.get(Project, p.id) for p in existing]
    report, imported = _import(session, tmp_path, existing, coordinator)
    batch = check_projects(session, report.project_ids, coordinator, batch_threshold=0)
    batch_acks, notes = _written(session)
    assert batch.path == "batch" and single.path == "single"
    assert (batch.checked, batch.with_overlaps, batch.matches) == (single.checked, single.with_overlaps, single.matches)
    ids = lambda rows: [(r[0], r[1]) for r in rows]  # noqa: E731 - the ids differ between the two imports
    assert len(batch_acks) == len(single_acks) and [r[3:] for r in batch_acks] == [r[3:] for r in single_acks]
    pairs = set(ids(batch_acks))
    # The decided pair is left out; the one decided and then changed is back; Kazakhstan meets nobody.
    assert (imported["XM-A"].id, existing[0].id) not in pairs
    assert (imported["XM-B"].id, existing[1].id) in pairs
    assert not any(imported["XM-D"].id in pair for pair in pairs)
    assert all(a[2] == coordinator.id and a[5] is False and a[6] for a in batch_acks)
    # Focal points of the projects already there are told (in their language: the content keeps catalogue ids),
    # once per pair; pairs of two imported projects are for the coordinators' report.
    told = {(user, project) for user, project, _, _ in notes}
    expected = {(user.id, mine) for mine, other in pairs if other in {e.id for e in existing}
                for user in (focal_fr, focal_ru) if user.organisation_id in
                session.get(Project, other).organisation_ids()}
    assert told == expected and len(notes) == len(told) and notes
    titles = {p.id: p.title for p in [*imported.values(), *existing]}
    for _, project_id, message, content in notes:
        assert content["notice"]["msgid"].startswith("“%(title)s” was imported by %(who)s")
        assert content["notice"]["params"]["title"] == titles[project_id]
        assert content["notice"]["params"]["who"] == coordinator.name
        assert content["reasons"] and message == notice_text(content)  # English, as stored


def test_rows_are_written_as_an_insert_writes_them(session, backend):
    """On PostgreSQL by COPY: the same values, the JSON as the same text."""
    project = f.make_project(session, TITLE)
    other = f.make_project(session, TITLE, donors=("Japan",))
    user = f.make_user(session, "focal_point", org="UK")
    now = dt.datetime(2026, 12, 1, 5, 30, 1, 123456, tzinfo=dt.timezone.utc)
    signals = [{"name": "shared_country", "explanation": "Both work in “Türkiye”.",
                "message": {"msgid": "Both work in %(x)s.", "params": {"x": "Türkiye", "n": 1.5}}, "points": 20}]
    acks = [{"project_id": project.id, "other_project_id": other.id, "user_id": user.id, "score": 71 + k,
             "label": "possible overlap", "acknowledged": bool(k % 2), "created_at": now, "signals": signals}
            for k in range(3)]
    notes = [{"user_id": user.id, "project_id": project.id if k else None, "message": "a\ttab\nnew line \\ back",
              "content": {"notice": {"msgid": "x", "params": {}}, "reasons": []} if k else None, "created_at": now}
             for k in range(2)]

    def read():
        return ([tuple(r) for r in session.execute(text(
                    "SELECT project_id, other_project_id, user_id, score, label, acknowledged, created_at, "
                    "CAST(signals AS TEXT) FROM overlap_acknowledgements ORDER BY score"))],
                [tuple(r) for r in session.execute(text(
                    "SELECT user_id, project_id, message, CAST(content AS TEXT), created_at, read_at "
                    "FROM notifications ORDER BY id"))])

    session.execute(insert(OverlapAcknowledgement.__table__), acks)
    session.execute(insert(Notification.__table__), notes)
    expected = read()
    session.execute(text("DELETE FROM overlap_acknowledgements"))
    session.execute(text("DELETE FROM notifications"))
    insert_rows(session, OverlapAcknowledgement.__table__, acks)
    insert_rows(session, Notification.__table__, notes)
    insert_rows(session, Notification.__table__, [])
    assert read() == expected and len(expected[0]) == 3 and len(expected[1]) == 2
    assert session.scalars(select(Notification.content).order_by(Notification.id)).all()[1]["notice"]["msgid"] == "x"
