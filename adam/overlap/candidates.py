"""Candidate pairs without comparing all pairs: block by place, mask by date, keep pairs with evidence.

Within each country block, sparse products of TF-IDF rows (titles, texts) and of organisation incidence rows
give, in one step, every pair that shares a word, an organisation or an institution; a date mask then keeps
the pairs whose ranges intersect. Wide-scope projects (no country, or a global region) are matched against
everyone by the same products, which act as their text index. Stated links are joined by identifier.
The result equals an all-pairs scan filtered by signals.is_candidate (tests/overlap/test_candidates.py).

The full report needs less than every candidate: only the pairs that can be flagged. With the weights where a
pair outside a few sets cannot reach the threshold whatever its text (text_free_sets), its chunks come from
those sets alone (_chunk_sparse: titles from the cosine that can matter, donor and implementer, same start with
a donor or implementer, found by one compiled loop over posting lists within the columns each row's dates meet,
kernels.chunk_candidates; shared institution and partner link, by sparse products), without any text product.
Each of those pairs is held to the title cosine its profile needs (profile_title_at_least: the cheap signals it
has exactly, pillar, theme, sector, activity, donor, implementer, same start and end, budget; the others at
their most), unless it shares an institution or has a partner link: first in the loop, by a profile read from
64-bit signatures (never fewer signals than the pair has), then exactly; the engine bounds the scores of the
pairs left before it gathers the rest (engine._bounded).
"""
from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import chain

import numpy as np
import scipy.sparse as sp

from adam.overlap.config import DEFAULT_CONFIG, OverlapConfig
from adam.overlap.features import ProjectFeatures
from adam.overlap.text import Idf, counts



