"""The chain runner: run chains of steps on an executor, each step with the state the
previous one handed on, resuming each chain from its checkpoints.

A chain (:mod:`dispatch.backtesting.calendar`) is a run of consecutive steps of one scenario
in one mode.  :class:`ChainRun` holds its progress: :meth:`ChainRun.prepare` skips the steps
already finished under the same hash (:mod:`dispatch.backtesting.store`), and
:meth:`ChainRun.task` makes the next step's task.  :func:`run_chains` keeps at most as many
chains running as the executor runs tasks (:mod:`dispatch.backtesting.executors`); within a
chain, the next step is submitted when the previous one returns, with its end state.  This
process alone writes files.  Which scenarios and modes there are, the manifest and the
results are the driver's (:mod:`dispatch.backtesting.driver`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from dispatch.backtesting.calendar import Chain, Step
from dispatch.backtesting.executors import open_executor
from dispatch.backtesting.rolling import PlanOptions, StepOutcome, StepTask, run_steps
from dispatch.backtesting.settle import RtRule
from dispatch.backtesting.store import CheckpointStore, digest, inputs_digest, state_digest
from dispatch.backtesting.sweep import Scenario
from dispatch.errors import ClusterLost, DataError, DispatchError
from dispatch.inputs import Inputs
from dispatch.state import SiteState
from dispatch.version import __version__

Progress = Callable[[int, int], None]

#: A task holds about this many seconds of a chain's planning (by its recent steps)...
TASK_TARGET_S = 0.5
#: ... and at most this many steps: a process pool's or a Dask cluster's cost per task
#: (serialising, scheduling, the round trip: ~10 ms CPU on Dask) is then a few per cent of
#: a fast step's, while a slow step still goes alone and is saved as it finishes.
MAX_STEPS_PER_TASK = 16


@dataclass(frozen=True)
class RunConfig:
    """How every step of a run is planned and settled (part of each step's hash)."""

    step: pd.Timedelta
    lookahead: pd.Timedelta
    chunk: str | int | None
    settle: bool
    rt_rule: RtRule | None
    options: PlanOptions
    demand_charge: str = "prorate"

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": str(self.step),
            "lookahead": str(self.lookahead),
            "chunk": self.chunk,
            "settle_rt": self.settle,
            "rt_rule": None if self.rt_rule is None else self.rt_rule.to_dict(),
            "options": self.options.to_dict(),
            "demand_charge": self.demand_charge,
            "dispatch_version": __version__,
        }


