"""Benchmark: the day-ahead plan on the sample day with and without three reserve products.

Issue 11's target: with ERCOT RRS, ECRS and Non-Spin offered by every fleet and the battery,
plan() stays within 2x of the plan without them.  The reserve prices are ERCOT's real
day-ahead clearing prices of 2023-07-31 (the ECRS spike to 993.65 USD/MW-h at 19:00), laid
hour by hour onto the sample day 2026-08-17; the sample's fleets s21 and s19xp get an
under-frequency relay (RRS needs one).  Each case: one cold call, then ``--repeat`` warm
calls reusing the built model; the table shows the medians and the ratio.

    python benchmarks/bench_reserves.py [--repeat 5] [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

from dispatch import Site, load_sample, plan

DATA = Path(__file__).parents[2] / "shared" / "data"
TARGET_RATIO = 2.0


def stacked_site(site: Site) -> Site:
    raw = site.model_dump(mode="json")
    for f in raw["fleets"][:2]:
        f["has_ufr_relay"] = True
    fleets = [f["name"] for f in raw["fleets"]]
    raw["reserve_products"] = [
        {"name": "rrs", "preset": "ercot_rrs", "providers": [*fleets[:2], "battery"]},
        {"name": "ecrs", "preset": "ercot_ecrs", "providers": [*fleets, "battery"]},
        {"name": "nonspin", "preset": "ercot_nonspin", "providers": [*fleets, "battery"]},
    ]
    return Site.from_dict(raw)


def reserve_prices(index: pd.DatetimeIndex, data: Path) -> dict[str, pd.Series]:
    frame = pd.read_csv(data / "ercot_dam_as_mcpc_2023_samples.csv")
    frame["t"] = pd.to_datetime(frame["interval_start"], utc=True).dt.tz_convert(index.tz)
    day = frame[frame["t"].dt.strftime("%Y-%m-%d") == "2023-07-31"].set_index("t")
    hour = index.hour
    out = {}
    for name, col in (("rrs", "rrs"), ("ecrs", "ecrs"), ("nonspin", "nspin")):
        by_hour = day[f"{col}_usd_per_mw_h"].to_numpy()
        out[name] = pd.Series(by_hour[hour], index=index)
    return out


def timed(site: Site, inputs, repeat: int, gap: float) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    first = plan(site, inputs, mip_rel_gap=gap)
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        plan(site, inputs, mip_rel_gap=gap)
        warm.append(time.perf_counter() - t0)
    return cold, statistics.median(warm), first.objective_usd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    site, inputs = load_sample("2026-08-17")
    stacked = stacked_site(site)
    priced = inputs.replace(reserve_price_usd_per_mw_h=reserve_prices(inputs.index, args.data))
    print(f"{'case':<24}{'MIP gap':>8}{'cold s':>9}{'warm median s':>15}{'profit USD':>14}")
    ratios = {}
    for gap in (1e-4, 1e-3):  # plan()'s default, the backtest's default
        rows = [
            ("without reserves", *timed(site, inputs, args.repeat, gap)),
            ("RRS + ECRS + Non-Spin", *timed(stacked, priced, args.repeat, gap)),
        ]
        for label, cold, warm, profit in rows:
            print(f"{label:<24}{gap:>8g}{cold:>9.2f}{warm:>15.3f}{profit:>14,.0f}")
        ratios[gap] = rows[1][2] / rows[0][2]
    for gap, ratio in ratios.items():
        verdict = "ok" if ratio <= TARGET_RATIO else "MISSED"
        print(f"warm ratio at MIP gap {gap:g}: {ratio:.2f} (target <= {TARGET_RATIO:g}): {verdict}")
    sys.exit(0 if ratios[1e-4] <= TARGET_RATIO else 1)


if __name__ == "__main__":
    main()
