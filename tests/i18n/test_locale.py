"""Which language a page is in (profile, then the session's choice, then Accept-Language, then English), the switcher,
and dates, numbers, money and country names in the user's language."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from adam import formatting
from adam.i18n import by_country_name, country_name
from adam.models import Country, User
from tests import factories as f
from tests.helpers import login


def _lang(page: str) -> str:
    start = page.index('<html lang="') + len('<html lang="')
    return page[start:page.index('"', start)]


def test_an_anonymous_visitor_gets_english_by_default(client):
    page = client.get("/account/login").get_data(as_text=True)
    assert _lang(page) == "en"
    assert "<h1>Sign in</h1>" in page


def test_the_browser_accept_language_picks_the_best_supported_language(client):
    page = client.get("/account/login", headers={"Accept-Language": "de-DE,de;q=0.9,ru;q=0.8,en;q=0.5"}).get_data(as_text=True)
    assert _lang(page) == "ru"
    assert "<h1>Войти</h1>" in page
    page = client.get("/account/login", headers={"Accept-Language": "es-MX"}).get_data(as_text=True)
    assert _lang(page) == "es" and "Iniciar sesión" in page
    page = client.get("/account/login", headers={"Accept-Language": "de, it"}).get_data(as_text=True)
    assert _lang(page) == "en"


def test_the_profile_language_wins_over_the_session_and_the_browser(client, session):
    user = f.make_user(session, language="fr")
    session.commit()
    login(client, user)
    with client.session_transaction() as sess:
        sess["language"] = "es"
    page = client.get("/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert _lang(page) == "fr"
    assert ">Accueil</a>" in page and ">Qui fait quoi</a>" in page


def test_a_choice_in_the_session_wins_over_the_browser(client, session):
    user = f.make_user(session)
    session.commit()
    login(client, user)
    with client.session_transaction() as sess:
        sess["language"] = "es"
    page = client.get("/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert _lang(page) == "es" and ">Inicio</a>" in page


def test_the_switcher_keeps_the_choice_in_the_profile_and_the_page_follows(client, session):
    user = f.make_user(session)
    session.commit()
    login(client, user)
    response = client.post("/account/language", data={"language": "ru", "next": "/search/?q=border"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/search/?q=border")
    assert session.get(User, user.id).language == "ru"
    page = client.get("/search/?q=border").get_data(as_text=True)
    assert _lang(page) == "ru"
    assert "Кто что делает, где и когда" in page and ">Проекты</a>" in page
    assert "Язык изменён." in page  # the confirmation is already in the new language
    # Back to the browser's language: the profile forgets the choice.
    client.post("/account/language", data={"language": "", "next": "/"})
    assert session.get(User, user.id).language is None
    assert _lang(client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)) == "es"


def test_the_switcher_works_before_signing_in_and_keeps_the_choice_in_the_session(client):
    response = client.post("/account/language", data={"language": "es", "next": "/account/login"})
    assert response.status_code == 302
    page = client.get("/account/login", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert _lang(page) == "es" and "Iniciar sesión" in page


def test_the_switcher_refuses_an_unknown_language_and_changes_nothing(client, session):
    user = f.make_user(session, language="fr")
    session.commit()
    login(client, user)
    response = client.post("/account/language", data={"language": "de", "next": "/"}, follow_redirects=True)
    assert "Choisissez une langue dans la liste." in response.get_data(as_text=True)
    assert session.get(User, user.id).language == "fr"


def test_the_switcher_never_redirects_off_site(client):
    response = client.post("/account/language", data={"language": "fr", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_the_profile_page_edits_the_language(client, session):
    user = f.make_user(session, language="es")
    session.commit()
    login(client, user)
    page = client.get("/account/profile").get_data(as_text=True)
    assert '<option selected value="es">Español</option>' in page
    assert "Idioma" in page


def test_dates_numbers_and_money_follow_the_locale():
    day = dt.date(2026, 3, 1)
    assert formatting.date(day, "en") == "Mar 1, 2026"
    assert formatting.date(day, "fr") == "1 mars 2026"
    assert formatting.date(day, "ru") == "1 мар. 2026\u202fг."
    assert formatting.number(1234567.5, "fr") == "1\u202f234\u202f567,5"
    assert formatting.number(1234567.5, "ru") == "1\u00a0234\u00a0567,5"
    assert formatting.money(Decimal("1250000"), "USD", "en") == "$1,250,000"
    assert formatting.money(Decimal("1250000"), "EUR", "fr") == "1\u202f250\u202f000\u00a0€"
    assert formatting.money(Decimal("1250000"), "RUB", "ru") == "1\u00a0250\u00a0000\u00a0₽"
    assert formatting.money(Decimal("1250000"), "USD", "es") == "1.250.000\u00a0US$"


def test_country_names_come_from_the_iso_3166_catalogues():
    assert country_name(("TJK", "Tajikistan"), "ru") == "Таджикистан"
    assert country_name(("AFG", "Afghanistan"), "ru") == "Афганистан"
    assert country_name(("IRN", "Iran"), "ru") == "Иран"  # ADAM's short name, from its own catalogue
    assert country_name(("IRN", "Iran"), "es") == "Irán"
    assert country_name(("KGZ", "Kyrgyzstan"), "es") == "Kirguistán"
    assert country_name(("TJK", "Tajikistan"), "en") == "Tajikistan"
    assert country_name(("", "No country recorded"), "ru") == "No country recorded"
    names = [country_name(c, "ru") for c in by_country_name(
        [("UZB", "Uzbekistan"), ("AFG", "Afghanistan"), ("TJK", "Tajikistan")], "ru")]
    assert names == ["Афганистан", "Таджикистан", "Узбекистан"]


def test_countries_with_an_accented_initial_are_in_their_letter():
    """In French, Égypte, Émirats arabes unis and États-Unis came after every other country (after Zimbabwe)."""
    countries = [("ZWE", "Zimbabwe"), ("USA", "United States"), ("FRA", "France"), ("ARE", "United Arab Emirates"),
                 ("EGY", "Egypt"), ("DNK", "Denmark")]
    names = [country_name(c, "fr") for c in by_country_name(countries, "fr")]
    assert names == ["Danemark", "Égypte", "Émirats arabes unis", "États-Unis", "France", "Zimbabwe"]


def test_pages_show_russian_country_names_dates_and_amounts(client, session):
    user = f.make_user(session, language="ru")
    project = f.make_project(session, "Border post mentoring", countries=("TJK", "AFG"), donors=("UK",))
    session.commit()
    login(client, user)
    detail = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Афганистан, Таджикистан" in detail
    assert "Страны-получатели" in detail
    search = client.get("/search/").get_data(as_text=True)
    assert '<option value="TJK">Таджикистан</option>' in search
    matrix = client.get("/search/matrix").get_data(as_text=True)
    assert ">Таджикистан</a>" in matrix
    figures = client.get("/search/map.json").get_json()
    assert {c["name"] for c in figures} == {"Афганистан", "Таджикистан"}
    assert {c["label"].split(",")[0] for c in figures} == {"Афганистан: 1 проект", "Таджикистан: 1 проект"}


def test_labels_from_data_are_translated_but_stay_english_in_the_database(client, session):
    user = f.make_user(session, language="es")
    project = f.make_project(session, "Precursor control training", status="pipeline")
    session.commit()
    login(client, user)
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "En preparación" in page
    assert session.get(type(project), project.id).status == "pipeline"


def test_error_pages_are_translated(client, session):
    user = f.make_user(session, language="fr")
    session.commit()
    login(client, user)
    page = client.get("/no/such/page").get_data(as_text=True)
    assert "Introuvable" in page and "Retour à l'accueil" in page


def test_messages_from_the_domain_rules_are_translated_with_their_values(client, session):
    user = f.make_user(session, language="ru")
    session.commit()
    login(client, user)
    page = client.get("/search/?country=Narnia&pillar=x&from=2025-13-01").get_data(as_text=True)
    assert "Страна &#39;Narnia&#39; пропущена" in page
    assert "Значение &#39;x&#39; поля «направление» пропущено: недопустимый идентификатор." in page
    assert "поля «начало периода» пропущено: укажите дату в виде 2024-03-31." in page
    form = client.post("/projects/new", data={"title": "Border post mentoring", "status": "ongoing"}).get_data(as_text=True)
    assert "Укажите хотя бы одну страну или регион-получатель." in form
    assert "Выберите хотя бы одно направление." in form


def test_domain_messages_stay_english_outside_the_web_pages():
    from adam.search.filters import parse_filters

    _filters, errors = parse_filters({"country": ["Narnia"], "pillar": ["x"]})
    assert errors == ["Ignored country 'Narnia': use an ISO 3166 alpha-3 code such as TJK.",
                      "Ignored pillar 'x': not a valid identifier."]


def test_plural_messages_keep_both_forms_once_stored_and_take_the_readers_form(app):
    from flask_babel import force_locale

    from adam.i18n import translate
    from adam.messages import message_data, message_from_data, ngettext

    wait = message_from_data(message_data(ngettext("Too many failed attempts. Try again in %(num)s minute.",
                                                   "Too many failed attempts. Try again in %(num)s minutes.", 2)))
    assert wait == "Too many failed attempts. Try again in 2 minutes."
    with app.test_request_context(), force_locale("ru"):
        assert translate(wait) == "Слишком много неудачных попыток. Повторите через 2 минуты."


def test_overlap_evidence_is_worded_in_the_users_language(app):
    from flask_babel import force_locale

    from adam.i18n import translate
    from adam.messages import Message

    evidence = Message("Same donor: %(names)s.",
                       names=Message("%(names)s and %(count)s more", names="UK, US, EU, JP", count=2))
    assert evidence == "Same donor: UK, US, EU, JP and 2 more."  # as the engine, the API and exports have it
    with app.test_request_context(), force_locale("ru"):
        assert translate(evidence) == "Один и тот же донор: UK, US, EU, JP и ещё 2."
    with app.test_request_context(), force_locale("es"):
        assert translate(Message("Titles are %(share)s similar.", share="85%")) == "Los títulos son similares en un 85%."


def test_overlap_evidence_writes_numbers_and_activity_types_the_readers_way_even_once_stored(app):
    import datetime as dt

    from flask_babel import force_locale

    from adam.i18n import translate
    from adam.messages import message_data, message_from_data
    from adam.overlap.features import ProjectFeatures
    from adam.overlap.signals import score_pair

    def grant(pid, owner, partner, start):
        return ProjectFeatures(id=pid, title="Border post mentoring", starts_on=start, ends_on=dt.date(2024, 12, 31),
                               countries=frozenset({1}), places=frozenset({1}), funders=frozenset({partner}),
                               implementers=frozenset({owner}), owner=owner, budget_usd=1_250_000.0,
                               activity_type="training")

    result = score_pair(grant(1, 10, 20, dt.date(2024, 1, 1)), grant(2, 20, 10, dt.date(2024, 7, 1)), 0.78, 0.0)
    said = {s.name: s.explanation for s in result.signals}
    # English text, as the API and the exports have it, is unchanged
    assert said["title_similarity"] == "Titles are 78% similar."
    assert "USD 1,250,000, within 1%" in said["partner_amount"]
    assert "100% of the shorter project" in said["time_overlap"]
    assert said["same_activity_type"] == "Same kind of activity (Training)."  # its label, not the stored code
    stored = [message_from_data(message_data(s)) for s in said.values()]  # as a notification keeps them
    with app.test_request_context(), force_locale("fr"):
        shown = [translate(s) for s in stored]
        assert "Les titres sont semblables à 78\xa0%." in shown
        assert any("1\u202f250\u202f000" in s and "1\xa0%" in s for s in shown), shown
        assert "Même type d'activité (Formation)." in shown
    with app.test_request_context(), force_locale("es"):
        assert "Los títulos son similares en un 78\xa0%." in [translate(s) for s in stored]


def test_wtforms_own_messages_and_seeded_reference_names_are_translated(client, session):
    page = client.post("/account/login", data={"email": "", "password": ""},
                       headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Обязательное поле." in page  # WTForms' catalogue, through Flask-WTF
    user = f.make_user(session, language="fr")
    project = f.make_project(session, "Border post mentoring", countries=("TJK",), pillars=(1,), themes=("border-control",))
    session.commit()
    login(client, user)
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Initiatives régionales" in page and "Contrôle des frontières" in page
    search = client.get("/search/").get_data(as_text=True)
    assert "Route du Nord" in search and "Asie centrale" in search
    bulk = client.get("/exchange/bulk").get_data(as_text=True)
    assert "Titre du projet (300 caractères au plus)." in bulk
