"""The driver: the checks every schedule gets, and one :class:`RuleSet` per asset in order.

==================  ==============================================================  =====
rule                what must hold                                                  unit
==================  ==============================================================  =====
``index``           the schedule's index is the inputs' interval starts             -
``missing_column``  every column the site's assets produce is there                 -
``not_finite``      no NaN/inf (and nothing non-numeric) in a required column       -
``inputs``          ``price_usd_per_mwh`` equals the inputs'                        -
``balance``         import - export + shortfall + every asset's supply (gensets,    MW
                    discharge - charge, solar) = HPC load + every asset's demand
                    (fleet mining)
``totals``          mining_mw, hashrate_th_s, dr_active are the sums/max            -
``profit_<kind>``   each ``profit_<kind>_usd`` equals the sum of the terms the      USD
                    rule modules recomputed
``profit_total``    profit_total_usd = sum of the profit_<kind>_usd columns         USD
==================  ==============================================================  =====

A schedule whose index or columns are unusable gets only those violations.  Then the rule
sets run in :data:`RULE_SETS` order, then the balance, the totals and the profits.

Adding an asset type: write its rule module (a :class:`~dispatch.checker.base.RuleSet` named
``RULES``) and add one line to :data:`RULE_SETS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dispatch.checker import (
    battery,
    coincident_peak,
    demand_charge,
    demand_response,
    fleet,
    gas_supply,
    genset,
    grid,
    hpc,
    reserves,
    solar,
    standby_dr,
    swing_headroom,
)
from dispatch.checker.base import MODE_ALIASES, MODES, Context, RuleSet, Violation
from dispatch.config import Site
from dispatch.inputs import Inputs
from dispatch.state import SiteState

if TYPE_CHECKING:
    from dispatch.results import Plan

RULE_SETS: tuple[RuleSet, ...] = (
    hpc.RULES,
    grid.RULES,
    fleet.RULES,
    battery.RULES,
    genset.RULES,
    solar.RULES,
    demand_response.RULES,
    demand_charge.RULES,
    coincident_peak.RULES,
    reserves.RULES,
    standby_dr.RULES,
    swing_headroom.RULES,
    gas_supply.RULES,
)

# the columns every schedule has: the power balance's and the site totals'
_SITE_COLUMNS = (
    "price_usd_per_mwh",
    "grid_import_mw",
    "grid_export_mw",
    "hpc_load_mw",
    "hpc_shortfall_mw",
    "hpc_served_mw",
    "mining_mw",
    "hashrate_th_s",
    "dr_active",
    "profit_total_usd",
)


def check_plan(plan: Plan, *, tol_mw: float = 1e-6, info: bool = False) -> list[Violation]:
    """:func:`check_schedule` on a plan, with the plan's own inputs, starting state and mode."""
    return check_schedule(
        plan.site,
        plan.inputs,
        plan.schedule,
        state=plan.state_in,
        tol_mw=tol_mw,
        mode=str(plan.mode),
        info=info,
        demand_charge_weight=plan.demand_charge_weight,
    )


