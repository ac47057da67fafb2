"""The transition study: spec errors, money, hashprice paths, and operations equal to plan()."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import REPO
from dispatch import ConfigError, Site, backtest, load_inputs
from dispatch.transition.designs import Config, Design, Layout
from dispatch.transition.finance import cash_flows, irr, npv, payback_year
from dispatch.transition.operations import Task, relative_windows, run_task, yearly
from dispatch.transition.periods import RepDay, RepDays
from dispatch.transition.scenarios import halving_dates, mean_subsidy_btc
from dispatch.transition.spec import StudySpec

STUDY_SITE = REPO / "data" / "sample_study_site.yaml"
#: the typical-day value of a fixed design vs its full-year backtest, share of the margin
GAP_BOUND_FRAC = 0.03
OBJ_RTOL = 1e-3  # both sides solve to the backtest's MIP gap


def spec(**fields: object) -> dict:
    raw: dict = {
        "name": "t",
        "site": "site.yaml",
        "history": {"prices": "p.csv", "network": "n.csv", "years": [2023]},
    }
    raw.update(fields)
    return raw


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"hpc": {"new_build_capex": 9.5}}, r"hpc\.new_build_capex: needs a unit.*9\.5 M USD/MW"),
        ({"hpc": {"lease": "125 k USD/MW"}}, r"hpc\.lease: unit USD/MW is not accepted"),
        ({"discount_rate": 1.5}, r"discount_rate: 1\.5 is above 1"),
        (
            {
                "scenarios": [
                    {
                        "name": "a",
                        "probability": 0.5,
                        "btc_price_growth_per_year": 0,
                        "hashrate_growth_per_year": 0,
                    },
                    {
                        "name": "b",
                        "probability": 0.3,
                        "btc_price_growth_per_year": 0,
                        "hashrate_growth_per_year": 0,
                    },
                ]
            },
            r"scenarios: probabilities sum to 0\.8, they must sum to 1",
        ),
        ({"hpc": {"colour": "red"}}, r"hpc\.colour: unknown key"),
    ],
)
def test_bad_study_fields_are_clear_errors(fields: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=rf"^study\.yaml: .*{message}"):
        StudySpec.from_dict(spec(**fields), source="study.yaml")


def test_block_larger_than_the_interconnection_names_file_and_field(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(STUDY_SITE.read_text())
    path = tmp_path / "study.yaml"
    path.write_text(
        "name: t\nsite: site.yaml\nhistory: {prices: p, network: n, years: [2023]}\n"
        "hpc: {block_it_mw: 90, pue: 1.3}\n"
    )
    with pytest.raises(ConfigError, match=r"study\.yaml: hpc\.block_it_mw: .*117 MW.*100 MW"):
        StudySpec.from_yaml(path)


def test_money_units_convert_to_canonical() -> None:
    s = StudySpec.from_dict(
        spec(hpc={"new_build_capex": "9500 USD/kW", "lease": "1.5 M USD/MW-year"})
    )
    assert s.hpc.new_build_capex == pytest.approx(9.5e6)
    assert s.hpc.lease == pytest.approx(125_000)


def test_npv_irr_payback_known_values() -> None:
    flows = np.array([-100.0, 60.0, 60.0])
    assert npv(flows, 0.0) == pytest.approx(20.0)
    assert npv(flows, 0.1) == pytest.approx(-100 + 60 / 1.1 + 60 / 1.21)
    r = irr(flows)
    assert r is not None and npv(flows, r) == pytest.approx(0.0, abs=1e-5)
    assert r == pytest.approx(0.1306623, abs=1e-6)
    assert payback_year(flows) == 2
    assert irr(np.array([1.0, 1.0])) is None


def test_halvings_follow_the_block_schedule() -> None:
    first, second = halving_dates(2)
    assert first.strftime("%Y-%m-%d") == "2028-04-17"
    assert second.strftime("%Y-%m-%d") == "2032-04-14"
    assert mean_subsidy_btc(2027) == 3.125
    assert 1.5625 < mean_subsidy_btc(2028) < 3.125


def _week_inputs(site: Site):
    from dispatch import sample_paths

    paths = sample_paths()
    return load_inputs(
        site,
        prices=paths["prices"],
        hashprice=paths["hashprice"],
        start="2026-08-17",
        end="2026-08-24",
    )


def test_fixed_design_operating_value_equals_backtest_profit() -> None:
    """Every day its own representative (no aggregation): the study's operating value is the
    sum of the backtest's profit terms over the same days (no look-ahead, same gap)."""
    base = Site.from_yaml(STUDY_SITE)
    study_spec = StudySpec.from_dict(spec(site=str(STUDY_SITE)))
    layout = Layout(study_spec, base)
    site = layout.site(Config(0, layout.existing, 0))
    inputs = _week_inputs(site)
    dates = pd.date_range("2026-08-17", periods=7, freq="D")
    days = []
    for d in dates:
        start = pd.Timestamp(d, tz=site.timezone)
        days.append(RepDay(2026, d, start, start + pd.Timedelta(days=1), 1.0, "day"))
    hp_mean = float(inputs.hashprice_usd_per_ph_day.mean())
    rep = RepDays(tuple(days), {2026: 7}, {2026: hp_mean})
    levels = np.full((7, 1), hp_mean)  # relative x mean = the day's own hashprice
    study_value = yearly(
        run_task(Task(site, relative_windows(inputs, rep), levels)).profit_usd, rep
    )
    bt = backtest(site, inputs, "2026-08-17", "2026-08-24", lookahead="0h")
    terms = {k: v for k, v in bt.totals["optimise"].items() if k.startswith("profit_")}
    backtest_sum = sum(v for k, v in terms.items() if k != "profit_total_usd")
    assert backtest_sum == pytest.approx(bt.totals["optimise"]["profit_total_usd"])
    assert study_value[2026][0] == pytest.approx(backtest_sum, rel=OBJ_RTOL)


def test_cash_flows_lease_capex_and_phasing() -> None:
    base = Site.from_yaml(STUDY_SITE)
    s = StudySpec.from_dict(
        spec(
            site=str(STUDY_SITE),
            horizon_years=4,
            hpc={
                "block_it_mw": 10,
                "pue": 1.25,
                "lead_time_years": 1,
                "retrofit": False,
                "fixed_om": "0 USD/MW-year",
                "phasing": [{}, {"blocks_per_year": 1}],
            },
            mining={"fixed_om": "0 USD/MW-year"},
        )
    )
    lay = Layout(s, base)
    fleet = lay.trim(lay.existing, 2)
    flows = cash_flows(lay, Design(Config(2, fleet, 0)), np.full(4, 50.0), lambda c, hp: 0.0)
    assert flows.loc[0, "capex_hpc_usd"] == pytest.approx(-2 * 10 * 9.5e6)
    assert list(flows["hpc_lease_usd"]) == pytest.approx([0, 0, 2 * 15e6, 2 * 15e6, 2 * 15e6])
    phased = cash_flows(lay, Design(Config(2, fleet, 0), 1), np.full(4, 50.0), lambda c, hp: 0.0)
    assert list(phased["hpc_lease_usd"]) == pytest.approx([0, 0, 15e6, 30e6, 30e6])
    assert phased.loc[1, "capex_hpc_usd"] == pytest.approx(-95e6)
    # before the second block comes online, the retired containers keep mining
    year2 = lay.year_config(Design(Config(2, fleet, 0), 1), 2)
    assert year2.blocks == 1 and lay.mining_mw(year2.containers) > lay.mining_mw(fleet)
