"""Checkpoints: every finished step on disk as it completes, so a backtest can resume.

Layout under the output folder::

    manifest.json                                   index: scenarios, chains, finished steps
    checkpoints/<scenario>/<mode>/<chain>/<step>.parquet   the step's kept intervals
    checkpoints/<scenario>/<mode>/<chain>/<step>.json      its end state, status, timings, hash

Every file is written atomically (temporary file, then rename), the Parquet file before its
JSON record, so a step counts as finished exactly when its JSON record exists.  The record
carries **checksums**: the SHA-256 of the step's Parquet file (``parquet_sha256``) and of
the record itself without that field (``record_sha256``, over its canonical JSON).  A step
whose record is unreadable, or whose files do not match their checksums (a disk or copy
error, a file edited by hand), is not trusted: it is planned again, and the run says so in
a note.  The record also holds a **hash** of everything the step's result depends on: the
scenario's site, options and code version, the step's input window (values and
timestamps), its mode, and the state it started from.  On a re-run a step is reused only
when the hash recomputed from the current configuration matches, so a changed site, input
file or option never silently reuses stale results (the step is planned again and its files
replaced), and a run extended to a later end date reuses every step whose inputs did not
change.

The manifest is an index for people and tools (rewritten atomically, at most once a
second, and at the end); the JSON records are what resuming trusts, so a damaged
``manifest.json`` is set aside with a note and rebuilt from the records.  It is first
written when the first step is recorded (reused or planned): a run that fails before
that (a bad scheduler address, a bad option) leaves no manifest behind, and removes the
output folder if it made it and nothing else is in it.

One backtest writes to a folder at a time.  Taking the folder is atomic: on POSIX the
``.lock`` file is held with an exclusive ``flock`` (the kernel drops it when the process
dies, even by ``kill -9``, so a dead run's lock is simply taken over; two processes racing
for it cannot both win); elsewhere it is created with ``O_CREAT | O_EXCL``.  The file holds
the owner's process id, for the message the loser gets.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dispatch.backtesting.calendar import Step
from dispatch.backtesting.rolling import StepOutcome
from dispatch.errors import ConfigError, DataError
from dispatch.files import atomic_path, atomic_write_text, strict_json
from dispatch.inputs import Inputs
from dispatch.state import SiteState

FORMAT = 2  # 2: records carry parquet_sha256 and record_sha256
MANIFEST_INTERVAL_S = 1.0
LOCK = ".lock"


def digest(obj: Any) -> str:
    """SHA-256 of a JSON-serialisable object (keys sorted)."""
    text = json.dumps(obj, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def inputs_digest(inputs: Inputs) -> str:
    """SHA-256 of every input series' values and timestamps (column names included).

    The bytes hashed are those of :meth:`Inputs.to_frame` as a float matrix (one row per
    interval), gathered without building the frame (a backtest hashes every step's window).
    """
    columns = inputs.columns()
    index = inputs.index
    h = hashlib.sha256()
    h.update(json.dumps(list(columns)).encode())
    h.update(str(index.tz).encode())
    h.update(index.as_unit("ns").asi8.tobytes())
    matrix = np.empty((len(index), len(columns)))
    for k, values in enumerate(columns.values()):
        matrix[:, k] = values
    h.update(matrix.tobytes())
    return h.hexdigest()


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def record_checksum(record: dict[str, Any]) -> str:
    """SHA-256 of a record's canonical JSON, without its own ``record_sha256`` field."""
    body = {k: v for k, v in record.items() if k != "record_sha256"}
    return digest(body)


def safe_name(name: str) -> str:
    """A folder name for a scenario: letters, digits, ``._=-`` only; long names shortened."""
    clean = re.sub(r"[^A-Za-z0-9._=-]+", "_", name).strip("_") or "scenario"
    if len(clean) > 80:
        clean = f"{clean[:60]}_{hashlib.sha256(name.encode()).hexdigest()[:12]}"
    return clean


class CheckpointStore:
    """Step records and the manifest under ``root`` (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.manifest_path = self.root / "manifest.json"
        self.manifest: dict[str, Any] = {"format": FORMAT, "scenarios": {}}
        self.notes: list[str] = []  # damaged checkpoints found, for the run's notes
        self._last_write = 0.0
        self._lock_fd: int | None = None
        self._made_root = False
        self._steps_recorded = 0
        self._manifest_existed = self.manifest_path.exists()
        self.previous = self._read_manifest()
        self._parquet = StepParquet()

    def acquire(self) -> None:
        """Take the folder for this run: one backtest writes to a folder at a time.

        A lock left by a run that died (``kill -9``) is taken over, and the temporary files
        it may have left half-written are removed.
        """
        self._made_root = not self.root.exists()
        self.root.mkdir(parents=True, exist_ok=True)
        lock = self.root / LOCK
        if _HAS_FLOCK:
            self._lock_fd = _flock(lock, self.root)
        else:  # pragma: no cover - Windows
            self._lock_fd = _exclusive_create(lock, self.root)
        os.ftruncate(self._lock_fd, 0)
        os.write(self._lock_fd, str(os.getpid()).encode())
        # the manifest's own temporary (atomic_path) sits in the root, the steps' below
        left = [p for p in self.root.glob(".*.tmp") if p.is_file()]
        for tmp in [*left, *(self.root / "checkpoints").rglob(".*.tmp")]:
            tmp.unlink(missing_ok=True)

    def release(self, *, failed: bool = False) -> None:
        """Give the folder up.  ``failed`` before any step was recorded: leave no trace
        (the folder itself is removed if this run made it and it is empty)."""
        (self.root / LOCK).unlink(missing_ok=True)
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        if failed and not self.started and self._made_root:
            with contextlib.suppress(OSError):
                self.root.rmdir()  # only when empty

    @property
    def started(self) -> bool:
        """Whether any step was recorded (so the manifest was written)."""
        return self._steps_recorded > 0

    def _read_manifest(self) -> dict[str, Any]:
        if not self.manifest_path.exists():
            return {}
        try:
            doc = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            if not isinstance(doc, dict) or not isinstance(doc.get("scenarios", {}), dict):
                raise ValueError("not a manifest")
            return doc
        except (OSError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError too
            self.notes.append(
                f"{self.manifest_path} was damaged ({_short(exc)}): rebuilt from the step "
                "records (the steps themselves are checked one by one)"
            )
            return {}

    def chain_dir(self, scenario: str, mode: str, chain: str) -> Path:
        return self.root / "checkpoints" / safe_name(scenario) / mode / chain

    def paths(self, scenario: str, mode: str, chain: str, step: Step) -> tuple[Path, Path]:
        folder = self.chain_dir(scenario, mode, chain)
        return folder / f"{step.id}.parquet", folder / f"{step.id}.json"

    def load(
        self, scenario: str, mode: str, chain: str, step: Step, step_hash: str
    ) -> dict[str, Any] | None:
        """The step's record when it finished under the same hash and its files verify,
        else None (a damaged step is noted in :attr:`notes` and planned again)."""
        parquet, record_path = self.paths(scenario, mode, chain, step)
        if not record_path.exists():
            return None
        where = f"checkpoint {scenario} {mode} {chain} {step.id}"
        try:
            record = json.loads(record_path.read_bytes().decode("utf-8"))
            if not isinstance(record, dict):
                raise ValueError("not a record")
        except (OSError, ValueError) as exc:
            self.notes.append(f"{where}: record unreadable ({_short(exc)}); planned again")
            return None
        if record.get("hash") != step_hash:
            return None  # a different configuration: replanned, and the driver says why
        if record.get("record_sha256") != record_checksum(record):
            self.notes.append(f"{where}: record does not match its checksum; planned again")
            return None
        if record.get("parquet"):
            try:
                ok = file_sha256(parquet) == record.get("parquet_sha256")
            except OSError:
                self.notes.append(f"{where}: {parquet.name} is missing; planned again")
                return None
            if not ok:
                self.notes.append(
                    f"{where}: {parquet.name} does not match its checksum; planned again"
                )
                return None
        return record

    def save(
        self,
        scenario: str,
        mode: str,
        chain: str,
        step: Step,
        step_hash: str,
        outcome: StepOutcome,
    ) -> dict[str, Any]:
        """Write the step's Parquet (unless a warm-up) then its JSON record; return the record."""
        parquet, record_path = self.paths(scenario, mode, chain, step)
        if outcome.frame is not None:
            with atomic_path(parquet) as tmp:
                self._parquet.write(outcome.frame, tmp)
        record = {
            "format": FORMAT,
            "hash": step_hash,
            "scenario": scenario,
            "mode": mode,
            "chain": chain,
            "step": step.id,
            "start": step.start.isoformat(),
            "end": step.end.isoformat(),
            "horizon_end": step.horizon_end.isoformat(),
            "warmup": step.warmup,
            "parquet": parquet.name if outcome.frame is not None else None,
            "parquet_sha256": file_sha256(parquet) if outcome.frame is not None else None,
            **outcome.summary(),
            "state_out": outcome.state_out.to_dict(),
        }
        record = json.loads(strict_json(record))  # what a reader gets back: None for NaN
        record["record_sha256"] = record_checksum(record)
        atomic_write_text(record_path, strict_json(record, indent=1))
        return record

    def read_frame(self, scenario: str, mode: str, chain: str, step: Step) -> pd.DataFrame:
        path = self.paths(scenario, mode, chain, step)[0]
        try:
            return pd.read_parquet(path)
        except (OSError, ValueError) as exc:  # pyarrow's errors are ValueErrors or OSErrors
            raise DataError(
                f"{path}: cannot read this checkpoint ({_short(exc)}); run the same command "
                "again: a step whose files do not verify is planned again"
            ) from None

    # -- manifest -------------------------------------------------------------------------
    def describe_scenario(self, name: str, info: dict[str, Any]) -> str | None:
        """Register a scenario; return why it differs from the previous run's, if it does."""
        before = self.previous.get("scenarios", {}).get(name)
        self.manifest["scenarios"][name] = {**info, "steps": {}}
        if before is None or before.get("config_hash") == info.get("config_hash"):
            return None
        changed = [
            k
            for k in ("site_hash", "inputs_hash", "options_hash", "start", "end")
            if before.get(k) != info.get(k)
        ]
        return ", ".join(changed) or "configuration"

    def record_step(self, scenario: str, chain_key: str, step_id: str, step_hash: str) -> None:
        steps = self.manifest["scenarios"][scenario]["steps"]
        steps.setdefault(chain_key, {})[step_id] = step_hash[:16]
        self._steps_recorded += 1
        self.flush(force=self._steps_recorded == 1)

    def flush(self, *, force: bool = True, **fields: Any) -> None:
        """Rewrite the manifest (atomically); throttled unless ``force``.

        Nothing is written before the first step is recorded, unless a manifest was there
        already (it is then kept in step with this run)."""
        self.manifest.update(fields)
        if not (self.started or self._manifest_existed):
            return
        now = time.monotonic()
        if not force and now - self._last_write < MANIFEST_INTERVAL_S:
            return
        self.manifest["updated_utc"] = pd.Timestamp.now(tz="UTC").isoformat()
        atomic_write_text(self.manifest_path, strict_json(self.manifest, indent=1))
        self._last_write = now


class StepParquet:
    """Writes step frames as ``DataFrame.to_parquet`` does, byte for byte, at a third of the
    cost: pandas' conversion to Arrow (per column: its dtype, its metadata) is done once per
    column layout, and later frames of the same layout go straight from their NumPy arrays
    into that schema (a backtest writes every step's frame: this was a third of its own
    process's time in a sweep)."""

    def __init__(self) -> None:
        self._schemas: dict[tuple, Any] = {}

    def write(self, frame: pd.DataFrame, path: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        key = (
            tuple(frame.columns),
            tuple(str(t) for t in frame.dtypes),
            frame.index.name,
            str(frame.index.dtype),
            bool(frame.attrs),
        )
        schema = self._schemas.get(key)
        plain = isinstance(frame.index, pd.DatetimeIndex) and not frame.attrs
        if schema is None or not plain:
            table = pa.Table.from_pandas(frame)
            if (
                plain
                and frame.columns.is_unique
                and all(isinstance(t, np.dtype) and t.kind in "fiub" for t in frame.dtypes)
            ):
                self._schemas[key] = table.schema
        else:
            arrays = [
                pa.array(frame[name].to_numpy(), type=schema.field(k).type, from_pandas=True)
                for k, name in enumerate(frame.columns)
            ]
            arrays.append(pa.array(frame.index, type=schema.field(len(arrays)).type))
            table = pa.Table.from_arrays(arrays, schema=schema)
        pq.write_table(table, path, compression="snappy")


def state_digest(state: SiteState) -> str:
    return digest(state.to_dict())


def _short(exc: BaseException, limit: int = 120) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


try:
    import fcntl

    _HAS_FLOCK = True
except ImportError:  # pragma: no cover - Windows
    _HAS_FLOCK = False


def _busy(lock: Path, root: Path) -> ConfigError:
    try:
        pid = lock.read_text().strip()
    except OSError:
        pid = ""
    who = f"process {pid}" if pid.isdigit() else "another process"
    return ConfigError(
        f"{root}: another backtest ({who}) is writing to this folder; wait for it to finish, "
        "or use another --out"
    )


def _flock(lock: Path, root: Path) -> int:
    """Open ``lock`` and hold an exclusive ``flock`` on it; return its descriptor.

    The lock belongs to the open file, so the kernel releases it when the owner dies.  A
    file unlinked by its releasing owner between our open and our flock is retried (the
    inode we locked must still be the one at ``lock``)."""
    for _ in range(50):
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise _busy(lock, root) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)
    raise ConfigError(
        f"{root}: cannot take {lock}: it keeps changing; try again"
    )  # pragma: no cover


def _exclusive_create(lock: Path, root: Path) -> int:  # pragma: no cover - Windows
    """Without ``flock``: create ``lock`` with O_EXCL; a dead owner's lock is removed first."""
    for _ in range(2):
        try:
            return os.open(lock, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o666)
        except FileExistsError:
            try:
                pid = int(lock.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and _alive(pid):
                raise _busy(lock, root) from None
            lock.unlink(missing_ok=True)
    raise _busy(lock, root)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True
