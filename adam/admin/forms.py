"""Administration forms: users, organisations, themes."""
from flask_babel import gettext, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from adam.models import ORGANISATION_TYPES, ROLES


class AdminForm(FlaskForm):
    """Refuses the NUL character in every text field: PostgreSQL cannot store it (a crafted request was a 500)."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field.data, str) and "\x00" in field.data:
                field.errors = [*field.errors, gettext("The text must not contain the NUL character.")]
                valid = False
        return valid


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class UserForm(AdminForm):
    email = StringField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[(key, _l(label)) for key, label in ROLES.items()])
    organisation_id = SelectField(_l("Organisation"), coerce=_optional_int, validators=[Optional()])
    password = PasswordField(_l("Password (new users; leave empty to keep)"), validators=[Optional(), Length(max=200)])
    active = BooleanField(_l("Active"), default=True)


class OrganisationForm(AdminForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=255)])
    acronym = StringField(_l("Acronym"), validators=[Optional(), Length(max=40)])
    type = SelectField(_l("Type"), choices=[(key, _l(label)) for key, label in ORGANISATION_TYPES.items()])
    country_id = SelectField(_l("Country"), coerce=_optional_int, validators=[Optional()])
    iati_identifier = StringField(_l("IATI organisation identifier"), validators=[Optional(), Length(max=120)])
    aliases = TextAreaField(
        _l("Aliases, one per line, optionally prefixed by a language code (fr: ONUDC)"),
        validators=[Optional(), Length(max=10000)],
    )
    active = BooleanField(_l("Active"), default=True)


class ThemeForm(AdminForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    pillar_id = SelectField(_l("Pillar (empty: cross-cutting)"), coerce=_optional_int, validators=[Optional()])
    active = BooleanField(_l("Active"), default=True)


class SiteSettingsForm(AdminForm):
    public_read_only = BooleanField(_l(
        "Open the public read-only view: anyone, without signing in, may search the register, read the matrices, "
        "map and timeline and a project's public facts (no contact person, no change history, no withdrawn "
        "project). Nobody can change anything without signing in."))
