"""Scoring many pairs (the full report) and one draft against its candidates (the save-time check)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from adam.overlap.candidates import Corpus, candidate_pairs
from adam.overlap.config import DEFAULT_CONFIG, OverlapConfig
from adam.overlap.features import ProjectFeatures
from adam.overlap.signals import PairScore, is_candidate, score_pair
from adam.overlap.text import Idf, counts
from adam.overlap.vector import vector_scores


@dataclass(slots=True)
class ScoredPair:
    a: ProjectFeatures
    b: ProjectFeatures
    result: PairScore

    @property
    def key(self) -> tuple[int, int]:
        return pair_key(self.a.id, self.b.id)


def pair_key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def find_all_overlaps(features: Sequence[ProjectFeatures], cfg: OverlapConfig = DEFAULT_CONFIG,
                      names: dict[int, str] | None = None,
                      progress: Callable[[int, int], None] | None = None) -> tuple[list[ScoredPair], int]:
    """Every flagged pair of the corpus, best first, and how many candidate pairs were scored."""
    corpus = Corpus.build(features, cfg)
    pairs = candidate_pairs(corpus, cfg, progress=progress)
    title_cos, text_cos = corpus.cosines(pairs[:, 0], pairs[:, 1])
    # Score every candidate with numpy; word the evidence only for pairs that reach the threshold (and for
    # records that state links, which only the Python scorer counts).
    scores, thresholds = vector_scores(corpus, pairs[:, 0], pairs[:, 1], title_cos, text_cos, cfg)
    keep = (scores >= thresholds) | corpus.linked[pairs[:, 0]] | corpus.linked[pairs[:, 1]]
    pairs, title_cos, text_cos = pairs[keep], title_cos[keep], text_cos[keep]
    flagged: list[ScoredPair] = []
    feats = corpus.features
    for (i, j), tc, xc in zip(pairs.tolist(), title_cos.tolist(), text_cos.tolist()):
        result = score_pair(feats[i], feats[j], tc, xc, cfg, names)
        if result.label:
            flagged.append(ScoredPair(feats[i], feats[j], result))
    flagged.sort(key=lambda p: (-p.result.score, p.key))
    return flagged, len(keep)


def find_overlaps(draft: ProjectFeatures, candidates: Sequence[ProjectFeatures],
                  cfg: OverlapConfig = DEFAULT_CONFIG, names: dict[int, str] | None = None,
                  title_idf: Idf | None = None, text_idf: Idf | None = None) -> list[tuple[ProjectFeatures, PairScore]]:
    """Score one project against its candidates; flagged ones only, best first."""
    others = [c for c in candidates if c.id is None or c.id != draft.id]
    if not others:
        return []
    corpus = Corpus.build([draft, *others], cfg, title_idf=title_idf, text_idf=text_idf)
    n = len(others)
    title_cos, text_cos = corpus.cosines(np.zeros(n, dtype=np.int64), np.arange(1, n + 1, dtype=np.int64))
    out: list[tuple[ProjectFeatures, PairScore]] = []
    for other, tc, xc in zip(others, title_cos.tolist(), text_cos.tolist()):
        if not is_candidate(draft, other, tc, xc, cfg):
            continue
        result = score_pair(draft, other, tc, xc, cfg, names)
        if result.label:
            out.append((other, result))
    out.sort(key=lambda pair: (-pair[1].score, pair[0].id or 0))
    return out


def corpus_idf(features: Sequence[ProjectFeatures]) -> tuple[Idf, Idf]:
    return Idf(counts([f.title for f in features])), Idf(counts([f.text for f in features]))
