"""Scoring many pairs (the full report) and one draft against its candidates (the save-time check)."""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from adam.overlap.candidates import CandidateChunk, Corpus, candidate_links, candidate_tasks, text_free_sets
from adam.overlap.config import DEFAULT_CONFIG, LABEL_DUPLICATE, LABEL_POSSIBLE, OverlapConfig
from adam.overlap.features import ProjectFeatures, same_features
from adam.overlap.signals import PairScore, is_candidate, score_pair
from adam.overlap.text import Idf, counts
from adam.overlap.vector import other_identifiers, pair_inputs, score_bounds, vector_scores


class ScoredPair:
    """A flagged pair: its score and label now, its worded signals (signals.score_pair) when first asked for."""

    __slots__ = ("a", "b", "score", "label", "_result", "_cosines", "_cfg", "_names")

    def __init__(self, a: ProjectFeatures, b: ProjectFeatures, result: PairScore | None = None, *,
                 score: int = 0, label: str | None = None, cosines: tuple[float, float] = (0.0, 0.0),
                 cfg: OverlapConfig = DEFAULT_CONFIG, names: dict[int, str] | None = None):
        self.a, self.b, self._result = a, b, result
        self.score, self.label = (result.score, result.label) if result is not None else (score, label)
        self._cosines, self._cfg, self._names = cosines, cfg, names

    @property
    def result(self) -> PairScore:
        if self._result is None:
            self._result = score_pair(self.a, self.b, *self._cosines, self._cfg, self._names)
        return self._result

    @property
    def key(self) -> tuple[int, int]:
        return pair_key(self.a.id, self.b.id)


def pair_key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def find_all_overlaps(features: Sequence[ProjectFeatures], cfg: OverlapConfig = DEFAULT_CONFIG,
                      names: dict[int, str] | None = None,
                      progress: Callable[[int, int], None] | None = None,
                      prune: bool = True, workers: int | None = None,
                      corpus: Corpus | None = None) -> tuple[list[ScoredPair], int]:
    """Every flagged pair of the corpus, best first, and how many pairs were scored exactly.

    Candidates come chunk by chunk (candidates.candidate_tasks, run by `workers` threads, one per CPU by default)
    and are scored with numpy as they come; only
    the flagged ones are kept, and their evidence is worded when first asked for (ScoredPair.result), so the
    memory follows the flagged pairs, not the candidates. Pairs where one record states a link to the other are
    worded at once (only the worded scorer counts links); the other pairs of such records are scored like any.

    With prune (when the weights allow it: candidates.text_free_sets), the chunks come without text products,
    hold only the pairs whose title reaches what their profile needs (candidates.profile_title_at_least), and
    an upper bound of the score (vector.score_bounds) drops the pairs that cannot reach their threshold
    before the costly inputs and the text cosine are gathered (_bounded): the flagged pairs and their scores
    are the same as without (tests/overlap/test_overlap_prune.py), only fewer pairs are scored exactly.

    corpus: Corpus.build(features, cfg) when already built (the register index's: index.built_corpus).
    """
    if corpus is None:
        corpus = Corpus.build(features, cfg)
    elif not same_features(corpus.features, features):
        raise ValueError("the corpus given is not that of these features")
    feats = corpus.features
    flagged: list[ScoredPair] = []
    scored = 0
    worded: dict[tuple[int, int], tuple[float, float]] = {}
    sets = text_free_sets(cfg) if prune else None
    corpus.stated_links(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))  # its lazy parts, before threads
    other_identifiers(corpus, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))

    def score(task) -> tuple[list, list, int]:  # noqa: ANN001
        """Run one candidate task and score its pairs: (flagged as tuples, linked pairs to word, pairs scored)."""
        chunk = task()
        if chunk is None or len(chunk.i) == 0:
            return [], [], 0
        if sets is not None:
            chunk = _bounded(corpus, chunk, cfg)
        i, j = chunk.i, chunk.j
        if len(i) == 0:
            return [], [], 0
        scores, thresholds = vector_scores(corpus, i, j, chunk.title_cos, chunk.text_cos, cfg, known=chunk.known)
        linked = corpus.stated_links(i, j)
        keep = (scores >= thresholds) & ~linked
        duplicate = scores >= np.maximum(thresholds, cfg.duplicate_threshold)
        found = list(zip(i[keep].tolist(), j[keep].tolist(), scores[keep].tolist(), duplicate[keep].tolist(),
                         chunk.title_cos[keep].tolist(), chunk.text_cos[keep].tolist()))
        stated = list(zip(i[linked].tolist(), j[linked].tolist(), chunk.title_cos[linked].tolist(),
                          chunk.text_cos[linked].tolist()))
        return found, stated, len(i)

    tasks = list(candidate_tasks(corpus, cfg, sets))
    # The chunks' sparse products and numpy work release the GIL: threads use the machine's cores.
    with ThreadPoolExecutor(max_workers=max(1, min(workers or os.cpu_count() or 1, len(tasks) or 1))) as pool:
        for done, (found, stated, count) in enumerate(pool.map(score, tasks), start=1):
            scored += count
            for a, b, score_, dup, tc, xc in found:
                a, b = (a, b) if a < b else (b, a)
                flagged.append(ScoredPair(feats[a], feats[b], score=score_,
                                          label=LABEL_DUPLICATE if dup else LABEL_POSSIBLE, cosines=(tc, xc),
                                          cfg=cfg, names=names))
            for a, b, tc, xc in stated:
                worded[(min(a, b), max(a, b))] = (tc, xc)
            if progress:
                progress(done, len(tasks) + 1)
    links = candidate_links(corpus)
    fresh = [(a, b) for a, b in links.tolist() if (a, b) not in worded]
    if fresh:
        fi = np.array([p[0] for p in fresh], dtype=np.int64)
        fj = np.array([p[1] for p in fresh], dtype=np.int64)
        scored += len(fresh)
        for a, b, tc, xc in zip(fi.tolist(), fj.tolist(), *(x.tolist() for x in corpus.cosines(fi, fj))):
            worded[(a, b)] = (tc, xc)
    for (a, b), (tc, xc) in worded.items():
        result = score_pair(feats[a], feats[b], tc, xc, cfg, names)
        if result.label:
            flagged.append(ScoredPair(feats[a], feats[b], result))
    flagged.sort(key=lambda p: (-p.score, p.key))
    if progress:
        progress(len(tasks) + 1, len(tasks) + 1)
    return flagged, scored


