"""Settle a day-ahead schedule at real-time prices, with an optional real-time curtailment rule.

A pure function of the schedule, the site and the real-time price (no solver), so each
number can be checked by hand.  With ``rt[t]`` the real-time price, ``adder_in`` and
``adder_out`` the grid's import and export adders, ``g_in``/``g_out`` the scheduled import
and export, ``m_f`` fleet f's scheduled mining MW and ``be_f`` its breakeven (USD/MWh, as in
the schedule's ``<f>_breakeven_usd_per_mwh``)::

    rule (optional, margin X USD/MWh):
        curtail_f[t] = m_f[t] > 0  and  rt[t] + adder_in > be_f[t] + X
    cut[t]       = sum_f curtail_f[t] * m_f[t]                   MW of mining stopped
    rt_import[t] = max(g_in[t] - cut[t], 0)                      import drops by the cut
    rt_export[t] = g_out[t] + min(surplus[t], export_limit - g_out[t])
                   with surplus[t] = cut[t] - (g_in[t] - rt_import[t])   (else spilled)

    rt energy_cost[t]      = -(rt[t] + adder_in) * rt_import[t] * dt
    rt export_revenue[t]   =  (rt[t] - adder_out) * rt_export[t] * dt
    rt mining_revenue[t]   = sum_f (1 - curtail_f[t]) * revenue_f[t]
    rt coincident_peak[t]  = coincident_peak[t] + charge * prob[t] * (g_in[t] - rt_import[t])
    rt dr_credit[t]        = dr_credit[t] + sum_e credit_e * dt * active_e[t] * (g_in - rt_import)
    rt dr_penalty[t]       = -sum_e penalty_e * dt * max(excess_e[t] - (g_in - rt_import), 0)

Every other term (startup, fuel, O&M, battery wear, demand charge, lost load) is the
day-ahead one: the battery, the gensets and solar run as scheduled, and a curtailment is
instantaneous and costless (miner firmware drops to idle in seconds), so it adds no start
and is not held to min up/down times.  The monthly demand charge is kept at its day-ahead
value: the rule only ever lowers the import, so this is an upper bound on the real-time
charge.  Without a rule nothing but the two energy terms changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dispatch.config import Site
from dispatch.errors import ConfigError

RT_PREFIX = "rt_"


@dataclass(frozen=True)
class RtRule:
    """Curtail a fleet in intervals where the real-time buy price exceeds its breakeven.

    ``curtail_margin_usd_per_mwh``: how far above the breakeven the price must be;
    ``fleets``: the fleets the rule applies to (default: all).
    """

    curtail_margin_usd_per_mwh: float = 0.0
    fleets: tuple[str, ...] | None = None

    @classmethod
    def parse(cls, raw: RtRule | Mapping | None, site: Site | None = None) -> RtRule | None:
        """An ``RtRule`` from a mapping such as ``{"curtail_margin_usd_per_mwh": 20}``."""
        if raw is None or isinstance(raw, RtRule):
            rule = raw
        elif isinstance(raw, Mapping):
            unknown = set(raw) - {"curtail_margin_usd_per_mwh", "fleets"}
            if unknown:
                raise ConfigError(
                    f"rt_rule: unknown key {sorted(unknown)[0]!r} (known: "
                    "curtail_margin_usd_per_mwh, fleets)"
                )
            try:
                margin = float(raw.get("curtail_margin_usd_per_mwh", 0.0))
            except (TypeError, ValueError):
                raise ConfigError(
                    "rt_rule.curtail_margin_usd_per_mwh: must be a number, got "
                    f"{raw['curtail_margin_usd_per_mwh']!r}"
                ) from None
            fleets = raw.get("fleets")
            rule = cls(margin, None if fleets is None else tuple(str(f) for f in fleets))
        else:
            raise ConfigError(f"rt_rule: expected a mapping, got {type(raw).__name__}")
        if rule is not None and site is not None and rule.fleets is not None:
            names = {f.name for f in site.fleets}
            for name in rule.fleets:
                if name not in names:
                    raise ConfigError(f"rt_rule.fleets: {name!r} is not a fleet of the site")
        return rule

    def to_dict(self) -> dict:
        return {
            "curtail_margin_usd_per_mwh": self.curtail_margin_usd_per_mwh,
            "fleets": None if self.fleets is None else list(self.fleets),
        }


def settle_rt(
    site: Site,
    schedule: pd.DataFrame,
    rt_price_usd_per_mwh: pd.Series | np.ndarray,
    rt_rule: RtRule | Mapping | None = None,
) -> pd.DataFrame:
    """Real-time settlement of ``schedule``: ``rt_*`` columns on the schedule's index.

    ``schedule`` is a plan's schedule with, per fleet, ``<f>_mining_revenue_usd`` (the
    backtest adds it from ``plan.profit_terms``).  Columns returned:
    ``rt_price_usd_per_mwh``, ``rt_grid_import_mw``, ``rt_grid_export_mw``,
    ``rt_spilled_mw``, per fleet ``rt_<f>_curtailed`` (0/1) and ``rt_<f>_mining_mw``,
    ``rt_mining_mw``, ``rt_profit_<kind>_usd`` for every ``profit_<kind>_usd`` of the
    schedule, and ``rt_profit_total_usd``.
    """
    rule = RtRule.parse(rt_rule, site)  # type: ignore[arg-type]
    s = schedule
    dt = site.dt_h
    rt = np.asarray(rt_price_usd_per_mwh, dtype=float)
    if rt.shape != (len(s),):
        raise ValueError(f"rt price has {rt.shape[0]} values, the schedule {len(s)} intervals")
    grid = site.grid
    buy = rt + grid.import_adder_usd_per_mwh
    g_in = s["grid_import_mw"].to_numpy(dtype=float)
    g_out = s["grid_export_mw"].to_numpy(dtype=float)
    out: dict[str, np.ndarray] = {"rt_price_usd_per_mwh": rt}
    cut = np.zeros(len(s))
    revenue = np.zeros(len(s))
    mining = np.zeros(len(s))
    for f in site.fleets:
        m = s[f"{f.name}_mining_mw"].to_numpy(dtype=float)
        rev = s[f"{f.name}_mining_revenue_usd"].to_numpy(dtype=float)
        curtail = np.zeros(len(s), dtype=bool)
        if rule is not None and (rule.fleets is None or f.name in rule.fleets):
            be = s[f"{f.name}_breakeven_usd_per_mwh"].to_numpy(dtype=float)
            curtail = (m > 0) & (buy > be + rule.curtail_margin_usd_per_mwh)
        cut += np.where(curtail, m, 0.0)
        revenue += np.where(curtail, 0.0, rev)
        mining += np.where(curtail, 0.0, m)
        out[f"rt_{f.name}_curtailed"] = curtail.astype(float)
        out[f"rt_{f.name}_mining_mw"] = np.where(curtail, 0.0, m)
    rt_import = np.maximum(g_in - cut, 0.0)
    drop = g_in - rt_import  # >= 0: how much less is imported
    surplus = cut - drop
    rt_export = g_out + np.minimum(surplus, np.maximum(grid.export_limit_mw - g_out, 0.0))
    out["rt_grid_import_mw"] = rt_import
    out["rt_grid_export_mw"] = rt_export
    out["rt_spilled_mw"] = surplus - (rt_export - g_out)
    out["rt_mining_mw"] = mining

    terms: dict[str, np.ndarray] = {}
    for col in s.columns:
        if col.startswith("profit_") and col != "profit_total_usd":
            terms[col] = s[col].to_numpy(dtype=float).copy()
    terms["profit_energy_cost_usd"] = -buy * rt_import * dt
    if "profit_export_revenue_usd" in terms or grid.export_limit_mw > 0:
        terms["profit_export_revenue_usd"] = (rt - grid.export_adder_usd_per_mwh) * rt_export * dt
    if "profit_mining_revenue_usd" in terms:
        terms["profit_mining_revenue_usd"] = revenue
    if site.coincident_peak is not None and "profit_coincident_peak_usd" in terms:
        prob = s["cp_probability"].to_numpy(dtype=float)
        terms["profit_coincident_peak_usd"] += site.coincident_peak.charge_usd_per_mw * prob * drop
    for e in site.dr_events:
        active_col = f"dr_{e.name}_active"
        if active_col not in s:
            continue
        active = s[active_col].to_numpy(dtype=float)
        if e.baseline_mw is not None and e.credit_usd_per_mwh > 0:
            terms["profit_dr_credit_usd"] += e.credit_usd_per_mwh * dt * active * drop
        excess_col = f"dr_{e.name}_excess_mw"
        if excess_col in s and "profit_dr_penalty_usd" in terms:
            excess = s[excess_col].to_numpy(dtype=float)
            before = -e.penalty_usd_per_mwh * dt * excess
            after = -e.penalty_usd_per_mwh * dt * np.maximum(excess - drop, 0.0)
            terms["profit_dr_penalty_usd"] += after - before
    for col, values in terms.items():
        out[RT_PREFIX + col] = values
    out["rt_profit_total_usd"] = np.sum(list(terms.values()), axis=0) if terms else np.zeros(len(s))
    return pd.DataFrame(out, index=s.index)


__all__ = ["RtRule", "settle_rt"]
