"""PNG charts of a backtest scenario (matplotlib figures on the Agg canvas, no pyplot state).

- ``monthly_profit.png``: profit by term per month, stacked (revenues up, costs down), with
  the month's total (and its real-time settlement, when settled) as markers.
- ``curtailment_heatmap.png``: share of the available mining energy curtailed, by local hour
  of day (rows) and month (columns): when the buffer gave power back.
- ``mining_vs_price_duration.png``: the price duration curve (intervals sorted from the
  most to the least expensive, symmetric-log price axis) with the mining power in those
  intervals and the fleets' mean breakevens: mining should sit to the right of the
  breakeven crossings.
- ``monthly_value.png`` (when the counterfactuals ran): the value of mining and the value of
  flexibility per month, side by side.
- ``comparison.png`` (sweeps): one panel per metric (profit, real-time profit, values of
  flexibility and mining, mining energy, peak import), scenarios as rows, each panel on its
  own scale so one scenario that dwarfs the others leaves the rest readable.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

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


#: Monthly value chart: (column, label, colour).
VALUE_BARS = (
    ("value_of_mining_usd", "value of mining (plan - no miners)", "#2a9d8f"),
    ("value_of_flexibility_usd", "value of flexibility (plan - price-blind)", "#e9c46a"),
)


def monthly_value_figure(scn: ScenarioResult, *, ax: Axes | None = None) -> Figure:
    """The value of mining and the value of flexibility per month, side by side (needs the
    counterfactuals: ``counterfactuals=True`` / ``--counterfactuals``).

    Draws on ``ax`` when given (its figure is returned), else on a new figure.
    """
    m = scn.monthly
    bars = [(col, label, color) for col, label, color in VALUE_BARS if col in m]
    if not bars:
        raise ValueError(
            f"{scn.name}: no value of mining or of flexibility; run the backtest with the "
            "counterfactuals"
        )
    if ax is None:
        fig = Figure(figsize=(max(7.0, 0.7 * len(m) + 4.0), 5.0), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
    x = np.arange(len(m))
    width = 0.8 / len(bars)
    for k, (col, label, color) in enumerate(bars):
        values = m[col].to_numpy(dtype=float)
        total = scn.totals.get(col)
        tail = f" (total {_usd(total)} USD)" if total is not None else ""
        ax.bar(
            x + (k - (len(bars) - 1) / 2) * width, values, width, label=label + tail, color=color
        )
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xticks(x, [str(month) for month in m.index], rotation=45 if len(m) > 6 else 0)
    ax.yaxis.set_major_formatter(FuncFormatter(_usd))
    ax.set_ylabel("USD per month")
    ax.set_title(f"What the mining buffer was worth, month by month\n{scn.site.name} - {scn.name}")
    ax.legend(loc="upper left", frameon=False, fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    return ax.figure


#: Comparison chart: (column, panel title); a panel per column the comparison holds.
COMPARISON_METRICS = (
    ("profit_total_usd", "profit (day-ahead), USD"),
    ("rt_profit_total_usd", "profit settled at real time, USD"),
    ("value_of_flexibility_usd", "value of flexibility, USD"),
    ("value_of_mining_usd", "value of mining, USD"),
    ("mining_mwh", "mining energy, MWh"),
    ("peak_import_mw", "peak import, MW"),
)


#: A panel whose largest value exceeds this many times its median (absolute values) is drawn
#: on a symmetric-log scale, so the other scenarios' bars stay visible.
DWARF_RATIO = 20.0


def comparison_figure(result: BacktestResult) -> Figure:
    """One panel per metric, scenarios as rows, every bar labelled with its value.  Each
    panel has its own scale, and a panel where one scenario dwarfs the others (more than
    ``DWARF_RATIO`` x the median) switches to a symmetric-log scale, said in its title."""
    c = result.comparison
    metrics = [
        (col, title) for col, title in COMPARISON_METRICS if col in c and c[col].notna().any()
    ]
    ncols = min(3, len(metrics))
    nrows = -(-len(metrics) // ncols)
    row_h = max(2.4, 0.36 * len(c) + 1.2)
    fig = Figure(figsize=(4.6 * ncols + 2.2, row_h * nrows + 0.6), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, sharey=True, squeeze=False).ravel()
    y = np.arange(len(c))
    for ax, (col, title) in zip(axes, metrics, strict=False):
        values = c[col].to_numpy(dtype=float)
        finite = np.abs(values[np.isfinite(values)])
        median = float(np.median(finite[finite > 0])) if (finite > 0).any() else 0.0
        dwarfed = median > 0 and finite.max() > DWARF_RATIO * median
        colors = np.where(values >= 0, "#2a9d8f", "#e76f51")
        ax.barh(y, np.nan_to_num(values), 0.65, color=colors)
        for pos, v in zip(y, values, strict=True):
            if np.isfinite(v):
                text = f" {_usd(v)} " if "USD" in title else f" {v:,.0f} "
                ax.text(v, pos, text, va="center", ha="left" if v >= 0 else "right", fontsize=8)
        ax.axvline(0, color="0.3", lw=0.8)
        if dwarfed:
            ax.set_xscale("symlog", linthresh=median)
            title += " (symlog)"
        low, high = min(0.0, float(np.nanmin(values))), max(0.0, float(np.nanmax(values)))
        pad = 4.0 if dwarfed else 1.35
        ax.set_xlim(low * pad if low < 0 else 0.0, high * pad if high > 0 else 1e-9)
        if not dwarfed:
            ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.xaxis.set_major_formatter(FuncFormatter(_usd))
        ax.set_title(title, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    axes[0].set_yticks(y, list(c.index))
    axes[0].invert_yaxis()
    for ax in axes:
        ax.tick_params(axis="y", labelsize=8)
    fig.suptitle("Scenarios compared (each panel on its own scale)")
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
        if any(col in scn.monthly for col, _, _ in VALUE_BARS):
            paths.append(save_png(monthly_value_figure(scn), charts / "monthly_value.png"))
    if len(result.scenarios) > 1:
        paths.append(save_png(comparison_figure(result), root / "comparison.png"))
    return paths
