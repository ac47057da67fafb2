"""``dispatch compare``: the same fleet question at several sites, side by side.

``dispatch compare PORTFOLIO.yaml [--from DATE --to DATE] [--out DIR]`` backtests every site
of the portfolio file (:mod:`dispatch.portfolio`: site files and each one's inputs) over the
same period and writes ``comparison.csv`` and ``comparison.png`` (margin per MW-day, uptime,
value of flexibility, tonnes CO2e avoided), and prints the table.

Choices: a portfolio *file* rather than ``backtest --sweep`` over site files, because sites
differ in their inputs (a grid site has prices, a flare site a gas flow); the period on the
command line wins over the file's ``from``/``to``; outputs are written all or nothing.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from dispatch.cli.common import cli_errors, status_line, write_outputs


@cli_errors
def compare_command(
    portfolio_file: Annotated[
        Path, typer.Argument(help="portfolio YAML: site files and their inputs")
    ],
    date_from: Annotated[
        str | None, typer.Option("--from", help="first local day YYYY-MM-DD")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="end, exclusive, local day YYYY-MM-DD")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="output folder (default: out/compare)")] = None,
) -> None:
    """Backtest several sites over the same period; compare margin per MW, uptime,
    curtailment, emissions and the value of flexibility."""
    from dispatch.portfolio import Portfolio, compare_sites
    from dispatch.report import comparison_figure, png_bytes

    console = Console()
    portfolio = Portfolio.from_yaml(portfolio_file)
    with status_line(console, f"Backtesting {len(portfolio.sites)} sites..."):
        table = compare_sites(portfolio, date_from, date_to)
    png = png_bytes(comparison_figure(table))
    out_dir = out if out is not None else Path("out") / "compare"
    write_outputs(
        out_dir,
        {
            "comparison.csv": table.to_csv(float_format="%.6g", lineterminator="\n"),
            "comparison.png": png,
        },
    )
    shown = Table(title="Sites compared")
    shown.add_column("metric")
    for site in table.index:
        shown.add_column(str(site), justify="right")
    for column in table.columns:
        shown.add_row(column, *(_fmt(v) for v in table[column]))
    console.print(shown)
    console.print(f"wrote {out_dir}/: comparison.csv, comparison.png", highlight=False)


def _fmt(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    number = float(value)  # type: ignore[arg-type]
    return f"{number:.3f}" if abs(number) < 10 else f"{number:,.0f}"
