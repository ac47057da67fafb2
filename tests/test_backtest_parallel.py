"""Results do not depend on where the steps run: serial, 2 processes, a Dask LocalCluster."""

from __future__ import annotations

import numpy as np
import pandas as pd

from conftest import tiny_site
from dispatch import Inputs, backtest, site_index

FLEET = {
    "name": "f",
    "miner": {"model": "m", "hashrate_th_s": 100.0, "power_w": 3000.0},
    "miners_per_container": 1000,
    "containers": 4,
    "min_up_minutes": 120,
    "min_down_minutes": 120,
    "startup_cost_usd_per_container": 20.0,
}


def case() -> tuple:
    site = tiny_site(
        timezone="America/Chicago",
        hpc_halls=[{"name": "hall", "it_load_mw": 20.0, "pue": 1.0}],
        fleets=[FLEET],
        battery={"power_mw": 5.0, "energy_mwh": 10.0},
        demand_charge={"rate_usd_per_mw": 200.0},
    )
    index = site_index(site, "2026-03-28", "2026-04-03")
    rng = np.random.default_rng(7)
    price = 40 + 60 * rng.standard_normal(len(index)).clip(-1, 3)
    inputs = Inputs(
        price_usd_per_mwh=pd.Series(price, index=index),
        hashprice_usd_per_ph_day=pd.Series(55.0, index=index),
        hpc_it_load_mw=pd.DataFrame({"hall": 15 + 5 * rng.random(len(index))}, index=index),
    )
    return site, inputs


def run(site, inputs, **kwargs):  # type: ignore[no-untyped-def]
    return backtest(
        site,
        inputs,
        "2026-03-29",
        "2026-04-02",
        chunk="month",
        counterfactuals=["price_blind"],
        **kwargs,
    )


def assert_same(a, b) -> None:  # type: ignore[no-untyped-def]
    for mode in ("optimise", "price_blind"):
        pd.testing.assert_frame_equal(a.intervals(mode), b.intervals(mode), check_exact=True)
        pd.testing.assert_frame_equal(
            a.scenario().daily_by_mode[mode], b.scenario().daily_by_mode[mode], check_exact=True
        )
    pd.testing.assert_frame_equal(a.comparison, b.comparison, check_exact=True)


def test_serial_two_processes_and_dask_give_identical_results() -> None:
    from distributed import Client, LocalCluster

    site, inputs = case()
    serial = run(site, inputs, workers=1)
    assert serial.steps["chain"].nunique() == 2  # March and April: two independent chains
    assert len(serial.intervals()) == 4 * 24
    pool = run(site, inputs, workers=2)
    assert pool.steps["worker"].nunique() == 2
    assert_same(serial, pool)
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        dask = run(site, inputs, scheduler=client)
        assert dask.steps["worker"].nunique() == 2
        dask_by_address = run(site, inputs, scheduler=cluster.scheduler_address)
    assert_same(serial, dask)
    assert_same(serial, dask_by_address)
