"""Reference data (countries, regions and routes, currencies, pillars, themes, partner organisations).

Loading is idempotent: every loader upserts by natural key, so running it twice changes nothing.
"""
from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pycountry
from sqlalchemy import select
from sqlalchemy.orm import Session

from adam.messages import N_
from adam.models import Country, Currency, Organisation, OrganisationAlias, Pillar, Region, Theme, normalise_name

DATA = Path(__file__).parent / "data"

# Short common names where ISO's are long or political; the ISO name stays available via pycountry.
# Marked for ADAM's catalogue: ISO 3166's own translations are of the long names.
COMMON_NAMES = {
    "IRN": N_("Iran"),
    "RUS": N_("Russian Federation"),
    "BOL": N_("Bolivia"),
    "VEN": N_("Venezuela"),
    "TZA": N_("Tanzania"),
    "SYR": N_("Syria"),
    "MDA": N_("Moldova"),
    "LAO": N_("Lao PDR"),
    "KOR": N_("Republic of Korea"),
    "PRK": N_("DPR Korea"),
    "COD": N_("Congo (Democratic Republic)"),
    "PSE": N_("Palestine"),
    "VNM": N_("Viet Nam"),
    "TWN": N_("Taiwan"),
}

# Regions and routes of the Paris Pact partnership (ISO alpha-3).
GEOGRAPHIC_REGIONS = {
    "central-asia": (N_("Central Asia"), ["KAZ", "KGZ", "TJK", "TKM", "UZB"]),
    "south-caucasus": (N_("South Caucasus"), ["ARM", "AZE", "GEO"]),
    "south-eastern-europe": (
        N_("South-Eastern Europe"),
        ["ALB", "BIH", "BGR", "HRV", "GRC", "MNE", "MKD", "ROU", "SRB", "SVN", "TUR"],
    ),
    "eastern-europe": (N_("Eastern Europe"), ["BLR", "MDA", "RUS", "UKR"]),
    "west-and-south-asia": (N_("West and South Asia"), ["AFG", "IRN", "PAK", "IND", "BGD", "LKA", "MDV", "NPL"]),
    "gulf": (N_("Gulf States"), ["ARE", "BHR", "KWT", "OMN", "QAT", "SAU", "YEM"]),
    "east-africa": (N_("East Africa"), ["KEN", "TZA", "UGA", "ETH", "SOM", "MOZ", "DJI", "ERI", "SYC", "MUS", "MDG"]),
}
ROUTES = {
    "route-northern": (N_("Northern route"), ["AFG", "TJK", "UZB", "KGZ", "TKM", "KAZ", "RUS"]),
    "route-balkan": (
        N_("Balkan route"),
        ["AFG", "IRN", "TUR", "BGR", "GRC", "MKD", "SRB", "ALB", "BIH", "MNE", "HRV", "SVN", "ROU", "HUN", "AUT", "DEU", "NLD"],
    ),
    "route-southern": (
        N_("Southern route"),
        ["AFG", "PAK", "IRN", "ARE", "OMN", "KEN", "TZA", "MOZ", "ZAF", "IND", "LKA", "MDV", "NGA"],
    ),
}
# IATI/DAC region codes whose member countries ADAM knows; 998 (developing countries, unspecified) is global.
DAC_REGION_MEMBERS = {
    "88": ["SRB", "MNE", "BIH", "MKD", "HRV", "SVN"],
    "89": GEOGRAPHIC_REGIONS["south-eastern-europe"][1] + GEOGRAPHIC_REGIONS["eastern-europe"][1],
    "589": ["IRN", "IRQ", "JOR", "LBN", "SYR", "YEM", "SAU", "ARE", "OMN", "KWT", "QAT", "BHR", "PSE"],
    "619": GEOGRAPHIC_REGIONS["central-asia"][1],
    "679": ["AFG", "PAK", "IND", "BGD", "LKA", "MDV", "NPL", "BTN"],
    "689": GEOGRAPHIC_REGIONS["central-asia"][1] + ["AFG", "PAK", "IND", "BGD", "LKA", "MDV", "NPL", "BTN"],
    "1027": GEOGRAPHIC_REGIONS["east-africa"][1],
}
GLOBAL_DAC_REGIONS = {"998"}

