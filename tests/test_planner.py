"""Known optima of tiny cases, derived by hand (or by brute force) and compared with plan()."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from conftest import OBJ_RTOL, tiny_site
from dispatch import FleetState, Inputs, SiteState, check_plan, plan, site_index

S21 = {"model": "S21", "hashrate_th_s": 200.0, "power_w": 3500.0}  # 17.5 J/TH


def fleet(name: str = "f", containers: int = 1, **extra: object) -> dict:
    """A fleet of 1000-miner S21 containers: 3.5 MW and 200 PH/s each."""
    return {
        "name": name,
        "miner": S21,
        "miners_per_container": 1000,
        "containers": containers,
        **extra,
    }


def inputs_for(site, prices, hashprice=50.0, start="2026-01-05") -> Inputs:
    idx = site_index(site, start, hours=len(prices) * site.dt_h)
    return Inputs(
        price_usd_per_mwh=pd.Series(np.asarray(prices, dtype=float), index=idx),
        hashprice_usd_per_ph_day=pd.Series(hashprice, index=idx, dtype=float),
    )


def mining_margin_usd(site, prices, hashprice=50.0) -> np.ndarray:
    """Profit of one running S21 container per interval: revenue - energy cost."""
    f = site.fleets[0]
    revenue = hashprice * (1 - f.pool_fee_frac) * f.container_hashrate_th_s / 1000 * site.dt_h / 24
    cost = (
        (np.asarray(prices) + site.grid.import_adder_usd_per_mwh) * f.container_power_mw * site.dt_h
    )
    return revenue - cost


@pytest.mark.parametrize("adder", [0.0, 3.0])
def test_single_fleet_mines_exactly_below_breakeven(adder: float) -> None:
    site = tiny_site(
        fleets=[fleet()], grid={"import_limit_mw": 100.0, "import_adder_usd_per_mwh": adder}
    )
    breakeven = 50.0 * 1000 / (17.5 * 24)  # 119.05 USD/MWh at 17.5 J/TH
    prices = np.array([50, 150, 100, 130, 119, -5, 119.1, 115, 117])
    p = plan(site, inputs_for(site, prices), mip_rel_gap=0)
    on = p.schedule["f_containers_on"].to_numpy()
    expected_on = (prices + adder < breakeven).astype(float)
    assert np.array_equal(on, expected_on)
    np.testing.assert_allclose(p.schedule["f_breakeven_usd_per_mwh"], breakeven)
    expected = float(np.sum(np.maximum(mining_margin_usd(site, prices), 0)))
    assert p.objective_usd == pytest.approx(expected, rel=OBJ_RTOL)
    assert p.status.ok


def test_battery_arbitrage_on_a_two_price_day_earns_the_known_profit() -> None:
    eta = 0.9
    site = tiny_site(
        hpc_halls=[{"name": "h", "it_load_mw": 10.0, "pue": 1.0}],
        battery={
            "power_mw": 5.0,
            "energy_mwh": 10.0,
            "charge_efficiency": eta,
            "discharge_efficiency": eta,
            "soc_initial_frac": 0.0,
        },
    )
    prices = [20.0] * 12 + [100.0] * 12
    p = plan(site, inputs_for(site, prices), mip_rel_gap=0)
    baseline = -sum(10.0 * price for price in prices)  # HPC bought hour by hour
    # fill the 10 MWh battery at 20 (10/eta MWh bought), empty it into the load at 100
    gain = 100.0 * 10.0 * eta - 20.0 * 10.0 / eta
    assert p.objective_usd == pytest.approx(baseline + gain, rel=1e-9)
    s = p.schedule
    assert s["battery_charge_mw"].sum() == pytest.approx(10.0 / eta)
    assert s["battery_discharge_mw"].sum() == pytest.approx(10.0 * eta)
    assert not ((s["battery_charge_mw"] > 1e-9) & (s["battery_discharge_mw"] > 1e-9)).any()


def brute_force_one_container(prices, margin, up: int, down: int, startup: float) -> float:
    """Best profit of one container, initially off, over every feasible on/off sequence."""
    best = -np.inf
    n = len(prices)
    for seq in itertools.product((0, 1), repeat=n):
        on = np.array(seq)
        prev = np.r_[0, on[:-1]]
        starts, stops = (on > prev), (on < prev)
        ok = all(on[t : t + up].all() for t in np.flatnonzero(starts)) and all(
            not on[t : t + down].any() for t in np.flatnonzero(stops)
        )
        if ok:
            best = max(best, float(on @ margin - startup * starts.sum()))
    return best


@pytest.mark.parametrize("seed", range(4))
def test_min_up_and_down_match_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    prices = rng.choice([40.0, 90.0, 110.0, 140.0, 400.0], size=8)
    site = tiny_site(
        fleets=[fleet(min_up_minutes=180, min_down_minutes=120, startup_cost_usd_per_container=20)]
    )
    p = plan(site, inputs_for(site, prices), mip_rel_gap=0)
    best = brute_force_one_container(prices, mining_margin_usd(site, prices), 3, 2, 20.0)
    assert p.objective_usd == pytest.approx(best, rel=OBJ_RTOL, abs=1e-6)


def test_min_up_time_keeps_containers_on_through_a_short_spike() -> None:
    prices = [200.0, 40.0, 300.0, 40.0, 40.0, 400.0, 400.0]  # cheap at 01, spike at 02
    flexible = tiny_site(fleets=[fleet()])
    sticky = tiny_site(fleets=[fleet(min_up_minutes=180)])
    p_flex = plan(flexible, inputs_for(flexible, prices), mip_rel_gap=0)
    p_sticky = plan(sticky, inputs_for(sticky, prices), mip_rel_gap=0)
    assert p_flex.schedule["f_containers_on"].tolist() == [0, 1, 0, 1, 1, 0, 0]
    # started at 01:00, a 3-hour min up time holds it through the 02:00 spike
    assert p_sticky.schedule["f_containers_on"].tolist() == [0, 1, 1, 1, 1, 0, 0]
    margin = mining_margin_usd(sticky, prices)
    assert p_sticky.objective_usd == pytest.approx(margin[1:5].sum(), rel=OBJ_RTOL)
    assert p_sticky.objective_usd < p_flex.objective_usd


def test_dr_cap_is_met_by_curtailing_mining_while_hpc_stays_whole() -> None:
    site = tiny_site(
        hpc_halls=[{"name": "h", "it_load_mw": 50.0, "pue": 1.0}],
        fleets=[fleet(containers=10)],
        dr_events=[
            {
                "name": "ev",
                "start": "2026-01-05 02:00",
                "end": "2026-01-05 04:00",
                "import_cap_mw": 60.0,
            }
        ],
    )
    p = plan(site, inputs_for(site, [30.0] * 6), mip_rel_gap=0)
    s = p.schedule
    # 60 MW cap - 50 MW HPC leaves 10 MW: two 3.5 MW containers
    assert s["f_containers_on"].tolist() == [10, 10, 2, 2, 10, 10]
    assert s["dr_active"].tolist() == [0, 0, 1, 1, 0, 0]
    assert (s["grid_import_mw"][s["dr_active"] > 0] <= 60.0 + 1e-9).all()
    assert (s["hpc_served_mw"] == 50.0).all() and (s["hpc_shortfall_mw"] == 0).all()
    assert s["dr_ev_excess_mw"].max() == pytest.approx(0.0, abs=1e-9)
    assert p.status.ok and p.kpis["dr_compliance_frac"] == 1.0


@pytest.mark.parametrize(
    ("rate", "peak_so_far", "expected_on", "expected_charge"),
    [
        (1e6, 60.0, 2, 0.0),  # the charge outweighs mining: stay under the peak so far
        (1.0, 60.0, 10, 1.0 * (85.0 - 60.0)),  # mining outweighs it: pay for the new peak once
        (1.0, 90.0, 10, 0.0),  # the month's peak is already above what the site needs
    ],
)
def test_demand_charge_is_paid_only_on_the_rise_above_the_peak_so_far(
    rate: float, peak_so_far: float, expected_on: int, expected_charge: float
) -> None:
    site = tiny_site(
        hpc_halls=[{"name": "h", "it_load_mw": 50.0, "pue": 1.0}],
        fleets=[fleet(containers=10)],
        demand_charge={"rate_usd_per_mw": rate, "peak_so_far_mw": peak_so_far},
    )
    p = plan(site, inputs_for(site, [30.0] * 4), mip_rel_gap=0)
    s = p.schedule
    assert (s["f_containers_on"] == expected_on).all()
    assert -s["profit_demand_charge_usd"].sum() == pytest.approx(expected_charge, abs=1e-6)
    assert s["billing_peak_mw"].iloc[-1] == pytest.approx(
        max(peak_so_far, s["grid_import_mw"].max())
    )


def test_demand_charge_peak_comes_from_the_carried_state_and_resets_with_the_month() -> None:
    site = tiny_site(
        hpc_halls=[{"name": "h", "it_load_mw": 50.0, "pue": 1.0}],
        fleets=[fleet(containers=10)],
        demand_charge={"rate_usd_per_mw": 1000.0, "peak_so_far_mw": 0.0},
    )
    idx = site_index(site, "2026-01-31 22:00", hours=4)  # two hours in January, two in February
    inputs = Inputs(
        price_usd_per_mwh=pd.Series(30.0, index=idx),
        hashprice_usd_per_ph_day=pd.Series(50.0, index=idx),
    )
    state = SiteState.initial(site).replace(peak_so_far_mw=71.0, peak_month=(2026, 1))
    p = plan(site, inputs, state=state, mip_rel_gap=0)
    # January: 71 - 50 = 21 MW of room = 6 containers (a 7th would cost 3,500 USD of peak
    # for 2 x 311 USD of margin); February starts from a zero peak: HPC sets it at 50 MW and
    # mining would raise it further at 1,000 USD/MW
    assert p.schedule["f_containers_on"].tolist() == [6, 6, 0, 0]
    assert p.state_at(idx[2]).peak_so_far_mw == pytest.approx(71.0)
    assert p.end_state().peak_so_far_mw == pytest.approx(50.0)
    assert -p.schedule["profit_demand_charge_usd"].sum() == pytest.approx(1000.0 * 50.0)
    assert p.end_state().peak_month == (2026, 2)


def test_concave_power_target_underclocks_between_the_two_breakevens() -> None:
    s19 = {"model": "S19-ish", "hashrate_th_s": 100.0, "power_w": 3000.0}  # 30 J/TH nameplate
    site = tiny_site(
        fleets=[
            {
                "name": "u",
                "miner": s19,
                "miners_per_container": 1000,
                "containers": 2,
                "power_target": {
                    "min_frac": 0.6,
                    "max_frac": 1.0,
                    "curve_points": [[0.6, 0.75], [1.0, 1.0]],
                },
            }
        ]
    )
    # breakevens at hashprice 50: nameplate (30 J/TH) 69.4; underclocked (24 J/TH) 86.8;
    # the marginal MW above 60 % (48 J/TH) 43.4 USD/MWh
    prices = [30.0, 60.0, 75.0, 100.0]
    p = plan(site, inputs_for(site, prices), mip_rel_gap=0)
    s = p.schedule
    assert s["u_containers_on"].tolist() == [2, 2, 2, 0]
    np.testing.assert_allclose(s["u_power_frac"], [1.0, 0.6, 0.6, 0.0], atol=1e-9)
    np.testing.assert_allclose(s["u_hashrate_th_s"], [200_000, 150_000, 150_000, 0], atol=1e-6)
    revenue = [50.0 * h / 1000 / 24 for h in (200_000, 150_000, 150_000)]
    cost = [30.0 * 6.0, 60.0 * 3.6, 75.0 * 3.6]
    assert p.objective_usd == pytest.approx(sum(revenue) - sum(cost), rel=OBJ_RTOL)


def test_a_reused_model_gives_the_same_plan_as_a_fresh_one(sample_day) -> None:
    site, inputs = sample_day
    warm = plan(site, inputs)
    cheap = plan(site, inputs.scaled(price_usd_per_mwh=0.5))  # different data, same model
    again = plan(site, inputs)
    fresh = plan(site, inputs, reuse_model=False)
    pd.testing.assert_frame_equal(again.schedule, fresh.schedule)
    pd.testing.assert_frame_equal(warm.schedule, fresh.schedule)
    assert cheap.objective_usd > warm.objective_usd


def test_an_outage_may_stop_containers_still_inside_their_min_up_time() -> None:
    outage = {"start": "2026-01-05 00:00", "end": "2026-01-05 02:00", "containers": 2}
    site = tiny_site(fleets=[fleet(containers=3, min_up_minutes=180, outages=[outage])])
    # all three were started in the last hour before the plan, so min up holds them on ...
    state = SiteState.initial(site).replace(
        fleets={"f": FleetState(on=3, recent_starts=(0, 3), recent_stops=())}
    )
    p = plan(site, inputs_for(site, [300.0] * 4), state=state, mip_rel_gap=0)
    # ... but maintenance takes two out at once; the third keeps its min up time, then stops
    assert p.status.ok
    assert p.schedule["f_containers_on"].tolist() == [1, 1, 0, 0]
    assert check_plan(p) == []


def test_prorated_demand_charge_weighs_a_new_peak_by_the_horizons_share_of_the_month() -> None:
    site = tiny_site(
        hpc_halls=[{"name": "h", "it_load_mw": 50.0, "pue": 1.0}],
        fleets=[fleet(containers=10)],
        demand_charge={"rate_usd_per_mw": 1000.0, "peak_so_far_mw": 60.0},
    )
    inputs = inputs_for(site, [30.0] * 4)  # 2026-01-05 00:00-04:00
    full = plan(site, inputs, mip_rel_gap=0)
    prorated = plan(site, inputs, mip_rel_gap=0, demand_charge="prorate")
    # a container earns 4 h x (416.7 - 105) = 1,247 USD: less than its 3.5 MW x 1,000 USD/MW
    # (the third one only raises the peak by 0.5 MW), more than 3.5 MW x 1,000 x 4 h / 648 h
    # (the horizon's share of the rest of January)
    weight = 4 / (27 * 24)
    assert full.schedule["f_containers_on"].tolist() == [3] * 4
    assert prorated.schedule["f_containers_on"].tolist() == [10] * 4
    charge = prorated.schedule["profit_demand_charge_usd"].sum()
    assert charge == pytest.approx(-1000.0 * weight * (85.0 - 60.0))
    with pytest.raises(ValueError, match="demand_charge"):
        plan(site, inputs, demand_charge="half")


def test_a_plan_that_breaks_the_models_rules_is_never_returned(sample_day, monkeypatch) -> None:
    import dispatch.planner as planner_module
    from dispatch.checker import Violation
    from dispatch.errors import SolverError

    site, inputs = sample_day
    p = plan(site, inputs)
    assert "check_s" in p.timings_s and p.timings_s["check_s"] < 1.0  # it ran, and is cheap
    broken = Violation(p.schedule.index[3], "balance", 1e20, "balance off by 1e20 MW")
    monkeypatch.setattr(planner_module, "check_plan", lambda _: [broken])
    with pytest.raises(SolverError, match=r"breaks 1 of the model's own rules.*balance off"):
        plan(site, inputs)
