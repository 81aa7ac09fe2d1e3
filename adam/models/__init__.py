"""All models, imported so that metadata (and Alembic autogenerate) sees every table."""
from adam.models.base import Base, utcnow
from adam.models.history import AuditEvent, Notification, ProjectChange
from adam.models.iati import IatiActivitySource, ImportJob
from adam.models.overlap import DECISIONS, OverlapAcknowledgement, OverlapDecision
from adam.models.organisation import ALIAS_LANGUAGES, ORGANISATION_TYPES, Organisation, OrganisationAlias, normalise_name
from adam.models.project import (
    ACTIVITY_TYPES,
    STATUSES,
    Project,
    ProjectFunder,
    ProjectLink,
    ProjectLocation,
    ProjectRelatedActivity,
    ProjectSector,
    project_countries,
    project_implementers,
    project_institutions,
    project_pillars,
    project_regions,
    project_themes,
)
from adam.models.reference import Country, Currency, Pillar, Region, Theme
from adam.models.search import followed_countries
from adam.models.settings import SiteSetting
from adam.models.user import ROLES, ApiToken, User

__all__ = [
    "ACTIVITY_TYPES", "ALIAS_LANGUAGES", "ORGANISATION_TYPES", "ROLES", "STATUSES",
    "ApiToken", "AuditEvent", "Base", "Country", "Currency", "DECISIONS", "IatiActivitySource", "ImportJob",
    "Notification", "Organisation", "OverlapAcknowledgement", "OverlapDecision",
    "OrganisationAlias", "Pillar", "Project", "ProjectChange", "ProjectFunder", "ProjectLink",
    "ProjectLocation", "ProjectRelatedActivity", "ProjectSector", "Region", "SiteSetting", "Theme", "User", "followed_countries", "normalise_name", "utcnow", "project_countries", "project_implementers",
    "project_institutions", "project_pillars", "project_regions", "project_themes",
]
