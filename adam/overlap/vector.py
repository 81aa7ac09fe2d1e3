"""The score of many candidate pairs at once, with numpy: the same arithmetic as signals.score_pair.

The full report scores every candidate this way and builds the worded evidence (signals.score_pair) only for
the pairs that reach the threshold; tests/overlap/test_overlap_candidates.py checks both give the same score.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from adam.overlap.candidates import Corpus, shares
from adam.overlap.config import DEFAULT_CONFIG, OverlapConfig
from adam.overlap.features import MAX_DAY, MIN_DAY


def _ramp(x: np.ndarray, floor: float, full: float) -> np.ndarray:
    return np.where(x <= floor, 0.0, np.minimum(1.0, (x - floor) / (full - floor)))


def _pts(points: np.ndarray | float, where: np.ndarray) -> np.ndarray:
    # Each signal's points are rounded on their own (Python's round: half to even, as np.rint), after a first
    # rounding to 6 decimals so that float noise between the sparse and the per-pair cosine cannot straddle a .5.
    if np.ndim(points) == 0:  # the same rounding, once for the one value
        value = np.round(np.float64(points), 6)
        return np.where(where, np.rint(value) if value > 0 else 0.0, 0.0)
    value = np.round(np.where(where, points, 0.0), 6)
    return np.where(value > 0, np.rint(value), 0.0)


@dataclass
class PairInputs:
    """What the score of pairs (a[k], b[k]) is computed from: one entry per pair, any way it was gathered.

    An input left None is not known: signal_points leaves out the signals that need it, and score_bounds counts
    them at their most (a bound computed from the cheap inputs prunes pairs before the costly ones are gathered).
    """

    wide: np.ndarray | None = None            # either is wide-scope
    shared_country: np.ndarray | None = None
    shared_place: np.ndarray | None = None
    a0: np.ndarray | None = None
    a1: np.ndarray | None = None
    b0: np.ndarray | None = None
    b1: np.ndarray | None = None
    rs_i: np.ndarray | None = None
    rs_j: np.ndarray | None = None
    re_i: np.ndarray | None = None
    re_j: np.ndarray | None = None
    pillar: np.ndarray | None = None
    theme: np.ndarray | None = None
    sector: np.ndarray | None = None
    institution: np.ndarray | None = None
    act_i: np.ndarray | None = None
    act_j: np.ndarray | None = None
    donor: np.ndarray | None = None
    implementer: np.ndarray | None = None
    oi: np.ndarray | None = None
    oj: np.ndarray | None = None
    other_identifier: np.ndarray | None = None  # both carry an IATI identifier, and they differ
    link_ab: np.ndarray | None = None         # a's registrant is a partner of b
    link_ba: np.ndarray | None = None
    li: np.ndarray | None = None
    lj: np.ndarray | None = None
    bi: np.ndarray | None = None
    bj: np.ndarray | None = None
    title_org: np.ndarray | None = None       # the title of one is the name of an organisation the other names
    other_countries_named: np.ndarray | None = None  # both titles name countries, none in common


# Inputs gathered from per-row arrays (cheap) and from incidence matrices (shares: set intersections).
ROW_INPUTS = ("wide", "a0", "a1", "b0", "b1", "rs_i", "rs_j", "re_i", "re_j", "act_i", "act_j", "oi", "oj",
              "other_identifier", "li", "lj", "bi", "bj")
SHARE_INPUTS = ("shared_country", "shared_place", "pillar", "theme", "sector", "institution", "donor",
                "implementer", "link_ab", "link_ba", "title_org", "other_countries_named")
INPUTS = ROW_INPUTS + SHARE_INPUTS


def pair_inputs(c: Corpus, i: np.ndarray, j: np.ndarray, known: dict[str, np.ndarray] | None = None,
                only: tuple[str, ...] | None = None) -> PairInputs:
    """The inputs of the pairs (i[k], j[k]) of one corpus; those in `known` as given (a candidate chunk has some
    from its products), and with `only`, just those inputs (the others None: not known)."""
    wanted = set(INPUTS if only is None else only)
    known = known or {}
    gather = {
        "wide": lambda: c.wide[i] | c.wide[j],
        "shared_country": lambda: shares(c.countries, i, j), "shared_place": lambda: shares(c.places, i, j),
        "a0": lambda: c.starts[i], "a1": lambda: c.ends[i], "b0": lambda: c.starts[j], "b1": lambda: c.ends[j],
        "rs_i": lambda: c.raw_start[i], "rs_j": lambda: c.raw_start[j],
        "re_i": lambda: c.raw_end[i], "re_j": lambda: c.raw_end[j],
        "pillar": lambda: shares(c.pillars, i, j), "theme": lambda: shares(c.themes, i, j),
        "sector": lambda: shares(c.sectors, i, j), "institution": lambda: shares(c.institutions, i, j),
        "act_i": lambda: c.activity[i], "act_j": lambda: c.activity[j],
        "donor": lambda: shares(c.funders, i, j), "implementer": lambda: shares(c.implementers, i, j),
        "oi": lambda: c.owner_ids[i], "oj": lambda: c.owner_ids[j],
        "other_identifier": lambda: other_identifiers(c, i, j),
        "link_ab": lambda: shares_cross(c.owners, c.partners, i, j),
        "link_ba": lambda: shares_cross(c.owners, c.partners, j, i),
        "li": lambda: c.language[i], "lj": lambda: c.language[j], "bi": lambda: c.budget[i], "bj": lambda: c.budget[j],
        "title_org": lambda: title_organisations(c, i, j),
        "other_countries_named": lambda: c.title_named[i] & c.title_named[j] & ~shares(c.title_countries, i, j),
    }
    return PairInputs(**{name: known[name] if name in known else gather[name]()
                         for name in INPUTS if name in wanted or name in known})


def vector_scores(c: Corpus, i: np.ndarray, j: np.ndarray, title_cos: np.ndarray, text_cos: np.ndarray,
                  cfg: OverlapConfig = DEFAULT_CONFIG, known: dict[str, np.ndarray] | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Scores (0-100) of the pairs (i[k], j[k]) and the threshold each must reach."""
    return scores_from_inputs(pair_inputs(c, i, j, known), title_cos, text_cos, cfg)


