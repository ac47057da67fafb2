"""The ``dispatch`` command line: a thin layer over the public API.

Commands::

    dispatch plan SITE.yaml [--prices FILE] [--hashprice FILE|VALUE] [--hpc-load FILE|VALUE]
                  [--cp-probability FILE] [--solar FILE] [--location NAME]
                  [--day YYYY-MM-DD] [--horizon 1d|24h|36h|...] [--time-limit SECONDS]
                  [--out DIR]
    dispatch validate SITE.yaml [the same inputs, --day, --horizon]

Exit codes: 0 the plan is fine (or nothing is wrong); 1 the plan was written but is
``at_risk`` or ``fallback`` (the reason on one line on stderr); 2 bad input (one line naming
the file, field or row on stderr; nothing written).

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

Helpers for other commands (``dispatch backtest`` lives in ``dispatch/cli_backtest.py`` and
registers itself at the end of this file): :func:`cli_errors`, the ``*Opt`` option types,
:class:`InputOptions`, :func:`load_site`, :func:`load_cli_inputs`, :func:`write_outputs`,
:func:`status_line` and :func:`fail`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import pandas as pd
import typer
from rich.console import Console

from dispatch import (
    ConfigError,
    DataError,
    DispatchError,
    Inputs,
    Site,
    __version__,
    load_inputs,
    plan,
    read_series,
    sample_paths,
    site_index,
)
from dispatch.horizon import local_timestamp

EXIT_OK, EXIT_AT_RISK, EXIT_BAD_INPUT = 0, 1, 2
OUTPUT_FILES = ("schedule.csv", "plan.json", "chart.png", "report.html")

app = typer.Typer(
    name="dispatch",
    help="Day-ahead dispatch for hybrid AI/HPC + bitcoin-mining sites.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

P = ParamSpec("P")
R = TypeVar("R")


# --- shared helpers (other commands use these) -----------------------------------------------


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print ``error: message`` as one line on stderr and exit with ``code``."""
    typer.echo(f"error: {' '.join(str(message).split())}", err=True)
    raise typer.Exit(code)


def cli_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a command body; a :class:`DispatchError` or :class:`OSError` exits 2 with one line.

    Anything else propagates: it is a bug, and its traceback is wanted.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except DispatchError as exc:
            fail(str(exc))
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            fail(f"{where}{exc.strerror or exc}")

    return wrapper


SiteArg = Annotated[Path, typer.Argument(help="site YAML file", show_default=False)]
PricesOpt = Annotated[
    Path | None,
    typer.Option(help="energy prices, USD/MWh: CSV or Parquet (plain, gridstatus or ERCOT layout)"),
]
HashpriceOpt = Annotated[
    str | None, typer.Option(help="hashprice, USD/PH/day: a CSV/Parquet file or a constant")
]
HpcLoadOpt = Annotated[
    str | None,
    typer.Option(
        help="HPC IT load before PUE, MW: a file (one column per hall, or one total column) "
        "or a constant total"
    ),
]
CpProbabilityOpt = Annotated[
    Path | None, typer.Option(help="probability that each interval is the coincident peak, 0..1")
]
SolarOpt = Annotated[Path | None, typer.Option(help="available share of solar capacity, 0..1")]
LocationOpt = Annotated[
    str | None, typer.Option(help="settlement point / location to read from the price file")
]
DayOpt = Annotated[
    str | None,
    typer.Option(
        help="local day YYYY-MM-DD in the site timezone (default: the first day of the prices)"
    ),
]
HorizonOpt = Annotated[
    str, typer.Option(help="length from the day's local midnight: hours (24h, 36h) or days (1d)")
]


@dataclass(frozen=True)
class InputOptions:
    """The input options shared by the commands (``None``: not given)."""

    prices: Path | None = None
    hashprice: str | None = None
    hpc_load: str | None = None
    cp_probability: Path | None = None
    solar: Path | None = None
    location: str | None = None

    def given(self) -> dict[str, Path | float]:
        """The inputs given, as :func:`dispatch.load_inputs` arguments (numbers parsed)."""
        out: dict[str, Path | float] = {}
        for key in ("prices", "hashprice", "hpc_load", "cp_probability", "solar"):
            value = getattr(self, key)
            if value is not None:
                out[key] = file_or_number(value) if isinstance(value, str) else Path(value)
        return out

    def with_sample_defaults(self, site_file: Path) -> tuple[InputOptions, bool]:
        """For the bundled sample site, fill every input not given from the sample files."""
        if not is_sample_site(site_file):
            return self, False
        paths = sample_paths()
        filled = {
            key: (str(paths[key]) if key in ("hashprice", "hpc_load") else paths[key])
            for key in ("prices", "hashprice", "hpc_load", "cp_probability")
            if getattr(self, key) is None
        }
        return replace(self, **filled), bool(filled)  # type: ignore[arg-type]


