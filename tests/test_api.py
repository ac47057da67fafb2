"""The public API: what `dispatch` exports is exactly its `__all__`, and the plan is JSON-ready."""

from __future__ import annotations

import json
import types

import pandas as pd
import pytest

import dispatch
from dispatch import PlanStatus, plan


def test_public_names_are_exactly_all() -> None:
    # the names are imported on first use (dispatch.__getattr__): resolve them all first
    for name in dispatch.__all__:
        assert getattr(dispatch, name) is not None
    assert set(dispatch.__all__) <= set(dir(dispatch))
    public = {
        name
        for name, value in vars(dispatch).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(dispatch.__all__) - {"__version__"}
    with pytest.raises(AttributeError):
        dispatch.no_such_name  # noqa: B018


def test_plan_exports_json_with_status_kpis_and_schedule(sample_day, tmp_path) -> None:
    site, inputs = sample_day
    p = plan(site, inputs)
    path = tmp_path / "plan.json"
    p.to_json(path)
    data = json.loads(path.read_text())
    assert data["status"] == p.status.value
    assert data["objective_usd"] == pytest.approx(p.objective_usd)
    assert data["kpis"]["profit_by_term_usd"]["total"] == pytest.approx(p.objective_usd)
    frame = pd.DataFrame(**{k: data["schedule"][k] for k in ("columns", "data")})
    assert len(frame) == len(p.schedule) == 96
    assert set(data["state_out"]["fleets"]) == {f.name for f in site.fleets}
    assert not list(tmp_path.glob(".plan.json*"))  # no temporary file left behind


def test_kpis_add_up(sample_day) -> None:
    site, inputs = sample_day
    p = plan(site, inputs)
    k = p.kpis
    e = k["energy_mwh"]
    assert e["mining"] == pytest.approx(sum(e[f"mining_{f.name}"] for f in site.fleets))
    supply = e["grid_import"] - e["grid_export"] + e["genset_gas"] + e["battery_discharge"]
    use = e["hpc_served"] + e["mining"] + e["battery_charge"]
    assert supply == pytest.approx(use, rel=1e-9)
    profit = dict(k["profit_by_term_usd"])
    total = profit.pop("total")
    assert sum(profit.values()) == pytest.approx(total)
    assert 0 <= k["mining_uptime_frac"]["total"] <= 1
    assert k["peak_import_mw"] == pytest.approx(p.schedule["grid_import_mw"].max())
    assert p.status in (PlanStatus.OPTIMAL, PlanStatus.WITHIN_GAP)


def test_end_state_carries_the_last_interval(sample_day) -> None:
    site, inputs = sample_day
    p = plan(site, inputs)
    end = p.end_state()
    last = p.schedule.iloc[-1]
    for f in site.fleets:
        assert end.fleets[f.name].on == last[f"{f.name}_containers_on"]
    assert end.battery_soc_mwh == pytest.approx(last["battery_soc_mwh"])
    middle = p.schedule.index[48]
    assert p.state_at(middle).battery_soc_mwh == pytest.approx(
        p.schedule["battery_soc_mwh"].iloc[47]
    )
    with pytest.raises(ValueError, match="interval boundary"):
        p.state_at(p.schedule.index[0])