PILLARS = [
    (1, N_("Regional initiatives"), N_("Cross-border cooperation, border management, interdiction, information sharing, maritime trafficking.")),
    (2, N_("Illicit financial flows"), N_("Financial investigations, anti-money-laundering, asset recovery, financial intelligence units.")),
    (3, N_("Precursor chemicals"), N_("Preventing diversion of precursors, their detection and control, forensic laboratories.")),
    (4, N_("Drug prevention and health"), N_("Prevention, treatment, rehabilitation, HIV and drug use, evidence-based services.")),
]
# code: (name, pillar number or None for cross-cutting)
THEMES = {
    "border-control": (N_("Border control"), 1),
    "container-control": (N_("Container control"), 1),
    "canine-units": (N_("Canine units"), 1),
    "maritime": (N_("Maritime trafficking"), 1),
    "interdiction": (N_("Interdiction and investigations"), 1),
    "information-sharing": (N_("Information sharing and intelligence"), 1),
    "airport-control": (N_("Airport interdiction"), 1),
    "financial-investigation": (N_("Financial investigation"), 2),
    "aml-cft": (N_("Anti-money-laundering and CFT"), 2),
    "asset-recovery": (N_("Asset recovery"), 2),
    "fiu": (N_("Financial intelligence units"), 2),
    "precursor-control": (N_("Precursor control"), 3),
    "forensics": (N_("Forensic laboratories"), 3),
    "synthetic-drugs": (N_("Synthetic drugs and NPS"), 3),
    "prevention": (N_("Prevention"), 4),
    "treatment": (N_("Treatment and rehabilitation"), 4),
    "harm-reduction": (N_("HIV and harm reduction"), 4),
    "research-data": (N_("Research and data"), None),
    "legal-frameworks": (N_("Legal frameworks"), None),
    "capacity-building": (N_("Capacity building"), None),
    "equipment": (N_("Equipment"), None),
    "regional-coordination": (N_("Regional coordination"), None),
    "darknet-cybercrime": (N_("Darknet and cybercrime"), None),
}

# Indicative USD per unit (annual averages, rounded); used only to show totals in one currency.
USD_RATES = {
    "USD": "1", "EUR": "1.08", "GBP": "1.27", "CHF": "1.13", "JPY": "0.0067", "NOK": "0.093",
    "SEK": "0.095", "DKK": "0.145", "CAD": "0.73", "AUD": "0.66", "RUB": "0.011", "TRY": "0.031",
    "INR": "0.012", "KZT": "0.0021", "CNY": "0.14", "PKR": "0.0036", "AFN": "0.014", "UZS": "0.00008",
    "KGS": "0.0114", "TJS": "0.092", "IRR": "0.000024", "AED": "0.272", "PLN": "0.25", "CZK": "0.044",
    "HUF": "0.0028", "RON": "0.22", "BGN": "0.55", "KRW": "0.00075", "NZD": "0.61", "SAR": "0.267",
    "QAR": "0.275", "KWD": "3.25", "XDR": "1.33", "COP": "0.00025", "UGX": "0.00027", "KES": "0.0075",
}

