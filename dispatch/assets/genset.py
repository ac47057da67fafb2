"""Gas gensets: identical units scheduled as an integer count, with an optional daily fuel budget.

Symbols (block ``genset_<name>``); ``C`` = unit capacity MW, ``HR`` = heat rate MMBtu/MWh::

    units_on[t]  integer in [0, units]           (0 in the fallback plan)
    output_mw[t] >= 0
    unit_starts[t] >= 0

    output_max[t]: output_mw[t] <= C * units_on[t]
    output_min[t]: output_mw[t] >= min_load_frac * C * units_on[t]
    start_count[t]: unit_starts[t] >= units_on[t] - units_on[t-1]         (units_on[-1] = initial)
    fuel_budget[d]: sum over t in local day d of HR * output_mw[t] * dt <= budget - used_before[d]

    injection[t]   = output_mw[t]
    fuel_cost[t]   = -HR * fuel_price * dt * output_mw[t]
    om_cost[t]     = -variable_om * dt * output_mw[t]
    startup_cost[t] = -startup_cost_usd_per_unit * unit_starts[t]

``used_before[d]`` is the fuel already burnt on the plan's first local day (carried state),
zero for later days.

Disjunction (``disjunctions``, tried before branch and bound when the relaxation starts a
fraction ``0 < sum_t unit_starts[t] < 1`` of a unit: it then runs a fraction of a unit and
pays that fraction of one start)::

    no_start:     unit_starts[t] = 0 for every t, i.e. units_on[t] <= units_on[t-1] <= initial:
                  the units carried in may stop (and each that runs keeps its minimum load),
                  none starts; with none on at the start, the genset stays off
    some_start:   sum_t unit_starts[t] >= 1

Every integer schedule is in one of them (a schedule that starts no unit has
``units_on[t] <= units_on[t-1]`` and its cheapest ``unit_starts`` are zero; one that starts a
unit has ``unit_starts[t] >= units_on[t] - units_on[t-1] >= 1`` somewhere).
"""

from __future__ import annotations

import math
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
from dispatch.config import Genset
from dispatch.solve import Branch
from dispatch.state import SiteState

_FRACTIONAL = 1e-6  # a start count closer than this to 0 or 1 is not worth branching on


