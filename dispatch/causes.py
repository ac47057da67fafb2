"""Why a plan could not serve its HPC load: the limits that bind, read from the schedule.

A shortfall interval is explained by every supply that was at its limit there, found from
the schedule's own columns (never from a fixed list)::

    import limit      grid_import_mw[t] >= import_limit_mw - tol     (a site with a grid)
    no grid           the site has no grid (import limit 0): named in every interval
    DR cap            an event active at t and grid_import_mw[t] >= its import cap - tol
    genset capacity   output_mw[t] >= units x unit capacity - tol
    fuel budget       the genset below capacity and the local day's fuel >= budget - tol
                      (what was burnt before the plan counts on the first day)
    gas supply        the supply's gas is all burnt: flared_mmbtu[t] <= tol
    solar/wind/hydro  solar_mw[t] >= solar_available_mw[t] - tol (all that is available)
    battery power     discharge_mw[t] >= power_mw - tol
    battery energy    soc_mwh[t] <= soc_min_frac x energy_mwh + tol (empty)
    price above VOLL  none of the above, and price + import adder > value of lost load:
                      buying the MWh would cost more than not serving it

:func:`shortfall_cause` turns them into one phrase for the shortfall intervals, most frequent
first, each with the number of those intervals it binds in.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from dispatch.config import Site

#: MW (or MWh, MMBtu) within which a quantity counts as at its limit.
LIMIT_TOL = 1e-4


def binding_limits(
    site: Site, schedule: pd.DataFrame, fuel_used_first_day: dict[str, float]
) -> list[list[str]]:
    """For each row of ``schedule``, the supply limits binding there."""
    rows = schedule
    n = len(rows)
    found: list[list[str]] = [[] for _ in range(n)]

    def col(name: str) -> np.ndarray:
        return rows[name].to_numpy(dtype=float) if name in rows else np.full(n, np.nan)

    grid = col("grid_import_mw")
    limit = site.grid.import_limit_mw
    if site.has_grid:
        for i in np.flatnonzero(grid >= limit - LIMIT_TOL):
            found[i].append(f"the grid import limit ({limit:,.1f} MW)")
    else:
        for i in range(n):
            found[i].append("no grid connection")
    for e in site.dr_events:
        active = col(f"dr_{e.name}_active") > 0
        if e.import_cap_mw is None:
            continue
        for i in np.flatnonzero(active & (grid >= e.import_cap_mw - LIMIT_TOL)):
            found[i].append(f"DR event {e.name}'s import cap ({e.import_cap_mw:,.1f} MW)")
    for g in site.gensets:
        out = col(f"{g.name}_output_mw")
        cap = g.units * g.unit_capacity_mw
        at_cap = out >= cap - LIMIT_TOL
        for i in np.flatnonzero(at_cap):
            found[i].append(f"genset {g.name}'s capacity ({cap:,.1f} MW)")
        if g.fuel_budget_mmbtu_per_day is None:
            continue
        fuel = pd.Series(col(f"{g.name}_fuel_mmbtu"), index=rows.index)
        day = rows.index.tz_convert(site.timezone).strftime("%Y-%m-%d")
        used = fuel.groupby(day).transform("sum").to_numpy()
        if n:
            used = used + np.where(day == day[0], fuel_used_first_day.get(g.name, 0.0), 0.0)
        spent = used >= g.fuel_budget_mmbtu_per_day - LIMIT_TOL
        for i in np.flatnonzero(spent & ~at_cap):
            found[i].append(
                f"genset {g.name}'s fuel budget ({g.fuel_budget_mmbtu_per_day:,.0f} MMBtu/day)"
            )
    for gs in site.gas_supplies:
        flared = col(f"gas_{gs.name}_flared_mmbtu")
        for i in np.flatnonzero(flared <= LIMIT_TOL):
            flow = col(f"gas_{gs.name}_supply_mmbtu")[i] / site.dt_h
            found[i].append(f"gas supply {gs.name} ({flow:,.1f} MMBtu/h, all burnt)")
    if site.solar is not None:
        kind = site.solar.kind
        avail = col("solar_available_mw")
        for i in np.flatnonzero(col("solar_mw") >= avail - LIMIT_TOL):
            found[i].append(f"{kind} available ({avail[i]:,.1f} MW)")
    if site.battery is not None:
        b = site.battery
        for i in np.flatnonzero(col("battery_discharge_mw") >= b.power_mw - LIMIT_TOL):
            found[i].append(f"the battery's power ({b.power_mw:,.1f} MW)")
        empty = b.soc_min_frac * b.energy_mwh + LIMIT_TOL
        for i in np.flatnonzero(col("battery_soc_mwh") <= empty):
            found[i].append(f"the battery's energy ({b.energy_mwh:,.1f} MWh, empty)")
    buy = col("price_usd_per_mwh") + site.grid.import_adder_usd_per_mwh
    voll = site.value_of_lost_load_usd_per_mwh
    for i in range(n):
        if not found[i] and buy[i] > voll:
            found[i].append(
                f"a price ({buy[i]:,.0f} USD/MWh with adder) above the value of lost load "
                f"({voll:,.0f} USD/MWh)"
            )
    return found


def shortfall_cause(
    site: Site,
    schedule: pd.DataFrame,
    short: np.ndarray,
    fuel_used_first_day: dict[str, float] | None = None,
) -> str:
    """One phrase naming the limits that bind in the intervals ``short`` (a mask over
    ``schedule``), most frequent first."""
    per_row = binding_limits(site, schedule, fuel_used_first_day or {})
    chosen = [limits for limits, bad in zip(per_row, short, strict=True) if bad]
    counts = Counter(limit for limits in chosen for limit in limits)
    if not counts:
        return "no supply limit binds (a solver tolerance issue: check the plan)"
    n = len(chosen)
    parts = [f"{limit}{'' if k == n else f' in {k} of them'}" for limit, k in counts.most_common()]
    return "limited by " + ", ".join(parts)
