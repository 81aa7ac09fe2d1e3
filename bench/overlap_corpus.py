"""Deterministic generator of realistic project corpora for the overlap benchmark.

Country, donor, start year and duration are drawn jointly from ../shared/data/aims/aims_projects.csv (13 real aid
registers), so block sizes and date densities are real; wording is drug-control technical assistance; each
country has a few dozen beneficiary institutions (several projects each). About 1% of projects get an injected
duplicate: typos, dropped words, shifted dates, a translated title or a different donor.

Countries: the AIMS file holds the registers of 13 countries, 18,744 projects in all (the largest 6,842). A corpus
larger than that is spread (`spread=True`, the default) over more countries, as a register of that size is: the
12 AIMS countries with usable dates are one "copy" of the country mix, and each further copy maps them one to one
onto 12 other countries, in the order of how often the 15,082 real IATI activities of ../shared/data/iati-real name
them as recipients (MORE_COUNTRIES), so donors, start years, durations and each country's share stay those of
AIMS. There are ceil(n / 18,744) copies, at most 13 (156 countries): a copy holds no more projects than the 13 real
registers up to 243,672 projects in all; at 1,000,000 it holds 4.1 times as many. Without the spread (`spread=False`,
`ADAM_BENCH_OVERLAP_CORPUS=aims-countries`), every size lies in the 12 AIMS countries: at 1,000,000 that is 83,000
projects a country on average over the same ten years, and the flagged pairs grow with the square of the corpus. Up to
18,744 projects the two are the same corpus.

The pools of beneficiary institutions and of sites (districts, towns, crossing points) grow with the number of
projects in a country, so that at every size a beneficiary has several projects (not hundreds) and a summary names
its own site, counterpart and a few concrete outputs: at 1,000,000 projects in the AIMS countries alone a fixed
pool would put 450 projects on each institution and make every summary of a country alike, which no real register
looks like.
"""
from __future__ import annotations

import csv
import datetime as dt
import math
import os
import random
from dataclasses import dataclass, field
from pathlib import Path

AIMS = Path(__file__).resolve().parents[2] / "shared" / "data" / "aims" / "aims_projects.csv"
# Projects in the 13 registers of aims_projects.csv: the size of a real register of that many countries.
AIMS_REGISTER_PROJECTS = 18_744
# Recipient countries of the real IATI activities in ../shared/data/iati-real other than the 12 AIMS countries, the
# most often named first: the 144 (12 copies of 12) that 5 or more activities name, from Liberia (1,009) down.
MORE_COUNTRIES = (
    "LBR ETH GIN KEN MOZ ZAF AFG SSD IND SDN PSE MDG SYR MLI CAF MMR TUR ZWE BEN UKR PAK RWA YEM PHL LBN JOR CIV "
    "HTI BFA GHA TZA NER NPL CMR PER GTM KHM GEO IDN LBY TUN BIH MAR USA SLV ZMB MWI ECU BRA SWZ MEX VEN EGY TCD "
    "LKA BOL CHN SRB VNM PRY MDA DOM ARM NIC PAN TJK MNE THA MKD MRT MNG ALB KGZ UZB JAM LAO BWA AZE LSO FJI IRN "
    "CRI GMB PNG COG ARG AGO NAM DZA BLR CUB GNB TGO SLB GBR CPV TKM WSM DJI BLZ STP CHL VUT MUS BTN KAZ TON MYS "
    "MDV GAB RUS NLD SAU ROU KIR ITA ERI TUV COM GNQ DNK COK URY SUR BRB MHL PRK GUY SYC CAN GRC DMA TTO LCA FSM "
    "BHS TKL NIU BGR SHN JPN CUW BES PLW"
).split()
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
OUTPUTS = [
    "standard operating procedures", "training curricula", "mobile laboratories", "case management system",
    "risk profiling software", "scanners", "x-ray equipment", "field kits", "radio network", "patrol vehicles",
    "drug testing kits", "trainer network", "e-learning modules", "inter-agency task force", "legal drafting",
    "data dashboard", "hotline", "community outreach", "peer educators", "needle exchange", "methadone clinics",
    "school curricula", "parenting sessions", "prison health services", "gender mainstreaming", "study tours",
    "mentors", "joint operations", "intelligence analysts", "border liaison offices", "boats", "drones",
    "sniffer dogs", "kennels", "forensic software", "evidence rooms", "chain of custody", "sampling protocols",
    "reference standards", "precursor database", "licensing portal", "compliance inspections", "bank supervisors",
    "reporting entities", "beneficial ownership registry", "asset management office", "confiscation law",
    "mutual legal assistance", "extradition requests", "prosecutors' manual", "judges' bench book",
    "surveillance cameras", "information sharing platform", "regional hub", "national strategy", "action plan",
    "baseline survey", "household survey", "treatment guidelines", "harm reduction outreach", "naloxone",
    "HIV testing", "hepatitis C treatment", "rehabilitation beds", "vocational training", "alternative livelihoods",
    "crop substitution", "farmer cooperatives", "rural roads", "market access", "awareness campaign",
    "media training", "civil society grants", "youth clubs", "sports programmes", "women's shelters",
    "victim support", "anti-corruption unit", "asset declarations", "integrity testing", "internal audit",
    "procurement rules", "cyber forensics", "darknet investigations", "cryptocurrency tracing",
    "postal parcel screening", "airport interdiction", "cargo manifests", "rail checkpoints", "seaport scanners",
    "maritime patrols", "coast guard", "river patrols", "mountain outposts", "fuel depots", "barracks",
    "training centre", "dormitories", "solar power", "generators", "IT servers", "fibre links", "vehicles",
    "motorcycles", "night vision", "uniforms", "handheld analysers", "spectrometers", "gas chromatographs",
]
SYLLABLES = ["ka", "lo", "mi", "ne", "ta", "ru", "sa", "bo", "di", "ga", "ha", "ja", "ko", "ma", "no", "pa",
             "ri", "su", "to", "wa", "ye", "zu", "ba", "fe", "gu", "hi", "ke", "la", "mo", "ni"]
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


