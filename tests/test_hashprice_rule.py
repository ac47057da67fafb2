"""One hashprice file, one rule: a plan and a backtest read network data the same way."""

from __future__ import annotations

import pandas as pd
import pytest

from dispatch import load_inputs, load_sample
from dispatch.hashprice import hashprice_from_network


def test_network_file_is_read_per_utc_day_by_load_inputs(shared_data) -> None:
    site, _ = load_sample()
    site = site.model_copy(update={"timezone": "America/New_York", "coincident_peak": None})
    coinmetrics = shared_data / "btc_mining_daily_coinmetrics_2019_2025.csv"
    prices = shared_data / "ercot_dam_hb_hubavg_hourly_2020_2024.csv"
    inputs = load_inputs(
        site, prices=prices, hashprice=str(coinmetrics), start="2024-07-16", end="2024-07-17"
    )
    hp = inputs.hashprice_usd_per_ph_day
    network = hashprice_from_network(coinmetrics)
    # 19:45 EDT on 07-16 is 23:45 UTC (still 07-16); 20:00 EDT is 00:00 UTC on 07-17
    assert hp[pd.Timestamp("2024-07-16 19:45", tz="America/New_York")] == pytest.approx(
        network[pd.Timestamp("2024-07-16", tz="UTC")]
    )
    assert hp[pd.Timestamp("2024-07-16 20:00", tz="America/New_York")] == pytest.approx(
        network[pd.Timestamp("2024-07-17", tz="UTC")]
    )
    # and the Path and str spellings agree (the CLI passes a Path)
    again = load_inputs(
        site, prices=prices, hashprice=coinmetrics, start="2024-07-16", end="2024-07-17"
    )
    pd.testing.assert_series_equal(again.hashprice_usd_per_ph_day, hp)
