"""Login, profile and language forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from adam.i18n import LANGUAGES


class LoginForm(FlaskForm):
    email = StringField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in"))


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10, max=200)])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("new", message=_l("The two new passwords differ."))])


class LanguageForm(FlaskForm):
    """The header's switcher and the profile's setting; the empty choice goes back to the browser's language."""

    # Each language is named in itself, so that anyone can find theirs whatever the page's language.
    language = SelectField(_l("Language"), choices=[("", _l("The browser's language"))] + list(LANGUAGES.items()),
                           validators=[Length(max=5)])
    next = HiddenField()
