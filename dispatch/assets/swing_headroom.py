"""AI swing headroom: enough sheddable mining to absorb the halls' sub-interval rise without
breaching the import limit (DESIGN.md section 8, docs/revenue_stacking.md).

AI training loads swing within an interval (synchronised steps, checkpoints).  A hall may
declare ``swing_frac``; the site then keeps, in every interval, room for the rise::

    swing_mw[t] = sum_h swing_frac_h * hall_load_h[t]                  mutable, MW
    free_mw[t]  = sum_f (mining_mw_f[t] - reserve_offer_mw_f[t]) - standby_held_mw[t]
                  (mining not already sold as reserves or held for standby DR)
    short_mw[t] >= 0                                                   headroom not held

    headroom[t]: (import_limit_mw - import_mw[t]) + free_mw[t] + short_mw[t] >= swing_mw[t]

i.e. ``import + swing <= import limit + sheddable mining``: a sudden AI rise is met by the
spare import capacity plus miners shedding, never by breaching the limit.  Mining counts on
both sides (it draws through the import and can shed what it draws), so the rule binds what
cannot shed: the HPC load itself, battery charging, and the MW already sold as reserves or
standby DR (a MW sold once is not also the AI load's buffer).

``short_mw`` keeps the plan feasible when even that is not enough (the HPC load and its swing
above the limit with nothing to shed); it costs ``value_of_lost_load / 10`` per MWh, far above
any reserve price, so headroom is never sold, and below the value of lost load, so the HPC load
is never cut to hold it::

    swing_shortfall[t] = -(value_of_lost_load / 10) * dt * short_mw[t]
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
from dispatch.config import Site

#: The headroom shortfall's price, as a share of the value of lost load.
SHORTFALL_SHARE_OF_VOLL = 0.1


def swing_mw(site: Site, data: PlanData) -> np.ndarray:
    """The halls' declared sub-interval rise, MW, per interval."""
    total = np.zeros(data.n)
    for hall in site.hpc_halls:
        total = total + hall.swing_frac * data.hall_load_mw[hall.name]
    return total


@dataclass(frozen=True)
class SwingHeadroomAsset(AssetDefaults):
    site: Site
    name: str = "swing_headroom"

    def build(self, b: pyo.Block, ctx: Context, data: PlanData) -> None:
        T, limit = ctx.T, self.site.grid.import_limit_mw
        mutable(b, "swing_mw", T)
        b.short_mw = pyo.Var(T, bounds=(0, None))
        g_in = ctx.grid_import_mw
        fleets = [f.name for f in self.site.fleets]

        def free(t: int):  # type: ignore[no-untyped-def]
            total = 0
            for f in fleets:
                total += ctx.mining_mw[f](t)
                if f in ctx.reserve_offer_mw:
                    total -= ctx.reserve_offer_mw[f](t)
            if ctx.standby_held_mw is not None:
                total -= ctx.standby_held_mw(t)
            return total

        b.headroom = pyo.Constraint(
            T, rule=lambda b, t: -g_in[t] + free(t) + b.short_mw[t] - b.swing_mw[t] >= -limit
        )

    def update(self, b: pyo.Block, data: PlanData) -> list:
        set_param(b.swing_mw, swing_mw(self.site, data))
        return []

    def terms(self, b: pyo.Block, ctx: Context) -> list[Term]:
        price = SHORTFALL_SHARE_OF_VOLL * self.site.value_of_lost_load_usd_per_mwh
        return [
            Term("swing_shortfall", "swing_shortfall", ((-price * self.site.dt_h, b.short_mw),))
        ]

    def columns(self, v: Values, data: PlanData) -> dict[str, np.ndarray]:
        return {"swing_mw": swing_mw(self.site, data), "swing_short_mw": v["short_mw"]}