def check_schedule(
    site: Site,
    inputs: Inputs,
    schedule: pd.DataFrame,
    *,
    state: SiteState | None = None,
    tol_mw: float = 1e-6,
    mode: str = "optimise",
    info: bool = False,
    demand_charge_weight: float = 1.0,
) -> list[Violation]:
    """Every rule the schedule breaks (see :mod:`dispatch.checker`); empty when it is valid.

    Parameters
    ----------
    site, inputs
        The site and the inputs the schedule was planned on.
    schedule
        A plan's ``schedule`` DataFrame, possibly edited by hand.
    state
        The state the plan started from (``plan.state_in``); default: the site file's.
    tol_mw
        Absolute tolerance on power for quantities up to 1 MW, relative above (see
        :mod:`dispatch.checker.base`).
    mode
        The plan's mode (``plan.mode``): ``optimise``, ``no_miners``, ``price_blind`` (old
        name ``always_on``) or ``fallback``.
    info
        Also return informational findings (``severity="info"``) that break no rule.
    demand_charge_weight
        The share of the demand-charge rate the plan weighed a new peak at
        (``plan.demand_charge_weight``: 1, or less with ``demand_charge="prorate"``).

    Returns
    -------
    list[Violation]
        Sorted by interval (whole-horizon findings first).  A schedule whose index or
        columns are unusable gives only those violations.
    """
    mode = MODE_ALIASES.get(str(mode), str(mode))
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if not tol_mw > 0:
        raise ValueError(f"tol_mw must be positive, got {tol_mw}")
    ctx = Context(site, inputs, schedule, state or SiteState.initial(site), tol_mw, mode)
    ctx.demand_charge_weight = demand_charge_weight
    found = _run(ctx)
    if not info:
        found = [v for v in found if v.severity == "violation"]
    first = pd.Timestamp.min.tz_localize("UTC")
    return sorted(found, key=lambda v: first if v.interval is None else v.interval)


def _run(ctx: Context) -> list[Violation]:
    if not _index_ok(ctx) or not _columns_ok(ctx):
        return ctx.found
    _price(ctx)
    for rules in RULE_SETS:
        rules.check(ctx)
    _balance(ctx)
    _totals(ctx)
    _profits(ctx)
    return ctx.found


def _required(site: Site) -> list[str]:
    return [*_SITE_COLUMNS, *(c for rules in RULE_SETS for c in rules.columns(site))]


def _price(ctx: Context) -> None:
    price = ctx.inputs.price_usd_per_mwh.to_numpy(dtype=float)
    ctx.equal("inputs", "price_usd_per_mwh", ctx.c("price_usd_per_mwh"), price, ctx.tol(price))


def _index_ok(ctx: Context) -> bool:
    idx = _interval_starts(ctx.s.index)
    expected = ctx.inputs.index
    if idx is None:
        ctx.found.append(
            Violation(
                None,
                "index",
                float(ctx.n),
                "schedule index must be tz-aware interval starts (timestamps with a UTC "
                "offset, as schedule.csv writes them)",
            )
        )
        return False
    if len(idx) != len(expected) or not (idx == expected).all():
        bad = next(
            (k for k, (a, b) in enumerate(zip(idx, expected, strict=False)) if a != b),
            min(len(idx), len(expected)),
        )
        ctx.found.append(
            Violation(
                None,
                "index",
                float(abs(len(idx) - len(expected)) or 1),
                f"schedule has {len(idx)} intervals, inputs {len(expected)}; they differ "
                f"from position {bad}",
            )
        )
        return False
    ctx.index = idx.tz_convert(ctx.site.timezone)
    return True


def _columns_ok(ctx: Context) -> bool:
    required = _required(ctx.site)
    missing = [c for c in required if c not in ctx.s.columns]
    for name in missing:
        ctx.found.append(Violation(None, "missing_column", 1.0, f"schedule has no column {name!r}"))
    if missing:
        return False
    nan_allowed = {c for rules in RULE_SETS for c in rules.nan_allowed(ctx.site)}
    numeric = [c for c in ctx.s.columns if c in set(required) or c.startswith("profit_")]
    for name in numeric:
        column = ctx.s[name]
        if column.dtype.kind in "fiub":  # numbers already (a plan's own schedule): no parse
            values = column.to_numpy(dtype=float)
        else:
            values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
        ctx.cols[name] = values
        if name in nan_allowed:
            continue
        bad = ~np.isfinite(values)
        ctx.flag(
            "not_finite",
            np.ones(ctx.n),
            bad,
            lambda t, name=name: (
                f"{name} at {ctx.when(t)} is {ctx.s[name].iloc[t]!r}, not a finite number"
            ),
        )
    return True


