"""Candidate pairs without comparing all pairs: block by place, mask by date, keep pairs with evidence.

Within each country block, sparse products of TF-IDF rows (titles, texts) and of organisation incidence rows
give, in one step, every pair that shares a word, an organisation or an institution; a date mask then keeps
the pairs whose ranges intersect. Wide-scope projects (no country, or a global region) are matched against
everyone by the same products, which act as their text index. Stated links are joined by identifier.
The result equals an all-pairs scan filtered by signals.is_candidate (tests/overlap/test_candidates.py).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from adam.overlap.config import DEFAULT_CONFIG, OverlapConfig
from adam.overlap.features import ProjectFeatures
from adam.overlap.text import Idf, counts

ROW_CHUNK = 4000


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
    linked: np.ndarray  # states links to other activities: its pairs are scored in Python, where links count
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
        funders = _incidence(n, ((i, f.funders) for i, f in enumerate(features)))
        implementers = _incidence(n, ((i, f.implementers) for i, f in enumerate(features)))
        owners = _incidence(n, ((i, [f.owner] if f.owner is not None else []) for i, f in enumerate(features)))
        partners = _incidence(n, ((i, f.funders | f.implementers) for i, f in enumerate(features)))
        institutions = _incidence(n, ((i, f.institutions) for i, f in enumerate(features)))
        width = max(m.shape[1] for m in (funders, implementers, owners, partners, institutions))
        funders, implementers, owners, partners, institutions = (
            _widen(m, width) for m in (funders, implementers, owners, partners, institutions))
        owner_ids = np.array([f.owner if f.owner is not None else -1 for f in features], dtype=np.int64)
        countries = _incidence(n, ((i, f.countries) for i, f in enumerate(features)))
        places = _incidence(n, ((i, f.places) for i, f in enumerate(features)))
        pillars = _incidence(n, ((i, f.pillars) for i, f in enumerate(features)))
        themes = _incidence(n, ((i, f.themes) for i, f in enumerate(features)))
        sector_codes: dict[str, int] = codes["sector"]
        sectors = _incidence(n, ((i, [sector_codes.setdefault(c, len(sector_codes)) for c in f.sectors])
                                 for i, f in enumerate(features)))
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
        return cls(features, titles, texts, funders, implementers, owners, partners, institutions, owner_ids,
                   intervals[:, 0], intervals[:, 1], countries, places, pillars, themes, sectors, activity, language,
                   budget, raw_start, raw_end, wide, linked, title_idf, text_idf, codes)

    def cosines(self, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Title and text cosines of the row pairs (i[k], j[k])."""
        if len(i) == 0:
            return np.zeros(0), np.zeros(0)
        t = np.asarray(self.titles[i].multiply(self.titles[j]).sum(axis=1)).ravel()
        x = np.asarray(self.texts[i].multiply(self.texts[j]).sum(axis=1)).ravel()
        return t, x


def shares(m: sp.csr_matrix, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """For each k, whether rows i[k] and j[k] of an incidence matrix have a column in common."""
    if len(i) == 0:
        return np.zeros(0, dtype=bool)
    return np.asarray(m[i].multiply(m[j]).sum(axis=1)).ravel() > 0


def _incidence(n: int, items) -> sp.csr_matrix:
    rows, cols = [], []
    for i, ids in items:
        for o in ids:
            rows.append(i)
            cols.append(o)
    width = (max(cols) + 1) if cols else 1
    return sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, width))


def _widen(m: sp.csr_matrix, width: int) -> sp.csr_matrix:
    m = m.tocsr()
    m.resize((m.shape[0], width))
    return m


