"""Real IATI files from ../shared/data import without a crash, every activity imported or reported, and a
second import creates nothing new. Bounded: a few files here; the full set runs in bench/bench_iati.py."""
from __future__ import annotations

import pytest
from lxml import etree
from sqlalchemy import func, select

from adam.iati.importer import import_files
from adam.models import Organisation, Project, ProjectChange

pytestmark = pytest.mark.realdata

SAMPLES = ["iati-samples/ocha-haiti-2010.xml", "iati-samples/worldbank-1.0.xml", "iati-samples/global-fund.xml",
           "iati-samples/worked-example.xml"]
REAL = ["iati-real/ebola-2021-07/dportal_11.xml", "iati-real/covid-2021-06/dportal_58.xml",
        "iati-real/covid-2021-06/dportal_140.xml"]
AIMS = ["iati-aims/NigeriaAIMS.xml"]


def activities_in(path) -> int:
    """Count <iati-activity> elements independently of the importer (0 for a file that is not XML)."""
    try:
        return sum(1 for _ in etree.iterparse(str(path), tag="iati-activity", huge_tree=True))
    except etree.XMLSyntaxError:
        return 0


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("group", [SAMPLES, REAL, AIMS], ids=["samples", "real", "aims"])
def test_real_files_import_fully_and_idempotently(session, shared_data, group):
    paths = [shared_data / name for name in group]
    for path in paths:
        if not path.exists():
            pytest.skip(f"{path} not found")
    report = import_files(session, paths, default_country={"NigeriaAIMS": "NGA"})
    session.commit()
    assert report.seen == sum(activities_in(p) for p in paths)
    assert report.seen == report.created + report.updated + report.unchanged + report.rejected
    assert all(a.messages for a in report.rejections)  # every rejection says why
    assert count(session, Project) == report.created
    unreadable = {p.name for p in paths if activities_in(p) == 0}
    assert {e.file for e in report.file_errors} == unreadable

    before = (count(session, Project), count(session, Organisation), count(session, ProjectChange))
    again = import_files(session, paths, default_country={"NigeriaAIMS": "NGA"})
    session.commit()
    assert again.created == 0 and again.updated == 0
    assert again.unchanged == report.created + report.updated and again.rejected == report.rejected
    assert (count(session, Project), count(session, Organisation), count(session, ProjectChange)) == before


def test_old_dialects_report_what_they_could_not_map(session, shared_data):
    report = import_files(session, [shared_data / name for name in SAMPLES])
    # pre-1.0 and 1.0 files carry no iati-identifier: rejected with that reason, never a crash
    assert report.rejected == 287 + 16 + 7
    assert {tuple(a.messages[-1:]) for a in report.rejections} == {("error: missing iati-identifier",)}
    assert report.created == 1  # the worked example
