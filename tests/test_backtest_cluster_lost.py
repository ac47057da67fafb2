"""A Dask cluster lost mid-run is an interruption, not a traceback: the finished steps are
saved, the message says how to resume, the CLI exits 130 as for Ctrl-C, and resuming gives
the uninterrupted results.  The cluster is a fake executor whose futures are cancelled
after two steps, as a dying scheduler's are (a real LocalCluster takes longer to start and
to kill mid-step than this suite allows)."""

from __future__ import annotations

import concurrent.futures as cf
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dispatch import Site, backtest, load_inputs
from dispatch.errors import ClusterLost

SITE = """\
name: cluster test
timezone: America/Chicago
interval_minutes: 60
grid: {import_limit_mw: 50.0}
hpc_halls: [{name: hall, it_load_mw: 20.0, pue: 1.0}]
fleets:
  - name: f
    miner: {model: m, hashrate_th_s: 100.0, power_w: 3000.0}
    miners_per_container: 1000
    containers: 4
    containers_initially_on: 4
"""

# A fake cluster: the first two steps run, then every future comes back cancelled.
FAKE = """\
import concurrent.futures as cf
from contextlib import contextmanager
import dispatch.backtesting.runner as runner

class DyingCluster(cf.Executor):
    def __init__(self):
        self.n = 0
    def submit(self, fn, /, *args, **kwargs):
        future = cf.Future()
        self.n += 1
        if self.n <= 2:
            future.set_result(fn(*args, **kwargs))
        else:
            future.cancel()  # what a lost scheduler does to its futures
            future.set_running_or_notify_cancel()  # done, for cf.wait
        return future

@contextmanager
def open_executor(workers=1, scheduler=None):
    yield DyingCluster(), 1

runner.open_executor = open_executor
runner.MAX_STEPS_PER_TASK = 1  # one step per task: the cluster dies after two steps
"""


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    (tmp_path / "site.yaml").write_text(SITE)
    index = pd.date_range("2026-03-05 06:00", periods=6 * 24, freq="h", tz="UTC")
    price = np.round(45 + 40 * np.random.default_rng(3).standard_normal(len(index)), 2)
    pd.DataFrame(
        {"interval_start_utc": index.strftime("%Y-%m-%dT%H:%M:%SZ"), "price": price}
    ).to_csv(tmp_path / "prices.csv", index=False)
    (tmp_path / "fake_cluster.py").write_text(FAKE)
    return tmp_path


def test_a_lost_cluster_is_clusterlost_and_the_resume_matches(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dispatch.backtesting.runner as runner

    real = runner.open_executor
    monkeypatch.setattr(runner, "open_executor", real)  # restored after the test
    monkeypatch.setattr(runner, "MAX_STEPS_PER_TASK", runner.MAX_STEPS_PER_TASK)
    monkeypatch.syspath_prepend(str(folder))
    import fake_cluster  # noqa: F401  (patches the runner's executor)

    site = Site.from_yaml(folder / "site.yaml")
    inputs = load_inputs(site, prices=folder / "prices.csv", hashprice=55.0)
    out = folder / "out"
    with pytest.raises(ClusterLost) as info:
        backtest(site, inputs, "2026-03-05", "2026-03-09", out=out, scheduler="tcp://fake:8786")
    message = str(info.value)
    words = ("Dask cluster at tcp://fake:8786 was lost", "CancelledError",
             "2 finished steps are saved", "run the same backtest again to resume")  # fmt: skip
    for word in words:
        assert word in message, (word, message)
    runner.open_executor = real  # the cluster is back (or: resume locally)
    resumed = backtest(site, inputs, "2026-03-05", "2026-03-09", out=out)
    assert resumed.run["steps_from_checkpoints"] == 2
    clean = backtest(site, inputs, "2026-03-05", "2026-03-09")
    pd.testing.assert_frame_equal(resumed.intervals(), clean.intervals(), check_exact=True)


def test_a_step_error_on_a_cluster_is_not_called_a_lost_cluster() -> None:
    from dispatch.backtesting.runner import _cluster_lost
    from dispatch.errors import DataError

    assert _cluster_lost(cf.CancelledError())
    assert _cluster_lost(ConnectionResetError())
    assert not _cluster_lost(DataError("a step's own problem"))
    assert not _cluster_lost(OSError(28, "No space left on device"))


def test_the_cli_exits_130_with_one_line_and_a_resume_hint(folder: Path) -> None:
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import fake_cluster\n"
        "from dispatch.cli import main\n"
        "sys.argv = ['dispatch', *sys.argv[2:]]\n"
        "main()\n"
    )
    args = ["backtest", "site.yaml", "--prices", "prices.csv", "--hashprice", "55"]
    args += ["--from", "2026-03-05", "--to", "2026-03-08", "--scheduler", "tcp://fake:8786"]
    done = subprocess.run(
        [sys.executable, "-c", code, str(folder), *args, "--out", "out"],
        capture_output=True, text=True, timeout=180, cwd=folder,
        env={**os.environ, "COLUMNS": "100"},
    )  # fmt: skip
    assert "Traceback" not in done.stderr
    assert done.returncode == 130, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("interrupted: the Dask cluster"), lines
    assert "without --scheduler" in lines[0] and "(in out)" in lines[0]
    assert len(list((folder / "out" / "checkpoints").rglob("*.json"))) == 2
