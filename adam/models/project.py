"""The project register: a technical-assistance project and who funds, implements and benefits from it."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from adam.models.base import Base, utcnow
from adam.models.organisation import Organisation
from adam.models.reference import Country, Currency, Pillar, Region, Theme
from adam.project_vocabulary import ACTIVITY_TYPES, STATUSES  # noqa: F401 (read from here by other modules)

# STATUSES and ACTIVITY_TYPES live in adam.project_vocabulary (plain data: the IATI parse workers read them
# without loading the database layer); imported here for everything that reads them from the model.


def _link_table(name: str, target: str, column: str) -> Table:
    return Table(
        name,
        Base.metadata,
        Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        Column(column, ForeignKey(f"{target}.id", ondelete="CASCADE"), primary_key=True),
        # The reverse lookup (projects of a country, of a pillar...) reads this index alone, since it holds
        # project_id too: search filters and matrices never visit the table (migration 0004_search_perf).
        Index(f"ix_{name}_{column}_project_id", column, "project_id"),
    )


project_countries = _link_table("project_countries", "countries", "country_id")
project_regions = _link_table("project_regions", "regions", "region_id")
project_pillars = _link_table("project_pillars", "pillars", "pillar_id")
project_themes = _link_table("project_themes", "themes", "theme_id")
project_implementers = _link_table("project_implementers", "organisations", "organisation_id")
project_institutions = _link_table("project_institutions", "organisations", "organisation_id")


class ProjectLabels:
    """Labels shared by the Project model and the light rows of search results (adam/search/query.py); both
    have withdrawn_at, status and activity_type."""

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def activity_type_label(self) -> str:
        return ACTIVITY_TYPES.get(self.activity_type or "", "")


class Project(ProjectLabels, Base):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("budget_amount IS NULL OR budget_amount >= 0", name="budget_not_negative"),
        CheckConstraint(
            "planned_end_on IS NULL OR planned_start_on IS NULL OR planned_end_on >= planned_start_on",
            name="planned_dates_ordered",
        ),
        CheckConstraint(
            "actual_end_on IS NULL OR actual_start_on IS NULL OR actual_end_on >= actual_start_on",
            name="actual_dates_ordered",
        ),
        Index("ix_projects_starts_on_ends_on", "starts_on", "ends_on"),
        Index("ix_projects_budget_usd", "budget_usd"),  # budget sorts and ranges (0004_search_perf)
        # The overlap register index reloads the projects saved since it was built (adam/overlap/index.py).
        Index("ix_projects_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    activity_type: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="pipeline", index=True)

    planned_start_on: Mapped[dt.date | None] = mapped_column(Date)
    planned_end_on: Mapped[dt.date | None] = mapped_column(Date)
    actual_start_on: Mapped[dt.date | None] = mapped_column(Date)
    actual_end_on: Mapped[dt.date | None] = mapped_column(Date)
    # Effective range (actual where known, else planned), kept by a flush hook for range queries.
    starts_on: Mapped[dt.date | None] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)

    budget_amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    budget_currency: Mapped[str | None] = mapped_column(ForeignKey("currencies.code"))
    budget_usd: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))

    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    iati_identifier: Mapped[str | None] = mapped_column(String(200), unique=True)
    # Language of the title and summary (ISO 639-1), so that text is compared within one language.
    language: Mapped[str | None] = mapped_column(String(5))

    # The organisation whose focal point registered the project (also allowed to edit it).
    owner_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="")

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}

    currency: Mapped[Currency | None] = relationship()
    owner_organisation: Mapped[Organisation | None] = relationship(foreign_keys=[owner_organisation_id])
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])  # noqa: F821
    updated_by: Mapped["User | None"] = relationship(foreign_keys=[updated_by_id])  # noqa: F821

    funders: Mapped[list["ProjectFunder"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectFunder.id"
    )
    implementers: Mapped[list[Organisation]] = relationship(secondary=project_implementers, order_by=Organisation.name)
    beneficiary_institutions: Mapped[list[Organisation]] = relationship(
        secondary=project_institutions, order_by=Organisation.name
    )
    countries: Mapped[list[Country]] = relationship(secondary=project_countries, order_by=Country.name)
    regions: Mapped[list[Region]] = relationship(secondary=project_regions, order_by=Region.name)
    pillars: Mapped[list[Pillar]] = relationship(secondary=project_pillars, order_by=Pillar.number)
    themes: Mapped[list[Theme]] = relationship(secondary=project_themes, order_by=Theme.name)
    locations: Mapped[list["ProjectLocation"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectLocation.id"
    )
    links: Mapped[list["ProjectLink"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectLink.id"
    )
    sectors: Mapped[list["ProjectSector"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectSector.id"
    )
    related_activities: Mapped[list["ProjectRelatedActivity"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectRelatedActivity.id"
    )

    @property
    def donors(self) -> list[Organisation]:
        return [f.organisation for f in self.funders]


    def organisation_ids(self) -> set[int]:
        """Organisations whose focal points may edit this project: funders, implementers, owner."""
        ids = {f.organisation_id for f in self.funders} | {o.id for o in self.implementers}
        if self.owner_organisation_id:
            ids.add(self.owner_organisation_id)
        return ids

    def refresh_effective_dates(self) -> None:
        self.starts_on = self.actual_start_on or self.planned_start_on
        self.ends_on = self.actual_end_on or self.planned_end_on

    def __repr__(self) -> str:
        return f"<Project {self.id} {self.title[:30]!r}>"


class ProjectFunder(Base):
    """A donor of a project, with its contribution where known."""

    __tablename__ = "project_funders"
    __table_args__ = (
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
        # Both directions covering (project, donor): the donor filter and the donor matrix read the index only.
        Index("ix_project_funders_project_id_organisation_id", "project_id", "organisation_id"),
        Index("ix_project_funders_organisation_id_project_id", "organisation_id", "project_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    currency: Mapped[str | None] = mapped_column(ForeignKey("currencies.code"))

    project: Mapped[Project] = relationship(back_populates="funders")
    organisation: Mapped[Organisation] = relationship()


class ProjectLocation(Base):
    """A place within a recipient country (a city, a border crossing, a province)."""

    __tablename__ = "project_locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    country_id: Mapped[int | None] = mapped_column(ForeignKey("countries.id"))
    name: Mapped[str] = mapped_column(String(200))

    project: Mapped[Project] = relationship(back_populates="locations")
    country: Mapped[Country | None] = relationship()


class ProjectLink(Base):
    """A link or document attached to a project."""

    __tablename__ = "project_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(1000))
    label: Mapped[str] = mapped_column(String(200), default="")

    project: Mapped[Project] = relationship(back_populates="links")


class ProjectSector(Base):
    """A sector code as published (DAC 5-digit purpose code, vocabulary 1; DAC 3-digit category, vocabulary 2)."""

    __tablename__ = "project_sectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    vocabulary: Mapped[str] = mapped_column(String(10), default="1")
    code: Mapped[str] = mapped_column(String(20), index=True)
    percentage: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))

    project: Mapped[Project] = relationship(back_populates="sectors")


class ProjectRelatedActivity(Base):
    """A link the data itself states to another activity, by IATI identifier.

    kind: related-activity (with IATI RelatedActivityType code in relation_type), provider-activity,
    receiver-activity or participating-org. A stated link is always flagged by the overlap check.
    """

    __tablename__ = "project_related_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    iati_identifier: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(30), default="related-activity")
    relation_type: Mapped[str | None] = mapped_column(String(5))

    project: Mapped[Project] = relationship(back_populates="related_activities")


@event.listens_for(Session, "before_flush")
def _keep_effective_dates(session: Session, flush_context, instances) -> None:  # noqa: ANN001
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Project):
            obj.refresh_effective_dates()