@dataclass
class ChainRun:
    """A chain's progress: the next step to plan and the state it starts from."""

    scenario: Scenario
    mode: str
    chain: Chain
    start_state: SiteState = field(default_factory=SiteState)
    state: SiteState = field(default_factory=SiteState)
    next: int = 0
    # kept rows of the steps planned in this run, by step id, until the driver assembles them
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)
    _site_hash: str = ""
    _step_s: float | None = None  # recent seconds per step in a worker (sizes the batches)
    _alone: bool = False  # the next step goes on its own (one failed inside a batch)

    @property
    def key(self) -> str:
        return f"{self.mode}/{self.chain.label}"

    @property
    def finished(self) -> bool:
        return self.next >= len(self.chain.steps)

    def window(self, step: Step) -> Inputs:
        w = self.scenario.inputs.window(step.start, step.horizon_end)
        dt = pd.Timedelta(minutes=self.scenario.site.interval_minutes)
        if w.index[0] != step.start or w.index[-1] + dt != step.horizon_end:
            raise DataError(
                f"scenario {self.scenario.name}: the inputs do not cover {step.start} to "
                f"{step.horizon_end} without gaps"
            )
        return w

    def step_hash(self, config: RunConfig, step: Step, window: Inputs) -> str:
        if not self._site_hash:
            self._site_hash = digest(
                {"site": self.scenario.site.model_dump(mode="json"), "config": config.to_dict()}
            )
        battery = self.scenario.site.battery
        holds = battery is not None and battery.end_soc_at_least_initial
        return digest(
            {
                "site_config": self._site_hash,
                "inputs": inputs_digest(window),
                "mode": self.mode,
                "end": step.end.isoformat(),
                "warmup": step.warmup,
                # the period's last step holds the battery's target: only then it matters
                "last": holds and step.end >= self.scenario.end,
                "state": state_digest(self.state),
            }
        )

    def prepare(self, config: RunConfig, store: CheckpointStore | None) -> None:
        """Start from the chain's state; skip the steps already finished under the same hash."""
        self.state = self.start_state
        self.next = 0
        if store is None:
            return
        for step in self.chain.steps:
            h = self.step_hash(config, step, self.window(step))
            record = store.load(self.scenario.name, self.mode, self.chain.label, step, h)
            if record is None:
                return
            self.state = SiteState.from_dict(record["state_out"])
            self.log.append(_log_row(self, step, record, from_checkpoint=True))
            store.record_step(self.scenario.name, self.key, step.id, h)
            self.next += 1

    def batch_size(self) -> int:
        """How many of the chain's next steps go in one task: about
        :data:`TASK_TARGET_S` of planning by the chain's recent steps, at most
        :data:`MAX_STEPS_PER_TASK`; one until a step was timed (the first builds the model)."""
        left = len(self.chain.steps) - self.next
        if self._alone or self._step_s is None:
            return 1
        wanted = int(TASK_TARGET_S / max(self._step_s, 1e-3))
        return max(1, min(wanted, MAX_STEPS_PER_TASK, left))

    def tasks(self, config: RunConfig) -> tuple[list[StepTask], list[Inputs]]:
        """The chain's next steps' tasks (:func:`run_steps` hands each its state) and input
        windows (for their hashes once their states are known)."""
        tasks, windows = [], []
        for step in self.chain.steps[self.next : self.next + self.batch_size()]:
            window = self.window(step)
            tasks.append(
                StepTask(
                    site=self.scenario.site,
                    inputs=window,
                    state=self.state,
                    end=step.end,
                    mode=self.mode,
                    settle=config.settle,
                    rt_rule=config.rt_rule,
                    options=config.options,
                    warmup=step.warmup,
                    demand_charge=config.demand_charge,
                    last=step.end >= self.scenario.end,
                )
            )
            windows.append(window)
        return tasks, windows

    def timed(self, outcome: StepOutcome) -> None:
        """Fold a step's time in the worker into the chain's recent seconds per step."""
        seconds = float(outcome.timings_s.get("step_s", 0.0))
        self._step_s = seconds if self._step_s is None else 0.5 * (self._step_s + seconds)


def run_chains(
    runs: list[ChainRun],
    config: RunConfig,
    store: CheckpointStore | None,
    *,
    workers: int,
    scheduler: Any,
    progress: Progress | None,
    done: int,
    total: int,
    on_finished: Callable[[ChainRun], None] | None = None,
) -> None:
    """Run every unfinished chain, at most ``capacity`` at once, one step at a time.

    ``done`` of the ``total`` steps are finished already (from checkpoints); ``progress`` is
    called with the count after each step, and once at the start; ``on_finished(run)`` when
    a chain's last step is recorded (the chains waiting have been handed out first, so the
    workers are busy meanwhile).  A step's checkpoint is written after its chain's next step
    was submitted: the worker plans on while this process writes.
    """
    if progress is not None:
        progress(done, total)
    waiting = [r for r in runs if not r.finished]
    if not waiting:
        return
    try:
        _run(waiting, config, store, workers, scheduler, progress, done, total, on_finished)
    except Exception as exc:
        if scheduler is None or not _cluster_lost(exc):
            raise
        finished = sum(r.next for r in runs)
        text = " ".join(str(exc).split())[:160]
        raise ClusterLost(
            f"the Dask cluster at {scheduler} was lost mid-run ({type(exc).__name__}"
            f"{': ' + text if text else ''}); the {finished} finished steps are saved; run the "
            "same backtest again to resume, on the cluster once it is back or locally without "
            "a scheduler"
        ) from None


