"""The plan a solve produces: schedule, profit terms, status, KPIs and JSON export.

``Plan.schedule`` has one row per interval (index: tz-aware interval start) and one column
per quantity, the unit in its name; the ``profit_<kind>_usd`` columns hold the per-interval
profit terms (costs negative) and ``profit_total_usd`` their sum, so
``plan.objective_usd == plan.schedule.profit_total_usd.sum()``.
"""

from __future__ import annotations

import enum
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dispatch.assets.base import Asset, Mode, PlanData, Values
from dispatch.causes import shortfall_cause
from dispatch.config import Site
from dispatch.document import SCHEMA_VERSION
from dispatch.emissions import gas_kpis
from dispatch.files import atomic_write_text, strict_json
from dispatch.inputs import Inputs
from dispatch.solve import SolveResult, SolveStatus
from dispatch.state import SiteState

SHORTFALL_TOL_MW = 1e-6


class PlanStatus(enum.StrEnum):
    """How much to trust a plan, most severe first: fallback > at_risk > the solver's word."""

    OPTIMAL = "optimal"  # proven optimal within the MIP gap asked for (gap ~ 0)
    WITHIN_GAP = "within_gap"  # optimal to within the relative MIP gap (default 1e-4)
    TIME_LIMIT = "time_limit"  # the time limit stopped HiGHS; best schedule found, gap reported
    AT_RISK = "at_risk"  # HPC not fully served or a DR cap broken: intervals named
    FALLBACK = "fallback"  # the solver found no schedule: miners off, HPC served from the grid

    @property
    def ok(self) -> bool:
        return self in (PlanStatus.OPTIMAL, PlanStatus.WITHIN_GAP, PlanStatus.TIME_LIMIT)