def _evidence_pairs(corpus: Corpus, rows: np.ndarray, cols: np.ndarray, cfg: OverlapConfig,
                    same_block: bool) -> tuple[np.ndarray, np.ndarray]:
    """Row-index pairs (rows x cols) with text at or above the floor or a shared organisation or institution,
    whose date ranges intersect. With same_block, only pairs i < j."""
    found_i: list[np.ndarray] = []
    found_j: list[np.ndarray] = []
    c = corpus
    right = {name: getattr(c, name)[cols].T.tocsc() for name in
             ("titles", "texts", "funders", "implementers", "owners", "partners", "institutions")}
    floor = cfg.text_floor - 1e-6
    for start in range(0, len(rows), ROW_CHUNK):
        chunk = rows[start:start + ROW_CHUNK]
        hits: list[tuple[np.ndarray, np.ndarray]] = []

        def keep(product, minimum: float = 0.5) -> None:
            product = product.tocoo()
            mask = product.data >= minimum
            hits.append((product.row[mask], product.col[mask]))

        keep(c.titles[chunk] @ right["titles"], floor)
        keep(c.texts[chunk] @ right["texts"], floor)
        keep(c.institutions[chunk] @ right["institutions"])
        # partner chain: the owner of one is a donor or implementer of the other (owners compared below)
        chain = (c.owners[chunk] @ right["partners"]) + (c.partners[chunk] @ right["owners"])
        chain = chain.tocoo()
        gi = chunk[chain.row]
        gj = cols[chain.col]
        differ = c.owner_ids[gi] != c.owner_ids[gj]
        hits.append((chain.row[differ], chain.col[differ]))
        # the same donor and the same implementer
        keep((c.funders[chunk] @ right["funders"]).multiply(c.implementers[chunk] @ right["implementers"]))
        r = np.concatenate([h[0] for h in hits])
        col = np.concatenate([h[1] for h in hits])
        if len(r) == 0:
            continue
        gi = chunk[r]
        gj = cols[col]
        mask = (c.starts[gi] < c.ends[gj]) & (c.starts[gj] < c.ends[gi]) & (gi != gj)
        if same_block:
            mask &= gi < gj
        found_i.append(gi[mask])
        found_j.append(gj[mask])
    if not found_i:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(found_i), np.concatenate(found_j)


def candidate_pairs(corpus: Corpus, cfg: OverlapConfig = DEFAULT_CONFIG,
                    progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """All candidate pairs of the corpus as an (m, 2) array of row indices, i < j, no repeats."""
    if cfg.max_without_evidence() >= cfg.possible_threshold:
        raise ValueError("These weights let a pair with no evidence reach the threshold: candidate blocking "
                         "would miss pairs. Lower the place, time and subject points or raise the threshold.")
    features = corpus.features
    n = len(features)
    blocks: dict[int, list[int]] = defaultdict(list)
    wide: list[int] = []
    for i, f in enumerate(features):
        if f.wide:
            wide.append(i)
        else:
            for c in f.places:
                blocks[c].append(i)
    parts_i: list[np.ndarray] = []
    parts_j: list[np.ndarray] = []
    steps = len(blocks) + 1
    for k, members in enumerate(blocks.values()):
        if len(members) > 1:
            idx = np.array(members, dtype=np.int64)
            i, j = _evidence_pairs(corpus, idx, idx, cfg, same_block=True)
            parts_i.append(i)
            parts_j.append(j)
        if progress:
            progress(k + 1, steps)
    if wide:
        i, j = _evidence_pairs(corpus, np.array(wide, dtype=np.int64), np.arange(n, dtype=np.int64), cfg,
                               same_block=False)
        parts_i.append(i)
        parts_j.append(j)
    # Stated links hold whatever the place and dates.
    by_identifier = {f.iati_identifier: i for i, f in enumerate(features) if f.iati_identifier}
    for i, f in enumerate(features):
        for ident in f.related:
            j = by_identifier.get(ident)
            if j is not None and j != i:
                parts_i.append(np.array([i]))
                parts_j.append(np.array([j]))
    if progress:
        progress(steps, steps)
    if not parts_i:
        return np.zeros((0, 2), dtype=np.int64)
    i = np.concatenate(parts_i)
    j = np.concatenate(parts_j)
    pairs = np.stack([np.minimum(i, j), np.maximum(i, j)], axis=1)
    return np.unique(pairs, axis=0) if len(pairs) else pairs
