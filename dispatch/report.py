"""Charts, the self-contained HTML report and the terminal summary of a plan.

- :func:`power_figure`: two panels on one time axis.  Above (:func:`draw_power`): stacked
  power by use (HPC, each fleet, battery charging) above zero, on-site supply (battery
  discharge, gensets, solar) below zero, grid import, the import limit and the HPC load as
  lines, DR windows shaded, and the HPC load's rises marked (filled at the import limit),
  the largest labelled with what mining gave back.  Below (:func:`draw_prices`): the price
  and each fleet's breakeven on a *symlog* scale (linear near zero, logarithmic beyond), so
  a 4,000 USD/MWh spike does not flatten the everyday prices and breakevens.
- :func:`value_figure` (:func:`draw_values`): the value of flexibility and the value of
  mining as two bars, each against its own counterfactual (or why it is unavailable).
- :func:`profit_figure`: profit by term, plan vs the no-miners and price-blind counterfactuals.
- :func:`plan_figure`: power, prices and the two values on one page (the CLI's ``chart.png``).

Each ``draw_*`` function draws one panel on a given matplotlib ``ax`` (for notebooks).
- :func:`html_report`: one HTML file with the charts inlined as base64 PNG and tables of
  the KPIs and the buffer report; no external assets.
- :func:`summary_rows` / :func:`summary_table`: the short summary the CLI prints (rich).

Figures are plain :class:`matplotlib.figure.Figure` objects drawn on the Agg canvas; pyplot
is never imported, so nothing here opens a window or touches the global backend (a notebook
keeps its own inline backend).  :func:`png_bytes` renders a figure to PNG.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from collections.abc import Sequence
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
from rich.table import Table

from dispatch.buffer import CHANGE_TOL_MW, HPC_RAMP_EVENT_MW, BufferReport, swing_text
from dispatch.results import Plan

HPC_COLOR = "#4e79a7"
FLEET_COLORS = ("#f28e2b", "#edc948", "#e15759", "#ff9da7", "#b07aa1", "#9c755f")
CHARGE_COLOR = "#59a14f"
DISCHARGE_COLOR = "#8cd17d"
GENSET_COLORS = ("#7f6d5f", "#a0896e", "#c2ab8f")
SOLAR_COLOR = "#f1ce63"
SHORTFALL_COLOR = "#d62728"
SCENARIO_COLORS = {"plan": "#4e79a7", "no_miners": "#bab0ac", "price_blind": "#e15759"}
SCENARIO_LABELS = {
    "plan": "plan (optimised)",
    "no_miners": "no miners",
    "price_blind": "price-blind",
}
PRICE_COLOR = "#5b2a86"
DR_CAP_COLOR = "#6a51a3"
RISE_COLOR = "#b2182b"
VALUE_COLORS = ("#e9c46a", "#2a9d8f")  # flexibility, mining
#: Price-axis ticks (USD/MWh), kept where they fall inside the axis.
PRICE_TICKS = (
    -1000,
    -250,
    -100,
    -50,
    0,
    25,
    50,
    75,
    100,
    150,
    200,
    300,
    500,
    1000,
    2000,
    5000,
    10000,
)
DPI = 110


# --- figures ---------------------------------------------------------------------------------


def power_figure(plan: Plan, *, figsize: tuple[float, float] = (13.0, 8.5)) -> Figure:
    """Power by use (top) and price with breakevens (below, same time axis)."""
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    mw_ax, price_ax = fig.subplots(2, 1, sharex=True, height_ratios=[3.0, 1.6])
    draw_power(mw_ax, plan)
    draw_prices(price_ax, plan)
    return fig


def profit_figure(
    plan: Plan, report: BufferReport, *, figsize: tuple[float, float] = (13.0, 4.5)
) -> Figure:
    """Profit by term (kUSD) for the plan and the two counterfactuals."""
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    draw_profit(fig.add_subplot(), plan, report)
    return fig


def value_figure(report: BufferReport, *, figsize: tuple[float, float] = (7.0, 3.2)) -> Figure:
    """The value of flexibility and the value of mining as two bars."""
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    draw_values(fig.add_subplot(), report)
    return fig


def plan_figure(plan: Plan, report: BufferReport) -> Figure:
    """One page for the operator: power by use with the AI load's rises and mining's
    response, price and breakevens below on the same time axis, and the two values."""
    fig = Figure(figsize=(13.0, 12.0), layout="constrained")
    FigureCanvasAgg(fig)
    mw_ax, price_ax, value_ax = fig.subplots(
        3, 1, height_ratios=[3.0, 1.6, 1.0], gridspec_kw={"hspace": 0.08}
    )
    price_ax.sharex(mw_ax)
    draw_power(mw_ax, plan)
    draw_prices(price_ax, plan)
    draw_values(value_ax, report)
    return fig


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def _x(plan: Plan) -> list[dt.datetime]:
    """Interval edges: every interval start and the end of the last one."""
    s = plan.schedule
    step = pd.Timedelta(minutes=plan.site.interval_minutes)
    return [ts.to_pydatetime() for ts in [*s.index, s.index[-1] + step]]


def _stepped(s: pd.DataFrame, col: str) -> np.ndarray:
    """A column repeated at the end, for ``step(where="post")`` over the interval edges."""
    v = s[col].to_numpy(dtype=float) if col in s else np.zeros(len(s))
    return np.r_[v, v[-1]]


def _dr_active(plan: Plan) -> np.ndarray:
    s = plan.schedule
    cols = [f"dr_{e.name}_active" for e in plan.site.dr_events]
    return (s[cols].to_numpy() > 0).any(axis=1) if cols else np.zeros(len(s), bool)


def _shade_dr(ax: Any, plan: Plan, x: list[dt.datetime]) -> bool:
    active = _dr_active(plan)
    edges = np.diff(np.r_[0, active.astype(int), 0])
    for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        ax.axvspan(x[a], x[b], color="#bcbddc", alpha=0.45, lw=0, zorder=0)
    return bool(active.any())


def _time_axis(ax: Any, plan: Plan, x: list[dt.datetime]) -> None:
    """Local-time ticks on a plan's panel (:func:`time_axis`) and its time limits."""
    time_axis(ax, pd.Timestamp(x[0]), pd.Timestamp(x[-1]), plan.site.tz)
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlim(x[0], x[-1])


