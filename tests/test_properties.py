"""Property-based tests: small random sites and inputs, every plan checked.

Each example draws a site (1-3 fleets, optional power target, min up/down, ramp limit,
outages; optional battery, genset with or without a fuel budget, solar, DR event, demand
charge, coincident peak, reserve products, a standby DR commitment, a swinging hall, heat
reuse), 2-24 hourly or 15-minute intervals of prices (negative, spikes up
to the ERCOT cap), hashprice (possibly halving mid-horizon) and HPC load, and a carried state
consistent with the site.  Then:

- the plan, and the no-miners and price-blind counterfactuals, pass the schedule checker;
- the objective equals the sum of the profit terms and HiGHS's own objective;
- no schedule that is feasible for the optimising model (as the checker says) earns more
  than HiGHS's proven bound, so the optimum is never worse than a counterfactual by more
  than the MIP gap it was allowed (see :func:`gap_tolerance`).

Derandomised (a fixed seed, no example database) so CI runs the same examples every time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from conftest import OBJ_RTOL, tiny_site
from dispatch import (
    FleetState,
    Inputs,
    Plan,
    Site,
    SiteState,
    check_schedule,
    plan,
)

MIP_REL_GAP = 1e-4
MIP_ABS_GAP = 1e-6  # the planner's smallest absolute MIP gap, USD
CURVES = (
    {"min_frac": 0.6, "max_frac": 1.0, "curve_points": [[0.6, 0.72], [0.8, 0.88], [1.0, 1.0]]},
    {"min_frac": 0.5, "max_frac": 1.2, "curve_points": [[0.5, 0.6], [1.0, 1.0], [1.2, 1.1]]},
)

PROPERTY_SETTINGS = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


#: Horizon starts (site-local): plain days, a month end, and both DST changes in Chicago.
STARTS = ("2026-03-02 00:00", "2026-03-31 18:00", "2026-03-08 00:00", "2026-11-01 00:00")


@st.composite
def windows(draw, idx: pd.DatetimeIndex) -> tuple[str, str]:
    """A window of whole intervals inside the horizon, as ISO timestamps with offsets."""
    first = draw(st.integers(0, len(idx) - 1))
    last = draw(st.integers(first + 1, len(idx)))
    step = idx[1] - idx[0] if len(idx) > 1 else pd.Timedelta(hours=1)
    end = idx[last] if last < len(idx) else idx[-1] + step
    return idx[first].isoformat(), end.isoformat()


@st.composite
def fleets(draw, n_fleets: int, minutes: int, idx: pd.DatetimeIndex) -> list[dict]:
    out = []
    for k in range(n_fleets):
        containers = draw(st.integers(1, 6))
        unavailable = draw(st.integers(0, containers // 2))
        fleet: dict = {
            "name": f"f{k}",
            "miner": {
                "model": "m",
                "hashrate_th_s": draw(st.sampled_from([95.0, 140.0, 200.0, 335.0])),
                "power_w": draw(st.sampled_from([3010.0, 3250.0, 3500.0, 5360.0])),
            },
            "miners_per_container": draw(st.sampled_from([200, 400, 600])),
            "containers": containers,
            "container_aux_kw": draw(st.sampled_from([0.0, 15.0])),
            "containers_unavailable": unavailable,
            "containers_initially_on": draw(st.integers(0, containers - unavailable)),
            "pool_fee_frac": draw(st.sampled_from([0.0, 0.02])),
            "startup_cost_usd_per_container": draw(st.sampled_from([0.0, 5.0, 60.0])),
        }
        if draw(st.booleans()):
            fleet["power_target"] = draw(st.sampled_from(CURVES))
        if draw(st.booleans()):
            fleet["min_up_minutes"] = draw(st.sampled_from([minutes, 2 * minutes, 3 * minutes]))
            fleet["min_down_minutes"] = draw(st.sampled_from([minutes, 2 * minutes, 4 * minutes]))
        if draw(st.booleans()):
            fleet["ramp_limit_containers_per_interval"] = draw(st.integers(1, 3))
        if draw(st.integers(0, 3)) == 0:
            start, end = draw(windows(idx))
            fleet["outages"] = [
                {"start": start, "end": end, "containers": draw(st.integers(1, containers))}
            ]
        out.append(fleet)
    return out


@st.composite
def cases(draw) -> tuple[Site, Inputs, SiteState]:
    minutes = draw(st.sampled_from([60, 15]))
    n = draw(st.integers(2, 24))
    tz = draw(st.sampled_from(["UTC", "America/Chicago"]))
    start = pd.Timestamp(draw(st.sampled_from(STARTS)), tz=tz)
    step = pd.Timedelta(minutes=minutes)
    idx = pd.date_range(start.tz_convert("UTC"), periods=n, freq=step).tz_convert(tz)
    fields: dict = {
        "timezone": tz,
        "interval_minutes": minutes,
        "grid": {
            "import_limit_mw": draw(st.sampled_from([15.0, 30.0, 60.0])),
            "export_limit_mw": draw(st.sampled_from([0.0, 0.0, 10.0])),
            "import_adder_usd_per_mwh": draw(st.sampled_from([0.0, 3.0])),
            "export_adder_usd_per_mwh": draw(st.sampled_from([0.0, 1.0])),
        },
        "hpc_halls": [
            {"name": "hall", "it_load_mw": 10.0, "pue": draw(st.sampled_from([1.1, 1.3]))}
        ],
        "fleets": draw(fleets(draw(st.integers(1, 3)), minutes, idx)),
    }
    if draw(st.booleans()):
        fields["battery"] = {
            "power_mw": draw(st.sampled_from([2.0, 5.0])),
            "energy_mwh": draw(st.sampled_from([2.0, 10.0])),
            "soc_min_frac": 0.1,
            "soc_max_frac": 0.9,
            "soc_initial_frac": draw(st.sampled_from([0.1, 0.5, 0.9])),
            "wear_cost_usd_per_mwh": draw(st.sampled_from([0.0, 4.0])),
            "end_soc_at_least_initial": draw(st.booleans()),
        }
    if draw(st.booleans()):
        fields["gensets"] = [
            {
                "name": "gas",
                "units": draw(st.integers(1, 3)),
                "unit_capacity_mw": 2.0,
                "min_load_frac": draw(st.sampled_from([0.0, 0.5])),
                "heat_rate_mmbtu_per_mwh": 9.5,
                "fuel_price_usd_per_mmbtu": draw(st.sampled_from([0.0, 3.0])),
                "variable_om_usd_per_mwh": 5.0,
                "startup_cost_usd_per_unit": draw(st.sampled_from([0.0, 100.0])),
                "fuel_budget_mmbtu_per_day": draw(st.sampled_from([None, 20.0, 200.0])),
            }
        ]
    if draw(st.booleans()):
        fields["solar"] = {"capacity_mw": 8.0}
    if draw(st.booleans()):
        window_start, window_end = draw(windows(idx))
        fields["dr_events"] = [
            {
                "name": "ev",
                "start": window_start,
                "end": window_end,
                "import_cap_mw": draw(st.sampled_from([None, 5.0, 14.0, 25.0])),
                "baseline_mw": 20.0,
                "credit_usd_per_mwh": draw(st.sampled_from([0.0, 100.0])),
                "penalty_usd_per_mwh": draw(st.sampled_from([500.0, 5000.0])),
            }
        ]
    if draw(st.booleans()):
        fields["demand_charge"] = {
            "rate_usd_per_mw": draw(st.sampled_from([500.0, 8000.0])),
            "peak_so_far_mw": draw(st.sampled_from([0.0, 12.0])),
        }
    cp = draw(st.booleans())
    if cp:
        fields["coincident_peak"] = {"charge_usd_per_mw": 20_000.0}
    site = tiny_site(**fields)

    price = np.asarray(
        draw(
            st.lists(
                st.one_of(
                    st.floats(-250, 150, allow_nan=False),
                    st.sampled_from([-250.0, 0.0, 1000.0, 5000.0]),
                ),
                min_size=n,
                max_size=n,
            )
        )
    )
    hashprice = np.full(n, draw(st.floats(25, 150)))
    if draw(st.booleans()):  # halving-like jump mid-horizon
        hashprice[n // 2 :] /= 2
    it = np.asarray(draw(st.lists(st.floats(0, 14), min_size=n, max_size=n)))
    inputs = Inputs(
        price_usd_per_mwh=pd.Series(price, index=idx),
        hashprice_usd_per_ph_day=pd.Series(hashprice, index=idx),
        hpc_it_load_mw=pd.DataFrame({"hall": it}, index=idx),
        solar_cf=pd.Series(np.clip(np.sin(np.arange(n) / 4), 0, 1), index=idx)
        if site.solar
        else None,
        cp_probability=pd.Series(np.linspace(0, 0.2, n), index=idx) if cp else None,
    )
    site, inputs = draw(revenue_streams(fields, inputs, idx))
    return site, inputs, draw(carried_states(site, idx))


@st.composite
def revenue_streams(draw, fields: dict, inputs: Inputs, idx: pd.DatetimeIndex):
    """Reserve products (fleets and battery, hourly prices up to a scarcity 900 USD/MW-h),
    a standby DR commitment (one window or recurring over a term), a swinging hall and heat
    reuse, each drawn or not."""
    fields = dict(fields)
    n = len(idx)
    reserve = {}
    if draw(st.booleans()):
        providers = [f["name"] for f in fields["fleets"]] + (
            ["battery"] if "battery" in fields else []
        )
        fields["reserve_products"] = []
        for name in ("rrs", "ecrs"):
            fields["reserve_products"].append(
                {
                    "name": name,
                    "providers": draw(
                        st.lists(st.sampled_from(providers), min_size=1, unique=True)
                    ),
                    "max_deployment_minutes": draw(st.sampled_from([60, 240])),
                    "deployed_share_frac": draw(st.sampled_from([0.0, 0.05])),
                }
            )
            values = draw(
                st.lists(st.sampled_from([0.0, 3.0, 30.0, 900.0]), min_size=n, max_size=n)
            )
            reserve[name] = pd.Series(np.asarray(values, dtype=float), index=idx)
    if draw(st.booleans()):
        if draw(st.booleans()):
            start, end = draw(windows(idx))
            when: dict = {"start": start, "end": end}
        else:  # recurring over a term starting on the horizon's first day (or the day after)
            first = idx[0].date() + dt.timedelta(days=draw(st.integers(0, 1)))
            when = {
                "term": {"start": first, "end": first + dt.timedelta(days=3)},
                "hours": draw(st.sampled_from(["00:00-24:00", "02:00-05:30", "13:00-16:00"])),
                "days": draw(st.sampled_from(["all", "weekdays", "weekends", ["tue"]])),
            }
        fields["standby_dr"] = [
            {
                "name": "ers",
                **when,
                "committed_mw": draw(st.sampled_from([1.0, 5.0])),
                "availability_usd_per_mw_h": draw(st.sampled_from([5.0, 50.0])),
                "shortfall_penalty_usd_per_mw_h": draw(st.sampled_from([0.0, 20.0])),
            }
        ]
    if draw(st.booleans()):
        fields["hpc_halls"] = [
            {**fields["hpc_halls"][0], "swing_frac": draw(st.sampled_from([0.2, 0.5]))}
        ]
    if draw(st.booleans()):
        fleets = [dict(f) for f in fields["fleets"]]
        fleets[0].update(heat_recovery_frac=0.5, heat_price_usd_per_mwh_th=15.0)
        fields["fleets"] = fleets
    return tiny_site(**fields), inputs.replace(reserve_price_usd_per_mw_h=reserve)


@st.composite
def carried_states(draw, site: Site, idx: pd.DatetimeIndex) -> SiteState:
    """The site file's state, or one a previous rolling step could have handed on."""
    state = SiteState.initial(site)
    if not draw(st.booleans()):
        return state
    fleets_in = {}
    for f in site.fleets:
        on = f.containers_initially_on
        in_service = f.containers - f.containers_unavailable
        starts = draw(st.integers(0, on)) if f.min_up_minutes else 0
        stops = draw(st.integers(0, in_service - on)) if f.min_down_minutes else 0
        fleets_in[f.name] = FleetState(on=on, recent_starts=(starts,), recent_stops=(stops,))
    day = idx[0].strftime("%Y-%m-%d")
    changes: dict = {"fleets": fleets_in, "fuel_day": day}
    changes["genset_units_on"] = {g.name: draw(st.integers(0, g.units)) for g in site.gensets}
    changes["fuel_used_today_mmbtu"] = {
        g.name: draw(st.sampled_from([0.0, 15.0])) for g in site.gensets
    }
    if site.battery is not None:
        b = site.battery
        frac = draw(st.floats(b.soc_min_frac, b.soc_max_frac))
        changes["battery_soc_mwh"] = frac * b.energy_mwh
    changes["peak_so_far_mw"] = draw(st.sampled_from([0.0, 9.0, 20.0]))
    changes["peak_month"] = (idx[0].year, idx[0].month)
    return state.replace(**changes)


