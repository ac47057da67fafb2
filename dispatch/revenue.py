"""The revenue stack: what each stream earned in a plan or a backtest, from its schedule.

``revenue_stack(site, schedule)`` splits ``profit_total_usd`` into streams that sum back to it
(USD over the schedule; ``buy[t] = price[t] + import_adder``)::

    hpc_energy            -sum hpc_served * buy * dt          the AI load's energy, all bought
    mining                mining_revenue - sum mining * buy * dt   (hash revenue less the energy
                                                              it would have cost to buy)
    energy_savings        energy_cost + export + fuel + O&M + battery wear
                          + sum (hpc_served + mining) * buy * dt: what the battery, gensets,
                          solar and export saved against buying every MWh the site used
    reserve_<k>           sum mcpc_k * dt * offers_k           (per product)
    reserve_deployment    the expected deployment cost of every product
    standby_dr            availability payments less penalties (ERS)
    dr                    DR credits less penalties
    heat                  heat sold
    peak_charges          demand charge + expected coincident-peak cost
    other                 startup costs, lost load, swing-headroom shortfall

``per_mw_of_mining`` divides each stream by the installed mining MW (every container at its
rated power): the revenue per MW of mining by stream.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dispatch.config import Site

#: profit kinds folded into each stream (the rest of the kinds go to "other").
_KINDS = {
    "energy_savings": (
        "energy_cost",
        "export_revenue",
        "fuel_cost",
        "om_cost",
        "battery_wear",
    ),
    "reserve_deployment": ("reserve_deployment_cost",),
    "standby_dr": ("standby_dr_revenue", "standby_dr_penalty"),
    "dr": ("dr_credit", "dr_penalty"),
    "heat": ("heat_revenue",),
    "peak_charges": ("demand_charge", "coincident_peak"),
}


def installed_mining_mw(site: Site) -> float:
    """Every container of every fleet at its rated power, MW."""
    return float(sum(f.containers * f.container_power_mw for f in site.fleets))


def _kind(s: pd.DataFrame, kind: str) -> float:
    col = f"profit_{kind}_usd"
    return float(s[col].sum()) if col in s else 0.0


def revenue_stack(site: Site, schedule: pd.DataFrame) -> pd.Series:
    """USD per stream over the schedule (see the module docstring); sums to the profit."""
    s, dt = schedule, site.dt_h
    buy = s["price_usd_per_mwh"].to_numpy(dtype=float) + site.grid.import_adder_usd_per_mwh
    hpc_cost = float((s["hpc_served_mw"].to_numpy(dtype=float) * buy).sum() * dt)
    mining_cost = float((s["mining_mw"].to_numpy(dtype=float) * buy).sum() * dt)
    out: dict[str, float] = {
        "hpc_energy": -hpc_cost,
        "mining": _kind(s, "mining_revenue") - mining_cost,
    }
    used = set()
    for stream, kinds in _KINDS.items():
        out[stream] = sum(_kind(s, k) for k in kinds)
        used.update(kinds)
    out["energy_savings"] += hpc_cost + mining_cost
    reserve_total = 0.0
    for k in site.reserve_products:
        price = s[f"reserve_{k.name}_price_usd_per_mw_h"].to_numpy(dtype=float)
        offered = sum(s[f"reserve_{k.name}_{p}_mw"].to_numpy(dtype=float) for p in k.providers)
        out[f"reserve_{k.name}"] = float((price * offered).sum() * dt)
        reserve_total += out[f"reserve_{k.name}"]
    used.update({"reserve_revenue", "mining_revenue"})
    kinds = {c.removeprefix("profit_").removesuffix("_usd") for c in s.columns}
    kinds = {k for k in kinds if k != "total" and f"profit_{k}_usd" in s}
    out["other"] = sum(_kind(s, k) for k in kinds - used)
    # what the per-product split does not reproduce (none: the same formula) stays visible
    out["reserve_unexplained"] = _kind(s, "reserve_revenue") - reserve_total
    if abs(out["reserve_unexplained"]) < 1e-6 * max(1.0, abs(reserve_total)):
        del out["reserve_unexplained"]
    return pd.Series(out, name="usd")


def per_mw_of_mining(site: Site, stack: pd.Series) -> pd.Series:
    """Each stream per MW of installed mining, USD/MW (NaN without mining)."""
    mw = installed_mining_mw(site)
    return (stack / mw if mw > 0 else stack * np.nan).rename("usd_per_mw_mining")


def settlement_statement(site: Site, schedule: pd.DataFrame) -> pd.DataFrame:
    """One row per reserve product and provider, and per standby commitment: MW-h sold, the
    mean clearing price, revenue, expected deployment cost (reserves) and MW-h short (ERS).

    A standby commitment's row also counts what it was committed for over the schedule:
    ``hours_committed`` (committed intervals x dt), ``days_committed`` (local dates with a
    committed interval) and ``mw_h_committed`` (= ``mw_h_sold + mw_h_short``); its revenue
    is ``availability x mw_h_sold``, the same as the plans' ``standby_dr_revenue``."""
    s, dt = schedule, site.dt_h
    rows = []
    buy = s["price_usd_per_mwh"].to_numpy(dtype=float) + site.grid.import_adder_usd_per_mwh
    for k in site.reserve_products:
        price = s[f"reserve_{k.name}_price_usd_per_mw_h"].to_numpy(dtype=float)
        for p in k.providers:
            offer = s[f"reserve_{k.name}_{p}_mw"].to_numpy(dtype=float)
            if p == "battery":
                assert site.battery is not None
                lost = np.full(len(s), site.battery.wear_cost_usd_per_mwh)
            else:
                be = s[f"{p}_breakeven_usd_per_mwh"].to_numpy(dtype=float)
                lost = np.clip(be - buy, 0.0, None)
            mwh = float(offer.sum() * dt)
            revenue = float((price * offer).sum() * dt)
            rows.append(
                {
                    "kind": "reserve",
                    "name": k.name,
                    "provider": p,
                    "mw_h_sold": mwh,
                    "mean_price_usd_per_mw_h": revenue / mwh if mwh > 0 else np.nan,
                    "revenue_usd": revenue,
                    "expected_deployment_cost_usd": -float(
                        (k.deployed_share_frac * lost * offer).sum() * dt
                    ),
                    "mw_h_short": 0.0,
                }
            )
    for c in site.standby_dr:
        committed = s[f"standby_{c.name}_committed_mw"].to_numpy(dtype=float)
        short = s[f"standby_{c.name}_short_mw"].to_numpy(dtype=float)
        held = float((committed - short).sum() * dt)
        on = committed > 0
        days = s.index[on].tz_convert(site.timezone).date if on.any() else []
        rows.append(
            {
                "kind": "standby_dr",
                "name": c.name,
                "provider": "fleets",
                "mw_h_sold": held,
                "mean_price_usd_per_mw_h": c.availability_usd_per_mw_h,
                "revenue_usd": c.availability_usd_per_mw_h * held,
                "expected_deployment_cost_usd": 0.0,
                "mw_h_short": float(short.sum() * dt),
                "hours_committed": float(on.sum() * dt),
                "days_committed": len(set(days)),
                "mw_h_committed": float(committed.sum() * dt),
            }
        )
    return pd.DataFrame(rows)
