"""Hashprice paths: yearly hashprice per scenario, from today's network state and the halvings.

Today's state is the mean of the last ``days`` days of the network data (Coin Metrics
layout: ``btc_price_usd``, ``hashrate_th_s``, ``date``).  A scenario grows the BTC price and
the network hashrate (difficulty follows hashrate) at constant yearly rates, and states the
fees' share of miner revenue.  For each operating year ``y``, at its middle ``t_y`` (years
after the last data day)::

    price_y     = price_0 * (1 + g_price) ** t_y                         USD/BTC
    hashrate_y  = hashrate_0 * (1 + g_hashrate) ** t_y                   TH/s
    subsidy_y   = time-average block subsidy over year y                 BTC/block
    revenue_y   = 144 blocks/day * subsidy_y * price_y / (1 - fee_share) USD/day
    hashprice_y = revenue_y / hashrate_y * 1000                          USD/PH/day

The halvings follow the block schedule: every 210,000 blocks after block 840,000 (mined on
2024-04-20), at the design rate of 144 blocks a day (one every 600 s), i.e. about
2028-04-17 and 2032-04-14; the subsidy halves from 3.125 BTC.  Difficulty adjustments keep
the block rate near 144 a day whatever the hashrate, which is why the rate is a constant here.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dispatch.errors import DataError
from dispatch.transition.spec import Scenario

BLOCKS_PER_DAY = 144.0
BLOCKS_PER_HALVING = 210_000
LAST_HALVING = pd.Timestamp("2024-04-20", tz="UTC")  # block 840,000
LAST_SUBSIDY_BTC = 3.125


@dataclass(frozen=True)
class NetworkState:
    """The network today: the mean over the last days of the data."""

    date: pd.Timestamp
    btc_price_usd: float
    hashrate_th_s: float
    fee_share: float
    hashprice_usd_per_ph_day: float
    days: int


def network_state(frame: pd.DataFrame, days: int = 30, label: str = "network data") -> NetworkState:
    """Today's state from network data (one row per UTC day)."""
    for col in ("date", "btc_price_usd", "hashrate_th_s"):
        if col not in frame.columns:
            raise DataError(f"{label}: missing column {col}")
    tail = frame.tail(days)
    price = float(pd.to_numeric(tail["btc_price_usd"]).mean())
    hashrate = float(pd.to_numeric(tail["hashrate_th_s"]).mean())
    if not (price > 0 and hashrate > 0):
        raise DataError(f"{label}: BTC price and hashrate must be positive in the last {days} days")
    fee = float(pd.to_numeric(tail["fee_share"]).mean()) if "fee_share" in tail else 0.0
    date = pd.Timestamp(tail["date"].iloc[-1])
    date = date.tz_localize("UTC") if date.tzinfo is None else date.tz_convert("UTC")
    subsidy = subsidy_btc(date)
    hp = BLOCKS_PER_DAY * subsidy * price / (1 - fee) / hashrate * 1000
    return NetworkState(date, price, hashrate, fee, hp, len(tail))


def halving_dates(n: int = 4) -> list[pd.Timestamp]:
    """The next ``n`` halvings after 2024-04-20 at 144 blocks a day."""
    days = BLOCKS_PER_HALVING / BLOCKS_PER_DAY
    return [LAST_HALVING + pd.Timedelta(days=days * k) for k in range(1, n + 1)]


def subsidy_btc(when: pd.Timestamp) -> float:
    """Block subsidy in force at ``when`` (after the 2024 halving), BTC."""
    if when < LAST_HALVING:
        raise DataError(f"subsidy_btc: {when} is before the 2024 halving")
    passed = sum(1 for h in halving_dates(8) if h <= when)
    return LAST_SUBSIDY_BTC / 2**passed


def mean_subsidy_btc(year: int) -> float:
    """The block subsidy averaged over calendar year ``year`` (UTC), BTC."""
    start = pd.Timestamp(f"{year}-01-01", tz="UTC")
    end = pd.Timestamp(f"{year + 1}-01-01", tz="UTC")
    edges = [start, *[h for h in halving_dates(8) if start < h < end], end]
    total = sum(
        subsidy_btc(max(a, LAST_HALVING)) * (b - a).total_seconds()
        for a, b in itertools.pairwise(edges)
    )
    return total / (end - start).total_seconds()


def hashprice_paths(
    state: NetworkState, scenarios: list[Scenario], years: list[int]
) -> pd.DataFrame:
    """Yearly hashprice, USD/PH/day: index ``year``, one column per scenario."""
    out = {}
    for s in scenarios:
        values = []
        for y in years:
            mid = pd.Timestamp(f"{y}-07-02", tz="UTC")
            t = max((mid - state.date).days / 365.25, 0.0)
            price = state.btc_price_usd * (1 + s.btc_price_growth_per_year) ** t
            hashrate = state.hashrate_th_s * (1 + s.hashrate_growth_per_year) ** t
            revenue = BLOCKS_PER_DAY * mean_subsidy_btc(y) * price / (1 - s.fee_share)
            values.append(revenue / hashrate * 1000)
        out[s.name] = values
    return pd.DataFrame(out, index=pd.Index(years, name="year"))


def expected(paths: pd.DataFrame, scenarios: list[Scenario]) -> pd.Series:
    """Probability-weighted hashprice per year, USD/PH/day."""
    w = np.array([s.probability for s in scenarios])
    return pd.Series(paths[[s.name for s in scenarios]].to_numpy() @ w, index=paths.index)


__all__ = [
    "NetworkState",
    "expected",
    "halving_dates",
    "hashprice_paths",
    "mean_subsidy_btc",
    "network_state",
    "subsidy_btc",
]
