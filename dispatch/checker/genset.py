"""Rules of the gensets (:mod:`dispatch.assets.genset`), each genset on its own.

=================  =================================================================  =====
rule               what must hold                                                     unit
=================  =================================================================  =====
``integer``        units on is a whole number                                         count
``genset_output``  min_load C units_on <= output <= C units_on,                       MW
                   0 <= units_on <= units
``fuel``           fuel = HR output dt (per interval);                                MMBtu
                   per local day: fuel + already used (first day) <= budget
``mode``           fallback: no unit on                                               count
=================  =================================================================  =====

Symbols: ``C`` a unit's capacity, MW; ``HR`` the heat rate, MMBtu/MWh.

Profit terms (USD per interval; costs negative)::

    fuel_cost    = -HR * fuel_price * output * dt
    om_cost      = -variable_om * output * dt
    startup_cost = -startup_cost_per_unit * max(0, units_on increase)

Each genset's output is supply in the power balance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dispatch.checker.base import INTEGER_TOL, Context, RuleSet, Violation
from dispatch.config import Site


def columns(site: Site) -> list[str]:
    cols: list[str] = []
    for g in site.gensets:
        cols += [f"{g.name}_output_mw", f"{g.name}_units_on", f"{g.name}_fuel_mmbtu"]
    return cols


def supply_mw(ctx: Context) -> list[np.ndarray]:
    return [ctx.c(f"{g.name}_output_mw") for g in ctx.site.gensets]


def check(ctx: Context) -> None:
    dt = ctx.dt
    day = ctx.index.tz_localize(None).normalize()
    for g in ctx.site.gensets:
        who = f"genset {g.name}"
        out, units, fuel = (ctx.c(f"{g.name}_{x}") for x in ("output_mw", "units_on", "fuel_mmbtu"))
        cap = g.unit_capacity_mw
        ctx.whole("integer", f"{who}: units on", units)
        most = 0 if ctx.mode == "fallback" else g.units
        rule = "mode" if ctx.mode == "fallback" else "genset_output"
        ctx.flag(
            rule,
            units - most,
            (units > most + INTEGER_TOL) | (units < -INTEGER_TOL),
            lambda t, units=units, most=most, who=who: (
                f"{who}: {units[t]:g} units on at {ctx.when(t)}, outside [0, {most}]"
            ),
        )
        tol = ctx.tol(out, cap * units)
        ctx.at_most(
            "genset_output", f"{who}: output MW", out, cap * units, tol, "capacity x units on"
        )
        ctx.at_least(
            "genset_output",
            f"{who}: output MW",
            out,
            g.min_load_frac * cap * units,
            tol,
            "min load x units on",
        )
        hr_dt = g.heat_rate_mmbtu_per_mwh * dt
        ctx.equal(
            "fuel",
            f"{who}: fuel MMBtu (heat rate x output x dt)",
            fuel,
            hr_dt * out,
            hr_dt * tol,
        )
        if g.fuel_budget_mmbtu_per_day is not None and ctx.n:
            used0 = ctx.state.fuel_used_for(g.name, ctx.index[0])
            for d in pd.unique(day):
                members = np.flatnonzero(day == d)
                burnt = np.cumsum(hr_dt * out[members])
                already = used0 if d == day[0] else 0.0
                left = max(g.fuel_budget_mmbtu_per_day - already, 0.0)
                over = burnt - left
                tol_day = hr_dt * ctx.tol_mw * max(1.0, float(np.abs(out[members]).sum()))
                if over[-1] > tol_day:
                    k = members[int(np.argmax(over > tol_day))]
                    ctx.found.append(
                        Violation(
                            ctx.index[k],
                            "fuel",
                            float(over[-1]),
                            f"{who}: {burnt[-1] + already:.6g} MMBtu burnt on "
                            f"{pd.Timestamp(d):%Y-%m-%d} ({already:.6g} before the plan) but "
                            f"the daily budget is {g.fuel_budget_mmbtu_per_day:.6g}; over "
                            f"from {ctx.when(k)}",
                        )
                    )
        fuel_coef = g.heat_rate_mmbtu_per_mwh * g.fuel_price_usd_per_mmbtu * dt
        ctx.profit("fuel_cost", -fuel_coef * out, ctx.money_tol(fuel_coef, out))
        om = g.variable_om_usd_per_mwh * dt
        ctx.profit("om_cost", -om * out, ctx.money_tol(om, out))
        first = float(ctx.state.genset_units_on.get(g.name, g.units_initially_on))
        started = np.clip(units - np.concatenate(([first], units[:-1])), 0, None)
        cost = g.startup_cost_usd_per_unit
        ctx.profit("startup_cost", -cost * started, ctx.money_tol(cost, started))


RULES = RuleSet(check=check, columns=columns, supply_mw=supply_mw)
