"""``dispatch plan``: plan the day ahead and write its four outputs.

Choices where the issue is silent (also in docs/cli.md and docs/daily_operation.md):

- With the bundled sample site (``dispatch/sample_data/sample_site.yaml``), every input not
  given on the command line comes from the bundled sample files; other sites need
  ``--prices`` and ``--hashprice``.
- ``--day`` takes ``YYYY-MM-DD``, ``today`` or ``tomorrow`` (in the site timezone).  Without
  it the plan is for tomorrow when the price data cover it, else the error says which days
  they cover; with ``--from-plan`` it is the day the previous plan ends.
- ``--from-plan PLAN.json`` starts from the previous plan's ``state_out`` (containers on and
  their recent starts/stops, battery charge, the month's peak, fuel burnt today).  The site
  must be the same (name, fleets, gensets, battery) and the previous plan must end where this
  one starts; otherwise exit 2 naming what differs.  The site file's
  ``containers_initially_on`` is then not used.
- Missing inputs are all reported at once, in the order to fix them (prices, hashprice,
  solar, coincident-peak probability), before the day is worked out.
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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dispatch import DataError
from dispatch.cli.common import (
    EXIT_AT_RISK,
    BackgroundImports,
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
    TimeColumnOpt,
    TimezoneOpt,
    check_required,
    cli_errors,
    events_in_window,
    fail_all,
    frozen_imports,
    load_cli_inputs,
    load_site,
    plan_window,
    status_line,
    time_limit_option,
    warn_once,
    write_outputs,
)
from dispatch.files import strict_json

if TYPE_CHECKING:  # imported where used: `dispatch --help` loads no pandas, Pyomo or rich
    import pandas as pd

    from dispatch import Site, SiteState

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
    time_column: TimeColumnOpt = None,
    timezone: TimezoneOpt = None,
    day: DayOpt = None,
    horizon: HorizonOpt = "1d",
    from_plan: Annotated[
        Path | None,
        typer.Option(
            help="start from this previous plan.json's end state (the daily loop: plan D+1 "
            "from D's plan) instead of the site file's initial state",
            show_default=False,
            metavar="PLAN.json",
        ),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            help="HiGHS time limit per solve, seconds (>= 0.1)",
            callback=time_limit_option,
            metavar="SECONDS",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="output directory", show_default="out/plan-DAY", metavar="DIR"),
    ] = None,
) -> None:
    """Plan the day ahead; write schedule.csv, plan.json, chart.png and report.html."""
    with frozen_imports():
        from rich.console import Console

        from dispatch import plan
        from dispatch.buffer import buffer_report
        from dispatch.version import __version__

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
        time_column=time_column,
        timezone=timezone,
    )
    opts, sample = opts.with_sample_defaults(site_file)
    check_required(site, site_file, opts)
    previous = read_previous_plan(from_plan) if from_plan is not None else None
    if previous is not None and day is None:
        day = previous_end(previous, site).strftime("%Y-%m-%d")
    start, end = plan_window(site, opts, day, horizon)
    state = state_from_plan(site, previous, from_plan, start) if previous is not None else None
    site, ignored = events_in_window(site, start, end)
    with status_line(console, "Reading inputs..."):
        inputs = load_cli_inputs(site, site_file, opts, start, end)
    charts = BackgroundImports("dispatch.report")  # matplotlib, while HiGHS solves
    with status_line(console, f"Solving the plan ({len(inputs.index)} intervals)..."):
        p = plan(site, inputs, time_limit_s=time_limit, state=state)
    with status_line(console, "Solving the counterfactuals (no miners, price-blind)..."):
        report = buffer_report(p, time_limit_s=time_limit)
    charts.wait()
    from dispatch.report import html_report, plan_figure, png_bytes, profit_figure, summary_table

    with status_line(console, "Drawing the charts..."):
        chart = draw_chart(lambda: png_bytes(plan_figure(p, report)))
        profit = draw_chart(lambda: png_bytes(profit_figure(p, report))) if chart else None
        provenance = {
            "site_file": str(site_file),
            "inputs": dict(p.inputs.sources),
            "bundled_sample_inputs": sample,
            "window": {"start": start.isoformat(), "end": end.isoformat(), "horizon": horizon},
            "dr_events_outside_window": ignored,
            "location": location,
            "time_column": time_column,
            "timezone": timezone,
            "from_plan": None if from_plan is None else str(from_plan),
            "time_limit_s": time_limit,
            "dispatch_version": __version__,
            "written_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        doc = p.to_dict(schedule=False, buffer=report, provenance=provenance)
        page = html_report(
            p,
            report,
            images=[
                (
                    "Power by use with the AI load's rises and mining's response; price and "
                    "breakevens; the value of flexibility and of mining",
                    chart,
                ),
                ("Profit by term: plan vs counterfactuals", profit),
            ]
            if chart and profit
            else [],
            provenance={"site file": site_file},
        )
    out_dir = out if out is not None else Path("out") / f"plan-{start.strftime('%Y-%m-%d')}"
    files: dict[str, str | bytes] = {
        "schedule.csv": schedule_csv(p.schedule),
        "plan.json": strict_json(doc, indent=2) + "\n",
        "chart.png": chart or b"",
        "report.html": page,
    }
    if chart is None:
        del files["chart.png"]
    write_outputs(out_dir, files)
    console.print(summary_table(p, report))
    console.print(f"wrote {out_dir}/: {', '.join(files)}", highlight=False)
    if ignored:
        typer.echo(f"note: DR events outside the planned window left out: {', '.join(ignored)}")
    if not p.status.ok:
        typer.echo(f"{p.status.value}: {' '.join(p.status_reason.split())}", err=True)
        raise typer.Exit(EXIT_AT_RISK)


def draw_chart(draw: Callable[[], bytes]) -> bytes | None:
    """The chart's PNG, or ``None`` with one ``warning:`` line when drawing fails.

    A chart is a view of a plan already solved and checked: matplotlib failing on it (a
    number it cannot place, a font, a backend) must not lose the plan, so any exception
    here is reported and the other outputs are written.  Warnings matplotlib emits while
    drawing go through the CLI's one-line ``warning:`` output."""
    try:
        return draw()
    except Exception as exc:
        text = " ".join(str(exc).split())[:200] or type(exc).__name__
        warn_once(f"chart.png not drawn ({type(exc).__name__}: {text}); the plan is written")
        return None


