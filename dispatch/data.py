"""Load and validate input time series, and put them on the site's intervals.

Three steps, each usable on its own:

1. :func:`read_series` reads one series at its native frequency (hourly, 15-min, 5-min,
   daily) from a file or a pandas object, recognising the layout (plain timestamp/value
   CSV or Parquet, gridstatus frames, ERCOT settlement-point-price files) and rejecting
   malformed data with a :class:`~dispatch.errors.DataError` that names the file (or
   ``<name> series``), the column and the first bad row.
2. :func:`align` puts a native series onto the site's interval index.
3. :func:`load_inputs` does both for every input of a site, checks value ranges and returns
   :class:`~dispatch.inputs.Inputs` with the source of each series recorded.

**Timestamps** are interval starts.  Timestamps with a UTC offset are used as given.  Naive
timestamps are read as UTC when the column is named ``*_utc``, as local time in the site
timezone when it is named ``*_local`` (or ``local``), and are an error otherwise.  A column
of plain dates (``YYYY-MM-DD``) is a daily series of **local days in the site timezone**:
this is a choice; hashprice moves slowly, so holding a UTC day's value over the local day
shifts it by 5-6 hours at most.  One exception, the same in every path (``plan``,
``backtest``, the API): a hashprice file of bitcoin **network data** (a ``hashrate_th_s``
column with ``subsidy_usd`` or ``miner_revenue_usd``, as in the Coin Metrics daily file) is
turned into hashprice by :func:`dispatch.hashprice_from_network`, per **UTC day** as the
data are counted, so one file gives one number at every instant whichever command reads it.

**Alignment rules** (:func:`align`), for a site interval of length ``dt``:

- a series as fine as the site, or coarser, *holds* its value for every site interval inside
  its period: an hourly price holds for its four 15-minute intervals; a daily value holds
  for the whole local day, so 92 intervals on a 23-hour spring-forward day and 100 on a
  25-hour fall-back day;
- a finer series is *time-weighted averaged* over each site interval (three 5-minute
  real-time prices give the 15-minute mean); every finer row of the interval must be there;
- timestamps off the site's interval grid (15-minute data at :07, or a step that does not
  divide into ``dt`` or is not a multiple of it) are an error ("misaligned");
- a site interval the data do not cover is an error naming the first such interval;
- the coincident-peak probability is an *amount per interval* (the chance that this interval
  is the system peak), not a rate: coarser data are split evenly over the site intervals of
  their period and finer data summed, so the total probability is kept.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Mapping
from importlib.resources import files
from numbers import Real
from pathlib import Path
from typing import TypeAlias

import numpy as np
import pandas as pd

from dispatch.config import Site
from dispatch.errors import DataError, DispatchWarning
from dispatch.hashprice import hashprice_from_network, is_network_file
from dispatch.horizon import local_timestamp, site_index
from dispatch.inputs import Inputs
from dispatch.readers import (
    DAY,
    Step,
    Table,
    Where,
    check_index,
    check_zone,
    fmt_step,
    fmt_ts,
    read_table,
)

Source: TypeAlias = str | Path | pd.Series | pd.DataFrame

#: Allowed values per input: (lowest, highest, lowest excluded).  Prices are wide (ERCOT
#: clears at its -250 USD/MWh floor and at its 5,000 cap and above, nodes beyond), but a
#: price of 1e5 USD/MWh or a 1e4 MW load is a unit or typing mistake, and numbers that size
#: break the solver's numerics (it then reports nonsense as optimal).
LIMITS: dict[str, tuple[float, float, bool]] = {
    "price_usd_per_mwh": (-1e5, 1e5, False),
    "rt_price_usd_per_mwh": (-1e5, 1e5, False),
    "hashprice_usd_per_ph_day": (0.0, 1e5, True),
    "solar_cf": (0.0, 1.0, False),
    "cp_probability": (0.0, 1.0, False),
    "hpc_it_load_mw": (0.0, 1e4, False),
    "gas_flow_mmbtu_per_h": (0.0, 1e6, False),
    "gas_price_usd_per_mmbtu": (-1e3, 1e3, False),
}
#: Most consecutive calendar days a gas price published on trading days may be missing
#: (a weekend plus a holiday, or Christmas to the next trading day); each holds the last
#: trading day's price.
GAS_PRICE_MAX_FILL_DAYS = 4
#: A gas-flow column whose name ends with this is in Mcf/day (converted with the supply's
#: heating value); otherwise MMBtu/h.
MCF_PER_DAY_SUFFIX = "mcf_per_day"
#: A series whose median absolute value is below this is probably in a unit 1000x too
#: large: (field, likely unit, the fix).
UNIT_HINTS: dict[str, tuple[float, str, str]] = {
    "price_usd_per_mwh": (1.0, "USD/kWh", "multiply by 1000 for USD/MWh"),
    "rt_price_usd_per_mwh": (1.0, "USD/kWh", "multiply by 1000 for USD/MWh"),
    "hashprice_usd_per_ph_day": (1.0, "USD/TH/day", "multiply by 1000 for USD/PH/day"),
}

#: The bundled sample: package data (``dispatch/sample_data/``), in the wheel and in a clone.
SAMPLE_DIR = Path(str(files("dispatch.sample_data")))
SAMPLE_FILES = {
    "site": "sample_site.yaml",
    "prices": "sample_prices.csv",
    "hashprice": "sample_hashprice.csv",
    "hpc_load": "sample_hpc_load.csv",
    "cp_probability": "sample_cp_probability.csv",
}


def read_series(
    source: Source,
    *,
    name: str,
    tz: str,
    location: str | None = None,
    column: str | None = None,
    declared_tz: str | None = None,
    time_column: str | None = None,
    timezone: str | None = None,
) -> pd.Series:
    """Read one time series at its native frequency.

    Parameters
    ----------
    source
        A ``.csv`` or ``.parquet`` path, or a pandas ``Series``/``DataFrame``.  Layouts:

        - *plain*: a timestamp column (``timestamp``, ``time``, ``datetime``,
          ``interval_start``, ``interval_start_utc``, ``interval_start_local``, ``date``, or
          ISO timestamps in the first column) and value columns; a pandas object may carry
          the timestamps as a tz-aware ``DatetimeIndex`` instead.
        - *gridstatus*: ``Interval Start``, ``Interval End``, ``Location``, ``SPP`` or ``LMP``.
        - *ERCOT settlement point prices*: ``Delivery Date`` (MM/DD/YYYY), ``Delivery Hour``
          (hour ending 1-24, Central Prevailing Time), optional ``Delivery Interval`` (1-4),
          optional ``Repeated Hour Flag`` (``Y``: the second, CST, 01:xx hour of the
          fall-back day), ``Settlement Point Name``, ``Settlement Point Price``.
    name
        The quantity, e.g. ``"price_usd_per_mwh"``; names pandas input in messages and picks
        the value column when several are present and one carries this name.
    tz
        The site's IANA timezone; the result's index is converted to it.
    location
        Settlement point or location to keep (gridstatus and ERCOT layouts); required when
        the source holds more than one.  In the plain layout, with several value columns,
        it picks the one whose name contains it (``HB_WEST``; case, ``_`` and spaces
        ignored).
    column
        The value column, when there are several.
    declared_tz
        The zone the caller says the timestamps are written in: each written UTC offset must
        be that zone's offset at that instant, and naive ``*_local`` timestamps are read in
        it.  A ``tz``/``timezone`` column in the file declares the same.
    time_column
        The timestamp column of a plain layout, when it has another name than those above
        (e.g. ``"Datetime"``).
    timezone
        How to read the timestamps whatever their column's name: ``"utc"``, ``"local"`` (the
        site timezone ``tz``) or an IANA zone (``"America/New_York"``).  Naive timestamps
        are read in it; timestamps with a UTC offset must carry that zone's offset.  A
        local-time file read as UTC fails the gap check on the spring-forward day (or the
        duplicate check in the fall-back hour), and a UTC file read as local time fails as a
        non-existent local time: a file spanning a DST change proves its zone.

    Returns
    -------
    pd.Series
        Floats named ``name``, indexed by tz-aware interval starts in ``tz``, sorted and
        regular (the index ``freq`` is set: a ``Timedelta`` step or ``"D"`` for local days).

    Raises
    ------
    DataError
        Missing or unreadable file, empty file, wrong columns, a non-numeric, empty or NaN
        cell, duplicate or unsorted timestamps, a gap or irregular spacing, naive timestamps
        in a column not named ``*_utc``/``*_local``, offsets not of ``declared_tz``.
    """
    zone = naive_zone(timezone, tz)
    table = read_table(
        source,
        name=name,
        tz=tz,
        location=location,
        column=column,
        declared_tz=zone or declared_tz,
        time_column=time_column,
        naive_zone=zone,
    )
    series = table.floats(table.pick(column, name, location, api=True)).rename(name)
    return _with_freq(series, table.step)


def naive_zone(timezone: str | None, site_tz: str) -> str | None:
    """``--timezone`` as a zone: ``"utc"`` -> ``"UTC"``, ``"local"`` -> the site's, or an IANA
    name (checked); ``None`` stays ``None`` (timestamps are read by their column's name)."""
    if timezone is None:
        return None
    key = timezone.strip()
    if key.lower() == "utc":
        return "UTC"
    if key.lower() == "local":
        return site_tz
    return check_zone(key, "timezone (utc, local or an IANA name such as America/New_York)")


#: Inputs that are amounts per interval rather than rates: the chance that *this interval* is
#: the system peak.  They are split (coarser data) or summed (finer data), not held/averaged.
EXTENSIVE = frozenset({"cp_probability"})


def align(
    series: pd.Series,
    index: pd.DatetimeIndex,
    *,
    name: str,
    source: str,
    extensive: bool | None = None,
) -> pd.Series:
    """Put a native-frequency series on the site's interval index.

    Parameters
    ----------
    series
        Tz-aware, sorted, regular interval starts (as :func:`read_series` returns; a
        one-row series needs its index ``freq`` set, or to be at local midnight = daily).
    index
        The site's interval starts (:func:`dispatch.horizon.site_index`): tz-aware, regular.
    name
        The quantity, for messages (``"no price_usd_per_mwh data for ..."``).
    source
        Where the series came from, for messages.
    extensive
        The values are amounts per interval (default: ``name in EXTENSIVE``, i.e. the
        coincident-peak probability): coarser data are *split* evenly over the site
        intervals inside their period and finer data *summed*, so the total is kept (an
        hourly peak probability of 0.04 is 0.01 per quarter-hour).

    Returns
    -------
    pd.Series
        Float values on ``index``, named ``name``.  Coarser (or equal) data hold their value
        over each site interval inside their period (daily data over the whole local day,
        23/25-hour DST days included); finer data are time-weighted averaged over each site
        interval.

    Raises
    ------
    DataError
        Timestamps off the site's grid ("misaligned"), or a site interval not covered
        ("no <name> data for <interval> (data ends <last timestamp>)").
    """
    if extensive is None:
        extensive = name in EXTENSIVE
    dt_site = _site_step(index)
    where = Where(source)
    if len(series) == 0:
        raise DataError(f"{source}: the {name} series is empty")
    data = series.copy()
    data.index = pd.DatetimeIndex(data.index).tz_convert(index.tz)
    step = check_index(data.index, where) or _freq_step(data)  # None: a single row
    values = data.to_numpy(dtype=float)
    site_ns, data_ns = _ns(index), _ns(data.index)
    if isinstance(step, str):  # DAY: hold each value over its local day
        days = data.index.tz_localize(None).normalize()
        pos = days.get_indexer(index.tz_localize(None).normalize())
        covered = pos >= 0
        out = values[np.where(covered, pos, 0)]
        if extensive:  # split each day's amount over its intervals (92/96/100 at 15 min)
            starts = days.tz_localize(index.tz, ambiguous=True, nonexistent="shift_forward")
            ends = (days + pd.Timedelta(days=1)).tz_localize(
                index.tz, ambiguous=True, nonexistent="shift_forward"
            )
            per_day = (ends - starts) / dt_site
            out = out / np.asarray(per_day, dtype=float)[np.where(covered, pos, 0)]
    else:
        step_ns, dt_ns = int(step.value), int(dt_site.value)
        if step_ns % dt_ns and dt_ns % step_ns:
            raise DataError(
                f"{source}: {name} is misaligned: every {fmt_step(step)} does not fit the "
                f"site's {fmt_step(dt_site)} intervals"
            )
        off = (data_ns - site_ns[0]) % min(step_ns, dt_ns) != 0
        if off.any():
            pos = int(np.flatnonzero(off)[0])
            raise DataError(
                f"{source}: {name} is misaligned: {fmt_ts(data.index[pos])} is not on the "
                f"site's {fmt_step(min(step, dt_site))} grid"
            )
        if step_ns >= dt_ns:  # hold each value over its period
            pos = np.searchsorted(data_ns, site_ns, side="right") - 1
            covered = (pos >= 0) & (site_ns < data_ns[np.maximum(pos, 0)] + step_ns)
            out = values[np.maximum(pos, 0)]
            if extensive:
                out = out * (dt_ns / step_ns)
        else:  # average the finer values inside each site interval
            k = dt_ns // step_ns
            owner = np.searchsorted(site_ns, data_ns, side="right") - 1
            inside = (owner >= 0) & (data_ns < site_ns[np.maximum(owner, 0)] + dt_ns)
            counts = np.bincount(owner[inside], minlength=len(index))
            sums = np.bincount(owner[inside], weights=values[inside], minlength=len(index))
            covered = counts == k
            out = sums if extensive else sums / k
    if not covered.all():
        first = index[int(np.flatnonzero(~covered)[0])]
        if first < data.index[0]:
            span = f"data starts {fmt_ts(data.index[0])}"
        else:
            span = f"data ends {fmt_ts(data.index[-1])}"
        raise DataError(f"{source}: no {name} data for {fmt_ts(first)} ({span})")
    return pd.Series(out, index=index, name=name)


def load_inputs(
    site: Site,
    *,
    prices: Source | float | None = None,
    hashprice: Source | float,
    hpc_load: Source | float | None = None,
    solar: Source | None = None,
    cp_probability: Source | None = None,
    rt_prices: Source | None = None,
    start: str | dt.date | dt.datetime | pd.Timestamp | None = None,
    end: str | dt.date | dt.datetime | pd.Timestamp | None = None,
    location: str | None = None,
    reserve_prices: Mapping[str, Source | tuple[Source, str]] | None = None,
    gas_flow: Source | float | None = None,
    gas_price: Source | float | None = None,
    time_column: str | None = None,
    timezone: str | None = None,
    rt_location: str | None = None,
) -> Inputs:
    """Read, check and align every input of a site.

    Parameters
    ----------
    site
        The site: its timezone and interval length fix the index.
    prices
        Energy price, USD/MWh (any layout of :func:`read_series`; ``location`` picks the
        settlement point), or a constant.  May be negative (ERCOT floor -250) or high (cap
        5,000 and more).  Required when the site has a grid; an off-grid site (no grid, or
        import limit 0) may omit it: its energy price column is then 0 (no market price).
    hashprice
        USD/PH/day, a series or a constant number; must be positive.
    hpc_load
        IT load (before PUE), MW, >= 0.  A file or frame with one column per hall (named
        after the hall; halls without a column keep their constant ``it_load_mw``), or a
        single column / Series / number = the site's **total** IT load, split over the halls
        pro-rata to their ``it_load_mw``.  ``None``: every hall at its ``it_load_mw``.
    solar
        Available share of the solar capacity, 0..1; required when the site has ``solar``.
    cp_probability
        Probability that each interval is the coincident peak, 0..1; required when the site
        has ``coincident_peak``.
    rt_prices
        Real-time price for settling a backtest, USD/MWh (optional; same ``location``).
    start, end
        The horizon: dates are local midnights in the site timezone, or timestamps (see
        :func:`dispatch.horizon.site_index`).  When omitted, the whole site intervals
        covered by the price series.
    location
        Settlement point / location for ``prices`` (and ``rt_prices`` unless
        ``rt_location`` is given): a location of a gridstatus or ERCOT file, or in a plain
        file with one column per location, a part of the column's name (``HB_WEST`` picks
        ``rt_spp_hb_west_usd_per_mwh``; case, ``_`` and spaces ignored).
    rt_location
        The same for ``rt_prices`` when it differs (default: ``location``).
    reserve_prices
        Clearing price per reserve product, USD per MW-h: ``{product name: source}`` or
        ``{name: (source, column)}``; required for every product in ``site.reserve_products``.
        Only the rows in the horizon are read (a file of sample months may have gaps between
        them); a gap, an empty cell or a negative price inside the horizon is an error.
        Without a column, the first of :func:`reserve_price_columns` the file has is taken:
        the layout of ``ercot_dam_as_mcpc_2023_samples.csv`` (``rrs_usd_per_mw_h``, ...) and
        gridstatus's (``Responsive Reserves``, ...) are recognised by the product's preset.
    gas_flow
        Flow of each gas supply: a file or frame with one column per supply (named after
        it) or a single column for a site with one supply, or a constant (one supply).  In
        MMBtu/h, or in Mcf/day when the column name ends with ``mcf_per_day`` (converted
        with the supply's ``heating_value_mmbtu_per_mcf``: MMBtu/h = Mcf/d x HV / 24).
        Must be >= 0 and without gaps.  Supplies without a column use ``flow_mmbtu_per_h``.
        Without prices, its timestamps set the horizon when ``start``/``end`` are omitted.
    gas_price
        The gas index price, USD/MMBtu (e.g. Henry Hub daily spot; supplies pay
        ``index_price_share`` of it).  A daily file published on trading days holds the
        last trading day's price over weekends and holidays (at most
        :data:`GAS_PRICE_MAX_FILL_DAYS` days in a row).
    time_column, timezone
        How to read the timestamps of ``prices`` and ``rt_prices`` (foreign price files with
        a ``Datetime`` column of naive times, say): see :func:`read_series`.  The other
        inputs are read by their column names as usual.

    Returns
    -------
    Inputs
        Every series on the site's intervals, with ``sources`` naming file and column.

    Raises
    ------
    DataError
        Unreadable or malformed data (see :func:`read_series`), an interval not covered (see
        :func:`align`), a value out of range, or a series the site's config needs is missing.
    """
    tz = site.timezone
    if site.solar is not None and solar is None:
        raise DataError("the site has solar (solar.capacity_mw) but no solar series was given")
    if site.coincident_peak is not None and cp_probability is None:
        raise DataError(
            "the site has coincident_peak (coincident_peak.charge_usd_per_mw) but no "
            "cp_probability series was given"
        )
    how = {"time_column": time_column, "naive_zone": naive_zone(timezone, tz)}
    if prices is None or _is_number(prices):
        index, fields, sources = _without_price_file(site, prices, gas_flow, start, end)
    else:
        near = None  # a big price file is read only near [start, end] (readers.window)
        if start is not None and end is not None:
            near = (local_timestamp(start, tz), local_timestamp(end, tz))
        price_table, price_col, price = _read(
            prices, "price_usd_per_mwh", tz, location, **how, param="location", near=near
        )
        _check_range(price, "price_usd_per_mwh", price_table.where, price_col)
        index = _horizon(site, price, price_table.step, start, end)
        sources = {"price_usd_per_mwh": price_table.describe(price_col)}
        fields = {
            "price_usd_per_mwh": align(
                price, index, name="price_usd_per_mwh", source=sources["price_usd_per_mwh"]
            )
        }
    rt_param = "rt_location"  # it picks the real-time location in every case
    for field, src, loc, param in (
        ("hashprice_usd_per_ph_day", hashprice, None, None),
        ("solar_cf", solar, None, None),
        ("cp_probability", cp_probability, None, None),
        ("rt_price_usd_per_mwh", rt_prices, rt_location or location, rt_param),
    ):
        price_how = how if field == "rt_price_usd_per_mwh" else {}
        fields[field], source = _input(src, field, index, tz, loc, **price_how, param=param)
        if source is not None:
            sources[field] = source
    reserves = _reserve_prices(site, reserve_prices or {}, index, sources)
    hpc, hpc_src = _hpc_load(site, hpc_load, index)
    if hpc_src is not None:
        sources["hpc_it_load_mw"] = hpc_src
    flow, flow_src = _gas_flow(site, gas_flow, index)
    if flow_src is not None:
        sources["gas_flow_mmbtu_per_h"] = flow_src
    gas_px, gas_px_src = _gas_price(site, gas_price, index)
    if gas_px_src is not None:
        sources["gas_price_usd_per_mmbtu"] = gas_px_src
    for field, series in fields.items():
        _warn_unit(field, series, sources.get(field, field))
    return Inputs(
        **fields,  # type: ignore[arg-type]
        hpc_it_load_mw=hpc,
        reserve_price_usd_per_mw_h=reserves,
        sources=sources,
        gas_flow_mmbtu_per_h=flow,
        gas_price_usd_per_mmbtu=gas_px,
    )


#: Column names that hold a preset's clearing price: the shared ERCOT sample file's, then
#: gridstatus's ``get_as_prices`` names, then ERCOT's short names.
PRESET_COLUMNS: dict[str, tuple[str, ...]] = {
    "ercot_rrs": ("rrs_usd_per_mw_h", "Responsive Reserves", "RRS"),
    "ercot_ecrs": ("ecrs_usd_per_mw_h", "ERCOT Contingency Reserve Service", "ECRS"),
    "ercot_nonspin": ("nspin_usd_per_mw_h", "Non-Spinning Reserves", "NSPIN"),
}


def reserve_price_columns(name: str, preset: str | None) -> tuple[str, ...]:
    """The value columns tried, in order, for a reserve product's price."""
    generic = (f"{name}_usd_per_mw_h", "reserve_price_usd_per_mw_h", "price_usd_per_mw_h")
    return generic + PRESET_COLUMNS.get(preset or "", ())


def _reserve_prices(
    site: Site,
    given: Mapping[str, Source | tuple[Source, str]],
    index: pd.DatetimeIndex,
    sources: dict[str, str],
) -> dict[str, pd.Series]:
    """Each product's clearing price on the index (see :func:`load_inputs`)."""
    products = {p.name: p for p in site.reserve_products}
    unknown = sorted(set(given) - set(products))
    if unknown:
        raise DataError(
            f"reserve prices given for {', '.join(unknown)}, not a product of the site's "
            f"reserve_products ({', '.join(products) or 'none'})"
        )
    missing = [name for name in products if name not in given]
    if missing:
        raise DataError(
            f"reserve_products {', '.join(missing)}: no clearing-price series given "
            "(reserve_prices={name: file}, or --reserve-prices NAME=FILE)"
        )
    step = _site_step(index)
    # the rows that can cover the horizon, and the next one (a gap right after it shows)
    within = (index[0] - pd.Timedelta(minutes=59), index[-1] + step + pd.Timedelta(minutes=59))
    out = {}
    for name, src in given.items():
        column = None
        if isinstance(src, tuple):
            src, column = src
        field = f"reserve_price_usd_per_mw_h[{name}]"
        table = read_table(src, name=field, tz=site.timezone, within=within)
        if len(table.index) == 0:
            raise DataError(
                f"{table.where.label}: no {field} rows from {fmt_ts(index[0])} to "
                f"{fmt_ts(index[-1] + step)}; give an AS price file that covers the horizon "
                "(the shared ERCOT sample covers July 2023 only)"
            )
        if column is None:
            found = list(table.columns.columns)
            tried = reserve_price_columns(name, products[name].preset)
            column = next((c for c in tried if c in found), None)
            if column is None and len(found) == 1:
                column = found[0]
            if column is None:
                raise DataError(
                    f"{table.where.label}: no price column for reserve product {name!r} "
                    f"(tried {', '.join(tried)}; found {', '.join(map(str, found))}); name "
                    "it as NAME=FILE:COLUMN or reserve_prices={name: (file, column)}"
                )
        column = table.pick(column, field)
        native = _with_freq(table.floats(column).rename(field), table.step)
        values = native.to_numpy(dtype=float)
        if (values < 0).any():
            pos = int(np.flatnonzero(values < 0)[0])
            raise DataError(
                f"{table.where.at(column, pos, native.index[pos])}: reserve clearing price "
                f"{values[pos]!r} is negative; a capacity price is >= 0 USD/MW-h"
            )
        sources[field] = table.describe(column)
        out[name] = align(native, index, name=field, source=sources[field])
    return out


def _without_price_file(
    site: Site,
    prices: float | None,
    gas_flow: Source | float | None,
    start: object,
    end: object,
) -> tuple[pd.DatetimeIndex, dict[str, pd.Series], dict[str, str]]:
    """The index and the (constant) price of a site given no price file (see load_inputs)."""
    if prices is None and site.has_grid:
        raise DataError(
            "prices: the site has a grid (grid.import_limit_mw > 0), so an energy price "
            "series is required"
        )
    if start is not None and end is not None:
        index = site_index(site, start, end)  # type: ignore[arg-type]
    elif gas_flow is not None and not _is_number(gas_flow):
        table = read_table(gas_flow, name="gas_flow_mmbtu_per_h", tz=site.timezone)  # type: ignore[arg-type]
        first = table.columns.columns[0]
        native = _with_freq(table.floats(first), table.step)
        index = _horizon(site, native, table.step, start, end)
    else:
        raise DataError(
            "no prices file: give start and end (or a gas_flow file) to set the horizon"
        )
    value = 0.0 if prices is None else float(prices)
    _check_range(pd.Series([value]), "price_usd_per_mwh", Where("constant price_usd_per_mwh"))
    what = "no grid: energy price 0" if prices is None else f"constant {value:g}"
    series = pd.Series(value, index=index, name="price_usd_per_mwh")
    return index, {"price_usd_per_mwh": series}, {"price_usd_per_mwh": what}


def _gas_flow(
    site: Site, source: Source | float | None, index: pd.DatetimeIndex
) -> tuple[pd.DataFrame | None, str | None]:
    """Flow per gas supply on the index, MMBtu/h, and where it came from (see load_inputs)."""
    if source is None:
        return None, None
    field = "gas_flow_mmbtu_per_h"
    supplies = {gs.name: gs for gs in site.gas_supplies}
    if not supplies:
        raise DataError("gas_flow was given but the site has no gas_supplies")
    if _is_number(source):
        if len(supplies) != 1:
            raise DataError("gas_flow: a constant fits a site with one gas supply; give a file")
        value = float(source)  # type: ignore[arg-type]
        _check_range(pd.Series([value]), field, Where(f"constant {field}"))
        (name,) = supplies
        return pd.DataFrame({name: value}, index=index), f"constant {value:g} MMBtu/h"
    table = read_table(source, name=field, tz=site.timezone)  # type: ignore[arg-type]
    found = list(table.columns.columns)

    def supply_of(column: str) -> str | None:
        base = column.removesuffix(f"_{MCF_PER_DAY_SUFFIX}").removesuffix("_mmbtu_per_h")
        return base if base in supplies else None

    named = {c: supply_of(c) for c in found if supply_of(c) is not None}
    if not named:
        if len(found) != 1 or len(supplies) != 1:
            raise DataError(
                f"{table.where.label}: gas_flow columns ({', '.join(found)}) name no gas "
                f"supply of the site ({', '.join(supplies)}); give one column per supply"
            )
        named = {found[0]: next(iter(supplies))}
    frame, described = {}, []
    for column, name in named.items():
        native = _with_freq(table.floats(column), table.step)
        if column.endswith(MCF_PER_DAY_SUFFIX):
            native = native * supplies[name].heating_value_mmbtu_per_mcf / 24.0
            hv = supplies[name].heating_value_mmbtu_per_mcf
            what = f"{table.describe(column)} (Mcf/day x {hv:g} MMBtu/Mcf / 24)"
        else:
            what = table.describe(column)
        _check_range(native, field, table.where, column)
        frame[name] = align(native, index, name=field, source=what)
        described.append(what)
    return pd.DataFrame(frame, index=index), ", ".join(described)


def _gas_price(
    site: Site, source: Source | float | None, index: pd.DatetimeIndex
) -> tuple[pd.Series | None, str | None]:
    """The gas index price on the index, USD/MMBtu (see load_inputs)."""
    field = "gas_price_usd_per_mmbtu"
    if source is None:
        return None, None
    if _is_number(source):
        return _input(source, field, index, site.timezone)
    if isinstance(source, str | Path) and Path(source).suffix.lower() == ".csv":
        native, described = _trading_day_prices(Path(source), site.timezone)
        return align(native, index, name=field, source=described), described
    return _input(source, field, index, site.timezone)


def _trading_day_prices(path: Path, tz: str) -> tuple[pd.Series, str]:
    """A daily gas price CSV (``trade_date`` or ``date`` + a ``*usd_per_mmbtu`` column, as
    EIA's Henry Hub file), calendar days filled from the last trading day; a blank price is
    a day without a published price (EIA's file has one, 2018-01-05) and is filled too."""
    field = "gas_price_usd_per_mmbtu"
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise DataError(f"{path}: gas price file not found") from None
    date_col = next((c for c in ("trade_date", "date") if c in frame.columns), None)
    value_cols = [c for c in frame.columns if str(c).endswith("usd_per_mmbtu")]
    if date_col is None or len(value_cols) != 1:
        return _input(path, field, pd.DatetimeIndex([], tz=tz), tz)  # type: ignore[return-value]
    column = value_cols[0]
    days = pd.to_datetime(frame[date_col], format="%Y-%m-%d", errors="coerce")
    if days.isna().any():
        row = int(np.flatnonzero(days.isna())[0])
        raise DataError(f"{path}, column {date_col}, row {row + 2}: not a YYYY-MM-DD date")
    values = pd.to_numeric(frame[column], errors="coerce")
    wrong = values.isna() & frame[column].notna()
    if wrong.any():
        row = int(np.flatnonzero(wrong)[0])
        raise DataError(f"{path}, column {column}, row {row + 2}: not a number")
    published = values.notna().to_numpy()  # a blank cell: no price that day (filled)
    series = pd.Series(values.to_numpy(dtype=float), index=pd.DatetimeIndex(days))[published]
    if series.index.duplicated().any() or not series.index.is_monotonic_increasing:
        raise DataError(f"{path}, column {date_col}: dates must be unique and sorted")
    calendar = pd.date_range(series.index[0], series.index[-1], freq="D")
    gaps = np.diff(series.index.as_unit("s").asi8) // 86_400 - 1
    if len(gaps) and gaps.max() > GAS_PRICE_MAX_FILL_DAYS:
        pos = int(np.argmax(gaps))
        raise DataError(
            f"{path}, column {date_col}: {int(gaps[pos])} days missing after "
            f"{series.index[pos]:%Y-%m-%d} (at most {GAS_PRICE_MAX_FILL_DAYS} non-trading "
            "days are filled)"
        )
    filled = series.reindex(calendar).ffill()
    local = pd.DatetimeIndex(
        calendar.tz_localize(tz, ambiguous=True, nonexistent="shift_forward"), freq=None
    )
    out = pd.Series(filled.to_numpy(), index=local, name=field)
    _check_range(out, field, Where(str(path)), column)
    described = f"{path}, column {column} (trading days; weekends and holidays hold the last price)"
    return out, described


def _warn_unit(field: str, series: pd.Series | None, source: str) -> None:
    """Warn when a series looks 1000x too small for its unit (see :data:`UNIT_HINTS`)."""
    if series is None or field not in UNIT_HINTS:
        return
    below, unit, fix = UNIT_HINTS[field]
    values = np.abs(series.to_numpy(dtype=float))
    median = float(np.median(values)) if len(values) else 0.0
    if 0 < median < below:
        warnings.warn(
            f"{source}: {field} has a median of {median:.4g}: it looks like {unit}; {fix}",
            DispatchWarning,
            stacklevel=3,
        )


def sample_paths() -> dict[str, Path]:
    """Paths of the bundled sample: ``site`` (YAML), ``prices``, ``hashprice``, ``hpc_load``,
    ``cp_probability`` (CSV), in the package's ``sample_data`` folder (installed with it).

    The keys other than ``site`` are :func:`load_inputs` arguments.
    """
    return {key: SAMPLE_DIR / file for key, file in SAMPLE_FILES.items()}


#: Mean 2023 hashprice, USD/PH/day (one statistic of the realised daily hashprice, from
#: ``tools/make_real_extract.py``): the real-data extract's stand-in for a daily series,
#: which is not shipped (the project's network data carry non-commercial terms).
HASHPRICE_2023_MEAN_USD_PER_PH_DAY = 74.98


def real_data_paths() -> dict[str, Path | float]:
    """The real-data extract that ships with the package (see ``PROVENANCE.md`` beside it):
    ``prices``, ERCOT day-ahead hub average HB_HUBAVG, hourly, 2023-01-01 to 2024-01-02
    local (ERCOT public market data; Parquet), and ``hashprice``, the 2023 mean hashprice
    (:data:`HASHPRICE_2023_MEAN_USD_PER_PH_DAY`, a constant: no daily series ships)."""
    return {
        "prices": SAMPLE_DIR / "ercot_hb_hubavg_da_2023.parquet",
        "hashprice": HASHPRICE_2023_MEAN_USD_PER_PH_DAY,
    }


def load_sample(day: str | None = None) -> tuple[Site, Inputs]:
    """The bundled sample site and its inputs: the whole week 2026-08-17 to 2026-08-23, or
    one local day when ``day`` is given as ``"YYYY-MM-DD"``."""
    paths = sample_paths()
    if not SAMPLE_DIR.is_dir():
        raise DataError(f"{SAMPLE_DIR}: sample data not found (reinstall hybrid-dispatch)")
    site = Site.from_yaml(paths.pop("site"))
    start = end = None
    if day is not None:
        try:
            start = dt.date.fromisoformat(day)
        except ValueError:
            raise DataError(f"day {day!r} is not a YYYY-MM-DD date") from None
        end = start + dt.timedelta(days=1)
    return site, load_inputs(site, **paths, start=start, end=end)  # type: ignore[arg-type]


# --- helpers -------------------------------------------------------------------------------


def _read(
    source: Source,
    name: str,
    tz: str,
    location: str | None,
    time_column: str | None = None,
    naive_zone: str | None = None,
    *,
    param: str | None = None,
    near: tuple[pd.Timestamp, pd.Timestamp] | None = None,
) -> tuple[Table, str, pd.Series]:
    """``param``: the argument that picks this series' location (``None``: none does)."""
    table = read_table(
        source,
        name=name,
        tz=tz,
        location=location,
        time_column=time_column,
        declared_tz=naive_zone,
        naive_zone=naive_zone,
        location_param=param,
        near=near,
    )
    column = table.pick(None, name, location)
    return table, column, _with_freq(table.floats(column).rename(name), table.step)


def _input(
    source: Source | float | None,
    field: str,
    index: pd.DatetimeIndex,
    tz: str,
    location: str | None = None,
    time_column: str | None = None,
    naive_zone: str | None = None,
    *,
    param: str | None = None,
) -> tuple[pd.Series | None, str | None]:
    """One input on the index (a number is a constant), and where it came from."""
    if source is None:
        return None, None
    if _is_number(source):
        value = float(source)  # type: ignore[arg-type]
        _check_range(pd.Series([value]), field, Where(f"constant {field}"))
        return pd.Series(value, index=index, name=field), f"constant {value:g}"
    if (
        field == "hashprice_usd_per_ph_day"
        and isinstance(source, str | Path)
        and is_network_file(source)
    ):  # one rule for network data in every path: hashprice per UTC day
        native = hashprice_from_network(source)
        described = f"{source} (hashprice from network data, per UTC day)"
        return align(native, index, name=field, source=described), described
    # a big file is read only near the horizon (dispatch.readers.window)
    table, column, native = _read(
        source,  # type: ignore[arg-type]
        field,
        tz,
        location,
        time_column,
        naive_zone,
        param=param,
        near=(index[0], index[-1]),
    )
    _check_range(native, field, table.where, column)
    described = table.describe(column)
    return align(native, index, name=field, source=described), described


def _hpc_load(
    site: Site, source: Source | float | None, index: pd.DatetimeIndex
) -> tuple[pd.DataFrame | None, str | None]:
    """Per-hall IT load on the index, and where it came from (see :func:`load_inputs`)."""
    if source is None:
        return None, None
    field = "hpc_it_load_mw"
    halls = [hall.name for hall in site.hpc_halls]
    if not halls:
        raise DataError("hpc_load was given but the site has no hpc_halls")
    split = f"split over {', '.join(halls)} pro-rata to it_load_mw"
    if _is_number(source):
        total = float(source)  # type: ignore[arg-type]
        _check_range(pd.Series([total]), field, Where(f"constant {field}"))
        frame = _pro_rata(site, pd.Series(total, index=index))
        return frame, f"constant {total:g} MW total, {split}"
    table = read_table(source, name=field, tz=site.timezone)  # type: ignore[arg-type]
    found = list(table.columns.columns)
    named = [c for c in found if c in halls]
    if not named and len(found) != 1:
        raise DataError(
            f"{table.where.label}: hpc_load columns ({', '.join(found)}) name no hall of the "
            f"site ({', '.join(halls)}); give one column per hall or a single total column"
        )
    if named and len(named) != len(found):
        extra = [c for c in found if c not in halls]
        raise DataError(
            f"{table.where.label}: hpc_load column(s) {', '.join(extra)} are not halls of the "
            f"site ({', '.join(halls)})"
        )
    aligned = {}
    for column in named or found:
        native = _with_freq(table.floats(column), table.step)
        _check_range(native, field, table.where, column)
        aligned[column] = align(native, index, name=field, source=table.describe(column))
    if named:
        return pd.DataFrame(aligned, index=index), ", ".join(map(table.describe, named))
    return _pro_rata(site, aligned[found[0]]), f"{table.describe(found[0])} total, {split}"


def _pro_rata(site: Site, total: pd.Series) -> pd.DataFrame:
    weights = np.array([hall.it_load_mw for hall in site.hpc_halls], dtype=float)
    if weights.sum() <= 0:
        raise DataError("cannot split a total hpc_load: every hall has it_load_mw 0")
    shares = weights / weights.sum()
    return pd.DataFrame(
        {
            hall.name: total.to_numpy() * share
            for hall, share in zip(site.hpc_halls, shares, strict=True)
        },
        index=total.index,
    )


def _horizon(
    site: Site,
    price: pd.Series,
    step: Step | None,
    start: object,
    end: object,
) -> pd.DatetimeIndex:
    """The site index for [start, end); missing ends come from the whole intervals of prices."""
    freq = pd.Timedelta(minutes=site.interval_minutes)
    if start is None:
        t0 = price.index[0]
        t0 = t0 + (-(t0 - t0.normalize())) % freq
    else:
        t0 = local_timestamp(start, site.timezone)  # type: ignore[arg-type]
    if end is None:
        last = price.index[-1]
        if step == DAY:
            t1 = local_timestamp(
                (last.tz_localize(None) + pd.Timedelta(days=1)).date(), site.timezone
            )
        elif step is None:
            raise DataError("price_usd_per_mwh: one row; give end= to set the horizon")
        else:
            t1 = last + step
        t1 = t1 - (t1 - t0) % freq
        if t1 <= t0:
            raise DataError(
                f"price_usd_per_mwh: the data cover less than one site interval after {fmt_ts(t0)}"
            )
    else:
        t1 = end
    return site_index(site, t0, t1)  # type: ignore[arg-type]


def _check_range(values: pd.Series, field: str, where: Where, column: str | None = None) -> None:
    """Values within :data:`LIMITS` of ``field``; the error names the first row outside."""
    if field not in LIMITS:
        return
    low, high, low_excluded = LIMITS[field]
    v = values.to_numpy(dtype=float)
    if low_excluded:
        bad = (v <= low) | (v > high)
    else:
        bad, rule = (v < low) | (v > high), f"in [{low:g}, {high:g}]"
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        if low_excluded:  # name the side that is broken
            rule = (
                f"at most {high:g} (check the unit)"
                if v[pos] > high
                else ("positive" if low == 0 else f"> {low:g}")
            )
        stamp = values.index[pos] if isinstance(values.index, pd.DatetimeIndex) else None
        at = "" if stamp is None else f" at {where.row(pos, stamp)}"
        raise DataError(f"{where.prefix(column)}: {field} must be {rule}: {float(v[pos])!r}{at}")


def _with_freq(series: pd.Series, step: Step | None) -> pd.Series:
    """Record the native step on the index (``"D"`` for local days) for one-row series."""
    if step is None:
        return series
    freq = "D" if step == DAY else step
    series.index = pd.DatetimeIndex(series.index, freq=freq)
    return series


def _freq_step(series: pd.Series) -> Step:
    freq = getattr(series.index, "freq", None)
    if isinstance(freq, pd.offsets.Day):
        return DAY
    if isinstance(freq, pd.offsets.Tick):
        return pd.Timedelta(freq)
    if len(series) == 1 and series.index[0] == series.index[0].normalize():
        return DAY
    raise DataError("cannot tell the interval length of a one-row series: set its index freq")


def _site_step(index: pd.DatetimeIndex) -> pd.Timedelta:
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None or len(index) == 0:
        raise DataError("the site index must be non-empty tz-aware interval starts")
    if isinstance(index.freq, pd.offsets.Tick):
        return pd.Timedelta(index.freq)
    if len(index) < 2:
        raise DataError("a one-interval site index needs its freq set")
    diff = np.diff(_ns(index))
    if (diff != diff[0]).any() or diff[0] <= 0:
        raise DataError("the site index is not regular")
    return pd.Timedelta(int(diff[0]), unit="ns")


def _ns(index: pd.DatetimeIndex) -> np.ndarray:
    return index.as_unit("ns").asi8


def _is_number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


__all__ = ["align", "load_inputs", "load_sample", "read_series", "sample_paths"]
