"""Service time of each search-benchmark URL inside one process (Flask test client, no HTTP, no queueing),
or a cProfile of one URL: what a single request costs, with or without the aggregate cache.

    .venv/bin/python -m bench.profile_search [sqlite|postgresql]            # min and median of 3, cache off
    ADAM_SEARCH_CACHE=1 .venv/bin/python -m bench.profile_search sqlite     # warm cache (after a first hit)
    .venv/bin/python -m bench.profile_search sqlite '/search/matrix?pillar=1' # cProfile of one URL

Uses the register of bench_search (run `python -m bench.run search` once to build it); PostgreSQL reads
BENCH_SEARCH_DATABASE_URL.
"""
from __future__ import annotations

import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_search import SCENARIOS  # noqa: E402
from bench.search_corpus import BENCH_EMAIL, sqlite_path  # noqa: E402


def main(argv: list[str]) -> None:
    backend = argv[0] if argv else "sqlite"
    os.environ.setdefault("ADAM_SEARCH_CACHE", "0")
    if backend == "postgresql":
        url = os.environ["BENCH_SEARCH_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    else:
        url = f"sqlite:///{sqlite_path(ROOT, int(os.environ.get('BENCH_SEARCH_PROJECTS', 100_000)))}"
    from adam import create_app
    from adam.extensions import db
    from adam.models import User

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    client = app.test_client()
    with app.app_context():
        user_id = db.session.query(User.id).filter_by(email=BENCH_EMAIL).scalar()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = str(user_id), True
    if len(argv) > 1:
        client.get(argv[1])
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(3):
            client.get(argv[1])
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(40)
        print(out.getvalue())
        return
    cached = os.environ["ADAM_SEARCH_CACHE"] != "0"
    print(f"{backend}, cache {'on (warm)' if cached else 'off'}: min / median of 3, ms")
    for group, paths in SCENARIOS.items():
        for path in paths:
            if cached:
                client.get(path)
            times = []
            for _ in range(3):
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (path, response.status_code)
            print(f"{min(times):8.1f} {statistics.median(times):8.1f}  {group:<20} {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
