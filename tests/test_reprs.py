"""The analyst's view: short reprs and HTML tables, KPIs as pandas objects, a long schedule,
pandas conventions (integer counts, boolean flags, one datetime unit)."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import tiny_site
from dispatch import Inputs, backtest, buffer_report, plan

FLEET = {
    "name": "f",
    "miner": {"model": "m", "hashrate_th_s": 100.0, "power_w": 3000.0},
    "miners_per_container": 1000,
    "containers": 3,
}


@pytest.fixture(scope="module")
def tiny():
    site = tiny_site(hpc_halls=[{"name": "hall", "it_load_mw": 20.0, "pue": 1.0}], fleets=[FLEET])
    index = pd.date_range("2026-01-05", periods=48, freq="h", tz="UTC")
    price = pd.Series([300.0 if h % 24 in (17, 18) else 30.0 for h in range(48)], index=index)
    return site, Inputs(price, pd.Series(50.0, index=index))


def test_plan_repr_is_one_short_line_and_html_a_table(tiny) -> None:
    site, inputs = tiny
    p = plan(site, inputs.window(inputs.index[0], inputs.index[24]))
    text = repr(p)
    assert len(text) < 300 and "\n" not in text
    assert text.startswith("<Plan 'tiny' optimal: 2026-01-05 00:00 UTC, 24 h (24 x 60 min)")
    assert f"profit {p.objective_usd:,.0f} USD" in text
    html = p._repr_html_()
    assert html.startswith("<table>") and "optimal: optimal" not in html
    assert "DR compliance" not in html  # no DR event: nothing to report
    assert p.kpi_table["profit_by_term_usd"]["total"] == pytest.approx(p.objective_usd)
    assert p.kpi_table.loc[("peak_import_mw", "")] == pytest.approx(p.kpis["peak_import_mw"])
    assert p.schedule["f_containers_on"].dtype == "int64"
    assert p.schedule["dr_active"].dtype == bool
    assert p.schedule.index.dtype == "datetime64[us, UTC]"
    long = p.schedule_long()
    assert list(long.columns) == ["interval_start", "asset", "quantity", "value"]
    assert len(long) == p.schedule.size
    mining = long[(long.asset == "f") & (long.quantity == "mining_mw")]
    assert mining["value"].sum() == pytest.approx(p.schedule["f_mining_mw"].sum())
    report = buffer_report(p)
    assert repr(report).startswith("<BufferReport profit ") and len(repr(report)) < 300
    assert "<table>" in report._repr_html_()
    assert report.kpi_table["value_of_mining_usd"].iloc[0] == pytest.approx(
        report.value_of_mining_usd
    )


def test_backtest_result_repr_and_date_conventions(tiny) -> None:
    site, inputs = tiny
    r = backtest(site, inputs, "2026-01-05", "2026-01-07", lookahead="0h")
    text = repr(r)
    assert "2026-01-05 to 2026-01-06 (end exclusive 2026-01-07)" in text and len(text) < 300
    assert "<table" in r._repr_html_()
    row = r.kpi_table.iloc[0]
    assert (row["start"], row["last_day"], row["end_exclusive"]) == (
        "2026-01-05",
        "2026-01-06",
        "2026-01-07",
    )
    assert str(r.daily.index.tz) == "UTC" and r.daily.index.dtype == "datetime64[us, UTC]"
    assert isinstance(r.monthly.index, pd.PeriodIndex)
    assert r.daily["dr_intervals"].dtype == "int64"
