"""``backtest()``: replay history step by step, for one site or a sweep of scenarios.

This module keeps the scenario bookkeeping: which scenarios and modes there are, the
manifest, and the results assembled from the kept steps; running the chains of steps is
:mod:`dispatch.backtesting.runner`'s.

How a run proceeds:

1. The scenarios (one, or every combination of a sweep) are split into **chains** of steps
   (:mod:`dispatch.backtesting.calendar`), one set per mode (the optimised plan and, when
   asked, the ``no_miners``/``price_blind`` counterfactuals).
2. With an output folder, the scenarios are registered in the manifest, and each chain is
   first walked through its checkpoints (:mod:`dispatch.backtesting.store`): steps already
   finished under the same hash are reused and the chain resumes from the first step that
   is not, with the state that step's predecessor handed on.
3. The chains run on an executor (:mod:`dispatch.backtesting.runner`, the chain runner): at
   most as many chains at once as the executor runs tasks; within a chain, the next step is
   submitted when the previous one returns, with its end state (before the finished step's
   checkpoint is written, so the worker does not wait for the disk).  This process alone
   writes files.
4. The kept intervals of each scenario and mode are joined, and KPIs per day, per month
   and in total are computed from them (:mod:`dispatch.backtesting.kpis`), as soon as the
   scenario's last chain finishes (while the other scenarios' steps run): from the rows
   held in memory since their steps returned, and the checkpoints of the steps reused.

Results do not depend on the executor or the number of workers: each step is a
deterministic function of the site, its input window and the state carried in (HiGHS runs
one thread per step, and a reused model gives exactly the schedule a fresh one would).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from dispatch.assets.base import Mode
from dispatch.backtesting.calendar import Chain, build_chains, parse_duration
from dispatch.backtesting.kpis import daily_kpis, monthly_kpis, total_kpis
from dispatch.backtesting.result import (
    OPTIMISE,
    VALUES,
    BacktestResult,
    ScenarioResult,
    intervals_file,
)
from dispatch.backtesting.rolling import PlanOptions
from dispatch.backtesting.runner import ChainRun, Progress, RunConfig, run_chains
from dispatch.backtesting.settle import RtRule
from dispatch.backtesting.store import CheckpointStore, digest, inputs_digest, safe_name
from dispatch.backtesting.sweep import MAX_SCENARIOS, Scenario, Sweep, single_scenario
from dispatch.config import Site
from dispatch.errors import ConfigError, DataError
from dispatch.files import atomic_path, atomic_write_text, strict_json
from dispatch.horizon import local_timestamp
from dispatch.inputs import Inputs
from dispatch.state import SiteState

log = logging.getLogger("dispatch.backtest")

COUNTERFACTUALS = (Mode.NO_MINERS.value, Mode.PRICE_BLIND.value)
BACKTEST_MIP_REL_GAP = 1e-3
DEMAND_CHARGE_POLICIES = ("full", "prorate")


def backtest(
    site: Site,
    inputs: Inputs,
    start: Any = None,
    end: Any = None,
    *,
    step: str | pd.Timedelta = "1D",
    lookahead: str | pd.Timedelta = "24h",
    state: SiteState | None = None,
    workers: int = 1,
    scheduler: Any = None,
    out: str | Path | None = None,
    chunk: str | int | None = None,
    settle_rt: bool = True,
    rt_rule: RtRule | Mapping | None = None,
    sweep: Sweep | Mapping | str | Path | None = None,
    counterfactuals: Iterable[str] | bool = (),
    demand_charge: str = "prorate",
    progress: Progress | None = None,
    mip_rel_gap: float = BACKTEST_MIP_REL_GAP,
    time_limit_s: float | None = None,
    threads: int | None = 1,
    reuse_model: bool = True,
    max_scenarios: int | None = MAX_SCENARIOS,
) -> BacktestResult:
    """Roll the planner over ``[start, end)`` and return every step's kept results.

    Parameters
    ----------
    site, inputs
        The site and its inputs (:func:`dispatch.load_inputs`); the inputs must cover the
        period, and may extend past ``end`` for the last steps' look-ahead (at the end of
        the data the look-ahead is truncated to what exists).
    start, end
        Dates (local midnights in the site timezone) or timestamps; ``end`` exclusive.  A
        sweep that varies ``years`` sets them per scenario.
    step, lookahead
        Each step plans ``step + lookahead`` and keeps ``step``; ``"1D"`` steps over local
        days (23 and 25 hours on DST days), see :mod:`dispatch.backtesting.calendar`.
    state
        The state at ``start`` (default: the site file's).
    workers, scheduler
        Run on a local process pool of ``workers`` processes, or on a Dask cluster
        (``scheduler``: its address or a ``distributed.Client``).  Results are identical.
        A script using ``workers > 1`` needs the ``if __name__ == "__main__":`` guard (the
        worker processes import the main module).
    out
        Folder for checkpoints and results; re-running with the same folder resumes (see
        :mod:`dispatch.backtesting.store`).  ``None``: nothing written, results in memory.
    chunk
        ``None`` (one chain per scenario), or ``"month"``/``"week"``/``"year"``/a number of
        steps: independent chains, each after the first starting from the site file's state
        with a warm-up step, so a single scenario runs in parallel.
    settle_rt, rt_rule
        Settle each kept step at the inputs' real-time prices when they are given; the rule
        (``{"curtail_margin_usd_per_mwh": X}``) curtails a fleet where the real-time price
        beats its breakeven by more than X (:mod:`dispatch.backtesting.settle`).
    sweep
        A sweep file, mapping or :class:`Sweep`: run every combination as a scenario.
    max_scenarios
        A sweep of more combinations is refused before any is built (default 1,000; each
        is a whole backtest); raise it to confirm a bigger sweep, ``None``: no limit.
    counterfactuals
        ``"no_miners"`` and/or ``"price_blind"`` (``True``: both): also run these chains, for
        the value of mining and of flexibility per day, month and in total.
    demand_charge
        How each step weighs the monthly demand charge when it decides: ``"prorate"``
        (default: at the rate times the share of the month's remaining time the horizon
        covers, :func:`dispatch.assets.demand_charge.prorate_weight`) or ``"full"`` (as
        ``plan()`` does by default: each MW above the month's peak so far at the full
        rate).  A 48-hour horizon sees only 48 hours of what a higher peak earns over the
        rest of the month, so at the full rate it holds the peak and mining too low early
        in the month.  The charge reported is always the true one.
    progress
        Called as ``progress(steps_done, steps_total)`` after each step (and once at start).
    mip_rel_gap, time_limit_s, threads, reuse_model
        Passed to :func:`dispatch.plan` for every step.  The default gap, 1e-3 (0.1 % of a
        horizon's profit), is ten times the day-ahead planner's: closing the last 0.1 % can
        take a hundred times longer on a day of cheap power (a 48-hour hourly ERCOT step of
        February 2023: 1 s at 1e-3, 39 s at 1e-4, for 0.02 % more profit).  A time limit makes
        results depend on machine speed; ``threads=1`` keeps each step on one core and
        deterministic.
    """
    t0 = time.perf_counter()
    step_td = parse_duration(step, "step")
    lookahead_td = parse_duration(lookahead, "lookahead")
    modes = (OPTIMISE, *_modes(counterfactuals))
    _check_solver_options(mip_rel_gap, time_limit_s)
    options = PlanOptions(mip_rel_gap, time_limit_s, threads, reuse_model)
    t_start = None if start is None else local_timestamp(start, site.timezone)
    t_end = None if end is None else local_timestamp(end, site.timezone)
    if sweep is None:
        if t_start is None or t_end is None:
            raise ConfigError("backtest: give start and end")
        scenarios = [single_scenario(site, inputs, t_start, t_end)]
    else:
        if not isinstance(sweep, Sweep):
            sweep = (
                Sweep.from_dict(sweep)
                if isinstance(sweep, Mapping)
                else Sweep.from_yaml(Path(sweep))
            )
        scenarios = sweep.scenarios(site, inputs, t_start, t_end, max_scenarios=max_scenarios)
    rule = RtRule.parse(rt_rule, site)
    for scn in scenarios:
        RtRule.parse(rule, scn.site)  # the fleets it names exist in every scenario
        if rule is not None and settle_rt and scn.inputs.rt_price_usd_per_mwh is None:
            raise ConfigError("rt_rule: needs real-time prices (load_inputs(..., rt_prices=...))")
    if demand_charge not in DEMAND_CHARGE_POLICIES:
        raise ConfigError(
            f"demand_charge: {demand_charge!r} is not one of {', '.join(DEMAND_CHARGE_POLICIES)}"
        )
    config = RunConfig(step_td, lookahead_td, chunk, settle_rt, rule, options, demand_charge)
    runs = [
        ChainRun(scn, mode, chain)
        for scn in scenarios
        for mode in modes
        for chain in _chains(scn, config)
    ]
    for run in runs:
        run.start_state = (
            SiteState.initial(run.scenario.site) if run.chain.warmup or state is None else state
        ).with_soc_target()  # every step's horizon ends at the chain's starting charge
    job = _Job(
        scenarios=scenarios,
        modes=modes,
        config=config,
        runs=runs,
        store=CheckpointStore(Path(out)) if out is not None else None,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        started=t0,
    )
    if job.store is None:
        return job.run()
    job.store.acquire()
    try:
        result = job.run()
    except BaseException:
        job.store.release(failed=True)  # before the first step: no manifest, no new folder
        raise
    job.store.release()
    return result


def _check_solver_options(mip_rel_gap: Any, time_limit_s: Any) -> None:
    """Refuse a gap or time limit the solver would reject, before anything runs or is written."""
    if not isinstance(mip_rel_gap, (int, float)) or not 0 <= mip_rel_gap < 1:
        raise ConfigError(
            f"mip_rel_gap: {mip_rel_gap!r} is not a relative gap in [0, 1); use e.g. 1e-3 "
            "(0.1 % of the plan's profit; 0 proves optimality and can take much longer)"
        )
    if time_limit_s is not None and (
        not isinstance(time_limit_s, (int, float)) or not 0.1 <= time_limit_s < float("inf")
    ):
        raise ConfigError(
            f"time_limit_s: {time_limit_s!r} is not a number of seconds >= 0.1; use e.g. 60, "
            "or None for no limit"
        )


# --- scenarios and the manifest ----------------------------------------------------------


def _modes(counterfactuals: Iterable[str] | bool) -> tuple[str, ...]:
    if counterfactuals is True:
        return COUNTERFACTUALS
    if counterfactuals is False:
        return ()
    out = []
    for mode in counterfactuals:  # type: ignore[union-attr]
        if mode == "always_on":  # the deprecated name (Mode warns about it)
            mode = Mode(mode).value
        if mode not in COUNTERFACTUALS:
            raise ConfigError(
                f"counterfactuals: {mode!r} is not one of {', '.join(COUNTERFACTUALS)}"
            )
        if mode not in out:
            out.append(mode)
    return tuple(out)


def _chains(scn: Scenario, config: RunConfig) -> list[Chain]:
    index = scn.inputs.index
    data_start = index[0]
    data_end = index[-1] + pd.Timedelta(minutes=scn.site.interval_minutes)
    if scn.start < data_start:
        raise DataError(
            f"scenario {scn.name}: the inputs start at {data_start} but the backtest starts at "
            f"{scn.start}"
        )
    return build_chains(
        scn.site,
        scn.start,
        scn.end,
        step=config.step,
        lookahead=config.lookahead,
        data_end=data_end,
        chunk=config.chunk,
    )


def _register(
    store: CheckpointStore, scenarios: list[Scenario], config: RunConfig, modes: tuple[str, ...]
) -> list[str]:
    notes = []
    options = config.to_dict()
    store.manifest.update({"options": options, "modes": list(modes)})
    for scn in scenarios:
        info = {
            "folder": safe_name(scn.name),
            "params": {k: v for k, v in scn.params.items()},
            "start": scn.start.isoformat(),
            "end": scn.end.isoformat(),
            "site_hash": digest(scn.site.model_dump(mode="json")),
            "inputs_hash": inputs_digest(scn.inputs),
            "options_hash": digest(options),
        }
        info["config_hash"] = digest(info)
        changed = store.describe_scenario(scn.name, info)
        if changed:
            notes.append(
                f"scenario {scn.name}: {changed} changed since the last run in {store.root}; "
                "steps whose inputs or state changed are planned again"
            )
    for note in notes:
        log.info(note)
    store.flush(force=True, state="running")
    return notes


# --- the job -------------------------------------------------------------------------------


@dataclass
class _Job:
    """One backtest call: its chains, where they run, and where results go."""

    scenarios: list[Scenario]
    modes: tuple[str, ...]
    config: RunConfig
    runs: list[ChainRun]
    store: CheckpointStore | None
    workers: int
    scheduler: Any
    progress: Progress | None
    started: float

    def run(self) -> BacktestResult:
        store = self.store
        notes = [] if store is None else _register(store, self.scenarios, self.config, self.modes)
        total = sum(len(r.chain.steps) for r in self.runs)
        for run in self.runs:
            run.prepare(self.config, store)
        notes = [n for scn in self.scenarios for n in scn.notes] + notes
        if store is not None:
            notes = store.notes + notes  # damaged checkpoints, replanned
            for note in store.notes:
                log.warning(note)
        reused = sum(r.next for r in self.runs)
        log.info("backtest: %d steps, %d from checkpoints", total, reused)
        assembler = _Assembler(self.scenarios, self.modes, self.runs, store)
        try:
            run_chains(
                self.runs,
                self.config,
                store,
                workers=self.workers,
                scheduler=self.scheduler,
                progress=self.progress,
                done=reused,
                total=total,
                on_finished=assembler.chain_finished,
            )
        finally:
            if store is not None:
                store.flush(force=True, state="running")
        result = assembler.result()
        result.run.update(
            {
                "steps_total": total,
                "steps_from_checkpoints": reused,
                "steps_planned": total - reused,
                "wall_s": time.perf_counter() - self.started,
                "workers": self.workers,
                "scheduler": None if self.scheduler is None else str(self.scheduler),
                "notes": notes,
            }
        )
        if store is not None:
            store.flush(force=True, state="finished", run=result.run)
        return result


# --- results -------------------------------------------------------------------------------


class _Assembler:
    """Each scenario's results, assembled as soon as its last chain finishes.

    The scenario's kept rows are joined, its KPIs computed and (with an output folder) its
    files written while the other scenarios' steps still run, from the frames this run
    planned (held in memory only until then) and the checkpoints of the steps reused; a
    sweep then neither waits for every scenario at the end nor reads back what it wrote.
    """

    def __init__(
        self,
        scenarios: list[Scenario],
        modes: tuple[str, ...],
        runs: list[ChainRun],
        store: CheckpointStore | None,
    ) -> None:
        self.scenarios, self.modes, self.runs, self.store = scenarios, modes, runs, store
        self._unfinished = {id(scn): 0 for scn in scenarios}
        for run in runs:
            if not run.finished:
                self._unfinished[id(run.scenario)] += 1
        self._results: dict[int, tuple[ScenarioResult, dict[str, Any]]] = {}

    def chain_finished(self, run: ChainRun) -> None:
        key = id(run.scenario)
        self._unfinished[key] -= 1
        if self._unfinished[key] == 0:
            self._assemble(run.scenario)

    def result(self) -> BacktestResult:
        """Every scenario's results (the ones not yet assembled first), the comparison, the
        step log, and the run's summary files."""
        for scn in self.scenarios:
            if id(scn) not in self._results:
                self._assemble(scn)
        results = {scn.name: self._results[id(scn)][0] for scn in self.scenarios}
        rows = [self._results[id(scn)][1] for scn in self.scenarios]
        comparison = pd.DataFrame(rows).set_index("scenario")
        steps = pd.DataFrame([row for r in self.runs for row in r.log])
        out = None
        if self.store is not None:
            out = self.store.root
            with atomic_path(out / "comparison.csv") as tmp:
                comparison.to_csv(tmp)
            totals_all = {name: r.totals for name, r in results.items()}
            atomic_write_text(out / "totals.json", strict_json(totals_all, indent=1))
            with atomic_path(out / "steps.csv") as tmp:
                steps.to_csv(tmp, index=False)
        return BacktestResult(results, comparison, steps, {}, out)

    def _assemble(self, scn: Scenario) -> None:
        store, modes = self.store, self.modes
        folder = None if store is None else store.root / "scenarios" / safe_name(scn.name)
        frames: dict[str, pd.DataFrame] = {}
        daily: dict[str, pd.DataFrame] = {}
        monthly: dict[str, pd.DataFrame] = {}
        totals: dict[str, Any] = {
            "scenario": scn.name,
            "params": dict(scn.params),
            "start": scn.start.isoformat(),
            "end": scn.end.isoformat(),
        }
        for mode in modes:
            mine = [r for r in self.runs if r.scenario is scn and r.mode == mode]
            frame = _join(scn.site, mine, store)
            daily[mode] = daily_kpis(scn.site, frame)
            monthly[mode] = monthly_kpis(scn.site, frame)
            totals[mode] = total_kpis(scn.site, frame)
            totals[mode]["steps"] = _step_counts(mine)
            if folder is not None:
                with atomic_path(folder / intervals_file(mode)) as tmp:
                    frame.to_parquet(tmp)
            else:
                frames[mode] = frame
        for mode, column in VALUES.items():
            if mode in modes:
                daily[OPTIMISE][column] = (
                    daily[OPTIMISE]["profit_total_usd"] - daily[mode]["profit_total_usd"]
                )
                monthly[OPTIMISE][column] = (
                    monthly[OPTIMISE]["profit_total_usd"] - monthly[mode]["profit_total_usd"]
                )
                totals[column] = (
                    totals[OPTIMISE]["profit_total_usd"] - totals[mode]["profit_total_usd"]
                )
        result = ScenarioResult(
            name=scn.name,
            params=dict(scn.params),
            site=scn.site,
            start=scn.start,
            end=scn.end,
            modes=modes,
            daily_by_mode=daily,
            monthly_by_mode=monthly,
            totals=totals,
            folder=folder,
            _frames=frames,
        )
        self._results[id(scn)] = (result, _comparison_row(result))
        if folder is not None:
            _write_scenario(result, folder)


def _join(site: Site, runs: list[ChainRun], store: CheckpointStore | None) -> pd.DataFrame:
    """The kept intervals of every step of the chains, in time order, gaps filled: the rows
    this run planned from memory (released here), the steps reused from the checkpoints."""
    frames = []
    for run in sorted(runs, key=lambda r: r.chain.steps[0].start):
        for step in run.chain.steps:
            if step.warmup:
                continue
            frame = run.frames.pop(step.id, None)
            if frame is None:
                assert store is not None  # without a store every step was planned here
                frame = store.read_frame(run.scenario.name, run.mode, run.chain.label, step)
            frames.append(frame)
    frame = pd.concat(frames)
    for col in frame.columns:
        # columns of a DR event exist only for the steps whose horizon it touches
        zero_fill = col.startswith(("profit_", "rt_profit_")) or (
            col.startswith("dr_") and col.endswith(("_active", "_excess_mw"))
        )
        if zero_fill and frame[col].isna().any():
            frame[col] = frame[col].fillna(0.0)
    frame.index = pd.DatetimeIndex(frame.index, freq=None, name="interval_start")
    return frame


def _step_counts(runs: list[ChainRun]) -> dict[str, int]:
    statuses = [row["status"] for r in runs for row in r.log if not row["warmup"]]
    return {s: statuses.count(s) for s in sorted(set(statuses))}


def _comparison_row(r: ScenarioResult) -> dict[str, Any]:
    t = r.totals[OPTIMISE]
    row: dict[str, Any] = {"scenario": r.name, **{k: _cell(v) for k, v in r.params.items()}}
    # one convention per column, named: the first and the last local day included, and the
    # end as Python's backtest(..., end) takes it (exclusive: the day after last_day)
    row["start"] = r.start.strftime("%Y-%m-%d")
    row["last_day"] = (r.end - pd.Timedelta(hours=12)).strftime("%Y-%m-%d")
    row["end_exclusive"] = r.end.strftime("%Y-%m-%d")
    row["profit_total_usd"] = t["profit_total_usd"]
    for k, v in t.items():
        if k.startswith("profit_") and k != "profit_total_usd":
            row[k] = v
    if "rt_profit_total_usd" in t:
        row["rt_profit_total_usd"] = t["rt_profit_total_usd"]
    for k in (
        "mining_mwh",
        "mining_uptime_frac",
        "curtailed_mining_mwh",
        "rt_curtailed_mining_mwh",
        "grid_import_mwh",
        "peak_import_mw",
        "hpc_served_frac",
        "dr_compliance_frac",
    ):
        if k in t:
            row[k] = t[k]
    for column in VALUES.values():
        if column in r.totals:
            row[column] = r.totals[column]
    steps = t.get("steps", {})
    row["steps_at_risk"] = steps.get("at_risk", 0)
    row["steps_fallback"] = steps.get("fallback", 0)
    return row


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "on" if value else "off"
    return value


def _write_scenario(r: ScenarioResult, folder: Path) -> None:
    for mode in r.modes:
        suffix = "" if mode == OPTIMISE else f"_{mode}"
        daily = r.daily_by_mode[mode]
        with atomic_path(folder / f"daily{suffix}.csv") as tmp:
            daily.to_csv(tmp, date_format="%Y-%m-%d")
        with atomic_path(folder / f"daily{suffix}.parquet") as tmp:
            daily.to_parquet(tmp)
        with atomic_path(folder / f"monthly{suffix}.csv") as tmp:
            r.monthly_by_mode[mode].to_csv(tmp)
    settled = r.da_vs_rt()
    if not settled.empty:
        with atomic_path(folder / "da_vs_rt.csv") as tmp:
            settled.to_csv(tmp)
    atomic_write_text(folder / "totals.json", strict_json(r.totals, indent=1))
