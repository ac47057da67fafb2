"""``dispatch study SPEC [--out DIR]``: run a transition study and write its outputs.

Registered in :mod:`dispatch.cli` (one line).  Exit codes as the other commands: 0 done;
2 bad input (one line on stderr naming the file and field, no traceback, nothing written).
Outputs are built in memory and written all or nothing
(:func:`dispatch.cli.common.write_outputs`).  Progress lines go to stderr on a terminal.
``--workers`` defaults to the study file's ``workers``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dispatch.cli.common import cli_errors, write_outputs

if TYPE_CHECKING:  # imported where used: `dispatch --help` loads no pandas, Pyomo or rich
    from rich.table import Table

    from dispatch.transition import StudyResult


def _musd(x: object) -> str:
    try:
        value = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "-"
    return "-" if value != value else f"{value / 1e6:,.1f} M USD"


def summary_table(r: StudyResult) -> Table:
    from rich.table import Table

    c = r.chosen_row
    table = Table(title=f"Study: {r.spec.name}", show_header=False)
    table.add_column("item")
    table.add_column("value", justify="right")
    irr = c["irr_vs_today"]
    payback = c["payback_year_vs_today"]
    for label, value in (
        ("chosen design", str(c.name)),
        ("HPC share", f"{c['hpc_share']:.0%} ({c['hpc_it_mw']:g} MW IT)"),
        ("expected NPV", _musd(c["npv_usd"])),
        ("NPV vs today's site", _musd(c["npv_vs_today_usd"])),
        ("IRR of the change", "-" if irr != irr or irr is None else f"{irr:.1%}"),
        ("payback of the change", "-" if payback != payback else f"year {int(payback)}"),
        ("designs valued", f"{len(r.designs)} on {len(r.rep.days)} representative days"),
    ):
        table.add_row(label, value)
    for year, row in r.validation.iterrows():
        table.add_row(
            f"validation {year}",
            f"gap {_musd(row['gap_usd'])} ({row['gap_frac_of_margin']:+.1%} of margin)",
        )
    return table


@cli_errors
def study_command(
    spec: Annotated[Path, typer.Argument(help="study file (YAML)")],
    out: Annotated[Path | None, typer.Option("--out", help="output folder")] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="processes")] = None,
    no_validate: Annotated[
        bool, typer.Option("--no-validate", help="skip the validation backtests")
    ] = False,
) -> None:
    """Choose HPC blocks, miners, battery and phasing by NPV; write tables, charts, report."""
    from rich.console import Console

    from dispatch.transition import study

    console = Console(stderr=True)
    out_dir = out if out is not None else Path("out") / f"study-{spec.stem}"
    result = study(
        spec,
        workers=workers,
        validate=False if no_validate else None,
        progress=(lambda msg: console.print(msg)) if console.is_terminal else None,
    )
    write_outputs(out_dir, result.files())
    Console().print(summary_table(result))
    typer.echo(f"wrote {out_dir}")


__all__ = ["study_command", "summary_table"]
