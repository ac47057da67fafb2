"""A backtest can never beat perfect foresight: the rolling steps carry the battery's target
charge, and the last step ends its kept part there, so the concatenated schedule is one the
perfect-foresight plan of the same period could have chosen."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import tiny_site
from dispatch import Inputs, backtest, load_sample, plan, site_index

#: The perfect-foresight plan's gap: the test compares with its proven bound (>= the true
#: optimum), so no gap can make a backtest look better than it is.
PF_GAP = 1e-4
#: ... and its time limit: a stopped solve's bound is still >= the optimum, so the comparison
#: stays sound; the sample week at its import limit takes HiGHS minutes to prove 1e-4.
PF_TIME_LIMIT_S = 10.0


def _never_beats(site, inputs, start, end, *, lookahead: str) -> tuple[float, float]:
    result = backtest(site, inputs, start, end, lookahead=lookahead, demand_charge="full")
    bt = float(result.intervals()["profit_total_usd"].sum())
    window = inputs.window(
        pd.Timestamp(start, tz=site.timezone), pd.Timestamp(end, tz=site.timezone)
    )
    pf = plan(site, window, mip_rel_gap=PF_GAP, time_limit_s=PF_TIME_LIMIT_S)
    bound = pf.solve.bound_usd
    assert bound >= pf.objective_usd - 1e-6
    assert bt <= bound + 1e-6 * max(abs(bound), 1.0), (bt, pf.objective_usd, bound)
    # and the concatenated schedule is valid over the whole period
    s = result.intervals()
    soc = s["battery_soc_mwh"].to_numpy()
    assert soc[-1] >= site.battery.soc_initial_frac * site.battery.energy_mwh - 1e-6
    return bt, bound


def test_sample_week_backtest_does_not_beat_perfect_foresight() -> None:
    site, inputs = load_sample()
    _never_beats(site, inputs, "2026-08-17", "2026-08-24", lookahead="24h")


def random_site(seed: int):
    rng = np.random.default_rng(seed)
    miner = {"model": "m", "hashrate_th_s": 100.0, "power_w": float(rng.uniform(1500, 3500))}
    return tiny_site(
        grid={"import_limit_mw": float(rng.uniform(20, 40))},
        hpc_halls=[{"name": "hall", "it_load_mw": float(rng.uniform(5, 15)), "pue": 1.2}],
        fleets=[
            {
                "name": "f",
                "miner": miner,
                "miners_per_container": 1000,
                "containers": int(rng.integers(2, 8)),
                "min_up_minutes": int(rng.choice([0, 120])),
            }
        ],
        battery={
            "power_mw": float(rng.uniform(2, 8)),
            "energy_mwh": float(rng.uniform(8, 30)),
            "soc_initial_frac": float(rng.uniform(0.2, 0.9)),
        },
    ), rng


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_small_sites_never_beat_perfect_foresight(seed: int) -> None:
    site, rng = random_site(seed)
    idx = site_index(site, "2026-03-02", hours=24 * 4)
    hours = np.arange(len(idx)) % 24
    price = 30 + 60 * np.sin((hours - 6) / 24 * 2 * np.pi) + rng.normal(0, 25, len(idx))
    price[rng.integers(0, len(idx), 3)] = 900.0
    inputs = Inputs(
        price_usd_per_mwh=pd.Series(price, index=idx),
        hashprice_usd_per_ph_day=pd.Series(50.0, index=idx),
    )
    _never_beats(site, inputs, "2026-03-02", "2026-03-05", lookahead="24h")
