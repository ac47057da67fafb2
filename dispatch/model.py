"""The site model: one Pyomo block per asset, the power balance and the profit objective.

It knows no asset by name; each asset tells it its injection, its profit terms and its
columns (see :mod:`dispatch.assets.base`).  The model::

    balance[t]:  sum over assets of injection_mw(t) = 0                 for every interval t
                 (grid import - export + generation + discharge - charge + solar
                  + HPC shortfall - HPC load - mining = 0)
    maximise     profit = sum over terms and intervals of term[t]       USD

A built model is kept in a small cache keyed by its *structure* (the site, the horizon's
shape, and the few data-dependent structural choices of the assets), so planning the same
site again only rewrites mutable parameters and re-solves: see :class:`ModelCache`.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pyomo.core as pyo

from dispatch.assets import assets_for
from dispatch.assets.base import Asset, Context, PlanData, Term, Values, param_values
from dispatch.config import Site
from dispatch.solve import HighsSession, SolveOptions, SolveResult, SolveStatus

INTEGER_TOL = 1e-6


@dataclass(frozen=True)
class Solved:
    """A solve's result and, when it has a schedule, the values and per-interval terms."""

    result: SolveResult
    values: dict[str, Values] | None = None
    terms: dict[str, np.ndarray] | None = None
    agrees: bool = True  # HiGHS's objective equals the sum of the terms at the values


class SiteModel:
    """A built Pyomo model of a site over one horizon shape, reusable across plans."""

    def __init__(self, site: Site, data: PlanData) -> None:
        t0 = time.perf_counter()
        self.site = site
        self.assets: list[Asset] = assets_for(site)
        m = pyo.ConcreteModel(name=site.name)
        m.T = pyo.RangeSet(0, data.n - 1)
        ctx = Context(site=site, horizon=data.horizon, T=m.T)
        self.blocks: dict[str, pyo.Block] = {}
        for asset in self.assets:
            block = pyo.Block()
            m.add_component(asset.name, block)
            asset.build(block, ctx, data)
            self.blocks[asset.name] = block
        pairs = [(a, self.blocks[a.name]) for a in self.assets]
        m.balance = pyo.Constraint(
            m.T, rule=lambda m, t: sum(a.injection_mw(b, t) for a, b in pairs) == 0
        )
        self.terms: list[Term] = [t for a, b in pairs for t in a.terms(b, ctx)]
        m.profit = pyo.Objective(expr=_objective(self.terms, data.n), sense=pyo.maximize)
        self.model = m
        self.lock = threading.Lock()
        self._session: HighsSession | None = None
        self._changed_vars: list = []
        self._vars = {  # each block's variables, and whether they are integer
            name: [
                (var, _is_integer(var))
                for var in block.component_objects(pyo.Var, descend_into=False)
            ]
            for name, block in self.blocks.items()
        }
        self.build_time_s = time.perf_counter() - t0

    def update(self, data: PlanData) -> None:
        """Write one plan's numbers into the mutable parameters and variable bounds."""
        for asset in self.assets:
            self._changed_vars += asset.update(self.blocks[asset.name], data)

    def solve(self, options: SolveOptions, data: PlanData) -> Solved:
        """Solve with the numbers last written by :meth:`update`; values and terms if solved.

        HiGHS (seen with highspy 1.16) can value a MIP start differently in its presolved
        space than in the original one and stop on it with an objective and a bound off by the
        difference: a seeded solve whose reported objective disagrees with the profit terms
        of the schedule it returned is done again without the start, within what is left of
        the time limit.
        """
        if self._session is None:
            self._session = HighsSession(self.model)
        t0 = time.perf_counter()
        changed, self._changed_vars = self._changed_vars, []
        result = self._session.solve(
            options,
            changed_vars=changed,
            warm_start=self._round,
            disjunctions=self._disjunctions,
        )
        if result.status == SolveStatus.ERROR:  # HiGHS's copy may be stale: start afresh
            self._session = None
            return Solved(result)
        solved = self._read(result, data)
        if result.seeded and solved.values is not None and not solved.agrees:
            limit = options.time_limit_s
            if limit is not None:
                limit = max(limit - (time.perf_counter() - t0), 1e-3)
            retry = self._session.solve(
                dataclasses.replace(options, warm_start=False, time_limit_s=limit)
            )
            retry = dataclasses.replace(
                retry,
                highs_time_s=retry.highs_time_s + result.highs_time_s,
                wall_time_s=time.perf_counter() - t0,
            )
            solved = self._read(retry, data)
        return solved

    def _read(self, result: SolveResult, data: PlanData) -> Solved:
        if not result.status.has_solution:
            return Solved(result)
        raw = self.values(data, tidy=False)
        reported = result.objective_usd
        computed = float(sum(v.sum() for v in self.term_values(raw).values()))
        agrees = reported is not None and abs(reported - computed) <= 1e-6 * max(1.0, abs(computed))
        values = {a.name: a.tidy(raw[a.name], data) for a in self.assets}
        return Solved(result, values, self.term_values(values), agrees)

    def _round(self, values_of) -> list:  # type: ignore[no-untyped-def]
        """Each asset's rounding of the LP relaxation, as (integer variable, values) pairs."""
        hints = []
        for asset in self.assets:
            block = self.blocks[asset.name]
            for name, ints in asset.round_relaxation(block, _lp(block, values_of)).items():
                hints.append((block.component(name), ints))
        return hints

    def _disjunctions(self, values_of) -> list:  # type: ignore[no-untyped-def]
        """Every asset's disjunctions that the LP relaxation violates."""
        out = []
        for asset in self.assets:
            block = self.blocks[asset.name]
            out += asset.disjunctions(block, _lp(block, values_of))
        return out

    def values(self, data: PlanData, *, tidy: bool = True) -> dict[str, Values]:
        """Every block's variable values as arrays (integers rounded), tidied by the assets."""
        out: dict[str, Values] = {}
        for asset in self.assets:
            vals = Values()
            for var, integer in self._vars[asset.name]:
                arr = self._session.values_of(var)  # type: ignore[union-attr]
                if integer:
                    rounded = np.round(arr)
                    close = np.abs(arr - rounded) <= INTEGER_TOL
                    arr = np.where(close, rounded, arr) + 0.0  # no -0.0
                vals.arrays[var.local_name] = arr
            out[asset.name] = asset.tidy(vals, data) if tidy else vals
        return out

    def term_values(self, values: dict[str, Values]) -> dict[str, np.ndarray]:
        """Each profit term's value per interval (USD), from the solution values."""
        by_var: dict[int, np.ndarray] = {}
        for name, block in self.blocks.items():
            for var in block.component_objects(pyo.Var, descend_into=False):
                by_var[id(var)] = values[name][var.local_name]
        n = len(self.model.T)
        result: dict[str, np.ndarray] = {}
        for term in self.terms:
            total = np.zeros(n) if term.constant is None else _coef_array(term.constant, n).copy()
            for coef, var in term.parts:
                total = total + _coef_array(coef, n) * by_var[id(var)]
            result[term.name] = total
        return result


