"""The price-blind counterfactual's fleet schedule: every container the site can host runs.

A price-blind operator ignores prices, DR events and peak charges and runs every available
container at full power whenever the site can physically host it beside the firm HPC load;
the HPC load is never cut to feed miners, and min up/down time and the ramp limit still hold
(DESIGN.md section 5).  A site that cannot host all its miners at once is not "inflexible":
it simply runs fewer.  Symbols, per interval ``t``::

    L                 grid import limit, MW
    solar_avail[t]    solar (or wind) available output, MW
    gen_firm_g        what genset g can supply all day: units x C, or with a daily fuel
                      budget B, min(units x C, B / (HR x 24 h))  (the output the budget
                      sustains around the clock)
    gen_gas_s[t]      what the gensets on gas supply s can supply in interval t:
                      min(sum of their gen_firm_g, flow_s[t] / max HR_g)  (the worst heat
                      rate, so the gas is enough whichever of them runs); gensets on a
                      supply are not in sum_g gen_firm_g
    hpc[t]            HPC facility load, MW
    room[t]           = max(0, L + solar_avail[t] + sum_g gen_firm_g + sum_s gen_gas_s[t]
                             - hpc[t])                                       hostable MW
    full_f            one container of fleet f at full power: max_frac P + aux (or P + aux)

Fleets are served in order of efficiency (J/TH at full power, lowest first), each taking
whole containers out of what the previous ones left::

    ceiling_f[t] = min(available_f[t], floor(room_f[t] / full_f)),
    room_{f+1}[t] = room_f[t] - ceiling_f[t] * full_f

Then each fleet follows its ceiling as closely as its dynamics allow, from the containers on
at the start (``on[-1]``)::

    ceiling below on[t-1]:  on[t] = ceiling_f[t]           stops forced by the HPC load or an
                                                           outage (never held by the ramp limit
                                                           or min up time: the HPC load is firm)
    otherwise:              on[t] = min(ceiling_f[t], on[t-1] + ramp,
                                        N_s - stops in the last DT intervals)   (min down)

so every stop is a forced one (min up time is relaxed only by the ceiling's drops, as the
fleet model does) and every start waits only for the ramp limit or min down time.  The
battery is storage, not supply, and is not counted in ``room``.
"""

from __future__ import annotations

import numpy as np

from dispatch.assets.base import PlanData
from dispatch.assets.gas_supply import gas_flow_mmbtu_per_h
from dispatch.config import Genset, MinerFleet, Site
from dispatch.horizon import local_timestamp

#: Containers are counted with this slack on the hostable MW (float round-off).
ROOM_TOL_MW = 1e-6


def full_power_mw(f: MinerFleet) -> float:
    """One running container of ``f`` at full power (max power target), MW."""
    return f.full_power_mw


def firm_generation_mw(site: Site) -> float:
    """What the gensets not on a gas supply can supply around the clock, MW (see the module
    docstring)."""
    return sum(_firm_mw(g) for g in site.gensets if g.fuel_supply is None)


def gas_generation_mw(site: Site, data: PlanData) -> np.ndarray:
    """``sum_s gen_gas_s[t]``: what the gensets on gas supplies can supply, MW."""
    total = np.zeros(data.n)
    for gs in site.gas_supplies:
        burners = [g for g in site.gensets if g.fuel_supply == gs.name]
        cap = sum(_firm_mw(g) for g in burners)
        worst = max(g.heat_rate_mmbtu_per_mwh for g in burners)
        total += np.minimum(cap, gas_flow_mmbtu_per_h(gs, data) / worst)
    return total


def _firm_mw(g: Genset) -> float:
    cap = g.units * g.unit_capacity_mw
    if g.fuel_budget_mmbtu_per_day is not None:
        cap = min(cap, g.fuel_budget_mmbtu_per_day / (g.heat_rate_mmbtu_per_mwh * 24.0))
    return cap


def hostable_mw(
    site: Site,
    hpc_mw: np.ndarray,
    solar_available_mw: np.ndarray | None,
    gas_mw: np.ndarray | float = 0.0,
) -> np.ndarray:
    """``room[t]``: MW the site can give miners beside the HPC load, never below 0."""
    supply = site.grid.import_limit_mw + firm_generation_mw(site) + gas_mw
    room = supply - np.asarray(hpc_mw, dtype=float)
    if solar_available_mw is not None:
        room = room + solar_available_mw
    return np.clip(room, 0.0, None)


def ceilings(
    site: Site, room_mw: np.ndarray, available: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """``ceiling_f[t]`` per fleet: whole containers, the most efficient fleets first."""
    room = np.asarray(room_mw, dtype=float).copy()
    out: dict[str, np.ndarray] = {}
    for f in sorted(site.fleets, key=lambda f: f.j_per_th):
        full = full_power_mw(f)
        fits = np.floor((room + ROOM_TOL_MW) / full) if full > 0 else available[f.name]
        ceiling = np.minimum(available[f.name], np.clip(fits, 0.0, None))
        out[f.name] = ceiling
        room = room - ceiling * full
    return out


def follow_ceiling(
    ceiling: np.ndarray,
    on_initial: int,
    *,
    ramp: int,
    in_service: int,
    min_down_intervals: int,
    recent_stops: tuple[int, ...] = (),
) -> np.ndarray:
    """``on[t]`` for one fleet: the ceiling as closely as ramp and min down allow."""
    n = len(ceiling)
    on = np.zeros(n)
    stops: list[int] = list(recent_stops)
    prev = on_initial
    keep = max(min_down_intervals - 1, 0)
    for t in range(n):
        cap = int(ceiling[t])
        if cap < prev:
            now = cap
        else:
            blocked = sum(stops[-keep:]) if keep else 0  # all of them when fewer
            now = max(prev, min(cap, prev + ramp, in_service - blocked))
        stops.append(max(prev - now, 0))
        on[t] = now
        prev = now
    return on


def price_blind_schedule(
    site: Site, data: PlanData
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(containers on, ceilings) per fleet and interval in the price-blind counterfactual."""
    hpc = np.zeros(data.n)
    for hall in site.hpc_halls:
        hpc = hpc + data.hall_load_mw[hall.name]
    solar = None
    if site.solar is not None and data.solar_cf is not None:
        solar = np.clip(data.solar_cf, 0.0, 1.0) * site.solar.capacity_mw
    avail = {f.name: available_containers(f, site, data) for f in site.fleets}
    caps = ceilings(site, hostable_mw(site, hpc, solar, gas_generation_mw(site, data)), avail)
    out = {}
    for f in site.fleets:
        fs = data.state.fleet(f.name, f.containers_initially_on)
        in_service = f.containers - f.containers_unavailable
        out[f.name] = follow_ceiling(
            caps[f.name],
            min(fs.on, in_service),
            ramp=f.ramp_limit_containers_per_interval or f.containers,
            in_service=in_service,
            min_down_intervals=site.intervals(f.min_down_minutes),
            recent_stops=fs.recent_stops,
        )
    return out, caps


def available_containers(f: MinerFleet, site: Site, data: PlanData) -> np.ndarray:
    """Containers of ``f`` available in each interval: all, less the unavailable and the
    containers out by outage (never below 0)."""
    avail = np.full(data.n, f.containers - f.containers_unavailable, dtype=float)
    index = data.horizon.index
    for outage in f.outages:
        start = local_timestamp(outage.start, site.timezone)
        end = local_timestamp(outage.end, site.timezone)
        avail -= outage.containers * ((index >= start) & (index < end))
    return np.clip(avail, 0, None)
