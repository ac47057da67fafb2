"""Rules of the AI swing headroom (:mod:`dispatch.assets.swing_headroom`).

==============  =====================================================================  =====
rule            what must hold                                                         unit
==============  =====================================================================  =====
``inputs``      swing_mw = sum_h swing_frac_h * hall load_h                              MW
``headroom``    (import_limit - import) + free mining + short >= swing, short >= 0,     MW
                free mining = sum_f (mining_f - reserve offers_f) - MW held for
                standby DR
==============  =====================================================================  =====

Profit term (USD per interval)::

    swing_shortfall = -(value_of_lost_load / 10) * dt * short
"""

from __future__ import annotations

import numpy as np

from dispatch.checker.base import Context, RuleSet
from dispatch.checker.standby_dr import free_mining_mw, held_mw
from dispatch.config import Site

SHORTFALL_SHARE_OF_VOLL = 0.1  # as in the asset; restated here, the checker imports no model


def _active(site: Site) -> bool:
    return any(h.swing_frac > 0 for h in site.hpc_halls)


def columns(site: Site) -> list[str]:
    return ["swing_mw", "swing_short_mw"] if _active(site) else []


def check(ctx: Context) -> None:
    site = ctx.site
    if not _active(site):
        return
    it = ctx.inputs.hall_it_load_mw(site)
    swing = sum(
        (h.swing_frac * h.pue * it[h.name].to_numpy(dtype=float) for h in site.hpc_halls),
        np.zeros(ctx.n),
    )
    ctx.equal("inputs", "swing_mw", ctx.c("swing_mw"), swing, ctx.tol(swing))
    short = ctx.c("swing_short_mw")
    ctx.at_least(
        "headroom", "swing headroom short MW", short, np.zeros(ctx.n), ctx.tol(short), "zero:"
    )
    spare = site.grid.import_limit_mw - ctx.c("grid_import_mw")
    free = free_mining_mw(ctx) - (held_mw(ctx) if site.standby_dr else 0.0)
    ctx.at_least(
        "headroom",
        "spare import + free mining + short MW",
        spare + free + short,
        swing,
        ctx.tol(spare, free, swing),
        "the halls' swing",
    )
    price = SHORTFALL_SHARE_OF_VOLL * site.value_of_lost_load_usd_per_mwh * ctx.dt
    ctx.profit("swing_shortfall", -price * short, ctx.money_tol(price, short))


RULES = RuleSet(check=check, columns=columns)
