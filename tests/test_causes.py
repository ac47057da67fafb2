"""At-risk reasons name the limit that binds, computed from the schedule, not a fixed list."""

from __future__ import annotations

import numpy as np
import pandas as pd

from conftest import tiny_site
from dispatch import Inputs, plan, site_index


def inputs_for(site, prices) -> Inputs:
    idx = site_index(site, "2026-01-05", hours=len(prices) * site.dt_h)
    return Inputs(
        price_usd_per_mwh=pd.Series(np.asarray(prices, dtype=float), index=idx),
        hashprice_usd_per_ph_day=pd.Series(50.0, index=idx),
    )


def hall(mw: float) -> list[dict]:
    return [{"name": "hall", "it_load_mw": mw, "pue": 1.0}]


def test_import_limit_alone() -> None:
    site = tiny_site(grid={"import_limit_mw": 5.0}, hpc_halls=hall(10.0))
    p = plan(site, inputs_for(site, [30] * 3))
    assert p.status == "at_risk"
    assert "limited by the grid import limit (5.0 MW)" in p.status_reason
    assert "battery" not in p.status_reason and "fuel" not in p.status_reason


def test_price_above_the_value_of_lost_load() -> None:
    site = tiny_site(hpc_halls=hall(10.0), value_of_lost_load_usd_per_mwh=1000.0)
    p = plan(site, inputs_for(site, [30, 5000, 30]))
    assert p.status == "at_risk"
    assert "1 intervals" in p.status_reason
    assert "above the value of lost load (1,000 USD/MWh)" in p.status_reason
    assert "import limit" not in p.status_reason


def test_fuel_budget_runs_out() -> None:
    # 5 MW of grid, a 10 MW genset with fuel for 10 MWh a day, 10 MW of HPC for 4 hours:
    # 20 MWh must come from the genset, which can burn for 10: the budget binds
    genset = {
        "name": "gas",
        "units": 1,
        "unit_capacity_mw": 10.0,
        "heat_rate_mmbtu_per_mwh": 10.0,
        "fuel_price_usd_per_mmbtu": 2.0,
        "fuel_budget_mmbtu_per_day": 100.0,
    }
    site = tiny_site(grid={"import_limit_mw": 5.0}, hpc_halls=hall(10.0), gensets=[genset])
    p = plan(site, inputs_for(site, [30] * 4))
    assert p.status == "at_risk"
    assert "gas's fuel budget (100 MMBtu/day)" in p.status_reason
    assert "grid import limit (5.0 MW)" in p.status_reason


def test_a_dr_window_inside_one_interval_covers_it() -> None:
    # 16:05-16:10 on a 15-minute site: no interval starts in it, but the 16:00 one overlaps
    site = tiny_site(
        interval_minutes=15,
        hpc_halls=hall(10.0),
        dr_events=[
            {
                "name": "short",
                "start": "2026-01-05 00:20",
                "end": "2026-01-05 00:25",
                "import_cap_mw": 4.0,
            }
        ],
    )
    p = plan(site, inputs_for(site, [30] * 4))
    assert p.schedule["dr_short_active"].tolist() == [0, 1, 0, 0]
    assert p.kpis["dr_compliance_frac"] < 1.0  # the cap is below the 10 MW HPC load
    assert p.status == "at_risk"