def file_or_number(text: str) -> Path | float:
    """``"45.5"`` -> 45.5; anything else is a path."""
    try:
        value = float(text)
    except ValueError:
        return Path(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise DataError(f"{text!r}: not a finite number")
    return value


def is_sample_site(site_file: Path) -> bool:
    """Whether ``site_file`` is the bundled ``data/sample_site.yaml``."""
    sample = sample_paths()["site"]
    try:
        return Path(site_file).resolve() == sample.resolve()
    except OSError:
        return False


def load_site(site_file: Path) -> Site:
    """The site file, validated (a :class:`ConfigError` names the file and field)."""
    return Site.from_yaml(site_file)


def parse_horizon(text: str) -> tuple[float, str]:
    """``"36h"`` -> (36.0, "h"); ``"2d"`` -> (2.0, "d")."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([hd])\s*", text.lower())
    if not match or float(match.group(1)) <= 0:
        raise DataError(f"--horizon {text!r}: expected hours like 24h or 36h, or days like 1d")
    amount, unit = float(match.group(1)), match.group(2)
    if unit == "d" and amount != int(amount):
        raise DataError(f"--horizon {text!r}: days must be whole (use hours, e.g. 36h)")
    return amount, unit


def plan_window(
    site: Site, opts: InputOptions, day: str | None, horizon: str
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start, end) of the plan: the day's local midnight and the horizon after it."""
    amount, unit = parse_horizon(horizon)
    if day is None:
        if opts.prices is None:
            raise DataError("--day is required when no --prices file is given")
        prices = read_series(
            opts.prices, name="price_usd_per_mwh", tz=site.timezone, location=opts.location
        )
        first = prices.index[0].date()
    else:
        try:
            first = dt.date.fromisoformat(day)
        except ValueError:
            raise DataError(f"--day {day!r}: expected a date YYYY-MM-DD") from None
    if unit == "d":
        index = site_index(site, first, first + dt.timedelta(days=int(amount)))
    else:
        index = site_index(site, first, hours=amount)
    return index[0], index[-1] + pd.Timedelta(minutes=site.interval_minutes)


def events_in_window(site: Site, start: pd.Timestamp, end: pd.Timestamp) -> tuple[Site, list[str]]:
    """The site with only the DR events that touch [start, end), and the names left out."""
    keep, dropped = [], []
    for event in site.dr_events:
        e0 = local_timestamp(event.start, site.timezone)
        e1 = local_timestamp(event.end, site.timezone)
        (keep if e1 > start and e0 < end else dropped).append(event)
    if not dropped:
        return site, []
    return site.model_copy(update={"dr_events": keep}), [e.name for e in dropped]


def require_inputs(site: Site, site_file: Path, opts: InputOptions) -> list[str]:
    """The problems of missing inputs (one line each)."""
    missing = []
    if opts.prices is None:
        missing.append(
            f"{site_file}: --prices is required (only the bundled sample site has default inputs)"
        )
    if opts.hashprice is None:
        missing.append(f"{site_file}: --hashprice is required (a file or a USD/PH/day number)")
    if site.solar is not None and opts.solar is None:
        missing.append(f"{site_file}: the site has solar, so --solar is required")
    if site.coincident_peak is not None and opts.cp_probability is None:
        missing.append(
            f"{site_file}: the site has coincident_peak, so --cp-probability is required"
        )
    return missing


def load_cli_inputs(
    site: Site, site_file: Path, opts: InputOptions, start: pd.Timestamp, end: pd.Timestamp
) -> Inputs:
    """Read, check and align the inputs for [start, end); the first problem raises."""
    missing = require_inputs(site, site_file, opts)
    if missing:
        raise DataError(missing[0], problems=missing)
    return load_inputs(site, **opts.given(), start=start, end=end, location=opts.location)  # type: ignore[arg-type]


def status_line(console: Console, text: str) -> contextlib.AbstractContextManager[Any]:
    """A spinner with ``text`` while a step runs, on a terminal only (quiet when piped)."""
    return console.status(text) if console.is_terminal else contextlib.nullcontext()


def write_outputs(out_dir: Path, files: Mapping[str, bytes | str]) -> None:
    """Write ``files`` (name -> content) into ``out_dir`` all or nothing.

    They go into a temporary directory beside ``out_dir`` first; a new ``out_dir`` is that
    directory renamed, an existing one receives each file by an atomic rename (its other
    files stay).  On failure the temporary directory is removed.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(20, "exists and is not a directory", str(out_dir))
    parent = out_dir.absolute().parent
    made = [p for p in (parent, *parent.parents) if not p.exists()]
    tmp: Path | None = None
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=parent))
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; the output follows the umask
        for name, content in files.items():
            target = tmp / name
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        if out_dir.exists():
            for name in files:
                os.replace(tmp / name, out_dir / name)
        else:
            os.rename(tmp, out_dir)
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        for folder in made:  # the parents this call created, innermost first
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    shutil.rmtree(tmp, ignore_errors=True)


# --- dispatch plan ---------------------------------------------------------------------------


@app.command("plan")
@cli_errors
def plan_command(
    site_file: SiteArg,
    prices: PricesOpt = None,
    hashprice: HashpriceOpt = None,
    hpc_load: HpcLoadOpt = None,
    cp_probability: CpProbabilityOpt = None,
    solar: SolarOpt = None,
    location: LocationOpt = None,
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
    opts = InputOptions(prices, hashprice, hpc_load, cp_probability, solar, location)
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


# --- dispatch validate -----------------------------------------------------------------------


@app.command("validate")
@cli_errors
def validate_command(
    site_file: SiteArg,
    prices: PricesOpt = None,
    hashprice: HashpriceOpt = None,
    hpc_load: HpcLoadOpt = None,
    cp_probability: CpProbabilityOpt = None,
    solar: SolarOpt = None,
    location: LocationOpt = None,
    day: DayOpt = None,
    horizon: HorizonOpt = "1d",
) -> None:
    """Check the site file and every input without solving; list every problem found."""
    opts = InputOptions(prices, hashprice, hpc_load, cp_probability, solar, location)
    opts, _ = opts.with_sample_defaults(site_file)
    problems: list[str] = []
    try:
        site: Site | None = load_site(site_file)
    except ConfigError as exc:
        problems += exc.problems
        site = None
    window = None
    if site is not None:
        problems += require_inputs(site, site_file, opts)
        try:
            window = plan_window(site, opts, day, horizon)
        except DispatchError as exc:
            if opts.prices is not None or day is not None:
                problems.append(str(exc))
    if site is not None and window is not None:
        problems += check_inputs(events_in_window(site, *window)[0], opts, *window)
    else:
        problems += read_inputs_only(site, opts)
    problems = list(dict.fromkeys(problems))
    for problem in problems:
        typer.echo(f"error: {' '.join(problem.split())}", err=True)
    if problems:
        typer.echo(f"{len(problems)} problem(s) found", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    checked = ", ".join(opts.given()) or "no inputs"
    where = (
        "" if window is None else f" for {window[0]:%Y-%m-%d %H:%M} to {window[1]:%Y-%m-%d %H:%M}"
    )
    typer.echo(f"ok: {site_file} and {checked}{where}")


def check_inputs(
    site: Site, opts: InputOptions, start: pd.Timestamp, end: pd.Timestamp
) -> list[str]:
    """Every input given, checked on its own against the site and the window."""
    index = site_index(site, start, end)
    stand_in: dict[str, Any] = {
        "prices": pd.Series(0.0, index=index, name="price_usd_per_mwh"),
        "hashprice": 1.0,
    }
    if site.coincident_peak is not None:
        stand_in["cp_probability"] = pd.Series(0.0, index=index, name="cp_probability")
    if site.solar is not None:
        stand_in["solar"] = pd.Series(0.0, index=index, name="solar_cf")
    problems = []
    for key, value in opts.given().items():
        try:
            load_inputs(
                site, **{**stand_in, key: value}, start=start, end=end, location=opts.location
            )
        except DispatchError as exc:
            problems.append(str(exc))
    return problems


def read_inputs_only(site: Site | None, opts: InputOptions) -> list[str]:
    """Without a valid site or window: can each input file at least be read?"""
    tz = site.timezone if site is not None else "UTC"
    names = {
        "prices": "price_usd_per_mwh",
        "hashprice": "hashprice_usd_per_ph_day",
        "hpc_load": "hpc_it_load_mw",
        "cp_probability": "cp_probability",
        "solar": "solar_cf",
    }
    problems = []
    for key, value in opts.given().items():
        if not isinstance(value, Path) or key == "hpc_load":
            continue  # numbers are checked with the site; a per-hall file needs its halls
        try:
            read_series(value, name=names[key], tz=tz, location=opts.location)
        except DispatchError as exc:
            problems.append(str(exc))
    return problems


def main() -> None:
    """Entry point of the ``dispatch`` console script."""
    app()


# other commands register below (one line each, e.g. `from dispatch import cli_backtest`)
from dispatch import cli_backtest  # noqa: E402, F401  (registers `dispatch backtest`)

if __name__ == "__main__":
    # Run the app of the imported module ``dispatch.cli``, not of this ``__main__`` copy, so
    # the commands registered above (which import ``dispatch.cli``) are on it.
    from dispatch.cli import main as _main

    _main()
