"""Benchmark plan() on the bundled sample site and print a table.

Cases (each in its own fresh Python process, so memory and first-call costs are honest):

- ``day``:  the sample day ahead, 96 x 15 min (2026-08-17, the spike and DR day);
- ``h576``: the sample site at 5 minutes over 48 hours (576 intervals).

For each case: the first (cold) call, which builds the Pyomo model and hands it to HiGHS;
then ``--repeat`` calls on the same site and horizon shape, which reuse the built model
(only the mutable numbers change, see dispatch/model.py); and as a reference the same calls
with ``reuse_model=False`` (a fresh model every time).  "Outside HiGHS" is the share of the
end-to-end time not spent in HiGHS's own run (Pyomo, data checks, results).

Targets (issue 2, on the 2-core dev machine): day-ahead plan() median < 0.5 s with < 20 %
outside HiGHS; 576-interval horizon < 5 s.

    python benchmarks/bench_plan.py [--repeat 7] [--case day --case h576]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

CASES = {
    "day": {"label": "sample day ahead", "minutes": 15, "start": "2026-08-17", "end": "2026-08-18"},
    "h576": {"label": "48 h at 5 min", "minutes": 5, "start": "2026-08-17", "end": "2026-08-19"},
}
TARGET_S = {"day": 0.5, "h576": 5.0}


def load_case(name: str):  # type: ignore[no-untyped-def]
    from dispatch import Site, load_inputs, sample_paths

    case = CASES[name]
    paths = sample_paths()
    raw = Site.from_yaml(paths["site"]).model_dump(mode="json")
    raw["interval_minutes"] = case["minutes"]
    site = Site.from_dict(raw)
    inputs = load_inputs(
        site,
        prices=paths["prices"],
        hashprice=paths["hashprice"],
        hpc_load=paths["hpc_load"],
        cp_probability=paths["cp_probability"],
        start=case["start"],
        end=case["end"],
    )
    return site, inputs


def run_case(name: str, repeat: int) -> dict:
    """Measure one case in this process (called in a child process)."""
    t0 = time.perf_counter()
    from dispatch import plan

    site, inputs = load_case(name)
    setup_s = time.perf_counter() - t0

    def timed(**kwargs):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        p = plan(site, inputs, **kwargs)
        return time.perf_counter() - start, p

    cold_s, cold = timed()
    warm = [timed() for _ in range(repeat)]
    fresh = [timed(reuse_model=False) for _ in range(max(1, repeat // 2))]
    totals = [t for t, _ in warm]
    highs = [p.solve.highs_time_s for _, p in warm]
    objectives = {round(p.objective_usd, 6) for _, p in warm}
    return {
        "case": name,
        "intervals": len(inputs.index),
        "import_and_load_s": setup_s,
        "cold_total_s": cold_s,
        "cold_build_s": cold.timings_s["build_s"],
        "cold_highs_s": cold.solve.highs_time_s,
        "warm_total_s": statistics.median(totals),
        "warm_highs_s": statistics.median(highs),
        "warm_outside_share": statistics.median([(t - p.solve.highs_time_s) / t for t, p in warm]),
        "warm_check_s": statistics.median([p.timings_s["check_s"] for _, p in warm]),
        "fresh_total_s": statistics.median([t for t, _ in fresh]),
        "status": cold.status.value,
        "gap": cold.solve.gap,
        "objective_usd": cold.objective_usd,
        "same_objective_every_call": len(objectives) == 1,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", choices=sorted(CASES))
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_case(args.child, args.repeat)))
        return
    rows = []
    for name in args.case or list(CASES):
        out = subprocess.run(
            [sys.executable, __file__, "--child", name, "--repeat", str(args.repeat)],
            check=True,
            capture_output=True,
            text=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print_table(rows)


def print_table(rows: list[dict]) -> None:
    header = (
        f"{'case':<18}{'n':>5}{'cold s':>8}{'build s':>9}{'c.outside':>10}"
        f"{'warm s':>8}{'HiGHS s':>9}{'outside':>9}{'fresh s':>9}{'fresh/warm':>11}"
        f"{'check ms':>9}{'RSS MiB':>9}{'target s':>10}  status"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{CASES[r['case']]['label']:<18}{r['intervals']:>5}{r['cold_total_s']:>8.3f}"
            f"{r['cold_build_s']:>9.3f}"
            f"{(r['cold_total_s'] - r['cold_highs_s']) / r['cold_total_s']:>10.1%}"
            f"{r['warm_total_s']:>8.3f}{r['warm_highs_s']:>9.3f}"
            f"{r['warm_outside_share']:>9.1%}{r['fresh_total_s']:>9.3f}"
            f"{r['fresh_total_s'] / r['warm_total_s']:>11.2f}{r['warm_check_s'] * 1e3:>9.1f}"
            f"{r['peak_rss_mib']:>9.0f}"
            f"{TARGET_S[r['case']]:>10.1f}  {r['status']} (gap {r['gap'] or 0:.1e})"
        )
    print(
        "\ncold = first call in a fresh process (builds the model; c.outside = its share not in "
        "HiGHS);\nwarm = median of repeated calls reusing it; fresh = median with "
        "reuse_model=False;\noutside = share of warm time not in HiGHS's own run; check = the "
        "independent checker plan() runs on every plan (included in warm)."
    )


if __name__ == "__main__":
    main()
