"""The project form: WTForms with CSRF; choices come from reference data at request time."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext, lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from adam.i18n import by_country_name, country_name, translate
from adam.models import ACTIVITY_TYPES, STATUSES, Country, Currency, Organisation, Pillar, Project, Region, Theme
from adam.projects.operations import DonorInput, ProjectInput

DONOR_ROWS = 3
LINK_ROWS = 2


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes: quicker to read and use than a multi-select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class DonorRow(Form):
    organisation_id = SelectField(_l("Donor"), coerce=_optional_int, validators=[Optional()], validate_choice=False)
    amount = DecimalField(_l("Amount"), places=2, validators=[Optional(), NumberRange(min=0, message=_l("Must not be negative."))])


class LinkRow(Form):
    # Read the label as row.form.label: on the FormField row itself, .label is the row's own caption (wtforms.Label).
    url = StringField(_l("Link"), validators=[Optional(), Length(max=1000)])
    label = StringField(_l("Label"), validators=[Optional(), Length(max=200)])


class ProjectForm(FlaskForm):
    _country_codes: dict[str, int] | None = None
    _donor_choices: list[tuple] = []  # set by load_choices
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    summary = TextAreaField(_l("Summary and objectives"), validators=[Optional(), Length(max=5000)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=50000)])
    countries = SelectMultipleField(_l("Recipient countries"), coerce=int)
    regions = SelectMultipleField(_l("Recipient regions or routes"), coerce=int)
    pillars = MultiCheckboxField(_l("Pillars"), coerce=int)
    themes = MultiCheckboxField(_l("Themes"), coerce=int)
    donors = FieldList(FormField(DonorRow), min_entries=DONOR_ROWS)
    implementers = SelectMultipleField(_l("Implementing organisations"), coerce=int)
    institutions = SelectMultipleField(_l("Beneficiary institutions"), coerce=int)
    places = TextAreaField(
        _l("Places within the countries"),
        validators=[Optional(), Length(max=5000)],
        description=_l("One per line; start with the country code when the project has several, e.g. TJK: Khorog."),
    )
    activity_type = SelectField(_l("Activity type"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=[(key, _l(label)) for key, label in STATUSES.items()])
    planned_start_on = DateField(_l("Planned start"), validators=[Optional()])
    planned_end_on = DateField(_l("Planned end"), validators=[Optional()])
    actual_start_on = DateField(_l("Actual start"), validators=[Optional()])
    actual_end_on = DateField(_l("Actual end"), validators=[Optional()])
    budget_amount = DecimalField(_l("Budget"), places=2, validators=[Optional(), NumberRange(min=0, message=_l("The budget must not be negative."))])
    budget_currency = SelectField(_l("Currency"), validators=[Optional()])
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=200)])
    contact_email = StringField(_l("Contact e-mail"), validators=[Optional(), Email(), Length(max=254)])
    iati_identifier = StringField(_l("IATI identifier"), validators=[Optional(), Length(max=200)])
    links = FieldList(FormField(LinkRow), min_entries=LINK_ROWS)
    version = IntegerField(validators=[Optional()])
    # Set by the "Save anyway" button once the user has seen the possible overlaps.
    confirm_overlaps = BooleanField(_l("I have reviewed the possible overlaps and want to save"))

    def load_choices(self, session: Session, project: Project | None = None) -> None:
        """Active themes and organisations, and those the project being edited names already: one deactivated
        after it was named stays offered (and chosen), or saving any other change would silently drop it."""
        named_themes = [t.id for t in project.themes] if project is not None else []
        named_orgs = [*project.organisation_ids(), *(o.id for o in project.beneficiary_institutions)] \
            if project is not None else []
        countries = by_country_name(session.scalars(select(Country)).all())
        self.countries.choices = [(c.id, country_name(c)) for c in countries]
        self._country_codes = {c.iso3: c.id for c in countries} | {c.iso2: c.id for c in countries}
        self._country_iso3 = {c.id: c.iso3 for c in countries}
        self.regions.choices = [
            (r.id, translate(r.name) + (" (" + gettext("route") + ")" if r.kind == "route" else "")) for r in session.scalars(select(Region).order_by(Region.kind.desc(), Region.name))
        ]
        self.pillars.choices = [(p.id, f"{p.number}. {translate(p.name)}") for p in session.scalars(select(Pillar).order_by(Pillar.number))]
        themes = session.scalars(select(Theme).where(Theme.active.is_(True) | Theme.id.in_(named_themes))
                                 .order_by(Theme.name)).all()
        self.themes.choices = [(t.id, translate(t.name) + (" (" + gettext("cross-cutting") + ")" if t.pillar_id is None else ""))
                               for t in themes]
        organisations = session.scalars(select(Organisation).where(
            Organisation.active.is_(True) | Organisation.id.in_(named_orgs)).order_by(Organisation.name)).all()
        funders = [(o.id, o.label) for o in organisations if o.type != "recipient_agency"]
        self.implementers.choices = [(o.id, o.label) for o in organisations]
        self.institutions.choices = [(o.id, o.label) for o in organisations if o.type in ("recipient_agency", "other", "ngo")]
        self._donor_choices = [("", "—")] + funders
        self._offer_donors()
        self.activity_type.choices = [("", "—")] + [(key, gettext(label)) for key, label in ACTIVITY_TYPES.items()]
        currencies = session.scalars(select(Currency).order_by(Currency.code)).all()
        common = ["USD", "EUR", "GBP", "CHF", "NOK", "JPY", "RUB"]
        self.budget_currency.choices = [("", "—")] + [(c, c) for c in common] + [
            (c.code, f"{c.code} {c.name}") for c in currencies if c.code not in common
        ]

    def _offer_donors(self) -> None:
        """Give every donor row the choice of donors, rows appended after load_choices included."""
        for row in self.donors:
            row.organisation_id.choices = self._donor_choices

    def fill_donor_rows(self) -> None:
        """Keep a few empty donor and link rows so that more can be added without JavaScript."""
        while len([r for r in self.donors if r.organisation_id.data]) + DONOR_ROWS > len(self.donors):
            self.donors.append_entry()
        while len([r for r in self.links if r.url.data]) + LINK_ROWS > len(self.links):
            self.links.append_entry()
        self._offer_donors()

    def to_input(self) -> ProjectInput:
        return ProjectInput(
            title=self.title.data or "",
            summary=self.summary.data or "",
            description=self.description.data or "",
            activity_type=self.activity_type.data or None,
            status=self.status.data,
            planned_start_on=self.planned_start_on.data,
            planned_end_on=self.planned_end_on.data,
            actual_start_on=self.actual_start_on.data,
            actual_end_on=self.actual_end_on.data,
            budget_amount=Decimal(self.budget_amount.data) if self.budget_amount.data is not None else None,
            budget_currency=self.budget_currency.data or None,
            contact_name=self.contact_name.data or "",
            contact_email=self.contact_email.data or "",
            iati_identifier=self.iati_identifier.data or None,
            country_ids=self.countries.data or [],
            region_ids=self.regions.data or [],
            pillar_ids=self.pillars.data or [],
            theme_ids=self.themes.data or [],
            donors=[
                DonorInput(row.organisation_id.data, row.amount.data)
                for row in self.donors
                if row.organisation_id.data
            ],
            implementer_ids=self.implementers.data or [],
            institution_ids=self.institutions.data or [],
            links=[(row.url.data.strip(), (row.form.label.data or "").strip()) for row in self.links if row.url.data and row.url.data.strip()],
            locations=self.parse_places(),
        )

    def parse_places(self) -> list[tuple[int | None, str]]:
        """'TJK: Khorog' -> (Tajikistan's id, 'Khorog'); a bare name belongs to the only country, if there is one."""
        by_code = self._country_codes or {}
        countries = self.countries.data or []
        places = []
        for line in (self.places.data or "").splitlines():
            line = line.strip()
            if not line:
                continue
            code, _, rest = line.partition(":")
            if rest and code.strip().upper() in by_code:
                places.append((by_code[code.strip().upper()], rest.strip()))
            else:
                places.append((countries[0] if len(countries) == 1 else None, line))
        return places

    def fill_from_input(self, data: ProjectInput) -> None:
        for name in ("title", "summary", "description", "status", "planned_start_on", "planned_end_on",
                     "actual_start_on", "actual_end_on", "budget_amount", "contact_name", "contact_email",
                     "iati_identifier"):
            getattr(self, name).data = getattr(data, name)
        self.activity_type.data = data.activity_type or ""
        self.budget_currency.data = data.budget_currency or ""
        self.countries.data = data.country_ids
        self.regions.data = data.region_ids
        self.pillars.data = data.pillar_ids
        self.themes.data = data.theme_ids
        self.implementers.data = data.implementer_ids
        self.institutions.data = data.institution_ids
        iso3 = getattr(self, "_country_iso3", {})
        self.places.data = "\n".join(
            (f"{iso3[c]}: {n}" if c in iso3 and len(data.country_ids) > 1 else n) for c, n in data.locations
        )
        while len(self.donors) < len(data.donors):
            self.donors.append_entry()
        self._offer_donors()
        for row, donor in zip(self.donors, data.donors):
            row.organisation_id.data = donor.organisation_id
            row.amount.data = donor.amount
        while len(self.links) < len(data.links):
            self.links.append_entry()
        for row, (url, label) in zip(self.links, data.links):
            row.url.data, row.form.label.data = url, label

    def apply_errors(self, errors: dict[str, list[str]]) -> None:
        """Attach domain-rule messages to the matching fields (or to the form when no field matches)."""
        mapping = {"locations": self.places, "countries": self.countries, "regions": self.regions, "pillars": self.pillars, "themes": self.themes,
                   "implementers": self.implementers, "institutions": self.institutions}
        for key, messages in errors.items():
            messages = [translate(m) for m in messages]  # domain rules speak English; the page speaks the user's
            target = mapping.get(key) or getattr(self, key, None)
            if key in ("donors", "links"):
                self.form_errors.extend(messages)
            elif target is not None and hasattr(target, "errors") and isinstance(target.errors, list):
                target.errors.extend(messages)
            else:
                self.form_errors.extend(messages)


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("Say why the project is withdrawn.")), Length(max=2000)])
    version = IntegerField(validators=[Optional()])


class ListFilterForm(Form):
    """GET filters for the project list (no CSRF: it changes nothing)."""

    country = SelectField(_l("Country"), coerce=_optional_int, validators=[Optional()], validate_choice=False)
    donor = SelectField(_l("Donor"), coerce=_optional_int, validators=[Optional()], validate_choice=False)
    pillar = SelectField(_l("Pillar"), coerce=_optional_int, validators=[Optional()], validate_choice=False)
    status = SelectField(_l("Status"), validators=[Optional()], validate_choice=False)
    sort = SelectField(_l("Sort by"), validators=[Optional()], validate_choice=False)
