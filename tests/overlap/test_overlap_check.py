"""The save-time check, acknowledgements, notifications (with e-mail) and decisions, on both databases."""
from __future__ import annotations

import datetime as dt
import email
import email.policy

import pytest
from sqlalchemy import select

from adam.models import Notification, OverlapAcknowledgement, Project, ProjectChange, ProjectFunder
from adam.overlap import after_project_saved, check_project
from adam.overlap.decisions import DecisionError, decide
from adam.overlap.features import RegionCatalogue, features_from_project
from tests.factories import country, make_project, make_user, organisation, pillar, region, theme

TITLE = "Container profiling training for customs officers in Dushanbe"


def draft(session, title=TITLE, countries=("TJK",), donors=("UK",), **kw) -> Project:
    """A transient project as the form would build it: not in the session, no id."""
    p = Project(title=title, summary=kw.get("summary", ""), status="pipeline", activity_type="training",
                planned_start_on=kw.get("start", dt.date(2024, 3, 1)), planned_end_on=kw.get("end", dt.date(2024, 10, 31)))
    p.countries = [country(session, c) for c in countries]
    p.regions = [region(session, r) for r in kw.get("regions", ())]
    p.pillars = [pillar(session, 1)]
    p.themes = [theme(session, "border-control")]
    p.funders = [ProjectFunder(organisation=organisation(session, d)) for d in donors]
    p.implementers = [organisation(session, "UNODC", "multilateral")]
    p.beneficiary_institutions = [organisation(session, i, "recipient_agency") for i in kw.get("institutions", ())]
    return p


def test_a_draft_sees_the_same_project_entered_by_another_donor(session):
    existing = make_project(session, TITLE, donors=("Japan",), institutions=("Customs Service of Tajikistan",))
    make_project(session, "Methadone maintenance in prisons", countries=("KAZ",), pillars=(4,), themes=(),
                 implementers=("WHO",))
    results = check_project(session, draft(session, institutions=("Customs Service of Tajikistan",)))
    assert [r.other.id for r in results] == [existing.id]
    r = results[0]
    assert 0 <= r.score <= 100 and r.label in ("possible overlap", "likely duplicate")
    names = {s.name for s in r.signals}
    assert {"shared_country", "title_similarity", "shared_institution"} <= names
    assert any("Customs Service of Tajikistan" in s.explanation for s in r.signals)
    assert session.scalars(select(Project).where(Project.title == TITLE)).all() == [existing]  # draft not saved


def test_the_evidence_names_the_themes_and_the_pillar_both_projects_share(session):
    make_project(session, TITLE, donors=("Japan",), themes=("border-control", "container-control"))
    said = {s.name: s.explanation for s in check_project(session, draft(session))[0].signals}
    assert said["shared_theme"] == "Same theme: Border control."
    assert said["shared_pillar"] == "Same pillar of the Vienna Declaration: Regional initiatives."
    both = draft(session)
    both.themes = [theme(session, "container-control"), theme(session, "border-control")]
    said = {s.name: s.explanation for s in check_project(session, both)[0].signals}
    assert said["shared_theme"] == "Same themes: Border control, Container control."


def test_withdrawn_and_other_country_projects_are_never_candidates(session):
    withdrawn = make_project(session, TITLE)
    withdrawn.withdrawn_at = dt.datetime.now(dt.timezone.utc)
    make_project(session, TITLE, countries=("GEO",))
    session.flush()
    assert check_project(session, draft(session)) == []


def test_a_regional_project_meets_its_member_country(session):
    regional = make_project(session, TITLE, countries=(), regions=("central-asia",))
    results = check_project(session, draft(session))
    assert [r.other.id for r in results] == [regional.id]


def test_a_saved_project_is_not_its_own_match(session):
    a = make_project(session, TITLE)
    b = make_project(session, TITLE, donors=("Japan",))
    assert [r.other.id for r in check_project(session, a)] == [b.id]


def test_decided_pair_is_silenced_until_a_material_change_reopens_it(session):
    coordinator = make_user(session, role="coordinator")
    a = make_project(session, TITLE)
    b = make_project(session, TITLE, donors=("Japan",))
    regions = RegionCatalogue(session)
    decide(session, features_from_project(a, regions), features_from_project(b, regions), "complementary",
           "coordinated by the mini-Dublin group", coordinator, score=80)
    assert check_project(session, a) == []
    b.planned_end_on = dt.date(2025, 6, 30)  # a material field changes
    session.flush()
    results = check_project(session, a)
    assert [r.other.id for r in results] == [b.id] and results[0].reopened


