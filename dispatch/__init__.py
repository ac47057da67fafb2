"""Dispatch optimizer for hybrid AI/HPC + bitcoin-mining sites.

from dispatch import Site, load_inputs, plan

site = Site.from_yaml("dispatch/sample_data/sample_site.yaml")
inputs = load_inputs(
    site,
    prices="dispatch/sample_data/sample_prices.csv",
    hashprice="dispatch/sample_data/sample_hashprice.csv",
    hpc_load="dispatch/sample_data/sample_hpc_load.csv",
    cp_probability="dispatch/sample_data/sample_cp_probability.csv",
    start="2026-08-17",
    end="2026-08-18",
)
p = plan(site, inputs)
print(p.status, p.objective_usd)
p.schedule  # one row per interval, units in the column names
"""

import typing as _typing

from dispatch.errors import ConfigError, DataError, DispatchError, DispatchWarning, SolverError

if _typing.TYPE_CHECKING:  # the names below are imported on first use (see __getattr__)
    from dispatch.assets.base import Mode
    from dispatch.backtesting import BacktestResult, backtest
    from dispatch.buffer import BufferReport, buffer_report
    from dispatch.checker import Violation, check_plan, check_schedule
    from dispatch.config import Site
    from dispatch.cp_forecast import cp_probability_from_forecast
    from dispatch.data import (
        align,
        load_inputs,
        load_sample,
        read_series,
        real_data_paths,
        sample_paths,
    )
    from dispatch.hashprice import hashprice_from_network
    from dispatch.horizon import site_index
    from dispatch.inputs import Inputs
    from dispatch.planner import plan
    from dispatch.results import Plan, PlanStatus
    from dispatch.solve import SolveStatus
    from dispatch.state import FleetState, SiteState
    from dispatch.transition import StudyResult, StudySpec, study
    from dispatch.version import __version__

# public name -> the module that defines it: imported on first use, so ``import dispatch``
# (and the CLI's ``--help``) does not pay for Pyomo, HiGHS, pandas, matplotlib or Dask
_LAZY = {
    "Mode": "dispatch.assets.base",
    "BacktestResult": "dispatch.backtesting",
    "backtest": "dispatch.backtesting",
    "BufferReport": "dispatch.buffer",
    "buffer_report": "dispatch.buffer",
    "Violation": "dispatch.checker",
    "check_plan": "dispatch.checker",
    "check_schedule": "dispatch.checker",
    "Site": "dispatch.config",
    "cp_probability_from_forecast": "dispatch.cp_forecast",
    "align": "dispatch.data",
    "load_inputs": "dispatch.data",
    "load_sample": "dispatch.data",
    "read_series": "dispatch.data",
    "real_data_paths": "dispatch.data",
    "sample_paths": "dispatch.data",
    "hashprice_from_network": "dispatch.hashprice",
    "site_index": "dispatch.horizon",
    "Inputs": "dispatch.inputs",
    "plan": "dispatch.planner",
    "Plan": "dispatch.results",
    "PlanStatus": "dispatch.results",
    "SolveStatus": "dispatch.solve",
    "FleetState": "dispatch.state",
    "SiteState": "dispatch.state",
    "StudyResult": "dispatch.transition",
    "StudySpec": "dispatch.transition",
    "study": "dispatch.transition",
    "__version__": "dispatch.version",  # importlib.metadata: read on first use too
}


def __getattr__(name: str) -> _typing.Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dispatch' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value  # the next access is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "BacktestResult",
    "BufferReport",
    "ConfigError",
    "DataError",
    "DispatchError",
    "DispatchWarning",
    "FleetState",
    "Inputs",
    "Mode",
    "Plan",
    "PlanStatus",
    "Site",
    "SiteState",
    "SolveStatus",
    "SolverError",
    "StudyResult",
    "StudySpec",
    "Violation",
    "__version__",
    "align",
    "backtest",
    "buffer_report",
    "check_plan",
    "check_schedule",
    "cp_probability_from_forecast",
    "hashprice_from_network",
    "load_inputs",
    "load_sample",
    "plan",
    "read_series",
    "real_data_paths",
    "sample_paths",
    "site_index",
    "study",
]
