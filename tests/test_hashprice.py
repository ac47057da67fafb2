"""Hashprice from network data: the two formulas by hand, and against Coin Metrics' own column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import tiny_site
from dispatch import hashprice_from_network, load_inputs, site_index
from dispatch.errors import DataError
from dispatch.hashprice import block_subsidy_btc

COINMETRICS = "btc_mining_daily_coinmetrics_2019_2025.csv"


def network(**overrides: list) -> pd.DataFrame:  # type: ignore[type-arg]
    frame = pd.DataFrame(
        {
            "date": ["2024-04-19", "2024-04-20", "2024-04-21"],
            "btc_price_usd": [64_000.0, 64_000.0, 65_000.0],
            "difficulty_mean": [8.6e13, 8.6e13, 8.6e13],
            "hashrate_th_s": [6.0e8, 6.5e8, 6.0e8],
            "blocks": [144, 150, 144],
            "subsidy_usd": [144 * 6.25 * 64_000.0, 150 * 3.125 * 64_000.0, 144 * 3.125 * 65_000.0],
            "fees_usd": [2.0e6, 9.0e7, 1.0e6],
        }
    )
    for key, value in overrides.items():
        frame[key] = value
    return frame


def test_revenue_hashprice_is_subsidy_plus_fees_per_ph() -> None:
    f = network()
    hp = hashprice_from_network(f)
    expected = (f["subsidy_usd"] + f["fees_usd"]) / f["hashrate_th_s"] * 1000.0
    np.testing.assert_allclose(hp.to_numpy(), expected.to_numpy(), rtol=1e-12)
    assert hp.name == "hashprice_usd_per_ph_day"
    assert str(hp.index.tz) == "UTC"
    assert hp.index[0] == pd.Timestamp("2024-04-19", tz="UTC")


def test_difficulty_hashprice_is_the_expected_revenue_of_one_ph() -> None:
    f = network()
    hp = hashprice_from_network(f, use="difficulty", fees=False)
    blocks_per_ph_day = 86_400 * 1e15 / (8.6e13 * 2**32)  # ~0.2339 blocks
    subsidy = np.array([6.25, 3.125, 3.125])  # the halving day counts at the new subsidy
    np.testing.assert_allclose(
        hp.to_numpy(), blocks_per_ph_day * subsidy * f["btc_price_usd"], rtol=1e-12
    )
    with_fees = hashprice_from_network(f, use="difficulty")
    np.testing.assert_allclose(
        with_fees - hp, blocks_per_ph_day * f["fees_usd"].to_numpy() / f["blocks"], rtol=1e-12
    )


def test_halving_schedule() -> None:
    dates = pd.DatetimeIndex(["2012-11-27", "2012-11-28", "2020-05-10", "2020-05-11", "2025-01-01"])
    assert block_subsidy_btc(dates).tolist() == [50.0, 25.0, 12.5, 6.25, 3.125]


def test_bad_network_data_names_column_and_row(tmp_path) -> None:
    with pytest.raises(DataError, match="missing column hashrate_th_s"):
        hashprice_from_network(network().drop(columns="hashrate_th_s"))
    with pytest.raises(
        DataError, match=r"column hashrate_th_s, row 3 \(date 2024-04-20\): 0\.0 is not positive"
    ):
        hashprice_from_network(network(hashrate_th_s=[6.0e8, 0.0, 6.0e8]))
    with pytest.raises(DataError, match="duplicate or out of order"):
        hashprice_from_network(network(date=["2024-04-19", "2024-04-19", "2024-04-21"]))
    with pytest.raises(DataError, match="not found"):
        hashprice_from_network(tmp_path / "missing.csv")


def test_utc_days_hold_from_utc_midnight_on_a_local_site() -> None:
    site = tiny_site(timezone="America/Chicago")
    hp = hashprice_from_network(network())
    index = site_index(site, "2024-04-19", "2024-04-21")
    inputs = load_inputs(site, prices=pd.Series(30.0, index=index), hashprice=hp)
    h = inputs.hashprice_usd_per_ph_day
    # CDT is UTC-5: the UTC day 2024-04-20 starts at 19:00 local on the 19th
    assert h[pd.Timestamp("2024-04-19 18:00", tz="America/Chicago")] == pytest.approx(hp.iloc[0])
    assert h[pd.Timestamp("2024-04-19 19:00", tz="America/Chicago")] == pytest.approx(hp.iloc[1])


def test_matches_the_coinmetrics_derived_columns(shared_data) -> None:
    path = shared_data / COINMETRICS
    raw = pd.read_csv(path)
    revenue = hashprice_from_network(path)
    np.testing.assert_allclose(revenue.to_numpy(), raw["hashprice_usd_per_ph_day"], rtol=1e-8)
    luck_free = hashprice_from_network(path, use="difficulty", fees=False)
    np.testing.assert_allclose(
        luck_free.to_numpy(), raw["hashprice_subsidy_only_diff_usd_per_ph_day"], rtol=1e-8
    )
    assert len(revenue) == len(raw)