@dataclass(frozen=True)
class GensetAsset(AssetDefaults):
    spec: Genset
    dt_h: float

    @property
    def name(self) -> str:
        return f"genset_{self.spec.name}"

    def build(self, b: pyo.Block, ctx: Context, data: PlanData) -> None:
        g, T = self.spec, ctx.T
        cap = g.unit_capacity_mw
        b.units_initial = pyo.Param(mutable=True, initialize=0, within=pyo.Reals)
        b.units_on = pyo.Var(T, within=pyo.NonNegativeIntegers, bounds=(0, g.units))
        b.output_mw = pyo.Var(T, bounds=(0, cap * g.units))
        b.unit_starts = pyo.Var(T, bounds=(0, g.units))
        b.output_max = pyo.Constraint(T, rule=lambda b, t: b.output_mw[t] <= cap * b.units_on[t])
        ctx.genset_output_mw[g.name] = b.output_mw
        if g.min_load_frac > 0:
            b.output_min = pyo.Constraint(
                T, rule=lambda b, t: b.output_mw[t] >= g.min_load_frac * cap * b.units_on[t]
            )
        b.start_count = pyo.Constraint(
            T,
            rule=lambda b, t: (
                b.unit_starts[t] - b.units_on[t] + (b.units_on[t - 1] if t > 0 else 0)
                >= (-b.units_initial if t == 0 else 0)
            ),
        )
        if g.fuel_budget_mmbtu_per_day is not None:
            day_id = data.horizon.day_id
            days = range(int(day_id[-1]) + 1)
            members = {d: np.flatnonzero(day_id == d).tolist() for d in days}
            b.D = pyo.Set(initialize=list(days), ordered=True)
            mutable(b, "fuel_left_mmbtu", b.D)
            hr_dt = g.heat_rate_mmbtu_per_mwh * self.dt_h
            b.fuel_budget = pyo.Constraint(
                b.D,
                rule=lambda b, d: (
                    sum(hr_dt * b.output_mw[t] for t in members[d]) <= b.fuel_left_mmbtu[d]
                ),
            )

    def update(self, b: pyo.Block, data: PlanData) -> list:
        g = self.spec
        changed = set_bounds(b.units_on, 0.0, 0.0 if data.mode == Mode.FALLBACK else float(g.units))
        b.units_initial.set_value(
            float(data.state.genset_units_on.get(g.name, g.units_initially_on))
        )
        if g.fuel_budget_mmbtu_per_day is not None:
            left = np.full(len(b.D), g.fuel_budget_mmbtu_per_day)
            first = data.horizon.index[0]
            left[0] = max(left[0] - data.state.fuel_used_for(g.name, first), 0.0)
            set_param(b.fuel_left_mmbtu, left)
        return changed

    def injection_mw(self, b: pyo.Block, t: int):  # type: ignore[no-untyped-def]
        return b.output_mw[t]

    def terms(self, b: pyo.Block, ctx: Context) -> list[Term]:
        g, dt = self.spec, self.dt_h
        terms = [
            Term(
                f"fuel_cost_{g.name}",
                "fuel_cost",
                ((-g.heat_rate_mmbtu_per_mwh * g.fuel_price_usd_per_mmbtu * dt, b.output_mw),),
            )
        ]
        if g.variable_om_usd_per_mwh > 0:
            terms.append(
                Term(
                    f"om_cost_{g.name}",
                    "om_cost",
                    ((-g.variable_om_usd_per_mwh * dt, b.output_mw),),
                )
            )
        if g.startup_cost_usd_per_unit > 0:
            terms.append(
                Term(
                    f"startup_cost_{g.name}",
                    "startup_cost",
                    ((-g.startup_cost_usd_per_unit, b.unit_starts),),
                )
            )
        return terms

    def columns(self, v: Values, data: PlanData) -> dict[str, np.ndarray]:
        g = self.spec
        return {
            f"{g.name}_output_mw": v["output_mw"],
            f"{g.name}_units_on": v["units_on"],
            f"{g.name}_fuel_mmbtu": g.heat_rate_mmbtu_per_mwh * v["output_mw"] * self.dt_h,
        }

    def state_after(self, v: Values, k: int, data: PlanData, state: SiteState) -> SiteState:
        g = self.spec
        day_id = data.horizon.day_id
        same_day = day_id[: k + 1] == day_id[k]
        fuel = float(
            np.sum(g.heat_rate_mmbtu_per_mwh * v["output_mw"][: k + 1][same_day] * self.dt_h)
        )
        if day_id[k] == 0:
            fuel += data.state.fuel_used_for(g.name, data.horizon.index[0])
        return state.replace(
            genset_units_on={**state.genset_units_on, g.name: int(v["units_on"][k])},
            fuel_used_today_mmbtu={**state.fuel_used_today_mmbtu, g.name: fuel},
            fuel_day=data.horizon.index[k].strftime("%Y-%m-%d"),
        )

    def tidy(self, v: Values, data: PlanData) -> Values:
        """Starts as the rises of ``units_on`` (a schedule short of optimal may count a start
        it never made): every constraint still holds and the cost never rises."""
        g = self.spec
        initial = float(data.state.genset_units_on.get(g.name, g.units_initially_on))
        arrays = dict(v.arrays)
        arrays["unit_starts"] = np.clip(np.diff(v["units_on"], prepend=initial), 0, None)
        return Values(arrays)

    def round_relaxation(self, b: pyo.Block, lp: Values) -> dict[str, np.ndarray]:
        return {"units_on": np.round(lp["units_on"])}

    def disjunctions(self, b: pyo.Block, lp: Values) -> list[tuple[Branch, ...]]:
        starts = float(np.nansum(lp["unit_starts"]))
        k = math.floor(starts)
        if (
            self.spec.startup_cost_usd_per_unit <= 0
            or min(starts - k, k + 1 - starts) < _FRACTIONAL
        ):
            return []
        name = self.spec.name
        if k == 0:
            at_most = Branch(f"{name}: no start", bounds=((b.unit_starts, 0.0, 0.0),))
        else:
            at_most = Branch(f"{name}: <= {k} starts", rows=((((b.unit_starts, 1.0),), 0.0, k),))
        at_least = Branch(
            f"{name}: >= {k + 1} starts", rows=((((b.unit_starts, 1.0),), k + 1.0, np.inf),)
        )
        return [(at_most, at_least)]
