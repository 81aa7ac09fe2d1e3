"""Signal statistics over every candidate pair of the real IATI benchmark (dev pairs only; a working tool).

Uses the feature cache of bench/overlap_analysis.py; computes the candidate pairs once (cached), then for
each signal how often it holds among the dev pairs and among all candidates, and the recall / flagged per
1,000 of the configured score.
Run: .venv/bin/python -m bench.overlap_tune
"""
from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from adam.overlap import DEFAULT_CONFIG
from adam.overlap.candidates import Corpus, candidate_pairs, shares
from adam.overlap.engine import pair_key
from adam.overlap.vector import vector_scores
from bench.overlap_analysis import dev_pairs, load

PAIRS = Path("/tmp/adam-overlap-real-pairs.pickle")


def main() -> None:
    features, names, source = load()
    cfg = DEFAULT_CONFIG
    corpus = Corpus.build(features, cfg)
    if PAIRS.exists():
        with PAIRS.open("rb") as fh:
            pairs = pickle.load(fh)
    else:
        pairs = candidate_pairs(corpus, cfg)
        with PAIRS.open("wb") as fh:
            pickle.dump(pairs, fh)
    i, j = pairs[:, 0], pairs[:, 1]
    tc, xc = corpus.cosines(i, j)
    row = {f.id: k for k, f in enumerate(features)}
    dev = dev_pairs(features)
    pos = {pair_key(row[a.id], row[b.id]): r["one_to_one"] == "1" for a, b, r in dev}
    key = i * 10**6 + j
    label = np.isin(key, [a * 10**6 + b for a, b in pos])
    one = np.isin(key, [a * 10**6 + b for (a, b), v in pos.items() if v])
    print(f"{len(pairs)} candidates; dev pairs among them {label.sum()} of {len(pos)} (one_to_one {one.sum()})")
    score, thr = vector_scores(corpus, i, j, tc, xc, cfg)
    flagged = score >= thr
    n = len(features)
    print(f"current: flagged {flagged.sum()} = {1000 * flagged.sum() / n:.1f}/1000, recall "
          f"{(flagged & label).sum() / len(pos):.2f}, one_to_one {(flagged & one).sum() / sum(pos.values()):.2f}")
    c = corpus
    sig = {
        "shared_country": shares(c.countries, i, j),
        "wide": c.wide[i] | c.wide[j],
        "same_owner": (c.owner_ids[i] >= 0) & (c.owner_ids[i] == c.owner_ids[j]),
        "same_donor": shares(c.funders, i, j),
        "same_impl": shares(c.implementers, i, j),
        "sectors": shares(c.sectors, i, j),
        "exact_start": (c.raw_start[i] >= 0) & (c.raw_start[i] == c.raw_start[j]),
        "exact_end": (c.raw_end[i] >= 0) & (c.raw_end[i] == c.raw_end[j]),
        "start31": (c.raw_start[i] >= 0) & (c.raw_start[j] >= 0) & (np.abs(c.raw_start[i] - c.raw_start[j]) <= 31),
        "end31": (c.raw_end[i] >= 0) & (c.raw_end[j] >= 0) & (np.abs(c.raw_end[i] - c.raw_end[j]) <= 31),
        "title>=0.5": tc >= 0.5,
        "title>=0.8": tc >= 0.8,
        "text>=0.5": xc >= 0.5,
    }
    bi, bj = c.budget[i], c.budget[j]
    lo, hi = np.minimum(bi, bj), np.maximum(bi, bj)
    ratio = np.where((lo > 0), lo / np.where(hi > 0, hi, 1), 0)
    sig["budget>=0.8"] = ratio >= 0.8
    sig["budget>=0.98"] = ratio >= 0.98
    sig["budget>=0.999"] = ratio >= 0.999
    from adam.overlap.vector import shares_cross
    link = shares_cross(c.owners, c.partners, i, j).astype(int) + shares_cross(c.owners, c.partners, j, i).astype(int)
    link = np.where(c.owner_ids[i] == c.owner_ids[j], 0, link)
    sig["chain"] = link == 2
    sig["one_way"] = link == 1
    sig["flagged"] = flagged
    print(f"{'signal':16} {'dev':>5} {'1to1':>5} {'all':>9} {'flagged':>8}")
    for name, v in sig.items():
        print(f"{name:16} {v[label].mean():5.2f} {v[one].mean():5.2f} {v.mean():9.4f} {v[flagged].mean():8.3f}")
    np.savez_compressed("/tmp/adam-overlap-real-sig.npz", label=label, one=one, tc=tc, xc=xc, score=score,
                        thr=thr, ratio=ratio, link=link, **{k.replace(">=", "_ge_").replace(".", "p"): v
                                                            for k, v in sig.items()})


if __name__ == "__main__":
    main()
