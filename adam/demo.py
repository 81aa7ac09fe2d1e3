"""Demo data: realistic counter-narcotics technical-assistance projects along the Afghan opiate routes.

Deterministic (a seeded generator), idempotent (a project is keyed by its title, a user by e-mail), and with planted
overlaps and duplicates worded as a donor and an implementer would word them: PLANTED lists them for `make eval`.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from adam.accounts.operations import create_user
from adam.models import Country, Organisation, Pillar, Project, Theme, User
from adam.projects.operations import DonorInput, ProjectInput, create_project
from adam.refdata import set_aliases

SEED = 20160316
DEMO_PASSWORD = "adam-demo-2026"
DEMO_USERS = [
    # e-mail, name, role, organisation acronym
    ("admin@adam.example", "Ada Administrator", "admin", "UNODC"),
    ("coordinator@adam.example", "Camille Coordinator", "coordinator", "UNODC"),
    ("focal.uk@adam.example", "Fiona Focal (UK)", "focal_point", "UK"),
    ("focal.eu@adam.example", "Erik Focal (EU)", "focal_point", "EU"),
    ("focal.us@adam.example", "Sam Focal (US)", "focal_point", "US"),
    ("focal.unodc@adam.example", "Ulan Focal (UNODC)", "focal_point", "UNODC"),
]

# Beneficiary institutions per country: (name, themes they receive help on)
AGENCY_PATTERNS = [
    ("Drug Control Agency of {c}", ["interdiction", "information-sharing", "canine-units", "precursor-control"]),
    ("Border Guard Service of {c}", ["border-control", "canine-units", "interdiction"]),
    ("Customs Service of {c}", ["container-control", "border-control", "precursor-control", "airport-control"]),
    ("Financial Intelligence Unit of {c}", ["fiu", "aml-cft", "financial-investigation"]),
    ("Ministry of Health of {c}", ["treatment", "prevention", "harm-reduction"]),
    ("Prosecutor General's Office of {c}", ["asset-recovery", "financial-investigation", "legal-frameworks"]),
    ("Forensic Science Centre of {c}", ["forensics", "synthetic-drugs"]),
]
COUNTRIES = ["AFG", "TJK", "UZB", "KGZ", "TKM", "KAZ", "IRN", "PAK", "TUR", "GEO", "ARM", "AZE", "SRB", "ALB", "BIH",
             "MKD", "MNE", "BGR", "UKR", "MDA", "KEN", "TZA", "ARE", "OMN", "IND", "LKA"]
DONORS = ["UK", "US", "EU", "DE", "JP", "NO", "FR", "RU", "TR", "IN", "AT", "CA", "IT", "NL"]
IMPLEMENTERS = ["UNODC", "OSCE", "WCO", "INTERPOL", "UNDP", "CARICC"]

# theme code -> (activity type, title templates, summary templates)
TOPICS = {
    "border-control": ("training", [
        "Strengthening border management capacities of the {a}",
        "Training of {a} officers in risk-based border checks",
        "Enhancing interdiction capacity at the {c}–Afghanistan border",
    ], ["Courses for front-line officers on profiling, search techniques and document checks at border crossing points in {c}.",
        "Mentoring and equipment for border posts of the {a}, with a train-the-trainer component."]),
    "container-control": ("training", [
        "Container profiling units at seaports and dry ports of {c}",
        "Establishment of a joint port control unit in {c}",
    ], ["Joint port control units of customs and police in {c} learn to select high-risk containers and use the ContainerComm system.",
        "Theoretical and practical training for the {a} on container targeting and risk analysis."]),
    "canine-units": ("equipment", [
        "Support to the drug detection dog centre of the {a}",
        "Canine unit development for {c}",
    ], ["Dogs, kennels and handler training for drug detection at airports and border crossings in {c}."]),
    "maritime": ("training", [
        "Countering maritime drug trafficking off the coast of {c}",
        "Maritime law enforcement capacity building in {c}",
    ], ["Visit-board-search-seizure training for the coast guard, and legal finish of maritime seizures in {c}."]),
    "interdiction": ("advisory", [
        "Mentoring of the {a} in controlled deliveries",
        "Strengthening drug investigation capacities in {c}",
    ], ["Advisers embedded with the {a} support controlled deliveries, informant handling and case building."]),
    "information-sharing": ("advisory", [
        "Criminal intelligence exchange between {c} and CARICC",
        "Secure communication network for drug law enforcement in {c}",
    ], ["Liaison officers, analysts and a secure channel so that {a} shares operational information with neighbours."]),
    "airport-control": ("training", [
        "Airport communication project (AIRCOP) task force in {c}",
        "Joint airport interdiction task force at the international airport of {c}",
    ], ["Inter-agency airport task forces in {c} trained to target couriers and cargo, connected to I-24/7 and CENcomm."]),
    "financial-investigation": ("training", [
        "Parallel financial investigations in drug cases for {c}",
        "Building financial investigation capacity of law enforcement in {c}",
    ], ["Investigators and prosecutors of {c} learn to follow the money in drug trafficking cases and to seize proceeds."]),
    "aml-cft": ("advisory", [
        "Anti-money-laundering mentoring programme for {c}",
        "Strengthening the AML/CFT regime of {c}",
    ], ["Support to the national risk assessment and the mutual evaluation follow-up of {c}, with mentoring of supervisors."]),
    "asset-recovery": ("advisory", [
        "Asset recovery and confiscation of drug proceeds in {c}",
        "Support to the asset management office of {c}",
    ], ["Legal advice and case mentoring to trace, freeze and confiscate assets derived from drug trafficking in {c}."]),
    "fiu": ("equipment", [
        "Analytical software and training for the {a}",
        "Strengthening the {a}",
    ], ["goAML deployment, strategic analysis training and secure exchange with the Egmont Group for the {a}."]),
    "precursor-control": ("training", [
        "Preventing diversion of precursor chemicals in {c}",
        "Precursor control training for the {a}",
    ], ["Identification kits and training for customs and drug control officers of {c} on acetic anhydride and other precursors."]),
    "forensics": ("equipment", [
        "Upgrading the national forensic drug laboratory of {c}",
        "Forensic laboratory support to the {a}",
    ], ["Equipment, reference standards and accreditation support for drug testing in the {a}."]),
    "synthetic-drugs": ("research", [
        "Early warning on synthetic drugs and new psychoactive substances in {c}",
        "Synthetic drug monitoring and NPS detection in {c}",
    ], ["Data collection, forensic profiling and an early warning system on new psychoactive substances in {c}."]),
    "prevention": ("training", [
        "Family skills and school-based drug prevention in {c}",
        "Evidence-based drug use prevention programmes for youth in {c}",
    ], ["Roll-out of family skills programmes and school curricula on drug use prevention with the {a}."]),
    "treatment": ("advisory", [
        "Community-based treatment of drug use disorders in {c}",
        "Improving drug dependence treatment services in {c}",
    ], ["Training of doctors and nurses of the {a} in evidence-based outpatient treatment and medication-assisted therapy."]),
    "harm-reduction": ("advisory", [
        "HIV prevention and care among people who use drugs in {c}",
        "Harm reduction services and HIV testing for people who inject drugs in {c}",
    ], ["Needle and syringe programmes, opioid substitution therapy and HIV testing delivered with the {a}."]),
}
THEME_PILLAR = {
    "border-control": 1, "container-control": 1, "canine-units": 1, "maritime": 1, "interdiction": 1,
    "information-sharing": 1, "airport-control": 1, "financial-investigation": 2, "aml-cft": 2, "asset-recovery": 2,
    "fiu": 2, "precursor-control": 3, "forensics": 3, "synthetic-drugs": 3, "prevention": 4, "treatment": 4,
    "harm-reduction": 4,
}
CROSS_CUTTING = ["capacity-building", "equipment", "research-data", "legal-frameworks", "regional-coordination"]

# Rewordings an implementer would use for the same project a donor registered.
REWORDINGS = [
    ("Strengthening", "Enhancing"), ("Training of", "Capacity building for"), ("capacities", "capabilities"),
    ("Support to", "Assistance to"), ("Improving", "Upgrading"), ("programme", "project"), ("in {c}", "({c})"),
]
RUSSIAN_TITLES = {
    "border-control": "Укрепление потенциала пограничной службы: {c}",
    "precursor-control": "Предотвращение утечки прекурсоров: {c}",
    "treatment": "Лечение наркозависимости на уровне общин: {c}",
}


@dataclass
class DemoProject:
    title: str
    summary: str
    country: str
    theme: str
    donors: list[str]
    implementers: list[str]
    institution: str
    start: dt.date
    end: dt.date
    status: str
    activity_type: str
    budget: int
    currency: str
    extra_themes: list[str] = field(default_factory=list)


@dataclass
class Planted:
    kind: str  # duplicate | overlap
    title_a: str
    title_b: str


def _status(start: dt.date, end: dt.date, today: dt.date) -> str:
    if start > today:
        return "pipeline"
    return "completed" if end < today else "ongoing"


def generate(count: int = 200, today: dt.date = dt.date(2026, 6, 1)) -> tuple[list[DemoProject], list[Planted]]:
    rng = random.Random(SEED)
    projects: list[DemoProject] = []
    titles: set[str] = set()
    from adam.refdata import COMMON_NAMES  # noqa: F401  (names come from pycountry below)
    import pycountry

    def cname(iso3: str) -> str:
        rec = pycountry.countries.get(alpha_3=iso3)
        from adam.refdata import country_name

        return country_name(rec)

    def agency_for(theme: str, c: str) -> str:
        options = [p for p, themes in AGENCY_PATTERNS if theme in themes] or [AGENCY_PATTERNS[0][0]]
        return rng.choice(options).format(c=cname(c))

    def make(theme: str, country: str, donor: str, implementer: str, start: dt.date, months: int) -> DemoProject:
        activity, title_t, summary_t = TOPICS[theme]
        agency = agency_for(theme, country)
        end = start + dt.timedelta(days=30 * months)
        for _ in range(10):
            title = rng.choice(title_t).format(c=cname(country), a=agency)
            if title not in titles:
                break
            title = f"{title} (phase {rng.randint(2, 4)})" if rng.random() < 0.7 else f"{title}, {start.year}-{end.year}"
            if title not in titles:
                break
        titles.add(title)
        budget = rng.choice([80, 120, 250, 400, 600, 900, 1500, 2500, 4000]) * 1000
        return DemoProject(
            title=title, summary=rng.choice(summary_t).format(c=cname(country), a=agency), country=country, theme=theme,
            donors=[donor], implementers=[implementer], institution=agency, start=start, end=end,
            status=_status(start, end, today), activity_type=activity, budget=budget,
            currency=rng.choice(["USD", "USD", "EUR", "GBP"]) if donor in ("UK", "EU", "DE", "FR", "IT", "NL", "AT") else "USD",
            extra_themes=rng.sample(CROSS_CUTTING, rng.randint(0, 2)),
        )

    planted_each = min(15, count // 13)  # 15 duplicates and 15 overlaps in the default 200
    base_count = count - 2 * planted_each
    while len(projects) < base_count:
        theme = rng.choice(list(TOPICS))
        country = rng.choice(COUNTRIES)
        start = dt.date(rng.randint(2019, 2027), rng.randint(1, 12), 1)
        projects.append(make(theme, country, rng.choice(DONORS), rng.choice(IMPLEMENTERS), start, rng.choice([6, 12, 18, 24, 36, 48])))

    planted: list[Planted] = []
    # Duplicates: the donor's record and the implementer's record of one real project.
    for i in range(planted_each):
        original = projects[i * 7]
        title = original.title
        for old, new in REWORDINGS:
            title = title.replace(old.format(c=cname(original.country)), new.format(c=cname(original.country)))
        if i % 5 == 4 and original.theme in RUSSIAN_TITLES:
            title = RUSSIAN_TITLES[original.theme].format(c=cname(original.country))
        if title == original.title or title in titles:
            title = f"{cname(original.country)}: {original.title.split(' of ')[0].split(' in ')[0]}"
        if title in titles:
            title = title + " (implementing agency record)"
        titles.add(title)
        shift = dt.timedelta(days=rng.choice([0, 15, 31, 45]))
        dup = DemoProject(
            title=title,
            summary=original.summary.replace("training", "courses").replace("Training", "Courses"),
            country=original.country, theme=original.theme, donors=list(original.donors),
            implementers=list(original.implementers), institution=original.institution,
            start=original.start + shift, end=original.end + shift, status=original.status,
            activity_type=original.activity_type, budget=int(original.budget * rng.choice([1, 1, 0.95, 1.1])),
            currency="USD", extra_themes=[],
        )
        projects.append(dup)
        planted.append(Planted("duplicate", original.title, dup.title))
    # Overlaps: another donor funds the same thing for the same agency in the same months.
    for i in range(planted_each):
        original = projects[i * 7 + 3]
        other_donor = rng.choice([d for d in DONORS if d not in original.donors])
        other_impl = rng.choice(IMPLEMENTERS)
        start = original.start + dt.timedelta(days=rng.choice([30, 60, 90]))
        months = max(6, (original.end - original.start).days // 30 - 2)
        overlap = make(original.theme, original.country, other_donor, other_impl, start, months)
        overlap.institution = original.institution
        projects.append(overlap)
        planted.append(Planted("overlap", original.title, overlap.title))
    return projects, planted


def _org(session: Session, key: str) -> Organisation:
    org = session.scalar(select(Organisation).where((Organisation.acronym == key) | (Organisation.name == key)))
    if org is None:
        raise LookupError(f"organisation {key} missing: run `flask --app adam refdata` first")
    return org


def load_demo(session: Session, count: int = 200) -> dict:
    """Create demo users and projects that are not there yet; returns what was created."""
    created = {"users": 0, "projects": 0, "institutions": 0}
    users = {}
    for email, name, role, acronym in DEMO_USERS:
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            user = create_user(session, email=email, name=name, password=DEMO_PASSWORD, role=role,
                               organisation=_org(session, acronym))
            created["users"] += 1
        users[acronym if role == "focal_point" else role] = user
    countries = {c.iso3: c for c in session.scalars(select(Country))}
    pillars = {p.number: p for p in session.scalars(select(Pillar))}
    themes = {t.code: t for t in session.scalars(select(Theme))}
    existing_titles = set(session.scalars(select(Project.title)))
    projects, _planted = generate(count)
    for demo in projects:
        if demo.title in existing_titles:
            continue
        institution = session.scalar(select(Organisation).where(Organisation.name == demo.institution))
        if institution is None:
            institution = Organisation(name=demo.institution, type="recipient_agency", country=countries[demo.country])
            session.add(institution)
            session.flush()
            set_aliases(institution, [], session)
            created["institutions"] += 1
        donor_ids = [_org(session, d).id for d in demo.donors]
        data = ProjectInput(
            title=demo.title, summary=demo.summary, activity_type=demo.activity_type, status=demo.status,
            planned_start_on=demo.start, planned_end_on=demo.end,
            actual_start_on=demo.start if demo.status in ("ongoing", "completed") else None,
            actual_end_on=demo.end if demo.status == "completed" else None,
            budget_amount=Decimal(demo.budget), budget_currency=demo.currency,
            contact_name="Programme officer", contact_email="programmes@example.org",
            country_ids=[countries[demo.country].id],
            pillar_ids=[pillars[THEME_PILLAR[demo.theme]].id],
            theme_ids=[themes[demo.theme].id] + [themes[t].id for t in demo.extra_themes],
            donors=[DonorInput(i, Decimal(demo.budget)) for i in donor_ids[:1]],
            implementer_ids=[_org(session, i).id for i in demo.implementers],
            institution_ids=[institution.id],
        )
        author = users.get(demo.donors[0]) or users.get(demo.implementers[0]) or users["coordinator"]
        create_project(session, data, author if author.role != "focal_point" or author.organisation_id in donor_ids + data.implementer_ids else users["coordinator"])
        existing_titles.add(demo.title)
        created["projects"] += 1
    session.flush()
    return created