# Inputs of the first bound: besides what a chunk's products give, those the partner and text signals need.
FIRST_BOUND_INPUTS = ("oi", "oj", "li", "lj")


def _bounded(corpus: Corpus, chunk: CandidateChunk, cfg: OverlapConfig) -> CandidateChunk:
    """The pairs of a text-free chunk whose score can reach their threshold, with their text cosines.

    A first bound from the title cosine and the chunk's products, a second from every input but the text (each
    unknown signal at its most: vector.score_bounds); pairs where one states a link to the other are kept (they
    are worded).
    """
    for only in (FIRST_BOUND_INPUTS, None):
        linked = corpus.stated_links(chunk.i, chunk.j)
        x = pair_inputs(corpus, chunk.i, chunk.j, chunk.known, only=only)
        bound, lowest = score_bounds(x, chunk.title_cos, None, len(chunk.i), cfg)
        chunk = chunk.take(linked | (bound >= lowest))
    chunk.text_cos = corpus.text_cosines(chunk.i, chunk.j)
    return chunk


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
    return flagged_pairs(draft, zip(others, title_cos.tolist(), text_cos.tolist()), cfg, names)


def flagged_pairs(draft: ProjectFeatures, pairs: Iterable[tuple[ProjectFeatures, float, float]],
                  cfg: OverlapConfig = DEFAULT_CONFIG, names: dict[int, str] | None = None
                  ) -> list[tuple[ProjectFeatures, PairScore]]:
    """The candidates among (other, title cosine, text cosine) that reach their threshold, worded, best first."""
    out: list[tuple[ProjectFeatures, PairScore]] = []
    for other, tc, xc in pairs:
        if not is_candidate(draft, other, tc, xc, cfg):
            continue
        result = score_pair(draft, other, tc, xc, cfg, names)
        if result.label:
            out.append((other, result))
    out.sort(key=lambda pair: (-pair[1].score, pair[0].id or 0))
    return out


def corpus_idf(features: Sequence[ProjectFeatures]) -> tuple[Idf, Idf]:
    return Idf(counts([f.title for f in features])), Idf(counts([f.text for f in features]))
