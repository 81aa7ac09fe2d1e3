"""Error analysis of the overlap score on the real IATI dev pairs (a working tool, not part of `make eval`).

Imports the real activities once (as `make eval` does, linking elements ignored) and caches the features in
a pickle, then prints, for every pair of linked-pairs-dev.csv, whether it is a candidate, its score and the
signals that made it; and the most frequent signal combinations and organisation pairs among the top
flagged pairs that the dev file does not list (the noise).
Run: .venv/bin/python -m bench.overlap_analysis [--refresh] [--top N]
"""
from __future__ import annotations

import argparse
import collections
import csv
import pickle
from pathlib import Path

from adam.overlap import DEFAULT_CONFIG, find_all_overlaps
from adam.overlap.candidates import Corpus
from adam.overlap.engine import pair_key
from adam.overlap.signals import is_candidate, score_pair

CACHE = Path("/tmp/adam-overlap-real-features.pickle")


def load(refresh: bool = False):  # noqa: ANN201
    from bench.eval_overlap import _real_features

    if CACHE.exists() and not refresh:
        with CACHE.open("rb") as fh:
            return pickle.load(fh)
    features, names, source = _real_features()
    with CACHE.open("wb") as fh:
        pickle.dump((features, names, source), fh)
    return features, names, source


def dev_pairs(features):  # noqa: ANN001, ANN201
    from bench.eval_overlap import REAL

    by_ident = {f.iati_identifier: f for f in features}
    out = []
    for row in csv.DictReader(open(REAL / "linked-pairs-dev.csv", encoding="utf-8")):
        a, b = by_ident.get(row["activity_a"]), by_ident.get(row["activity_b"])
        if a is not None and b is not None:
            out.append((a, b, row))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--refresh", action="store_true")
    parser.add_argument("--top", type=int, default=300)
    args = parser.parse_args()
    features, names, source = load(args.refresh)
    print(f"{len(features)} activities via {source}")
    corpus = Corpus.build(features, DEFAULT_CONFIG)
    row_of = {f.id: k for k, f in enumerate(features)}
    flagged, scored = find_all_overlaps(features, DEFAULT_CONFIG, names)
    rank = {p.key: r + 1 for r, p in enumerate(flagged)}
    truth = set()
    print("\n== dev pairs (one_to_one, flagged rank, candidate, score: signals)")
    for a, b, row in dev_pairs(features):
        key = pair_key(a.id, b.id)
        truth.add(key)
        tc, xc = corpus.cosines(*[[row_of[a.id]], [row_of[b.id]]])
        tc, xc = float(tc[0]), float(xc[0])
        cand = is_candidate(a, b, tc, xc, DEFAULT_CONFIG)
        result = score_pair(a, b, tc, xc, DEFAULT_CONFIG, names)
        sig = ", ".join(f"{s.name}={s.points}" for s in result.signals)
        print(f"{row['one_to_one']} rank={rank.get(key, '-'):>5} cand={int(cand)} score={result.score:3d} "
              f"wide={int(result.wide_scope)} lang={a.language}/{b.language} | {sig}")
        print(f"     A {a.iati_identifier[:40]:40} {a.title[:70]}")
        print(f"     B {b.iati_identifier[:40]:40} {b.title[:70]}")
        print(f"     owner {names.get(a.owner, a.owner)} / {names.get(b.owner, b.owner)}; "
              f"A funders {sorted(names.get(x, x) for x in a.funders)[:3]} impl {sorted(names.get(x, x) for x in a.implementers)[:3]};"
              f" B funders {sorted(names.get(x, x) for x in b.funders)[:3]} impl {sorted(names.get(x, x) for x in b.implementers)[:3]}")
        print(f"     dates {a.starts_on}..{a.ends_on} / {b.starts_on}..{b.ends_on}; budget {a.budget_usd} / {b.budget_usd};"
              f" countries {len(a.countries)}/{len(b.countries)} shared {len(a.countries & b.countries)};"
              f" sectors {sorted(a.sectors)[:4]} / {sorted(b.sectors)[:4]}")
    false = [p for p in flagged[:args.top] if p.key not in truth]
    print(f"\n== top {args.top} flagged: {args.top - len(false)} dev pairs, {len(false)} others")
    combos = collections.Counter(tuple(sorted(s.name for s in p.result.signals)) for p in false)
    for combo, n in combos.most_common(15):
        print(f"{n:4d}  {' + '.join(combo)}")
    orgs = collections.Counter(tuple(sorted((names.get(p.a.owner, '?'), names.get(p.b.owner, '?')))) for p in false)
    print("-- registrant pairs")
    for pair, n in orgs.most_common(15):
        print(f"{n:4d}  {pair}")
    print("-- examples")
    for p in false[:40]:
        print(f"{p.result.score:3d} {p.a.title[:55]:55} | {p.b.title[:55]:55} | "
              + ", ".join(f"{s.name}={s.points}" for s in p.result.signals))
    print(f"\nflagged {len(flagged)} of {scored} candidates; {len(features)} activities")


if __name__ == "__main__":
    main()
