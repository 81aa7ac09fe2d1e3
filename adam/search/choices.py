"""Options of the search form's lists (countries, regions, organisations, pillars, themes). No Flask."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

from markupsafe import Markup, escape

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from adam.messages import N_
from adam.models import ACTIVITY_TYPES, STATUSES, Country, Organisation, Pillar, ProjectFunder, Region, Theme
from adam.models.project import project_countries, project_implementers, project_institutions
from adam.textfold import fold

REGION_KINDS = {"route": N_("Trafficking routes"), "geographic": N_("Regions"), "dac": N_("DAC regions")}


@dataclasses.dataclass
class SearchChoices:
    countries: list[tuple[str, str]]
    regions: list[tuple[str, list[tuple[str, str]]]]
    donors: list[tuple[str, str]]
    implementers: list[tuple[str, str]]
    institutions: list[tuple[str, str]]
    pillars: list[tuple[str, str]]
    themes: list[tuple[str, str]]
    activity_types: list[tuple[str, str]]
    statuses: list[tuple[str, str]]
    _html: dict = dataclasses.field(default_factory=dict, repr=False, compare=False)

    def options_html(self, name: str, selected) -> Markup:
        """The <option> elements of one list, rendered once per set of choices (they are cached with it):
        a few hundred institutions and countries made the filter form the costliest part of the page."""
        html = self._html.get(name)
        if html is None:
            html = "".join(f'<option value="{escape(value)}">{escape(text)}</option>'
                           for value, text in getattr(self, name))
            self._html[name] = html
        for value in selected:
            marker = f'<option value="{escape(str(value))}">'
            html = html.replace(marker, marker[:-1] + " selected>", 1)
        return Markup(html)


def _organisations(session: Session, link_column) -> list[tuple[str, str]]:
    # EXISTS per organisation (a probe of the link's organisation index) rather than IN over the whole
    # link table: a few hundred index probes instead of a scan of every project's links.
    rows = session.execute(
        select(Organisation.id, Organisation.name, Organisation.acronym)
        .where(exists().where(link_column == Organisation.id)).order_by(Organisation.name)
    )
    return [(str(i), f"{name} ({acronym})" if acronym else name) for i, name, acronym in rows]


def _same(text: str) -> str:
    return text


def _same_country(iso3: str, name: str) -> str:
    return name


def search_choices(session: Session, translate: Callable[[str], str] = _same,
                   country_name: Callable[[str, str], str] = _same_country) -> SearchChoices:
    """Countries and organisations that appear on at least one project, so the lists stay short.

    `translate` and `country_name` give the labels in the interface language (English by default)."""
    countries = sorted(((iso, country_name(iso, name)) for iso, name in session.execute(
        select(Country.iso3, Country.name).where(exists().where(project_countries.c.country_id == Country.id)))),
        key=lambda c: fold(c[1]))  # accents aside: Émirats arabes unis among the E
    regions = []
    for kind, label in REGION_KINDS.items():
        rows = session.execute(select(Region.code, Region.name).where(Region.kind == kind).order_by(Region.name)).all()
        if rows:
            regions.append((translate(label), [(code, translate(name)) for code, name in rows]))
    themes = []
    for code, name, number in session.execute(
        select(Theme.code, Theme.name, Pillar.number).outerjoin(Pillar, Pillar.id == Theme.pillar_id)
        .where(Theme.active.is_(True)).order_by(Pillar.number.is_(None), Pillar.number, Theme.name)
    ):
        themes.append((code, f"{number}. {translate(name)}" if number else f"{translate('Cross-cutting')}: {translate(name)}"))
    return SearchChoices(
        countries=countries,
        regions=regions,
        donors=_organisations(session, ProjectFunder.organisation_id),
        implementers=_organisations(session, project_implementers.c.organisation_id),
        institutions=_organisations(session, project_institutions.c.organisation_id),
        pillars=[(str(n), f"{n}. {translate(name)}") for n, name in session.execute(select(Pillar.number, Pillar.name).order_by(Pillar.number))],
        themes=themes,
        activity_types=[(key, translate(label)) for key, label in ACTIVITY_TYPES.items()],
        statuses=[(key, translate(label)) for key, label in STATUSES.items()],
    )
