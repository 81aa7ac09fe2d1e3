"""The one state-changing form of the search feature: which countries a user follows on the dashboard."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, SubmitField


class FollowCountriesForm(FlaskForm):
    countries = SelectMultipleField("Countries I follow", coerce=int, validate_choice=True)
    submit = SubmitField("Save")
