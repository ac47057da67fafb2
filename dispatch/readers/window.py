"""Big files: read only the rows near a window, streaming, before any parsing.

A price file of ten million rows read whole as strings (pandas, then the timestamp parser on
every row) took a minute and 3.3 GB for a plan that needs one day of it.  For a file of at
least :data:`MIN_BYTES` read for a window (``within``), :func:`read_window` streams it
in blocks with pyarrow (CSV: every column as text, as the full read; Parquet: batch by
batch) and keeps, in each block, the rows whose timestamp lies within :data:`MARGIN` of
the window, with their file row numbers (so every later error still names the row).
The caller then parses and checks only those rows exactly as it would the whole file.

The pre-filter is deliberately loose, so that it can never drop a row the window needs:

- text timestamps are compared on their ISO date (``YYYY-MM-DD``, the first ten
  characters) against the window's UTC dates widened by :data:`MARGIN` (two days: more than
  any UTC offset); a row whose text does not start with an ISO date is kept (the parser
  then reports it, as before);
- Parquet timestamp columns are compared as instants (a naive column as if UTC, again
  within the margin); a Parquet row group whose min/max statistics lie outside the widened
  window is never read.

What it changes: a malformed row far outside the window is no longer an error (it is never
read), as for the reserve-price files, which were already read for their window only.
Layouts whose time is not one column (ERCOT's delivery date + hour ending) and files
smaller than :data:`MIN_BYTES` are read whole, as before.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

MIN_BYTES = 32 * 2**20  # smaller files are read whole (a fraction of a second)
MARGIN = pd.Timedelta(days=2)
BLOCK_BYTES = 16 * 2**20
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: Timestamp columns the windowed read recognises, lower case, in order of preference
#: (the plain layout's names and gridstatus's ``Interval Start``).
TIME_NAMES = (
    "timestamp",
    "time",
    "datetime",
    "interval_start",
    "interval_start_utc",
    "interval_start_local",
    "date",
    "interval start",
)


def read_window(
    path: Path,
    suffix: str,
    within: tuple[pd.Timestamp, pd.Timestamp],
    time_column: str | None = None,
) -> tuple[pd.DataFrame, np.ndarray] | None:
    """The rows of a big file near ``within`` and their file row numbers (1 = the first data
    row), or ``None`` when the file is small or its layout is not one time column.
    ``time_column``: the user's name for it (otherwise one of :data:`TIME_NAMES`)."""
    if path.stat().st_size < MIN_BYTES:
        return None
    lo = pd.Timestamp(within[0]).tz_convert("UTC") - MARGIN
    hi = pd.Timestamp(within[1]).tz_convert("UTC") + MARGIN
    if suffix == ".csv":
        return _csv(path, lo, hi, time_column)
    if suffix in (".parquet", ".pq"):
        return _parquet(path, lo, hi, time_column)
    return None


def _time_column(names: list[str], given: str | None) -> str | None:
    if given is not None:
        return given if given in names else None
    lower = {name.strip().lower(): name for name in reversed(names)}
    return next((lower[n] for n in TIME_NAMES if n in lower), None)