@dataclass
class Corpus:
    """Features of a set of projects with their text vectors and interval arrays, row i = features[i]."""

    features: list[ProjectFeatures]
    titles: sp.csr_matrix
    texts: sp.csr_matrix
    funders: sp.csr_matrix
    implementers: sp.csr_matrix
    owners: sp.csr_matrix
    partners: sp.csr_matrix
    institutions: sp.csr_matrix
    owner_ids: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    countries: sp.csr_matrix
    places: sp.csr_matrix
    pillars: sp.csr_matrix
    themes: sp.csr_matrix
    sectors: sp.csr_matrix
    activity: np.ndarray
    language: np.ndarray
    budget: np.ndarray
    raw_start: np.ndarray
    raw_end: np.ndarray
    wide: np.ndarray
    linked: np.ndarray  # states links to other activities (the pairs it states are scored in Python: stated_links)
    title_orgs: sp.csr_matrix  # the organisation whose name the title is (ProjectFeatures.title_organisation)
    title_org: np.ndarray      # whether the title is an organisation's name
    title_countries: sp.csr_matrix  # the countries the title names (ProjectFeatures.title_countries)
    title_named: np.ndarray         # whether the title names a country
    title_idf: Idf | None = None
    text_idf: Idf | None = None
    # Codes of sectors, activity types and languages: a corpus built with another's codes compares with it.
    codes: dict | None = None

    @classmethod
    def build(cls, features: Sequence[ProjectFeatures], cfg: OverlapConfig = DEFAULT_CONFIG,
              title_idf: Idf | None = None, text_idf: Idf | None = None, codes: dict | None = None,
              weights: tuple[np.ndarray, np.ndarray] | None = None) -> "Corpus":
        """Vectors of the projects; with the IDFs, codes (and IDF weights) of another corpus, comparable with it."""
        features = list(features)
        title_counts = counts([f.title for f in features])
        text_counts = counts([f.text for f in features])
        title_idf = title_idf or Idf(title_counts)
        text_idf = text_idf or Idf(text_counts)
        titles = title_idf.transform(title_counts, weights[0] if weights else None)
        texts = text_idf.transform(text_counts, weights[1] if weights else None)
        codes = codes if codes is not None else {"sector": {}, "activity": {None: 0, "": 0}, "language": {}}
        n = len(features)
        funders = _incidence(n, [f.funders for f in features])
        implementers = _incidence(n, [f.implementers for f in features])
        owners = _incidence(n, [[f.owner] if f.owner is not None else [] for f in features])
        institutions = _incidence(n, [f.institutions for f in features])
        title_orgs = _incidence(n, [[f.title_organisation] if f.title_organisation is not None else []
                                    for f in features])
        width = max(m.shape[1] for m in (funders, implementers, owners, institutions, title_orgs))
        funders, implementers, owners, institutions, title_orgs = (
            _widen(m, width) for m in (funders, implementers, owners, institutions, title_orgs))
        partners = (funders + implementers).tocsr()  # f.funders | f.implementers, without a set per project
        partners.data[:] = 1
        title_org = np.array([f.title_organisation is not None for f in features], dtype=bool)
        owner_ids = np.array([f.owner if f.owner is not None else -1 for f in features], dtype=np.int64)
        countries = _incidence(n, [f.countries for f in features])
        places = _incidence(n, [f.places for f in features])
        pillars = _incidence(n, [f.pillars for f in features])
        themes = _incidence(n, [f.themes for f in features])
        sector_codes: dict[str, int] = codes["sector"]
        sectors = _incidence(n, [[sector_codes.setdefault(c, len(sector_codes)) for c in f.sectors] if f.sectors
                                 else () for f in features])
        activity_codes: dict[str | None, int] = codes["activity"]
        activity = np.array([activity_codes.setdefault(f.activity_type, len(activity_codes)) for f in features],
                            dtype=np.int64)
        languages: dict[str, int] = codes["language"]
        language = np.array([languages.setdefault(f.language.split("-")[0].lower(), len(languages) + 1)
                             if f.language else 0 for f in features], dtype=np.int64)
        budget = np.array([f.budget_usd or 0.0 for f in features], dtype=np.float64)
        raw_start = np.array([f.starts_on.toordinal() if f.starts_on else -1 for f in features], dtype=np.int64)
        raw_end = np.array([f.ends_on.toordinal() if f.ends_on else -1 for f in features], dtype=np.int64)
        wide = np.array([f.wide for f in features], dtype=bool)
        linked = np.array([bool(f.related) for f in features], dtype=bool)
        intervals = np.array([f.interval(cfg.undated_years) for f in features], dtype=np.int64).reshape(-1, 2)
        title_countries = _incidence(n, [f.title_countries for f in features])
        title_named = np.array([bool(f.title_countries) for f in features], dtype=bool)
        return cls(features, titles, texts, funders, implementers, owners, partners, institutions, owner_ids,
                   intervals[:, 0], intervals[:, 1], countries, places, pillars, themes, sectors, activity, language,
                   budget, raw_start, raw_end, wide, linked, title_orgs, title_org, title_countries, title_named,
                   title_idf, text_idf, codes)

    def cosines(self, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Title and text cosines of the row pairs (i[k], j[k])."""
        if len(i) == 0:
            return np.zeros(0), np.zeros(0)
        # float64, as the worded scorer computes: float32 points could round the other way at a half point
        t = np.asarray(self.titles[i].multiply(self.titles[j]).sum(axis=1)).ravel().astype(np.float64)
        x = np.asarray(self.texts[i].multiply(self.texts[j]).sum(axis=1)).ravel().astype(np.float64)
        return t, x

    def stated_links(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """For each k, whether one of rows i[k] and j[k] states a link to the other (candidate_links): only those
        pairs score differently from the numpy arithmetic (the worded scorer counts the link)."""
        keys = getattr(self, "_link_keys", None)
        n = len(self.features)
        if keys is None:
            pairs = candidate_links(self)
            keys = np.sort(pairs[:, 0] * n + pairs[:, 1])
            self._link_keys = keys
        if len(keys) == 0 or len(i) == 0:
            return np.zeros(len(i), dtype=bool)
        wanted = np.minimum(i, j) * n + np.maximum(i, j)
        # a binary search in the sorted keys (np.isin would hash the keys again at every call)
        at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        return keys[at] == wanted

    def text_cosines(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Text cosines of the row pairs (i[k], j[k]), as cosines() gives them."""
        if len(i) == 0:
            return np.zeros(0)
        return np.asarray(self.texts[i].multiply(self.texts[j]).sum(axis=1)).ravel().astype(np.float64)


def shares(m: sp.csr_matrix, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """For each k, whether rows i[k] and j[k] of an incidence matrix have a column in common."""
    if len(i) == 0:
        return np.zeros(0, dtype=bool)
    codes = row_codes(m)
    if codes is not None:  # one column at most per row: compare the columns
        return (codes[i] >= 0) & (codes[i] == codes[j])
    masks = row_masks(m)
    if masks is not None:  # few columns in use: one bit each
        return (masks[i] & masks[j]) != 0
    # Many columns (organisations, institutions): a 64-bit signature per row first, each column setting one bit
    # shared by several columns; rows whose signatures meet in no bit have no column in common, the others are
    # compared exactly.
    signatures = row_signatures(m)
    found = np.zeros(len(i), dtype=bool)
    maybe = np.flatnonzero((signatures[i] & signatures[j]) != 0)
    if len(maybe):
        a, b = i[maybe], j[maybe]
        found[maybe] = np.asarray(m[a].multiply(m[b]).sum(axis=1)).ravel() > 0
    return found


def row_masks(m: sp.csr_matrix) -> np.ndarray | None:
    """Per row of an incidence matrix whose rows use 64 distinct columns at most (pillars, themes), the set of its
    columns as the bits of one integer, else None: its signatures, exact then."""
    signatures, exact = _signatures(m)
    return signatures if exact else None


def row_signatures(m: sp.csr_matrix) -> np.ndarray:
    """Per row of an incidence matrix, the bits (k mod 64) of the k-th column in use that the row has: rows with
    a column in common share a bit (not always the other way round, unless 64 columns at most are in use)."""
    return _signatures(m)[0]


def _signatures(m: sp.csr_matrix) -> tuple[np.ndarray, bool]:
    """(row_signatures, whether they are exact: one bit per column), computed once per matrix."""
    cached = getattr(m, "_adam_row_signatures", None)
    if cached is None:
        m = m.tocsr() if not sp.isspmatrix_csr(m) else m
        present = m.data != 0
        used, rank = np.unique(m.indices[present], return_inverse=True)
        rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))[present]
        signatures = np.zeros(m.shape[0], dtype=np.uint64)
        np.bitwise_or.at(signatures, rows, np.left_shift(np.uint64(1), (rank.ravel() % 64).astype(np.uint64)))
        cached = (signatures, len(used) <= 64)
        try:
            m._adam_row_signatures = cached
        except AttributeError:  # pragma: no cover - a matrix type without attributes: no cache
            pass
    return cached


