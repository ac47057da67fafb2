"""Benchmark the transition study: investment selection and the validation backtests.

The case of issue 13: ``data/sample_study.yaml`` -- a 100 MW ERCOT mining site, 3 miner
models (S21, S19 XP, S19j Pro), HPC in 10 MW IT blocks up to the interconnection (8 blocks at
PUE 1.25), a battery choice (the existing 20 MW/40 MWh or none), two phasing options, 3
historical years (2021-2023) with 12 typical days + 2 extreme days each, 3 hashprice
scenarios planned at 3 hashprice levels, 2 worker processes.

Rows: the investment selection (every config valued by ``plan()`` on the representative
days, NPVs, the search), the price-blind counterfactuals of the buffer curve, and the
full-year validation backtest of the chosen design per historical year (hourly, 24 h
look-ahead, ``chunk="month"`` on the same workers).  Targets (issue 13, 2 cores): selection
< 60 s; validation < 20 s per year.  Data from ``../shared/data`` (stops with a message when
absent).

    python benchmarks/bench_study.py [--workers 2] [--no-validate]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "data" / "sample_study.yaml"
SHARED = REPO.parent / "shared" / "data"
TARGET_SELECTION_S = 60.0
TARGET_VALIDATION_S = 20.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-validate", action="store_true")
    args = parser.parse_args()
    if not SHARED.is_dir():
        print(f"real reference data not found at {SHARED}; nothing to benchmark")
        return 0
    from dispatch import study

    t0 = time.perf_counter()
    r = study(SPEC, workers=args.workers, validate=not args.no_validate)
    wall = time.perf_counter() - t0
    n_days = len(r.rep.days)
    rows = [
        (
            f"investment selection ({len(r.designs)} designs, {n_days} days, "
            f"{len(r.levels)} levels)",
            r.timings_s["search"],
            TARGET_SELECTION_S,
        ),
        ("buffer curve: price-blind counterfactuals", r.timings_s["flexibility"], None),
    ]
    for y in r.rep.years:
        key = f"validation_{y}"
        if key in r.timings_s:
            rows.append(
                (
                    f"validation backtest {y} (365 days, hourly)",
                    r.timings_s[key],
                    TARGET_VALIDATION_S,
                )
            )
    rows.append(("total study() wall time", wall, None))
    print("| case | seconds | target | ok |\n|---|---|---|---|")
    for name, s, target in rows:
        ok = "" if target is None else ("yes" if s < target else "NO")
        print(f"| {name} | {s:.1f} | {'' if target is None else f'< {target:g}'} | {ok} |")
    c = r.chosen_row
    print(
        f"\nchosen: {c.name}  NPV {c['npv_usd'] / 1e6:,.1f} M USD "
        f"(vs today {c['npv_vs_today_usd'] / 1e6:+,.1f} M USD)"
    )
    if not r.validation.empty:
        print(
            r.validation[
                ["estimate_usd", "backtest_usd", "gap_usd", "gap_frac_of_margin"]
            ].to_string(float_format=lambda x: f"{x:,.4g}")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
