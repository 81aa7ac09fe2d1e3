"""API list latency: p50/p95 of GET /api/v1/projects/ over a 10,000-project register, in-process (Flask test client).

Builds a throw-away SQLite database from the migrations (and, with ADAM_BENCH_API_POSTGRES=1, a throw-away
PostgreSQL database on the test server; or uses the empty database at ADAM_BENCH_DATABASE_URL), bulk-loads synthetic projects shaped like the register (countries along the routes, 1-2
pillars, donors among the seeded organisations, 2015-2027), then times a fixed, seeded mix of filtered list
requests with a real token. Bounded: REQUESTS requests in all.
"""
from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

PROJECTS = int(os.environ.get("ADAM_BENCH_API_PROJECTS", 10_000))
REQUESTS = int(os.environ.get("ADAM_BENCH_API_REQUESTS", 300))
TARGET_P95_MS = 250.0
GENERIC_WORDS = (
    "agency officers national support capacity building programme project phase second first strengthen improve "
    "develop establish provide assist technical assistance specialised institutions ministry interior justice "
    "health police service academy course workshop seminar study visit exchange experts international partners "
    "cooperation coordination strategy policy legislation review assessment baseline survey data analysis "
    "monitoring evaluation reporting management systems infrastructure vehicles scanners kits software database "
    "network secure communication centre unit team staff curriculum manual guidelines standards procedures "
    "operations investigations cases seizures trafficking routes drugs heroin opium methamphetamine cannabis "
    "synthetic substances chemicals control points crossings airports seaports railway highway province district"
).split()
ROUTE_COUNTRIES = ["AFG", "TJK", "UZB", "KGZ", "KAZ", "TKM", "IRN", "PAK", "TUR", "AZE", "GEO", "ARM", "RUS",
                   "UKR", "BGR", "SRB", "ALB", "MKD", "BIH", "MNE", "KEN", "TZA", "ARE", "OMN", "IND"]


def _load(session, count: int, rng: random.Random) -> None:
    """Core inserts (not the ORM) so that setting up 10,000 projects takes seconds, not minutes."""
    from sqlalchemy import insert, select, text

    from adam.models import (
        ACTIVITY_TYPES, STATUSES, Country, Organisation, Pillar, Project, ProjectFunder, Theme, project_countries,
        project_implementers, project_pillars, project_themes,
    )

    countries = {c.iso3: c.id for c in session.scalars(select(Country).where(Country.iso3.in_(ROUTE_COUNTRIES)))}
    country_ids = list(countries.values())
    pillars = {p.number: p.id for p in session.scalars(select(Pillar))}
    themes_by_pillar: dict[int | None, list[int]] = {}
    for theme in session.scalars(select(Theme)):
        themes_by_pillar.setdefault(theme.pillar.number if theme.pillar else None, []).append(theme.id)
    orgs = [o.id for o in session.scalars(select(Organisation))]
    words = ["border", "customs", "container", "precursor", "forensic", "laboratory", "financial", "intelligence",
             "prevention", "treatment", "canine", "maritime", "training", "mentoring", "equipment", "regional"]
    # Summaries draw on a wider vocabulary, so that a domain word is in about a fifth of them, as in real text
    # (with the 16 domain words alone every word would be in most summaries: an unrealistic free-text load).
    vocabulary = words + GENERIC_WORDS
    now = dt.datetime.now(dt.timezone.utc)
    first_id = (session.scalar(select(Project.id).order_by(Project.id.desc()).limit(1)) or 0) + 1
    rows, links = [], {"countries": [], "pillars": [], "themes": [], "implementers": [], "funders": []}
    for n in range(count):
        pid = first_id + n
        start = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(12 * 365))
        end = start + dt.timedelta(days=rng.randrange(90, 4 * 365))
        budget = Decimal(rng.randrange(20, 5_000)) * 1000
        rows.append({
            "id": pid, "title": " ".join(rng.sample(words, 4)).capitalize() + f" {pid}",
            "summary": " ".join(rng.choices(vocabulary, k=25)), "description": "", "status": rng.choice(list(STATUSES)),
            "activity_type": rng.choice(list(ACTIVITY_TYPES)), "planned_start_on": start, "planned_end_on": end,
            "starts_on": start, "ends_on": end, "budget_amount": budget, "budget_currency": "USD",
            "budget_usd": budget, "contact_name": "", "contact_email": "", "withdrawn_reason": "",
            "created_at": now, "updated_at": now - dt.timedelta(minutes=n), "version": 1,
        })
        for cid in rng.sample(country_ids, rng.choice((1, 1, 1, 2, 3))):
            links["countries"].append({"project_id": pid, "country_id": cid})
        numbers = rng.sample(sorted(pillars), rng.choice((1, 1, 2)))
        for number in numbers:
            links["pillars"].append({"project_id": pid, "pillar_id": pillars[number]})
            for tid in rng.sample(themes_by_pillar.get(number, []), min(1, len(themes_by_pillar.get(number, [])))):
                links["themes"].append({"project_id": pid, "theme_id": tid})
        donor, implementer = rng.sample(orgs, 2)
        links["funders"].append({"project_id": pid, "organisation_id": donor})
        links["implementers"].append({"project_id": pid, "organisation_id": implementer})
    session.execute(insert(Project), rows)
    session.execute(insert(project_countries), links["countries"])
    session.execute(insert(project_pillars), links["pillars"])
    if links["themes"]:
        session.execute(insert(project_themes), links["themes"])
    session.execute(insert(project_implementers), links["implementers"])
    session.execute(insert(ProjectFunder), links["funders"])
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        # Fresh statistics, as autovacuum would gather in a live database, so the planner sees 10,000 rows.
        session.execute(text("ANALYZE"))
        session.commit()