def hpc_rise_markers(plan: Plan) -> pd.DataFrame:
    """The HPC load's rises of at least ``HPC_RAMP_EVENT_MW`` in one interval: when, how much,
    how much mining gave back in the same interval, and whether the import was at its limit
    (the intervals the plan chart marks; the buffer report's ``hpc_rises`` uses every rise)."""
    s, site = plan.schedule, plan.site
    hpc = s["hpc_load_mw"].to_numpy(dtype=float)
    mining = s["mining_mw"].to_numpy(dtype=float)
    grid = s["grid_import_mw"].to_numpy(dtype=float)
    d_hpc, d_mining = np.diff(hpc), np.diff(mining)
    rise = np.flatnonzero(d_hpc >= HPC_RAMP_EVENT_MW) + 1
    return pd.DataFrame(
        {
            "hpc_rise_mw": d_hpc[rise - 1],
            "mining_gave_mw": np.clip(-d_mining[rise - 1], 0.0, None),
            "hpc_mw": hpc[rise],
            "at_import_limit": (
                grid[rise] >= site.grid.import_limit_mw - CHANGE_TOL_MW
                if site.has_grid
                else np.zeros(len(rise), bool)
            ),
        },
        index=s.index[rise],
    )


def _rise_runs(plan: Plan, rises: pd.DataFrame) -> pd.DataFrame:
    """Consecutive rise intervals merged: first interval, summed rise and mining given back,
    the HPC load at the run's end, and whether any of its intervals was at the import limit."""
    pos = plan.schedule.index.get_indexer(rises.index)
    run = np.cumsum(np.r_[True, np.diff(pos) > 1]) if len(pos) else np.zeros(0, int)
    grouped = rises.assign(run=run).groupby("run")
    return pd.DataFrame(
        {
            "hpc_rise_mw": grouped["hpc_rise_mw"].sum().to_numpy(),
            "mining_gave_mw": grouped["mining_gave_mw"].sum().to_numpy(),
            "hpc_mw": grouped["hpc_mw"].last().to_numpy(),
            "at_import_limit": grouped["at_import_limit"].any().to_numpy(),
        },
        index=pd.DatetimeIndex([g.index[0] for _, g in grouped], name=rises.index.name),
    )


#: On horizons longer than this (hours) the plan chart marks only rises of at least
#: ``LONG_HORIZON_RISE_MW`` and labels none, so a week stays readable.
LONG_HORIZON_H = 48.0
LONG_HORIZON_RISE_MW = 5.0


