"""Reference data: countries, regions and routes, currencies, pillars and themes."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, Column, ForeignKey, Integer, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from adam.models.base import Base

region_countries = Table(
    "region_countries",
    Base.metadata,
    Column("region_id", ForeignKey("regions.id", ondelete="CASCADE"), primary_key=True),
    Column("country_id", ForeignKey("countries.id", ondelete="CASCADE"), primary_key=True),
)


class Country(Base):
    __tablename__ = "countries"

    id: Mapped[int] = mapped_column(primary_key=True)
    iso3: Mapped[str] = mapped_column(String(3), unique=True)
    iso2: Mapped[str] = mapped_column(String(2), unique=True)
    numeric: Mapped[str | None] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(120))

    regions: Mapped[list["Region"]] = relationship(
        secondary=region_countries, back_populates="countries", order_by="Region.name"
    )

    def __repr__(self) -> str:
        return f"<Country {self.iso3}>"


class Region(Base):
    """A named group of countries: a geographic region, a trafficking route or an IATI/DAC region."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    # geographic | route | dac
    kind: Mapped[str] = mapped_column(String(20), default="geographic")
    # A DAC region such as 998 "developing countries, unspecified" covers every country.
    is_global: Mapped[bool] = mapped_column(Boolean, default=False)

    countries: Mapped[list[Country]] = relationship(
        secondary=region_countries, back_populates="regions", order_by="Country.name"
    )

    def __repr__(self) -> str:
        return f"<Region {self.code}>"


class Currency(Base):
    __tablename__ = "currencies"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # Indicative units of USD per unit of this currency; None when unknown.
    usd_rate: Mapped[Decimal | None] = mapped_column(Numeric(18, 8))


class Pillar(Base):
    """One of the four pillars of the Vienna Declaration (2012)."""

    __tablename__ = "pillars"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")

    themes: Mapped[list["Theme"]] = relationship(back_populates="pillar", order_by="Theme.name")


class Theme(Base):
    """A finer subject under a pillar, or cross-cutting when it has no pillar."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    pillar_id: Mapped[int | None] = mapped_column(ForeignKey("pillars.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    pillar: Mapped[Pillar | None] = relationship(back_populates="themes")

    @property
    def cross_cutting(self) -> bool:
        return self.pillar_id is None
