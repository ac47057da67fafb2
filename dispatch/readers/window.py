"""Big files: read only the rows near a window, before any parsing.

A price file of ten million rows read whole as strings (pandas, then the timestamp parser on
every row) took a minute and 3.3 GB for a plan that needs one day of it.  For a file of at
least :data:`MIN_BYTES` read for a window (``within``), :func:`read_window` keeps only the
rows whose timestamp lies within :data:`MARGIN` of the window, with their file row numbers
(so every later error still names the row).  The caller then parses and checks only those
rows exactly as it would the whole file.

- CSV, in two passes over blocks of whole lines (:mod:`dispatch.readers.lines`): pyarrow
  parses each block's time column alone, and every column (as text, as the full read) only
  of the blocks that hold rows near the window.  Every byte is still checked to be UTF-8
  and every row to have the header's number of fields; the error names the file row.  A
  block that may end inside a quoted value, or a blank first line, sends the file to
  pyarrow's streaming reader (every column of every block: about twice the time).
- Parquet, row group by row group: a group whose min/max statistics lie outside the
  widened window is never read.

The pre-filter is deliberately loose, so that it can never drop a row the window needs:

- text timestamps are compared on their ISO date (``YYYY-MM-DD``, the first ten
  characters) against the window's UTC dates widened by :data:`MARGIN` (two days: more than
  any UTC offset); a row whose text does not start with an ISO date is kept (the parser
  then reports it, as before);
- Parquet timestamp columns are compared as instants (a naive column as if UTC, again
  within the margin).

Every row is looked at, wherever the window is: the file is not assumed sorted (a day
repeated at the end of the file is still a duplicate, a garbled timestamp anywhere still an
error).  What it changes: a malformed value far outside the window is no longer an error
(it is never parsed), as for the reserve-price files, which were already read for their
window only.  Layouts whose time is not one column (ERCOT's delivery date + hour ending)
and files smaller than :data:`MIN_BYTES` are read whole, as before.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from dispatch.readers.lines import QuotedLineBreak, fields_problem, line_blocks, text_problem
from dispatch.readers.plain import TIME_COLUMNS

MIN_BYTES = 32 * 2**20  # smaller files are read whole, every row checked (30 MiB of CSV: 5 s)
MARGIN = pd.Timedelta(days=2)
#: The rows within this of the window are all read: a written date is at most a day from
#: the UTC date (offsets up to 14 h).  Between COMPLETE and MARGIN, rows may be missing (a
#: file of mixed offsets: 2026-03-06T04:00Z kept, 2026-03-05T21:00-06:00 before it not),
#: so the caller keeps only these.
COMPLETE = MARGIN - pd.Timedelta(days=1)
BLOCK_BYTES = 16 * 2**20  # pyarrow's streaming reader's blocks (CSV, see _csv)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: Timestamp columns the windowed read recognises, lower case, in order of preference
#: (the plain layout's names and gridstatus's ``Interval Start``).
TIME_NAMES = (*TIME_COLUMNS, "interval start")


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
    from pyarrow import csv

    header = pd.read_csv(path, nrows=0, index_col=False).columns
    names = [str(c) for c in header]
    time_col = _time_column(names, given)
    if time_col is None or len(set(names)) != len(names):
        return None
    blocks = line_blocks(path)
    try:
        found = None if blocks is None else _csv_blocks(blocks, names, time_col, lo, hi)
    except QuotedLineBreak:
        found = None
    if found is None:  # pyarrow's streaming reader, which finds the line breaks in quotes
        reader = csv.open_csv(
            path,
            read_options=csv.ReadOptions(block_size=BLOCK_BYTES),
            parse_options=csv.ParseOptions(newlines_in_values=True),
            convert_options=_as_text(names),
        )
        found = _filtered(_batches(reader), time_col, lo, hi)
    frame, rows = found
    # as pandas' skipinitialspace: the spaces after a delimiter are not part of the value
    return frame.apply(lambda col: col.str.lstrip(" ")), rows


def _csv_blocks(blocks, names: list[str], time_col: str, lo: pd.Timestamp, hi: pd.Timestamp):  # type: ignore[no-untyped-def]
    """The rows near the window and their file row numbers, from blocks of whole lines:
    each block's time column is parsed, and every column of a block only when it holds
    such rows (a third of the time of parsing every column of every block).  Every byte of
    every block is checked to be UTF-8 and every row to have the header's number of
    fields, as a read of the whole file would; the error names the file row."""
    import pyarrow as pa
    from pyarrow import csv

    # one thread: as fast on two busy cores; a block is one chunk (BLOCK_BYTES > a block)
    options = csv.ReadOptions(column_names=names, use_threads=False, block_size=BLOCK_BYTES)
    times_only, every = _as_text(names, only=time_col), _as_text(names)
    kept, rows, offset = [], [], 0

    def parse(block: bytes, convert) -> pa.Table:  # type: ignore[no-untyped-def]
        try:
            return csv.read_csv(pa.py_buffer(block), read_options=options, convert_options=convert)
        except pa.ArrowInvalid as exc:
            problem = fields_problem(str(exc), offset)
            raise (ValueError(problem) if problem else exc) from None

    for block in blocks:
        if not block.isascii():
            try:
                block.decode("utf-8")
            except UnicodeDecodeError as exc:
                count = lambda piece: parse(piece, times_only).num_rows  # noqa: E731
                raise ValueError(text_problem(block, exc, offset, count)) from None
        times = parse(block, times_only)
        index = np.flatnonzero(_near(times.column(time_col), lo, hi))
        if len(index):
            kept.extend(parse(block, every).take(pa.array(index)).to_batches())
            rows.append(index + offset + 1)
        offset += times.num_rows
    schema = pa.schema([(name, pa.string()) for name in names])
    frame = pa.Table.from_batches(kept, schema=schema).to_pandas()
    return frame, (np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64))


def _as_text(names: list[str], only: str | None = None):  # type: ignore[no-untyped-def]
    """pyarrow's options to read every column (or ``only`` that one) as text, as pandas's
    ``dtype=str, keep_default_na=False`` does."""
    import pyarrow as pa
    from pyarrow import csv

    return csv.ConvertOptions(
        column_types={name: pa.string() for name in names},
        include_columns=[only] if only is not None else None,
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )


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
    if isinstance(col, pa.ChunkedArray):
        parts = [_near(chunk, lo, hi) for chunk in col.chunks]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)
    if pc.any(pc.starts_with(col, " ")).as_py():  # trimming copies every string: if needed
        col = pc.utf8_ltrim(col, " ")
    first, long = _first_ten(col)
    iso = long & (first[:, 4] == ord("-")) & (first[:, 7] == ord("-"))
    for k in (0, 1, 2, 3, 5, 6, 8, 9):
        iso &= (first[:, k] - np.uint8(ord("0"))) <= 9  # an ASCII digit (others wrap above 9)
    date = np.ascontiguousarray(first).view("S10").ravel()
    low, high = lo.strftime("%Y-%m-%d").encode(), hi.strftime("%Y-%m-%d").encode()
    keep = ~iso | ((date >= low) & (date <= high))
    if col.null_count:
        keep |= np.asarray(col.is_null())
    return keep


def _first_ten(col) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """The first ten bytes of each value of a string array as rows of an ``(n, 10)`` array
    (zeros past a shorter value's end), and which values have ten bytes or more.  An ISO
    date is ASCII, so its ten bytes are its ten characters."""
    import pyarrow as pa

    n = len(col)
    if n == 0:
        return np.zeros((0, 10), dtype=np.uint8), np.zeros(0, dtype=bool)
    wide = np.int64 if pa.types.is_large_string(col.type) else np.int32
    _, offsets_buf, data_buf = col.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=wide)[col.offset : col.offset + n + 1]
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    )
    lengths = np.diff(offsets)
    width = int(lengths[0])
    if width >= 10 and (lengths == width).all():  # all as long (one timestamp format): a view
        view = np.lib.stride_tricks.as_strided(
            data[offsets[0] :], shape=(n, 10), strides=(width, 1), writeable=False
        )
        return view, np.ones(n, dtype=bool)
    padded = np.concatenate([data, np.zeros(10, dtype=np.uint8)])
    return padded[offsets[:-1, None] + np.arange(10)], lengths >= 10