# Partner organisations named by the seed documents. Aliases in the four UN languages where they exist.
ORGANISATIONS = [
    # name, acronym, type, country iso3, iati identifier, aliases [(alias, language)]
    ("United Nations Office on Drugs and Crime", "UNODC", "multilateral", None, "XM-DAC-41128",
     [("Office des Nations Unies contre la drogue et le crime", "fr"), ("ONUDC", "fr"),
      ("Управление Организации Объединенных Наций по наркотикам и преступности", "ru"), ("УНП ООН", "ru"),
      ("Oficina de las Naciones Unidas contra la Droga y el Delito", "es"), ("ONUDD", "es"), ("UNDCP", None)]),
    ("Organization for Security and Co-operation in Europe", "OSCE", "multilateral", None, None,
     [("Organisation pour la sécurité et la coopération en Europe", "fr"),
      ("Организация по безопасности и сотрудничеству в Европе", "ru"), ("ОБСЕ", "ru"),
      ("Organización para la Seguridad y la Cooperación en Europa", "es")]),
    ("European Union Agency for Law Enforcement Cooperation", "Europol", "multilateral", None, None,
     [("European Police Office", "en"), ("Европол", "ru")]),
    ("International Narcotics Control Board", "INCB", "multilateral", None, None,
     [("Organe international de contrôle des stupéfiants", "fr"), ("OICS", "fr"),
      ("Международный комитет по контролю над наркотиками", "ru"), ("МККН", "ru"),
      ("Junta Internacional de Fiscalización de Estupefacientes", "es"), ("JIFE", "es")]),
    ("Eurasian Group on Combating Money Laundering and Financing of Terrorism", "EAG", "multilateral", None, None,
     [("Евразийская группа по противодействию легализации преступных доходов и финансированию терроризма", "ru"),
      ("ЕАГ", "ru")]),
    ("Collective Security Treaty Organization", "CSTO", "multilateral", None, None,
     [("Организация Договора о коллективной безопасности", "ru"), ("ОДКБ", "ru"),
      ("Organisation du traité de sécurité collective", "fr"), ("OTSC", "fr")]),
    ("Central Asian Regional Information and Coordination Centre", "CARICC", "multilateral", "KAZ", None,
     [("Центрально-Азиатский региональный информационный координационный центр", "ru"), ("ЦАРИКЦ", "ru")]),
    ("Combined Maritime Forces", "CMF", "multilateral", None, None, []),
    ("European Union", "EU", "multilateral", None, "XI-IATI-EC_INTPA",
     [("European Commission", "en"), ("Union européenne", "fr"), ("Европейский союз", "ru"), ("Unión Europea", "es")]),
    ("United Nations Development Programme", "UNDP", "multilateral", None, "XM-DAC-41114",
     [("PNUD", "fr"), ("ПРООН", "ru")]),
    ("World Customs Organization", "WCO", "multilateral", None, None,
     [("Organisation mondiale des douanes", "fr"), ("OMD", "fr"), ("Всемирная таможенная организация", "ru"),
      ("Organización Mundial de Aduanas", "es")]),
    ("International Criminal Police Organization", "INTERPOL", "multilateral", None, None, []),
    ("Government of Austria", "AT", "bilateral_donor", "AUT", None, [("Austria", "en"), ("Autriche", "fr")]),
    ("Government of France", "FR", "bilateral_donor", "FRA", None, [("France", "en")]),
    ("Government of India", "IN", "bilateral_donor", "IND", None, [("India", "en"), ("Inde", "fr")]),
    ("Government of Norway", "NO", "bilateral_donor", "NOR", None, [("Norway", "en"), ("Norvège", "fr")]),
    ("Government of the Russian Federation", "RU", "bilateral_donor", "RUS", None,
     [("Russian Federation", "en"), ("Russia", "en"), ("Правительство Российской Федерации", "ru")]),
    ("Government of Türkiye", "TR", "bilateral_donor", "TUR", None, [("Turkey", "en"), ("Türkiye", "en")]),
    ("Government of the United Kingdom", "UK", "bilateral_donor", "GBR", "GB-GOV-1",
     [("United Kingdom", "en"), ("UK Foreign, Commonwealth and Development Office", "en"), ("FCDO", "en"),
      ("Royaume-Uni", "fr")]),
    ("Government of the United States of America", "US", "bilateral_donor", "USA", None,
     [("United States", "en"), ("USA", "en"), ("US Department of State INL", "en"),
      ("Bureau of International Narcotics and Law Enforcement Affairs", "en"), ("INL", "en")]),
    ("Government of Germany", "DE", "bilateral_donor", "DEU", None, [("Germany", "en"), ("Allemagne", "fr")]),
    ("Government of Japan", "JP", "bilateral_donor", "JPN", None, [("Japan", "en"), ("Japon", "fr")]),
    ("Government of Canada", "CA", "bilateral_donor", "CAN", None, [("Canada", "en")]),
    ("Government of Italy", "IT", "bilateral_donor", "ITA", None, [("Italy", "en"), ("Italie", "fr")]),
    ("Government of the Netherlands", "NL", "bilateral_donor", "NLD", None, [("Netherlands", "en")]),
]


def country_name(country) -> str:  # noqa: ANN001
    return COMMON_NAMES.get(country.alpha_3) or getattr(country, "common_name", None) or country.name


def load_countries(session: Session) -> dict[str, Country]:
    existing = {c.iso3: c for c in session.scalars(select(Country))}
    for record in pycountry.countries:
        country = existing.get(record.alpha_3)
        if country is None:
            country = Country(iso3=record.alpha_3)
            session.add(country)
            existing[record.alpha_3] = country
        country.iso2 = record.alpha_2
        country.numeric = record.numeric
        country.name = country_name(record)
    session.flush()
    return existing


