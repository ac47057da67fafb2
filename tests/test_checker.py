"""The independent schedule checker (dispatch.checker).

Real plans pass it; a schedule with one cell edited by hand breaks exactly the rule the edit
touches (other rules that depend on the same cell may fire too: the test asserts the rule it
is about, once per rule).
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import tiny_site
from dispatch import (
    FleetState,
    Inputs,
    Site,
    SiteState,
    Violation,
    check_plan,
    check_schedule,
    plan,
    site_index,
)

CHECKER = Path(__file__).parents[1] / "dispatch" / "checker"
START = "2026-08-17"


def every_asset_site(**overrides: object) -> Site:
    """A small site with one of everything: two fleets (one underclocks), battery, genset
    with a binding fuel budget, solar, a DR event with cap and credit, demand charge and CP."""
    fields: dict = {
        "timezone": "America/Chicago",
        "interval_minutes": 60,
        "grid": {
            "import_limit_mw": 30.0,
            "export_limit_mw": 5.0,
            "import_adder_usd_per_mwh": 2.0,
            "export_adder_usd_per_mwh": 1.0,
        },
        "hpc_halls": [
            {"name": "hall_a", "it_load_mw": 8.0, "pue": 1.25},
            {"name": "hall_b", "it_load_mw": 4.0, "pue": 1.4},
        ],
        "fleets": [
            {
                "name": "s21",
                "miner": {"model": "S21", "hashrate_th_s": 200.0, "power_w": 3500.0},
                "miners_per_container": 500,
                "containers": 6,
                "container_aux_kw": 20.0,
                "min_up_minutes": 180,
                "min_down_minutes": 120,
                "startup_cost_usd_per_container": 40.0,
                "ramp_limit_containers_per_interval": 2,
                "containers_initially_on": 2,
                "containers_unavailable": 1,
                "outages": [{"start": f"{START} 05:00", "end": f"{START} 08:00", "containers": 2}],
                "pool_fee_frac": 0.02,
            },
            {
                "name": "s19j",
                "miner": {"model": "S19j Pro", "hashrate_th_s": 104.0, "power_w": 3068.0},
                "miners_per_container": 400,
                "containers": 3,
                "power_target": {
                    "min_frac": 0.6,
                    "max_frac": 1.1,
                    "curve_points": [[0.6, 0.72], [0.8, 0.88], [1.0, 1.0], [1.1, 1.04]],
                },
                "containers_initially_on": 3,
            },
        ],
        "battery": {
            "power_mw": 4.0,
            "energy_mwh": 8.0,
            "soc_min_frac": 0.1,
            "soc_initial_frac": 0.5,
            "wear_cost_usd_per_mwh": 3.0,
        },
        "gensets": [
            {
                "name": "gas",
                "units": 2,
                "unit_capacity_mw": 1.5,
                "min_load_frac": 0.4,
                "heat_rate_mmbtu_per_mwh": 9.0,
                "fuel_price_usd_per_mmbtu": 2.0,
                "variable_om_usd_per_mwh": 4.0,
                "startup_cost_usd_per_unit": 30.0,
                "fuel_budget_mmbtu_per_day": 60.0,
            }
        ],
        "solar": {"capacity_mw": 5.0},
        "dr_events": [
            {
                "name": "ers",
                "start": f"{START} 16:00",
                "end": f"{START} 19:00",
                "import_cap_mw": 20.0,
                "baseline_mw": 28.0,
                "credit_usd_per_mwh": 80.0,
                "penalty_usd_per_mwh": 3000.0,
            }
        ],
        "demand_charge": {"rate_usd_per_mw": 900.0, "peak_so_far_mw": 18.0},
        "coincident_peak": {"charge_usd_per_mw": 2000.0},
    }
    fields.update(overrides)
    return tiny_site(**fields)


def every_asset_inputs(site: Site, hours: int = 24) -> Inputs:
    """A hot summer day: a negative-price night, an evening spike, sun at noon."""
    idx = site_index(site, START, hours=hours)
    hour = np.asarray(idx.hour, dtype=float)
    price = 30 + 20 * np.sin((hour - 9) / 24 * 2 * np.pi)
    price[(hour >= 2) & (hour < 4)] = -25.0
    price[(hour >= 17) & (hour < 19)] = [900.0, 2500.0][: int(((hour >= 17) & (hour < 19)).sum())]
    hashprice = np.where(hour < 12, 55.0, 50.0)
    solar = np.clip(np.sin((hour - 6) / 12 * np.pi), 0, None)
    cp = np.where((hour >= 15) & (hour < 19), 0.05, 0.0)
    it = pd.DataFrame(
        {"hall_a": 8.0 + 0.5 * np.cos(hour / 3), "hall_b": 4.0 - 0.3 * np.sin(hour / 5)}, index=idx
    )
    return Inputs(
        price_usd_per_mwh=pd.Series(price, index=idx),
        hashprice_usd_per_ph_day=pd.Series(hashprice, index=idx),
        hpc_it_load_mw=it,
        solar_cf=pd.Series(solar, index=idx),
        cp_probability=pd.Series(cp, index=idx),
    )


@pytest.fixture(scope="module")
def every_plan():
    """Solved to optimality (no MIP gap), so the plan's shape the edits below rely on (the
    fuel budget binding, starts and stops) does not depend on where HiGHS stops."""
    site = every_asset_site()
    inputs = every_asset_inputs(site)
    return plan(site, inputs, mip_rel_gap=0.0)


def rules(found: list[Violation]) -> set[str]:
    return {v.rule for v in found}


def recheck(p, schedule: pd.DataFrame, **kw) -> list[Violation]:
    kw.setdefault("mode", str(p.mode))
    return check_schedule(p.site, p.inputs, schedule, state=p.state_in, **kw)


# --- real plans pass -------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["optimise", "no_miners", "price_blind"])
def test_sample_day_plans_pass(sample_day, mode):
    site, inputs = sample_day
    p = plan(site, inputs, mode=mode)
    assert check_plan(p) == []


def test_every_asset_plan_passes_and_uses_every_asset(every_plan):
    p = every_plan
    assert p.status.ok, p.status_reason
    assert check_plan(p) == []
    s = p.schedule
    # the site is built so that each rule is exercised, not vacuous
    assert s["gas_fuel_mmbtu"].sum() == pytest.approx(60.0, rel=1e-6)  # budget binds
    assert s["battery_discharge_mw"].max() > 0 and s["battery_charge_mw"].max() > 0
    assert s["solar_mw"].max() > 0
    assert (s["s21_starts"] > 0).any() and (s["s21_stops"] > 0).any()
    assert s["s21_containers_available"].min() < s["s21_containers_available"].max()
    assert ((s["s19j_power_frac"] > 0) & (s["s19j_power_frac"] < 1.1)).any() or (
        s["s19j_containers_on"] > 0
    ).any()


@pytest.mark.parametrize("mode", ["no_miners", "price_blind"])
def test_every_asset_counterfactuals_pass(mode):
    site = every_asset_site()
    p = plan(site, every_asset_inputs(site), mode=mode)
    assert check_plan(p) == []


def test_mode_rules(every_plan):
    """The optimised plan runs miners, charges the battery and runs the genset: that breaks
    what a no-miners or a fallback plan promises."""
    p = every_plan
    assert "mode" in rules(recheck(p, p.schedule, mode="no_miners"))
    fallback = [v for v in recheck(p, p.schedule, mode="fallback") if v.rule == "mode"]
    assert {v.detail.split(":")[0].split(" is ")[0] for v in fallback} >= {
        "fleet s21",
        "battery charge",
        "genset gas",
        "solar MW",
    }


# --- one hand-made violation per rule --------------------------------------------------------


def _first(s: pd.DataFrame, mask) -> pd.Timestamp:
    hits = s.index[np.asarray(mask)]
    assert len(hits), "the plan lacks the situation this edit needs"
    return hits[0]


def _add(col: str, delta: float, where: Callable[[pd.DataFrame], object] | None = None):
    def edit(s: pd.DataFrame) -> None:
        ts = s.index[3] if where is None else _first(s, where(s))
        if isinstance(delta, float) and not float(delta).is_integer():
            s[col] = s[col].astype(float)  # counts are int64: a fractional edit needs floats
        s.loc[ts, col] += delta

    return edit


def _set(col: str, value: float, where: Callable[[pd.DataFrame], object] | None = None):
    def edit(s: pd.DataFrame) -> None:
        ts = s.index[3] if where is None else _first(s, where(s))
        s.loc[ts, col] = value

    return edit


def _min_up_breach(s: pd.DataFrame) -> None:
    """Switch every container off right after the first start."""
    k = s.index.get_loc(_first(s, s["s21_starts"] > 0))
    s.loc[s.index[k + 1], "s21_containers_on"] = 0.0


def _min_down_breach(s: pd.DataFrame) -> None:
    """Restart, one interval later, the containers of the first stop not forced by an outage."""
    avail = s["s21_containers_available"]
    k = s.index.get_loc(_first(s, (s["s21_stops"] > 0) & (avail == avail.shift(1))))
    s.loc[s.index[k + 1], "s21_containers_on"] = s["s21_containers_on"].iloc[k - 1]


EDITS = {
    "balance": _add("grid_import_mw", 1.5),
    "grid_limit": _set("grid_import_mw", 31.0),
    "hpc": _add("hpc_load_mw", -0.5),
    "integer": _add("gas_units_on", 0.5),
    "availability": _add(
        "s21_containers_on", 1.0, lambda s: s.s21_containers_on == s.s21_containers_available
    ),
    "mining_power": _add("s21_mining_mw", 0.3, lambda s: s.s21_containers_on > 0),
    "hashrate": _add("s19j_hashrate_th_s", 5_000.0, lambda s: s.s19j_containers_on > 0),
    "starts": _add("s21_starts", 1.0),
    "ramp": _add("s21_containers_on", 3.0, lambda s: s.s21_containers_available >= 5),
    "min_up": _min_up_breach,
    "min_down": _min_down_breach,
    "battery_power": _set("battery_charge_mw", 4.5),
    "battery_soc": _add("battery_soc_mwh", 0.7),
    "battery_end_soc": lambda s: s.__setitem__(
        "battery_soc_mwh", s["battery_soc_mwh"].where(s.index != s.index[-1], 0.9)
    ),
    "battery_simultaneous": lambda s: (
        s.__setitem__(
            "battery_charge_mw", s["battery_charge_mw"].where(s.price_usd_per_mwh > 0, 1.0)
        ),
        s.__setitem__(
            "battery_discharge_mw", s["battery_discharge_mw"].where(s.price_usd_per_mwh > 0, 0.5)
        ),
    ),
    "genset_output": _set("gas_output_mw", 3.2, lambda s: s.gas_units_on == 2),
    "fuel": _add("gas_output_mw", 0.3, lambda s: (s.gas_units_on > 0) & (s.gas_output_mw < 2.5)),
    "solar": _add("solar_mw", 0.5, lambda s: s.solar_mw == s.solar_available_mw),
    "dr": _set("dr_ers_excess_mw", 1.0, lambda s: s.dr_ers_active > 0),
    "demand_charge_peak": _add("billing_peak_mw", 2.0),
    "inputs": _add("price_usd_per_mwh", 1.0),
    "totals": _add("mining_mw", 1.0),
    "profit_energy_cost": _add("profit_energy_cost_usd", -10.0),
    "profit_mining_revenue": _add("profit_mining_revenue_usd", 10.0),
    "profit_startup_cost": _set("profit_startup_cost_usd", 0.0, lambda s: s.s21_starts > 0),
    "profit_fuel_cost": _add("profit_fuel_cost_usd", 1.0, lambda s: s.gas_output_mw > 0),
    "profit_dr_credit": _add("profit_dr_credit_usd", 50.0, lambda s: s.dr_ers_active > 0),
    "profit_demand_charge": _add("profit_demand_charge_usd", -900.0),
    "profit_coincident_peak": _set(
        "profit_coincident_peak_usd", 0.0, lambda s: s.cp_probability > 0
    ),
    "profit_total": _add("profit_total_usd", 25.0),
    "not_finite": _set("grid_export_mw", np.nan),
}


@pytest.mark.parametrize("rule", sorted(EDITS))
def test_one_edit_breaks_its_rule(every_plan, rule):
    s = every_plan.schedule.copy()
    assert recheck(every_plan, s) == []
    EDITS[rule](s)
    found = recheck(every_plan, s)
    assert rule in rules(found), [str(v) for v in found]


def test_missing_column_and_wrong_index(every_plan):
    p = every_plan
    found = recheck(p, p.schedule.drop(columns=["battery_soc_mwh"]))
    assert [(v.rule, v.detail) for v in found] == [
        ("missing_column", "schedule has no column 'battery_soc_mwh'")
    ]
    found = recheck(p, p.schedule.iloc[:-1])
    assert rules(found) == {"index"}


def test_message_names_fleet_count_time_and_availability(sample_day):
    site, inputs = sample_day
    p = plan(site, inputs)
    s = p.schedule.copy()
    ts = pd.Timestamp("2026-08-17 17:00", tz=site.timezone)
    s.loc[ts, "s21_containers_on"] = 12
    found = check_plan(p) + check_schedule(site, inputs, s, state=p.state_in)
    avail = [v for v in found if v.rule == "availability"]
    assert [str(v) for v in avail] == [
        "[availability] fleet s21: 12 containers on at 2026-08-17 17:00 CDT but only 10 available"
    ]
    assert avail[0].interval == ts and avail[0].amount == 2.0


def test_violations_are_json_serialisable(every_plan):
    s = every_plan.schedule.copy()
    s.iloc[5, s.columns.get_loc("grid_import_mw")] += 2.0
    found = recheck(every_plan, s)
    data = json.loads(json.dumps([v.to_dict() for v in found]))
    assert {"interval", "rule", "amount", "detail", "severity"} <= set(data[0])
    assert any(d["rule"] == "balance" and d["amount"] == pytest.approx(2.0) for d in data)


def test_simultaneous_charge_at_a_positive_price_is_only_informational(every_plan):
    p = every_plan
    s = p.schedule.copy()
    # charge and discharge 1 MW each: net zero on the bus, the SOC loses the round-trip
    b = p.site.battery
    loss = (1.0 / b.discharge_efficiency - b.charge_efficiency) * p.site.dt_h
    soc = s["battery_soc_mwh"].to_numpy()
    room = np.minimum.accumulate(soc[::-1])[::-1] - b.soc_min_frac * b.energy_mwh
    ts = _first(s, (s.price_usd_per_mwh > 0) & (room > loss) & (s.battery_charge_mw < 3))
    k = s.index.get_loc(ts)
    s.loc[ts, "battery_charge_mw"] += 1.0
    s.loc[ts, "battery_discharge_mw"] += 1.0
    s.loc[s.index[k:], "battery_soc_mwh"] -= loss
    s.loc[ts, "profit_battery_wear_usd"] -= b.wear_cost_usd_per_mwh * p.site.dt_h
    s.loc[ts, "profit_total_usd"] -= b.wear_cost_usd_per_mwh * p.site.dt_h
    assert [v for v in recheck(p, s) if v.rule != "battery_end_soc"] == []
    infos = [v for v in recheck(p, s, info=True) if v.severity == "info"]
    assert [v.rule for v in infos] == ["battery_simultaneous"]


def test_min_up_counts_starts_carried_in_from_the_state():
    """Containers switched off for a spike at t = 0 are fine from the site file's state, and
    a min-up breach when the state says they were started in the interval before."""
    site = tiny_site(
        fleets=[
            {
                "name": "f",
                "miner": {"model": "m", "hashrate_th_s": 200.0, "power_w": 3500.0},
                "miners_per_container": 500,
                "containers": 2,
                "containers_initially_on": 2,
                "min_up_minutes": 180,
            }
        ]
    )
    idx = site_index(site, START, hours=4)
    inputs = Inputs(
        price_usd_per_mwh=pd.Series([900.0, 900.0, 20.0, 20.0], index=idx),
        hashprice_usd_per_ph_day=pd.Series(55.0, index=idx),
    )
    p = plan(site, inputs)
    s = p.schedule
    assert s["f_containers_on"].tolist() == [0, 0, 2, 2]
    assert check_plan(p) == []
    started = SiteState.initial(site).replace(fleets={"f": FleetState(on=2, recent_starts=(2,))})
    found = check_schedule(site, inputs, s, state=started)
    # min up is 3 intervals: the start just before the horizon binds at t = 0 and t = 1
    assert [(v.rule, v.interval) for v in found] == [("min_up", s.index[0]), ("min_up", s.index[1])]
    # and the planner, given that state, keeps them on
    assert plan(site, inputs, state=started).schedule["f_containers_on"].tolist()[:2] == [2, 2]


def test_fuel_already_used_today_counts_against_the_budget(every_plan):
    p = every_plan
    burnt = float(p.schedule["gas_fuel_mmbtu"].sum())
    state = p.state_in.replace(fuel_used_today_mmbtu={"gas": 10.0}, fuel_day=START)
    found = check_schedule(p.site, p.inputs, p.schedule, state=state)
    fuel = [v for v in found if v.rule == "fuel"]
    assert len(fuel) == 1 and fuel[0].amount == pytest.approx(burnt + 10.0 - 60.0)
    assert "budget is 60" in fuel[0].detail
    other_day = state.replace(fuel_day="2026-08-16")  # yesterday's fuel does not count
    assert check_schedule(p.site, p.inputs, p.schedule, state=other_day) == []


def test_demand_charge_restarts_in_a_new_billing_month():
    site = every_asset_site(dr_events=[], gensets=[], solar=None, coincident_peak=None)
    idx = site_index(site, "2026-08-31 20:00", hours=8)
    inputs = Inputs(
        price_usd_per_mwh=pd.Series(40.0, index=idx),
        hashprice_usd_per_ph_day=pd.Series(50.0, index=idx),
    )
    p = plan(site, inputs)
    assert check_plan(p) == []
    s = p.schedule
    september = s.index.month == 9
    # the new month's first interval pays for its whole peak again
    first_sep = s.index[september][0]
    expected = -900.0 * s.loc[first_sep, "grid_import_mw"]
    assert s.loc[first_sep, "profit_demand_charge_usd"] == pytest.approx(expected, rel=1e-6)


def test_the_checker_does_not_import_the_model():
    trees = [ast.parse(path.read_text()) for path in sorted(CHECKER.glob("*.py"))]
    assert len(trees) > 1  # the package and its rule modules
    imported = {
        node.module
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None
    } | {
        alias.name
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert not {m for m in imported if m.startswith(("dispatch.assets", "dispatch.model"))}
    assert "dispatch.solve" not in imported and "dispatch.planner" not in imported


def test_bad_arguments_are_rejected(every_plan):
    with pytest.raises(ValueError, match="mode must be one of"):
        recheck(every_plan, every_plan.schedule, mode="sometimes")
    with pytest.raises(ValueError, match="tol_mw"):
        check_schedule(every_plan.site, every_plan.inputs, every_plan.schedule, tol_mw=0)


def test_default_state_is_the_site_files(every_plan):
    p = every_plan
    assert p.state_in == SiteState.initial(p.site)
    assert check_schedule(p.site, p.inputs, p.schedule) == []


def test_min_down_does_not_count_containers_out_of_service():
    """A container stopped for a price spike stays off for min down time; the fleet's
    permanently unavailable container is not one of the 'recently stopped' ones."""
    site = tiny_site(
        fleets=[
            {
                "name": "f",
                "miner": {"model": "m", "hashrate_th_s": 200.0, "power_w": 3500.0},
                "miners_per_container": 500,
                "containers": 3,
                "containers_unavailable": 1,
                "containers_initially_on": 2,
                "min_down_minutes": 120,
            }
        ]
    )
    idx = site_index(site, START, hours=5)
    inputs = Inputs(
        price_usd_per_mwh=pd.Series([10.0, 10.0, 500.0, 10.0, 10.0], index=idx),
        hashprice_usd_per_ph_day=pd.Series(55.0, index=idx),
    )
    p = plan(site, inputs)
    assert check_plan(p) == []
    # off for the spike and for min down time (2 intervals) around it: two equal optima
    assert p.schedule["f_containers_on"].tolist() in ([2, 0, 0, 2, 2], [2, 2, 0, 0, 2])


def test_an_outage_larger_than_the_ramp_limit_stops_its_containers_at_once():
    """Four of six running containers go into maintenance at 01:00 and come back at 03:00;
    the ramp limit (1 per interval) binds the operator's moves, not the outage's."""
    site = tiny_site(
        fleets=[
            {
                "name": "f",
                "miner": {"model": "m", "hashrate_th_s": 200.0, "power_w": 3500.0},
                "miners_per_container": 500,
                "containers": 6,
                "containers_initially_on": 6,
                "ramp_limit_containers_per_interval": 1,
                "outages": [{"start": f"{START} 01:00", "end": f"{START} 03:00", "containers": 4}],
            }
        ]
    )
    idx = site_index(site, START, hours=5)
    inputs = Inputs(
        price_usd_per_mwh=pd.Series(20.0, index=idx),
        hashprice_usd_per_ph_day=pd.Series(50.0, index=idx),
    )
    p = plan(site, inputs)
    assert p.status.ok, p.status_reason  # not the fallback plan
    assert p.schedule["f_containers_on"].tolist() == [6, 2, 2, 3, 4]  # back one at a time
    assert check_plan(p) == []
    blind = plan(site, inputs, mode="price_blind")  # the ramp limit holds there too
    assert blind.schedule["f_containers_on"].tolist() == [6, 2, 2, 3, 4]
    assert check_plan(blind) == []
    s = p.schedule.copy()
    s.loc[idx[1], "f_containers_on"] = 0.0  # 6 stops: the outage's 4 + 2 (ramp limit 1)
    found = [v for v in check_schedule(site, inputs, s) if v.rule == "ramp"]
    # 6 stops at 01:00 (limit 1 + 4), then 2 starts at 02:00 (limit 1)
    assert [(v.interval, v.amount) for v in found] == [(idx[1], 1.0), (idx[2], 1.0)]
    assert "(+4 forced by the ceiling's fall)" in found[0].detail


def test_demand_charge_is_charged_when_the_peak_is_set():
    """5 MW of HPC for four hours, then 10 MW: the peak is set twice, at 00:00 and 04:00."""
    site = tiny_site(
        hpc_halls=[{"name": "h", "it_load_mw": 5.0, "pue": 1.0}],
        demand_charge={"rate_usd_per_mw": 1000.0},
    )
    idx = site_index(site, START, hours=8)
    inputs = Inputs(
        price_usd_per_mwh=pd.Series(30.0, index=idx),
        hashprice_usd_per_ph_day=pd.Series(50.0, index=idx),
        hpc_it_load_mw=pd.DataFrame({"h": [5.0] * 4 + [10.0] * 4}, index=idx),
    )
    p = plan(site, inputs)
    s = p.schedule
    assert s["profit_demand_charge_usd"].sum() == pytest.approx(-10_000.0)  # holds today
    assert p.state_at(idx[4]).peak_so_far_mw == pytest.approx(5.0)
    assert s["billing_peak_mw"].tolist() == [5.0] * 4 + [10.0] * 4
    assert s["profit_demand_charge_usd"].tolist() == [-5000.0, 0, 0, 0, -5000.0, 0, 0, 0]
    assert check_plan(p) == []


def test_a_schedule_read_back_from_csv_is_checked(sample_day, tmp_path):
    """Ops tooling edits schedule.csv (ISO timestamps with offsets, full precision, counts as
    integers and flags as True/False, as the CLI writes it) and checks it at the default
    tolerances; an edit is caught."""
    from dispatch.cli.plan import schedule_csv

    site, inputs = sample_day
    p = plan(site, inputs)
    path = tmp_path / "schedule.csv"
    path.write_text(schedule_csv(p.schedule))
    back = pd.read_csv(path, index_col="interval_start")
    assert back["s21_containers_on"].dtype == "int64" and back["dr_active"].dtype == bool
    assert check_schedule(site, inputs, back, state=p.state_in) == []
    back.loc["2026-08-17T17:00:00-05:00", "s21_containers_on"] = 12
    found = check_schedule(site, inputs, back, state=p.state_in)
    assert "fleet s21: 12 containers on at 2026-08-17 17:00 CDT but only 10 available" in [
        v.detail for v in found
    ]
    naive = back.set_axis([ts[:19] for ts in back.index])  # offsets dropped: ambiguous
    assert [v.rule for v in check_schedule(site, inputs, naive)] == ["index"]


def test_a_hashrate_within_the_solvers_tolerance_in_ph_s_passes(every_plan):
    """The model solves the power-target fleet's hashrate in PH/s; HiGHS's tolerance there
    (1e-8 PH/s below zero, seen on an ERCOT 2023 day) is 1e-5 TH/s in the schedule, which
    is no violation; a thousandth of a TH/s below zero still is."""
    s = every_plan.schedule.copy()
    off = _first(s, s.s19j_containers_on == 0)
    s.loc[off, "s19j_hashrate_th_s"] = -1.3e-5
    assert recheck(every_plan, s) == []
    s.loc[off, "s19j_hashrate_th_s"] = -2e-3
    assert rules(recheck(every_plan, s)) == {"hashrate"}
