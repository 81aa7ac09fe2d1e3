"""The pruned report (no text products, an upper bound of the score before the costly inputs) flags exactly the
pairs, with exactly the scores and labels, of the unpruned one; the bound is never under the score."""
from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adam.overlap.candidates import PROFILE, Corpus, pair_profiles, profile_title_at_least, text_free_sets
from adam.overlap.config import DEFAULT_CONFIG, OverlapConfig
from adam.overlap.engine import find_all_overlaps
from adam.overlap.features import ProjectFeatures
from adam.overlap.vector import INPUTS, PairInputs, pair_inputs, score_bounds, scores_from_inputs, signal_points

WORDS = ["border", "customs", "training", "precursor", "forensic", "laboratory", "prevention", "treatment",
         "financial", "intelligence", "container", "canine", "maritime", "officers", "heroin", "kabul"]
DAY = dt.date(2021, 1, 1)


@st.composite
def projects(draw, pid: int, titles: list[str]):
    countries = draw(st.frozensets(st.integers(1, 3), max_size=2))
    regional = draw(st.booleans()) and not countries
    places = frozenset({1, 2}) if regional else countries
    wide = not places or draw(st.integers(0, 9)) == 0
    # dates close to each other, so that same starts and ends are common
    start = draw(st.one_of(st.none(), st.integers(0, 120).map(lambda d: DAY + dt.timedelta(days=d))))
    end = draw(st.one_of(st.none(), st.integers(200, 900).map(lambda d: DAY + dt.timedelta(days=d))))
    # often the title of an earlier project, sometimes with a word changed: duplicates get flagged
    if titles and draw(st.integers(0, 2)) == 0:
        words = draw(st.sampled_from(titles)).split()
        if words and draw(st.booleans()):
            words[draw(st.integers(0, len(words) - 1))] = draw(st.sampled_from(WORDS))
        title = " ".join(words)
    else:
        title = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=0, max_size=5)))
    titles.append(title)
    return ProjectFeatures(
        id=pid, title=title,
        text=title + " " + " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=0, max_size=6))),
        language=draw(st.sampled_from([None, "en", "fr"])),
        status=draw(st.sampled_from(["pipeline", "ongoing", "completed"])),
        activity_type=draw(st.sampled_from([None, "training", "equipment"])),
        starts_on=start, ends_on=end, recorded_on=dt.date(2021, 3, 1),
        countries=countries, places=places, wide=wide,
        pillars=draw(st.frozensets(st.integers(1, 3), max_size=2)),
        themes=draw(st.frozensets(st.integers(1, 3), max_size=1)),
        sectors=draw(st.frozensets(st.sampled_from(["12264", "72010", "15130"]), max_size=2)),
        funders=draw(st.frozensets(st.integers(1, 4), max_size=2)),
        implementers=draw(st.frozensets(st.integers(1, 4), max_size=1)),
        institutions=draw(st.frozensets(st.integers(1, 5), max_size=1)),
        owner=draw(st.one_of(st.none(), st.integers(1, 4))),
        iati_identifier=draw(st.one_of(st.none(), st.just(f"XM-{pid}"))),
        related=draw(st.frozensets(st.sampled_from([f"XM-{i}" for i in range(40)]), max_size=1)),
        budget_usd=draw(st.one_of(st.none(), st.sampled_from([100_000.0, 99_500.0, 85_000.0, 40_000.0]))),
    )


@st.composite
def corpora(draw):
    titles: list[str] = []
    n = draw(st.integers(0, 40))
    return [draw(projects(i + 1, titles)) for i in range(n)]


# Weights and thresholds a tuner might try (those that keep candidate blocking lossless: iter_candidates refuses
# the others), including a signal no scorer knows yet.
configs = st.builds(
    lambda title, text, donor, start, threshold, extra, new, theme, budget: OverlapConfig(
        points={**DEFAULT_CONFIG.points, "title_similarity": title, "text_similarity": text, "same_donor": donor,
                "same_start": start, "new_signal": new, "shared_theme": theme, "similar_budget": budget},
        possible_threshold=threshold, wide_scope_extra=extra),
    st.sampled_from([35.0, 28.0, 45.0]), st.sampled_from([12.0, 8.0, 20.0]), st.sampled_from([7.0, 3.0]),
    st.sampled_from([6.0, 2.5]), st.sampled_from([65, 60, 70]), st.sampled_from([15, 0]),
    st.sampled_from([0.0, 3.0]), st.sampled_from([4.0, 9.0, 0.0]), st.sampled_from([4.0, 1.5]))


def flagged(features, cfg, prune, workers=None):  # noqa: ANN001, ANN201
    pairs, _ = find_all_overlaps(features, cfg, prune=prune, workers=workers)
    return [(p.key, p.score, p.label) for p in pairs]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora())
