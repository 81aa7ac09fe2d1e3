"""What the engine knows of a project: plain, hashable data loaded in bulk (no ORM objects per candidate)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import groupby
from operator import itemgetter

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adam.models import Organisation, Project, ProjectFunder, ProjectRelatedActivity, ProjectSector, Region
from adam.models.organisation import normalise_name
from adam.models.project import (
    project_countries,
    project_implementers,
    project_institutions,
    project_pillars,
    project_regions,
    project_themes,
)
from adam.models.reference import region_countries
from adam.textfold import fold

# Day numbers standing for "no known start" and "still running".
MIN_DAY = -(10**9)
MAX_DAY = 10**9


@dataclass(slots=True)
class ProjectFeatures:
    id: int | None
    title: str = ""
    text: str = ""  # summary and description
    language: str | None = None
    status: str = "pipeline"
    activity_type: str | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    recorded_on: dt.date | None = None  # when the record was created: places undated projects in time
    countries: frozenset[int] = frozenset()      # named recipient countries
    places: frozenset[int] = frozenset()         # countries named or held by a named (non-global) region
    wide: bool = False                           # names no country, or a global region
    pillars: frozenset[int] = frozenset()
    themes: frozenset[int] = frozenset()
    sectors: frozenset[str] = frozenset()
    institutions: frozenset[int] = frozenset()
    funders: frozenset[int] = frozenset()
    implementers: frozenset[int] = frozenset()
    owner: int | None = None
    iati_identifier: str | None = None
    related: frozenset[str] = frozenset()        # IATI identifiers of activities this record states a link to
    budget_usd: float | None = None
    # The organisation whose name the title is ("World Vision Afghanistan"): a record of that organisation's own
    # programme in a country, which the grants it carries out are part of.
    title_organisation: int | None = None
    # The countries the title names ("Ebola Crisis Response Liberia"), as countries_named gives them.
    title_countries: frozenset[int] = frozenset()
    label: str = field(default="", repr=False)

    @property
    def organisations(self) -> frozenset[int]:
        ids = set(self.funders) | set(self.implementers)
        if self.owner is not None:
            ids.add(self.owner)
        return frozenset(ids)

    def interval(self, undated_years: int = 1) -> tuple[int, int]:
        """Half-open range of day numbers [start, end + 1 day).

        An open end means ongoing; an unknown start means "since always". A project with no dates at all is
        placed by its status and the year it was recorded: pipeline or ongoing ones run from that year on;
        completed or cancelled ones are taken to have lasted `undated_years` from the start of that year.
        """
        start = self.starts_on.toordinal() if self.starts_on else MIN_DAY
        end = self.ends_on.toordinal() + 1 if self.ends_on else MAX_DAY
        if self.starts_on is None and self.ends_on is None and self.recorded_on is not None:
            year_start = dt.date(self.recorded_on.year, 1, 1).toordinal()
            if self.status in ("completed", "cancelled"):
                return year_start, dt.date(self.recorded_on.year + undated_years, 1, 1).toordinal()
            return year_start, MAX_DAY
        if end <= start:  # bad data (end before start): treat as a single day rather than drop it
            end = start + 1
        return start, end


_ACRONYM = re.compile(r"\s*\(([A-Z][A-Z0-9&.\- ]{1,14})\)\s*$")
_MINOR_WORDS = frozenset({"of", "for", "and", "the", "on", "in", "to", "de", "des", "du", "la", "le", "et", "&"})
_SPELLINGS = (("organisation", "organization"), ("programme", "program"), ("centre", "center"))


def same_features(a: Sequence[ProjectFeatures], b: Sequence[ProjectFeatures]) -> bool:
    """Whether two lists hold the very same feature objects in the same order. Features are never changed once
    made (a changed project gets new ones: index.RegisterIndex), so the same objects are the same projects as they
    were; what was computed from one list holds for the other."""
    return len(a) == len(b) and all(x is y for x, y in zip(a, b))


_OFFICE_WORDS = frozenset({"office", "offices", "country", "region", "regional", "bureau", "mission", "branch"})


def _place_words(text: str) -> tuple[str, ...]:
    """A text's words as _names_place compares them: folded, hyphens as spaces ("Timor-Leste": timor, leste)."""
    return tuple(normalise_name(text or "").replace("-", " ").split())


@lru_cache(maxsize=1)
def _country_names() -> dict[str, frozenset[tuple[str, ...]]]:
    """Every country's names (ISO, common, official and ADAM's own) as word tuples, by their first word."""
    import pycountry

    from adam.refdata import country_name

    by_first: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for c in pycountry.countries:
        for n in (c.name, getattr(c, "common_name", None), getattr(c, "official_name", None), country_name(c)):
            words = _place_words(n)
            if words:
                by_first[words[0]].add(words)
    return {first: frozenset(names) for first, names in by_first.items()}


