"""Reference data endpoints, the overlap check, the OpenAPI document and the browsable docs page."""
from __future__ import annotations

from tests.factories import make_project, organisation, pillar, country, theme
from tests.helpers import login


def test_reference_lists_give_the_ids_projects_use(client, coordinator_headers):
    def get(path):
        response = client.get(f"/api/v1/{path}", headers=coordinator_headers)
        assert response.status_code == 200, path
        return response.get_json()

    assert [p["number"] for p in get("pillars")] == [1, 2, 3, 4]
    assert any(c["iso3"] == "TJK" for c in get("countries"))
    assert [c["iso3"] for c in get("countries?q=tajik")] == ["TJK"]
    assert any(r["kind"] == "route" and "AFG" in r["countries"] for r in get("regions"))
    assert any(t["code"] == "precursor-control" and t["pillar"] == 3 for t in get("themes"))
    assert any(c["code"] == "EUR" for c in get("currencies"))
    unodc = [o for o in get("organisations?q=ONUDC")]
    assert [o["acronym"] for o in unodc] == ["UNODC"]


def test_overlap_check_scores_a_draft_without_saving(client, session, focal_headers):
    make_project(session, "Container profiling training for customs officers", countries=("TJK",),
                 institutions=("Customs Service of Tajikistan",))
    session.commit()
    draft = {
        "title": "Container profiling course for Tajik customs",
        "institution_ids": [organisation(session, "Customs Service of Tajikistan").id],
        "country_ids": [country(session, "TJK").id], "pillar_ids": [pillar(session, 1).id],
        "theme_ids": [theme(session, "border-control").id],
        "planned_start_on": "2024-03-01", "planned_end_on": "2024-09-30",
        "donors": [{"organisation_id": organisation(session, "UNODC").id}],
    }
    response = client.post("/api/v1/overlaps/check", headers=focal_headers, json=draft)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["available"]
    assert body["matches"] and body["matches"][0]["signals"]
    from adam.models import Project
    from sqlalchemy import func, select

    assert session.scalar(select(func.count(Project.id))) == 1


def test_overlap_check_rejects_an_invalid_draft(client, session, focal_headers):
    response = client.post("/api/v1/overlaps/check", headers=focal_headers, json={"title": "x", "country_ids": [999999]})
    assert response.status_code == 422
    assert {"country_ids", "pillar_ids"} <= set(response.get_json()["errors"])


def test_openapi_document_lists_every_operation_with_bearer_security(client, coordinator_headers):
    assert client.get("/api/v1/openapi.json").status_code == 401
    spec = client.get("/api/v1/openapi.json", headers=coordinator_headers).get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    operations = {(m.upper(), p) for p, item in spec["paths"].items() for m in item}
    assert {
        ("GET", "/api/v1/projects/"), ("POST", "/api/v1/projects/"), ("GET", "/api/v1/projects/{project_id}"),
        ("PUT", "/api/v1/projects/{project_id}"), ("PATCH", "/api/v1/projects/{project_id}"),
        ("POST", "/api/v1/projects/{project_id}/withdraw"), ("GET", "/api/v1/countries"), ("GET", "/api/v1/regions"),
        ("GET", "/api/v1/organisations"), ("GET", "/api/v1/pillars"), ("GET", "/api/v1/themes"),
        ("GET", "/api/v1/currencies"), ("POST", "/api/v1/overlaps/check"),
    } <= operations
    problem = spec["components"]["responses"]["UNPROCESSABLE_ENTITY"]["content"]
    assert "application/problem+json" in problem


def test_docs_page_lists_operations_for_signed_in_users(client, coordinator):
    assert client.get("/api/v1/docs").status_code == 302
    login(client, coordinator)
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert b"/api/v1/projects/{project_id}" in page.data
    assert b"<script" not in page.data.replace(b'<script src="', b"")  # nothing inline under the CSP
    assert client.get("/api/v1/openapi.json").status_code == 200  # the page's own link works with the session


def test_unknown_api_path_is_a_json_problem(client, coordinator_headers):
    response = client.get("/api/v1/nothing-here", headers=coordinator_headers)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_docs_page_shows_the_descriptions_code_as_code(client, coordinator):
    login(client, coordinator)
    page = client.get("/api/v1/docs").get_data(as_text=True)
    description = page.split('<div class="api-description">')[1].split("</div>")[0]
    assert "<code>Authorization: Bearer adam_...</code>" in description
    assert "<code>application/problem+json</code>" in description
    assert "`" not in description  # the Markdown backticks were shown as they are
