"""Well decline: the Arps hyperbolic curve, to make an associated-gas flow series.

Arps (1945), with ``t`` in days since first production::

    q(t) = q_i / (1 + b * D_i * t) ** (1 / b)          0 < b       (hyperbolic)
    q(t) = q_i * exp(-D_i * t)                          b = 0       (exponential)

    q_i   initial rate, Mcf/day
    D_i   initial nominal decline, per day (a yearly figure / 365.25)
    b     hyperbolic exponent (shale wells: about 0.8-1.3)

A backtest reads the flow from a file (``load_inputs(gas_flow=...)``); this function is how
the bundled ``data/sample_gas_flow.csv`` was made (``data/make_flare_data.py``), and how an
operator turns a reservoir engineer's type curve into such a file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dispatch.errors import DataError


def arps_rate(t_days: np.ndarray, qi: float, di_per_year: float, b: float) -> np.ndarray:
    """``q(t)`` in the unit of ``qi`` at ``t_days`` days after first production."""
    if qi < 0 or di_per_year < 0 or b < 0:
        raise DataError(f"arps: qi, di_per_year and b must be >= 0, got {qi}, {di_per_year}, {b}")
    t = np.asarray(t_days, dtype=float)
    if np.any(t < 0):
        raise DataError("arps: times before first production")
    d = di_per_year / 365.25
    if b == 0:
        return qi * np.exp(-d * t)
    return qi / (1.0 + b * d * t) ** (1.0 / b)


def arps_flow_mcf_per_day(
    index: pd.DatetimeIndex,
    first_production: str | pd.Timestamp,
    *,
    qi_mcf_per_day: float,
    di_per_year: float,
    b: float,
) -> pd.Series:
    """The Arps rate at each timestamp of ``index`` (tz-aware), Mcf/day."""
    t0 = pd.Timestamp(first_production)
    if t0.tzinfo is None:
        t0 = t0.tz_localize(index.tz)
    days = (index - t0) / pd.Timedelta(days=1)
    rate = arps_rate(np.asarray(days, dtype=float), qi_mcf_per_day, di_per_year, b)
    return pd.Series(rate, index=index, name="gas_flow_mcf_per_day")
