"""The timestamp parser's fast paths (dispatch.readers.timestamps): ISO text matched by
pyarrow's RE2 with Python's re for what RE2 does not match, and tz-aware Parquet columns
read without writing them as text; both read and fail as the text path with Python's re."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dispatch import DataError, read_series
from dispatch.readers.timestamps import _ISO_RE, _iso_offsets

TZ = "America/Chicago"


def test_iso_rows_and_offsets_as_pythons_re_reads_them() -> None:
    texts = [
        "2026-03-08T01:00:00-06:00",
        "2026-03-08T08:00Z",
        "2026-03-08 03:00:00.250+0100",
        "2026-03-08T03:00+01",
        "2026-03-08T03:00",  # naive
        "2026-03-08",  # a date
        "2026-03-08T03:00\u00a0Z",  # a no-break space before Z: Python's \s, not RE2's
        "\u0662\u0660\u0662\u0666-03-08T03:00Z",  # Arabic-Indic digits: Python's \d only
        "garbage",  # the first row that is not a timestamp
        "2026-03-08T04:00Z",
    ]
    bad, offsets = _iso_offsets(pd.Series(texts))
    python = pd.Series(texts, dtype=object)
    expected_bad = ~python.str.match(_ISO_RE).to_numpy(dtype=bool)
    first = int(np.flatnonzero(expected_bad)[0])
    assert first == 8
    assert bad[: first + 1].tolist() == expected_bad[: first + 1].tolist()
    expected = python.str.extract(_ISO_RE)["offset"]
    assert offsets[:first].isna().tolist() == expected[:first].isna().tolist()
    assert offsets[:first].dropna().tolist() == expected[:first].dropna().tolist()


def test_digits_only_pythons_re_knows_are_still_not_a_valid_timestamp(tmp_path) -> None:
    """An ISO shape in other digits passes Python's re (as before) and fails the date
    parser: "not a valid timestamp", not "not an ISO 8601 timestamp"."""
    path = tmp_path / "p.csv"
    path.write_text(
        "timestamp,p\n2026-03-08T00:00Z,1\n\u0662\u0660\u0662\u0666-03-08T01:00Z,2\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"row 2: .* is not a valid timestamp"):
        read_series(path, name="p", tz=TZ)


@pytest.mark.parametrize("zone", [TZ, "UTC", "Asia/Kolkata"])
def test_a_tz_aware_parquet_column_reads_as_its_text(tmp_path, zone) -> None:
    times = pd.date_range("2026-03-07", "2026-03-10", freq="15min", tz=zone)
    frame = pd.DataFrame({"interval_start": times, "p": np.arange(len(times), dtype=float)})
    frame.to_parquet(tmp_path / "p.parquet", index=False)
    frame.assign(interval_start=times.astype(str)).to_csv(tmp_path / "p.csv", index=False)
    parquet = read_series(tmp_path / "p.parquet", name="p", tz=TZ)
    text = read_series(tmp_path / "p.csv", name="p", tz=TZ)
    pd.testing.assert_series_equal(parquet, text)
    assert str(parquet.index.tz) == TZ
    assert len(parquet) == len(times)


def test_a_tz_aware_parquet_column_fails_as_its_text(tmp_path) -> None:
    times = pd.date_range("2026-03-07", periods=8, freq="h", tz="UTC")
    path = tmp_path / "p.parquet"
    pd.DataFrame({"interval_start": times, "p": 1.0}).to_parquet(path, index=False)
    with pytest.raises(DataError, match=r"row 1: .* UTC offset that America/Chicago does not"):
        read_series(path, name="p", tz=TZ, declared_tz=TZ)
    missing = pd.Series(times).where(np.arange(8) != 2)  # row 3: NaT, which is NaN as text
    pd.DataFrame({"interval_start": missing, "p": 1.0}).to_parquet(path, index=False)
    with pytest.raises(DataError, match="row 3: nan is not an ISO 8601 timestamp"):
        read_series(path, name="p", tz=TZ)
