"""The vendored map files are there (the map works offline) and draw every country on the routes."""
from __future__ import annotations

import json
from pathlib import Path

import pycountry

from adam.refdata import GEOGRAPHIC_REGIONS, ROUTES

STATIC = Path(__file__).resolve().parents[2] / "static"


def test_world_atlas_has_every_country_of_the_regions_and_routes():
    topology = json.loads((STATIC / "vendor/world-atlas/countries-50m.json").read_text())
    ids = {g.get("id") for g in topology["objects"]["countries"]["geometries"]}
    wanted = {iso for table in (GEOGRAPHIC_REGIONS, ROUTES) for _name, members in table.values() for iso in members}
    missing = sorted(iso for iso in wanted if pycountry.countries.get(alpha_3=iso).numeric not in ids)
    assert missing == []


def test_map_scripts_are_vendored_not_fetched():
    assert (STATIC / "vendor/topojson-client/topojson-client.min.js").stat().st_size > 1000
    map_js = (STATIC / "js/map.js").read_text()
    assert "http://" not in map_js.replace("http://www.w3.org/2000/svg", "") and "https://" not in map_js
