"""Benchmark reading a big price file for one day: time and peak memory of a fresh process.

The file (generated once in ``/tmp``, kept for later runs): 10 million rows of one-minute
prices from 2005-01-01 UTC (19 years), columns ``interval_start_utc`` (ISO text with offset),
``price_usd_per_mwh``, ``other_hub_usd_per_mwh`` and a ``note`` text column; as CSV and as
Parquet (``interval_start_utc`` a UTC timestamp column); ``--case csv-quoted`` adds the CSV
with every value in quotes (R's ``write.csv``).  Each case is a child process that
runs ``load_inputs`` of the sample site for the file's second-to-last full day (the prices
from the file averaged to 15 minutes, the other inputs constants) and reports its wall time,
its CPU time (user + system: on a shared machine the wall time grows with the load, the CPU
time much less) and peak RSS (``ru_maxrss``).

Target (issue 14): under 15 s and 1 GB (it took 59 s and 3.3 GB).

    python benchmarks/bench_io.py [--rows 10000000] [--case csv --case parquet]
                                  [--repeat 3]  # each run is a row, with the load average
                                  [--code-root DIR]  # another checkout, for a before/after
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S, TARGET_MIB = 15.0, 1024.0
FIRST = "2005-01-01"  # the file's first interval (UTC)

CHILD = """
import json, resource, sys, time
t = time.perf_counter()
from dispatch import Site, load_inputs, sample_paths
site = Site.from_yaml(sample_paths()["site"])
inputs = load_inputs(site, prices=sys.argv[1], hashprice=60.0, hpc_load=46.0, cp_probability=0.0,
                     start=sys.argv[2], end=sys.argv[3])
seconds = time.perf_counter() - t
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": seconds, "cpu_s": usage.ru_utime + usage.ru_stime,
                  "peak_mib": usage.ru_maxrss / 1024, "intervals": len(inputs.index)}))
"""


def make_files(rows: int) -> dict[str, Path]:
    """The CSV and Parquet price files of ``rows`` rows in /tmp (made once)."""
    import numpy as np
    import pandas as pd

    base = Path("/tmp") / f"dispatch_bench_io_{rows}"
    paths = {"csv": base.with_suffix(".csv"), "parquet": base.with_suffix(".parquet")}
    if all(p.exists() for p in paths.values()):
        return paths
    times = pd.date_range(FIRST, periods=rows, freq="1min", tz="UTC")
    rng = np.random.default_rng(14)
    frame = pd.DataFrame(
        {
            "interval_start_utc": times,
            "price_usd_per_mwh": np.round(30 + 20 * rng.standard_normal(rows), 2),
            "other_hub_usd_per_mwh": np.round(32 + 20 * rng.standard_normal(rows), 2),
            "note": np.where(rng.random(rows) < 0.01, "estimated", ""),
        }
    )
    frame.to_parquet(paths["parquet"], index=False)
    frame["interval_start_utc"] = times.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    frame.to_csv(paths["csv"], index=False)
    return paths


def measure(path: Path, rows: int, code_root: Path | None) -> dict:
    """Read the file's second-to-last full day in a child process: seconds, peak MiB."""
    import pandas as pd

    day = str((pd.Timestamp(FIRST) + pd.Timedelta(minutes=rows) - pd.Timedelta(days=2)).date())

    env = dict(os.environ)
    if code_root is not None:
        env["PYTHONPATH"] = str(code_root)
    end = str((pd.Timestamp(day) + pd.Timedelta(days=1)).date())
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), day, end],
        capture_output=True,
        text=True,
        env=env,
        cwd=code_root or ROOT,  # `python -c` puts its working directory first on sys.path
    )
    if done.returncode != 0:
        sys.exit(f"bench_io: reading {path} failed: {done.stderr.strip().splitlines()[-1]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def quoted_file(paths: dict[str, Path]) -> Path:
    """The CSV file with every value in quotes (as R's write.csv writes it), made once."""
    import csv

    import pandas as pd

    path = paths["csv"].with_name(paths["csv"].stem + "_quoted.csv")
    if not path.exists():
        frame = pd.read_parquet(paths["parquet"])
        frame["interval_start_utc"] = frame["interval_start_utc"].dt.strftime(
            "%Y-%m-%dT%H:%M:%S+00:00"
        )
        frame.to_csv(path, index=False, quoting=csv.QUOTE_ALL)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--case", action="append", choices=("csv", "parquet", "csv-quoted"))
    parser.add_argument("--code-root", type=Path, help="run this checkout's dispatch instead")
    parser.add_argument("--repeat", type=int, default=1, help="runs per case (each is shown)")
    args = parser.parse_args()
    paths = make_files(args.rows)
    print(f"{args.rows:,} rows, one day read\n")
    header = f"{'':<11}{'MiB file':>9}{'seconds':>9}{'CPU s':>7}{'peak MiB':>9}{'load':>6}  target "
    print(header + f"{TARGET_S:g} s, {TARGET_MIB:g} MiB")
    print("-" * (len(header) + 15))
    for case in args.case or ["csv", "parquet"]:
        path = quoted_file(paths) if case == "csv-quoted" else paths[case]
        for _ in range(args.repeat):
            load = os.getloadavg()[0]  # the last minute's, as the run starts
            r = measure(path, args.rows, args.code_root)
            ok = r["seconds"] < TARGET_S and r["peak_mib"] < TARGET_MIB
            size = path.stat().st_size / 2**20
            print(
                f"{case:<11}{size:>9.0f}{r['seconds']:>9.2f}{r['cpu_s']:>7.2f}{r['peak_mib']:>9.0f}"
                f"{load:>6.1f}  "
                f"{'met' if ok else 'NOT met'}"
            )


if __name__ == "__main__":
    main()
