"""Standby DR commitments recurring over a contract term (ERCOT ERS time periods): the window
masks counted by hand (DST days in America/Chicago, weekends, an excluded date, a term
boundary inside the horizon), the model's and the checker's masks agree, bad input, and a
plan and a backtest that hold and settle the commitment day by day."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from conftest import tiny_site
from dispatch import Inputs, backtest, plan, site_index
from dispatch.assets.standby_dr import commitment_window
from dispatch.checker.standby_dr import committed_mask
from dispatch.errors import ConfigError
from dispatch.horizon import local_timestamp
from dispatch.revenue import revenue_stack, settlement_statement

FLEET = {
    "name": "f",
    "miner": {"model": "m", "hashrate_th_s": 100.0, "power_w": 2000.0},  # 20 J/TH
    "miners_per_container": 1000,  # 2 MW per container
    "containers": 1,
}


def commitment(**fields: object) -> dict:
    return {
        "name": "ers",
        "committed_mw": 1.5,
        "availability_usd_per_mw_h": 8.0,
        **fields,
    }


def chicago(minutes: int = 15, **fields: object):  # type: ignore[no-untyped-def]
    return tiny_site(
        timezone="America/Chicago",
        interval_minutes=minutes,
        standby_dr=[commitment(**fields)],
    )


def masks(site, start: str, end: str) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """The model's and the checker's masks of the site's one commitment over [start, end)."""
    index = site_index(site, start, end)
    c = site.standby_dr[0]
    ctx = SimpleNamespace(
        site=site,
        index=index,
        n=len(index),
        dt=site.dt_h,
        local=lambda v: local_timestamp(v, site.timezone),
    )
    return index, commitment_window(c, site, index), committed_mask(c, ctx)


def per_day(index: pd.DatetimeIndex, mask: np.ndarray) -> dict[str, int]:
    counts = pd.Series(mask, index=index).groupby(index.strftime("%Y-%m-%d")).sum()
    return {day: int(n) for day, n in counts.items()}


def test_dst_days_follow_the_wall_clock() -> None:
    # 2023-03-12 springs forward at 02:00 (23 h), 2023-11-05 falls back at 02:00 (25 h)
    term = {"start": "2023-03-11", "end": "2023-11-06"}
    site = chicago(term=term, hours=["00:00-24:00"])
    for start, end, day, n in (
        ("2023-03-11", "2023-03-14", "2023-03-12", 92),
        ("2023-11-04", "2023-11-07", "2023-11-05", 100),
    ):
        index, model, check = masks(site, start, end)
        assert (model == check).all()
        counts = per_day(index, model)
        assert counts[day] == n
        assert sum(counts.values()) == n + 96 * (2 if day == "2023-03-12" else 1)  # 11-06 out
    # 01:00-03:00: the skipped hour holds nothing (4 intervals), the repeated one twice (12)
    site = chicago(term=term, hours="01:00-03:00")
    for start, end, day, n in (
        ("2023-03-12", "2023-03-13", "2023-03-12", 4),
        ("2023-11-05", "2023-11-06", "2023-11-05", 12),
    ):
        index, model, check = masks(site, start, end)
        assert (model == check).all()
        assert per_day(index, model) == {day: n}


def test_business_hours_skip_the_weekend_an_excluded_date_and_the_days_outside_the_term() -> None:
    # term Thu 2023-06-01 .. Mon 2023-06-05 (end 06-06 exclusive); Fri 06-02 excluded (as an
    # ERCOT holiday would be); horizon Wed 05-31 .. Wed 06-07
    site = chicago(
        term={"start": "2023-06-01", "end": "2023-06-06"},
        time_period="ercot_bh1",
        exclude_dates=["2023-06-02"],
    )
    c = site.standby_dr[0]
    assert c.hours == ["08:00-13:00"] and c.weekdays == frozenset(range(5))
    index, model, check = masks(site, "2023-05-31", "2023-06-08")
    assert (model == check).all()
    counts = per_day(index, model)
    assert {d: n for d, n in counts.items() if n} == {"2023-06-01": 20, "2023-06-05": 20}
    first = index[model][0]
    assert (first.hour, first.minute) == (8, 0) and index[model][19].hour == 12
    # hourly intervals and a range off the hour: an interval overlapping it is committed
    site = chicago(60, term={"start": "2023-06-01", "end": "2023-06-02"}, hours="08:30-10:15")
    index, model, check = masks(site, "2023-06-01", "2023-06-02")
    assert (model == check).all()
    assert list(index[model].hour) == [8, 9, 10]


def test_non_business_hours_are_the_rest_of_the_term() -> None:
    # ercot_nbh: 00:00-08:00 and 20:00-24:00 on business days, all day on weekends and on
    # excluded dates (ERCOT holidays); Tue 2023-07-04 excluded
    site = chicago(
        term={"start": "2023-07-01", "end": "2023-07-06"},
        time_period="ercot_nbh",
        exclude_dates=["2023-07-04"],
        days=["Monday", "tue", "WED", "thu", "fri"],
    )
    index, model, check = masks(site, "2023-07-01", "2023-07-07")
    assert (model == check).all()
    assert per_day(index, model) == {
        "2023-07-01": 96,  # Saturday
        "2023-07-02": 96,  # Sunday
        "2023-07-03": 48,  # Monday: 8 h + 4 h
        "2023-07-04": 96,  # the holiday
        "2023-07-05": 48,
        "2023-07-06": 0,  # after the term
    }


