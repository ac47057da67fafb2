"""File layouts of input time series: recognise them, parse the timestamps, check the rows.

:func:`read_table` turns a source (a ``.csv``/``.parquet`` path or a pandas object) into a
:class:`Table`: tz-aware interval starts, the candidate value columns and the file row of
each kept row, so that every error can name the file, the column and the row.  The public
entry point is :func:`dispatch.data.read_series`; its docstring lists the layouts and the
timestamp rules.

Rows are counted as in the file: row 1 is the first data row after the header.  For pandas
input, errors name the timestamp (or the index label) instead.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

import numpy as np
import pandas as pd

from dispatch.errors import DataError

#: Timestamp column names recognised in a plain layout, in order of preference.
TIME_COLUMNS = (
    "timestamp",
    "time",
    "datetime",
    "interval_start",
    "interval_start_utc",
    "interval_start_local",
    "date",
)
#: Columns that may declare the timezone of the file's timestamps.
TZ_COLUMNS = ("tz", "timezone")
#: ERCOT publishes settlement point prices in Central Prevailing Time.
ERCOT_TZ = "America/Chicago"
#: Marks a series whose rows are local calendar days (23, 24 or 25 hours long).
DAY = "local day"

_NA_TEXT = {"nan", "na", "n/a", "null", "none", "nat", "#n/a"}
_DATE_RE = r"^\d{4}-\d{2}-\d{2}$"
_ISO_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*"
    r"(?P<offset>Z|[+-]\d{2}(?::?\d{2})?)?$"
)

Step: TypeAlias = pd.Timedelta | str  # a fixed length, or DAY


def fmt_ts(ts: pd.Timestamp) -> str:
    """``2026-08-17 10:00-05:00``: minutes (seconds only when non-zero) and the UTC offset."""
    text = ts.strftime("%Y-%m-%d %H:%M:%S" if ts.second or ts.microsecond else "%Y-%m-%d %H:%M")
    offset = ts.strftime("%z")
    return f"{text}{offset[:3]}:{offset[3:]}" if offset else text


def fmt_step(step: Step) -> str:
    """``15 min``, ``1 h``, ``local day``."""
    if isinstance(step, str):
        return step
    minutes = step / pd.Timedelta(minutes=1)
    if minutes % 60 == 0:
        return f"{minutes / 60:g} h"
    return f"{minutes:g} min"


@dataclass(frozen=True)
class Where:
    """Names a place in a source for error messages: the file (or series), column and row.

    ``rows`` holds, for each kept row, its 1-based data row in the file (``row_word`` "row")
    or its index label in a pandas frame (``row_word`` "index"); ``None`` when the pandas
    object's index is the timestamps, in which case rows are named by their timestamp.
    """

    label: str
    rows: np.ndarray | None = None
    row_word: str = "row"

    def prefix(self, column: str | None = None) -> str:
        return self.label if column is None else f"{self.label}, column {column}"

    def row(self, pos: int, stamp: object = None) -> str:
        text = fmt_ts(stamp) if isinstance(stamp, pd.Timestamp) else stamp
        if self.rows is None:
            return str(text) if text is not None else f"position {pos + 1}"
        row = f"{self.row_word} {self.rows[pos]}"
        return f"{row} ({text})" if text is not None else row

    def at(self, column: str | None, pos: int, stamp: object = None) -> str:
        return f"{self.prefix(column)}, {self.row(pos, stamp)}"

    def keep(self, mask: np.ndarray) -> Where:
        rows = None if self.rows is None else self.rows[mask]
        return Where(self.label, rows, self.row_word)


@dataclass(frozen=True)
class Table:
    """One source after layout detection: interval starts and the candidate value columns."""

    where: Where
    time_column: str
    index: pd.DatetimeIndex
    columns: pd.DataFrame
    step: Step | None
    default_column: str | None = None
    location: str | None = None

    def pick(self, column: str | None, name: str) -> str:
        """The value column: ``column``, the layout's price column, the only one, or ``name``."""
        found = list(self.columns.columns)
        if column is not None:
            if column in found:
                return column
            raise DataError(
                f"{self.where.label}: no column {column!r} (value columns found: {_listing(found)})"
            )
        if self.default_column is not None:
            return self.default_column
        if len(found) == 1:
            return found[0]
        if name in found:
            return name
        if not found:
            raise DataError(f"{self.where.label}: no value column besides the timestamps")
        raise DataError(
            f"{self.where.label}: several value columns ({_listing(found)}); "
            f"choose one with column= or name it {name}"
        )

    def describe(self, column: str) -> str:
        """``data/prices.csv [price_usd_per_mwh]`` (with ``@ location`` when one was chosen)."""
        at = f" @ {self.location}" if self.location else ""
        return f"{self.where.label} [{column}{at}]"

    def floats(self, column: str) -> pd.Series:
        """A column as finite floats; the first empty, NaN or non-numeric cell is an error."""
        raw = self.columns[column]
        if pd.api.types.is_numeric_dtype(raw.dtype):
            text = None
            values = raw.to_numpy(dtype=float, na_value=np.nan)
        else:
            text = raw.astype(str).str.strip()
            values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isfinite(values)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            cell = str(values[pos]) if text is None else text.iloc[pos]
            if cell == "":
                problem = "empty cell"
            elif np.isinf(values[pos]):
                problem = f"value {cell!r} is not finite"
            elif text is None or cell.lower() in _NA_TEXT:
                problem = f"missing value ({cell!r})"
            else:
                problem = f"{cell!r} is not a number"
            raise DataError(f"{self.where.at(column, pos, self.index[pos])}: {problem}")
        return pd.Series(values, index=self.index, name=column)