def draw_power(ax: Any, plan: Plan, *, annotate: int | None = None) -> None:
    """Draw power by use on ``ax``: the stack of uses above zero and on-site supply below,
    grid import, the import limit, the HPC load as a line with its rises marked (filled where
    the import was at its limit), and the ``annotate`` largest rises at the limit (runs of
    consecutive rising intervals) labelled with what mining gave back in those intervals
    (default: 3, none beyond ``LONG_HORIZON_H``, where only large rises are marked)."""
    site, s = plan.site, plan.schedule
    x = _x(plan)
    uses = [("HPC load served", _stepped(s, "hpc_served_mw"), HPC_COLOR)]
    shortfall = _stepped(s, "hpc_shortfall_mw")
    if shortfall.max() > 1e-6:
        uses.append(("HPC load NOT served", shortfall, SHORTFALL_COLOR))
    for k, f in enumerate(site.fleets):
        color = FLEET_COLORS[k % len(FLEET_COLORS)]
        uses.append((f"mining {f.name}", _stepped(s, f"{f.name}_mining_mw"), color))
    supplies = []
    if site.battery is not None:
        uses.append(("battery charging", _stepped(s, "battery_charge_mw"), CHARGE_COLOR))
        supplies.append(
            ("battery discharging", _stepped(s, "battery_discharge_mw"), DISCHARGE_COLOR)
        )
    for k, g in enumerate(site.gensets):
        color = GENSET_COLORS[k % len(GENSET_COLORS)]
        supplies.append((f"genset {g.name}", _stepped(s, f"{g.name}_output_mw"), color))
    if site.solar is not None:
        supplies.append((site.solar.kind, _stepped(s, "solar_mw"), SOLAR_COLOR))

    layers = ax.stackplot(
        x,
        *[np.clip(v, 0, None) for _, v, _ in uses],
        labels=[label for label, _, _ in uses],
        colors=[c for _, _, c in uses],
        step="post",
        alpha=0.9,
        linewidth=0,
    )
    for (label, _, _), layer in zip(uses, layers, strict=True):
        if label == "HPC load NOT served":
            layer.set_hatch("////")
            layer.set_edgecolor("white")
    if supplies:
        ax.stackplot(
            x,
            *[-np.clip(v, 0, None) for _, v, _ in supplies],
            labels=[f"{label} (supply, below 0)" for label, _, _ in supplies],
            colors=[c for _, _, c in supplies],
            step="post",
            alpha=0.9,
            linewidth=0,
        )
    ax.step(
        x, _stepped(s, "grid_import_mw"), where="post", color="black", lw=1.4, label="grid import"
    )
    if site.has_grid:
        ax.axhline(
            site.grid.import_limit_mw, color="#d62728", ls="--", lw=1.4, label="import limit"
        )
    ax.step(x, _stepped(s, "hpc_load_mw"), where="post", color="#1b3a5c", lw=1.2, label="HPC load")
    ax.axhline(0, color="#555555", lw=0.6)
    for k, e in enumerate(site.dr_events):
        col = f"dr_{e.name}_import_cap_mw"
        if col in s and s[col].notna().any():
            ax.step(
                x,
                _stepped(s, col),
                where="post",
                color=DR_CAP_COLOR,
                ls=":",
                lw=2.0,
                label="DR import cap" if k == 0 else None,
            )
    dr = _shade_dr(ax, plan, x)

    long = (x[-1] - x[0]).total_seconds() / 3600 > LONG_HORIZON_H
    annotate = (0 if long else 3) if annotate is None else annotate
    rises = hpc_rise_markers(plan)
    shown = rises[rises["hpc_rise_mw"] >= (LONG_HORIZON_RISE_MW if long else HPC_RAMP_EVENT_MW)]
    at = shown[shown["at_import_limit"]]
    rest = shown[~shown["at_import_limit"]]
    least = LONG_HORIZON_RISE_MW if long else HPC_RAMP_EVENT_MW
    marker = {"marker": "^", "s": 46, "zorder": 6, "edgecolors": RISE_COLOR, "linewidths": 1.2}
    if len(at):
        ax.scatter(
            at.index.to_pydatetime(),
            at["hpc_mw"],
            color=RISE_COLOR,
            label=f"HPC rise >= {least:g} MW at the import limit",
            **marker,
        )
    if len(rest):
        ax.scatter(
            rest.index.to_pydatetime(),
            rest["hpc_mw"],
            color="white",
            label=f"HPC rise >= {least:g} MW below the limit",
            **marker,
        )
    runs = _rise_runs(plan, rises)
    runs = runs[runs["at_import_limit"]].nlargest(annotate, "hpc_rise_mw").sort_index()
    for k, (ts, row) in enumerate(runs.iterrows()):
        ax.annotate(
            f"AI +{row['hpc_rise_mw']:.1f} MW\nmining -{row['mining_gave_mw']:.1f} MW",
            xy=(ts.to_pydatetime(), row["hpc_mw"]),
            xytext=(0, 30 + 26 * (k % 2)),
            textcoords="offset points",
            fontsize=8,
            ha="center",
            va="bottom",
            color=RISE_COLOR,
            arrowprops={"arrowstyle": "-", "color": RISE_COLOR, "lw": 0.8},
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": RISE_COLOR, "lw": 0.6},
        )
    ax.set_ylabel("power, MW (uses above 0, on-site supply below 0)")
    ax.margins(y=0.05)
    if len(runs):  # room above the import limit for the labels
        low, high = ax.get_ylim()
        ax.set_ylim(low, high + 0.12 * (high - low))
    _time_axis(ax, plan, x)
    ax.tick_params(labelbottom=True)
    ax.grid(axis="y", color="#dddddd", lw=0.6)
    handles, labels = ax.get_legend_handles_labels()
    if dr:
        handles.append(Patch(color="#bcbddc", alpha=0.45))
        labels.append("DR window")
    ax.legend(
        handles,
        labels,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8.5,
        frameon=False,
    )
    first = s.index[0]
    span_h = (x[-1] - x[0]).total_seconds() / 3600
    ax.set_title(
        f"{site.name}: {first.strftime('%Y-%m-%d')} ({span_h:g} h from "
        f"{first.strftime('%H:%M %Z')}), power by use  [{plan.status.value}]",
        fontsize=11,
    )


