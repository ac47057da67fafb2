"""Benchmark backtest(): a year of daily steps of the sample site, and what model reuse pays.

Cases (each in its own fresh Python process, so memory and start-up costs are honest):

- ``hourly``: 365 daily steps (24 h kept + 24 h look-ahead) of the sample site at 60-minute
  intervals over 2023, 2 worker processes, independent monthly chains (``chunk="month"``);
- ``quarter``: the same at 15-minute intervals;
- ``reuse``: 30 daily steps at 15 minutes in one process, with ``reuse_model=True`` (the
  default: one Pyomo model per horizon shape, only its numbers rewritten) and with
  ``reuse_model=False`` (a fresh model every step).

Data: ERCOT 2023 day-ahead hub-average prices and Coin Metrics hashprice (realised revenue,
:func:`dispatch.hashprice_from_network`) from ``../shared/data`` (the benchmark stops with
a message when absent).  The sample only covers one week, so the HPC load repeats the
sample week's pattern (same weekday and time of day) all year, and the coincident-peak
probability repeats the sample's weekday pattern in June to September (zero otherwise,
as ERCOT's 4CP months).  The sample's DR event (2026) falls outside 2023.

Peak memory: ``RUSAGE_SELF`` and ``RUSAGE_CHILDREN`` max RSS (the largest process), and the
peak of the summed RSS of the process tree sampled every 0.2 s with psutil.  CPU seconds:
user + system time of the process tree (each process's last sample, the same psutil loop):
on a shared machine the wall time grows with the load, the CPU time much less.

Targets (issue 4, on the 2-core dev machine): hourly year < 60 s with 2 workers; 15-minute
year < 240 s; peak memory < 1 GiB.  With ``--days`` below 365 the time targets are scaled
down in proportion.

    python benchmarks/bench_backtest.py [--case hourly --case quarter --case reuse]
                                        [--days 365] [--workers 2]
                                        [--demand-charge full|prorate]
                                        [--start 2023-01-01] [--counterfactuals]
                                        [--mip-gap 1e-3] [--time-limit SECONDS]
                                        [--out DIR]

``--demand-charge`` is the backtest's option of that name: ``prorate`` (the default, as in
``backtest()``) weighs the monthly demand charge by the share of the month the horizon covers,
``full`` as ``plan()`` does by default (much harder MIPs on the sample site, whose demand
charge binds every month, and a myopic plan).  ``--start`` moves the period.  With
``chunk="month"`` the period's first month starts from the site file's state, whose
``peak_so_far_mw`` (100 MW on the sample: the import limit) then holds for that month, so its
demand charge never binds; every later month starts after a warm-up day, its peak reset, as
in a year run (``--days 59``: January and February 2023, February's chain the same as in
the year run).  ``--counterfactuals`` also rolls the no-miners and price-blind plans (three
times the work; the values of mining and flexibility are printed); ``--mip-gap`` is the
backtest's (default 1e-3); ``--time-limit`` caps each step's solve (``time_limit_s``, wall
seconds: under load a capped step explores less, so its result can differ from run to run);
``--out DIR`` keeps the backtest's files (``scenarios/base/monthly*.csv``, ``steps.csv``,
...) for a closer look (a second run with the same ``--out`` resumes from them: time a fresh
folder).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
PRICES = SHARED / "ercot_dam_hb_hubavg_hourly_2020_2024.csv"
NETWORK = SHARED / "btc_mining_daily_coinmetrics_2019_2025.csv"
CASES = {
    "hourly": {"label": "{days} d, 60 min", "minutes": 60, "target_s": 60.0},
    "quarter": {"label": "{days} d, 15 min", "minutes": 15, "target_s": 240.0},
    "reuse": {"label": "30 d, 15 min, reuse", "minutes": 15, "target_s": None},
}
MEMORY_TARGET_MIB = 1024.0
START = "2023-01-01"


def year_inputs(  # type: ignore[no-untyped-def]
    minutes: int, days: int, first: str = START, prices=None, hashprice=None
):
    """The sample site at ``minutes`` and its inputs from ``first`` for ``days`` (+1 day);
    ``prices`` and ``hashprice`` default to the shared ERCOT file and Coin Metrics data."""
    import pandas as pd

    from dispatch import Site, hashprice_from_network, load_inputs, read_series, sample_paths

    paths = sample_paths()
    raw = Site.from_yaml(paths["site"]).model_dump(mode="json")
    raw["interval_minutes"] = minutes
    site = Site.from_dict(raw)
    tz = site.timezone
    start = pd.Timestamp(first)
    end = start + pd.Timedelta(days=days + 1)  # one more day of look-ahead
    index = pd.date_range(start, end, freq="15min", tz=tz, inclusive="left")
    hpc = pd.DataFrame(
        {
            h.name: weekly(read_series(paths["hpc_load"], name=h.name, tz=tz), index)
            for h in site.hpc_halls
        }
    )
    cp = weekly(read_series(paths["cp_probability"], name="cp_probability", tz=tz), index)
    cp[~index.month.isin([6, 7, 8, 9])] = 0.0
    inputs = load_inputs(
        site,
        prices=PRICES if prices is None else prices,
        hashprice=hashprice_from_network(NETWORK) if hashprice is None else hashprice,
        hpc_load=hpc,
        cp_probability=cp.rename("cp_probability"),
        start=start.date(),
        end=end.date(),
    )
    return site, inputs


def weekly(sample, index):  # type: ignore[no-untyped-def]
    """The sample week's value at the same weekday and local time of day, on ``index``."""
    import pandas as pd

    key = lambda ix: ix.day_of_week * 1440 + ix.hour * 60 + ix.minute  # noqa: E731
    table = pd.Series(sample.to_numpy(), index=key(sample.index)).groupby(level=0).mean()
    return pd.Series(table.reindex(key(index)).to_numpy(), index=index)


