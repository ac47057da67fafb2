"""Sources: a ``.csv``/``.parquet`` file or a pandas object, read into a raw frame."""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from dispatch.errors import DataError
from dispatch.files import clip, path_problem
from dispatch.readers.base import Where, listing
from dispatch.readers.window import read_window


def load_source(
    source: object,
    name: str,
    near: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    time_column: str | None = None,
) -> tuple[pd.DataFrame, Where, str | None, bool]:
    """The raw frame, where it came from, the timestamp column when the index held it, and
    whether only the rows near ``near`` were read (a big file, see
    :mod:`dispatch.readers.window`).
    """
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
            return frame, Where(label), time_col, False
        frame = frame.copy()
        rows = np.asarray(frame.index)
        frame = frame.reset_index(drop=True)
        frame.columns = [str(c).strip() for c in frame.columns]
        return frame, Where(label, rows, "index"), None, False
    if not isinstance(source, (str, Path)):
        raise DataError(
            f"{name}: expected a .csv/.parquet path or a pandas object, got {type(source).__name__}"
        )
    path = Path(source)
    label = str(source)
    problem = path_problem(path)
    if problem is not None:
        raise DataError(f"{label}: {problem}")
    suffix = path.suffix.lower()
    kind = _content_kind(path)
    if kind is not None and kind != FORMATS.get(suffix):
        raise DataError(
            f"{label}: this is {kind}, which cannot be read; save it as CSV or Parquet "
            f"(supported: {SUPPORTED})"
        )
    if suffix not in FORMATS:
        raise DataError(
            f"{label}: unsupported file type {suffix or '(none)'!r}; save it as CSV or Parquet "
            f"(supported: {SUPPORTED})"
        )
    try:
        windowed = read_window(path, suffix, near, time_column) if near is not None else None
        if windowed is not None:
            frame, rows = windowed
            frame.columns = [str(c).strip() for c in frame.columns]
            if frame.empty:
                raise DataError(
                    f"{label}: no rows from {near[0]} to {near[1]} (the file has "  # type: ignore[index]
                    "none near the period asked for)"
                )
            return frame.reset_index(drop=True), Where(label, rows), None, True
        if suffix == ".csv":
            with warnings.catch_warnings():  # a row longer than the header: error, not warning
                warnings.simplefilter("error", pd.errors.ParserWarning)
                frame = pd.read_csv(
                    path, dtype=str, keep_default_na=False, skipinitialspace=True, index_col=False
                )
        else:
            frame = _parquet_frame(path)
    except pd.errors.EmptyDataError:
        raise DataError(f"{label}: empty file") from None
    except (pd.errors.ParserWarning, pd.errors.ParserError) as exc:
        raise DataError(
            f"{label}: cannot read CSV file: {_long_row(path) or _first(exc)}"
        ) from None
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        name = "CSV" if suffix == ".csv" else "parquet"
        raise DataError(f"{label}: cannot read {name} file: {_first(exc)}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise DataError(f"{label}: no data rows (columns: {listing(list(frame.columns))})")
    return frame.reset_index(drop=True), Where(label, np.arange(1, len(frame) + 1)), None, False


FORMATS = {".csv": "a CSV file", ".parquet": "a Parquet file", ".pq": "a Parquet file"}
SUPPORTED = ".csv, .parquet"
# what a file holds, by its first bytes (a workbook renamed .csv is named, not misparsed)
MAGIC = (
    (b"PAR1", "a Parquet file"),
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook or an .ods spreadsheet)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook"),
    (b"\x1f\x8b", "a gzip-compressed file"),
)


def _content_kind(path: Path) -> str | None:
    """What the file holds, from its first bytes; ``None``: text or unknown."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        return None
    for magic, kind in MAGIC:
        if head.startswith(magic):
            return kind
    return None


def _parquet_frame(path: Path) -> pd.DataFrame:
    """A Parquet file's frame; a pandas frame saved with a DatetimeIndex keeps it as its
    first column (named after the index, ``interval_start`` when it has no name)."""
    frame = pd.read_parquet(path)
    if isinstance(frame.index, pd.DatetimeIndex):
        name = str(frame.index.name or "interval_start")
        if name in frame.columns:
            name = "interval_start"
        frame = frame.reset_index(names=name) if name not in frame.columns else frame
    return frame


def _long_row(path: Path) -> str | None:
    """ "row N (line L) has F fields, the header H" for the first row longer than the header."""
    try:
        with open(path, newline="", encoding="utf-8", errors="replace") as f:
            rows = csv.reader(f)
            header = next(rows, [])
            for n, row in enumerate(rows, start=1):
                if len(row) > len(header):
                    return (
                        f"row {n} (line {rows.line_num}) has {len(row)} fields, the header "
                        f"{len(header)}; remove the extra field or add its column to the header"
                    )
    except (OSError, csv.Error):
        return None
    return None


def _first(exc: BaseException) -> str:
    text = str(exc).strip()
    return clip(text.splitlines()[0], 200) if text else type(exc).__name__
