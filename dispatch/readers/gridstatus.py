"""The gridstatus layout: ``Interval Start``, ``Interval End``, ``Location``, ``SPP``/``LMP``."""

from __future__ import annotations

import pandas as pd

from dispatch.errors import DataError
from dispatch.readers.base import Table, Where, listing, select_location
from dispatch.readers.timestamps import parse_times


def read_gridstatus(
    frame: pd.DataFrame,
    where: Where,
    tz: str,
    location: str | None,
    column: str | None,
    declared_tz: str | None,
) -> Table:
    """gridstatus frames: ``Interval Start``, ``Interval End``, ``Location``, ``SPP``/``LMP``.

    A frame without ``SPP``/``LMP`` and no ``column`` asked for (gridstatus's ancillary-service
    prices: ``Responsive Reserves``, ``ERCOT Contingency Reserve Service``, ...) keeps every
    column but the time and market ones as candidate values.
    """
    price = column or next((c for c in ("SPP", "LMP") if c in frame.columns), None)
    if price is None and column is None:
        meta = {"Time", "Interval Start", "Interval End", "Location", "Location Type", "Market"}
        values = [c for c in frame.columns if c not in meta]
        if "Location" in frame.columns:
            frame, where, location = select_location(frame, "Location", location, where)
        index = parse_times(frame["Interval Start"], "Interval Start", where, tz, declared_tz)
        return Table(where, "Interval Start", index, frame[values], None, None, location)
    if price is None or price not in frame.columns:
        wanted = repr(column) if column else "SPP or LMP"
        raise DataError(
            f"{where.label}: gridstatus-style frame has no {wanted} column "
            f"(found: {listing(list(frame.columns))})"
        )
    if "Location" in frame.columns:
        frame, where, location = select_location(frame, "Location", location, where)
    index = parse_times(frame["Interval Start"], "Interval Start", where, tz, declared_tz)
    return Table(where, "Interval Start", index, frame[[price]], None, price, location)
