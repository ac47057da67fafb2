"""Charts, HTML report and summary: what a reader needs is on them, and the HTML stands alone."""

from __future__ import annotations

import base64
import re

import pytest

from dispatch import buffer_report, plan
from dispatch.report import (
    html_report,
    plan_figure,
    png_bytes,
    power_figure,
    profit_figure,
    summary_rows,
    summary_table,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def sample(sample_day):
    site, inputs = sample_day
    p = plan(site, inputs)
    return p, buffer_report(p)


def test_power_chart_has_labelled_axes_legend_and_dr_shading(sample) -> None:
    p, _ = sample
    fig = power_figure(p)
    ax, price_ax = fig.axes
    assert "MW" in ax.get_ylabel()
    assert "USD/MWh" in price_ax.get_ylabel() and "symlog" in price_ax.get_ylabel()
    assert price_ax.get_yscale() == "symlog"
    assert p.site.name in ax.get_title() and "2026-08-17" in ax.get_title()
    labels = {t.get_text() for t in ax.get_legend().get_texts()}
    expected = {"HPC load served", "grid import", "import limit", "price", "DR window"}
    expected |= {f"mining {f.name}" for f in p.site.fleets}
    expected |= {f"breakeven {f.name}" for f in p.site.fleets}
    expected |= {"battery charging", "battery discharging (supply, below 0)"}
    assert expected <= labels
    # the price axis reaches the spike without clipping it
    assert price_ax.get_ylim()[1] > p.schedule["price_usd_per_mwh"].max()
    assert png_bytes(fig).startswith(PNG_MAGIC)


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