def _balance(ctx: Context) -> None:
    supply = [ctx.c("grid_import_mw"), -ctx.c("grid_export_mw"), ctx.c("hpc_shortfall_mw")]
    demand = [ctx.c("hpc_load_mw")]
    for rules in RULE_SETS:
        supply += rules.supply_mw(ctx)
        demand += rules.demand_mw(ctx)
    inflow, outflow = sum(supply), sum(demand)
    resid = inflow - outflow
    ctx.flag(
        "balance",
        resid,
        np.abs(resid) > ctx.tol(*supply, *demand),
        lambda t: (
            f"power does not balance at {ctx.when(t)}: supply {inflow[t]:.6g} MW "
            f"(import - export + generation + discharge - charge + solar + HPC shortfall) vs "
            f"demand {outflow[t]:.6g} MW (HPC + mining), off by {resid[t]:+.6g} MW"
        ),
    )


def _totals(ctx: Context) -> None:
    fleets = ctx.site.fleets
    mining = sum((ctx.c(f"{f.name}_mining_mw") for f in fleets), np.zeros(ctx.n))
    hashrate = sum((ctx.c(f"{f.name}_hashrate_th_s") for f in fleets), np.zeros(ctx.n))
    ctx.equal(
        "totals", "mining_mw (sum of the fleets)", ctx.c("mining_mw"), mining, ctx.tol(mining)
    )
    ctx.equal(
        "totals",
        "hashrate_th_s (sum of the fleets)",
        ctx.c("hashrate_th_s"),
        hashrate,
        ctx.tol(hashrate),
    )
    flags = [ctx.c(f"dr_{e.name}_active") for e in ctx.site.dr_events]
    active = np.max(flags, axis=0) if flags else np.zeros(ctx.n)
    ctx.equal(
        "totals",
        "dr_active (any event active)",
        ctx.c("dr_active"),
        active,
        np.full(ctx.n, ctx.frac_tol),
    )


def _profits(ctx: Context) -> None:
    columns = {
        c.removeprefix("profit_").removesuffix("_usd")
        for c in ctx.cols
        if c.startswith("profit_") and c != "profit_total_usd"
    }
    reported_sum = np.zeros(ctx.n)
    tol_sum = np.zeros(ctx.n)
    for kind in sorted(columns | set(ctx.expected_profit)):
        expected = ctx.expected_profit.get(kind, np.zeros(ctx.n))
        tol = ctx.profit_tol.get(kind, np.zeros(ctx.n)) + ctx.money_rtol * np.maximum(
            1.0, np.abs(expected)
        )
        tol_sum = tol_sum + tol
        col = f"profit_{kind}_usd"
        if kind not in columns:
            if np.any(np.abs(expected) > tol):
                ctx.found.append(
                    Violation(
                        None,
                        f"profit_{kind}",
                        float(np.abs(expected).sum()),
                        f"schedule has no {col} column but the schedule implies "
                        f"{expected.sum():.2f} USD of {kind.replace('_', ' ')}",
                    )
                )
            continue
        reported = ctx.c(col)
        reported_sum = reported_sum + reported
        ctx.equal(f"profit_{kind}", f"{col} (USD)", reported, expected, tol)
    total = ctx.c("profit_total_usd")
    ctx.equal(
        "profit_total",
        "profit_total_usd (sum of the profit_<kind>_usd columns)",
        total,
        reported_sum,
        tol_sum,
    )


def _interval_starts(index: pd.Index) -> pd.DatetimeIndex | None:
    """The index as tz-aware timestamps; ISO strings with offsets (a schedule read back from
    CSV) are parsed.  None when it is neither."""
    if isinstance(index, pd.DatetimeIndex):
        return index if index.tz is not None else None
    try:
        parsed = pd.to_datetime(index.astype(str), utc=True, format="ISO8601")
    except (ValueError, TypeError):
        return None
    has_offset = index.astype(str).str.contains(r"(?:[+-]\d{2}:?\d{2}|Z)$", regex=True)
    return pd.DatetimeIndex(parsed) if bool(has_offset.all()) else None
