"""Report filters (GET, no CSRF: they change nothing) and the decision form (POST, CSRF-protected)."""
from __future__ import annotations

from flask_babel import gettext, lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, HiddenField, IntegerField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from adam.i18n import by_country_name, country_name, translate
from adam.models import DECISIONS, Country, Organisation, Pillar, Region
from adam.overlap.report import DECIDED_CHOICES, ReportFilters


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False

    country = SelectMultipleField(_l("Countries"), coerce=int, validators=[Optional()])
    region = SelectField(_l("Region or route"), coerce=lambda v: int(v) if v not in (None, "", "None") else None,
                         validators=[Optional()])
    pillar = SelectMultipleField(_l("Pillars"), coerce=int, validators=[Optional()])
    donor = SelectMultipleField(_l("Donors"), coerce=int, validators=[Optional()])
    period_start = DateField(_l("From"), validators=[Optional()])
    period_end = DateField(_l("To"), validators=[Optional()])
    min_score = IntegerField(_l("Minimum score"), default=0, validators=[Optional(), NumberRange(0, 100)])
    decided = SelectField(_l("Decisions"), choices=[("undecided", _l("Undecided and re-opened")), ("decided", _l("Decided")),
                                                 ("all", _l("All"))], default="undecided")

    def load_choices(self, session) -> None:  # noqa: ANN001
        self.country.choices = [(c.id, country_name(c)) for c in by_country_name(session.scalars(select(Country)).all())]
        self.region.choices = [("", gettext("Any"))] + [
            (r.id, translate(r.name)) for r in session.scalars(select(Region).where(Region.kind != "dac").order_by(Region.name))]
        self.pillar.choices = [(p.id, f"{p.number}. {translate(p.name)}") for p in session.scalars(select(Pillar).order_by(Pillar.number))]
        self.donor.choices = [(o.id, o.label) for o in session.scalars(
            select(Organisation).where(Organisation.type.in_(["bilateral_donor", "multilateral"])).order_by(Organisation.name))]

    def to_filters(self, organisation_id: int | None) -> ReportFilters:
        decided = self.decided.data if self.decided.data in DECIDED_CHOICES else "undecided"
        return ReportFilters(
            countries=set(self.country.data or []), region_id=self.region.data or None,
            pillars=set(self.pillar.data or []), donors=set(self.donor.data or []),
            period_start=self.period_start.data, period_end=self.period_end.data,
            min_score=self.min_score.data or 0, decided=decided, organisation_id=organisation_id,
        )


class DecisionForm(FlaskForm):
    project_a = HiddenField(validators=[InputRequired(), Regexp(r"^[0-9]{1,9}$")])
    project_b = HiddenField(validators=[InputRequired(), Regexp(r"^[0-9]{1,9}$")])
    decision = SelectField(_l("Decision"), choices=[(key, _l(label)) for key, label in DECISIONS.items()], validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    withdraw = SelectField(_l("Withdraw a record (duplicates only)"),
                           choices=[("", _l("Keep both")), ("a", _l("Withdraw the first")), ("b", _l("Withdraw the second")),
                                    ("merge-a", _l("Merge the first into the second")),
                                    ("merge-b", _l("Merge the second into the first"))],
                           validators=[Optional()])

    # The form offers only valid values: an error means a tampered or outdated request, so one clear sentence per
    # field rather than WTForms' "Project B: This field is required."
    PROBLEMS = {
        "project_a": _l("The pair of projects is missing or not valid: reload the report and try again."),
        "project_b": _l("The pair of projects is missing or not valid: reload the report and try again."),
        "decision": _l("Choose a decision from the list."),
        "withdraw": _l("Choose from the list which record to keep, withdraw or merge."),
    }

    def problems(self) -> list[str]:
        """What is wrong with the request, each problem once, in the interface language."""
        messages = []
        for name, errors in self.errors.items():
            field = getattr(self, name)
            text = str(self.PROBLEMS.get(name) or f"{field.label.text}: {', '.join(errors)}")
            if text not in messages:
                messages.append(text)
        return messages