def read_table(
    source: str | Path | pd.Series | pd.DataFrame,
    *,
    name: str,
    tz: str,
    location: str | None = None,
    column: str | None = None,
    declared_tz: str | None = None,
) -> Table:
    """Read a source, recognise its layout and return its checked :class:`Table`.

    The checks here are on the rows (timestamps readable, no duplicates, sorted, regular);
    values are checked when a column is taken with :meth:`Table.floats`.
    """
    _zone(tz, "site timezone")
    if declared_tz is not None:
        _zone(declared_tz, "declared_tz")
    frame, where, time_col = _load(source, name)
    names = {_norm(c): c for c in frame.columns}
    if "deliverydate" in names:
        table = _ercot(frame, where, tz, location, column)
    elif "Interval Start" in frame.columns:
        table = _gridstatus(frame, where, tz, location, column, declared_tz)
    else:
        table = _plain(frame, where, tz, time_col, declared_tz)
    step = check_index(table.index, table.where, table.time_column)
    index = table.index.rename("interval_start")
    return dataclasses.replace(table, index=index, step=step if step is not None else table.step)


def check_index(index: pd.DatetimeIndex, where: Where, column: str | None = None) -> Step | None:
    """Reject duplicate, unsorted and irregular timestamps; return the step (None: one row).

    Rows all at local midnight on consecutive days are daily (:data:`DAY`), whatever the
    DST changes between them; otherwise every row must follow the previous one by the same
    length of time (the most common spacing).
    """
    if len(index) < 2:
        return None
    dup = index.duplicated()
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        raise DataError(f"{where.at(column, pos, index[pos])}: duplicate timestamp")
    ns = index.as_unit("ns").asi8
    diff = np.diff(ns)
    if (diff < 0).any():
        pos = int(np.flatnonzero(diff < 0)[0]) + 1
        raise DataError(
            f"{where.at(column, pos, index[pos])}: timestamps are not sorted "
            f"(previous row is {fmt_ts(index[pos - 1])})"
        )
    wall = index.tz_localize(None)
    if (wall == wall.normalize()).all():
        days = wall.normalize().as_unit("s").asi8 // 86_400
        gap = np.flatnonzero(np.diff(days) != 1)
        if not len(gap):
            return DAY
        if len(gap) < len(days) - 1:  # mostly daily: name the first missing day
            pos = int(gap[0])
            raise DataError(
                f"{where.at(column, pos + 1, index[pos + 1])}: gap after "
                f"{index[pos]:%Y-%m-%d}: next row is {index[pos + 1]:%Y-%m-%d} "
                "(expected one row per local day)"
            )
    values, first, counts = np.unique(diff, return_index=True, return_counts=True)
    common = counts == counts.max()  # the most common spacing; on a tie, the earliest
    step_ns = int(values[common][np.argmin(first[common])])
    step = pd.Timedelta(step_ns, unit="ns")
    bad = np.flatnonzero(diff != step_ns)
    if len(bad):
        pos = int(bad[0])
        before, after = index[pos], index[pos + 1]
        same_day = before.strftime("%Y-%m-%d") == after.strftime("%Y-%m-%d")
        shown = fmt_ts(after)[11:] if same_day else fmt_ts(after)
        if diff[pos] > step_ns:
            problem = f"gap after {fmt_ts(before)}: next row is {shown}"
        else:
            short = fmt_step(pd.Timedelta(int(diff[pos]), unit="ns"))
            problem = f"irregular spacing: {shown} is only {short} after {fmt_ts(before)}"
        raise DataError(f"{where.at(column, pos + 1)}: {problem} (expected every {fmt_step(step)})")
    return step


