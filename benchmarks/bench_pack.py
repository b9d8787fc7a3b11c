"""Benchmark: ledger scan, analyses and the full report pack at scale (issue 8).

Builds a scaled demo ledger once (cached under benchmarks/.cache/), then measures **in one run**, so ratios
compare like with like on a shared, noisy machine:

1. ledger scan + customer indicators: the project's path (``kamlib.io.load_full_ledger`` +
   ``kamlib.value.customer_indicators``) vs a naive pandas path (read the same file, groupby) vs a bare DuckDB
   GROUP BY of the same aggregates (the practical limit): seconds, orders/s, peak memory, ratios;
2. each analysis' compute time at that scale;
3. the full pack (``kam run``, every region × notebook and HTML) with 1 and 2 workers;
4. how cost grows with the number of orders (``--growth``);
   (``--csv``: part 1 again with the orders and customers as CSV, the format ERP exports usually arrive in)
5. a ledger larger than a given memory (``--big K``: K copies of the ledger, e.g. ~100M order lines;
   ``--memory-cap 8G`` runs each path in a memory cgroup of that size, a stand-in for a smaller machine).

Each measured path runs in a fresh Python process so that its peak memory (max RSS) is its own; scan paths run
twice, interleaved, and the faster run is kept (the shared VM evicts file-cache pages on its own schedule).

Usage::

    python benchmarks/bench_pack.py --customers 100000 --regions 8          # ~10M order lines
    python benchmarks/bench_pack.py --customers 10000 --growth 10000,30000,100000 --skip-pack
    python benchmarks/bench_pack.py --csv --skip-pack --skip-analyses                # Parquet vs CSV scan
    python benchmarks/bench_pack.py --skip-pack --skip-analyses --big 10 --memory-cap 8G   # ~100M lines, root
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / ".cache"

#: 8 report units over the demo ledger: 4 regions, 3 business units, and the whole book
UNITS = [("east", {"region": ["华东"]}), ("north", {"region": ["华北"]}), ("south", {"region": ["华南"]}),
         ("west", {"region": ["西部"]}), ("bu_auto", {"business_unit": ["工业自动化"]}),
         ("bu_parts", {"business_unit": ["电子元件"]}), ("bu_service", {"business_unit": ["技术服务"]}),
         ("all", {})]


# ------------------------------------------------------------------------------------------ set-up

def ledger_dir(n_customers: int, seed: int = 0) -> Path:
    """The cached parquet demo ledger for ``n_customers`` (built on first use)."""
    from kamlib.demo import write_demo

    out = CACHE / f"demo-{n_customers}-{seed}"
    if not (out / "truth.json").exists():
        t = time.perf_counter()
        write_demo(out, n_customers=n_customers, seed=seed, fmt="parquet")
        print(f"built demo ledger with {n_customers:,} customers in {time.perf_counter() - t:.1f}s -> {out}",
              flush=True)
    return out


def _rewritten_ledger(n_customers: int, name: str, ext: str, options: str, orders: str, customers: str,
                      what: str) -> Path:
    """The cached demo ledger's orders and customers rewritten by DuckDB ``COPY`` (nothing loaded into Python):
    ``orders`` / ``customers`` are the queries (``{src}``: the demo ledger's folder), ``options`` the COPY options.
    Cached in ``<demo folder>-<name>``; the customers file is written last and marks the copy complete."""
    import duckdb

    src = ledger_dir(n_customers)
    out = CACHE / f"{src.name}-{name}"
    if not (out / f"customers.{ext}").exists():
        out.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
        con.execute(f"SET temp_directory = '{out / 'tmp'}'")
        con.execute(f"COPY ({orders.format(src=src)}) TO '{out}/orders.{ext}' ({options})")
        con.execute(f"COPY ({customers.format(src=src)}) TO '{out}/customers.{ext}.part' ({options})")
        (out / f"customers.{ext}.part").rename(out / f"customers.{ext}")
        print(f"{what} {src.name} in {time.perf_counter() - t:.1f}s -> {out}", flush=True)
    return out


def big_ledger(n_customers: int, factor: int) -> Path:
    """``factor`` copies of the cached demo ledger's orders and customers (ids suffixed per copy), written
    as Parquet by DuckDB without loading them: e.g. 10 copies of the 10M-line ledger = 102M order lines."""
    # copy k of account C0001 is C0001-k: the same ledger, k times over, with no id shared between copies
    return _rewritten_ledger(
        n_customers, f"x{factor}", "parquet", "FORMAT parquet",
        f"SELECT * REPLACE (order_id || '-' || k AS order_id, customer_id || '-' || k AS customer_id) "
        f"FROM read_parquet('{{src}}/orders.parquet'), range({factor}) AS r(k)",
        f"SELECT * REPLACE (customer_id || '-' || k AS customer_id, parent_id || '-' || k AS parent_id) "
        f"FROM read_parquet('{{src}}/customers.parquet'), range({factor}) AS r(k)",
        f"built {factor} copies of")


def csv_ledger(n_customers: int) -> Path:
    """The cached demo ledger's orders and customers as CSV files (UTF-8, written by DuckDB from the Parquet
    files): the same rows in the format ERP exports usually arrive in."""
    return _rewritten_ledger(n_customers, "csv", "csv", "FORMAT csv, HEADER",
                             "FROM read_parquet('{src}/orders.parquet')",
                             "FROM read_parquet('{src}/customers.parquet')", "wrote as CSV:")


def write_params(data: Path, folder: Path, n_units: int,
                 tables: tuple[str, ...] = ("orders", "customers", "invoices", "surveys"),
                 ext: str = "parquet") -> list[Path]:
    """One params file per report unit, all reading the same ledger (``tables`` of it, as ``<table>.<ext>``)."""
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for region, filt in UNITS[:n_units]:
        doc = {"region": region, "language": "zh", "random_state": 0,
               "data": {t: str(data / f"{t}.{ext}") for t in tables},
               "filter": filt,
               "satisfaction": {"constructs": {
                   "产品": ["q_product_quality", "q_product_reliability"],
                   "服务": ["q_service_response", "q_service_expertise"],
                   "交付": ["q_delivery_ontime", "q_delivery_accuracy"], "价格": ["q_price_value"]}}}
        p = folder / f"{region}.yaml"
        p.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        paths.append(p)
    return paths


# ------------------------------------------------------------------------------------------ stages
# Each stage function runs inside a child process (see `_child`) and returns a dict of figures.

def stage_duckdb(data: str, ext: str = "parquet") -> dict:
    import duckdb

    t = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")   # its bar would go to stdout, where the figures go
    df = con.execute(f"""
        SELECT customer_id, sum(revenue) AS revenue, sum(gross_profit) AS gross_profit,
               count(DISTINCT order_id) AS order_count, min(order_date) AS first_order, max(order_date) AS last_order
        FROM read_{ext}('{data}/orders.{ext}') WHERE revenue > 0 GROUP BY customer_id""").df()
    return {"seconds": time.perf_counter() - t, "customers": len(df)}


def stage_pandas(data: str, ext: str = "parquet") -> dict:
    import pandas as pd

    t = time.perf_counter()
    if ext == "csv":   # pandas' C parser, dates parsed on read (DuckDB detects the types itself)
        o = pd.read_csv(f"{data}/orders.csv", parse_dates=["order_date"])
    else:
        o = pd.read_parquet(f"{data}/orders.parquet")
    o = o[o["revenue"] > 0]
    df = o.groupby("customer_id").agg(revenue=("revenue", "sum"), gross_profit=("gross_profit", "sum"),
                                      order_count=("order_id", "nunique"), first_order=("order_date", "min"),
                                      last_order=("order_date", "max"))
    return {"seconds": time.perf_counter() - t, "customers": len(df)}


def stage_project(params_file: str) -> dict:
    from kamlib.io import load_full_ledger
    from kamlib.params import load_params
    from kamlib.value import customer_indicators
    from kamlib.workbook import period_end

    t = time.perf_counter()
    params = load_params(params_file)
    ledger = load_full_ledger(params, grain="day")   # what kam run uses: reduced inside the scan
    t_load = time.perf_counter() - t
    ind = customer_indicators(ledger, period_end(params, ledger))
    return {"seconds": time.perf_counter() - t, "load_seconds": t_load, "customers": len(ind),
            "orders": ledger.quality.rows_kept["orders"]}


def stage_analyses(params_file: str) -> dict:
    """Compute time of each analysis on the whole book (no notebooks, no rendering)."""
    import warnings

    from kamlib import satisfaction, segmentation, survival, value
    from kamlib.io import load_full_ledger
    from kamlib.params import load_params
    from kamlib.workbook import period_end

    warnings.simplefilter("ignore")
    params = load_params(params_file)
    ledger = load_full_ledger(params, grain="day")
    as_of = period_end(params, ledger)
    out = {}
    t = time.perf_counter()
    ind = value.customer_indicators(ledger, as_of)
    sc = value.scorecard(ind, method="entropy")
    tiers = value.assign_tiers(ind, sc.scores)
    value.rfm_scores(ind)
    value.concentration(ind["revenue"])
    out["value"] = time.perf_counter() - t
    ss = params.segmentation
    t = time.perf_counter()
    feats = segmentation.build_features(ind, ss.features, ss.categorical)
    segmentation.segment(feats, k_range=(ss.k_min, ss.k_max), random_state=0, n_bootstrap=ss.n_bootstrap,
                         silhouette_sample=ss.silhouette_sample)
    out["segmentation"] = time.perf_counter() - t
    t = time.perf_counter()
    churn = survival.churn_durations(ledger, as_of, params.survival.inactivity_days)
    frame = ind.join(churn[["duration_days", "churned", "entry_days"]], how="inner")
    frame["large"] = (frame["size_band"] == "大型").astype(float)
    frame["late_share"] = frame["late_share"].fillna(0.0)
    frame["churned"] = frame["churned"].astype(float)
    survival.kaplan_meier(frame["duration_days"], frame["churned"], groups=tiers.reindex(frame.index))
    survival.cox(frame, "duration_days", "churned", ["late_share", "large"])
    out["survival"] = time.perf_counter() - t
    t = time.perf_counter()
    surveys = ledger.surveys
    assert surveys is not None   # the demo ledger has surveys
    satisfaction.account_satisfaction(surveys, constructs=params.satisfaction.constructs)
    satisfaction.nps(surveys["nps"].dropna())
    out["satisfaction"] = time.perf_counter() - t
    return {"seconds_by_analysis": out, "customers": len(ind)}


def stage_pack(params_dir: str, workers: int, out_dir: str) -> dict:
    t = time.perf_counter()
    cmd = [sys.executable, "-m", "kamlib", "run", *sorted(str(p) for p in Path(params_dir).glob("*.yaml")),
           "--workers", str(workers), "--out", out_dir]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    res = {"seconds": time.perf_counter() - t, "exit": proc.returncode,
           "stderr_tail": proc.stderr[-600:] if proc.returncode else ""}
    # largest process of the pack (kam run, its workers and kernels): this child ran nothing else
    res["pack_peak_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    m = re.search(r"ledger scan and customer frames: ([0-9.]+) s", proc.stdout)
    res["prepare_seconds"] = float(m.group(1)) if m else None
    from kamlib.batch.common import state_dir

    manifest = state_dir(Path(ROOT) / out_dir) / "manifest.json"   # kam run ran in ROOT
    if manifest.exists():  # per-job breakdown written by kam run
        jobs = [j for j in json.loads(manifest.read_text())["jobs"].values() if j.get("exec_seconds")]

        def median(xs):
            xs = sorted(x for x in xs if x is not None)
            return xs[len(xs) // 2] if xs else None

        # kernel start + papermill bookkeeping = executed time minus the time spent inside cells
        res["median_kernel_overhead"] = median([j["exec_seconds"] - (j.get("cell_seconds") or 0) for j in jobs])
        res["median_compute"] = median([j.get("cell_seconds") for j in jobs])
        res["median_render"] = median([j.get("render_seconds") for j in jobs])
        res["median_overhead"] = median([j["exec_seconds"] - (j.get("cell_seconds") or 0)
                                         + (j.get("render_seconds") or 0) for j in jobs])
    return res


def _child(stage: str, *args, env: dict | None = None, cgroup: Path | None = None) -> dict:
    """Run ``stage`` in a fresh interpreter; return its figures plus its peak RSS (MiB).

    ``env``: extra environment variables; ``cgroup``: a memory cgroup folder the child joins before it
    starts (see :func:`memory_cgroup`)."""
    code = ("import json,sys,resource,warnings; warnings.simplefilter('ignore'); "
            f"sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"import bench_pack as b; r = getattr(b, {stage!r})(*{list(args)!r}); "
            "r['peak_mib'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024; print(json.dumps(r))")

    def join_cgroup():
        (cgroup / "cgroup.procs").write_text(str(os.getpid()))

    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **(env or {})}, preexec_fn=join_cgroup if cgroup else None)
    if proc.returncode == -9:
        return {"error": "killed (out of memory)" + (" in the cgroup" if cgroup else "")}
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    res = json.loads([line for line in proc.stdout.splitlines() if line.startswith("{")][-1])
    # a pack's kernels are grandchildren: count them too
    res["children_peak_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return res


def memory_cgroup(cap: str) -> Path:
    """A memory cgroup (v1 or v2) capped at ``cap`` (e.g. "8G"), for a child to run in: a stand-in for a
    machine with that much memory. Needs write access to /sys/fs/cgroup (root)."""
    name = f"kam-bench-{os.getpid()}"
    v2 = Path("/sys/fs/cgroup/cgroup.controllers").exists()
    folder = Path("/sys/fs/cgroup") / name if v2 else Path("/sys/fs/cgroup/memory") / name
    try:
        folder.mkdir(exist_ok=True)
        (folder / ("memory.max" if v2 else "memory.limit_in_bytes")).write_text(cap)
    except OSError as e:
        raise SystemExit(f"--memory-cap needs a writable memory cgroup under /sys/fs/cgroup (run as root), "
                         f"or run without it: {e}") from None
    return folder


def big_rows(n_customers: int, factor: int, duckdb_memory: str, cap: str | None, work: Path) -> list[list]:
    """Scan + indicators on ``factor`` copies of the ledger (orders + customers), each path in a fresh
    process, optionally inside a memory cgroup of ``cap``."""
    data = big_ledger(n_customers, factor)
    params = write_params(data, work / f"params-big-{factor}", 8, ("orders", "customers"))[-1]
    cgroup = memory_cgroup(cap) if cap else None
    rows = []
    try:
        for label, stage, arg, env in (
                ("kamlib: orders + customers, validated + indicators", "stage_project", str(params),
                 {"KAMLIB_DUCKDB_MEMORY": duckdb_memory}),
                ("bare DuckDB GROUP BY", "stage_duckdb", str(data), {}),
                ("naive pandas", "stage_pandas", str(data), {})):
            f = _child(stage, arg, env=env, cgroup=cgroup)
            if "error" in f:
                rows.append([label, f["error"], "", ""])
            else:
                rows.append([label, f"{f['seconds']:.1f}", f"{f['peak_mib'] / 1024:.1f}",
                             f"load {f['load_seconds']:.1f} s" if "load_seconds" in f else ""])
            print(f"  {label}: {rows[-1][1]}", flush=True)
    finally:
        if cgroup:
            with contextlib.suppress(OSError):   # a leftover empty cgroup is harmless; the figures are not
                cgroup.rmdir()
    return rows


# ------------------------------------------------------------------------------------------ report

def _fmt_row(cells, widths):
    return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"


def table(rows: list[list], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    lines = [_fmt_row(header, widths), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += [_fmt_row(r, widths) for r in rows]
    return "\n".join(lines)


def _warm(data: Path) -> None:
    """Read the ledger files once so that every path starts from the OS file cache (the first path measured
    would otherwise also pay the disk reads: seen as 2 s vs 8-11 s for the bare DuckDB scan at 10M lines)."""
    for f in sorted(data.glob("*.parquet")):
        with open(f, "rb") as fh:
            while fh.read(1 << 24):
                pass


def scan_rows(n_customers: int, work: Path, ext: str = "parquet") -> tuple[list[list], dict]:
    """Part 1: the scan paths on the ledger as Parquet, or (``ext='csv'``) its orders and customers as CSV."""
    data = ledger_dir(n_customers) if ext == "parquet" else csv_ledger(n_customers)
    _warm(data)
    # like for like: the baselines read only the orders; kamlib also with its whole ledger (4 tables, Parquet)
    orders_only = write_params(data, work / f"params-{n_customers}-orders-{ext}", 8, ("orders", "customers"), ext)
    paths = [("duckdb", "stage_duckdb", str(data), ext), ("pandas", "stage_pandas", str(data), ext),
             ("project_orders", "stage_project", str(orders_only[-1]))]
    if ext == "parquet":
        paths.append(("project", "stage_project", str(write_params(data, work / f"params-{n_customers}", 8)[-1])))
    # each path twice, interleaved, keeping the faster run: this shared VM reclaims file cache pages on its
    # own schedule, so a single run can pay disk reads that have nothing to do with the path measured
    # (second round in reverse order: the process started right after a large one exits runs slower here)
    figures: dict[str, dict] = {}
    for order in (paths, paths[::-1]):
        for name, stage, *args in order:
            f = _child(stage, *args)
            best = figures.get(name)
            if best is None or "error" in best or ("error" not in f and f["seconds"] < best["seconds"]):
                figures[name] = f
    n_orders = figures["project_orders"].get("orders")
    rows = []
    base = figures["duckdb"].get("seconds")
    for name, label in (("project_orders", "kamlib: orders + customers, validated + indicators"),
                        ("project", "kamlib: whole ledger (+ invoices, surveys)"), ("pandas", "naive pandas"),
                        ("duckdb", "bare DuckDB GROUP BY")):
        if name not in figures:
            continue
        f = figures[name]
        if "error" in f:
            rows.append([label, "error: " + f["error"][:60], "", "", ""])
            continue
        s = f["seconds"]
        rows.append([label, f"{s:.2f}", f"{n_orders / s:,.0f}" if n_orders else "?", f"{f['peak_mib']:.0f}",
                     f"{s / base:.2f}×" if base else "?"])
    return rows, figures


def _scan_summary(figures: dict) -> str | None:
    p, d, n = (figures[k].get("seconds") for k in ("project_orders", "pandas", "duckdb"))
    if not (p and d and n):
        return None
    vs_pandas = f"{d / p:.1f}× faster than" if p <= d else f"{p / d:.1f}× slower than"
    whole = f"; whole ledger {figures['project']['seconds']:.2f}s" if figures.get("project", {}).get("seconds") else ""
    return (f"kamlib on the same tables (which also validates and counts every exclusion) is {vs_pandas} "
            f"naive pandas and {p / n:.2f}× the bare DuckDB time (load alone: "
            f"{figures['project_orders']['load_seconds']:.2f}s{whole})")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=100_000, help="accounts (~100 order lines each)")
    ap.add_argument("--regions", type=int, default=8, help="report units in the pack (max 8)")
    ap.add_argument("--growth", default="", help="comma-separated customer counts for the growth curve")
    ap.add_argument("--skip-pack", action="store_true", help="skip the kam run measurements")
    ap.add_argument("--skip-analyses", action="store_true")
    ap.add_argument("--csv", action="store_true", help="also run part 1 on the orders and customers as CSV")
    ap.add_argument("--big", type=int, default=0, metavar="K",
                    help="also scan K copies of the ledger (10 -> ~100M order lines at the default size)")
    ap.add_argument("--big-duckdb-memory", default="3GB", help="KAMLIB_DUCKDB_MEMORY for the --big scan")
    ap.add_argument("--memory-cap", default=None, metavar="SIZE",
                    help="run the --big paths in a memory cgroup of SIZE (e.g. 8G; needs root)")
    args = ap.parse_args(argv)

    print(f"# kam-workbook benchmark — {time.strftime('%Y-%m-%d')}, {platform.node() or 'machine'}: "
          f"{os.cpu_count()} cores, Python {platform.python_version()}\n", flush=True)
    work = Path(tempfile.mkdtemp(prefix="kam-bench-"))

    rows, figures = scan_rows(args.customers, work)
    n_orders = figures["project_orders"].get("orders", "?")
    print(f"## 1. Ledger scan + customer indicators ({args.customers:,} customers, "
          f"{n_orders:,} order lines kept)\n" if isinstance(n_orders, int) else "## 1. Ledger scan\n")
    print(table(rows, ["path", "seconds", "orders/s", "peak MiB", "vs DuckDB"]))
    summary = _scan_summary(figures)
    if summary:
        print("\n" + summary, flush=True)
    if args.csv:
        rows, figures = scan_rows(args.customers, work, "csv")
        print("\n## 1b. The same, orders and customers as CSV\n")
        print(table(rows, ["path", "seconds", "orders/s", "peak MiB", "vs DuckDB"]))
        summary = _scan_summary(figures)
        if summary:
            print("\n" + summary, flush=True)

    data = ledger_dir(args.customers)
    params = write_params(data, work / "params", args.regions)
    if not args.skip_analyses:
        f = _child("stage_analyses", str(write_params(data, work / "params-all", 8)[-1]))
        print("\n## 2. Analysis compute time on the whole book\n")
        if "error" in f:
            print(f"error: {f['error']}")
        else:
            print(table([[k, f"{v:.2f}"] for k, v in f["seconds_by_analysis"].items()], ["analysis", "seconds"]))

    if not args.skip_pack:
        print(f"\n## 3. Full pack: kam run, {len(params)} units × every notebook\n", flush=True)
        rows = []
        walls = {}
        for w in (1, 2):
            f = _child("stage_pack", str(params[0].parent), w, str(work / f"reports-{w}"))
            walls[w] = f.get("seconds")
            def s(key, f=f):
                v = f.get(key)
                return "?" if v is None else f"{v:.2f}"
            rows.append([w, f"{f.get('seconds', float('nan')):.1f}", s("prepare_seconds"), s("median_kernel_overhead"),
                         s("median_compute"), s("median_render"), s("median_overhead"), f.get("exit", "?"),
                         f"{f.get('pack_peak_mib', float('nan')):.0f}"])
            if f.get("exit"):
                print(f"workers={w} failed: {f.get('stderr_tail')}")
        print(table(rows, ["workers", "wall s", "scan+frames s", "median kernel s", "median compute s",
                           "median render s", "median overhead s", "exit", "peak MiB (largest process)"]))
        one, two = walls.get(1), walls.get(2)
        if one and two:
            print(f"\nspeed-up with 2 workers: {one / two:.2f}×")

    if args.growth:
        print("\n## 4. Growth: scan + indicators by ledger size\n", flush=True)
        rows = []
        for n in [int(x) for x in args.growth.split(",") if x]:
            _, f = scan_rows(n, work)

            def sec(name, f=f):
                return "error" if "error" in f[name] else f"{f[name]['seconds']:.2f}"
            rows.append([f"{n:,}", f"{f['project_orders'].get('orders', 0):,}", sec("project_orders"), sec("pandas"),
                         sec("duckdb"), f"{f['project_orders'].get('peak_mib', float('nan')):.0f}"])
        print(table(rows, ["customers", "order lines", "kamlib s", "pandas s", "DuckDB s", "kamlib peak MiB"]))

    if args.big:
        print(f"\n## 5. Larger ledgers: {args.big} copies of the ledger, orders + customers"
              + (f", each path in a {args.memory_cap} memory cgroup" if args.memory_cap else "") + "\n", flush=True)
        rows = big_rows(args.customers, args.big, args.big_duckdb_memory, args.memory_cap, work)
        print(table(rows, ["path", "seconds", "peak GiB", "note"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
