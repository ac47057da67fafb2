"""File layouts of input time series: recognise them, parse the timestamps, check the rows.

:func:`read_table` turns a source (a ``.csv``/``.parquet`` path or a pandas object) into a
:class:`Table`: tz-aware interval starts, the candidate value columns and the file row of
each kept row, so that every error can name the file, the column and the row.  The public
entry point is :func:`dispatch.data.read_series`; its docstring lists the layouts and the
timestamp rules.

One module per layout (:mod:`~dispatch.readers.plain`, :mod:`~dispatch.readers.gridstatus`,
:mod:`~dispatch.readers.ercot`); what they share is in :mod:`~dispatch.readers.base` (the
table, error locations, the index check), :mod:`~dispatch.readers.sources` (reading a file
or a pandas object) and :mod:`~dispatch.readers.timestamps`.  Adding a layout: its module
and one branch in :func:`read_table`.

Rows are counted as in the file: row 1 is the first data row after the header.  For pandas
input, errors name the timestamp (or the index label) instead.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from dispatch.readers.base import (
    DAY,
    Step,
    Table,
    Where,
    check_index,
    check_zone,
    fmt_step,
    fmt_ts,
    norm_column,
)
from dispatch.readers.ercot import ERCOT_TZ, read_ercot
from dispatch.readers.gridstatus import read_gridstatus
from dispatch.readers.plain import TIME_COLUMNS, TZ_COLUMNS, read_plain
from dispatch.readers.sources import load_source
from dispatch.readers.timestamps import parse_times
from dispatch.readers.window import COMPLETE


def read_table(
    source: str | Path | pd.Series | pd.DataFrame,
    *,
    name: str,
    tz: str,
    location: str | None = None,
    column: str | None = None,
    declared_tz: str | None = None,
    within: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    time_column: str | None = None,
    naive_zone: str | None = None,
    location_param: str | None = "location",
    near: tuple[pd.Timestamp, pd.Timestamp] | None = None,
) -> Table:
    """Read a source, recognise its layout and return its checked :class:`Table`.

    ``time_column`` names the timestamp column of a plain layout; ``naive_zone`` is the zone
    naive timestamps are read in, whatever their column's name (``"UTC"`` or an IANA zone).

    The checks here are on the rows (timestamps readable, no duplicates, sorted, regular);
    values are checked when a column is taken with :meth:`Table.floats`.  ``within`` keeps
    only the rows starting in ``[start, end)`` before the checks (a file of sample months
    with gaps between them, read for one of them).  ``near`` reads a big file only near
    ``[start, end]`` (a loose pre-filter, see :mod:`dispatch.readers.window`) and keeps the
    rows within :data:`~dispatch.readers.window.COMPLETE` of it.
    ``location_param`` names the argument that picks a location in messages (``location``,
    ``rt_location``; ``None`` when none can; the command line shows its own option names).
    """
    check_zone(tz, "site timezone")
    if declared_tz is not None:
        check_zone(declared_tz, "declared_tz")
    frame, where, time_col, windowed = load_source(source, name, near, time_column)
    where = dataclasses.replace(where, param=location_param)
    if time_column is not None:
        time_col = time_column
    names = {norm_column(c): c for c in frame.columns}
    if "deliverydate" in names:
        table = read_ercot(frame, where, tz, location, column)
    elif "Interval Start" in frame.columns:
        table = read_gridstatus(frame, where, tz, location, column, declared_tz)
    else:
        table = read_plain(frame, where, tz, time_col, declared_tz, naive_zone)
    if windowed:  # near's edges may miss rows (mixed UTC offsets): only the rows it surely has
        span = (near[0] - COMPLETE, near[1] + COMPLETE)  # type: ignore[index]
        table = _keep(table, (table.index >= span[0]) & (table.index <= span[1]))
    if within is not None:
        table = _keep(table, (table.index >= within[0]) & (table.index < within[1]))
    step = check_index(table.index, table.where, table.time_column)
    index = table.index.rename("interval_start").as_unit("us")  # one unit (horizon.TIME_UNIT)
    return dataclasses.replace(table, index=index, step=step if step is not None else table.step)


def _keep(table: Table, mask: object) -> Table:
    keep = np.asarray(mask)
    return dataclasses.replace(
        table,
        where=table.where.keep(keep),
        index=table.index[keep],
        columns=table.columns[keep].reset_index(drop=True),
    )


__all__ = [
    "DAY",
    "ERCOT_TZ",
    "TIME_COLUMNS",
    "TZ_COLUMNS",
    "Step",
    "Table",
    "Where",
    "check_index",
    "fmt_step",
    "fmt_ts",
    "parse_times",
    "read_table",
]
