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
    value = np.round(np.where(where, points, 0.0), 6)
    return np.where(value > 0, np.rint(value), 0.0)


@dataclass
class PairInputs:
    """What the score of pairs (a[k], b[k]) is computed from: one entry per pair, any way it was gathered."""

    wide: np.ndarray            # either is wide-scope
    shared_country: np.ndarray
    shared_place: np.ndarray
    a0: np.ndarray
    a1: np.ndarray
    b0: np.ndarray
    b1: np.ndarray
    rs_i: np.ndarray
    rs_j: np.ndarray
    re_i: np.ndarray
    re_j: np.ndarray
    pillar: np.ndarray
    theme: np.ndarray
    sector: np.ndarray
    institution: np.ndarray
    act_i: np.ndarray
    act_j: np.ndarray
    donor: np.ndarray
    implementer: np.ndarray
    oi: np.ndarray
    oj: np.ndarray
    other_identifier: np.ndarray  # both carry an IATI identifier, and they differ
    link_ab: np.ndarray         # a's registrant is a partner of b
    link_ba: np.ndarray
    li: np.ndarray
    lj: np.ndarray
    bi: np.ndarray
    bj: np.ndarray
    title_org: np.ndarray       # the title of one is the name of an organisation the other names (title_organisation)


def pair_inputs(c: Corpus, i: np.ndarray, j: np.ndarray) -> PairInputs:
    """The inputs of the pairs (i[k], j[k]) of one corpus."""
    return PairInputs(
        wide=c.wide[i] | c.wide[j], shared_country=shares(c.countries, i, j), shared_place=shares(c.places, i, j),
        a0=c.starts[i], a1=c.ends[i], b0=c.starts[j], b1=c.ends[j],
        rs_i=c.raw_start[i], rs_j=c.raw_start[j], re_i=c.raw_end[i], re_j=c.raw_end[j],
        pillar=shares(c.pillars, i, j), theme=shares(c.themes, i, j), sector=shares(c.sectors, i, j),
        institution=shares(c.institutions, i, j), act_i=c.activity[i], act_j=c.activity[j],
        donor=shares(c.funders, i, j), implementer=shares(c.implementers, i, j),
        oi=c.owner_ids[i], oj=c.owner_ids[j], other_identifier=other_identifiers(c, i, j),
        link_ab=shares_cross(c.owners, c.partners, i, j), link_ba=shares_cross(c.owners, c.partners, j, i),
        li=c.language[i], lj=c.language[j], bi=c.budget[i], bj=c.budget[j],
        title_org=title_organisations(c, i, j),
    )


def vector_scores(c: Corpus, i: np.ndarray, j: np.ndarray, title_cos: np.ndarray, text_cos: np.ndarray,
                  cfg: OverlapConfig = DEFAULT_CONFIG) -> tuple[np.ndarray, np.ndarray]:
    """Scores (0-100) of the pairs (i[k], j[k]) and the threshold each must reach."""
    return scores_from_inputs(pair_inputs(c, i, j), title_cos, text_cos, cfg)