def _cluster_lost(exc: BaseException) -> bool:
    """Whether ``exc`` says the cluster went away, not that a step failed: a cancelled
    future, a lost connection, or any error of ``distributed`` itself (its
    ``CommClosedError``, ``FutureCancelledError``...).  A step's own error (a
    ``DispatchError``) and a local disk error arrive as themselves."""
    if isinstance(exc, DispatchError):
        return False
    if isinstance(exc, (cf.CancelledError, asyncio.CancelledError, ConnectionError, TimeoutError)):
        return True
    return type(exc).__module__.split(".")[0] in ("distributed", "tornado")


def _run(
    waiting: list[ChainRun],
    config: RunConfig,
    store: CheckpointStore | None,
    workers: int,
    scheduler: Any,
    progress: Progress | None,
    done: int,
    total: int,
    on_finished: Callable[[ChainRun], None] | None,
) -> None:
    with open_executor(workers, scheduler) as (executor, capacity):
        active: dict[cf.Future, tuple[ChainRun, list[StepTask], list[Inputs]]] = {}

        def submit(run: ChainRun) -> None:
            tasks, windows = run.tasks(config)
            active[executor.submit(run_steps, run.state, tasks)] = (run, tasks, windows)

        try:
            while waiting and len(active) < capacity:
                submit(waiting.pop(0))
            while active:
                finished, _ = cf.wait(list(active), return_when=cf.FIRST_COMPLETED)
                for future in finished:
                    run, tasks, windows = active.pop(future)
                    outcomes = future.result()
                    # a step failed after others: plan it again alone, where it fails as itself
                    run._alone = len(outcomes) < len(tasks)
                    steps = [
                        _advance(run, config, outcome, window)
                        for outcome, window in zip(outcomes, windows, strict=False)
                    ]
                    try:  # the next steps first: their worker need not wait for these files
                        if not run.finished:
                            submit(run)
                        elif waiting:
                            submit(waiting.pop(0))
                    finally:  # finished steps are saved even when the cluster is gone
                        for (step, h), outcome in zip(steps, outcomes, strict=True):
                            _record(run, step, h, outcome, store)
                            done += 1
                            if progress is not None:
                                progress(done, total)
                    if run.finished and on_finished is not None:
                        on_finished(run)
        except BaseException:
            for future in active:
                future.cancel()
            raise


def _advance(
    run: ChainRun, config: RunConfig, outcome: StepOutcome, window: Inputs
) -> tuple[Step, str]:
    """Hand the step's end state on to the chain's next step; return the step finished and
    its hash (of the state it started from)."""
    step = run.chain.steps[run.next]
    h = run.step_hash(config, step, window)
    run.state = outcome.state_out
    run.next += 1
    run.timed(outcome)
    return step, h


def _record(
    run: ChainRun, step: Step, h: str, outcome: StepOutcome, store: CheckpointStore | None
) -> None:
    """Write the finished step's checkpoint (with a store), keep its rows, log it."""
    if store is not None:
        record = store.save(run.scenario.name, run.mode, run.chain.label, step, h, outcome)
        store.record_step(run.scenario.name, run.key, step.id, h)
    else:
        record = outcome.summary()
    if outcome.frame is not None:
        run.frames[step.id] = outcome.frame
    run.log.append(_log_row(run, step, record, from_checkpoint=False))


def _log_row(
    run: ChainRun, step: Step, record: Mapping[str, Any], *, from_checkpoint: bool
) -> dict:
    timings = record.get("timings_s", {})
    return {
        "scenario": run.scenario.name,
        "mode": run.mode,
        "chain": run.chain.label,
        "step": step.id,
        "start": step.start,
        "warmup": step.warmup,
        "status": record["status"],
        "status_reason": record["status_reason"],
        "objective_usd": record["objective_usd"],
        "kept_profit_usd": record["kept_profit_usd"],
        "step_s": timings.get("step_s"),
        "solve_s": timings.get("solve_s"),
        "build_s": timings.get("build_s"),
        "model_reused": record["model_reused"],
        "worker": record["worker"],
        "from_checkpoint": from_checkpoint,
    }
