"""Big files are read only near the plan's window (dispatch.readers.window): the same
series as a whole read, row numbers kept in the errors, rows far away never parsed."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from conftest import tiny_site
from dispatch import DataError, load_inputs
from dispatch.readers import lines, window

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


# --- CSV in blocks of whole lines (dispatch.readers.lines): tiny blocks, so that a window
# spans several and a file's rows fall on every side of a cut


@pytest.fixture
def tiny_blocks(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(window, "MIN_BYTES", 0)
    monkeypatch.setattr(lines, "BLOCK_BYTES", 64)  # a line or two per block


def _lines() -> list[str]:
    frame = _frame()
    return ["interval_start_utc,price_usd_per_mwh"] + [
        f"{t},{p:g}"
        for t, p in zip(frame["interval_start_utc"], frame["price_usd_per_mwh"], strict=True)
    ]


def _with_note(rows: list[str], note) -> list[str]:  # type: ignore[no-untyped-def]
    return [rows[0] + ",note"] + [f"{r},{note(i)}" for i, r in enumerate(rows[1:])]


VARIANTS = {
    "crlf": lambda rows: "\r\n".join(rows) + "\r\n",
    "cr only": lambda rows: "\r".join(rows) + "\r",
    "blank lines": lambda rows: "\n".join([*rows[:100], "", "", *rows[100:230], "", *rows[230:]]),
    "no final line break": lambda rows: "\n".join(rows),
    "blank first line": lambda rows: "\n" + "\n".join(rows) + "\n",
    "all quoted": lambda rows: "\n".join('"' + r.replace(",", '","') + '"' for r in rows),
    "time column second": lambda rows: "\n".join(",".join(r.split(",")[::-1]) for r in rows),
    "spaces after commas": lambda rows: "\n".join(r.replace(",", ", ") for r in rows),
    "UTF-8 notes": lambda rows: "\n".join(_with_note(rows, lambda i: "café" if i % 5 else "")),
    "line breaks in quotes": lambda rows: "\n".join(
        _with_note(rows, lambda i: '"two\nlines"' if i % 7 == 0 else "x")
    ),
    "a stray quote": lambda rows: "\n".join(
        _with_note(rows, lambda i: '5" screen' if i % 7 == 0 else "x")
    ),
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_blocks_of_lines_read_what_the_whole_read_does(tmp_path, monkeypatch, variant) -> None:
    """The same series, and a bad value inside the window named at the same file row."""
    site = tiny_site(timezone="America/Chicago", interval_minutes=15)
    good, bad = tmp_path / "prices.csv", tmp_path / "bad.csv"
    rows = _lines()
    good.write_bytes(VARIANTS[variant](rows).encode())
    rows[230] = rows[230].split(",")[0] + ",n/a"  # 2026-01-10 13:00 UTC, file row 230
    bad.write_bytes(VARIANTS[variant](rows).encode())
    whole = _prices(site, good)
    with pytest.raises(DataError, match=r"row 230 .*missing value"):
        _prices(site, bad)
    monkeypatch.setattr(window, "MIN_BYTES", 0)
    monkeypatch.setattr(lines, "BLOCK_BYTES", 64)
    pd.testing.assert_series_equal(_prices(site, good), whole)
    assert len(whole) == 96
    with pytest.raises(DataError, match=r"row 230 .*missing value"):
        _prices(site, bad)


def test_a_plain_file_is_read_in_two_passes(tmp_path, tiny_blocks, monkeypatch) -> None:
    """Not with the streaming reader (every column of every block): that one is only for
    a block that may end inside a quoted value, or a blank first line."""
    site = tiny_site(timezone="America/Chicago", interval_minutes=15)
    path = tmp_path / "prices.csv"
    path.write_text("\n".join(_lines()) + "\n")

    def streamed(*args):  # type: ignore[no-untyped-def]
        raise AssertionError("read with the streaming reader")

    monkeypatch.setattr(window, "_filtered", streamed)
    assert len(_prices(site, path)) == 96
    path.write_text("\n".join(_with_note(_lines(), lambda i: '"a\nb"')) + "\n")
    with pytest.raises(AssertionError, match="streaming"):
        _prices(site, path)


@pytest.mark.parametrize(
    ("start", "end", "intervals"),
    [
        ("2025-12-31 18:00", "2026-01-01", 24),  # from the file's first row (00:00 UTC)
        ("2026-01-20", "2026-01-20 18:00", 72),  # to its last row (23:00 UTC)
    ],
)
def test_a_window_at_either_end_of_the_file(tmp_path, monkeypatch, start, end, intervals) -> None:
    site = tiny_site(timezone="America/Chicago", interval_minutes=15)
    path = tmp_path / "prices.csv"
    path.write_text("\n".join(_lines()) + "\n")

    def read():  # type: ignore[no-untyped-def]
        return load_inputs(site, prices=path, hashprice=60.0, start=start, end=end)

    whole = read().price_usd_per_mwh
    monkeypatch.setattr(window, "MIN_BYTES", 0)
    monkeypatch.setattr(lines, "BLOCK_BYTES", 64)
    pd.testing.assert_series_equal(read().price_usd_per_mwh, whole)
    assert len(whole) == intervals


def test_local_offsets_across_the_dst_change_and_mixed_with_utc(tmp_path, monkeypatch) -> None:
    """Text with local UTC offsets: a row's written date is not its UTC date (18:00-06:00
    is the next UTC day); the 23-hour spring-forward day is read whole, some rows in UTC."""
    site = tiny_site(timezone="America/Chicago", interval_minutes=15)
    times = pd.date_range("2026-03-01", "2026-03-20", freq="h", tz="America/Chicago")
    text = [t.isoformat() for t in times]
    text[1::3] = [t.tz_convert("UTC").strftime("%Y-%m-%dT%H:%MZ") for t in times[1::3]]
    path = tmp_path / "prices.csv"
    rows = [f"{t},{i}" for i, t in enumerate(text)]
    path.write_text("\n".join(["timestamp,price_usd_per_mwh", *rows]) + "\n")

    def read():  # type: ignore[no-untyped-def]
        day = load_inputs(site, prices=path, hashprice=60.0, start="2026-03-08", end="2026-03-09")
        return day.price_usd_per_mwh

    whole = read()
    monkeypatch.setattr(window, "MIN_BYTES", 0)
    monkeypatch.setattr(lines, "BLOCK_BYTES", 64)
    pd.testing.assert_series_equal(read(), whole)
    assert len(whole) == 92  # 23 hours
    assert whole.iloc[0] == text.index("2026-03-08T00:00:00-06:00")


@pytest.mark.parametrize(
    ("arrange", "problem"),
    [
        # the window's day again at the end of the file (data appended twice)
        (lambda rows: rows + rows[9 * 24 : 10 * 24], "duplicate timestamp"),
        # the window's day moved to the end: the file is read whole, not up to the window
        (lambda rows: rows[: 9 * 24] + rows[10 * 24 :] + rows[9 * 24 : 10 * 24], "not sorted"),
    ],
)
def test_an_unsorted_file_fails_at_the_row_the_whole_read_names(
    tmp_path, monkeypatch, arrange, problem
) -> None:
    site = tiny_site(timezone="America/Chicago", interval_minutes=15)
    rows = _lines()
    path = tmp_path / "prices.csv"
    path.write_text("\n".join([rows[0], *arrange(rows[1:])]) + "\n")
    with pytest.raises(DataError, match=problem) as whole:
        _prices(site, path)
    row = re.search(r"row \d+ ", str(whole.value)).group()  # type: ignore[union-attr]
    monkeypatch.setattr(window, "MIN_BYTES", 0)
    monkeypatch.setattr(lines, "BLOCK_BYTES", 64)
    with pytest.raises(DataError, match=f"{row}.*{problem}"):
        _prices(site, path)


def test_a_malformed_row_far_from_the_window_is_named_by_its_file_row(
    tmp_path, tiny_blocks
) -> None:
    """Every byte and every row's field count is still checked (as a whole read does), and
    the message names the file row, not the row within pyarrow's block."""
    site = tiny_site(timezone="America/Chicago", interval_minutes=15)
    rows = _lines()
    path = tmp_path / "prices.csv"
    far = 400  # file row 400: 2026-01-17, a week after the window, many blocks in
    for broken, message in [
        (rows[far] + ",extra", "row 400 has 3 fields, the header 2; remove the extra field"),
        (rows[far].split(",")[0], "row 400 has 1 field, the header 2; add the missing field"),
    ]:
        path.write_text("\n".join([*rows[:far], broken, *rows[far + 1 :]]) + "\n")
        with pytest.raises(DataError, match=f"cannot read CSV file: {re.escape(message)}"):
            _prices(site, path)
    latin = rows[far].split(",")[0].encode() + b",caf\xe9"  # a Latin-1 text
    after = "\n".join(rows[far + 1 :]).encode()
    path.write_bytes("\n".join(rows[:far]).encode() + b"\n" + latin + b"\n" + after)
    with pytest.raises(DataError, match=r"row 400: byte 0xe9 is not UTF-8.*save the file as UTF-8"):
        _prices(site, path)


