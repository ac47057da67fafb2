"""Representative days: each historical year aggregated to typical days with tsam.

Every representative is a **real local day** of history (a medoid: the member of its cluster
closest to the others, or an extreme day), so the dispatch model plans it with the day's own
prices, exactly as the operator would; its weight is the number of days of its year it stands
for, and a year's operating value is ``sum over its representatives of weight x day profit``.

Features per local day (site timezone; 23- and 25-hour DST days are put on 24 hourly slots
for the clustering only, by repeating or dropping the changed hour; the day itself is
planned as it is):

- ``price``: the hourly energy price, clipped to the year's 0.5 and 99.5 percentiles so a
  few scarcity hours do not swamp the distance between ordinary days (weight 1);
- ``price_raw``: the unclipped price, weight 1e-6 in the distance: present so that tsam can
  keep its extreme days;
- ``hashprice``: the day's hashprice over the year's mean (weight 1): the breakeven price of
  each fleet moves with it.

tsam settings (:data:`TSAM_SETTINGS`, tsam 2.3's ``TimeSeriesAggregation``; tsam 3 and 4
pin ``highspy<=1.15.1``, older than the HiGHS this package is tested with): hierarchical
clustering with the medoid representation, ``rescaleClusterPeriods=False`` (no rescaling, so
a representative is the real day), extreme days by ``extremePeriodMethod="append"``
(``addPeakMax``/``addPeakMin``/``addMeanMax`` on the raw price): the day with the highest price
hour (``max_price``), the lowest (``min_price``) and the highest mean price
(``max_mean_price``) become representatives of their own with weight 1, and the typical days
share the other days.  ``per_year=None`` keeps every day with weight 1 (no aggregation).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dispatch.config import Site
from dispatch.errors import DataError
from dispatch.horizon import local_timestamp
from dispatch.inputs import Inputs

FEATURE_WEIGHTS = {"price": 1.0, "price_raw": 1e-6, "hashprice": 1.0}
CLIP_QUANTILES = (0.005, 0.995)
TSAM_SETTINGS = {
    "method": "hierarchical",
    "representation": "medoid",
    "extreme_method": "append",
    "rescale_cluster_periods": False,
    "feature_weights": FEATURE_WEIGHTS,
    "price_clip_quantiles": CLIP_QUANTILES,
}
_EXTREME_FIELDS = {
    "max_price": "addPeakMax",
    "min_price": "addPeakMin",
    "max_mean_price": "addMeanMax",
}


@dataclass(frozen=True)
class RepDay:
    """One representative day: where it is in history and how many days it stands for."""

    year: int
    date: pd.Timestamp  # naive local midnight
    start: pd.Timestamp  # tz-aware, site timezone
    end: pd.Timestamp
    weight: float
    kind: str  # "typical", "extreme" or "day"


@dataclass(frozen=True)
class RepDays:
    """The representative days of every year, and each year's mean hashprice."""

    days: tuple[RepDay, ...]
    year_days: dict[int, int]
    hashprice_mean: dict[int, float]  # USD/PH/day, mean over the year's intervals

    @property
    def years(self) -> list[int]:
        return sorted(self.year_days)

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "year": d.year,
                    "date": d.date.strftime("%Y-%m-%d"),
                    "weight_days": d.weight,
                    "kind": d.kind,
                }
                for d in self.days
            ]
        )


def representative_days(
    site: Site,
    inputs: Inputs,
    years: list[int],
    per_year: int | None,
    extremes: list[str],
) -> RepDays:
    """Typical and extreme days of each year (see the module docstring)."""
    days: list[RepDay] = []
    counts: dict[int, int] = {}
    means: dict[int, float] = {}
    for year in years:
        start = local_timestamp(f"{year}-01-01", site.timezone)
        end = local_timestamp(f"{year + 1}-01-01", site.timezone)
        idx = inputs.index
        if idx[0] > start or idx[-1] < end - pd.Timedelta(minutes=site.interval_minutes):
            raise DataError(
                f"history: the inputs ({idx[0]:%Y-%m-%d} to {idx[-1]:%Y-%m-%d}) do not cover {year}"
            )
        w = inputs.window(start, end)
        means[year] = float(w.hashprice_usd_per_ph_day.mean())
        dates = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
        counts[year] = len(dates)
        if per_year is None or per_year + len(extremes) >= len(dates):
            days.extend(_day(site, year, d, 1.0, "day") for d in dates)
            continue
        features = _features(site, w, dates, means[year])
        days.extend(_aggregate(site, year, dates, features, per_year, extremes))
    return RepDays(tuple(days), counts, means)


