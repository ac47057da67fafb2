"""The rolling horizon: one whole-period step equals one plan; state carries across steps.

Tiny hourly sites over 2-4 days, built so that each carried quantity binds: a fleet's min
down time spanning midnight, a battery's state of charge at midnight, and the month's peak.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import OBJ_RTOL, tiny_site
from dispatch import Inputs, backtest, plan, site_index
from dispatch.backtesting.calendar import build_chains, parse_duration
from dispatch.errors import ConfigError, DataError

FLEET = {
    "name": "f",
    "miner": {"model": "m", "hashrate_th_s": 100.0, "power_w": 3000.0},  # 30 J/TH
    "miners_per_container": 1000,  # 3 MW per container
    "containers": 2,
    "containers_initially_on": 2,
}
HASHPRICE = 60.0  # breakeven 60 * 1000 / (30 * 24) = 83.3 USD/MWh


def inputs_for(site, start, end, price, hpc=None, hashprice=HASHPRICE) -> Inputs:  # type: ignore[no-untyped-def]
    index = site_index(site, start, end)
    p = pd.Series(np.asarray(price(index), dtype=float), index=index, name="price_usd_per_mwh")
    h = pd.Series(hashprice, index=index, name="hashprice_usd_per_ph_day")
    load = None
    if hpc is not None:
        load = pd.DataFrame({"hall": np.asarray(hpc(index), dtype=float)}, index=index)
    return Inputs(price_usd_per_mwh=p, hashprice_usd_per_ph_day=h, hpc_it_load_mw=load)


def mixed_site():  # type: ignore[no-untyped-def]
    return tiny_site(
        hpc_halls=[{"name": "hall", "it_load_mw": 20.0, "pue": 1.0}],
        fleets=[{**FLEET, "min_up_minutes": 120, "min_down_minutes": 180}],
        battery={"power_mw": 5.0, "energy_mwh": 10.0},
        demand_charge={"rate_usd_per_mw": 100.0},
    )


def wavy(index: pd.DatetimeIndex) -> np.ndarray:
    hour = index.hour.to_numpy()
    return 30 + 90 * ((hour >= 17) & (hour <= 20)) + 10 * np.sin(np.arange(len(index)))


def test_one_step_over_the_whole_period_equals_one_plan() -> None:
    site = mixed_site()
    inputs = inputs_for(site, "2026-03-02", "2026-03-05", wavy, hpc=lambda i: 20 + (i.hour % 5))
    p = plan(site, inputs, threads=1, mip_rel_gap=1e-3)  # the backtest's settings
    r = backtest(
        site, inputs, "2026-03-02", "2026-03-05", step="3D", lookahead="0h", demand_charge="full"
    )
    assert len(r.steps) == 1
    got = r.intervals()
    assert got["profit_total_usd"].sum() == pytest.approx(p.objective_usd, rel=OBJ_RTOL)
    pd.testing.assert_frame_equal(got[p.schedule.columns], p.schedule, check_freq=False)
    assert r.totals["optimise"]["profit_total_usd"] == pytest.approx(p.objective_usd, rel=1e-12)


def test_reused_and_fresh_models_give_identical_rolling_results() -> None:
    site = mixed_site()
    inputs = inputs_for(site, "2026-03-02", "2026-03-06", wavy, hpc=lambda i: 20 + (i.hour % 3))
    a = backtest(site, inputs, "2026-03-02", "2026-03-05", reuse_model=True)
    b = backtest(site, inputs, "2026-03-02", "2026-03-05", reuse_model=False)
    assert a.steps["model_reused"].iloc[1:].all()  # the same horizon shape every day
    assert not b.steps["model_reused"].any()
    pd.testing.assert_frame_equal(a.intervals(), b.intervals(), check_exact=True)


def test_min_down_time_spanning_midnight_is_respected_in_the_next_step() -> None:
    site = tiny_site(fleets=[{**FLEET, "min_down_minutes": 180}])
    spike = pd.Timestamp("2026-03-02 23:00", tz="UTC")

    def price(index: pd.DatetimeIndex) -> np.ndarray:
        # free power at 22:00 and 50 at 01:00: the cheapest 3-hour stop covering the spike
        # is 23:00-01:00 (losing 01:00's margin rather than 22:00's)
        out = np.full(len(index), 20.0)
        out[index == spike] = 1000.0
        out[index == spike - pd.Timedelta(hours=1)] = 0.0
        out[index == spike + pd.Timedelta(hours=2)] = 50.0
        return out

    inputs = inputs_for(site, "2026-03-02", "2026-03-04", price)
    r = backtest(site, inputs, "2026-03-02", "2026-03-04", lookahead="24h")
    on = r.intervals()["f_containers_on"]
    assert on[spike] == 0  # the spike stops both containers (worth far more than 2 h of margin)
    day2 = on["2026-03-03 00:00+00:00":"2026-03-03 03:00+00:00"].to_numpy()
    assert day2.tolist() == [0, 0, 2, 2]  # 3 h down: 23:00, 00:00, 01:00; back at 02:00
    # the constraint binds: planned from the site file's state, day 2 runs from midnight
    alone = plan(site, inputs.window(spike + pd.Timedelta(hours=1), spike + pd.Timedelta(days=1)))
    assert alone.schedule["f_containers_on"].iloc[0] == 2


def test_battery_soc_at_the_end_of_a_day_starts_the_next() -> None:
    site = tiny_site(
        hpc_halls=[{"name": "hall", "it_load_mw": 10.0, "pue": 1.0}],
        battery={"power_mw": 5.0, "energy_mwh": 10.0, "soc_initial_frac": 0.5},
    )

    def price(index: pd.DatetimeIndex) -> np.ndarray:
        hour = index.hour.to_numpy()
        # cheap late evening, dear early morning: the battery is full at midnight
        return np.where(hour >= 21, 10.0, np.where(hour < 4, 200.0, 50.0))

    inputs = inputs_for(site, "2026-03-02", "2026-03-05", price)
    r = backtest(site, inputs, "2026-03-02", "2026-03-04")
    s = r.intervals()
    b = site.battery
    soc0 = b.soc_initial_frac * b.energy_mwh
    before = np.r_[soc0, s["battery_soc_mwh"].to_numpy()[:-1]]
    change = b.charge_efficiency * s["battery_charge_mw"] - s["battery_discharge_mw"] / (
        b.discharge_efficiency
    )
    np.testing.assert_allclose(s["battery_soc_mwh"] - before, change, atol=1e-6)
    midnight = s.index.get_loc(pd.Timestamp("2026-03-03", tz="UTC"))
    assert s["battery_soc_mwh"].iloc[midnight - 1] > soc0 + 1.0  # charged in the evening
    assert s["battery_discharge_mw"].iloc[midnight : midnight + 4].sum() > 0  # spent by 04:00


def test_month_peak_carries_until_the_month_changes() -> None:
    rate = 100.0
    site = tiny_site(
        hpc_halls=[{"name": "hall", "it_load_mw": 30.0, "pue": 1.0}],
        demand_charge={"rate_usd_per_mw": rate},
    )
    first_day = pd.Timestamp("2026-01-30", tz="UTC")

    def hpc(index: pd.DatetimeIndex) -> np.ndarray:
        return np.where(index < first_day + pd.Timedelta(days=1), 50.0, 30.0)

    inputs = inputs_for(site, "2026-01-30", "2026-02-03", lambda i: np.full(len(i), 40.0), hpc)
    r = backtest(site, inputs, "2026-01-30", "2026-02-03")
    charge = r.daily["profit_demand_charge_usd"].to_numpy()
    # Jan 30 sets the peak at 50 MW; Jan 31 (30 MW) pays nothing on top; the February peak
    # starts from zero on Feb 1 (30 MW) and is not charged again on Feb 2.
    np.testing.assert_allclose(charge, [-50 * rate, 0.0, -30 * rate, 0.0], atol=1e-6)
    # the planner alone, from the site file's state, would charge Jan 31 its 30 MW
    alone = plan(
        site, inputs.window(first_day + pd.Timedelta(days=1), first_day + pd.Timedelta(days=2))
    )
    assert -alone.schedule["profit_demand_charge_usd"].sum() == pytest.approx(30 * rate)


def test_steps_are_local_days_across_dst_changes() -> None:
    site = tiny_site(timezone="America/Chicago", hpc_halls=[{"name": "hall", "it_load_mw": 5.0}])
    inputs = inputs_for(site, "2024-03-09", "2024-03-12", lambda i: np.full(len(i), 30.0))
    r = backtest(site, inputs, "2024-03-09", "2024-03-12", lookahead="12h")
    assert r.daily["intervals"].tolist() == [24, 23, 24]
    assert [ts.hour for ts in r.steps["start"]] == [0, 0, 0]
    chains = build_chains(
        site,
        pd.Timestamp("2024-11-02", tz="America/Chicago"),
        pd.Timestamp("2024-11-05", tz="America/Chicago"),
        step=parse_duration("1D", "step"),
        lookahead=parse_duration("24h", "lookahead"),
        data_end=pd.Timestamp("2024-11-06", tz="America/Chicago"),
    )
    hours = [(s.end - s.start) / pd.Timedelta(hours=1) for s in chains[0].steps]
    assert hours == [24, 25, 24]


def test_lookahead_is_truncated_at_the_end_of_the_data() -> None:
    site = tiny_site(hpc_halls=[{"name": "hall", "it_load_mw": 5.0}])
    inputs = inputs_for(site, "2026-03-02", "2026-03-04 12:00", lambda i: np.full(len(i), 30.0))
    chains = build_chains(
        site,
        inputs.index[0],
        pd.Timestamp("2026-03-04", tz="UTC"),
        step=pd.Timedelta(days=1),
        lookahead=pd.Timedelta(hours=24),
        data_end=inputs.index[-1] + pd.Timedelta(hours=1),
    )
    ends = [s.horizon_end for s in chains[0].steps]
    assert ends == [
        pd.Timestamp("2026-03-04", tz="UTC"),
        pd.Timestamp("2026-03-04 12:00", tz="UTC"),
    ]
    r = backtest(site, inputs, "2026-03-02", "2026-03-04")
    assert len(r.intervals()) == 48
    with pytest.raises(DataError, match="inputs end"):
        backtest(site, inputs, "2026-03-02", "2026-03-05")


def test_dr_events_reach_only_the_steps_whose_horizon_they_touch() -> None:
    event = {
        "name": "ev",
        "start": "2026-03-03 17:00:00",
        "end": "2026-03-03 19:00:00",
        "import_cap_mw": 2.0,
        "penalty_usd_per_mwh": 5000.0,
    }
    site = tiny_site(fleets=[FLEET], dr_events=[event])
    inputs = inputs_for(site, "2026-03-02", "2026-03-05", lambda i: np.full(len(i), 20.0))
    r = backtest(site, inputs, "2026-03-02", "2026-03-05", lookahead="6h")
    d = r.daily
    assert d["dr_intervals"].tolist() == [0, 2, 0]
    assert d["dr_compliant_intervals"].tolist() == [0, 2, 0]
    s = r.intervals()
    assert s.loc["2026-03-03 17:00+00:00":"2026-03-03 18:00+00:00", "grid_import_mw"].max() <= 2.0
    assert s["dr_ev_active"].sum() == 2  # filled with 0 on the steps without the event


def test_month_chunks_start_from_a_discarded_warm_up_day() -> None:
    site = mixed_site()
    inputs = inputs_for(site, "2026-01-30", "2026-02-04", wavy, hpc=lambda i: 20 + (i.hour % 4))
    whole = backtest(site, inputs, "2026-01-30", "2026-02-03")
    chunked = backtest(site, inputs, "2026-01-30", "2026-02-03", chunk="month")
    assert chunked.steps["warmup"].tolist() == [False, False, True, False, False]
    a, b = whole.intervals(), chunked.intervals()
    assert b.index.equals(a.index)  # the warm-up day (Jan 31 again) is not in the results
    jan = a.index < pd.Timestamp("2026-02-01", tz="UTC")
    pd.testing.assert_frame_equal(a[jan], b[jan], check_exact=True)


def test_bad_arguments_are_config_errors() -> None:
    site = mixed_site()
    inputs = inputs_for(site, "2026-03-02", "2026-03-04", wavy)
    with pytest.raises(ConfigError, match="step"):
        backtest(site, inputs, "2026-03-02", "2026-03-04", step="soon")
    with pytest.raises(ConfigError, match="chunk"):
        backtest(site, inputs, "2026-03-02", "2026-03-04", chunk="fortnight")
    with pytest.raises(ConfigError, match="counterfactuals"):
        backtest(site, inputs, "2026-03-02", "2026-03-04", counterfactuals=["never"])
    with pytest.raises(ConfigError, match="rt_rule"):
        backtest(site, inputs, "2026-03-02", "2026-03-04", rt_rule={"margin": 5})
    with pytest.raises(ConfigError, match="real-time prices"):
        backtest(
            site, inputs, "2026-03-02", "2026-03-04", rt_rule={"curtail_margin_usd_per_mwh": 5}
        )


def test_counterfactual_chains_give_the_value_of_mining_and_flexibility() -> None:
    site = mixed_site()
    inputs = inputs_for(site, "2026-03-02", "2026-03-05", wavy, hpc=lambda i: 20 + (i.hour % 5))
    r = backtest(site, inputs, "2026-03-02", "2026-03-04", counterfactuals=True)
    scn = r.scenario()
    opt = scn.daily["profit_total_usd"]
    for mode, column in (
        ("no_miners", "value_of_mining_usd"),
        ("price_blind", "value_of_flexibility_usd"),
    ):
        other = scn.daily_by_mode[mode]["profit_total_usd"]
        np.testing.assert_allclose(scn.daily[column], opt - other)
        assert scn.totals[column] == pytest.approx(opt.sum() - other.sum())
    assert scn.daily_by_mode["no_miners"]["mining_mwh"].sum() == 0
    on = scn.intervals("price_blind")
    np.testing.assert_array_equal(on["f_containers_on"], on["f_containers_available"])
    assert scn.totals["value_of_flexibility_usd"] > 0  # evening prices beat the breakeven


def test_prorated_demand_charge_lifts_the_myopic_peak_and_bills_the_true_charge() -> None:
    rate = 5000.0  # USD/MW: a 48 h horizon earns 48 x (83.3 - 20) = 3,040 USD per MW mined
    site = tiny_site(
        hpc_halls=[{"name": "hall", "it_load_mw": 10.0, "pue": 1.0}],
        fleets=[{**FLEET, "containers": 4, "containers_initially_on": 0}],
        demand_charge={"rate_usd_per_mw": rate},
    )
    inputs = inputs_for(site, "2026-01-01", "2026-01-12", lambda i: np.full(len(i), 20.0))
    full = backtest(site, inputs, "2026-01-01", "2026-01-11", demand_charge="full")
    prorated = backtest(site, inputs, "2026-01-01", "2026-01-11")  # the default
    # at the full rate no MW of mining pays for itself within 48 h: the site never mines
    assert full.totals["optimise"]["mining_mwh"] == 0
    # prorated (48 h of the month's 744 h: ~323 USD/MW) all 12 MW of containers run
    s = prorated.intervals()
    assert (s["f_containers_on"] == 4).all()
    assert s["billing_peak_mw"].max() == pytest.approx(22.0)
    # the charge reported is the true one: the full rate on the month's peak, set on day 1
    charge = prorated.daily["profit_demand_charge_usd"].to_numpy()
    np.testing.assert_allclose(charge, [-rate * 22.0] + [0.0] * 9, atol=1e-6)
    total = s["profit_total_usd"].sum()
    assert total == pytest.approx(
        s.filter(like="profit_").drop(columns="profit_total_usd").sum().sum()
    )
    assert total > full.totals["optimise"]["profit_total_usd"] + 50_000


def test_prorated_steps_reuse_one_model() -> None:
    site = mixed_site()
    inputs = inputs_for(site, "2026-03-02", "2026-03-06", wavy, hpc=lambda i: 20 + (i.hour % 3))
    r = backtest(site, inputs, "2026-03-02", "2026-03-05", demand_charge="prorate")
    # the prorated rate is a number in the model, not part of its structure
    assert r.steps["model_reused"].iloc[1:].all()
