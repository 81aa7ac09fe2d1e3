"""Organisations (donors, implementers, beneficiary institutions) and their aliases."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from adam.messages import N_
from adam.models.base import Base, utcnow
from adam.models.reference import Country
from adam.textfold import fold

ORGANISATION_TYPES = {
    "bilateral_donor": N_("Bilateral donor"),
    "multilateral": N_("Multilateral organisation"),
    "ngo": N_("Non-governmental organisation"),
    "recipient_agency": N_("Recipient-government agency"),
    "other": N_("Other"),
}
ALIAS_LANGUAGES = ("en", "fr", "ru", "es")


def normalise_name(name: str) -> str:
    """Case-, accent- and space-insensitive key used to match organisation names and aliases."""
    return " ".join(fold(name).replace(".", " ").replace(",", " ").split())


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    acronym: Mapped[str | None] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(30), default="other")
    country_id: Mapped[int | None] = mapped_column(ForeignKey("countries.id"))
    iati_identifier: Mapped[str | None] = mapped_column(String(120), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    country: Mapped[Country | None] = relationship()
    aliases: Mapped[list["OrganisationAlias"]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="OrganisationAlias.alias"
    )

    @property
    def label(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    @property
    def type_label(self) -> str:
        return ORGANISATION_TYPES.get(self.type, self.type)

    def __repr__(self) -> str:
        return f"<Organisation {self.acronym or self.name}>"


class OrganisationAlias(Base):
    """Another name of an organisation ("ONUDC", "УНП ООН"), matched through its normalised key."""

    __tablename__ = "organisation_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(255))
    key: Mapped[str] = mapped_column(String(255), unique=True)
    language: Mapped[str | None] = mapped_column(String(5))

    organisation: Mapped[Organisation] = relationship(back_populates="aliases")