# --- sources -------------------------------------------------------------------------------


def _load(source: object, name: str) -> tuple[pd.DataFrame, Where, str | None]:
    """The raw frame, where it came from, and the timestamp column when the index held it."""
    if isinstance(source, (pd.Series, pd.DataFrame)):
        label = f"{name} series"
        frame = source if isinstance(source, pd.DataFrame) else source.to_frame(source.name or name)
        if frame.empty:
            raise DataError(f"{label}: empty")
        if isinstance(frame.index, pd.DatetimeIndex):
            time_col = str(frame.index.name or "index")
            if time_col in frame.columns:  # a column already has the index's name
                time_col = "interval_start"
            frame = frame.copy()
            frame.insert(0, time_col, frame.index.astype(str))
            frame = frame.reset_index(drop=True)
            frame.columns = [str(c) for c in frame.columns]
            return frame, Where(label), time_col
        frame = frame.copy()
        rows = np.asarray(frame.index)
        frame = frame.reset_index(drop=True)
        frame.columns = [str(c).strip() for c in frame.columns]
        return frame, Where(label, rows, "index"), None
    if not isinstance(source, (str, Path)):
        raise DataError(
            f"{name}: expected a .csv/.parquet path or a pandas object, got {type(source).__name__}"
        )
    path = Path(source)
    label = str(source)
    if not path.is_file():
        raise DataError(f"{label}: file not found")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            with warnings.catch_warnings():  # a row longer than the header: error, not warning
                warnings.simplefilter("error", pd.errors.ParserWarning)
                frame = pd.read_csv(
                    path, dtype=str, keep_default_na=False, skipinitialspace=True, index_col=False
                )
        elif suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        else:
            raise DataError(f"{label}: unsupported file type {suffix!r} (use .csv or .parquet)")
    except pd.errors.EmptyDataError:
        raise DataError(f"{label}: empty file") from None
    except pd.errors.ParserWarning:
        raise DataError(
            f"{label}: cannot read CSV file: a row has more fields than the header"
        ) from None
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        kind = "CSV" if suffix == ".csv" else "parquet"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{label}: cannot read {kind} file: {first}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise DataError(f"{label}: no data rows (columns: {_listing(list(frame.columns))})")
    return frame.reset_index(drop=True), Where(label, np.arange(1, len(frame) + 1)), None


# --- layouts -------------------------------------------------------------------------------


def _plain(
    frame: pd.DataFrame, where: Where, tz: str, time_col: str | None, declared_tz: str | None
) -> Table:
    """A timestamp column and value columns (the time column may come from a pandas index)."""
    columns = list(frame.columns)
    if time_col is None:
        lower = {c.lower(): c for c in reversed(columns)}
        time_col = next((lower[n] for n in TIME_COLUMNS if n in lower), None)
        if time_col is None:
            first = str(frame.iloc[0, 0]).strip()
            if not re.match(r"^\d{4}-\d{2}-\d{2}", first):
                raise DataError(
                    f"{where.label}: no timestamp column (found: {_listing(columns)}; expected "
                    f"one of {', '.join(TIME_COLUMNS)}, or ISO timestamps in the first column)"
                )
            time_col = columns[0]
    tz_col = next((c for c in columns if c.lower() in TZ_COLUMNS), None)
    zone = _declared_zone(frame, tz_col, where, declared_tz)
    index = parse_times(frame[time_col], time_col, where, tz, zone)
    values = [c for c in columns if c != time_col and c != tz_col and not _is_time_like(c)]
    daily = frame[time_col].astype(str).str.strip().str.match(_DATE_RE).all()
    return Table(where, time_col, index, frame[values], DAY if daily else None)


