"""The "mining as a buffer" report: how the fleets made room for the HPC load, the prices and
the DR events, and what flexibility and mining were worth (DESIGN.md section 5).

``buffer_report(plan)`` reads the plan's schedule and solves two counterfactuals on the same
site, inputs and starting state (the planner's ``mode="no_miners"`` and ``mode="always_on"``).
Symbols, per interval ``t`` of ``dt`` hours and per fleet ``f``::

    hpc[t]        HPC facility load, MW                  m[t] = sum_f m_f[t]  mining, MW
    L             grid import limit, MW                  gen[t] = solar available + genset output
    buy[t]        price[t] + import adder, USD/MWh       be_f[t]  fleet f's breakeven, USD/MWh
    full_f[t]     what always-on mines: available containers x full power (max power target)

- **headroom use** = sum_t min(m[t], room[t]) / sum_t room[t], with
  ``room[t] = max(L + gen[t] - hpc[t], 0)``: the share of the interconnection capacity (plus
  the on-site generation actually available: solar's available output, the gensets' planned
  output) left free by the HPC load that mining used, energy-weighted.  The battery is
  storage, not generation, and is left out.
- **yield to HPC** (a ratio, not a regression) = -sum dm[t] / sum dhpc[t] over the HPC
  rises: the intervals where the HPC load rose (``dhpc[t] = hpc[t] - hpc[t-1] > 1e-3 MW``)
  and nothing else that moves mining changed (every fleet's price stayed on the same side of
  its breakeven and no DR window opened or closed), so a price- or DR-driven start or stop is
  not counted as yielding.  1 means every MW the HPC load added came out of mining; 0 means
  mining did not move; negative, that mining grew anyway.  ``hpc_rise_covered_by`` splits
  the same rises by the site balance
  ``dhpc = d(import - export) + d(gensets) + d(solar) + d(discharge - charge)
  + d(shortfall) - dm`` into shares that sum to 1 (mining, grid, battery, gensets, solar,
  shortfall).  Also reported: the least-squares slope of ``-dm`` on ``dhpc`` (with intercept)
  over every interval where the HPC load changed, unfiltered.
- **price response**: the share of mining energy bought at ``buy[t] < be_f[t]``; and the
  spike cost avoided = sum over (f, t) with ``buy[t] > be_f[t]`` of
  ``max(full_f[t] - m_f[t], 0) * dt * buy[t]``: the energy bill the always-on fleet would have
  run up above its breakeven and this plan did not (gross: the hashprice revenue given up in
  those intervals is not netted out; the value of flexibility below nets everything).
- **DR compliance**: per event, intervals within the import cap, excess MWh, mean import,
  mining given up in the window, credit and penalty, from the plan's KPIs and profit terms.
- **counterfactuals** (same inputs and starting state; see :func:`dispatch.plan`):
  *no miners* (every fleet off: the HPC-only site, starting with no container running) and
  *always-on* (every available container on at full power: no flexibility).  The value of
  flexibility is ``profit(plan) - profit(always_on)`` and the value of mining is
  ``profit(plan) - profit(no_miners)``.  When HPC + miners exceed the import limit, the
  always-on site cannot serve its HPC load in full and pays the value of lost load
  (``value_of_lost_load_usd_per_mwh``) on the shortfall, and in a DR window it pays the DR
  penalty: that is the honest cost of having no flexibility, not a modelling artefact.  A
  counterfactual the solver cannot schedule (e.g. always-on against a min up/down time
  around a maintenance window) is reported as unavailable with the reason, and the values
  that need it are ``None``.

Because the optimiser may itself switch every fleet off or run it flat out, the plan's
profit is at least each counterfactual's (within the MIP gap), except where the no-miners
site's freedom to start with nothing running matters (a fleet that is on now may need
intervals to ramp down).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dispatch.assets.base import Mode
from dispatch.config import MinerFleet, Site
from dispatch.errors import SolverError
from dispatch.planner import plan as solve_plan
from dispatch.results import Plan, PlanStatus

#: Changes smaller than this (MW) count as no change (solver noise, float round-off).
CHANGE_TOL_MW = 1e-3
#: An HPC rise at least this large (MW) in one interval, met by a fall in mining, is an event.
HPC_RAMP_EVENT_MW = 1.0
#: At most this many events of one kind are listed; the rest are counted.
MAX_EVENTS_PER_KIND = 8
TIME_FMT = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class Counterfactual:
    """One counterfactual plan: its profit by term, or why it is unavailable."""

    mode: str
    available: bool
    status: str | None
    reason: str
    profit_usd: float | None
    profit_by_term_usd: dict[str, float]
    plan: Plan | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "available": self.available,
            "status": self.status,
            "reason": self.reason,
            "profit_usd": self.profit_usd,
            "profit_by_term_usd": dict(self.profit_by_term_usd),
        }


@dataclass(frozen=True)
class BufferReport:
    """What mining did as the site's buffer, and what it was worth (see the module doc).

    Fractions are 0..1; ``None`` where there is nothing to measure (no headroom, no HPC rise,
    no mining energy) or a counterfactual is unavailable.
    """

    headroom_mwh: float
    mining_in_headroom_mwh: float
    headroom_use_frac: float | None
    yield_to_hpc_ratio: float | None
    hpc_rise_covered_by: dict[str, float]
    yield_to_hpc_slope: float | None
    hpc_rise_intervals: int
    mining_below_breakeven_frac: float | None
    spike_mining_avoided_mwh: float
    spike_cost_avoided_usd: float
    dr_compliance_frac: float
    dr_events: dict[str, dict[str, Any]]
    profit_usd: float
    no_miners: Counterfactual
    always_on: Counterfactual
    value_of_flexibility_usd: float | None
    value_of_mining_usd: float | None
    profit_by_term_usd: dict[str, dict[str, float | None]]
    events: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form (plain floats, strings, lists and dicts)."""
        return {
            "headroom_mwh": self.headroom_mwh,
            "mining_in_headroom_mwh": self.mining_in_headroom_mwh,
            "headroom_use_frac": self.headroom_use_frac,
            "yield_to_hpc_ratio": self.yield_to_hpc_ratio,
            "hpc_rise_covered_by": dict(self.hpc_rise_covered_by),
            "yield_to_hpc_slope": self.yield_to_hpc_slope,
            "hpc_rise_intervals": self.hpc_rise_intervals,
            "mining_below_breakeven_frac": self.mining_below_breakeven_frac,
            "spike_mining_avoided_mwh": self.spike_mining_avoided_mwh,
            "spike_cost_avoided_usd": self.spike_cost_avoided_usd,
            "dr_compliance_frac": self.dr_compliance_frac,
            "dr_events": self.dr_events,
            "profit_usd": self.profit_usd,
            "value_of_flexibility_usd": self.value_of_flexibility_usd,
            "value_of_mining_usd": self.value_of_mining_usd,
            "counterfactuals": {
                "no_miners": self.no_miners.to_dict(),
                "always_on": self.always_on.to_dict(),
            },
            "profit_by_term_usd": self.profit_by_term_usd,
            "events": list(self.events),
        }


