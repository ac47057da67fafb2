"""Monthly demand charge on the billing month's peak import, charged as the peak rises.

Symbols (block ``demand_charge``)::

    peak_mw[t]       >= 0    the billing month's peak import through interval t
    increase_mw[t]   >= 0    how much interval t raises it

    above_import[t]: peak_mw[t] >= import_mw[t]
    running[t]:      peak_mw[t] = peak_mw[t-1] * same_month[t] + increase_mw[t]
                     (peak_mw[-1] = peak_so_far: carried state, or the site file's value)
    demand_charge[t] = charge_usd_per_mw[t] * increase_mw[t]
    charge_usd_per_mw[t] = -rate_usd_per_mw * weight                        mutable

``weight`` is 1 (``demand_charge="full"``, as DESIGN.md states) or, with
``demand_charge="prorate"``, the share of the billing month's remaining time the horizon
covers (see :func:`prorate_weight`): a MW added to the month's peak is paid once but serves
every remaining hour of the month, and a 48-hour horizon that pays the full rate for it
holds the peak, and mining, too low early in the month.  The term then reports that share
of the charge; a backtest bills the true charge of the kept step.

At the optimum ``sum(increase_mw)`` over a month is ``max(0, max(import) - peak_so_far)``, so
the cost is ``rate * (peak - peak_so_far)`` as DESIGN.md states.  A new billing month inside
the horizon starts from zero.

Where the increases fall inside a month does not change the objective, so the LP may raise
``peak_mw`` before the import that sets it.  ``tidy`` replaces them by the canonical running
maximum of the import (same monthly total, never more)::

    peak_mw[t] = max(peak_mw[t-1] (same month; peak_so_far before t=0), import_mw[t])

so the charge is attributed to the interval that sets the new peak, and the billing peak
column and the state carried to the next rolling step are the real peak so far.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
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
from dispatch.config import DemandCharge
from dispatch.horizon import local_timestamp
from dispatch.state import SiteState


@dataclass(frozen=True)
class DemandChargeAsset(AssetDefaults):
    spec: DemandCharge
    name: str = "demand_charge"

    def shape(self, data: PlanData) -> None:
        return None  # month boundaries are part of the horizon's shape

    def build(self, b: pyo.Block, ctx: Context, data: PlanData) -> None:
        T, g_in = ctx.T, ctx.grid_import_mw
        new_month = np.r_[True, np.diff(data.horizon.month_id) != 0]
        b.peak_so_far_mw = pyo.Param(mutable=True, initialize=0, within=pyo.Reals)
        mutable(b, "charge_usd_per_mw", T)
        b.import_mw = pyo.Reference(g_in)  # read back in tidy()
        b.peak_mw = pyo.Var(T, bounds=(0, None))
        b.increase_mw = pyo.Var(T, bounds=(0, None))
        b.above_import = pyo.Constraint(T, rule=lambda b, t: b.peak_mw[t] >= g_in[t])
        b.running = pyo.Constraint(
            T,
            rule=lambda b, t: (
                b.peak_mw[t] - b.increase_mw[t] - (0 if new_month[t] else b.peak_mw[t - 1])
                == (b.peak_so_far_mw if t == 0 else 0)
            ),
        )

    def update(self, b: pyo.Block, data: PlanData) -> list:
        b.peak_so_far_mw.set_value(data.state.peak_for(data.horizon.index[0]))
        set_param(b.charge_usd_per_mw, -self.spec.rate_usd_per_mw * data.demand_charge_weight)
        return []

    def terms(self, b: pyo.Block, ctx: Context) -> list[Term]:
        return [Term("demand_charge", "demand_charge", ((b.charge_usd_per_mw, b.increase_mw),))]

    def tidy(self, v: Values, data: PlanData) -> Values:
        new_month = np.r_[True, np.diff(data.horizon.month_id) != 0]
        peak = np.empty(data.n)
        running = data.state.peak_for(data.horizon.index[0])
        for t, imported in enumerate(v["import_mw"]):
            if new_month[t] and t > 0:
                running = 0.0
            running = max(running, float(imported))
            peak[t] = running
        start = np.where(new_month, 0.0, np.r_[0.0, peak[:-1]])
        start[0] = data.state.peak_for(data.horizon.index[0])
        return Values({**v.arrays, "peak_mw": peak, "increase_mw": peak - start})

    def columns(self, v: Values, data: PlanData) -> dict[str, np.ndarray]:
        return {"billing_peak_mw": v["peak_mw"]}

    def state_after(self, v: Values, k: int, data: PlanData, state: SiteState) -> SiteState:
        ts = data.horizon.index[k]
        return state.replace(peak_so_far_mw=float(v["peak_mw"][k]), peak_month=(ts.year, ts.month))


def prorate_weight(timezone: str, start: pd.Timestamp, horizon_end: pd.Timestamp) -> float:
    """The share of the billing month's remaining time that a horizon covers::

        weight = (min(horizon_end, month_end) - start) / (month_end - start)

    ``month_end``: the next local first-of-month after ``start`` (1 on the month's last days).
    """
    local = start.tz_convert(timezone).tz_localize(None)
    first = (local.normalize() - pd.Timedelta(days=local.day - 1)) + pd.DateOffset(months=1)
    month_end = local_timestamp(first, timezone)
    return float((min(horizon_end, month_end) - start) / (month_end - start))
