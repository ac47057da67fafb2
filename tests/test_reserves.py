"""Reserve products, standby DR, swing headroom and heat: tiny sites with hand-computed optima,
the zero-price identity, the checker's new rules and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import OBJ_RTOL, tiny_site
from dispatch import Inputs, check_schedule, plan
from dispatch.errors import ConfigError, DataError

IDX = pd.date_range("2026-03-02", periods=2, freq="h", tz="UTC")
# one container of 1000 miners x 2000 W = 2 MW, 100 TH/s each: 20 J/TH
FLEET = {
    "name": "f",
    "miner": {"model": "m", "hashrate_th_s": 100.0, "power_w": 2000.0},
    "miners_per_container": 1000,
    "containers": 1,
    "has_ufr_relay": True,
}
HALL = {"name": "hall", "it_load_mw": 1.0, "pue": 1.0}


def product(name: str = "ecrs", providers: tuple[str, ...] = ("f",), **extra: object) -> dict:
    return {"name": name, "providers": list(providers), "max_deployment_minutes": 60, **extra}


def inputs(price: float, hashprice: float, reserve: dict[str, float]) -> Inputs:
    return Inputs(
        price_usd_per_mwh=pd.Series(price, index=IDX),
        hashprice_usd_per_ph_day=pd.Series(hashprice, index=IDX),
        reserve_price_usd_per_mw_h={k: pd.Series(v, index=IDX) for k, v in reserve.items()},
    )


def breakeven(hashprice: float) -> float:
    return hashprice * 1000 / (20.0 * 24)  # USD/MWh at 20 J/TH


def test_zero_reserve_prices_give_todays_plan_exactly(sample_day) -> None:
    sample_site, day = sample_day
    raw = sample_site.model_dump(mode="json")
    for f in raw["fleets"]:
        f["has_ufr_relay"] = True
    fleets = [f["name"] for f in raw["fleets"]]
    raw["reserve_products"] = [
        {"name": "rrs", "preset": "ercot_rrs", "providers": fleets[:2]},
        {"name": "ecrs", "preset": "ercot_ecrs", "providers": [*fleets, "battery"]},
        {"name": "nonspin", "preset": "ercot_nonspin", "providers": ["battery"]},
    ]
    with_reserves = type(sample_site).from_dict(raw)
    zero = {k: pd.Series(0.0, index=day.index) for k in ("rrs", "ecrs", "nonspin")}
    today = plan(sample_site, day)
    stacked = plan(with_reserves, day.replace(reserve_price_usd_per_mw_h=zero))
    assert stacked.objective_usd == today.objective_usd
    common = today.schedule.columns
    pd.testing.assert_frame_equal(stacked.schedule[common], today.schedule)
    assert stacked.schedule["reserve_offered_mw"].max() == 0.0


def test_fleet_offers_what_it_draws_and_runs_for_the_reserve() -> None:
    # hashprice 48 -> breakeven 100 USD/MWh; energy at 110 loses 10 USD/MWh on 2 MW; the
    # reserve pays 25 USD/MW-h: running and offering all 2 MW earns 2 * (25 - 10) per hour
    site = tiny_site(hpc_halls=[HALL], fleets=[FLEET], reserve_products=[product()])
    p = plan(site, inputs(110.0, 48.0, {"ecrs": 25.0}))
    s = p.schedule
    assert np.allclose(s["f_mining_mw"], 2.0)
    assert np.allclose(s["reserve_ecrs_f_mw"], 2.0)
    hpc_cost = -110.0 * 1.0 * 2
    assert p.objective_usd == pytest.approx(hpc_cost + 2 * 2 * (25.0 - 10.0), rel=OBJ_RTOL)
    # below the loss the fleet stays off and offers nothing
    p = plan(site, inputs(110.0, 48.0, {"ecrs": 9.0}))
    assert np.allclose(p.schedule["f_mining_mw"], 0.0)
    assert np.allclose(p.schedule["reserve_ecrs_f_mw"], 0.0)


def test_deployment_cost_is_the_lost_margin_times_the_deployed_share() -> None:
    # breakeven 100, price 40: margin 60 USD/MWh; deployed share 0.1 -> 6 USD per MW-h
    site = tiny_site(fleets=[FLEET], reserve_products=[product(deployed_share_frac=0.1)])
    p = plan(site, inputs(40.0, 48.0, {"ecrs": 10.0}))
    terms = p.kpis["profit_by_term_usd"]
    assert terms["reserve_revenue"] == pytest.approx(2 * 2 * 10.0)
    assert terms["reserve_deployment_cost"] == pytest.approx(-2 * 2 * 6.0)
    assert terms["mining_revenue"] + terms["energy_cost"] == pytest.approx(2 * 2 * 60.0)


def test_battery_offer_is_backed_by_soc_for_the_duration() -> None:
    battery = {
        "power_mw": 10.0,
        "energy_mwh": 4.0,
        "soc_initial_frac": 0.5,
        "charge_efficiency": 1.0,
        "discharge_efficiency": 1.0,
    }
    site = tiny_site(battery=battery, reserve_products=[product("rrs", ("battery",))])
    p = plan(site, inputs(30.0, 48.0, {"rrs": 20.0}))
    s = p.schedule
    # 2 MWh stored, 1-hour product: 2 MW, unless the battery charges first (it must end at
    # 2 MWh): charging 2 MWh in hour 1 at 30 and offering 4 MW in hour 2 is 4 x 20 - 60 = +20
    # against 2 x 20 = 40 for holding: holding 2 MW in both hours pays more
    assert np.allclose(s["reserve_rrs_battery_mw"], 2.0)
    energy = s["reserve_rrs_battery_mw"].to_numpy()
    assert (energy <= s["battery_soc_mwh"].to_numpy() + 1e-6).all()


def test_standby_dr_and_reserves_never_sell_the_same_mw() -> None:
    ers = {
        "name": "ers",
        "start": "2026-03-02 00:00",
        "end": "2026-03-02 02:00",
        "committed_mw": 1.5,
        "availability_usd_per_mw_h": 8.0,
    }
    site = tiny_site(fleets=[FLEET], reserve_products=[product()], standby_dr=[ers])
    p = plan(site, inputs(40.0, 48.0, {"ecrs": 5.0}))
    s = p.schedule
    assert np.allclose(s["f_mining_mw"], 2.0)
    assert np.allclose(s["reserve_ecrs_f_mw"] + 1.5, 2.0)  # ERS 1.5 + ECRS 0.5 = what it draws
    assert p.kpis["profit_by_term_usd"]["standby_dr_revenue"] == pytest.approx(2 * 1.5 * 8.0)
    # ECRS paying more than ERS: the plan sells the MW as ECRS and forfeits the ERS payment
    p = plan(site, inputs(40.0, 48.0, {"ecrs": 30.0}))
    assert np.allclose(p.schedule["reserve_ecrs_f_mw"], 2.0)
    assert np.allclose(p.schedule["standby_ers_short_mw"], 1.5)
    # hand-edit: sell 1 MW more as ECRS -> the checker names the double selling
    bad = s.copy()
    bad["reserve_ecrs_f_mw"] += 1.0
    rules = {v.rule for v in check_schedule(site, p.inputs, bad)}
    assert "double_selling" in rules and "reserve_fleet" not in rules


def test_standby_dr_held_short_forfeits_its_payment() -> None:
    # mining loses 60 USD/MWh (price 160, breakeven 100): holding 1.5 MW pays 8 -> not held
    ers = {
        "name": "ers",
        "start": "2026-03-02 00:00",
        "end": "2026-03-02 01:00",
        "committed_mw": 1.5,
        "availability_usd_per_mw_h": 8.0,
    }
    site = tiny_site(fleets=[FLEET], standby_dr=[ers])
    p = plan(
        site,
        Inputs(
            price_usd_per_mwh=pd.Series(160.0, index=IDX),
            hashprice_usd_per_ph_day=pd.Series(48.0, index=IDX),
        ),
    )
    assert np.allclose(p.schedule["standby_ers_short_mw"], [1.5, 0.0])
    assert p.kpis["profit_by_term_usd"]["standby_dr_revenue"] == pytest.approx(0.0)


def test_swing_headroom_limits_what_is_sold() -> None:
    # import limit 5, hall 2 MW swinging 50 % (1 MW): 5 - (2 + 2 mining) + free >= 1 with
    # free = 2 - offer -> offer <= 2: not binding; limit 4.5 -> 0.5 + 2 - offer >= 1 -> 1.5
    hall = {**HALL, "it_load_mw": 2.0, "swing_frac": 0.5}
    site = tiny_site(
        grid={"import_limit_mw": 4.5},
        hpc_halls=[hall],
        fleets=[FLEET],
        reserve_products=[product()],
    )
    p = plan(site, inputs(40.0, 48.0, {"ecrs": 30.0}))
    s = p.schedule
    assert np.allclose(s["swing_mw"], 1.0)
    assert np.allclose(s["reserve_ecrs_f_mw"], 1.5)
    assert np.allclose(s["swing_short_mw"], 0.0)
    bad = s.copy()
    bad["reserve_ecrs_f_mw"] = 2.0
    assert "headroom" in {v.rule for v in check_schedule(site, p.inputs, bad)}


def test_heat_revenue_is_a_profit_term() -> None:
    fleet = {**FLEET, "heat_recovery_frac": 0.5, "heat_price_usd_per_mwh_th": 20.0}
    p = plan(tiny_site(fleets=[fleet]), inputs(40.0, 48.0, {}))
    assert p.kpis["profit_by_term_usd"]["heat_revenue"] == pytest.approx(2 * 2 * 0.5 * 20.0)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"reserve_products": [product(providers=("hall",))]}, "HPC hall"),
        ({"reserve_products": [product(providers=("hpc",))]}, "HPC hall"),
        ({"reserve_products": [product(providers=())]}, "no provider"),
        ({"reserve_products": [product(providers=("g",))]}, "not a fleet"),
        (
            {
                "reserve_products": [product(requires_ufr_relay=True)],
                "fleets": [{**FLEET, "has_ufr_relay": False}],
            },
            "under-frequency relay",
        ),
        (
            {
                "reserve_products": [{**product(), "preset": "ercot_rrs", "providers": ["f"]}],
                "fleets": [{**FLEET, "has_ufr_relay": False}],
            },
            "under-frequency relay",
        ),
    ],
)
def test_bad_products_are_config_errors(fields: dict, message: str) -> None:
    raw = {"hpc_halls": [HALL], "fleets": [FLEET], **fields}
    with pytest.raises(ConfigError, match=message):
        tiny_site(**raw)


def test_bad_reserve_prices_are_data_errors(tmp_path) -> None:
    site = tiny_site(fleets=[FLEET], reserve_products=[product()])
    with pytest.raises(DataError, match=r"negative|>= 0"):
        inputs(40.0, 48.0, {"ecrs": -1.0})
    with pytest.raises(DataError, match="no clearing price"):
        plan(site, inputs(40.0, 48.0, {}))
    from dispatch import load_inputs

    prices = tmp_path / "prices.csv"
    hours = ("00", "01", "02", "03")
    prices.write_text(
        "timestamp,price_usd_per_mwh\n" + "".join(f"2026-03-02T{h}:00Z,40\n" for h in hours)
    )
    gap = tmp_path / "as.csv"
    gap.write_text(
        "timestamp,ecrs_usd_per_mw_h\n"
        + "".join(f"2026-03-02T{h}:00Z,3\n" for h in ("00", "01", "03"))
    )
    blank = tmp_path / "blank.csv"
    blank.write_text("timestamp,ecrs_usd_per_mw_h\n2026-03-02T00:00Z,3\n2026-03-02T01:00Z,\n")
    neg = tmp_path / "neg.csv"
    neg.write_text("timestamp,ecrs_usd_per_mw_h\n2026-03-02T00:00Z,3\n2026-03-02T01:00Z,-2\n")
    for path, message in ((gap, "gap"), (blank, "empty cell"), (neg, "negative")):
        with pytest.raises(DataError, match=message):
            load_inputs(site, prices=prices, hashprice=48.0, reserve_prices={"ecrs": path})
    with pytest.raises(DataError, match="no clearing-price"):
        load_inputs(site, prices=prices, hashprice=48.0)


def test_ercot_sample_and_gridstatus_layouts(shared_data, tmp_path) -> None:
    from dispatch import load_inputs

    site = tiny_site(
        timezone="America/Chicago",
        fleets=[FLEET],
        reserve_products=[
            {"name": "ecrs", "preset": "ercot_ecrs", "providers": ["f"]},
            {"name": "rrs", "preset": "ercot_rrs", "providers": ["f"]},
        ],
    )
    sample = shared_data / "ercot_dam_as_mcpc_2023_samples.csv"
    prices = shared_data / "ercot_dam_hb_hubavg_hourly_2020_2024.csv"
    got = load_inputs(
        site,
        prices=prices,
        hashprice=60.0,
        start="2023-07-31",
        end="2023-08-01",
        reserve_prices={"ecrs": sample, "rrs": sample},
    )
    ecrs = got.reserve_price_usd_per_mw_h["ecrs"]
    assert ecrs.max() == pytest.approx(993.65)
    assert ecrs.idxmax() == pd.Timestamp("2023-07-31 19:00", tz="America/Chicago")
    idx = pd.date_range("2023-07-31", periods=24, freq="h", tz="America/Chicago")
    gs = pd.DataFrame(
        {
            "Time": idx,
            "Interval Start": idx,
            "Interval End": idx + pd.Timedelta(hours=1),
            "Market": "DAY_AHEAD_HOURLY",
            "Responsive Reserves": 5.0,
            "ERCOT Contingency Reserve Service": ecrs.to_numpy(),
        }
    )
    gs_file = tmp_path / "as_gridstatus.csv"
    gs.to_csv(gs_file, index=False)
    again = load_inputs(
        site,
        prices=prices,
        hashprice=60.0,
        start="2023-07-31",
        end="2023-08-01",
        reserve_prices={"ecrs": gs_file, "rrs": gs_file},
    )
    assert np.allclose(again.reserve_price_usd_per_mw_h["ecrs"], ecrs)
    assert np.allclose(again.reserve_price_usd_per_mw_h["rrs"], 5.0)
    with pytest.raises(DataError, match="no reserve_price"):
        load_inputs(
            site,
            prices=prices,
            hashprice=60.0,
            start="2023-06-01",
            end="2023-06-02",
            reserve_prices={"ecrs": sample, "rrs": sample},
        )