def row_codes(m: sp.csr_matrix) -> np.ndarray | None:
    """The column of each row (-1: none) of an incidence matrix whose rows have one column at most, else None;
    computed once per matrix (a corpus's matrices do not change once built)."""
    cached = getattr(m, "_adam_row_codes", None)
    if cached is None:
        m = m.tocsr() if not sp.isspmatrix_csr(m) else m
        per_row = np.diff(m.indptr)
        if per_row.max(initial=0) <= 1 and (m.data != 0).all():
            codes = np.full(m.shape[0], -1, dtype=np.int64)
            one = per_row == 1
            codes[one] = m.indices[m.indptr[:-1][one]]
            cached = (codes,)
        else:
            cached = (None,)
        try:
            m._adam_row_codes = cached
        except AttributeError:  # pragma: no cover - a matrix type without attributes: no cache
            pass
    return cached[0]


def _incidence(n: int, groups: Sequence) -> sp.csr_matrix:
    """Row i has a 1 in the columns of groups[i] (ids of organisations, countries...)."""
    sizes = np.fromiter(map(len, groups), dtype=np.int64, count=n)
    cols = np.fromiter(chain.from_iterable(groups), dtype=np.int64, count=int(sizes.sum()))
    rows = np.repeat(np.arange(n, dtype=np.int64), sizes)
    width = int(cols.max()) + 1 if len(cols) else 1
    return sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, width))


def _widen(m: sp.csr_matrix, width: int) -> sp.csr_matrix:
    m = m.tocsr()
    m.resize((m.shape[0], width))
    return m


# Entries of one sparse product per chunk of rows at most (a bound on the memory of a chunk, whatever the text).
CHUNK_ENTRIES = 2_000_000
RIGHT = ("titles", "texts", "funders", "implementers", "owners", "partners", "institutions")


@dataclass
class CandidateChunk:
    """Candidate pairs (i[k], j[k]) (row indices, each unordered pair once over all chunks) and their cosines.

    From iter_candidates(text=False): text_cos is None (not computed), a title cosine under the floor is given
    as 0 (it scores the same), and `known` holds score inputs the chunk's products gave (vector.PairInputs names).
    """

    i: np.ndarray
    j: np.ndarray
    title_cos: np.ndarray
    text_cos: np.ndarray | None
    known: dict[str, np.ndarray] = field(default_factory=dict)

    def take(self, keep: np.ndarray) -> "CandidateChunk":
        return CandidateChunk(self.i[keep], self.j[keep], self.title_cos[keep],
                              None if self.text_cos is None else self.text_cos[keep],
                              {k: v[keep] for k, v in self.known.items()})


class _Side:
    """The rows of a block in start-date order, with their matrices sliced once for every chunk; with kernel
    (the text-free chunks), what kernels.chunk_candidates reads: the title and donor posting lists (on a side
    that is transposed: a right side), the donors by row, the raw starts and the profile signatures."""

    def __init__(self, corpus: Corpus, rows: np.ndarray, transpose: bool, names: tuple[str, ...] = RIGHT,
                 kernel: bool = False):
        order = np.argsort(corpus.starts[rows], kind="stable")
        self.rows = rows[order]
        self.starts = corpus.starts[self.rows]
        self.ends = corpus.ends[self.rows]
        self.m = {name: getattr(corpus, name)[self.rows] for name in names}
        if transpose:
            # the kernel reads the titles and donors from posting lists: no transposed copies of them
            self.t = {name: m.T.tocsc() for name, m in self.m.items()
                      if not (kernel and name in ("titles", "funders"))}
        if kernel:
            from adam.overlap.kernels import postings  # numba: imported by the full report only

            self.raw_starts = corpus.raw_start[self.rows]
            self.signs = np.ascontiguousarray(profile_signatures(corpus)[self.rows])
            self.donors = self.m["funders"]
            if transpose:
                self.postings = postings(self.m["titles"])
                self.donor_postings = postings(self.m["funders"])


