"""The full report's compiled candidate loop (adam/overlap/kernels.py) against plain scipy and numpy: the same
pairs and, bit for bit, the same title cosines as the sparse product it replaces."""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adam.overlap.candidates import (PROFILE, PROFILE_FIRST, PROFILE_SECOND, Corpus, _enumerate, _profile_filter,
                                     _Side, pair_profiles, place_blocks, text_free_sets, SPARSE_SIDE)
from adam.overlap.config import DEFAULT_CONFIG
from adam.overlap.kernels import Enumerate, chunk_candidates, pair_titles
from tests.overlap.test_overlap_prune import corpora

FLOOR = DEFAULT_CONFIG.text_floor - 1e-6
DONOR = [PROFILE[k][0] for k in PROFILE_FIRST].index("same_donor")
IMPLEMENTER = [PROFILE[k][0] for k in PROFILE_FIRST].index("same_implementer")


def sides(features):  # noqa: ANN001, ANN201
    """(corpus, [(left, right, upper)]): each place block against itself, the wide rows against everyone."""
    corpus = Corpus.build(features)
    blocks, wide = place_blocks(corpus.features)
    out = [(s, s, True) for s in (_Side(corpus, np.array(rows), True, SPARSE_SIDE, kernel=True)
                                  for rows in blocks.values())]
    if wide:
        out.append((_Side(corpus, np.array(wide), False, SPARSE_SIDE, kernel=True),
                    _Side(corpus, np.arange(len(features)), True, SPARSE_SIDE, kernel=True), False))
    return corpus, out


def as_pairs(keys, values, w):  # noqa: ANN001, ANN201
    assert len(set(keys.tolist())) == len(keys), "a pair came twice"
    return {(int(k) // w, int(k) % w): v for k, v in zip(keys.tolist(), values.tolist())}


def meets(left, right, r, c, upper):  # noqa: ANN001, ANN201
    return (left.starts[r] < right.ends[c] and right.starts[c] < left.ends[r]) and (not upper or c > r)


TITLES_ONLY = Enumerate(FLOOR, False, -1, DONOR, IMPLEMENTER)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora(), st.integers(1, 4))
def test_title_pairs_are_the_sparse_products_entries_at_the_floor_whose_dates_meet_bit_for_bit(features, buffer):
    _, parts = sides(features)
    for left, right, upper in parts:
        n, m = len(left.rows), len(right.rows)
        product = (left.m["titles"] @ right.m["titles"].T).toarray()  # float32, as the report's products were
        # a tiny buffer makes the kernel stop and go on several times: the same result
        keys, values = chunk_candidates(left, 0, n, right, 0, m, upper, FLOOR, TITLES_ONLY, None, buffer=buffer)
        got = as_pairs(keys, values.astype(np.float32), m)
        expected = {(r, c): product[r, c] for r in range(n) for c in range(m)
                    if product[r, c] >= FLOOR and meets(left, right, r, c, upper)}
        assert got.keys() == expected.keys()
        assert all(np.float32(got[k]) == np.float32(v) for k, v in expected.items())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora(), st.integers(0, 30), st.booleans())
def test_pairs_sharing_donor_and_implementer_or_starting_alike_come_whatever_their_title(features, tol, alike):
    corpus, parts = sides(features)
    what = Enumerate(2.0, True, tol if alike else -1, DONOR, IMPLEMENTER)  # no title reaches 2: only those sets
    for left, right, upper in parts:
        n, m = len(left.rows), len(right.rows)
        product = (left.m["titles"] @ right.m["titles"].T).toarray()
        keys, values = chunk_candidates(left, 0, n, right, 0, m, upper, FLOOR, what, None)
        got = as_pairs(keys, values, m)
        expected = {}
        for r in range(n):
            for c in range(m):
                fa, fb = corpus.features[left.rows[r]], corpus.features[right.rows[c]]
                donor, implementer = bool(fa.funders & fb.funders), bool(fa.implementers & fb.implementers)
                sa, sb = corpus.raw_start[left.rows[r]], corpus.raw_start[right.rows[c]]
                starts_alike = alike and sa >= 0 and sb >= 0 and abs(sa - sb) <= tol
                if meets(left, right, r, c, upper) and ((donor and implementer)
                                                        or (starts_alike and (donor or implementer))):
                    expected[(r, c)] = product[r, c] if product[r, c] >= FLOOR else 0.0
        assert got.keys() == expected.keys()
        assert all(np.float32(got[k]) == np.float32(v) for k, v in expected.items())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora(), st.data())
