"""Rules of the grid connection (:mod:`dispatch.assets.grid`).

==============  ==============================================================  =====
rule            what must hold                                                  unit
==============  ==============================================================  =====
``grid_limit``  0 <= import <= import_limit, 0 <= export <= export_limit        MW
==============  ==============================================================  =====

Profit terms (USD per interval; costs negative)::

    energy_cost    = -(price + import_adder) * dt * import
    export_revenue =  (price - export_adder) * dt * export      (when export_limit > 0)

The import, export and price columns are every schedule's (the driver requires them and
checks the price against the inputs); import - export is supply in the power balance.
"""

from __future__ import annotations

import numpy as np

from dispatch.checker.base import Context, RuleSet


def check(ctx: Context) -> None:
    g, dt = ctx.site.grid, ctx.dt
    imp, exp_ = ctx.c("grid_import_mw"), ctx.c("grid_export_mw")
    zero = np.zeros(ctx.n)
    for what, value, limit in (
        ("grid import", imp, g.import_limit_mw),
        ("grid export", exp_, g.export_limit_mw),
    ):
        tol = ctx.tol(value, limit)
        ctx.at_least("grid_limit", what, value, zero, tol, "zero:")
        ctx.at_most("grid_limit", what, value, np.full(ctx.n, limit), tol, "the limit")
    price = ctx.c("price_usd_per_mwh")
    buy = (price + g.import_adder_usd_per_mwh) * dt
    ctx.profit("energy_cost", -buy * imp, ctx.money_tol(buy, imp))
    if g.export_limit_mw > 0:
        sell = (price - g.export_adder_usd_per_mwh) * dt
        ctx.profit("export_revenue", sell * exp_, ctx.money_tol(sell, exp_))


RULES = RuleSet(check=check)
