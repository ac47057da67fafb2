"""The AI swing headroom's cost: the profit the plan gives up to hold it, against the same plan
re-solved without the rule, on tiny sites whose optima follow by hand; no extra solve when no
hall swings; the reports carry it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from conftest import OBJ_RTOL, tiny_site
from dispatch import Inputs, buffer_report, plan
from dispatch import buffer as buffer_module
from dispatch.report import buffer_rows, summary_rows

IDX = pd.date_range("2026-03-02", periods=2, freq="h", tz="UTC")
# one 2 MW container (1000 miners x 2000 W, 100 TH/s each: 20 J/TH); hashprice 48 -> breakeven
# 48 * 1000 / (20 * 24) = 100 USD/MWh
FLEET = {
    "name": "f",
    "miner": {"model": "m", "hashrate_th_s": 100.0, "power_w": 2000.0},
    "miners_per_container": 1000,
    "containers": 1,
}
BATTERY = {
    "power_mw": 4.0,
    "energy_mwh": 4.0,
    "soc_initial_frac": 0.0,
    "charge_efficiency": 1.0,
    "discharge_efficiency": 1.0,
}


def inputs(prices: list[float], reserve: dict[str, float] | None = None) -> Inputs:
    return Inputs(
        price_usd_per_mwh=pd.Series(prices, index=IDX, dtype=float),
        hashprice_usd_per_ph_day=pd.Series(48.0, index=IDX),
        reserve_price_usd_per_mw_h={k: pd.Series(v, index=IDX) for k, v in (reserve or {}).items()},
    )


def test_holding_the_headroom_blocks_a_battery_charge() -> None:
    # import limit 6, hall 3 MW swinging 50 % (1.5 MW); prices 10 then 150.
    # Without the rule: hour 1 charges 3 MW (all the room; worth 150 - 10 = 140 USD/MWh, more
    # than mining's 100 - 10 = 90), hour 2 discharges 3 MW: -480 (HPC) + 420 = -60 USD.
    # With it: 6 - 3 - charge >= 1.5 (mining counts on both sides: it draws through the
    # import and can shed) -> charge <= 1.5: 1.5 x 140 = 210, or charge 1 and mine 2 MW with
    # the rest: 140 + 180 = 320: -160 USD.  Cost = -60 - (-160) = 100 USD; in hour 1 the
    # import sits at its limit and the 1.5 MW swing is held by the running miners.
    site = tiny_site(
        grid={"import_limit_mw": 6.0},
        hpc_halls=[{"name": "hall", "it_load_mw": 3.0, "pue": 1.0, "swing_frac": 0.5}],
        fleets=[FLEET],
        battery=BATTERY,
    )
    p = plan(site, inputs([10.0, 150.0]))
    assert p.objective_usd == pytest.approx(-160.0, rel=OBJ_RTOL)
    assert np.allclose(p.schedule["battery_charge_mw"], [1.0, 0.0])
    h = buffer_report(p).swing_headroom
    assert h is not None
    assert h["needed_mw_max"] == pytest.approx(1.5)
    assert h["held_mwh"] == pytest.approx(3.0) and h["short_mwh"] == pytest.approx(0.0)
    assert h["from_mining_mw_max"] == pytest.approx(1.5)
    assert h["intervals_relying_on_mining"] == 1
    assert h["profit_without_usd"] == pytest.approx(-60.0, rel=OBJ_RTOL)
    assert h["cost_usd"] == pytest.approx(100.0, rel=1e-6)
    assert h["counterfactual"]["mode"] == "no_swing_headroom"
    assert h["counterfactual"]["available"]


def test_holding_the_headroom_limits_the_reserve_sold() -> None:
    # limit 4.5, hall 2 MW swinging 50 % (1 MW), mining 2 MW at price 40 (< breakeven 100),
    # ECRS at 30 USD/MW-h: 4.5 - 4 + (2 - offer) >= 1 -> offer <= 1.5 instead of 2, so the
    # rule costs 0.5 MW x 30 USD/MW-h x 2 h = 30 USD
    site = tiny_site(
        grid={"import_limit_mw": 4.5},
        hpc_halls=[{"name": "hall", "it_load_mw": 2.0, "pue": 1.0, "swing_frac": 0.5}],
        fleets=[FLEET],
        reserve_products=[{"name": "ecrs", "providers": ["f"]}],
    )
    p = plan(site, inputs([40.0, 40.0], {"ecrs": 30.0}))
    report = buffer_report(p)
    h = report.swing_headroom
    assert np.allclose(p.schedule["reserve_ecrs_f_mw"], 1.5)
    assert h["cost_usd"] == pytest.approx(30.0, rel=1e-6)
    # spare import 0.5 MW, the other 0.5 MW of the swing held by mining not sold
    assert h["from_mining_mw_max"] == pytest.approx(0.5)
    # it reaches the reports: plan.json, the buffer table (HTML) and the summary
    doc = json.loads(p.to_json(buffer=report))
    assert doc["buffer"]["swing_headroom"]["cost_usd"] == pytest.approx(30.0, rel=1e-6)
    rows = dict(buffer_rows(report))
    assert "cost 30 USD" in rows["AI swing headroom"]
    assert dict(summary_rows(p, report))["AI swing headroom cost"].startswith("30 USD")
    assert ("swing_headroom", "cost_usd") in report.kpi_table.index


def test_headroom_not_held_costs_nothing_but_is_reported() -> None:
    # hall 5.8 MW swinging 50 % (2.9 MW) under a 6 MW limit, nothing on site can make room:
    # 2.7 MW short in both hours; the shortfall penalty is a price on the rule, not money,
    # so the plan's profit without it equals the plan re-solved without the rule: cost 0
    site = tiny_site(
        grid={"import_limit_mw": 6.0},
        hpc_halls=[{"name": "hall", "it_load_mw": 5.8, "pue": 1.0, "swing_frac": 0.5}],
        fleets=[FLEET],
    )
    p = plan(site, inputs([40.0, 40.0]))
    h = buffer_report(p).swing_headroom
    assert h["short_mwh"] == pytest.approx(2 * 2.7)
    assert h["shortfall_penalty_usd"] < 0
    assert h["profit_with_usd"] == pytest.approx(-5.8 * 40.0 * 2, rel=OBJ_RTOL)
    assert h["cost_usd"] == pytest.approx(0.0, abs=1e-6)
    assert "NOT held" in dict(buffer_rows(buffer_report(p)))["AI swing headroom"]


def test_plans_without_a_swinging_hall_solve_nothing_more(monkeypatch) -> None:
    calls: list[str] = []
    real = buffer_module.solve_plan

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(str(kwargs.get("mode")))
        return real(*args, **kwargs)

    monkeypatch.setattr(buffer_module, "solve_plan", counting)
    hall = {"name": "hall", "it_load_mw": 2.0, "pue": 1.0}
    site = tiny_site(grid={"import_limit_mw": 4.5}, hpc_halls=[hall], fleets=[FLEET])
    report = buffer_report(plan(site, inputs([40.0, 40.0])))
    assert report.swing_headroom is None and len(calls) == 2
    assert "AI swing headroom" not in dict(buffer_rows(report))
    swinging = tiny_site(
        grid={"import_limit_mw": 4.5}, hpc_halls=[{**hall, "swing_frac": 0.2}], fleets=[FLEET]
    )
    calls.clear()
    assert buffer_report(plan(swinging, inputs([40.0, 40.0]))).swing_headroom is not None
    assert len(calls) == 3
