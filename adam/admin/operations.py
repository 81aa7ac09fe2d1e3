"""Organisation and theme operations for administrators and coordinators."""
from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adam.messages import Message
from adam.models import ALIAS_LANGUAGES, Organisation, OrganisationAlias, Theme, normalise_name
from adam.refdata import set_aliases


MAX_ALIAS = 255  # OrganisationAlias.alias and .key


class ReferenceDataError(ValueError):
    """One or more messages (each a str, translatable by the web layer), read as one sentence by str()."""

    def __str__(self) -> str:
        return " ".join(str(a) for a in self.args)


def parse_aliases(text: str) -> list[tuple[str, str | None]]:
    """'fr: ONUDC' -> ('ONUDC', 'fr'); a line without a known language prefix has no language."""
    aliases = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        match = re.match(r"^([a-z]{2})\s*:\s*(.+)$", line)
        if match and match.group(1) in ALIAS_LANGUAGES:
            aliases.append((match.group(2).strip(), match.group(1)))
        else:
            aliases.append((line, None))
    return aliases


def alias_conflicts(session: Session, organisation: Organisation | None, names: list[str]) -> list[str]:
    """Messages for names that already belong to another organisation (an alias names one organisation only)."""
    keys = {normalise_name(n): n for n in names if normalise_name(n)}
    rows = session.execute(
        select(OrganisationAlias.key, Organisation.id, Organisation.name)
        .join(Organisation, Organisation.id == OrganisationAlias.organisation_id)
        .where(OrganisationAlias.key.in_(list(keys)))
    ).all()
    own = organisation.id if organisation is not None else None
    return [Message("“%(alias)s” already names %(other)s.", alias=keys[key], other=other_name)
            for key, other_id, other_name in rows if other_id != own]


def save_organisation(session: Session, organisation: Organisation | None, *, name: str, acronym: str | None,
                      type: str, country_id: int | None, iati_identifier: str | None, aliases_text: str,
                      active: bool) -> Organisation:
    name = name.strip()
    clash = session.scalar(select(Organisation).where(func.lower(Organisation.name) == name.lower()))
    if clash is not None and clash is not organisation:
        raise ReferenceDataError(Message("An organisation named %(name)s exists already.", name=name))
    if iati_identifier:
        other = session.scalar(select(Organisation).where(Organisation.iati_identifier == iati_identifier.strip()))
        if other is not None and other is not organisation:
            raise ReferenceDataError(Message("%(other)s already has the IATI identifier %(identifier)s.", other=other.name,
                                             identifier=iati_identifier))
    aliases = parse_aliases(aliases_text)
    too_long = [alias for alias, _ in aliases if len(alias) > MAX_ALIAS]
    if too_long:  # the column holds 255 characters: PostgreSQL refused a longer one with a 500
        raise ReferenceDataError(Message("An alias may have at most %(count)s characters: %(alias)s…",
                                         count=MAX_ALIAS, alias=too_long[0][:40]))
    problems = alias_conflicts(session, organisation, [name, acronym or ""] + [a for a, _ in aliases])
    if problems:
        raise ReferenceDataError(*problems)
    if organisation is None:
        organisation = Organisation(name=name)
        session.add(organisation)
    organisation.name = name
    organisation.acronym = (acronym or "").strip() or None
    organisation.type = type
    organisation.country_id = country_id
    organisation.iati_identifier = (iati_identifier or "").strip() or None
    organisation.active = active
    session.flush()
    keep = {normalise_name(a) for a, _ in aliases} | {normalise_name(name), normalise_name(acronym or "")}
    organisation.aliases = [a for a in organisation.aliases if a.key in keep]
    session.flush()
    set_aliases(organisation, aliases, session)
    session.flush()
    return organisation


def save_theme(session: Session, theme: Theme | None, *, name: str, pillar_id: int | None, active: bool) -> Theme:
    name = name.strip()
    # Two themes of one name could not be told apart in a form, a filter or a spreadsheet (which names them).
    key = normalise_name(name)
    if any(normalise_name(other) == key
           for other in session.scalars(select(Theme.name).where(Theme.id != (theme.id if theme else None)))):
        raise ReferenceDataError(Message("A theme like “%(name)s” exists already.", name=name))
    if theme is None:
        code = re.sub(r"[^a-z0-9]+", "-", key).strip("-")[:60] or "theme"
        if session.scalar(select(Theme.id).where(Theme.code == code)):
            raise ReferenceDataError(Message("A theme like “%(name)s” exists already.", name=name))
        theme = Theme(code=code)
        session.add(theme)
    theme.name = name
    theme.pillar_id = pillar_id
    theme.active = active
    session.flush()
    return theme
