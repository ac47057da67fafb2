"""Invariants of plans on the bundled sample site (its first day, and its first two days)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import BALANCE_TOL_MW, OBJ_RTOL
from dispatch import load_sample, plan


@pytest.fixture(scope="module", params=["day", "two_days"])
def sample_plan(request):
    site, week = load_sample()
    hours = 24 if request.param == "day" else 48
    inputs = week.window(week.index[0], week.index[0] + pd.Timedelta(hours=hours))
    return site, plan(site, inputs)


def test_energy_balances_in_every_interval(sample_plan) -> None:
    site, p = sample_plan
    s = p.schedule
    supply = (
        s["grid_import_mw"]
        - s["grid_export_mw"]
        + s["battery_discharge_mw"]
        - s["battery_charge_mw"]
        + sum(s[f"{g.name}_output_mw"] for g in site.gensets)
        + s["hpc_shortfall_mw"]
    )
    demand = s["hpc_load_mw"] + sum(s[f"{f.name}_mining_mw"] for f in site.fleets)
    assert np.abs(supply - demand).max() <= BALANCE_TOL_MW


def test_profit_terms_sum_to_the_objective_and_to_highs(sample_plan) -> None:
    _, p = sample_plan
    term_total = p.profit_terms.to_numpy().sum()
    kind_cols = [c for c in p.schedule if c.startswith("profit_") and c != "profit_total_usd"]
    assert p.objective_usd == pytest.approx(term_total, rel=OBJ_RTOL)
    assert p.schedule[kind_cols].to_numpy().sum() == pytest.approx(term_total, rel=OBJ_RTOL)
    assert p.objective_usd == pytest.approx(p.solve.objective_usd, rel=OBJ_RTOL)
    assert p.status.ok


def test_battery_never_charges_and_discharges_at_once(sample_plan) -> None:
    _, p = sample_plan
    s = p.schedule
    both = (s["battery_charge_mw"] > 1e-6) & (s["battery_discharge_mw"] > 1e-6)
    assert not both.any()


def test_battery_soc_follows_its_dynamics_and_ends_no_lower(sample_plan) -> None:
    site, p = sample_plan
    b, s = site.battery, p.schedule
    soc0 = b.soc_initial_frac * b.energy_mwh
    expected = soc0 + np.cumsum(
        b.charge_efficiency * s["battery_charge_mw"] * site.dt_h
        - s["battery_discharge_mw"] * site.dt_h / b.discharge_efficiency
    )
    np.testing.assert_allclose(s["battery_soc_mwh"], expected, atol=1e-6)
    assert s["battery_soc_mwh"].iloc[-1] >= soc0 - 1e-6


def test_containers_are_whole_and_within_availability(sample_plan) -> None:
    site, p = sample_plan
    s = p.schedule
    for f in site.fleets:
        on = s[f"{f.name}_containers_on"].to_numpy()
        assert np.array_equal(on, np.round(on))
        assert (on >= 0).all()
        assert (on <= s[f"{f.name}_containers_available"].to_numpy()).all()
        assert (
            s[f"{f.name}_containers_available"] == f.containers - f.containers_unavailable
        ).all()


def test_hpc_is_fully_served_and_import_within_limit(sample_plan) -> None:
    site, p = sample_plan
    s = p.schedule
    assert s["hpc_shortfall_mw"].max() <= BALANCE_TOL_MW
    assert p.kpis["hpc_served_frac"] == pytest.approx(1.0)
    assert s["grid_import_mw"].max() <= site.grid.import_limit_mw + 1e-9


def test_mining_stops_in_the_spike_and_runs_when_cheap(sample_plan) -> None:
    site, p = sample_plan
    s = p.schedule
    top = max(s[f"{f.name}_breakeven_usd_per_mwh"].max() for f in site.fleets)
    spike = s["price_usd_per_mwh"] > 3 * top
    assert spike.any(), "the sample has price spikes"
    assert s.loc[spike, "mining_mw"].max() == pytest.approx(0.0, abs=1e-9)


def test_schedule_is_indexed_by_tz_aware_interval_starts(sample_plan) -> None:
    site, p = sample_plan
    idx = p.schedule.index
    assert isinstance(idx, pd.DatetimeIndex) and str(idx.tz) == site.timezone
    assert idx.name == "interval_start"
    assert (np.diff(idx.asi8) > 0).all()
