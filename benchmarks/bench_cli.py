"""Benchmark the command line's first second: each command in a fresh process, end to end.

Rows (median of ``--runs`` fresh processes each, wall clock from spawn to exit):

- ``python -c pass``: the interpreter alone (the floor every row pays);
- ``import dispatch``: the package (its public names are imported on first use);
- ``dispatch --help``: the CLI's help (no pandas, Pyomo, HiGHS, matplotlib, Dask);
- ``dispatch validate`` on the sample site and its sample inputs (pandas, no solver);
- ``dispatch plan`` of the sample day with every output (schedule.csv, plan.json, chart.png,
  report.html) written to a temporary folder.

Targets (issue 14): ``--help`` < 0.3 s, ``validate`` < 0.6 s, ``plan`` < 1.5 s. The machine's
load average is printed with the table: on a shared machine a process's wall clock grows with
the load, so compare rows measured back to back (``python -c pass`` is the yardstick).

``--importtime`` adds, per row, the heaviest top-level imports (``python -X importtime``).

    python benchmarks/bench_cli.py [--runs 5] [--importtime]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "dispatch" / "sample_data" / "sample_site.yaml"
DAY = "2026-08-17"  # the sample day (the CLI defaults to tomorrow)
CLI = [sys.executable, "-m", "dispatch.cli"]
HEAVY = ("pyomo", "highspy", "matplotlib", "dask", "distributed", "pyarrow", "tsam", "pandas")


def cases(out: Path) -> list[tuple[str, list[str], float | None]]:
    return [
        ("python -c pass", [sys.executable, "-c", "pass"], None),
        ("import dispatch", [sys.executable, "-c", "import dispatch"], None),
        ("dispatch --help", [*CLI, "--help"], 0.3),
        ("dispatch validate (sample)", [*CLI, "validate", str(SITE), "--day", DAY], 0.6),
        (
            "dispatch plan (sample day)",
            [*CLI, "plan", str(SITE), "--day", DAY, "--out", str(out)],
            1.5,
        ),
    ]


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: a plan written but at risk
        sys.exit(f"bench_cli: {' '.join(cmd[1:])} failed ({done.returncode}): {done.stderr}")
    return seconds


def heavy_imports(cmd: list[str]) -> str:
    """The heavy top-level packages the command imports, with their cumulative ms."""
    done = subprocess.run(
        [cmd[0], "-X", "importtime", *cmd[1:]], capture_output=True, text=True, cwd=ROOT
    )
    found: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        _, cumulative, name = (part.strip() for part in line.split("|"))
        if name in HEAVY:
            found[name] = max(found.get(name, 0.0), float(cumulative) / 1000)
    return ", ".join(f"{k} {v:.0f} ms" for k, v in sorted(found.items(), key=lambda x: -x[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per row (median)")
    parser.add_argument("--importtime", action="store_true", help="list the heavy imports")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for label, cmd, target in cases(Path(tmp) / "plan"):
            timed(cmd)  # one unmeasured run: the file cache, the .pyc files
            runs = [timed(cmd) for _ in range(args.runs)]
            rows.append((label, statistics.median(runs), min(runs), target, cmd))
    load = os.getloadavg()
    print(f"fresh processes, median of {args.runs}; load average {load[0]:.2f} {load[1]:.2f}\n")
    header = f"{'':<28}{'median s':>10}{'min s':>8}{'target s':>10}  verdict"
    print(header)
    print("-" * len(header))
    for label, median, low, target, cmd in rows:
        verdict = "" if target is None else ("met" if median < target else "NOT met")
        goal = "" if target is None else f"{target:.1f}"
        print(f"{label:<28}{median:>10.3f}{low:>8.3f}{goal:>10}  {verdict}")
        if args.importtime:
            print(f"{'':<28}  {heavy_imports(cmd) or '(none of ' + ', '.join(HEAVY) + ')'}")


if __name__ == "__main__":
    main()
