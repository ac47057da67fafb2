"""Write the project's compact real-data extract from ../shared/data (run once; the output is
committed).  See data/README.md, "Real-data extract", for provenance and terms.

- ``dispatch/sample_data/ercot_hb_hubavg_da_2023.parquet``: ERCOT day-ahead settlement point
  price at the hub average HB_HUBAVG, hourly, interval starts 2023-01-01 00:00 to 2024-01-02 23:00
  America/Chicago (the last two days: the last step's look-ahead).  ERCOT public market data.
- ``dispatch/sample_data/hashprice_daily_2023.csv``: hashprice, USD/PH/day per UTC day,
  2022-12-31 to 2024-01-03, *derived* from Coin Metrics community network data by
  ``dispatch.hashprice_from_network`` (realised miner revenue / hashrate); the raw network
  columns are not shipped.
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
    hp = hp[(hp.index >= "2022-12-31") & (hp.index < "2024-01-04")]
    frame = pd.DataFrame(
        {
            "interval_start_utc": hp.index.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "hashprice_usd_per_ph_day": hp.round(4).to_numpy(),
        }
    )
    frame.to_csv(OUT / "hashprice_daily_2023.csv", index=False, lineterminator="\n")
    print(f"{len(out)} hourly prices, {len(frame)} daily hashprices")


if __name__ == "__main__":
    main()
