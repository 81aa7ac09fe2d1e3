"""Project pages: list, filters, detail with history, create and edit through the form."""
import datetime as dt

from sqlalchemy import func, select

from adam.models import Project, ProjectChange
from tests import factories as f
from tests.helpers import login


def form_data(session, **overrides):
    data = {
        "title": "Precursor control training for the Customs Service of Tajikistan",
        "summary": "Identification kits and courses on acetic anhydride.",
        "countries": [str(f.country(session, "TJK").id)],
        "pillars": [str(f.pillar(session, 3).id)],
        "themes": [str(f.theme(session, "precursor-control").id)],
        "donors-0-organisation_id": str(f.organisation(session, "UK").id),
        "donors-0-amount": "100000",
        "implementers": [str(f.organisation(session, "UNODC").id)],
        "activity_type": "training",
        "status": "pipeline",
        "planned_start_on": "2025-03-01",
        "planned_end_on": "2025-12-31",
        "budget_amount": "120000",
        "budget_currency": "EUR",
    }
    data.update(overrides)
    return data


def project_count(session):
    return session.scalar(select(func.count()).select_from(Project))


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/projects/")
    assert response.status_code == 302 and "/account/login" in response.location


def test_focal_point_registers_a_project_with_usd_figure_and_history(client, session):
    user = f.make_user(session, org="UK")
    session.commit()
    login(client, user)
    response = client.post("/projects/new", data=form_data(session))
    assert response.status_code == 302
    project = session.scalars(select(Project)).one()
    assert project.title.startswith("Precursor control")
    assert project.budget_usd == project.budget_amount * session.get(type(project.currency), "EUR").usd_rate
    assert project.owner_organisation_id == user.organisation_id
    assert [fu.organisation.acronym for fu in project.funders] == ["UK"]
    assert project.starts_on == dt.date(2025, 3, 1)
    change = session.scalars(select(ProjectChange).where(ProjectChange.project_id == project.id)).one()
    assert change.action == "created" and change.user_id == user.id
    page = client.get(f"/projects/{project.id}")
    assert b"Precursor control training" in page.data and b"Created" in page.data


def test_list_filters_by_country_donor_pillar_and_status(client, session):
    a = f.make_project(session, "Border post mentoring in Tajikistan", countries=("TJK",), donors=("UK",), pillars=(1,))
    b = f.make_project(session, "FIU software for Uzbekistan", countries=("UZB",), donors=("US",), pillars=(2,),
                       themes=("fiu",), status="pipeline")
    withdrawn = f.make_project(session, "Withdrawn Tajik project", countries=("TJK",))
    withdrawn.withdrawn_at = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    user = f.make_user(session)
    session.commit()
    login(client, user)

    def titles(**params):
        html = client.get("/projects/", query_string=params).data.decode()
        return {t for t in (a.title, b.title, withdrawn.title) if t in html}

    assert titles() == {a.title, b.title}
    assert titles(country=f.country(session, "TJK").id) == {a.title}
    assert titles(donor=f.organisation(session, "US").id) == {b.title}
    assert titles(pillar=f.pillar(session, 2).id) == {b.title}
    assert titles(status="ongoing") == {a.title}
    assert titles(country=f.country(session, "TJK").id, withdrawn="1") == {a.title, withdrawn.title}


def test_list_is_paginated_and_sortable(client, session, app):
    for i in range(30):
        f.make_project(session, f"Project {i:02d}", budget=i * 1000)
    user = f.make_user(session)
    session.commit()
    login(client, user)
    first = client.get("/projects/?sort=title").data.decode()
    assert "Project 00" in first and "Project 29" not in first and "Page 1 of 2" in first
    second = client.get("/projects/?sort=title&page=2").data.decode()
    assert "Project 29" in second and "Project 00" not in second
    by_budget = client.get("/projects/?sort=budget").data.decode()
    assert by_budget.index("Project 29") < by_budget.index("Project 28")


