"""``dispatch backtest``: replay history day by day, resumably, on local processes or Dask.

::

    dispatch backtest SITE.yaml --prices FILE --hashprice FILE|VALUE --from DATE --to DATE
        [--rt-prices FILE] [--rt-location NAME] [--rt-margin USD] [--hpc-load FILE|VALUE]
        [--cp-probability FILE] [--solar FILE] [--location NAME]
        [--time-column NAME] [--timezone utc|local|ZONE] [--sweep FILE] [--counterfactuals]
        [--workers N] [--scheduler ADDRESS] [--chunk month] [--out DIR]
        [--step 1D] [--lookahead 24h] [--demand-charge full|prorate] [--mip-gap 1e-3]
        [--time-limit SECONDS] [--no-charts]

Exit codes: 0 done; 1 done, but some steps of the optimised plan were ``at_risk`` or
``fallback`` (the first one named on stderr; the counterfactual chains do not count: an
price-blind fleet breaking a DR cap is what they are for); 2 bad input (one line on stderr,
as ``dispatch plan``); 130 interrupted (Ctrl-C): the finished steps are saved and the same
command resumes.

Choices (also in docs/backtests.md):

- ``--from`` and ``--to`` are local dates in the site timezone and **both are included**
  (``--from 2023-01-01 --to 2023-12-31`` is the year).
- The inputs are read from ``--from`` to the end of ``--to`` plus the look-ahead when the
  files reach that far, else to the end of ``--to`` (the last steps' look-ahead is then
  truncated, as at the end of any data).
- ``--time-column`` and ``--timezone`` say how to read the timestamps of a foreign price
  file (a ``Datetime`` column of naive times, say), as for ``dispatch plan``; they apply to
  ``--rt-prices`` too (as ``load_inputs`` applies them to ``prices`` and ``rt_prices``), and
  to every scenario of a ``--sweep`` (the inputs are read once).
- ``--hashprice`` also takes bitcoin network data (a file with ``hashrate_th_s`` and
  ``subsidy_usd``/``fees_usd`` columns, such as the Coin Metrics file): the hashprice is then
  computed per UTC day by :func:`dispatch.hashprice_from_network` (realised revenue).
- The bundled sample site gets the sample week's files for the inputs not given only when
  ``--prices`` is not given either (a backtest of the sample week).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dispatch import DataError
from dispatch.cli.common import (
    EXIT_AT_RISK,
    EXIT_INTERRUPTED,
    CpProbabilityOpt,
    GasFlowOpt,
    GasPriceOpt,
    HashpriceOpt,
    HpcLoadOpt,
    InputOptions,
    LocationOpt,
    PriceFilesTimeColumnOpt,
    PriceFilesTimezoneOpt,
    PricesOpt,
    ReservePricesOpt,
    SiteArg,
    SolarOpt,
    cli_errors,
    finite_option,
    load_site,
    mip_gap_option,
    require_inputs,
    time_limit_option,
    warn_once,
)
from dispatch.errors import ClusterLost
from dispatch.files import atomic_write_text

if TYPE_CHECKING:  # imported where used: `dispatch --help` loads no pandas, Pyomo or rich
    import pandas as pd
    from rich.table import Table

    from dispatch import BacktestResult, Inputs, Site
    from dispatch.backtesting.result import ScenarioResult


@cli_errors
def backtest_command(
    site_file: SiteArg,
    date_from: Annotated[
        str, typer.Option("--from", help="first local day YYYY-MM-DD", show_default=False)
    ],
    date_to: Annotated[
        str, typer.Option("--to", help="last local day YYYY-MM-DD (included)", show_default=False)
    ],
    prices: PricesOpt = None,
    rt_prices: Annotated[
        Path | None,
        typer.Option(help="real-time prices, USD/MWh: each day is also settled at them"),
    ] = None,
    rt_location: Annotated[
        str | None,
        typer.Option(
            help="location to read from the --rt-prices file when it differs from --location "
            "(in a file with one column per hub, a part of the column name, e.g. HB_WEST)"
        ),
    ] = None,
    rt_margin: Annotated[
        float | None,
        typer.Option(
            help="real-time rule: curtail a fleet where the real-time price beats its "
            "breakeven by more than this, USD/MWh",
            callback=finite_option,
        ),
    ] = None,
    hashprice: HashpriceOpt = None,
    hpc_load: HpcLoadOpt = None,
    cp_probability: CpProbabilityOpt = None,
    solar: SolarOpt = None,
    location: LocationOpt = None,
    reserve_prices: ReservePricesOpt = None,
    gas_flow: GasFlowOpt = None,
    gas_price: GasPriceOpt = None,
    time_column: PriceFilesTimeColumnOpt = None,
    timezone: PriceFilesTimezoneOpt = None,
    sweep: Annotated[
        Path | None, typer.Option(help="sweep file (YAML): run every combination of scenarios")
    ] = None,
    max_scenarios: Annotated[
        int | None,
        typer.Option(
            help="refuse a sweep of more scenarios than this (each is a whole backtest); "
            "raise it to confirm a bigger sweep  [default: 1,000]",
            min=1,
            show_default=False,
        ),
    ] = None,
    counterfactuals: Annotated[
        bool,
        typer.Option(
            "--counterfactuals",
            help="also run no-miners and price-blind chains: value of mining and of flexibility",
        ),
    ] = False,
    workers: Annotated[int, typer.Option(help="local worker processes", min=1)] = 1,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    ] = None,
    chunk: Annotated[
        str,
        typer.Option(
            help="independent chains to run in parallel: none, month, week, year or a number "
            "of steps (each starts from the site file's state after a warm-up step)"
        ),
    ] = "none",
    step: Annotated[
        str, typer.Option(help="step kept from each plan: 1D (local day) or hours")
    ] = "1D",
    lookahead: Annotated[str, typer.Option(help="planned beyond each step, e.g. 24h")] = "24h",
    demand_charge: Annotated[
        str,
        typer.Option(
            help="how each day weighs the monthly demand charge: prorate (by the share of "
            "the month's remaining time the horizon covers) or full (as dispatch plan)"
        ),
    ] = "prorate",
    mip_gap: Annotated[
        float,
        typer.Option(
            help="relative MIP gap of each plan, in [0, 1) (see docs/backtests.md)",
            callback=mip_gap_option,
        ),
    ] = 1e-3,
    time_limit: Annotated[
        float | None,
        typer.Option(
            help="time limit of each step's plan, seconds (>= 0.1); a step that reaches it "
            "keeps its best schedule and its gap [default: none]",
            callback=time_limit_option,
            metavar="SECONDS",
        ),
    ] = None,
    charts: Annotated[bool, typer.Option(help="draw the PNG charts")] = True,
    out: Annotated[
        Path | None,
        typer.Option(help="output folder; re-running resumes [default: out/backtest-FROM-TO]"),
    ] = None,
) -> None:
    """Backtest the site over history: per-interval results, daily KPIs, totals and charts."""
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from dispatch import backtest
    from dispatch.backtesting.sweep import MAX_SCENARIOS

    console = Console()
    err = Console(stderr=True)
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
    if prices is None:
        opts, _ = opts.with_sample_defaults(site_file)
    start, end = _period(site, date_from, date_to)
    inputs, note = _load(site, site_file, opts, rt_prices, rt_location, start, end, lookahead)
    if note:
        err.print(f"note: {note}", highlight=False)
    out_dir = out if out is not None else Path("out") / f"backtest-{date_from}-{date_to}"
    rule = None if rt_margin is None else {"curtail_margin_usd_per_mwh": rt_margin}
    chunk_arg: str | int | None = None if chunk == "none" else chunk
    if chunk.isdigit():
        chunk_arg = int(chunk)
    columns = (
        TextColumn("[bold]backtest"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("steps"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, disable=not err.is_terminal) as bar:
        task = bar.add_task("backtest", total=None)

        def progress(done: int, total: int) -> None:
            if bar.tasks[task].total is None:  # first call: steps already done are not timed
                bar.reset(task, total=total, completed=done)
            else:
                bar.update(task, completed=done)

        try:
            result = backtest(
                site,
                inputs,
                start,
                end,
                step=step,
                lookahead=lookahead,
                workers=workers,
                scheduler=scheduler,
                out=out_dir,
                chunk=chunk_arg,
                rt_rule=rule,
                sweep=sweep,
                counterfactuals=counterfactuals,
                demand_charge=demand_charge,
                progress=progress,
                mip_rel_gap=mip_gap,
                time_limit_s=time_limit,
                max_scenarios=max_scenarios if max_scenarios is not None else MAX_SCENARIOS,
            )
        except KeyboardInterrupt:
            done = int(bar.tasks[task].completed)
            typer.echo(
                f"interrupted after {done} steps, all saved in {out_dir}; run the same command "
                "again to resume",
                err=True,
            )
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except ClusterLost as exc:  # an interruption too: same exit code, a resume hint
            message = str(exc).replace("locally without a scheduler", "locally without --scheduler")
            typer.echo(f"interrupted: {message} (in {out_dir})", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None
    if charts:
        from dispatch.backtesting.charts import write_charts

        try:
            write_charts(result)
        except Exception as exc:
            text = " ".join(str(exc).split())[:200] or type(exc).__name__
            warn_once(f"charts not drawn ({type(exc).__name__}: {text}); the results are written")
    console.print(summary_table(result))
    for line in write_revenue(result):
        console.print(line, highlight=False)
    for line in result.run["notes"]:
        err.print(f"note: {line}", highlight=False)
    console.print(f"wrote {out_dir}/: {escape(written_listing(out_dir))}", highlight=False)
    steps = result.steps  # counterfactual chains may be at risk by design (price-blind in DR)
    risky = steps[
        (steps["mode"] == "optimise")
        & ~steps["warmup"]
        & steps["status"].isin(["at_risk", "fallback"])
    ]
    if len(risky):
        first = risky.iloc[0]
        typer.echo(
            f"{len(risky)} step(s) at risk or fallback; first: {first['scenario']} "
            f"{first['mode']} {first['step']}: {' '.join(str(first['status_reason']).split())}",
            err=True,
        )
        raise typer.Exit(EXIT_AT_RISK)


def write_revenue(result: BacktestResult) -> list[str]:
    """For sites that sell reserves or standby DR: each scenario's revenue stack
    (``revenue_stack.csv``: USD and USD per MW of installed mining per stream) and settlement
    statement (``settlement.csv``: per product and provider, per commitment), written next to
    its other files; the lines to print."""
    import pandas as pd

    from dispatch.revenue import per_mw_of_mining, revenue_stack, settlement_statement

    lines = []
    for name, scn in result.scenarios.items():
        site = scn.site
        if not (site.reserve_products or site.standby_dr):
            continue
        frame = scn.intervals()
        stack = revenue_stack(site, frame)
        table = pd.DataFrame({"usd": stack, "usd_per_mw_mining": per_mw_of_mining(site, stack)})
        statement = settlement_statement(site, frame)
        if scn.folder is not None:
            atomic_write_text(scn.folder / "revenue_stack.csv", table.to_csv(index_label="stream"))
            atomic_write_text(scn.folder / "settlement.csv", statement.to_csv(index=False))
            from dispatch.report_revenue import revenue_stack_figure

            charts = scn.folder / "charts"
            charts.mkdir(exist_ok=True)
            revenue_stack_figure(site, frame).savefig(charts / "revenue_stack.png", dpi=100)
        shown = ", ".join(f"{k} {v:,.0f}" for k, v in stack.items() if abs(v) >= 0.5)
        lines.append(f"revenue stack {name} (USD): {shown}")
    return lines


def written_listing(out_dir: Path) -> str:
    """The files a backtest left in ``out_dir``, for the "wrote" line: the top level, then
    what each scenario folder holds (its charts only when drawn, da_vs_rt.csv only when
    settled on real-time prices)."""
    top = sorted(
        p.name + ("/" if p.is_dir() else "")
        for p in Path(out_dir).iterdir()
        if not p.name.startswith(".") and p.name != "scenarios"
    )
    scenarios = Path(out_dir) / "scenarios"
    inside: set[str] = set()
    if scenarios.is_dir():
        for folder in scenarios.iterdir():
            for item in folder.iterdir():
                if item.is_dir():
                    kinds = sorted({f.suffix for f in item.iterdir() if f.is_file()})
                    inside.update(f"{item.name}/*{k}" for k in kinds)
                else:
                    inside.add(item.name)
    text = ", ".join(top)
    if inside:
        text += f", scenarios/<name>/{{{', '.join(sorted(inside))}}}"
    return text


def _period(site: Site, date_from: str, date_to: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    from dispatch.horizon import local_timestamp

    days = []
    for flag, text in (("--from", date_from), ("--to", date_to)):
        try:
            days.append(dt.date.fromisoformat(text))
        except ValueError:
            raise DataError(f"{flag} {text!r}: expected a date YYYY-MM-DD") from None
    if days[1] < days[0]:
        raise DataError(f"--to {date_to} is before --from {date_from}")
    return (
        local_timestamp(days[0], site.timezone),
        local_timestamp(days[1] + dt.timedelta(days=1), site.timezone),
    )


def _load(
    site: Site,
    site_file: Path,
    opts: InputOptions,
    rt_prices: Path | None,
    rt_location: str | None,
    start: pd.Timestamp,
    end: pd.Timestamp,
    lookahead: str,
) -> tuple[Inputs, str | None]:
    """The inputs from ``start`` to ``end`` plus the look-ahead where the files reach."""
    import pandas as pd

    from dispatch import load_inputs, read_series

    missing = require_inputs(site, site_file, opts)
    if missing:
        raise DataError(missing[0], problems=missing)
    # a network-data hashprice file is read per UTC day by load_inputs, as in every path
    given: dict[str, Any] = dict(opts.given())
    if rt_prices is not None:
        given["rt_prices"] = rt_prices
        given["rt_location"] = rt_location
    # how to read the price files' timestamps (--time-column, --timezone), as dispatch plan
    how: dict[str, Any] = {
        "location": opts.location,
        "time_column": opts.time_column,
        "timezone": opts.timezone,
    }
    try:
        extra = pd.Timedelta(lookahead)
    except ValueError:
        raise DataError(f"--lookahead {lookahead!r}: expected a duration like 24h") from None
    if "prices" in given:
        price = read_series(given["prices"], name="price_usd_per_mwh", tz=site.timezone, **how)
        step = price.index.freq
        data_end = price.index[-1] + (pd.Timedelta(step) if step is not None else pd.Timedelta(0))
        wanted = min(end + extra, max(data_end, end))
    else:  # an off-grid site: the look-ahead where the other inputs reach
        wanted = end + extra
    if wanted > end:
        try:
            return load_inputs(site, **given, start=start, end=wanted, **how), None
        except DataError as exc:
            note = f"look-ahead past --to not available ({exc}); the last step's is truncated"
            return load_inputs(site, **given, start=start, end=end, **how), note
    return load_inputs(site, **given, start=start, end=end, **how), None


def _usd(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _pct(value: float | None) -> str:
    return "-" if value is None or value != value else f"{100 * value:.1f} %"


def summary_table(result: BacktestResult) -> Table:
    """The summary: one column of values for one scenario, one row per scenario for a sweep."""
    from rich.markup import escape
    from rich.table import Table

    run = result.run
    caption = (
        f"{run['steps_total']} steps ({run['steps_from_checkpoints']} from checkpoints) "
        f"in {run['wall_s']:.1f} s"
    )
    if len(result.scenarios) == 1:
        table = Table(title="Backtest summary", show_header=False, title_justify="left")
        table.add_column("", style="bold")
        table.add_column("", justify="right")
        row = result.comparison.iloc[0]
        for label, value in summary_rows(result.scenario(), row):
            table.add_row(label, value)
        table.caption = caption
        return table
    c = result.comparison
    table = Table(title="Backtest summary", title_justify="left", caption=caption)
    table.add_column("scenario", style="bold", overflow="fold")
    table.add_column("profit USD", justify="right")
    settled = "rt_profit_total_usd" in c
    if settled:
        table.add_column("RT-settled", justify="right")
    table.add_column("uptime", justify="right")
    table.add_column("curtailed MWh", justify="right")
    flex = "value_of_flexibility_usd" in c
    if flex:
        table.add_column("flexibility USD", justify="right")
    for name, row in c.iterrows():
        cells = [escape(str(name)), _usd(row["profit_total_usd"])]
        if settled:
            cells.append(_usd(row["rt_profit_total_usd"]))
        cells += [_pct(row["mining_uptime_frac"]), f"{row['curtailed_mining_mwh']:,.0f}"]
        if flex:
            cells.append(_usd(row["value_of_flexibility_usd"]))
        table.add_row(*cells)
    return table


def summary_rows(scn: ScenarioResult, row: pd.Series) -> list[tuple[str, str]]:
    """(label, value) rows of one scenario's summary."""
    import pandas as pd

    t = scn.totals["optimise"]
    last_day = (scn.end - pd.Timedelta(hours=12)).strftime("%Y-%m-%d")
    rows = [
        ("period", f"{scn.start:%Y-%m-%d} to {last_day} ({len(scn.daily)} days)"),
        ("profit (day-ahead)", f"{_usd(t['profit_total_usd'])} USD"),
    ]
    if "rt_profit_total_usd" in t:
        rows.append(("profit (real-time settled)", f"{_usd(t['rt_profit_total_usd'])} USD"))
    rows += [
        ("mining revenue", f"{_usd(t.get('profit_mining_revenue_usd', 0.0))} USD"),
        ("energy cost", f"{_usd(t.get('profit_energy_cost_usd', 0.0))} USD"),
        ("mining energy", f"{t['mining_mwh']:,.0f} MWh"),
        ("mining uptime", _pct(t["mining_uptime_frac"])),
        ("curtailed mining", f"{t['curtailed_mining_mwh']:,.0f} MWh"),
    ]
    if "rt_curtailed_mining_mwh" in t:
        rows.append(("curtailed in real time", f"{t['rt_curtailed_mining_mwh']:,.0f} MWh"))
    for key, label in (
        ("value_of_flexibility_usd", "value of flexibility"),
        ("value_of_mining_usd", "value of mining"),
    ):
        if key in scn.totals:
            rows.append((label, f"{_usd(scn.totals[key])} USD"))
    rows += [
        ("HPC served", _pct(t["hpc_served_frac"])),
        ("DR compliance", _pct(t["dr_compliance_frac"]) if t["dr_intervals"] else "no DR window"),
        ("steps at risk / fallback", f"{row['steps_at_risk']} / {row['steps_fallback']}"),
    ]
    return rows
