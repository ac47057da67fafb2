"""Coincident-peak (ERCOT 4CP-like) transmission charge, as an expected cost.

Symbols (block ``coincident_peak``)::

    cost_coef[t] = -charge_usd_per_mw * probability[t]       mutable
    coincident_peak[t] = cost_coef[t] * import_mw[t]

``probability[t]`` is the chance that interval t is the system peak the charge is set on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyomo.core as pyo

from dispatch.assets.base import AssetDefaults, Context, PlanData, Term, Values, mutable, set_param
from dispatch.config import CoincidentPeak


@dataclass(frozen=True)
class CoincidentPeakAsset(AssetDefaults):
    spec: CoincidentPeak
    name: str = "coincident_peak"

    def probability(self, data: PlanData) -> np.ndarray:
        return np.zeros(data.n) if data.cp_probability is None else data.cp_probability

    def build(self, b: pyo.Block, ctx: Context, data: PlanData) -> None:
        mutable(b, "cost_coef", ctx.T)

    def update(self, b: pyo.Block, data: PlanData) -> list:
        set_param(b.cost_coef, -self.spec.charge_usd_per_mw * self.probability(data))
        return []

    def terms(self, b: pyo.Block, ctx: Context) -> list[Term]:
        return [Term("coincident_peak", "coincident_peak", ((b.cost_coef, ctx.grid_import_mw),))]

    def columns(self, v: Values, data: PlanData) -> dict[str, np.ndarray]:
        return {"cp_probability": self.probability(data)}