def solver_slop_usd(p: Plan) -> float:
    """What HiGHS's tolerances (1e-7 on feasibility and optimality, on coefficients up to
    the value of lost load) may move its objective and bound by, USD."""
    return 1e-6 * max(1.0, abs(p.objective_usd), abs(p.solve.bound_usd or 0.0)) + 1e-4


def gap_tolerance(p: Plan) -> float:
    """How far below HiGHS's proven bound a plan solved to ``MIP_REL_GAP`` may be.

    HiGHS prunes every node whose bound is within ``max(mip_abs_gap, mip_rel_gap *
    |incumbent|)`` of the incumbent, so that is the guarantee; the planner sets
    ``mip_abs_gap = max(mip_rel_gap * sum|price| * import_limit * dt, 1e-6)`` USD (the
    horizon's energy value: see ``dispatch.planner.energy_value_usd``).  Plus
    :func:`solver_slop_usd`.
    """
    price = p.inputs.price_usd_per_mwh.to_numpy()
    energy_value = np.abs(price).sum() * p.site.grid.import_limit_mw * p.site.dt_h
    abs_gap = max(MIP_REL_GAP * energy_value, MIP_ABS_GAP)
    scale = max(1.0, abs(p.objective_usd), abs(p.solve.bound_usd or 0.0))
    return max(MIP_REL_GAP * scale, abs_gap) + solver_slop_usd(p)


