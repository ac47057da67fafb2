"""Checkpoints that cannot be trusted, the folder lock, and the files' modes.

Every step record carries checksums (its Parquet file's and its own): a damaged step is
planned again with a note, a damaged manifest is rebuilt from the records, and a resume
never ends in a traceback.  A run that fails before its first step leaves nothing behind;
two processes racing for a folder cannot both take it; files follow the umask.
"""

from __future__ import annotations

import json
import os
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

SITE = """\
name: checkpoint test
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
FROM, TO = "2026-03-05", "2026-03-08"  # three days


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    (tmp_path / "site.yaml").write_text(SITE)
    index = pd.date_range("2026-03-05 06:00", periods=4 * 24, freq="h", tz="UTC")
    rng = np.random.default_rng(5)
    price = np.round(45 + 40 * rng.standard_normal(len(index)).clip(-1, 3), 2)
    pd.DataFrame(
        {"interval_start_utc": index.strftime("%Y-%m-%dT%H:%M:%SZ"), "price": price}
    ).to_csv(tmp_path / "prices.csv", index=False)
    return tmp_path


def run(folder: Path, out: Path, **kwargs):  # type: ignore[no-untyped-def]
    site = Site.from_yaml(folder / "site.yaml")
    inputs = load_inputs(site, prices=folder / "prices.csv", hashprice=55.0)
    return backtest(site, inputs, FROM, TO, out=out, **kwargs)


def step_files(out: Path, suffix: str) -> list[Path]:
    return sorted((out / "checkpoints").rglob(f"*.{suffix}"))


def test_records_carry_checksums_of_their_files(folder: Path) -> None:
    out = folder / "out"
    run(folder, out)
    record = json.loads(step_files(out, "json")[0].read_text())
    assert len(record["parquet_sha256"]) == 64 and len(record["record_sha256"]) == 64


@pytest.mark.parametrize("damage", ["parquet", "record", "record_edited", "manifest"])
def test_a_damaged_checkpoint_is_replanned_and_said(folder: Path, damage: str) -> None:
    out = folder / "out"
    clean = run(folder, out)
    if damage == "parquet":
        step_files(out, "parquet")[1].write_bytes(b"PAR1 garbage, not a parquet file")
    elif damage == "record":
        step_files(out, "json")[1].write_bytes(b"\xff\xfe{garbage")
    elif damage == "record_edited":  # valid JSON, a number changed by hand
        path = step_files(out, "json")[1]
        record = json.loads(path.read_text())
        record["kept_profit_usd"] = 1e9
        path.write_text(json.dumps(record))
    else:
        (out / "manifest.json").write_text('{"format": 2, "scenarios": [trunc')
    resumed = run(folder, out)
    notes = " ".join(resumed.run["notes"])
    if damage == "manifest":
        assert "manifest.json was damaged" in notes and "rebuilt" in notes
        assert resumed.run["steps_from_checkpoints"] == 3
        manifest = json.loads((out / "manifest.json").read_text())
        assert len(manifest["scenarios"]["base"]["steps"]["optimise/all"]) == 3
    else:
        word = "unreadable" if damage == "record" else "does not match its checksum"
        assert word in notes and "planned again" in notes, notes
        # the chain resumes at the damaged step (day 2): day 1 reused, days 2 and 3 planned
        assert resumed.run["steps_from_checkpoints"] == 1
        assert resumed.run["steps_planned"] == 2
    pd.testing.assert_frame_equal(resumed.intervals(), clean.intervals(), check_exact=True)
    again = run(folder, out)  # repaired: everything verifies now
    assert again.run["steps_from_checkpoints"] == 3 and again.run["notes"] == []


def test_a_run_failing_before_its_first_step_leaves_nothing(folder: Path) -> None:
    out = folder / "new" / "out"
    with pytest.raises(ConfigError, match="scheduler"):
        run(folder, out, scheduler="nonsense://nowhere:1")
    assert not out.exists()
    with pytest.raises(ConfigError, match=r"mip_rel_gap: 1 is not a relative gap in \[0, 1\)"):
        run(folder, out, mip_rel_gap=1)
    assert not out.exists()
    out.mkdir(parents=True)  # an existing folder is kept, but gets no manifest
    with pytest.raises(ConfigError):
        run(folder, out, scheduler="nonsense://nowhere:1")
    assert list(out.iterdir()) == []


RACER = """\
import os, sys, time
from pathlib import Path
from dispatch.backtesting.store import CheckpointStore
from dispatch.errors import ConfigError
out, barrier, me = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
store = CheckpointStore(out)
(barrier / f"ready-{me}").touch()
go = barrier / "go"
while not go.exists():  # spin: every racer leaves this loop within a few ms of the others
    pass
