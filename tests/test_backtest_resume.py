"""Checkpoints: a backtest killed with SIGKILL resumes to results identical to a clean run;
a changed configuration never reuses stale steps."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dispatch import Site, backtest, load_inputs
from dispatch.backtesting.store import CheckpointStore
from dispatch.errors import ConfigError

DAYS = 8
SITE = """\
name: resume test
timezone: America/Chicago
interval_minutes: 60
grid: {import_limit_mw: 50.0}
hpc_halls: [{name: hall, it_load_mw: 20.0, pue: 1.0}]
fleets:
  - name: f
    miner: {model: m, hashrate_th_s: 100.0, power_w: 3000.0}
    miners_per_container: 1000
    containers: 4
    min_up_minutes: 120
    min_down_minutes: 180
    containers_initially_on: 4
battery: {power_mw: 5.0, energy_mwh: 10.0}
demand_charge: {rate_usd_per_mw: 300.0}
"""

# Run in a subprocess; each finished step sleeps a little so the kill lands mid-way.
DRIVER = """\
import sys, time
from dispatch import Site, backtest, load_inputs
from dispatch.backtesting.store import CheckpointStore

def main():
    folder, out, pause = sys.argv[1], sys.argv[2], float(sys.argv[3])
    site = Site.from_yaml(f"{folder}/site.yaml")
    inputs = load_inputs(site, prices=f"{folder}/prices.csv", hashprice=55.0)

    def progress(done, total):
        print(f"{done}/{total}", flush=True)
        time.sleep(pause)

    backtest(site, inputs, "2026-03-05", "2026-03-13", out=out, progress=progress)

if __name__ == "__main__":
    main()
"""


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    (tmp_path / "site.yaml").write_text(SITE)
    index = pd.date_range("2026-03-05 06:00", periods=(DAYS + 1) * 24, freq="h", tz="UTC")
    rng = np.random.default_rng(11)
    price = np.round(45 + 50 * rng.standard_normal(len(index)).clip(-1, 3), 2)
    pd.DataFrame(
        {"interval_start_utc": index.strftime("%Y-%m-%dT%H:%M:%SZ"), "price": price}
    ).to_csv(tmp_path / "prices.csv", index=False)
    (tmp_path / "driver.py").write_text(DRIVER)
    return tmp_path


def load(folder: Path):  # type: ignore[no-untyped-def]
    site = Site.from_yaml(folder / "site.yaml")
    return site, load_inputs(site, prices=folder / "prices.csv", hashprice=55.0)


def records(out: Path) -> list[Path]:
    return sorted((out / "checkpoints").rglob("*.json"))


def test_kill_9_mid_way_then_resume_gives_the_uninterrupted_results(folder: Path) -> None:
    out = folder / "killed"
    proc = subprocess.Popen(
        [sys.executable, str(folder / "driver.py"), str(folder), str(out), "0.4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while len(records(out)) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read()
    finished = len(records(out))
    assert 3 <= finished < DAYS, "the kill must land mid-way"
    assert not (out / "scenarios").exists()  # the final outputs come only at the end

    site, inputs = load(folder)
    resumed = backtest(site, inputs, "2026-03-05", "2026-03-13", out=out)
    assert resumed.run["steps_from_checkpoints"] == finished
    assert resumed.run["steps_planned"] == DAYS - finished
    clean = backtest(site, inputs, "2026-03-05", "2026-03-13", out=folder / "clean")
    assert clean.run["steps_from_checkpoints"] == 0
    for name in ("intervals.parquet", "daily.parquet"):
        a = pd.read_parquet(out / "scenarios" / "base" / name)
        b = pd.read_parquet(folder / "clean" / "scenarios" / "base" / name)
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert len(a.index) == DAYS
    assert not list(out.rglob(".*.tmp")) and not (out / ".lock").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["state"] == "finished"
    assert len(manifest["scenarios"]["base"]["steps"]["optimise/all"]) == DAYS


def test_a_changed_input_replans_from_the_first_step_it_touches(folder: Path) -> None:
    site, inputs = load(folder)
    out = folder / "out"
    first = backtest(site, inputs, "2026-03-05", "2026-03-09", out=out)
    again = backtest(site, inputs, "2026-03-05", "2026-03-09", out=out)
    assert again.run["steps_from_checkpoints"] == 4
    pd.testing.assert_frame_equal(first.intervals(), again.intervals(), check_exact=True)
    # a price change on day 3 at noon: day 1's horizon (Mar 5 to Mar 7 00:00) does not hold
    # it and is reused; day 2's (Mar 6 to Mar 8) does, so day 2 onwards is planned again
    changed_at = pd.Timestamp("2026-03-07 12:00", tz="America/Chicago")
    price = inputs.price_usd_per_mwh.copy()
    price[changed_at] += 500.0
    edited = backtest(
        site, inputs.replace(price_usd_per_mwh=price), "2026-03-05", "2026-03-09", out=out
    )
    assert edited.run["steps_from_checkpoints"] == 1
    assert any("inputs_hash" in note for note in edited.run["notes"])
    fresh = backtest(site, inputs.replace(price_usd_per_mwh=price), "2026-03-05", "2026-03-09")
    pd.testing.assert_frame_equal(edited.intervals(), fresh.intervals(), check_exact=True)
    # a changed site replans everything
    bigger = Site.from_dict({**site.model_dump(mode="json"), "grid": {"import_limit_mw": 60.0}})
    replanned = backtest(bigger, inputs, "2026-03-05", "2026-03-09", out=out)
    assert replanned.run["steps_from_checkpoints"] == 0


def test_extending_the_end_date_reuses_the_steps_already_done(folder: Path) -> None:
    site, inputs = load(folder)
    out = folder / "out"
    backtest(site, inputs, "2026-03-05", "2026-03-08", out=out)
    longer = backtest(site, inputs, "2026-03-05", "2026-03-10", out=out)
    # the old last day held the battery at its target charge for the period's end: it is
    # planned again as an ordinary day; the two before it are reused
    assert site.battery is not None
    assert longer.run["steps_from_checkpoints"] == 2
    assert len(longer.daily) == 5


def test_one_backtest_at_a_time_per_folder(folder: Path) -> None:
    """The lock is a kernel lock on ``.lock`` (the pid in it is for the message only): a
    holder refuses the folder; a file left by a dead run is taken over."""
    site, inputs = load(folder)
    out = folder / "out"
    holder = CheckpointStore(out)
    holder.acquire()
    with pytest.raises(ConfigError, match="another backtest"):
        backtest(site, inputs, "2026-03-05", "2026-03-06", out=out)
    holder.release()
    (out / ".lock").write_text("999999999")  # a dead one: taken over
    r = backtest(site, inputs, "2026-03-05", "2026-03-06", out=out)
    assert r.run["steps_planned"] == 1


def test_ctrl_c_keeps_the_finished_steps(folder: Path) -> None:
    site, inputs = load(folder)
    out = folder / "out"

    def interrupt_after_two(done: int, total: int) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        backtest(site, inputs, "2026-03-05", "2026-03-09", out=out, progress=interrupt_after_two)
    assert not (out / ".lock").exists()
    resumed = backtest(site, inputs, "2026-03-05", "2026-03-09", out=out)
    assert resumed.run["steps_from_checkpoints"] == 2
    clean = backtest(site, inputs, "2026-03-05", "2026-03-09")
    pd.testing.assert_frame_equal(resumed.intervals(), clean.intervals(), check_exact=True)