def _known(*values) -> bool:  # noqa: ANN002
    return all(v is not None for v in values)


def signal_points(x: PairInputs, title_cos: np.ndarray | None, text_cos: np.ndarray | None,
                  cfg: OverlapConfig = DEFAULT_CONFIG) -> dict[str, np.ndarray | float]:
    """Points of each signal (a key of cfg.points) whose inputs are known, per pair: the one scoring arithmetic.

    Stated links are not scored here (0): the engine scores pairs that state links with signals.score_pair.
    """
    p = cfg.points
    out: dict[str, np.ndarray | float] = {"stated_link": 0.0}
    wide = x.wide
    shared_country = x.shared_country
    if _known(shared_country):
        out["shared_country"] = _pts(p["shared_country"], shared_country)
        if _known(x.shared_place, wide):
            via_region = ~shared_country & (x.shared_place | wide)
            out["place_via_region"] = _pts(p["place_via_region"], via_region)

    a0, a1, b0, b1 = x.a0, x.a1, x.b0, x.b1
    if _known(a0, a1, b0, b1):
        overlap = np.minimum(a1, b1) - np.maximum(a0, b0)
        a_finite = (a0 > MIN_DAY) & (a1 < MAX_DAY)
        b_finite = (b0 > MIN_DAY) & (b1 < MAX_DAY)
        big = np.iinfo(np.int64).max
        shorter = np.minimum(np.where(a_finite, a1 - a0, big), np.where(b_finite, b1 - b0, big))
        any_finite = a_finite | b_finite
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(shorter > 0, np.minimum(1.0, overlap / np.where(shorter > 0, shorter, 1)), 1.0)
        time_points = np.where(any_finite, p["time_overlap"] * share, p["time_overlap"] * 0.5)
        out["time_overlap"] = _pts(time_points, overlap > 0)

    tol = cfg.date_tolerance_days
    rs_i, rs_j, re_i, re_j = x.rs_i, x.rs_j, x.re_i, x.re_j
    if _known(rs_i, rs_j):
        out["same_start"] = _pts(p["same_start"], (rs_i >= 0) & (rs_j >= 0) & (np.abs(rs_i - rs_j) <= tol))
    if _known(re_i, re_j):
        out["same_end"] = _pts(p["same_end"], (re_i >= 0) & (re_j >= 0) & (np.abs(re_i - re_j) <= tol))

    for name, shared in (("shared_pillar", x.pillar), ("shared_theme", x.theme), ("shared_sector", x.sector),
                         ("shared_institution", x.institution)):
        if _known(shared):
            out[name] = _pts(p[name], shared)
    if _known(x.institution, x.theme, a0, a1, b0, b1):
        out["institution_theme_time"] = _pts(
            p["institution_theme_time"],
            x.institution & x.theme & (np.minimum(a1, b1) - np.maximum(a0, b0) > 0))
    if _known(x.act_i, x.act_j):
        out["same_activity_type"] = _pts(p["same_activity_type"], (x.act_i > 0) & (x.act_i == x.act_j))
    if _known(x.donor):
        out["same_donor"] = _pts(p["same_donor"], x.donor)
    if _known(x.implementer):
        out["same_implementer"] = _pts(p["same_implementer"], x.implementer)

    oi, oj = x.oi, x.oj
    if _known(oi, oj, x.other_identifier):
        same_owner = (oi >= 0) & (oi == oj)
        publisher = same_owner & x.other_identifier
        out["same_publisher"] = np.where(publisher, np.rint(p["same_publisher"]), 0.0) if p["same_publisher"] else 0.0
        if p["same_registrant"]:
            registrant = same_owner & ~publisher if p["same_publisher"] else same_owner
            out["same_registrant"] = np.where(registrant, np.rint(p["same_registrant"]), 0.0)
        else:
            out["same_registrant"] = 0.0
    link = _links(x)
    if link is not None:
        out["partner_chain"] = _pts(p["partner_chain"], link == 2)
        out["partner_one_way"] = _pts(p["partner_one_way"], link == 1)
        if _known(x.title_org):
            out["title_organisation"] = _pts(p["title_organisation"], x.title_org & (link > 0))

    if _known(x.li, x.lj):
        li, lj = x.li, x.lj
        comparable = (li == 0) | (lj == 0) | (li == lj) | cfg.text_across_languages
        floor, full = cfg.text_floor, cfg.text_full
        # Cosines may come as float32: computed in float64 like the Python scorer (else 17.4999 and 17.5 round apart).
        if title_cos is not None:
            title_cos = np.asarray(title_cos, dtype=np.float64)
            out["title_similarity"] = _pts(p["title_similarity"] * _ramp(title_cos, floor, full),
                                           comparable & (title_cos >= floor))
        if text_cos is not None:
            text_cos = np.asarray(text_cos, dtype=np.float64)
            out["text_similarity"] = _pts(p["text_similarity"] * _ramp(text_cos, floor, full),
                                          comparable & (text_cos >= floor))

    bi, bj = x.bi, x.bj
    if _known(bi, bj):
        out["similar_budget"] = _pts(p["similar_budget"], _same_amount_ratio(bi, bj, cfg.budget_ratio))
        if link is not None:
            out["partner_amount"] = _pts(p["partner_amount"], _same_amount(bi, bj, cfg) & (link > 0))
            if _known(rs_i, rs_j, re_i, re_j):
                same_days = (rs_i >= 0) & (rs_i == rs_j) & (re_i >= 0) & (re_i == re_j)
                out["same_grant_terms"] = _pts(
                    p["same_grant_terms"],
                    same_days & _same_amount_ratio(bi, bj, cfg.identical_amount_ratio) & (link > 0))
    if _known(x.other_countries_named):
        penalty = p["titles_name_other_countries"]
        out["titles_name_other_countries"] = np.where(x.other_countries_named, np.rint(penalty), 0.0) if penalty else 0.0
    return out


