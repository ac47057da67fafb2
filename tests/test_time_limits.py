"""Time limits: HiGHS stopped with a schedule returns it with its gap; stopped without one,
the planner returns the safe fallback plan.

Both use the bundled sample week (672 x 15 minutes, three fleets, battery, genset), large
enough that HiGHS cannot finish inside the limits used here:

- *without an incumbent*: a 0.01 s limit.  The planner first solves the LP relaxation to
  seed HiGHS (see ``dispatch.solve.HighsSession``); 0.01 s does not even get through it, so
  the MIP starts with no seed and ~1 ms left and stops in presolve, before any incumbent.
- *with an incumbent*: ``mip_rel_gap=0`` (prove optimality: minutes on this horizon) and a
  limit of a few seconds, which the LP relaxation, the rounded seed and the first incumbent
  fit in with room to spare.  On a heavily loaded machine the seed may not be ready in
  time, or HiGHS may stop on the seed before its root LP gives a bound (no gap to report
  yet), so the test tries longer limits before failing.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import OBJ_RTOL
from dispatch import PlanStatus, SolveStatus, check_plan, load_sample, plan


@pytest.fixture(scope="module")
def sample_week():
    return load_sample()


def test_time_limit_with_an_incumbent_returns_it_with_its_gap(sample_week):
    site, inputs = sample_week
    for limit_s in (4.0, 12.0, 30.0):
        p = plan(site, inputs, mip_rel_gap=0.0, time_limit_s=limit_s)
        if p.status != PlanStatus.FALLBACK and p.solve.gap is not None:
            break
    assert p.status == PlanStatus.TIME_LIMIT, p.status_reason
    assert p.solve.status == SolveStatus.TIME_LIMIT
    assert p.solve.highs_time_s <= limit_s * 1.5 + 1.0
    # the incumbent and the proven bound bracket the optimum: a positive gap, reported
    gap = p.solve.gap
    assert gap is not None and gap > 0
    assert p.solve.bound_usd >= p.objective_usd
    assert gap == pytest.approx(
        (p.solve.bound_usd - p.solve.objective_usd) / max(1.0, abs(p.solve.objective_usd))
    )
    assert "time limit" in p.status_reason and "gap" in p.status_reason
    assert p.status.ok
    # the schedule is a real one: valid, and its terms add up to HiGHS's incumbent
    assert check_plan(p) == []
    assert p.objective_usd == pytest.approx(p.solve.objective_usd, rel=OBJ_RTOL)
    assert p.schedule["mining_mw"].sum() > 0


def test_time_limit_without_an_incumbent_returns_the_fallback_plan(sample_week):
    site, inputs = sample_week
    p = plan(site, inputs, time_limit_s=0.01)
    assert p.status == PlanStatus.FALLBACK and not p.status.ok
    assert str(p.mode) == "fallback"
    assert "stopped without a schedule" in p.status_reason and "fallback" in p.status_reason
    s = p.schedule
    # miners off, battery and gensets idle, every MW of HPC served from the grid
    assert (s["mining_mw"] == 0).all() and (s["hashrate_th_s"] == 0).all()
    assert np.allclose(s[["battery_charge_mw", "battery_discharge_mw", "gas_output_mw"]], 0)
    assert (s["hpc_shortfall_mw"] <= 1e-9).all()
    assert np.allclose(s["grid_import_mw"], s["hpc_load_mw"])
    assert check_plan(p) == []  # checked against the fallback's own promises (mode rules)
    assert p.objective_usd == pytest.approx(float(s["profit_total_usd"].sum()))


def test_a_time_limit_does_not_stick_to_a_reused_model(sample_day):
    """The sample day's model is cached: a plan without a limit after one with a tiny
    limit is solved to the gap, as if the limit had never been set."""
    site, inputs = sample_day
    limited = plan(site, inputs, time_limit_s=0.001)
    assert limited.status in (PlanStatus.FALLBACK, PlanStatus.TIME_LIMIT)
    p = plan(site, inputs)
    assert p.status in (PlanStatus.OPTIMAL, PlanStatus.WITHIN_GAP), p.status_reason
    assert check_plan(p) == []