def test_text_dates_near_the_window_and_every_row_not_an_iso_date_are_kept() -> None:
    import pyarrow as pa

    lo, hi = pd.Timestamp("2026-01-08", tz="UTC"), pd.Timestamp("2026-01-12", tz="UTC")
    cases = {
        "2026-01-07T23:00:00Z": False,
        "2026-01-08T00:00:00Z": True,
        "2026-01-12T23:59:00Z": True,
        "2026-01-13T00:00:00Z": False,
        " 2026-01-10T00:00:00Z": True,  # spaces after the comma: trimmed
        "2026-01-1xT00:00:00Z": True,  # not an ISO date: kept, for the parser to name
        "garbage": True,
        "": True,
        "2026-01-10": True,
        "2025-01-10": False,
    }
    same_width = [t for t in cases if len(t) == 20]  # one width: read through a view
    for texts, column in [
        (list(cases), pa.array(list(cases))),
        (same_width, pa.array(same_width)),
        (same_width[2:], pa.array(same_width)[2:]),  # a slice: its offsets start further in
        (list(cases)[3:], pa.array(list(cases))[3:]),
    ]:
        assert window._near(column, lo, hi).tolist() == [cases[t] for t in texts]
    with_null = pa.array(["2026-01-01", None, "2026-01-10"])
    assert window._near(with_null, lo, hi).tolist() == [False, True, True]


def test_parquet_text_timestamps_of_two_widths(tmp_path, monkeypatch) -> None:
    site = tiny_site(timezone="America/Chicago", interval_minutes=15)
    frame = _frame()
    frame.loc[::2, "interval_start_utc"] = frame["interval_start_utc"][::2].str.replace(
        "+00:00", "Z"
    )
    path = tmp_path / "prices.parquet"
    frame.to_parquet(path, index=False, row_group_size=50)
    whole = _prices(site, path)
    monkeypatch.setattr(window, "MIN_BYTES", 0)
    pd.testing.assert_series_equal(_prices(site, path), whole)
    assert len(whole) == 96
