"""The fast paths of the number and date filters (used hundreds of times per matrix or results page) give
exactly what Babel gives."""
from __future__ import annotations

import datetime as dt

import pytest
from babel.dates import format_date
from babel.numbers import format_decimal

from adam import formatting


LOCALES = ("en", "fr", "ru", "es")


@pytest.mark.parametrize("locale", LOCALES)
def test_whole_numbers_match_babel(locale):
    for value in (0, 7, 999, 1000, 12_345, 1_000_000, 987_654_321, -4321):
        assert formatting.number(value, locale) == format_decimal(value, locale=locale)


@pytest.mark.parametrize("locale", LOCALES)
def test_other_numbers_still_go_through_babel(locale):
    assert formatting.number(None, locale) == "0"
    assert formatting.number(1234.5, locale) == format_decimal(1234.5, locale=locale)


@pytest.mark.parametrize("locale", LOCALES)
def test_cached_dates_match_babel(locale):
    for value in (dt.date(2024, 1, 31), dt.date(1999, 12, 1), dt.date(2024, 1, 31)):
        assert formatting.date(value, locale) == format_date(value, format="medium", locale=locale)
    moment = dt.datetime(2024, 5, 6, 7, 8)
    assert formatting.date(moment, locale) == format_date(moment, format="medium", locale=locale)
    assert formatting.date(None, locale) == "—"