def _chunk_pairs(corpus: Corpus, left: _Side, a: int, b: int, right: _Side, lo: int, hi: int,
                 cfg: OverlapConfig, upper: bool) -> CandidateChunk | None:
    """Pairs of left rows [a, b) and right columns [lo, hi) with evidence and intersecting dates; with upper
    (left and right are the same block), only pairs whose column comes after the row. A chunk holds at most
    about CHUNK_ENTRIES pairs, so its products are handled as dense arrays."""
    floor = cfg.text_floor - 1e-6
    lm = {name: m[a:b] for name, m in left.m.items()}
    rt = {name: m[:, lo:hi] for name, m in right.t.items()}
    ls, le = left.starts[a:b, None], left.ends[a:b, None]
    rs, re_ = right.starts[None, lo:hi], right.ends[None, lo:hi]
    meet = (ls < re_) & (rs < le)
    if upper:
        meet &= np.arange(lo, hi)[None, :] > np.arange(a, b)[:, None]
    if not meet.any():
        return None
    titles = (lm["titles"] @ rt["titles"]).toarray()
    texts = (lm["texts"] @ rt["texts"]).toarray()
    evidence = (titles >= floor) | (texts >= floor)
    for product in (lm["institutions"] @ rt["institutions"],
                    (lm["funders"] @ rt["funders"]).multiply(lm["implementers"] @ rt["implementers"])):
        coo = product.tocoo()
        evidence[coo.row[coo.data >= 0.5], coo.col[coo.data >= 0.5]] = True
    # partner chain: the registrant of one is a donor or implementer of the other (registrants differ)
    chain = ((lm["owners"] @ rt["partners"]) + (lm["partners"] @ rt["owners"])).tocoo()
    differ = corpus.owner_ids[left.rows[a + chain.row]] != corpus.owner_ids[right.rows[lo + chain.col]]
    evidence[chain.row[differ], chain.col[differ]] = True
    r, c = np.nonzero(evidence & meet)
    if len(r) == 0:
        return None
    return CandidateChunk(left.rows[a + r], right.rows[lo + c], titles[r, c].astype(np.float64),
                          texts[r, c].astype(np.float64))


# What a pair outside the sets _chunk_sparse enumerates cannot have: a title cosine of `title_at_least`, a shared
# institution, a partner link, both donor and implementer; and (with the same-start sets) starts within the date
# tolerance with a donor or an implementer in common. What such a pair can score at most decides whether the text
# may be left out (text_free_sets).
# (Keys absent from cfg.points are ignored: title_organisation, on main, gives points only with a partner link.)
OUTSIDE_ZERO = ("stated_link", "shared_institution", "institution_theme_time", "partner_chain", "partner_one_way",
                "partner_amount", "same_grant_terms", "title_organisation")
DONOR_OR_IMPLEMENTER = ("same_donor", "same_implementer")
SAME_START = "same_start"


# Signals of a pair that cheap per-row inputs give exactly and that make up most of its points besides the title
# and the text: which of them give points is the pair's profile (bit k for PROFILE[k]). Each is (signal, name of
# the input in vector.PairInputs it comes from, incidence matrix of the corpus or None: compared per row).
PROFILE = (("shared_pillar", "pillar", "pillars"), ("shared_theme", "theme", "themes"),
           ("shared_sector", "sector", "sectors"), ("same_activity_type", None, None),
           ("same_donor", "donor", "funders"), ("same_implementer", "implementer", "implementers"),
           ("same_start", None, None), ("same_end", None, None), ("similar_budget", None, None))
# The sets whose pairs are kept whatever their title (their signals are not in the profile): shared institution,
# partner link.
ANCHORS = ("institution", "link_ab", "link_ba")


@dataclass(frozen=True)
class TextFreeSets:
    title_at_least: float  # title cosines from which a pair is enumerated (whatever it shares)
    same_start: bool       # enumerate the pairs that start alike and share a donor or an implementer
    # per profile (an index of bits, PROFILE), the title cosine a pair of that profile needs unless it shares an
    # institution or has a partner link (profile_title_at_least)
    by_profile: tuple[float, ...] = ()


