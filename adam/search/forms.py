"""The one state-changing form of the search feature: which countries a user follows on the dashboard."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import SelectMultipleField, SubmitField

from adam.i18n import by_country_name, country_name
from adam.models import Country


class FollowCountriesForm(FlaskForm):
    countries = SelectMultipleField(_l("Countries I follow"), coerce=int, validate_choice=True)
    submit = SubmitField(_l("Save"))


def follow_form(session: Session, selected: list[int] | None = None) -> FollowCountriesForm:
    form = FollowCountriesForm(countries=selected)
    form.countries.choices = [(c.id, country_name(c)) for c in by_country_name(session.scalars(select(Country)).all())]
    return form
