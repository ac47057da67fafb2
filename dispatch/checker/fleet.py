"""Rules of the miner fleets (:mod:`dispatch.assets.fleet`), each fleet on its own.

========================  ============================================================  =====
rule                      what must hold                                                unit
========================  ============================================================  =====
``inputs``                the breakeven and containers-available columns equal the      -
                          inputs'
``integer``               containers on is a whole number                               count
``availability``          0 <= containers on <= available = containers - unavailable    count
                          - outages in force (never below 0)
``mining_power``          no power target: mining = (P + aux) on;                       MW
                          with one: min_frac P on <= mining - aux on <= max_frac P on,
                          and power_frac = (mining - aux on) / (P on) (0 when off)
``hashrate``              no power target: hashrate = H on; with one: hashrate <=       TH/s
                          a_k (mining - aux on) + b_k on for every curve segment k
``hashrate_below_curve``  (info) with a power target, hashrate below that curve value   TH/s
``starts``                starts = max(0, on[t] - on[t-1]),                             count
                          stops = max(0, on[t-1] - on[t])
``ramp``                  stops <= ramp + drop[t], drop[t] = max(0, ceil[t-1] -         count
                          ceil[t]) (ceil = available, or in price_blind what the site
                          can host; ceil[-1] = on at the start); starts <= ramp
``min_up``                on[t] >= sum of starts over the last UT intervals             count
                          (history before the horizon from the state) - sum of drop
                          over the same window (only forced stops may be early)
``min_down``              N - on[t] >= sum of stops over the last DT intervals, with     count
                          N = containers - containers_unavailable (in service)
``mode``                  no_miners/fallback: every container off; price_blind: at      -
                          max_frac, on <= ceil (room = import limit + solar + firm
                          gensets - HPC, whole containers, lowest J/TH first), stops
                          only where on = ceil, on < ceil only while the ramp or min
                          down holds starts
========================  ============================================================  =====

Symbols: ``P`` the miners' nameplate MW per container, ``aux`` its auxiliaries, ``H`` its
hashrate, ``(a_k, b_k)`` the power-to-hashrate curve's segments.  With a power target the
hashrate rules hold within the usual tolerance taken in PH/s, the unit the model solves in
(``1000 * tol_mw * max(1, |hashrate| / 1000)`` TH/s).

Profit terms (USD per interval; costs negative)::

    mining_revenue = hashprice * (1 - pool_fee) * hashrate[TH/s] / 1000 * dt / 24
                     (hashprice is USD per PH/s per day; 1 PH/s = 1000 TH/s)
    startup_cost   = -startup_cost_per_container * starts
    heat_revenue   = heat_price_per_mwh_th * heat_recovery_frac * mining * dt

Starting state: ``state`` as the plan got it; a fleet said to run more containers than are
in service starts with just those on.  In ``no_miners`` and ``fallback`` the fleets start from
zero running containers and no start/stop history, as the model does, so no stop is reported
at the first interval and no ramp limit or min up time carried in binds.

Each fleet's mining MW is demand in the power balance.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from dispatch.checker.base import INTEGER_TOL, Context, RuleSet
from dispatch.config import Genset, MinerFleet, Site
from dispatch.state import FleetState

_COLUMNS = (
    "containers_on",
    "containers_available",
    "starts",
    "stops",
    "mining_mw",
    "hashrate_th_s",
    "breakeven_usd_per_mwh",
)


def columns(site: Site) -> list[str]:
    cols: list[str] = []
    for f in site.fleets:
        cols += [f"{f.name}_{x}" for x in _COLUMNS]
        if f.power_target is not None:
            cols.append(f"{f.name}_power_frac")
    return cols


def check(ctx: Context) -> None:
    for fleet in ctx.site.fleets:
        _fleet(ctx, fleet)


def demand_mw(ctx: Context) -> list[np.ndarray]:
    return [ctx.c(f"{f.name}_mining_mw") for f in ctx.site.fleets]


RULES = RuleSet(check=check, columns=columns, demand_mw=demand_mw)


def _available(ctx: Context, f: MinerFleet) -> np.ndarray:
    """Containers in service less those out by an outage in force, never below 0."""
    avail = np.full(ctx.n, float(f.containers - f.containers_unavailable))
    for outage in f.outages:
        start, end = ctx.local(outage.start), ctx.local(outage.end)
        avail -= outage.containers * np.asarray((ctx.index >= start) & (ctx.index < end))
    return np.clip(avail, 0.0, None)


def _th_tol(ctx: Context, *th_s: np.ndarray) -> np.ndarray:
    """The tolerance of a hashrate relation, TH/s, taken in the unit the model solves in
    (PH/s, ``hashrate_ph_s``): HiGHS's tolerances apply there, so a container that is off can
    report -1e-8 PH/s, -1e-5 TH/s (seen on an ERCOT 2023 day of the sample campus)."""
    return 1000.0 * ctx.tol(*(np.asarray(h, dtype=float) / 1000.0 for h in th_s))


def _fleet(ctx: Context, f: MinerFleet) -> None:
    name, who = f.name, f"fleet {f.name}"
    on = ctx.c(f"{name}_containers_on")
    mining, hashrate = ctx.c(f"{name}_mining_mw"), ctx.c(f"{name}_hashrate_th_s")
    avail = _available(ctx, f)
    ctx.whole("integer", f"{who}: containers on", on)
    ctx.equal(
        "inputs",
        f"{who}: containers available",
        ctx.c(f"{name}_containers_available"),
        avail,
        np.full(ctx.n, INTEGER_TOL),
    )
    ctx.flag(
        "availability",
        on - avail,
        on > avail + INTEGER_TOL,
        lambda t: (
            f"{who}: {on[t]:g} containers on at {ctx.when(t)} but only {avail[t]:g} available"
        ),
    )
    ctx.flag(
        "availability",
        on,
        on < -INTEGER_TOL,
        lambda t: f"{who}: {on[t]:g} containers on at {ctx.when(t)} (negative)",
    )
    p_mw, aux_mw, h_th = f.asic_power_mw, f.container_aux_kw / 1e3, f.container_hashrate_th_s
    pt = f.power_target
    tol = ctx.tol(mining, (p_mw + aux_mw) * on)
    if pt is None:
        ctx.equal(
            "mining_power",
            f"{who}: mining MW (nameplate x containers on)",
            mining,
            (p_mw + aux_mw) * on,
            tol,
        )
        ctx.equal(
            "hashrate",
            f"{who}: hashrate TH/s (nameplate x containers on)",
            hashrate,
            h_th * on,
            ctx.tol(hashrate, h_th * on),
        )
    else:
        asic = mining - aux_mw * on
        ctx.at_least(
            "mining_power",
            f"{who}: miners' MW (mining less auxiliaries)",
            asic,
            pt.min_frac * p_mw * on,
            tol,
            f"min_frac {pt.min_frac:g} x nameplate x on",
        )
        ctx.at_most(
            "mining_power",
            f"{who}: miners' MW (mining less auxiliaries)",
            asic,
            pt.max_frac * p_mw * on,
            tol,
            f"max_frac {pt.max_frac:g} x nameplate x on",
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(on > INTEGER_TOL, asic / (p_mw * np.maximum(on, 1)), 0.0)
        ctx.equal(
            "mining_power",
            f"{who}: power_frac",
            ctx.c(f"{name}_power_frac"),
            frac,
            np.full(ctx.n, ctx.frac_tol),
        )
        curve, slope = _curve_ceiling_th_s(f, asic, on)
        # the curve moves by slope x (the power's tolerance): TH/s per MW of miners
        curve_tol = _th_tol(ctx, hashrate, curve) + slope * ctx.tol(asic)
        ctx.at_most(
            "hashrate",
            f"{who}: hashrate TH/s",
            hashrate,
            curve,
            curve_tol,
            "the power-to-hashrate curve's value",
        )
        ctx.at_least(
            "hashrate",
            f"{who}: hashrate TH/s",
            hashrate,
            np.zeros(ctx.n),
            _th_tol(ctx, hashrate),
            "zero:",
        )
        short = curve - hashrate
        ctx.flag(
            "hashrate_below_curve",
            short,
            short > curve_tol,
            lambda t: (
                f"{who}: hashrate {hashrate[t]:.6g} TH/s at {ctx.when(t)} is below "
                f"the curve's {curve[t]:.6g} TH/s at this power (revenue left unclaimed)"
            ),
            "info",
        )
    hashprice = ctx.inputs.hashprice_usd_per_ph_day.to_numpy(dtype=float)
    breakeven = hashprice * (1 - f.pool_fee_frac) * 1000 / (f.j_per_th * 24)
    ctx.equal(
        "inputs",
        f"{who}: breakeven USD/MWh",
        ctx.c(f"{name}_breakeven_usd_per_mwh"),
        breakeven,
        ctx.tol(breakeven),
    )
    rev_coef = hashprice * (1 - f.pool_fee_frac) / 1000 * ctx.dt / 24
    ctx.profit("mining_revenue", rev_coef * hashrate, ctx.money_tol(rev_coef, hashrate))
    heat = f.heat_recovery_frac * f.heat_price_usd_per_mwh_th * ctx.dt
    if heat > 0:
        ctx.profit("heat_revenue", heat * mining, ctx.money_tol(heat, mining))
    _dynamics(ctx, f, on, avail)


def _dynamics(ctx: Context, f: MinerFleet, on: np.ndarray, avail: np.ndarray) -> None:
    name, who = f.name, f"fleet {f.name}"
    off = ctx.mode in ("no_miners", "fallback")
    fs = ctx.state.fleet(name, f.containers_initially_on)
    in_service = f.containers - f.containers_unavailable
    if off:  # no fleet, or switched off at once: nothing running, no history
        fs = FleetState(on=0)
    elif fs.on > in_service:  # the extra containers are out of service, already off
        fs = FleetState(in_service, fs.recent_starts, fs.recent_stops)
    before = np.concatenate(([float(fs.on)], on[:-1]))
    starts, stops = np.clip(on - before, 0, None), np.clip(before - on, 0, None)
    count_tol = np.full(ctx.n, INTEGER_TOL)
    ctx.equal("starts", f"{who}: starts", ctx.c(f"{name}_starts"), starts, count_tol)
    ctx.equal("starts", f"{who}: stops", ctx.c(f"{name}_stops"), stops, count_tol)
    cost = f.startup_cost_usd_per_container
    ctx.profit("startup_cost", -cost * starts, ctx.money_tol(cost, starts))
    if off:
        ctx.flag(
            "mode",
            on,
            np.abs(on) > INTEGER_TOL,
            lambda t: f"{who}: {on[t]:g} containers on at {ctx.when(t)} in a {ctx.mode} plan",
        )
    ceiling = avail
    if ctx.mode == "price_blind":
        ceiling = _price_blind_ceiling(ctx, f, avail)
        _price_blind(ctx, f, on, ceiling, starts, stops, fs, in_service)
    # a fall of the ceiling (an outage; in price_blind also the room the HPC load takes)
    # forces stops, whatever the ramp limit or min up time
    drop = np.clip(-np.diff(ceiling, prepend=float(fs.on)), 0, None)
    ramp = f.ramp_limit_containers_per_interval
    if ramp is not None:
        for what, moves, forced in (
            ("started", starts, 0 * drop),
            ("stopped", stops, drop),
        ):
            limit = ramp + forced
            ctx.flag(
                "ramp",
                moves - limit,
                moves > limit + INTEGER_TOL,
                lambda t, what=what, moves=moves, forced=forced: (
                    f"{who}: {moves[t]:g} containers {what} at {ctx.when(t)} but the ramp "
                    f"limit is {ramp} per interval"
                    + (f" (+{forced[t]:g} forced by the ceiling's fall)" if forced[t] else "")
                ),
            )
    ut, dt_ = ctx.site.intervals(f.min_up_minutes), ctx.site.intervals(f.min_down_minutes)
    if ut > 1:
        # only containers the ceiling forced off within the window may stop early
        recent = _window_sums(fs.recent_starts, starts, ut) - _window_sums((), drop, ut)
        ctx.flag(
            "min_up",
            recent - on,
            recent > on + INTEGER_TOL,
            lambda t: (
                f"{who}: {on[t]:g} containers on at {ctx.when(t)} but {recent[t]:g} "
                f"were started in the last {ut} intervals (min up {f.min_up_minutes} min)"
            ),
        )
    if dt_ > 1:
        recent_stops = _window_sums(fs.recent_stops, stops, dt_)
        idle = in_service - on
        ctx.flag(
            "min_down",
            recent_stops - idle,
            recent_stops > idle + INTEGER_TOL,
            lambda t: (
                f"{who}: {on[t]:g} of {in_service} containers on at {ctx.when(t)} "
                f"but {recent_stops[t]:g} were stopped in the last {dt_} intervals (min down "
                f"{f.min_down_minutes} min)"
            ),
        )


def _price_blind_ceiling(ctx: Context, f: MinerFleet, avail: np.ndarray) -> np.ndarray:
    """Containers of ``f`` the site can host beside the HPC load (price_blind mode)::

        room[t] = max(0, import_limit + solar available[t] + sum_g firm_g
                      + sum_s min(sum of firm_g on s, flow_s[t] / max heat rate on s) - hpc[t])
        firm_g  = units x capacity, or min(that, fuel budget / (heat rate x 24 h)); the first
                  sum is over gensets without a gas supply, the second over gas supplies s

    shared by whole containers at full power, the lowest J/TH fleet first."""
    site = ctx.site

    def firm_mw(g: Genset) -> float:
        cap = g.units * g.unit_capacity_mw
        if g.fuel_budget_mmbtu_per_day is not None:
            cap = min(cap, g.fuel_budget_mmbtu_per_day / (g.heat_rate_mmbtu_per_mwh * 24))
        return cap

    firm = sum(firm_mw(g) for g in site.gensets if g.fuel_supply is None) + np.zeros(ctx.n)
    for gs in site.gas_supplies:  # gensets on a gas supply: what its flow sustains
        burners = [g for g in site.gensets if g.fuel_supply == gs.name]
        worst = max(g.heat_rate_mmbtu_per_mwh for g in burners)
        flow = ctx.c(f"gas_{gs.name}_supply_mmbtu") / ctx.dt
        firm = firm + np.minimum(sum(firm_mw(g) for g in burners), flow / worst)
    room = site.grid.import_limit_mw + firm - ctx.c("hpc_load_mw")
    if "solar_available_mw" in ctx.s:
        room = room + ctx.c("solar_available_mw")
    room = np.clip(room, 0.0, None)
    for other in sorted(site.fleets, key=lambda x: x.j_per_th):
        full = (
            other.container_power_mw
            if other.power_target is None
            else other.power_target.max_frac * other.asic_power_mw + other.container_aux_kw / 1e3
        )
        fits = np.floor((room + 1e-6) / full)
        cap = np.minimum(_available(ctx, other), fits)
        if other.name == f.name:
            return cap
        room = room - cap * full
    return avail


def _price_blind(
    ctx: Context,
    f: MinerFleet,
    on: np.ndarray,
    ceiling: np.ndarray,
    starts: np.ndarray,
    stops: np.ndarray,
    fs: FleetState,
    in_service: int,
) -> None:
    """price_blind: at full power, never above the ceiling, stops only where the ceiling
    forces them, and below the ceiling only while the ramp limit or min down time holds
    the starts back."""
    who, tol = f"fleet {f.name}", INTEGER_TOL
    ctx.flag(
        "mode",
        on - ceiling,
        on > ceiling + tol,
        lambda t: (
            f"{who}: {on[t]:g} containers on at {ctx.when(t)} in a price_blind plan, but "
            f"the site can host only {ceiling[t]:g} beside the HPC load"
        ),
    )
    ctx.flag(
        "mode",
        stops,
        (stops > tol) & (on < ceiling - tol),
        lambda t: (
            f"{who}: {stops[t]:g} containers stopped at {ctx.when(t)} in a price_blind "
            f"plan though the site could host them"
        ),
    )
    ramp = f.ramp_limit_containers_per_interval or f.containers
    dt_ = ctx.site.intervals(f.min_down_minutes)
    recent = _window_sums(fs.recent_stops, stops, dt_) if dt_ > 1 else 0 * stops
    held = (starts >= ramp - tol) | (on >= in_service - recent - tol)
    ctx.flag(
        "mode",
        ceiling - on,
        (on < ceiling - tol) & ~held,
        lambda t: (
            f"{who}: {on[t]:g} containers on at {ctx.when(t)} in a price_blind plan, but "
            f"{ceiling[t]:g} could run (neither the ramp limit nor min down time holds "
            f"them back)"
        ),
    )
    if f.power_target is not None:
        full = f.power_target.max_frac * np.ones(ctx.n) * (on > 0)
        ctx.equal(
            "mode",
            f"{who}: power_frac in a price_blind plan",
            ctx.c(f"{f.name}_power_frac"),
            full,
            np.full(ctx.n, ctx.frac_tol),
        )


def _curve_ceiling_th_s(
    f: MinerFleet, asic_mw: np.ndarray, on: np.ndarray
) -> tuple[np.ndarray, float]:
    """The concave curve's hashrate, TH/s: ``min_k a_k * asic_mw + b_k * on``, and the
    steepest slope ``max_k |a_k|`` (TH/s per MW)."""
    assert f.power_target is not None
    p_mw, h_th = f.asic_power_mw, f.container_hashrate_th_s
    ceiling = np.full(len(on), np.inf)
    steepest = 0.0
    for (p0, h0), (p1, h1) in itertools.pairwise(f.power_target.curve_points):
        a = h_th * (h1 - h0) / (p_mw * (p1 - p0))  # TH/s per MW of miners
        b = h_th * h0 - a * p_mw * p0  # TH/s per running container
        ceiling = np.minimum(ceiling, a * asic_mw + b * on)
        steepest = max(steepest, abs(a))
    return ceiling, steepest


def _window_sums(history: Sequence[int], moves: np.ndarray, window: int) -> np.ndarray:
    """Sum of ``moves`` over the last ``window`` intervals up to each t, the part before the
    horizon taken from ``history`` (its last item is the interval just before the horizon)."""
    past = np.asarray(list(history)[-(window - 1) :] if window > 1 else [], dtype=float)
    full = np.concatenate((past, moves))
    csum = np.concatenate(([0.0], np.cumsum(full)))
    ends = np.arange(len(moves)) + len(past) + 1
    return csum[ends] - csum[np.maximum(ends - window, 0)]