def test_edit_records_which_fields_changed_from_what_to_what(client, session):
    user = f.make_user(session, org="UK")
    project = f.make_project(session, donors=("UK",))
    session.commit()
    login(client, user)
    data = form_data(session, title="Renamed project", version=str(project.version))
    response = client.post(f"/projects/{project.id}/edit", data=data)
    assert response.status_code == 302, response.data.decode()[:3000]
    session.refresh(project)
    assert project.title == "Renamed project" and project.version == 2
    change = session.scalars(select(ProjectChange).where(ProjectChange.action == "updated")).one()
    assert change.changes["title"] == ["Container profiling training for customs officers", "Renamed project"]
    assert change.changes["themes"] == [["Border control"], ["Precursor control"]]
    assert "countries" not in change.changes  # unchanged fields are not recorded
    html = client.get(f"/projects/{project.id}").data.decode()
    assert "Renamed project" in html and "Updated" in html


def test_withdraw_keeps_the_project_and_restore_brings_it_back(client, session):
    user = f.make_user(session, org="UK")
    project = f.make_project(session, donors=("UK",))
    session.commit()
    login(client, user)
    assert client.post(f"/projects/{project.id}/withdraw", data={"reason": ""}).status_code == 422
    assert session.get(Project, project.id).withdrawn_at is None
    response = client.post(f"/projects/{project.id}/withdraw", data={"reason": "Entered twice", "version": project.version})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Project, project.id).withdrawn_reason == "Entered twice"
    assert project_count(session) == 1
    assert project.title not in client.get("/projects/").data.decode()
    client.post(f"/projects/{project.id}/restore")
    session.expire_all()
    assert session.get(Project, project.id).withdrawn_at is None
    actions = session.scalars(select(ProjectChange.action).order_by(ProjectChange.id)).all()
    assert actions == ["withdrawn", "restored"]


def test_withdrawing_or_restoring_twice_says_nothing_changed_and_restore_names_who_did_it(client, session):
    user = f.make_user(session, org="UK")
    project = f.make_project(session, donors=("UK",))
    session.commit()
    login(client, user)
    form = {"reason": "Entered twice", "version": project.version}
    assert "Project withdrawn." in client.post(f"/projects/{project.id}/withdraw", data=form,
                                               follow_redirects=True).get_data(as_text=True)
    session.expire_all()
    again = client.post(f"/projects/{project.id}/withdraw", data={**form, "version": session.get(Project, project.id).version},
                        follow_redirects=True).get_data(as_text=True)
    assert "This project was withdrawn already; nothing changed." in again and "Project withdrawn." not in again
    session.expire_all()
    restored = session.get(Project, project.id)
    restored.updated_by_id = None
    session.commit()
    assert "Project restored." in client.post(f"/projects/{project.id}/restore", follow_redirects=True).get_data(as_text=True)
    session.expire_all()
    assert session.get(Project, project.id).updated_by_id == user.id
    twice = client.post(f"/projects/{project.id}/restore", follow_redirects=True).get_data(as_text=True)
    assert "This project is not withdrawn; nothing changed." in twice and "Project restored." not in twice
    actions = session.scalars(select(ProjectChange.action).order_by(ProjectChange.id)).all()
    assert actions == ["withdrawn", "restored"]


def test_places_within_countries_are_saved_and_shown(client, session):
    user = f.make_user(session, org="UK")
    session.commit()
    login(client, user)
    two = [str(f.country(session, "TJK").id), str(f.country(session, "AFG").id)]
    response = client.post("/projects/new", data=form_data(session, countries=two, places="TJK: Khorog\nAFG: Ishkashim"))
    assert response.status_code == 302
    project = session.scalars(select(Project)).one()
    assert [(loc.country.iso3, loc.name) for loc in project.locations] == [("TJK", "Khorog"), ("AFG", "Ishkashim")]
    assert "Khorog (Tajikistan)" in client.get(f"/projects/{project.id}").data.decode()
    edit = client.get(f"/projects/{project.id}/edit").data.decode()
    assert "TJK: Khorog" in edit
    # Moving a place to the other country is a change of its own in the history.
    response = client.post(f"/projects/{project.id}/edit", data=form_data(
        session, countries=two, places="AFG: Khorog\nAFG: Ishkashim", version=str(project.version)))
    assert response.status_code == 302
    change = session.scalars(select(ProjectChange).where(ProjectChange.action == "updated")).one()
    assert change.changes == {"locations": [["TJK: Khorog", "AFG: Ishkashim"], ["AFG: Khorog", "AFG: Ishkashim"]]}


