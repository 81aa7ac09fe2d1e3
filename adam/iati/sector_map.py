"""The documented table that maps DAC sector codes to ADAM's pillars and themes.

IATI activities classify their subject by OECD-DAC codes: 5-digit purpose codes (sector vocabulary 1) and
3-digit categories (vocabulary 2). ADAM classifies by the four pillars of the Vienna Declaration and finer
themes. Only codes whose definition is mostly about a pillar are mapped; broad codes (basic health care,
government administration) are stored on the project but map to nothing, so that the overlap check is not
flooded by projects that merely share a broad sector. Every code is still kept in ProjectSector.

| DAC code | DAC name                                        | pillars | themes                                   |
|----------|-------------------------------------------------|---------|------------------------------------------|
| 16063    | Narcotics control                               | 1       | interdiction                             |
| 15210    | Security system management and reform           | 1       | border-control                           |
| 15132    | Police                                          | 1       | interdiction                             |
| 33120    | Trade facilitation (customs procedures)         | 1       | border-control, container-control        |
| 15113    | Anti-corruption organisations and institutions  | 2       | financial-investigation                  |
| 24010    | Financial policy and administrative management  | 2       | aml-cft                                  |
| 24050    | Remittance facilitation                         | 2       | aml-cft                                  |
| 32164    | Chemicals (industrial production)               | 3       | precursor-control                        |
| 32168    | Pharmaceutical production                       | 3       | precursor-control                        |
| 12330    | Control of harmful use of alcohol and drugs     | 4       | prevention, treatment                    |
| 12340    | Promotion of mental health and well-being       | 4       | treatment                                |
| 13040    | STD control including HIV/AIDS                  | 4       | harm-reduction                           |
| 16064    | Social mitigation of HIV/AIDS                   | 4       | harm-reduction                           |
| 15130    | Legal and judicial development                  | -       | legal-frameworks                         |
| 15131    | Justice, law and order policy                   | -       | legal-frameworks                         |
| 15134    | Judicial affairs                                | -       | legal-frameworks                         |
| 16062    | Statistical capacity building                   | -       | research-data                            |
| 15196    | Government and civil society statistics         | -       | research-data                            |
| 152      | Conflict, peace and security (category)         | 1       | -                                        |
| 123      | Non-communicable diseases (category)            | 4       | -                                        |

Themes imply their pillar (a theme under pillar 1 adds pillar 1); cross-cutting themes add none.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CODELISTS = Path(__file__).resolve().parent.parent / "data" / "iati"

# code: (pillar numbers, theme codes); keep in step with the table in the module docstring.
DAC_PURPOSE_MAP: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    "16063": ((1,), ("interdiction",)),
    "15210": ((1,), ("border-control",)),
    "15132": ((1,), ("interdiction",)),
    "33120": ((1,), ("border-control", "container-control")),
    "15113": ((2,), ("financial-investigation",)),
    "24010": ((2,), ("aml-cft",)),
    "24050": ((2,), ("aml-cft",)),
    "32164": ((3,), ("precursor-control",)),
    "32168": ((3,), ("precursor-control",)),
    "12330": ((4,), ("prevention", "treatment")),
    "12340": ((4,), ("treatment",)),
    "13040": ((4,), ("harm-reduction",)),
    "16064": ((4,), ("harm-reduction",)),
    "15130": ((), ("legal-frameworks",)),
    "15131": ((), ("legal-frameworks",)),
    "15134": ((), ("legal-frameworks",)),
    "16062": ((), ("research-data",)),
    "15196": ((), ("research-data",)),
}
DAC_CATEGORY_MAP: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    "152": ((1,), ()),
    "123": ((4,), ()),
}

# IATI SectorVocabulary codes for the two DAC lists; 1.x files say "DAC" (5-digit) or "DAC-3".
DAC_PURPOSE_VOCABULARIES = {"1", "DAC"}
DAC_CATEGORY_VOCABULARIES = {"2", "DAC-3"}


@dataclass(frozen=True)
class SectorMapping:
    pillars: tuple[int, ...]
    themes: tuple[str, ...]


@lru_cache(maxsize=1)
def known_codes() -> tuple[frozenset[str], frozenset[str]]:
    """DAC purpose codes and category codes of the IATI codelists (active and withdrawn)."""
    def read(name: str) -> frozenset[str]:
        with open(CODELISTS / f"{name}.csv", newline="", encoding="utf-8") as handle:
            return frozenset(row["code"] for row in csv.DictReader(handle))

    return read("Sector"), read("SectorCategory")


def normalise_vocabulary(vocabulary: str | None, code: str) -> str:
    """IATI vocabulary code of a sector; 1.x words become codes, a missing one is DAC 5-digit (the default)."""
    if not vocabulary:
        return "2" if len(code) == 3 and code.isdigit() else "1"
    if vocabulary in DAC_PURPOSE_VOCABULARIES:
        return "1"
    if vocabulary in DAC_CATEGORY_VOCABULARIES:
        return "2"
    return vocabulary


def is_known(vocabulary: str, code: str) -> bool:
    """False only for a DAC code (vocabulary 1 or 2) that the DAC lists do not hold; other vocabularies pass."""
    purposes, categories = known_codes()
    if vocabulary == "1":
        return code in purposes
    if vocabulary == "2":
        return code in categories
    return True


def map_sector(vocabulary: str, code: str) -> SectorMapping | None:
    """Pillars and themes for one DAC code, or None when the code is not about a pillar."""
    if vocabulary == "1":
        found = DAC_PURPOSE_MAP.get(code)
    elif vocabulary == "2":
        found = DAC_CATEGORY_MAP.get(code)
    else:
        found = None
    return SectorMapping(*found) if found else None