@dataclass(frozen=True, repr=False)
class Plan:
    """A schedule for the site over the inputs' horizon, and what it earns.

    ``repr(plan)`` is one line (status, horizon, profit, key KPIs) and a notebook shows an
    HTML table; ``plan.kpi_table`` is every KPI as a pandas Series and
    ``plan.schedule_long()`` the schedule in long (tidy) form.
    """

    site: Site
    inputs: Inputs
    schedule: pd.DataFrame
    profit_terms: pd.DataFrame
    status: PlanStatus
    status_reason: str
    solve: SolveResult
    mode: Mode
    state_in: SiteState
    timings_s: Mapping[str, float]
    _data: PlanData = field(repr=False)
    _assets: tuple[Asset, ...] = field(repr=False)
    _values: Mapping[str, Values] = field(repr=False)

    @property
    def demand_charge_weight(self) -> float:
        """The share of the demand-charge rate this plan weighed a new peak at (1 = full)."""
        return self._data.demand_charge_weight

    @property
    def objective_usd(self) -> float:
        """Profit over the horizon, USD: the sum of every per-interval profit term."""
        return float(self.schedule["profit_total_usd"].sum())

    @property
    def at_risk_intervals(self) -> list[pd.Timestamp]:
        """Intervals where HPC is not fully served or a DR cap is exceeded."""
        return list(self.schedule.index[_risk_mask(self.schedule)])

    @cached_property
    def kpis(self) -> dict[str, Any]:
        """Energy by use, peak import, mining uptime and curtailment, profit by term, DR, HPC."""
        return compute_kpis(self.site, self.schedule, self._data)

    @property
    def kpi_table(self) -> pd.Series:
        """Every numeric KPI as a Series indexed by (kpi, item): ``kpi`` is the key of
        :attr:`kpis` (the unit in its name), ``item`` the fleet, term, energy use or DR event
        (``""`` for a single number).  ``p.kpi_table["profit_by_term_usd"]`` is the profit by
        term; ``p.kpi_table.unstack()`` a table."""
        return kpi_series(self.kpis)

    def schedule_long(self) -> pd.DataFrame:
        """The schedule in long (tidy) form: one row per interval and column, with columns
        ``interval_start``, ``asset`` (a fleet, genset or DR event name, ``grid``, ``hpc``,
        ``battery``, ``solar``, ``profit`` or ``site``), ``quantity`` (the rest of the column
        name, unit included) and ``value`` (float; flags as 0/1)."""
        owners = [f.name for f in self.site.fleets] + [g.name for g in self.site.gensets]
        owners += [f"dr_{e.name}" for e in self.site.dr_events]
        owners += [f"gas_{g.name}" for g in getattr(self.site, "gas_supplies", ())]
        owners += ["grid", "hpc", "battery", "solar", "profit"]
        split = {col: _owner(col, owners) for col in self.schedule.columns}
        long = self.schedule.astype(float).rename_axis("interval_start").reset_index()
        long = long.melt(id_vars="interval_start", var_name="column", value_name="value")
        long["asset"] = long["column"].map(lambda c: split[c][0])
        long["quantity"] = long["column"].map(lambda c: split[c][1])
        return long[["interval_start", "asset", "quantity", "value"]]

    @property
    def status_text(self) -> str:
        """The status and its reason, the reason only when it adds something
        (``optimal``, not ``optimal - optimal``)."""
        reason = " ".join(self.status_reason.split())
        return (
            self.status.value if reason == self.status.value else f"{self.status.value}: {reason}"
        )

    def __repr__(self) -> str:
        return f"<Plan {self._summary()}>"

    def _summary(self) -> str:
        k = self.kpis
        start = self.schedule.index[0]
        hours = len(self.schedule) * self.site.dt_h
        return (
            f"{self.site.name!r} {self.status.value}: {start:%Y-%m-%d %H:%M %Z}, {hours:g} h "
            f"({len(self.schedule)} x {self.site.interval_minutes} min); "
            f"profit {self.objective_usd:,.0f} USD, mining uptime "
            f"{k['mining_uptime_frac']['total']:.1%}, peak import {k['peak_import_mw']:.1f} MW, "
            f"HPC served {k['hpc_served_frac']:.1%}"
        )

    def _repr_html_(self) -> str:
        k = self.kpis
        rows = [
            ("status", self.status_text),
            ("site", self.site.name),
            ("horizon", f"{k['horizon']['start']} to {k['horizon']['end']}"),
            ("intervals", f"{len(self.schedule)} x {self.site.interval_minutes} min"),
            ("profit", f"{self.objective_usd:,.0f} USD"),
            ("mining uptime", f"{k['mining_uptime_frac']['total']:.1%}"),
            ("curtailed mining", f"{k['curtailed_mining_mwh']['total']:,.1f} MWh"),
            ("peak import", f"{k['peak_import_mw']:.1f} MW"),
            ("HPC served", f"{k['hpc_served_frac']:.1%}"),
        ]
        if k["dr_compliance_frac"] is not None:
            rows.append(("DR compliance", f"{k['dr_compliance_frac']:.0%} of DR intervals"))
        return html_table("Plan", rows, "plan.kpi_table, plan.schedule, plan.schedule_long()")

    def state_at(self, ts: pd.Timestamp | str) -> SiteState:
        """The state at time ``ts`` (an interval boundary after the first interval)."""
        ts = pd.Timestamp(ts)
        if ts.tzinfo is None:
            ts = ts.tz_localize(self.site.timezone)
        pos = int(self.schedule.index.searchsorted(ts))
        if pos == 0 or (pos < len(self.schedule) and self.schedule.index[pos] != ts):
            raise ValueError(f"{ts} is not an interval boundary inside the plan's horizon")
        return self._state_after(pos - 1)

    def end_state(self) -> SiteState:
        """The state after the last interval: the next plan's starting point."""
        return self._state_after(len(self.schedule) - 1)

    def _state_after(self, k: int) -> SiteState:
        state = self.state_in
        for asset in self._assets:
            state = asset.state_after(self._values[asset.name], k, self._data, state)
        return state

    def to_dict(
        self,
        *,
        schedule: bool = True,
        buffer: Any = None,
        provenance: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The plan document (:class:`dispatch.document.PlanDocument`, ``schema_version``
        1.0): the same keys as ``plan.json``; ``schedule`` (``orient="split"``), ``buffer``
        (a :class:`~dispatch.BufferReport` or its dict) and ``provenance`` are ``None`` unless
        asked for."""
        if buffer is not None and hasattr(buffer, "to_dict"):
            buffer = buffer.to_dict()
        return {
            "schema_version": SCHEMA_VERSION,
            "site": self.site.name,
            "status": self.status.value,
            "status_reason": self.status_reason,
            "mode": self.mode.value,
            "objective_usd": self.objective_usd,
            "at_risk_intervals": [ts.isoformat() for ts in self.at_risk_intervals],
            "solve": self.solve.to_dict(),
            "timings_s": dict(self.timings_s),
            "kpis": self.kpis,
            "sources": dict(self.inputs.sources),
            "state_in": self.state_in.to_dict(),
            "state_out": self.end_state().to_dict(),
            "schedule": (
                json.loads(self.schedule.to_json(orient="split", date_format="iso"))
                if schedule
                else None
            ),
            "buffer": buffer,
            "provenance": None if provenance is None else dict(provenance),
        }

    def to_json(
        self,
        path: str | Path | None = None,
        *,
        schedule: bool = True,
        buffer: Any = None,
        provenance: Mapping[str, Any] | None = None,
    ) -> str:
        """The plan document as strict JSON (see :meth:`to_dict`; RFC 8259: a non-finite
        number is ``null``); written atomically to ``path``."""
        doc = self.to_dict(schedule=schedule, buffer=buffer, provenance=provenance)
        text = strict_json(doc, indent=2)  # NaN/Inf as null
        if path is not None:
            atomic_write_text(Path(path), text)
        return text


def build_plan(
    *,
    site: Site,
    inputs: Inputs,
    data: PlanData,
    assets: list[Asset],
    values: dict[str, Values],
    terms: dict[str, np.ndarray],
    term_kinds: Mapping[str, str],
    solve: SolveResult,
    failed_solve: SolveResult | None,
    timings: dict[str, float],
    started: float,
    results_started: float,
) -> Plan:
    """Assemble the schedule, the profit terms and the status from a solve's values."""
    index = data.horizon.index.rename("interval_start")
    cols: dict[str, np.ndarray] = {}
    for asset in assets:
        cols.update(asset.columns(values[asset.name], data))
    fleets = [f.name for f in site.fleets]
    cols["mining_mw"] = sum((cols[f"{f}_mining_mw"] for f in fleets), np.zeros(data.n))
    cols["hashrate_th_s"] = sum((cols[f"{f}_hashrate_th_s"] for f in fleets), np.zeros(data.n))
    dr_flags = [cols[f"dr_{e.name}_active"] for e in site.dr_events]
    cols["dr_active"] = np.max(dr_flags, axis=0) if dr_flags else np.zeros(data.n)
    kinds: dict[str, list[str]] = {}
    for name, kind in term_kinds.items():
        kinds.setdefault(kind, []).append(name)
    for kind, names in kinds.items():
        cols[f"profit_{kind}_usd"] = np.sum([terms[name] for name in names], axis=0)
    cols["profit_total_usd"] = np.sum(list(terms.values()), axis=0) if terms else np.zeros(data.n)
    profit_terms = pd.DataFrame(terms, index=index)
    schedule = pd.DataFrame(typed_columns(cols), index=index)
    status, reason = _status(site, schedule, solve, failed_solve, data)
    timings = {**timings, "results_s": time.perf_counter() - results_started}
    timings["total_s"] = time.perf_counter() - started
    return Plan(
        site=site,
        inputs=inputs,
        schedule=schedule,
        profit_terms=profit_terms,
        status=status,
        status_reason=reason,
        solve=solve,
        mode=data.mode if failed_solve is None else Mode.FALLBACK,
        state_in=data.state,
        timings_s=timings,
        _data=data,
        _assets=tuple(assets),
        _values=values,
    )


#: Column suffixes of the schedule that count things (integers) and that flag (booleans).
COUNT_SUFFIXES = ("_containers_on", "_containers_available", "_starts", "_stops", "_units_on")
FLAG_SUFFIXES = ("_active",)


def typed_columns(cols: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The schedule's columns typed as :func:`typed_schedule` types them, before the frame is
    built (one frame instead of two: a backtest step's bookkeeping is a few ms)."""
    out = dict(cols)
    for col, values in cols.items():
        if col.endswith(COUNT_SUFFIXES):
            out[col] = np.rint(np.asarray(values, dtype=float)).astype(np.int64)
        elif col.endswith(FLAG_SUFFIXES):
            out[col] = np.asarray(values, dtype=float) > 0.5
    return out


def typed_schedule(schedule: pd.DataFrame) -> pd.DataFrame:
    """Counts as ``int64`` (rounded: the solver's integers carry ~1e-9 noise) and flags as
    ``bool``; every other column stays ``float64``."""
    out = schedule.copy()
    for col in out.columns:
        if col.endswith(COUNT_SUFFIXES):
            out[col] = np.rint(out[col].to_numpy(dtype=float)).astype(np.int64)
        elif col.endswith(FLAG_SUFFIXES):
            out[col] = out[col].to_numpy(dtype=float) > 0.5
    return out


def _risk_mask(schedule: pd.DataFrame) -> np.ndarray:
    mask = schedule["hpc_shortfall_mw"].to_numpy() > SHORTFALL_TOL_MW
    for col in schedule.columns:
        if col.startswith("dr_") and col.endswith("_excess_mw"):
            mask |= schedule[col].to_numpy() > SHORTFALL_TOL_MW
    return mask


def _status(
    site: Site,
    schedule: pd.DataFrame,
    solve: SolveResult,
    failed: SolveResult | None,
    data: PlanData,
) -> tuple[PlanStatus, str]:
    if failed is not None:
        return PlanStatus.FALLBACK, (
            f"the solver stopped without a schedule ({failed.status.value}: {failed.message}); "
            "fallback plan: miners off, battery and gensets idle, HPC served from the grid"
        )
    first = schedule.index[0]
    fuel = {g.name: data.state.fuel_used_for(g.name, first) for g in site.gensets}
    risks = _risk_reasons(site, schedule, fuel)
    if risks:
        return PlanStatus.AT_RISK, "; ".join(risks)
    if solve.status == SolveStatus.OPTIMAL:
        return PlanStatus.OPTIMAL, "optimal"
    if solve.status == SolveStatus.WITHIN_GAP:
        return PlanStatus.WITHIN_GAP, f"optimal within a relative gap of {solve.gap:.2g}"
    gap = "unknown" if solve.gap is None else f"{solve.gap:.2%}"
    return PlanStatus.TIME_LIMIT, f"time limit reached; best schedule found, gap {gap}"


def _span(index: pd.DatetimeIndex) -> str:
    first, last = index[0], index[-1]
    fmt = "%Y-%m-%d %H:%M"
    if len(index) == 1:
        return first.strftime(fmt)
    return f"{first.strftime(fmt)} to {last.strftime(fmt)}"


def _risk_reasons(
    site: Site, schedule: pd.DataFrame, fuel_used_first_day: dict[str, float]
) -> list[str]:
    reasons = []
    short = schedule["hpc_shortfall_mw"].to_numpy() > SHORTFALL_TOL_MW
    if short.any():
        rows = schedule[short]
        cause = shortfall_cause(site, schedule, short, fuel_used_first_day)
        reasons.append(
            f"HPC load not fully served in {int(short.sum())} intervals "
            f"({_span(rows.index)}), "
            f"{rows['hpc_shortfall_mw'].sum() * site.dt_h:.2f} MWh short: {cause}"
        )
    for event in site.dr_events:
        col = f"dr_{event.name}_excess_mw"
        if col not in schedule:
            continue
        over = schedule[col].to_numpy() > SHORTFALL_TOL_MW
        if not over.any():
            continue
        rows = schedule[over]
        cap = event.import_cap_mw
        hpc = rows["hpc_load_mw"].max()
        cause = (
            f"the cap ({cap:.1f} MW) is below the firm HPC load ({hpc:.1f} MW)"
            if cap is not None and hpc > cap
            else f"importing above the cap ({cap} MW) cost less than the alternatives"
        )
        reasons.append(
            f"DR event {event.name} cap exceeded in {int(over.sum())} intervals "
            f"({_span(rows.index)}) by {rows[col].sum() * site.dt_h:.2f} MWh: {cause}"
        )
    return reasons


def compute_kpis(site: Site, s: pd.DataFrame, data: PlanData) -> dict[str, Any]:
    """Plan KPIs as plain floats (JSON-ready)."""
    dt = site.dt_h
    fleets = [f.name for f in site.fleets]
    energy = {
        "hpc": float(s["hpc_load_mw"].sum() * dt),
        "hpc_served": float(s["hpc_served_mw"].sum() * dt),
        "hpc_shortfall": float(s["hpc_shortfall_mw"].sum() * dt),
        "mining": float(s["mining_mw"].sum() * dt),
        "grid_import": float(s["grid_import_mw"].sum() * dt),
        "grid_export": float(s["grid_export_mw"].sum() * dt),
    }
    for f in fleets:
        energy[f"mining_{f}"] = float(s[f"{f}_mining_mw"].sum() * dt)
    if site.battery is not None:
        charge = float(s["battery_charge_mw"].sum() * dt)
        discharge = float(s["battery_discharge_mw"].sum() * dt)
        soc0 = data.state.battery_soc_mwh
        soc0 = site.battery.soc_initial_frac * site.battery.energy_mwh if soc0 is None else soc0
        energy["battery_charge"] = charge
        energy["battery_discharge"] = discharge
        energy["battery_losses"] = charge - discharge - float(s["battery_soc_mwh"].iloc[-1] - soc0)
    for g in site.gensets:
        energy[f"genset_{g.name}"] = float(s[f"{g.name}_output_mw"].sum() * dt)
    if site.solar is not None:
        energy["solar"] = float(s["solar_mw"].sum() * dt)
        energy["solar_curtailed"] = float((s["solar_available_mw"] - s["solar_mw"]).sum() * dt)

    uptime: dict[str, float] = {}
    curtailed: dict[str, float] = {}
    on_total = avail_total = curt_total = 0.0
    for f in site.fleets:
        on = s[f"{f.name}_containers_on"].to_numpy()
        avail = s[f"{f.name}_containers_available"].to_numpy()
        full_mw = f.full_power_mw
        curt = float(np.sum(avail * full_mw - s[f"{f.name}_mining_mw"].to_numpy()) * dt)
        uptime[f.name] = float(on.sum() / avail.sum()) if avail.sum() > 0 else 0.0
        curtailed[f.name] = max(curt, 0.0)
        on_total += on.sum()
        avail_total += avail.sum()
        curt_total += max(curt, 0.0)
    uptime["total"] = float(on_total / avail_total) if avail_total > 0 else 0.0
    curtailed["total"] = curt_total

    profit = {
        col.removeprefix("profit_").removesuffix("_usd"): float(s[col].sum())
        for col in s.columns
        if col.startswith("profit_") and col != "profit_total_usd"
    }
    profit["total"] = float(s["profit_total_usd"].sum())

    dr: dict[str, Any] = {}
    compliant_intervals = dr_intervals = 0
    for e in site.dr_events:
        active = s[f"dr_{e.name}_active"].to_numpy() > 0
        excess = s.get(f"dr_{e.name}_excess_mw", pd.Series(0.0, index=s.index)).to_numpy()
        n_in = int(active.sum())
        ok = int(np.sum(active & (excess <= SHORTFALL_TOL_MW)))
        dr_intervals += n_in
        compliant_intervals += ok
        dr[e.name] = {
            "intervals": n_in,
            "compliant_intervals": ok,
            "excess_mwh": float(excess[active].sum() * dt),
            "mean_import_mw": float(s["grid_import_mw"].to_numpy()[active].mean())
            if n_in
            else None,
            "import_cap_mw": e.import_cap_mw,
        }
    hpc_energy = energy["hpc"]
    served_frac = energy["hpc_served"] / hpc_energy if hpc_energy > 0 else 1.0
    lease = served_frac * sum(
        float(data.hall_load_mw[h.name].sum()) * dt / h.pue * h.lease_usd_per_it_mwh
        for h in site.hpc_halls
    )
    return {
        "horizon": {
            "start": s.index[0].isoformat(),
            "end": (s.index[-1] + pd.Timedelta(minutes=site.interval_minutes)).isoformat(),
            "intervals": len(s),
            "interval_minutes": site.interval_minutes,
        },
        "energy_mwh": energy,
        "peak_import_mw": float(s["grid_import_mw"].max()),
        "mining_uptime_frac": uptime,
        "curtailed_mining_mwh": curtailed,
        "profit_by_term_usd": profit,
        "hpc_served_frac": served_frac,
        "hpc_lease_revenue_usd": lease,
        "dr_events": dr,
        "dr_compliance_frac": compliant_intervals / dr_intervals if dr_intervals else None,
        "gas_supplies": _gas_kpis(site, s),
    }


def _gas_kpis(site: Site, s: pd.DataFrame) -> dict[str, Any]:
    """Per gas supply: MMBtu supplied, burnt, flared, gas cost and t CO2e (see
    :mod:`dispatch.emissions`); empty without gas supplies."""
    totals: dict[str, float] = {}
    for gs in site.gas_supplies:
        pre = f"gas_{gs.name}_"
        for x in ("supply_mmbtu", "burnt_mmbtu", "flared_mmbtu", "co2e_t", "co2e_all_flared_t"):
            totals[f"{gs.name}_{x}"] = float(s[pre + x].sum())
        cost = s[pre + "price_usd_per_mmbtu"] * s[pre + "burnt_mmbtu"]
        totals[f"{gs.name}_cost_usd"] = float(cost.sum())
    return gas_kpis({gs.name: gs for gs in site.gas_supplies}, totals)


def kpi_series(kpis: Mapping[str, Any]) -> pd.Series:
    """Numeric KPIs (nested dicts) as a float Series indexed by (kpi, item); deeper levels
    are joined with ``.`` in ``item`` (``dr_events``: ``ers.excess_mwh``); strings, lists
    and ``None`` are left out."""
    rows: dict[tuple[str, str], float] = {}

    def walk(kpi: str, item: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, sub in value.items():
                walk(kpi, f"{item}.{key}" if item else str(key), sub)
        elif isinstance(value, (bool, int, float, np.integer, np.floating)):
            rows[(kpi, item)] = float(value)

    for kpi, value in kpis.items():
        if kpi != "horizon":
            walk(kpi, "", value)
    index = pd.MultiIndex.from_tuples(list(rows), names=["kpi", "item"])
    return pd.Series(list(rows.values()), index=index, name="value", dtype=float)


def html_table(title: str, rows: list[tuple[str, str]], more: str = "") -> str:
    """A small two-column HTML table for notebooks (``_repr_html_``), text escaped."""
    from html import escape

    body = "".join(
        f"<tr><th style='text-align:left'>{escape(k)}</th><td style='text-align:left'>"
        f"{escape(v)}</td></tr>"
        for k, v in rows
    )
    caption = f"<caption style='text-align:left'><b>{escape(title)}</b></caption>"
    foot = f"<p style='font-size:smaller'>more: <code>{escape(more)}</code></p>" if more else ""
    return f"<table>{caption}{body}</table>{foot}"


def _owner(column: str, owners: list[str]) -> tuple[str, str]:
    """(asset, quantity) of a schedule column: the longest owner name it starts with."""
    for owner in sorted(owners, key=len, reverse=True):
        if column.startswith(owner + "_"):
            return owner, column[len(owner) + 1 :]
    return "site", column
