"""Yearly cash flows of a design, and NPV, IRR and payback.

Conventions (nominal USD, pre-tax, no debt):

- year 0 is the start of ``start_year``; operating year ``k`` (1..N) is calendar year
  ``start_year + k - 1``; its cash flows are discounted as at its end, ``(1 + r) ** -k``;
  capex of something online from year ``k`` is paid at ``k - 1 - lead`` (``lead``: the HPC
  commissioning lead time; 0 for mining and batteries);
- HPC: capex per MW of IT; the share of the blocks' facility MW that fits in the mining
  MW the design frees (today's mining MW less the design's) is a retrofit of those halls
  (retrofit capex), the rest new-build; the lease is
  ``lease x 12 x IT MW online`` and **net of energy**: the site buys the HPC halls' power, and
  that cost is in the operating margin from the dispatch model; fixed O&M per MW of IT;
- mining: containers above today's count are bought at ``asic_price x TH/s`` in year 0, and
  site infrastructure at ``site_capex`` per MW of mining above today's; every container is
  replaced like for like at the same price at the end of its life; a retired container is
  sold at ``resale_frac`` of the new price when the HPC block that needs its room comes;
  fixed O&M per MW of mining installed;
- battery: capex per MW and per MWh in year 0, fixed O&M per MW; an ``existing`` battery is
  sunk (no capex, and its O&M is not counted);
- operating margin: the dispatch model's profit of the year's config at the scenario's
  hashprice for that year (:mod:`dispatch.transition.operations`);
- residual value at the end of the horizon: the straight-line book value of HPC blocks
  (``hpc.life_years``), batteries (15 years) and the last ASIC generation bought.

NPV is at ``discount_rate``; the IRR is the rate where the NPV of the flows is zero (by
bisection, ``None`` when the flows do not change sign); the payback year is the first
operating year whose cumulative (undiscounted) flow is >= 0.  Incremental figures compare a
design with today's site (no new blocks, today's fleet fitting the room, the first battery
option): the IRR and payback of the *change*.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from dispatch.transition.designs import Config, Design, Layout
from dispatch.transition.spec import BatteryOption

BATTERY_LIFE_YEARS = 15
FLOW_COLUMNS = (
    "capex_hpc_usd",
    "capex_mining_usd",
    "capex_battery_usd",
    "resale_usd",
    "hpc_lease_usd",
    "fixed_om_usd",
    "operating_margin_usd",
    "residual_value_usd",
)

#: operating value of a config at a hashprice level (USD/PH/day), USD/year
OperatingValue = Callable[[Config, float], float]


def cash_flows(
    layout: Layout, design: Design, hashprice_by_year: np.ndarray, value: OperatingValue
) -> pd.DataFrame:
    """One scenario's yearly cash flows (rows: year 0..N, columns: :data:`FLOW_COLUMNS`)."""
    spec, c = layout.spec, design.config
    n = spec.horizon_years
    flows = pd.DataFrame(0.0, index=pd.RangeIndex(0, n + 1, name="year"), columns=FLOW_COLUMNS)
    lead = spec.hpc.lead_time_years
    # HPC blocks: capex when started, lease and O&M when online (blocks that would come
    # online after the horizon are not built)
    freed_mw = max(0.0, layout.mining_mw(layout.existing) - layout.mining_mw(c.containers))
    retrofit_blocks = freed_mw / layout.block_mw if spec.hpc.retrofit else 0.0
    for i in range(c.blocks):
        online = next((y for y in range(1, n + 1) if layout.blocks_online(design, y) > i), None)
        if online is None:
            continue
        share = min(max(retrofit_blocks - i, 0.0), 1.0)  # of the block in freed mining halls
        rate = share * spec.hpc.retrofit_capex + (1 - share) * spec.hpc.new_build_capex
        cost = rate * spec.hpc.block_it_mw
        paid = max(online - 1 - lead, 0)
        flows.loc[paid, "capex_hpc_usd"] -= cost
        flows.loc[n, "residual_value_usd"] += cost * max(0.0, 1 - (n - paid) / spec.hpc.life_years)
    for year in range(1, n + 1):
        it_mw = layout.blocks_online(design, year) * spec.hpc.block_it_mw
        flows.loc[year, "hpc_lease_usd"] += spec.hpc.lease * 12 * it_mw
        flows.loc[year, "fixed_om_usd"] -= spec.hpc.fixed_om * it_mw
    # mining
    new_mw = max(0.0, layout.mining_mw(c.containers) - layout.mining_mw(layout.existing))
    flows.loc[0, "capex_mining_usd"] -= spec.mining.site_capex * new_mw
    resale_year = max(min(layout.spec.hpc.lead_time_years, n), 0) if c.blocks else 0
    for k, (model, count) in enumerate(zip(layout.models, c.containers, strict=True)):
        unit = model.asic_price * layout.container_th(k)
        existing = layout.existing[k]
        bought = max(0, count - existing)
        flows.loc[0, "capex_mining_usd"] -= unit * bought
        flows.loc[resale_year, "resale_usd"] += unit * model.resale_frac * max(0, existing - count)
        for cohort, age0 in ((min(count, existing), model.age_years), (bought, 0.0)):
            if cohort:
                _replacements(flows, n, unit * cohort, age0, model.life_years)
    # battery
    choice = spec.battery_options[c.battery]
    if isinstance(choice, BatteryOption):
        cost = choice.capex_power * choice.power_mw + choice.capex_energy * choice.energy_mwh
        flows.loc[0, "capex_battery_usd"] -= cost
        flows.loc[n, "residual_value_usd"] += cost * max(0.0, 1 - n / BATTERY_LIFE_YEARS)
    for year in range(1, n + 1):
        cfg = layout.year_config(design, year)
        flows.loc[year, "fixed_om_usd"] -= spec.mining.fixed_om * layout.mining_mw(cfg.containers)
        if isinstance(choice, BatteryOption):
            flows.loc[year, "fixed_om_usd"] -= choice.fixed_om * choice.power_mw
        flows.loc[year, "operating_margin_usd"] += value(cfg, float(hashprice_by_year[year - 1]))
    flows["net_usd"] = flows[list(FLOW_COLUMNS)].sum(axis=1)
    return flows


