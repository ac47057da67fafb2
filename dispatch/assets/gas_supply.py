"""A gas supply (a well's associated gas): burnt by the gensets that name it, the rest flared.

Symbols (block ``gas_<name>``); ``G`` = the gensets whose ``fuel_supply`` is this supply,
``HR_g`` their heat rates MMBtu/MWh, ``output_g[t]`` their output (block ``genset_<g>``)::

    supply_mmbtu[t]  = flow_mmbtu_per_h[t] * dt                        mutable (RHS)
    burnt_mmbtu[t]  >= 0,  flared_mmbtu[t] >= 0
    burnt_sum[t]:    burnt_mmbtu[t] = sum_g HR_g * dt * output_g[t]
    gas_balance[t]:  burnt_mmbtu[t] + flared_mmbtu[t] = supply_mmbtu[t]

    gas_price[t]          = price_usd_per_mmbtu + index_price_share * gas_price_input[t]
    gas_profit_usd_per_mw_<g>[t] = -gas_price[t] * HR_g * dt           mutable (objective)
    gas_cost[t]           = sum_g gas_profit_usd_per_mw_<g>[t] * output_g[t]

So the gensets burn at most what the well delivers in each interval (associated gas cannot
be stored on site), and what they leave is flared.  A negative price (the producer pays to
avoid flaring) makes the cost a revenue.  The fallback plan keeps the gensets off, so
everything is flared.  The daily ``fuel_budget_mmbtu_per_day`` of a genset is the other
case: gas that can be stored within the day (line pack, a daily nomination); both may
apply to one genset.  The emission columns come from :mod:`dispatch.emissions`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyomo.core as pyo

from dispatch.assets.base import (
    AssetDefaults,
    Context,
    PlanData,
    Term,
    Values,
    mutable,
    set_param,
)
from dispatch.config import GasSupply, Genset
from dispatch.emissions import emission_columns
from dispatch.errors import DataError


def gas_price_usd_per_mmbtu(spec: GasSupply, data: PlanData) -> np.ndarray:
    """``gas_price[t]``: the fixed price plus the indexed share, USD/MMBtu."""
    price = np.full(data.n, spec.price_usd_per_mmbtu)
    if spec.index_price_share > 0:
        if data.gas_price_usd_per_mmbtu is None:
            raise DataError(
                f"gas_supplies {spec.name}: index_price_share is {spec.index_price_share:g} "
                "but the inputs give no gas_price series (e.g. Henry Hub, USD/MMBtu)"
            )
        price = price + spec.index_price_share * data.gas_price_usd_per_mmbtu
    return price


def gas_flow_mmbtu_per_h(spec: GasSupply, data: PlanData) -> np.ndarray:
    """The supply's flow in each interval: the input series, else the constant, MMBtu/h."""
    flow = data.gas_flow_mmbtu_per_h.get(spec.name)
    if flow is not None:
        return np.asarray(flow, dtype=float)
    if spec.flow_mmbtu_per_h is None:
        raise DataError(
            f"gas_supplies {spec.name}: no flow: give a gas_flow series or flow_mmbtu_per_h"
        )
    return np.full(data.n, spec.flow_mmbtu_per_h)


@dataclass(frozen=True)
class GasSupplyAsset(AssetDefaults):
    spec: GasSupply
    gensets: tuple[Genset, ...]
    dt_h: float

    @property
    def name(self) -> str:
        return f"gas_{self.spec.name}"

    def build(self, b: pyo.Block, ctx: Context, data: PlanData) -> None:
        T, dt = ctx.T, self.dt_h
        mutable(b, "supply_mmbtu", T)
        b.burnt_mmbtu = pyo.Var(T, bounds=(0, None))
        b.flared_mmbtu = pyo.Var(T, bounds=(0, None))
        outputs = [
            (g.heat_rate_mmbtu_per_mwh * dt, ctx.genset_output_mw[g.name]) for g in self.gensets
        ]
        for g in self.gensets:
            mutable(b, f"gas_profit_usd_per_mw_{g.name}", T)
        b.burnt_sum = pyo.Constraint(
            T, rule=lambda b, t: b.burnt_mmbtu[t] == sum(k * out[t] for k, out in outputs)
        )
        b.gas_balance = pyo.Constraint(
            T, rule=lambda b, t: b.burnt_mmbtu[t] + b.flared_mmbtu[t] == b.supply_mmbtu[t]
        )

    def update(self, b: pyo.Block, data: PlanData) -> list:
        set_param(b.supply_mmbtu, gas_flow_mmbtu_per_h(self.spec, data) * data.dt_h)
        price = gas_price_usd_per_mmbtu(self.spec, data)
        for g in self.gensets:
            coef = -price * g.heat_rate_mmbtu_per_mwh * data.dt_h
            set_param(getattr(b, f"gas_profit_usd_per_mw_{g.name}"), coef)
        return []

    def terms(self, b: pyo.Block, ctx: Context) -> list[Term]:
        parts = tuple(
            (getattr(b, f"gas_profit_usd_per_mw_{g.name}"), ctx.genset_output_mw[g.name])
            for g in self.gensets
        )
        return [Term(f"gas_cost_{self.spec.name}", "gas_cost", parts)]

    def columns(self, v: Values, data: PlanData) -> dict[str, np.ndarray]:
        s = self.spec.name
        supply = gas_flow_mmbtu_per_h(self.spec, data) * data.dt_h
        burnt, flared = v["burnt_mmbtu"], v["flared_mmbtu"]
        emitted = emission_columns(self.spec, burnt, flared)
        return {
            f"gas_{s}_supply_mmbtu": supply,
            f"gas_{s}_burnt_mmbtu": burnt,
            f"gas_{s}_flared_mmbtu": flared,
            f"gas_{s}_price_usd_per_mmbtu": gas_price_usd_per_mmbtu(self.spec, data),
            **{f"gas_{s}_{k}": val for k, val in emitted.items()},
        }
