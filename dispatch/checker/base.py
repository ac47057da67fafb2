"""What every rule module shares: the schedule's columns, the tolerances and the findings.

A rule module (one per asset module in :mod:`dispatch.assets`) exports one :class:`RuleSet`:
the columns its asset adds to the schedule (``columns``), the check of its own rules
(``check``), and its terms of the power balance (``supply_mw``, ``demand_mw``).  The check
reads the schedule only through :class:`Context`, which holds the columns as float arrays
and records what it finds (``flag``, ``equal``, ``at_most``, ``at_least``, ``whole``) and the
profit each term should have (``profit``).

Tolerances.  A power relation holds within ``tol_mw * max(1, |largest quantity in it|)``
(``Context.tol``: 1e-4 MW on a 100 MW balance at the default ``tol_mw = 1e-6``), an energy
one the same in MWh, counts within ``INTEGER_TOL`` of a whole number, fractions and flags
within ``max(1e-6, tol_mw)`` (``frac_tol``); a profit term within
``sum_k |coef_k| * tol_mw * max(1, |quantity_k|)`` (``money_tol``) plus
``max(MONEY_RTOL, tol_mw)`` relative (``money_rtol``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from dispatch.config import Site
from dispatch.horizon import local_timestamp
from dispatch.inputs import Inputs
from dispatch.state import SiteState

INTEGER_TOL = 1e-6
MONEY_RTOL = 1e-6
MODES = ("optimise", "no_miners", "price_blind", "fallback")
#: Old mode names still accepted.
MODE_ALIASES = {"always_on": "price_blind"}

Severity = Literal["violation", "info"]


@dataclass(frozen=True)
class Violation:
    """One broken rule: where (``interval``, None for the whole horizon), which ``rule``, by
    how much (``amount``, in the rule's unit: MW, MWh, containers, MMBtu or USD), and a
    one-line ``detail`` naming the asset, the time and the numbers."""

    interval: pd.Timestamp | None
    rule: str
    amount: float
    detail: str
    severity: Severity = "violation"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form."""
        return {
            "interval": None if self.interval is None else self.interval.isoformat(),
            "rule": self.rule,
            "amount": float(self.amount),
            "detail": self.detail,
            "severity": self.severity,
        }

    def __str__(self) -> str:
        return f"[{self.rule}] {self.detail}"


class Context:
    """The schedule being checked, its columns as float arrays, and the findings so far."""

    def __init__(
        self,
        site: Site,
        inputs: Inputs,
        schedule: pd.DataFrame,
        state: SiteState,
        tol_mw: float,
        mode: str,
    ) -> None:
        self.site, self.inputs, self.s, self.state = site, inputs, schedule, state
        self.tol_mw, self.mode, self.dt = tol_mw, mode, site.dt_h
        # dimensionless columns (fractions, flags) and money, relative: looser with tol_mw
        self.frac_tol = max(1e-6, tol_mw)
        self.money_rtol = max(MONEY_RTOL, tol_mw)
        self.found: list[Violation] = []
        self.index: pd.DatetimeIndex = pd.DatetimeIndex([])
        self.n = len(schedule)
        self.cols: dict[str, np.ndarray] = {}
        self.expected_profit: dict[str, np.ndarray] = {}
        self.profit_tol: dict[str, np.ndarray] = {}
        self.demand_charge_weight = 1.0  # the share of the rate a new peak was weighed at

    def c(self, name: str) -> np.ndarray:
        return self.cols[name]

    def when(self, t: int) -> str:
        return self.index[t].strftime("%Y-%m-%d %H:%M %Z")

    def local(self, value: Any) -> pd.Timestamp:
        """A config timestamp in the site timezone (naive = local), as the planner reads it."""
        return local_timestamp(value, self.site.timezone)

    def tol(self, *arrays: np.ndarray | float) -> np.ndarray:
        """``tol_mw * max(1, |largest|)`` per interval."""
        scale = np.ones(self.n)
        for arr in arrays:
            scale = np.maximum(scale, np.abs(np.broadcast_to(np.asarray(arr, dtype=float), self.n)))
        return self.tol_mw * scale

    def flag(
        self,
        rule: str,
        amount: np.ndarray,
        mask: np.ndarray,
        detail: Callable[[int], str],
        severity: Severity = "violation",
    ) -> None:
        """One violation per interval where ``mask`` holds (NaN-safe: NaN never flags)."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        amount = np.broadcast_to(np.asarray(amount, dtype=float), self.n)
        for t in np.flatnonzero(mask):
            self.found.append(
                Violation(self.index[t], rule, float(abs(amount[t])), detail(int(t)), severity)
            )

    def equal(
        self, rule: str, what: str, reported: np.ndarray, expected: np.ndarray, tol: np.ndarray
    ) -> None:
        """``reported == expected`` within ``tol`` in every interval."""
        diff = reported - expected
        self.flag(
            rule,
            diff,
            np.abs(diff) > tol,
            lambda t: (
                f"{what} is {reported[t]:.6g} at {self.when(t)} but should be {expected[t]:.6g}"
            ),
        )

    def at_most(
        self, rule: str, what: str, value: np.ndarray, limit: np.ndarray, tol: np.ndarray, why: str
    ) -> None:
        """``value <= limit`` within ``tol``; ``why`` names the limit."""
        over = value - limit
        self.flag(
            rule,
            over,
            over > tol,
            lambda t: f"{what} is {value[t]:.6g} at {self.when(t)} but {why} is {limit[t]:.6g}",
        )

    def at_least(
        self, rule: str, what: str, value: np.ndarray, limit: np.ndarray, tol: np.ndarray, why: str
    ) -> None:
        under = limit - value
        self.flag(
            rule,
            under,
            under > tol,
            lambda t: f"{what} is {value[t]:.6g} at {self.when(t)}, below {why} {limit[t]:.6g}",
        )

    def whole(self, rule: str, what: str, value: np.ndarray) -> None:
        off = value - np.round(value)
        self.flag(
            rule,
            off,
            np.abs(off) > INTEGER_TOL,
            lambda t: f"{what} is {value[t]:.6g} at {self.when(t)}, not a whole number",
        )

    def profit(self, kind: str, value: np.ndarray, tol: np.ndarray) -> None:
        """Add to the expected ``profit_<kind>_usd`` and its tolerance."""
        self.expected_profit[kind] = self.expected_profit.get(kind, np.zeros(self.n)) + value
        self.profit_tol[kind] = self.profit_tol.get(kind, np.zeros(self.n)) + tol

    def money_tol(self, coef: np.ndarray | float, quantity: np.ndarray) -> np.ndarray:
        return np.abs(np.asarray(coef, dtype=float)) * self.tol(quantity)


def _no_columns(site: Site) -> list[str]:
    return []


def _no_terms(ctx: Context) -> list[np.ndarray]:
    return []


@dataclass(frozen=True)
class RuleSet:
    """One asset's rules, as the driver runs them.

    ``columns(site)``
        the schedule columns the asset adds (checked present and finite first);
    ``check(ctx)``
        its rules and profit terms, recorded on ``ctx``;
    ``supply_mw(ctx)``, ``demand_mw(ctx)``
        its terms of the power balance (MW into, and out of, the site bus);
    ``nan_allowed(site)``
        its columns that may be empty (NaN) by design.
    """

    check: Callable[[Context], None]
    columns: Callable[[Site], list[str]] = _no_columns
    supply_mw: Callable[[Context], list[np.ndarray]] = _no_terms
    demand_mw: Callable[[Context], list[np.ndarray]] = _no_terms
    nan_allowed: Callable[[Site], list[str]] = field(default=_no_columns)
