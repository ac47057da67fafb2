"""On-site solar, wind or hydro: curtailable output up to what is available.

Symbols (block ``solar``)::

    available_mw[t] = solar_cf[t] * capacity_mw        (0 in the fallback plan)
    output_mw[t]   in [0, available_mw[t]]           bound set per plan

    injection[t]       = output_mw[t]
    renewable_cost[t]  = -tariff_usd_per_mwh * dt * output_mw[t]     (only when the tariff != 0)

The same asset is a hydro-surplus contract (``kind: hydro``, the available series = the
surplus MW offered, the tariff = the contract price per MWh taken) or a curtailed-wind
offtake (``kind: wind``, the series = the MW the farm would otherwise curtail).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyomo.core as pyo

from dispatch.assets.base import (
    AssetDefaults,
    Context,
    Mode,
    PlanData,
    Term,
    Values,
    set_bounds,
)
from dispatch.config import Solar


@dataclass(frozen=True)
class SolarAsset(AssetDefaults):
    spec: Solar
    name: str = "solar"

    def available_mw(self, data: PlanData) -> np.ndarray:
        if data.solar_cf is None:
            return np.zeros(data.n)
        return np.clip(data.solar_cf, 0.0, 1.0) * self.spec.capacity_mw

    def build(self, b: pyo.Block, ctx: Context, data: PlanData) -> None:
        b.output_mw = pyo.Var(ctx.T, bounds=(0, 0))

    def update(self, b: pyo.Block, data: PlanData) -> list:
        fallback = data.mode == Mode.FALLBACK
        return set_bounds(b.output_mw, 0.0, 0.0 if fallback else self.available_mw(data))

    def injection_mw(self, b: pyo.Block, t: int):  # type: ignore[no-untyped-def]
        return b.output_mw[t]

    def terms(self, b: pyo.Block, ctx: Context) -> list[Term]:
        tariff = self.spec.tariff_usd_per_mwh
        if tariff == 0:
            return []
        coef = -tariff * ctx.horizon.dt_h
        return [Term("renewable_cost", "renewable_cost", ((coef, b.output_mw),))]

    def columns(self, v: Values, data: PlanData) -> dict[str, np.ndarray]:
        return {"solar_mw": v["output_mw"], "solar_available_mw": self.available_mw(data)}