def _names_place(text: str) -> bool:
    """Whether a text names a country or an office, country or region."""
    words = _place_words(text)
    if _OFFICE_WORDS.intersection(words):
        return True
    names = _country_names()
    return any(words[i:i + len(name)] == name for i, w in enumerate(words) if w in names for name in names[w])


_LETTERS = re.compile(r"[^\W\d_]+")
# Country names that are common words in titles ("Réunion de coordination", "New Jersey").
_NOT_A_COUNTRY_IN_A_TITLE = frozenset({("reunion",), ("jersey",)})


def _title_words(text: str) -> list[str]:
    return _LETTERS.findall(fold(text or ""))


@lru_cache(maxsize=1)
def _country_words() -> dict[str, tuple[tuple[tuple[str, ...], int], ...]]:
    """Every country's names (ISO, common, official and ADAM's own) as folded words, by their first word, each
    with the country's column: its rank among ISO 3166's alpha-3 codes (the same in every corpus)."""
    import pycountry

    from adam.refdata import country_name

    column = {code: k for k, code in enumerate(sorted(c.alpha_3 for c in pycountry.countries))}
    by_first: dict[str, set[tuple[tuple[str, ...], int]]] = defaultdict(set)
    for c in pycountry.countries:
        for n in (c.name, getattr(c, "common_name", None), getattr(c, "official_name", None), country_name(c)):
            words = tuple(_title_words(n)) if n else ()
            if words and words not in _NOT_A_COUNTRY_IN_A_TITLE:
                by_first[words[0]].add((words, column[c.alpha_3]))
    return {first: tuple(names) for first, names in by_first.items()}


# ASCII letters kept (lower-cased), every other byte a space: ASCII titles are split into words at C speed.
_ASCII_WORDS = bytes(code | 0x20 if chr(code).isalpha() else 0x20 for code in range(128)) + b" " * 128


@lru_cache(maxsize=1)
def _country_words_ascii() -> dict[bytes, tuple[tuple[tuple[bytes, ...], int], ...]]:
    """_country_words with its words as ASCII bytes (the names are ASCII once folded)."""
    return {first.encode(): tuple((tuple(w.encode() for w in name), column) for name, column in names)
            for first, names in _country_words().items() if first.isascii()}


def countries_named(title: str | None) -> frozenset[int]:
    """The countries a title names by one of their names, whole words, case and accents aside ("Ebola Crisis
    Response Liberia", "BurkinaFaso" not), as columns of _country_words. A name inside a longer one counts too:
    "South Sudan" names South Sudan and Sudan, so that it meets a title that says "Sudan".

    Every project's title is read when the register loads: ASCII titles are split with bytes.translate, in about
    half the time of the regular expression (2.2-2.6 against 4.6 µs a title, measured under load)."""
    title = title or ""
    if title.isascii():
        names, words = _country_words_ascii(), title.encode("ascii").translate(_ASCII_WORDS).split()
    else:
        names, words = _country_words(), _title_words(title)
    if names.keys().isdisjoint(words):
        return frozenset()
    return frozenset(column for i, word in enumerate(words) if word in names
                     for name, column in names[word] if tuple(words[i:i + len(name)]) == name)


def _is_tagline(head: str, tail: str) -> bool:
    """Whether "head - tail" is an organisation's name and a descriptive phrase in sentence case.

    "Terre des hommes - Helping children worldwide - Foundation", "World Health Organisation - core voluntary
    contributions account" are; a unit ("United Nations - Food and Agriculture Organization", "World Bank - Global
    Partnership for Education"), an acronym ("Cooperazione Internazionale - COOPI"), a short phrase ("UN Women -
    empowerment of women"), an office or a place ("Save the Children - donor country office", "Ministerio de
    Salud - la república de Guinea") are not.
    """
    words = [w for w in tail.split() if w != "-"][1:]  # the first word of a tagline is capitalised anyway
    if len(head.split()) < 2 or len(words) < 3 or 2 * sum(w[:1].islower() for w in words) < len(words):
        return False
    return not _names_place(tail) and not _names_place(head)


