"""Template filters for dates and money, formatted with Babel."""
from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from flask import Flask

LOCALE = "en"


def money(amount: Decimal | float | None, currency: str | None = "USD") -> str:
    if amount is None:
        return "—"
    return format_currency(amount, currency or "USD", locale=LOCALE, format="¤#,##0", currency_digits=False)


def number(value) -> str:
    # Whole numbers in English (counts: hundreds of them in a matrix) skip Babel, whose result for them is
    # Python's own thousands grouping; tests/test_formatting.py holds the two equal.
    if LOCALE == "en" and type(value) is int:
        return f"{value:,}"
    return format_decimal(value or 0, locale=LOCALE)


@functools.lru_cache(maxsize=8192)
def _medium_date(value: dt.date, locale: str) -> str:
    return format_date(value, format="medium", locale=locale)


def date(value: dt.date | None) -> str:
    # Cached: a results page or timeline formats the same few hundred dates again and again.
    if not value:
        return "—"
    if type(value) is dt.date:
        return _medium_date(value, LOCALE)
    return format_date(value, format="medium", locale=LOCALE)


def datetime(value: dt.datetime | None) -> str:
    return format_datetime(value, format="medium", locale=LOCALE) if value else "—"


def register(app: Flask) -> None:
    app.add_template_filter(money)
    app.add_template_filter(number)
    app.add_template_filter(date)
    app.add_template_filter(datetime)
