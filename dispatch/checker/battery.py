"""Rules of the battery (:mod:`dispatch.assets.battery`).

========================  ============================================================  =====
rule                      what must hold                                                unit
========================  ============================================================  =====
``battery_power``         0 <= charge, discharge <= power_mw                            MW
``battery_soc``           soc_min <= soc[t] <= soc_max, soc[t] = soc[t-1]               MWh
                          + eta_c charge dt - discharge dt / eta_d (soc[-1] = soc0,
                          the state's SOC clipped to the limits)
``battery_end_soc``       soc[n-1] >= target (the state's battery_soc_target_mwh,       MWh
                          else soc0) when ``end_soc_at_least_initial``; in the
                          fallback (battery idle) at most soc0
``battery_inverter``      charge + discharge <= power_mw (one shared inverter)          MW
``battery_simultaneous``  not charge > 0 and discharge > 0 where price + adder <= 0     MW
                          (info where the buy price is positive)
``mode``                  fallback: charge = discharge = 0                              MW
========================  ============================================================  =====

Profit term (USD per interval)::

    battery_wear = -wear * discharge * dt

**Simultaneous charge and discharge** where the buy price is positive is *not* a violation:
the model allows it there (DESIGN.md section 4: it cannot pay, so no binary is added), the
accounting stays right, and a positive-price plan that does it merely wastes energy.  It is
reported as an informational finding (``severity="info"``) when ``info=True``.

Discharge - charge is supply in the power balance.
"""

from __future__ import annotations

import numpy as np

from dispatch.checker.base import Context, RuleSet, Violation
from dispatch.config import Site


def columns(site: Site) -> list[str]:
    if site.battery is None:
        return []
    return ["battery_charge_mw", "battery_discharge_mw", "battery_soc_mwh"]


def supply_mw(ctx: Context) -> list[np.ndarray]:
    if ctx.site.battery is None:
        return []
    return [ctx.c("battery_discharge_mw"), -ctx.c("battery_charge_mw")]


def check(ctx: Context) -> None:
    b = ctx.site.battery
    if b is None:
        return
    dt, n = ctx.dt, ctx.n
    ch, dis, soc = (ctx.c(f"battery_{x}") for x in ("charge_mw", "discharge_mw", "soc_mwh"))
    zero = np.zeros(n)
    power = 0.0 if ctx.mode == "fallback" else b.power_mw
    for what, value in (("battery charge", ch), ("battery discharge", dis)):
        tol = ctx.tol(value, b.power_mw)
        ctx.at_least("battery_power", what, value, zero, tol, "zero:")
        rule = "mode" if ctx.mode == "fallback" else "battery_power"
        why = "a fallback plan's battery power" if ctx.mode == "fallback" else "power_mw"
        ctx.at_most(rule, what, value, np.full(n, power), tol, why)
    lo, hi = b.soc_min_frac * b.energy_mwh, b.soc_max_frac * b.energy_mwh
    soc0 = ctx.state.battery_soc_mwh
    soc0 = b.soc_initial_frac * b.energy_mwh if soc0 is None else soc0
    soc0 = float(min(max(soc0, lo), hi))
    tol = ctx.tol(soc, b.energy_mwh)
    ctx.at_least("battery_soc", "battery SOC MWh", soc, np.full(n, lo), tol, "soc_min")
    ctx.at_most("battery_soc", "battery SOC MWh", soc, np.full(n, hi), tol, "soc_max")
    before = np.concatenate(([soc0], soc[:-1]))
    expected = before + b.charge_efficiency * ch * dt - dis * dt / b.discharge_efficiency
    ctx.flag(
        "battery_soc",
        soc - expected,
        np.abs(soc - expected) > tol,
        lambda t: (
            f"battery SOC is {soc[t]:.6g} MWh at the end of {ctx.when(t)} but "
            f"{before[t]:.6g} + charge/discharge gives {expected[t]:.6g}"
        ),
    )
    if b.end_soc_at_least_initial and n:
        target = ctx.state.battery_soc_target_mwh
        target = soc0 if target is None else float(min(max(target, lo), hi))
        if ctx.mode == "fallback":  # the fallback's idle battery ends where it starts
            target = min(target, soc0)
        short = target - soc[-1]
        if short > tol[-1]:
            ctx.found.append(
                Violation(
                    ctx.index[-1],
                    "battery_end_soc",
                    float(short),
                    f"battery ends the horizon at {soc[-1]:.6g} MWh, below its target "
                    f"{target:.6g} MWh (end_soc_at_least_initial: the state's target, "
                    "else its initial charge)",
                )
            )
    ctx.at_most(
        "battery_inverter",
        "battery charge + discharge",
        ch + dis,
        np.full(n, b.power_mw),
        ctx.tol(ch + dis, b.power_mw),
        "power_mw (one shared inverter)",
    )
    buy = ctx.c("price_usd_per_mwh") + ctx.site.grid.import_adder_usd_per_mwh
    both = (ch > ctx.tol(ch)) & (dis > ctx.tol(dis))
    amount = np.minimum(ch, dis)
    for negative, severity in ((True, "violation"), (False, "info")):
        ctx.flag(
            "battery_simultaneous",
            amount,
            both & ((buy <= 0) == negative),
            lambda t: (
                f"battery charges {ch[t]:.6g} MW and discharges {dis[t]:.6g} MW at "
                f"once at {ctx.when(t)} (buy price {buy[t]:.6g} USD/MWh)"
            ),
            severity,  # type: ignore[arg-type]
        )
    wear = b.wear_cost_usd_per_mwh * dt
    ctx.profit("battery_wear", -wear * dis, ctx.money_tol(wear, dis))


RULES = RuleSet(check=check, columns=columns, supply_mw=supply_mw)