def _queries(rng: random.Random, org_ids: list[int], count: int) -> list[str]:
    mix = [
        lambda: "",
        lambda: f"page={rng.randrange(1, 200)}",
        lambda: f"country={rng.choice(ROUTE_COUNTRIES)}",
        lambda: f"country={rng.choice(ROUTE_COUNTRIES)}&pillar={rng.randrange(1, 5)}&status=ongoing",
        lambda: f"donor={rng.choice(org_ids)}",
        lambda: f"q={rng.choice(['border', 'precursor', 'canine maritime', 'financial intelligence'])}",
        lambda: f"date_from={rng.randrange(2016, 2026)}-01-01&date_to={rng.randrange(2026, 2028)}-12-31&sort=budget-desc",
        lambda: "per_page=100&sort=title",
    ]
    return ["/api/v1/projects/?" + mix[i % len(mix)]() for i in range(count)]


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def run() -> list[dict]:
    """SQLite always; PostgreSQL too with ADAM_BENCH_API_POSTGRES=1 (a throw-away database on the test server)."""
    if os.environ.get("ADAM_BENCH_DATABASE_URL"):
        return _run_on(os.environ["ADAM_BENCH_DATABASE_URL"])
    rows = _run_on(None)
    if os.environ.get("ADAM_BENCH_API_POSTGRES") == "1":
        rows += _on_throwaway_postgres()
    return rows


def _on_throwaway_postgres() -> list[dict]:
    from bench.pgtemp import throwaway_database, unreachable

    admin = os.environ.get("ADAM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    why = unreachable(admin)
    if why:  # a bench without a server reports why it skipped
        return [{"benchmark": "api list (postgresql)", "metric": "skipped", "value": 0, "unit": "",
                 "target": f"PostgreSQL not reachable: {why}", "ok": None}]
    with throwaway_database(admin, "adam_bench_api") as url:
        return _run_on(url)


def _run_on(database_url: str | None) -> list[dict]:
    from flask_migrate import upgrade
    from sqlalchemy import select

    from adam import create_app
    from adam.api import tokens
    from adam.extensions import db
    from adam.models import Organisation, User
    from adam.refdata import load_organisations, load_reference_data

    rng = random.Random(20121)
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        backend = "postgresql" if url.startswith("postgres") else "sqlite"
        app = create_app({"TESTING": False, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                          "RATELIMIT_ENABLED": False, "SERVER_NAME": "localhost"})
        with app.app_context():
            upgrade()
            load_reference_data(db.session)
            load_organisations(db.session)
            db.session.commit()
            started = time.perf_counter()
            _load(db.session, PROJECTS, rng)
            load_seconds = time.perf_counter() - started
            user = User(email="bench@example.org", name="Bench", role="coordinator")
            user.set_password("bench password 1")
            db.session.add(user)
            db.session.flush()
            secret = tokens.create_token(db.session, user, "bench").secret
            db.session.commit()
            org_ids = list(db.session.scalars(select(Organisation.id)))
        headers = {"Authorization": f"Bearer {secret}"}
        client = app.test_client()
        urls = _queries(rng, org_ids, REQUESTS)
        for path in urls[:8]:  # warm-up: first-request compilation and caches
            client.get(path, headers=headers)
        timings, totals, free_text = [], [], []
        for path in urls:
            t0 = time.perf_counter()
            response = client.get(path, headers=headers)
            timings.append((time.perf_counter() - t0) * 1000)
            if "q=" in path:
                free_text.append(timings[-1])
            if response.status_code != 200:
                raise RuntimeError(f"{path}: {response.status_code} {response.get_data(as_text=True)[:200]}")
            totals.append(response.get_json()["total"])
        get_timings = []
        for _ in range(min(100, REQUESTS)):
            t0 = time.perf_counter()
            client.get(f"/api/v1/projects/{rng.randrange(1, PROJECTS + 1)}", headers=headers)
            get_timings.append((time.perf_counter() - t0) * 1000)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

    name = f"api list ({PROJECTS:,} projects, {backend})"
    p95 = _percentile(timings, 95)
    return [
        {"benchmark": name, "metric": "setup: bulk load", "value": round(load_seconds, 2), "unit": "s",
         "target": None, "ok": None},
        {"benchmark": name, "metric": f"list p50 ({REQUESTS} requests)", "value": round(statistics.median(timings), 2),
         "unit": "ms", "target": None, "ok": None},
        {"benchmark": name, "metric": f"list p95 ({REQUESTS} requests)", "value": round(p95, 2), "unit": "ms",
         "target": f"<= {TARGET_P95_MS:.0f} ms", "ok": p95 <= TARGET_P95_MS},
        {"benchmark": name, "metric": "free-text list p95", "value": round(_percentile(free_text, 95), 2),
         "unit": "ms", "target": None, "ok": None},
        {"benchmark": name, "metric": "list max", "value": round(max(timings), 2), "unit": "ms", "target": None,
         "ok": None},
        {"benchmark": name, "metric": "get one p95", "value": round(_percentile(get_timings, 95), 2), "unit": "ms",
         "target": None, "ok": None},
        {"benchmark": name, "metric": "mean matches per list", "value": round(statistics.mean(totals), 1),
         "unit": "projects", "target": None, "ok": None},
    ]
