"""Pool workers exit when their backtest dies: after ``kill -9`` of the main process (no
cleanup runs) its worker processes (and the fork server) are gone within a few seconds;
they used to live on at ~530 MB each."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SITE = """\
name: orphan test
timezone: UTC
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

DRIVER = """\
import sys, time
from dispatch import Site, backtest, load_inputs

def main():
    folder = sys.argv[1]
    site = Site.from_yaml(f"{folder}/site.yaml")
    inputs = load_inputs(site, prices=f"{folder}/prices.csv", hashprice=55.0)

    def progress(done, total):
        print(f"{done}/{total}", flush=True)
        time.sleep(1.0)  # keep the run going while the test kills it

    backtest(site, inputs, "2026-03-01", "2026-03-20", workers=2, chunk=5,
             out=f"{folder}/out", progress=progress)

if __name__ == "__main__":
    main()
"""


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def running(pid: int) -> bool:
    """Alive and not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_kill_9_of_a_backtest_takes_its_pool_workers_with_it(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(SITE)
    index = pd.date_range("2026-03-01", periods=21 * 24, freq="h", tz="UTC")
    price = np.round(45 + 40 * np.random.default_rng(1).standard_normal(len(index)), 2)
    pd.DataFrame({"interval_start_utc": index.strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "price": price}).to_csv(tmp_path / "prices.csv", index=False)  # fmt: skip
    (tmp_path / "driver.py").write_text(DRIVER)
    proc = subprocess.Popen(
        [sys.executable, str(tmp_path / "driver.py"), str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # the first progress call: the pool is being started
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while time.monotonic() < deadline and len(workers) < 2:
            line = proc.stdout.readline()  # a step done: the workers exist
            workers = descendants(proc.pid)
        assert len(workers) >= 2, (line, proc.stderr.read() if proc.poll() is not None else "")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    t0 = time.monotonic()
    while any(running(p) for p in workers) and time.monotonic() - t0 < 10:
        time.sleep(0.1)
    left = [p for p in workers if running(p)]
    for pid in left:  # do not leave them behind if the test fails
        os.kill(pid, signal.SIGKILL)
    assert not left, f"{len(left)} of {len(workers)} worker processes outlived their backtest"
    assert time.monotonic() - t0 < 5