def draw_prices(ax: Any, plan: Plan) -> None:
    """Draw the price (with the import adder) and each fleet's breakeven on ``ax``, on a
    *symlog* scale: linear up to about 1.5 x the highest breakeven, logarithmic beyond."""
    site, s = plan.site, plan.schedule
    x = _x(plan)
    dr = _shade_dr(ax, plan, x)
    buy = _stepped(s, "price_usd_per_mwh") + site.grid.import_adder_usd_per_mwh
    ax.step(x, buy, where="post", color=PRICE_COLOR, lw=1.6, label="price + import adder")
    breakevens = []
    for k, f in enumerate(site.fleets):
        be = _stepped(s, f"{f.name}_breakeven_usd_per_mwh")
        breakevens.append(be)
        ax.step(
            x,
            be,
            where="post",
            color=FLEET_COLORS[k % len(FLEET_COLORS)],
            ls=(0, (4, 2)),
            lw=1.6,
            label=f"breakeven {f.name}",
        )
    top_be = float(np.max(breakevens)) if breakevens else 100.0
    linthresh = float(max(100.0, 50.0 * np.ceil(1.5 * top_be / 50.0)))
    ax.set_yscale("symlog", linthresh=linthresh, linscale=2.0)
    ax.set_ylabel(f"USD/MWh\n(symlog: linear within ±{linthresh:,.0f})")
    low = min(float(buy.min()), 0.0)
    high = max(float(buy.max()), top_be) * 1.6
    ax.set_ylim(low * 1.2 - 5, high)
    ticks = [t for t in PRICE_TICKS if low * 1.2 - 5 <= t <= high]
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    _time_axis(ax, plan, x)
    ax.set_xlabel(f"local time ({site.timezone})")
    ax.grid(axis="y", color="#dddddd", lw=0.6)
    handles, labels = ax.get_legend_handles_labels()
    if dr:
        handles.append(Patch(color="#bcbddc", alpha=0.45))
        labels.append("DR window")
    ax.legend(
        handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5, frameon=False
    )
    ax.set_title(
        "price and breakevens: a fleet pays to run while the price is below its breakeven",
        fontsize=10,
    )


def draw_values(ax: Any, report: BufferReport) -> None:
    """Draw the value of flexibility and the value of mining as two horizontal bars (USD);
    a value whose counterfactual is unavailable is an empty bar labelled with the reason."""
    rows = [
        ("value of flexibility\n(plan - price-blind)", report.value_of_flexibility_usd,
         report.price_blind, VALUE_COLORS[0]),
        ("value of mining\n(plan - no miners)", report.value_of_mining_usd, report.no_miners,
         VALUE_COLORS[1]),
    ]  # fmt: skip
    known = [abs(v) for _, v, _, _ in rows if v is not None]
    span = max(known) if known else 1.0
    y = np.arange(len(rows))[::-1]
    for pos, (_, value, cf, color) in zip(y, rows, strict=True):
        if value is None:
            ax.barh(pos, 0.0, 0.6, color="none")
            ax.text(
                0.02 * span,
                pos,
                f"n/a: {cf.mode.replace('_', ' ')} unavailable ({cf.reason})",
                va="center",
                fontsize=8.5,
                color="#555555",
            )
            continue
        ax.barh(pos, value, 0.6, color=color)
        ax.text(
            value + 0.01 * span * (1 if value >= 0 else -1),
            pos,
            f" {value:,.0f} USD ",
            va="center",
            ha="left" if value >= 0 else "right",
            fontsize=9,
        )
    ax.set_yticks(y, [label for label, _, _, _ in rows])
    ax.axvline(0, color="#555555", lw=0.8)
    low = min(0.0, *(v for _, v, _, _ in rows if v is not None)) if known else 0.0
    ax.set_xlim(low * 1.35 - 0.02 * span, max(0.0, *known) * 1.35 + 0.02 * span)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel("USD over the horizon")
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    ax.set_title(
        "what the buffer was worth: each value against its own counterfactual", fontsize=10
    )


