"""The buffer report: metrics on tiny sites whose answers follow by hand, and the
counterfactuals on the sample day."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from conftest import OBJ_RTOL, tiny_site
from dispatch import BufferReport, Inputs, buffer_report, check_plan, plan, site_index
from dispatch.errors import SolverError

MIP_RTOL = 1e-4  # the planner's default relative MIP gap
HASHPRICE = 50.0
# 1000 miners of 2 kW and 100 TH/s: a 2 MW container at 20 J/TH, no aux, no pool fee
MINER = {"model": "test", "hashrate_th_s": 100.0, "power_w": 2000.0}
BREAKEVEN = HASHPRICE * 1000 / (20.0 * 24)  # 104.17 USD/MWh
CONTAINER_MW = 2.0


def fleet(containers: int = 10, **extra: object) -> dict:
    return {
        "name": "f",
        "miner": MINER,
        "miners_per_container": 1000,
        "containers": containers,
        **extra,
    }


def site_with(hpc_mw: float, import_limit_mw: float = 100.0, **fleet_extra: object):
    return tiny_site(
        grid={"import_limit_mw": import_limit_mw},
        hpc_halls=[{"name": "hall", "it_load_mw": hpc_mw, "pue": 1.0}],
        fleets=[fleet(**fleet_extra)],
    )


def inputs_for(site, prices, hpc_mw=None) -> Inputs:
    idx = site_index(site, "2026-01-05", hours=len(prices) * site.dt_h)
    hpc = None if hpc_mw is None else pd.DataFrame({"hall": np.asarray(hpc_mw, float)}, index=idx)
    return Inputs(
        price_usd_per_mwh=pd.Series(np.asarray(prices, dtype=float), index=idx),
        hashprice_usd_per_ph_day=pd.Series(HASHPRICE, index=idx, dtype=float),
        hpc_it_load_mw=hpc,
    )


@pytest.fixture(scope="module")
def sample_report(sample_day):
    site, inputs = sample_day
    p = plan(site, inputs)
    return p, buffer_report(p)


def test_headroom_price_response_and_counterfactual_values_by_hand() -> None:
    # HPC 60 MW of a 100 MW connection; 20 MW of miners; a 500 USD/MWh spike at 04:00-06:00.
    site = site_with(hpc_mw=60.0)
    prices = [30, 30, 30, 30, 500, 500, 30, 30]
    p = plan(site, inputs_for(site, prices), mip_rel_gap=0)
    r = buffer_report(p, mip_rel_gap=0)
    fleet_mw, spike_h, cheap_h = 10 * CONTAINER_MW, 2, 6
    assert r.headroom_mwh == pytest.approx(8 * 40.0)
    assert r.mining_in_headroom_mwh == pytest.approx(cheap_h * fleet_mw)
    assert r.headroom_use_frac == pytest.approx(cheap_h * fleet_mw / (8 * 40.0))
    assert r.mining_below_breakeven_frac == pytest.approx(1.0)
    assert r.spike_mining_avoided_mwh == pytest.approx(spike_h * fleet_mw)
    assert r.spike_cost_avoided_usd == pytest.approx(spike_h * fleet_mw * 500)
    # price-blind mines through the spike at a loss of (500 - breakeven) per MWh
    assert r.value_of_flexibility_usd == pytest.approx(
        spike_h * fleet_mw * (500 - BREAKEVEN), rel=OBJ_RTOL
    )
    # without miners the site forgoes (breakeven - 30) per MWh in the cheap hours
    assert r.value_of_mining_usd == pytest.approx(
        cheap_h * fleet_mw * (BREAKEVEN - 30), rel=OBJ_RTOL
    )
    spikes = [e for e in r.events if "price spike" in e]
    assert len(spikes) == 1 and spikes[0].startswith("2026-01-05 04:00-06:00")
    json.dumps(r.to_dict())  # JSON-serialisable as it is


def test_yield_to_hpc_when_the_connection_binds() -> None:
    # HPC steps from 80 to 90 MW on a 100 MW connection: mining (20 MW) must give back 10 MW.
    site = site_with(hpc_mw=80.0)
    hpc = [80, 80, 80, 80, 90, 90, 90, 90]
    p = plan(site, inputs_for(site, [30] * 8, hpc_mw=hpc), mip_rel_gap=0)
    r = buffer_report(p, mip_rel_gap=0)
    at_limit = r.hpc_rises["at_import_limit"]
    assert at_limit["intervals"] == 1 and at_limit["hpc_rise_mw"] == pytest.approx(10.0)
    assert r.yield_to_hpc_ratio == pytest.approx(1.0)
    assert at_limit["covered_by"]["mining"] == pytest.approx(1.0)
    assert at_limit["covered_by"]["grid"] == pytest.approx(0.0, abs=1e-9)
    assert r.hpc_rises["rest"]["intervals"] == 0 and r.hpc_rises["rest"]["covered_by"] == {}
    ramps = [e for e in r.events if "HPC ramp" in e]
    assert len(ramps) == 1 and ramps[0].startswith("2026-01-05 04:00")
    assert "+10.0 MW" in ramps[0] and "gave back 10.0 MW" in ramps[0]


def test_hpc_rise_shares_split_between_mining_and_grid_by_hand() -> None:
    # HPC 76 -> 86 MW on 100 MW with 10 containers of 2 MW: import goes 96 -> 100 (+4 MW from
    # the grid) and mining 20 -> 14 MW (3 containers stop: +6 MW): shares 0.6 / 0.4.
    site = site_with(hpc_mw=86.0)
    hpc = [76, 76, 86, 86]
    p = plan(site, inputs_for(site, [30] * 4, hpc_mw=hpc), mip_rel_gap=0)
    r = buffer_report(p, mip_rel_gap=0)
    shares = r.hpc_rises["at_import_limit"]["covered_by"]
    assert shares["mining"] == pytest.approx(0.6)
    assert shares["grid"] == pytest.approx(0.4)
    assert all(0.0 <= v <= 1.0 for v in shares.values())
    assert sum(shares.values()) == pytest.approx(1.0)


def test_hpc_rises_below_the_import_limit_are_reported_apart() -> None:
    # HPC 40 -> 50 MW on 100 MW with 20 MW of miners: the grid takes the rise, mining stays.
    site = site_with(hpc_mw=50.0)
    p = plan(site, inputs_for(site, [30] * 4, hpc_mw=[40, 40, 50, 50]), mip_rel_gap=0)
    r = buffer_report(p, mip_rel_gap=0)
    assert r.hpc_rises["at_import_limit"]["intervals"] == 0
    assert r.yield_to_hpc_ratio is None
    rest = r.hpc_rises["rest"]
    assert rest["intervals"] == 1
    assert rest["covered_by"]["grid"] == pytest.approx(1.0)
    assert rest["covered_by"]["mining"] == pytest.approx(0.0, abs=1e-9)


def test_price_blind_runs_only_what_the_site_can_host() -> None:
    # HPC 15 MW + 10 MW of miners on a 20 MW connection: the price-blind site hosts 2
    # containers (4 MW of the 5 MW left) and never cuts the HPC load, so flexibility is
    # worth nothing at a flat cheap price (the optimiser runs the same 2 containers).
    site = site_with(hpc_mw=15.0, import_limit_mw=20.0, containers=5)
    p = plan(site, inputs_for(site, [30] * 4), mip_rel_gap=0)
    r = buffer_report(p, mip_rel_gap=0)
    assert r.price_blind.available and r.price_blind.status == "optimal"
    assert r.profit_by_term_usd["lost_load"]["price_blind"] == 0.0
    blind = r.price_blind.plan.schedule
    assert blind["f_containers_on"].tolist() == [2, 2, 2, 2]
    assert r.value_of_flexibility_usd == pytest.approx(0.0, abs=1e-6)


def test_price_blind_ignores_the_spike_but_yields_to_the_hpc_load() -> None:
    # 20 MW connection, HPC 10 -> 16 MW at 02:00, 5 containers of 2 MW, a spike at 01:00.
    site = site_with(hpc_mw=16.0, import_limit_mw=20.0, containers=5)
    p = plan(site, inputs_for(site, [30, 900, 30, 30], hpc_mw=[10, 10, 16, 16]), mip_rel_gap=0)
    r = buffer_report(p, mip_rel_gap=0)
    blind = r.price_blind.plan.schedule
    assert blind["f_containers_on"].tolist() == [5, 5, 2, 2]  # (20 - 16) / 2 = 2 fit
    assert (blind["hpc_shortfall_mw"] == 0).all()
    # the flexible plan stops at 900 USD/MWh: 10 MW x 1 h x (900 - breakeven)
    assert r.value_of_flexibility_usd == pytest.approx(10.0 * (900 - BREAKEVEN), rel=OBJ_RTOL)


def test_price_blind_follows_min_down_time_after_an_outage() -> None:
    # a one-hour outage of 2 of 5 containers at 01:00: price-blind stops them, and min down
    # (3 h) keeps them off until 04:00, so the counterfactual is available, not infeasible
    outage = {"start": "2026-01-05 01:00", "end": "2026-01-05 02:00", "containers": 2}
    site = site_with(hpc_mw=10.0, containers=5, min_down_minutes=180, outages=[outage])
    p = plan(site, inputs_for(site, [30] * 5))
    r = buffer_report(p)
    assert r.price_blind.available
    assert r.price_blind.plan.schedule["f_containers_on"].tolist() == [5, 3, 3, 3, 5]
    assert check_plan(r.price_blind.plan) == []


def test_ramp_limit_holds_in_the_price_blind_schedule() -> None:
    site = site_with(hpc_mw=10.0, containers=5, ramp_limit_containers_per_interval=2)
    p = plan(site, inputs_for(site, [30] * 4))
    blind = buffer_report(p).price_blind.plan
    assert blind.schedule["f_containers_on"].tolist() == [2, 4, 5, 5]
    assert check_plan(blind) == []


def test_unsolvable_counterfactual_is_reported_not_raised(monkeypatch) -> None:
    import dispatch.buffer as buffer_module

    real = buffer_module.solve_plan

    def failing(site, inputs, *, mode, **kw):
        if mode == "price_blind":
            raise SolverError("HiGHS found no schedule (infeasible)")
        return real(site, inputs, mode=mode, **kw)

    monkeypatch.setattr(buffer_module, "solve_plan", failing)
    site = site_with(hpc_mw=10.0, containers=5)
    p = plan(site, inputs_for(site, [30] * 4))
    r = buffer_report(p)
    assert not r.price_blind.available
    assert "infeasible" in r.price_blind.reason
    assert r.price_blind.profit_usd is None and r.value_of_flexibility_usd is None
    assert r.profit_by_term_usd["total"]["price_blind"] is None
    assert r.no_miners.available and r.value_of_mining_usd is not None
    json.dumps(r.to_dict())


def test_event_lines_measure_from_the_plans_own_level() -> None:
    # HPC 88 MW on 100 MW leaves room for 6 containers (12 MW) of the 10: a spike cut is
    # 12 MW from the plan's 12 MW, not the fleet's 20 MW nameplate
    site = site_with(hpc_mw=88.0)
    p = plan(site, inputs_for(site, [30, 30, 500, 30]), mip_rel_gap=0)
    r = buffer_report(p, mip_rel_gap=0)
    (spike,) = [e for e in r.events if "price spike" in e]
    assert "cut by up to 12.0 MW from the 12.0 MW before" in spike


def test_always_on_is_a_deprecated_alias() -> None:
    site = site_with(hpc_mw=10.0, containers=5)
    p = plan(site, inputs_for(site, [30] * 2))
    with pytest.warns(DeprecationWarning):
        old = plan(site, p.inputs, mode="always_on")
    assert old.mode == "price_blind"
    r = buffer_report(p)
    with pytest.warns(DeprecationWarning):
        assert r.always_on is r.price_blind


def test_plan_beats_both_counterfactuals_on_the_sample_day(sample_report) -> None:
    p, r = sample_report
    assert isinstance(r, BufferReport)
    assert r.no_miners.available and r.price_blind.available
    # the plan is within its MIP gap of an optimum that is >= each counterfactual's optimum
    gap_usd = abs(p.solve.bound_usd - p.solve.objective_usd)
    tol = max(MIP_RTOL * max(1.0, abs(p.objective_usd)), gap_usd)
    assert p.objective_usd >= r.price_blind.profit_usd - tol
    assert p.objective_usd >= r.no_miners.profit_usd - tol
    assert r.value_of_mining_usd == pytest.approx(p.objective_usd - r.no_miners.profit_usd)
    for scenario in ("plan", "no_miners", "price_blind"):
        terms = [row[scenario] for name, row in r.profit_by_term_usd.items() if name != "total"]
        assert sum(terms) == pytest.approx(r.profit_by_term_usd["total"][scenario], rel=1e-9)


def test_flexibility_pays_on_a_spike_day(sample_report) -> None:
    p, r = sample_report
    s = p.schedule
    top_breakeven = max(s[f"{f.name}_breakeven_usd_per_mwh"].max() for f in p.site.fleets)
    assert s["price_usd_per_mwh"].max() > 10 * top_breakeven  # the day has a price spike
    assert r.value_of_flexibility_usd > 0
    assert r.spike_cost_avoided_usd > 0
    assert any("price spike" in e for e in r.events)
    assert any("DR event ers_aug17" in e for e in r.events)
    assert r.dr_compliance_frac == 1.0
    assert r.dr_events["ers_aug17"]["credit_usd"] > 0
    assert 0 < r.headroom_use_frac <= 1


def test_mining_gives_way_to_the_ai_rise_at_the_import_limit(sample_report) -> None:
    # the sample Monday: a training job on 60 % of the hall starts at 09:30 into a site that
    # mines up to its 100 MW import limit; mining (with the battery) must make room for it
    p, r = sample_report
    at_limit = r.hpc_rises["at_import_limit"]
    assert at_limit["intervals"] >= 10 and at_limit["hpc_rise_mw"] > 20.0
    assert r.yield_to_hpc_ratio == at_limit["covered_by"]["mining"] > 0.2
    assert at_limit["covered_by"]["shortfall"] == 0.0
    (ramp,) = [e for e in r.events if e.startswith("2026-08-17 09:30") and "HPC ramp" in e]
    assert float(ramp.split("mining gave back ")[1].split(" MW")[0]) >= 3.8  # two containers
    assert p.kpis["peak_import_mw"] == pytest.approx(p.site.grid.import_limit_mw)
