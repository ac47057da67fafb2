"""Reserve products (ancillary services): capacity sold from what the fleets draw and from
the battery, co-optimised with energy (DESIGN.md section 8, docs/revenue_stacking.md).

One asset for every product, so that "the same MW is sold once" is one constraint per
provider.  Symbols (block ``reserves``); ``k`` a product, ``p`` one of its providers (a fleet
``f`` or the battery ``b``); intervals share an hour when they start in the same clock hour
(UTC-aligned: the local clock hour in ERCOT's and every whole-hour-offset timezone)::

    offer_<k>_<p>_mw[t]  in [0, ub[t]]     MW of product k offered by provider p in t
                         ub[t] = 0 when the mode is not "optimise" (the counterfactuals and
                         the fallback sell nothing) or the clearing price is <= 0; else none
    hourly_<k>_<p>[t]:   offer[t] = offer[t-1]          for t in the same hour as t-1
                         (ERCOT awards ancillary services per hour)

    fleet_<f>[t]:        sum_k offer_<k>_<f>_mw[t] <= mining_mw_f[t]
                         (a fleet sheds only what it draws; every mining MW is sheddable:
                         the firmware drops a miner to ~25 W within seconds, so the
                         min-power floor of running containers is no floor for a reserve)
    battery_power[t]:    sum_k offer_<k>_b_mw[t] <= power_mw - discharge_mw[t] + charge_mw[t]
    battery_soc_start[t]: sum_k offer_<k>_b_mw[t] * D_k / eta_d <= soc_mwh[t-1] - soc_min
    battery_soc_end[t]:   sum_k offer_<k>_b_mw[t] * D_k / eta_d <= soc_mwh[t]   - soc_min
                         (soc_mwh[-1] = the initial charge; D_k = max_deployment_minutes / 60:
                         the battery can sustain every product's deployment for its duration,
                         from the charge at either end of the interval)

Profit terms, per product k (USD per interval)::

    reserve_revenue[t]         = mcpc_k[t] * dt * sum_p offer_<k>_<p>_mw[t]
    reserve_deployment_cost[t] = -phi_k * dt * sum_p lost_p[t] * offer_<k>_<p>_mw[t]
        lost_f[t] = max(breakeven_f[t] - (price[t] + import_adder), 0)   USD/MWh: the mining
                    margin a deployed MW gives up (hash revenue less the energy not bought);
                    0 where mining loses money (deploying then saves, counted as nothing)
        lost_b[t] = wear_cost_usd_per_mwh                                the battery's wear

``phi_k`` is the product's ``deployed_share_frac``.  Prices, breakevens and bounds are mutable
parameters and bounds; the hour grouping is the asset's shape (part of the model cache key).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.core as pyo

from dispatch.assets.base import (
    AssetDefaults,
    Context,
    Mode,
    PlanData,
    Term,
    Values,
    mutable,
    set_bounds,
    set_param,
)
from dispatch.config import ReserveProduct, Site

BATTERY = "battery"


def hour_groups(index: pd.DatetimeIndex) -> np.ndarray:
    """For each interval, the number of the clock hour it starts in (0, 1, ...): two intervals
    share an offer when they share a number (a repeated fall-back hour is two hours)."""
    keys = index.tz_convert("UTC").floor("h").asi8
    return np.concatenate(([0], np.cumsum(keys[1:] != keys[:-1]))).astype(int)


def offer_column(product: str, provider: str) -> str:
    return f"reserve_{product}_{provider}_mw"


def lost_margin_usd_per_mwh(site: Site, provider: str, data: PlanData) -> np.ndarray:
    """What one deployed MWh of ``provider`` gives up, USD/MWh (see the module docstring)."""
    if provider == BATTERY:
        assert site.battery is not None
        return np.full(data.n, site.battery.wear_cost_usd_per_mwh)
    f = next(fl for fl in site.fleets if fl.name == provider)
    breakeven = data.hashprice_usd_per_ph_day * (1 - f.pool_fee_frac) * 1000 / (f.j_per_th * 24)
    buy = data.price_usd_per_mwh + site.grid.import_adder_usd_per_mwh
    return np.clip(breakeven - buy, 0.0, None)


@dataclass(frozen=True)
class ReservesAsset(AssetDefaults):
    products: tuple[ReserveProduct, ...]
    site: Site
    name: str = "reserves"

    def pairs(self) -> list[tuple[ReserveProduct, str]]:
        return [(k, p) for k in self.products for p in k.providers]

    def shape(self, data: PlanData) -> Hashable:
        return tuple(hour_groups(data.horizon.index).tolist())

    def build(self, b: pyo.Block, ctx: Context, data: PlanData) -> None:
        T = ctx.T
        hour = hour_groups(data.horizon.index)
        same = [t for t in range(1, data.n) if hour[t] == hour[t - 1]]
        offers: dict[str, list[tuple[ReserveProduct, pyo.Var]]] = {}
        for k, p in self.pairs():
            var = pyo.Var(T, bounds=(0, None))
            b.add_component(f"offer_{k.name}_{p}_mw", var)
            mutable(b, f"revenue_{k.name}_{p}", T)
            mutable(b, f"deploy_{k.name}_{p}", T)
            if same:
                b.add_component(
                    f"hourly_{k.name}_{p}",
                    pyo.Constraint(same, rule=lambda b, t, v=var: v[t] == v[t - 1]),
                )
            offers.setdefault(p, []).append((k, var))
        for f in self.site.fleets:
            sold = offers.get(f.name)
            if not sold:
                continue
            mining = ctx.mining_mw[f.name]
            b.add_component(
                f"fleet_{f.name}",
                pyo.Constraint(
                    T, rule=lambda b, t, sold=sold, m=mining: sum(v[t] for _, v in sold) <= m(t)
                ),
            )
            ctx.reserve_offer_mw[f.name] = lambda t, sold=sold: sum(v[t] for _, v in sold)
        sold_b = offers.get(BATTERY)
        if sold_b:
            s, bat = self.site.battery, ctx.battery
            assert s is not None and bat is not None
            soc_min = s.soc_min_frac * s.energy_mwh
            eta_d = s.discharge_efficiency

            def energy(t: int):  # type: ignore[no-untyped-def]
                return sum(v[t] * k.duration_h / eta_d for k, v in sold_b)

            b.battery_power = pyo.Constraint(
                T,
                rule=lambda b, t: (
                    sum(v[t] for _, v in sold_b) + bat.discharge_mw[t] - bat.charge_mw[t]
                    <= s.power_mw
                ),
            )
            b.battery_soc_start = pyo.Constraint(
                T,
                rule=lambda b, t: (
                    energy(t) - (bat.soc_mwh[t - 1] if t > 0 else bat.soc_initial_mwh) <= -soc_min
                ),
            )
            b.battery_soc_end = pyo.Constraint(
                T, rule=lambda b, t: energy(t) - bat.soc_mwh[t] <= -soc_min
            )

    def update(self, b: pyo.Block, data: PlanData) -> list:
        changed: list = []
        for k, p in self.pairs():
            price = data.reserve_price_usd_per_mw_h[k.name]
            set_param(b.component(f"revenue_{k.name}_{p}"), price * data.dt_h)
            lost = lost_margin_usd_per_mwh(self.site, p, data)
            set_param(
                b.component(f"deploy_{k.name}_{p}"), -k.deployed_share_frac * data.dt_h * lost
            )
            ub = np.where(price > 0, np.nan, 0.0) if data.mode == Mode.OPTIMISE else 0.0
            changed += set_bounds(b.component(f"offer_{k.name}_{p}_mw"), 0.0, ub)
        return changed

    def terms(self, b: pyo.Block, ctx: Context) -> list[Term]:
        terms = []
        for k in self.products:
            revenue = tuple(
                (b.component(f"revenue_{k.name}_{p}"), b.component(f"offer_{k.name}_{p}_mw"))
                for p in k.providers
            )
            terms.append(Term(f"reserve_revenue_{k.name}", "reserve_revenue", revenue))
            if k.deployed_share_frac > 0:
                cost = tuple(
                    (b.component(f"deploy_{k.name}_{p}"), b.component(f"offer_{k.name}_{p}_mw"))
                    for p in k.providers
                )
                terms.append(
                    Term(f"reserve_deployment_cost_{k.name}", "reserve_deployment_cost", cost)
                )
        return terms

    def columns(self, v: Values, data: PlanData) -> dict[str, np.ndarray]:
        cols: dict[str, np.ndarray] = {}
        total = np.zeros(data.n)
        for k in self.products:
            cols[f"reserve_{k.name}_price_usd_per_mw_h"] = data.reserve_price_usd_per_mw_h[k.name]
            for p in k.providers:
                offer = v[f"offer_{k.name}_{p}_mw"]
                cols[offer_column(k.name, p)] = offer
                total = total + offer
        cols["reserve_offered_mw"] = total
        return cols
