"""The ERCOT settlement point price layout: hour-ending Central Prevailing Time, with a
repeated-hour flag on the fall-back day and optional 15-minute delivery intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dispatch.errors import DataError
from dispatch.readers.base import (
    Table,
    Where,
    first_bad,
    listing,
    norm_column,
    select_location,
    whole_numbers,
)

#: ERCOT publishes settlement point prices in Central Prevailing Time.
ERCOT_TZ = "America/Chicago"


def read_ercot(
    frame: pd.DataFrame, where: Where, tz: str, location: str | None, column: str | None
) -> Table:
    """ERCOT settlement point prices: hour-ending Central Prevailing Time, repeated-hour flag."""
    names = {norm_column(c): c for c in frame.columns}
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
            f"(found: {listing(list(frame.columns))}; expected Delivery Date, Delivery Hour, "
            "[Delivery Interval], [Repeated Hour Flag], Settlement Point Name, "
            "Settlement Point Price)"
        )
    price = str(found["Settlement Point Price"])
    point = next((names[k] for k in ("settlementpointname", "settlementpoint") if k in names), None)
    if point is not None:
        frame, where, location = select_location(frame, point, location, where)
    date_col, hour_col = str(found["Delivery Date"]), str(found["Delivery Hour"])
    text = frame[date_col].astype(str).str.strip()
    dates = pd.to_datetime(text, format="%m/%d/%Y", errors="coerce")
    first_bad(dates.isna().to_numpy(), where, date_col, text, "is not a MM/DD/YYYY date")
    hour = whole_numbers(frame[hour_col], where, hour_col, 1, 24, strip_minutes=True)
    interval_col = names.get("deliveryinterval")
    quarter = (
        1 if interval_col is None else whole_numbers(frame[interval_col], where, interval_col, 1, 4)
    )
    flag_col = next((names[k] for k in ("repeatedhourflag", "dstflag") if k in names), None)
    repeated = np.zeros(len(frame), dtype=bool)
    if flag_col is not None:
        flags = frame[flag_col].astype(str).str.strip().str.upper()
        first_bad(~flags.isin(["Y", "N"]).to_numpy(), where, flag_col, flags, "is not Y or N")
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
    first_bad(
        missing_hour, where, hour_col, day_hour, "does not exist (spring-forward day)", raw=True
    )
    first_bad(
        repeated & ~ambiguous, where, flag_col, day_hour, "is flagged repeated but is not", raw=True
    )
    index = wall.tz_localize(ERCOT_TZ, ambiguous=~repeated).tz_convert(tz)
    step = pd.Timedelta(minutes=15 if interval_col else 60)
    return Table(where, hour_col, index, frame[[price]], step, price, location)
