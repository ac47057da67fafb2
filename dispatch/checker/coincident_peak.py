"""Rules of the coincident-peak charge (:mod:`dispatch.assets.coincident_peak`).

==========  ======================================================================  =====
rule        what must hold                                                          unit
==========  ======================================================================  =====
``inputs``  ``cp_probability`` equals the inputs' (0 without a series)              -
==========  ======================================================================  =====

Profit term (USD per interval)::

    coincident_peak = -charge * cp_probability * import
"""

from __future__ import annotations

import numpy as np

from dispatch.checker.base import Context, RuleSet
from dispatch.config import Site


def columns(site: Site) -> list[str]:
    return [] if site.coincident_peak is None else ["cp_probability"]


def check(ctx: Context) -> None:
    cp = ctx.site.coincident_peak
    if cp is None:
        return
    given = ctx.inputs.cp_probability
    prob = np.zeros(ctx.n) if given is None else given.to_numpy(dtype=float)
    ctx.equal(
        "inputs",
        "cp_probability",
        ctx.c("cp_probability"),
        prob,
        np.full(ctx.n, ctx.frac_tol),
    )
    imp = ctx.c("grid_import_mw")
    coef = cp.charge_usd_per_mw * prob
    ctx.profit("coincident_peak", -coef * imp, ctx.money_tol(coef, imp))


RULES = RuleSet(check=check, columns=columns)
