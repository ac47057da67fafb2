"""Backtest charts: the monthly values chart and the sweep comparison show the numbers they
are drawn from, and a scenario that dwarfs the others leaves the rest readable."""

from __future__ import annotations

import types
import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from conftest import tiny_site
from dispatch.backtesting.charts import (
    DWARF_RATIO,
    comparison_figure,
    monthly_value_figure,
)

MONTHS = ["2023-06", "2023-07", "2023-08"]


def scenario(**monthly: list[float]) -> types.SimpleNamespace:
    m = pd.DataFrame(monthly, index=pd.Index(MONTHS, name="month"))
    totals = {col: float(m[col].sum()) for col in m}
    return types.SimpleNamespace(name="base", site=tiny_site(), monthly=m, totals=totals)


def test_monthly_value_chart_draws_both_values_per_month() -> None:
    mining, flex = [2.0e6, 1.9e6, 1.2e6], [6.7e5, -1.0e4, 4.2e6]
    fig = monthly_value_figure(scenario(value_of_mining_usd=mining, value_of_flexibility_usd=flex))
    (ax,) = fig.axes
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == pytest.approx(mining + flex)
    assert [t.get_text() for t in ax.get_xticklabels()] == MONTHS
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("value of mining") and "total 5.1M USD" in labels[0]
    assert labels[1].startswith("value of flexibility")


def test_monthly_value_chart_draws_on_a_given_ax_and_needs_the_counterfactuals() -> None:
    fig = Figure()
    ax = fig.add_subplot()
    assert monthly_value_figure(scenario(value_of_mining_usd=[1.0, 2.0, 3.0]), ax=ax) is fig
    assert len(ax.patches) == 3
    with pytest.raises(ValueError, match="counterfactuals"):
        monthly_value_figure(scenario(profit_total_usd=[1.0, 2.0, 3.0]))


def test_comparison_has_one_panel_per_metric_and_survives_a_dwarfing_scenario() -> None:
    c = pd.DataFrame(
        {
            "profit_total_usd": [-1.2e6, -1.1e6, -1.2e8],
            "value_of_flexibility_usd": [2.1e5, 1.8e5, 2.2e5],
            "mining_mwh": [1.5e5, 1.4e5, np.nan],
        },
        index=["a", "b", "x100"],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = comparison_figure(types.SimpleNamespace(comparison=c))
    shown = [ax for ax in fig.axes if ax.get_visible()]
    titles = [ax.get_title() for ax in shown]
    assert titles == [
        "profit (day-ahead), USD (symlog)",  # x100 is 100 times the median
        "value of flexibility, USD",
        "mining energy, MWh",
    ]
    assert abs(c["profit_total_usd"]).max() > DWARF_RATIO * abs(c["profit_total_usd"]).median()
    assert shown[0].get_xscale() == "symlog" and shown[1].get_xscale() == "linear"
    for ax, col in zip(shown, c.columns, strict=True):
        widths = [bar.get_width() for bar in ax.patches]
        assert widths == pytest.approx(np.nan_to_num(c[col].to_numpy()))
        assert len(ax.texts) == c[col].notna().sum()  # every value written beside its bar