def test_the_one_window_form_still_works() -> None:
    site = chicago(start="2023-06-01 10:00", end="2023-06-01 11:30")
    _, model, check = masks(site, "2023-06-01", "2023-06-02")
    assert (model == check).all() and model.sum() == 6


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"term": {"start": "2023-06-01", "end": "2023-10-01"}, "hours": "13:00-08:00"},
            "standby_dr[0].hours: '13:00-08:00' ends before or when it starts",
        ),
        (
            {"term": {"start": "2023-06-01", "end": "2023-10-01"}, "hours": "8-13"},
            "standby_dr[0].hours: '8-13' is not a range of local clock times HH:MM-HH:MM",
        ),
        (
            {"term": {"start": "2023-10-01", "end": "2023-06-01"}, "hours": "08:00-13:00"},
            "standby_dr[0].term: the term ends (2023-06-01) before or when it starts",
        ),
        (
            {
                "term": {"start": "2023-06-01", "end": "2023-10-01"},
                "hours": "08:00-13:00",
                "days": ["mon", "funday"],
            },
            "standby_dr[0].days: 'funday' is not a day: use mon, tue, wed, thu, fri, sat, sun",
        ),
        (
            {"term": {"start": "2023-06-01", "end": "2023-10-01"}},
            "standby_dr[0]: a recurring commitment needs hours",
        ),
        (
            {
                "start": "2023-06-01 00:00",
                "end": "2023-06-02 00:00",
                "term": {"start": "2023-06-01", "end": "2023-10-01"},
                "hours": "08:00-13:00",
            },
            "standby_dr[0]: give either start and end (one window) or term",
        ),
        ({}, "standby_dr[0]: give start and end (one window), or term with hours"),
        (
            {"start": "2023-06-01 00:00", "end": "2023-06-08 00:00", "days": "weekdays"},
            "standby_dr[0]: days and exclude_dates apply to a recurring commitment",
        ),
    ],
)
def test_bad_recurrences_are_one_clear_error(fields: dict, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        tiny_site(standby_dr=[commitment(**fields)])
    assert message in str(err.value)
    assert len(err.value.problems) == 1


def test_a_plan_holds_the_commitment_on_every_business_day() -> None:
    # hourly, Fri 2023-06-02 .. Mon 2023-06-05: BH1 on Fri and Mon (5 h each); mining pays
    # (price 40 < breakeven 100) so the plan holds 1.5 MW in all 10 hours: 10 x 1.5 x 8
    site = tiny_site(
        timezone="America/Chicago",
        fleets=[FLEET],
        standby_dr=[
            commitment(term={"start": "2023-06-01", "end": "2023-10-01"}, time_period="ercot_bh1")
        ],
    )
    index = site_index(site, "2023-06-02", "2023-06-06")
    p = plan(site, Inputs(pd.Series(40.0, index=index), pd.Series(48.0, index=index)))
    s = p.schedule
    held = s["standby_ers_committed_mw"] - s["standby_ers_short_mw"]
    assert s["standby_ers_committed_mw"].sum() == pytest.approx(15.0)
    assert held.sum() == pytest.approx(15.0)
    assert p.kpis["profit_by_term_usd"]["standby_dr_revenue"] == pytest.approx(10 * 1.5 * 8.0)


def test_a_backtest_settles_availability_day_by_day() -> None:
    # hourly, Thu 2023-06-01 .. Wed 2023-06-07, one day per step; BH2 (13:00-16:00) on the
    # business days, Mon 06-05 excluded: Thu, Fri, Tue, Wed = 4 days x 3 h x 1.5 MW = 18 MW-h.
    # Mining loses money on Wednesday (price 130 > breakeven 100: its one 2 MW container
    # would lose 60 USD/h to earn 12): the plan holds nothing that day, forfeiting 4.5 MW-h.
    site = tiny_site(
        timezone="America/Chicago",
        fleets=[FLEET],
        standby_dr=[
            commitment(
                term={"start": "2023-06-01", "end": "2023-10-01"},
                time_period="ercot_bh2",
                exclude_dates=["2023-06-05"],
            )
        ],
    )
    index = site_index(site, "2023-06-01", "2023-06-09")
    price = pd.Series(np.where(index.day == 7, 130.0, 40.0), index=index)
    inputs = Inputs(price, pd.Series(48.0, index=index))
    r = backtest(site, inputs, "2023-06-01", "2023-06-08", step="1D", lookahead="0h")
    frame = r.intervals()
    row = settlement_statement(site, frame).set_index("name").loc["ers"]
    assert row["days_committed"] == 4
    assert row["hours_committed"] == pytest.approx(12.0)
    assert row["mw_h_committed"] == pytest.approx(18.0)
    assert row["mw_h_sold"] == pytest.approx(13.5)  # Wednesday's 3 h not held
    assert row["mw_h_short"] == pytest.approx(4.5)
    assert row["revenue_usd"] == pytest.approx(13.5 * 8.0)
    assert revenue_stack(site, frame)["standby_dr"] == pytest.approx(13.5 * 8.0)
    daily = frame["standby_ers_committed_mw"].groupby(frame.index.strftime("%Y-%m-%d")).sum()
    assert daily.to_dict() == {
        "2023-06-01": 4.5,
        "2023-06-02": 4.5,
        "2023-06-03": 0.0,
        "2023-06-04": 0.0,
        "2023-06-05": 0.0,
        "2023-06-06": 4.5,
        "2023-06-07": 4.5,
    }
