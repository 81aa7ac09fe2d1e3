"""Deterministic generator of realistic project corpora for the overlap benchmark.

Country, donor, start year and duration are drawn jointly from ../shared/data/aims/aims_projects.csv (13 real aid
registers), so block sizes and date densities are real; wording is drug-control technical assistance; each
country has a few dozen beneficiary institutions (several projects each). About 1% of projects get an injected
duplicate: typos, dropped words, shifted dates, a translated title or a different donor.
"""
from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

AIMS = Path(__file__).resolve().parents[2] / "shared" / "data" / "aims" / "aims_projects.csv"
THEMES = {
    "border-control": (1, ["border management", "border guards", "border crossing points", "patrol equipment"]),
    "container-control": (1, ["container profiling", "port control units", "container control programme"]),
    "canine-units": (1, ["drug detection dogs", "canine units", "canine training centre"]),
    "interdiction": (1, ["drug interdiction", "criminal investigations", "mobile interdiction teams"]),
    "aml-cft": (2, ["anti-money-laundering", "suspicious transaction reporting", "AML supervision"]),
    "fiu": (2, ["financial intelligence unit", "financial analysis", "FIU information exchange"]),
    "asset-recovery": (2, ["asset recovery", "confiscation of criminal proceeds", "asset tracing"]),
    "precursor-control": (3, ["precursor control", "chemical diversion", "precursor licensing"]),
    "forensics": (3, ["forensic laboratory", "drug testing laboratory", "forensic chemists"]),
    "prevention": (4, ["school-based prevention", "family skills prevention", "youth prevention"]),
    "treatment": (4, ["drug treatment services", "opioid substitution therapy", "rehabilitation centres"]),
    "harm-reduction": (4, ["HIV prevention among people who inject drugs", "harm reduction services"]),
}
VERBS = ["Strengthening", "Support to", "Capacity building for", "Training of", "Equipment for", "Improving",
         "Technical assistance on", "Mentoring programme for", "Modernising", "Developing"]
AGENCIES = ["Drug Control Agency", "Customs Service", "Border Police", "Financial Intelligence Unit",
            "Ministry of Health", "Police Academy", "Prosecutor's Office", "Forensic Centre", "Ministry of Interior"]
IMPLEMENTERS = ["UNODC", "UNDP", "IOM", "WHO", "OSCE", "GIZ", "Expertise France", "FIIAPP", "Crown Agents",
                "ICMPD", "BOMCA", "CADAP", "Interpol", "WCO", "NGO Alliance"]
ACTIVITY = ["training", "equipment", "advisory", "infrastructure", "research", "conference"]
QUALIFIERS = ["pilot", "national", "regional", "northern", "southern", "eastern", "western", "provincial", "urban",
              "rural", "emergency", "second", "third", "women-led", "youth", "cross-border", "mobile", "digital",
              "sustainable", "integrated", "community", "municipal", "strategic", "operational"]
QUALIFIERS2 = ["phase", "component", "initiative", "facility", "window", "action", "programme", "pilot",
               "expansion", "follow-up", "roll-out", "centre", "network", "platform", "assessment", "curriculum"]
TYPOS = str.maketrans({"e": "a", "o": "0", "i": "y"})
TRANSLATE = {"Strengthening": "Renforcement de", "Support to": "Appui à", "Training of": "Formation de",
             "Improving": "Amélioration de", "Equipment for": "Équipement pour"}


@dataclass
class GenProject:
    title: str
    summary: str
    country: str
    donor: str
    implementer: str
    institution: str
    theme: str
    pillar: int
    activity_type: str
    start: dt.date
    end: dt.date
    budget: int
    duplicate_of: int | None = None
    extra: dict = field(default_factory=dict)


def _aims_rows() -> list[tuple[str, str, int, int]]:
    rows = []
    with open(AIMS, encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            country = (r["recipient_countries_iso3"] or "").split("|")[0].split(";")[0].strip()
            donor = (r["donors"] or "").split("|")[0].split(";")[0].strip()
            try:
                start = dt.date.fromisoformat(r["start_date"][:10])
                end = dt.date.fromisoformat(r["end_date"][:10])
            except ValueError:
                continue
            if len(country) == 3 and donor and end > start:
                rows.append((country, donor[:200], start.year, min((end - start).days, 3650)))
    return rows


def generate(n: int, seed: int = 4) -> list[GenProject]:
    rng = random.Random(seed)
    aims = _aims_rows()
    themes = list(THEMES)
    projects: list[GenProject] = []
    while len(projects) < n:
        country, donor, year, days = rng.choice(aims)
        theme = rng.choice(themes)
        pillar, phrases = THEMES[theme]
        phrase = rng.choice(phrases)
        agency = f"{rng.choice(AGENCIES)} {rng.randint(1, 40)} of {country}"
        start = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        # Real titles name the place or the counterpart only sometimes, and add a qualifier of their own.
        place = rng.choice([f" for the {agency}", f" in {country}", "", "", f" ({rng.choice(QUALIFIERS)})"])
        title = f"{rng.choice(VERBS)} {phrase}{place}"
        if rng.random() < 0.5:
            title += f": {rng.choice(QUALIFIERS)} {rng.choice(QUALIFIERS2)}"
        summary = (f"The project supports the {agency} with {phrase}, {rng.choice(ACTIVITY)} activities and "
                   f"{rng.choice(['regional cooperation', 'standard operating procedures', 'data systems', 'field offices'])}.")
        p = GenProject(title, summary, country, donor, rng.choice(IMPLEMENTERS), agency, theme, pillar,
                       rng.choice(ACTIVITY), start, start + dt.timedelta(days=days), rng.randint(50, 5000) * 1000)
        projects.append(p)
        if rng.random() < 0.01 and len(projects) < n:
            projects.append(_duplicate(rng, p, len(projects) - 1))
    return projects[:n]


def _duplicate(rng: random.Random, p: GenProject, index: int) -> GenProject:
    words = p.title.split()
    kind = rng.choice(["typo", "dropped", "translated", "donor"])
    if kind == "typo":
        title = " ".join(w.translate(TYPOS) if rng.random() < 0.2 else w for w in words)
    elif kind == "dropped":
        title = " ".join(w for w in words if rng.random() > 0.2)
    elif kind == "translated":
        title = p.title
        for en, fr in TRANSLATE.items():
            title = title.replace(en, fr)
    else:
        title = p.title
    shift = dt.timedelta(days=rng.choice([0, 10, 30, 60]))
    return GenProject(title, p.summary, p.country, p.donor if kind != "donor" else "Other donor " + p.donor[:20],
                      p.implementer, p.institution, p.theme, p.pillar, p.activity_type, p.start + shift,
                      p.end + shift, int(p.budget * rng.choice([1, 0.95, 1.05])), duplicate_of=index)
