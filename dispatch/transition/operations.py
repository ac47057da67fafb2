"""Operating value of a config: the dispatch model plans each representative day.

For a config (a site), each representative day ``d`` is one :func:`dispatch.plan` of that
local day from the site file's state (every container in service on, the battery at its
initial charge), at the backtest's settings (``mip_rel_gap=1e-3``, one thread, the monthly
demand charge prorated), with the day's hashprice set to a level ``L`` (USD/PH/day) times
the day's hashprice relative to its year's mean.  The profit of the plan (mining revenue
less energy, battery wear, genset and demand charges; it pays for the HPC load's energy) is
the day's operating value ``v_d(L)``.  A year's value is ``sum_d w_d v_d(L)`` over the year's
representative days, and the design's value at ``L`` is the mean over the historical years.

Each config is valued at a few levels ``L_1 < ... < L_K`` and interpolated linearly in
between (``v_d`` is convex in ``L``: a maximum of plans linear in it, so the chord is an upper
bound between levels, exact at them).  The plans of one config share one cached model, so a
plan costs one solve (tens of ms hourly); configs run in parallel on ``workers`` processes.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dispatch.assets.base import Mode
from dispatch.backtesting.executors import open_executor
from dispatch.config import Site
from dispatch.inputs import Inputs
from dispatch.planner import plan
from dispatch.results import PlanStatus
from dispatch.transition.periods import RepDays

#: The counterfactual without flexibility (every container on at full power).
PRICE_BLIND = Mode.PRICE_BLIND
MIP_REL_GAP = 1e-3


@dataclass(frozen=True)
class DayValues:
    """Profit per representative day and level: ``profit_usd[d, k]``; and its terms."""

    profit_usd: np.ndarray
    mining_revenue_usd: np.ndarray
    not_optimal: int  # plans at risk or fallback


@dataclass(frozen=True)
class Task:
    site: Site
    windows: tuple[Inputs, ...]  # hashprice relative to the year's mean
    levels: np.ndarray  # (days, K) hashprice level, USD/PH/day
    mode: str = Mode.OPTIMISE.value


def run_task(task: Task) -> DayValues:
    """Plan every day at every level (runs in a worker process)."""
    n, k = task.levels.shape
    profit = np.zeros((n, k))
    mining = np.zeros((n, k))
    bad = 0
    no_mining = all(f.containers == 0 for f in task.site.fleets)
    for d, w in enumerate(task.windows):
        for j in range(k):
            if no_mining and j > 0:  # hashprice cannot matter: one plan serves every level
                profit[d, j], mining[d, j] = profit[d, 0], mining[d, 0]
                continue
            day = w.replace(hashprice_usd_per_ph_day=w.hashprice_usd_per_ph_day * task.levels[d, j])
            p = plan(
                task.site,
                day,
                mode=task.mode,
                mip_rel_gap=MIP_REL_GAP,
                threads=1,
                demand_charge="prorate",
            )
            terms = p.kpis["profit_by_term_usd"]
            profit[d, j] = p.objective_usd
            mining[d, j] = sum(v for t, v in terms.items() if t.startswith("mining"))
            bad += p.status in (PlanStatus.AT_RISK, PlanStatus.FALLBACK)
    return DayValues(profit, mining, bad)


def relative_windows(inputs: Inputs, rep: RepDays) -> tuple[Inputs, ...]:
    """Each representative day's inputs, hashprice divided by its year's mean."""
    out = []
    for d in rep.days:
        w = inputs.window(d.start, d.end)
        out.append(
            w.replace(
                hashprice_usd_per_ph_day=w.hashprice_usd_per_ph_day / rep.hashprice_mean[d.year]
            )
        )
    return tuple(out)


def run_tasks(tasks: Sequence[Task], workers: int) -> list[DayValues]:
    """Run tasks on ``workers`` processes (1: here), results in order."""
    if workers <= 1 or len(tasks) <= 1:
        return [run_task(t) for t in tasks]
    with open_executor(min(workers, len(tasks))) as (executor, _):
        futures = [executor.submit(run_task, t) for t in tasks]
        cf.wait(futures)
        return [f.result() for f in futures]


def yearly(values: np.ndarray, rep: RepDays) -> dict[int, np.ndarray]:
    """Weighted sum over each year's representative days: ``{year: (K,) USD}``."""
    weights = np.array([d.weight for d in rep.days])
    years = np.array([d.year for d in rep.days])
    return {y: (weights[years == y, None] * values[years == y]).sum(axis=0) for y in rep.years}


def mean_year(values: np.ndarray, rep: RepDays) -> np.ndarray:
    """Operating value of the average historical year at each level, USD/year."""
    per_year = yearly(values, rep)
    return np.mean([per_year[y] for y in rep.years], axis=0)


def interpolate(levels: np.ndarray, values: np.ndarray, at: np.ndarray | float) -> np.ndarray:
    """Piecewise-linear value at hashprice ``at`` from values at ``levels`` (clamped ends)."""
    return np.interp(at, levels, values)


__all__ = [
    "PRICE_BLIND",
    "DayValues",
    "Task",
    "interpolate",
    "mean_year",
    "relative_windows",
    "run_task",
    "run_tasks",
    "yearly",
]
