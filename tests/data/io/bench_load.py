"""Load-time benchmark of kamlib.io on a demo ledger (not a test: run by hand, results in README.md here).

    .venv/bin/python tests/data/io/bench_load.py [n_customers] [folder]

Builds the demo ledger (CSV and Parquet) once into ``folder`` (default /tmp/kam-bench-<n>) and times
``load_full_ledger`` (read + map + type + soft rules + pandera contracts) and a region filter.
"""
from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

from kamlib.demo import write_demo
from kamlib.io import filter_ledger, load_full_ledger
from kamlib.params import load_params


def main(n: int = 20000, folder: str | None = None) -> None:
    out = Path(folder or f"/tmp/kam-bench-{n}")
    for fmt in ("csv", "parquet"):
        d = out / fmt
        if not (d / f"orders.{fmt}").exists():
            t = time.perf_counter()
            write_demo(d, n_customers=n, seed=0, fmt=fmt)
            print(f"write_demo({n}, {fmt}): {time.perf_counter() - t:.1f} s")
        p = out / f"{fmt}.yaml"
        p.write_text(json.dumps({"region": "east", "filter": {"region": ["华东"]},
                                 "data": {t: str(d / f"{t}.{fmt}") for t in ("orders", "customers", "invoices",
                                                                                "surveys")}},
                                ensure_ascii=False), encoding="utf-8")
        params = load_params(p)
        t, c = time.perf_counter(), time.process_time()
        full = load_full_ledger(params)
        t_load, c_load = time.perf_counter() - t, time.process_time() - c
        t = time.perf_counter()
        sub = filter_ledger(full, params)
        t_filter = time.perf_counter() - t
        q = full.quality
        print(f"{fmt}: {q.rows_read['orders']:,} order lines, {q.rows_read['invoices']:,} invoices, "
              f"{q.rows_read['customers']:,} customers: load_full_ledger {t_load:.1f} s wall / {c_load:.1f} s CPU "
              f"(all threads), filter {t_filter:.2f} s "
              f"({len(sub.orders):,} lines in 华东); excluded {q.excluded:,}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main(*(int(a) if i == 0 else a for i, a in enumerate(sys.argv[1:])))