def _links(x: PairInputs) -> np.ndarray | None:
    """Per pair, how many of the two records name the other's registering organisation (0-2); None if unknown."""
    if not _known(x.oi, x.oj, x.link_ab, x.link_ba):
        return None
    return np.where(x.oi == x.oj, 0, x.link_ab.astype(int) + x.link_ba.astype(int))


def _same_amount(bi: np.ndarray, bj: np.ndarray, cfg: OverlapConfig) -> np.ndarray:
    """Both budgets known and equal within cfg.same_amount_ratio."""
    return _same_amount_ratio(bi, bj, cfg.same_amount_ratio)


def _same_amount_ratio(bi: np.ndarray, bj: np.ndarray, ratio: float) -> np.ndarray:
    """Both budgets known and the lower at least `ratio` of the higher (similar_budget, partner_amount)."""
    low, high = np.minimum(bi, bj), np.maximum(bi, bj)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (bi > 0) & (bj > 0) & (high > 0) & (low / np.where(high > 0, high, 1) >= ratio)


def lowest_threshold(cfg: OverlapConfig = DEFAULT_CONFIG) -> int:
    """The lowest score from which any pair is flagged."""
    return cfg.possible_threshold + min(0, cfg.wide_scope_extra)


def _thresholds(x: PairInputs, cfg: OverlapConfig, n: int) -> np.ndarray:
    """The score each pair must reach: wide-scope pairs without a shared country need cfg.wide_scope_extra more,
    unless the same grant amount between partners pins them (cfg.amount_pins_place). With the inputs this needs
    unknown, the lowest it can be."""
    if not _known(x.wide, x.shared_country):
        return np.full(n, lowest_threshold(cfg))
    extra = x.wide & ~x.shared_country
    if cfg.amount_pins_place:
        link = _links(x)
        if link is None or not _known(x.bi, x.bj):
            return np.full(n, lowest_threshold(cfg))  # it may be pinned
        extra = extra & ~(_same_amount(x.bi, x.bj, cfg) & (link > 0))
    return cfg.possible_threshold + np.where(extra, cfg.wide_scope_extra, 0)


