"""`make eval`: quality of the overlap check.

1. Demo: precision, recall and F1 at the default threshold on the pairs the demo plants (adam/demo.py).
2. Real: the 15,082 real IATI activities of ../shared/data/iati-real with the linking elements stripped, the full
   report, and how many of the pairs in linked-pairs-dev.csv it flags (overall and one_to_one), at what rank,
   and how many pairs per 1,000 projects; with a plain baseline (rapidfuzz token_set_ratio >= 80 on titles of
   projects that share a country). Through the IATI importer (adam.iati) when present, else through the
   fallback reader bench/iati_features.py (content fields only).
Run: .venv/bin/python -m bench.eval_overlap [demo|real]
"""
from __future__ import annotations

import csv
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from rapidfuzz import fuzz, process

from adam.overlap import DEFAULT_CONFIG, find_all_overlaps
from adam.overlap.engine import pair_key
from adam.overlap.features import ProjectFeatures

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
REAL = DATA / "iati-real"


def _app(tmp: str):
    from adam import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/eval.sqlite3", "SECRET_KEY": "eval",
                       "RATELIMIT_ENABLED": False, "TESTING": True})


def _prepare_db(app) -> None:  # noqa: ANN001
    from flask_migrate import upgrade

    from adam.extensions import db
    from adam.refdata import load_organisations, load_reference_data

    with app.app_context():
        upgrade()
        load_reference_data(db.session)
        load_organisations(db.session)
        db.session.commit()


def prf(flagged: set, truth: set) -> tuple[float, float, float]:
    tp = len(flagged & truth)
    precision = tp / len(flagged) if flagged else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def eval_demo() -> dict:
    from sqlalchemy import select

    from adam.demo import generate, load_demo
    from adam.extensions import db
    from adam.models import Project
    from adam.overlap.report import ReportFilters, run_report

    with tempfile.TemporaryDirectory() as tmp:
        app = _app(tmp)
        _prepare_db(app)
        with app.app_context():
            load_demo(db.session)
            db.session.commit()
            ids = dict(db.session.execute(select(Project.title, Project.id)).all())
            _, planted = generate()
            truth = {pair_key(ids[p.title_a], ids[p.title_b]): p.kind for p in planted
                     if p.title_a in ids and p.title_b in ids}
            report = run_report(db.session, ReportFilters(decided="all"))
    flagged = {p.key for p in report.pairs}
    p, r, f = prf(flagged, set(truth))
    by_kind = {}
    for kind in ("duplicate", "overlap"):
        kind_truth = {k for k, v in truth.items() if v == kind}
        by_kind[kind] = len(flagged & kind_truth) / len(kind_truth) if kind_truth else 0.0
    dup_labels = sum(1 for q in report.pairs if truth.get(q.key) == "duplicate" and q.label == "likely duplicate")
    print(f"demo: {report.projects} projects, {len(truth)} planted pairs, {len(flagged)} flagged")
    print(f"demo: precision {p:.2f}  recall {r:.2f}  F1 {f:.2f}  (recall duplicates {by_kind['duplicate']:.2f},"
          f" overlaps {by_kind['overlap']:.2f}; planted duplicates labelled 'likely duplicate': {dup_labels})")
    return {"precision": p, "recall": r, "f1": f, "flagged": len(flagged), "planted": len(truth)}


def _real_features() -> tuple[list[ProjectFeatures], dict[int, str], str]:
    try:
        from adam.iati.importer import import_files
    except ImportError:
        import_files = None
    if import_files is None:
        from bench.iati_features import load_real

        features, orgs = load_real(REAL)
        return features, orgs.names, "fallback reader (bench/iati_features.py)"
    from adam.extensions import db
    from adam.overlap.check import organisation_names
    from adam.overlap.features import load_features

    with tempfile.TemporaryDirectory() as tmp:
        app = _app(tmp)
        _prepare_db(app)
        with app.app_context():
            paths = sorted(REAL.glob("covid-2021-06/*.xml")) + sorted(REAL.glob("ebola-2021-07/*.xml"))
            import_files(db.session, paths, ignore_links=True)
            db.session.commit()
            features = list(load_features(db.session).values())
            ids = set()
            for f in features:
                ids |= f.organisations | f.institutions
            names = organisation_names(db.session, ids)
            db.session.remove()
            db.engine.dispose()
    return features, names, "IATI importer (adam.iati, linking elements ignored)"


