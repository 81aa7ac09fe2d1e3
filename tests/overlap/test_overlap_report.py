"""The duplicate-check report: who sees which pairs, decisions, exports, print view and the CLI command."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from adam.models import OverlapDecision, Project
from tests.factories import make_project, make_user
from tests.helpers import login

TITLE = "Container profiling training for customs officers in Dushanbe"


def two_pairs(session):
    a = make_project(session, TITLE, donors=("UK",), institutions=("Customs Service of Tajikistan",))
    b = make_project(session, TITLE, donors=("Japan",), institutions=("Customs Service of Tajikistan",))
    c = make_project(session, "Precursor control laboratory for the drug control agency", countries=("KGZ",),
                     pillars=(3,), themes=(), donors=("Germany",), institutions=("Drug Control Service of Kyrgyzstan",))
    d = make_project(session, "Precursor control laboratory, drug control agency", countries=("KGZ",),
                     pillars=(3,), themes=(), donors=("France",), institutions=("Drug Control Service of Kyrgyzstan",))
    session.commit()
    return a, b, c, d


def test_anonymous_visitors_are_sent_to_login(client):
    assert client.get("/overlaps/").status_code == 302


def test_coordinator_sees_all_pairs_side_by_side_with_evidence(client, session):
    a, b, c, d = two_pairs(session)
    login(client, make_user(session, role="coordinator"))
    session.commit()
    page = client.get("/overlaps/").get_data(as_text=True)
    assert TITLE in page and "Precursor control laboratory" in page
    assert "Same beneficiary institution" in page and "Record decision" in page


def test_the_report_names_the_shared_theme_and_pillar_in_the_readers_language(client, session):
    two_pairs(session)
    coordinator = make_user(session, role="coordinator", language="fr")
    session.commit()
    login(client, coordinator)
    page = client.get("/overlaps/").get_data(as_text=True)
    assert "Même thème : Contrôle des frontières." in page
    assert "Même pilier de la Déclaration de Vienne : Initiatives régionales." in page


def test_focal_point_sees_only_pairs_involving_their_projects_and_cannot_decide(client, session):
    a, b, c, d = two_pairs(session)
    fp = make_user(session, org="Germany")
    session.commit()
    login(client, fp)
    page = client.get("/overlaps/").get_data(as_text=True)
    assert "Precursor control laboratory" in page and TITLE not in page
    assert "Record decision" not in page
    response = client.post("/overlaps/decide", data={"project_a": c.id, "project_b": d.id, "decision": "unrelated"})
    assert response.status_code == 403
    assert session.scalars(select(OverlapDecision)).all() == []


def test_scope_filters_keep_only_matching_pairs(client, session):
    a, b, c, d = two_pairs(session)
    login(client, make_user(session, role="coordinator"))
    session.commit()
    from tests.factories import country

    page = client.get(f"/overlaps/?country={country(session, 'KGZ').id}").get_data(as_text=True)
    assert "Precursor control laboratory" in page and TITLE not in page
    from tests.factories import pillar

    assert "No flagged pair" in client.get(f"/overlaps/?pillar={pillar(session, 4).id}").get_data(as_text=True)
    assert client.get("/overlaps/?min_score=500").status_code == 422


def test_a_coordinator_merges_a_duplicate_from_the_report(client, session):
    a, b, _c, _d = two_pairs(session)
    login(client, make_user(session, role="coordinator"))
    session.commit()
    r = client.post("/overlaps/decide", data={"project_a": a.id, "project_b": b.id, "decision": "duplicate",
                                              "withdraw": "merge-b"}, follow_redirects=True)
    assert "merged into the other" in r.get_data(as_text=True)
    session.expire_all()
    assert session.get(Project, b.id).withdrawn_at is not None and session.get(Project, a.id).withdrawn_at is None
    history = client.get(f"/projects/{a.id}").get_data(as_text=True)
    assert "Merged" in history and f"#{b.id}" in history
    # a merge for a pair that is not a duplicate is refused and changes nothing
    r = client.post("/overlaps/decide", data={"project_a": _c.id, "project_b": _d.id, "decision": "complementary",
                                              "withdraw": "merge-a"}, follow_redirects=True)
    assert "not recorded" in r.get_data(as_text=True)
    session.expire_all()
    assert session.get(Project, _c.id).withdrawn_at is None


def test_decision_silences_the_pair_and_duplicate_withdraws_one_record(client, session):
    a, b, c, d = two_pairs(session)
    login(client, make_user(session, role="coordinator"))
    session.commit()
    r = client.post("/overlaps/decide", data={"project_a": a.id, "project_b": b.id, "decision": "duplicate",
                                              "note": "entered twice", "withdraw": "b"})
    assert r.status_code == 302
    decision = session.scalars(select(OverlapDecision)).one()
    assert (decision.project_a_id, decision.project_b_id, decision.decision) == (a.id, b.id, "duplicate")
    assert session.get(Project, b.id).withdrawn_at is not None
    page = client.get("/overlaps/").get_data(as_text=True)
    assert TITLE not in page
    # bad input changes nothing
    r = client.post("/overlaps/decide", data={"project_a": c.id, "project_b": d.id, "decision": "maybe"})
    assert r.status_code == 302 and session.scalars(select(OverlapDecision)).all() == [decision]


def test_a_duplicate_withdrawn_from_the_report_says_why_in_the_readers_language(client, session):
    a, b, c, d = two_pairs(session)
    login(client, make_user(session, role="coordinator", language="ru"))
    session.commit()
    client.post("/overlaps/decide", data={"project_a": a.id, "project_b": b.id, "decision": "duplicate",
                                          "note": "entered twice", "withdraw": "b"})
    client.post("/overlaps/decide", data={"project_a": c.id, "project_b": d.id, "decision": "duplicate",
                                          "note": "", "withdraw": "merge-b"})
    # English where it is stored (exports, the API); the page in the reader's language, the note as written
    assert session.get(Project, b.id).withdrawn_reason == f"Duplicate of project #{a.id}: entered twice"
    page = client.get(f"/projects/{b.id}").get_data(as_text=True)
    assert "Duplicate of project" not in page and page.count(f"Дубликат проекта #{a.id}: entered twice") == 2
    merged = client.get(f"/projects/{d.id}").get_data(as_text=True)
    assert "Merged into" not in merged and f"Объединён с проектом #{c.id}" in merged
    kept = client.get(f"/projects/{c.id}").get_data(as_text=True)
    assert "Merged from" not in kept and f"Объединён с ним проект #{d.id}" in kept
    # a person's own reason stays as written
    session.get(Project, a.id).withdrawn_at, session.get(Project, a.id).withdrawn_reason = b.created_at, "Merged"
    session.commit()
    assert "Withdrawn on" not in client.get(f"/projects/{a.id}").get_data(as_text=True)
    assert ": Merged</p>" in client.get(f"/projects/{a.id}").get_data(as_text=True)


def test_a_tampered_decision_is_refused_with_a_clear_message_in_the_readers_language(client, session):
    a, b, c, d = two_pairs(session)
    login(client, make_user(session, role="coordinator", language="ru"))
    session.commit()
    pair_missing = "Пара проектов не указана или неверна: обновите отчёт и попробуйте снова."
    expected = [
        ({"project_a": a.id, "project_b": b.id, "decision": "maybe"}, "Выберите решение из списка."),
        ({"project_a": a.id, "project_b": b.id}, "Выберите решение из списка."),
        ({"project_a": a.id, "decision": "duplicate"}, pair_missing),
        ({"project_a": "abc", "project_b": b.id, "decision": "duplicate"}, pair_missing),
        ({"project_a": a.id, "project_b": b.id, "decision": "duplicate", "withdraw": "zzz"},
         "Выберите из списка, какую запись оставить, отозвать или объединить."),
    ]
    for data, message in expected:
        response = client.post("/overlaps/decide", data=data, follow_redirects=True)
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and f"Решение не записано: {message}</p>" in page, data
    assert session.scalars(select(OverlapDecision)).all() == []


def test_a_reopened_pair_shows_the_earlier_decision_who_made_it_when_and_its_note(client, session):
    a, b, c, d = two_pairs(session)
    login(client, make_user(session, role="coordinator", name="Olga Petrova"))
    session.commit()
    client.post("/overlaps/decide", data={"project_a": a.id, "project_b": b.id, "decision": "complementary",
                                          "note": "UK trains, Japan equips"})
    decided_page = client.get("/overlaps/?decided=all").get_data(as_text=True)
    session.get(Project, b.id).summary = "Profiling courses, now also in Khujand."  # a material change
    session.commit()
    page = client.get("/overlaps/").get_data(as_text=True)
    when = session.scalars(select(OverlapDecision)).one().decided_at
    # above the pair's projects (the form below holds the note too)
    heads = [shown[shown.index('class="overlap-head"'):shown.index('class="overlap-sides"')]
             for shown in (page, decided_page)]
    assert "re-opened: a project changed after the decision" in heads[0]
    for head in heads:
        assert "Olga Petrova" in head and "UK trains, Japan equips" in head and "Complementary" in head
        assert str(when.year) in head


def test_exports_and_print_view_carry_the_same_pairs(client, session):
    two_pairs(session)
    login(client, make_user(session, role="coordinator"))
    session.commit()
    csv_text = client.get("/overlaps/export.csv").data.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("Rank,Score,Label")
    assert len(csv_text.strip().splitlines()) == 3
    wb = load_workbook(io.BytesIO(client.get("/overlaps/export.xlsx").data))
    assert wb.active.max_row == 3
    assert "Same beneficiary institution" in client.get("/overlaps/print").get_data(as_text=True)


def test_cli_writes_the_report(app, session, tmp_path):
    two_pairs(session)
    out = tmp_path / "overlaps.csv"
    result = app.test_cli_runner().invoke(args=["overlap-report", "--country", "KGZ", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 flagged pairs" in result.output
    assert "Precursor control laboratory" in out.read_text()
    bad = app.test_cli_runner().invoke(args=["overlap-report", "--country", "XXX", "--out", str(out)])
    assert bad.exit_code != 0 and "unknown country" in bad.output