# Signals signal_points never gives together (one place signal, one partner signal, one registrant signal).
EXCLUSIVE = (("shared_country", "place_via_region"), ("partner_chain", "partner_one_way"),
             ("same_publisher", "same_registrant"))


def points_at_most(cfg: OverlapConfig = DEFAULT_CONFIG, zero: tuple[str, ...] = (),
                   one_of: tuple[tuple[str, ...], ...] = (), caps: dict[str, float] | None = None) -> float:
    """Most a pair can score when the signals in `zero` give nothing, those in caps at most so much, and at most
    one signal of each group of `one_of` gives points: every other key of cfg.points at its most (the groups
    disjoint from each other and from EXCLUSIVE)."""
    caps = caps or {}
    most = {k: max(0.0, min(float(np.ceil(v)), caps.get(k, np.inf))) for k, v in cfg.points.items() if k not in zero}
    total = sum(most.values())
    for group in EXCLUSIVE + tuple(one_of):
        present = [most[k] for k in group if k in most]
        if present:
            total -= sum(present) - max(present)
    return total


def title_points(title_cos: float, cfg: OverlapConfig = DEFAULT_CONFIG) -> float:
    """The points of a title cosine (signal_points' arithmetic; comparable languages)."""
    x = PairInputs(li=np.zeros(1, dtype=np.int64), lj=np.zeros(1, dtype=np.int64))
    return float(signal_points(x, np.array([title_cos]), None, cfg)["title_similarity"][0])


