"""The one small interface every asset module implements, and the data handed to it.

An asset owns one Pyomo block.  It declares its variables, constraints and *mutable*
parameters once (``build``), writes the parameters for each plan (``update``), and tells the
site model three things: its net injection into the site bus for the balance
(``injection_mw``), its per-interval profit terms (``terms``) and its result columns
(``columns``); ``state_after`` hands its part of the state to the next rolling step,
``round_relaxation`` proposes a MIP start, ``disjunctions`` names the branches that tighten a
weak relaxation (see :class:`dispatch.solve.HighsSession`) and ``tidy`` canonicalises a
degenerate solution.
:class:`AssetDefaults` supplies the "nothing to do" versions of the optional ones, so an
asset module writes only what it has.

Time-series data only ever reach the model through objective coefficients, constraint
right-hand sides and variable bounds (never through matrix coefficients), so one built
model serves every plan of the same shape: only the mutable parameters change.
"""

from __future__ import annotations

import enum
import warnings
import weakref
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pyomo.core as pyo

from dispatch.config import Site
from dispatch.horizon import Horizon
from dispatch.solve import Branch
from dispatch.state import SiteState


class Mode(enum.StrEnum):
    """What the fleets may do: optimise, or one of the counterfactuals / the fallback.

    ``"always_on"`` (the old name of the price-blind counterfactual) is still accepted, with a
    :class:`DeprecationWarning`; ``Mode.ALWAYS_ON`` is an alias of ``Mode.PRICE_BLIND``.
    """

    OPTIMISE = "optimise"
    NO_MINERS = "no_miners"  # every fleet off: the site without mining
    # every container the site can host beside the HPC load runs at full power, whatever the
    # prices, DR events and peak charges: no flexibility (see dispatch.assets.price_blind)
    PRICE_BLIND = "price_blind"
    ALWAYS_ON = "price_blind"  # deprecated alias
    FALLBACK = "fallback"  # miners off, battery and gensets idle: HPC served from the grid

    @classmethod
    def _missing_(cls, value: object) -> Mode | None:
        if value == "always_on":
            warnings.warn(
                "mode 'always_on' is renamed 'price_blind' (every container the site can host "
                "runs, whatever the prices); the old name will be removed",
                DeprecationWarning,
                stacklevel=3,
            )
            return cls.PRICE_BLIND
        return None


@dataclass(frozen=True)
class PlanData:
    """Numbers for one plan, as numpy arrays on the horizon's intervals."""

    horizon: Horizon
    price_usd_per_mwh: np.ndarray
    hashprice_usd_per_ph_day: np.ndarray
    hall_load_mw: Mapping[str, np.ndarray]  # facility load per hall (IT x PUE)
    state: SiteState
    mode: Mode = Mode.OPTIMISE
    solar_cf: np.ndarray | None = None
    cp_probability: np.ndarray | None = None
    demand_charge_weight: float = 1.0  # the share of the monthly rate a new peak costs here
    soc_hold_index: int | None = None  # the battery is back at its target after this interval
    # clearing price per reserve product, USD per MW-h (empty without reserve products)
    reserve_price_usd_per_mw_h: Mapping[str, np.ndarray] = field(default_factory=dict)
    # gas flow per gas supply (MMBtu/h) and the gas index price (USD/MMBtu), if any
    gas_flow_mmbtu_per_h: Mapping[str, np.ndarray] = field(default_factory=dict)
    gas_price_usd_per_mmbtu: np.ndarray | None = None

    @property
    def n(self) -> int:
        return self.horizon.n

    @property
    def dt_h(self) -> float:
        return self.horizon.dt_h


@dataclass
class Context:
    """What assets share while the model is built (the grid import, for tariffs and DR)."""

    site: Site
    horizon: Horizon
    T: pyo.RangeSet
    grid_import_mw: Any = None  # the grid block's import variable, set by the grid asset
    # each fleet's mining MW as a function of t (set by the fleet assets), for the assets
    # that sell or hold what the fleets draw: reserves, standby DR, swing headroom
    mining_mw: dict[str, Any] = field(default_factory=dict)
    battery: Any = None  # the battery's block, set by the battery asset
    # MW of each fleet already sold as reserves in t (set by the reserves asset): a fleet's
    # MW sold once cannot be sold or held again
    reserve_offer_mw: dict[str, Any] = field(default_factory=dict)
    standby_held_mw: Any = None  # MW held for standby DR in t (set by the standby DR asset)
    genset_output_mw: dict[str, Any] = field(default_factory=dict)  # set by each genset


Coef = float | np.ndarray | pyo.Param


@dataclass(frozen=True)
class Term:
    """A per-interval profit term, USD: ``value[t] = sum_k coef_k[t] * var_k[t] + constant[t]``.

    ``coef`` is a number, an array over the horizon or an indexed mutable ``Param``; ``var`` an
    indexed ``Var`` over the horizon.  ``kind`` groups terms for reporting (``mining_revenue``,
    ``energy_cost``, ...); costs carry a negative sign, so the objective is the plain sum.
    """

    name: str
    kind: str
    parts: tuple[tuple[Coef, Any], ...]
    constant: Coef | None = None


@dataclass
class Values:
    """Solution values of a block's variables as arrays (integers rounded)."""

    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]


