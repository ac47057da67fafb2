"""Rules of the demand-response events (:mod:`dispatch.assets.demand_response`).

==========  ======================================================================  =====
rule        what must hold                                                          unit
==========  ======================================================================  =====
``dr``      active = [t, t+dt) overlaps [start, end); cap column = cap in the window    MW
            (empty outside); excess = max(0, import - cap) in the window, 0 outside
==========  ======================================================================  =====

Profit terms (USD per interval; costs negative)::

    dr_penalty = -sum_e penalty_e * excess_e * dt
    dr_credit  =  sum_e credit_e * (baseline_e - import) * dt       in e's window

The cap column is empty (NaN) outside the window by design.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dispatch.checker.base import Context, RuleSet
from dispatch.config import Site


def columns(site: Site) -> list[str]:
    cols: list[str] = []
    for e in site.dr_events:
        cols.append(f"dr_{e.name}_active")
        if e.import_cap_mw is not None:
            cols += [f"dr_{e.name}_import_cap_mw", f"dr_{e.name}_excess_mw"]
    return cols


def nan_allowed(site: Site) -> list[str]:
    return [f"dr_{e.name}_import_cap_mw" for e in site.dr_events]


def check(ctx: Context) -> None:
    imp, dt = ctx.c("grid_import_mw"), ctx.dt
    for e in ctx.site.dr_events:
        who = f"DR event {e.name}"
        start, end = ctx.local(e.start), ctx.local(e.end)
        step = pd.Timedelta(hours=dt)
        inside = np.asarray((ctx.index < end) & (ctx.index + step > start))  # overlaps
        ctx.equal(
            "dr",
            f"{who}: active flag",
            ctx.c(f"dr_{e.name}_active"),
            inside.astype(float),
            np.full(ctx.n, ctx.frac_tol),
        )
        if e.import_cap_mw is not None:
            cap_col = ctx.c(f"dr_{e.name}_import_cap_mw")
            wrong = np.where(inside, ~np.isclose(cap_col, e.import_cap_mw), ~np.isnan(cap_col))
            ctx.flag(
                "dr",
                np.nan_to_num(cap_col - e.import_cap_mw),
                wrong,
                lambda t, cap_col=cap_col, who=who, e=e, inside=inside: (
                    f"{who}: import cap column is "
                    f"{cap_col[t]:.6g} at {ctx.when(t)}, expected "
                    f"{e.import_cap_mw if inside[t] else 'empty (outside the window)'}"
                ),
            )
            excess = ctx.c(f"dr_{e.name}_excess_mw")
            true = np.where(inside, np.clip(imp - e.import_cap_mw, 0, None), 0.0)
            ctx.equal(
                "dr",
                f"{who}: excess import over the {e.import_cap_mw:g} MW cap",
                excess,
                true,
                ctx.tol(imp, e.import_cap_mw),
            )
            pen = e.penalty_usd_per_mwh * dt
            ctx.profit("dr_penalty", -pen * true, ctx.money_tol(pen, imp))
        if e.baseline_mw is not None and e.credit_usd_per_mwh > 0:
            rate = e.credit_usd_per_mwh * dt * inside
            ctx.profit(
                "dr_credit",
                rate * (e.baseline_mw - imp),
                ctx.money_tol(rate, imp) + ctx.money_rtol * rate * e.baseline_mw,
            )


RULES = RuleSet(check=check, columns=columns, nan_allowed=nan_allowed)
