"""Make the bundled flare-gas sample's gas flow: ``python data/make_flare_data.py``.

``sample_gas_flow.csv`` is one row per local day (America/Chicago), 2023-01-01 to
2026-12-31 (2023-2024 for backtests on Henry Hub prices, 2026 for the bundled sample week), column ``well_pad_mcf_per_day``: the associated gas of a Permian well pad
following an Arps hyperbolic decline (:func:`dispatch.decline.arps_flow_mcf_per_day`):

    first production 2022-10-01, q_i = 3,000 Mcf/day, D_i = 1.2 per year, b = 1.1

These are made-up but typical shale numbers (a pad of a few horizontal wells; first-year
declines of 50-70 % and b near 1 are common for Permian type curves): 2,311 Mcf/day on
2023-01-01 (about 100 MMBtu/h, 10.5 MW of gensets at 9.5 MMBtu/MWh) 856 on 2024-12-31 and 526 on 2026-08-17.  Nothing else varies (no downtime, no lift cycles), so what
the backtest shows is the decline alone.  The site reads the column in Mcf/day and converts
it with its heating value (``gas_supplies[].heating_value_mmbtu_per_mcf``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dispatch.decline import arps_flow_mcf_per_day

HERE = Path(__file__).parent
QI_MCF_PER_DAY = 3000.0
DI_PER_YEAR = 1.2
B = 1.1
FIRST_PRODUCTION = "2022-10-01"


def gas_flow() -> pd.DataFrame:
    days = pd.date_range("2023-01-01", "2026-12-31", freq="D")
    index = days.tz_localize("America/Chicago")
    rate = arps_flow_mcf_per_day(
        index, FIRST_PRODUCTION, qi_mcf_per_day=QI_MCF_PER_DAY, di_per_year=DI_PER_YEAR, b=B
    )
    return pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "well_pad_mcf_per_day": rate.round(1)})


if __name__ == "__main__":
    gas_flow().to_csv(HERE / "sample_gas_flow.csv", index=False)
    print(f"wrote {HERE / 'sample_gas_flow.csv'}")