def baseline(features: list[ProjectFeatures]) -> set[tuple[int, int]]:
    """Title fuzzy match (token_set_ratio >= 80) between projects that share a country."""
    by_country: dict[int, list[ProjectFeatures]] = defaultdict(list)
    for f in features:
        for c in f.countries:
            by_country[c].append(f)
    found = set()
    for members in by_country.values():
        titles = [m.title.lower() for m in members]
        scores = process.cdist(titles, titles, scorer=fuzz.token_set_ratio, score_cutoff=80, workers=1)
        rows, cols = (scores >= 80).nonzero()
        for i, j in zip(rows.tolist(), cols.tolist()):
            if i < j:
                found.add(pair_key(members[i].id, members[j].id))
    return found


def eval_real() -> dict:
    if not (REAL / "linked-pairs-dev.csv").exists():
        print(f"real: skipped, {REAL} not found")
        return {}
    started = time.perf_counter()
    features, names, source = _real_features()
    loaded = time.perf_counter() - started
    by_ident = {f.iati_identifier: f for f in features}
    truth: dict[tuple[int, int], bool] = {}
    missing = 0
    for row in csv.DictReader(open(REAL / "linked-pairs-dev.csv", encoding="utf-8")):
        a, b = by_ident.get(row["activity_a"]), by_ident.get(row["activity_b"])
        if a is None or b is None:
            missing += 1
            continue
        truth[pair_key(a.id, b.id)] = row["one_to_one"] == "1"
    if any(f.related for f in features):
        print("real: WARNING the import kept stated links; the figures below are not content-only")
    started = time.perf_counter()
    flagged, scored = find_all_overlaps(features, DEFAULT_CONFIG, names)
    took = time.perf_counter() - started
    rank = {p.key: i + 1 for i, p in enumerate(flagged)}
    n = len(features)
    hits = [k for k in truth if k in rank]
    one = [k for k, v in truth.items() if v]
    one_hits = [k for k in one if k in rank]
    print(f"real: {n} activities via {source} in {loaded:.0f} s; {len(truth)} linked pairs found ({missing} missing)")
    print(f"real: full report {took:.1f} s, {scored} candidate pairs scored, {len(flagged)} flagged "
          f"= {1000 * len(flagged) / n:.1f} per 1,000 projects (target < 20)")
    print(f"real: recall {len(hits) / len(truth):.2f} overall (target 0.8), "
          f"{len(one_hits) / len(one):.2f} one_to_one (target 0.9)")
    if hits:
        ranks = sorted(rank[k] for k in hits)
        print(f"real: ranks of the flagged linked pairs: median {statistics.median(ranks):.0f}, "
              f"best {ranks[0]}, worst {ranks[-1]}; first 20: {ranks[:20]}")
    # What a stricter threshold would give (the same report, scores already computed)
    scores = {p.key: p.result.score for p in flagged}
    print(f"real: default threshold {DEFAULT_CONFIG.possible_threshold} (+{DEFAULT_CONFIG.wide_scope_extra} for wide-scope "
          f"pairs); dev pairs only (linked-pairs-dev.csv: no test split is provided)")
    for threshold in (70, 80, 90):
        kept = {k for k, s in scores.items() if s >= threshold}
        print(f"real: at score >= {threshold}: {1000 * len(kept) / n:.1f} per 1,000, recall "
              f"{sum(k in kept for k in truth) / len(truth):.2f} overall, {sum(k in kept for k in one) / len(one):.2f} one_to_one")
    base = baseline(features)
    print(f"baseline (title token_set_ratio >= 80, shared country): {len(base)} pairs = "
          f"{1000 * len(base) / n:.1f} per 1,000; recall {sum(k in base for k in truth) / len(truth):.2f} overall, "
          f"{sum(k in base for k in one) / len(one):.2f} one_to_one")
    return {"recall": len(hits) / len(truth), "recall_one_to_one": len(one_hits) / len(one),
            "per_1000": 1000 * len(flagged) / n}


def main(argv: list[str]) -> int:
    which = set(argv) or {"demo", "real"}
    if "demo" in which:
        eval_demo()
    if "real" in which:
        eval_real()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
