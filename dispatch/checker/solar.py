"""Rules of the solar plant (:mod:`dispatch.assets.solar`).

==========  ======================================================================  =====
rule        what must hold                                                          unit
==========  ======================================================================  =====
``inputs``  solar available = clip(cf, 0, 1) capacity (0 without a cf series)        MW
``solar``   0 <= solar <= available                                                 MW
``mode``    fallback: solar = 0                                                     MW
==========  ======================================================================  =====

Profit term (USD per interval), only when the tariff is not 0 (a hydro or wind contract)::

    renewable_cost = -tariff_usd_per_mwh * solar * dt

Solar (wind, hydro) output is supply in the power balance.
"""

from __future__ import annotations

import numpy as np

from dispatch.checker.base import Context, RuleSet
from dispatch.config import Site


def columns(site: Site) -> list[str]:
    return [] if site.solar is None else ["solar_mw", "solar_available_mw"]


def supply_mw(ctx: Context) -> list[np.ndarray]:
    return [] if ctx.site.solar is None else [ctx.c("solar_mw")]


def check(ctx: Context) -> None:
    s = ctx.site.solar
    if s is None:
        return
    cf = ctx.inputs.solar_cf
    avail = np.zeros(ctx.n) if cf is None else np.clip(cf.to_numpy(dtype=float), 0, 1)
    avail = avail * s.capacity_mw
    out = ctx.c("solar_mw")
    ctx.equal("inputs", "solar available MW", ctx.c("solar_available_mw"), avail, ctx.tol(avail))
    limit = np.zeros(ctx.n) if ctx.mode == "fallback" else avail
    tol = ctx.tol(out, avail)
    ctx.at_least("solar", "solar MW", out, np.zeros(ctx.n), tol, "zero:")
    ctx.at_most(
        "mode" if ctx.mode == "fallback" else "solar",
        "solar MW",
        out,
        limit,
        tol,
        "the fallback's 0 MW" if ctx.mode == "fallback" else "the available MW",
    )
    if s.tariff_usd_per_mwh != 0:
        coef = s.tariff_usd_per_mwh * ctx.dt
        ctx.profit("renewable_cost", -coef * out, ctx.money_tol(coef, out))


RULES = RuleSet(check=check, columns=columns, supply_mw=supply_mw)