def test_duplicate_decision_can_merge_one_record_into_the_other(session):
    coordinator = make_user(session, role="coordinator")
    kept = make_project(session, TITLE, countries=("TJK",), donors=("UK",), institutions=())
    gone = make_project(session, TITLE, countries=("TJK", "UZB"), donors=("Japan",), implementers=("UNDP",),
                        institutions=("Tajik Customs Service",), summary="Training of customs officers.")
    kept.summary = ""
    session.flush()
    regions = RegionCatalogue(session)
    fk, fg = features_from_project(kept, regions), features_from_project(gone, regions)
    with pytest.raises(DecisionError):  # a merge must say which record goes
        decide(session, fk, fg, "duplicate", "", coordinator, merge=True)
    decide(session, fk, fg, "duplicate", "entered by both donors", coordinator, withdraw_id=gone.id, merge=True)
    session.expire_all()
    kept, gone = session.get(Project, kept.id), session.get(Project, gone.id)
    # the kept record gains what only the other stated; its own fields stay
    assert {c.iso3 for c in kept.countries} == {"TJK", "UZB"}
    assert {f.organisation_id for f in kept.funders} == {organisation(session, "UK").id,
                                                         organisation(session, "Japan").id}
    assert {o.id for o in kept.implementers} == {organisation(session, "UNODC").id, organisation(session, "UNDP").id}
    assert [o.id for o in kept.beneficiary_institutions] == [organisation(session, "Tajik Customs Service").id]
    assert kept.summary == "Training of customs officers." and kept.withdrawn_at is None
    # the other is withdrawn, not deleted, and both histories say what happened
    assert gone.withdrawn_at is not None and f"#{kept.id}" in gone.withdrawn_reason
    kept_change = session.scalars(select(ProjectChange).where(ProjectChange.project_id == kept.id,
                                                             ProjectChange.action == "merged")).one()
    assert f"#{gone.id}" in kept_change.note and "countries" in kept_change.changes
    gone_change = session.scalars(select(ProjectChange).where(ProjectChange.project_id == gone.id,
                                                             ProjectChange.action == "withdrawn")).one()
    assert gone_change.changes["merged_into"] == [None, kept.id]


def test_duplicate_decision_can_withdraw_one_record_and_keeps_it(session):
    coordinator = make_user(session, role="coordinator")
    a = make_project(session, TITLE)
    b = make_project(session, TITLE, donors=("Japan",))
    regions = RegionCatalogue(session)
    fa, fb = features_from_project(a, regions), features_from_project(b, regions)
    with pytest.raises(DecisionError):
        decide(session, fa, fb, "unrelated", "", coordinator, withdraw_id=b.id)
    with pytest.raises(DecisionError):
        decide(session, fa, fb, "maybe", "", coordinator)
    decide(session, fa, fb, "duplicate", "same project", coordinator, withdraw_id=b.id)
    session.refresh(b)
    assert b.withdrawn_at is not None and f"#{a.id}" in b.withdrawn_reason
    assert session.get(Project, b.id) is not None


def test_after_save_records_the_acknowledgement_and_notifies_the_other_focal_points(session):
    japan_fp = make_user(session, org="Japan")
    uk_fp = make_user(session, org="UK")
    other = make_project(session, TITLE, donors=("Japan",), implementers=("UNDP",))
    new = draft(session)
    results = check_project(session, new)
    assert results
    session.add(new)
    session.flush()
    notes = after_project_saved(session, new, uk_fp, results, True, mail_settings={})
    ack = session.scalars(select(OverlapAcknowledgement).where(OverlapAcknowledgement.project_id == new.id)).one()
    assert ack.other_project_id == other.id and ack.acknowledged and ack.signals
    assert [n.user_id for n in notes] == [japan_fp.id]
    stored = session.scalars(select(Notification).where(Notification.user_id == japan_fp.id)).one()
    assert TITLE in stored.message and stored.project_id == new.id


@pytest.mark.parametrize("language, subject, phrase", [
    ("en", "ADAM: a project may overlap yours", "may overlap your project"),
    ("fr", "ADAM : un projet pourrait recouper le vôtre", "pourrait recouper votre projet"),
])
def test_after_save_sends_email_when_smtp_is_configured(session, language, subject, phrase):
    aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
    from aiosmtpd.handlers import Sink

    received = []

    class Capture(Sink):
        async def handle_DATA(self, server, session_, envelope):  # noqa: N802
            received.append(envelope)
            return "250 OK"

    import socket

    with socket.socket() as probe:  # a free port for the local SMTP server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = aiosmtpd_controller.Controller(Capture(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        japan_fp = make_user(session, org="Japan", email="fp@japan.example", language=language)
        make_project(session, TITLE, donors=("Japan",), implementers=("UNDP",))
        uk_fp = make_user(session, org="UK")
        new = draft(session)
        results = check_project(session, new)
        session.add(new)
        session.flush()
        after_project_saved(session, new, uk_fp, results, True,
                            mail_settings={"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_FROM": "adam@test"})
    finally:
        controller.stop()
    assert len(received) == 1
    assert received[0].rcpt_tos == [japan_fp.email]
    mail = email.message_from_bytes(received[0].content, policy=email.policy.default)
    assert mail["Subject"] == subject  # in the recipient's language, whatever the sender's
    body = mail.get_content()
    assert TITLE in body and phrase in body


def test_spelling_variants_of_one_organisation_count_as_one_for_the_partner_chain(session):
    from adam.overlap.features import load_features

    iom = organisation(session, "International Organization for Migration (IOM)", "multilateral")
    usaid = organisation(session, "USAID")
    # the donor's record names the implementer with another spelling, which the import kept as its own row
    variant = organisation(session, "International Organisation for Migration", "multilateral")
    donor_record = make_project(session, "Screening for Ebola at points of entry", donors=("USAID",),
                                implementers=(variant.name,), owner=usaid)
    implementer_record = make_project(session, "Strengthening Ebola response at points of entry", donors=("USAID",),
                                      implementers=(iom.name,), owner=iom)
    session.flush()
    regions = RegionCatalogue(session)
    feats = load_features(session, [donor_record.id, implementer_record.id], regions)
    assert feats[donor_record.id].implementers == frozenset({iom.id}) == feats[implementer_record.id].implementers
    assert feats[implementer_record.id].owner == iom.id
    from adam.overlap.signals import partner_link

    assert partner_link(feats[donor_record.id], feats[implementer_record.id]) == 2
    # the draft built from a form is read the same way
    assert features_from_project(donor_record, regions).implementers == frozenset({iom.id})
