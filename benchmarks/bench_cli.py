"""Benchmark the command line's first second: each command in a fresh process, end to end.

Rows (median of ``--runs`` fresh processes each, wall clock from spawn to exit):

- ``python -c pass``: the interpreter alone (the floor every row pays);
- ``import dispatch``: the package (its public names are imported on first use);
- ``dispatch --help``: the CLI's help (no numpy, pandas, Pyomo, HiGHS, matplotlib, Dask);
- ``dispatch validate`` on the sample site and its sample inputs (pandas, no solver);
- ``dispatch plan`` of the sample day with every output (schedule.csv, plan.json, chart.png,
  report.html) written to a temporary folder.

Each row also gives the process's CPU time (user + system, every thread): it grows less with
the machine's load than the wall clock does, so it tells a change from noise on a busy machine.

Targets (issue 14): ``--help`` < 0.3 s, ``validate`` < 0.6 s, ``plan`` < 1.5 s. The machine's
load average is printed with the table: on a shared machine a process's wall clock grows with
the load, so compare rows measured back to back (``python -c pass`` is the yardstick).

``--importtime`` adds, per row, the heaviest top-level imports (``python -X importtime``).

``--phases`` adds where ``dispatch plan``'s time goes, median of the same number of fresh
processes: the command runs as usual, with the plan module's ``status_line`` steps (reading
the inputs, the solve, the counterfactuals, the charts and documents), its first call
(``load_site``) and ``draw_chart`` timed from inside the process (``time.monotonic``, the
same clock as here, so the interpreter's start-up is the first phase).

``--against DIR`` measures another checkout of the repository (a ``git worktree`` or a
``git archive`` of another commit) with the same interpreter, its runs interleaved with this
one's, so both see the same load: before/after numbers measured back to back.

The package's modules are byte-compiled first (``compileall``, as ``make install`` does):
with ``PYTHONDONTWRITEBYTECODE`` set (many container images set it) Python never caches them
and every process compiles them again (0.1-0.3 s for ``dispatch plan``); the table says
whether the cache was there (``--no-compile`` leaves it as it is).

    python benchmarks/bench_cli.py [--runs 5] [--importtime] [--phases] [--against DIR]
                                   [--no-compile]
"""

from __future__ import annotations

import argparse
import compileall
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE = Path("dispatch") / "sample_data" / "sample_site.yaml"  # relative to each checkout
DAY = "2026-08-17"  # the sample day (the CLI defaults to tomorrow)
CLI = [sys.executable, "-m", "dispatch.cli"]
HEAVY = (
    "numpy",
    "pyomo",
    "highspy",
    "matplotlib",
    "dask",
    "distributed",
    "pyarrow",
    "tsam",
    "pandas",
)

#: Runs ``dispatch`` (argv after ``-c``) with timestamps at each step of ``dispatch plan``,
#: printed as JSON on the last line of stderr.
PHASE_DRIVER = """
import atexit, contextlib, json, sys, time
marks = [("start", time.monotonic())]
import dispatch.cli as cli
import dispatch.cli.plan as cp
marks.append(("cli", time.monotonic()))
load_site, status_line, draw_chart = cp.load_site, cp.status_line, cp.draw_chart
def timed_load_site(path):
    marks.append(("imports", time.monotonic()))
    return load_site(path)
@contextlib.contextmanager
def timed_status(console, text):
    marks.append(("before " + text, time.monotonic()))
    with status_line(console, text):
        yield
    marks.append((text, time.monotonic()))
def timed_draw(draw):
    t0 = time.monotonic()
    try:
        return draw_chart(draw)
    finally:
        marks.append(("png", time.monotonic() - t0))
cp.load_site, cp.status_line, cp.draw_chart = timed_load_site, timed_status, timed_draw
atexit.register(lambda: print(json.dumps(marks), file=sys.stderr))
sys.argv = ["dispatch", *sys.argv[1:]]
cli.main()
"""

#: (label, step name in plan.py's status_line or the driver's marks)
PHASES = (
    ("interpreter start", "start"),
    ("import the CLI (typer, dispatch.cli)", "cli"),
    ("plan's imports (rich, pandas, Pyomo, HiGHS, matplotlib)", "imports"),
    ("site file, window", "before Reading"),
    ("read the inputs", "Reading"),
    ("solve the plan", "Solving the plan"),
    ("counterfactuals (no miners, price-blind)", "Solving the counterfactuals"),
    ("charts, plan.json, report.html", "Drawing"),
    ("  of which the two PNGs", "png"),
    ("write, print the summary, exit", "exit"),
)


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


def plan_args(out: Path) -> list[str]:
    return ["plan", str(SITE), "--day", DAY, "--out", str(out)]


def run(cmd: list[str], root: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=root, env=env)
    if done.returncode not in (0, 1):  # 1: a plan written but at risk
        sys.exit(f"bench_cli: {' '.join(cmd[1:])} failed ({done.returncode}): {done.stderr}")
    return done


