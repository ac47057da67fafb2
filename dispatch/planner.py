"""``plan()``: the day-ahead planner's entry point.

It checks the inputs against the site, builds (or reuses) the site model, solves it, and
always returns a :class:`~dispatch.results.Plan`: when HiGHS stops without any schedule,
the plan is the safe *fallback* (miners off, battery and gensets idle, HPC served from the
grid) and says so.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pandas as pd

from dispatch.assets.base import Mode, PlanData
from dispatch.assets.demand_charge import prorate_weight
from dispatch.checker import check_plan
from dispatch.config import Site
from dispatch.errors import ConfigError, DataError, SolverError
from dispatch.horizon import Horizon, local_timestamp
from dispatch.inputs import Inputs
from dispatch.model import ModelCache, SiteModel
from dispatch.results import Plan, build_plan
from dispatch.solve import SolveOptions
from dispatch.state import SiteState

MODEL_CACHE = ModelCache()
DEMAND_CHARGE_POLICIES = ("full", "prorate")
FALLBACK_TIME_LIMIT_S = 30.0  # the fallback's limit when the plan has none
FALLBACK_MIN_S = 1.0  # the fallback's least time when the plan's budget is spent
#: Plans above this many variables (estimated) are refused: the bundled sample site has
#: 24 per interval, so about 8,300 intervals (86 days at 15 minutes, 29 at 5 minutes); its
#: 7-day plan (16 k variables) takes ~7 s, and a one-year 5-minute plan (2.5 M) had
#: produced nothing after 330 s and 3.6 GB.  ``plan(max_variables=None)`` lifts it.
MAX_MODEL_VARIABLES = 200_000


def plan(
    site: Site,
    inputs: Inputs,
    *,
    state: SiteState | None = None,
    mode: Mode | str = Mode.OPTIMISE,
    mip_rel_gap: float = 1e-4,
    time_limit_s: float | None = None,
    threads: int | None = None,
    log: bool = False,
    reuse_model: bool = True,
    demand_charge: str = "full",
    battery_target_at: pd.Timestamp | None = None,
    max_variables: int | None = MAX_MODEL_VARIABLES,
) -> Plan:
    """Schedule the site over the inputs' intervals and return the plan.

    Parameters
    ----------
    site, inputs
        The site and its time series (``dispatch.load_inputs`` aligns files to the site).
    state
        Where the plan starts from (a rolling horizon's carried state); default: the site file.
    mode
        ``"optimise"``, or a counterfactual: ``"no_miners"`` (every fleet off) or
        ``"price_blind"`` (every container the site can host beside the HPC load runs at full
        power, whatever the prices; ``"always_on"`` is its deprecated old name).
    mip_rel_gap, time_limit_s, threads, log
        HiGHS settings: relative MIP gap, time limit in seconds, threads, print the log.
        ``time_limit_s`` is a wall-clock budget from the call: the LP relaxation, the
        repaired schedule, branch and bound and a fallback plan all share it.  A plan
        returns within it plus a small overhead: HiGHS's own granularity and the result
        tables (~0.1-0.2 s measured on the sample week); the first plan of a new horizon
        shape also builds the model and hands it to HiGHS, which no limit interrupts
        (``timings_s["build_s"]``); and when no schedule was found in time the fallback
        plan gets at least ``FALLBACK_MIN_S`` (1 s) more.
    reuse_model
        Reuse a model built earlier for the same site and horizon shape, writing only the
        new numbers into it (the result is identical; only faster).
    demand_charge
        ``"full"``: a new monthly peak costs the full rate (DESIGN.md); ``"prorate"``: the
        rate times the share of the month's remaining time the horizon covers, so a short
        horizon early in the month does not hold the peak (and mining) too low; the
        ``demand_charge`` profit term then reports that share (see
        :mod:`dispatch.assets.demand_charge`).
    battery_target_at
        An interval boundary inside the horizon at which the battery must also be back at its
        target charge (``state.battery_soc_target_mwh``): a backtest's last step keeps only the
        intervals before it, so the kept period ends where it began (see
        :mod:`dispatch.assets.battery`).  ``None``: only the horizon's end.
    max_variables
        Refuse a horizon whose model would have more variables than this (estimated from
        the site's assets times the intervals, :func:`model_size_estimate`) before building
        it, with the estimate and the alternative (a backtest plans day by day).  ``None``:
        no limit.

    A solver that stops without a schedule gives the fallback plan (``plan.status ==
    "fallback"``); a plan whose HPC load is not fully served, or that breaks a DR cap, has
    status ``"at_risk"`` and names the intervals and the cause in ``plan.status_reason``.
    """
    t0 = time.perf_counter()
    if demand_charge not in DEMAND_CHARGE_POLICIES:
        raise ValueError(
            f"demand_charge must be one of {', '.join(DEMAND_CHARGE_POLICIES)}, "
            f"got {demand_charge!r}"
        )
    check_model_size(site, len(inputs.index), max_variables)
    data = plan_data(
        site, inputs, state if state is not None else SiteState.initial(site), Mode(mode)
    )
    if battery_target_at is not None:
        before = int(data.horizon.index.searchsorted(pd.Timestamp(battery_target_at))) - 1
        if 0 <= before < data.n - 1:
            data = dataclasses.replace(data, soc_hold_index=before)
    if demand_charge == "prorate":
        end = data.horizon.index[-1] + pd.Timedelta(minutes=site.interval_minutes)
        weight = prorate_weight(site.timezone, data.horizon.index[0], end)
        data = dataclasses.replace(data, demand_charge_weight=weight)
    options = SolveOptions(
        mip_rel_gap=mip_rel_gap,
        mip_abs_gap_usd=max(mip_rel_gap * energy_value_usd(site, data), 1e-6),
        time_limit_s=time_limit_s,
        threads=threads,
        log=log,
    )
    if reuse_model:
        misses = MODEL_CACHE.misses
        model = MODEL_CACHE.get(site, data)
        built = MODEL_CACHE.misses > misses
    else:
        model, built = SiteModel(site, data), True
    build_s = model.build_time_s if built else 0.0
    with model.lock:
        t1 = time.perf_counter()
        model.update(data)
        outcome = model.solve(_within(options, t0, time_limit_s), data)
        solved = data
        first_result = None
        if outcome.values is None:
            first_result = outcome.result
            solved = dataclasses.replace(data, mode=Mode.FALLBACK)
            model.update(solved)
            fallback = _within(
                options,
                t0,
                time_limit_s,
                at_least_s=FALLBACK_MIN_S,
                unlimited_s=FALLBACK_TIME_LIMIT_S,
            )
            outcome = model.solve(fallback, solved)
            if outcome.values is None and time_limit_s is not None:  # not even in its floor
                outcome = model.solve(dataclasses.replace(fallback, time_limit_s=None), solved)
            if outcome.values is None:
                raise SolverError(
                    f"HiGHS found no schedule ({first_result.status.value}: "
                    f"{first_result.message}) and not even the fallback plan "
                    f"({outcome.result.status.value}: {outcome.result.message})"
                )
        result, values, terms = outcome.result, outcome.values, outcome.terms
        assert terms is not None
        solve_s = time.perf_counter() - t1
        t2 = time.perf_counter()
    timings = {
        "build_s": build_s,
        "solve_s": solve_s,
        "highs_s": result.highs_time_s + (first_result.highs_time_s if first_result else 0.0),
    }
    result_plan = build_plan(
        site=site,
        inputs=inputs,
        data=solved,
        assets=model.assets,
        values=values,
        terms=terms,
        term_kinds={t.name: t.kind for t in model.terms},
        solve=result,
        failed_solve=first_result,
        timings=timings,
        started=t0,
        results_started=t2,
    )
    return _checked(result_plan)


def model_size_estimate(site: Site) -> int:
    """Variables per interval of the site's model (an estimate within a few per cent).

    Grid import, HPC shortfall (and export when allowed); per fleet on, up, down (plus ASIC
    power and hashrate with a power target); battery charge, discharge, charge level and the
    charging flag; per genset units on, output, starts; solar output; one excess per DR
    event; demand charge import, peak and increase; coincident-peak import; one offer per
    reserve product and provider; one per standby DR commitment; gas burnt and flared per
    gas supply.  Checked against built models in ``tests/test_limits.py``.
    """
    per = 2 + (1 if site.grid.export_limit_mw > 0 else 0)
    per += sum(3 + (2 if f.power_target is not None else 0) for f in site.fleets)
    per += 4 if site.battery is not None else 0
    per += 3 * len(site.gensets)
    per += 1 if site.solar is not None else 0
    per += len(site.dr_events)
    per += 3 if site.demand_charge is not None else 0
    per += 1 if site.coincident_peak is not None else 0
    per += sum(max(1, len(r.providers)) for r in site.reserve_products)
    per += len(site.standby_dr)
    per += 2 * len(site.gas_supplies)
    return per


def check_model_size(site: Site, intervals: int, max_variables: int | None) -> None:
    """Refuse a horizon whose model would exceed ``max_variables`` (see :func:`plan`)."""
    if max_variables is None:
        return
    per = model_size_estimate(site)
    total = per * intervals
    if total <= max_variables:
        return
    days = intervals * site.interval_minutes / (60 * 24)
    fits = max_variables // per
    raise DataError(
        f"horizon: {intervals:,} intervals ({days:,.1f} days at {site.interval_minutes} "
        f"minutes) x about {per} variables each = about {total:,} variables, above the limit "
        f"of {max_variables:,} (about {fits:,} intervals, "
        f"{fits * site.interval_minutes / 1440:,.1f} days, for this site); plan a shorter "
        "horizon, or run `dispatch backtest`, which plans day by day with a look-ahead "
        "(API: plan(max_variables=None) lifts the limit)"
    )


def _checked(p: Plan) -> Plan:
    """``p`` if it keeps every rule of the model (:func:`dispatch.check_plan`, a few ms);
    otherwise a :class:`SolverError`: a schedule that breaks the model's own rules (the
    solver's numerics failed, or a number is not finite) is never returned as a plan."""
    t0 = time.perf_counter()
    found = check_plan(p)
    p.timings_s["check_s"] = time.perf_counter() - t0  # type: ignore[index]
    if found:
        first = "; ".join(str(v) for v in found[:3])
        raise SolverError(
            f"the solver's schedule breaks {len(found)} of the model's own rules "
            f"({first}{'; ...' if len(found) > 3 else ''}): numerical trouble, most likely "
            "from input magnitudes far apart; no plan is returned"
        )
    return p


def _within(
    options: SolveOptions,
    t0: float,
    time_limit_s: float | None,
    *,
    at_least_s: float = 0.0,
    unlimited_s: float | None = None,
) -> SolveOptions:
    """The options with what is left of the plan's time budget, which started at ``t0``
    (``unlimited_s`` when the plan has no limit; HiGHS gets ``at_least_s`` in any case)."""
    if time_limit_s is None:
        return dataclasses.replace(options, time_limit_s=unlimited_s)
    left = time_limit_s - (time.perf_counter() - t0)
    return dataclasses.replace(options, time_limit_s=max(left, 1e-3), min_solver_s=at_least_s)


def energy_value_usd(site: Site, data: PlanData) -> float:
    """The scale of money a plan moves: import limit x |price| summed over the horizon, USD
    (off-grid: the fleets' nameplate mining revenue over the horizon).

    ``mip_rel_gap`` times this is the absolute MIP gap (see :class:`SolveOptions`).
    """
    grid = float(np.abs(data.price_usd_per_mwh).sum() * site.grid.import_limit_mw * data.dt_h)
    if grid > 0:
        return grid
    # off-grid (or zero prices): the fleets' revenue at full power over the horizon
    hashprice = float(np.mean(data.hashprice_usd_per_ph_day))
    th_s = sum(f.containers * f.container_hashrate_th_s for f in site.fleets)
    return hashprice / 1000 * th_s * data.n * data.dt_h / 24


def plan_data(site: Site, inputs: Inputs, state: SiteState, mode: Mode) -> PlanData:
    """Check the inputs against the site and turn them into arrays for the model."""
    index = inputs.index
    step_ns = site.interval_minutes * 60 * 10**9
    if len(index) > 1:
        steps = np.diff(index.as_unit("ns").asi8)
        if np.any(steps != step_ns):
            bad = int(np.argmax(steps != step_ns))
            raise DataError(
                f"inputs: intervals must be {site.interval_minutes} minutes apart (the site's "
                f"interval_minutes); {index[bad]} is followed by {index[bad + 1]}"
            )
    first = index[0]
    if (first - first.normalize()) % pd.Timedelta(minutes=site.interval_minutes):
        raise DataError(
            f"inputs: first interval {first} is not on a {site.interval_minutes}-minute boundary"
        )
    horizon = Horizon(index=index.tz_convert(site.timezone), dt_h=site.dt_h)
    hashprice = inputs.hashprice_usd_per_ph_day.to_numpy(dtype=float)
    if np.any(hashprice <= 0):
        bad = int(np.argmax(hashprice <= 0))
        raise DataError(
            f"hashprice_usd_per_ph_day: must be positive, got {hashprice[bad]} at {index[bad]}"
        )
    end = index[-1] + pd.Timedelta(minutes=site.interval_minutes)
    for k, event in enumerate(site.dr_events):
        start_ts = local_timestamp(event.start, site.timezone)
        end_ts = local_timestamp(event.end, site.timezone)
        if end_ts <= index[0] or start_ts >= end:
            raise ConfigError(
                f"dr_events[{k}] ({event.name}): window {start_ts} to {end_ts} lies outside the "
                f"horizon {index[0]} to {end}; remove the event or plan the day it falls on"
            )
    if site.solar is not None and inputs.solar_cf is None:
        raise DataError("solar: the site has solar but the inputs give no solar_cf series")
    if site.coincident_peak is not None and inputs.cp_probability is None:
        raise DataError(
            "coincident_peak: the site has a coincident-peak charge but the inputs give no "
            "cp_probability series"
        )
    given = inputs.reserve_price_usd_per_mw_h
    for product in site.reserve_products:
        if product.name not in given:
            raise DataError(
                f"reserve_products ({product.name}): the inputs give no clearing price for it; "
                f"pass reserve_prices={{'{product.name}': FILE}} (USD per MW-h)"
            )
    unknown = sorted(set(given) - {p.name for p in site.reserve_products})
    if unknown:
        raise DataError(
            f"reserve prices given for {', '.join(unknown)}, which the site's reserve_products "
            "do not list"
        )
    it = inputs.hall_it_load_mw(site)
    if (it.to_numpy() < 0).any():
        raise DataError("hpc_it_load_mw: IT load must not be negative")
    halls = {h.name: it[h.name].to_numpy(dtype=float) * h.pue for h in site.hpc_halls}
    gas_flow = _gas_flow(site, inputs)
    gas_price = inputs.gas_price_usd_per_mmbtu
    return PlanData(
        horizon=horizon,
        price_usd_per_mwh=inputs.price_usd_per_mwh.to_numpy(dtype=float),
        hashprice_usd_per_ph_day=hashprice,
        hall_load_mw=halls,
        state=state,
        mode=mode,
        solar_cf=None if inputs.solar_cf is None else inputs.solar_cf.to_numpy(dtype=float),
        cp_probability=(
            None if inputs.cp_probability is None else inputs.cp_probability.to_numpy(dtype=float)
        ),
        reserve_price_usd_per_mw_h={
            name: series.to_numpy(dtype=float) for name, series in given.items()
        },
        gas_flow_mmbtu_per_h=gas_flow,
        gas_price_usd_per_mmbtu=None if gas_price is None else gas_price.to_numpy(dtype=float),
    )


def _gas_flow(site: Site, inputs: Inputs) -> dict[str, np.ndarray]:
    """Flow per gas supply, MMBtu/h: the input column where given, else the constant."""
    given = inputs.gas_flow_mmbtu_per_h
    names = {gs.name for gs in site.gas_supplies}
    if given is not None:
        extra = [c for c in given.columns if c not in names]
        if extra:
            raise DataError(
                f"gas_flow_mmbtu_per_h: column(s) {', '.join(map(str, extra))} name no "
                f"gas_supplies entry of the site ({', '.join(sorted(names)) or 'none'})"
            )
    out = {}
    for gs in site.gas_supplies:
        if given is not None and gs.name in given.columns:
            flow = given[gs.name].to_numpy(dtype=float)
        elif gs.flow_mmbtu_per_h is not None:
            flow = np.full(len(inputs.index), gs.flow_mmbtu_per_h)
        else:
            raise DataError(
                f"gas_supplies {gs.name}: no gas flow: give a gas_flow series (MMBtu/h or "
                "Mcf/day) or flow_mmbtu_per_h in the site file"
            )
        if np.any(flow < 0):
            bad = int(np.argmax(flow < 0))
            raise DataError(
                f"gas_flow {gs.name}: flow must not be negative, got {flow[bad]:g} MMBtu/h at "
                f"{inputs.index[bad]}"
            )
        out[gs.name] = flow
    return out
