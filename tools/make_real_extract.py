"""Write the project's compact real-data extract from ../shared/data (run once; the output is
committed).  See data/README.md, "Real-data extract", for provenance and terms.

- ``dispatch/sample_data/ercot_hb_hubavg_da_2023.parquet``: ERCOT day-ahead settlement point
  price at the hub average HB_HUBAVG, hourly, interval starts 2023-01-01 00:00 to 2024-01-02 23:00
  America/Chicago (the last two days: the last step's look-ahead).  ERCOT public market data.

No hashprice series ships: the project's network data come from Coin Metrics community data,
whose terms are non-commercial, so a series derived from them stays out of a public wheel.
``dispatch.real_data_paths()["hashprice"]`` is instead the 2023 mean (one statistic, printed
below and written into ``dispatch/data.py``), stated as such where it is used.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dispatch import hashprice_from_network

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "dispatch" / "sample_data"
SHARED = ROOT.parent / "shared" / "data"


def main() -> None:
    prices = pd.read_csv(SHARED / "ercot_dam_hb_hubavg_hourly_2020_2024.csv")
    start = pd.to_datetime(prices["interval_start_utc"], utc=True)
    local = start.dt.tz_convert("America/Chicago")
    keep = (local >= pd.Timestamp("2023-01-01", tz="America/Chicago")) & (
        local < pd.Timestamp("2024-01-03", tz="America/Chicago")
    )
    out = pd.DataFrame(
        {
            "interval_start": start[keep].dt.as_unit("s"),
            "price_usd_per_mwh": prices.loc[keep, "dam_spp_hb_hubavg_usd_per_mwh"].round(2),
        }
    ).reset_index(drop=True)
    out.to_parquet(OUT / "ercot_hb_hubavg_da_2023.parquet", index=False)
    hp = hashprice_from_network(SHARED / "btc_mining_daily_coinmetrics_2019_2025.csv")
    year = hp[(hp.index >= "2023-01-01") & (hp.index < "2024-01-01")]
    print(f"{len(out)} hourly prices; 2023 mean hashprice {year.mean():.2f} USD/PH/day")


if __name__ == "__main__":
    main()
