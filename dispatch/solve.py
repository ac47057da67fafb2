"""The only module that talks to HiGHS (through Pyomo's HiGHS interface).

A solve returns a :class:`SolveResult` value; it never raises because the solver stopped
without a solution.  :class:`HighsSession` keeps one persistent HiGHS instance per built
model, so a model reused across plans only sends its changed parameters to HiGHS.

Reproducibility: before every solve the session clears HiGHS's previous solution and basis,
so a reused model gives exactly the schedule a freshly built one would (backtest results
must not depend on which worker solved which step).
"""

from __future__ import annotations

import enum
import math
import threading
from dataclasses import dataclass

import pyomo.environ as pyo
from pyomo.common.errors import ApplicationError
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from dispatch.errors import SolverError

DEFAULT_MIP_REL_GAP = 1e-4

# HiGHS output capture swaps file descriptors process-wide: one solve at a time per process.
_SOLVE_LOCK = threading.Lock()


class SolveStatus(enum.StrEnum):
    """How the solver stopped."""

    OPTIMAL = "optimal"  # proven optimal (gap ~ 0)
    WITHIN_GAP = "within_gap"  # stopped at the relative MIP gap asked for
    TIME_LIMIT = "time_limit"  # stopped by the time limit with an incumbent
    NO_SOLUTION = "no_solution"  # stopped (time limit) without any feasible schedule
    INFEASIBLE = "infeasible"  # no schedule satisfies the constraints
    ERROR = "error"  # HiGHS failed

    @property
    def has_solution(self) -> bool:
        return self in (SolveStatus.OPTIMAL, SolveStatus.WITHIN_GAP, SolveStatus.TIME_LIMIT)


@dataclass(frozen=True)
class SolveOptions:
    """Solver settings; the defaults suit a day-ahead plan."""

    mip_rel_gap: float = DEFAULT_MIP_REL_GAP
    time_limit_s: float | None = None
    threads: int | None = None
    log: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.mip_rel_gap < 1:
            raise ValueError(f"mip_rel_gap must be in [0, 1), got {self.mip_rel_gap}")
        if self.time_limit_s is not None and not self.time_limit_s > 0:
            raise ValueError(f"time_limit_s must be positive, got {self.time_limit_s}")
        if self.threads is not None and self.threads < 1:
            raise ValueError(f"threads must be >= 1, got {self.threads}")


@dataclass(frozen=True)
class SolveResult:
    """What one solve produced: status, objective and bound (USD), gap and HiGHS's own time."""

    status: SolveStatus
    objective_usd: float | None = None
    bound_usd: float | None = None
    highs_time_s: float = 0.0
    wall_time_s: float = 0.0
    message: str = ""

    @property
    def gap(self) -> float | None:
        """Relative MIP gap |bound - objective| / max(1, |objective|)."""
        if self.objective_usd is None or self.bound_usd is None:
            return None
        if not (math.isfinite(self.objective_usd) and math.isfinite(self.bound_usd)):
            return None
        return abs(self.bound_usd - self.objective_usd) / max(1.0, abs(self.objective_usd))

    def to_dict(self) -> dict:
        return {
            "status": self.status.value,
            "objective_usd": self.objective_usd,
            "bound_usd": self.bound_usd,
            "gap": self.gap,
            "highs_time_s": self.highs_time_s,
            "wall_time_s": self.wall_time_s,
            "message": self.message,
        }


class HighsSession:
    """A persistent HiGHS instance bound to one Pyomo model."""

    def __init__(self, model: pyo.ConcreteModel) -> None:
        self._model = model
        try:
            self._solver = Highs()
            available = bool(self._solver.available())
        except (ImportError, ApplicationError) as exc:
            raise SolverError(f"HiGHS is not available: {exc}") from exc
        if not available:
            raise SolverError("HiGHS (highspy) is not installed or cannot be loaded")
        self._instance_set = False

    def solve(self, options: SolveOptions, changed_vars: list | None = None) -> SolveResult:
        """Solve and load the values.

        After the first solve only the changes are sent to HiGHS: every mutable parameter
        (objective coefficients, right-hand sides) and the bounds of ``changed_vars``.
        """
        kwds: dict = {
            "load_solutions": False,
            "raise_exception_on_nonoptimal_result": False,
            "rel_gap": options.mip_rel_gap,
            "tee": options.log,
            "solver_options": {"mip_abs_gap": 1e-6},
        }
        if options.time_limit_s is not None:
            kwds["time_limit"] = options.time_limit_s
        if options.threads is not None:
            kwds["threads"] = options.threads
        if self._instance_set:
            updates = self._solver.config.auto_updates
            for flag in (
                "check_for_new_or_removed_constraints",
                "check_for_new_or_removed_vars",
                "check_for_new_or_removed_params",
                "check_for_new_objective",
                "update_constraints",
                "update_vars",
                "update_named_expressions",
                "update_objective",
            ):
                setattr(updates, flag, False)
        with _SOLVE_LOCK:
            clock_before = self._highs_clock()
            try:
                if self._instance_set:
                    if changed_vars:
                        self._solver.update_variables(changed_vars)
                    self._clear_previous_solution()
                results = self._solver.solve(self._model, **kwds)
            except (ApplicationError, RuntimeError, ValueError, OSError) as exc:
                return SolveResult(SolveStatus.ERROR, message=f"HiGHS failed: {exc}")
            self._instance_set = True
            status = _status(results)
            if status.has_solution:
                results.solution_loader.load_vars()
        timing = results.timing_info
        return SolveResult(
            status=status,
            objective_usd=results.incumbent_objective,
            bound_usd=results.objective_bound,
            highs_time_s=float(getattr(timing, "highs_time", 0.0) or 0.0) - clock_before,
            wall_time_s=float(getattr(timing, "wall_time", 0.0) or 0.0),
            message=str(results.termination_condition.name),
        )

    def _highs_clock(self) -> float:
        """HiGHS's run clock (cumulative over the instance's life), seconds."""
        highs = getattr(self._solver, "_solver_model", None)
        return float(highs.getRunTime()) if highs is not None else 0.0

    def _clear_previous_solution(self) -> None:
        highs = getattr(self._solver, "_solver_model", None)
        if highs is not None and hasattr(highs, "clearSolver"):
            highs.clearSolver()


def _status(results) -> SolveStatus:  # type: ignore[no-untyped-def]
    tc = results.termination_condition
    has_solution = results.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)
    if tc == TerminationCondition.convergenceCriteriaSatisfied:
        obj, bound = results.incumbent_objective, results.objective_bound
        if obj is not None and bound is not None and abs(bound - obj) <= 1e-9 * max(1.0, abs(obj)):
            return SolveStatus.OPTIMAL
        return SolveStatus.WITHIN_GAP
    if tc in (TerminationCondition.provenInfeasible, TerminationCondition.infeasibleOrUnbounded):
        return SolveStatus.INFEASIBLE
    if tc == TerminationCondition.error:
        return SolveStatus.ERROR
    if has_solution:
        return SolveStatus.TIME_LIMIT
    return SolveStatus.NO_SOLUTION


__all__ = ["HighsSession", "SolveOptions", "SolveResult", "SolveStatus"]