def text_free_sets(cfg: OverlapConfig) -> TextFreeSets | None:
    """How to enumerate, without text products, a superset of the pairs that can be flagged: the least sets such
    that a pair outside them cannot reach the lowest threshold whatever its text (every signal not ruled out
    counted at its most, vector.points_at_most); None when no such sets exist (then every candidate is
    enumerated with its text cosine)."""
    from adam.overlap.vector import lowest_threshold, points_at_most, title_points

    lowest = lowest_threshold(cfg)
    steps = [round(cfg.text_floor + k * 0.01, 2) for k in range(int((cfg.text_full - cfg.text_floor) / 0.01) + 1)]
    for same_start in (False, True):
        best = None
        for title_at_least in steps:
            # below title_at_least a pair's title gives at most what a cosine of title_at_least gives
            caps = {"title_similarity": title_points(title_at_least, cfg) if title_at_least > cfg.text_floor else 0.0}
            cells = [points_at_most(cfg, OUTSIDE_ZERO + ((SAME_START,) if same_start else ()),
                                    (DONOR_OR_IMPLEMENTER,), caps)]
            if same_start:  # starts alike, but no donor and no implementer in common
                cells.append(points_at_most(cfg, OUTSIDE_ZERO + DONOR_OR_IMPLEMENTER, (), caps))
            if max(cells) < lowest:
                best = title_at_least
            else:
                break
        if best is not None:
            return TextFreeSets(best, same_start, profile_title_at_least(cfg))
    return None


def profile_title_at_least(cfg: OverlapConfig) -> tuple[float, ...]:
    """Per profile (which of the PROFILE signals give a pair points, as bits), a title cosine under which a pair
    of that profile cannot be flagged unless it shares an institution or has a partner link (0: none).

    Why this is lossless: a pair with no shared institution and no partner link gets nothing from OUTSIDE_ZERO
    (stated links are scored apart, by the worded scorer; partner_amount, same_grant_terms and title_organisation
    need a partner link), nothing from the PROFILE signals its profile says give nothing (the profile is computed
    exactly as signal_points computes them: pair_profiles), and from every other signal at most its ceiling
    (vector.points_at_most), whatever its dates, budget, text and language. Under a cosine c its title gives at
    most title_points(c) (the points do not decrease with the cosine). So when that most stays under the lowest
    threshold for a cosine under c, no such pair of the profile under c is flagged. The cosines are tried
    0.01 apart from text_floor up (as text_free_sets does); the last one that keeps the most under is the
    profile's, 0 when even the floor does not.
    """
    from adam.overlap.vector import lowest_threshold, points_at_most, title_points

    lowest = lowest_threshold(cfg)
    steps = [round(cfg.text_floor + k * 0.01, 2) for k in range(int((cfg.text_full - cfg.text_floor) / 0.01) + 1)]
    # the title at most under each step (points_at_most caps it so), added to the most of every other signal
    title_max = max(0.0, float(np.ceil(cfg.points.get("title_similarity", 0.0))))
    caps = [min(title_max, max(0.0, title_points(step, cfg))) if step > cfg.text_floor else 0.0 for step in steps]
    out = []
    for bits in range(1 << len(PROFILE)):
        zero = OUTSIDE_ZERO + ("title_similarity",) + tuple(
            PROFILE[k][0] for k in range(len(PROFILE)) if not bits >> k & 1)
        rest = points_at_most(cfg, zero)
        best = 0.0
        for step, cap in zip(steps, caps):
            if rest + cap < lowest:
                best = step
            else:
                break
        out.append(best)
    return tuple(out)


