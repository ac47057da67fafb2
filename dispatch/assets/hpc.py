"""The firm AI/HPC load: served in full whenever physically possible.

Symbols (block ``hpc``)::

    load_mw[t]       = sum over halls of it_load_mw[t] * pue              mutable, MW
    shortfall_mw[t]  in [0, load_mw[t]]     (bound set per plan)          MW not served

    injection[t] = shortfall_mw[t] - load_mw[t]
    lost_load[t] = -value_of_lost_load * dt * shortfall_mw[t]

The shortfall keeps the problem feasible when the site cannot supply the load (import limit,
DR cap); any shortfall makes the plan ``at_risk``.
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
    set_bounds,
    set_param,
)
from dispatch.config import HpcHall


@dataclass(frozen=True)
class HpcAsset(AssetDefaults):
    halls: tuple[HpcHall, ...]
    value_of_lost_load_usd_per_mwh: float
    dt_h: float
    name: str = "hpc"

    def build(self, b: pyo.Block, ctx: Context, data: PlanData) -> None:
        mutable(b, "load_mw", ctx.T)
        b.shortfall_mw = pyo.Var(ctx.T, bounds=(0, 0))

    def load_mw(self, data: PlanData) -> np.ndarray:
        total = np.zeros(data.n)
        for hall in self.halls:
            total = total + data.hall_load_mw[hall.name]
        return total

    def update(self, b: pyo.Block, data: PlanData) -> list:
        load = self.load_mw(data)
        set_param(b.load_mw, load)
        return set_bounds(b.shortfall_mw, 0.0, load)

    def injection_mw(self, b: pyo.Block, t: int):  # type: ignore[no-untyped-def]
        return b.shortfall_mw[t] - b.load_mw[t]

    def terms(self, b: pyo.Block, ctx: Context) -> list[Term]:
        coef = -self.value_of_lost_load_usd_per_mwh * self.dt_h
        return [Term("lost_load", "lost_load", ((coef, b.shortfall_mw),))]

    def columns(self, v: Values, data: PlanData) -> dict[str, np.ndarray]:
        load = self.load_mw(data)
        cols = {"hpc_load_mw": load}
        if len(self.halls) > 1:
            for hall in self.halls:
                cols[f"hpc_{hall.name}_mw"] = data.hall_load_mw[hall.name]
        cols["hpc_shortfall_mw"] = v["shortfall_mw"]
        cols["hpc_served_mw"] = load - v["shortfall_mw"]
        return cols
