"""Rules of the reserve products (:mod:`dispatch.assets.reserves`).

=====================  ===============================================================  =====
rule                   what must hold                                                   unit
=====================  ===============================================================  =====
``inputs``             the price column equals the inputs' clearing price                 -
``reserve_offer``      every offer >= 0; 0 in the counterfactuals and the fallback        MW
``reserve_hourly``     an offer is the same in every interval of a clock hour             MW
``reserve_provider``   no offer column for an HPC hall (the AI load never offers)         -
``reserve_fleet``      sum_k offer_k,f <= the fleet's mining MW (sold once, from what     MW
                       it draws)
``reserve_battery``    sum_k offer_k,b <= power_mw - discharge + charge; and              MW,
                       sum_k offer_k,b * D_k / eta_d <= SOC - soc_min at both ends of     MWh
                       the interval (SOC before the first = the starting charge)
``totals``             reserve_offered_mw = the sum of the offers                         MW
=====================  ===============================================================  =====

Profit terms (USD per interval; costs negative)::

    reserve_revenue         = sum_k mcpc_k * dt * sum_p offer_k,p
    reserve_deployment_cost = -sum_k phi_k * dt * sum_p lost_p * offer_k,p
        lost_f = max(breakeven_f - (price + import_adder), 0), lost_battery = wear_cost
"""

from __future__ import annotations

import numpy as np

from dispatch.checker.base import Context, RuleSet
from dispatch.config import Site


def _hour(ctx: Context) -> np.ndarray:
    keys = ctx.index.tz_convert("UTC").floor("h").asi8
    return np.concatenate(([0], np.cumsum(keys[1:] != keys[:-1]))).astype(int)


def columns(site: Site) -> list[str]:
    cols = []
    for k in site.reserve_products:
        cols.append(f"reserve_{k.name}_price_usd_per_mw_h")
        cols += [f"reserve_{k.name}_{p}_mw" for p in k.providers]
    return [*cols, "reserve_offered_mw"] if site.reserve_products else []


def _lost(ctx: Context, provider: str) -> np.ndarray:
    site = ctx.site
    if provider == "battery":
        assert site.battery is not None
        return np.full(ctx.n, site.battery.wear_cost_usd_per_mwh)
    f = next(fl for fl in site.fleets if fl.name == provider)
    hashprice = ctx.inputs.hashprice_usd_per_ph_day.to_numpy(dtype=float)
    breakeven = hashprice * (1 - f.pool_fee_frac) * 1000 / (f.j_per_th * 24)
    buy = ctx.c("price_usd_per_mwh") + site.grid.import_adder_usd_per_mwh
    return np.clip(breakeven - buy, 0.0, None)


def check(ctx: Context) -> None:
    site, n, dt = ctx.site, ctx.n, ctx.dt
    if not site.reserve_products:
        return
    for hall in site.hpc_halls:
        for k in site.reserve_products:
            col = f"reserve_{k.name}_{hall.name}_mw"
            if col in ctx.s.columns:
                ctx.flag(
                    "reserve_provider",
                    np.ones(n),
                    np.arange(n) == 0,
                    lambda t, col=col: f"{col}: the HPC hall is never part of a reserve offer",
                )
    hour = _hour(ctx)
    same = np.r_[False, hour[1:] == hour[:-1]]
    by_provider: dict[str, list[tuple[object, np.ndarray]]] = {}
    total = np.zeros(n)
    zero = np.zeros(n)
    for k in site.reserve_products:
        price = ctx.c(f"reserve_{k.name}_price_usd_per_mw_h")
        given = ctx.inputs.reserve_price_usd_per_mw_h.get(k.name)
        if given is not None:
            expected = given.to_numpy(dtype=float)
            ctx.equal("inputs", f"reserve {k.name} price", price, expected, ctx.tol(expected))
        revenue = np.zeros(n)
        cost = np.zeros(n)
        rev_tol = np.zeros(n)
        cost_tol = np.zeros(n)
        for p in k.providers:
            offer = ctx.c(f"reserve_{k.name}_{p}_mw")
            who = f"reserve {k.name} offer from {p}"
            tol = ctx.tol(offer)
            ctx.at_least("reserve_offer", who, offer, zero, tol, "zero:")
            if ctx.mode != "optimise":
                ctx.at_most("reserve_offer", who, offer, zero, tol, f"a {ctx.mode} plan's offer")
            before = np.r_[offer[:1], offer[:-1]]
            ctx.flag(
                "reserve_hourly",
                offer - before,
                same & (np.abs(offer - before) > tol),
                lambda t, offer=offer, before=before, who=who: (
                    f"{who} is {offer[t]:.6g} MW at {ctx.when(t)} but {before[t]:.6g} MW "
                    "earlier in the same hour (offers are hourly)"
                ),
            )
            by_provider.setdefault(p, []).append((k, offer))
            total = total + offer
            revenue = revenue + price * dt * offer
            rev_tol = rev_tol + ctx.money_tol(price * dt, offer)
            rate = k.deployed_share_frac * dt * _lost(ctx, p)
            cost = cost - rate * offer
            cost_tol = cost_tol + ctx.money_tol(rate, offer)
        ctx.profit("reserve_revenue", revenue, rev_tol)
        if k.deployed_share_frac > 0:
            ctx.profit("reserve_deployment_cost", cost, cost_tol)
    for f in site.fleets:
        sold = by_provider.get(f.name)
        if not sold:
            continue
        offered = sum(o for _, o in sold)
        mining = ctx.c(f"{f.name}_mining_mw")
        ctx.at_most(
            "reserve_fleet",
            f"reserve offers from fleet {f.name} MW",
            offered,
            mining,
            ctx.tol(offered, mining),
            "the fleet's mining MW (it sheds only what it draws)",
        )
    sold_b = by_provider.get("battery")
    if sold_b and site.battery is not None:
        b = site.battery
        offered = sum(o for _, o in sold_b)
        ch, dis = ctx.c("battery_charge_mw"), ctx.c("battery_discharge_mw")
        room = b.power_mw - dis + ch
        ctx.at_most(
            "reserve_battery",
            "battery reserve offers MW",
            offered,
            room,
            ctx.tol(offered, b.power_mw),
            "power_mw - discharge + charge",
        )
        energy = sum(o * k.duration_h for k, o in sold_b) / b.discharge_efficiency  # type: ignore[attr-defined]
        soc = ctx.c("battery_soc_mwh")
        lo, hi = b.soc_min_frac * b.energy_mwh, b.soc_max_frac * b.energy_mwh
        soc0 = ctx.state.battery_soc_mwh
        soc0 = b.soc_initial_frac * b.energy_mwh if soc0 is None else soc0
        soc0 = float(min(max(soc0, lo), hi))
        for what, level in (("start", np.r_[soc0, soc[:-1]]), ("end", soc)):
            ctx.at_most(
                "reserve_battery",
                "battery reserve energy (offer x duration / eta_d) MWh",
                energy,
                level - lo,
                ctx.tol(energy, b.energy_mwh),
                f"the SOC above soc_min at the {what} of the interval",
            )
    ctx.equal(
        "totals",
        "reserve_offered_mw (sum of the offers)",
        ctx.c("reserve_offered_mw"),
        total,
        ctx.tol(total),
    )


RULES = RuleSet(check=check, columns=columns)
