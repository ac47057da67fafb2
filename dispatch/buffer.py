"""The "mining as a buffer" report: how the fleets made room for the HPC load, the prices and
the DR events, and what flexibility and mining were worth (DESIGN.md section 5).

``buffer_report(plan)`` reads the plan's schedule and solves two counterfactuals on the same
site, inputs and starting state (the planner's ``mode="no_miners"`` and
``mode="price_blind"``).  Symbols, per interval ``t`` of ``dt`` hours and per fleet ``f``::

    hpc[t]        HPC facility load, MW                  m[t] = sum_f m_f[t]  mining, MW
    L             grid import limit, MW                  gen[t] = solar available + genset output
    buy[t]        price[t] + import adder, USD/MWh       be_f[t]  fleet f's breakeven, USD/MWh
    blind_f[t]    what the price-blind counterfactual mines (every container the site can
                  host, at full power); available containers x full power if it is unavailable
    pre           the plan's own mining MW in the interval before an event (after it, for an
                  event at the start of the horizon)

- **headroom use** = sum_t min(m[t], room[t]) / sum_t room[t], with
  ``room[t] = max(L + gen[t] - hpc[t], 0)``: the share of the interconnection capacity (plus
  the on-site generation actually available: solar's available output, the gensets' planned
  output) left free by the HPC load that mining used, energy-weighted.  The battery is
  storage, not generation, and is left out.
- **the AI load's view** (``hpc_rises``): an *HPC rise* is an interval whose HPC load rose,
  ``dhpc[t] = hpc[t] - hpc[t-1] > 1e-3 MW``.  The site balance
  ``dhpc = d(import - export) + d(gensets) + d(solar) + d(discharge - charge)
  + d(shortfall) - dm`` splits each rise into what every source gave, ``give_k[t]`` (mining
  gives ``-dm``).  Only what a source *gave* covers the rise, ``cover_k[t] = max(give_k[t],
  0)``, and the share of source k over a set R of rises is
  ``sum_{t in R} cover_k[t] / sum_{t in R} sum_j cover_j[t]``: shares in [0, 1] summing to 1.
  Two sets, reported apart: rises **at the import limit** (``import[t] >= L - 1e-3 MW``: the
  grid could not take the rise, so something on site had to; mining had to yield) and the
  **rest**, where only rises with nothing else that moves mining are kept (every fleet's price
  stayed on the same side of its breakeven and no DR window opened or closed), so a price- or
  DR-driven stop is not counted as yielding.  ``yield_to_hpc_ratio`` is mining's share at the
  import limit (1: every MW the AI load took there came out of mining).
- **price response**: the share of mining energy bought at ``buy[t] < be_f[t]``; and the
  spike cost avoided = sum over (f, t) with ``buy[t] > be_f[t]`` of
  ``max(blind_f[t] - m_f[t], 0) * dt * buy[t]``: the energy bill the price-blind fleet would
  have run up above its breakeven and this plan did not (gross: the hashprice revenue given
  up in those intervals is not netted out; the value of flexibility below nets everything).
- **DR compliance**: per event, intervals within the import cap, excess MWh, mean import,
  mining given up in the window (``max(pre - m[t], 0)`` summed), credit and penalty.
- **revenue stack** (:mod:`dispatch.revenue`): USD per stream (HPC energy, mining margin,
  energy savings, each reserve product, deployment cost, standby DR, DR, heat, peak charges,
  other), summing to the profit; the same per MW of installed mining; and the mean MW
  offered as reserves.
- **AI swing headroom** (``swing_headroom``; only when a hall declares ``swing_frac``, see
  :mod:`dispatch.assets.swing_headroom`): per interval the swing to absorb
  ``swing[t] = sum_h swing_frac_h * hall_h[t]``, the headroom held ``held[t] = swing[t] -
  short[t]``, and the part of it that relies on shedding mining, ``from_mining[t] =
  min(free[t], max(held[t] - spare[t], 0))`` with ``spare[t] = L - import[t]`` and
  ``free[t]`` = mining not sold as reserves or held for standby DR.  Its **cost** is the
  profit the plan gives up to hold it: ``cost = max(P_without, P_with) - P_with``, where
  ``P_with`` is the plan's profit less its ``swing_shortfall`` penalty (a price on the
  rule, not money paid) and ``P_without`` the profit of the same site, inputs and state
  with every ``swing_frac`` at 0 (one more solve, the *no_swing_headroom* counterfactual).
  The plan's own schedule is feasible without the rule, so ``P_without >= P_with`` at the
  optimum; a re-solve a few USD below the plan is the MIP gap, and the cost is then 0.
  The cost is not a stream of the revenue stack: it is already inside the streams (a
  smaller battery saving, fewer reserves sold, ...), as a lower profit.  Plans without a
  swinging hall solve nothing more and report ``None``.
- **counterfactuals** (same inputs and starting state; see :func:`dispatch.plan`):
  *no miners* (every fleet off: the HPC-only site, starting with no container running) and
  *price-blind* (every container the site can host beside the firm HPC load runs at full
  power, whatever the prices, DR events and peak charges; min up/down and ramp hold; see
  :mod:`dispatch.assets.price_blind`).  The value of flexibility is
  ``profit(plan) - profit(price_blind)``: what responding to prices and events was worth; the
  value of mining is ``profit(plan) - profit(no_miners)``.  The price-blind miners only use
  room the HPC load leaves, so neither value contains lost load the counterfactual's own
  miners caused.  A counterfactual the solver cannot schedule is reported as unavailable with
  the reason, and the values that need it are ``None``.

Event lines measure mining's response from the plan's own level before the event (``pre``),
not from the fleets' nameplate; a price spike that overlaps or follows a DR window without a
break is measured from before both.

Because the optimiser may itself switch every fleet off or follow the price-blind schedule,
the plan's profit is at least each counterfactual's (within the MIP gap), except where the
no-miners site's freedom to start with nothing running matters (a fleet that is on now may
need intervals to ramp down).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dispatch.assets.base import Mode
from dispatch.assets.price_blind import full_power_mw
from dispatch.config import MinerFleet, Site
from dispatch.errors import SolverError
from dispatch.planner import plan as solve_plan
from dispatch.results import Plan, PlanStatus, html_table, kpi_series
from dispatch.revenue import per_mw_of_mining, revenue_stack

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


@dataclass(frozen=True, repr=False)
class BufferReport:
    """What mining did as the site's buffer, and what it was worth (see the module doc).

    Fractions are 0..1; ``None`` where there is nothing to measure (no headroom, no HPC rise,
    no mining energy) or a counterfactual is unavailable.
    """

    headroom_mwh: float
    mining_in_headroom_mwh: float
    headroom_use_frac: float | None
    yield_to_hpc_ratio: float | None
    hpc_rises: dict[str, dict[str, Any]]
    mining_below_breakeven_frac: float | None
    spike_mining_avoided_mwh: float
    spike_cost_avoided_usd: float
    dr_compliance_frac: float | None
    dr_events: dict[str, dict[str, Any]]
    profit_usd: float
    no_miners: Counterfactual
    price_blind: Counterfactual
    value_of_flexibility_usd: float | None
    value_of_mining_usd: float | None
    profit_by_term_usd: dict[str, dict[str, float | None]]
    events: tuple[str, ...]
    # revenue stacking (dispatch.revenue): mean MW offered as reserves, USD per stream and
    # per MW of installed mining by stream
    reserve_offered_mw: float = 0.0
    revenue_stack_usd: dict[str, float] = field(default_factory=dict)
    revenue_per_mw_mining_usd: dict[str, float] = field(default_factory=dict)
    # AI swing headroom held and its cost (module doc); None when no hall declares a swing
    swing_headroom: dict[str, Any] | None = None

    @property
    def kpi_table(self) -> pd.Series:
        """Every number of the report as a float Series indexed by (kpi, item)."""
        raw = self.to_dict()
        raw.pop("events")
        return kpi_series(raw)

    def __repr__(self) -> str:
        return (
            f"<BufferReport profit {self.profit_usd:,.0f} USD, value of flexibility "
            f"{_usd(self.value_of_flexibility_usd)}, value of mining "
            f"{_usd(self.value_of_mining_usd)}, headroom used {_pct(self.headroom_use_frac)}, "
            f"{len(self.events)} events>"
        )

    def _repr_html_(self) -> str:
        rows = [
            ("profit (plan)", f"{self.profit_usd:,.0f} USD"),
            ("value of flexibility", _usd(self.value_of_flexibility_usd) + " (vs price-blind)"),
            ("value of mining", _usd(self.value_of_mining_usd) + " (vs no miners)"),
            ("headroom used by mining", _pct(self.headroom_use_frac)),
            ("mining energy below breakeven", _pct(self.mining_below_breakeven_frac)),
            ("HPC rises covered by mining", _pct(self.yield_to_hpc_ratio)),
            ("spike cost avoided", f"{self.spike_cost_avoided_usd:,.0f} USD"),
        ]
        if self.dr_compliance_frac is not None:
            rows.append(("DR compliance", _pct(self.dr_compliance_frac)))
        if self.swing_headroom is not None:
            rows.append(("AI swing headroom", swing_text(self.swing_headroom)))
        rows += [("event", e) for e in self.events]
        return html_table("Buffer report", rows, "report.kpi_table, report.to_dict()")

    @property
    def always_on(self) -> Counterfactual:
        """Deprecated name of :attr:`price_blind`."""
        warnings.warn(
            "BufferReport.always_on is renamed price_blind", DeprecationWarning, stacklevel=2
        )
        return self.price_blind

    @property
    def hpc_rise_covered_by(self) -> dict[str, float]:
        """Shares of the HPC rises at the import limit, per source (see the module doc)."""
        return dict(self.hpc_rises["at_import_limit"]["covered_by"])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form (plain floats, strings, lists and dicts)."""
        return {
            "headroom_mwh": self.headroom_mwh,
            "mining_in_headroom_mwh": self.mining_in_headroom_mwh,
            "headroom_use_frac": self.headroom_use_frac,
            "yield_to_hpc_ratio": self.yield_to_hpc_ratio,
            "hpc_rises": self.hpc_rises,
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
                "price_blind": self.price_blind.to_dict(),
            },
            "profit_by_term_usd": self.profit_by_term_usd,
            "events": list(self.events),
            "reserve_offered_mw": self.reserve_offered_mw,
            "revenue_stack_usd": self.revenue_stack_usd,
            "revenue_per_mw_mining_usd": self.revenue_per_mw_mining_usd,
            "swing_headroom": self.swing_headroom,
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
    price_blind = _counterfactual(plan, Mode.PRICE_BLIND, solve)
    blind = _blind_mw(plan, price_blind)
    site, s, dt = plan.site, plan.schedule, plan.site.dt_h
    kpis = plan.kpis
    mining = s["mining_mw"].to_numpy(dtype=float)
    hpc = s["hpc_load_mw"].to_numpy(dtype=float)

    room = np.clip(site.grid.import_limit_mw + _onsite_generation_mw(site, s) - hpc, 0.0, None)
    headroom_mwh = float(room.sum() * dt)
    used_mwh = float(np.minimum(mining, room).sum() * dt)

    buy = s["price_usd_per_mwh"].to_numpy(dtype=float) + site.grid.import_adder_usd_per_mwh
    rises = hpc_rises(site, s, buy)
    ratio = rises["at_import_limit"]["covered_by"].get("mining")
    below_mwh = spike_mwh = spike_usd = 0.0
    for f in site.fleets:
        m_f = s[f"{f.name}_mining_mw"].to_numpy(dtype=float)
        be_f = s[f"{f.name}_breakeven_usd_per_mwh"].to_numpy(dtype=float)
        below_mwh += float(m_f[buy < be_f].sum() * dt)
        above = buy > be_f
        avoided = np.clip(blind[f.name] - m_f, 0.0, None)[above] * dt
        spike_mwh += float(avoided.sum())
        spike_usd += float((avoided * buy[above]).sum())
    mining_mwh = float(mining.sum() * dt)

    profit = plan.objective_usd
    stack = revenue_stack(site, s)
    offered = s["reserve_offered_mw"] if "reserve_offered_mw" in s else pd.Series(0.0)
    return BufferReport(
        headroom_mwh=headroom_mwh,
        mining_in_headroom_mwh=used_mwh,
        headroom_use_frac=used_mwh / headroom_mwh if headroom_mwh > 0 else None,
        yield_to_hpc_ratio=ratio,
        hpc_rises=rises,
        mining_below_breakeven_frac=below_mwh / mining_mwh if mining_mwh > 0 else None,
        spike_mining_avoided_mwh=spike_mwh,
        spike_cost_avoided_usd=spike_usd,
        dr_compliance_frac=kpis["dr_compliance_frac"],
        dr_events=_dr_events(plan),
        profit_usd=profit,
        no_miners=no_miners,
        price_blind=price_blind,
        value_of_flexibility_usd=(
            profit - price_blind.profit_usd if price_blind.profit_usd is not None else None
        ),
        value_of_mining_usd=(
            profit - no_miners.profit_usd if no_miners.profit_usd is not None else None
        ),
        profit_by_term_usd=_terms_side_by_side(plan, no_miners, price_blind),
        events=tuple(_events(plan, buy)),
        reserve_offered_mw=float(offered.mean()),
        revenue_stack_usd={k: float(v) for k, v in stack.items()},
        revenue_per_mw_mining_usd={k: float(v) for k, v in per_mw_of_mining(site, stack).items()},
        swing_headroom=swing_headroom(plan, solve) if swings(site) else None,
    )


