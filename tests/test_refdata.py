from sqlalchemy import func, select

from adam.models import Country, Currency, Organisation, OrganisationAlias, Pillar, Region, Theme, normalise_name
from adam.refdata import load_organisations, load_reference_data


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_reference_data_is_complete(session):
    assert count(session, Country) == 249
    assert count(session, Pillar) == 4
    assert count(session, Theme) >= 20
    assert session.get(Currency, "EUR").usd_rate > 0
    northern = session.scalars(select(Region).where(Region.code == "route-northern")).one()
    assert {"AFG", "TJK", "KGZ", "UZB"} <= {c.iso3 for c in northern.countries}
    assert session.scalars(select(Region).where(Region.code == "dac-998")).one().is_global


def test_loading_twice_changes_nothing(session):
    before = [count(session, m) for m in (Country, Region, Currency, Theme, Organisation, OrganisationAlias)]
    load_reference_data(session)
    load_organisations(session)
    session.flush()
    assert [count(session, m) for m in (Country, Region, Currency, Theme, Organisation, OrganisationAlias)] == before


def test_unodc_aliases_in_the_four_languages_resolve_to_one_organisation(session):
    ids = {
        session.scalar(select(OrganisationAlias.organisation_id).where(OrganisationAlias.key == normalise_name(name)))
        for name in ("UNODC", "ONUDC", "УНП ООН", "Oficina de las Naciones Unidas contra la Droga y el Delito", "unodc")
    }
    unodc = session.scalars(select(Organisation).where(Organisation.acronym == "UNODC")).one()
    assert ids == {unodc.id}
    assert unodc.iati_identifier == "XM-DAC-41128"
