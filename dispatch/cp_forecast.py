"""Coincident-peak probabilities from a system-load forecast (DESIGN.md section 8).

A 4CP-like tariff (ERCOT's transmission charge) bills a site on its import in the one
interval of each summer month when the *system* load peaked.  The plan needs, for each
interval ``t``, the probability ``p[t]`` that ``t`` will turn out to be that peak
(``load_inputs(cp_probability=...)``; the coincident-peak asset then charges
``charge_usd_per_mw * sum_t p[t] * import_mw[t]``).  :func:`cp_probability_from_forecast`
derives ``p`` from a forecast of the system load, in closed form:

**Model.**  The actual load is the forecast plus an error, ``L[t] = F[t] + e[t]``, with the
errors independent across intervals, of standard deviation ``sigma = sigma_frac * F_max``
(``F_max`` the forecast maximum of the month: near the peak, where it matters, a share of
the interval's own load is a share of ``F_max``).  The errors are taken Gumbel-distributed
with that standard deviation (scale ``beta = sigma * sqrt(6) / pi``), for which the chance
that interval ``t`` holds the month's maximum is exact and closed (the multinomial-logit
result, McFadden 1974) — a softmax of the forecast::

    beta      = sqrt(6) / pi * sigma_frac * F_max                    MW
    band      = { t in the month : F[t] >= (1 - band_frac) * F_max }
    p[t]      = exp((F[t] - F_max) / beta) / sum_{s in band} exp((F[s] - F_max) / beta)
                                                                      t in band
    p[t]      = 0                                                     otherwise

for every month in ``months`` (June to September by default); ``p = 0`` in other months.
Per month the probabilities sum to 1 over the intervals of that month the forecast covers
(so pass the whole month: the forecast for the days ahead, the actual load for the days
gone).  Months are calendar months in the forecast index's own timezone (ERCOT's 4CP:
Central time).  A Gaussian error of the same ``sigma`` gives nearly the same ranking and
slightly more weight on the top interval; the Gumbel form is chosen because it is a closed
form with no random draws, so the same forecast always gives the same probabilities.

**Intervals.**  The probability is an *amount per interval* (see :mod:`dispatch.data`): an
hour whose four quarter-hours have the forecast of the hour gets, in a 15-minute forecast,
a quarter of its hourly probability in each, and the same total.

**Parameters.**  ``sigma_frac`` is the forecast's error at the peak as a share of load: about
0.02-0.03 for ERCOT's day-ahead load forecast in summer, less a few hours ahead; it sets how
much the probability spreads from the forecast maximum to the intervals just below it.
``band_frac`` (default 0.10, 6.4 ``beta`` at the default ``sigma_frac``) drops the intervals
too far below the maximum to matter (each weighs under ``exp(-band_frac / (0.78 *
sigma_frac))`` = 0.2 % of the top one), so that hundreds of ordinary hours do not each carry a
sliver of probability.  A narrower band cuts real probability: at ``band_frac`` 0.05 the
noisy forecasts of the check below expected 27-41 % less peak charge than they paid.

Checked on ERCOT's real 2018-2024 hourly load against the real monthly peaks (28 months):
``benchmarks/bench_cp_forecast.py`` and ``docs/coincident_peak.md``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from dispatch.errors import DataError

#: The 4CP months: June to September.
SUMMER_MONTHS = (6, 7, 8, 9)
DEFAULT_SIGMA_FRAC = 0.02
DEFAULT_BAND_FRAC = 0.10


def cp_probability_from_forecast(
    load_forecast_mw: pd.Series,
    *,
    sigma_frac: float = DEFAULT_SIGMA_FRAC,
    band_frac: float = DEFAULT_BAND_FRAC,
    months: tuple[int, ...] = SUMMER_MONTHS,
) -> pd.Series:
    """Per-interval probability that the interval is its month's system peak (module docstring).

    ``load_forecast_mw``: the system-load forecast, MW, on a timezone-aware index of interval
    starts (hourly, 15-minute, ...), sorted, without gaps or blanks.  Returns a Series named
    ``cp_probability`` on the same index: in [0, 1], summing to 1 over each month in
    ``months`` the forecast covers, 0 elsewhere; ready for ``load_inputs(cp_probability=...)``.
    """
    load = _checked(load_forecast_mw)
    if not (math.isfinite(sigma_frac) and sigma_frac > 0):
        raise DataError(f"cp forecast: sigma_frac must be > 0, got {sigma_frac}")
    if not (math.isfinite(band_frac) and band_frac >= 0):
        raise DataError(f"cp forecast: band_frac must be >= 0, got {band_frac}")
    bad_months = [m for m in months if m not in range(1, 13)]
    if bad_months:
        raise DataError(f"cp forecast: months must be 1..12, got {bad_months}")
    index = load.index
    assert isinstance(index, pd.DatetimeIndex)
    values = load.to_numpy(dtype=float)
    out = np.zeros(len(values))
    period = np.asarray(index.year * 12 + index.month - 1)
    in_season = np.isin(np.asarray(index.month), months)
    for key in np.unique(period[in_season]):
        rows = np.flatnonzero(period == key)
        f = values[rows]
        f_max = f.max()
        beta = math.sqrt(6) / math.pi * sigma_frac * f_max
        weight = np.where(f >= (1 - band_frac) * f_max, np.exp((f - f_max) / beta), 0.0)
        out[rows] = weight / weight.sum()
    return pd.Series(out, index=index, name="cp_probability")


def _checked(load: pd.Series) -> pd.Series:
    """The forecast, or a :class:`DataError` naming what is wrong with it."""
    if not isinstance(load, pd.Series):
        raise DataError(f"cp forecast: expected a pandas Series of MW, got {type(load).__name__}")
    index = load.index
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None:
        raise DataError(
            "cp forecast: the index must be timezone-aware timestamps (interval starts); "
            "localise it, e.g. .tz_localize('America/Chicago')"
        )
    if len(load) == 0:
        raise DataError("cp forecast: the load forecast is empty")
    if not index.is_monotonic_increasing or index.has_duplicates:
        raise DataError("cp forecast: timestamps must be increasing, without duplicates")
    steps = np.unique(np.diff(index.asi8)) if len(index) > 1 else np.zeros(0)
    if len(steps) > 1:
        first = index[1:][np.diff(index.asi8) != steps.min()][0]
        raise DataError(
            f"cp forecast: the intervals are not evenly spaced (first gap before {first}); "
            "fill the gap or split the forecast"
        )
    values = load.to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values <= 0)
    if bad.any():
        row = index[np.flatnonzero(bad)[0]]
        raise DataError(
            f"cp forecast: the load must be a positive number of MW in every interval "
            f"(first bad value {values[bad][0]} at {row})"
        )
    return load
