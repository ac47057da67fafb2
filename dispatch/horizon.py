"""The planning horizon: the site's intervals in its own timezone, and the calendar on them.

Timestamps mark the **start** of an interval and are timezone-aware in the site's timezone.
Days and billing months follow the site's local calendar, so a spring-forward day at 15
minutes has 92 intervals and a fall-back day has 100.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from dispatch.config import Site
from dispatch.errors import DataError


def local_timestamp(value: str | dt.date | dt.datetime | pd.Timestamp, tz: str) -> pd.Timestamp:
    """A timestamp in ``tz``: naive values (and plain dates, at midnight) are local to ``tz``."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise DataError(f"cannot read {value!r} as a date or time: {exc}") from None
    if ts.tzinfo is None:
        try:
            return ts.tz_localize(tz, ambiguous="raise", nonexistent="raise")
        except (ValueError, TypeError) as exc:  # pytz-style AmbiguousTimeError is a ValueError
            raise DataError(
                f"{value!r} is ambiguous or does not exist in {tz} (DST change); "
                "give it with a UTC offset"
            ) from exc
    return ts.tz_convert(tz)


#: The one datetime unit of every time index the package builds or reads.
TIME_UNIT = "us"


def site_index(
    site: Site,
    start: str | dt.date | dt.datetime | pd.Timestamp,
    end: str | dt.date | dt.datetime | pd.Timestamp | None = None,
    *,
    hours: float | None = None,
) -> pd.DatetimeIndex:
    """Interval starts from ``start`` (inclusive) to ``end`` (exclusive) at the site's interval.

    Give either ``end`` or ``hours`` (the horizon length).  Dates are local midnights, so
    ``site_index(site, "2024-03-10", "2024-03-11")`` is the 23-hour spring-forward day.
    The index is in microseconds (``datetime64[us, tz]``, pandas 3's default unit), as every
    time index of the package: one unit, whatever the endpoints were given in.
    """
    t0 = local_timestamp(start, site.timezone)
    if end is None:
        if hours is None:
            raise ValueError("give end or hours")
        t1 = t0 + pd.Timedelta(hours=hours)
    else:
        t1 = local_timestamp(end, site.timezone)
    if t1 <= t0:
        raise DataError(f"horizon end {t1} is not after its start {t0}")
    freq = pd.Timedelta(minutes=site.interval_minutes)
    if (t0 - t0.normalize()) % freq:
        raise DataError(f"horizon start {t0} is not on a {site.interval_minutes}-minute boundary")
    idx = pd.date_range(t0.tz_convert("UTC"), t1.tz_convert("UTC"), freq=freq, inclusive="left")
    return idx.tz_convert(site.timezone).as_unit(TIME_UNIT)


@dataclass(frozen=True)
class Horizon:
    """The intervals of one plan and their local calendar."""

    index: pd.DatetimeIndex
    dt_h: float

    def __post_init__(self) -> None:
        if self.index.tz is None:
            raise DataError("horizon index must be timezone-aware")

    @property
    def n(self) -> int:
        return len(self.index)

    @cached_property
    def day_id(self) -> np.ndarray:
        """0-based local-day number of each interval (fuel budgets reset at local midnight)."""
        return _period_id(self.index.tz_localize(None).normalize())

    @cached_property
    def month_id(self) -> np.ndarray:
        """0-based billing-month number of each interval (demand charges reset monthly)."""
        local = self.index.tz_localize(None)
        return _period_id(local.year * 12 + local.month)

    def shape_key(self) -> tuple:
        """What of the horizon fixes the model's structure (not its data)."""
        return (self.n, self.dt_h, _boundaries(self.day_id), _boundaries(self.month_id))


def _period_id(labels: object) -> np.ndarray:
    values = np.asarray(labels)
    change = np.r_[False, values[1:] != values[:-1]]
    return np.cumsum(change)


def _boundaries(ids: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.flatnonzero(np.diff(ids)) + 1)
