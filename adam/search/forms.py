"""The one state-changing form of the search feature: which countries a user follows on the dashboard."""
from __future__ import annotations

from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import SelectMultipleField, SubmitField

from adam.models import Country


class FollowCountriesForm(FlaskForm):
    countries = SelectMultipleField("Countries I follow", coerce=int, validate_choice=True)
    submit = SubmitField("Save")


def follow_form(session: Session, selected: list[int] | None = None) -> FollowCountriesForm:
    form = FollowCountriesForm(countries=selected)
    form.countries.choices = [(cid, name) for cid, name in session.execute(select(Country.id, Country.name).order_by(Country.name))]
    return form
