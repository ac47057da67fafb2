"""A fleet of mining containers: an aggregate integer count, clustered-unit-commitment style.

Symbols (block ``fleet_<name>``), per container: ``P`` = miners' nameplate MW, ``aux`` =
auxiliary MW, ``H`` = nameplate TH/s; ``N`` containers; ``UT``/``DT`` min up/down in intervals::

    on[t]       integer in [lb[t], ub[t]]            containers running (bounds set per plan:
                                                     [0, available[t]] when optimising,
                                                     lb = ub = the price-blind schedule in
                                                     that counterfactual, 0 with no miners)
    up[t], down[t] in [0, ramp + forced]             containers started / stopped in t
                                                     (bounds set per plan, see below)

    starts[t]:   up[t] - down[t] = on[t] - on[t-1]                (on[-1] = on_initial)
    min_up[t]:   on[t]     >= sum(up[t-UT+1 .. t])   + history of starts before the horizon
                              - forced_relief[t]
    min_down[t]: N_s - on[t] >= sum(down[t-DT+1 .. t]) + history of stops before the horizon
                 (N_s = N - containers_unavailable: the containers in service)

``ceiling[t]`` is the most containers the fleet may run: ``available[t]`` (less the
containers out by outage), or in the price-blind counterfactual the containers the site can
host (:mod:`dispatch.assets.price_blind`); ``ceiling[-1]`` = the containers on at the start.
A fall of the ceiling forces stops, whatever the ramp limit or min up time::

    drop[t]          = max(0, ceiling[t-1] - ceiling[t])
    forced_relief[t] = sum(drop[t-UT+1 .. t])        (only containers the ceiling forced off
                                                     within the min-up window may stop early)
    down[t] <= ramp + drop[t]
    up[t]   <= ramp                                  (the price-blind schedule respects it)

Without a power target the miners run at nameplate: mining MW = (P + aux) * on[t] and
hashrate = H * on[t].  With a power target ``[min_frac, max_frac]`` and a concave curve::

    asic_mw[t]  in [lb[t], max_frac * P * N]       (lb = max_frac * P * on[t] if price-blind)
    power_min[t]:  asic_mw[t] >= min_frac * P * on[t]
    power_max[t]:  asic_mw[t] <= max_frac * P * on[t]
    curve[k, t]:   hashrate_ph_s[t] <= a_k * asic_mw[t] + b_k * on[t]    for each segment k
    mining MW = asic_mw[t] + aux * on[t]

with ``a_k = H (h1 - h0) / (P (p1 - p0))`` PH/s per MW and ``b_k = H h0 - a_k P p0`` PH/s
per container for the segment from ``(p0, h0)`` to ``(p1, h1)`` of the curve.  The model's
hashrate is in PH/s (not TH/s) to keep the matrix well scaled; the columns report TH/s.

Profit terms::

    mining_revenue[t] = hashprice[t] * (1 - pool_fee) * dt / 24 * hashrate_ph_s[t]
    startup_cost[t]   = -startup_cost_usd_per_container * up[t]
    heat_revenue[t]   = heat_price_usd_per_mwh_th * heat_recovery_frac * mining MW[t] * dt
                        (recovered heat sold; only when both are > 0)

Breakeven (reported) = hashprice * (1 - pool_fee) * 1000 / (J_per_TH * 24) USD/MWh, with
J/TH at nameplate including auxiliaries: mining pays while price + import adder is below it.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass

import numpy as np
import pyomo.core as pyo

from dispatch.assets.base import (
    AssetDefaults,
    Context,
    Mode,
    PlanData,
    Term,
    Values,
    mutable,
    set_bounds,
    set_param,
)
from dispatch.assets.price_blind import available_containers, price_blind_schedule
from dispatch.config import MinerFleet, Site
from dispatch.state import FleetState, SiteState


@dataclass(frozen=True)
class FleetAsset(AssetDefaults):
    spec: MinerFleet
    site: Site

    @property
    def name(self) -> str:
        return f"fleet_{self.spec.name}"

    @property
    def up_intervals(self) -> int:
        return self.site.intervals(self.spec.min_up_minutes)

    @property
    def down_intervals(self) -> int:
        return self.site.intervals(self.spec.min_down_minutes)

    # -- model -------------------------------------------------------------------------------
    def build(self, b: pyo.Block, ctx: Context, data: PlanData) -> None:
        f, T = self.spec, ctx.T
        n_cont = f.containers
        ramp = f.ramp_limit_containers_per_interval or n_cont
        b.on_initial = pyo.Param(mutable=True, initialize=0, within=pyo.Reals)
        mutable(b, "revenue_coef", T)
        b.on = pyo.Var(T, within=pyo.NonNegativeIntegers, bounds=(0, 0))
        b.up = pyo.Var(T, bounds=(0, ramp))
        b.down = pyo.Var(T, bounds=(0, ramp))
        b.starts = pyo.Constraint(
            T,
            rule=lambda b, t: (
                b.up[t] - b.down[t] - b.on[t] + (b.on[t - 1] if t > 0 else 0)
                == (-b.on_initial if t == 0 else 0)
            ),
        )
        ut, dt_ = self.up_intervals, self.down_intervals
        n = data.n
        if ut > 1:
            b.UH = pyo.RangeSet(0, min(ut - 1, n) - 1)
            mutable(b, "history_up", b.UH)
            mutable(b, "forced_relief", T)  # containers the ceiling forced off lately
            b.min_up = pyo.Constraint(
                T,
                rule=lambda b, t: (
                    b.on[t] - sum(b.up[k] for k in range(max(0, t - ut + 1), t + 1))
                    >= (b.history_up[t] if t < ut - 1 else 0) - b.forced_relief[t]
                ),
            )
        if dt_ > 1:
            # containers out for the whole horizon are never "recently stopped" ones
            in_service = n_cont - f.containers_unavailable
            b.DH = pyo.RangeSet(0, min(dt_ - 1, n) - 1)
            mutable(b, "history_down", b.DH)
            b.min_down = pyo.Constraint(
                T,
                rule=lambda b, t: (
                    b.on[t] + sum(b.down[k] for k in range(max(0, t - dt_ + 1), t + 1))
                    <= in_service - (b.history_down[t] if t < dt_ - 1 else 0)
                ),
            )
        pt = f.power_target
        if pt is not None:
            p_mw = f.asic_power_mw
            b.asic_mw = pyo.Var(T, bounds=(0, pt.max_frac * p_mw * n_cont))
            b.hashrate_ph_s = pyo.Var(T, bounds=(0, None))
            b.power_min = pyo.Constraint(
                T, rule=lambda b, t: b.asic_mw[t] >= pt.min_frac * p_mw * b.on[t]
            )
            b.power_max = pyo.Constraint(
                T, rule=lambda b, t: b.asic_mw[t] <= pt.max_frac * p_mw * b.on[t]
            )
            segs = self.curve_segments()
            b.K = pyo.RangeSet(0, len(segs) - 1)
            b.curve = pyo.Constraint(
                b.K,
                T,
                rule=lambda b, k, t: (
                    b.hashrate_ph_s[t] <= segs[k][0] * b.asic_mw[t] + segs[k][1] * b.on[t]
                ),
            )
        ctx.mining_mw[f.name] = lambda t: -self.injection_mw(b, t)

    def curve_segments(self) -> list[tuple[float, float]]:
        """(a_k PH/s per MW, b_k PH/s per container) of each segment of the hashrate curve."""
        f = self.spec
        assert f.power_target is not None
        p_mw, h_ph = f.asic_power_mw, f.container_hashrate_th_s / 1000
        pts = f.power_target.curve_points
        segs = []
        for (p0, h0), (p1, h1) in itertools.pairwise(pts):
            a = h_ph * (h1 - h0) / (p_mw * (p1 - p0))
            segs.append((a, h_ph * h0 - a * p_mw * p0))
        return segs

    def available(self, data: PlanData) -> np.ndarray:
        """Containers available in each interval: all, less the unavailable and the outages."""
        return available_containers(self.spec, self.site, data)

    def bounds_on(self, data: PlanData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(lower, upper, ceiling) of ``on[t]`` in this plan's mode (see the docstring)."""
        avail = self.available(data)
        if data.mode in (Mode.NO_MINERS, Mode.FALLBACK):
            zero = np.zeros(data.n)
            return zero, zero, zero
        if data.mode == Mode.PRICE_BLIND:
            on, ceiling = price_blind_schedule(self.site, data)
            return on[self.spec.name], on[self.spec.name], ceiling[self.spec.name]
        return np.zeros(data.n), avail, avail

    def start_state(self, data: PlanData) -> FleetState:
        """The fleet's state at the start of the plan, as the model sees it.

        With no miners (counterfactual or fallback) nothing is running whose ramp limit or
        min up time could bind; a state claiming more containers running than are in service
        (containers - containers_unavailable) has the extra ones already off.
        """
        f = self.spec
        if data.mode in (Mode.NO_MINERS, Mode.FALLBACK):
            return FleetState(on=0)
        fs = data.state.fleet(f.name, f.containers_initially_on)
        in_service = f.containers - f.containers_unavailable
        return dataclasses.replace(fs, on=in_service) if fs.on > in_service else fs

    def breakeven_usd_per_mwh(self, hashprice: np.ndarray) -> np.ndarray:
        f = self.spec
        return hashprice * (1 - f.pool_fee_frac) * 1000 / (f.j_per_th * 24)

    def update(self, b: pyo.Block, data: PlanData) -> list:
        f = self.spec
        on_lb, on_ub, ceiling = self.bounds_on(data)
        changed = set_bounds(b.on, on_lb, on_ub)
        fs = self.start_state(data)
        b.on_initial.set_value(float(fs.on))
        ramp = float(f.ramp_limit_containers_per_interval or f.containers)
        drop = np.clip(-np.diff(ceiling, prepend=float(fs.on)), 0, None)
        changed += set_bounds(b.up, 0.0, ramp)
        changed += set_bounds(b.down, 0.0, ramp + drop)
        coef = data.hashprice_usd_per_ph_day * (1 - f.pool_fee_frac) * data.dt_h / 24
        if f.power_target is None:
            coef = coef * f.container_hashrate_th_s / 1000
        set_param(b.revenue_coef, coef)
        if hasattr(b, "history_up"):
            set_param(b.history_up, _history(fs.recent_starts, self.up_intervals, len(b.UH)))
            set_param(b.forced_relief, window_sums(drop, self.up_intervals))
        if hasattr(b, "history_down"):
            set_param(b.history_down, _history(fs.recent_stops, self.down_intervals, len(b.DH)))
        if f.power_target is not None:
            full = f.power_target.max_frac * f.asic_power_mw
            lower = full * on_lb if data.mode == Mode.PRICE_BLIND else 0.0
            changed += set_bounds(b.asic_mw, lower, full * f.containers)
        return changed

    def injection_mw(self, b: pyo.Block, t: int):  # type: ignore[no-untyped-def]
        f = self.spec
        aux_mw = f.container_aux_kw / 1e3
        if f.power_target is None:
            return -f.container_power_mw * b.on[t]
        return -b.asic_mw[t] - aux_mw * b.on[t]

    def terms(self, b: pyo.Block, ctx: Context) -> list[Term]:
        f = self.spec
        revenue_var = b.on if f.power_target is None else b.hashrate_ph_s
        terms = [
            Term(f"mining_revenue_{f.name}", "mining_revenue", ((b.revenue_coef, revenue_var),))
        ]
        heat = f.heat_recovery_frac * f.heat_price_usd_per_mwh_th * self.site.dt_h
        if heat > 0:
            aux_mw = f.container_aux_kw / 1e3
            parts = (
                ((heat * f.container_power_mw, b.on),)
                if f.power_target is None
                else ((heat, b.asic_mw), (heat * aux_mw, b.on))
            )
            terms.append(Term(f"heat_revenue_{f.name}", "heat_revenue", parts))
        if f.startup_cost_usd_per_container > 0:
            terms.append(
                Term(
                    f"startup_cost_{f.name}",
                    "startup_cost",
                    ((-f.startup_cost_usd_per_container, b.up),),
                )
            )
        return terms

    # -- results -----------------------------------------------------------------------------
    def columns(self, v: Values, data: PlanData) -> dict[str, np.ndarray]:
        f = self.spec
        on = v["on"]
        aux_mw = f.container_aux_kw / 1e3
        if f.power_target is None:
            asic = f.asic_power_mw * on
            hashrate = f.container_hashrate_th_s * on
        else:
            asic, hashrate = v["asic_mw"], v["hashrate_ph_s"] * 1000
        change = np.diff(on, prepend=self.start_state(data).on)
        cols = {
            f"{f.name}_containers_on": on,
            f"{f.name}_containers_available": self.available(data),
            f"{f.name}_starts": np.clip(change, 0, None),
            f"{f.name}_stops": np.clip(-change, 0, None),
            f"{f.name}_mining_mw": asic + aux_mw * on,
            f"{f.name}_hashrate_th_s": hashrate,
            f"{f.name}_breakeven_usd_per_mwh": self.breakeven_usd_per_mwh(
                data.hashprice_usd_per_ph_day
            ),
        }
        if f.power_target is not None:
            with np.errstate(invalid="ignore", divide="ignore"):
                frac = np.where(on > 0, asic / (f.asic_power_mw * np.maximum(on, 1)), 0.0)
            cols[f"{f.name}_power_frac"] = frac
        return cols

    def state_after(self, v: Values, k: int, data: PlanData, state: SiteState) -> SiteState:
        f = self.spec
        fs = self.start_state(data)
        on = v["on"][: k + 1]
        change = np.diff(on, prepend=fs.on)
        starts = [*fs.recent_starts, *np.clip(change, 0, None).astype(int).tolist()]
        stops = [*fs.recent_stops, *np.clip(-change, 0, None).astype(int).tolist()]
        keep_up, keep_down = max(self.up_intervals - 1, 0), max(self.down_intervals - 1, 0)
        new = FleetState(
            on=int(on[-1]),
            # the last keep_* entries, or all when there are fewer (a short step)
            recent_starts=tuple(starts[-keep_up:]) if keep_up else (),
            recent_stops=tuple(stops[-keep_down:]) if keep_down else (),
        )
        return state.replace(fleets={**state.fleets, f.name: new})

    def tidy(self, v: Values, data: PlanData) -> Values:
        """Starts and stops as the moves of ``on`` (``up = max(0, on[t] - on[t-1])``): a
        schedule HiGHS returns short of optimal (a time limit, the MIP gap) may start and stop
        the same container in one interval and pay a start it never made; the canonical form
        keeps every constraint (fewer starts and stops) and never costs more."""
        change = np.diff(v["on"], prepend=float(self.start_state(data).on))
        arrays = dict(v.arrays)
        arrays["up"], arrays["down"] = np.clip(change, 0, None), np.clip(-change, 0, None)
        return Values(arrays)

    def round_relaxation(self, b: pyo.Block, lp: Values) -> dict[str, np.ndarray]:
        return {"on": np.round(lp["on"])}


def window_sums(values: np.ndarray, window: int) -> np.ndarray:
    """``out[t] = sum(values[t-window+1 .. t])`` (the part before 0 counts as 0)."""
    csum = np.cumsum(np.r_[0.0, values])
    t = np.arange(len(values))
    return csum[t + 1] - csum[np.clip(t + 1 - window, 0, None)]


def _history(recent: tuple[int, ...], window: int, n_rows: int) -> np.ndarray:
    """Starts (or stops) before the horizon that still count in row t's window.

    Row t's window is intervals ``t-window+1 .. t``; the part before 0 is ``recent[-1]``
    (the last interval before the horizon), ``recent[-2]``, ... up to ``window-1-t`` of them.
    """
    out = np.zeros(n_rows)
    for t in range(n_rows):
        back = window - 1 - t
        if back > 0 and recent:
            out[t] = float(sum(recent[-back:]))
    return out
