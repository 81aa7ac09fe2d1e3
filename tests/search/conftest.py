"""A small register whose expected search results are known by heart."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_project, organisation


@pytest.fixture
def register(session):
    """Six projects spread over countries, donors, pillars, dates and languages (one withdrawn)."""
    d = dt.date
    dca = organisation(session, "Drug Control Agency of Tajikistan", "recipient_agency")
    projects = {
        "tjk_border": make_project(session, "Container profiling training for customs officers",
                                   countries=("TJK",), pillars=(1,), themes=("border-control", "container-control"),
                                   donors=("UK",), implementers=("UNODC",), institutions=(dca.name,),
                                   start=d(2023, 1, 1), end=d(2023, 12, 31), budget=250_000, status="completed"),
        "uzb_fiu": make_project(session, "Financial intelligence unit mentoring",
                                countries=("UZB",), pillars=(2,), themes=("fiu",), donors=("US",),
                                implementers=("UNODC",), start=d(2024, 3, 1), end=None, budget=1_000_000,
                                activity_type="advisory", status="ongoing"),
        "regional": make_project(session, "Northern route interdiction network",
                                 countries=("TJK", "UZB", "KGZ"), regions=("central-asia",), pillars=(1, 2),
                                 themes=("interdiction",), donors=("UK", "US"), implementers=("UNODC",),
                                 start=d(2024, 1, 1), end=d(2026, 12, 31), budget=3_000_000, status="ongoing"),
        "russian": make_project(session, "Профилактика наркомании среди молодёжи",
                                summary="Обучение школьных психологов в Бишкеке",
                                countries=("KGZ",), pillars=(4,), themes=("prevention",), donors=("DE",),
                                implementers=("UNODC",), start=d(2025, 2, 1), end=d(2025, 11, 30),
                                budget=None, status="pipeline", activity_type="training"),
        "french": make_project(session, "Contrôle des précurseurs chimiques au Sénégal",
                               summary="Formation des agents de la douane à l'identification des précurseurs",
                               countries=("SEN",), pillars=(3,), themes=("precursor-control",), donors=("FR",),
                               implementers=("UNODC",), start=d(2022, 6, 1), end=d(2023, 5, 31), budget=400_000,
                               status="completed", activity_type="equipment"),
        "withdrawn": make_project(session, "Withdrawn canine unit project for Tajikistan",
                                  countries=("TJK",), pillars=(1,), themes=("canine-units",), donors=("UK",),
                                  start=d(2024, 1, 1), end=d(2024, 6, 30), budget=50_000,
                                  withdrawn_at=dt.datetime(2024, 2, 1, tzinfo=dt.timezone.utc)),
    }
    session.commit()
    return projects
