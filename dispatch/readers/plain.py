"""The plain layout: a timestamp column (or a pandas index) and value columns."""

from __future__ import annotations

import re

import pandas as pd

from dispatch.errors import DataError
from dispatch.readers.base import DATE_RE, DAY, Table, Where, listing
from dispatch.readers.timestamps import declared_zone, parse_times

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


def read_plain(
    frame: pd.DataFrame,
    where: Where,
    tz: str,
    time_col: str | None,
    declared_tz: str | None,
    naive_zone: str | None = None,
) -> Table:
    """A timestamp column and value columns (the time column may come from a pandas index,
    or be named by the caller: ``--time-column``)."""
    columns = list(frame.columns)
    if time_col is not None and time_col not in columns:
        raise DataError(
            f"{where.label}: no column {time_col!r} for the timestamps "
            f"(found: {listing(columns)}); fix --time-column"
        )
    if time_col is None:
        lower = {c.lower(): c for c in reversed(columns)}
        time_col = next((lower[n] for n in TIME_COLUMNS if n in lower), None)
        if time_col is None:
            first = str(frame.iloc[0, 0]).strip()
            if not re.match(r"^\d{4}-\d{2}-\d{2}", first):
                raise DataError(
                    f"{where.label}: no timestamp column (found: {listing(columns)}; expected "
                    f"one of {', '.join(TIME_COLUMNS)}, or ISO timestamps in the first column)"
                )
            time_col = columns[0]
    tz_col = next((c for c in columns if c.lower() in TZ_COLUMNS), None)
    zone = declared_zone(frame, tz_col, where, declared_tz)
    index = parse_times(frame[time_col], time_col, where, tz, zone, naive_zone)
    values = [c for c in columns if c != time_col and c != tz_col and not _is_time_like(c)]
    times = frame[time_col]
    # a tz-aware column is never dates only (its text has the time and the UTC offset)
    aware = isinstance(times.dtype, pd.DatetimeTZDtype)
    daily = not aware and times.astype(str).str.strip().str.match(DATE_RE).all()
    return Table(where, time_col, index, frame[values], DAY if daily else None)


def _is_time_like(column: str) -> bool:
    lower = column.lower()
    return lower in TIME_COLUMNS or lower.startswith(("interval_start", "interval_end"))
