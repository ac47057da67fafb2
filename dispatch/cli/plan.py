"""``dispatch plan``: plan the day ahead and write its four outputs.

Choices where the issue is silent (also in the README):

- With the bundled sample site (``data/sample_site.yaml``), every input not given on the
  command line comes from the bundled sample files; other sites need ``--prices`` and
  ``--hashprice``.
- ``--day`` defaults to the first local day of the price data (2026-08-17 for the sample).
- ``--horizon`` takes hours (``36h``: elapsed hours from local midnight) or local days
  (``2d``); the default ``1d`` is the local day, 23 or 25 hours long on DST days.
- DR events in the site file that do not touch the planned window are left out of that plan
  (the site file can list the season's announced events); ``plan.json`` names them.
- Outputs are built in full first, written into a temporary directory beside ``--out`` and
  moved into place, so a failure leaves no half-written file and no partial directory.  An
  existing ``--out`` directory keeps its other files; the four outputs are replaced.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console

from dispatch import plan
from dispatch.cli.common import (
    EXIT_AT_RISK,
    CpProbabilityOpt,
    DayOpt,
    GasFlowOpt,
    GasPriceOpt,
    HashpriceOpt,
    HorizonOpt,
    HpcLoadOpt,
    InputOptions,
    LocationOpt,
    PricesOpt,
    ReservePricesOpt,
    SiteArg,
    SolarOpt,
    cli_errors,
    events_in_window,
    load_cli_inputs,
    load_site,
    plan_window,
    status_line,
    write_outputs,
)
from dispatch.version import __version__

OUTPUT_FILES = ("schedule.csv", "plan.json", "chart.png", "report.html")


@cli_errors
def plan_command(
    site_file: SiteArg,
    prices: PricesOpt = None,
    hashprice: HashpriceOpt = None,
    hpc_load: HpcLoadOpt = None,
    cp_probability: CpProbabilityOpt = None,
    solar: SolarOpt = None,
    location: LocationOpt = None,
    reserve_prices: ReservePricesOpt = None,
    gas_flow: GasFlowOpt = None,
    gas_price: GasPriceOpt = None,
    day: DayOpt = None,
    horizon: HorizonOpt = "1d",
    time_limit: Annotated[
        float | None, typer.Option(help="HiGHS time limit per solve, seconds", min=0.1)
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="output directory (default: out/plan-<day>)")
    ] = None,
) -> None:
    """Plan the day ahead; write schedule.csv, plan.json, chart.png and report.html."""
    from dispatch.buffer import buffer_report
    from dispatch.report import html_report, plan_figure, png_bytes, summary_table

    console = Console()
    site = load_site(site_file)
    opts = InputOptions(
        prices,
        hashprice,
        hpc_load,
        cp_probability,
        solar,
        location,
        reserve_prices=tuple(reserve_prices or ()),
        gas_flow=gas_flow,
        gas_price=gas_price,
    )
    opts, sample = opts.with_sample_defaults(site_file)
    start, end = plan_window(site, opts, day, horizon)
    site, ignored = events_in_window(site, start, end)
    with status_line(console, "Reading inputs..."):
        inputs = load_cli_inputs(site, site_file, opts, start, end)
    with status_line(console, f"Solving the plan ({len(inputs.index)} intervals)..."):
        p = plan(site, inputs, time_limit_s=time_limit)
    with status_line(console, "Solving the counterfactuals (no miners, always-on)..."):
        report = buffer_report(p, time_limit_s=time_limit)
    with status_line(console, "Drawing the charts..."):
        chart = png_bytes(plan_figure(p, report))
        provenance = {
            "site_file": str(site_file),
            "inputs": dict(p.inputs.sources),
            "bundled_sample_inputs": sample,
            "window": {"start": start.isoformat(), "end": end.isoformat(), "horizon": horizon},
            "dr_events_outside_window": ignored,
            "location": location,
            "time_limit_s": time_limit,
            "dispatch_version": __version__,
            "written_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        doc = json.loads(p.to_json(schedule=False))
        doc["buffer"] = report.to_dict()
        doc["provenance"] = provenance
        page = html_report(
            p,
            report,
            images=[("Power by use, price and breakevens; profit by term", chart)],
            provenance={"site file": site_file},
        )
    out_dir = out if out is not None else Path("out") / f"plan-{start.strftime('%Y-%m-%d')}"
    write_outputs(
        out_dir,
        {
            "schedule.csv": schedule_csv(p.schedule),
            "plan.json": json.dumps(doc, indent=2) + "\n",
            "chart.png": chart,
            "report.html": page,
        },
    )
    console.print(summary_table(p, report))
    console.print(f"wrote {out_dir}/: {', '.join(OUTPUT_FILES)}", highlight=False)
    if ignored:
        typer.echo(f"note: DR events outside the planned window left out: {', '.join(ignored)}")
    if not p.status.ok:
        typer.echo(f"{p.status.value}: {' '.join(p.status_reason.split())}", err=True)
        raise typer.Exit(EXIT_AT_RISK)


def schedule_csv(schedule: pd.DataFrame) -> str:
    """The schedule as CSV with ISO 8601 interval starts (UTC offset included)."""
    frame = schedule.copy()
    frame.index = pd.Index([ts.isoformat() for ts in schedule.index], name="interval_start")
    return frame.to_csv(float_format="%.6g", lineterminator="\n")
