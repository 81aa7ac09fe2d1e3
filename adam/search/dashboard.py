"""What the home page shows a user: their organisation's projects and recent changes where they follow. No Flask."""
from __future__ import annotations

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session, selectinload

from adam.models import Country, Project, ProjectChange, ProjectFunder, User, followed_countries
from adam.models.project import project_countries, project_implementers


def organisation_projects(session: Session, organisation_id: int | None, limit: int = 20) -> list[Project]:
    """Projects the organisation funds, implements or registered, most recently changed first."""
    if not organisation_id:
        return []
    return list(session.scalars(
        select(Project)
        .options(selectinload(Project.countries))
        .where(Project.withdrawn_at.is_(None))
        .where(or_(
            Project.id.in_(select(ProjectFunder.project_id).where(ProjectFunder.organisation_id == organisation_id)),
            Project.id.in_(select(project_implementers.c.project_id)
                           .where(project_implementers.c.organisation_id == organisation_id)),
            Project.owner_organisation_id == organisation_id,
        ))
        .order_by(Project.updated_at.desc())
        .limit(limit)
    ))


def followed_country_ids(session: Session, user: User) -> list[int]:
    return list(session.scalars(select(followed_countries.c.country_id).where(followed_countries.c.user_id == user.id)))


def watched_countries(session: Session, user: User) -> list[Country]:
    """The countries a user follows; until they choose, the country of their organisation, if it has one. A user
    who saved an empty list follows none."""
    ids = followed_country_ids(session, user)
    if not ids and not user.follows_chosen and user.organisation is not None and user.organisation.country_id:
        ids = [user.organisation.country_id]
    if not ids:
        return []
    return list(session.scalars(select(Country).where(Country.id.in_(ids)).order_by(Country.name)))


def set_followed_countries(session: Session, user: User, country_ids: list[int]) -> None:
    """Replace the countries a user follows (unknown ids are ignored; none is a choice too, kept as such). Adds and
    flushes; the caller commits."""
    known = set(session.scalars(select(Country.id).where(Country.id.in_(country_ids)))) if country_ids else set()
    session.execute(delete(followed_countries).where(followed_countries.c.user_id == user.id))
    if known:
        session.execute(insert(followed_countries), [{"user_id": user.id, "country_id": cid} for cid in sorted(known)])
    user.follows_chosen = True
    session.flush()


def recent_changes(session: Session, country_ids: list[int], limit: int = 15) -> list[ProjectChange]:
    """The latest saves of projects in any of the countries (withdrawals included: they matter to a follower)."""
    if not country_ids:
        return []
    in_countries = select(project_countries.c.project_id).where(project_countries.c.country_id.in_(country_ids))
    return list(session.scalars(
        select(ProjectChange)
        .options(selectinload(ProjectChange.project).selectinload(Project.countries), selectinload(ProjectChange.user))
        .where(ProjectChange.project_id.in_(in_countries))
        .order_by(ProjectChange.changed_at.desc(), ProjectChange.id.desc())
        .limit(limit)
    ))