def buffer_report(
    plan: Plan,
    *,
    mip_rel_gap: float = 1e-4,
    time_limit_s: float | None = None,
    threads: int | None = None,
) -> BufferReport:
    """The buffer report of ``plan``, solving its two counterfactuals.

    The counterfactuals use ``plan``'s site, inputs and starting state (``plan.state_in``),
    and the HiGHS settings given here.  See the module docstring for every definition.
    """
    solve = {"mip_rel_gap": mip_rel_gap, "time_limit_s": time_limit_s, "threads": threads}
    no_miners = _counterfactual(plan, Mode.NO_MINERS, solve)
    always_on = _counterfactual(plan, Mode.ALWAYS_ON, solve)
    site, s, dt = plan.site, plan.schedule, plan.site.dt_h
    kpis = plan.kpis
    mining = s["mining_mw"].to_numpy(dtype=float)
    hpc = s["hpc_load_mw"].to_numpy(dtype=float)

    room = np.clip(site.grid.import_limit_mw + _onsite_generation_mw(site, s) - hpc, 0.0, None)
    headroom_mwh = float(room.sum() * dt)
    used_mwh = float(np.minimum(mining, room).sum() * dt)

    buy = s["price_usd_per_mwh"].to_numpy(dtype=float) + site.grid.import_adder_usd_per_mwh
    ratio, covered, slope, rises = _yield_to_hpc(site, s, buy)
    below_mwh = spike_mwh = spike_usd = 0.0
    for f in site.fleets:
        m_f = s[f"{f.name}_mining_mw"].to_numpy(dtype=float)
        be_f = s[f"{f.name}_breakeven_usd_per_mwh"].to_numpy(dtype=float)
        below_mwh += float(m_f[buy < be_f].sum() * dt)
        above = buy > be_f
        avoided = np.clip(_full_mw(f, s) - m_f, 0.0, None)[above] * dt
        spike_mwh += float(avoided.sum())
        spike_usd += float((avoided * buy[above]).sum())
    mining_mwh = float(mining.sum() * dt)

    profit = plan.objective_usd
    return BufferReport(
        headroom_mwh=headroom_mwh,
        mining_in_headroom_mwh=used_mwh,
        headroom_use_frac=used_mwh / headroom_mwh if headroom_mwh > 0 else None,
        yield_to_hpc_ratio=ratio,
        hpc_rise_covered_by=covered,
        yield_to_hpc_slope=slope,
        hpc_rise_intervals=rises,
        mining_below_breakeven_frac=below_mwh / mining_mwh if mining_mwh > 0 else None,
        spike_mining_avoided_mwh=spike_mwh,
        spike_cost_avoided_usd=spike_usd,
        dr_compliance_frac=float(kpis["dr_compliance_frac"]),
        dr_events=_dr_events(plan),
        profit_usd=profit,
        no_miners=no_miners,
        always_on=always_on,
        value_of_flexibility_usd=(
            profit - always_on.profit_usd if always_on.profit_usd is not None else None
        ),
        value_of_mining_usd=(
            profit - no_miners.profit_usd if no_miners.profit_usd is not None else None
        ),
        profit_by_term_usd=_terms_side_by_side(plan, no_miners, always_on),
        events=tuple(_events(plan, buy)),
    )


