"""The overlap endpoints with the engine: the check of a draft and the duplicate report, scoped by role."""
from __future__ import annotations

from sqlalchemy import func, select

from adam.models import Project
from tests.api.conftest import bearer
from tests.factories import country, make_project, make_user, organisation, pillar, theme

TITLE = "Container profiling training for customs officers in Dushanbe"


def _pair(session):
    japan = make_project(session, TITLE, donors=("Japan",), institutions=("Customs Service of Tajikistan",))
    uk = make_project(session, TITLE + " (UK funded)", donors=("UK",), institutions=("Customs Service of Tajikistan",))
    make_project(session, "Methadone maintenance in prisons", countries=("KAZ",), pillars=(4,), themes=(),
                 donors=("Germany",), implementers=("WHO",))
    session.commit()
    return japan, uk


def test_check_returns_scored_matches_with_signals_and_saves_nothing(client, session, focal_headers):
    japan, uk = _pair(session)
    draft = {
        "title": TITLE, "country_ids": [country(session, "TJK").id], "pillar_ids": [pillar(session, 1).id],
        "theme_ids": [theme(session, "border-control").id], "activity_type": "training",
        "planned_start_on": "2024-03-01", "planned_end_on": "2024-10-31",
        "donors": [{"organisation_id": organisation(session, "France").id}],
        "institution_ids": [organisation(session, "Customs Service of Tajikistan").id],
    }
    response = client.post("/api/v1/overlaps/check", headers=focal_headers, json=draft)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["available"] is True
    assert {m["project"]["id"] for m in body["matches"]} == {japan.id, uk.id}
    best = body["matches"][0]
    assert 0 < best["score"] <= 100 and best["label"]
    assert any(s["name"] == "shared_institution" and "Customs Service of Tajikistan" in s["explanation"]
               for s in best["signals"])
    assert sum(s["points"] for s in best["signals"]) > 0
    assert session.scalar(select(func.count(Project.id))) == 3


def test_report_ranks_flagged_pairs_for_a_coordinator(client, session, coordinator_headers):
    japan, uk = _pair(session)
    response = client.get("/api/v1/overlaps/report?country=TJK&decided=all", headers=coordinator_headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["total"] == 1
    pair = body["pairs"][0]
    assert {pair["a"]["id"], pair["b"]["id"]} == {japan.id, uk.id}
    assert pair["signals"] and pair["state"] == "undecided"
    assert client.get("/api/v1/overlaps/report?country=KAZ", headers=coordinator_headers).get_json()["total"] == 0
    assert client.get("/api/v1/overlaps/report?min_score=100", headers=coordinator_headers).get_json()["pairs"] == [] \
        or pair["score"] == 100


def test_report_shows_a_focal_point_only_pairs_of_their_organisation(client, session, focal_headers):
    _pair(session)
    assert client.get("/api/v1/overlaps/report", headers=focal_headers).get_json()["total"] == 1  # UK funds one
    outsider = bearer(session, make_user(session, "focal_point", org="Norway"))
    assert client.get("/api/v1/overlaps/report", headers=outsider).get_json()["total"] == 0


def test_report_rejects_unknown_scope(client, coordinator_headers):
    response = client.get("/api/v1/overlaps/report?region=atlantis", headers=coordinator_headers)
    assert response.status_code == 422
    assert "region" in response.get_json()["errors"]


def test_editing_a_project_through_the_api_does_not_flag_it_against_itself(client, session, coordinator_headers):
    from adam.models import Notification

    watcher = make_user(session, "focal_point", org="Japan")  # an organisation that would be told of an overlap
    project = make_project(session, TITLE, donors=("Japan",), institutions=("Customs Service of Tajikistan",))
    session.commit()
    response = client.patch(f"/api/v1/projects/{project.id}", headers=coordinator_headers,
                            json={"summary": "Second phase", "version": 1})
    assert response.status_code == 200
    assert session.scalars(select(Notification).where(Notification.user_id == watcher.id)).all() == []