def organisation_key(name: str) -> str:
    """A looser key than the alias table's: spelling variants, a trailing acronym that spells the name, and a
    descriptive tagline after " - " (_is_tagline).

    "International Organisation for Migration" and "International Organization for Migration (IOM)" get one
    key; "Concern Worldwide (UK)" keeps its "(UK)", which is not the initials of "Concern Worldwide". "Terre des
    hommes - Helping children worldwide - Foundation" is "Terre des Hommes" (the Dutch MFA's record of its grant to
    Terre des hommes, make eval), while "United Nations - Food and Agriculture Organization" and "United Nations -
    Pan American Health Organization" stay apart.
    """
    name = (name or "").strip()
    head, dash, tail = name.partition(" - ")
    if dash and _is_tagline(head, tail):
        name = head
    found = _ACRONYM.search(name)
    if found:
        words = [w for w in re.split(r"[\s\-]+", name[:found.start()]) if w and w.lower() not in _MINOR_WORDS]
        initials = "".join(w[0] for w in words).upper()
        if initials == re.sub(r"[^A-Z0-9]", "", found.group(1).upper()):
            name = name[:found.start()]
    key = normalise_name(name).replace("-", " ")
    for british, american in _SPELLINGS:
        key = key.replace(british, american)
    return " ".join(w for w in key.split() if w != "the")


_CANON_CACHE: dict[str, tuple[tuple, dict[int, int], dict[str, int]]] = {}


def organisation_keys(session: Session, fresh: bool = False) -> tuple[dict[int, int], dict[str, int]]:
    """(organisation id -> the lowest id with the same organisation_key, for ids that map elsewhere;
    organisation_key -> that lowest id).

    Cached per database while the organisations table keeps the same count, highest id and total name length,
    so building a catalogue pays one aggregate query, not a scan of every name; when organisations were only
    added since (count and name lengths add up), only the new ones are read. `fresh` reads every name anyway
    (organisations were written: a rename may keep the length). The mappings returned are never changed later.
    """
    stamp = tuple(session.execute(select(func.count(Organisation.id), func.max(Organisation.id),
                                         func.sum(func.length(Organisation.name)))).one())
    bind_key = str(session.get_bind().url)
    cached = _CANON_CACHE.get(bind_key)
    if cached is not None and not fresh:
        if cached[0] == stamp:
            return cached[1], cached[2]
        count, highest, length = cached[0]
        added = session.execute(select(Organisation.id, Organisation.name).where(Organisation.id > (highest or 0))
                                .order_by(Organisation.id)).all()
        if (count or 0) + len(added) == (stamp[0] or 0) and \
                (length or 0) + sum(len(name or "") for _, name in added) == (stamp[2] or 0):
            mapping, first = dict(cached[1]), dict(cached[2])
            _add_spellings(added, first, mapping)
            _CANON_CACHE[bind_key] = (stamp, mapping, first)
            return mapping, first
    first: dict[str, int] = {}
    mapping: dict[int, int] = {}
    _add_spellings(session.execute(select(Organisation.id, Organisation.name).order_by(Organisation.id)), first,
                   mapping)
    _CANON_CACHE[bind_key] = (stamp, mapping, first)
    return mapping, first


def _add_spellings(rows, first: dict[str, int], mapping: dict[int, int]) -> None:  # noqa: ANN001
    """Organisations (id, name) in increasing id order into key -> first id and id -> first id."""
    for oid, name in rows:
        key = organisation_key(name)
        if not key:
            continue
        canonical = first.setdefault(key, oid)
        if canonical != oid:
            mapping[oid] = canonical


def organisation_canon(session: Session, fresh: bool = False) -> dict[int, int]:
    """Organisation id -> the lowest id with the same organisation_key (only ids that map elsewhere)."""
    return organisation_keys(session, fresh)[0]


