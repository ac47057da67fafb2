"""Timestamps: ISO 8601 text to tz-aware interval starts, and declared timezones."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from dispatch.errors import DataError
from dispatch.readers.base import DATE_RE, NA_TEXT, Where, check_zone, first_bad, fmt_ts, listing

_ISO_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*"
    r"(?P<offset>Z|[+-]\d{2}(?::?\d{2})?)?$"
)


def parse_times(
    raw: pd.Series,
    column: str,
    where: Where,
    tz: str,
    declared_tz: str | None = None,
    naive_zone: str | None = None,
) -> pd.DatetimeIndex:
    """Interval starts from ISO 8601 text, converted to ``tz``.

    - With a UTC offset (``2026-08-17T00:00:00-05:00``, ``...Z``): used as given.  When
      ``declared_tz`` is set, each offset must be that zone's offset at that instant.
    - Dates only (``2026-08-17``): local days in ``declared_tz`` or ``tz`` (local midnights).
    - Naive times: UTC if the column is named ``utc``/``*_utc``; local time in
      ``declared_tz`` or ``tz`` if it is named ``local``/``*_local`` (a repeated fall-back
      hour is resolved by row order); in ``naive_zone`` whatever the column's name when the
      caller gives one (``--timezone``); an error otherwise.
    """
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        index = _aware_times(raw, tz, declared_tz)
        if index is not None:
            return index
    text = raw.astype(str).str.strip().reset_index(drop=True)
    empty = text.eq("") | text.str.lower().isin(NA_TEXT)
    first_bad(empty.to_numpy(), where, column, text, "is not a timestamp (empty cell)")
    local_zone = declared_tz or tz
    if text.str.match(DATE_RE).all():
        days = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        first_bad(days.isna().to_numpy(), where, column, text, "is not a valid date")
        first_midnight = np.ones(len(days), dtype=bool)
        index = pd.DatetimeIndex(days).tz_localize(
            local_zone, ambiguous=first_midnight, nonexistent="shift_forward"
        )
        return index.tz_convert(tz)
    bad, offsets = _iso_offsets(text)
    first_bad(bad, where, column, text, "is not an ISO 8601 timestamp")
    aware = offsets.notna().to_numpy()
    if aware.all():
        stamps = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
        first_bad(stamps.isna().to_numpy(), where, column, text, "is not a valid timestamp")
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
    first_bad(naive.isna().to_numpy(), where, column, text, "is not a valid timestamp")
    lower = column.lower()
    if naive_zone is not None:
        if naive_zone == "UTC":
            return pd.DatetimeIndex(naive).tz_localize("UTC").tz_convert(tz)
        return _localize(pd.DatetimeIndex(naive), naive_zone, where, column, text).tz_convert(tz)
    if lower == "utc" or lower.endswith("_utc"):
        return pd.DatetimeIndex(naive).tz_localize("UTC").tz_convert(tz)
    if lower == "local" or lower.endswith("_local"):
        return _localize(pd.DatetimeIndex(naive), local_zone, where, column, text).tz_convert(tz)
    raise DataError(
        f"{where.at(column, 0)}: naive timestamps (no UTC offset, e.g. {text.iloc[0]!r}): "
        "say how to read them with --timezone utc|local|ZONE (read_series(timezone=...)), "
        "add a UTC offset (2026-08-17T00:00:00-05:00) or name the column *_local "
        "(site timezone) or *_utc"
    )


def _aware_times(raw: pd.Series, tz: str, declared_tz: str | None) -> pd.DatetimeIndex | None:
    """A tz-aware datetime column (Parquet's) read as its text would be, without writing
    every value as text (20 us a value): each value's UTC offset is its zone's at that
    instant.  ``None`` when the text must be read, to name a problem the way it does: a
    missing value, an offset that is not whole minutes or not ``declared_tz``'s, a year
    outside 1000-9999."""
    index = pd.DatetimeIndex(raw.reset_index(drop=True))
    if index.hasnans or not len(index):
        return None
    if index.year.min() < 1000 or index.year.max() > 9999:
        return None
    utc = index.tz_convert("UTC").tz_localize(None)
    written = (index.tz_localize(None) - utc) / pd.Timedelta(minutes=1)
    if (np.asarray(written) % 1 != 0).any():
        return None
    if declared_tz is not None:
        local = index.tz_convert(declared_tz).tz_localize(None)
        if (np.asarray((local - utc) / pd.Timedelta(minutes=1)) != np.asarray(written)).any():
            return None
    return index.tz_convert(tz)


def _iso_offsets(text: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Which rows are not ISO 8601 timestamps (:data:`_ISO_RE`), exactly up to the first
    such row (the one reported), and each row's UTC offset (``Z``, ``-05:00``; NA: none).

    pyarrow's RE2 matches every row (a second for a million rows instead of eight with
    Python's re, row by row); its ``\\d`` and ``\\s`` are ASCII only, so a row it matches
    Python's re matches alike, and a row it does not is matched again with Python's re."""
    import pyarrow as pa
    import pyarrow.compute as pc

    strings = pa.array(text, type=pa.string())
    if isinstance(strings, pa.ChunkedArray):  # a pandas column stored by pyarrow
        strings = strings.combine_chunks()
    found = pc.extract_regex(strings, _ISO_RE.pattern)
    matched = np.asarray(found.is_valid())
    offset = pc.if_else(pc.equal(found.field("offset"), ""), None, found.field("offset"))
    offsets = pd.Series(offset.to_pandas(), dtype=object)
    for pos in np.flatnonzero(~matched):
        cell = text.iloc[pos]  # a missing value (NaT written as text is NaN) is not text
        python = _ISO_RE.match(cell) if isinstance(cell, str) else None
        if python is None:
            break  # the first row that is not a timestamp: the caller names it
        matched[pos] = True
        offsets.iloc[pos] = python.group("offset")
    return ~matched, offsets


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


def declared_zone(
    frame: pd.DataFrame, tz_col: str | None, where: Where, declared_tz: str | None
) -> str | None:
    """The zone the file says it is in (a tz/timezone column), reconciled with declared_tz."""
    if tz_col is None:
        return declared_tz
    zones = frame[tz_col].astype(str).str.strip().unique().tolist()
    if len(zones) != 1:
        raise DataError(f"{where.prefix(tz_col)}: several timezones ({listing(zones)}); use one")
    zone = check_zone(zones[0], where.prefix(tz_col))
    if declared_tz is not None and declared_tz != zone:
        raise DataError(
            f"{where.prefix(tz_col)}: the file says {zone} but declared_tz is {declared_tz}"
        )
    return zone
