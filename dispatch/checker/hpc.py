"""Rules of the HPC halls (:mod:`dispatch.assets.hpc`).

==========  ===============================================================  =====
rule        what must hold                                                   unit
==========  ===============================================================  =====
``hpc``     HPC load = sum over halls of IT x PUE (and each hall's column    MW
            when there are several); 0 <= shortfall <= load;
            served = load - shortfall
==========  ===============================================================  =====

Profit term (USD per interval)::

    lost_load = -value_of_lost_load * shortfall * dt

The load, shortfall and served columns are every schedule's (the driver requires them); the
shortfall is supply and the load demand in the power balance, which the driver checks.
"""

from __future__ import annotations

import numpy as np

from dispatch.checker.base import Context, RuleSet
from dispatch.config import Site


def columns(site: Site) -> list[str]:
    if len(site.hpc_halls) > 1:
        return [f"hpc_{h.name}_mw" for h in site.hpc_halls]
    return []


def check(ctx: Context) -> None:
    it = ctx.inputs.hall_it_load_mw(ctx.site)
    total = np.zeros(ctx.n)
    for hall in ctx.site.hpc_halls:
        load = it[hall.name].to_numpy(dtype=float) * hall.pue
        total = total + load
        if len(ctx.site.hpc_halls) > 1:
            what = f"hall {hall.name}: load (IT x PUE {hall.pue:g})"
            ctx.equal("hpc", what, ctx.c(f"hpc_{hall.name}_mw"), load, ctx.tol(load))
    load, short = ctx.c("hpc_load_mw"), ctx.c("hpc_shortfall_mw")
    ctx.equal("hpc", "HPC load (IT x PUE)", load, total, ctx.tol(total))
    tol = ctx.tol(total)
    ctx.at_least("hpc", "HPC shortfall", short, np.zeros(ctx.n), tol, "zero:")
    ctx.at_most("hpc", "HPC shortfall", short, total, tol, "the HPC load")
    ctx.equal("hpc", "HPC served", ctx.c("hpc_served_mw"), total - short, tol)
    voll = ctx.site.value_of_lost_load_usd_per_mwh * ctx.dt
    ctx.profit("lost_load", -voll * short, ctx.money_tol(voll, short))


RULES = RuleSet(check=check, columns=columns)
