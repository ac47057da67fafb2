"""Reading, checking and aligning input time series (dispatch.data, dispatch.readers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dispatch.config import Site
from dispatch.data import align, load_inputs, load_sample, read_series, sample_paths
from dispatch.errors import DataError, DispatchWarning
from dispatch.horizon import site_index

TZ = "America/Chicago"
SHARED = Path(__file__).parents[2] / "shared" / "data"


def make_site(**extra: object) -> Site:
    raw = {"name": "t", "timezone": TZ, "interval_minutes": 15, "grid": {"import_limit_mw": 100}}
    return Site.from_dict({**raw, **extra})


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def csv(tmp_path: Path, rows: list[tuple[str, str]], header: str = "interval_start,price") -> Path:
    return write(tmp_path, "p.csv", "\n".join([header, *(f"{t},{v}" for t, v in rows)]) + "\n")


def quarter_rows(start: str, n: int, values: list[float] | None = None) -> list[tuple[str, str]]:
    idx = pd.date_range(pd.Timestamp(start), periods=n, freq="15min")
    values = values if values is not None else list(range(n))
    return [(ts.isoformat(), str(v)) for ts, v in zip(idx, values, strict=True)]


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


# --- layouts ---------------------------------------------------------------------------------


def test_plain_csv_with_offsets_is_read_in_the_site_timezone(tmp_path):
    rows = [("2026-08-17T05:00:00Z", "10"), ("2026-08-17T01:15:00-04:00", "12.5")]
    path = csv(tmp_path, [*rows, ("2026-08-17T00:30:00-05:00", "-3")])
    s = read_series(path, name="price_usd_per_mwh", tz=TZ)
    assert list(s) == [10.0, 12.5, -3.0]
    assert s.name == "price_usd_per_mwh"
    assert str(s.index.tz) == TZ
    assert s.index[0] == pd.Timestamp("2026-08-17 00:00", tz=TZ)
    assert s.index.freq == pd.Timedelta(minutes=15)


def test_plain_naive_utc_and_local_columns(tmp_path):
    path = csv(tmp_path, [("2026-08-17 05:00", "1"), ("2026-08-17 06:00", "2")],
               header="interval_start_utc,price")  # fmt: skip
    assert read_series(path, name="p", tz=TZ).index[0] == utc("2026-08-17 05:00")
    path = csv(tmp_path, [("2024-11-03 00:00", "1"), ("2024-11-03 01:00", "2"),
                          ("2024-11-03 01:00", "3"), ("2024-11-03 02:00", "4")],
               header="interval_start_local,price")  # fmt: skip
    s = read_series(path, name="p", tz=TZ)
    assert list(s.index.tz_convert("UTC")) == [utc(f"2024-11-03 0{h}:00") for h in (5, 6, 7, 8)]


def test_column_chooses_among_several_and_name_is_preferred(tmp_path):
    text = (
        "timestamp,a_usd,price_usd_per_mwh\n"
        "2026-08-17T00:00-05:00,1,2\n2026-08-17T01:00-05:00,3,4\n"
    )
    path = write(tmp_path, "two.csv", text)
    assert list(read_series(path, name="price_usd_per_mwh", tz=TZ)) == [2.0, 4.0]
    assert list(read_series(path, name="x", tz=TZ, column="a_usd")) == [1.0, 3.0]
    with pytest.raises(DataError, match=r"two\.csv: several value columns.*column="):
        read_series(path, name="x", tz=TZ)


def test_gridstatus_frame_chooses_a_location(tmp_path):
    starts = pd.date_range("2024-07-01 00:00", periods=3, freq="h", tz="US/Central")
    frame = pd.DataFrame({
        "Time": list(starts) * 2,
        "Interval Start": list(starts) * 2,
        "Interval End": list(starts + pd.Timedelta(hours=1)) * 2,
        "Location": ["HB_WEST"] * 3 + ["HB_NORTH"] * 3,
        "Market": "DAY_AHEAD_HOURLY",
        "SPP": [10.0, 20.0, 30.0, 1.0, 2.0, 3.0],
    })  # fmt: skip
    s = read_series(frame, name="price", tz=TZ, location="HB_WEST")
    assert list(s) == [10.0, 20.0, 30.0]
    assert s.index[0] == pd.Timestamp("2024-07-01 00:00", tz=TZ)
    path = tmp_path / "gs.csv"
    frame.to_csv(path, index=False)
    assert list(read_series(path, name="price", tz=TZ, location="HB_NORTH")) == [1.0, 2.0, 3.0]
    with pytest.raises(
        DataError, match=r"gs\.csv, column Location: 2 locations \(HB_NORTH, HB_WEST"
    ):
        read_series(path, name="price", tz=TZ)
    with pytest.raises(DataError, match=r"no rows for location 'HB_SOUTH'.*HB_NORTH, HB_WEST"):
        read_series(path, name="price", tz=TZ, location="HB_SOUTH")


def ercot_dam(day: str, hours: list[tuple[int, str]], point: str = "HB_WEST") -> list[str]:
    return [f"{day},{h},{flag},{point},{h * 10 + (flag == 'Y')}" for h, flag in hours]


DAM_HEADER = (
    "Delivery Date,Delivery Hour,Repeated Hour Flag,Settlement Point Name,Settlement Point Price"
)


def test_ercot_dam_fall_back_day_has_25_hours_at_the_right_instants(tmp_path):
    hours = [(1, "N"), (2, "N"), (2, "Y")] + [(h, "N") for h in range(3, 25)]
    lines = ercot_dam("11/03/2024", hours) + ercot_dam("11/03/2024", hours, "HB_NORTH")
    path = write(tmp_path, "dam.csv", "\n".join([DAM_HEADER, *lines]) + "\n")
    s = read_series(path, name="price", tz=TZ, location="HB_WEST")
    assert len(s) == 25
    # hour ending 1 CDT starts at 00:00 CDT = 05:00 UTC; the repeated hour ending 2 is CST
    assert s.index[0] == utc("2024-11-03 05:00")
    assert s.tz_convert("UTC")[utc("2024-11-03 06:00")] == 20.0  # 01:00 CDT
    assert s.tz_convert("UTC")[utc("2024-11-03 07:00")] == 21.0  # 01:00 CST (flag Y)
    assert s.tz_convert("UTC")[utc("2024-11-03 08:00")] == 30.0  # 02:00 CST
    assert s.index[-1] == utc("2024-11-04 05:00")  # 23:00 CST
    assert (np.diff(s.index.asi8) == np.diff(s.index.asi8)[0]).all()


def test_ercot_dam_spring_forward_day_has_23_hours(tmp_path):
    hours = [(h, "N") for h in range(1, 25) if h != 3]
    path = write(tmp_path, "dam.csv", "\n".join([DAM_HEADER, *ercot_dam("03/10/2024", hours)]))
    s = read_series(path, name="price", tz=TZ)
    assert len(s) == 23
    assert list(s.index.tz_convert("UTC")[:3]) == [utc("2024-03-10 06:00"),
                                                     utc("2024-03-10 07:00"),
                                                     utc("2024-03-10 08:00")]  # fmt: skip
    assert s.iloc[2] == 40.0  # hour ending 4 starts at 03:00 CDT, right after 02:00 CST
    bad = ercot_dam("03/10/2024", [(1, "N"), (2, "N"), (3, "N")])
    path = write(tmp_path, "bad.csv", "\n".join([DAM_HEADER, *bad]))
    with pytest.raises(DataError, match=r"bad\.csv, column Delivery Hour, row 3: hour ending 3"):
        read_series(path, name="price", tz=TZ)


def test_ercot_rtm_intervals_are_quarter_hours(tmp_path):
    header = ("Delivery Date,Delivery Hour,Delivery Interval,Repeated Hour Flag,"
              "Settlement Point Name,Settlement Point Type,Settlement Point Price")  # fmt: skip
    lines = [f"07/01/2024,{h},{q},N,HB_WEST,HU,{h}.{q}" for h in (1, 2) for q in (1, 2, 3, 4)]
    path = write(tmp_path, "rtm.csv", "\n".join([header, *lines]))
    s = read_series(path, name="price", tz=TZ, location="HB_WEST")
    assert len(s) == 8
    assert s.index[1] == pd.Timestamp("2024-07-01 00:15", tz=TZ)
    assert s.iloc[5] == 2.2


def test_series_with_aware_index_and_parquet(tmp_path):
    idx = pd.date_range("2026-08-17", periods=4, freq="h", tz="UTC")
    s = read_series(pd.Series([1.0, 2, 3, 4], index=idx), name="p", tz=TZ)
    assert s.index[0] == pd.Timestamp("2026-08-16 19:00", tz=TZ)
    path = tmp_path / "p.parquet"
    pd.DataFrame({"interval_start": idx, "p": [1.0, 2, 3, 4]}).to_parquet(path)
    assert list(read_series(path, name="p", tz=TZ)) == [1.0, 2.0, 3.0, 4.0]


# --- alignment -------------------------------------------------------------------------------


def test_hourly_holds_for_four_quarter_hours():
    hourly = pd.Series([10.0, 20.0], index=pd.date_range("2026-08-17", periods=2, freq="h", tz=TZ))
    out = align(hourly, site_index(make_site(), "2026-08-17", hours=2), name="p", source="x")
    assert list(out) == [10.0] * 4 + [20.0] * 4


@pytest.mark.parametrize(("day", "n"), [("2024-03-10", 92), ("2024-11-03", 100)])
def test_daily_holds_for_the_whole_local_day_on_dst_days(tmp_path, day, n):
    before, after = (
        pd.Timestamp(day) - pd.Timedelta(days=1),
        pd.Timestamp(day) + pd.Timedelta(days=1),
    )
    text = f"date,hp\n{before:%Y-%m-%d},40\n{day},50\n{after:%Y-%m-%d},60\n"
    s = read_series(write(tmp_path, "hp.csv", text), name="hp", tz=TZ)
    index = site_index(make_site(), before, after + pd.Timedelta(days=1))
    out = align(s, index, name="hp", source="hp.csv")
    assert len(out) == 96 + n + 96
    local_day = out[out.index.strftime("%Y-%m-%d") == day]
    assert len(local_day) == n
    assert (local_day == 50.0).all()
    assert (out.iloc[:96] == 40.0).all() and (out.iloc[-96:] == 60.0).all()


def test_five_minute_prices_average_to_quarter_hours():
    idx = pd.date_range("2026-08-17", periods=6, freq="5min", tz=TZ)
    fine = pd.Series([1.0, 2.0, 6.0, -3.0, 0.0, 30.0], index=idx)
    out = align(fine, site_index(make_site(), "2026-08-17", hours=0.5), name="p", source="x")
    assert list(out) == [3.0, 9.0]


def test_off_grid_timestamps_are_misaligned(tmp_path):
    rows = quarter_rows("2026-08-17T00:07:00-05:00", 8)
    s = read_series(csv(tmp_path, rows), name="p", tz=TZ)
    with pytest.raises(
        DataError, match=r"misaligned: 2026-08-17 00:07-05:00 is not on the site's 15 min grid"
    ):
        align(s, site_index(make_site(), "2026-08-17", hours=1), name="p", source="x")


def test_uncovered_interval_names_the_first_one(tmp_path):
    s = read_series(csv(tmp_path, quarter_rows("2026-08-17T00:00:00-05:00", 96)), name="p", tz=TZ)
    index = site_index(make_site(), "2026-08-17", "2026-08-19")
    with pytest.raises(DataError) as err:
        align(s, index, name="price_usd_per_mwh", source="p.csv")
    assert str(err.value) == (
        "p.csv: no price_usd_per_mwh data for 2026-08-18 00:00-05:00 "
        "(data ends 2026-08-17 23:45-05:00)"
    )


# --- rejections ------------------------------------------------------------------------------

GOOD = [("2026-08-17T00:00:00-05:00", "1"), ("2026-08-17T00:15:00-05:00", "2")]


@pytest.mark.parametrize(
    ("rows", "pattern"),
    [
        (
            [*GOOD, ("2026-08-17T00:30:00-05:00", "abc")],
            r"p\.csv, column price, row 3 \(2026-08-17 00:30-05:00\): 'abc' is not a number",
        ),
        ([*GOOD, ("2026-08-17T00:30:00-05:00", "")], r"column price, row 3 .*: empty cell"),
        ([*GOOD, ("2026-08-17T00:30:00-05:00", "NaN")], r"column price, row 3 .*missing value"),
        (
            [*GOOD, ("2026-08-17T00:15:00-05:00", "3")],
            r"p\.csv, column interval_start, row 3 \(2026-08-17 00:15-05:00\): duplicate timestamp",
        ),
        (
            [*GOOD[::-1], ("2026-08-17T00:30:00-05:00", "3")],
            r"column interval_start, row 2 .*not sorted",
        ),
        (
            [*GOOD, ("2026-08-17T01:00:00-05:00", "3"), ("2026-08-17T01:15:00-05:00", "4")],
            r"p\.csv, column interval_start, row 3: gap after 2026-08-17 00:15-05:00: "
            r"next row is 01:00-05:00 \(expected every 15 min\)",
        ),
        (
            [*GOOD, ("2026-08-17T00:20:00-05:00", "3"), ("2026-08-17T00:30:00-05:00", "4")],
            r"column interval_start, row 3: irregular spacing: 00:20-05:00 is only 5 min after",
        ),
        (
            [("2026-08-17 00:00", "1"), ("2026-08-17 00:15", "2")],
            r"p\.csv, column interval_start, row 1: naive timestamps .*\*_local",
        ),
        ([*GOOD, ("2026-08-17 00:30", "3")], r"column interval_start, row 3: naive timestamp"),
        ([*GOOD, ("yesterday", "3")], r"column interval_start, row 3: 'yesterday' is not an ISO"),
    ],
    ids=[
        "non-numeric",
        "empty",
        "nan",
        "duplicate",
        "unsorted",
        "gap",
        "irregular",
        "naive",
        "mixed-naive",
        "bad-timestamp",
    ],
)
def test_malformed_rows_are_named(tmp_path, rows, pattern):
    with pytest.raises(DataError, match=pattern):
        read_series(csv(tmp_path, rows), name="price_usd_per_mwh", tz=TZ)


def test_file_level_problems(tmp_path):
    with pytest.raises(DataError, match=r"nope\.csv: file not found"):
        read_series(tmp_path / "nope.csv", name="p", tz=TZ)
    with pytest.raises(DataError, match=r"empty\.csv: empty file"):
        read_series(write(tmp_path, "empty.csv", ""), name="p", tz=TZ)
    with pytest.raises(DataError, match=r"head\.csv: no data rows"):
        read_series(write(tmp_path, "head.csv", "interval_start,price\n"), name="p", tz=TZ)
    with pytest.raises(DataError, match=r"junk\.parquet: cannot read parquet file"):
        read_series(write(tmp_path, "junk.parquet", "not parquet"), name="p", tz=TZ)
    ragged = "interval_start,price\n2026-08-17T00:00:00-05:00,1,2\n"
    with pytest.raises(
        DataError, match=r"ragged\.csv: cannot read CSV file: row 1 \(line 2\) has 3 fields, the"
    ):
        read_series(write(tmp_path, "ragged.csv", ragged), name="p", tz=TZ)
    with pytest.raises(DataError, match=r"x\.xlsx: unsupported file type"):
        read_series(write(tmp_path, "x.xlsx", "a"), name="p", tz=TZ)


def test_wrong_columns_list_what_was_found(tmp_path):
    path = write(tmp_path, "cols.csv", "when,price\nmonday,1\n")
    with pytest.raises(
        DataError,
        match=r"cols\.csv: no timestamp column \(found: when, price; expected one of timestamp",
    ):
        read_series(path, name="p", tz=TZ)
    path = csv(tmp_path, GOOD)
    with pytest.raises(
        DataError, match=r"p\.csv: no column 'price_usd' \(value columns found: price\)"
    ):
        read_series(path, name="p", tz=TZ, column="price_usd")
    path = write(tmp_path, "dam.csv", "Delivery Date,Settlement Point Price\n01/01/2024,3\n")
    with pytest.raises(
        DataError, match=r"dam\.csv: ERCOT price file is missing column\(s\) Delivery Hour"
    ):
        read_series(path, name="p", tz=TZ)


def test_pandas_input_is_named_by_quantity_and_timestamp():
    idx = pd.date_range("2026-08-17", periods=3, freq="15min", tz=TZ)
    with pytest.raises(
        DataError, match=r"price_usd_per_mwh series, column .*2026-08-17 00:15-05:00: missing value"
    ):
        read_series(pd.Series([1.0, np.nan, 3.0], index=idx), name="price_usd_per_mwh", tz=TZ)
    with pytest.raises(DataError, match=r"price series.*naive timestamps"):
        read_series(pd.Series([1.0, 2.0], index=idx.tz_localize(None)[:2]), name="price", tz=TZ)


def test_declared_timezone_must_match_the_offsets(tmp_path):
    rows = [("2026-08-17T00:00:00-05:00", "1"), ("2026-08-17T00:15:00-05:00", "2")]
    assert len(read_series(csv(tmp_path, rows), name="p", tz=TZ, declared_tz=TZ)) == 2
    with pytest.raises(
        DataError,
        match=r"column interval_start, row 1: .*America/Denver.*different timezone than declared",
    ):
        read_series(csv(tmp_path, rows), name="p", tz=TZ, declared_tz="America/Denver")
    text = "interval_start,tz,price\n2026-08-17T00:00:00-07:00,America/Chicago,1\n"
    with pytest.raises(
        DataError, match=r"tzcol\.csv, column interval_start, row 1: .*different timezone"
    ):
        read_series(write(tmp_path, "tzcol.csv", text), name="p", tz=TZ)


# --- load_inputs -----------------------------------------------------------------------------


def test_bundled_sample_loads_a_week_with_its_sources():
    _site, inputs = load_sample()
    assert len(inputs.index) == 672
    assert inputs.index[0] == pd.Timestamp("2026-08-17 00:00", tz=TZ)
    paths = sample_paths()
    assert inputs.sources == {
        "price_usd_per_mwh": f"{paths['prices']} [price_usd_per_mwh]",
        "hashprice_usd_per_ph_day": f"{paths['hashprice']} [hashprice_usd_per_ph_day]",
        "cp_probability": f"{paths['cp_probability']} [cp_probability]",
        "hpc_it_load_mw": ", ".join(
            f"{paths['hpc_load']} [{hall}]" for hall in ("training", "inference", "phase2")
        ),
    }
    assert inputs.price_usd_per_mwh.max() > 3000
    for hall in _site.hpc_halls:  # it_load_mw is each hall's nameplate
        assert (inputs.hpc_it_load_mw[hall.name] <= hall.it_load_mw).all()
    assert 0.3 <= inputs.cp_probability.sum() <= 0.6
    _, day = load_sample("2026-08-18")
    assert len(day.index) == 96


def test_the_sample_ai_load_moves():
    site, inputs = load_sample()
    it = inputs.hpc_it_load_mw
    pue = {hall.name: hall.pue for hall in site.hpc_halls}
    meter = sum(it[name] * pue[name] for name in it)
    training = it["training"] * pue["training"]
    assert training.diff(4).max() > 20.0 and training.diff(4).min() < -20.0  # jobs, per hour
    energised = pd.Timestamp("2026-08-19 10:00", tz=TZ)
    assert (it["phase2"][it.index < energised] == 0).all()
    assert it["phase2"][it.index >= energised].min() > 0
    inference = it["inference"].groupby(it.index.hour).mean()
    assert inference[14] > 1.5 * inference[4]  # a daily shape
    assert meter.min() > 40.0 and meter.max() < site.grid.import_limit_mw  # HPC fits alone


def test_total_hpc_load_is_split_pro_rata(tmp_path):
    site = make_site(hpc_halls=[{"name": "a", "it_load_mw": 30}, {"name": "b", "it_load_mw": 10}])
    prices = csv(tmp_path, GOOD)
    total = write(tmp_path, "it.csv", "interval_start,total_mw\n2026-08-17T00:00:00-05:00,80\n"
                                      "2026-08-17T00:15:00-05:00,40\n")  # fmt: skip
    inputs = load_inputs(site, prices=prices, hashprice=50.0, hpc_load=total)
    assert inputs.hpc_it_load_mw["a"].tolist() == [60.0, 30.0]
    assert inputs.hpc_it_load_mw["b"].tolist() == [20.0, 10.0]
    assert "split over a, b pro-rata" in inputs.sources["hpc_it_load_mw"]
    inputs = load_inputs(site, prices=prices, hashprice=50.0, hpc_load=20.0)
    assert inputs.hpc_it_load_mw.iloc[0].tolist() == [15.0, 5.0]
    assert inputs.sources["hashprice_usd_per_ph_day"] == "constant 50"


def test_value_ranges_are_checked_with_the_row(tmp_path):
    site = make_site()
    prices = csv(tmp_path, GOOD)
    hp = write(tmp_path, "hp.csv", "date,hashprice_usd_per_ph_day\n2026-08-16,50\n2026-08-17,0.0\n")
    with pytest.raises(
        DataError,
        match=r"hp\.csv, column hashprice_usd_per_ph_day: hashprice_usd_per_ph_day must be "
        r"positive: 0\.0 at row 2",
    ):
        load_inputs(site, prices=prices, hashprice=hp)
    cp = write(tmp_path, "cp.csv", "interval_start,cp\n2026-08-17T00:00:00-05:00,0\n"
                                   "2026-08-17T00:15:00-05:00,1.5\n")  # fmt: skip
    with pytest.raises(
        DataError, match=r"cp\.csv, column cp: cp_probability must be in \[0, 1\]: 1\.5 at row 2"
    ):
        load_inputs(site, prices=prices, hashprice=50, cp_probability=cp)
    negative = csv(tmp_path, [("2026-08-17T00:00:00-05:00", "-250"), GOOD[1]])
    assert load_inputs(site, prices=negative, hashprice=50).price_usd_per_mwh.iloc[0] == -250.0


def test_series_the_config_needs_must_be_given(tmp_path):
    prices = csv(tmp_path, GOOD)
    with pytest.raises(DataError, match=r"solar\.capacity_mw"):
        load_inputs(make_site(solar={"capacity_mw": 5}), prices=prices, hashprice=50)
    site = make_site(coincident_peak={"charge_usd_per_mw": 1000})
    with pytest.raises(DataError, match=r"coincident_peak\.charge_usd_per_mw"):
        load_inputs(site, prices=prices, hashprice=50)


def test_horizon_outside_the_data_is_an_error(tmp_path):
    with pytest.raises(DataError, match=r"no price_usd_per_mwh data for 2026-09-01 00:00-05:00"):
        load_inputs(make_site(), prices=csv(tmp_path, GOOD), hashprice=50,
                    start="2026-09-01", end="2026-09-02")  # fmt: skip


# --- real data -------------------------------------------------------------------------------


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"real reference data not present at {SHARED}")
def test_real_ercot_dam_day_with_a_scarcity_spike():
    s = read_series(SHARED / "ercot_dam_hb_hubavg_hourly_2020_2024.csv", name="p", tz=TZ)
    day = s[s.index.strftime("%Y-%m-%d") == "2023-08-17"]
    assert len(day) == 24
    out = align(s, site_index(make_site(), "2023-08-17", "2023-08-18"), name="p", source="dam")
    assert len(out) == 96
    assert out.max() > 1000
    assert np.allclose(out.to_numpy().reshape(24, 4), day.to_numpy()[:, None])


def test_coincident_peak_probability_is_split_and_summed_not_held() -> None:
    tz = "America/Chicago"
    quarter = pd.date_range("2026-08-17", periods=8, freq="15min", tz=tz)
    hourly = pd.Series([0.04, 0.08], index=pd.date_range("2026-08-17", periods=2, freq="h", tz=tz))
    split = align(hourly, quarter, name="cp_probability", source="t")
    assert split.tolist() == pytest.approx([0.01] * 4 + [0.02] * 4)
    assert split.sum() == pytest.approx(hourly.sum())
    fine = pd.Series(np.arange(8) * 0.01, index=quarter)
    summed = align(fine, quarter[::4], name="cp_probability", source="t")
    assert summed.tolist() == pytest.approx([0.06, 0.22])
    # a daily probability over the 23-hour spring-forward day: 92 quarter-hours
    day = pd.Series([0.92], index=pd.DatetimeIndex([pd.Timestamp("2024-03-10", tz=tz)]))
    dst = site_index(make_site(), "2024-03-10", "2024-03-11")
    assert align(day, dst, name="cp_probability", source="t").tolist() == pytest.approx([0.01] * 92)


# --- magnitudes and units ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("prices", 1e21, ("price_usd_per_mwh", "in [-100000, 100000]")),
        ("prices", -3e6, ("price_usd_per_mwh", "in [-100000, 100000]")),
        ("hashprice", 1e308, ("hashprice_usd_per_ph_day", "at most 100000")),
        ("hpc_load", 1e21, ("hpc_it_load_mw", "in [0, 10000]")),
    ],
)
def test_absurd_series_values_are_refused(field, value, words) -> None:
    site, inputs = load_sample(day="2026-08-17")
    given = {
        "prices": inputs.price_usd_per_mwh,
        "hashprice": inputs.hashprice_usd_per_ph_day,
        "hpc_load": 40.0,
        "cp_probability": inputs.cp_probability,
    }
    if field == "prices":
        bad = inputs.price_usd_per_mwh.copy()
        bad.iloc[5] = value
        given["prices"] = bad
    else:
        given[field] = value
    with pytest.raises(DataError) as info:
        load_inputs(site, **given)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize(
    ("field", "scale", "unit"),
    [("prices", 1e-3, "USD/kWh"), ("hashprice", 1e-3, "USD/TH/day")],
)
def test_a_unit_1000x_off_is_warned_with_the_fix(field, scale, unit) -> None:
    site, inputs = load_sample(day="2026-08-17")
    given = {
        "prices": inputs.price_usd_per_mwh,
        "hashprice": inputs.hashprice_usd_per_ph_day,
        "cp_probability": inputs.cp_probability,
    }
    given[field] = given[field] * scale
    with pytest.warns(DispatchWarning, match=f"looks like {unit}; multiply by 1000"):
        load_inputs(site, **given)