class RegionCatalogue:
    """Regions' member countries and global flag, and the organisation spellings, loaded once per check or report."""

    def __init__(self, session: Session):
        self.session = session
        self._canon: dict[int, int] | None = None
        self._by_key: dict[str, int] | None = None
        self.is_global: dict[int, bool] = dict(session.execute(select(Region.id, Region.is_global)).all())
        members: dict[int, set[int]] = defaultdict(set)
        for region_id, country_id in session.execute(select(region_countries.c.region_id, region_countries.c.country_id)):
            members[region_id].add(country_id)
        self.members = {k: frozenset(v) for k, v in members.items()}

    def places(self, countries: Iterable[int], regions: Iterable[int]) -> tuple[frozenset[int], bool]:
        places = set(countries)
        is_global = False
        for region_id in regions:
            if self.is_global.get(region_id):
                is_global = True
            else:
                places |= self.members.get(region_id, frozenset())
        return frozenset(places), is_global or not places

    def organisations(self, ids: Iterable[int | None]) -> frozenset[int]:
        """Organisation ids with spelling variants of one organisation read as one (see organisation_key)."""
        if self._canon is None:
            self._canon = organisation_canon(self.session)
        canon = self._canon
        if isinstance(ids, (set, frozenset)) and None not in ids and canon.keys().isdisjoint(ids):
            return frozenset(ids)  # the common case (no spelling variant among them), without a loop in Python
        return frozenset(canon.get(i, i) for i in ids if i is not None)

    def organisation_titled(self, title: str | None) -> int | None:
        """The organisation whose name the title is, read as organisation_key does (None when there is none)."""
        key = organisation_key(title or "")
        if not key:
            return None
        if self._by_key is None:
            self._canon, self._by_key = organisation_keys(self.session)
        return self._by_key.get(key)

    def organisation(self, oid: int | None) -> int | None:
        """One organisation id as organisations() reads it (the lowest id of its spelling variants)."""
        if oid is None:
            return None
        if self._canon is None:
            self._canon = organisation_canon(self.session)
        return self._canon.get(oid, oid)

    def regions_holding(self, countries: Iterable[int]) -> set[int]:
        wanted = set(countries)
        return {rid for rid, members in self.members.items() if members & wanted and not self.is_global.get(rid)}


def _as_date(value) -> dt.date | None:  # noqa: ANN001
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def features_from_project(project: Project, regions: RegionCatalogue) -> ProjectFeatures:
    """Features of a project object, persistent or a transient draft built from form data."""
    starts_on = project.actual_start_on or project.planned_start_on
    ends_on = project.actual_end_on or project.planned_end_on
    countries = frozenset(c.id for c in project.countries if c is not None and c.id is not None)
    places, wide = regions.places(countries, [r.id for r in project.regions if r is not None])
    return ProjectFeatures(
        id=project.id,
        title=project.title or "",
        text=" ".join(t for t in (project.summary, project.description) if t),
        language=project.language,
        status=project.status or "pipeline",
        activity_type=project.activity_type,
        starts_on=starts_on,
        ends_on=ends_on,
        recorded_on=_as_date(project.created_at) or dt.date.today(),
        countries=countries,
        places=places,
        wide=wide,
        pillars=frozenset(p.id for p in project.pillars if p is not None),
        themes=frozenset(t.id for t in project.themes if t is not None),
        sectors=frozenset(s.code for s in project.sectors if s.code),
        institutions=frozenset(o.id for o in project.beneficiary_institutions if o is not None and o.id),
        funders=regions.organisations(
            (f.organisation.id if f.organisation is not None else f.organisation_id)
            for f in project.funders if (f.organisation is not None and f.organisation.id) or f.organisation_id
        ),
        implementers=regions.organisations(o.id for o in project.implementers if o is not None and o.id),
        owner=regions.organisation(
            project.owner_organisation_id or (project.owner_organisation.id if project.owner_organisation else None)),
        iati_identifier=project.iati_identifier,
        related=frozenset(r.iati_identifier for r in project.related_activities if r.iati_identifier),
        budget_usd=float(project.budget_usd) if project.budget_usd is not None else None,
        title_organisation=regions.organisation_titled(project.title),
        title_countries=countries_named(project.title),
    )


def _chunks(ids: list[int], size: int = 900):
    # SQLite limits bound parameters; 900 stays well under every default (the ids are written as literals here,
    # but a statement of 900 stays short on both databases).
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


_first, _second = itemgetter(0), itemgetter(1)
_PROJECT_COLUMNS = (Project.id, Project.title, Project.summary, Project.description, Project.language,
                    Project.status, Project.activity_type, Project.starts_on, Project.ends_on, Project.created_at,
                    Project.owner_organisation_id, Project.iati_identifier, Project.budget_usd)
# (table, value column) of every project's sets: recipient countries, regions, pillars, themes, beneficiary
# institutions, implementers, donors, sector codes and the identifiers of stated links.
_LINKS = (
    (project_countries, project_countries.c.country_id),
    (project_regions, project_regions.c.region_id),
    (project_pillars, project_pillars.c.pillar_id),
    (project_themes, project_themes.c.theme_id),
    (project_institutions, project_institutions.c.organisation_id),
    (project_implementers, project_implementers.c.organisation_id),
    (ProjectFunder.__table__, ProjectFunder.__table__.c.organisation_id),
    (ProjectSector.__table__, ProjectSector.__table__.c.code),
    (ProjectRelatedActivity.__table__, ProjectRelatedActivity.__table__.c.iati_identifier),
)


