"""Load run: 20 concurrent signed-in clients for 60 s against gunicorn and PostgreSQL; no request may fail.

Bounded in count and time, loopback only. Environment: ADAM_LOAD_SECONDS (60), ADAM_LOAD_CLIENTS (20),
ADAM_BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres, used to create a scratch database).
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

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "adam-demo-2026"
PATHS = ["/", "/projects/", "/projects/?sort=title", "/projects/?status=ongoing", "/projects/?page=2",
         "/projects/{id}", "/projects/{id}", "/account/profile"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_admin() -> str:
    return os.environ.get("ADAM_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _client(base: str, email: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/account/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": PASSWORD}).encode()
    opener.open(base + "/account/login", data=body, timeout=30).read()
    return opener


def run() -> list[dict]:
    seconds = float(os.environ.get("ADAM_LOAD_SECONDS", 60))
    clients = int(os.environ.get("ADAM_LOAD_CLIENTS", 20))
    try:
        import psycopg  # noqa: F401  (the driver must be installed)
    except ImportError as exc:  # pragma: no cover
        return [{"benchmark": "load", "metric": "skipped", "value": str(exc), "unit": "", "target": None, "ok": None}]
    from bench.pgtemp import throwaway_database, unreachable

    why = unreachable(_pg_admin())
    if why:
        return [{"benchmark": "load", "metric": "skipped", "value": f"PostgreSQL not reachable: {why}",
                 "unit": "", "target": None, "ok": None}]
    with throwaway_database(_pg_admin(), "adam_load") as db_url:
        env = dict(os.environ, DATABASE_URL=db_url, SECRET_KEY="load-test", ADAM_RATELIMIT_LOGIN="10000 per minute")
        flask = [sys.executable, "-m", "flask", "--app", "adam"]
        port = _free_port()
        server = None
        try:
            for step in (["db", "upgrade"], ["refdata"], ["demo"]):
                subprocess.run(flask + step, env=env, cwd=ROOT, check=True, capture_output=True)
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}",
                 "--log-level", "warning", "wsgi:app"], env=env, cwd=ROOT)
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=2)
                    break
                except OSError:
                    time.sleep(0.2)
            emails = ["coordinator@adam.example", "focal.uk@adam.example", "focal.eu@adam.example",
                      "focal.us@adam.example", "focal.unodc@adam.example", "admin@adam.example"]
            latencies: list[float] = []
            errors: list[str] = []
            lock = threading.Lock()
            deadline = time.monotonic() + seconds

            def worker(i: int) -> None:
                rng = random.Random(i)
                opener = _client(base, emails[i % len(emails)])
                while time.monotonic() < deadline:
                    path = rng.choice(PATHS).format(id=rng.randint(1, 200))
                    start = time.perf_counter()
                    try:
                        with opener.open(base + path, timeout=30) as response:
                            response.read()
                            ok = response.status == 200
                    except Exception as exc:  # noqa: BLE001
                        ok, path = False, f"{path}: {exc}"
                    took = (time.perf_counter() - start) * 1000
                    with lock:
                        latencies.append(took)
                        if not ok:
                            errors.append(path)

            threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
            started = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.monotonic() - started
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
    label = f"load {clients} clients {int(seconds)} s (gunicorn, PostgreSQL)"
    return [
        {"benchmark": label, "metric": "requests", "value": len(latencies), "unit": "", "target": None, "ok": None},
        {"benchmark": label, "metric": "errors", "value": len(errors), "unit": "", "target": "0", "ok": not errors},
        {"benchmark": label, "metric": "throughput", "value": round(len(latencies) / elapsed, 1), "unit": "req/s",
         "target": None, "ok": None},
        {"benchmark": label, "metric": "latency p50", "value": round(q[49], 1), "unit": "ms", "target": None, "ok": None},
        {"benchmark": label, "metric": "latency p95", "value": round(q[94], 1), "unit": "ms", "target": None, "ok": None},
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
