"""Rules of the monthly demand charge (:mod:`dispatch.assets.demand_charge`).

======================  ==========================================================  =====
rule                    what must hold                                              unit
======================  ==========================================================  =====
``demand_charge_peak``  billing_peak[t] = max(billing_peak[t-1], import[t]), from    MW
                        the carried peak (or 0 in a new month); at least that when
                        the rate is 0
======================  ==========================================================  =====

Profit term (USD per interval)::

    demand_charge = -rate * weight * (peak[t] - peak[t-1])             running month peak
                    (weight: 1, or the prorated share the plan weighed a new peak at)
"""

from __future__ import annotations

import numpy as np

from dispatch.checker.base import Context, RuleSet
from dispatch.config import Site


def columns(site: Site) -> list[str]:
    return [] if site.demand_charge is None else ["billing_peak_mw"]


def check(ctx: Context) -> None:
    dc = ctx.site.demand_charge
    if dc is None or not ctx.n:
        return
    imp, peak = ctx.c("grid_import_mw"), ctx.c("billing_peak_mw")
    month = ctx.index.year * 12 + ctx.index.month
    carried = ctx.state.peak_for(ctx.index[0])
    true = np.empty(ctx.n)
    prev_true = np.empty(ctx.n)
    running = carried
    for t in range(ctx.n):
        if t > 0 and month[t] != month[t - 1]:
            running = 0.0
        prev_true[t] = running
        running = max(running, imp[t])
        true[t] = running
    what = "billing peak MW (running max of import this month)"
    tol = ctx.tol(true)
    if dc.rate_usd_per_mw > 0:
        ctx.equal("demand_charge_peak", what, peak, true, tol)
    else:
        ctx.at_least("demand_charge_peak", what, peak, true, tol, "the running peak")
    rate = dc.rate_usd_per_mw * ctx.demand_charge_weight
    ctx.profit("demand_charge", -rate * (true - prev_true), 2 * ctx.money_tol(rate, true))


RULES = RuleSet(check=check, columns=columns)