def _replacements(flows: pd.DataFrame, n: int, cost: float, age: float, life: int) -> None:
    """Like-for-like replacement at the end of each life; book value of the last at the end."""
    bought = -age
    t = life - age
    while t < n:
        year = max(math.ceil(t), 0)
        flows.loc[year, "capex_mining_usd"] -= cost
        bought = year
        t = year + life
    flows.loc[n, "residual_value_usd"] += cost * max(0.0, 1 - (n - bought) / life)


def npv(flows: np.ndarray, rate: float) -> float:
    """Net present value of yearly flows (index 0 undiscounted), USD."""
    years = np.arange(len(flows))
    return float(np.sum(np.asarray(flows) / (1 + rate) ** years))


def irr(flows: np.ndarray, lo: float = -0.99, hi: float = 10.0, tol: float = 1e-7) -> float | None:
    """Internal rate of return by bisection; ``None`` when NPV does not change sign."""
    flows = np.asarray(flows, dtype=float)
    f_lo, f_hi = npv(flows, lo), npv(flows, hi)
    if not np.isfinite(f_lo) or not np.isfinite(f_hi) or f_lo * f_hi > 0:
        return None
    for _ in range(200):
        mid = (lo + hi) / 2
        f_mid = npv(flows, mid)
        if abs(hi - lo) < tol:
            break
        if f_lo * f_mid <= 0:
            hi = mid
        else:
            lo, f_lo = mid, f_mid
    return (lo + hi) / 2


def payback_year(flows: np.ndarray) -> int | None:
    """First year whose cumulative flow is >= 0 after an outlay; 0 without outlay."""
    cum = np.cumsum(np.asarray(flows, dtype=float))
    if cum[0] >= 0 and np.all(cum >= -1e-6):
        return 0
    hits = np.flatnonzero(cum >= 0)
    after = [int(h) for h in hits if h > 0 and np.all(cum[h:] >= -1e-6)]
    return after[0] if after else None


__all__ = ["FLOW_COLUMNS", "cash_flows", "irr", "npv", "payback_year"]