def schedule_csv(schedule: pd.DataFrame) -> str:
    """The schedule as CSV with ISO 8601 interval starts (UTC offset included).

    Floats are written at full precision (the shortest text that reads back as the same
    float, as Python's ``repr``), so the ``profit_total_usd`` column sums to ``plan.json``'s
    objective; normal values never use scientific notation (``1865456.0``, not
    ``1.86546e+06``); only magnitudes below 1e-4 or of 1e16 and more do (solver noise such
    as ``1e-10``).  Counts are integers and flags ``True``/``False``.
    """
    import pandas as pd

    frame = schedule.copy()
    frame.index = pd.Index([ts.isoformat() for ts in schedule.index], name="interval_start")
    return frame.to_csv(lineterminator="\n")


def read_previous_plan(path: Path) -> dict[str, Any]:
    """A previous ``plan.json`` (``--from-plan``), with the keys the daily loop needs."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"--from-plan {path}: not JSON ({exc.msg}, line {exc.lineno})") from None
    need = ("site", "state_out", "kpis")
    if not isinstance(doc, dict) or any(k not in doc for k in need):
        raise DataError(
            f"--from-plan {path}: not a plan.json of dispatch plan (needs {', '.join(need)})"
        )
    return doc


def previous_end(doc: dict[str, Any], site: Site) -> pd.Timestamp:
    """Where the previous plan ends, in the site timezone."""
    import pandas as pd

    return pd.Timestamp(doc["kpis"]["horizon"]["end"]).tz_convert(site.timezone)


def state_from_plan(site: Site, doc: dict[str, Any], path: Path, start: pd.Timestamp) -> SiteState:
    """The previous plan's ``state_out`` for a plan starting at ``start``; exits 2 listing
    every way the previous plan does not fit (other site, other fleets, other end)."""
    from dispatch import SiteState

    state = SiteState.from_dict(doc["state_out"])
    problems = []
    if doc["site"] != site.name:
        problems.append(f"it is for site {doc['site']!r}, this site is {site.name!r}")
    fleets, before = [f.name for f in site.fleets], list(state.fleets)
    if sorted(fleets) != sorted(before):
        problems.append(f"its fleets are {before or 'none'}, this site's are {fleets or 'none'}")
    for fleet in site.fleets:
        on = state.fleets[fleet.name].on if fleet.name in state.fleets else 0
        if on > fleet.containers:
            problems.append(
                f"fleet {fleet.name} ended with {on} containers on but now has {fleet.containers}"
            )
    gensets, before_g = sorted(g.name for g in site.gensets), sorted(state.genset_units_on)
    if gensets != before_g:
        problems.append(
            f"its gensets are {before_g or 'none'}, this site's are {gensets or 'none'}"
        )
    if (site.battery is None) != (state.battery_soc_mwh is None):
        had = "had" if state.battery_soc_mwh is not None else "had no"
        problems.append(
            f"it {had} a battery, this site {'has none' if site.battery is None else 'has one'}"
        )
    end = previous_end(doc, site)
    if end != start:
        problems.append(
            f"it ends {end.isoformat()} but this plan starts {start.isoformat()} "
            f"(plan --day {end:%Y-%m-%d} to continue it)"
        )
    if problems:  # every difference at once, one line each
        fail_all([f"--from-plan {path}: {problem}" for problem in problems])
    return state