def test_pruned_report_flags_the_same_pairs_with_the_same_scores(features):
    assert text_free_sets(DEFAULT_CONFIG) is not None  # the default weights take the pruned path
    assert flagged(features, DEFAULT_CONFIG, True) == flagged(features, DEFAULT_CONFIG, False)
    # chunks scored by one thread or by several: the same report
    assert flagged(features, DEFAULT_CONFIG, True, workers=1) == flagged(features, DEFAULT_CONFIG, True, workers=3)
    # one donor at most per project: donors and implementers are then compared by their one column
    single = [replace(f, funders=frozenset(sorted(f.funders)[:1])) for f in features]
    assert flagged(single, DEFAULT_CONFIG, True) == flagged(single, DEFAULT_CONFIG, False)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora(), configs)
def test_pruned_report_equals_the_unpruned_one_whatever_the_weights(features, cfg):
    if cfg.max_without_evidence() >= cfg.possible_threshold:
        return  # refused by candidate blocking either way
    assert flagged(features, cfg, True) == flagged(features, cfg, False)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora(), configs, st.data())
def test_the_bound_is_never_under_the_score(features, cfg, data):
    """Whatever inputs are known (the others None), score_bounds is at least the score and its threshold at most
    the pair's threshold; without the text, with or without the title."""
    corpus = Corpus.build(features, cfg)
    pairs = np.array(list(itertools.combinations(range(len(features)), 2)), dtype=np.int64).reshape(-1, 2)
    i, j = pairs[:, 0], pairs[:, 1]
    t, x = corpus.cosines(i, j)
    full = pair_inputs(corpus, i, j)
    scores, thresholds = scores_from_inputs(full, t, x, cfg)
    known = data.draw(st.sets(st.sampled_from(INPUTS)))
    partial = PairInputs(**{name: getattr(full, name) for name in known})
    for title, text in ((t, None), (None, None), (t, x)):
        bound, lowest = score_bounds(partial, title, text, len(i), cfg)
        assert (bound >= scores).all()
        assert (lowest <= thresholds).all()
    if not cfg.points["new_signal"]:  # every input known: the bound is the score (a new signal counts at its most)
        bound, lowest = score_bounds(full, t, x, len(i), cfg)
        assert (bound == scores).all() and (lowest == thresholds).all()


def feat(pid: int, **kw) -> ProjectFeatures:
    base = dict(id=pid, title="", text="", countries=frozenset({1}), places=frozenset({1}),
                starts_on=dt.date(2022, 1, 10), ends_on=dt.date(2023, 12, 31), pillars=frozenset({1}),
                themes=frozenset({1}), sectors=frozenset({"12264"}), activity_type="training",
                budget_usd=100_000.0)
    base.update(kw)
    return ProjectFeatures(**base)


def test_a_pair_flagged_with_no_title_in_common_is_found_by_its_start_and_donor():
    """Unlike titles, but every other signal: same start and end, subject, budget, donor and the same text.
    Only the same-start set (starts within the tolerance, a donor in common) brings it to the pruned report."""
    text = "forensic laboratory precursor control chemists training"
    a = feat(1, title="Strengthening forensic capacity", text=text, funders=frozenset({7}), implementers=frozenset({8}))
    b = feat(2, title="Drug testing equipment", text=text, funders=frozenset({7}), implementers=frozenset({9}),
             starts_on=dt.date(2022, 1, 25))
    far = feat(3, title="Canine units", text=text, funders=frozenset({7}), starts_on=dt.date(2022, 6, 1))
    result = flagged([a, b, far], DEFAULT_CONFIG, True)
    assert result == flagged([a, b, far], DEFAULT_CONFIG, False)
    assert [key for key, _, _ in result] == [(1, 2)] and result[0][1] >= DEFAULT_CONFIG.possible_threshold


def test_weights_that_let_a_pair_outside_the_sets_reach_the_threshold_turn_pruning_off():
    heavy = DEFAULT_CONFIG.with_points(text_similarity=30.0, title_similarity=30.0)
    assert text_free_sets(heavy) is None
    text = "forensic laboratory precursor control chemists training"
    a = feat(1, title="Strengthening forensic capacity", text=text, funders=frozenset({7}))
    b = feat(2, title="Drug testing equipment", text=text, funders=frozenset({7}), starts_on=dt.date(2022, 5, 1))
    assert flagged([a, b], heavy, True) == flagged([a, b], heavy, False) != []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora())
