"""A generated register of N projects for the search benchmark, written with bulk inserts (minutes, not hours).

Its shape follows the real registers: a long tail of countries (a few get most projects), one to three
donors, mostly single-country projects with some regional ones, dates over two decades, log-normal
budgets, titles in English with French, Spanish and Russian ones mixed in (for free text).
"""
from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, select
from werkzeug.security import generate_password_hash

SEED = 20261122
BENCH_EMAIL = "bench@adam.example"
BENCH_PASSWORD = "bench-password-2026"

TITLES = {
    "en": [
        "Container profiling training for {c} customs officers",
        "Strengthening border management capacities in {c}",
        "Financial investigation and asset recovery mentoring in {c}",
        "Precursor chemicals control and forensic laboratory support in {c}",
        "Evidence-based drug prevention in schools of {c}",
        "Canine units for interdiction at the borders of {c}",
        "Anti-money-laundering supervision for the financial intelligence unit of {c}",
        "Treatment and rehabilitation services for people who use drugs in {c}",
        "Maritime trafficking interdiction along the coast of {c}",
        "Airport interdiction task force in {c}",
        "Harm reduction and HIV prevention in prisons of {c}",
        "Regional information sharing on drug seizures involving {c}",
    ],
    "fr": [
        "Contrôle des précurseurs chimiques et laboratoires de police scientifique en {c}",
        "Formation des douaniers au ciblage des conteneurs en {c}",
        "Prévention de l'usage de drogues en milieu scolaire en {c}",
    ],
    "es": [
        "Capacitación en investigación financiera y decomiso de activos en {c}",
        "Fortalecimiento del control fronterizo y de contenedores en {c}",
        "Prevención del consumo de drogas en escuelas de {c}",
    ],
    "ru": [
        "Подготовка сотрудников таможни {c} по профилированию контейнеров",
        "Профилактика наркомании среди молодёжи в {c}",
        "Усиление пограничного контроля в {c}",
    ],
}
SUMMARY = ("Technical assistance to national counterparts: courses, mentoring and equipment, "
           "with a regional component on information exchange and joint operations.")
AGENCIES = ["Drug Control Agency", "Border Guard Service", "Customs Service", "Financial Intelligence Unit",
            "Ministry of Health", "Forensic Centre"]
PILLAR_THEMES = {1: ["border-control", "container-control", "canine-units", "maritime", "interdiction",
                     "information-sharing", "airport-control"],
                 2: ["financial-investigation", "aml-cft", "asset-recovery", "fiu"],
                 3: ["precursor-control", "forensics", "synthetic-drugs"],
                 4: ["prevention", "treatment", "harm-reduction"]}
CROSS_CUTTING = ["research-data", "legal-frameworks", "capacity-building", "equipment", "regional-coordination"]
EXTRA_COUNTRIES = ["COL", "PER", "BOL", "ECU", "MEX", "SEN", "NGA", "GHA", "CIV", "MLI", "BRA", "PAN", "GTM", "HND",
                   "LBN", "JOR", "EGY", "MAR", "THA", "MMR", "LAO", "VNM", "KHM", "IDN", "PHL"]
ACTIVITIES = ["training", "equipment", "advisory", "infrastructure", "research", "conference"]