def swings(site: Site) -> bool:
    """True when some hall declares a sub-interval swing."""
    return any(h.swing_frac > 0 for h in site.hpc_halls)


def swing_headroom(plan: Plan, solve: dict[str, Any]) -> dict[str, Any]:
    """The swing headroom the plan held and its cost, solving the plan without it (module
    doc).  Keys: ``needed_mw_max``/``needed_mw_mean`` (the swing), ``held_mwh``,
    ``from_mining_mw_max``/``from_mining_mwh`` and ``intervals_relying_on_mining`` (where
    the spare import alone was not enough), ``short_mwh``, ``profit_with_usd`` (the plan's
    profit less the shortfall penalty), ``shortfall_penalty_usd``, ``profit_without_usd``,
    ``cost_usd`` (``None`` when the counterfactual is unavailable) and ``counterfactual``."""
    site, s, dt = plan.site, plan.schedule, plan.site.dt_h

    def col(name: str) -> np.ndarray:
        return s[name].to_numpy(dtype=float) if name in s else np.zeros(len(s))

    swing, short = col("swing_mw"), col("swing_short_mw")
    held = np.clip(swing - short, 0.0, None)
    spare = np.clip(site.grid.import_limit_mw - col("grid_import_mw"), 0.0, None)
    free = np.zeros(len(s))
    for f in site.fleets:
        free += col(f"{f.name}_mining_mw")
        for k in site.reserve_products:
            if f.name in k.providers:
                free -= col(f"reserve_{k.name}_{f.name}_mw")
    for c in site.standby_dr:
        free -= col(f"standby_{c.name}_committed_mw") - col(f"standby_{c.name}_short_mw")
    from_mining = np.minimum(np.clip(free, 0.0, None), np.clip(held - spare, 0.0, None))
    penalty = float(plan.kpis["profit_by_term_usd"].get("swing_shortfall", 0.0))
    with_usd = plan.objective_usd - penalty
    no_swing = site.model_copy(
        update={"hpc_halls": [h.model_copy(update={"swing_frac": 0.0}) for h in site.hpc_halls]}
    )
    cf = _counterfactual(plan, Mode.OPTIMISE, solve, site=no_swing, name="no_swing_headroom")
    without = cf.profit_usd
    return {
        "needed_mw_max": float(swing.max(initial=0.0)),
        "needed_mw_mean": float(swing.mean()) if len(swing) else 0.0,
        "held_mwh": float(held.sum() * dt),
        "from_mining_mw_max": float(from_mining.max(initial=0.0)),
        "from_mining_mwh": float(from_mining.sum() * dt),
        "intervals_relying_on_mining": int((from_mining > CHANGE_TOL_MW).sum()),
        "short_mwh": float(short.sum() * dt),
        "profit_with_usd": with_usd,
        "shortfall_penalty_usd": penalty,
        "profit_without_usd": without,
        "cost_usd": None if without is None else max(without, with_usd) - with_usd,
        "counterfactual": cf.to_dict(),
    }


