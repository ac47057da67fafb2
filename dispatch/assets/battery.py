"""A battery: charge, discharge and state of charge.

Symbols (block ``battery``)::

    charge_mw[t], discharge_mw[t]  in [0, power_mw]        (0 in the fallback plan)
    soc_mwh[t]  in [soc_min_frac * E, soc_max_frac * E]   state of charge at the END of t

    soc_balance[t]: soc_mwh[t] = soc_mwh[t-1] + eta_c * charge_mw[t] * dt
                                 - discharge_mw[t] * dt / eta_d            (soc_mwh[-1] = soc0)
    soc_end:        soc_mwh[n-1] >= soc_end_min_mwh        (if end_soc_at_least_initial)
    soc_end_min_mwh = the state's target (the site file's initial charge, carried through a
                      backtest), or soc0 when the state has none; clipped to the SOC limits;
                      in the fallback plan (battery idle) at most soc0
    soc_mwh[k] >= soc_end_min_mwh as a bound too, where the plan is asked to hold the target
                      at the end of interval k (a backtest's last kept interval)

    inverter[t]:    charge_mw[t] + discharge_mw[t] <= power_mw     (one shared inverter)

    injection[t]    = discharge_mw[t] - charge_mw[t]
    battery_wear[t] = -wear_cost_usd_per_mwh * discharge_mw[t] * dt

The inverter limit holds in every interval and is linear: charging and discharging at once
within it only loses energy, which never pays at a positive buy price unless something else
makes surplus nobody buys (a genset at minimum load with no export), and then the inverter
bounds it.  Strict no-simultaneity costs a binary, so the binary ``charging[t]`` is free only
where the buy price is <= 0 (burning energy that costs less than nothing could pay)::

    gated[t]  = 1 if price[t] + import_adder <= 0 else 0                    mutable
    charging[t] binary in [0, gated[t]]
    charge_gate[t]:    charge_mw[t]    <= power_mw * charging[t] + power_mw * (1 - gated[t])
    discharge_gate[t]: discharge_mw[t] <= power_mw * (1 - charging[t])

In every other interval ``charging`` is fixed to 0, the gates are slack and presolve removes
them, so the model's structure does not depend on the prices.
"""

from __future__ import annotations

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
    param_values,
    set_bounds,
    set_param,
)
from dispatch.config import Battery
from dispatch.state import SiteState


