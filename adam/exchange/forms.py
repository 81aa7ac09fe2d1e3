"""Forms of the exchange pages (Flask-WTF: every POST carries a CSRF token)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField


class IatiUploadForm(FlaskForm):
    file = FileField(_l("IATI activity file (XML)"), validators=[
        FileRequired(_l("Choose an IATI XML file.")), FileAllowed(["xml"], _l("Upload an .xml file."))])
    default_country = SelectField(_l("Country for activities that name none"), choices=[], default="",
                                  validate_choice=True)
    ignore_links = BooleanField(_l("Do not record links to other activities"))


class BulkUploadForm(FlaskForm):
    file = FileField(_l("Spreadsheet (CSV or XLSX)"), validators=[
        FileRequired(_l("Choose a spreadsheet.")), FileAllowed(["csv", "xlsx"], _l("Upload a .csv or .xlsx file."))])


class BulkCommitForm(FlaskForm):
    token = HiddenField()
