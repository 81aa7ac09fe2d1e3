"""Search and matrix latency at 100,000 projects, over HTTP against gunicorn with 20 concurrent clients.

The register is generated once (bench/search_corpus.py) into instance/bench/ and reused. gunicorn serves
the real app; a bounded load script runs 20 client threads, each signed in, sending typical searches,
free-text searches and matrices with a think time between requests (about one request per client per
second: 20 people at work), for a fixed number of requests and at most a fixed time. p95 is taken per
group. A second, closed-loop pass (no think time) reports the throughput at saturation for information.

Environment: BENCH_SEARCH_PROJECTS (default 100000), BENCH_SEARCH_DATABASE_URL (a PostgreSQL URL to use
instead of the cached SQLite file; it is filled when it has no project), BENCH_SEARCH_WORKERS (default: gunicorn.conf.py's).
"""
from __future__ import annotations

import http.cookiejar
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.search_corpus import BENCH_EMAIL, BENCH_PASSWORD, build_database, sqlite_path, upgrade_database  # noqa: E402

CLIENTS = 20
REQUESTS_PER_CLIENT = 30
THINK_SECONDS = (0.5, 1.5)
TIME_LIMIT_SECONDS = 180
TARGETS_MS = {"search (filters)": 150, "search (free text)": 150, "matrix": 300}

SCENARIOS = {
    "search (filters)": [
        "/search/?country=TJK",
        "/search/?region=route-northern&pillar=1",
        "/search/?region=central-asia&from=2020-01-01&to=2024-12-31",
        "/search/?pillar=2&status=ongoing&sort=budget-desc",
        "/search/?country=AFG&country=PAK&activity=training&budget_min=100000&budget_max=2000000",
        "/search/?theme=precursor-control&from=2015-01-01",
        "/search/",
        "/search/?region=route-balkan&status=completed&page=3",
    ],
    "search (free text)": [
        "/search/?q=container+profiling",
        "/search/?q=precursor+forensic&country=TJK",
        "/search/?q=%D0%BF%D1%80%D0%BE%D1%84%D0%B8%D0%BB%D0%B0%D0%BA%D1%82%D0%B8%D0%BA%D0%B0",  # профилактика
        "/search/?q=pr%C3%A9curseurs+chimiques",  # précurseurs chimiques
        "/search/?q=capacitacion+investigacion&region=route-southern",
        "/search/?q=border+guard+service&pillar=1",
        "/search/?q=harm+reduction",
    ],
    "matrix": [
        "/search/matrix?region=central-asia",
        "/search/matrix?region=route-northern&from=2020-01-01",
        "/search/matrix?pillar=1",
        "/search/matrix?status=ongoing",
        "/search/matrix?q=border",
        "/search/matrix",
    ],
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prepare_database(count: int) -> str:
    url = os.environ.get("BENCH_SEARCH_DATABASE_URL")
    if url:
        from sqlalchemy import create_engine, inspect, text

        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as conn:
            has = inspect(conn).has_table("projects") and conn.execute(text("SELECT count(*) FROM projects")).scalar()
        engine.dispose()
        if not has:
            build_database(url, count)
        upgrade_database(url)
        return url
    path = sqlite_path(ROOT, count)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        print(f"generating {count:,} projects into {path} (once)...", flush=True)
        build_database(f"sqlite:///{partial}", count)
        partial.rename(path)
    upgrade_database(f"sqlite:///{path}")
    return f"sqlite:///{path}"


def _start_gunicorn(url: str, port: int) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench-secret", ADAM_RATELIMIT_LOGIN="1000 per minute")
    # Processes and threads from gunicorn.conf.py (1 x 8 on 2 cores) unless BENCH_SEARCH_WORKERS is set.
    workers = ["--workers", os.environ["BENCH_SEARCH_WORKERS"]] if os.environ.get("BENCH_SEARCH_WORKERS") else []
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", *workers, "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "adam:create_app()"],
        cwd=ROOT, env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("gunicorn exited during start-up")
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