# --- pieces ---------------------------------------------------------------------------------


def _counterfactual(plan: Plan, mode: Mode, solve: dict[str, Any]) -> Counterfactual:
    try:
        cf = solve_plan(plan.site, plan.inputs, state=plan.state_in, mode=mode, **solve)
    except SolverError as exc:
        return Counterfactual(mode.value, False, None, str(exc), None, {})
    if cf.status == PlanStatus.FALLBACK:
        return Counterfactual(
            mode.value,
            False,
            cf.status.value,
            f"no feasible {mode.value} schedule: {cf.status_reason}",
            None,
            {},
        )
    terms = {k: v for k, v in cf.kpis["profit_by_term_usd"].items() if k != "total"}
    return Counterfactual(
        mode.value, True, cf.status.value, cf.status_reason, cf.objective_usd, terms, cf
    )


def _onsite_generation_mw(site: Site, s: pd.DataFrame) -> np.ndarray:
    """Solar available plus the gensets' planned output, MW."""
    gen = np.zeros(len(s))
    if "solar_available_mw" in s:
        gen += s["solar_available_mw"].to_numpy(dtype=float)
    for g in site.gensets:
        gen += s[f"{g.name}_output_mw"].to_numpy(dtype=float)
    return gen


def _full_mw(f: MinerFleet, s: pd.DataFrame) -> np.ndarray:
    """What the always-on counterfactual mines: available containers at full power, MW."""
    per_container = f.container_power_mw
    if f.power_target is not None:
        per_container = f.power_target.max_frac * f.asic_power_mw + f.container_aux_kw / 1e3
    return s[f"{f.name}_containers_available"].to_numpy(dtype=float) * per_container