def _driver_rows(session: Session, stmt) -> list[tuple]:  # noqa: ANN001
    """The rows of a SELECT as the database driver's plain tuples, each value as SQLAlchemy would return it.

    A whole register is many small rows (156,000 for the 15,082 real activities: 0.16 s through Session.execute,
    0.10 s through the driver's cursor with the cyclic collector paused; 0.8 s and 0.2 s with it running). The
    statement is compiled by SQLAlchemy for the session's database (its only parameters are integer ids, written as
    literals) and run on the session's own connection, so it sees what the session wrote; the columns SQLAlchemy
    converts (dates and decimals on SQLite) go through the column type's own result processor.
    """
    connection = session.connection()
    dialect = connection.dialect
    sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
        description = cursor.description
    finally:
        cursor.close()
    processors = [(k, process) for k, (column, info) in enumerate(zip(stmt.selected_columns, description or ()))
                  if (process := column.type.dialect_impl(dialect).result_processor(dialect, info[1])) is not None]
    if processors and rows:
        converted = []
        for row in rows:
            row = list(row)
            for k, process in processors:
                row[k] = process(row[k])
            converted.append(row)
        rows = converted
    return rows


def load_features(session: Session, ids: Iterable[int] | None = None, regions: RegionCatalogue | None = None,
                  include_withdrawn: bool = False) -> dict[int, ProjectFeatures]:
    """Features of many projects in a handful of queries (all non-withdrawn projects when ids is None).

    One query for the projects and one per linked set (ten in all for the whole register; per chunk of 900 ids
    otherwise), read through the driver's cursor (_driver_rows). The features are those features_from_project
    gives for the same saved project (tests/overlap/test_overlap_loader.py).
    """
    regions = regions or RegionCatalogue(session)
    if session.autoflush:  # the driver's cursor does not flush pending changes as Session.execute does
        session.flush()
    id_list = None if ids is None else sorted({int(i) for i in ids})
    if id_list is not None and not id_list:
        return {}

    def projects(chunk: list[int] | None):  # noqa: ANN202
        stmt = select(*_PROJECT_COLUMNS)
        if chunk is not None:
            stmt = stmt.where(Project.id.in_(chunk))
        if not include_withdrawn:
            stmt = stmt.where(Project.withdrawn_at.is_(None))
        return stmt

    if id_list is None:
        rows = _driver_rows(session, projects(None))
    else:
        rows = [row for chunk in _chunks(id_list) for row in _driver_rows(session, projects(chunk))]
    if not rows:
        return {}
    found = [r[0] for r in rows]

    def linked(table, column) -> dict[int, frozenset]:  # noqa: ANN001
        # Ordered by project: each project's values are one run of rows, frozen as they come.
        stmt = select(table.c.project_id, column).order_by(table.c.project_id)
        if id_list is None:  # whole tables (the rows of withdrawn projects are never asked for)
            chunks = [stmt]
        else:
            chunks = [stmt.where(table.c.project_id.in_(chunk)) for chunk in _chunks(found)]
        out: dict[int, frozenset] = {}
        for chunk in chunks:
            out.update((pid, frozenset(map(_second, run)))
                       for pid, run in groupby(_driver_rows(session, chunk), _first))
        return out

    (countries, region_links, pillars, themes, institutions, implementers, funders, sectors,
     related) = (linked(table, column) for table, column in _LINKS)

    empty: frozenset = frozenset()
    places_of, organisations, organisation = regions.places, regions.organisations, regions.organisation
    titled = regions.organisation_titled
    result: dict[int, ProjectFeatures] = {}
    for (pid, title, summary, description, language, status, activity_type, starts_on, ends_on, created_at,
         owner, iati_identifier, budget_usd) in rows:
        named = countries.get(pid, empty)
        places, wide = places_of(named, region_links.get(pid, empty))
        result[pid] = ProjectFeatures(
            id=pid,
            title=title or "",
            text=f"{summary} {description}" if summary and description else (summary or description or ""),
            language=language,
            status=status or "pipeline",
            activity_type=activity_type,
            starts_on=starts_on,
            ends_on=ends_on,
            recorded_on=_as_date(created_at),
            countries=named,
            places=places,
            wide=wide,
            pillars=pillars.get(pid, empty),
            themes=themes.get(pid, empty),
            sectors=sectors.get(pid, empty),
            institutions=institutions.get(pid, empty),
            funders=organisations(funders.get(pid, empty)),
            implementers=organisations(implementers.get(pid, empty)),
            owner=organisation(owner),
            iati_identifier=iati_identifier,
            related=related.get(pid, empty),
            budget_usd=float(budget_usd) if budget_usd is not None else None,
            title_organisation=titled(title),
            title_countries=countries_named(title),
        )
    return result