def time_axis(ax: Any, first: pd.Timestamp, last: pd.Timestamp, tz: Any) -> None:
    """Local-time ticks for a plan from ``first`` to ``last``: every 3 h up to 36 h, every
    6 h up to 4 days, then whole days, then months; about 4 to 30 ticks whatever the
    horizon (a fixed 6-hour locator put 1,460 ticks on a one-year plan, past matplotlib's
    MAXTICKS)."""
    span_h = (last - first).total_seconds() / 3600
    if span_h <= 36:
        locator: Any = mdates.HourLocator(byhour=range(0, 24, 3), tz=tz)
        fmt = "%H:%M\n%b %d"
    elif span_h <= 96:
        locator = mdates.HourLocator(byhour=range(0, 24, 6), tz=tz)
        fmt = "%H:%M\n%b %d"
    elif span_h <= 24 * 45:
        step = max(1, int(np.ceil(span_h / 24 / 15)))
        locator = mdates.DayLocator(interval=step, tz=tz)
        fmt = "%b %d"
    else:
        step = max(1, int(np.ceil(span_h / 24 / 30 / 12)))
        locator = mdates.MonthLocator(interval=step, tz=tz)
        fmt = "%b %Y"
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.DateFormatter(fmt, tz=tz))


def draw_profit(ax: Any, plan: Plan, report: BufferReport) -> None:
    """Draw horizontal grouped bars of profit by term (kUSD) on ``ax``."""
    table = report.profit_by_term_usd
    scenarios = ["plan", "no_miners", "price_blind"]
    available = [sc for sc in scenarios if table["total"][sc] is not None]
    terms = [
        t
        for t, row in table.items()
        if t == "total" or any(abs(row[sc] or 0.0) >= 0.5 for sc in available)
    ]
    y = np.arange(len(terms))[::-1]
    height = 0.8 / len(available)
    for k, sc in enumerate(available):
        values = np.array([(table[t][sc] or 0.0) / 1e3 for t in terms])
        pos = y + (len(available) - 1) / 2 * height - k * height
        ax.barh(pos, values, height=height, color=SCENARIO_COLORS[sc], label=SCENARIO_LABELS[sc])
    ax.set_yticks(y, [t.replace("_", " ") for t in terms])
    ax.axvline(0, color="#555555", lw=0.8)
    ax.set_xlabel("profit over the horizon, thousand USD (costs negative)")
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    missing = [SCENARIO_LABELS[sc] for sc in scenarios if sc not in available]
    note = f"; unavailable: {', '.join(missing)}" if missing else ""
    ax.set_title(
        "profit by term: plan vs counterfactuals  (value of flexibility "
        f"{_usd(report.value_of_flexibility_usd)}, value of mining "
        f"{_usd(report.value_of_mining_usd)}{note})",
        fontsize=11,
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)


# --- tables ----------------------------------------------------------------------------------