def _gridstatus(
    frame: pd.DataFrame,
    where: Where,
    tz: str,
    location: str | None,
    column: str | None,
    declared_tz: str | None,
) -> Table:
    """gridstatus frames: ``Interval Start``, ``Interval End``, ``Location``, ``SPP``/``LMP``."""
    price = column or next((c for c in ("SPP", "LMP") if c in frame.columns), None)
    if price is None or price not in frame.columns:
        wanted = repr(column) if column else "SPP or LMP"
        raise DataError(
            f"{where.label}: gridstatus-style frame has no {wanted} column "
            f"(found: {_listing(list(frame.columns))})"
        )
    if "Location" in frame.columns:
        frame, where, location = _select_location(frame, "Location", location, where)
    index = parse_times(frame["Interval Start"], "Interval Start", where, tz, declared_tz)
    return Table(where, "Interval Start", index, frame[[price]], None, price, location)


def _ercot(
    frame: pd.DataFrame, where: Where, tz: str, location: str | None, column: str | None
) -> Table:
    """ERCOT settlement point prices: hour-ending Central Prevailing Time, repeated-hour flag."""
    names = {_norm(c): c for c in frame.columns}
    wanted = {
        "Delivery Date": ("deliverydate",),
        "Delivery Hour": ("deliveryhour", "hourending"),
        "Settlement Point Price": ("settlementpointprice",),
    }
    found = {
        key: next((names[k] for k in alias if k in names), None) for key, alias in wanted.items()
    }
    if column is not None:
        found["Settlement Point Price"] = column if column in frame.columns else None
    missing = [label for label, col in found.items() if col is None]
    if missing:
        raise DataError(
            f"{where.label}: ERCOT price file is missing column(s) {', '.join(missing)} "
            f"(found: {_listing(list(frame.columns))}; expected Delivery Date, Delivery Hour, "
            "[Delivery Interval], [Repeated Hour Flag], Settlement Point Name, "
            "Settlement Point Price)"
        )
    price = str(found["Settlement Point Price"])
    point = next((names[k] for k in ("settlementpointname", "settlementpoint") if k in names), None)
    if point is not None:
        frame, where, location = _select_location(frame, point, location, where)
    date_col, hour_col = str(found["Delivery Date"]), str(found["Delivery Hour"])
    text = frame[date_col].astype(str).str.strip()
    dates = pd.to_datetime(text, format="%m/%d/%Y", errors="coerce")
    _first_bad(dates.isna().to_numpy(), where, date_col, text, "is not a MM/DD/YYYY date")
    hour = _ints(frame[hour_col], where, hour_col, 1, 24, strip_minutes=True)
    interval_col = names.get("deliveryinterval")
    quarter = 1 if interval_col is None else _ints(frame[interval_col], where, interval_col, 1, 4)
    flag_col = next((names[k] for k in ("repeatedhourflag", "dstflag") if k in names), None)
    repeated = np.zeros(len(frame), dtype=bool)
    if flag_col is not None:
        flags = frame[flag_col].astype(str).str.strip().str.upper()
        _first_bad(~flags.isin(["Y", "N"]).to_numpy(), where, flag_col, flags, "is not Y or N")
        repeated = (flags == "Y").to_numpy()
    wall = (
        pd.DatetimeIndex(dates)
        + pd.to_timedelta(hour - 1, unit="h")
        + pd.to_timedelta(np.asarray((quarter - 1) * 15), unit="min")
    )
    missing_hour = wall.tz_localize(ERCOT_TZ, ambiguous=True, nonexistent="NaT").isna()
    unclear = wall.tz_localize(ERCOT_TZ, ambiguous="NaT", nonexistent="NaT").isna()
    ambiguous = unclear & ~missing_hour
    day_hour = [f"hour ending {h} of {d}" for h, d in zip(hour, text, strict=True)]
    _first_bad(
        missing_hour, where, hour_col, day_hour, "does not exist (spring-forward day)", raw=True
    )
    _first_bad(
        repeated & ~ambiguous, where, flag_col, day_hour, "is flagged repeated but is not", raw=True
    )
    index = wall.tz_localize(ERCOT_TZ, ambiguous=~repeated).tz_convert(tz)
    step = pd.Timedelta(minutes=15 if interval_col else 60)
    return Table(where, hour_col, index, frame[[price]], step, price, location)


