"""Administrators manage users and organisations; coordinators edit themes; others get 403."""
import html
import re

import pytest
from sqlalchemy import func, select

from adam.models import AuditEvent, Organisation, OrganisationAlias, Theme, User, normalise_name
from tests import factories as f
from tests.helpers import login


@pytest.fixture
def admin(client, session):
    user = f.make_user(session, role="admin", org="UNODC")
    session.commit()
    login(client, user)
    return user


@pytest.mark.parametrize("role", ["focal_point", "coordinator"])
def test_only_administrators_manage_users(client, session, role):
    user = f.make_user(session, role=role)
    session.commit()
    login(client, user)
    assert client.get("/admin/users").status_code == 403
    assert client.post("/admin/users/new", data={"email": "x@example.org", "name": "X", "role": "admin",
                                                 "password": "long enough pass"}).status_code == 403
    assert session.scalar(select(User).where(User.email == "x@example.org")) is None
    assert client.get("/admin/audit").status_code == 403


def test_admin_creates_a_focal_point_and_deactivates_them(client, session, admin):
    uk = f.organisation(session, "UK")
    response = client.post("/admin/users/new", data={
        "email": "new.focal@example.org", "name": "New Focal", "role": "focal_point",
        "organisation_id": str(uk.id), "password": "a long passphrase", "active": "y"})
    assert response.status_code == 302
    user = session.scalars(select(User).where(User.email == "new.focal@example.org")).one()
    assert user.organisation_id == uk.id and user.check_password("a long passphrase")
    response = client.post(f"/admin/users/{user.id}", data={"name": "New Focal", "role": "focal_point",
                                                           "organisation_id": str(uk.id)})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(User, user.id).active is False
    changes = [e for e in session.scalars(select(AuditEvent).where(AuditEvent.event == "permissions_changed"))]
    assert changes and changes[0].detail["changes"]["active"] == [True, False]
    log = client.get("/admin/audit").get_data(as_text=True)
    assert "permissions changed" in log
    # a change reads as one, not as Python's text of the stored dict ("changes: {'active': [True, False]}")
    assert "Active: Yes → No" in log and "{" not in log.split("<tbody>")[1].split("</tbody>")[0]


def test_focal_point_needs_an_organisation_and_a_strong_password(client, session, admin):
    response = client.post("/admin/users/new", data={"email": "x@example.org", "name": "X", "role": "focal_point",
                                                     "password": "a long passphrase"})
    assert response.status_code == 422 and b"belongs to an organisation" in response.data
    response = client.post("/admin/users/new", data={"email": "x@example.org", "name": "X", "role": "coordinator",
                                                     "password": "short"})
    assert response.status_code == 422 and b"at least 10 characters" in response.data
    assert session.scalar(select(User).where(User.email == "x@example.org")) is None


def test_admin_cannot_remove_their_own_rights(client, session, admin):
    response = client.post(f"/admin/users/{admin.id}", data={"name": admin.name, "role": "coordinator", "active": "y"})
    assert response.status_code == 422
    session.expire_all()
    assert session.get(User, admin.id).role == "admin"


def test_organisation_with_aliases_in_several_languages(client, session, admin):
    response = client.post("/admin/organisations/new", data={
        "name": "Drug Control Agency of Tajikistan", "acronym": "DCA", "type": "recipient_agency",
        "aliases": "ru: Агентство по контролю за наркотиками\nfr: Agence de contrôle des drogues du Tadjikistan",
        "active": "y"})
    assert response.status_code == 302
    org = session.scalars(select(Organisation).where(Organisation.acronym == "DCA")).one()
    keys = {a.key: a.language for a in org.aliases}
    assert keys[normalise_name("Агентство по контролю за наркотиками")] == "ru"
    assert normalise_name("agence de controle des drogues du tadjikistan") in keys


def test_an_alias_belongs_to_one_organisation_only(client, session, admin):
    response = client.post("/admin/organisations/new", data={
        "name": "Some Office", "type": "other", "aliases": "ONUDC", "active": "y"})
    assert response.status_code == 422 and "already names United Nations Office on Drugs and Crime" in response.data.decode()
    assert session.scalar(select(Organisation).where(Organisation.name == "Some Office")) is None
    unodc_aliases = session.scalars(select(OrganisationAlias).where(OrganisationAlias.key == "onudc")).all()
    assert len(unodc_aliases) == 1


def test_coordinator_adds_a_theme_and_focal_point_cannot(client, session):
    coordinator = f.make_user(session, role="coordinator")
    focal = f.make_user(session)
    session.commit()
    login(client, focal)
    assert client.post("/admin/themes/new", data={"name": "Postal consignments"}).status_code == 403
    login(client, coordinator)
    response = client.post("/admin/themes/new", data={"name": "Postal consignments",
                                                      "pillar_id": str(f.pillar(session, 1).id), "active": "y"})
    assert response.status_code == 302
    theme = session.scalars(select(Theme).where(Theme.code == "postal-consignments")).one()
    assert theme.pillar.number == 1
    assert client.post("/admin/themes/new", data={"name": "Postal consignments"}).status_code == 422


