"""The grid connection: import, export and the energy price.

Symbols (block ``grid``)::

    import_mw[t]  in [0, import_limit_mw]     power bought from the grid, MW
    export_mw[t]  in [0, export_limit_mw]     power sold to the grid, MW (only if the limit > 0)
    import_profit_usd_per_mw[t] = -(price[t] + import_adder) * dt     mutable
    export_profit_usd_per_mw[t] =  (price[t] - export_adder) * dt     mutable

    injection[t]      = import_mw[t] - export_mw[t]
    energy_cost[t]    = import_profit_usd_per_mw[t] * import_mw[t]     (negative when buying)
    export_revenue[t] = export_profit_usd_per_mw[t] * export_mw[t]

With both adders >= 0, buying and selling in the same interval never pays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyomo.core as pyo

from dispatch.assets.base import AssetDefaults, Context, PlanData, Term, Values, mutable, set_param
from dispatch.config import Grid


@dataclass(frozen=True)
class GridAsset(AssetDefaults):
    spec: Grid
    name: str = "grid"

    def build(self, b: pyo.Block, ctx: Context, data: PlanData) -> None:
        T = ctx.T
        mutable(b, "import_profit_usd_per_mw", T)
        b.import_mw = pyo.Var(T, bounds=(0, self.spec.import_limit_mw))
        if self.spec.export_limit_mw > 0:
            mutable(b, "export_profit_usd_per_mw", T)
            b.export_mw = pyo.Var(T, bounds=(0, self.spec.export_limit_mw))
        ctx.grid_import_mw = b.import_mw

    def update(self, b: pyo.Block, data: PlanData) -> list:
        price = data.price_usd_per_mwh
        set_param(
            b.import_profit_usd_per_mw, -(price + self.spec.import_adder_usd_per_mwh) * data.dt_h
        )
        if self.spec.export_limit_mw > 0:
            set_param(
                b.export_profit_usd_per_mw, (price - self.spec.export_adder_usd_per_mwh) * data.dt_h
            )
        return []

    def injection_mw(self, b: pyo.Block, t: int):  # type: ignore[no-untyped-def]
        if self.spec.export_limit_mw > 0:
            return b.import_mw[t] - b.export_mw[t]
        return b.import_mw[t]

    def terms(self, b: pyo.Block, ctx: Context) -> list[Term]:
        terms = [Term("energy_cost", "energy_cost", ((b.import_profit_usd_per_mw, b.import_mw),))]
        if self.spec.export_limit_mw > 0:
            terms.append(
                Term(
                    "export_revenue", "export_revenue", ((b.export_profit_usd_per_mw, b.export_mw),)
                )
            )
        return terms

    def columns(self, v: Values, data: PlanData) -> dict[str, np.ndarray]:
        n = data.n
        return {
            "price_usd_per_mwh": data.price_usd_per_mwh,
            "grid_import_mw": v["import_mw"],
            "grid_export_mw": v.arrays.get("export_mw", np.zeros(n)),
        }
