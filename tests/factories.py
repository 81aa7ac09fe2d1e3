"""Factories for realistic records in tests."""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from sqlalchemy import select

from adam.models import Country, Organisation, Pillar, Project, ProjectFunder, Region, Theme, User

_counter = itertools.count(1)


def country(session, iso3: str) -> Country:
    return session.scalars(select(Country).where(Country.iso3 == iso3)).one()


def region(session, code: str) -> Region:
    return session.scalars(select(Region).where(Region.code == code)).one()


def pillar(session, number: int) -> Pillar:
    return session.scalars(select(Pillar).where(Pillar.number == number)).one()


def theme(session, code: str) -> Theme:
    return session.scalars(select(Theme).where(Theme.code == code)).one()


def organisation(session, acronym_or_name: str, type: str = "bilateral_donor") -> Organisation:
    """An existing organisation by acronym or name, or a new one."""
    found = session.scalars(
        select(Organisation).where((Organisation.acronym == acronym_or_name) | (Organisation.name == acronym_or_name))
    ).first()
    if found:
        return found
    org = Organisation(name=acronym_or_name, type=type)
    session.add(org)
    session.flush()
    return org


def make_user(session, role: str = "focal_point", org: Organisation | str | None = "UK",
              email: str | None = None, password: str = "correct horse battery", **kw) -> User:
    if isinstance(org, str):
        org = organisation(session, org)
    user = User(
        email=email or f"user{next(_counter)}@example.org",
        name=kw.pop("name", f"{role.title()} Tester"),
        role=role,
        organisation=org,
        **kw,
    )
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


def make_project(session, title: str = "Container profiling training for customs officers", *,
                 countries=("TJK",), regions=(), pillars=(1,), themes=("border-control",),
                 donors=("UK",), implementers=("UNODC",), institutions=(),
                 start: dt.date | None = dt.date(2024, 1, 1), end: dt.date | None = dt.date(2024, 12, 31),
                 status: str = "ongoing", activity_type: str | None = "training",
                 budget: Decimal | int | None = 250_000, currency: str | None = "USD",
                 summary: str = "", owner: Organisation | str | None = None, **kw) -> Project:
    project = Project(
        title=title,
        summary=summary,
        status=status,
        activity_type=activity_type,
        planned_start_on=start,
        planned_end_on=end,
        budget_amount=Decimal(budget) if budget is not None else None,
        budget_currency=currency if budget is not None else None,
        budget_usd=Decimal(budget) if budget is not None and currency == "USD" else None,
        **kw,
    )
    project.countries = [country(session, c) for c in countries]
    project.regions = [region(session, r) for r in regions]
    project.pillars = [pillar(session, p) for p in pillars]
    project.themes = [theme(session, t) for t in themes]
    project.funders = [ProjectFunder(organisation=organisation(session, d)) for d in donors]
    project.implementers = [organisation(session, i, "multilateral") for i in implementers]
    project.beneficiary_institutions = [organisation(session, i, "recipient_agency") for i in institutions]
    if owner is not None:
        project.owner_organisation = organisation(session, owner) if isinstance(owner, str) else owner
    session.add(project)
    session.flush()
    return project
