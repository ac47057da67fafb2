"""Backtests: roll the planner over history, settle, sweep scenarios, in parallel, resumably.

``backtest(site, inputs, start, end, ...)`` is the entry point (:mod:`.driver`); the pieces:

- :mod:`.calendar`   steps over local days, look-ahead, independent chains (``chunk``)
- :mod:`.runner`     runs chains of steps on an executor, resuming from checkpoints
- :mod:`.rolling`    one step as a worker runs it: plan, keep, hand the state on
- :mod:`.settle`     real-time settlement of a kept step, with an optional curtailment rule
- :mod:`.sweep`      scenario sweeps from a YAML file
- :mod:`.executors`  serial, local process pool, or Dask distributed
- :mod:`.store`      Parquet checkpoints and the manifest (atomic writes, resume)
- :mod:`.kpis`       KPIs per day, per month and in total
- :mod:`.result`     :class:`BacktestResult`, :class:`ScenarioResult`
- :mod:`.charts`     PNG charts of a scenario's results
"""

from dispatch.backtesting.driver import backtest
from dispatch.backtesting.result import BacktestResult, ScenarioResult
from dispatch.backtesting.settle import RtRule, settle_rt
from dispatch.backtesting.sweep import Scenario, Sweep

__all__ = [
    "BacktestResult",
    "RtRule",
    "Scenario",
    "ScenarioResult",
    "Sweep",
    "backtest",
    "settle_rt",
]