def _lp(block: pyo.Block, values_of) -> Values:  # type: ignore[no-untyped-def]
    """A block's LP relaxation values."""
    return Values(
        {
            var.local_name: values_of(var)
            for var in block.component_objects(pyo.Var, descend_into=False)
        }
    )


def _is_integer(var: pyo.Var) -> bool:
    first = next(iter(var.values()), None)
    return first is not None and (first.is_integer() or first.is_binary())


def _coef_array(coef: object, n: int) -> np.ndarray:
    if isinstance(coef, (int, float)):
        return np.full(n, float(coef))
    if isinstance(coef, np.ndarray):
        return coef.astype(float)
    return param_values(coef)  # type: ignore[arg-type]


def _objective(terms: list[Term], n: int):  # type: ignore[no-untyped-def]
    """sum over terms, parts and t of coef[t] * var[t], plus the constants."""
    pieces = []
    for term in terms:
        for coef, var in term.parts:
            if isinstance(coef, (int, float)):
                if coef != 0:
                    pieces.extend(coef * var[t] for t in range(n))
            elif isinstance(coef, np.ndarray):
                pieces.extend(float(coef[t]) * var[t] for t in range(n) if coef[t] != 0)
            else:
                pieces.extend(coef[t] * var[t] for t in range(n))
        if term.constant is not None:
            const = term.constant
            if isinstance(const, np.ndarray):
                pieces.append(float(const.sum()))
            elif isinstance(const, (int, float)):
                pieces.append(float(const) * n)
            else:
                pieces.extend(const[t] for t in range(n))
    return pyo.quicksum(pieces)


class ModelCache:
    """Built models by structure key, least recently used first out."""

    def __init__(self, max_models: int = 4) -> None:
        self.max_models = max_models
        self._models: OrderedDict[Hashable, SiteModel] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(site: Site, data: PlanData) -> Hashable:
        shapes = tuple(asset.shape(data) for asset in assets_for(site))
        return (site.model_dump_json(), data.horizon.shape_key(), shapes)

    def get(self, site: Site, data: PlanData) -> SiteModel:
        key = self.key(site, data)
        with self._lock:
            model = self._models.get(key)
            if model is not None:
                self._models.move_to_end(key)
                self.hits += 1
                return model
        model = SiteModel(site, data)
        with self._lock:
            self.misses += 1
            self._models[key] = model
            while len(self._models) > self.max_models:
                self._models.popitem(last=False)
        return model
