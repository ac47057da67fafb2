"""Charts (PNG) and a self-contained HTML report of a study; every number with its unit."""

from __future__ import annotations

import base64
import html
import io
from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from dispatch.transition.result import StudyResult

DPI = 110


def png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def frontier_figure(r: StudyResult) -> Figure:
    """Expected NPV (with the scenario range) of the best design at each HPC share."""
    t = r.frontier_table()
    fig = Figure(figsize=(8, 4.5))
    ax = fig.add_subplot()
    x = t["hpc_share"] * 100
    ax.fill_between(
        x, t["npv_min_usd"] / 1e6, t["npv_max_usd"] / 1e6, alpha=0.2, label="scenario range"
    )
    ax.plot(x, t["npv_usd"] / 1e6, "o-", label="expected NPV")
    c = r.chosen_row
    ax.plot([c["hpc_share"] * 100], [c["npv_usd"] / 1e6], "r*", ms=14, label="chosen")
    ax.set_xlabel("HPC share of the interconnection, % (facility MW / import limit)")
    ax.set_ylabel("NPV, M USD")
    ax.set_title(
        f"Efficient frontier: HPC share vs NPV ({r.spec.discount_rate:.0%}, "
        f"{r.spec.horizon_years} y)"
    )
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def buffer_figure(r: StudyResult) -> Figure:
    """Value of mining and of flexibility, per year, against the HPC share."""
    t = r.frontier_table()
    fig = Figure(figsize=(8, 4.5))
    ax = fig.add_subplot()
    x = t["hpc_share"] * 100
    ax.plot(x, t["value_of_mining_usd_per_year"] / 1e6, "o-", label="value of mining")
    ax.plot(
        x,
        t["value_of_flexibility_usd_per_year"] / 1e6,
        "s-",
        label="value of flexibility (vs price-blind)",
    )
    ax.set_xlabel("HPC share of the interconnection, %")
    ax.set_ylabel("M USD per year")
    ax.set_title(
        f"Buffer curve at {r.reference_hashprice:,.1f} USD/PH/day (expected {r.spec.start_year})"
    )
    ax.axhline(0, color="k", lw=0.6)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def figures(r: StudyResult) -> dict[str, Figure]:
    return {"frontier.png": frontier_figure(r), "buffer_curve.png": buffer_figure(r)}


def _musd(x: float | None) -> str:
    return "-" if x is None or pd.isna(x) else f"{x / 1e6:,.2f} M USD"


def _pct(x: float | None) -> str:
    return "-" if x is None or pd.isna(x) else f"{x:.1%}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _img(fig: Figure) -> str:
    return f'<img src="data:image/png;base64,{base64.b64encode(png(fig)).decode()}">'


def html_report(r: StudyResult) -> str:
    c = r.chosen_row
    summary = [
        ["chosen design", str(c.name)],
        ["HPC share", f"{c['hpc_share']:.0%} ({c['hpc_it_mw']:g} MW IT)"],
        ["expected NPV", _musd(c["npv_usd"])],
        ["NPV vs today's site", _musd(c["npv_vs_today_usd"])],
        ["IRR of the change", _pct(c["irr_vs_today"])],
        [
            "payback of the change",
            "-"
            if pd.isna(c["payback_year_vs_today"])
            else f"year {int(c['payback_year_vs_today'])}",
        ],
        ["capex", _musd(c["capex_usd"])],
        [
            "operating margin (reference hashprice)",
            f"{_musd(c['operating_margin_usd_per_year'])}/year",
        ],
    ]
    t = r.frontier_table()
    frontier = [
        [
            f"{row.hpc_share:.0%}",
            row.design,
            _musd(row.npv_usd),
            f"{_musd(row.npv_min_usd)} .. {_musd(row.npv_max_usd)}",
            _musd(row.value_of_mining_npv_usd),
            _musd(row.value_of_mining_usd_per_year),
            _musd(row.value_of_flexibility_usd_per_year),
        ]
        for row in t.itertuples()
    ]
    flows = [[str(y)] + [_musd(v) for v in row] for y, row in r.cash_flows.iterrows()]
    parts = [
        f"<h1>Transition study: {html.escape(r.spec.name)}</h1>",
        f"<p>Site: {html.escape(r.site.name)}, import limit "
        f"{r.site.grid.import_limit_mw:g} MW; {len(r.designs)} designs valued, each on "
        f"{len(r.rep.days)} representative days of {', '.join(map(str, r.rep.years))} "
        f"(tsam typical days with extremes) by the dispatch model.</p>",
        "<h2>Chosen design</h2>",
        _table(["item", "value"], summary),
        "<h2>Efficient frontier</h2>",
        _img(frontier_figure(r)),
        "<h2>Buffer curve</h2>",
        _img(buffer_figure(r)),
        _table(
            [
                "HPC share",
                "best design",
                "expected NPV",
                "NPV range (scenarios)",
                "value of mining (NPV)",
                "value of mining per year",
                "value of flexibility per year",
            ],
            frontier,
        ),
        "<h2>Expected cash flows of the chosen design (USD, nominal)</h2>",
        _table(["year", *r.cash_flows.columns], flows),
        "<h2>Hashprice paths (USD/PH/day)</h2>",
        _table(
            ["year", *r.paths.columns],
            [[str(y)] + [f"{v:,.1f}" for v in row] for y, row in r.paths.iterrows()],
        ),
    ]
    if not r.validation.empty:
        v = r.validation
        parts += [
            "<h2>Validation: typical days vs full-year backtest</h2>",
            _table(
                [
                    "year",
                    "typical days",
                    "estimate",
                    "backtest",
                    "gap",
                    "gap / margin",
                    "backtest time",
                ],
                [
                    [
                        str(y),
                        str(int(row.typical_days)),
                        _musd(row.estimate_usd),
                        _musd(row.backtest_usd),
                        _musd(row.gap_usd),
                        _pct(row.gap_frac_of_margin),
                        f"{row.backtest_s:.1f} s",
                    ]
                    for y, row in v.iterrows()
                ],
            ),
            "<p>Operating margin = dispatch profit (mining revenue less energy, including the "
            "HPC halls' power) + HPC lease.</p>",
        ]
    parts += [
        "<h2>Assumptions and sources</h2>",
        _table(["item", "value", "source"], [list(a) for a in r.assumptions()]),
        "<h2>All designs valued</h2>",
        _table(
            ["design", "HPC share", "expected NPV", "NPV vs today", "IRR", "stage"],
            [
                [
                    str(i),
                    f"{row.hpc_share:.0%}",
                    _musd(row.npv_usd),
                    _musd(row.npv_vs_today_usd),
                    _pct(row.irr_vs_today),
                    row.stage,
                ]
                for i, row in r.designs.iterrows()
            ],
        ),
    ]
    style = (
        "body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:"
        "collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px}"
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Study</title>"
        f"<style>{style}</style></head><body>{''.join(parts)}</body></html>"
    )


__all__ = ["buffer_figure", "figures", "frontier_figure", "html_report", "png"]