class TreeMemory:
    """Peak summed RSS of this process and its children, and their CPU seconds (user +
    system, each process's last sample), sampled in a thread."""

    def __init__(self) -> None:
        import psutil

        self._me = psutil.Process()
        self.peak_mib = 0.0
        self._cpu: dict[tuple[int, float], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        while not self._stop.wait(0.2):
            total = 0
            for p in [self._me, *self._me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                    times = p.cpu_times()
                    self._cpu[(p.pid, p.create_time())] = times.user + times.system
                except psutil.Error:
                    continue
            self.peak_mib = max(self.peak_mib, total / 2**20)

    @property
    def cpu_s(self) -> float:
        return sum(self._cpu.values())

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_case(name: str, days: int, workers: int, demand_charge: str = "full", **opts: Any) -> dict:
    """Measure one case in this process (called in a child process).  ``opts``: ``start``,
    ``counterfactuals``, ``mip_gap``, ``time_limit``, ``out`` (the command's options)."""
    t0 = time.perf_counter()
    import pandas as pd

    from dispatch import backtest

    case = CASES[name]
    first = opts.get("start") or START
    site, inputs = year_inputs(case["minutes"], 30 if name == "reuse" else days, first)
    setup_s = time.perf_counter() - t0
    start = pd.Timestamp(first).date()
    extra = {"mip_rel_gap": opts.get("mip_gap") or 1e-3, "time_limit_s": opts.get("time_limit")}
    if name == "reuse":
        out = {}
        for reuse in (True, False):
            t, cpu = time.perf_counter(), time.process_time()
            r = backtest(
                site,
                inputs,
                start,
                start + pd.Timedelta(days=30),
                reuse_model=reuse,
                demand_charge=demand_charge,
                **extra,
            )
            out[reuse] = (time.perf_counter() - t, r, time.process_time() - cpu)
        (wall, r, cpu_s), (wall_fresh, fresh, fresh_cpu_s) = out[True], out[False]
        same = r.intervals().equals(fresh.intervals())
        return summary(name, r, wall, setup_s, 1) | {
            "fresh_wall_s": wall_fresh,
            "cpu_s": cpu_s,
            "fresh_cpu_s": fresh_cpu_s,
            "fresh_build_s": float(fresh.steps["build_s"].sum()),
            "reuse_build_s": float(r.steps["build_s"].sum()),
            "identical": same,
        }
    with TreeMemory() as memory:
        t = time.perf_counter()
        r = backtest(
            site,
            inputs,
            start,
            start + pd.Timedelta(days=days),
            workers=workers,
            chunk="month" if workers > 1 else None,
            demand_charge=demand_charge,
            counterfactuals=bool(opts.get("counterfactuals")),
            out=opts.get("out"),
            **extra,
        )
        wall = time.perf_counter() - t
    out = summary(name, r, wall, setup_s, workers) | {"tree_peak_mib": memory.peak_mib}
    return out | {"demand_charge": demand_charge, "cpu_s": memory.cpu_s}


def summary(name: str, r, wall: float, setup_s: float, workers: int) -> dict:  # type: ignore[no-untyped-def]
    steps = r.steps
    return {
        "case": name,
        "steps": len(steps),
        "kept_days": len(r.daily),
        "workers": workers,
        "setup_s": setup_s,
        "wall_s": wall,
        "step_s_mean": float(steps["step_s"].mean()),
        "solve_s_mean": float(steps["solve_s"].mean()),
        "build_s_sum": float(steps["build_s"].sum()),
        "in_steps_share": float(steps["step_s"].sum() / (wall * workers)),
        "reused_share": float(steps["model_reused"].mean()),
        "statuses": steps["status"].value_counts().to_dict(),
        "profit_usd": float(r.comparison["profit_total_usd"].iloc[0]),
        "values_usd": {
            k: float(r.comparison[k].iloc[0])
            for k in ("value_of_flexibility_usd", "value_of_mining_usd")
            if k in r.comparison
        },
        "self_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "child_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", choices=sorted(CASES))
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--demand-charge", choices=["full", "prorate"], default="prorate")
    parser.add_argument("--start", default=START, help="first day, YYYY-MM-DD")
    parser.add_argument("--counterfactuals", action="store_true")
    parser.add_argument("--mip-gap", type=float, default=1e-3)
    parser.add_argument("--time-limit", type=float, help="seconds per step's solve")
    parser.add_argument("--out", help="keep the backtest's files in this folder")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not PRICES.exists() or not NETWORK.exists():
        sys.exit(f"bench_backtest: needs {PRICES.name} and {NETWORK.name} in {SHARED}; skipped")
    if args.child:
        opts = {"start": args.start, "counterfactuals": args.counterfactuals}
        opts |= {"mip_gap": args.mip_gap, "time_limit": args.time_limit, "out": args.out}
        print(json.dumps(run_case(args.child, args.days, args.workers, args.demand_charge, **opts)))
        return
    rows = []
    for name in args.case or list(CASES):
        cmd = [sys.executable, __file__, "--child", name]
        cmd += ["--days", str(args.days), "--workers", str(args.workers)]
        cmd += ["--demand-charge", args.demand_charge, "--start", args.start]
        cmd += ["--mip-gap", str(args.mip_gap)]
        cmd += ["--counterfactuals"] if args.counterfactuals else []
        cmd += ["--time-limit", str(args.time_limit)] if args.time_limit else []
        cmd += ["--out", str(Path(args.out) / name)] if args.out else []
        out = subprocess.run(cmd, check=True, capture_output=True, text=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print_table(rows)


def print_table(rows: list[dict]) -> None:
    header = (
        f"{'case':<22}{'steps':>6}{'wkrs':>5}{'wall s':>8}{'steps/s':>8}{'step s':>8}"
        f"{'solve s':>8}{'in steps':>9}{'reused':>7}{'CPU s':>8}{'peak MiB':>9}{'target s':>9}  ok"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        case = CASES[r["case"]]
        peak = max(r.get("tree_peak_mib", 0.0), r["self_peak_mib"], r["child_peak_mib"])
        target = case["target_s"]
        if target is not None:  # the targets are for a year
            target *= r["kept_days"] / 365
        ok = (target is None or r["wall_s"] < target) and peak < MEMORY_TARGET_MIB
        cpu = f"{r['cpu_s']:.0f}" if "cpu_s" in r else "-"
        print(
            f"{case['label'].format(days=r['kept_days']):<22}{r['steps']:>6}{r['workers']:>5}{r['wall_s']:>8.1f}"
            f"{r['steps'] / r['wall_s']:>8.2f}{r['step_s_mean']:>8.3f}{r['solve_s_mean']:>8.3f}"
            f"{r['in_steps_share']:>9.0%}{r['reused_share']:>7.0%}{cpu:>8}{peak:>9.0f}"
            f"{'-' if target is None else f'{target:.0f}':>9}  {'yes' if ok else 'NO'}"
        )
        if r["case"] == "reuse":
            print(
                f"{'  same steps, fresh':<22}{r['steps']:>6}{1:>5}{r['fresh_wall_s']:>8.1f}"
                f"{r['steps'] / r['fresh_wall_s']:>8.2f}   CPU {r['fresh_cpu_s']:.0f} s, "
                f"build {r['fresh_build_s']:.1f} s "
                f"vs {r['reuse_build_s']:.1f} s reused; identical results: {r['identical']}"
            )
    print(
        "\nstep s = mean wall time of one step in its worker (plan + keep + settle); solve s = "
        "its time in model.solve;\nin steps = share of workers x wall spent inside steps (the "
        "rest: process start-up, scheduling, checkpoint I/O);\npeak MiB = largest of the "
        "process-tree sum (psutil), the parent's and the largest child's max RSS;\nCPU s = "
        "user + system seconds of the process tree (reuse: of the one process)."
    )
    for r in rows:
        values = "".join(f", {k} {v:,.0f}" for k, v in r.get("values_usd", {}).items())
        print(f"{r['case']}: statuses {r['statuses']}, profit {r['profit_usd']:,.0f} USD{values}")


if __name__ == "__main__":
    main()
