"""The overlap benchmark's generator (bench/overlap_corpus.py): a corpus larger than the AIMS registers is spread
over more countries, each copy of the AIMS country mix as dense as the real registers; small corpora are unchanged."""
from collections import Counter

import pytest

from bench.overlap_corpus import (AIMS, AIMS_REGISTER_PROJECTS, MORE_COUNTRIES, _aims_rows, country_copies, generate,
                                  spread_from_env)


@pytest.fixture(scope="module")
def aims():
    if not AIMS.exists():
        pytest.skip(f"{AIMS} not found (the generator draws from it)")
    return AIMS


def test_copies_grow_with_the_corpus_up_to_the_countries_listed():
    assert country_copies(AIMS_REGISTER_PROJECTS) == 1
    assert country_copies(AIMS_REGISTER_PROJECTS + 1) == 2
    assert country_copies(100_000) == 6
    assert country_copies(1_000_000) == 1 + len(MORE_COUNTRIES) // 12 == 13
    assert country_copies(1_000_000, spread=False) == 1
    assert len(set(MORE_COUNTRIES)) == len(MORE_COUNTRIES) == 144


def test_a_corpus_the_size_of_the_registers_is_the_same_either_way(aims):
    assert generate(3_000) == generate(3_000, spread=False)


def test_a_large_corpus_keeps_each_copy_as_dense_as_the_registers(aims):
    n = 4 * 15_000  # four copies of about 15,000 projects
    spread, dense = generate(n), generate(n, spread=False)
    per_country = Counter(p.country for p in spread)
    assert len(per_country) == 48 and set(per_country) >= set(MORE_COUNTRIES[:36])
    # Each country holds about what the AIMS country it copies holds in a corpus of one copy's size ...
    one_copy = Counter(p.country for p in generate(15_000, spread=False))
    assert max(per_country.values()) < 1.2 * max(one_copy.values())
    # ... a quarter of what it holds when the whole corpus lies in the AIMS countries.
    assert max(per_country.values()) < 0.3 * max(Counter(p.country for p in dense).values())
    # Beneficiary institutions belong to one country each, whatever the copy.
    assert all(p.institution.endswith(f" of {p.country}") for p in spread)
    # Donors, start years and durations are the AIMS rows' in both (an injected duplicate may change the donor).
    rows = {(donor, year, days) for _, donor, year, days in _aims_rows()}
    assert all((p.donor, p.start.year, (p.end - p.start).days) in rows for p in spread if p.duplicate_of is None)


def test_an_unknown_corpus_name_is_refused(monkeypatch):
    monkeypatch.setenv("ADAM_BENCH_OVERLAP_CORPUS", "dense")
    with pytest.raises(SystemExit, match="expected one of spread, aims-countries"):
        spread_from_env()
    monkeypatch.setenv("ADAM_BENCH_OVERLAP_CORPUS", "aims-countries")
    assert spread_from_env() is False
    monkeypatch.delenv("ADAM_BENCH_OVERLAP_CORPUS")
    assert spread_from_env() is True