def test_saving_unchanged_choices_in_another_order_records_no_change(client, session):
    # The form lists countries in the reader's alphabetical order and routes before regions; the project keeps
    # them in English name order. Saving without a change recorded "changed" countries and regions, and a version.
    user = f.make_user(session, org="UK")
    project = f.make_project(session, countries=("DEU", "AUT"), regions=("central-asia", "route-northern"),
                             themes=("precursor-control",), pillars=(3,), start=dt.date(2025, 3, 1),
                             end=dt.date(2025, 12, 31), budget=120000, currency="EUR", activity_type="training",
                             status="pipeline", summary="Identification kits and courses on acetic anhydride.",
                             title="Precursor control training for the Customs Service of Tajikistan")
    project.funders[0].amount, project.funders[0].currency = 100000, "EUR"
    session.commit()
    login(client, user)
    data = form_data(session, countries=[str(f.country(session, c).id) for c in ("DEU", "AUT")],
                     regions=[str(f.region(session, r).id) for r in ("route-northern", "central-asia")],
                     version=str(project.version))
    assert client.post(f"/projects/{project.id}/edit", data=data).status_code == 302
    assert [c.changes for c in session.scalars(select(ProjectChange).where(ProjectChange.action == "updated"))] == []


def test_a_place_outside_the_recipient_countries_is_refused(client, session):
    user = f.make_user(session, org="UK")
    session.commit()
    login(client, user)
    response = client.post("/projects/new", data=form_data(session, places="UZB: Termez"))
    assert response.status_code == 422 and "not among the recipient countries" in response.data.decode()
    assert session.scalars(select(Project)).first() is None