try:
    store.acquire()
except ConfigError as exc:
    print("refused", exc, flush=True)
else:
    print("took", flush=True)
    time.sleep(3.0)  # held while the others try
    store.release()
"""


def test_two_processes_racing_for_the_lock_cannot_both_take_it(tmp_path: Path) -> None:
    out, barrier = tmp_path / "out", tmp_path / "barrier"
    barrier.mkdir()
    (tmp_path / "racer.py").write_text(RACER)
    procs = [
        subprocess.Popen(
            [sys.executable, str(tmp_path / "racer.py"), str(out), str(barrier), str(k)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for k in range(4)
    ]
    deadline = time.monotonic() + 90
    while len(list(barrier.glob("ready-*"))) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    (barrier / "go").touch()  # all four imported and spinning: go
    answers = [p.communicate(timeout=60)[0] for p in procs]
    assert sum(a.startswith("took") for a in answers) == 1, answers
    assert sum("another backtest" in a for a in answers) == 3, answers
    assert not (out / ".lock").exists()


def test_a_dead_runs_lock_is_taken_over_and_a_live_one_refused(folder: Path) -> None:
    out = folder / "out"
    out.mkdir()
    (out / ".lock").write_text("999999999")  # left by a run killed with kill -9
    assert run(folder, out).run["steps_planned"] == 3
    holder = CheckpointStore(out)
    holder.acquire()  # held (by this process, as another backtest would)
    try:
        with pytest.raises(ConfigError, match=f"another backtest \\(process {os.getpid()}\\)"):
            run(folder, out)
    finally:
        holder.release()


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_backtest_files_follow_the_umask(folder: Path, umask: int) -> None:
    out = folder / "out"
    old = os.umask(umask)
    try:
        run(folder, out)
    finally:
        os.umask(old)
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) > 8
    modes = {oct(p.stat().st_mode & 0o777) for p in files}
    assert modes == {oct(0o666 & ~umask)}, modes


def test_taking_over_removes_the_half_written_manifest_of_a_killed_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "checkpoints").mkdir(parents=True)
    left = [out / ".manifest.json.x1y2z3.tmp", out / "checkpoints" / ".step.json.a1b2.tmp"]
    for path in left:
        path.write_text("{half")  # what a kill -9 during atomic_path leaves
    (out / "notes.txt").write_text("kept")
    store = CheckpointStore(out)
    store.acquire()
    try:
        assert not any(path.exists() for path in left)
        assert (out / "notes.txt").read_text() == "kept"
    finally:
        store.release()


def test_the_next_steps_are_handed_out_before_the_finished_ones_are_written(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chain's next steps go to the executor first, then this process writes the
    finished steps' files: the worker does not wait for the disk (~40 ms a step on a
    shared machine's disk).  Results are the same."""
    import dispatch.backtesting.rolling as rolling

    events: list[str] = []
    real_step, real_save = rolling.run_step, CheckpointStore.save

    def traced_step(task):  # type: ignore[no-untyped-def]
        events.append(f"plan {task.end.date()}")
        return real_step(task)

    def traced_save(self, scenario, mode, chain, step, *args):  # type: ignore[no-untyped-def]
        events.append(f"save {step.end.date()}")
        return real_save(self, scenario, mode, chain, step, *args)

    monkeypatch.setattr(rolling, "run_step", traced_step)
    monkeypatch.setattr(CheckpointStore, "save", traced_save)
    r = run(folder, folder / "out")  # one worker: the steps run inside submit
    assert sorted(events) == sorted(
        f"{what} 2026-03-0{day}" for what in ("plan", "save") for day in (6, 7, 8)
    )
    for day in (6, 7):  # step k's files come after step k+1 was handed out
        assert events.index(f"save 2026-03-0{day}") > events.index(f"plan 2026-03-0{day + 1}")
    monkeypatch.undo()
    plain = run(folder, folder / "plain")
    pd.testing.assert_frame_equal(r.intervals(), plain.intervals(), check_exact=True)


