"""An announced demand-response event: an import cap with a penalty, and a credit.

Symbols (block ``dr_<name>``); ``W`` = the intervals ``[t, t + dt)`` that overlap the window
``[start, end)``: ``t < end and t + dt > start`` (a window shorter than an interval, or off the
interval grid, still covers every interval it touches: 16:05-16:10 on a 15-minute site is
the 16:00 interval)::

    excess_mw[t] >= 0                     (fixed to 0 outside W)
    cap[t]:  excess_mw[t] >= import_mw[t] - import_cap_mw           for t in W

    dr_penalty[t] = -penalty_usd_per_mwh * dt * excess_mw[t]                      t in W
    dr_credit[t]  =  credit_usd_per_mwh * dt * (baseline_mw - import_mw[t])       t in W

The credit is linear in the import, as the program settles it: importing above the baseline
in the window costs the same rate.  A cap below the firm HPC load makes the plan choose
between the penalty and lost load; either way the cause is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.core as pyo

from dispatch.assets.base import AssetDefaults, Context, PlanData, Term, Values, param_values
from dispatch.config import DemandResponseEvent, Site
from dispatch.horizon import local_timestamp


@dataclass(frozen=True)
class DemandResponseAsset(AssetDefaults):
    spec: DemandResponseEvent
    site: Site

    @property
    def name(self) -> str:
        return f"dr_{self.spec.name}"

    def window(self, index) -> np.ndarray:  # type: ignore[no-untyped-def]
        """Boolean mask of the intervals that overlap the event window."""
        start = local_timestamp(self.spec.start, self.site.timezone)
        end = local_timestamp(self.spec.end, self.site.timezone)
        dt = pd.Timedelta(minutes=self.site.interval_minutes)
        return np.asarray((index < end) & (index + dt > start))

    def shape(self, data: PlanData) -> tuple[int, ...]:
        return tuple(np.flatnonzero(self.window(data.horizon.index)).tolist())

    def build(self, b: pyo.Block, ctx: Context, data: PlanData) -> None:
        e, T = self.spec, ctx.T
        inside = self.window(data.horizon.index)
        b.in_window = pyo.Param(T, initialize=dict(enumerate(inside.astype(float))))
        b.excess_mw = pyo.Var(T, bounds=lambda b, t: (0, None if inside[t] else 0))
        g_in = ctx.grid_import_mw
        if e.import_cap_mw is not None:
            b.W = pyo.Set(initialize=np.flatnonzero(inside).tolist(), ordered=True)
            b.cap = pyo.Constraint(
                b.W, rule=lambda b, t: b.excess_mw[t] >= g_in[t] - e.import_cap_mw
            )

    def terms(self, b: pyo.Block, ctx: Context) -> list[Term]:
        e, dt = self.spec, self.site.dt_h
        inside = param_values(b.in_window)
        terms = []
        if e.import_cap_mw is not None:
            terms.append(
                Term(
                    f"dr_penalty_{e.name}",
                    "dr_penalty",
                    ((-e.penalty_usd_per_mwh * dt, b.excess_mw),),
                )
            )
        if e.baseline_mw is not None and e.credit_usd_per_mwh > 0:
            rate = e.credit_usd_per_mwh * dt
            terms.append(
                Term(
                    f"dr_credit_{e.name}",
                    "dr_credit",
                    ((-rate * inside, ctx.grid_import_mw),),
                    constant=rate * e.baseline_mw * inside,
                )
            )
        return terms

    def columns(self, v: Values, data: PlanData) -> dict[str, np.ndarray]:
        inside = self.window(data.horizon.index)
        cap = self.spec.import_cap_mw
        cols = {f"dr_{self.spec.name}_active": inside.astype(float)}
        if cap is not None:
            cols[f"dr_{self.spec.name}_import_cap_mw"] = np.where(inside, cap, np.nan)
            cols[f"dr_{self.spec.name}_excess_mw"] = v["excess_mw"]
        return cols
