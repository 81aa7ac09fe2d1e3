"""The home dashboard: my organisation's projects and recent changes in the countries I follow."""
from __future__ import annotations

from sqlalchemy import select

from adam.models import Country, ProjectChange, followed_countries
from tests.factories import make_user, organisation
from tests.helpers import login


def _changed(session, project, action="updated", changes=None):
    session.add(ProjectChange(project=project, action=action, changes=changes or {"title": ["a", "b"]}))
    session.flush()


def _signed_in_at_a_tajik_agency(client, session, register):
    """A focal point of an organisation based in Tajikistan, with a recent change there; signed in."""
    dca = organisation(session, "Drug Control Agency of Tajikistan")
    dca.country_id = session.scalar(select(Country.id).where(Country.iso3 == "TJK"))
    user = make_user(session, "focal_point", dca)
    _changed(session, register["regional"])
    session.commit()
    login(client, user)
    return user


def test_dashboard_lists_my_organisations_projects_only(client, session, register):
    user = make_user(session, "focal_point", "UK")
    session.commit()
    login(client, user)
    page = client.get("/").get_data(as_text=True)
    mine = page[page.index('id="my-projects"'):page.index("</table>", page.index('id="my-projects"'))]
    assert "Container profiling" in mine and "Northern route" in mine
    assert "Financial intelligence unit mentoring" not in mine  # a US project
    assert "Withdrawn canine" not in mine


def test_recent_changes_follow_the_countries_chosen(client, session, register):
    user = make_user(session, "coordinator", "UNODC")
    for name in ("tjk_border", "french", "russian"):
        _changed(session, register[name])
    session.commit()
    login(client, user)
    assert "You follow no country yet" in client.get("/").get_data(as_text=True)

    tjk = session.scalar(select(Country.id).where(Country.iso3 == "TJK"))
    response = client.post("/search/follow", data={"countries": [str(tjk)]})
    assert response.status_code == 302
    assert session.scalars(select(followed_countries.c.country_id).where(followed_countries.c.user_id == user.id)).all() == [tjk]
    page = client.get("/").get_data(as_text=True)
    changes = page[page.index('id="recent-changes"'):]
    assert "Container profiling" in changes
    assert "Contrôle des précurseurs" not in changes and "Профилактика" not in changes


def test_following_an_unknown_country_is_refused_and_changes_nothing(client, session, register):
    user = make_user(session, "focal_point", "UK")
    session.commit()
    login(client, user)
    client.post("/search/follow", data={"countries": ["999999"]})
    assert session.scalars(select(followed_countries).where(followed_countries.c.user_id == user.id)).all() == []


def test_a_user_follows_their_organisations_country_by_default(client, session, register):
    _signed_in_at_a_tajik_agency(client, session, register)
    page = client.get("/").get_data(as_text=True)
    assert "Following Tajikistan" in page
    assert "Northern route interdiction network" in page[page.index('id="recent-changes"'):]


def test_follow_needs_login(client, register):
    response = client.post("/search/follow", data={"countries": ["1"]})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_user_who_clears_every_country_follows_none_not_their_organisations(client, session, register):
    user = _signed_in_at_a_tajik_agency(client, session, register)
    assert "Following Tajikistan" in client.get("/").get_data(as_text=True)

    # An empty selection sends no "countries" field at all.
    page = client.post("/search/follow", data={}, follow_redirects=True).get_data(as_text=True)
    assert "Following Tajikistan" not in page and 'id="recent-changes"' not in page
    assert "You now follow no country." in page
    page = client.get("/").get_data(as_text=True)
    assert "Following Tajikistan" not in page
    assert "You follow no country: you cleared the list." in page
    assert '<details class="follow-countries" open>' in page  # the way back is in sight

    client.post("/search/follow", data={"countries": [str(user.organisation.country_id)]})
    assert "Following Tajikistan" in client.get("/").get_data(as_text=True)
