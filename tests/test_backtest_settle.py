"""Real-time settlement: a pure function of the schedule and prices, checked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import tiny_site
from dispatch import Inputs, backtest, site_index
from dispatch.backtesting import RtRule, settle_rt
from dispatch.errors import ConfigError

DT = 1.0
ADDER = 3.0


def site_two_fleets(**extra):  # type: ignore[no-untyped-def]
    fleet = {
        "miner": {"model": "m", "hashrate_th_s": 100.0, "power_w": 3000.0},
        "miners_per_container": 1000,
        "containers": 2,
    }
    return tiny_site(
        grid={"import_limit_mw": 100.0, "import_adder_usd_per_mwh": ADDER, **extra.pop("grid", {})},
        fleets=[{**fleet, "name": "a"}, {**fleet, "name": "b"}],
        coincident_peak={"charge_usd_per_mw": 1000.0},
        **extra,
    )


def schedule(site) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Three hourly intervals; fleets a (6 MW) and b (3 MW) mining, 10 MW of other load."""
    index = pd.date_range("2026-03-02", periods=3, freq="h", tz="UTC")
    return pd.DataFrame(
        {
            "grid_import_mw": [19.0, 19.0, 19.0],
            "grid_export_mw": [0.0, 0.0, 0.0],
            "a_mining_mw": [6.0, 6.0, 6.0],
            "b_mining_mw": [3.0, 3.0, 3.0],
            "a_breakeven_usd_per_mwh": [80.0, 80.0, 80.0],
            "b_breakeven_usd_per_mwh": [60.0, 60.0, 60.0],
            "a_mining_revenue_usd": [480.0, 480.0, 480.0],
            "b_mining_revenue_usd": [180.0, 180.0, 180.0],
            "cp_probability": [0.0, 0.1, 0.0],
            "profit_energy_cost_usd": [-19 * 33.0, -19 * 53.0, -19 * 73.0],  # DA 30, 50, 70
            "profit_mining_revenue_usd": [660.0, 660.0, 660.0],
            "profit_startup_cost_usd": [-5.0, 0.0, 0.0],
            "profit_coincident_peak_usd": [0.0, -1000.0 * 0.1 * 19, 0.0],
        },
        index=index,
    ).assign(profit_total_usd=lambda f: f.filter(like="profit_").sum(axis=1))


def test_without_a_rule_only_the_energy_terms_change() -> None:
    site = site_two_fleets()
    s = schedule(site)
    rt = np.array([40.0, 100.0, 20.0])
    out = settle_rt(site, s, rt)
    np.testing.assert_allclose(out["rt_profit_energy_cost_usd"], -(rt + ADDER) * 19.0 * DT)
    for term in ("mining_revenue", "startup_cost", "coincident_peak"):
        np.testing.assert_allclose(out[f"rt_profit_{term}_usd"], s[f"profit_{term}_usd"])
    np.testing.assert_allclose(out["rt_grid_import_mw"], s["grid_import_mw"])
    delta = out["rt_profit_total_usd"] - s["profit_total_usd"]
    np.testing.assert_allclose(delta, -(rt - [30.0, 50.0, 70.0]) * 19.0)
    assert (out["rt_a_curtailed"] == 0).all()


