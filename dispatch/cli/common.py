"""What the ``dispatch`` subcommands share: the input options, errors and exit codes, and
writing the outputs.

:func:`cli_errors` turns a :class:`~dispatch.DispatchError` or :class:`OSError` into one line
on stderr and exit code 2 (:func:`fail`); the ``*Opt`` types are the input options, gathered
in :class:`InputOptions` (the bundled sample site fills the ones not given); :func:`plan_window`
and :func:`events_in_window` turn ``--day``/``--horizon`` into a window; :func:`write_outputs`
writes a command's files all or nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import importlib
import math
import os
import re
import shutil
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from typer.core import TyperGroup

from dispatch import DataError, DispatchError

if TYPE_CHECKING:  # imported where used: `dispatch --help` loads no pandas, Pyomo or rich
    import pandas as pd
    from rich.console import Console

    from dispatch import Inputs, Site

EXIT_OK, EXIT_AT_RISK, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED = 130  # as a shell reports SIGINT
MIN_TIME_LIMIT_S = 0.1

#: Whether this process is the ``dispatch`` command itself (set by :func:`dispatch.cli.main`):
#: only then does the CLI tune the garbage collector (:func:`frozen_imports`); the app run
#: in-process (the tests' CliRunner, a notebook) leaves its host's collector alone.
OWN_PROCESS = False

P = ParamSpec("P")
R = TypeVar("R")


#: API argument names in messages -> the command line's options (``location=HB_WEST`` ->
#: ``--location HB_WEST``): a CLI user has no ``location=`` to type.
CLI_NAMES = (
    (re.compile(r"\bmax_scenarios="), "--max-scenarios "),
    (re.compile(r"\brt_location="), "--rt-location "),
    (re.compile(r"\blocation="), "--location "),
)


def cli_words(message: str) -> str:
    """``message`` on one line, with API argument names as the CLI's options."""
    text = " ".join(str(message).split())
    for pattern, option in CLI_NAMES:
        text = pattern.sub(option, text)
    return text


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print ``error: message`` as one line on stderr and exit with ``code``."""
    typer.echo(f"error: {cli_words(message)}", err=True)
    raise typer.Exit(code)


def fail_all(problems: list[str], code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print every problem as an ``error: ...`` line on stderr (in order) and exit ``code``."""
    for problem in problems[:-1]:
        typer.echo(f"error: {' '.join(str(problem).split())}", err=True)
    fail(problems[-1], code)


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


# the exceptions of the click typer runs on (its vendored copy in recent versions)
_errors = importlib.import_module(typer.BadParameter.__module__)
_NoArgsIsHelp: type[Exception] = getattr(
    _errors, "NoArgsIsHelpError", type("_Never", (Exception,), {})
)


class OneLineErrors(TyperGroup):
    """The command group: every usage error is one ``error:`` line (exit 2), and every
    Python warning (a :class:`~dispatch.DispatchWarning`, a library's) one ``warning:`` line.

    Typer would draw a five-line box for a bad option value (``--mip-gap abc``, a missing
    ``--from``); the bounds of numeric options are checked by the callbacks below, whose
    messages name the option, the bound and the fix.
    """

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = _show_warning
            try:
                code = super().main(*args, standalone_mode=False, **kwargs)
            except _NoArgsIsHelp as exc:
                ctx = getattr(exc, "ctx", None)
                typer.echo(ctx.get_help() if ctx is not None else str(exc), err=True)
                sys.exit(getattr(exc, "exit_code", EXIT_BAD_INPUT))
            except _errors.UsageError as exc:
                message = exc.format_message()
                if not isinstance(exc, typer.BadParameter) and exc.ctx is not None:
                    message += f" (see: {exc.ctx.command_path} --help)"
                typer.echo(f"error: {' '.join(message.split())}", err=True)
                sys.exit(EXIT_BAD_INPUT)
            except _errors.ClickException as exc:
                typer.echo(f"error: {' '.join(exc.format_message().split())}", err=True)
                sys.exit(exc.exit_code)
            except typer.Abort:
                typer.echo("aborted", err=True)
                sys.exit(EXIT_INTERRUPTED)
        sys.exit(code if isinstance(code, int) else EXIT_OK)


