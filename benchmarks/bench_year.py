"""Benchmark the day-ahead plan over every day of a year: the tail, and the ratio to the LP.

For each local day of 2023 (365 day-ahead plans of the sample site at 15 minutes, ERCOT
day-ahead hub-average prices held over the quarter hours by the project's input alignment,
Coin Metrics hashprice; the same data as ``bench_backtest.py``): one ``plan()`` at its
default gap with ``threads=1``, reusing the cached model as ``plan()`` does, and right after
it, on the same model with the same numbers, HiGHS's LP relaxation alone (from a cleared
solver, timed around HiGHS's run).  The ratio plan / LP is the measure that survives a busy
machine: both are timed back to back on the same load.

The table: p50 / p90 / p99 / max of the plan's seconds (end to end, less the model build of
a new horizon shape), of HiGHS's seconds inside it, and of both ratios to the LP; the
slowest days; how each plan ended (``--json`` keeps every day).  With ``--reference
FILE`` (an earlier ``--json`` output, e.g. of the previous implementation) it counts the
days whose objective is worse than the reference's by more than the MIP gap.  Every day's
objective is also checked against its own LP bound: ``lp - objective`` beyond the gap
would be a plan that is not within the gap.

Target (issue 14): the 99th percentile of plan / LP at most 5.

Since the bundled sample became a campus at its import limit (three halls, 100 MW), some
2023 days are hard MIPs for it: minutes each to prove the default gap, gigabytes of branch
and bound tree.  ``--time-limit`` caps each plan (a capped day counts with its capped time,
so the percentiles are then lower bounds), ``--every N`` plans every Nth day, and each day's
row is printed as it finishes (``--progress``), with the process's CPU seconds beside the
wall clock (the machine may be shared).

    python benchmarks/bench_year.py [--days 365] [--every 1] [--time-limit S] [--repeat 1]
                                    [--json out.json] [--reference earlier.json]
                                    [--day 2023-08-24 ...] [--progress]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_backtest import NETWORK, PRICES, year_inputs

GAP = 1e-4  # plan()'s default mip_rel_gap
TARGET_RATIO_P99 = 5.0
YEAR_START = "2023-01-01"


def lp_relaxation_s(model) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Seconds and optimum of HiGHS's LP relaxation of the model as ``plan()`` left it.

    Straight on the HiGHS instance behind the cached model (the same instance the plan
    used, so the same numbers), from a cleared solver; every option put back.
    """
    highs = model._session._highs()  # the benchmark looks inside on purpose
    highs.clearSolver()
    highs.setOptionValue("output_flag", False)  # log lines are Python callbacks: not timed
    highs.setOptionValue("solve_relaxation", True)
    highs.setOptionValue("time_limit", math.inf)
    start = time.perf_counter()
    highs.run()
    seconds = time.perf_counter() - start
    optimum = float(highs.getInfo().objective_function_value)
    highs.setOptionValue("solve_relaxation", False)
    highs.clearSolver()
    return seconds, optimum


