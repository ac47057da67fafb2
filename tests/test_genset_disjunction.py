"""The genset's disjunction (no start / a start) proves a day the LP relaxation cannot.

A 10 MW grid (50 USD/MWh) feeds a hall of 10 MW that needs 11.25 MW in one hour of four:
the genset (one 2 MW unit, minimum load 1 MW, 200 USD a start, fuel 60 USD/MWh, dearer than
the grid) must cover 1.25 MW.  The LP relaxation runs 0.625 of the unit and pays 0.625 of a
start: 4 x 500 + 75 + 125 = 2,200 USD of cost.  Every integer schedule starts the unit for
that hour: 2,000 + 75 + 200 = 2,275 USD.  The branch "no start" leaves 1.25 MW of HPC load
unserved (lost load); the branch ">= 1 starts" pays the start in full, and its
relaxation's optimum is the integer optimum: proven without branch and bound.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import tiny_site
from dispatch import Inputs, plan, site_index
from dispatch.assets.base import Values
from dispatch.assets.genset import GensetAsset

OBJ_RTOL = 1e-9


def _site():  # type: ignore[no-untyped-def]
    return tiny_site(
        grid={"import_limit_mw": 10.0},
        hpc_halls=[{"name": "hall", "it_load_mw": 10.0, "pue": 1.0}],
        gensets=[
            {
                "name": "g",
                "units": 1,
                "unit_capacity_mw": 2.0,
                "min_load_frac": 0.5,
                "heat_rate_mmbtu_per_mwh": 10.0,
                "fuel_price_usd_per_mmbtu": 6.0,
                "startup_cost_usd_per_unit": 200.0,
            }
        ],
    )


def test_the_disjunction_proves_the_one_start() -> None:
    site = _site()
    idx = site_index(site, "2026-01-05", hours=4)
    hall = pd.DataFrame({"hall": [10.0, 10.0, 11.25, 10.0]}, index=idx)
    inputs = Inputs(
        price_usd_per_mwh=pd.Series(50.0, index=idx),
        hashprice_usd_per_ph_day=pd.Series(50.0, index=idx),
        hpc_it_load_mw=hall,
    )
    p = plan(site, inputs, mip_rel_gap=1e-6)
    # hour 3: the genset's 1.25 MW at 60 USD/MWh; one start
    expected = -(4 * 10.0 * 50.0 + 1.25 * 60.0 + 200.0)
    assert p.objective_usd == pytest.approx(expected, rel=OBJ_RTOL)
    assert "no start / g: >= 1 starts" in p.solve.message
    assert np.allclose(p.schedule["g_units_on"], [0, 0, 1, 0])
    # the bound is the better branch's: the start paid in full
    assert p.solve.bound_usd == pytest.approx(expected, rel=1e-6)


def test_disjunctions_only_for_a_fractional_start_count() -> None:
    asset = GensetAsset(_site().gensets[0], 1.0)
    block = type("B", (), {"unit_starts": object()})()
    none = Values({"unit_starts": np.array([0.0, 1.0, 0.0]), "units_on": np.ones(3)})
    assert asset.disjunctions(block, none) == []
    (first,) = asset.disjunctions(block, Values({"unit_starts": np.array([0.0, 0.25, 0.0])}))
    assert [b.name for b in first] == ["g: no start", "g: >= 1 starts"]
    assert first[0].bounds == ((block.unit_starts, 0.0, 0.0),)
    (more,) = asset.disjunctions(block, Values({"unit_starts": np.array([1.0, 0.5, 0.25])}))
    assert [b.name for b in more] == ["g: <= 1 starts", "g: >= 2 starts"]
