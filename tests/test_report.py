"""Charts, HTML report and summary: what a reader needs is on them, and the HTML stands alone."""

from __future__ import annotations

import base64
import dataclasses
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from conftest import tiny_site
from dispatch import Inputs, buffer_report, plan, site_index
from dispatch.report import (
    hpc_rise_markers,
    html_report,
    plan_figure,
    png_bytes,
    power_figure,
    profit_figure,
    summary_rows,
    summary_table,
    value_figure,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def sample(sample_day):
    site, inputs = sample_day
    p = plan(site, inputs)
    return p, buffer_report(p)


def test_power_chart_has_a_mw_panel_and_a_price_panel_below(sample) -> None:
    p, _ = sample
    fig = power_figure(p)
    ax, price_ax = fig.axes
    assert "MW" in ax.get_ylabel() and "USD" not in ax.get_ylabel()
    assert "USD/MWh" in price_ax.get_ylabel() and "symlog" in price_ax.get_ylabel()
    assert price_ax.get_yscale() == "symlog" and ax.get_yscale() == "linear"
    assert price_ax.get_shared_x_axes().joined(ax, price_ax)
    assert p.site.name in ax.get_title() and "2026-08-17" in ax.get_title()
    labels = {t.get_text() for t in ax.get_legend().get_texts()}
    expected = {"HPC load served", "HPC load", "grid import", "import limit", "DR window"}
    expected |= {f"mining {f.name}" for f in p.site.fleets}
    expected |= {"battery charging", "battery discharging (supply, below 0)"}
    expected |= {"HPC rise >= 1 MW at the import limit"}
    assert expected <= labels
    assert not any("price" in label or "breakeven" in label for label in labels)
    price_labels = {t.get_text() for t in price_ax.get_legend().get_texts()}
    assert {"price + import adder", *(f"breakeven {f.name}" for f in p.site.fleets)} <= price_labels
    # the price axis reaches the spike without clipping it
    assert price_ax.get_ylim()[1] > p.schedule["price_usd_per_mwh"].max()
    assert png_bytes(fig).startswith(PNG_MAGIC)


def test_the_ai_load_rises_and_minings_response_are_on_the_chart(sample) -> None:
    p, _ = sample
    rises = hpc_rise_markers(p)
    at_limit = rises[rises["at_import_limit"]]
    assert len(at_limit) >= 5  # the sample Monday: a training job starts at 09:30
    ax = power_figure(p).axes[0]
    (filled,) = [c for c in ax.collections if c.get_label().endswith("at the import limit")]
    assert len(filled.get_offsets()) == len(at_limit)
    np.testing.assert_allclose(filled.get_offsets()[:, 1], at_limit["hpc_mw"])
    notes = [t.get_text() for t in ax.texts]
    assert len(notes) == 3 and all(n.startswith("AI +") and "mining -" in n for n in notes)
    # the 09:30-10:00 job start: its two rising intervals, summed
    start = rises.loc["2026-08-17 09:30":"2026-08-17 09:45"]
    assert f"AI +{start['hpc_rise_mw'].sum():.1f} MW" in " ".join(notes)


def test_value_panel_draws_the_two_values_as_bars(sample) -> None:
    p, r = sample
    ax = value_figure(r).axes[0]
    widths = [bar.get_width() for bar in ax.patches]
    assert widths == pytest.approx([r.value_of_flexibility_usd, r.value_of_mining_usd])
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[0].startswith("value of flexibility") and ticks[1].startswith("value of mining")
    fig = plan_figure(p, r)
    assert len(fig.axes) == 3 and fig.axes[2].get_xlabel() == ax.get_xlabel()


def test_value_panel_says_why_a_value_is_missing(sample) -> None:
    _, r = sample
    gone = dataclasses.replace(r.price_blind, available=False, reason="ramp limit", profit_usd=None)
    r2 = dataclasses.replace(r, price_blind=gone, value_of_flexibility_usd=None)
    ax = value_figure(r2).axes[0]
    assert [bar.get_width() for bar in ax.patches] == pytest.approx([0.0, r.value_of_mining_usd])
    assert any("n/a: price blind unavailable (ramp limit)" in t.get_text() for t in ax.texts)


def test_a_week_long_chart_draws_without_warnings() -> None:
    site = tiny_site(
        hpc_halls=[{"name": "hall", "it_load_mw": 60.0, "pue": 1.0}],
        fleets=[
            {
                "name": "f",
                "miner": {"model": "t", "hashrate_th_s": 100.0, "power_w": 2000.0},
                "miners_per_container": 1000,
                "containers": 20,
            }
        ],
    )
    idx = site_index(site, "2026-01-05", hours=168)
    hour = np.arange(168)
    inputs = Inputs(
        price_usd_per_mwh=pd.Series(40 + 80 * (hour % 24 >= 18), index=idx, dtype=float),
        hashprice_usd_per_ph_day=pd.Series(50.0, index=idx),
        hpc_it_load_mw=pd.DataFrame({"hall": 60.0 + 20.0 * (hour % 24 >= 9)}, index=idx),
    )
    p = plan(site, inputs)
    r = buffer_report(p)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert png_bytes(plan_figure(p, r)).startswith(PNG_MAGIC)
    assert "168 h" in plan_figure(p, r).axes[0].get_title()


def test_profit_chart_compares_the_three_scenarios(sample) -> None:
    p, r = sample
    ax = profit_figure(p, r).axes[0]
    labels = {t.get_text() for t in ax.get_legend().get_texts()}
    assert labels == {"plan (optimised)", "no miners", "price-blind"}
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert "total" in ticks and "mining revenue" in ticks and "energy cost" in ticks
    assert "thousand USD" in ax.get_xlabel()


def test_html_report_is_self_contained(sample) -> None:
    p, r = sample
    page = html_report(p, r, images=[("plan", png_bytes(plan_figure(p, r)))])
    assert page.startswith("<!DOCTYPE html>")
    assert p.site.name in page
    (encoded,) = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page)
    assert base64.b64decode(encoded).startswith(PNG_MAGIC)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "<script" not in page and "<link" not in page
    for text in ("value of flexibility", "headroom use", "no miners", "price-blind"):
        assert text in page
    for event in r.events:
        assert event.split(" ")[1] in page  # each event's time is listed


def test_summary_names_status_profit_and_buffer_values(sample) -> None:
    p, r = sample
    rows = dict(summary_rows(p, r))
    assert rows["status"] == p.status.value
    assert rows["profit total"] == f"{p.objective_usd:,.0f} USD"
    assert rows["peak import"] == f"{p.kpis['peak_import_mw']:,.1f} MW"
    assert rows["value of flexibility"].startswith(f"{r.value_of_flexibility_usd:,.0f} USD")
    assert rows["value of mining"].startswith(f"{r.value_of_mining_usd:,.0f} USD")
    assert summary_table(p, r).row_count == len(rows)