def test_the_rule_curtails_a_fleet_where_rt_beats_its_breakeven_by_the_margin() -> None:
    site = site_two_fleets()
    s = schedule(site)
    rt = np.array([70.0, 100.0, 50.0])  # buy price 73, 103, 53
    out = settle_rt(site, s, rt, {"curtail_margin_usd_per_mwh": 10.0})
    # a (breakeven 80) curtails when buy > 90: interval 1; b (60) when buy > 70: 0 and 1
    assert out["rt_a_curtailed"].tolist() == [0.0, 1.0, 0.0]
    assert out["rt_b_curtailed"].tolist() == [1.0, 1.0, 0.0]
    cut = np.array([3.0, 9.0, 0.0])
    np.testing.assert_allclose(out["rt_grid_import_mw"], 19.0 - cut)
    np.testing.assert_allclose(out["rt_mining_mw"], 9.0 - cut)
    np.testing.assert_allclose(out["rt_profit_mining_revenue_usd"], [480.0, 0.0, 660.0])
    np.testing.assert_allclose(out["rt_profit_energy_cost_usd"], -(rt + ADDER) * (19.0 - cut))
    # coincident peak: the expected cost falls with the import in interval 1
    np.testing.assert_allclose(out["rt_profit_coincident_peak_usd"], [0.0, -1000 * 0.1 * 10, 0.0])
    np.testing.assert_allclose(out["rt_profit_startup_cost_usd"], s["profit_startup_cost_usd"])
    # a rule restricted to fleet a leaves b running
    only_a = settle_rt(site, s, rt, RtRule(10.0, fleets=("a",)))
    assert only_a["rt_b_curtailed"].sum() == 0


def test_a_cut_larger_than_the_import_is_exported_up_to_the_limit_then_spilled() -> None:
    site = site_two_fleets(grid={"export_limit_mw": 1.0, "export_adder_usd_per_mwh": 2.0})
    s = schedule(site).assign(grid_import_mw=[4.0, 19.0, 19.0])  # 5 MW from elsewhere
    s["profit_export_revenue_usd"] = 0.0
    rt = np.array([200.0, 20.0, 20.0])
    out = settle_rt(site, s, rt, {"curtail_margin_usd_per_mwh": 0.0})
    assert out["rt_grid_import_mw"].iloc[0] == 0.0
    assert out["rt_grid_export_mw"].iloc[0] == 1.0
    assert out["rt_spilled_mw"].iloc[0] == pytest.approx(9.0 - 4.0 - 1.0)
    assert out["rt_profit_export_revenue_usd"].iloc[0] == pytest.approx((200.0 - 2.0) * 1.0)


def test_rule_keys_are_checked() -> None:
    site = site_two_fleets()
    with pytest.raises(ConfigError, match="unknown key 'margin'"):
        RtRule.parse({"margin": 3}, site)
    with pytest.raises(ConfigError, match="'c' is not a fleet"):
        RtRule.parse({"curtail_margin_usd_per_mwh": 3, "fleets": ["c"]}, site)


def test_backtest_reports_day_ahead_and_real_time_side_by_side() -> None:
    site = tiny_site(
        fleets=[
            {
                "name": "f",
                "miner": {"model": "m", "hashrate_th_s": 100.0, "power_w": 3000.0},
                "miners_per_container": 1000,
                "containers": 2,
            }
        ]
    )
    index = site_index(site, "2026-03-02", "2026-03-05")
    da = pd.Series(40.0, index=index)
    rt = da.where(index.hour != 12, 500.0)  # a real-time spike at noon every day
    inputs = Inputs(
        price_usd_per_mwh=da,
        hashprice_usd_per_ph_day=pd.Series(60.0, index=index),
        rt_price_usd_per_mwh=rt,
    )
    r = backtest(
        site, inputs, "2026-03-02", "2026-03-04", rt_rule={"curtail_margin_usd_per_mwh": 50.0}
    )
    s = r.intervals()
    noon = s.index.hour == 12
    assert (s.loc[noon, "mining_mw"] == 6.0).all()  # the day-ahead plan mines at 40
    assert (s.loc[noon, "rt_mining_mw"] == 0.0).all()  # the real-time rule stops it
    table = r.da_vs_rt()
    assert list(table.index) == ["2026-03-02", "2026-03-03", "total"]
    day = table.iloc[0]
    revenue_noon = s.loc[noon, "profit_mining_revenue_usd"].iloc[0]
    # at noon the real-time settlement buys nothing (saves 40 x 6) and earns no mining revenue
    assert day["rt_total_usd"] - day["da_total_usd"] == pytest.approx(240.0 - revenue_noon)
    assert day["rt_curtailed_mining_mwh"] == pytest.approx(6.0)
    assert table.loc["total", "rt_minus_da_total_usd"] == pytest.approx(2 * (240.0 - revenue_noon))
