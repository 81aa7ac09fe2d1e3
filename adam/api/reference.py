"""/api/v1 reference data: countries, regions, organisations, pillars, themes and currencies (read-only)."""
from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from adam.api.auth import api_user, authenticate_request
from adam.api.blueprint import Blueprint
from adam.api.schemas import (
    CountrySchema,
    CurrencySchema,
    MeSchema,
    OrganisationSchema,
    PillarSchema,
    ReferenceQuerySchema,
    RegionSchema,
    ThemeSchema,
)
from adam.extensions import db
from adam.models import Country, Currency, Organisation, OrganisationAlias, Pillar, Region, Theme, normalise_name

blp = Blueprint("api_reference", __name__, url_prefix="/", description="Reference data (ids to use in projects)")
blp.before_request(authenticate_request)


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@blp.route("/countries")
@blp.arguments(ReferenceQuerySchema, location="query")
@blp.response(200, CountrySchema(many=True))
def countries(args: dict):
    """ISO 3166 countries, by name."""
    query = select(Country).order_by(Country.name)
    if args.get("q"):
        pattern = _like(args["q"])
        query = query.where(or_(func.lower(Country.name).like(pattern, escape="\\"),
                                func.lower(Country.iso3) == args["q"].lower()))
    return db.session.scalars(query).all()


@blp.route("/regions")
@blp.response(200, RegionSchema(many=True))
def regions():
    """Regions, trafficking routes and DAC regions, each with its member countries."""
    return db.session.scalars(select(Region).options(selectinload(Region.countries)).order_by(Region.name)).all()


@blp.route("/organisations")
@blp.arguments(ReferenceQuerySchema, location="query")
@blp.response(200, OrganisationSchema(many=True))
def organisations(args: dict):
    """Active organisations (donors, implementers, beneficiary institutions); q matches names, acronyms, aliases."""
    query = (select(Organisation).where(Organisation.active.is_(True))
             .options(selectinload(Organisation.aliases), selectinload(Organisation.country))
             .order_by(Organisation.name))
    if args.get("q"):
        pattern = _like(args["q"])
        alias_ids = select(OrganisationAlias.organisation_id).where(
            OrganisationAlias.key.like(_like(normalise_name(args["q"])), escape="\\"))
        query = query.where(or_(func.lower(Organisation.name).like(pattern, escape="\\"),
                                func.lower(Organisation.acronym).like(pattern, escape="\\"),
                                Organisation.id.in_(alias_ids)))
    return db.session.scalars(query).all()


@blp.route("/pillars")
@blp.response(200, PillarSchema(many=True))
def pillars():
    """The four pillars of the Vienna Declaration."""
    return db.session.scalars(select(Pillar).order_by(Pillar.number)).all()


@blp.route("/themes")
@blp.response(200, ThemeSchema(many=True))
def themes():
    """Themes under the pillars, and the cross-cutting ones (pillar null)."""
    return db.session.scalars(select(Theme).options(selectinload(Theme.pillar)).order_by(Theme.name)).all()


@blp.route("/currencies")
@blp.response(200, CurrencySchema(many=True))
def currencies():
    """ISO 4217 currencies with an indicative USD rate where known."""
    return db.session.scalars(select(Currency).order_by(Currency.code)).all()


@blp.route("/me")
@blp.response(200, MeSchema)
def me():
    """The account the token belongs to: its role and organisation decide what it may change."""
    return api_user()