def _yield_to_hpc(
    site: Site, s: pd.DataFrame, buy: np.ndarray
) -> tuple[float | None, dict[str, float], float | None, int]:
    """(mining's share of the HPC rises, every source's share, the slope, number of rises)."""

    def col(name: str) -> np.ndarray:
        return s[name].to_numpy(dtype=float) if name in s else np.zeros(len(s))

    hpc, mining = col("hpc_load_mw"), col("mining_mw")
    sources = {
        "mining": -mining,
        "grid": col("grid_import_mw") - col("grid_export_mw"),
        "battery": col("battery_discharge_mw") - col("battery_charge_mw"),
        "gensets": sum((col(f"{g.name}_output_mw") for g in site.gensets), np.zeros(len(s))),
        "solar": col("solar_mw"),
        "shortfall": col("hpc_shortfall_mw"),
    }
    regime = [buy > col(f"{f.name}_breakeven_usd_per_mwh") for f in site.fleets]
    regime.append(col("dr_active") > 0)
    steady = np.all([r[1:] == r[:-1] for r in regime], axis=0)
    d_hpc = np.diff(hpc)
    rise = (d_hpc > CHANGE_TOL_MW) & steady
    covered: dict[str, float] = {}
    ratio = None
    if rise.any():
        total = d_hpc[rise].sum()
        covered = {k: float(np.diff(v)[rise].sum() / total) for k, v in sources.items()}
        ratio = covered["mining"]
    changed = np.abs(d_hpc) > CHANGE_TOL_MW
    slope = None
    if changed.sum() >= 2 and np.ptp(d_hpc[changed]) > CHANGE_TOL_MW:
        slope = float(-np.polyfit(d_hpc[changed], np.diff(mining)[changed], 1)[0])
    return ratio, covered, slope, int(rise.sum())


def _dr_events(plan: Plan) -> dict[str, dict[str, Any]]:
    s, dt, terms = plan.schedule, plan.site.dt_h, plan.profit_terms
    full = sum((_full_mw(f, s) for f in plan.site.fleets), np.zeros(len(s)))
    out = {}
    for e in plan.site.dr_events:
        info = dict(plan.kpis["dr_events"][e.name])
        active = s[f"dr_{e.name}_active"].to_numpy() > 0
        given_up = np.clip(full - s["mining_mw"].to_numpy(dtype=float), 0.0, None)
        info["mining_given_up_mwh"] = float(given_up[active].sum() * dt)
        for kind in ("credit", "penalty"):
            col = f"dr_{kind}_{e.name}"
            info[f"{kind}_usd"] = float(terms[col].sum()) if col in terms else 0.0
        out[e.name] = info
    return out