def scores_from_inputs(x: PairInputs, title_cos: np.ndarray, text_cos: np.ndarray,
                       cfg: OverlapConfig = DEFAULT_CONFIG) -> tuple[np.ndarray, np.ndarray]:
    """Scores (0-100) of the pairs described by x and the threshold each must reach."""
    p = cfg.points
    # Cosines may come as float32: computed in float64 like the Python scorer (else 17.4999 and 17.5 round apart).
    title_cos = np.asarray(title_cos, dtype=np.float64)
    text_cos = np.asarray(text_cos, dtype=np.float64)
    total = np.zeros(len(x.wide))
    wide = x.wide
    shared_country = x.shared_country
    via_region = ~shared_country & (x.shared_place | wide)
    total += _pts(p["shared_country"], shared_country) + _pts(p["place_via_region"], via_region)

    a0, a1, b0, b1 = x.a0, x.a1, x.b0, x.b1
    overlap = np.minimum(a1, b1) - np.maximum(a0, b0)
    a_finite = (a0 > MIN_DAY) & (a1 < MAX_DAY)
    b_finite = (b0 > MIN_DAY) & (b1 < MAX_DAY)
    big = np.iinfo(np.int64).max
    shorter = np.minimum(np.where(a_finite, a1 - a0, big), np.where(b_finite, b1 - b0, big))
    any_finite = a_finite | b_finite
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(shorter > 0, np.minimum(1.0, overlap / np.where(shorter > 0, shorter, 1)), 1.0)
    time_points = np.where(any_finite, p["time_overlap"] * share, p["time_overlap"] * 0.5)
    total += _pts(time_points, overlap > 0)

    tol = cfg.date_tolerance_days
    rs_i, rs_j, re_i, re_j = x.rs_i, x.rs_j, x.re_i, x.re_j
    total += _pts(p["same_start"], (rs_i >= 0) & (rs_j >= 0) & (np.abs(rs_i - rs_j) <= tol))
    total += _pts(p["same_end"], (re_i >= 0) & (re_j >= 0) & (np.abs(re_i - re_j) <= tol))

    total += _pts(p["shared_pillar"], x.pillar)
    total += _pts(p["shared_theme"], x.theme)
    total += _pts(p["shared_sector"], x.sector)
    total += _pts(p["shared_institution"], x.institution)
    total += _pts(p["same_activity_type"], (x.act_i > 0) & (x.act_i == x.act_j))
    total += _pts(p["same_donor"], x.donor)
    total += _pts(p["same_implementer"], x.implementer)

    oi, oj = x.oi, x.oj
    same_owner = (oi >= 0) & (oi == oj)
    publisher = same_owner & x.other_identifier
    if p["same_publisher"]:
        total += np.where(publisher, np.rint(p["same_publisher"]), 0.0)
    if p["same_registrant"]:
        registrant = same_owner & ~publisher if p["same_publisher"] else same_owner
        total += np.where(registrant, np.rint(p["same_registrant"]), 0.0)
    link = x.link_ab.astype(int) + x.link_ba.astype(int)
    link = np.where(oi == oj, 0, link)
    total += _pts(p["partner_chain"], link == 2) + _pts(p["partner_one_way"], link == 1)
    total += _pts(p["title_organisation"], x.title_org & (link > 0))

    li, lj = x.li, x.lj
    comparable = (li == 0) | (lj == 0) | (li == lj) | cfg.text_across_languages
    floor, full = cfg.text_floor, cfg.text_full
    total += _pts(p["title_similarity"] * _ramp(title_cos, floor, full), comparable & (title_cos >= floor))
    total += _pts(p["text_similarity"] * _ramp(text_cos, floor, full), comparable & (text_cos >= floor))

    bi, bj = x.bi, x.bj
    low, high = np.minimum(bi, bj), np.maximum(bi, bj)
    with np.errstate(divide="ignore", invalid="ignore"):
        similar = (bi > 0) & (bj > 0) & (high > 0) & (low / np.where(high > 0, high, 1) >= cfg.budget_ratio)
    total += _pts(p["similar_budget"], similar)
    with np.errstate(divide="ignore", invalid="ignore"):
        same_amount = (bi > 0) & (bj > 0) & (high > 0) & (low / np.where(high > 0, high, 1) >= cfg.same_amount_ratio)
    total += _pts(p["partner_amount"], same_amount & (link > 0))

    score = np.clip(total, 0, 100).astype(int)
    pinned = same_amount & (link > 0) if cfg.amount_pins_place else np.zeros(len(score), dtype=bool)
    threshold = cfg.possible_threshold + np.where(wide & ~shared_country & ~pinned, cfg.wide_scope_extra, 0)
    return score, threshold


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