def summary_rows(plan: Plan, report: BufferReport | None = None) -> list[tuple[str, str]]:
    """(label, value) rows of the plan summary, shared by the terminal and the HTML report."""
    k = plan.kpis
    rows = [("status", plan.status.value)]
    if not plan.status.ok:
        rows.append(("why", plan.status_reason))
    start, end = (
        plan.schedule.index[0],
        pd.Timestamp(k["horizon"]["end"]).tz_convert(plan.schedule.index.tz),
    )
    rows.append(
        (
            "horizon",
            f"{start:%Y-%m-%d %H:%M %Z}, {(end - start).total_seconds() / 3600:g} h "
            f"({len(plan.schedule)} x {plan.site.interval_minutes} min)",
        )
    )
    rows.append(("profit total", _usd(k["profit_by_term_usd"]["total"])))
    for term, value in k["profit_by_term_usd"].items():
        if term != "total" and abs(value) >= 0.5:
            rows.append((f"  {term.replace('_', ' ')}", _usd(value)))
    uptime = k["mining_uptime_frac"]
    per_fleet = ", ".join(f"{n} {v:.0%}" for n, v in uptime.items() if n != "total")
    rows.append(
        ("mining uptime", f"{uptime['total']:.1%}" + (f" ({per_fleet})" if per_fleet else ""))
    )
    rows.append(("curtailed mining", f"{k['curtailed_mining_mwh']['total']:,.1f} MWh"))
    rows.append(("peak import", f"{k['peak_import_mw']:,.1f} MW"))
    rows.append(("HPC served", f"{k['hpc_served_frac']:.2%}"))
    for name, gas in k.get("gas_supplies", {}).items():
        a = gas["assumptions"]
        rows.append(
            (
                f"gas {name}",
                f"{gas['burnt_mmbtu']:,.0f} MMBtu burnt, {gas['flared_mmbtu']:,.0f} flared "
                f"({gas['burnt_frac']:.0%} burnt)",
            )
        )
        rows.append(
            (
                f"CO2e avoided ({name})",
                f"{gas['co2e_avoided_t']:,.1f} t of {gas['co2e_all_flared_t']:,.1f} t if all "
                f"flared (flare {a['flare_destruction_frac']:.1%}, engine "
                f"{a['engine_destruction_frac']:.1%}, CH4 GWP {a['methane_gwp']:g})",
            )
        )
    if report is not None:
        rows.append(
            ("value of flexibility", _vs(report.value_of_flexibility_usd, report.price_blind))
        )
        rows.append(("value of mining", _vs(report.value_of_mining_usd, report.no_miners)))
        if report.swing_headroom is not None:
            cost = report.swing_headroom["cost_usd"]
            rows.append(
                (
                    "AI swing headroom cost",
                    "n/a" if cost is None else f"{cost:,.0f} USD (vs the plan without it)",
                )
            )
    return rows


def summary_table(plan: Plan, report: BufferReport | None = None) -> Table:
    """The summary as a rich table (the CLI prints it)."""
    table = Table(
        title=f"{plan.site.name}: day-ahead plan", show_header=False, title_justify="left"
    )
    table.add_column("", style="bold")
    table.add_column("", justify="right")
    for label, value in summary_rows(plan, report):
        table.add_row(label, value)
    return table


def buffer_rows(report: BufferReport) -> list[tuple[str, str]]:
    """(label, value) rows of the buffer report's headline numbers."""

    def covered(key: str) -> str:
        rises = report.hpc_rises[key]
        shares = ", ".join(
            f"{name} {share:.0%}" for name, share in rises["covered_by"].items() if share >= 0.005
        )
        if not rises["intervals"]:
            return "none"
        return f"{rises['hpc_rise_mw']:,.1f} MW over {rises['intervals']} rises: {shares}"

    return [
        (
            "headroom use",
            f"{_pct(report.headroom_use_frac)} of {report.headroom_mwh:,.1f} MWh left free by HPC",
        ),
        ("HPC rises at the import limit", covered("at_import_limit")),
        ("other HPC rises", covered("rest")),
        ("yield to HPC", f"{_pct(report.yield_to_hpc_ratio)} of the rises at the import limit"),
        ("mining energy below breakeven", _pct(report.mining_below_breakeven_frac)),
        (
            "spike cost avoided",
            f"{_usd(report.spike_cost_avoided_usd)} ({report.spike_mining_avoided_mwh:,.1f} MWh "
            "the price-blind fleet would have mined above breakeven)",
        ),
        *(
            [("DR compliance", f"{report.dr_compliance_frac:.0%} of DR intervals")]
            if report.dr_compliance_frac is not None  # no DR event: nothing to comply with
            else []
        ),
        ("value of flexibility", _vs(report.value_of_flexibility_usd, report.price_blind)),
        ("value of mining", _vs(report.value_of_mining_usd, report.no_miners)),
        *(
            [("AI swing headroom", swing_text(report.swing_headroom))]
            if report.swing_headroom is not None  # no hall declares a swing: nothing held
            else []
        ),
    ]


def mining_economics_text(plan: Plan) -> str:
    """The hashprice and each fleet's breakeven in words (HTML report)."""
    hp = plan.inputs.hashprice_usd_per_ph_day
    level = f"{hp.iloc[0]:,.1f}" if hp.nunique() == 1 else f"{hp.min():,.1f} to {hp.max():,.1f}"
    s = plan.schedule
    adder = plan.site.grid.import_adder_usd_per_mwh
    fleets = ", ".join(
        f"{f.name} {s[f'{f.name}_breakeven_usd_per_mwh'].mean():,.0f}" for f in plan.site.fleets
    )
    price = s["price_usd_per_mwh"]
    text = f"Hashprice {level} USD/PH/day over the plan."
    if fleets:
        text += (
            f" Breakeven energy prices (USD/MWh, the price at which a fleet's revenue pays its "
            f"energy, pool fee included): {fleets}; a fleet runs when the buy price (energy "
            f"price + {adder:g} USD/MWh import adder) is below its breakeven, unless the HPC "
            "load, a DR cap or a peak charge needs the room."
        )
    lo, hi, mean = price.min(), price.max(), price.mean()
    return text + f" Energy price: {lo:,.2f} to {hi:,.2f} USD/MWh, mean {mean:,.2f}."