# --- timestamps ----------------------------------------------------------------------------


def parse_times(
    raw: pd.Series, column: str, where: Where, tz: str, declared_tz: str | None = None
) -> pd.DatetimeIndex:
    """Interval starts from ISO 8601 text, converted to ``tz``.

    - With a UTC offset (``2026-08-17T00:00:00-05:00``, ``...Z``): used as given.  When
      ``declared_tz`` is set, each offset must be that zone's offset at that instant.
    - Dates only (``2026-08-17``): local days in ``declared_tz`` or ``tz`` (local midnights).
    - Naive times: UTC if the column is named ``utc``/``*_utc``; local time in
      ``declared_tz`` or ``tz`` if it is named ``local``/``*_local`` (a repeated fall-back
      hour is resolved by row order); an error otherwise.
    """
    text = raw.astype(str).str.strip().reset_index(drop=True)
    empty = text.eq("") | text.str.lower().isin(_NA_TEXT)
    _first_bad(empty.to_numpy(), where, column, text, "is not a timestamp (empty cell)")
    local_zone = declared_tz or tz
    if text.str.match(_DATE_RE).all():
        days = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        _first_bad(days.isna().to_numpy(), where, column, text, "is not a valid date")
        first_midnight = np.ones(len(days), dtype=bool)
        index = pd.DatetimeIndex(days).tz_localize(
            local_zone, ambiguous=first_midnight, nonexistent="shift_forward"
        )
        return index.tz_convert(tz)
    parts = text.str.extract(_ISO_RE)
    bad = ~text.str.match(_ISO_RE).to_numpy()
    _first_bad(bad, where, column, text, "is not an ISO 8601 timestamp")
    offsets = parts["offset"]
    aware = offsets.notna().to_numpy()
    if aware.all():
        stamps = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
        _first_bad(stamps.isna().to_numpy(), where, column, text, "is not a valid timestamp")
        index = pd.DatetimeIndex(stamps)
        if declared_tz is not None:
            _check_offsets(index, offsets, declared_tz, where, column, text)
        return index.tz_convert(tz)
    if aware.any():
        pos = int(np.flatnonzero(~aware)[0])
        raise DataError(
            f"{where.at(column, pos)}: naive timestamp {text.iloc[pos]!r} among timestamps "
            "with a UTC offset"
        )
    naive = pd.to_datetime(text, format="ISO8601", errors="coerce")
    _first_bad(naive.isna().to_numpy(), where, column, text, "is not a valid timestamp")
    lower = column.lower()
    if lower == "utc" or lower.endswith("_utc"):
        return pd.DatetimeIndex(naive).tz_localize("UTC").tz_convert(tz)
    if lower == "local" or lower.endswith("_local"):
        return _localize(pd.DatetimeIndex(naive), local_zone, where, column, text).tz_convert(tz)
    raise DataError(
        f"{where.at(column, 0)}: naive timestamps (no UTC offset, e.g. {text.iloc[0]!r}): "
        "add a UTC offset (2026-08-17T00:00:00-05:00) or name the column *_local "
        "(site timezone) or *_utc"
    )


def _localize(
    naive: pd.DatetimeIndex, zone: str, where: Where, column: str, text: pd.Series
) -> pd.DatetimeIndex:
    """Local wall times to aware ones; a repeated fall-back hour is told apart by row order."""
    try:
        return naive.tz_localize(zone, ambiguous="infer", nonexistent="raise")
    except ValueError:
        unclear = naive.tz_localize(zone, ambiguous="NaT", nonexistent="NaT").isna()
        pos = int(np.flatnonzero(unclear)[0]) if unclear.any() else 0
        raise DataError(
            f"{where.at(column, pos)}: local time {text.iloc[pos]!r} is ambiguous or does not "
            f"exist in {zone} (DST change); add a UTC offset"
        ) from None


