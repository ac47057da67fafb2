"""Backtest KPIs per local day, per month and in total, from the per-interval results.

Every KPI is a sum (energy in MWh = MW x dt, profit in USD, counts), a maximum (peak
import) or a ratio of two sums, so days add up to months and months to totals exactly:

- ``profit_<kind>_usd``, ``profit_total_usd``: day-ahead profit by term (costs negative);
  ``rt_profit_*``: the same dispatch settled at real-time prices (when settled).
- ``mining_uptime_frac`` = container-intervals on / container-intervals available.
- ``curtailed_mining_mwh`` = sum over fleets and intervals of
  ``max(available x full power - mining MW, 0) x dt``: the mining energy the buffer gave up.
- ``rt_curtailed_mining_mwh``: the mining energy the real-time rule stopped on top.
- ``hpc_served_frac`` = 1 - HPC shortfall MWh / HPC MWh.
- ``dr_compliance_frac`` = DR-window intervals within every cap / DR-window intervals
  (empty when no DR window falls in the period).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dispatch.config import Site

TOL_MW = 1e-6


def interval_kpis(site: Site, s: pd.DataFrame) -> pd.DataFrame:
    """Per-interval additive quantities (MWh, counts, USD) behind every KPI."""
    dt = site.dt_h
    n = len(s)

    def col(name: str) -> np.ndarray:
        return s[name].to_numpy(dtype=float) if name in s else np.zeros(n)

    out: dict[str, np.ndarray] = {"intervals": np.ones(n)}
    for c in s.columns:
        if c.startswith(("profit_", "rt_profit_")):
            out[c] = np.nan_to_num(s[c].to_numpy(dtype=float))
    out["grid_import_mwh"] = col("grid_import_mw") * dt
    out["grid_export_mwh"] = col("grid_export_mw") * dt
    out["hpc_mwh"] = col("hpc_load_mw") * dt
    out["hpc_shortfall_mwh"] = col("hpc_shortfall_mw") * dt
    out["mining_mwh"] = col("mining_mw") * dt
    out["battery_discharge_mwh"] = col("battery_discharge_mw") * dt
    out["genset_mwh"] = sum((col(f"{g.name}_output_mw") * dt for g in site.gensets), np.zeros(n))
    on = avail = curtailed = np.zeros(n)
    for f in site.fleets:
        full_mw = f.full_power_mw
        a = col(f"{f.name}_containers_available")
        on = on + col(f"{f.name}_containers_on")
        avail = avail + a
        curtailed = curtailed + np.maximum(a * full_mw - col(f"{f.name}_mining_mw"), 0.0) * dt
    out["containers_on"] = on
    out["containers_available"] = avail
    out["curtailed_mining_mwh"] = curtailed
    if "rt_mining_mw" in s:
        out["rt_grid_import_mwh"] = col("rt_grid_import_mw") * dt
        out["rt_mining_mwh"] = col("rt_mining_mw") * dt
        out["rt_curtailed_mining_mwh"] = (col("mining_mw") - col("rt_mining_mw")) * dt
    active = np.zeros(n, dtype=bool)
    broken = np.zeros(n, dtype=bool)
    for c in s.columns:
        if c.startswith("dr_") and c.endswith("_active"):
            active |= np.nan_to_num(s[c].to_numpy(dtype=float)) > 0
        elif c.startswith("dr_") and c.endswith("_excess_mw"):
            broken |= np.nan_to_num(s[c].to_numpy(dtype=float)) > TOL_MW
    out["dr_intervals"] = active.astype(np.int64)
    out["dr_compliant_intervals"] = (active & ~broken).astype(np.int64)
    return pd.DataFrame(out, index=s.index)


def period_kpis(site: Site, s: pd.DataFrame, labels: pd.Index | np.ndarray) -> pd.DataFrame:
    """KPIs per label (e.g. local date or month) of each interval of ``s``."""
    parts = interval_kpis(site, s)
    grouped = parts.groupby(np.asarray(labels), sort=True)
    out = grouped.sum()
    out["peak_import_mw"] = s["grid_import_mw"].groupby(np.asarray(labels), sort=True).max()
    for name in ("price_usd_per_mwh", "rt_price_usd_per_mwh", "hashprice_usd_per_ph_day"):
        if name in s:
            out[f"mean_{name}"] = s[name].groupby(np.asarray(labels), sort=True).mean()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["mining_uptime_frac"] = out["containers_on"] / out["containers_available"]
        out["hpc_served_frac"] = np.where(
            out["hpc_mwh"] > 0, 1 - out["hpc_shortfall_mwh"] / out["hpc_mwh"], 1.0
        )
        out["dr_compliance_frac"] = out["dr_compliant_intervals"] / out["dr_intervals"]
    return out


def local_dates(site: Site, index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The local calendar date of each interval (naive midnights)."""
    return index.tz_convert(site.timezone).tz_localize(None).normalize()


def daily_kpis(site: Site, s: pd.DataFrame) -> pd.DataFrame:
    """KPIs per local day; index ``date``: tz-aware local midnights in the site timezone
    (``daily.csv`` writes them as ``YYYY-MM-DD``)."""
    out = period_kpis(site, s, local_dates(site, s.index))
    days = pd.DatetimeIndex(out.index).tz_localize(
        site.timezone, ambiguous=True, nonexistent="shift_forward"
    )
    out.index = days.as_unit("us").rename("date")
    return out


def monthly_kpis(site: Site, s: pd.DataFrame) -> pd.DataFrame:
    """KPIs per local calendar month; index ``month``: a ``PeriodIndex`` (freq ``M``,
    written ``YYYY-MM`` in ``monthly.csv``)."""
    labels = local_dates(site, s.index).strftime("%Y-%m")
    out = period_kpis(site, s, labels)
    out.index = pd.PeriodIndex(out.index, freq="M", name="month")
    return out


def total_kpis(site: Site, s: pd.DataFrame) -> dict[str, float]:
    """KPIs over the whole frame as plain floats (JSON-ready); NaN ratios become None."""
    row = period_kpis(site, s, np.zeros(len(s), dtype=int)).iloc[0]
    out: dict[str, float] = {}
    for k, v in row.items():
        value = float(v)
        out[str(k)] = value if np.isfinite(value) else None  # type: ignore[assignment]
    return out