def hourly_dispatch_rows(plan: Plan) -> tuple[list[str], list[list[str]]]:
    """Hour by hour (local): price, containers on per fleet, MW by use (hour means; a count
    that changed within the hour shows its mean with one decimal)."""
    s = plan.schedule
    local = s.index.tz_convert(plan.site.timezone)
    hours = local.floor("h") if plan.site.interval_minutes < 60 else local
    cols: list[tuple[str, str, str]] = [("price USD/MWh", "price_usd_per_mwh", "price")]
    cols += [(f"{f.name} on", f"{f.name}_containers_on", "count") for f in plan.site.fleets]
    cols += [("HPC MW", "hpc_load_mw", "mw"), ("mining MW", "mining_mw", "mw")]
    if plan.site.battery is not None:
        cols += [
            ("battery in MW", "battery_charge_mw", "mw"),
            ("battery out MW", "battery_discharge_mw", "mw"),
        ]
    cols += [(f"{g.name} MW", f"{g.name}_output_mw", "mw") for g in plan.site.gensets]
    if plan.site.solar is not None:
        cols.append(("solar MW", "solar_mw", "mw"))
    cols += [("import MW", "grid_import_mw", "mw"), ("profit USD", "profit_total_usd", "sum")]
    frame = s[[c for _, c, _ in cols]].set_axis(hours)
    grouped = frame.groupby(level=0, sort=True)
    means, sums = grouped.mean(), grouped.sum()
    rows = []
    for hour in means.index:
        row = [f"{hour:%H:%M}"]
        for _, col, kind in cols:
            value = sums.at[hour, col] if kind == "sum" else means.at[hour, col]
            value = round(float(value), 2) + 0.0  # no "-0.0" from solver noise
            if kind == "count":
                row.append(f"{value:.0f}" if abs(value - round(value)) < 1e-9 else f"{value:.1f}")
            elif kind == "price":
                row.append(f"{value:,.2f}")
            elif kind == "sum":
                row.append(f"{value:,.0f}")
            else:
                row.append(f"{value:,.1f}")
        rows.append(row)
    first = means.index[0]
    return [f"hour ({first:%Z})", *(label for label, _, _ in cols)], rows


# --- HTML ------------------------------------------------------------------------------------