def _check_offsets(
    index: pd.DatetimeIndex,
    offsets: pd.Series,
    zone: str,
    where: Where,
    column: str,
    text: pd.Series,
) -> None:
    """Each written UTC offset must be ``zone``'s offset at that instant."""
    written = offsets.map(_offset_minutes).to_numpy(dtype=float)
    local = index.tz_convert(zone)
    expected = (local.tz_localize(None) - index.tz_localize(None)) / pd.Timedelta(minutes=1)
    wrong = np.asarray(written) != np.asarray(expected)
    if wrong.any():
        pos = int(np.flatnonzero(wrong)[0])
        raise DataError(
            f"{where.at(column, pos)}: {text.iloc[pos]!r} has a UTC offset that {zone} does not "
            f"have at that instant ({fmt_ts(local[pos])}): different timezone than declared"
        )


def _offset_minutes(offset: str) -> float:
    if offset == "Z":
        return 0.0
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    return sign * (int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) > 2 else 0))


def _declared_zone(
    frame: pd.DataFrame, tz_col: str | None, where: Where, declared_tz: str | None
) -> str | None:
    """The zone the file says it is in (a tz/timezone column), reconciled with declared_tz."""
    if tz_col is None:
        return declared_tz
    zones = frame[tz_col].astype(str).str.strip().unique().tolist()
    if len(zones) != 1:
        raise DataError(f"{where.prefix(tz_col)}: several timezones ({_listing(zones)}); use one")
    zone = _zone(zones[0], where.prefix(tz_col))
    if declared_tz is not None and declared_tz != zone:
        raise DataError(
            f"{where.prefix(tz_col)}: the file says {zone} but declared_tz is {declared_tz}"
        )
    return zone


# --- helpers -------------------------------------------------------------------------------


def _select_location(
    frame: pd.DataFrame, column: str, location: str | None, where: Where
) -> tuple[pd.DataFrame, Where, str]:
    names = frame[column].astype(str).str.strip()
    available = sorted(names.unique().tolist())
    if location is None:
        if len(available) != 1:
            raise DataError(
                f"{where.prefix(column)}: {len(available)} locations ({_listing(available)}); "
                "choose one with location="
            )
        location = available[0]
    elif location not in available:
        raise DataError(
            f"{where.prefix(column)}: no rows for location {location!r} "
            f"(available: {_listing(available)})"
        )
    mask = (names == location).to_numpy()
    return frame[mask].reset_index(drop=True), where.keep(mask), location


def _ints(
    raw: pd.Series, where: Where, column: str, low: int, high: int, *, strip_minutes: bool = False
) -> np.ndarray:
    """Whole numbers in ``[low, high]``; ``"02:00"`` reads as 2 when ``strip_minutes``."""
    text = raw.astype(str).str.strip()
    if strip_minutes:
        text = text.str.replace(r"^(\d{1,2}):00$", r"\1", regex=True)
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    ok = np.isfinite(values) & (values == np.round(values)) & (values >= low) & (values <= high)
    _first_bad(~ok, where, column, text, f"is not a whole number from {low} to {high}")
    return values.astype(int)


def _first_bad(
    bad: np.ndarray,
    where: Where,
    column: str | None,
    text: object,
    problem: str,
    *,
    raw: bool = False,
) -> None:
    """Raise naming the first row where ``bad`` holds, quoting its cell."""
    if not bad.any():
        return
    pos = int(np.flatnonzero(bad)[0])
    cell = text.iloc[pos] if isinstance(text, pd.Series) else text[pos]  # type: ignore[index]
    shown = cell if raw else repr(cell)
    raise DataError(f"{where.at(column, pos)}: {shown} {problem}")


def _zone(name: str, what: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise DataError(f"{what}: unknown timezone {name!r} (use an IANA name)") from None
    return name


def _norm(column: str) -> str:
    return re.sub(r"[\s_]", "", column.lower())


def _is_time_like(column: str) -> bool:
    lower = column.lower()
    return lower in TIME_COLUMNS or lower.startswith(("interval_start", "interval_end"))


def _listing(items: list[str], limit: int = 12) -> str:
    shown = ", ".join(str(i) for i in items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "")