def take_inputs(x: PairInputs, keep: np.ndarray) -> PairInputs:
    """The inputs of the pairs selected by keep (a mask or indices)."""
    return PairInputs(**{name: None if getattr(x, name) is None else getattr(x, name)[keep] for name in INPUTS})


def scores_from_inputs(x: PairInputs, title_cos: np.ndarray, text_cos: np.ndarray,
                       cfg: OverlapConfig = DEFAULT_CONFIG) -> tuple[np.ndarray, np.ndarray]:
    """Scores (0-100) of the pairs described by x and the threshold each must reach."""
    n = len(title_cos)
    points = signal_points(x, title_cos, text_cos, cfg)
    total = np.zeros(n)
    for value in points.values():
        total += value
    score = np.clip(total, 0, 100).astype(int)
    return score, _thresholds(x, cfg, n)


def score_bounds(x: PairInputs, title_cos: np.ndarray | None, text_cos: np.ndarray | None, n: int,
                 cfg: OverlapConfig = DEFAULT_CONFIG) -> tuple[np.ndarray, np.ndarray]:
    """An upper bound of each pair's score from the inputs known so far, and the lowest threshold it may face.

    The signals whose inputs are known count exactly (signal_points, the same arithmetic as the score); every
    other key of cfg.points counts at its most (positive points, rounded up), whatever signals are added later.
    A pair whose bound is under the threshold cannot be flagged, so it needs no further inputs.
    """
    points = signal_points(x, title_cos, text_cos, cfg)
    total = np.zeros(n)
    for value in points.values():
        total += value
    total += sum(max(0.0, float(np.ceil(v))) for k, v in cfg.points.items() if k not in points)
    return np.clip(total, 0, 100).astype(int), _thresholds(x, cfg, n)


def _iati_identifiers(c: Corpus) -> np.ndarray:
    """Per row, a number standing for its IATI identifier (-1 when it has none); computed once per corpus."""
    cached = getattr(c, "_iati_numbers", None)
    if cached is None or len(cached) != len(c.features):
        numbers: dict[str, int] = {}
        cached = np.array([numbers.setdefault(f.iati_identifier, len(numbers)) if f.iati_identifier else -1
                           for f in c.features], dtype=np.int64)
        c._iati_numbers = cached
    return cached


def other_identifiers(c: Corpus, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Whether rows i[k] and j[k] both carry an IATI identifier and the two differ."""
    published = _iati_identifiers(c)
    return (published[i] >= 0) & (published[j] >= 0) & (published[i] != published[j])


def title_organisations(c: Corpus, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Whether the title of row i[k] is the name of an organisation row j[k] names, or the other way round.

    Few titles are organisation names: only the pairs with such a title are looked at."""
    out = np.zeros(len(i), dtype=bool)
    titled = c.title_org[i] | c.title_org[j] if len(i) else out
    if titled.any():
        k = np.flatnonzero(titled)
        a, b = i[k], j[k]
        out[k] = (shares_cross(c.title_orgs, c.owners, a, b) | shares_cross(c.title_orgs, c.partners, a, b)
                  | shares_cross(c.title_orgs, c.owners, b, a) | shares_cross(c.title_orgs, c.partners, b, a))
    return out


def shares_cross(left, right, i: np.ndarray, j: np.ndarray) -> np.ndarray:  # noqa: ANN001
    """Whether row i[k] of `left` and row j[k] of `right` have a column in common."""
    if len(i) == 0:
        return np.zeros(0, dtype=bool)
    return np.asarray(left[i].multiply(right[j]).sum(axis=1)).ravel() > 0
