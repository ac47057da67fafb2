"""What a backtest returns: per-scenario results, the comparison table and the step log.

Per scenario (:class:`ScenarioResult`): the per-interval results of each mode
(``"optimise"``, and the counterfactuals ``"no_miners"``/``"price_blind"`` when run), KPIs per
local day and per month, totals, and day-ahead vs real-time settlement side by side.  When
the backtest wrote to an output folder the per-interval frames are read from its Parquet
files on demand (a year at 15 minutes is ~35,000 rows per mode), otherwise they are held in
memory.

Values of the buffer (when the counterfactuals ran, DESIGN.md section 5)::

    value_of_flexibility_usd = profit(optimise) - profit(price_blind)
    value_of_mining_usd      = profit(optimise) - profit(no_miners)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from dispatch.config import Site

OPTIMISE = "optimise"
VALUES = {"price_blind": "value_of_flexibility_usd", "no_miners": "value_of_mining_usd"}


@dataclass
class ScenarioResult:
    """One scenario's results (see the module docstring)."""

    name: str
    params: Mapping[str, Any]
    site: Site
    start: pd.Timestamp
    end: pd.Timestamp
    modes: tuple[str, ...]
    daily_by_mode: dict[str, pd.DataFrame]
    monthly_by_mode: dict[str, pd.DataFrame]
    totals: dict[str, Any]
    folder: Path | None = None
    _frames: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def intervals(self, mode: str = OPTIMISE, columns: list[str] | None = None) -> pd.DataFrame:
        """Per-interval results of one mode (index: tz-aware interval start)."""
        if mode not in self.modes:
            raise KeyError(f"mode {mode!r} was not run (modes: {', '.join(self.modes)})")
        if mode in self._frames:
            frame = self._frames[mode]
            return frame if columns is None else frame[columns]
        assert self.folder is not None
        return pd.read_parquet(self.folder / intervals_file(mode), columns=columns)

    @property
    def daily(self) -> pd.DataFrame:
        """Optimised plan's KPIs per local day, with the values of the buffer when computed."""
        return self.daily_by_mode[OPTIMISE]

    @property
    def monthly(self) -> pd.DataFrame:
        """The same per local calendar month (``"YYYY-MM"``)."""
        return self.monthly_by_mode[OPTIMISE]

    def da_vs_rt(self, period: str = "daily") -> pd.DataFrame:
        """Day-ahead and real-time settlement side by side, per day (or month), with a total.

        Columns ``da_<term>_usd`` and ``rt_<term>_usd`` for the total and the terms the
        real-time settlement changes, their difference ``rt_minus_da_total_usd``, and the
        mining energy the real-time rule curtailed; index: ``"YYYY-MM-DD"`` (or ``"YYYY-MM"``)
        labels and a last row ``"total"``.  Empty when no real-time prices were given.
        """
        table = self.daily if period == "daily" else self.monthly
        if "rt_profit_total_usd" not in table:
            return pd.DataFrame()
        labels = table.index
        if isinstance(labels, pd.DatetimeIndex):
            labels = labels.strftime("%Y-%m-%d")
        out = pd.DataFrame(index=pd.Index(labels, name=table.index.name))
        for term in ("total", "energy_cost", "export_revenue", "mining_revenue"):
            if f"profit_{term}_usd" in table:
                out[f"da_{term}_usd"] = table[f"profit_{term}_usd"].to_numpy()
                out[f"rt_{term}_usd"] = table[f"rt_profit_{term}_usd"].to_numpy()
        out["rt_minus_da_total_usd"] = out["rt_total_usd"] - out["da_total_usd"]
        for col in (
            "mining_mwh",
            "rt_curtailed_mining_mwh",
            "mean_price_usd_per_mwh",
            "mean_rt_price_usd_per_mwh",
        ):
            out[col] = table[col].to_numpy()
        total = out.sum(numeric_only=True)
        for col in ("mean_price_usd_per_mwh", "mean_rt_price_usd_per_mwh"):
            total[col] = float("nan")
        out.loc["total"] = total
        return out


@dataclass(repr=False)
class BacktestResult:
    """Every scenario's results, one comparison row per scenario, and the step log.

    ``steps``: one row per step planned or reused (scenario, mode, chain, step, status,
    timings, whether the step came from a checkpoint).  ``run``: counts, wall time, notes.
    With a single scenario, ``intervals()``, ``daily``, ``monthly`` and ``totals`` are that
    scenario's.
    """

    scenarios: dict[str, ScenarioResult]
    comparison: pd.DataFrame
    steps: pd.DataFrame
    run: dict[str, Any]
    out: Path | None = None

    def scenario(self, name: str | None = None) -> ScenarioResult:
        if name is None:
            if len(self.scenarios) != 1:
                raise KeyError(
                    f"{len(self.scenarios)} scenarios: name one ({', '.join(self.scenarios)})"
                )
            return next(iter(self.scenarios.values()))
        return self.scenarios[name]

    def intervals(self, mode: str = OPTIMISE, columns: list[str] | None = None) -> pd.DataFrame:
        return self.scenario().intervals(mode, columns)

    @property
    def daily(self) -> pd.DataFrame:
        return self.scenario().daily

    @property
    def monthly(self) -> pd.DataFrame:
        return self.scenario().monthly

    @property
    def totals(self) -> dict[str, Any]:
        return self.scenario().totals

    def da_vs_rt(self, period: str = "daily") -> pd.DataFrame:
        return self.scenario().da_vs_rt(period)

    @property
    def kpi_table(self) -> pd.DataFrame:
        """The comparison table: one row per scenario, the KPIs of the whole period as
        columns (the unit in each name); the same as ``comparison.csv``."""
        return self.comparison

    def __repr__(self) -> str:
        c = self.comparison
        first = next(iter(self.scenarios.values()))
        last_day = (first.end - pd.Timedelta(hours=12)).strftime("%Y-%m-%d")
        head = (
            f"<BacktestResult {len(self.scenarios)} scenario(s), {first.start:%Y-%m-%d} to "
            f"{last_day} (end exclusive {first.end:%Y-%m-%d}), {self.run.get('steps_total', '?')}"
            f" steps"
        )
        if len(self.scenarios) == 1:
            row = c.iloc[0]
            head += (
                f"; profit {row['profit_total_usd']:,.0f} USD, mining uptime "
                f"{row.get('mining_uptime_frac', float('nan')):.1%}"
            )
        else:
            best = c["profit_total_usd"].idxmax()
            head += f"; best {best!r} {c['profit_total_usd'].max():,.0f} USD"
        return head + ">"

    def _repr_html_(self) -> str:
        from html import escape

        cols = [
            col
            for col in (
                "start",
                "last_day",
                "profit_total_usd",
                "rt_profit_total_usd",
                "mining_uptime_frac",
                "curtailed_mining_mwh",
                "value_of_flexibility_usd",
                "value_of_mining_usd",
                "steps_at_risk",
            )
            if col in self.comparison
        ]
        table = self.comparison[cols].to_html(float_format=lambda v: f"{v:,.2f}", escape=True)
        return (
            f"<p><b>Backtest</b>: {escape(repr(self)[1:-1])}</p>{table}"
            "<p style='font-size:smaller'>more: <code>result.daily, result.monthly, "
            "result.intervals(), result.kpi_table</code></p>"
        )


def intervals_file(mode: str) -> str:
    return "intervals.parquet" if mode == OPTIMISE else f"intervals_{mode}.parquet"