def _csv(path: Path, lo: pd.Timestamp, hi: pd.Timestamp, given: str | None):  # type: ignore[no-untyped-def]
    import pyarrow as pa
    from pyarrow import csv

    header = pd.read_csv(path, nrows=0, index_col=False).columns
    names = [str(c) for c in header]
    time_col = _time_column(names, given)
    if time_col is None or len(set(names)) != len(names):
        return None
    reader = csv.open_csv(
        path,
        read_options=csv.ReadOptions(block_size=BLOCK_BYTES),
        convert_options=csv.ConvertOptions(
            column_types={name: pa.string() for name in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    frame, rows = _filtered(_batches(reader), time_col, lo, hi)
    # as pandas' skipinitialspace: the spaces after a delimiter are not part of the value
    return frame.apply(lambda col: col.str.lstrip(" ")), rows


def _parquet(path: Path, lo: pd.Timestamp, hi: pd.Timestamp, given: str | None):  # type: ignore[no-untyped-def]
    import pyarrow as pa
    import pyarrow.parquet as pq

    file = pq.ParquetFile(path)
    schema = file.schema_arrow
    time_col = _time_column(list(schema.names), given)
    if time_col is None:
        return None
    kind = schema.field(time_col).type
    if not (pa.types.is_timestamp(kind) or pa.types.is_string(kind)):
        return None
    column = schema.get_field_index(time_col)

    def groups():  # type: ignore[no-untyped-def]
        """The row groups whose statistics do not rule the window out (the others are
        never read), each with its first row's offset in the file."""
        offset = 0
        for i in range(file.metadata.num_row_groups):
            group = file.metadata.row_group(i)
            if not _outside(group.column(column).statistics, kind, lo, hi):
                yield file.read_row_group(i), offset
            offset += group.num_rows

    return _filtered(groups(), time_col, lo, hi, schema)


def _outside(stats, kind, lo: pd.Timestamp, hi: pd.Timestamp) -> bool:  # type: ignore[no-untyped-def]
    """Whether a row group's min/max statistics put every row outside ``[lo, hi]``."""
    import pyarrow as pa

    if stats is None or not stats.has_min_max:
        return False
    if pa.types.is_timestamp(kind):
        low, high = pd.Timestamp(stats.min), pd.Timestamp(stats.max)
        if low.tzinfo is None:
            low, high = low.tz_localize("UTC"), high.tz_localize("UTC")
        return bool(high < lo or low > hi)
    low, high = str(stats.min)[:10], str(stats.max)[:10]
    if not (_ISO_DATE.match(low) and _ISO_DATE.match(high)):
        return False
    return high < lo.strftime("%Y-%m-%d") or low > hi.strftime("%Y-%m-%d")


def _filtered(chunks, time_col: str, lo: pd.Timestamp, hi: pd.Timestamp, schema=None):  # type: ignore[no-untyped-def]
    """The rows of ``(table or record batch, offset of its first row)`` chunks near the
    window, as one frame, and their file row numbers."""
    import pyarrow as pa

    kept, rows = [], []
    for chunk, offset in chunks:
        mask = _near(chunk.column(time_col), lo, hi)
        index = np.flatnonzero(mask)
        if len(index):
            part = chunk.take(pa.array(index))
            kept.extend(part.to_batches() if isinstance(part, pa.Table) else [part])
            rows.append(index + offset + 1)
        schema = schema or chunk.schema
    frame = pa.Table.from_batches(kept, schema=schema).to_pandas()
    return frame, (np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64))


def _batches(reader):  # type: ignore[no-untyped-def]
    """A CSV reader's record batches with the offset of each one's first row."""
    offset = 0
    for batch in reader:
        yield batch, offset
        offset += batch.num_rows


def _near(col, lo: pd.Timestamp, hi: pd.Timestamp) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Which rows of a time column may lie in ``[lo, hi]`` (see the module docstring)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_timestamp(col.type):
        if col.type.tz is None:
            low, high = lo.tz_localize(None), hi.tz_localize(None)
        else:
            low, high = lo, hi
        low, high = pa.scalar(low, type=col.type), pa.scalar(high, type=col.type)
        inside = pc.and_(pc.greater_equal(col, low), pc.less_equal(col, high))
        return np.asarray(pc.fill_null(inside, True))
    if pc.any(pc.starts_with(col, " ")).as_py():  # trimming copies every string: if needed
        col = pc.utf8_ltrim(col, " ")
    date = pc.utf8_slice_codeunits(col, 0, 10)
    iso = pc.match_substring_regex(date, r"^\d{4}-\d{2}-\d{2}$")
    inside = pc.and_(
        pc.greater_equal(date, lo.strftime("%Y-%m-%d")),
        pc.less_equal(date, hi.strftime("%Y-%m-%d")),
    )
    return np.asarray(pc.fill_null(pc.or_(pc.invert(iso), inside), True))