def pair_profiles(corpus: "Corpus", i: np.ndarray, j: np.ndarray, cfg: OverlapConfig = DEFAULT_CONFIG,
                  signals: tuple[int, ...] | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The profile (bits of PROFILE) of the row pairs (i[k], j[k]): bit k set when PROFILE[k]'s signal gives
    points (vector.signal_points' conditions, on the same inputs); and the shares computed on the way, by input
    name (vector.PairInputs: they need not be gathered again). With signals (indices of PROFILE), those bits
    only (the others 0)."""
    from adam.overlap.vector import _same_amount_ratio

    found: dict[str, np.ndarray] = {}
    tol = cfg.date_tolerance_days
    cheap = {
        "same_activity_type": lambda: (corpus.activity[i] > 0) & (corpus.activity[i] == corpus.activity[j]),
        "same_start": lambda: _alike(corpus.raw_start[i], corpus.raw_start[j], tol),
        "same_end": lambda: _alike(corpus.raw_end[i], corpus.raw_end[j], tol),
        "similar_budget": lambda: _same_amount_ratio(corpus.budget[i], corpus.budget[j], cfg.budget_ratio),
    }
    bits = np.zeros(len(i), dtype=np.int64)
    for k in range(len(PROFILE)) if signals is None else signals:
        signal, name, matrix = PROFILE[k]
        if name is None:
            gives = cheap[signal]()
        else:
            gives = found[name] = shares(getattr(corpus, matrix), i, j)
        bits |= gives.astype(np.int64) << k
    return bits, found


def _alike(di: np.ndarray, dj: np.ndarray, tol: int) -> np.ndarray:
    """Both dates known (day numbers, -1: unknown) and within tol days of each other."""
    return (di >= 0) & (dj >= 0) & (np.abs(di - dj) <= tol)


# The profile in two steps (_chunk_sparse): the signals compared by a code per row first; a pair whose title is
# under what its profile needs with every signal of the second step given is dropped before the second step.
PROFILE_FIRST = (0, 1, 3, 4, 5)
PROFILE_SECOND = (2, 6, 7, 8)


def profile_signatures(corpus: Corpus) -> np.ndarray:
    """Per row, one 64-bit signature per signal of PROFILE_FIRST (columns in that order): rows that share a
    value (a pillar, a theme, an activity type, a donor, an implementer) share a bit of its signature
    (row_signatures; an activity type as the bit of its code); computed once per corpus."""
    cached = getattr(corpus, "_profile_signatures", None)
    if cached is None:
        columns = []
        for k in PROFILE_FIRST:
            signal, _, matrix = PROFILE[k]
            if matrix is not None:
                columns.append(row_signatures(getattr(corpus, matrix)))
            elif signal == "same_activity_type":  # 0: unknown, which gives no points
                code = corpus.activity.astype(np.uint64)
                columns.append(np.where(code > 0, np.left_shift(np.uint64(1), code % np.uint64(64)), np.uint64(0)))
            else:  # no signature: every pair may share it
                columns.append(np.full(len(corpus.features), np.iinfo(np.uint64).max, dtype=np.uint64))
        cached = corpus._profile_signatures = np.stack(columns, axis=1) if columns else \
            np.zeros((len(corpus.features), 0), dtype=np.uint64)
    return cached


_FILTERS: dict[tuple[float, ...], "ProfileFilter"] = {}


def _profile_filter(sets: TextFreeSets) -> "ProfileFilter | None":
    """The kernel's form of sets.by_profile (None without profiles): the first step's signals read from
    profile_signatures, the second step's given."""
    from adam.overlap.kernels import ProfileFilter

    if not sets.by_profile:
        return None
    found = _FILTERS.get(sets.by_profile)
    if found is None:
        found = _FILTERS[sets.by_profile] = ProfileFilter(
            np.array([1 << k for k in PROFILE_FIRST], dtype=np.int64), sum(1 << k for k in PROFILE_SECOND),
            np.asarray(sets.by_profile, dtype=np.float64) - 1e-6)
    return found


def _enumerate(sets: TextFreeSets, cfg: OverlapConfig) -> "Enumerate":
    """What chunk_candidates enumerates for the sets (text_free_sets): titles from sets.title_at_least, the pairs
    that share a donor and an implementer, and with sets.same_start those that start alike within the date
    tolerance and share one of them."""
    from adam.overlap.kernels import Enumerate

    signals = [PROFILE[k][0] for k in PROFILE_FIRST]
    return Enumerate(sets.title_at_least - 1e-6, True, cfg.date_tolerance_days if sets.same_start else -1,
                     signals.index("same_donor"), signals.index("same_implementer"))


class _Scratch:
    """Arrays of the size of a chunk, zero between uses (only the entries set are reset): marking a few hundred
    thousand entries of a chunk of millions costs what the entries cost, not what the chunk does."""

    def __init__(self):
        self.flags = np.zeros(0, dtype=bool)

    def fit(self, size: int) -> None:
        if len(self.flags) < size:
            self.flags = np.zeros(size, dtype=bool)

    def member(self, keys: np.ndarray, of: np.ndarray) -> np.ndarray:
        """For each of keys, whether it is among `of`."""
        if len(of) == 0 or len(keys) == 0:
            return np.zeros(len(keys), dtype=bool)
        self.flags[of] = True
        found = self.flags[keys]
        self.flags[of] = False
        return found


SPARSE_SIDE = ("titles", "funders", "owners", "partners", "institutions")


def _chunk_sparse(corpus: Corpus, left: _Side, a: int, b: int, right: _Side, lo: int, hi: int,
                  cfg: OverlapConfig, upper: bool, sets: TextFreeSets, scratch: _Scratch) -> CandidateChunk | None:
    """As _chunk_pairs, without the text product: the pairs with intersecting dates and a title cosine of
    sets.title_at_least, both donor and implementer in common (or, with sets.same_start, starts within the date
    tolerance and a donor or an implementer in common) whose title reaches what their profile needs (found by
    kernels.chunk_candidates), and those that share an institution or have a partner link (sparse products:
    few). Every pair that can be flagged is among them (text_free_sets); each gets the inputs found on the way
    (institution, donor, implementer, link_ab, link_ba...), its title cosine (0 under the floor: it scores the
    same), no text cosine."""
    from adam.overlap.kernels import chunk_candidates, pair_titles

    floor = cfg.text_floor - 1e-6
    w = hi - lo
    scratch.fit((b - a) * w)
    # the pairs that share an institution or have a partner link, whatever their title and profile (few: by
    # sparse products), whose dates meet, with their title cosines
    lm = {name: left.m[name][a:b] for name in ("institutions", "owners", "partners")}
    rt = {name: right.t[name][:, lo:hi] for name in ("institutions", "owners", "partners")}
    found = {}
    for name, l, r in (("institution", "institutions", "institutions"), ("link_ab", "owners", "partners"),
                       ("link_ba", "partners", "owners")):
        product = (lm[l] @ rt[r]).tocsr()
        at = np.flatnonzero(product.data >= 0.5)
        rows = np.searchsorted(product.indptr.astype(np.int64), at, side="right") - 1
        found[name] = rows * w + product.indices[at]
    anchors = np.unique(np.concatenate([found[name] for name in ANCHORS]))
    r, c = anchors // w, anchors % w
    meet = (left.starts[a + r] < right.ends[lo + c]) & (right.starts[lo + c] < left.ends[a + r])
    if upper:
        meet &= lo + c > a + r
    anchors, r, c = anchors[meet], r[meet], c[meet]
    lt, rt_ = left.m["titles"], right.m["titles"]
    anchor_titles = pair_titles(lt.indptr, lt.indices, lt.data, rt_.indptr, rt_.indices, rt_.data, a + r, lo + c)
    # and the others (kernels.chunk_candidates)
    keys, titles = chunk_candidates(left, a, b, right, lo, hi, upper, floor, _enumerate(sets, cfg),
                                    _profile_filter(sets), skip=anchors)
    keys = np.concatenate([keys, anchors])
    titles = np.concatenate([titles, np.where(anchor_titles >= floor, anchor_titles, np.float32(0))])
    if len(keys) == 0:
        return None
    r, c = keys // w, keys % w
    i, j = left.rows[a + r], right.rows[lo + c]
    known: dict[str, np.ndarray] = {}
    if sets.by_profile:
        # unless it shares an institution or has a partner link, a pair needs the title cosine of its profile
        # (profile_title_at_least); the kernel read the profile from signatures (it may have seen more signals
        # than the pair has): now exactly.
        # The title a profile needs does not grow with the signals it has (points_at_most counts a signal at 0
        # when not shared, at most its points when shared), so a pair under what it needs with every signal of
        # the second step given is under what it needs whatever they are.
        needed = np.asarray(sets.by_profile)
        anchored = scratch.member(keys, np.concatenate([found[name] for name in ANCHORS]))
        bits = np.zeros(len(keys), dtype=np.int64)
        for step, given in ((PROFILE_FIRST, sum(1 << k for k in PROFILE_SECOND)), (PROFILE_SECOND, 0)):
            more_bits, shares_ = pair_profiles(corpus, i, j, cfg, step)
            bits |= more_bits
            known.update(shares_)
            keep = anchored | (titles >= needed[bits | given] - 1e-6)
            if not keep.all():
                keys, i, j, titles, bits, anchored = (keys[keep], i[keep], j[keep], titles[keep], bits[keep],
                                                      anchored[keep])
                known = {name: value[keep] for name, value in known.items()}
            if len(keys) == 0:
                return None
    for name in ("institution", "link_ab", "link_ba"):
        if name not in known:
            known[name] = scratch.member(keys, found[name])
    for name, matrix in (("donor", "funders"), ("implementer", "implementers")):
        if name not in known:
            known[name] = shares(getattr(corpus, matrix), i, j)
    return CandidateChunk(i, j, titles.astype(np.float64), None, known)


_SCRATCH = threading.local()


def _scratch() -> _Scratch:
    """The calling thread's scratch arrays (chunks may be computed by several threads at once)."""
    scratch = getattr(_SCRATCH, "value", None)
    if scratch is None:
        scratch = _SCRATCH.value = _Scratch()
    return scratch


def _chunk_tasks(corpus: Corpus, left: _Side, right: _Side, cfg: OverlapConfig, upper: bool,
                 sets: TextFreeSets | None = None):
    """Chunks of left rows (in start order) against the right columns their dates can meet, each as a task
    (no argument; returns a CandidateChunk or None) that any thread may run; with sets (from text_free_sets),
    found without the text products (_chunk_sparse)."""
    n = len(left.rows)
    a = 0
    while a < n:
        # the columns a chunk can meet start before the chunk's latest end
        first = a if upper else 0
        hi = int(np.searchsorted(right.starts, left.ends[a:min(n, a + 16)].max(), side="left"))
        size = max(16, CHUNK_ENTRIES // max(1, hi - first))
        b = min(n, a + size)
        hi = int(np.searchsorted(right.starts, left.ends[a:b].max(), side="left"))
        lo = a if upper else 0
        if hi > lo:
            if sets is None:
                yield partial(_chunk_pairs, corpus, left, a, b, right, lo, hi, cfg, upper)
            else:
                yield lambda a=a, b=b, lo=lo, hi=hi: _chunk_sparse(corpus, left, a, b, right, lo, hi, cfg, upper,
                                                                   sets, _scratch())
        a = b


def place_blocks(features: Sequence[ProjectFeatures]) -> tuple[dict[int, list[int]], list[int]]:
    """Row numbers per place (a project in several places is in each block), and the wide-scope rows apart."""
    blocks: dict[int, list[int]] = defaultdict(list)
    wide: list[int] = []
    for i, f in enumerate(features):
        if f.wide:
            wide.append(i)
        else:
            for place in f.places:
                blocks[place].append(i)
    return blocks, wide


def candidate_tasks(corpus: Corpus, cfg: OverlapConfig = DEFAULT_CONFIG, sets: TextFreeSets | None = None):
    """The candidate pairs of the corpus as independent tasks, one per chunk: each (no argument) returns a
    CandidateChunk (possibly empty) or None; over all tasks each unordered pair comes once; stated links are not
    included (candidate_links). A task's memory is bounded by CHUNK_ENTRIES, not by the number of pairs.

    With sets (text_free_sets(cfg)), no text product is computed: the chunks hold a superset of the pairs that
    can be flagged (not every candidate), without their text cosine (_chunk_sparse)."""
    if cfg.max_without_evidence() >= cfg.possible_threshold:
        raise ValueError("These weights let a pair with no evidence reach the threshold: candidate blocking "
                         "would miss pairs. Lower the place, time and subject points or raise the threshold.")
    features = corpus.features
    blocks, wide = place_blocks(features)
    several = np.array([len(f.places) > 1 and not f.wide for f in features], dtype=bool)
    names = RIGHT if sets is None else SPARSE_SIDE
    kernel = sets is not None

    def in_block(task, place: int):  # noqa: ANN001, ANN202
        def run() -> CandidateChunk | None:
            chunk = task()
            if chunk is None:
                return None
            # a pair of projects that share several places is kept in the block of the first one only
            both = several[chunk.i] & several[chunk.j]
            if both.any():
                own = np.ones(len(chunk.i), dtype=bool)
                for k2 in np.flatnonzero(both).tolist():
                    own[k2] = min(features[chunk.i[k2]].places & features[chunk.j[k2]].places) == place
                if not own.all():
                    chunk = chunk.take(own)
            return chunk
        return run

    def wide_pairs(task):  # noqa: ANN001, ANN202
        def run() -> CandidateChunk | None:
            chunk = task()
            if chunk is None:
                return None
            return chunk.take(~(corpus.wide[chunk.j] & (chunk.j <= chunk.i)) & (chunk.i != chunk.j))
        return run

    for place, members in blocks.items():
        if len(members) > 1:
            side = _Side(corpus, np.array(members, dtype=np.int64), transpose=True, names=names, kernel=kernel)
            for task in _chunk_tasks(corpus, side, side, cfg, upper=True, sets=sets):
                yield in_block(task, place)
    if wide:
        # wide-scope projects meet everyone: their rows against every column (two wide ones: once)
        left = _Side(corpus, np.array(wide, dtype=np.int64), transpose=False, names=names, kernel=kernel)
        right = _Side(corpus, np.arange(len(features), dtype=np.int64), transpose=True, names=names,
                      kernel=kernel)
        for task in _chunk_tasks(corpus, left, right, cfg, upper=False, sets=sets):
            yield wide_pairs(task)


def iter_candidates(corpus: Corpus, cfg: OverlapConfig = DEFAULT_CONFIG, sets: TextFreeSets | None = None):
    """The candidate chunks of the corpus one after the other (candidate_tasks run in this thread), non-empty."""
    for task in candidate_tasks(corpus, cfg, sets):
        chunk = task()
        if chunk is not None and len(chunk.i):
            yield chunk


def candidate_links(corpus: Corpus) -> np.ndarray:
    """Pairs of rows (i < j) where one record states a link to the other: they hold whatever the place and dates."""
    features = corpus.features
    by_identifier = {f.iati_identifier: i for i, f in enumerate(features) if f.iati_identifier}
    pairs = set()
    for i, f in enumerate(features):
        for ident in f.related:
            j = by_identifier.get(ident)
            if j is not None and j != i:
                pairs.add((min(i, j), max(i, j)))
    return np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)


def candidate_pairs(corpus: Corpus, cfg: OverlapConfig = DEFAULT_CONFIG) -> np.ndarray:
    """All candidate pairs of the corpus as an (m, 2) array of row indices, i < j, no repeats."""
    parts = [np.stack([np.minimum(c.i, c.j), np.maximum(c.i, c.j)], axis=1)
             for c in iter_candidates(corpus, cfg)]
    parts.append(candidate_links(corpus))
    pairs = np.concatenate(parts)
    return np.unique(pairs, axis=0) if len(pairs) else pairs