class Asset(Protocol):
    """One asset type's contribution to the site model."""

    name: str

    def shape(self, data: PlanData) -> Hashable:
        """What of the data changes this asset's model structure (most assets: nothing)."""
        ...

    def build(self, b: pyo.Block, ctx: Context, data: PlanData) -> None:
        """Declare mutable parameters, variables and constraints on block ``b``."""
        ...

    def update(self, b: pyo.Block, data: PlanData) -> list:
        """Write this plan's numbers into the block: mutable parameters, and variable bounds
        through :func:`set_bounds`; return the variables whose bounds changed."""
        ...

    def injection_mw(self, b: pyo.Block, t: int) -> Any:
        """Net power into the site bus in interval t, MW (supply positive); 0 if none."""
        ...

    def terms(self, b: pyo.Block, ctx: Context) -> list[Term]:
        """Per-interval profit terms, USD."""
        ...

    def columns(self, v: Values, data: PlanData) -> dict[str, np.ndarray]:
        """Result columns, units in their names."""
        ...

    def state_after(self, v: Values, k: int, data: PlanData, state: SiteState) -> SiteState:
        """``state`` with this asset's part replaced by its state after interval k."""
        ...

    def round_relaxation(self, b: pyo.Block, lp: Values) -> dict[str, np.ndarray]:
        """A MIP start for this asset's integer variables from LP relaxation values
        (``{}`` if it has none): see :class:`dispatch.solve.HighsSession`."""
        ...

    def disjunctions(self, b: pyo.Block, lp: Values) -> list[tuple[Branch, ...]]:
        """Disjunctions the LP relaxation ``lp`` violates, worth branching on before branch
        and bound: each a tuple of :class:`~dispatch.solve.Branch` that together hold every
        integer schedule of the block (``[]``: none)."""
        ...

    def tidy(self, v: Values, data: PlanData) -> Values:
        """The solution with a degenerate part put in its canonical form (same objective)."""
        ...


class AssetDefaults:
    """What most assets do for the optional parts of :class:`Asset`: nothing."""

    def shape(self, data: PlanData) -> Hashable:
        return None

    def update(self, b: pyo.Block, data: PlanData) -> list:
        return []

    def injection_mw(self, b: pyo.Block, t: int) -> Any:
        return 0.0

    def terms(self, b: pyo.Block, ctx: Context) -> list[Term]:
        return []

    def state_after(self, v: Values, k: int, data: PlanData, state: SiteState) -> SiteState:
        return state

    def round_relaxation(self, b: pyo.Block, lp: Values) -> dict[str, np.ndarray]:
        return {}

    def disjunctions(self, b: pyo.Block, lp: Values) -> list[tuple[Branch, ...]]:
        return []

    def tidy(self, v: Values, data: PlanData) -> Values:
        return v


def set_param(param: pyo.Param, values: np.ndarray | float) -> None:
    """Write an array (or one number) into an indexed mutable Param, in index order.

    The values are plain finite floats computed here, so Pyomo's per-item validation is
    skipped (``store_values(check=False)``): it was a tenth of a warm plan's time.
    """
    keys = list(param.index_set())
    arr = np.broadcast_to(np.asarray(values, dtype=float), (len(keys),)).copy()
    param.store_values(dict(zip(keys, arr.tolist(), strict=True)), check=False)
    _LAST_VALUES[param] = arr


def set_bounds(
    var: pyo.Var, lower: np.ndarray | float | None, upper: np.ndarray | float | None
) -> list:
    """Set an indexed variable's bounds (arrays over 0..n-1 or numbers; None = unbounded).

    Returns the variable data whose bounds changed, for the solver to update; bounds are
    plain numbers (not parameters), so only what changed is sent to HiGHS.
    """
    n = len(var)
    lo = np.broadcast_to(np.nan if lower is None else np.asarray(lower, dtype=float), (n,))
    hi = np.broadcast_to(np.nan if upper is None else np.asarray(upper, dtype=float), (n,))
    last = _LAST_BOUNDS.get(var)
    if (
        last is not None
        and np.array_equal(last[0], lo, equal_nan=True)
        and np.array_equal(last[1], hi, equal_nan=True)
    ):
        return []  # the same bounds as last time: nothing to compare element by element
    _LAST_BOUNDS[var] = (lo.copy(), hi.copy())
    changed = []
    for item, lb, ub in zip(var.values(), lo.tolist(), hi.tolist(), strict=True):
        lb_val = None if lb != lb else lb  # NaN -> None
        ub_val = None if ub != ub else ub
        if item.lb != lb_val or item.ub != ub_val:
            item.setlb(lb_val)
            item.setub(ub_val)
            changed.append(item)
    return changed


#: The bounds last written by :func:`set_bounds`, per indexed variable.
_LAST_BOUNDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


#: The values last written by :func:`set_param`, per indexed parameter.
_LAST_VALUES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def param_values(param: pyo.Param) -> np.ndarray:
    """An indexed Param's current values as an array."""
    written = _LAST_VALUES.get(param)
    if written is not None:
        return written
    return np.fromiter((getattr(p, "value", p) for p in param.values()), dtype=float)


def mutable(b: pyo.Block, name: str, T: Any, initial: float = 0.0) -> pyo.Param:
    """Declare an indexed mutable parameter ``b.<name>`` over ``T``."""
    p = pyo.Param(T, mutable=True, initialize=initial, within=pyo.Reals)
    b.add_component(name, p)
    return p
