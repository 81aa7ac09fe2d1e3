"""Template filters for dates, numbers and money, formatted with Babel for the interface language."""
from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent
from flask import Flask, has_request_context

DEFAULT_LOCALE = "en"


def current_locale() -> str:
    """The request's locale (Flask-Babel's selection), English outside a request (CLI, exports)."""
    if has_request_context():
        from flask_babel import get_locale

        return str(get_locale() or DEFAULT_LOCALE)
    return DEFAULT_LOCALE


@functools.lru_cache(maxsize=16)
def _whole_currency_pattern(locale: str) -> str:
    # The locale's own currency pattern (symbol before or after, spacing), without the cents.
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    return pattern.split(";")[0].replace(".00", "")


def money(amount: Decimal | float | None, currency: str | None = "USD", locale: str | None = None) -> str:
    if amount is None:
        return "—"
    locale = locale or current_locale()
    return format_currency(amount, currency or "USD", locale=locale, format=_whole_currency_pattern(locale),
                           currency_digits=False)


def number(value, locale: str | None = None) -> str:  # noqa: ANN001
    locale = locale or current_locale()
    # Whole numbers in English (counts: hundreds of them in a matrix) skip Babel, whose result for them is
    # Python's own thousands grouping; tests/search/test_formatting_fast_paths.py holds the two equal.
    if locale == "en" and type(value) is int:
        return f"{value:,}"
    return format_decimal(value or 0, locale=locale)


def percent(share: float, locale: str | None = None) -> str:
    """A share (0.78) as a whole percentage in the reader's way: "78%", "78 %" (French), "78 %" (Russian)."""
    return format_percent(share, locale=locale or current_locale())


@functools.lru_cache(maxsize=8192)
def _medium_date(value: dt.date, locale: str) -> str:
    return format_date(value, format="medium", locale=locale)


def date(value: dt.date | None, locale: str | None = None) -> str:
    # Cached: a results page or timeline formats the same few hundred dates again and again.
    if not value:
        return "—"
    locale = locale or current_locale()
    if type(value) is dt.date:
        return _medium_date(value, locale)
    return format_date(value, format="medium", locale=locale)


def datetime(value: dt.datetime | None, locale: str | None = None) -> str:
    return format_datetime(value, format="medium", locale=locale or current_locale()) if value else "—"


def register(app: Flask) -> None:
    app.add_template_filter(money)
    app.add_template_filter(number)
    app.add_template_filter(percent)
    app.add_template_filter(date)
    app.add_template_filter(datetime)
