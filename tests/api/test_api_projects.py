"""The projects endpoints: list with filters and pagination, get with ETag, create, update, withdraw."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from adam.models import Project, ProjectChange
from tests.factories import country, make_project, organisation, pillar, theme


def _payload(session, **over) -> dict:
    body = {
        "title": "Precursor control training for Tajik customs",
        "summary": "Detection of precursor chemicals at border crossings.",
        "status": "pipeline",
        "activity_type": "training",
        "planned_start_on": "2025-03-01",
        "planned_end_on": "2025-12-31",
        "budget_amount": "120000.50",
        "budget_currency": "EUR",
        "country_ids": [country(session, "TJK").id],
        "pillar_ids": [pillar(session, 3).id],
        "theme_ids": [theme(session, "precursor-control").id],
        "donors": [{"organisation_id": organisation(session, "UK").id, "amount": "100000"}],
        "implementer_ids": [organisation(session, "UNODC").id],
        "links": [{"url": "https://example.org/p", "label": "Concept note"}],
    }
    body.update(over)
    return body


def test_list_pages_through_projects_with_links(client, session, coordinator_headers):
    for i in range(7):
        make_project(session, f"Border project {i}")
    session.commit()
    first = client.get("/api/v1/projects/?per_page=3", headers=coordinator_headers)
    assert first.status_code == 200
    body = first.get_json()
    assert (body["total"], body["pages"], body["page"], len(body["items"])) == (7, 3, 1, 3)
    assert body["links"]["prev"] is None
    last = client.get(body["links"]["last"], headers=coordinator_headers).get_json()
    assert len(last["items"]) == 1 and last["links"]["next"] is None
    seen = {p["id"] for p in body["items"]} | {p["id"] for p in last["items"]}
    middle = client.get(body["links"]["next"], headers=coordinator_headers).get_json()
    seen |= {p["id"] for p in middle["items"]}
    assert len(seen) == 7
    beyond = client.get("/api/v1/projects/?per_page=3&page=9", headers=coordinator_headers).get_json()
    assert beyond["items"] == [] and beyond["links"]["next"] is None
    assert "page=3" in beyond["links"]["prev"]  # back to the last page, not to page 8


def test_list_filters_match_the_search_page_names(client, session, coordinator_headers):
    uk, unodc = organisation(session, "UK"), organisation(session, "UNODC")
    tjk = make_project(session, "Tajik border posts", countries=("TJK",), pillars=(1,), status="ongoing")
    afg = make_project(session, "Afghan drug treatment", countries=("AFG",), pillars=(4,), themes=("treatment",),
                       donors=("UNODC",), implementers=("UK",), status="pipeline", activity_type="advisory",
                       start=dt.date(2026, 1, 1), end=dt.date(2026, 6, 30))
    withdrawn = make_project(session, "Withdrawn border idea", countries=("TJK",))
    withdrawn.withdrawn_at = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    session.commit()

    def ids(query: str) -> set[int]:
        response = client.get(f"/api/v1/projects/?{query}", headers=coordinator_headers)
        assert response.status_code == 200, response.get_json()
        return {p["id"] for p in response.get_json()["items"]}

    assert ids("country=TJK") == {tjk.id}
    assert ids("country=TJK&country=AFG") == {tjk.id, afg.id}
    assert ids("pillar=4") == {afg.id}
    assert ids("theme=treatment") == {afg.id}
    assert ids(f"donor={unodc.id}") == {afg.id}
    assert ids(f"implementer={uk.id}") == {afg.id}
    assert ids("status=ongoing") == {tjk.id}
    assert ids("activity_type=advisory") == {afg.id}
    assert ids("date_from=2025-06-01") == {afg.id}
    assert ids("date_to=2024-06-01") == {tjk.id}
    assert ids("q=treatment") == {afg.id}
    assert ids("q=BORDER") == {tjk.id}
    assert ids("q=border&include_withdrawn=true") == {tjk.id, withdrawn.id}


def test_list_rejects_bad_filters_with_field_messages(client, coordinator_headers):
    response = client.get("/api/v1/projects/?per_page=1000&status=lost&date_from=yesterday", headers=coordinator_headers)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert {"per_page", "status.0", "date_from"} <= set(errors)


def test_get_returns_project_with_etag_and_honours_if_none_match(client, session, coordinator_headers):
    project = make_project(session, "Canine unit for Kyrgyz border guards", institutions=("Border Service of Kyrgyzstan",))
    session.commit()
    response = client.get(f"/api/v1/projects/{project.id}", headers=coordinator_headers)
    assert response.status_code == 200
    body = response.get_json()
    assert response.headers["ETag"] == f'W/"{project.version}"'
    assert body["title"] == "Canine unit for Kyrgyz border guards"
    assert [c["iso3"] for c in body["countries"]] == ["TJK"]
    assert body["donors"][0]["name"] == organisation(session, "UK").name
    assert body["beneficiary_institutions"][0]["name"] == "Border Service of Kyrgyzstan"
    assert body["budget_amount"] == "250000.00"
    again = client.get(f"/api/v1/projects/{project.id}",
                       headers={**coordinator_headers, "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_get_unknown_project_is_404_problem(client, coordinator_headers):
    response = client.get("/api/v1/projects/999999", headers=coordinator_headers)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404


def test_create_registers_project_with_history(client, session, focal_point, focal_headers):
    response = client.post("/api/v1/projects/", json=_payload(session), headers=focal_headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/projects/{body['id']}")
    assert response.headers["ETag"] == 'W/"1"'
    project = session.get(Project, body["id"])
    assert project.created_by_id == focal_point.id
    assert project.owner_organisation_id == focal_point.organisation_id
    assert [f.organisation.acronym for f in project.funders] == ["UK"]
    assert str(project.budget_amount) == "120000.50"
    assert body["links"] == [{"url": "https://example.org/p", "label": "Concept note"}]
    change = session.scalars(select(ProjectChange).where(ProjectChange.project_id == project.id)).one()
    assert change.action == "created" and change.user_id == focal_point.id


def test_create_with_unknown_ids_is_422_naming_the_field(client, session, focal_headers):
    response = client.post("/api/v1/projects/", headers=focal_headers,
                           json=_payload(session, country_ids=[987654], pillar_ids=[], theme_ids=[55555]))
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert "987654" in " ".join(errors["country_ids"])
    assert "55555" in " ".join(errors["theme_ids"])
    assert "pillar_ids" in errors
    assert session.scalar(select(Project.id)) is None


def test_create_with_malformed_body_is_422_and_saves_nothing(client, session, focal_headers):
    response = client.post("/api/v1/projects/", headers=focal_headers,
                           json=_payload(session, title="", budget_amount="-5", planned_start_on="31/12/2025",
                                         contact_email="not-an-email", status="done", extra="field"))
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert {"title", "budget_amount", "planned_start_on", "contact_email", "status", "extra"} <= set(errors)
    assert session.scalar(select(Project.id)) is None


@pytest.mark.parametrize("content_type", [None, "application/x-www-form-urlencoded", "text/plain"])
def test_a_body_that_is_not_sent_as_json_is_415_not_a_missing_title(client, session, focal_headers, content_type):
    # curl -d sends a form by default: the body's title must not be reported as missing.
    body = json.dumps(_payload(session))
    headers = {**focal_headers, **({"Content-Type": content_type} if content_type else {})}
    response = client.post("/api/v1/projects/", headers=headers, data=body)
    assert response.status_code == 415
    assert response.mimetype == "application/problem+json"
    assert "Content-Type: application/json" in response.get_json()["detail"]
    assert session.scalar(select(Project.id)) is None


def test_a_withdrawal_without_a_body_needs_no_content_type(client, session, coordinator_headers):
    project = make_project(session)
    session.commit()
    response = client.post(f"/api/v1/projects/{project.id}/withdraw", headers={**coordinator_headers, "If-Match": 'W/"1"'})
    assert response.status_code == 200, response.get_json()


def test_create_rejects_nul_characters_instead_of_failing_in_the_database(client, session, focal_headers):
    response = client.post("/api/v1/projects/", headers=focal_headers, json=_payload(session, title="Bad\x00title"))
    assert response.status_code == 422
    assert "title" in response.get_json()["errors"]


def test_put_with_if_match_updates_and_returns_new_etag(client, session, coordinator_headers):
    project = make_project(session)
    session.commit()
    etag = client.get(f"/api/v1/projects/{project.id}", headers=coordinator_headers).headers["ETag"]
    response = client.put(f"/api/v1/projects/{project.id}", headers={**coordinator_headers, "If-Match": etag},
                          json=_payload(session, title="Renamed by the API"))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["title"] == "Renamed by the API"
    assert response.headers["ETag"] == 'W/"2"'
    stale = client.put(f"/api/v1/projects/{project.id}", headers={**coordinator_headers, "If-Match": etag},
                       json=_payload(session, title="Lost update"))
    assert stale.status_code == 412
    session.expire_all()
    assert session.get(Project, project.id).title == "Renamed by the API"


def test_patch_with_version_field_changes_only_given_fields_and_stale_version_is_409(client, session, coordinator_headers):
    project = make_project(session, summary="Original summary")
    session.commit()
    response = client.patch(f"/api/v1/projects/{project.id}", headers=coordinator_headers,
                            json={"status": "completed", "version": 1})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["summary"], body["version"]) == ("completed", "Original summary", 2)
    stale = client.patch(f"/api/v1/projects/{project.id}", headers=coordinator_headers,
                         json={"status": "cancelled", "version": 1})
    assert stale.status_code == 409
    assert stale.get_json()["errors"]["version"]
    session.expire_all()
    assert session.get(Project, project.id).status == "completed"


def test_update_without_if_match_or_version_is_refused(client, session, coordinator_headers):
    project = make_project(session)
    session.commit()
    response = client.patch(f"/api/v1/projects/{project.id}", headers=coordinator_headers, json={"status": "completed"})
    assert response.status_code == 428
    session.expire_all()
    assert session.get(Project, project.id).status == "ongoing"


def test_patch_with_unknown_id_is_422(client, session, coordinator_headers):
    project = make_project(session)
    session.commit()
    response = client.patch(f"/api/v1/projects/{project.id}", headers=coordinator_headers,
                            json={"implementer_ids": [424242], "version": 1})
    assert response.status_code == 422
    assert "424242" in response.get_json()["errors"]["implementer_ids"][0]


def test_withdraw_hides_project_from_the_list(client, session, coordinator_headers):
    project = make_project(session)
    session.commit()
    response = client.post(f"/api/v1/projects/{project.id}/withdraw", headers=coordinator_headers,
                           json={"reason": "Entered twice", "version": 1})
    assert response.status_code == 200
    assert response.get_json()["withdrawn_reason"] == "Entered twice"
    listed = client.get("/api/v1/projects/", headers=coordinator_headers).get_json()
    assert listed["total"] == 0
    stale = client.post(f"/api/v1/projects/{project.id}/withdraw", headers={**coordinator_headers, "If-Match": 'W/"1"'},
                        json={})
    assert stale.status_code == 412


def test_withdraw_without_if_match_or_version_is_428_and_withdraws_nothing(client, session, coordinator_headers):
    # As for updates: a withdrawal must say which version it was based on, or it may undo an edit it never saw.
    project = make_project(session)
    session.commit()
    response = client.post(f"/api/v1/projects/{project.id}/withdraw", headers=coordinator_headers,
                           json={"reason": "Entered twice"})
    assert response.status_code == 428
    assert "If-Match" in response.get_json()["detail"]
    assert client.get(f"/api/v1/projects/{project.id}", headers=coordinator_headers).get_json()["withdrawn_at"] is None


def test_list_sorts_and_budget_filters_as_the_search_page_does(client, session, coordinator_headers):
    small = make_project(session, "Small prevention grant", budget=10_000)
    large = make_project(session, "Large forensic laboratory", budget=2_000_000)
    make_project(session, "Unbudgeted mentoring", budget=None)
    session.commit()
    body = client.get("/api/v1/projects/?sort=budget-desc&budget_min=5000", headers=coordinator_headers).get_json()
    assert [p["id"] for p in body["items"]] == [large.id, small.id]
    body = client.get("/api/v1/projects/?budget_max=100000", headers=coordinator_headers).get_json()
    assert [p["id"] for p in body["items"]] == [small.id]
    assert client.get("/api/v1/projects/?sort=sideways", headers=coordinator_headers).status_code == 422


def test_free_text_matches_words_and_prefixes(client, session, coordinator_headers):
    lab = make_project(session, "Forensic laboratory for precursor chemicals")
    make_project(session, "Canine unit")
    session.commit()
    body = client.get("/api/v1/projects/?q=precurs", headers=coordinator_headers).get_json()
    assert [p["id"] for p in body["items"]] == [lab.id]


def _rich_project(session):
    from adam.models import ProjectLink, ProjectLocation, ProjectRelatedActivity, ProjectSector

    tjk = country(session, "TJK")
    project = make_project(session, "Border liaison offices", countries=("TJK",),
                           institutions=("Customs Service of Tajikistan",), summary="Kept summary")
    project.locations = [ProjectLocation(country_id=tjk.id, name="Khorog"), ProjectLocation(name="Panj river")]
    project.links = [ProjectLink(url="https://example.org/concept", label="Concept note")]
    project.sectors = [ProjectSector(vocabulary="1", code="16063", percentage=100)]
    project.related_activities = [ProjectRelatedActivity(iati_identifier="GB-GOV-1-300", kind="related-activity",
                                                         relation_type="1")]
    session.commit()
    return project, tjk


def _kept(session, project_id: int) -> tuple:
    session.expire_all()
    p = session.get(Project, project_id)
    return (sorted(((loc.country_id or 0, loc.name) for loc in p.locations)), [link.url for link in p.links],
            [o.name for o in p.beneficiary_institutions], [(s.vocabulary, s.code) for s in p.sectors],
            [r.iati_identifier for r in p.related_activities], p.summary)


def test_an_update_that_does_not_mention_a_field_keeps_it(client, session, coordinator_headers):
    project, tjk = _rich_project(session)
    before = _kept(session, project.id)
    assert before[0] == sorted([(tjk.id, "Khorog"), (0, "Panj river")]) and before[3] == [("1", "16063")]
    body = client.get(f"/api/v1/projects/{project.id}", headers=coordinator_headers).get_json()
    assert sorted((p["country_id"] or 0, p["name"]) for p in body["locations"]) == before[0]
    assert body["sectors"][0]["code"] == "16063" and body["related_activities"][0]["iati_identifier"] == "GB-GOV-1-300"

    put = client.put(f"/api/v1/projects/{project.id}", headers=coordinator_headers,
                     json={"title": "Renamed by PUT", "version": 1})
    assert put.status_code == 200, put.get_json()
    patch = client.patch(f"/api/v1/projects/{project.id}", headers=coordinator_headers,
                         json={"status": "completed", "version": 2})
    assert patch.status_code == 200, patch.get_json()
    assert _kept(session, project.id) == before  # places, links, institutions, sectors, links to activities
    assert session.get(Project, project.id).title == "Renamed by PUT"


def test_locations_are_written_through_the_api_and_cleared_only_when_said(client, session, coordinator_headers):
    project, tjk = _rich_project(session)
    put = client.put(f"/api/v1/projects/{project.id}", headers=coordinator_headers, json={
        "title": "Border liaison offices", "version": 1,
        "locations": [{"name": "Ishkashim", "country_id": tjk.id}]})
    assert put.status_code == 200, put.get_json()
    assert [(p["country_id"], p["name"]) for p in put.get_json()["locations"]] == [(tjk.id, "Ishkashim")]
    bad = client.patch(f"/api/v1/projects/{project.id}", headers=coordinator_headers, json={
        "version": 2, "locations": [{"name": "Kabul", "country_id": country(session, "AFG").id}]})
    assert bad.status_code == 422 and "locations" in bad.get_json()["errors"]
    cleared = client.patch(f"/api/v1/projects/{project.id}", headers=coordinator_headers,
                           json={"version": 2, "locations": [], "links": []})
    assert cleared.status_code == 200
    kept = _kept(session, project.id)
    assert kept[0] == [] and kept[1] == [] and kept[2] == ["Customs Service of Tajikistan"]
    created = client.post("/api/v1/projects/", headers=coordinator_headers, json=_payload(
        session, locations=[{"name": "Dushanbe airport", "country_id": tjk.id}]))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["locations"] == [{"name": "Dushanbe airport", "country_id": tjk.id}]


def test_a_list_page_costs_the_same_number_of_queries_whatever_its_size(client, session, coordinator_headers):
    """Every collection the API shows is loaded once per page, never once per project (no N+1)."""
    from sqlalchemy import event

    from adam.extensions import db
    from adam.models import ProjectLocation, ProjectSector

    for i in range(12):
        p = make_project(session, f"Border liaison office {i}", institutions=("Customs Service of Tajikistan",))
        p.locations = [ProjectLocation(name=f"Post {i}")]
        p.sectors = [ProjectSector(vocabulary="1", code="16063")]
    session.commit()

    def statements(per_page: int) -> int:
        seen = []
        listener = lambda conn, cursor, statement, *args: seen.append(statement)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            response = client.get(f"/api/v1/projects/?per_page={per_page}", headers=coordinator_headers)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert response.status_code == 200 and len(response.json["items"]) == per_page
        assert response.json["items"][0]["locations"] and response.json["items"][0]["sectors"]
        return sum("project" in statement for statement in seen)  # not the token's and user's lookups

    assert statements(12) == statements(2)


def test_page_links_carry_any_query_parameter_as_sent(client, session, coordinator_headers):
    for number in range(3):
        make_project(session, f"Project {number}")
    session.commit()
    # Parameters the API does not know are ignored, and the page links keep them as they came; names that url_for
    # reserves (_method, _anchor, _scheme, _external) made the list fail (500) or its links absolute.
    for name in ("_method", "_anchor", "_scheme", "_external", "_"):
        response = client.get(f"/api/v1/projects/?per_page=2&{name}=1", headers=coordinator_headers)
        assert response.status_code == 200, name
        links = response.get_json()["links"]
        assert links["next"] == f"/api/v1/projects/?per_page=2&{name}=1&page=2", name


def test_list_refuses_filter_values_that_name_nothing(client, session, coordinator_headers):
    make_project(session, "Border posts", countries=("TJK",))
    session.commit()
    # A mistyped code used to answer 200 with no project, as if the register had none for it.
    response = client.get("/api/v1/projects/?country=TJK&country=XXX&theme=no-such-theme&region=atlantis&donor=424242"
                          "&pillar=2", headers=coordinator_headers)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert set(errors) == {"country", "theme", "region", "donor"}
    assert errors["country"] == ["Unknown value 'XXX'."] and errors["donor"] == ["Unknown value 424242."]
    assert client.get("/api/v1/projects/?country=tjk&pillar=1", headers=coordinator_headers).get_json()["total"] == 1



def test_donor_amounts_follow_the_budget_currency_unless_they_have_their_own(client, session, coordinator_headers):
    """Amounts are entered in the budget currency; an imported record may give one in a currency of its own (an
    IATI transaction's), which a save that leaves that amount alone keeps."""
    project = make_project(session, donors=("UK", "JP"), budget=250_000, currency="USD")
    (own, plain), (uk, jp) = project.funders, (project.funders[0].organisation_id, project.funders[1].organisation_id)
    own.amount, own.currency, plain.amount, plain.currency = 80_000, "EUR", 20_000, "USD"
    session.commit()

    def patch(version, **fields):
        response = client.patch(f"/api/v1/projects/{project.id}", headers=coordinator_headers,
                                json=fields | {"version": version})
        assert response.status_code == 200, response.get_json()
        session.expire_all()
        return {f.organisation_id: (f.amount, f.currency) for f in session.get(Project, project.id).funders}

    assert patch(1, title="Renamed") == {uk: (80_000, "EUR"), jp: (20_000, "USD")}
    assert patch(2, budget_currency="GBP") == {uk: (80_000, "EUR"), jp: (20_000, "GBP")}
    # a new amount is in the budget currency, as the form and the API say
    donors = [{"organisation_id": uk, "amount": "90000"}, {"organisation_id": jp, "amount": "20000"}]
    assert patch(3, donors=donors) == {uk: (90_000, "GBP"), jp: (20_000, "GBP")}


@pytest.mark.parametrize("url, field", [
    ("/api/v1/projects/?date_from=2026-01-01&date_to=2020-01-01", "date_to"),
    ("/api/v1/projects/?budget_min=100000&budget_max=10", "budget_max"),
    ("/api/v1/overlaps/report?date_from=2026-01-01&date_to=2020-01-01", "date_to"),
])
def test_an_upside_down_range_is_422_not_a_different_question(client, session, coordinator_headers, url, field):
    # Read as it came, 2026..2020 listed the projects running through all of 2020-2026; the search page swaps the
    # two dates and says so, an API client is told.
    make_project(session, start=dt.date(2019, 1, 1), end=dt.date(2027, 1, 1))
    session.commit()
    response = client.get(url, headers=coordinator_headers)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == [field]


def test_a_body_too_large_for_any_project_is_413(client, session, focal_headers):
    body = json.dumps({**_payload(session), "description": "x" * (3 * 1024 * 1024)})
    response = client.post("/api/v1/projects/", headers={**focal_headers, "Content-Type": "application/json"}, data=body)
    assert response.status_code == 413 and response.mimetype == "application/problem+json"
    assert session.scalar(select(Project.id)) is None


def test_json_nested_too_deeply_is_400_not_a_server_error(client, session, focal_headers):
    body = '{"title": "x", "links": ' + "[" * 50_000 + "]" * 50_000 + "}"
    response = client.post("/api/v1/projects/", headers={**focal_headers, "Content-Type": "application/json"}, data=body)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert response.get_json()["errors"] == {"_schema": ["Invalid JSON body (nested too deeply)."]}
