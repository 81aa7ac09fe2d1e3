"""Run every benchmark module bench/bench_*.py, print one table and write bench/results.json.

Each module exposes run() -> list[dict] with keys: benchmark, metric, value, unit, target (text or None),
ok (True/False/None). Modules that need ../shared/data skip themselves with a reason row.
"""
from __future__ import annotations

import datetime as dt
import importlib
import json
import platform
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
    }


def main(argv: list[str]) -> int:
    only = set(argv)
    rows: list[dict] = []
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem
        if only and name not in only and name.removeprefix("bench_") not in only:
            continue
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name}", flush=True)
        rows.extend(module.run())
    width = max([len(r["benchmark"]) for r in rows] + [9])
    print(f"\n{'benchmark':<{width}}  {'metric':<28} {'value':>14} {'unit':<10} {'target':<18} ok")
    for r in rows:
        value = r["value"]
        shown = f"{value:,.2f}" if isinstance(value, float) else str(value)
        ok = {True: "yes", False: "NO", None: "-"}[r.get("ok")]
        print(f"{r['benchmark']:<{width}}  {r['metric']:<28} {shown:>14} {r.get('unit') or '':<10} {r.get('target') or '':<18} {ok}")
    out = HERE / "results.json"
    out.write_text(json.dumps({"at": dt.datetime.now(dt.timezone.utc).isoformat(), "machine": machine(), "rows": rows},
                              indent=2, default=str))
    print(f"\nwritten {out}")
    return 1 if any(r.get("ok") is False for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
