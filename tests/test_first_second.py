"""The command line's first second (issue 14): what ``dispatch --help`` does not import, and
the garbage-collector tuning that only the ``dispatch`` process itself gets.

The timings are benchmarks (``benchmarks/bench_cli.py``), not tests; these check the causes.
"""

from __future__ import annotations

import gc
import subprocess
import sys

from dispatch.cli import common

HEAVY = ("numpy", "pandas", "pyomo", "highspy", "matplotlib", "pyarrow", "importlib.metadata")

PROBE = """
import runpy, sys
sys.argv = ["dispatch", *sys.argv[1:]]
try:
    runpy.run_module("dispatch.cli", run_name="__main__")
except SystemExit as exc:
    code = exc.code
print("\\nMODULES", " ".join(sorted(sys.modules)))
print("FROZEN", __import__("gc").get_freeze_count())
sys.exit(code)
"""


def run_probe(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str], int]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120
    )
    lines = done.stdout.splitlines()
    modules = set(next(x for x in lines if x.startswith("MODULES")).split()[1:])
    frozen = int(next(x for x in lines if x.startswith("FROZEN")).split()[1])
    return done, modules, frozen


def test_help_imports_no_heavy_package_and_freezes_at_exit() -> None:
    done, modules, frozen = run_probe("--help")
    assert done.returncode == 0, done.stderr
    assert "plan" in done.stdout
    loaded = sorted(m for m in HEAVY if m in modules)
    assert not loaded, f"dispatch --help imported {loaded}"
    assert frozen > 0  # main() froze what was left before the interpreter's exit


def test_version_still_comes_from_the_metadata() -> None:
    done, modules, _ = run_probe("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("dispatch ")
    assert "importlib.metadata" in modules
    import dispatch

    assert dispatch.__version__ == done.stdout.split()[1]


def test_frozen_imports_leaves_a_host_process_alone(monkeypatch) -> None:
    monkeypatch.setattr(common, "OWN_PROCESS", False)
    before = gc.get_freeze_count()
    with common.frozen_imports():
        assert gc.isenabled()
    assert gc.get_freeze_count() == before
    assert gc.isenabled()


def test_frozen_imports_pauses_and_freezes_in_the_dispatch_process(monkeypatch) -> None:
    monkeypatch.setattr(common, "OWN_PROCESS", True)
    try:
        with common.frozen_imports():
            assert not gc.isenabled()
            made = [[] for _ in range(10)]
        assert gc.isenabled()
        assert gc.get_freeze_count() >= len(made)
    finally:
        gc.unfreeze()  # give the test process's objects back to the collector


def test_background_imports_only_in_the_dispatch_process(monkeypatch) -> None:
    monkeypatch.setattr(common, "OWN_PROCESS", False)
    before = gc.get_freeze_count()
    pending = common.BackgroundImports("json")
    assert pending._thread is None and gc.isenabled()
    pending.wait()
    assert gc.get_freeze_count() == before


def test_background_imports_run_on_a_thread_and_wait_freezes(monkeypatch) -> None:
    monkeypatch.setattr(common, "OWN_PROCESS", True)
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    try:
        pending = common.BackgroundImports("colorsys", "no_such_module_here")
        assert not gc.isenabled()  # paused until the imports are joined
        pending.wait()
        assert "colorsys" in sys.modules  # the failing second import raised nothing here
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.enable()
