"""One rolling step, as a worker runs it: plan the horizon, keep the step, hand the state on.

:func:`run_step` is one step: it plans ``[start, horizon_end)`` from the carried state with
:func:`dispatch.plan`, keeps the intervals before ``end``, settles them at real-time prices
when asked, and returns the kept rows with the state at ``end`` (``plan.state_at(end)``).
:func:`run_steps` is the unit of work sent to executors (a plain top-level function of
picklable arguments): a few consecutive steps of one chain, each from the state the one
before hands on.

The site a step plans holds only the demand-response events that overlap its horizon
(``plan()`` rejects an event entirely outside the horizon, on purpose).
"""

from __future__ import annotations

import dataclasses
import os
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dispatch.assets.base import Mode
from dispatch.backtesting.settle import RtRule, settle_rt
from dispatch.config import Site
from dispatch.horizon import local_timestamp
from dispatch.inputs import Inputs
from dispatch.planner import MODEL_CACHE, plan
from dispatch.state import SiteState


@dataclass(frozen=True)
class PlanOptions:
    """Solver settings for every step (``threads=1``: deterministic, one core per worker)."""

    mip_rel_gap: float = 1e-3
    time_limit_s: float | None = None
    threads: int | None = 1
    reuse_model: bool = True

    def to_dict(self) -> dict:
        """What the results depend on (model reuse does not change them)."""
        return {
            "mip_rel_gap": self.mip_rel_gap,
            "time_limit_s": self.time_limit_s,
            "threads": self.threads,
        }


@dataclass(frozen=True)
class StepTask:
    """Everything one step needs (picklable): the inputs are the step's horizon only."""

    site: Site
    inputs: Inputs
    state: SiteState
    end: pd.Timestamp
    mode: str = Mode.OPTIMISE.value
    settle: bool = False
    rt_rule: RtRule | None = None
    options: PlanOptions = field(default_factory=PlanOptions)
    warmup: bool = False
    demand_charge: str = "full"
    last: bool = False  # the period's last step: the battery ends its kept part at its target


@dataclass(frozen=True)
class StepOutcome:
    """What a step hands back: the kept rows (None for a warm-up) and the state at its end."""

    frame: pd.DataFrame | None
    state_out: SiteState
    status: str
    status_reason: str
    objective_usd: float
    kept_profit_usd: float
    timings_s: dict[str, float]
    model_reused: bool
    worker: str

    def summary(self) -> dict:
        """The step's outcome as a JSON-ready record (no frame, no state)."""
        return {
            "status": self.status,
            "status_reason": self.status_reason,
            "objective_usd": self.objective_usd,
            "kept_profit_usd": self.kept_profit_usd,
            "timings_s": self.timings_s,
            "model_reused": self.model_reused,
            "worker": self.worker,
        }


def site_for_horizon(site: Site, start: pd.Timestamp, end: pd.Timestamp) -> Site:
    """``site`` with only the DR events whose window overlaps ``[start, end)``."""
    keep = [
        e
        for e in site.dr_events
        if local_timestamp(e.start, site.timezone) < end
        and local_timestamp(e.end, site.timezone) > start
    ]
    if len(keep) == len(site.dr_events):
        return site
    return site.model_copy(update={"dr_events": keep})


def bill_demand_charge(site: Site, frame: pd.DataFrame, state: SiteState) -> None:
    """Replace ``frame``'s demand charge by the site's true one, in place::

        increase[t] = billing_peak[t] - billing_peak[t-1]   (same billing month; the carried
                      peak before the first interval, 0 after a month change)
        demand_charge[t] = -rate_usd_per_mw * increase[t]

    and ``profit_total_usd`` by the same difference.
    """
    dc = site.demand_charge
    assert dc is not None
    peak = frame["billing_peak_mw"].to_numpy(dtype=float)
    local = frame.index.tz_convert(site.timezone)
    month = (local.year * 12 + local.month).to_numpy()
    before = np.r_[state.peak_for(frame.index[0]), peak[:-1]]
    before[1:][month[1:] != month[:-1]] = 0.0
    charge = -dc.rate_usd_per_mw * np.clip(peak - before, 0.0, None)
    old = frame["profit_demand_charge_usd"].to_numpy(dtype=float)
    frame["profit_demand_charge_usd"] = charge
    frame["profit_total_usd"] = frame["profit_total_usd"].to_numpy(dtype=float) + charge - old


def run_steps(state: SiteState, tasks: Sequence[StepTask]) -> list[StepOutcome]:
    """Plan consecutive steps of one chain in turn, each from the state the step before
    handed on (the first from ``state``; the tasks' own ``state`` is replaced): one task
    for an executor instead of one per step, so the per-task cost of a process pool or a
    Dask cluster (serialising, scheduling, the round trip) is paid once for them all.

    A step that fails after others have finished ends the run early: the finished steps'
    outcomes are returned (fewer than the tasks), and the caller plans the failed step
    again on its own, where its error surfaces as it would have.  A first step's error is
    raised at once."""
    outcomes: list[StepOutcome] = []
    for task in tasks:
        try:
            outcome = run_step(dataclasses.replace(task, state=state))
        except Exception:
            if not outcomes:
                raise
            return outcomes
        outcomes.append(outcome)
        state = outcome.state_out
    return outcomes


def run_step(task: StepTask) -> StepOutcome:
    """Plan one step's horizon and keep the step (see the module docstring)."""
    t0 = time.perf_counter()
    index = task.inputs.index
    horizon_end = index[-1] + pd.Timedelta(minutes=task.site.interval_minutes)
    site = site_for_horizon(task.site, index[0], horizon_end)
    opts = task.options
    misses = MODEL_CACHE.misses
    p = plan(
        site,
        task.inputs,
        state=task.state,
        mode=task.mode,
        mip_rel_gap=opts.mip_rel_gap,
        time_limit_s=opts.time_limit_s,
        threads=opts.threads,
        reuse_model=opts.reuse_model,
        demand_charge=task.demand_charge,
        battery_target_at=task.end if task.last else None,
    )
    reused = opts.reuse_model and MODEL_CACHE.misses == misses
    state_out = p.state_at(task.end)
    kept = p.schedule.index < task.end
    frame = p.schedule.loc[kept].copy()
    if task.demand_charge == "prorate" and site.demand_charge is not None:
        bill_demand_charge(site, frame, task.state)
    kept_profit = float(frame["profit_total_usd"].sum())
    if task.warmup:
        frame = None
    else:
        frame["hashprice_usd_per_ph_day"] = task.inputs.hashprice_usd_per_ph_day.to_numpy()[kept]
        for f in site.fleets:
            frame[f"{f.name}_mining_revenue_usd"] = p.profit_terms[
                f"mining_revenue_{f.name}"
            ].to_numpy()[kept]
        if task.settle and task.inputs.rt_price_usd_per_mwh is not None:
            rt = task.inputs.rt_price_usd_per_mwh.to_numpy()[kept]
            settled = settle_rt(site, frame, rt, task.rt_rule)
            frame = pd.concat([frame, settled], axis=1)
    timings = {k: float(v) for k, v in p.timings_s.items()}
    timings["step_s"] = time.perf_counter() - t0
    return StepOutcome(
        frame=frame,
        state_out=state_out,
        status=p.status.value,
        status_reason=p.status_reason,
        objective_usd=p.objective_usd,
        kept_profit_usd=kept_profit,
        timings_s=timings,
        model_reused=reused,
        worker=f"{platform.node()}:{os.getpid()}",
    )
