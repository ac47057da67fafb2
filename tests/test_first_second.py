"""The command line's first second (issue 14): what ``dispatch --help`` does not import.

The timings are benchmarks (``benchmarks/bench_cli.py``), not tests; these check the causes.
"""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("numpy", "pandas", "pyomo", "highspy", "matplotlib", "pyarrow", "importlib.metadata")

PROBE = """
import runpy, sys
sys.argv = ["dispatch", *sys.argv[1:]]
try:
    runpy.run_module("dispatch.cli", run_name="__main__")
except SystemExit as exc:
    code = exc.code
print("\\nMODULES", " ".join(sorted(sys.modules)))
sys.exit(code)
"""


def run_probe(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120
    )
    lines = done.stdout.splitlines()
    modules = set(next(x for x in lines if x.startswith("MODULES")).split()[1:])
    return done, modules


def test_help_imports_no_heavy_package() -> None:
    done, modules = run_probe("--help")
    assert done.returncode == 0, done.stderr
    assert "plan" in done.stdout
    loaded = sorted(m for m in HEAVY if m in modules)
    assert not loaded, f"dispatch --help imported {loaded}"


def test_version_still_comes_from_the_metadata() -> None:
    done, modules = run_probe("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("dispatch ")
    assert "importlib.metadata" in modules
    import dispatch

    assert dispatch.__version__ == done.stdout.split()[1]