@dataclass(frozen=True)
class BatteryAsset(AssetDefaults):
    spec: Battery
    import_adder_usd_per_mwh: float
    dt_h: float
    name: str = "battery"

    def gated(self, data: PlanData) -> np.ndarray:
        """1 where the buy price is <= 0 (simultaneous charge and discharge could pay)."""
        return (data.price_usd_per_mwh + self.import_adder_usd_per_mwh <= 0).astype(float)

    def soc0(self, data: PlanData) -> float:
        s = self.spec
        soc = data.state.battery_soc_mwh
        if soc is None:
            soc = s.soc_initial_frac * s.energy_mwh
        return float(np.clip(soc, s.soc_min_frac * s.energy_mwh, s.soc_max_frac * s.energy_mwh))

    def build(self, b: pyo.Block, ctx: Context, data: PlanData) -> None:
        s, T, dt = self.spec, ctx.T, self.dt_h
        b.soc_initial_mwh = pyo.Param(mutable=True, initialize=0, within=pyo.Reals)
        b.soc_end_min_mwh = pyo.Param(mutable=True, initialize=0, within=pyo.Reals)
        b.charge_mw = pyo.Var(T, bounds=(0, s.power_mw))
        b.discharge_mw = pyo.Var(T, bounds=(0, s.power_mw))
        b.soc_mwh = pyo.Var(
            T, bounds=(s.soc_min_frac * s.energy_mwh, s.soc_max_frac * s.energy_mwh)
        )
        eta_c, eta_d = s.charge_efficiency, s.discharge_efficiency
        b.soc_balance = pyo.Constraint(
            T,
            rule=lambda b, t: (
                b.soc_mwh[t]
                - (b.soc_mwh[t - 1] if t > 0 else 0)
                - eta_c * dt * b.charge_mw[t]
                + dt / eta_d * b.discharge_mw[t]
                == (b.soc_initial_mwh if t == 0 else 0)
            ),
        )
        if s.end_soc_at_least_initial:
            b.soc_end = pyo.Constraint(expr=b.soc_mwh[T.last()] >= b.soc_end_min_mwh)
        ctx.battery = b
        b.inverter = pyo.Constraint(
            T, rule=lambda b, t: b.charge_mw[t] + b.discharge_mw[t] <= s.power_mw
        )
        mutable(b, "gated", T)
        b.charging = pyo.Var(T, within=pyo.Binary, bounds=(0, 0))
        p = s.power_mw
        b.charge_gate = pyo.Constraint(
            T, rule=lambda b, t: b.charge_mw[t] <= p * b.charging[t] + p * (1 - b.gated[t])
        )
        b.discharge_gate = pyo.Constraint(
            T, rule=lambda b, t: b.discharge_mw[t] <= p * (1 - b.charging[t])
        )

    def soc_target(self, data: PlanData) -> float:
        """The charge the horizon must end with, MWh (see the module docstring)."""
        s = self.spec
        target = data.state.battery_soc_target_mwh
        if target is None:
            return self.soc0(data)
        lo, hi = s.soc_min_frac * s.energy_mwh, s.soc_max_frac * s.energy_mwh
        target = float(np.clip(target, lo, hi))
        # the fallback's battery is idle: it ends where it starts, even below the target
        return min(target, self.soc0(data)) if data.mode == Mode.FALLBACK else target

    def update(self, b: pyo.Block, data: PlanData) -> list:
        s = self.spec
        b.soc_initial_mwh.set_value(self.soc0(data))
        b.soc_end_min_mwh.set_value(self.soc_target(data))
        soc_lo = np.full(data.n, s.soc_min_frac * s.energy_mwh)
        if data.soc_hold_index is not None and s.end_soc_at_least_initial:
            soc_lo[data.soc_hold_index] = self.soc_target(data)
        changed = set_bounds(b.soc_mwh, soc_lo, s.soc_max_frac * s.energy_mwh)
        gated = self.gated(data)
        set_param(b.gated, gated)
        power = 0.0 if data.mode == Mode.FALLBACK else self.spec.power_mw
        return changed + (
            set_bounds(b.charging, 0.0, gated)
            + set_bounds(b.charge_mw, 0.0, power)
            + set_bounds(b.discharge_mw, 0.0, power)
        )

    def injection_mw(self, b: pyo.Block, t: int):  # type: ignore[no-untyped-def]
        return b.discharge_mw[t] - b.charge_mw[t]

    def terms(self, b: pyo.Block, ctx: Context) -> list[Term]:
        wear = self.spec.wear_cost_usd_per_mwh
        if wear <= 0:
            return []
        return [Term("battery_wear", "battery_wear", ((-wear * self.dt_h, b.discharge_mw),))]

    def columns(self, v: Values, data: PlanData) -> dict[str, np.ndarray]:
        return {
            "battery_charge_mw": v["charge_mw"],
            "battery_discharge_mw": v["discharge_mw"],
            "battery_soc_mwh": v["soc_mwh"],
        }

    def state_after(self, v: Values, k: int, data: PlanData, state: SiteState) -> SiteState:
        return state.replace(battery_soc_mwh=float(v["soc_mwh"][k]))

    def round_relaxation(self, b: pyo.Block, lp: Values) -> dict[str, np.ndarray]:
        # charge where the relaxation charges (and the binary is free: buy price <= 0)
        return {"charging": (lp["charge_mw"] > 1e-6) * param_values(b.gated)}
