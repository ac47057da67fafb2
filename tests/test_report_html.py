"""The HTML report reads on a phone and says the day in words and in an hourly table: a
viewport tag, the hashprice and breakevens in text, containers per fleet and MW by use per
hour, the status once, and no DR compliance without a DR event."""

from __future__ import annotations

import pandas as pd

from conftest import tiny_site
from dispatch import Inputs, buffer_report, plan
from dispatch.report import hourly_dispatch_rows, html_report

FLEET = {
    "name": "f",
    "miner": {"model": "m", "hashrate_th_s": 100.0, "power_w": 3000.0},
    "miners_per_container": 1000,
    "containers": 3,
}


def test_html_report_has_viewport_hourly_table_and_economics_in_text() -> None:
    site = tiny_site(
        interval_minutes=15,
        hpc_halls=[{"name": "hall", "it_load_mw": 20.0, "pue": 1.0}],
        fleets=[FLEET],
    )
    index = pd.date_range("2026-01-05", periods=8, freq="15min", tz="UTC")
    price = pd.Series([20.0, 20.0, 20.0, 20.0, 300.0, 300.0, 30.0, 30.0], index=index)
    p = plan(site, Inputs(price, pd.Series(50.0, index=index)))
    header, rows = hourly_dispatch_rows(p)
    assert header[:3] == ["hour (UTC)", "price USD/MWh", "f on"]
    assert [r[0] for r in rows] == ["00:00", "01:00"]
    assert rows[0][1] == "20.00" and rows[0][2] == "3"  # cheap hour: every container on
    assert rows[1][1] == "165.00"  # the hour's mean price
    page = html_report(p, buffer_report(p), images=[])
    assert "<meta name='viewport' content='width=device-width, initial-scale=1'>" in page
    assert "Hour by hour" in page and "Hashprice 50.0 USD/PH/day" in page
    breakeven = p.schedule["f_breakeven_usd_per_mwh"].mean()
    assert f"f {breakeven:,.0f}" in page
    assert "optimal - optimal" not in page and "<b>optimal</b></p>" in page
    assert "DR compliance" not in page