def html_report(
    plan: Plan,
    report: BufferReport,
    *,
    images: Sequence[tuple[str, bytes]] | None = None,
    provenance: dict[str, Any] | None = None,
) -> str:
    """A self-contained HTML page: charts (inline PNG), KPIs, buffer report, events, sources.

    ``images`` are (caption, PNG bytes); by default the power and profit charts are drawn.
    """
    if images is None:
        images = [
            (
                "Power by use, the AI load's rises; price and breakevens",
                png_bytes(power_figure(plan)),
            ),
            ("Value of flexibility and of mining", png_bytes(value_figure(report))),
            ("Profit by term: plan vs counterfactuals", png_bytes(profit_figure(plan, report))),
        ]
    sources = dict(plan.inputs.sources)
    if provenance:
        sources.update({k: str(v) for k, v in provenance.items()})
    terms = report.profit_by_term_usd
    term_rows = [
        [t.replace("_", " "), *(_usd(row[sc]) for sc in ("plan", "no_miners", "price_blind"))]
        for t, row in terms.items()
    ]
    cf_rows = [
        [cf.mode, "yes" if cf.available else "no", cf.status or "-", cf.reason]
        for cf in (report.no_miners, report.price_blind)
    ]
    dr_rows = [
        [
            name,
            f"{info['compliant_intervals']}/{info['intervals']}",
            _num(info["import_cap_mw"]),
            _num(info["mean_import_mw"]),
            f"{info['excess_mwh']:.2f}",
            f"{info['mining_given_up_mwh']:.1f}",
            _usd(info["credit_usd"]),
            _usd(info["penalty_usd"]),
        ]
        for name, info in report.dr_events.items()
    ]
    parts = [
        f"<h1>{_e(plan.site.name)}</h1>",
        f"<p class='status {plan.status.value}'>status: <b>{_e(plan.status.value)}</b>"
        + (f" - {_e(reason)}" if (reason := plan.status_text.partition(": ")[2]) else "")
        + "</p>",
        "<h2>Summary</h2>",
        _table(["", ""], [list(r) for r in summary_rows(plan, report)]),
        f"<p>{_e(mining_economics_text(plan))}</p>",
        *(
            f"<figure><img alt='{_e(cap)}' src='data:image/png;base64,"
            f"{base64.b64encode(png).decode()}'><figcaption>{_e(cap)}</figcaption></figure>"
            for cap, png in images
        ),
        "<h2>Hour by hour</h2>",
        "<div class='scroll'>" + _table(*hourly_dispatch_rows(plan)) + "</div>",
        "<h2>Mining as a buffer</h2>",
        _table(["metric", "value"], [list(r) for r in buffer_rows(report)]),
        "<h3>Events mining absorbed</h3>",
        "<ul>" + "".join(f"<li>{_e(ev)}</li>" for ev in report.events) + "</ul>"
        if report.events
        else "<p>none</p>",
        "<h3>Profit by term, USD</h3>",
        _table(["term", "plan", "no miners", "price-blind"], term_rows),
        "<h3>Counterfactuals</h3>",
        _table(["mode", "available", "status", "reason"], cf_rows),
    ]
    if dr_rows:
        parts += [
            "<h3>Demand response</h3>",
            _table(
                [
                    "event",
                    "compliant",
                    "cap MW",
                    "mean import MW",
                    "excess MWh",
                    "mining given up MWh",
                    "credit",
                    "penalty",
                ],
                dr_rows,
            ),
        ]
    parts += [
        "<h2>Inputs</h2>",
        _table(["input", "source"], [[k, v] for k, v in sources.items()]),
        f"<p class='foot'>written {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')} by "
        "dispatch; definitions of every metric: docs/report.md in the repository.</p>",
    ]
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(plan.site.name)} plan</title><style>{_CSS}</style></head>"
        f"<body>\n{body}\n</body></html>\n"
    )


_CSS = (
    "body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1200px;"
    "margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}"
    "td,th{border-bottom:1px solid #ddd;padding:.25em .8em;text-align:left;vertical-align:top}"
    "td:not(:first-child){font-variant-numeric:tabular-nums}"
    "img{max-width:100%}figure{margin:1em 0}figcaption{color:#555;font-size:.9em}"
    ".status{font-size:1.1em}.at_risk,.fallback{color:#b00}.foot{color:#777;font-size:.85em}"
    ".scroll{overflow-x:auto;max-width:100%}.scroll table{font-size:.85em;white-space:nowrap}"
    ".scroll td{text-align:right}.scroll td,.scroll th{padding:.2em .45em}"
    "@media (max-width:600px){body{margin:.5em auto;padding:0 .5em}td,th{padding:.2em .4em}"
    "table{display:block;overflow-x:auto;max-width:100%}}"
)


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header) if any(header) else ""
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table>{f'<tr>{head}</tr>' if head else ''}{body}</table>"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _usd(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} USD"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.2f}"


def _vs(value: float | None, cf: Any) -> str:
    if value is None:
        return f"n/a ({cf.mode} unavailable: {cf.reason})"
    return f"{value:,.0f} USD (vs {SCENARIO_LABELS.get(cf.mode, cf.mode.replace('_', ' '))})"


__all__ = [
    "buffer_rows",
    "draw_power",
    "draw_prices",
    "draw_profit",
    "draw_values",
    "hpc_rise_markers",
    "html_report",
    "plan_figure",
    "png_bytes",
    "power_figure",
    "profit_figure",
    "summary_rows",
    "summary_table",
    "value_figure",
]


#: (column, title) of the site comparison chart's panels.
COMPARISON_PANELS = (
    ("margin_usd_per_mw_day", "margin, USD per MW of miners per day"),
    ("mining_uptime_frac", "mining uptime"),
    ("value_of_flexibility_usd", "value of flexibility, USD"),
    ("co2e_avoided_t", "CO2e avoided vs flaring, t"),
)


def comparison_figure(table: Any) -> Figure:
    """Bars per site for the comparison's headline columns (:mod:`dispatch.portfolio`)."""
    fig = Figure(figsize=(11, 6.5), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 2)
    names = [str(s) for s in table.index]
    for ax, (column, title) in zip(axes.flat, COMPARISON_PANELS, strict=True):
        values = table[column].astype(float).fillna(0.0).to_numpy()
        ax.bar(names, values, color="#4c72b0")
        ax.set_title(title, fontsize=10)
        ax.grid(axis="y", color="#dddddd", lw=0.6)
        ax.tick_params(axis="x", labelsize=8)
    return fig
