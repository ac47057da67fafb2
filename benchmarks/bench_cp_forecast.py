"""Check: coincident-peak probabilities from a load forecast against ERCOT's real peaks.

``dispatch.cp_forecast.cp_probability_from_forecast`` on ERCOT's hourly native load
2018-2024, with three forecasts of it:

- *perfect*: the actual load itself (the method's spread comes from ``sigma_frac`` alone);
- *noisy, hourly*: actual x (1 + e[t]), e[t] ~ N(0, 2 %) independent per hour (seeded);
- *noisy, daily*: actual x (1 + d[day] + e[t]), d ~ N(0, 2 %) per day, e ~ N(0, 0.5 %) per
  hour: a day-ahead error is mostly a weather miss shared by the day's hours.

Against the real peaks: the 28 monthly peak hours June-September 2018-2024
(``ercot_4cp_hourly_proxy_2018_2024.csv``) and ERCOT's 8 official 15-minute 4CP intervals of
2018-2019 (``ercot_4cp_intervals_2016_2019.csv``, counted by the hour they start in).
For each: how often the real peak hour is the month's top 1 / in its top 5 / top 10 / top 20
hours by probability, has probability >= 0.1, and the mean probability it was given.

Cost, for a site importing 10 MW flat and a charge of 15,000 USD per MW per monthly peak (the
sample site's; 60,000 USD/MW-year over four months): a flat site's expected charge is exact
(sum p = 1).  A flexible site that drops to 0 MW in its month's top-k hours expects to pay
``charge * 10 * (1 - sum of p over the top k)`` and pays ``charge * 10`` when the real peak
falls outside them: the table shows, over the 28 months, the expected total, the realised
total and their difference (positive: the plan expected to pay more than it did).
Noisy rows are the mean over ``--seeds`` seeds.

    python benchmarks/bench_cp_forecast.py [--sigma 0.02] [--band 0.10] [--seeds 20]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from dispatch.cp_forecast import cp_probability_from_forecast

DATA = Path(__file__).parents[2] / "shared" / "data"
SITE_MW = 10.0
CHARGE_USD_PER_MW = 15_000.0
TOP_K = (1, 5, 10, 20)


def read_load(data: Path) -> pd.Series:
    frame = pd.read_csv(data / "ercot_load_hourly_2018_2024.csv")
    index = pd.to_datetime(frame["interval_start_utc"], utc=True).dt.tz_convert("America/Chicago")
    return pd.Series(frame["ercot_load_mw"].to_numpy(), index=pd.DatetimeIndex(index))


def real_peaks(data: Path) -> dict[str, list[pd.Timestamp]]:
    proxy = pd.read_csv(data / "ercot_4cp_hourly_proxy_2018_2024.csv")
    official = pd.read_csv(data / "ercot_4cp_intervals_2016_2019.csv")
    hours = pd.to_datetime(official["interval_start_utc"], utc=True).dt.floor("h")
    return {
        "proxy": [pd.Timestamp(t) for t in pd.to_datetime(proxy["peak_interval_start"], utc=True)],
        "official": [pd.Timestamp(t) for t in hours if t.year >= 2018],
    }


def noisy(load: pd.Series, kind: str, seed: int) -> pd.Series:
    rng = np.random.default_rng(seed)
    if kind == "hourly":
        return load * (1 + rng.normal(0, 0.02, len(load)))
    day = np.asarray(load.index.normalize().asi8)
    _, day_no = np.unique(day, return_inverse=True)
    daily = rng.normal(0, 0.02, day_no.max() + 1)[day_no]
    return load * (1 + daily + rng.normal(0, 0.005, len(load)))


def score(prob: pd.Series, peaks: list[pd.Timestamp]) -> dict[str, float]:
    utc = prob.tz_convert("UTC")
    local = prob.index
    rows: dict[str, list[float]] = {f"top{k}": [] for k in TOP_K}
    rows |= {"p>=0.1": [], "p_peak": [], "expected_usd": [], "realised_usd": []}
    for peak in peaks:
        month = (local.year == peak.tz_convert(local.tz).year) & (
            local.month == peak.tz_convert(local.tz).month
        )
        p = utc[month]
        p_peak = float(p.get(peak, 0.0))
        # 1 = the month's most likely hour; outside the band (p = 0) it is no rank at all
        rank = int((p.to_numpy() > p_peak).sum()) + 1 if p_peak > 0 else len(p) + 1
        for k in TOP_K:
            rows[f"top{k}"].append(float(rank <= k))
        rows["p>=0.1"].append(float(p_peak >= 0.1))
        rows["p_peak"].append(p_peak)
        top = np.sort(p.to_numpy())[::-1][:10]  # the site cuts its top 10 hours (p > 0 ones)
        rows["expected_usd"].append(CHARGE_USD_PER_MW * SITE_MW * (1 - top.sum()))
        rows["realised_usd"].append(CHARGE_USD_PER_MW * SITE_MW * float(rank > 10))
    out = {k: float(np.sum(v)) for k, v in rows.items()}
    out["p_peak"] = float(np.mean(rows["p_peak"]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--sigma", type=float, default=0.02)
    parser.add_argument("--band", type=float, default=0.10)
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    load = read_load(args.data)
    peaks = real_peaks(args.data)
    cases: list[tuple[str, list[pd.Series]]] = [("perfect", [load])]
    for kind in ("hourly", "daily"):
        cases.append((f"noisy {kind}", [noisy(load, kind, s) for s in range(args.seeds)]))
    print(f"sigma_frac {args.sigma}, band_frac {args.band}; flexible site cuts its top 10 hours")
    head = "".join(f"{'top' + str(k):>7}" for k in TOP_K)
    print(
        f"{'forecast':<15}{'peaks':<10}{'n':>3}{head}{'p>=0.1':>8}{'mean p':>8}"
        f"{'expected USD':>14}{'realised USD':>14}{'error USD':>12}"
    )
    for label, forecasts in cases:
        probs = [
            cp_probability_from_forecast(f, sigma_frac=args.sigma, band_frac=args.band)
            for f in forecasts
        ]
        for which, hours in peaks.items():
            scores = pd.DataFrame([score(p, hours) for p in probs]).mean()
            tops = "".join(f"{scores[f'top{k}']:>7.1f}" for k in TOP_K)
            error = scores["expected_usd"] - scores["realised_usd"]
            print(
                f"{label:<15}{which:<10}{len(hours):>3}{tops}{scores['p>=0.1']:>8.1f}"
                f"{scores['p_peak']:>8.3f}{scores['expected_usd']:>14,.0f}"
                f"{scores['realised_usd']:>14,.0f}{error:>12,.0f}"
            )


if __name__ == "__main__":
    main()