def run(
    days: list[str], repeat: int, time_limit_s: float | None = None, progress: bool = False
) -> list[dict]:
    import pandas as pd

    from dispatch import plan
    from dispatch.planner import MODEL_CACHE, energy_value_usd, plan_data
    from dispatch.state import SiteState

    last = max(pd.Timestamp(d) for d in days)
    site, inputs = year_inputs(15, (last - pd.Timestamp(YEAR_START)).days + 1)
    site = site.model_copy(update={"dr_events": []})  # the sample's DR event is in 2026
    rows = []
    for day in days:
        start = pd.Timestamp(day).tz_localize(site.timezone)
        end = (pd.Timestamp(day) + pd.Timedelta(days=1)).tz_localize(site.timezone)
        window = inputs.window(start, end)
        data = plan_data(site, window, SiteState.initial(site), "optimise")
        tries = []
        for _ in range(repeat):
            t, cpu = time.perf_counter(), time.process_time()
            p = plan(site, window, threads=1, time_limit_s=time_limit_s)
            plan_s = time.perf_counter() - t - p.timings_s["build_s"]
            cpu_s = time.process_time() - cpu
            lp_s, lp_obj = lp_relaxation_s(MODEL_CACHE.get(site, data))
            tries.append((plan_s / lp_s, plan_s, lp_s, lp_obj, p, cpu_s))
        ratio, plan_s, lp_s, lp_obj, p, cpu_s = sorted(tries, key=lambda x: x[0])[len(tries) // 2]
        highs_s = p.solve.highs_time_s
        rows.append(
            {
                "day": day,
                "intervals": len(window.index),
                "plan_s": plan_s,
                "cpu_s": cpu_s,
                "highs_s": highs_s,
                "lp_s": lp_s,
                "ratio": ratio,
                "highs_ratio": highs_s / lp_s,
                "objective_usd": p.objective_usd,
                "bound_usd": p.solve.bound_usd,
                "lp_usd": lp_obj,
                "abs_gap_usd": max(GAP * energy_value_usd(site, data), 1e-6),
                "status": p.status.value,
                "message": p.solve.message,
            }
        )
        if progress:
            r = rows[-1]
            print(
                f"{day}  plan {plan_s:7.3f} s  cpu {cpu_s:7.3f} s  LP {lp_s:.3f} s  "
                f"{ratio:6.1f}x  {r['status']}: {r['message'][:60]}",
                flush=True,
            )
    return rows


def tolerance(row: dict, objective: float) -> float:
    """The MIP gap in USD, as HiGHS applies it: the larger of the absolute and relative."""
    return max(row["abs_gap_usd"], GAP * abs(objective))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def print_table(rows: list[dict], reference: list[dict] | None) -> None:
    capped = sum(r["status"] == "time_limit" for r in rows)
    print(
        f"{len(rows)} day-ahead plans, 15 min, sample site, gap {GAP:g}, threads=1; "
        f"{capped} stopped by the time limit\n"
    )
    header = f"{'':<18}{'p50':>9}{'p90':>9}{'p99':>9}{'max':>9}"
    print(header)
    print("-" * len(header))
    for key, label, fmt in (
        ("plan_s", "plan s", ".3f"),
        ("cpu_s", "plan CPU s", ".3f"),
        ("highs_s", "HiGHS s", ".3f"),
        ("lp_s", "LP s", ".3f"),
        ("ratio", "plan / LP", ".1f"),
        ("highs_ratio", "HiGHS / LP", ".1f"),
    ):
        vals = [r[key] for r in rows]
        cells = "".join(f"{pct(vals, q):>9{fmt}}" for q in (50, 90, 99, 100))
        print(f"{label:<18}{cells}")
    p99 = pct([r["ratio"] for r in rows], 99)
    verdict = "met" if p99 <= TARGET_RATIO_P99 else "NOT met"
    print(f"\ntarget: p99 plan / LP <= {TARGET_RATIO_P99:g}: {verdict} ({p99:.1f})")
    print(f"total plan time {sum(r['plan_s'] for r in rows):.1f} s")
    print("\nslowest days (plan / LP):")
    for r in sorted(rows, key=lambda r: -r["ratio"])[:5]:
        print(
            f"  {r['day']}  {r['plan_s']:.3f} s  LP {r['lp_s']:.3f} s  {r['ratio']:5.1f}x  "
            f"{r['status']}: {r['message']}"
        )
    ways: dict[str, int] = {}
    for r in rows:
        way = r["message"].split(": ", 1)[-1] if ": " in r["message"] else "branch and bound"
        ways[way] = ways.get(way, 0) + 1
    print("\nhow the plans ended: " + ", ".join(f"{k} {v}" for k, v in sorted(ways.items())))
    off = [r for r in rows if r["lp_usd"] - r["objective_usd"] > tolerance(r, r["objective_usd"])]
    print(f"days whose LP bound is farther than the gap from the plan: {len(off)}", end="")
    print(" (no rounding can be proven on those: branch and bound must tighten the bound)")
    loose = [
        r
        for r in rows
        if (r["bound_usd"] or math.inf) - r["objective_usd"]
        > tolerance(r, r["objective_usd"]) + 1e-6
    ]
    print(f"plans not proven within the gap by their own bound: {len(loose)}")
    if reference is not None:
        ref = {r["day"]: r for r in reference}
        both = [r for r in rows if r["day"] in ref]
        worse = [
            r
            for r in both
            if ref[r["day"]]["objective_usd"] - r["objective_usd"]
            > tolerance(r, ref[r["day"]]["objective_usd"])
        ]
        better = sum(r["objective_usd"] > ref[r["day"]]["objective_usd"] + 1e-6 for r in both)
        diff = [r["objective_usd"] - ref[r["day"]]["objective_usd"] for r in both]
        print(
            f"vs reference ({len(both)} days): worse by more than the gap on {len(worse)} "
            f"{[r['day'] for r in worse][:8]}, better on {better}; total objective "
            f"{sum(diff):+,.2f} USD"
        )
        ratios = [ref[r["day"]]["ratio"] for r in both]
        print(
            "reference plan / LP: "
            + ", ".join(f"p{q} {pct(ratios, q):.1f}" for q in (50, 90, 99))
            + f", max {max(ratios):.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365, help="the first N days of 2023")
    parser.add_argument("--every", type=int, default=1, help="plan every Nth of those days")
    parser.add_argument("--time-limit", type=float, help="seconds per plan (default: none)")
    parser.add_argument("--progress", action="store_true", help="print each day as it ends")
    parser.add_argument("--day", action="append", help="plan these days (YYYY-MM-DD) instead")
    parser.add_argument("--repeat", type=int, default=1, help="plans per day (median ratio)")
    parser.add_argument("--json", type=Path, help="write every day's row here")
    parser.add_argument("--reference", type=Path, help="an earlier --json output to compare")
    args = parser.parse_args()
    if not PRICES.exists() or not NETWORK.exists():
        sys.exit(f"bench_year: needs {PRICES.name} and {NETWORK.name} in {PRICES.parent}")
    import pandas as pd

    days = (
        args.day
        or [str(d.date()) for d in pd.date_range(YEAR_START, periods=args.days, freq="D")][
            :: args.every
        ]
    )
    rows = run(days, args.repeat, args.time_limit, args.progress)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    reference = json.loads(args.reference.read_text()) if args.reference else None
    print_table(rows, reference)
    print(f"\nmedian LP relaxation {statistics.median(r['lp_s'] for r in rows):.3f} s")


if __name__ == "__main__":
    main()
