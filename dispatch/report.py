"""Charts, the self-contained HTML report and the terminal summary of a plan.

- :func:`power_figure`: stacked power by use (HPC, each fleet, battery charging) above zero,
  on-site supply (battery discharge, gensets, solar) below zero, grid import and the import
  limit as lines, DR windows shaded; the price and each fleet's breakeven on a second axis
  with a *symlog* scale (linear near zero, logarithmic beyond), so a 4,000 USD/MWh spike
  does not flatten the everyday prices and breakevens.
- :func:`profit_figure`: profit by term, plan vs the no-miners and price-blind counterfactuals.
- :func:`plan_figure`: both on one page (the CLI's ``chart.png``).
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
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
from rich.table import Table

from dispatch.buffer import BufferReport
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


def power_figure(plan: Plan, *, figsize: tuple[float, float] = (13.0, 6.5)) -> Figure:
    """Power by use against time with price and breakevens (see the module docstring)."""
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    draw_power(fig.add_subplot(), plan)
    return fig


def profit_figure(
    plan: Plan, report: BufferReport, *, figsize: tuple[float, float] = (13.0, 4.5)
) -> Figure:
    """Profit by term (kUSD) for the plan and the two counterfactuals."""
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    draw_profit(fig.add_subplot(), plan, report)
    return fig


def plan_figure(plan: Plan, report: BufferReport) -> Figure:
    """The power chart above the profit bars: one page for the operator."""
    fig = Figure(figsize=(13.0, 11.0), layout="constrained")
    FigureCanvasAgg(fig)
    top, bottom = fig.subfigures(2, 1, height_ratios=[6.5, 4.5])
    draw_power(top.add_subplot(), plan)
    draw_profit(bottom.add_subplot(), plan, report)
    return fig


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def draw_power(ax: Any, plan: Plan) -> None:
    """Draw the power-by-use chart (with a twin price axis) on ``ax``."""
    site, s = plan.site, plan.schedule
    step = pd.Timedelta(minutes=site.interval_minutes)
    x = [ts.to_pydatetime() for ts in [*s.index, s.index[-1] + step]]

    def stepped(col: str) -> np.ndarray:
        v = s[col].to_numpy(dtype=float) if col in s else np.zeros(len(s))
        return np.r_[v, v[-1]]

    uses = [("HPC load served", stepped("hpc_served_mw"), HPC_COLOR)]
    shortfall = stepped("hpc_shortfall_mw")
    if shortfall.max() > 1e-6:
        uses.append(("HPC load NOT served", shortfall, SHORTFALL_COLOR))
    for k, f in enumerate(site.fleets):
        color = FLEET_COLORS[k % len(FLEET_COLORS)]
        uses.append((f"mining {f.name}", stepped(f"{f.name}_mining_mw"), color))
    supplies = []
    if site.battery is not None:
        uses.append(("battery charging", stepped("battery_charge_mw"), CHARGE_COLOR))
        supplies.append(("battery discharging", stepped("battery_discharge_mw"), DISCHARGE_COLOR))
    for k, g in enumerate(site.gensets):
        color = GENSET_COLORS[k % len(GENSET_COLORS)]
        supplies.append((f"genset {g.name}", stepped(f"{g.name}_output_mw"), color))
    if site.solar is not None:
        supplies.append((site.solar.kind, stepped("solar_mw"), SOLAR_COLOR))

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
    ax.step(x, stepped("grid_import_mw"), where="post", color="black", lw=1.4, label="grid import")
    if site.has_grid:
        ax.axhline(
            site.grid.import_limit_mw, color="#d62728", ls="--", lw=1.4, label="import limit"
        )
    ax.axhline(0, color="#555555", lw=0.6)
    dr_cols = [f"dr_{e.name}_active" for e in site.dr_events]
    active = (s[dr_cols].to_numpy() > 0).any(axis=1) if dr_cols else np.zeros(len(s), bool)
    edges = np.diff(np.r_[0, active.astype(int), 0])
    for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        ax.axvspan(x[a], x[b], color="#bcbddc", alpha=0.45, lw=0, zorder=0)
    ax.set_ylabel("power, MW (uses above 0, on-site supply below 0)")
    ax.set_xlim(x[0], x[-1])
    ax.margins(y=0.05)
    span_h = (x[-1] - x[0]).total_seconds() / 3600
    time_axis(ax, x[0], x[-1], site.tz)
    ax.set_xlabel(f"local time ({site.timezone})")
    ax.grid(axis="y", color="#dddddd", lw=0.6)

    for k, e in enumerate(site.dr_events):
        col = f"dr_{e.name}_import_cap_mw"
        if col in s and s[col].notna().any():
            ax.step(
                x,
                stepped(col),
                where="post",
                color=DR_CAP_COLOR,
                ls=":",
                lw=2.0,
                label="DR import cap" if k == 0 else None,
            )

    ax2 = ax.twinx()
    halo = [patheffects.withStroke(linewidth=3.2, foreground="white")]
    ax2.step(
        x,
        stepped("price_usd_per_mwh"),
        where="post",
        color=PRICE_COLOR,
        lw=1.6,
        label="price",
        path_effects=halo,
    )
    breakevens = []
    for k, f in enumerate(site.fleets):
        be = stepped(f"{f.name}_breakeven_usd_per_mwh")
        breakevens.append(be)
        ax2.step(
            x,
            be,
            where="post",
            color=FLEET_COLORS[k % len(FLEET_COLORS)],
            ls=(0, (4, 2)),
            lw=1.6,
            label=f"breakeven {f.name}",
            path_effects=halo,
        )
    top_be = float(np.max(breakevens)) if breakevens else 100.0
    linthresh = float(max(100.0, 50.0 * np.ceil(1.5 * top_be / 50.0)))
    ax2.set_yscale("symlog", linthresh=linthresh, linscale=2.0)
    ax2.set_ylabel(f"USD/MWh (symlog scale: linear within ±{linthresh:,.0f}, log beyond)")
    price = s["price_usd_per_mwh"].to_numpy(dtype=float)
    low = min(float(price.min()), 0.0)
    high = max(float(price.max()), top_be) * 1.6
    ax2.set_ylim(low * 1.2 - 5, high)
    ticks = [t for t in PRICE_TICKS if low * 1.2 - 5 <= t <= high]
    ax2.yaxis.set_major_locator(FixedLocator(ticks))
    ax2.yaxis.set_minor_locator(NullLocator())
    ax2.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))

    handles, labels = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    if active.any():
        handles.append(Patch(color="#bcbddc", alpha=0.45))
        labels.append("DR window")
    ax.legend(
        handles + h2,
        labels + l2,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        ncol=min(6, len(labels) + len(l2)),
        fontsize=8.5,
        frameon=False,
    )
    first = s.index[0]
    ax.set_title(
        f"{site.name}: {first.strftime('%Y-%m-%d')} ({span_h:g} h from "
        f"{first.strftime('%H:%M %Z')}), power by use and price  [{plan.status.value}]",
        fontsize=11,
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
            ("Power by use, price and breakevens", png_bytes(power_figure(plan))),
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
    return f"{value:,.0f} USD (vs {cf.mode.replace('_', ' ')})"


__all__ = [
    "buffer_rows",
    "draw_power",
    "draw_profit",
    "html_report",
    "plan_figure",
    "png_bytes",
    "power_figure",
    "profit_figure",
    "summary_rows",
    "summary_table",
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