def generate(session, count: int, seed: int = SEED) -> None:
    """Insert count projects (and their links) into an empty, migrated database with reference data."""
    from adam.models import Country, Organisation, Pillar, Project, ProjectFunder, Region, Theme, User
    from adam.models.project import (project_countries, project_implementers, project_institutions,
                                     project_pillars, project_regions, project_themes)

    rng = random.Random(seed)
    countries = {iso: (cid, name) for cid, iso, name in session.execute(select(Country.id, Country.iso3, Country.name))}
    regions = list(session.execute(select(Region.id, Region.code).where(Region.kind.in_(["geographic", "route"]))))
    region_members: dict[int, list[str]] = {}
    for region in session.scalars(select(Region).where(Region.kind.in_(["geographic", "route"]))):
        region_members[region.id] = [c.iso3 for c in region.countries]
    pool = sorted({iso for members in region_members.values() for iso in members} | set(EXTRA_COUNTRIES))
    pool = [iso for iso in pool if iso in countries]
    rng.shuffle(pool)
    # Zipf-like weights: the first countries of the shuffled pool get most projects.
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(pool))]
    pillars = dict(session.execute(select(Pillar.number, Pillar.id)).all())
    themes = dict(session.execute(select(Theme.code, Theme.id)).all())
    donors = list(session.scalars(select(Organisation.id).where(Organisation.type == "bilateral_donor")))
    multilaterals = list(session.scalars(select(Organisation.id).where(Organisation.type == "multilateral")))
    donors += multilaterals[:3]

    agencies: dict[tuple[str, str], int] = {}
    for iso in pool:
        for agency in AGENCIES:
            name = f"{agency} of {countries[iso][1]}"
            agencies[(iso, agency)] = session.execute(
                insert(Organisation).values(name=name, type="recipient_agency", country_id=countries[iso][0],
                                            active=True, created_at=dt.datetime.now(dt.timezone.utc))
                .returning(Organisation.id)).scalar_one()

    now = dt.datetime.now(dt.timezone.utc)
    projects, links = [], {t: [] for t in ("countries", "regions", "pillars", "themes", "implementers", "institutions")}
    funders = []
    for pid in range(1, count + 1):
        n_countries = rng.choices([1, 2, 3, 5], [80, 10, 6, 4])[0]
        chosen = list(dict.fromkeys(rng.choices(pool, weights, k=n_countries)))
        region_id = None
        if n_countries >= 3 and rng.random() < 0.6:
            region_id, _code = rng.choice(regions)
            members = [iso for iso in region_members[region_id] if iso in countries]
            if members:
                chosen = list(dict.fromkeys(chosen[:1] + rng.sample(members, min(len(members), n_countries))))
        first = chosen[0]
        language = rng.choices(["en", "fr", "es", "ru"], [70, 10, 10, 10])[0]
        pillar_numbers = rng.sample([1, 2, 3, 4], rng.choices([1, 2], [75, 25])[0])
        theme_codes = [rng.choice(PILLAR_THEMES[n]) for n in pillar_numbers]
        if rng.random() < 0.4:
            theme_codes.append(rng.choice(CROSS_CUTTING))
        start = dt.date(2005, 1, 1) + dt.timedelta(days=rng.randint(0, 23 * 365))
        months = rng.choice([3, 6, 12, 18, 24, 36, 48, 60])
        end = None if rng.random() < 0.08 else start + dt.timedelta(days=30 * months)
        today = dt.date(2026, 6, 1)
        status = "pipeline" if start > today else ("ongoing" if end is None or end >= today else "completed")
        if rng.random() < 0.03:
            status = "cancelled"
        budget = None if rng.random() < 0.07 else Decimal(int(math.exp(rng.gauss(13.0, 1.1)))).quantize(Decimal(1))
        title = rng.choice(TITLES[language]).format(c=countries[first][1])
        projects.append({
            "id": pid, "title": title, "summary": SUMMARY, "description": "", "activity_type": rng.choice(ACTIVITIES),
            "status": status, "planned_start_on": start, "planned_end_on": end, "starts_on": start, "ends_on": end,
            "budget_amount": budget, "budget_currency": "USD" if budget is not None else None, "budget_usd": budget,
            "contact_name": "", "contact_email": "", "language": language, "created_at": now, "updated_at": now,
            "withdrawn_at": now if rng.random() < 0.02 else None, "withdrawn_reason": "", "version": 1,
        })
        links["countries"] += [{"project_id": pid, "country_id": countries[iso][0]} for iso in chosen]
        if region_id:
            links["regions"].append({"project_id": pid, "region_id": region_id})
        links["pillars"] += [{"project_id": pid, "pillar_id": pillars[n]} for n in pillar_numbers]
        links["themes"] += [{"project_id": pid, "theme_id": themes[c]} for c in dict.fromkeys(theme_codes) if c in themes]
        links["implementers"].append({"project_id": pid, "organisation_id": rng.choice(multilaterals)})
        links["institutions"].append({"project_id": pid, "organisation_id": agencies[(first, rng.choice(AGENCIES))]})
        for donor in dict.fromkeys(rng.choices(donors, k=rng.choices([1, 2, 3], [75, 20, 5])[0])):
            funders.append({"project_id": pid, "organisation_id": donor, "amount": None, "currency": None})

    def chunks(rows, size=5000):
        for i in range(0, len(rows), size):
            yield rows[i:i + size]

    for chunk in chunks(projects):
        session.execute(insert(Project), chunk)
    tables = {"countries": project_countries, "regions": project_regions, "pillars": project_pillars,
              "themes": project_themes, "implementers": project_implementers, "institutions": project_institutions}
    for name, rows in links.items():
        for chunk in chunks(rows):
            session.execute(insert(tables[name]), chunk)
    for chunk in chunks(funders):
        session.execute(insert(ProjectFunder), chunk)
    session.execute(insert(User).values(
        email=BENCH_EMAIL, name="Bench Coordinator", role="coordinator", active=True, created_at=now,
        password_hash=generate_password_hash(BENCH_PASSWORD), failed_logins=0))


def build_database(url: str, count: int) -> None:
    """Migrate an empty database at url, load reference data and the generated register."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from adam import create_app
    from adam.extensions import db
    from adam.refdata import load_organisations, load_reference_data

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        load_reference_data(db.session)
        load_organisations(db.session)
        db.session.flush()
        generate(db.session, count)
        db.session.commit()
        db.engine.dispose()
    # Planner statistics (and, on PostgreSQL, the visibility map that index-only scans need), as a
    # production database has after its first maintenance run. VACUUM cannot run inside a transaction.
    from sqlalchemy import create_engine

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    engine.dispose()


def upgrade_database(url: str) -> None:
    """Bring a register generated by an earlier version up to the current migrations (new indexes), then
    refresh the planner statistics; nothing to do when it is at the head already."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text

    from adam import create_app

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    head = ScriptDirectory(str(Path(__file__).resolve().parents[1] / "migrations")).get_current_head()
    if current != head:
        with app.app_context():
            upgrade()
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()


def sqlite_path(root: Path, count: int) -> Path:
    return root / "instance" / "bench" / f"search-{count}-v1.sqlite3"
