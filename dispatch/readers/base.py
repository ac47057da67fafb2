"""What every layout shares: the checked :class:`Table`, :class:`Where` for error messages,
the index check and the small cell helpers.

Rows are counted as in the file: row 1 is the first data row after the header.  For pandas
input, errors name the timestamp (or the index label) instead.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, replace
from typing import TypeAlias

import numpy as np
import pandas as pd

from dispatch.errors import DataError
from dispatch.files import clip

#: Marks a series whose rows are local calendar days (23, 24 or 25 hours long).
DAY = "local day"
NA_TEXT = {"nan", "na", "n/a", "null", "none", "nat", "#n/a"}
DATE_RE = r"^\d{4}-\d{2}-\d{2}$"

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
    param: str | None = "location"  # the argument picking a location, for messages (None: none)

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
        return replace(self, rows=rows)


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

    def pick(
        self, column: str | None, name: str, location: str | None = None, *, api: bool = False
    ) -> str:
        """The value column: ``column``, the layout's price column, the only one, ``name``,
        or, in a plain file with one column per location (``rt_spp_hb_west_usd_per_mwh``),
        the one whose name contains ``location`` (``HB_WEST``; case, ``_`` and spaces
        ignored).  ``api``: the caller can also pass ``column=`` (said in the message)."""
        found = list(self.columns.columns)
        if column is not None:
            if column in found:
                return column
            raise DataError(
                f"{self.where.label}: no column {column!r} (value columns found: {listing(found)})"
            )
        if self.default_column is not None:
            return self.default_column
        if location is not None and self.location is None and len(found) > 1:
            wanted = norm_column(location)
            matches = [c for c in found if wanted and wanted in norm_column(c)]
            if len(matches) == 1:
                return matches[0]
            what = "no value column" if not matches else f"{len(matches)} value columns"
            raise DataError(
                f"{self.where.label}: {what} matches {self.where.param}={location} (value "
                f"columns: {listing(found)}); give a part of one column's name"
            )
        if len(found) == 1:
            return found[0]
        if name in found:
            return name
        if not found:
            raise DataError(f"{self.where.label}: no value column besides the timestamps")
        choose = (
            f"choose one with column=NAME, or {self.where.param}=PART of its name, e.g. "
            f"{found[0]}; or name the column {name}"
            if api and self.where.param
            else f"choose one with {self.where.param}=NAME (a column name or a part of it, e.g. "
            f"{found[0]}), or name the column {name}"
            if self.where.param
            else f"keep one value column, or name the column {name}"
        )
        raise DataError(f"{self.where.label}: several value columns ({listing(found)}); {choose}")

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
            elif text is None or cell.lower() in NA_TEXT:
                problem = f"missing value ({cell!r})"
            else:
                problem = f"{cell!r} is not a number"
            raise DataError(f"{self.where.at(column, pos, self.index[pos])}: {problem}")
        return pd.Series(values, index=self.index, name=column)


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


def select_location(
    frame: pd.DataFrame, column: str, location: str | None, where: Where
) -> tuple[pd.DataFrame, Where, str]:
    names = frame[column].astype(str).str.strip()
    available = sorted(names.unique().tolist())
    if location is None:
        if len(available) != 1:
            raise DataError(
                f"{where.prefix(column)}: {len(available)} locations ({listing(available)}); "
                + (
                    f"choose one with {where.param}={available[0]} (or another of them)"
                    if where.param
                    else "keep the rows of one location only"
                )
            )
        location = available[0]
    elif location not in available:
        raise DataError(
            f"{where.prefix(column)}: no rows for location {location!r} "
            f"(available: {listing(available)})"
        )
    mask = (names == location).to_numpy()
    return frame[mask].reset_index(drop=True), where.keep(mask), location


def whole_numbers(
    raw: pd.Series, where: Where, column: str, low: int, high: int, *, strip_minutes: bool = False
) -> np.ndarray:
    """Whole numbers in ``[low, high]``; ``"02:00"`` reads as 2 when ``strip_minutes``."""
    text = raw.astype(str).str.strip()
    if strip_minutes:
        text = text.str.replace(r"^(\d{1,2}):00$", r"\1", regex=True)
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    ok = np.isfinite(values) & (values == np.round(values)) & (values >= low) & (values <= high)
    first_bad(~ok, where, column, text, f"is not a whole number from {low} to {high}")
    return values.astype(int)


def first_bad(
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


def check_zone(name: str, what: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise DataError(f"{what}: unknown timezone {clip(name)!r} (use an IANA name)") from None
    return name


def norm_column(column: str) -> str:
    return re.sub(r"[\s_]", "", column.lower())


def listing(items: list[str], limit: int = 12) -> str:
    shown = ", ".join(str(i) for i in items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "")