def _terms_side_by_side(
    plan: Plan, no_miners: Counterfactual, always_on: Counterfactual
) -> dict[str, dict[str, float | None]]:
    """term -> {"plan", "no_miners", "always_on"} profit, USD, with a "total" row last."""
    own = {k: v for k, v in plan.kpis["profit_by_term_usd"].items() if k != "total"}
    names = list(own) + [
        k for cf in (no_miners, always_on) for k in cf.profit_by_term_usd if k not in own
    ]
    table: dict[str, dict[str, float | None]] = {}
    for name in names:
        table[name] = {
            "plan": own.get(name, 0.0),
            "no_miners": no_miners.profit_by_term_usd.get(name, 0.0)
            if no_miners.available
            else None,
            "always_on": always_on.profit_by_term_usd.get(name, 0.0)
            if always_on.available
            else None,
        }
    table["total"] = {
        "plan": plan.objective_usd,
        "no_miners": no_miners.profit_usd,
        "always_on": always_on.profit_usd,
    }
    return table


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[first, last] positions of each run of True in ``mask``."""
    edges = np.diff(np.r_[0, mask.astype(int), 0])
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1, strict=True))


def _when(index: pd.DatetimeIndex, first: int, last: int, dt_h: float) -> str:
    end = index[last] + pd.Timedelta(hours=dt_h)
    same_day = end.normalize() == index[first].normalize() or end == end.normalize()
    return f"{index[first].strftime(TIME_FMT)}-{end.strftime('%H:%M' if same_day else TIME_FMT)}"


def _capped(kind: str, items: list[tuple[pd.Timestamp, str]]) -> list[tuple[pd.Timestamp, str]]:
    if len(items) <= MAX_EVENTS_PER_KIND:
        return items
    keep = items[:MAX_EVENTS_PER_KIND]
    rest = len(items) - MAX_EVENTS_PER_KIND
    return [*keep, (items[MAX_EVENTS_PER_KIND][0], f"... and {rest} more {kind}")]


def _events(plan: Plan, buy: np.ndarray) -> list[str]:
    """Spikes, DR windows and HPC ramps mining absorbed, as short lines in time order."""
    site, s, dt = plan.site, plan.schedule, plan.site.dt_h
    index = s.index
    mining = s["mining_mw"].to_numpy(dtype=float)
    full = sum((_full_mw(f, s) for f in site.fleets), np.zeros(len(s)))
    cut = full - mining
    spikes: list[tuple[pd.Timestamp, str]] = []
    if site.fleets:
        top = np.max([s[f"{f.name}_breakeven_usd_per_mwh"] for f in site.fleets], axis=0)
        for a, b in _runs((buy > top) & (cut > CHANGE_TOL_MW)):
            sl = slice(a, b + 1)
            spikes.append(
                (
                    index[a],
                    f"{_when(index, a, b, dt)} price spike: up to {buy[sl].max():,.0f} USD/MWh "
                    f"with adder (highest breakeven {top[sl].max():,.0f}); mining cut by up to "
                    f"{cut[sl].max():.1f} MW, {cut[sl].sum() * dt:.1f} MWh not bought",
                )
            )
    dr = []
    for e in site.dr_events:
        active = s[f"dr_{e.name}_active"].to_numpy() > 0
        for a, b in _runs(active):
            sl = slice(a, b + 1)
            grid = s["grid_import_mw"].to_numpy()[sl]
            info = plan.kpis["dr_events"][e.name]
            cap = "" if e.import_cap_mw is None else f" (cap {e.import_cap_mw:.0f} MW)"
            ok = f"{info['compliant_intervals']}/{info['intervals']} intervals compliant"
            dr.append(
                (
                    index[a],
                    f"{_when(index, a, b, dt)} DR event {e.name}: import {grid.min():.1f}-"
                    f"{grid.max():.1f} MW{cap}, {ok}; mining cut by {cut[sl].mean():.1f} MW "
                    f"on average",
                )
            )
    hpc = s["hpc_load_mw"].to_numpy(dtype=float)
    d_hpc, d_mining = np.diff(hpc), np.diff(mining)
    ramps = []
    for a, b in _runs((d_hpc >= HPC_RAMP_EVENT_MW) & (d_mining < -CHANGE_TOL_MW)):
        rise, fall = d_hpc[a : b + 1].sum(), -d_mining[a : b + 1].sum()
        ramps.append(
            (
                index[a + 1],
                f"{_when(index, a + 1, b + 1, dt)} HPC ramp: HPC load +{rise:.1f} MW, "
                f"mining gave back {fall:.1f} MW",
            )
        )
    items = _capped("price spikes", spikes) + dr + _capped("HPC ramps", ramps)
    return [text for _, text in sorted(items, key=lambda item: item[0])]


__all__ = ["BufferReport", "Counterfactual", "buffer_report"]