def timed(cmd: list[str], root: Path) -> tuple[float, float]:
    """Wall clock and CPU time (user + system, all threads) of one fresh process, s."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    run(cmd, root)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def phases(out: Path, root: Path) -> dict[str, float]:
    """Seconds per phase of one fresh ``dispatch plan`` process."""
    spawn = time.monotonic()
    done = run([sys.executable, "-c", PHASE_DRIVER, *plan_args(out)], root)
    end = time.monotonic()
    marks = json.loads(done.stderr.strip().splitlines()[-1])
    png = sum(t for name, t in marks if name == "png")
    times = [("spawn", spawn)] + [(n, t) for n, t in marks if n != "png"] + [("exit", end)]
    out_s: dict[str, float] = {}
    for (_, t0), (name, t1) in itertools.pairwise(times):
        key = next((key for _, key in PHASES if name.startswith(key)), name)
        out_s[key] = out_s.get(key, 0.0) + (t1 - t0)
    out_s["png"] = png
    out_s["total"] = end - spawn
    return out_s


def heavy_imports(cmd: list[str], root: Path) -> str:
    """The heavy top-level packages the command imports, with their cumulative ms."""
    done = run([cmd[0], "-X", "importtime", *cmd[1:]], root)
    found: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        _, cumulative, name = (part.strip() for part in line.split("|"))
        if name in HEAVY:
            found[name] = max(found.get(name, 0.0), float(cumulative) / 1000)
    return ", ".join(f"{k} {v:.0f} ms" for k, v in sorted(found.items(), key=lambda x: -x[1]))


def bytecode_cached(root: Path, compile_: bool) -> bool:
    """Whether every module of the package had its bytecode cached; with ``compile_``,
    compile those that had not (``compileall``)."""
    package = root / "dispatch"
    stale = [
        p
        for p in package.rglob("*.py")
        if not any(p.parent.joinpath("__pycache__").glob(f"{p.stem}.*.pyc"))
    ]
    if compile_:
        compileall.compile_dir(package, quiet=1)
    return not stale


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} {five:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per row (median)")
    parser.add_argument("--importtime", action="store_true", help="list the heavy imports")
    parser.add_argument("--phases", action="store_true", help="where dispatch plan's time goes")
    parser.add_argument(
        "--against", type=Path, metavar="DIR", help="another checkout, measured interleaved"
    )
    parser.add_argument(
        "--no-compile", action="store_true", help="do not byte-compile the package first"
    )
    args = parser.parse_args()
    roots = [ROOT] + ([args.against.resolve()] if args.against else [])
    names = ["this", str(args.against)] if args.against else ["this"]
    cached = [bytecode_cached(root, not args.no_compile) for root in roots]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "plan"
        rows = []
        for label, cmd, target in cases(out):
            for root in roots:
                run(cmd, root)  # one unmeasured run each: the file cache
            runs: list[list[tuple[float, float]]] = [[] for _ in roots]
            loads = []
            for _ in range(args.runs):
                for k, root in enumerate(roots):
                    runs[k].append(timed(cmd, root))
                loads.append(os.getloadavg()[0])
            rows.append((label, runs, statistics.median(loads), target, cmd))
        phase_runs: list[list[dict[str, float]]] = [[] for _ in roots]
        phase_load = 0.0
        if args.phases:
            loads = []
            for _ in range(args.runs):
                for k, root in enumerate(roots):
                    phase_runs[k].append(phases(out, root))
                loads.append(os.getloadavg()[0])
            phase_load = statistics.median(loads)
    print(f"fresh processes, median of {args.runs}; load average now {load()}")
    for name, root, ok in zip(names, roots, cached, strict=True):
        done = "compiled before the runs" if not args.no_compile else "NOT cached"
        print(f"  {name}: {root} (bytecode {'cached' if ok else done})")
    print()
    cols = "".join(f"{n[-14:]:>16}" for n in names)
    cpu_cols = "".join(f"{'cpu ' + n[-10:]:>16}" for n in names)
    print("wall clock s, median; cpu: user + system s of the process, median (less load-bound)")
    header = f"{'':<28}{cols}{'min s':>8}{cpu_cols}{'load 1m':>9}{'target s':>10}  verdict"
    print(header)
    print("-" * len(header))
    for label, runs, row_load, target, cmd in rows:
        medians = [statistics.median(w for w, _ in r) for r in runs]
        cpus = [statistics.median(c for _, c in r) for r in runs]
        verdict = "" if target is None else ("met" if medians[0] < target else "NOT met")
        goal = "" if target is None else f"{target:.1f}"
        cells = "".join(f"{m:>16.3f}" for m in medians)
        cpu_cells = "".join(f"{c:>16.3f}" for c in cpus)
        low = min(w for w, _ in runs[0])
        print(f"{label:<28}{cells}{low:>8.3f}{cpu_cells}{row_load:>9.2f}{goal:>10}  {verdict}")
        if args.importtime:
            for name, root in zip(names, roots, strict=True):
                found = heavy_imports(cmd, root) or "(none of " + ", ".join(HEAVY) + ")"
                print(f"{'':<4}{name[-20:]}: {found}")
    if args.phases:
        print(f"\ndispatch plan (sample day) by phase, median s (load 1m {phase_load:.2f})\n")
        header = f"{'':<58}{cols}"
        print(header)
        print("-" * len(header))
        for label, key in (*PHASES, ("total", "total")):
            cells = "".join(
                f"{statistics.median(r.get(key, 0.0) for r in phase):>16.3f}"
                for phase in phase_runs
            )
            print(f"{label:<58}{cells}")


if __name__ == "__main__":
    main()