def test_a_theme_cannot_be_renamed_to_another_themes_name(client, session):
    coordinator = f.make_user(session, role="coordinator")
    session.commit()
    login(client, coordinator)
    canine = f.theme(session, "canine-units")
    response = client.post(f"/admin/themes/{canine.id}", data={"name": " border  CONTROL ", "active": "y"})
    assert response.status_code == 422
    assert "A theme like “border  CONTROL” exists already." in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Theme, canine.id).name == "Canine units"
    # its own name is no clash (saved as it was: the seeded themes are shared with the other tests)
    kept = {"name": "Canine units", "pillar_id": str(canine.pillar_id), "active": "y"}
    assert client.post(f"/admin/themes/{canine.id}", data=kept).status_code == 302
    session.expire_all()
    assert session.get(Theme, canine.id).pillar.number == 1


def _options(page: str, select_id: str) -> list[str]:
    block = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return [html.unescape(text) for text in re.findall(r"<option[^>]*>(.*?)</option>", block)]


def test_the_lists_of_the_admin_forms_are_in_the_interface_language(client, session, admin):
    """In French the empty choices read "— none —" and "— cross-cutting —", the pillars and countries English."""
    admin.language = "fr"
    session.commit()
    users = client.get("/admin/users/new").get_data(as_text=True)
    assert _options(users, "organisation_id")[0] == "— non renseigné —"
    organisation = client.get("/admin/organisations/new").get_data(as_text=True)
    countries = _options(organisation, "country_id")
    assert countries[0] == "— non renseigné —"
    assert "Tadjikistan" in countries and "Tajikistan" not in countries
    assert countries.index("Ouzbékistan") < countries.index("Pakistan")  # in the order of the French names
    theme = client.get("/admin/themes/new").get_data(as_text=True)
    assert _options(theme, "pillar_id")[:2] == ["— transversal —", "1. Initiatives régionales"]


def test_the_admin_forms_refuse_a_clash_in_the_interface_language(client, session, admin):
    """The name, IATI identifier, alias and theme clashes were always told in English."""
    admin.language = "fr"
    session.commit()
    response = client.post("/admin/organisations/new", data={"name": "Some Office", "type": "other", "aliases": "ONUDC"})
    assert response.status_code == 422
    assert "« ONUDC » désigne déjà United Nations Office on Drugs and Crime." in html.unescape(response.get_data(as_text=True))
    response = client.post("/admin/organisations/new", data={"name": "united nations office on drugs and crime",
                                                              "type": "other"})
    assert "Une organisation nommée united nations office on drugs and crime existe déjà." in html.unescape(response.get_data(as_text=True))
    unodc = session.scalars(select(Organisation).where(Organisation.acronym == "UNODC")).one()
    unodc.iati_identifier = "XM-DAC-41128"
    session.commit()
    response = client.post("/admin/organisations/new", data={"name": "Some Office", "type": "other",
                                                              "iati_identifier": "XM-DAC-41128"})
    assert ("United Nations Office on Drugs and Crime a déjà l'identifiant IATI XM-DAC-41128."
            in html.unescape(response.get_data(as_text=True)))
    client.post("/admin/themes/new", data={"name": "Postal consignments"})
    response = client.post("/admin/themes/new", data={"name": "Postal  Consignments"})
    assert response.status_code == 422
    assert "Un thème semblable à « Postal  Consignments » existe déjà." in html.unescape(response.get_data(as_text=True))


def test_a_seeded_theme_s_form_is_headed_by_its_translated_name(client, session):
    """The themes page listed "Unités cynophiles" in French; its form was headed "Canine units"."""
    coordinator = f.make_user(session, role="coordinator", language="fr")
    session.commit()
    login(client, coordinator)
    theme = session.scalars(select(Theme).where(Theme.code == "canine-units")).one()
    page = client.get(f"/admin/themes/{theme.id}").get_data(as_text=True)
    assert "<h1>Unités cynophiles</h1>" in page and "<title>Unités cynophiles · ADAM</title>" in page
    assert 'value="Canine units"' in page  # the name itself, as stored, is what the form edits


@pytest.mark.parametrize("url, data, message", [
    ("/admin/organisations/new", {"name": "Org A", "type": "other", "aliases": "fr: " + "x" * 300},
     "An alias may have at most 255 characters"),
    ("/admin/organisations/new", {"name": "Org\x00A", "type": "other"}, "must not contain the NUL character"),
    ("/admin/themes/new", {"name": "Dogs\x00", "pillar_id": ""}, "must not contain the NUL character"),
    ("/admin/users/new", {"email": "new@example.org", "name": "N\x00", "role": "coordinator",
                          "password": "long enough pass"}, "must not contain the NUL character"),
])
def test_what_the_database_cannot_store_is_refused_with_a_message(client, session, admin, url, data, message):
    # PostgreSQL refused both with a 500 (an alias longer than its column, a NUL character in any text).
    organisations = session.scalar(select(func.count()).select_from(Organisation))
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert message in response.data.decode()
    assert session.scalar(select(func.count()).select_from(Organisation)) == organisations
    assert session.scalar(select(User).where(User.email == "new@example.org")) is None


def test_the_audit_log_details_read_in_the_readers_language(client, session, admin):
    uk = f.organisation(session, "UK")
    assert client.post("/admin/users/new", data={
        "email": "new.focal@example.org", "name": "New Focal", "role": "focal_point",
        "organisation_id": str(uk.id), "password": "a long passphrase", "active": "y"}).status_code == 302
    log = client.get("/admin/audit", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    detail = html.unescape(log.split("<tbody>")[1].split("</tbody>")[0])
    # was "target: new.focal@example.org; role: focal_point"
    assert "Rôle: Point focal de donateur" in detail and "focal_point" not in detail and "target" not in detail
