"""Two model rules an independent re-formulation found broken, each with a case whose optimum
follows by hand: min up time during an outage, and the battery's shared inverter."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import OBJ_RTOL, tiny_site
from dispatch import FleetState, Inputs, SiteState, check_plan, check_schedule, plan, site_index

HASHPRICE = 50.0
MINER = {"model": "test", "hashrate_th_s": 100.0, "power_w": 2000.0}  # 2 MW a container
BREAKEVEN = HASHPRICE * 1000 / (20.0 * 24)  # 104.17 USD/MWh


def inputs_for(site, prices, hpc_mw=None) -> Inputs:
    idx = site_index(site, "2026-01-05", hours=len(prices) * site.dt_h)
    hpc = None if hpc_mw is None else pd.DataFrame({"hall": np.asarray(hpc_mw, float)}, index=idx)
    return Inputs(
        price_usd_per_mwh=pd.Series(np.asarray(prices, dtype=float), index=idx),
        hashprice_usd_per_ph_day=pd.Series(HASHPRICE, index=idx, dtype=float),
        hpc_it_load_mw=hpc,
    )


def outage_site():
    # 5 containers, 2 out all day, min up 4 h
    outage = {"start": "2026-01-05 00:00", "end": "2026-01-06 00:00", "containers": 2}
    fleet = {
        "name": "f",
        "miner": MINER,
        "miners_per_container": 1000,
        "containers": 5,
        "min_up_minutes": 240,
        "outages": [outage],
    }
    return tiny_site(fleets=[fleet])


def test_min_up_time_holds_during_an_outage() -> None:
    # one cheap hour then three dear ones: a container started at 00:00 must run 4 hours,
    # losing (200 - 104.17) x 3 h more than the cheap hour earns, so the optimum mines nothing
    # (an outage that takes containers out all day may not relax min up time)
    site = outage_site()
    p = plan(site, inputs_for(site, [20, 200, 200, 200]), mip_rel_gap=0)
    assert p.schedule["f_containers_on"].sum() == 0
    assert p.objective_usd == pytest.approx(0.0, abs=1e-6)
    assert check_plan(p) == []


def test_checker_flags_early_stops_during_an_outage() -> None:
    site = outage_site()
    p = plan(site, inputs_for(site, [20, 200, 200, 200]), mip_rel_gap=0)
    s = p.schedule.copy()
    s["f_containers_on"] = [2.0, 0.0, 0.0, 0.0]  # 2 started, stopped after an hour
    s["f_starts"] = [2.0, 0.0, 0.0, 0.0]
    s["f_stops"] = [0.0, 2.0, 0.0, 0.0]
    rules = {v.rule for v in check_schedule(site, p.inputs, s, mode="optimise")}
    assert "min_up" in rules


def test_an_outage_starting_mid_horizon_may_stop_recent_starts() -> None:
    # containers running from 00:00; 2 of 5 go out at 01:00 for the rest of the day: the
    # outage forces 2 stops inside the min-up window, which is allowed
    outage = {"start": "2026-01-05 01:00", "end": "2026-01-06 00:00", "containers": 2}
    fleet = {
        "name": "f",
        "miner": MINER,
        "miners_per_container": 1000,
        "containers": 5,
        "min_up_minutes": 240,
        "outages": [outage],
    }
    site = tiny_site(fleets=[fleet])
    p = plan(site, inputs_for(site, [20, 20, 20, 20]), mip_rel_gap=0)
    assert p.schedule["f_containers_on"].tolist() == [5, 3, 3, 3]
    assert check_plan(p) == []


def inverter_site():
    # a genset that runs only at full 10 MW (min load 1.0) and burns free fuel, an HPC load
    # of 6.5 MW, no export: the 3.5 MW surplus could only go into a full battery that
    # charges and discharges at once (eta 0.5 each way: c = 4 d keeps the SOC, c - d = 3.5
    # needs c = 4.67, d = 1.17, c + d = 5.83 MW > its 5 MW inverter; one hour, so the
    # battery cannot make room first)
    return tiny_site(
        hpc_halls=[{"name": "hall", "it_load_mw": 6.5, "pue": 1.0}],
        battery={
            "power_mw": 5.0,
            "energy_mwh": 20.0,
            "charge_efficiency": 0.5,
            "discharge_efficiency": 0.5,
            "soc_initial_frac": 1.0,
        },
        gensets=[
            {
                "name": "g",
                "units": 1,
                "unit_capacity_mw": 10.0,
                "min_load_frac": 1.0,
                "heat_rate_mmbtu_per_mwh": 9.0,
                "fuel_price_usd_per_mmbtu": 0.0,
            }
        ],
    )


def test_battery_shares_one_inverter() -> None:
    site = inverter_site()
    p = plan(site, inputs_for(site, [200]), mip_rel_gap=0)
    s = p.schedule
    both = s["battery_charge_mw"] + s["battery_discharge_mw"]
    assert (both <= 5.0 + 1e-6).all()
    # so the genset cannot run: the site imports its HPC load at 200 USD/MWh
    assert (s["g_output_mw"] == 0).all()
    assert p.objective_usd == pytest.approx(-6.5 * 200, rel=OBJ_RTOL)
    assert check_plan(p) == []


def test_checker_reports_an_inverter_breach_as_a_violation() -> None:
    site = inverter_site()
    p = plan(site, inputs_for(site, [200]), mip_rel_gap=0)
    s = p.schedule.copy()
    s["battery_charge_mw"] = 5.0
    s["battery_discharge_mw"] = 1.25  # SOC unchanged: 0.5 x 5 = 1.25 / 0.5
    found = check_schedule(site, p.inputs, s, mode="optimise")
    assert any(v.rule == "battery_inverter" and v.severity == "violation" for v in found)


def test_a_carried_stop_blocks_the_price_blind_fleet_for_its_min_down_time() -> None:
    # one container stopped in the interval before the horizon, min down 4 h: off in that
    # interval and the horizon's first 3 hours, so the price-blind fleet starts in hour 3
    # (it started in hour 1: the carried stop fell out of a window shorter than 3)
    fleet = {
        "name": "f",
        "miner": MINER,
        "miners_per_container": 1000,
        "containers": 1,
        "min_down_minutes": 240,
    }
    site = tiny_site(fleets=[fleet])
    state = SiteState.initial(site).replace(
        fleets={"f": FleetState(on=0, recent_starts=(), recent_stops=(1,))}
    )
    inputs = inputs_for(site, [0.0] * 4)
    for mode in ("optimise", "price_blind"):
        p = plan(site, inputs, state=state, mode=mode)
        assert p.mode == mode
        assert p.schedule["f_containers_on"].tolist() == [0, 0, 0, 1]
    # a one-hour step hands on the stop still inside the window, not only the last interval
    after = plan(site, inputs_for(site, [0.0]), state=state).end_state()
    assert after.fleets["f"].recent_stops == (1, 0)


def test_the_fallback_battery_may_end_below_a_carried_target() -> None:
    # a backtest can hand on a charge below the target; the fallback's idle battery ends
    # where it started, so the fallback stays feasible (it was infeasible)
    battery = {"power_mw": 2.0, "energy_mwh": 2.0, "soc_initial_frac": 0.9}
    site = tiny_site(battery=battery)
    state = SiteState.initial(site).replace(battery_soc_mwh=1.0, battery_soc_target_mwh=1.8)
    p = plan(site, inputs_for(site, [10.0] * 3), state=state, mode="fallback")
    assert p.mode == "fallback"
    assert np.allclose(p.schedule["battery_soc_mwh"], 1.0)
    assert check_plan(p) == []
