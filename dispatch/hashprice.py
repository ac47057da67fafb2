"""Hashprice from bitcoin network data: what one PH/s of hashrate earned per day, in USD.

Hashprice is the mining revenue per unit of hashrate per day, before pool fees.  Two ways
to compute it from daily network data (one row per UTC day, as in the Coin Metrics file
``btc_mining_daily_coinmetrics_2019_2025.csv``):

**Realised revenue** (``use="revenue"``, the default)::

    revenue_usd[d]         = subsidy_usd[d] + fees_usd[d]         paid to all miners on day d
    hashprice_usd_per_th[d] = revenue_usd[d] / hashrate_th_s[d]   USD per TH/s per day
    hashprice_usd_per_ph[d] = 1000 * hashprice_usd_per_th[d]      USD per PH/s per day

This is what the network actually paid, including the day's luck (blocks found above or
below the expected 144) and, through the estimated hashrate, its noise.

**Expected, luck-free** (``use="difficulty"``): the revenue a PH/s earns on average at the
day's difficulty.  One hash finds a block with probability ``1 / (difficulty * 2**32)``, so::

    blocks_per_ph_day[d] = 86400 * 1e15 / (difficulty[d] * 2**32)
    usd_per_block[d]     = subsidy_btc(d) * btc_price_usd[d]  (+ fees_usd[d] / blocks[d])
    hashprice_usd_per_ph[d] = blocks_per_ph_day[d] * usd_per_block[d]

``subsidy_btc(d)`` follows the halving schedule by UTC date (50 BTC, halved on 2012-11-28,
2016-07-09, 2020-05-11 and 2024-04-20; the halving day counts at the new subsidy); fees are
added as the day's average fee per block unless ``fees=False``.  Equivalently, the network
as a whole expects 144 blocks a day when its hashrate equals ``difficulty * 2**32 / 600``
H/s: the difficulty variant is the revenue variant with the hashrate estimated from the
difficulty and the block count set to its expectation.

Either way the result is a :class:`pandas.Series` named ``hashprice_usd_per_ph_day``,
indexed by tz-aware UTC midnights (one row per UTC day).  Give it to
:func:`dispatch.load_inputs` as ``hashprice=``: each value then holds for its UTC day
exactly (18:00 or 19:00 to the next day's in America/Chicago), whereas a file with a plain
``date`` column is read as local days.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from dispatch.errors import DataError

SECONDS_PER_DAY = 86_400
HASHES_PER_DIFFICULTY = 2**32
#: Block subsidy, BTC, from each UTC date on (the halving day counts at the new value).
HALVINGS: tuple[tuple[str, float], ...] = (
    ("2009-01-03", 50.0),
    ("2012-11-28", 25.0),
    ("2016-07-09", 12.5),
    ("2020-05-11", 6.25),
    ("2024-04-20", 3.125),
)

_DATE_COLUMNS = ("date", "time", "day")
_DIFFICULTY_COLUMNS = ("difficulty_mean", "difficulty")


def hashprice_from_network(
    source: str | Path | pd.DataFrame,
    *,
    use: Literal["revenue", "difficulty"] = "revenue",
    fees: bool = True,
) -> pd.Series:
    """Daily hashprice (USD/PH/day) from network data; see the module docstring for formulas.

    Parameters
    ----------
    source
        A CSV or Parquet path, or a DataFrame, with a ``date`` column (UTC days) and:
        ``hashrate_th_s``, ``subsidy_usd`` and ``fees_usd`` (or ``miner_revenue_usd``) for
        ``use="revenue"``; ``difficulty_mean`` (or ``difficulty``) and ``btc_price_usd``, plus
        ``fees_usd`` and ``blocks`` when ``fees`` is true, for ``use="difficulty"``.
    use
        ``"revenue"``: realised revenue over the estimated hashrate. ``"difficulty"``: the
        expected, luck-free revenue at the day's difficulty.
    fees
        Include transaction fees (``use="difficulty"`` only; the realised revenue always
        includes what miners were paid).

    Raises
    ------
    DataError
        Missing file or column, a non-numeric or non-positive value (naming the row), or
        duplicate or unsorted days.
    """
    frame, label = _frame(source)
    dates = _dates(frame, label)
    if use == "revenue":
        hashrate = _column(frame, label, ("hashrate_th_s",), positive=True)
        if "subsidy_usd" in frame.columns or "miner_revenue_usd" not in frame.columns:
            revenue = _column(frame, label, ("subsidy_usd",)) + _column(frame, label, ("fees_usd",))
        else:
            revenue = _column(frame, label, ("miner_revenue_usd",))
        values = revenue / hashrate * 1000.0
    elif use == "difficulty":
        difficulty = _column(frame, label, _DIFFICULTY_COLUMNS, positive=True)
        price = _column(frame, label, ("btc_price_usd",), positive=True)
        usd_per_block = block_subsidy_btc(dates) * price
        if fees:
            blocks = _column(frame, label, ("blocks",), positive=True)
            usd_per_block = usd_per_block + _column(frame, label, ("fees_usd",)) / blocks
        blocks_per_ph_day = SECONDS_PER_DAY * 1e15 / (difficulty * HASHES_PER_DIFFICULTY)
        values = blocks_per_ph_day * usd_per_block
    else:
        raise DataError(
            f"hashprice_from_network: use must be 'revenue' or 'difficulty', not {use!r}"
        )
    bad = ~(values > 0)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{label}: hashprice is not positive on {dates[pos]:%Y-%m-%d} ({values[pos]!r})"
        )
    return pd.Series(values, index=dates, name="hashprice_usd_per_ph_day")


#: Columns that mark a file of bitcoin network data (with ``subsidy_usd`` or
#: ``miner_revenue_usd``), such as the Coin Metrics daily file.
NETWORK_COLUMNS = ("hashrate_th_s",)


def is_network_file(path: str | Path) -> bool:
    """A CSV of bitcoin network data (hashrate and revenue per UTC day) rather than a plain
    hashprice series: every path that reads hashprice turns it into one with
    :func:`hashprice_from_network`, so a plan and a backtest read the same file the same way
    (per UTC day, as the data are counted)."""
    path = Path(path)
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            header = [c.strip() for c in f.readline().strip().split(",")]
    except OSError:
        return False
    return all(c in header for c in NETWORK_COLUMNS) and (
        "subsidy_usd" in header or "miner_revenue_usd" in header
    )


def block_subsidy_btc(dates: pd.DatetimeIndex) -> np.ndarray:
    """The block subsidy in force on each UTC date, BTC (see :data:`HALVINGS`)."""
    starts = pd.DatetimeIndex([pd.Timestamp(d, tz="UTC") for d, _ in HALVINGS])
    values = np.array([v for _, v in HALVINGS])
    utc = pd.DatetimeIndex(dates).tz_convert("UTC") if dates.tz else dates.tz_localize("UTC")
    pos = starts.searchsorted(utc, side="right") - 1
    return np.where(pos >= 0, values[np.maximum(pos, 0)], 0.0)


def _frame(source: str | Path | pd.DataFrame) -> tuple[pd.DataFrame, str]:
    if isinstance(source, pd.DataFrame):
        return source.reset_index() if "date" not in source.columns else source, "network data"
    path = Path(source)
    if not path.is_file():
        raise DataError(f"{path}: network data file not found")
    try:
        if path.suffix.lower() == ".parquet":
            return pd.read_parquet(path), str(path)
        return pd.read_csv(path), str(path)
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read network data ({exc})") from None


def _dates(frame: pd.DataFrame, label: str) -> pd.DatetimeIndex:
    name = next((c for c in _DATE_COLUMNS if c in frame.columns), None)
    if name is None:
        raise DataError(f"{label}: no date column (expected one of {', '.join(_DATE_COLUMNS)})")
    try:
        dates = pd.DatetimeIndex(pd.to_datetime(frame[name], utc=True, format="mixed"))
    except (ValueError, TypeError) as exc:
        raise DataError(f"{label}: column {name}: cannot read dates ({exc})") from None
    if (dates != dates.normalize()).any():
        pos = int(np.flatnonzero(dates != dates.normalize())[0])
        raise DataError(f"{label}: column {name}, row {pos + 2}: {dates[pos]} is not a UTC day")
    diff = np.diff(dates.asi8)
    if (diff <= 0).any():
        pos = int(np.flatnonzero(diff <= 0)[0]) + 1
        raise DataError(
            f"{label}: column {name}, row {pos + 2}: {dates[pos]:%Y-%m-%d} is duplicate or "
            "out of order"
        )
    return dates.rename("date")


def _column(
    frame: pd.DataFrame, label: str, names: tuple[str, ...], *, positive: bool = False
) -> np.ndarray:
    name = next((c for c in names if c in frame.columns), None)
    if name is None:
        raise DataError(f"{label}: missing column {names[0]}")
    values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | ((values <= 0) if positive else (values < 0))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        rule = "positive" if positive else "a number >= 0"
        date_col = next(c for c in _DATE_COLUMNS if c in frame.columns)
        raise DataError(
            f"{label}: column {name}, row {pos + 2} (date {frame[date_col].iloc[pos]}): "
            f"{frame[name].iloc[pos]} is not {rule}"
        )
    return values


__all__ = ["block_subsidy_btc", "hashprice_from_network"]
