"""The interface languages: locale selection (profile, then the session's choice, then Accept-Language, then English),
translation of labels that come from data, and country names."""
from __future__ import annotations

import gettext as gettext_catalogues
from functools import lru_cache
from pathlib import Path

import pycountry
from flask import Flask, has_request_context, request, session
from babel.lists import format_list
from flask_babel import get_locale, gettext, ngettext, refresh
from flask_login import current_user

from adam.extensions import babel
from adam.formatting import number, percent
from adam.messages import N_, Amount, Listing, Message, Percent, message_from_data
from adam.textfold import fold


# The working languages of the partnership, in the order the switcher shows them (each in its own language).
LANGUAGES = {"en": "English", "fr": "Français", "ru": "Русский", "es": "Español"}
DEFAULT_LANGUAGE = "en"

# Words that reach the pages as data (overlap labels, history actions, import states, headers of the print views),
# for the catalogue; the templates show them through the `tr` filter.
DATA_LABELS = (
    N_("possible overlap"), N_("likely duplicate"),
    N_("Created"), N_("Updated"), N_("Withdrawn"), N_("Restored"), N_("Merged"),
    N_("queued"), N_("running"), N_("done"), N_("failed"), N_("interrupted"),
    N_("created"), N_("updated"), N_("unchanged"), N_("rejected"), N_("warning"), N_("error"),
    N_("Country x pillar"), N_("Donor x country"), N_("Projects by country"),
    N_("ID"), N_("Start"), N_("End"), N_("Group"), N_("Lane"), N_("Regions"),
    N_("Rank"), N_("Score"), N_("Label"), N_("State"), N_("Evidence"),
    N_("Project A id"), N_("Project A title"), N_("Project A donors"), N_("Project A countries"), N_("Project A dates"),
    N_("Project B id"), N_("Project B title"), N_("Project B donors"), N_("Project B countries"), N_("Project B dates"),
    # audit log events, shown as "user created"
    N_("api token created"), N_("api token revoked"), N_("login"), N_("login failed"), N_("login locked"),
    N_("password changed"), N_("password reset"), N_("permissions changed"), N_("user created"),
    N_("public view opened"), N_("public view closed"),
)
SESSION_KEY = "language"


def translate(value) -> str:  # noqa: ANN001
    """A label that comes from data (a status, a role, a seeded pillar or theme name) in the interface language;
    text the catalogue does not know stays as it is. Unlike _() in a template, the result is escaped as usual."""
    if value is None or value == "":
        return ""
    if isinstance(value, dict):  # a Message as stored data (Message.as_data)
        value = message_from_data(value)
    if isinstance(value, Message):
        # Parameters that are Messages themselves (a filter's name in "Ignored %(label)s …") are translated too,
        # and numbers are written the reader's way.
        params = {k: _parameter(v) for k, v in value.params.items()}
        if value.plural is not None:
            return ngettext(value.msgid, value.plural, **params)
        return gettext(value.msgid, **params)
    return gettext(str(value))


def _parameter(value):  # noqa: ANN001, ANN202
    if isinstance(value, Message):
        return translate(value)
    if isinstance(value, Percent):
        return percent(float(value))  # as a plain float: Babel reads str(value)
    if isinstance(value, Amount):
        return number(round(value))
    if isinstance(value, Listing):
        return format_list([translate(name) for name in value], locale=current_language())
    return value


def translate_error(error: Exception) -> str:
    """An exception's messages in the interface language (domain errors carry English text or Messages)."""
    return " ".join(translate(arg) for arg in error.args if isinstance(arg, str)) or str(error)


def select_locale() -> str:
    """The user's profile language, then the one chosen in this session, then the browser's best match."""
    user = current_user
    if user.is_authenticated and getattr(user, "language", None) in LANGUAGES:
        return user.language
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT_LANGUAGE)


def current_language() -> str:
    return str(get_locale() or DEFAULT_LANGUAGE).split("_")[0]


@lru_cache(maxsize=8)
def _iso3166(language: str) -> gettext_catalogues.NullTranslations:
    return gettext_catalogues.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True)


@lru_cache(maxsize=8)
def _adam_catalogue(language: str) -> gettext_catalogues.NullTranslations:
    return gettext_catalogues.translation("messages", str(Path(__file__).parent / "translations"), languages=[language],
                                          fallback=True)


@lru_cache(maxsize=2048)
def _country_name(iso3: str, language: str, default: str) -> str:
    # ADAM's short names (Iran, Syria, Lao PDR) are in its own catalogue; the rest in ISO 3166's.
    own = _adam_catalogue(language).gettext(default)
    if own != default:
        return own
    record = pycountry.countries.get(alpha_3=iso3) if iso3 else None
    if record is None:
        return default
    catalogue = _iso3166(language)
    # ISO 3166's catalogues translate the short common name where there is one, and the name always.
    for msgid in (getattr(record, "common_name", None), record.name):
        if msgid:
            translated = catalogue.gettext(msgid)
            if translated != msgid:
                return translated
    return default


def country_name(country, language: str | None = None) -> str:  # noqa: ANN001
    """A country's name in the interface language (pycountry's ISO 3166 catalogues); in English, ADAM's own name.

    Takes a Country (or anything with iso3 and name) or a (iso3, name) pair."""
    iso3, name = (country if isinstance(country, tuple) else (getattr(country, "iso3", None), getattr(country, "name", "")))
    language = language or (current_language() if has_request_context() else DEFAULT_LANGUAGE)
    if language == DEFAULT_LANGUAGE or not iso3:
        return name
    return _country_name(iso3, language, name)


def by_country_name(countries, language: str | None = None) -> list:  # noqa: ANN001
    """Countries in the alphabetical order of their names in the interface language (accents aside: Égypte
    is among the E, not after Zimbabwe)."""
    return sorted(countries, key=lambda c: fold(country_name(c, language)))


def register(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_locale)

    @app.before_request
    def _fresh_locale() -> None:
        # Flask-Babel caches the locale on the app context, which outlives one request when a test (or a CLI
        # command) already holds one: choose again for every request.
        refresh()

    @app.context_processor
    def language_helpers():
        return {"languages": LANGUAGES, "current_language": current_language, "country_name": country_name}

    app.add_template_filter(country_name, "country")
    app.add_template_filter(translate, "tr")
    app.add_template_filter(by_country_name)
    app.jinja_env.policies["ext.i18n.trimmed"] = True
