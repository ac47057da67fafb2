"""Write the bundled sample time series: one synthetic week at an ERCOT-West-like site.

Run ``python data/make_sample_data.py`` from anywhere: it rewrites, bit for bit, the CSV
files in ``dispatch/sample_data/`` (package data, so they ship in the wheel) for 2026-08-17
00:00 to 2026-08-24 00:00 America/Chicago
(Monday to Sunday, 672 fifteen-minute intervals, 7 daily rows).  The numbers are made up
(seeded ``numpy.random.default_rng``), shaped after public descriptions of ERCOT West summer
prices; nothing is copied from real data.

Calibration: the sample site's mining breakevens at a hashprice of 50 USD/PH/day and a 2 %
pool fee are about 117 (S21), 95 (S19 XP) and 69 (S19j Pro) USD/MWh.  Prices sit below
69 most of the time (cheap nights, a midday solar dip with negative intervals), cross the
breakevens on the evening ramp, and spike to thousands of USD/MWh on Monday evening (the
sample site's demand-response event is on Monday 16:00-18:00).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20260817
TZ = "America/Chicago"
START, END = "2026-08-17", "2026-08-24"
HERE = Path(__file__).resolve().parents[1] / "dispatch" / "sample_data"

#: Typical hourly price by local hour, USD/MWh (before the day's factor and noise).
HOURLY_SHAPE = np.array([
    30, 27, 25, 24, 24, 26,   # 00-05 cheap nights
    32, 38, 36, 28, 14, 4,    # 06-11 morning, then solar pushes prices down
    -6, -10, -4, 12, 34, 58,  # 12-17 midday dip, afternoon ramp
    96, 122, 104, 72, 48, 36,  # 18-23 evening peak as solar fades
], dtype=float)  # fmt: skip

#: Scarcity spikes: (local start, 15-minute prices in USD/MWh).
SPIKES = {
    "2026-08-17 17:00": [820, 1650, 3200, 4650, 4300, 2600, 1250, 560],  # Monday evening
    "2026-08-19 19:15": [310, 640, 520, 260],  # Wednesday, smaller
    "2026-08-21 18:30": [280, 450, 390],  # Friday, smaller
}


def intervals(freq: str) -> pd.DatetimeIndex:
    """Interval starts of the sample week in the site's timezone."""
    start = pd.Timestamp(START).tz_localize(TZ)
    end = pd.Timestamp(END).tz_localize(TZ)
    return pd.date_range(start, end, freq=freq, inclusive="left")


def prices(rng: np.random.Generator, idx: pd.DatetimeIndex) -> np.ndarray:
    """15-minute energy prices: hourly shape x day factor, hourly noise, 15-minute noise."""
    days = len(idx) // 96
    peak_factor = rng.uniform(0.8, 1.3, days)  # hot days have dearer evenings
    solar_depth = rng.uniform(0.6, 1.6, days)  # sunny, windy days push midday lower
    solar_depth[5:] += 1.2  # weekend: low load, the dip goes deeper (negative hours)
    hourly = np.empty(days * 24)
    for d in range(days):
        shape = HOURLY_SHAPE.copy()
        shape[16:22] *= peak_factor[d]
        shape[10:15] = np.minimum(shape[10:15], shape[10:15] * solar_depth[d])
        hourly[d * 24 : (d + 1) * 24] = shape + rng.normal(0.0, 4.0, 24)
    quarter = np.repeat(hourly, 4)
    quarter += rng.normal(0.0, 1.5 + 0.05 * np.abs(quarter))
    quarter = np.maximum(quarter, -45.0)
    for start, values in SPIKES.items():
        pos = idx.get_loc(pd.Timestamp(start).tz_localize(TZ))
        quarter[pos : pos + len(values)] = np.asarray(values) + rng.normal(0.0, 15.0, len(values))
    return quarter


def hashprice(rng: np.random.Generator, days: pd.DatetimeIndex) -> np.ndarray:
    """Daily hashprice, USD/PH/day: a small random walk around 50."""
    steps = rng.normal(0.0, 0.9, len(days))
    return np.clip(50.5 + np.cumsum(steps), 48.0, 53.0)


def hpc_load(rng: np.random.Generator, idx: pd.DatetimeIndex) -> np.ndarray:
    """IT load of hall_a, MW: training jobs at 43-46 MW, idle gaps, checkpoint dips."""
    load = np.empty(len(idx))
    pos = 0
    while pos < len(idx):  # a job (or an idle spell) lasts 4 to 20 hours
        length = int(rng.integers(16, 80))
        level = rng.choice([42.0, 43.5, 45.0, 46.0], p=[0.15, 0.3, 0.3, 0.25])
        load[pos : pos + length] = level
        pos += length
    for pos in np.flatnonzero(rng.random(len(idx)) < 0.04):  # checkpoints: a 15-30 min dip
        load[pos : pos + int(rng.integers(1, 3))] -= rng.uniform(2.5, 5.0)
    load += rng.normal(0.0, 0.25, len(idx))
    return np.clip(load, 38.0, 46.0)


def cp_probability(rng: np.random.Generator, idx: pd.DatetimeIndex) -> np.ndarray:
    """Coincident-peak probability: weekdays 15:00-18:00 local, peaking 16:30-17:00."""
    prob = np.zeros(len(idx))
    local_hour = idx.hour + idx.minute / 60
    window = (local_hour >= 15) & (local_hour < 18) & (idx.day_of_week < 5)
    bell = np.exp(-0.5 * ((local_hour - 16.75) / 0.4) ** 2)
    for day in np.unique(idx.normalize()[window]):
        today = window & (idx.normalize() == day)
        prob[today] = rng.uniform(0.02, 0.035) * bell[today]
    return prob


def write(name: str, index: pd.DatetimeIndex | list[str], columns: dict[str, np.ndarray]) -> None:
    """One CSV with two-decimal (probabilities: four-decimal) values and ``\\n`` line ends."""
    first = "date" if isinstance(index, list) else "interval_start"
    stamps = index if isinstance(index, list) else [ts.isoformat() for ts in index]
    lines = [",".join([first, *columns])]
    digits = {col: 4 if col == "cp_probability" else 2 for col in columns}
    for row, stamp in enumerate(stamps):
        cells = [f"{columns[col][row]:.{digits[col]}f}" for col in columns]
        lines.append(",".join([stamp, *cells]))
    (HERE / name).write_text("\n".join(lines) + "\n")


def main() -> None:
    rng = np.random.default_rng(SEED)
    idx = intervals("15min")
    days = intervals("D")
    price = prices(rng, idx)
    write("sample_prices.csv", idx, {"price_usd_per_mwh": price})
    write(
        "sample_hashprice.csv",
        [f"{day:%Y-%m-%d}" for day in days],
        {"hashprice_usd_per_ph_day": hashprice(rng, days)},
    )
    write("sample_hpc_load.csv", idx, {"hall_a": hpc_load(rng, idx)})
    cp = cp_probability(rng, idx)
    write("sample_cp_probability.csv", idx, {"cp_probability": cp})
    print(
        f"prices: median {np.median(price):.1f}, min {price.min():.1f}, max {price.max():.0f}, "
        f"share below 69/95/117: {(price < 69).mean():.0%}/{(price < 95).mean():.0%}/"
        f"{(price < 117).mean():.0%}; cp weekly sum {cp.sum():.2f}"
    )


if __name__ == "__main__":
    main()