def test_the_report_equals_the_worded_scorer_over_all_pairs(features):
    """Records that state links (IATI related-activity) are scored with numpy against everyone but the records
    they name; the report still flags exactly what signals.score_pair flags over every candidate pair."""
    from adam.overlap.signals import is_candidate, score_pair

    corpus = Corpus.build(features)
    expected = []
    for a, b in itertools.combinations(range(len(features)), 2):
        tc, xc = (float(v[0]) for v in corpus.cosines(np.array([a]), np.array([b])))
        if not is_candidate(features[a], features[b], tc, xc):
            continue
        result = score_pair(features[a], features[b], tc, xc)
        if result.label:
            expected.append(((features[a].id, features[b].id), result.score, result.label))
    report = flagged(features, DEFAULT_CONFIG, True)
    assert len({key for key, _, _ in report}) == len(report)  # each pair once, linked or not
    assert sorted(report) == sorted(expected)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora(), configs)
def test_a_flagged_pair_without_institution_or_partner_link_has_the_title_its_profile_needs(features, cfg):
    """The lossless argument of profile_title_at_least, checked on every pair of random corpora under random
    weights: a pair that reaches its threshold (whatever its text) and shares no institution and has no partner
    link has at least the title cosine its profile needs; and the profile's bits are exactly the PROFILE signals
    that give points."""
    if len(features) < 2:
        return
    corpus = Corpus.build(features, cfg)
    pairs = np.array(list(itertools.combinations(range(len(features)), 2)), dtype=np.int64)
    i, j = pairs[:, 0], pairs[:, 1]
    t, x = corpus.cosines(i, j)
    full = pair_inputs(corpus, i, j)
    scores, thresholds = scores_from_inputs(full, t, x, cfg)
    bits, found = pair_profiles(corpus, i, j, cfg)
    points = signal_points(full, t, x, cfg)
    for k, (signal, name, _) in enumerate(PROFILE):
        if cfg.points[signal] > 0:
            assert ((bits >> k & 1) == 1).tolist() == (np.broadcast_to(points[signal], i.shape) > 0).tolist()
        if name is not None:
            assert found[name].tolist() == getattr(full, name).tolist()
    needed = np.asarray(profile_title_at_least(cfg))[bits]
    anchored = full.institution | ((full.oi != full.oj) & (full.link_ab | full.link_ba))
    flagged = (scores >= thresholds) & ~anchored
    assert (t[flagged] >= needed[flagged] - 1e-6).all()


def test_a_pair_sharing_no_subject_needs_a_closer_title_than_one_sharing_pillar_theme_and_activity():
    """The default weights: without pillar, theme, activity, donor, implementer, same start or end and budget in
    common a pair needs a title cosine of 0.79 at least, sharing all but sector, donor and implementer 0.34, and
    with a donor too less than the 0.27 every pair outside the other sets needs (text_free_sets)."""
    needed = profile_title_at_least(DEFAULT_CONFIG)
    bit = {signal: 1 << k for k, (signal, _, _) in enumerate(PROFILE)}
    assert needed[0] == 0.79
    alike = bit["shared_pillar"] | bit["shared_theme"] | bit["same_activity_type"] | bit["same_start"] \
        | bit["same_end"] | bit["similar_budget"]
    assert needed[alike] == 0.34
    assert 0 < needed[alike | bit["same_donor"]] < text_free_sets(DEFAULT_CONFIG).title_at_least
    assert needed[alike | bit["same_donor"] | bit["same_implementer"]] == 0.0  # the title need not be like at all
    assert all(needed[b | bit["shared_theme"]] <= needed[b] for b in range(len(needed)))


def test_the_report_scores_only_the_pairs_whose_profile_allows_their_title():
    """Ten projects in one country with the same title words but nothing else in common (title cosine 0.5, under
    the 0.79 their profile needs): not one pair is scored; the same projects sharing pillar, theme, activity,
    dates and budget are scored and flagged."""
    def project(pid: int, **kw) -> ProjectFeatures:
        return feat(pid, title=f"border customs training {WORDS[pid % 16]} {WORDS[(pid + 5) % 16]}",
                    pillars=frozenset({pid}), themes=frozenset({pid}), activity_type=None,
                    starts_on=dt.date(2020, 1, 1) + dt.timedelta(days=50 * pid), budget_usd=10_000.0 * 2 ** pid,
                    ends_on=dt.date(2025, 1, 1) + dt.timedelta(days=50 * pid), **kw)

    apart = [project(pid) for pid in range(1, 11)]
    pairs, scored = find_all_overlaps(apart, DEFAULT_CONFIG)
    assert (pairs, scored) == ([], 0)
    assert flagged(apart, DEFAULT_CONFIG, False) == []
    alike = [replace(p, pillars=frozenset({1}), themes=frozenset({1}), activity_type="training",
                     starts_on=dt.date(2020, 1, 1), ends_on=dt.date(2025, 1, 1), budget_usd=100_000.0) for p in apart]
    pairs, scored = find_all_overlaps(alike, DEFAULT_CONFIG)
    assert scored > 0 and pairs
    assert flagged(alike, DEFAULT_CONFIG, True) == flagged(alike, DEFAULT_CONFIG, False)
