"""Forms of the exchange pages (Flask-WTF: every POST carries a CSRF token)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField


class IatiUploadForm(FlaskForm):
    file = FileField("IATI activity file (XML)", validators=[
        FileRequired("Choose an IATI XML file."), FileAllowed(["xml"], "Upload an .xml file.")])
    default_country = SelectField("Country for activities that name none", choices=[], default="",
                                  validate_choice=True)
    ignore_links = BooleanField("Do not record links to other activities")


class BulkUploadForm(FlaskForm):
    file = FileField("Spreadsheet (CSV or XLSX)", validators=[
        FileRequired("Choose a spreadsheet."), FileAllowed(["csv", "xlsx"], "Upload a .csv or .xlsx file.")])


class BulkCommitForm(FlaskForm):
    token = HiddenField()