def _site(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


CORPORA = {"spread": True, "aims-countries": False}


def spread_from_env() -> bool:
    """ADAM_BENCH_OVERLAP_CORPUS: "spread" (the default) or "aims-countries" (every size in the 12 AIMS countries)."""
    name = os.environ.get("ADAM_BENCH_OVERLAP_CORPUS", "spread").strip() or "spread"
    if name not in CORPORA:
        raise SystemExit(f"ADAM_BENCH_OVERLAP_CORPUS={name!r}: expected one of {', '.join(CORPORA)}")
    return CORPORA[name]


def country_copies(n: int, spread: bool = True) -> int:
    """How many copies of the AIMS country mix a corpus of n projects lies in (see the module docstring)."""
    if not spread:
        return 1
    return max(1, min(1 + len(MORE_COUNTRIES) // 12, math.ceil(n / AIMS_REGISTER_PROJECTS)))


def generate(n: int, seed: int = 4, spread: bool = True) -> list[GenProject]:
    rng = random.Random(seed)
    aims = _aims_rows()
    position = {country: k for k, country in enumerate(sorted({row[0] for row in aims}))}
    if len(position) != 12:  # MORE_COUNTRIES is cut in copies of 12
        raise ValueError(f"{AIMS} has {len(position)} countries with usable dates, not 12")
    copies = country_copies(n, spread)
    themes = list(THEMES)
    # Several projects per beneficiary institution and per site at every size (see the module docstring).
    per_copy = n // copies
    agencies_per_kind = max(40, per_copy // 250)
    sites_per_country = max(200, per_copy // 50)
    projects: list[GenProject] = []
    while len(projects) < n:
        country, donor, year, days = rng.choice(aims)
        if copies > 1:  # no draw with one copy: the same corpus as without the spread
            copy = rng.randrange(copies)
            if copy:
                country = MORE_COUNTRIES[(copy - 1) * 12 + position[country]]
        theme = rng.choice(themes)
        pillar, phrases = THEMES[theme]
        phrase = rng.choice(phrases)
        agency = f"{rng.choice(AGENCIES)} {rng.randint(1, agencies_per_kind)} of {country}"
        site = _site(random.Random(f"{country}-{rng.randrange(sites_per_country)}"))
        outputs = rng.sample(OUTPUTS, 3)
        start = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        # Real titles name the place or the counterpart only sometimes, and add a qualifier of their own.
        place = rng.choice([f" for the {agency}", f" in {site}", f" in {site}", f" in {site}, {country}",
                            f" for the {agency} in {site}", "", f" ({rng.choice(QUALIFIERS)})"])
        title = f"{rng.choice(VERBS)} {phrase}{place}"
        tail = rng.random()
        if tail < 0.4:
            title += f": {rng.choice(QUALIFIERS)} {rng.choice(QUALIFIERS2)}"
        elif tail < 0.7:
            title += f" ({outputs[0]})"
        summary = rng.choice([
            f"The project supports the {agency} in {site} with {phrase}: {outputs[0]}, {outputs[1]} and {outputs[2]}.",
            f"In {site}, {rng.choice(ACTIVITY)} on {phrase} for the {agency}, delivering {outputs[0]} and {outputs[1]}.",
            f"{outputs[0].capitalize()}, {outputs[1]} and {outputs[2]} for {site} ({agency}).",
            f"Provides {outputs[0]} and {outputs[1]} to the {agency}; {phrase} in {site} and neighbouring districts.",
        ])
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
