"""A real spike day: ERCOT hub-average day-ahead prices, 2023-08-17, Coin Metrics hashprice."""

from __future__ import annotations

import pytest

from dispatch import load_inputs, load_sample, plan


@pytest.fixture(scope="module")
def spike_day(shared_data):
    site, sample = load_sample(day="2026-08-17")
    # the sample's DR event and CP probabilities belong to the sample week, not to 2023
    site = site.model_copy(update={"dr_events": [], "coincident_peak": None})
    coinmetrics = shared_data / "btc_mining_daily_coinmetrics_2019_2025.csv"
    inputs = load_inputs(
        site,
        prices=shared_data / "ercot_dam_hb_hubavg_hourly_2020_2024.csv",
        hashprice=coinmetrics,
        hpc_load=float(sample.hpc_it_load_mw.sum(axis=1).mean()),  # total, split pro rata
        start="2023-08-17",
        end="2023-08-18",
    )
    return site, inputs, plan(site, inputs)


def test_miners_are_off_in_the_spike_hours(spike_day) -> None:
    site, _, p = spike_day
    s = p.schedule
    assert len(s) == 96 and s["price_usd_per_mwh"].max() > 3000
    highest_breakeven = max(s[f"{f.name}_breakeven_usd_per_mwh"].max() for f in site.fleets)
    spike = s["price_usd_per_mwh"] > 2 * highest_breakeven
    assert spike.sum() >= 4 * 6  # 13:00-20:00 local
    assert s.loc[spike, "mining_mw"].max() == pytest.approx(0.0, abs=1e-9)


def test_miners_run_where_price_is_well_under_breakeven(spike_day) -> None:
    site, _, p = spike_day
    s = p.schedule
    for f in site.fleets:
        cheap = (
            s["price_usd_per_mwh"] + site.grid.import_adder_usd_per_mwh
            < 0.5 * s[f"{f.name}_breakeven_usd_per_mwh"]
        )
        assert cheap.sum() >= 40
        on = s.loc[cheap, f"{f.name}_containers_on"]
        available = s.loc[cheap, f"{f.name}_containers_available"]
        # every container that fits beside the HPC load under the import limit runs
        headroom = site.grid.import_limit_mw - s.loc[cheap, "hpc_load_mw"]
        assert (on == available).mean() > 0.9 or (s.loc[cheap, "mining_mw"] >= headroom - 2.0).all()


def test_the_real_day_plan_is_sound(spike_day) -> None:
    _, _, p = spike_day
    assert p.status.ok
    assert p.objective_usd == pytest.approx(p.profit_terms.to_numpy().sum(), rel=1e-6)
    assert p.kpis["hpc_served_frac"] == pytest.approx(1.0)