def _upsert_region(session: Session, by_code: dict, countries: dict, code: str, name: str, kind: str,
                   members: list[str], is_global: bool = False) -> None:
    region = by_code.get(code)
    if region is None:
        region = Region(code=code)
        session.add(region)
        by_code[code] = region
    region.name = name
    region.kind = kind
    region.is_global = is_global
    region.countries = [countries[iso] for iso in dict.fromkeys(members) if iso in countries]


def load_regions(session: Session, countries: dict[str, Country]) -> None:
    by_code = {r.code: r for r in session.scalars(select(Region))}
    for code, (name, members) in GEOGRAPHIC_REGIONS.items():
        _upsert_region(session, by_code, countries, code, name, "geographic", members)
    for code, (name, members) in ROUTES.items():
        _upsert_region(session, by_code, countries, code, name, "route", members)
    with open(DATA / "iati_region.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["status"] != "active":
                continue
            _upsert_region(
                session, by_code, countries, f"dac-{row['code']}", row["name"], "dac",
                DAC_REGION_MEMBERS.get(row["code"], []), is_global=row["code"] in GLOBAL_DAC_REGIONS,
            )
    session.flush()


def load_currencies(session: Session) -> None:
    existing = {c.code: c for c in session.scalars(select(Currency))}
    for record in pycountry.currencies:
        currency = existing.get(record.alpha_3)
        if currency is None:
            currency = Currency(code=record.alpha_3)
            session.add(currency)
        currency.name = record.name
        rate = USD_RATES.get(record.alpha_3)
        currency.usd_rate = Decimal(rate) if rate else None
    session.flush()


def load_pillars_and_themes(session: Session) -> None:
    pillars = {p.number: p for p in session.scalars(select(Pillar))}
    for number, name, description in PILLARS:
        pillar = pillars.get(number)
        if pillar is None:
            pillar = Pillar(number=number)
            session.add(pillar)
            pillars[number] = pillar
        pillar.name = name
        pillar.description = description
    session.flush()
    themes = {t.code: t for t in session.scalars(select(Theme))}
    for code, (name, pillar_number) in THEMES.items():
        theme = themes.get(code)
        if theme is None:
            theme = Theme(code=code, active=True)
            session.add(theme)
        theme.name = name
        theme.pillar_id = pillars[pillar_number].id if pillar_number else None
    session.flush()


def set_aliases(organisation: Organisation, aliases: list[tuple[str, str | None]], session: Session) -> None:
    """Give an organisation its aliases; its own name and acronym always count as aliases too."""
    wanted: dict[str, tuple[str, str | None]] = {}
    for alias, language in [(organisation.name, None), (organisation.acronym or "", None), *aliases]:
        key = normalise_name(alias)
        if key and key not in wanted:
            wanted[key] = (alias, language)
    taken = {
        a.key: a for a in session.scalars(select(OrganisationAlias).where(OrganisationAlias.key.in_(list(wanted))))
    }
    current = {a.key: a for a in organisation.aliases}
    for key, (alias, language) in wanted.items():
        other = taken.get(key)
        if other is not None and other.organisation_id not in (None, organisation.id):
            continue  # an alias belongs to one organisation only; the first keeps it
        if key in current:
            current[key].alias, current[key].language = alias, language
        else:
            organisation.aliases.append(OrganisationAlias(alias=alias, key=key, language=language))


def load_organisations(session: Session) -> None:
    countries = {c.iso3: c.id for c in session.scalars(select(Country))}
    existing = {o.name: o for o in session.scalars(select(Organisation))}
    for name, acronym, org_type, iso3, iati_id, aliases in ORGANISATIONS:
        organisation = existing.get(name)
        if organisation is None:
            organisation = Organisation(name=name)
            session.add(organisation)
        organisation.acronym = acronym
        organisation.type = org_type
        organisation.country_id = countries.get(iso3) if iso3 else None
        organisation.iati_identifier = iati_id
        session.flush()
        set_aliases(organisation, aliases, session)
    session.flush()


def load_reference_data(session: Session) -> None:
    countries = load_countries(session)
    load_regions(session, countries)
    load_currencies(session)
    load_pillars_and_themes(session)
