"""Benchmark: CLV models on a large book (issue 16: fitting and scoring 100,000 accounts in under 2 s).

Draws a seeded ledger from known BG/NBD + Gamma-Gamma parameters (``kamlib.clv.simulate_orders``; dozens of
order days per account on average), then times each step once after a warm-up on a small book, and prints a
table. The target is ``fit_bgnbd + fit_gamma_gamma + customer_value`` (fit and score) under 2 s;
``rfm_summary`` (ledger -> summary) is shown separately. No assertion: this is a figure, not a test.

Usage::

    python benchmarks/bench_clv.py                      # 100,000 accounts
    python benchmarks/bench_clv.py --customers 300000 --horizon 52
"""
from __future__ import annotations

import argparse
import time
import warnings

from kamlib import clv

BGNBD = {"r": 3.0, "alpha": 10.0, "a": 1.0, "b": 12.0}
GAMMA_GAMMA = {"p": 5.0, "q": 4.0, "v": 200.0}


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--horizon", type=float, default=52.0, help="CLV horizon in weeks")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    warm = clv.simulate_orders(2000, BGNBD, GAMMA_GAMMA, T=(20, 156), random_state=args.seed)
    ws = clv.rfm_summary(warm, "2025-12-31")
    clv.customer_value(clv.fit_bgnbd(ws), clv.fit_gamma_gamma(ws), ws, args.horizon, 0.1)

    orders, t_sim = _timed(lambda: clv.simulate_orders(args.customers, BGNBD, GAMMA_GAMMA, T=(20, 156),
                                                       random_state=args.seed))
    summary, t_rfm = _timed(lambda: clv.rfm_summary(orders, "2025-12-31", "W"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bg, t_bg = _timed(lambda: clv.fit_bgnbd(summary))
        gg, t_gg = _timed(lambda: clv.fit_gamma_gamma(summary))
        _, t_pa = _timed(lambda: bg.p_alive(summary))
        cv, t_cv = _timed(lambda: clv.customer_value(bg, gg, summary, args.horizon, 0.10))
    fit_score = t_bg + t_gg + t_cv
    rows = [("simulate ledger", t_sim), ("rfm_summary", t_rfm), ("fit_bgnbd", t_bg), ("fit_gamma_gamma", t_gg),
            ("p_alive", t_pa), (f"customer_value ({args.horizon:g} weeks, discounted)", t_cv),
            ("fit + score (target < 2 s)", fit_score), ("ledger -> scores, total", t_rfm + fit_score)]
    print(f"{args.customers:,} accounts, {len(orders):,} order lines "
          f"({len(orders) / args.customers:.1f} per account), {int((summary['frequency'] > 0).sum()):,} repeat buyers")
    width = max(len(r[0]) for r in rows)
    for name, sec in rows:
        print(f"  {name:<{width}}  {sec:7.3f} s")
    print("true vs fitted:")
    for k, v in {**BGNBD, **GAMMA_GAMMA}.items():
        est = bg.params[k] if k in bg.params.index else gg.params[k]
        print(f"  {k:>5}: {v:8.3f}  {est:8.3f}")
    print(f"book value over {args.horizon:g} weeks: {cv['clv'].sum():,.0f} (discounted), "
          f"{cv['expected_revenue'].sum():,.0f} (undiscounted); warnings: {len(caught)}")


if __name__ == "__main__":
    main()
