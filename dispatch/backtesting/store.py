"""Checkpoints: every finished step on disk as it completes, so a backtest can resume.

Layout under the output folder::

    manifest.json                                   index: scenarios, chains, finished steps
    checkpoints/<scenario>/<mode>/<chain>/<step>.parquet   the step's kept intervals
    checkpoints/<scenario>/<mode>/<chain>/<step>.json      its end state, status, timings, hash

Every file is written atomically (temporary file, then rename), the Parquet file before its
JSON record, so a step counts as finished exactly when its JSON record exists.  The record
holds a **hash** of everything the step's result depends on: the scenario's site, options
and code version, the step's input window (values and timestamps), its mode, and the state
it started from.  On a re-run a step is reused only when the hash recomputed from the
current configuration matches, so a changed site, input file or option never silently
reuses stale results (the step is planned again and its files replaced), and a run
extended to a later end date reuses every step whose inputs did not change.

The manifest is an index for people and tools (rewritten atomically, at most once a
second, and at the end); the JSON records are what resuming trusts.  One backtest writes to
a folder at a time (a ``.lock`` file holds its process id; a dead process's lock is taken
over).
"""

from __future__ import annotations

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
from dispatch.files import atomic_path, atomic_write_text
from dispatch.inputs import Inputs
from dispatch.state import SiteState

FORMAT = 1
MANIFEST_INTERVAL_S = 1.0
LOCK = ".lock"


def digest(obj: Any) -> str:
    """SHA-256 of a JSON-serialisable object (keys sorted)."""
    text = json.dumps(obj, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def inputs_digest(inputs: Inputs) -> str:
    """SHA-256 of every input series' values and timestamps (column names included)."""
    frame = inputs.to_frame()
    h = hashlib.sha256()
    h.update(json.dumps(list(frame.columns)).encode())
    h.update(str(frame.index.tz).encode())
    h.update(frame.index.as_unit("ns").asi8.tobytes())
    h.update(np.ascontiguousarray(frame.to_numpy(dtype=float)).tobytes())
    return h.hexdigest()


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
        self._last_write = 0.0
        self.previous = self._read_manifest()

    def acquire(self) -> None:
        """Take the folder for this run: one backtest writes to a folder at a time.

        A lock left by a run that died (``kill -9``) is taken over, and the temporary files
        it may have left half-written are removed.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        lock = self.root / LOCK
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                pid = int(lock.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and pid != os.getpid() and _alive(pid):
                raise ConfigError(
                    f"{self.root}: another backtest (process {pid}) is writing to this folder; "
                    f"wait for it, or remove {lock} if that process is not a backtest"
                ) from None
            fd = os.open(lock, os.O_WRONLY | os.O_TRUNC)
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        for tmp in (self.root / "checkpoints").rglob(".*.tmp"):
            tmp.unlink(missing_ok=True)

    def release(self) -> None:
        (self.root / LOCK).unlink(missing_ok=True)

    def _read_manifest(self) -> dict[str, Any]:
        if not self.manifest_path.exists():
            return {}
        try:
            return json.loads(self.manifest_path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise DataError(f"{self.manifest_path}: cannot read the manifest ({exc})") from None

    def chain_dir(self, scenario: str, mode: str, chain: str) -> Path:
        return self.root / "checkpoints" / safe_name(scenario) / mode / chain

    def paths(self, scenario: str, mode: str, chain: str, step: Step) -> tuple[Path, Path]:
        folder = self.chain_dir(scenario, mode, chain)
        return folder / f"{step.id}.parquet", folder / f"{step.id}.json"

    def load(
        self, scenario: str, mode: str, chain: str, step: Step, step_hash: str
    ) -> dict[str, Any] | None:
        """The step's record when it finished under the same hash, else None."""
        parquet, record_path = self.paths(scenario, mode, chain, step)
        if not record_path.exists():
            return None
        try:
            record = json.loads(record_path.read_text())
        except (OSError, json.JSONDecodeError):
            return None  # written atomically, so only a foreign file could be unreadable
        if record.get("hash") != step_hash:
            return None
        if record.get("parquet") and not parquet.exists():
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
                outcome.frame.to_parquet(tmp)
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
            **outcome.summary(),
            "state_out": outcome.state_out.to_dict(),
        }
        atomic_write_text(record_path, json.dumps(record, indent=1))
        return record

    def read_frame(self, scenario: str, mode: str, chain: str, step: Step) -> pd.DataFrame:
        return pd.read_parquet(self.paths(scenario, mode, chain, step)[0])

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
        self.flush(force=False)

    def flush(self, *, force: bool = True, **fields: Any) -> None:
        """Rewrite the manifest (atomically); throttled unless ``force``."""
        self.manifest.update(fields)
        now = time.monotonic()
        if not force and now - self._last_write < MANIFEST_INTERVAL_S:
            return
        self.manifest["updated_utc"] = pd.Timestamp.now(tz="UTC").isoformat()
        atomic_write_text(self.manifest_path, json.dumps(self.manifest, indent=1, default=str))
        self._last_write = now


def state_digest(state: SiteState) -> str:
    return digest(state.to_dict())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True
