"""Big files are read only near the plan's window (dispatch.readers.window): the same
series as a whole read, row numbers kept in the errors, rows far away never parsed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import tiny_site
from dispatch import DataError, load_inputs
from dispatch.readers import window

DAYS = 20


@pytest.fixture
def big(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(window, "MIN_BYTES", 0)  # every file counts as big


def _frame() -> pd.DataFrame:
    times = pd.date_range("2026-01-01", periods=DAYS * 24, freq="h", tz="UTC")
    return pd.DataFrame(
        {
            "interval_start_utc": times.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            "price_usd_per_mwh": np.arange(len(times), dtype=float),
        }
    )


def _prices(site, path):  # type: ignore[no-untyped-def]
    inputs = load_inputs(site, prices=path, hashprice=60.0, start="2026-01-10", end="2026-01-11")
    return inputs.price_usd_per_mwh


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_window_read_equals_the_whole_read(tmp_path, monkeypatch, suffix) -> None:
    site = tiny_site(timezone="America/Chicago", interval_minutes=15)
    frame = _frame()
    path = tmp_path / f"prices{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame["interval_start_utc"] = pd.to_datetime(frame["interval_start_utc"])
        frame.to_parquet(path, index=False)
    whole = _prices(site, path)
    monkeypatch.setattr(window, "MIN_BYTES", 0)
    near = _prices(site, path)
    pd.testing.assert_series_equal(whole, near)
    assert len(near) == 96


def test_rows_far_away_are_not_read_and_errors_keep_the_row(tmp_path, big) -> None:
    site = tiny_site(timezone="America/Chicago", interval_minutes=15)
    frame = _frame()
    frame["price_usd_per_mwh"] = frame["price_usd_per_mwh"].astype(object)
    frame.loc[3, "interval_start_utc"] = "garbage far from the window"  # file row 4
    frame.loc[3, "price_usd_per_mwh"] = np.nan
    path = tmp_path / "prices.csv"
    frame.to_csv(path, index=False)
    # a row not starting with an ISO date is kept for the parser, which names it
    with pytest.raises(DataError, match="row 4"):
        _prices(site, path)
    frame.loc[3, "interval_start_utc"] = "2026-01-01T03:00:00+00:00"
    frame.loc[3, "price_usd_per_mwh"] = "n/a"  # a bad value a week before the window
    frame.to_csv(path, index=False)
    assert len(_prices(site, path)) == 96  # never read
    bad = 9 * 24 + 10  # 2026-01-10 10:00 UTC: inside the window, file row bad + 1
    frame.loc[bad, "price_usd_per_mwh"] = "n/a"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError, match=f"row {bad + 1}"):
        _prices(site, path)
