"""Compare sites side by side: "where should my containers go?".

A *portfolio* file lists site files and each one's inputs (sites differ: a grid site has
prices, a flare-gas site a gas flow, a hydro site an available series), with paths relative
to the portfolio file::

    from: 2024-01-01            # optional; the command line's --from/--to win
    to: 2024-02-01
    sites:
      - name: ercot_grid        # optional; default: the site file's stem
        site: sample_site.yaml
        inputs: {prices: sample_prices.csv, hashprice: 50}
      - site: sample_flare_site.yaml
        inputs: {hashprice: 50, gas_flow: sample_gas_flow.csv, gas_price: 2.5}

``inputs`` takes the keyword arguments of :func:`dispatch.load_inputs`.  Each site is
backtested over the same period with both counterfactuals (no miners, price-blind), and one
row per site reports (:data:`COLUMNS`):

    mining_mw                   nameplate MW of the site's containers (max power target)
    profit_usd                  the optimised profit over the period
    margin_usd_per_mw_day       value_of_mining / mining_mw / days: what the containers add
                                per MW per day (a grid site's profit also carries its HPC
                                hall's energy bill, which the containers do not cause)
    mining_uptime_frac          containers on / containers available
    curtailed_mining_mwh        available mining MWh not used
    value_of_mining_usd         profit - profit(no miners)   (the gas's only buyer at a flare site)
    value_of_flexibility_usd    profit - profit(price-blind)
    gas_burnt_mmbtu, gas_flared_mmbtu, co2e_t, co2e_avoided_t   (0 without gas supplies)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from dispatch.assets.price_blind import full_power_mw
from dispatch.backtesting import backtest
from dispatch.config import Site
from dispatch.data import load_inputs
from dispatch.errors import ConfigError, DataError
from dispatch.horizon import local_timestamp

COLUMNS = (
    "site",
    "mining_mw",
    "profit_usd",
    "margin_usd_per_mw_day",
    "mining_uptime_frac",
    "curtailed_mining_mwh",
    "value_of_mining_usd",
    "value_of_flexibility_usd",
    "gas_burnt_mmbtu",
    "gas_flared_mmbtu",
    "co2e_t",
    "co2e_avoided_t",
)
_PATH_INPUTS = frozenset(
    {
        "prices",
        "hashprice",
        "hpc_load",
        "solar",
        "cp_probability",
        "rt_prices",
        "gas_flow",
        "gas_price",
    }
)


@dataclass(frozen=True)
class PortfolioSite:
    """One site of a portfolio: its name, site file and :func:`load_inputs` arguments."""

    name: str
    site_file: Path
    inputs: dict[str, Any]


@dataclass(frozen=True)
class Portfolio:
    sites: tuple[PortfolioSite, ...]
    start: str | None = None
    end: str | None = None

    @classmethod
    def from_yaml(cls, path: str | Path) -> Portfolio:
        """Read a portfolio file; errors name the file and the entry."""
        path = Path(path)
        try:
            raw = yaml.safe_load(path.read_text())
        except FileNotFoundError:
            raise ConfigError(f"{path}: portfolio file not found") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: invalid YAML: {exc}") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("sites"), list) or not raw["sites"]:
            raise ConfigError(f"{path}: expected a mapping with a non-empty 'sites' list")
        extra = set(raw) - {"from", "to", "sites"}
        if extra:
            raise ConfigError(f"{path}: unknown key(s) {', '.join(sorted(extra))}")
        sites, names = [], set()
        for k, entry in enumerate(raw["sites"]):
            where = f"{path}: sites[{k}]"
            if not isinstance(entry, dict) or "site" not in entry:
                raise ConfigError(f"{where}: needs 'site' (the site file)")
            unknown = set(entry) - {"name", "site", "inputs"}
            if unknown:
                raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
            site_file = path.parent / str(entry["site"])
            name = str(entry.get("name") or site_file.stem)
            if name in names:
                raise ConfigError(f"{where}: name {name!r} is used twice")
            names.add(name)
            inputs = dict(entry.get("inputs") or {})
            bad = set(inputs) - _PATH_INPUTS - {"location"}
            if bad:
                raise ConfigError(f"{where}.inputs: unknown input(s) {', '.join(sorted(bad))}")
            for key, value in inputs.items():
                if key in _PATH_INPUTS and isinstance(value, str):
                    inputs[key] = path.parent / value
            sites.append(PortfolioSite(name, site_file, inputs))
        start, end = raw.get("from"), raw.get("to")
        return cls(tuple(sites), _text(start), _text(end))


def compare_sites(
    portfolio: Portfolio, start: Any = None, end: Any = None, *, lookahead: str = "24h"
) -> pd.DataFrame:
    """Backtest every site of the portfolio over ``[start, end)`` (default: the portfolio's
    ``from``/``to``) and return one row per site (see the module docstring)."""
    start = start if start is not None else portfolio.start
    end = end if end is not None else portfolio.end
    if start is None or end is None:
        raise DataError("compare: give the period (--from and --to, or from/to in the file)")
    rows = []
    for entry in portfolio.sites:
        site = Site.from_yaml(entry.site_file)
        t0 = local_timestamp(start, site.timezone)
        t1 = local_timestamp(end, site.timezone)
        try:
            inputs = load_inputs(site, **entry.inputs, start=t0, end=t1 + pd.Timedelta(lookahead))
        except DataError:  # no look-ahead data past the end: plan the last step shorter
            inputs = load_inputs(site, **entry.inputs, start=t0, end=t1)
        result = backtest(site, inputs, t0, t1, counterfactuals=True, lookahead=lookahead)
        rows.append(_row(entry.name, site, result, (t1 - t0) / pd.Timedelta(days=1)))
    return pd.DataFrame(rows, columns=list(COLUMNS)).set_index("site")


def _row(name: str, site: Site, result: Any, days: float) -> dict[str, Any]:
    totals = result.scenario().totals
    opt = totals["optimise"]
    mining_mw = sum(f.containers * full_power_mw(f) for f in site.fleets)
    profit = float(opt["profit_total_usd"])
    mining_value = totals.get("value_of_mining_usd")
    gas_cols = [
        f"gas_{gs.name}_{x}"
        for gs in site.gas_supplies
        for x in ("burnt_mmbtu", "flared_mmbtu", "co2e_t", "co2e_avoided_t")
    ]
    gas = result.intervals(columns=gas_cols).sum() if gas_cols else pd.Series(dtype=float)

    def total(suffix: str) -> float:
        return float(sum(gas[c] for c in gas.index if c.endswith(suffix)))

    return {
        "site": name,
        "mining_mw": mining_mw,
        "profit_usd": profit,
        "margin_usd_per_mw_day": (
            mining_value / mining_mw / days
            if mining_mw > 0 and mining_value is not None
            else float("nan")
        ),
        "mining_uptime_frac": opt["mining_uptime_frac"],
        "curtailed_mining_mwh": opt["curtailed_mining_mwh"],
        "value_of_mining_usd": mining_value,
        "value_of_flexibility_usd": totals.get("value_of_flexibility_usd"),
        "gas_burnt_mmbtu": total("_burnt_mmbtu"),
        "gas_flared_mmbtu": total("_flared_mmbtu"),
        "co2e_t": total("_co2e_t"),
        "co2e_avoided_t": total("_co2e_avoided_t"),
    }


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
