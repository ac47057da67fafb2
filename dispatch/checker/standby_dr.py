"""Rules of the standby demand-response commitments (:mod:`dispatch.assets.standby_dr`).

=================  ===================================================================  =====
rule               what must hold                                                       unit
=================  ===================================================================  =====
``standby_dr``     committed column = committed_mw in the window, 0 outside;             MW
                   0 <= short <= committed
``double_selling`` sum_f (mining_f - reserve offers_f) >= sum_c (committed_c - short_c)    MW
                   in every interval: the MW sold as standby DR and as reserves never
                   exceed what the fleets draw (the same MW is sold once)
=================  ===================================================================  =====

The committed intervals are derived here, not taken from the model: one window is the
intervals overlapping ``[start, end)``; a recurring commitment holds, on each local date of
its term, the intervals whose local clock span overlaps ``hours`` (on ``days`` outside
``exclude_dates``) or ``other_days_hours`` (on the term's other dates), read interval by
interval off the wall clock (:func:`committed_mask`).

Profit terms (USD per interval; costs negative)::

    standby_dr_revenue = sum_c availability_c * dt * (committed_c - short_c)
    standby_dr_penalty = -sum_c shortfall_penalty_c * dt * short_c
"""

from __future__ import annotations

import zoneinfo

import numpy as np
import pandas as pd

from dispatch.checker.base import Context, RuleSet
from dispatch.config import Site, StandbyCommitment, minutes_of


def columns(site: Site) -> list[str]:
    return [
        col
        for c in site.standby_dr
        for col in (f"standby_{c.name}_committed_mw", f"standby_{c.name}_short_mw")
    ]


def committed_mask(c: StandbyCommitment, ctx: Context) -> np.ndarray:
    """True in the intervals commitment ``c`` covers (see the module doc)."""
    step = pd.Timedelta(hours=ctx.dt)
    if c.term is None:
        start, end = ctx.local(c.start), ctx.local(c.end)
        return np.asarray((ctx.index < end) & (ctx.index + step > start))
    zone = zoneinfo.ZoneInfo(ctx.site.timezone)
    minutes = ctx.site.interval_minutes
    excluded = set(c.exclude_dates)
    out = np.zeros(ctx.n, dtype=bool)
    for t, ts in enumerate(ctx.index):
        clock = ts.to_pydatetime().astimezone(zone)
        date = clock.date()
        if not c.term.start <= date < c.term.end:
            continue
        on_day = clock.weekday() in c.weekdays and date not in excluded
        s = clock.hour * 60 + clock.minute  # the wall clock, not the time elapsed since 00:00
        ranges = minutes_of(c.hours if on_day else c.other_days_hours)
        out[t] = any(s < b and s + minutes > a for a, b in ranges)
    return out


def free_mining_mw(ctx: Context) -> np.ndarray:
    """Mining MW not offered as reserves, summed over the fleets."""
    free = np.zeros(ctx.n)
    for f in ctx.site.fleets:
        free = free + ctx.c(f"{f.name}_mining_mw")
        for k in ctx.site.reserve_products:
            if f.name in k.providers:
                free = free - ctx.c(f"reserve_{k.name}_{f.name}_mw")
    return free


def held_mw(ctx: Context) -> np.ndarray:
    """MW held for standby DR (committed less short), summed over the commitments."""
    held = np.zeros(ctx.n)
    for c in ctx.site.standby_dr:
        held = held + ctx.c(f"standby_{c.name}_committed_mw") - ctx.c(f"standby_{c.name}_short_mw")
    return held


def check(ctx: Context) -> None:
    if not ctx.site.standby_dr:
        return
    zero = np.zeros(ctx.n)
    any_window = np.zeros(ctx.n, dtype=bool)
    for c in ctx.site.standby_dr:
        who = f"standby DR {c.name}"
        inside = committed_mask(c, ctx)
        any_window |= inside
        committed = c.committed_mw * inside.astype(float)
        col = ctx.c(f"standby_{c.name}_committed_mw")
        ctx.equal("standby_dr", f"{who}: committed MW", col, committed, ctx.tol(committed))
        short = ctx.c(f"standby_{c.name}_short_mw")
        tol = ctx.tol(short, c.committed_mw)
        ctx.at_least("standby_dr", f"{who}: MW short", short, zero, tol, "zero:")
        ctx.at_most("standby_dr", f"{who}: MW short", short, committed, tol, "the committed MW")
        rate = c.availability_usd_per_mw_h * ctx.dt
        ctx.profit(
            "standby_dr_revenue",
            rate * (committed - short),
            ctx.money_tol(rate, short) + ctx.money_rtol * rate * committed,
        )
        pen = c.shortfall_penalty_usd_per_mw_h * ctx.dt
        if pen > 0:
            ctx.profit("standby_dr_penalty", -pen * short, ctx.money_tol(pen, short))
    free, held = free_mining_mw(ctx), held_mw(ctx)
    ctx.at_most(
        "double_selling",
        "MW held for standby DR",
        np.where(any_window, held, 0.0),
        np.where(any_window, free, 0.0),
        ctx.tol(held, free),
        "the mining MW not offered as reserves",
    )


RULES = RuleSet(check=check, columns=columns)