def test_skipped_pairs_are_left_out_and_nothing_else(features, data):
    _, parts = sides(features)
    for left, right, upper in parts:
        n, m = len(left.rows), len(right.rows)
        keys, values = chunk_candidates(left, 0, n, right, 0, m, upper, FLOOR, TITLES_ONLY, None)
        skip = np.array(sorted(data.draw(st.sets(st.sampled_from(keys.tolist())))) if len(keys) else [],
                        dtype=np.int64)
        kept, kept_values = chunk_candidates(left, 0, n, right, 0, m, upper, FLOOR, TITLES_ONLY, None, skip=skip,
                                             buffer=2)
        assert as_pairs(kept, kept_values, m) == {k: v for k, v in as_pairs(keys, values, m).items()
                                                  if k[0] * m + k[1] not in set(skip.tolist())}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora())
def test_the_profile_read_from_signatures_drops_no_pair_whose_exact_profile_allows_its_title(features):
    sets = text_free_sets(DEFAULT_CONFIG)
    corpus, parts = sides(features)
    needed = np.asarray(sets.by_profile)
    given_bits = sum(1 << k for k in PROFILE_SECOND)
    for left, right, upper in parts:
        n, m = len(left.rows), len(right.rows)
        everything = as_pairs(*chunk_candidates(left, 0, n, right, 0, m, upper, FLOOR, _enumerate(sets, DEFAULT_CONFIG),
                                                None), m)
        filtered = as_pairs(*chunk_candidates(left, 0, n, right, 0, m, upper, FLOOR, _enumerate(sets, DEFAULT_CONFIG),
                                              _profile_filter(sets)), m)
        assert filtered.keys() <= everything.keys()
        if not everything:
            continue
        pairs = list(everything)
        i = left.rows[np.array([p[0] for p in pairs])]
        j = right.rows[np.array([p[1] for p in pairs])]
        bits, _ = pair_profiles(corpus, i, j, DEFAULT_CONFIG, PROFILE_FIRST)
        for pair, b in zip(pairs, bits.tolist()):
            if everything[pair] >= needed[b | given_bits] - 1e-6:
                assert pair in filtered, (pair, everything[pair], needed[b | given_bits])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora(), st.data())
def test_pair_titles_are_the_products_values(features, data):
    corpus = Corpus.build(features)
    if not features:
        return
    n = len(features)
    i = np.array(data.draw(st.lists(st.integers(0, n - 1), max_size=30)), dtype=np.int64)
    j = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=len(i), max_size=len(i))), dtype=np.int64)
    t = corpus.titles
    got = pair_titles(t.indptr, t.indices, t.data, t.indptr, t.indices, t.data, i, j)
    product = (t @ t.T).toarray()
    assert got.dtype == np.float32
    assert [float(v) for v in got] == [float(product[a, b]) for a, b in zip(i.tolist(), j.tolist())]


def test_half_open_ranges_a_project_ending_the_day_before_another_starts_does_not_meet_it():
    """A wide-scope project (compared with every column, in any order of starts) against projects ending the day
    before it starts, on its first day, and starting on its last day or the day after."""
    import datetime as dt

    from tests.overlap.test_overlap_prune import feat

    title = "maritime container control training"
    start, end = dt.date(2022, 3, 1), dt.date(2022, 8, 31)
    features = [
        feat(1, title=title, countries=frozenset(), places=frozenset(), wide=True, starts_on=start, ends_on=end),
        feat(2, title=title, starts_on=dt.date(2021, 1, 1), ends_on=start - dt.timedelta(days=1)),  # before
        feat(3, title=title, starts_on=dt.date(2021, 1, 1), ends_on=start),                         # first day
        feat(4, title=title, starts_on=end, ends_on=dt.date(2023, 1, 1)),                           # last day
        feat(5, title=title, starts_on=end + dt.timedelta(days=1), ends_on=dt.date(2023, 1, 1)),    # after
    ]
    corpus, parts = sides(features)
    left, right, upper = parts[-1]
    keys, _ = chunk_candidates(left, 0, len(left.rows), right, 0, len(right.rows), upper, FLOOR, TITLES_ONLY, None)
    met = {corpus.features[right.rows[k % len(right.rows)]].id for k in keys.tolist()}
    assert met == {1, 3, 4}  # itself (the report drops i == j), the first day, the last day