def _show_warning(message: Warning | str, category: type[Warning], *_: Any, **__: Any) -> None:
    """A warning as one ``warning: <text>`` line on stderr (no file, line or source)."""
    text = " ".join(str(message).split())
    if len(text) > 300:
        text = text[:297] + "..."
    typer.echo(f"warning: {text}", err=True)


@contextlib.contextmanager
def frozen_imports() -> Iterator[None]:
    """Import a command's heavy packages with the cyclic garbage collector paused, then move
    every object alive into its permanent generation (``gc.freeze``) and resume it.

    pandas, Pyomo and matplotlib create about a million objects on import, all alive until
    the process exits and none of them garbage; the collector walks every one of them at each
    full collection, three during ``dispatch plan``'s imports and more in its work (0.2-0.3 s
    measured at load 1; ``benchmarks/bench_cli.py --phases``).  Frozen, they are never walked
    again.  Only in the ``dispatch`` process itself (:data:`OWN_PROCESS`); elsewhere this
    does nothing."""
    if not OWN_PROCESS:
        yield
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def import_frozen(*modules: str) -> None:
    """Import ``modules`` (dotted names) as :func:`frozen_imports` does."""
    with frozen_imports():
        for module in modules:
            importlib.import_module(module)


class BackgroundImports:
    """Modules imported on a second thread while this one works, e.g. while HiGHS solves.

    HiGHS releases the GIL while it runs and its branch and bound keeps about one of the
    machine's cores busy, so ``dispatch plan`` imports matplotlib and the report (about
    0.2 s at load 1) on the other one during the solve.  :meth:`wait` before using the
    modules; the caller then imports them as usual (an import that failed here raises there,
    in the caller's thread).  As in :func:`frozen_imports`, the garbage collector is paused
    until :meth:`wait`, which freezes what the imports made.  Only in the ``dispatch`` process
    itself (:data:`OWN_PROCESS`); elsewhere the modules are imported where the caller
    imports them.
    """

    def __init__(self, *modules: str) -> None:
        self._thread: threading.Thread | None = None
        self._gc_enabled = gc.isenabled()
        if OWN_PROCESS:
            gc.disable()
            self._thread = threading.Thread(
                target=self._import, args=(modules,), name="dispatch-imports"
            )
            self._thread.start()

    @staticmethod
    def _import(modules: tuple[str, ...]) -> None:
        for module in modules:
            try:
                importlib.import_module(module)
            except Exception:  # raised again where the caller imports it
                return

    def wait(self) -> None:
        """Until the imports are done."""
        if self._thread is None:
            return
        self._thread.join()
        self._thread = None
        gc.freeze()
        if self._gc_enabled:
            gc.enable()


def warn_once(text: str) -> None:
    """One ``warning:`` line on stderr (for what went wrong but is not an error)."""
    _show_warning(text, UserWarning)


def mip_gap_option(value: float) -> float:
    """``--mip-gap``: a finite relative gap in [0, 1)."""
    if not (math.isfinite(value) and 0 <= value < 1):
        raise typer.BadParameter(
            f"{value} is not a relative gap in [0, 1); use e.g. --mip-gap 1e-3 (0.1 % of the "
            "plan's profit; 0 proves optimality, slowly)",
            param_hint="'--mip-gap'",
        )
    return value


def time_limit_option(value: float | None) -> float | None:
    """``--time-limit``: finite seconds, at least 0.1 (``None``: no limit)."""
    if value is not None and not (math.isfinite(value) and value >= MIN_TIME_LIMIT_S):
        raise typer.BadParameter(
            f"{value} is not a number of seconds >= {MIN_TIME_LIMIT_S}; use e.g. "
            "--time-limit 60, or leave it out for no limit",
            param_hint="'--time-limit'",
        )
    return value