def test_saving_despite_an_overlap_warning_is_shown_on_the_project_page(client, session):
    existing = f.make_project(session, "Precursor control training for the Customs Service of Tajikistan",
                              countries=("TJK",), donors=("Japan",), pillars=(3,), themes=("precursor-control",),
                              start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    user = f.make_user(session, org="UK")
    session.commit()
    login(client, user)
    warned = client.post("/projects/new", data=form_data(session))
    assert warned.status_code == 200 and existing.title.encode() in warned.data
    assert project_count(session) == 1  # the warning comes before the record is final
    saved = client.post("/projects/new", data=form_data(session, confirm_overlaps="y"))
    assert saved.status_code == 302
    new = session.scalars(select(Project).where(Project.id != existing.id)).one()
    page = client.get(f"/projects/{new.id}").get_data(as_text=True)
    assert "Saved despite possible overlaps" in page and f"/projects/{existing.id}" in page


def test_links_with_labels_are_saved_shown_and_offered_again_on_edit(client, session):
    login(client, f.make_user(session, org="UK"))
    data = form_data(session, **{"links-0-url": "https://example.org/terms-of-reference.pdf",
                                 "links-0-label": "Terms of reference", "links-1-url": "https://example.org/plain"})
    response = client.post("/projects/new", data=data)
    assert response.status_code == 302, response.data[-2000:]
    project = session.scalars(select(Project)).one()
    assert sorted((link.url, link.label) for link in project.links) == [
        ("https://example.org/plain", ""), ("https://example.org/terms-of-reference.pdf", "Terms of reference")]
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert '<a href="https://example.org/terms-of-reference.pdf" rel="noopener noreferrer">Terms of reference</a>' in page
    form = client.get(f"/projects/{project.id}/edit").get_data(as_text=True)
    # the label is an input of its own, filled in, beside its link
    assert 'name="links-0-label"' in form and 'value="Terms of reference"' in form


def test_a_changed_link_label_is_in_the_history(client, session):
    login(client, f.make_user(session, org="UK"))
    url = "https://example.org/tor.pdf"
    client.post("/projects/new", data=form_data(session, **{"links-0-url": url, "links-0-label": "Draft ToR"}))
    project = session.scalars(select(Project)).one()
    response = client.post(f"/projects/{project.id}/edit", data=form_data(
        session, version=str(project.version), **{"links-0-url": url, "links-0-label": "Final ToR"}))
    assert response.status_code == 302
    change = session.scalars(select(ProjectChange).where(ProjectChange.action == "updated")).one()
    assert change.changes == {"links": [[f"{url} (Draft ToR)"], [f"{url} (Final ToR)"]]}


def test_a_link_that_is_not_a_web_address_is_refused_and_nothing_is_saved(client, session):
    login(client, f.make_user(session, org="UK"))
    response = client.post("/projects/new", data=form_data(session, **{"links-0-url": "javascript:alert(1)",
                                                                      "links-0-label": "Click"}))
    assert response.status_code == 422
    assert "Links must start with http:// or https://" in response.get_data(as_text=True)
    assert project_count(session) == 0


def _donor_selects(html):
    """{row number: (number of options, selected organisation id or None)} of the donor rows of a form page."""
    import re

    rows = {}
    for number, body in re.findall(r'<select[^>]*name="donors-(\d+)-organisation_id"[^>]*>(.*?)</select>', html, re.S):
        selected = re.search(r'<option selected value="(\d+)"|<option value="(\d+)" selected', body)
        rows[int(number)] = (body.count("<option"), next((g for g in selected.groups() if g), None) if selected else None)
    return rows


def test_every_donor_row_offers_the_donors_new_and_on_edit(client, session):
    user = f.make_user(session, org="UK")
    project = f.make_project(session, donors=("UK", "EU", "JP", "NO"), owner="UK")
    session.commit()
    login(client, user)
    new = _donor_selects(client.get("/projects/new").get_data(as_text=True))
    assert len(new) == 4  # the user's organisation and three empty rows
    assert {count for count, _ in new.values()} == {new[0][0]} and new[0][0] > 4, new
    edit = _donor_selects(client.get(f"/projects/{project.id}/edit").get_data(as_text=True))
    ids = [str(fu.organisation_id) for fu in project.funders]
    assert [edit[k][1] for k in range(4)] == ids, edit  # the fourth donor is shown, so a save keeps it
    assert len(edit) == 7 and len({count for count, _ in edit.values()}) == 1, edit


def test_the_change_history_reads_in_the_reader_s_language(client, session):
    """Field names as the form names them, statuses, themes, countries, dates and yes/no in French."""
    user = f.make_user(session, org="UK", language="fr")
    project = f.make_project(session, donors=("UK",), countries=("TJK",), status="ongoing")
    session.commit()
    login(client, user)
    data = form_data(session, version=str(project.version), countries=[str(f.country(session, "UZB").id)],
                     planned_start_on="2025-04-01")
    assert client.post(f"/projects/{project.id}/edit", data=data).status_code == 302
    session.refresh(project)
    client.post(f"/projects/{project.id}/withdraw", data={"reason": "Saisi deux fois", "version": project.version})
    html = client.get(f"/projects/{project.id}").get_data(as_text=True)
    history = html[html.index('id="history"'):]
    for shown in ("Pays bénéficiaires", "Tadjikistan", "Ouzbékistan", "Statut", "En cours", "En préparation",
                  "Début prévu", "1 avr. 2025", "Contrôle des frontières", "Contrôle des précurseurs",
                  "Retiré", "Non", "Oui"):
        assert shown in history, shown
    for raw in ("planned start on", "Uzbekistan", "ongoing", "False", "True", "2025-04-01"):
        assert raw not in history, raw


def test_only_users_who_may_register_projects_are_offered_to(client, session):
    """A focal point without an organisation may not register (403): no page offers it; a coordinator may."""
    offers = ('href="/projects/new"', 'href="/exchange/bulk"')
    for user, may in ((f.make_user(session, org=None), False), (f.make_user(session, org="UK"), True),
                      (f.make_user(session, role="coordinator", org=None), True)):
        session.commit()
        login(client, user)
        pages = "".join(client.get(url).get_data(as_text=True) for url in ("/", "/projects/", "/exchange/"))
        assert [offer in pages for offer in offers] == [may, may], user.role
        assert (client.get("/projects/new").status_code == 200) is may
        client.post("/account/logout")