def _day(site: Site, year: int, date: pd.Timestamp, weight: float, kind: str) -> RepDay:
    start = local_timestamp(date, site.timezone)
    end = local_timestamp(date + pd.Timedelta(days=1), site.timezone)
    return RepDay(year, date, start, end, weight, kind)


def _features(site: Site, w: Inputs, dates: pd.DatetimeIndex, hp_mean: float) -> np.ndarray:
    """(days, 24, 3) array of hourly price (clipped), price, relative hashprice."""
    frame = pd.DataFrame(
        {"price": w.price_usd_per_mwh, "hp": w.hashprice_usd_per_ph_day / hp_mean},
        index=w.index.tz_convert(site.timezone),
    )
    local = frame.index.tz_localize(None)
    hourly = frame.groupby([local.normalize(), local.hour]).mean()
    out = np.empty((len(dates), 24, 3))
    for k, d in enumerate(dates):
        day = hourly.loc[d]
        day = day.reindex(range(24)).ffill().bfill()  # a 23-hour day repeats the hour before
        out[k, :, 1] = day["price"].to_numpy()
        out[k, :, 2] = day["hp"].to_numpy()
    lo, hi = np.quantile(out[:, :, 1], CLIP_QUANTILES)
    out[:, :, 0] = np.clip(out[:, :, 1], lo, hi)
    return out


def _aggregate(
    site: Site,
    year: int,
    dates: pd.DatetimeIndex,
    features: np.ndarray,
    per_year: int,
    extremes: list[str],
) -> list[RepDay]:
    import tsam.timeseriesaggregation as tsam_ts

    n = len(dates)
    index = pd.date_range("2001-01-01", periods=n * 24, freq="h")
    frame = pd.DataFrame(
        {
            "price": features[:, :, 0].ravel(),
            "price_raw": features[:, :, 1].ravel(),
            "hashprice": features[:, :, 2].ravel(),
        },
        index=index,
    )
    peaks: dict[str, list[str]] = {"addPeakMax": [], "addPeakMin": [], "addMeanMax": []}
    for e in extremes:
        peaks[_EXTREME_FIELDS[e]].append("price_raw")
    agg = tsam_ts.TimeSeriesAggregation(
        frame,
        noTypicalPeriods=per_year,
        hoursPerPeriod=24,
        clusterMethod="hierarchical",
        representationMethod="medoidRepresentation",
        extremePeriodMethod="append" if extremes else "None",
        rescaleClusterPeriods=False,
        weightDict=FEATURE_WEIGHTS,
        **peaks,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tsam's notes on bounds and convergence
        reps = agg.createTypicalPeriods()
    counts = {int(k): float(v) for k, v in agg.clusterPeriodNoOccur.items()}
    assignments = np.asarray(agg.clusterOrder)
    flat = features.reshape(n, -1)
    cols = ["price", "price_raw", "hashprice"]
    out = []
    for cluster, count in sorted(counts.items()):
        rep = reps.loc[cluster][cols].to_numpy()  # (24, 3)
        members = np.flatnonzero(assignments == cluster)
        candidates = members if len(members) else np.arange(n)
        target = np.stack([rep[:, 0], rep[:, 1], rep[:, 2]], axis=1).ravel()
        dist = np.abs(flat[candidates] - target).sum(axis=1)
        best = int(candidates[int(np.argmin(dist))])
        kind = "typical" if cluster < per_year else "extreme"  # tsam appends extremes
        out.append(_day(site, year, dates[best], float(count), kind))
    total = sum(d.weight for d in out)
    if not np.isclose(total, n):
        raise DataError(f"representative days of {year}: weights sum to {total}, not {n} days")
    return out


__all__ = ["TSAM_SETTINGS", "RepDay", "RepDays", "representative_days"]