def swing_text(h: dict[str, Any]) -> str:
    """The swing headroom in one line (reports)."""
    cost = h["cost_usd"]
    text = (
        f"{h['needed_mw_max']:,.1f} MW at most held ({h['held_mwh']:,.1f} MWh); mining ready "
        f"to shed up to {h['from_mining_mw_max']:,.1f} MW in {h['intervals_relying_on_mining']}"
        " intervals; cost "
        + (
            f"{cost:,.0f} USD (profit without the rule {h['profit_without_usd']:,.0f})"
            if cost is not None
            else f"n/a ({h['counterfactual']['reason']})"
        )
    )
    if h["short_mwh"] > 0:
        text += f"; {h['short_mwh']:,.2f} MWh NOT held"
    return text


def _usd(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} USD"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


# --- pieces ---------------------------------------------------------------------------------


def _counterfactual(
    plan: Plan,
    mode: Mode,
    solve: dict[str, Any],
    *,
    site: Site | None = None,
    name: str | None = None,
) -> Counterfactual:
    """``plan`` re-solved in ``mode`` (or on a changed ``site``), named ``name``."""
    name = name or mode.value
    try:
        cf = solve_plan(site or plan.site, plan.inputs, state=plan.state_in, mode=mode, **solve)
    except SolverError as exc:
        return Counterfactual(name, False, None, str(exc), None, {})
    if cf.status == PlanStatus.FALLBACK:
        return Counterfactual(
            name,
            False,
            cf.status.value,
            f"no feasible {name} schedule: {cf.status_reason}",
            None,
            {},
        )
    terms = {k: v for k, v in cf.kpis["profit_by_term_usd"].items() if k != "total"}
    return Counterfactual(
        name, True, cf.status.value, cf.status_reason, cf.objective_usd, terms, cf
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
    """Available containers at full power (max power target), MW."""
    return s[f"{f.name}_containers_available"].to_numpy(dtype=float) * full_power_mw(f)


def _blind_mw(plan: Plan, price_blind: Counterfactual) -> dict[str, np.ndarray]:
    """What the price-blind counterfactual mines per fleet, MW (see the module doc)."""
    if price_blind.plan is not None:
        cf = price_blind.plan.schedule
        return {f.name: cf[f"{f.name}_mining_mw"].to_numpy(dtype=float) for f in plan.site.fleets}
    return {f.name: _full_mw(f, plan.schedule) for f in plan.site.fleets}


def hpc_rises(site: Site, s: pd.DataFrame, buy: np.ndarray) -> dict[str, dict[str, Any]]:
    """What covered the HPC load's rises, at the import limit and the rest (module doc)."""

    def col(name: str) -> np.ndarray:
        return s[name].to_numpy(dtype=float) if name in s else np.zeros(len(s))

    hpc, grid = col("hpc_load_mw"), col("grid_import_mw")
    sources = {
        "mining": -col("mining_mw"),
        "grid": grid - col("grid_export_mw"),
        "battery": col("battery_discharge_mw") - col("battery_charge_mw"),
        "gensets": sum((col(f"{g.name}_output_mw") for g in site.gensets), np.zeros(len(s))),
        "solar": col("solar_mw"),
        "shortfall": col("hpc_shortfall_mw"),
    }
    cover = {k: np.clip(np.diff(v), 0.0, None) for k, v in sources.items()}
    regime = [buy > col(f"{f.name}_breakeven_usd_per_mwh") for f in site.fleets]
    regime.append(col("dr_active") > 0)
    steady = np.all([r[1:] == r[:-1] for r in regime], axis=0)
    d_hpc = np.diff(hpc)
    rise = d_hpc > CHANGE_TOL_MW
    at_limit = grid[1:] >= site.grid.import_limit_mw - CHANGE_TOL_MW
    out: dict[str, dict[str, Any]] = {}
    for name, mask in (("at_import_limit", rise & at_limit), ("rest", rise & ~at_limit & steady)):
        total = sum(float(c[mask].sum()) for c in cover.values())
        out[name] = {
            "intervals": int(mask.sum()),
            "hpc_rise_mw": float(d_hpc[mask].sum()),
            "covered_by": (
                {k: float(c[mask].sum() / total) for k, c in cover.items()} if total > 0 else {}
            ),
        }
    return out


def _level_before(values: np.ndarray, first: int, last: int) -> float:
    """The plan's own level before an event (after it, for one at the start)."""
    if first > 0:
        return float(values[first - 1])
    return float(values[last + 1]) if last + 1 < len(values) else float(values[first])


def _dr_events(plan: Plan) -> dict[str, dict[str, Any]]:
    s, dt, terms = plan.schedule, plan.site.dt_h, plan.profit_terms
    mining = s["mining_mw"].to_numpy(dtype=float)
    out = {}
    for e in plan.site.dr_events:
        info = dict(plan.kpis["dr_events"][e.name])
        active = s[f"dr_{e.name}_active"].to_numpy() > 0
        given_up = 0.0
        for a, b in _runs(active):
            pre = _level_before(mining, a, b)
            given_up += float(np.clip(pre - mining[a : b + 1], 0.0, None).sum() * dt)
        info["mining_given_up_mwh"] = given_up
        for kind in ("credit", "penalty"):
            col = f"dr_{kind}_{e.name}"
            info[f"{kind}_usd"] = float(terms[col].sum()) if col in terms else 0.0
        out[e.name] = info
    return out


def _terms_side_by_side(
    plan: Plan, no_miners: Counterfactual, price_blind: Counterfactual
) -> dict[str, dict[str, float | None]]:
    """term -> {"plan", "no_miners", "price_blind"} profit, USD, with a "total" row last."""
    own = {k: v for k, v in plan.kpis["profit_by_term_usd"].items() if k != "total"}
    names = list(own) + [
        k for cf in (no_miners, price_blind) for k in cf.profit_by_term_usd if k not in own
    ]
    table: dict[str, dict[str, float | None]] = {}
    for name in names:
        table[name] = {
            "plan": own.get(name, 0.0),
            "no_miners": no_miners.profit_by_term_usd.get(name, 0.0)
            if no_miners.available
            else None,
            "price_blind": price_blind.profit_by_term_usd.get(name, 0.0)
            if price_blind.available
            else None,
        }
    table["total"] = {
        "plan": plan.objective_usd,
        "no_miners": no_miners.profit_usd,
        "price_blind": price_blind.profit_usd,
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
    spikes: list[tuple[pd.Timestamp, str]] = []
    if site.fleets:
        top = np.max([s[f"{f.name}_breakeven_usd_per_mwh"] for f in site.fleets], axis=0)
        # a spike inside (or next to) a DR window is measured from before both
        dr_any = s["dr_active"].to_numpy() > 0 if "dr_active" in s else np.zeros(len(s), bool)
        joint = _runs((buy > top) | dr_any)
        for a, b in _runs(buy > top):
            sl = slice(a, b + 1)
            first = next(j for j, k in joint if j <= a <= k)
            pre = _level_before(mining, first, b)
            cut = pre - mining[sl]
            if cut.max() <= CHANGE_TOL_MW:
                continue
            spikes.append(
                (
                    index[a],
                    f"{_when(index, a, b, dt)} price spike: up to {buy[sl].max():,.0f} USD/MWh "
                    f"with adder (highest breakeven {top[sl].max():,.0f}); mining cut by up to "
                    f"{cut.max():.1f} MW from the {pre:.1f} MW before, "
                    f"{np.clip(cut, 0.0, None).sum() * dt:.1f} MWh not bought",
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
            pre = _level_before(mining, a, b)
            cut = float(np.clip(pre - mining[sl], 0.0, None).mean())
            dr.append(
                (
                    index[a],
                    f"{_when(index, a, b, dt)} DR event {e.name}: import {grid.min():.1f}-"
                    f"{grid.max():.1f} MW{cap}, {ok}; mining cut by {cut:.1f} MW on average "
                    f"from the {pre:.1f} MW before",
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
