"""Template filters for dates and money, formatted with Babel."""
from __future__ import annotations

import datetime as dt
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
    return format_decimal(value or 0, locale=LOCALE)


def date(value: dt.date | None) -> str:
    return format_date(value, format="medium", locale=LOCALE) if value else "—"


def datetime(value: dt.datetime | None) -> str:
    return format_datetime(value, format="medium", locale=LOCALE) if value else "—"


def register(app: Flask) -> None:
    app.add_template_filter(money)
    app.add_template_filter(number)
    app.add_template_filter(date)
    app.add_template_filter(datetime)