def counting_executor(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Patch the runner's executor: steps run here; returns the steps of each task."""
    from contextlib import contextmanager

    import dispatch.backtesting.runner as runner
    from dispatch.backtesting.executors import SerialExecutor

    sizes: list[int] = []

    class Counting(SerialExecutor):
        def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
            sizes.append(len(args[1]))  # run_steps(state, tasks)
            return super().submit(fn, *args, **kwargs)

    @contextmanager
    def open_executor(workers=1, scheduler=None):  # type: ignore[no-untyped-def]
        yield Counting(), 1

    monkeypatch.setattr(runner, "open_executor", open_executor)
    monkeypatch.setattr(runner, "TASK_TARGET_S", 1e6)  # any step is fast
    return sizes


def test_fast_steps_go_to_the_executor_a_few_at_a_time(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a chain's first step (timed alone: it builds the model), its next steps share
    one task, each planned from the state the one before handed on: identical results."""
    sizes = counting_executor(monkeypatch)
    r = run(folder, folder / "out")
    assert sizes == [1, 2]
    assert len(step_files(folder / "out", "json")) == 3
    monkeypatch.undo()
    plain = run(folder, folder / "plain")
    pd.testing.assert_frame_equal(r.intervals(), plain.intervals(), check_exact=True)
    assert r.steps["objective_usd"].tolist() == plain.steps["objective_usd"].tolist()


def test_a_step_failing_inside_a_batch_fails_as_itself_after_the_others_are_saved(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dispatch.backtesting.rolling as rolling
    from dispatch.errors import DataError

    sizes = counting_executor(monkeypatch)
    real_step = rolling.run_step

    def failing(task):  # type: ignore[no-untyped-def]
        if task.end.date().isoformat() == "2026-03-08":
            raise DataError("the third step's own problem")
        return real_step(task)

    monkeypatch.setattr(rolling, "run_step", failing)
    with pytest.raises(DataError, match="the third step's own problem"):
        run(folder, folder / "out")
    assert sizes == [1, 2, 1]  # the failed step planned again alone
    assert [p.stem for p in step_files(folder / "out", "json")] == ["2026-03-05", "2026-03-06"]


def test_a_finished_step_is_written_even_when_handing_out_the_next_fails(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import concurrent.futures as cf
    from contextlib import contextmanager

    import dispatch.backtesting.runner as runner

    class Refusing(cf.Executor):  # a scheduler that goes away after the first step
        def __init__(self) -> None:
            self.n = 0

        def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
            self.n += 1
            if self.n > 1:
                raise ConnectionError("scheduler gone")
            future: cf.Future = cf.Future()
            future.set_result(fn(*args, **kwargs))
            return future

    @contextmanager
    def open_executor(workers=1, scheduler=None):  # type: ignore[no-untyped-def]
        yield Refusing(), 1

    monkeypatch.setattr(runner, "open_executor", open_executor)
    with pytest.raises(ConnectionError):
        run(folder, folder / "out")
    assert [p.stem for p in step_files(folder / "out", "json")] == ["2026-03-05"]


def test_step_frames_are_written_as_to_parquet_writes_them(tmp_path: Path) -> None:
    """The checkpoint writer reuses the Arrow schema of a column layout it has seen; the
    files stay byte for byte what ``DataFrame.to_parquet`` writes (NaN, inf, counts, flags,
    a new layout) and read back as the frames written."""
    import io

    from dispatch.backtesting.store import StepParquet

    index = pd.date_range("2023-03-12", periods=23, freq="h", tz="America/Chicago")
    writer = StepParquet()
    for k in range(4):
        frame = pd.DataFrame(
            {
                "x_mw": np.where(np.arange(23) % 5 == k, np.nan, np.arange(23.0) * 1.5),
                "profit_usd": np.r_[-np.inf if k else np.inf, np.zeros(22)],
                "f_containers_on": np.arange(23, dtype=np.int64),
                "dr_e_active": np.arange(23) % 2 == 0,
                **({"late_mw": np.ones(23)} if k == 3 else {}),
            },
            index=(index + pd.Timedelta(days=k)).rename("interval_start"),
        )
        writer.write(frame, tmp_path / f"{k}.parquet")
        expected = io.BytesIO()
        frame.to_parquet(expected)
        assert (tmp_path / f"{k}.parquet").read_bytes() == expected.getvalue()
        back = pd.read_parquet(tmp_path / f"{k}.parquet")
        pd.testing.assert_frame_equal(back, frame, check_exact=True, check_freq=False)