def violations(p: Plan, *, mode: str | None = None) -> list[str]:
    """The checker's violations of a plan (in its own mode unless told), as text."""
    found = check_schedule(p.site, p.inputs, p.schedule, state=p.state_in, mode=mode or str(p.mode))
    return [str(v) for v in found]


def as_if_optimised(p: Plan) -> Plan:
    """A counterfactual's schedule as the optimiser would report it.

    A no-miners plan starts its fleets from zero running containers (nothing to stop), so
    its schedule shows no stop at the first interval; the same schedule from the real state
    stops the running containers there, at no cost.  Everything else is unchanged.
    """
    s = p.schedule.copy()
    for f in p.site.fleets:
        on0 = min(
            p.state_in.fleet(f.name, f.containers_initially_on).on,
            f.containers - f.containers_unavailable,
        )
        change = np.diff(s[f"{f.name}_containers_on"].to_numpy(), prepend=on0)
        s[f"{f.name}_starts"] = np.clip(change, 0, None)
        s[f"{f.name}_stops"] = np.clip(-change, 0, None)
    return dataclasses.replace(p, schedule=s)


@PROPERTY_SETTINGS
@given(cases())
def test_every_plan_is_valid_consistent_and_no_worse_than_the_counterfactuals(case):
    site, inputs, state = case
    note(site.model_dump_json())
    opt = plan(site, inputs, state=state, mip_rel_gap=MIP_REL_GAP, reuse_model=False)
    event(f"status {opt.status.value}")

    assert violations(opt) == []
    total = float(opt.schedule["profit_total_usd"].sum())
    assert opt.objective_usd == total
    assert np.isclose(opt.profit_terms.to_numpy().sum(), total, rtol=OBJ_RTOL, atol=1e-6)
    assert np.isclose(opt.solve.objective_usd, total, rtol=OBJ_RTOL, atol=1e-6)
    if str(opt.mode) != "optimise":
        event("optimise plan fell back")
        return
    bound = opt.solve.bound_usd
    assert bound is not None and opt.objective_usd >= bound - gap_tolerance(opt)

    for mode in ("no_miners", "price_blind"):
        cf = plan(site, inputs, state=state, mode=mode, reuse_model=False)
        assert violations(cf) == [], mode
        feasible = violations(as_if_optimised(cf), mode="optimise") == []
        event(f"{mode}: {'feasible for the optimiser' if feasible else 'not comparable'}")
        if feasible:
            # any schedule the optimiser could have chosen earns at most its proven bound
            assert cf.objective_usd <= bound + solver_slop_usd(opt)
            assert opt.objective_usd >= cf.objective_usd - gap_tolerance(opt)
