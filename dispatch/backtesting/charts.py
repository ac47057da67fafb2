"""PNG charts of a backtest scenario (matplotlib figures on the Agg canvas, no pyplot state).

- ``monthly_profit.png``: profit by term per month, stacked (revenues up, costs down), with
  the month's total (and its real-time settlement, when settled) as markers.
- ``curtailment_heatmap.png``: share of the available mining energy curtailed, by local hour
  of day (rows) and month (columns): when the buffer gave power back.
- ``mining_vs_price_duration.png``: the price duration curve (intervals sorted from the
  most to the least expensive, symmetric-log price axis) with the mining power in those
  intervals and the fleets' mean breakevens: mining should sit to the right of the
  breakeven crossings.
- ``comparison.png`` (sweeps): total profit per scenario, with the value of flexibility
  when the counterfactuals ran.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from dispatch.backtesting.kpis import interval_kpis
from dispatch.backtesting.result import BacktestResult, ScenarioResult
from dispatch.backtesting.store import safe_name
from dispatch.files import atomic_path

DPI = 110
_TERM_COLORS = {
    "mining_revenue": "#2a9d8f",
    "export_revenue": "#8ab17d",
    "dr_credit": "#e9c46a",
    "energy_cost": "#e76f51",
    "coincident_peak": "#9c6644",
    "demand_charge": "#b5838d",
    "fuel_cost": "#6d597a",
    "om_cost": "#a5a58d",
    "startup_cost": "#457b9d",
    "battery_wear": "#1d3557",
    "dr_penalty": "#d62828",
    "lost_load": "#000000",
}


def _usd(value: float, _pos: object = None) -> str:
    a = abs(value)
    if a >= 1e6:
        return f"{value / 1e6:,.1f}M"
    if a >= 1e3:
        return f"{value / 1e3:,.0f}k"
    return f"{value:,.0f}"


def monthly_profit_figure(scn: ScenarioResult) -> Figure:
    """Profit by term per month, stacked; the total (and real-time total) as markers."""
    m = scn.monthly
    terms = [c for c in m.columns if c.startswith("profit_") and c != "profit_total_usd"]
    terms = [c for c in terms if m[c].abs().sum() > 0]
    fig = Figure(figsize=(11, 5.5), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(m))
    up = np.zeros(len(m))
    down = np.zeros(len(m))
    for col in terms:
        kind = col.removeprefix("profit_").removesuffix("_usd")
        v = m[col].to_numpy(dtype=float)
        base = np.where(v >= 0, up, down)
        ax.bar(x, v, 0.7, bottom=base, label=kind.replace("_", " "), color=_TERM_COLORS.get(kind))
        up += np.clip(v, 0, None)
        down += np.clip(v, None, 0)
    ax.plot(x, m["profit_total_usd"], "D", color="black", label="total (day-ahead)", zorder=5)
    if "rt_profit_total_usd" in m:
        ax.plot(
            x,
            m["rt_profit_total_usd"],
            "o",
            mfc="white",
            mec="black",
            zorder=5,
            label="total (real-time settled)",
        )
    ax.axhline(0, color="0.3", lw=0.8)
    ax.margins(y=0.06)
    ax.set_xticks(x, list(m.index), rotation=45 if len(m) > 12 else 0)
    ax.yaxis.set_major_formatter(FuncFormatter(_usd))
    ax.set_ylabel("profit, USD per month")
    ax.set_title(f"{scn.site.name} - {scn.name}: monthly profit by term")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return fig


def curtailment_heatmap_figure(scn: ScenarioResult) -> Figure:
    """Share of available mining energy curtailed, hour of day x month."""
    s = scn.intervals()
    site = scn.site
    parts = interval_kpis(site, s)
    available = parts["curtailed_mining_mwh"] + parts["mining_mwh"]
    local = s.index.tz_convert(site.timezone)
    frame = pd.DataFrame(
        {
            "hour": local.hour,
            "month": local.strftime("%Y-%m"),
            "curtailed": parts["curtailed_mining_mwh"].to_numpy(),
            "available": available.to_numpy(),
        }
    )
    table = frame.pivot_table(
        index="hour", columns="month", values=["curtailed", "available"], aggfunc="sum"
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (table["curtailed"] / table["available"]).reindex(range(24))
    fig = Figure(figsize=(max(6.0, 0.55 * share.shape[1] + 3), 6.5), layout="constrained")
    ax = fig.add_subplot()
    img = ax.imshow(
        share.to_numpy(dtype=float), aspect="auto", cmap="magma_r", vmin=0, vmax=1, origin="upper"
    )
    ax.set_yticks(range(0, 24, 2), [f"{h:02d}:00" for h in range(0, 24, 2)])
    ax.set_xticks(
        range(share.shape[1]), list(share.columns), rotation=45 if share.shape[1] > 6 else 0
    )
    ax.set_xlabel("month")
    ax.set_ylabel(f"local hour of day ({site.timezone})")
    cbar = fig.colorbar(img, ax=ax)
    cbar.set_label("share of available mining energy curtailed")
    total = float(parts["curtailed_mining_mwh"].sum())
    ax.set_title(f"{scn.name}: mining curtailment ({total:,.0f} MWh in all)")
    return fig


def price_duration_figure(scn: ScenarioResult) -> Figure:
    """Price duration curve with the mining power in the same (sorted) intervals."""
    site = scn.site
    cols = ["price_usd_per_mwh", "mining_mw"]
    cols += [f"{f.name}_breakeven_usd_per_mwh" for f in site.fleets]
    s = scn.intervals(columns=cols)
    order = np.argsort(-s["price_usd_per_mwh"].to_numpy(), kind="stable")
    price = s["price_usd_per_mwh"].to_numpy()[order]
    mining = s["mining_mw"].to_numpy()[order]
    hours = np.arange(1, len(s) + 1) * site.dt_h
    fig = Figure(figsize=(11, 5.5), layout="constrained")
    ax = fig.add_subplot()
    ax2 = ax.twinx()
    window = max(1, len(s) // 200)
    smooth = pd.Series(mining).rolling(window, center=True, min_periods=1).mean()
    ax2.fill_between(
        hours,
        smooth,
        step="mid",
        color="#2a9d8f",
        alpha=0.35,
        lw=0,
        label="mining MW" if window == 1 else f"mining MW (mean of {window} intervals)",
    )
    ax2.set_ylabel("mining power, MW")
    ax2.set_ylim(0, max(1.0, float(mining.max()) * 1.1 if len(mining) else 1.0))
    ax.plot(hours, price, color="#e76f51", lw=1.6, label="price (sorted, highest first)")
    for f in site.fleets:
        be = float(s[f"{f.name}_breakeven_usd_per_mwh"].mean())
        ax.axhline(be, ls="--", lw=1, color="0.35")
        ax.text(
            hours[-1],
            be,
            f" {f.name} breakeven {be:,.0f}",
            va="bottom",
            ha="right",
            fontsize=8,
            color="0.25",
        )
    ax.set_yscale("symlog", linthresh=100)
    ax.set_xlabel("hours at or above the price")
    ax.set_ylabel("price, USD/MWh (symmetric log above 100)")
    ax.set_zorder(ax2.get_zorder() + 1)
    ax.patch.set_visible(False)
    lines = ax.get_legend_handles_labels()
    fills = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + fills[0], lines[1] + fills[1], loc="upper right", frameon=False)
    mwh = float(s["mining_mw"].sum() * site.dt_h)
    ax.set_title(f"{scn.name}: mining energy against the price duration curve ({mwh:,.0f} MWh)")
    ax.grid(alpha=0.3)
    return fig


def comparison_figure(result: BacktestResult) -> Figure:
    """Total profit per scenario (and the value of flexibility when computed)."""
    c = result.comparison
    fig = Figure(figsize=(10, max(3.0, 0.4 * len(c) + 1.5)), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(c))
    ax.barh(y, c["profit_total_usd"], 0.4, label="profit (day-ahead)", color="#2a9d8f")
    if "value_of_flexibility_usd" in c:
        ax.barh(
            y + 0.4,
            c["value_of_flexibility_usd"],
            0.4,
            label="value of flexibility",
            color="#e9c46a",
        )
    ax.set_yticks(y + 0.2, list(c.index), fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="0.3", lw=0.8)
    ax.xaxis.set_major_formatter(FuncFormatter(_usd))
    ax.set_xlabel("USD over the scenario's period")
    ax.legend(frameon=False)
    ax.set_title("Scenarios compared")
    return fig


def save_png(fig: Figure, path: Path) -> Path:
    """Render ``fig`` to ``path`` atomically."""
    FigureCanvasAgg(fig)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=DPI)
    return path


def write_charts(result: BacktestResult, folder: Path | None = None) -> list[Path]:
    """Every chart of every scenario (and the comparison for a sweep); returns the paths.

    ``folder``: where to write (default: the backtest's output folder); each scenario's
    charts go to ``scenarios/<name>/charts/``.
    """
    root = Path(folder) if folder is not None else result.out
    if root is None:
        raise ValueError("write_charts: give a folder (the backtest wrote none)")
    paths = []
    for scn in result.scenarios.values():
        charts = root / "scenarios" / safe_name(scn.name) / "charts"
        paths.append(save_png(monthly_profit_figure(scn), charts / "monthly_profit.png"))
        paths.append(save_png(curtailment_heatmap_figure(scn), charts / "curtailment_heatmap.png"))
        paths.append(save_png(price_duration_figure(scn), charts / "mining_vs_price_duration.png"))
    if len(result.scenarios) > 1:
        paths.append(save_png(comparison_figure(result), root / "comparison.png"))
    return paths
