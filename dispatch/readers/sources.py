"""Sources: a ``.csv``/``.parquet`` file or a pandas object, read into a raw frame."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from dispatch.errors import DataError
from dispatch.readers.base import Where, listing


def load_source(source: object, name: str) -> tuple[pd.DataFrame, Where, str | None]:
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
        raise DataError(f"{label}: no data rows (columns: {listing(list(frame.columns))})")
    return frame.reset_index(drop=True), Where(label, np.arange(1, len(frame) + 1)), None
