"""Input time series aligned to a site's intervals.

:class:`Inputs` holds series that already sit on the site's interval grid (build one with
:func:`dispatch.load_inputs`, which reads files and aligns them, or directly from pandas
objects that are already aligned).  Every series shares one tz-aware index of interval starts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dispatch.config import Site
from dispatch.errors import DataError

SERIES_FIELDS = (
    "price_usd_per_mwh",
    "hashprice_usd_per_ph_day",
    "solar_cf",
    "cp_probability",
    "rt_price_usd_per_mwh",
    "gas_price_usd_per_mmbtu",
)
#: Inputs held as frames, one column per hall or supply.
FRAME_FIELDS = ("hpc_it_load_mw", "gas_flow_mmbtu_per_h")


@dataclass(frozen=True)
class Inputs:
    """Time series on the site's intervals (index: tz-aware interval starts).

    - ``price_usd_per_mwh``: energy price the site buys (and sells) at, before adders.
    - ``hashprice_usd_per_ph_day``: mining revenue per PH/s per day, before pool fee.
    - ``hpc_it_load_mw``: IT load per hall (columns named after the halls); ``None`` or a
      missing column means the hall's constant ``it_load_mw``.
    - ``solar_cf``: available share of the solar capacity, 0..1 (needed when the site has solar).
    - ``cp_probability``: probability that each interval is the coincident system peak.
    - ``rt_price_usd_per_mwh``: real-time price for settling a backtest (optional).
    - ``reserve_price_usd_per_mw_h``: clearing price per reserve product (keys: the site's
      ``reserve_products`` names), USD per MW-h; required for every product the site has.
    - ``sources``: where each series came from (file and column), for reports.
    - ``gas_flow_mmbtu_per_h``: flow per gas supply (columns named after the supplies),
      MMBtu/h, >= 0; a supply without a column uses its constant ``flow_mmbtu_per_h``.
    - ``gas_price_usd_per_mmbtu``: the gas index price (e.g. Henry Hub) the supplies'
      ``index_price_share`` applies to, USD/MMBtu.
    """

    price_usd_per_mwh: pd.Series
    hashprice_usd_per_ph_day: pd.Series
    hpc_it_load_mw: pd.DataFrame | None = None
    solar_cf: pd.Series | None = None
    cp_probability: pd.Series | None = None
    rt_price_usd_per_mwh: pd.Series | None = None
    reserve_price_usd_per_mw_h: Mapping[str, pd.Series] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    gas_flow_mmbtu_per_h: pd.DataFrame | None = None
    gas_price_usd_per_mmbtu: pd.Series | None = None

    def __post_init__(self) -> None:
        index = self.price_usd_per_mwh.index
        if not isinstance(index, pd.DatetimeIndex) or index.tz is None:
            raise DataError("price_usd_per_mwh: index must be tz-aware interval starts")
        if len(index) == 0:
            raise DataError("price_usd_per_mwh: no intervals")
        for name in (*SERIES_FIELDS[1:], *FRAME_FIELDS):
            obj = getattr(self, name)
            if obj is not None and not obj.index.equals(index):
                raise DataError(f"{name}: index differs from price_usd_per_mwh's index")
        for name in (*SERIES_FIELDS, *FRAME_FIELDS):
            obj = getattr(self, name)
            if obj is None:
                continue
            values = np.asarray(obj, dtype=float)
            bad = ~np.isfinite(values)
            if bad.any():
                row = int(np.argwhere(bad)[0][0])
                raise DataError(f"{name}: missing or non-finite value at {index[row]}")
        for product, series in self.reserve_price_usd_per_mw_h.items():
            where = f"reserve_price_usd_per_mw_h[{product}]"
            if not series.index.equals(index):
                raise DataError(f"{where}: index differs from price_usd_per_mwh's index")
            values = np.asarray(series, dtype=float)
            bad = ~np.isfinite(values) | (values < 0)
            if bad.any():
                row = int(np.argwhere(bad)[0][0])
                raise DataError(
                    f"{where}: {values[row]!r} at {index[row]}: a clearing price must be a "
                    "finite number >= 0 USD/MW-h (fill gaps, check the column)"
                )

    @property
    def index(self) -> pd.DatetimeIndex:
        return self.price_usd_per_mwh.index  # type: ignore[return-value]

    def window(self, start: pd.Timestamp, end: pd.Timestamp) -> Inputs:
        """The inputs for intervals starting in ``[start, end)``."""
        index = self.index
        if index.is_monotonic_increasing:  # a slice: a year's series is not scanned per step
            first, stop = index.searchsorted(start), index.searchsorted(end)
            if first >= stop:
                raise DataError(f"no input data between {start} and {end}")
            return self._map(lambda obj: obj.iloc[first:stop])
        mask = (index >= start) & (index < end)
        if not mask.any():
            raise DataError(f"no input data between {start} and {end}")
        return self._map(lambda obj: obj[mask])

    def replace(self, **changes: object) -> Inputs:
        """A copy with some series replaced (e.g. ``hashprice_usd_per_ph_day=...``)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def scaled(self, **factors: float) -> Inputs:
        """A copy with series multiplied, e.g. ``inputs.scaled(hashprice_usd_per_ph_day=0.8)``."""
        changes = {}
        for name, factor in factors.items():
            obj = getattr(self, name)
            if obj is None:
                raise DataError(f"{name}: cannot scale a series that is not given")
            changes[name] = obj * factor
        return self.replace(**changes)

    def hall_it_load_mw(self, site: Site) -> pd.DataFrame:
        """IT load per hall on the index: the series where given, the hall's constant otherwise."""
        given = self.hpc_it_load_mw
        n = len(self.index)
        columns = {
            hall.name: (
                given[hall.name].to_numpy(dtype=float)
                if given is not None and hall.name in given.columns
                else np.full(n, float(hall.it_load_mw))
            )
            for hall in site.hpc_halls
        }
        return pd.DataFrame(columns, index=self.index)

    def columns(self) -> dict[str, np.ndarray]:
        """The values of :meth:`to_frame`'s columns, by name, in its order (no frame built)."""
        cols = {
            name: getattr(self, name).to_numpy()
            for name in SERIES_FIELDS
            if getattr(self, name) is not None
        }
        if self.hpc_it_load_mw is not None:
            for hall in self.hpc_it_load_mw.columns:
                cols[f"hpc_it_{hall}_mw"] = self.hpc_it_load_mw[hall].to_numpy()
        for product, series in self.reserve_price_usd_per_mw_h.items():
            cols[f"reserve_{product}_price_usd_per_mw_h"] = series.to_numpy()
        if self.gas_flow_mmbtu_per_h is not None:
            for supply in self.gas_flow_mmbtu_per_h.columns:
                cols[f"gas_flow_{supply}_mmbtu_per_h"] = self.gas_flow_mmbtu_per_h[
                    supply
                ].to_numpy()
        return cols

    def to_frame(self) -> pd.DataFrame:
        """All series side by side, one column each (hall loads as ``hpc_it_<hall>_mw``)."""
        cols = {
            name: getattr(self, name) for name in SERIES_FIELDS if getattr(self, name) is not None
        }
        frame = pd.DataFrame(cols, index=self.index)
        if self.hpc_it_load_mw is not None:
            for hall in self.hpc_it_load_mw.columns:
                frame[f"hpc_it_{hall}_mw"] = self.hpc_it_load_mw[hall]
        for product, series in self.reserve_price_usd_per_mw_h.items():
            frame[f"reserve_{product}_price_usd_per_mw_h"] = series
        if self.gas_flow_mmbtu_per_h is not None:
            for supply in self.gas_flow_mmbtu_per_h.columns:
                frame[f"gas_flow_{supply}_mmbtu_per_h"] = self.gas_flow_mmbtu_per_h[supply]
        return frame

    def _map(self, fn) -> Inputs:  # type: ignore[no-untyped-def]
        changes = {
            name: fn(getattr(self, name))
            for name in (*SERIES_FIELDS, *FRAME_FIELDS)
            if getattr(self, name) is not None
        }
        changes["reserve_price_usd_per_mw_h"] = {
            k: fn(v) for k, v in self.reserve_price_usd_per_mw_h.items()
        }
        return self.replace(**changes)