def _login(base: str) -> str:
    """Sign in through the real form; returns the Cookie header every client then sends."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/account/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token" value="([^"]+)"', page)
    form = {"email": BENCH_EMAIL, "password": BENCH_PASSWORD}
    if token:
        form["csrf_token"] = token.group(1)
    opener.open(f"{base}/account/login", data=urllib.parse.urlencode(form).encode(), timeout=10).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    check = urllib.request.Request(f"{base}/search/", headers={"Cookie": cookie})
    with urllib.request.urlopen(check, timeout=30) as response:
        if "/account/login" in response.url:
            raise RuntimeError("the benchmark user could not sign in")
    return cookie


def _get(base: str, path: str, cookie: str) -> float:
    request = urllib.request.Request(base + path, headers={"Cookie": cookie})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        if response.status != 200 or "/account/login" in response.url:
            raise RuntimeError(f"{path}: HTTP {response.status} at {response.url}")
    return (time.perf_counter() - started) * 1000


def _load(base: str, cookie: str, think: tuple[float, float] | None, per_client: int) -> tuple[dict, int, float]:
    """Run CLIENTS threads; returns latencies (ms) per group, failures and the elapsed seconds."""
    plan = [(group, path) for group, paths in SCENARIOS.items() for path in paths]
    latencies: dict[str, list[float]] = {group: [] for group in SCENARIOS}
    failures = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + TIME_LIMIT_SECONDS

    def client(index: int) -> None:
        rng = random.Random(index)
        for n in range(per_client):
            if time.monotonic() > deadline:
                return
            group, path = plan[(index * 7 + n) % len(plan)]
            try:
                elapsed = _get(base, path, cookie)
                with lock:
                    latencies[group].append(elapsed)
            except Exception:  # noqa: BLE001  (counted and reported, the run goes on)
                with lock:
                    failures[0] += 1
            if think:
                time.sleep(rng.uniform(*think))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    started = time.monotonic()
    for i, thread in enumerate(threads):
        thread.start()
        if think:
            time.sleep(think[1] / CLIENTS)  # stagger the start so the clients do not march in step
    for thread in threads:
        thread.join()
    return latencies, failures[0], time.monotonic() - started


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) >= 2 else (values or [0.0])[0]


def run() -> list[dict]:
    count = int(os.environ.get("BENCH_SEARCH_PROJECTS", 100_000))
    name = f"search at {count:,} projects"
    url = _prepare_database(count)
    backend = "postgresql" if url.startswith("postgres") else "sqlite"
    port = _free_port()
    server = _start_gunicorn(url, port)
    base = f"http://127.0.0.1:{port}"
    rows: list[dict] = []
    try:
        cookie = _login(base)
        for paths in SCENARIOS.values():  # warm the workers' caches and connections once
            for path in paths:
                _get(base, path, cookie)
        # Service time: one client alone, each URL three times (what a request costs without queueing).
        for group, paths in SCENARIOS.items():
            alone = [_get(base, path, cookie) for path in paths for _ in range(3)]
            rows.append({"benchmark": f"{name} ({backend}, gunicorn, 1 client)", "metric": f"{group} p95",
                         "value": round(_p95(alone), 1), "unit": "ms", "target": None, "ok": None})
        latencies, failures, elapsed = _load(base, cookie, THINK_SECONDS, REQUESTS_PER_CLIENT)
        for group, values in latencies.items():
            p95 = _p95(values)
            rows.append({"benchmark": f"{name} ({backend}, gunicorn, {CLIENTS} clients)", "metric": f"{group} p95",
                         "value": round(p95, 1), "unit": "ms", "target": f"< {TARGETS_MS[group]} ms",
                         "ok": bool(values) and p95 < TARGETS_MS[group] and failures == 0})
            rows.append({"benchmark": f"{name} ({backend}, gunicorn, {CLIENTS} clients)", "metric": f"{group} p50",
                         "value": round(statistics.median(values), 1) if values else 0.0, "unit": "ms",
                         "target": None, "ok": None})
        total = sum(len(v) for v in latencies.values())
        rows.append({"benchmark": f"{name} ({backend}, gunicorn, {CLIENTS} clients)", "metric": "requests (paced)",
                     "value": total, "unit": f"in {elapsed:.0f} s", "target": "0 failures", "ok": failures == 0})
        saturated, sat_failures, sat_elapsed = _load(base, cookie, None, 10)
        done = sum(len(v) for v in saturated.values())
        rows.append({"benchmark": f"{name} ({backend}, gunicorn, {CLIENTS} clients)",
                     "metric": "throughput, no think time", "value": round(done / sat_elapsed, 1), "unit": "req/s",
                     "target": None, "ok": None if sat_failures == 0 else False})
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