def finite_option(value: float | None) -> float | None:
    """A numeric option that must be a finite number when given."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a finite number")
    return value


SiteArg = Annotated[
    Path, typer.Argument(help="site YAML file", show_default=False, metavar="SITE.yaml")
]
PricesOpt = Annotated[
    Path | None,
    typer.Option(
        help="energy prices, USD/MWh: CSV or Parquet (plain, gridstatus or ERCOT layout)",
        metavar="FILE",
    ),
]
HashpriceOpt = Annotated[
    str | None,
    typer.Option(
        help="hashprice, USD/PH/day: a CSV/Parquet file or a constant", metavar="FILE|VALUE"
    ),
]
HpcLoadOpt = Annotated[
    str | None,
    typer.Option(
        help="HPC IT load before PUE, MW: a file (one column per hall, or one total column) "
        "or a constant total",
        metavar="FILE|VALUE",
    ),
]
CpProbabilityOpt = Annotated[
    Path | None,
    typer.Option(
        help="probability that each interval is the coincident peak, 0..1", metavar="FILE"
    ),
]
SolarOpt = Annotated[
    Path | None, typer.Option(help="available share of solar capacity, 0..1", metavar="FILE")
]
LocationOpt = Annotated[
    str | None,
    typer.Option(
        help="settlement point / location to read from the price file (in a file with one "
        "column per location, a part of the column name, e.g. HB_WEST)",
        metavar="NAME",
    ),
]
ReservePricesOpt = Annotated[
    list[str] | None,
    typer.Option(
        help="clearing price of a reserve product, USD/MW-h, as NAME=FILE or NAME=FILE:COLUMN "
        "(repeat per product; ERCOT sample or gridstatus AS layout)",
        metavar="NAME=FILE",
    ),
]
GasFlowOpt = Annotated[
    str | None,
    typer.Option(
        help="gas flow per gas supply: a file (MMBtu/h, or Mcf/day in a *_mcf_per_day column) "
        "or a constant MMBtu/h"
    ),
]
GasPriceOpt = Annotated[
    str | None,
    typer.Option(help="gas index price, USD/MMBtu (e.g. Henry Hub daily): a file or a constant"),
]
DayOpt = Annotated[
    str | None,
    typer.Option(
        help="local day in the site timezone: YYYY-MM-DD, today or tomorrow (with "
        "--from-plan: the day the previous plan ends)",
        show_default="tomorrow",
        metavar="DAY",
    ),
]
_TIME_COLUMN_HELP = (
    "the timestamp column of the {files} (e.g. Datetime), when it is none of timestamp, time, "
    "datetime, interval_start, interval_start_utc, interval_start_local, date"
)
_TIMEZONE_HELP = (
    "how to read the {options} timestamps: utc, local (the site timezone) or an IANA zone such "
    "as America/New_York"
)
TimeColumnOpt = Annotated[
    str | None,
    typer.Option(help=_TIME_COLUMN_HELP.format(files="--prices file"), metavar="NAME"),
]
TimezoneOpt = Annotated[
    str | None,
    typer.Option(
        help=_TIMEZONE_HELP.format(options="--prices"),
        show_default="by column name",
        metavar="ZONE",
    ),
]
#: ``dispatch backtest`` reads ``--rt-prices`` the same way (``load_inputs`` applies both to
#: ``prices`` and ``rt_prices``): its help says so.
PriceFilesTimeColumnOpt = Annotated[
    str | None,
    typer.Option(
        help=_TIME_COLUMN_HELP.format(files="--prices and --rt-prices files"), metavar="NAME"
    ),
]
PriceFilesTimezoneOpt = Annotated[
    str | None,
    typer.Option(
        help=_TIMEZONE_HELP.format(options="--prices and --rt-prices"),
        show_default="by column name",
        metavar="ZONE",
    ),
]
HorizonOpt = Annotated[
    str,
    typer.Option(
        help="length from the day's local midnight: hours (24h, 36h) or days (1d)",
        metavar="LENGTH",
    ),
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
    reserve_prices: tuple[str, ...] = ()
    gas_flow: str | None = None
    gas_price: str | None = None
    time_column: str | None = None
    timezone: str | None = None

    def given(self, problems: list[str] | None = None) -> dict[str, Any]:
        """The inputs given, as :func:`dispatch.load_inputs` arguments (numbers parsed).

        A value that is not a finite number (or a bad ``--reserve-prices`` item) raises, or
        with ``problems``, is appended to it and left out (``dispatch validate`` lists every
        problem)."""
        out: dict[str, Any] = {}
        keys = ("prices", "hashprice", "hpc_load", "cp_probability", "solar", "gas_flow")
        for key in (*keys, "gas_price"):
            value = getattr(self, key)
            if value is None:
                continue
            try:
                out[key] = file_or_number(value, key) if isinstance(value, str) else Path(value)
            except DataError as exc:
                if problems is None:
                    raise
                problems.append(str(exc))
        if self.reserve_prices:
            try:
                out["reserve_prices"] = parse_reserve_prices(self.reserve_prices)
            except DataError as exc:
                if problems is None:
                    raise
                problems.append(str(exc))
        return out

    def with_sample_defaults(self, site_file: Path) -> tuple[InputOptions, bool]:
        """For the bundled sample site, fill every input not given from the sample files."""
        from dispatch import sample_paths

        if not is_sample_site(site_file):
            return self, False
        paths = sample_paths()
        filled = {
            key: (str(paths[key]) if key in ("hashprice", "hpc_load") else paths[key])
            for key in ("prices", "hashprice", "hpc_load", "cp_probability")
            if getattr(self, key) is None
        }
        return replace(self, **filled), bool(filled)  # type: ignore[arg-type]


def parse_reserve_prices(items: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """``["rrs=as.csv", "ecrs=as.csv:ecrs_usd_per_mw_h"]`` -> ``{"rrs": Path, "ecrs": (Path,
    column)}``; a file that exists as written wins over a ``:COLUMN`` split."""
    out: dict[str, Any] = {}
    for item in items:
        name, sep, rest = item.partition("=")
        if not sep or not name or not rest:
            raise DataError(f"--reserve-prices {item!r}: expected NAME=FILE or NAME=FILE:COLUMN")
        if name in out:
            raise DataError(f"--reserve-prices: product {name!r} is given twice")
        path, colon, column = rest.rpartition(":")
        if Path(rest).exists() or not colon or not path:
            out[name] = Path(rest)
        else:
            out[name] = (Path(path), column)
    return out


def file_or_number(text: str, key: str | None = None) -> Path | float:
    """``"45.5"`` -> 45.5; anything else is a path.  ``key``: the input, for the message."""
    try:
        value = float(text)
    except ValueError:
        return Path(text)
    if not math.isfinite(value):
        option = f"--{key.replace('_', '-')} " if key else ""
        raise DataError(f"{option}{text!r}: not a finite number; give a file or a number")
    return value


def is_sample_site(site_file: Path) -> bool:
    """Whether ``site_file`` is the bundled ``dispatch/sample_data/sample_site.yaml``."""
    from dispatch import sample_paths

    sample = sample_paths()["site"]
    try:
        return Path(site_file).resolve() == sample.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symbolic link loop (Python < 3.13)
        return False


def load_site(site_file: Path) -> Site:
    """The site file, validated (a :class:`ConfigError` names the file and field)."""
    from dispatch import Site

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


def parse_day(site: Site, text: str) -> dt.date:
    """``YYYY-MM-DD``, ``today`` or ``tomorrow`` (in the site timezone) as a date."""
    import pandas as pd

    key = text.strip().lower()
    if key in ("today", "tomorrow"):
        today = pd.Timestamp.now(tz=site.timezone).date()
        return today + dt.timedelta(days=1 if key == "tomorrow" else 0)
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise DataError(f"--day {text!r}: expected a date YYYY-MM-DD, today or tomorrow") from None


def read_prices(site: Site, opts: InputOptions) -> pd.Series:
    """The --prices series at its native frequency, read as the options say."""
    from dispatch import read_series

    assert opts.prices is not None
    return read_series(
        opts.prices,
        name="price_usd_per_mwh",
        tz=site.timezone,
        location=opts.location,
        time_column=opts.time_column,
        timezone=opts.timezone,
    )


def default_day(site: Site, opts: InputOptions) -> dt.date:
    """Tomorrow in the site timezone when the prices cover it; else a DataError saying what
    they cover."""
    import pandas as pd

    from dispatch.horizon import local_timestamp

    tomorrow = parse_day(site, "tomorrow")
    if opts.prices is None:  # an off-grid site: the other inputs say if they lack tomorrow
        return tomorrow
    index = read_prices(site, opts).index
    first = index[0]
    if index.freq is None or index.freqstr == "D":  # a daily series covers its last local day
        last = local_timestamp(index[-1].date() + dt.timedelta(days=1), site.timezone)
    else:  # the end of the last row's period
        last = index[-1] + pd.Timedelta(index.freq)
    t0 = local_timestamp(tomorrow, site.timezone)
    t1 = local_timestamp(tomorrow + dt.timedelta(days=1), site.timezone)
    if first <= t0 and last >= t1:
        return tomorrow
    last_day = (last - pd.Timedelta(seconds=1)).date()
    raise DataError(
        f"{opts.prices}: no --day given and the prices do not cover tomorrow ({tomorrow}, "
        f"{site.timezone}): they cover {first.date()} to {last_day}; give "
        f"--day {first.date()} (or any day in that range)"
    )


def check_whole_intervals(text: str, hours: float, interval_minutes: int) -> None:
    """Refuse a horizon in hours that is not a whole number of intervals, naming the two
    nearest that are (``1.1h`` on a 15-minute site: 1h or 1.25h)."""
    count = hours * 60 / interval_minutes
    if abs(count - round(count)) < 1e-9:
        return
    below = math.floor(count) * interval_minutes / 60
    above = math.ceil(count) * interval_minutes / 60
    nearest = " or ".join(f"{h:g}h" for h in (below, above) if h > 0)
    raise DataError(
        f"--horizon {text.strip()}: not a whole number of the site's {interval_minutes}-minute "
        f"intervals; use {nearest}"
    )


def plan_window(
    site: Site, opts: InputOptions, day: str | None, horizon: str
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start, end) of the plan: the day's local midnight and the horizon after it.

    With no ``day``: tomorrow in the site timezone, when the prices cover it.
    """
    import pandas as pd

    from dispatch import site_index

    amount, unit = parse_horizon(horizon)
    if unit == "h":
        check_whole_intervals(horizon, amount, site.interval_minutes)
    first = default_day(site, opts) if day is None else parse_day(site, day)
    if unit == "d":
        index = site_index(site, first, first + dt.timedelta(days=int(amount)))
    else:
        index = site_index(site, first, hours=amount)
    return index[0], index[-1] + pd.Timedelta(minutes=site.interval_minutes)


def events_in_window(site: Site, start: pd.Timestamp, end: pd.Timestamp) -> tuple[Site, list[str]]:
    """The site with only the DR events that touch [start, end), and the names left out."""
    from dispatch.horizon import local_timestamp

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
    if opts.prices is None and site.has_grid:
        missing.append(
            f"{site_file}: --prices is required for a site with a grid (only the bundled "
            "sample site has default inputs)"
        )
    if opts.hashprice is None:
        missing.append(f"{site_file}: --hashprice is required (a file or a USD/PH/day number)")
    if site.solar is not None and opts.solar is None:
        missing.append(f"{site_file}: the site has solar, so --solar is required")
    if site.coincident_peak is not None and opts.cp_probability is None:
        missing.append(
            f"{site_file}: the site has coincident_peak, so --cp-probability is required"
        )
    named = {item.partition("=")[0] for item in opts.reserve_prices}
    for product in site.reserve_products:
        if product.name not in named:
            missing.append(
                f"{site_file}: reserve product {product.name!r} needs its clearing prices: "
                f"--reserve-prices {product.name}=FILE[:COLUMN]"
            )
    return missing


def check_required(site: Site, site_file: Path, opts: InputOptions) -> None:
    """Every missing input at once, one line each in the order to fix them, then exit 2."""
    missing = require_inputs(site, site_file, opts)
    if missing:
        fail_all(missing)


def load_cli_inputs(
    site: Site, site_file: Path, opts: InputOptions, start: pd.Timestamp, end: pd.Timestamp
) -> Inputs:
    """Read, check and align the inputs for [start, end); the first problem raises."""
    from dispatch import load_inputs

    missing = require_inputs(site, site_file, opts)
    if missing:
        raise DataError(missing[0], problems=missing)
    return load_inputs(
        site,
        **opts.given(),  # type: ignore[arg-type]
        start=start,
        end=end,
        location=opts.location,
        time_column=opts.time_column,
        timezone=opts.timezone,
    )


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
