"""The only module that talks to HiGHS.

Pyomo's HiGHS interface (``pyomo.contrib.solver``'s persistent ``Highs``) hands the Pyomo
model to HiGHS and keeps HiGHS's copy up to date (changed bounds, every mutable parameter);
the session then runs HiGHS and reads the status and the column values straight from
highspy.  (Pyomo's own ``solve`` wrapper adds ~5 ms per call of output capture and
bookkeeping, a twentieth of a day-ahead plan, and loading values through Pyomo's variables
cost more than the rest of the result handling together.)

A solve returns a :class:`SolveResult` value; it never raises because the solver stopped
without a solution.  :class:`HighsSession` keeps one persistent HiGHS instance per built
model, so a model reused across plans only sends its changed parameters to HiGHS.

Reproducibility: before every solve the session clears HiGHS's previous solution and basis,
so a reused model gives exactly the schedule a freshly built one would (backtest results
must not depend on which worker solved which step).
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
import pyomo.core as pyo
from pyomo.common import dependencies as pyomo_dependencies
from pyomo.common.errors import ApplicationError
from pyomo.contrib.solver.solvers.highs import Highs

from dispatch.errors import SolverError

DEFAULT_MIP_REL_GAP = 1e-4


def _no_pyplot_on_matplotlib_import() -> None:
    """Drop Pyomo's hook that imports ``matplotlib.pyplot`` and ``matplotlib.pylab`` (and
    with it ``numpy.f2py``, ``numpy.fft``, ``numpy.polynomial``) whenever matplotlib is
    imported after Pyomo: dispatch draws on Agg figures and never uses pyplot, and those
    imports cost ``dispatch plan`` 30-80 ms of CPU (measured at load 1-7).  Pyomo itself
    still imports matplotlib (with the hook) if one of its own plotting tools is used.
    A Pyomo without the hook's registry (a future version) is left as it is."""
    callbacks = getattr(
        getattr(pyomo_dependencies, "DeferredImportCallbackFinder", None), "_callbacks", None
    )
    if isinstance(callbacks, dict):
        callbacks.pop("matplotlib", None)


_no_pyplot_on_matplotlib_import()

# HiGHS's thread scheduler is process-wide: one solve at a time per process.
_SOLVE_LOCK = threading.Lock()
# HiGHS's thread scheduler is process-wide: sized by the first run, it refuses a different
# `threads` option afterwards unless reset (the solve then fails). 0 = HiGHS's default.
_SCHEDULER_THREADS = [0]


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
    """Solver settings; the defaults suit a day-ahead plan.

    ``time_limit_s`` is a wall-clock budget for the whole solve: handing the changes to
    HiGHS, the LP relaxation, the repaired LP and branch and bound (see
    :class:`HighsSession`); ``min_solver_s`` guarantees HiGHS some time after the hand-over
    even when the budget is spent (the planner's fallback plan uses it).

    HiGHS stops when the incumbent is within ``mip_rel_gap`` of the bound relative to the
    objective, *or* within ``mip_abs_gap_usd`` in absolute terms.  The planner sets the
    absolute gap to ``mip_rel_gap`` times the site's energy value over the horizon (import
    limit x |price| x duration): a site whose profit is close to zero would otherwise be held
    to a relative gap of a near-zero number, i.e. to cents, for no operational benefit.
    """

    mip_rel_gap: float = DEFAULT_MIP_REL_GAP
    mip_abs_gap_usd: float = 1e-6
    time_limit_s: float | None = None
    threads: int | None = None
    log: bool = False
    warm_start: bool = True  # seed HiGHS with the rounded LP relaxation (see HighsSession)
    min_solver_s: float = 0.0  # HiGHS's least time once it has the model, whatever is left

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
    seeded: bool = False  # HiGHS started from the rounded LP relaxation

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
    """A persistent HiGHS instance bound to one Pyomo model.

    Each solve: send the changes (every mutable parameter, the bounds of the changed
    variables), clear HiGHS's previous solution, then the phases below, all inside one
    wall-clock budget (``time_limit_s``): each phase gets what the earlier ones left.

    **1. Prove the rounded LP relaxation.**  Most of a site's integer decisions are settled
    by the LP relaxation; the few fractional ones (a genset idling at a fractional minimum
    load, a container filling the last MW under the import limit) are where branch and bound
    spends its time.  So the session solves the relaxation (its optimum ``B`` bounds every
    schedule), asks the model to round it (each asset knows how: nearest count, charge where
    the LP charges), fixes the integer variables at the rounded values and solves the LP
    that is left (a hot start from the relaxation's basis: a fraction of its time).  Its
    optimum ``z`` is a feasible schedule; when ``B - z`` is within the MIP gap
    (``max(mip_abs_gap, mip_rel_gap * |z|)``) it is the answer, proven without any branch
    and bound, and HiGHS's MIP solver never runs.  An integral relaxation is its own proof.
    Measured on every day of ERCOT 2023 with the sample site (``benchmarks/bench_year.py``):
    two days in three end here.

    **1b. Branch on a disjunction.**  On some days the relaxation's bound itself is farther
    than the gap from every schedule: a genset runs a third of a unit all day and pays a third
    of a start.  An asset may then name a disjunction that the relaxation violates (its
    ``disjunctions`` hook: for a genset, "no unit starts in the horizon" or "at least one
    start"); the session solves each branch's relaxation (added bounds and rows, put back
    afterwards), rounds and repairs each branch whose bound could beat the incumbent, and
    takes the best of the branches' bounds as the bound.  When the best repaired schedule is
    within the gap of it, that is the answer, again without branch and bound; otherwise it is
    the MIP start.

    **2. Branch and bound from that schedule.**  Otherwise the repaired schedule is HiGHS's
    first incumbent (a complete solution: HiGHS need not finish a partial one), and HiGHS
    runs with the RINS and RENS sub-MIP heuristics and root restarts switched off
    (:data:`SEEDED_MIP_OPTIONS`): with a near-optimal incumbent in hand they cost more than
    they find (measured on the ERCOT 2023 days that reach this phase: the median MIP time
    from 15.7 to 11.6 times the LP's, the 90th percentile from 61 to 26 times).

    Every HiGHS option a solve sets is put back to the instance's own value afterwards, so a
    reused model starts each solve as a fresh one would (a time limit or a phase's option
    never carries over to the next plan).
    """

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
        self._columns: dict[int, np.ndarray] = {}
        self._integer_cols = np.zeros(0, dtype=np.int32)
        self._defaults: dict[str, Any] = {}  # the instance's own value of each option we set
        self._x: np.ndarray | None = None  # HiGHS's column values of the last solution

    def solve(
        self,
        options: SolveOptions,
        changed_vars: list | None = None,
        warm_start: WarmStart | None = None,
        disjunctions: Disjunctions | None = None,
    ) -> SolveResult:
        """Send the changes, prove the rounded relaxation or run branch and bound from it,
        keep the solution."""
        with _SOLVE_LOCK:
            t0 = time.perf_counter()
            budget = _Budget(t0, options.time_limit_s)
            clock_before = self._highs_clock()
            highs = None
            try:
                self._push(changed_vars or [])
                budget.at_least(options.min_solver_s)
                highs = self._highs()
                highs.clearSolver()
                _use_threads(highs, options.threads)  # before the relaxation runs
                # no log lines when nobody reads them: each is a Python callback
                self._set(highs, "output_flag", options.log)
                self._set(highs, "mip_rel_gap", options.mip_rel_gap)
                self._set(highs, "mip_abs_gap", options.mip_abs_gap_usd)
                start = None
                if warm_start is not None and options.warm_start:
                    start = self._relax_and_round(highs, warm_start, options, budget, disjunctions)
                if isinstance(start, SolveResult):  # proven within the gap: no MIP
                    self._x = self._proven_x
                    return dataclasses.replace(
                        start,
                        highs_time_s=self._highs_clock() - clock_before,
                        wall_time_s=time.perf_counter() - t0,
                    )
                seeded = False
                self._set(highs, "solve_relaxation", False)
                if start is not None:
                    highs.clearSolver()
                    seeded = self._set_start(highs, start)
                    for name, value in SEEDED_MIP_OPTIONS.items():
                        self._set(highs, name, value)
                self._set(highs, "time_limit", budget.left())
                highs.run()
                model_status = highs.getModelStatus()
                info = highs.getInfo()
                has_solution = info.primal_solution_status == _FEASIBLE
                self._x = np.asarray(highs.getSolution().col_value) if has_solution else None
                message = highs.modelStatusToString(model_status)
            except (ApplicationError, RuntimeError, ValueError, OSError) as exc:
                return SolveResult(SolveStatus.ERROR, message=f"HiGHS failed: {exc}")
            finally:
                if highs is not None:
                    self._reset_options(highs)
            highs_s = self._highs_clock() - clock_before
        objective = float(info.objective_function_value) if has_solution else None
        if info.mip_node_count >= 0:
            bound = float(info.mip_dual_bound)
        else:  # no integer variable: an LP, whose bound is its optimum
            bound = objective if model_status == highspy.HighsModelStatus.kOptimal else None
        return SolveResult(
            status=_status(model_status, has_solution, objective, bound),
            objective_usd=objective,
            bound_usd=bound,
            highs_time_s=highs_s,
            wall_time_s=time.perf_counter() - t0,
            message=message,
            seeded=seeded,
        )

    def _relax_and_round(
        self,
        highs,  # type: ignore[no-untyped-def]
        warm_start: WarmStart,
        options: SolveOptions,
        budget: _Budget,
        disjunctions: Disjunctions | None = None,
    ):  # type: ignore[no-untyped-def]
        """Phases 1 and 1b (see the class docstring): a :class:`SolveResult` when a rounded
        relaxation is proven within the gap (its values in ``self._proven_x``); otherwise a
        MIP start, ``(columns, values)``, a complete solution or ``None``."""
        relaxed = self._relaxation(highs, budget)
        if not isinstance(relaxed, tuple):
            return None  # out of time (or infeasible: the MIP solver will say so)
        lp, bound = relaxed
        if _integral(lp, self._integer_cols):  # the relaxation is its own proof
            return self._proven(lp, bound, bound, "the LP relaxation is integral")

        def gap_usd(objective: float) -> float:
            return max(options.mip_abs_gap_usd, options.mip_rel_gap * abs(objective))

        repaired = self._repair(highs, lp, warm_start, budget)
        best = repaired if isinstance(repaired, _Incumbent) else None
        if best is not None and bound - best.objective <= gap_usd(best.objective):
            return self._proven(best.x, best.objective, bound, "rounded relaxation within the gap")
        for disjunction in (
            disjunctions(lambda var: _at(lp, self._cols(var))) if disjunctions else []
        ):
            if budget.left() <= _MIN_PHASE_S:
                break
            # each disjunction's branches cover every schedule: the best of their bounds is one
            branch_bound, best = self._branch(highs, disjunction, warm_start, budget, best, gap_usd)
            bound = min(bound, branch_bound)
            if best is not None and bound - best.objective <= gap_usd(best.objective):
                names = " / ".join(branch.name for branch in disjunction)
                why = f"rounded relaxations of {names} within the gap"
                return self._proven(best.x, best.objective, bound, why)
        return best.x if best is not None else repaired

    def _relaxation(self, highs, budget: _Budget):  # type: ignore[no-untyped-def]
        """The LP relaxation's values and optimum, ``"infeasible"``, or ``None`` (out of time
        or failed)."""
        self._set(highs, "solve_relaxation", True)
        self._set(highs, "time_limit", budget.left_for_lp(highs))
        highs.run()
        status = highs.getModelStatus()
        if status == _MS.kInfeasible:
            return "infeasible"
        if status != _MS.kOptimal:
            return None
        lp = np.asarray(highs.getSolution().col_value)
        return lp, float(highs.getInfo().objective_function_value)

    def _repair(self, highs, lp: np.ndarray, warm_start: WarmStart, budget: _Budget):  # type: ignore[no-untyped-def]
        """Round LP values through the assets, fix the integers there and solve the LP that
        is left: an :class:`_Incumbent`, or the rounded ``(columns, values)`` when that LP
        could not be solved, or ``None`` when the assets propose nothing."""
        hints = warm_start(lambda var: _at(lp, self._cols(var)))
        if not hints:
            return None
        index = np.concatenate([self._cols(var) for var, _ in hints]).astype(np.int32)
        values = np.concatenate([np.asarray(v, dtype=float) for _, v in hints])
        known = index >= 0
        order = np.argsort(index[known], kind="stable")  # HiGHS wants the columns in order
        index, values = index[known][order], values[known][order]
        if not len(index):
            return None
        status, _, _, lower, upper, _ = highs.getCols(len(index), index)
        if status != highspy.HighsStatus.kOk:
            return index, values
        values = np.clip(values, lower, upper)
        if budget.left() <= _MIN_PHASE_S:
            return index, values
        highs.changeColsBounds(len(index), index, values, values)
        try:
            self._set(highs, "solve_relaxation", True)
            self._set(highs, "time_limit", budget.left_for_lp(highs))
            highs.run()
            ok = highs.getModelStatus() == _MS.kOptimal
            fixed = np.asarray(highs.getSolution().col_value) if ok else None
            objective = float(highs.getInfo().objective_function_value) if ok else None
        finally:
            highs.changeColsBounds(len(index), index, lower, upper)
            self._set(highs, "solve_relaxation", False)
        if fixed is None or objective is None or not _integral(fixed, self._integer_cols):
            return index, values
        return _Incumbent(objective, fixed)

    def _branch(
        self,
        highs,  # type: ignore[no-untyped-def]
        disjunction: tuple[Branch, ...],
        warm_start: WarmStart,
        budget: _Budget,
        best: _Incumbent | None,
        gap_usd: Callable[[float], float],
    ) -> tuple[float, _Incumbent | None]:
        """Phase 1b: each branch's LP relaxation (the best of their optima bounds every
        schedule, ``inf`` when one could not be solved), then the rounding of each branch
        whose bound could still beat the incumbent by more than the gap, best bound first.
        Returns the disjunction's bound and the best incumbent."""
        relaxed = []
        for branch in disjunction:
            with self._applied(highs, branch) as feasible:
                result = self._relaxation(highs, budget) if feasible else "infeasible"
            if result is None:
                return math.inf, best
            if result != "infeasible":
                relaxed.append(result)
        for lp, branch_bound in sorted(relaxed, key=lambda r: -r[1]):
            if best is not None and branch_bound - best.objective <= gap_usd(best.objective):
                continue
            if _integral(lp, self._integer_cols):
                found = _Incumbent(branch_bound, lp)
            else:
                found = self._repair(highs, lp, warm_start, budget)
            if isinstance(found, _Incumbent) and (best is None or found.objective > best.objective):
                best = found
        return max((b for _, b in relaxed), default=-math.inf), best

    @contextlib.contextmanager
    def _applied(self, highs, branch: Branch):  # type: ignore[no-untyped-def]
        """HiGHS's model with a branch's bounds and rows; everything put back on exit.
        Yields False when the branch's bounds are empty (no schedule in it)."""
        saved = []
        feasible = True
        rows_before = highs.getNumRow()
        try:
            for var, lower, upper in branch.bounds:
                cols = self._cols(var)
                cols = cols[cols >= 0].astype(np.int32)
                if not len(cols):
                    continue
                _, _, _, lo, hi, _ = highs.getCols(len(cols), cols)
                saved.append((cols, lo, hi))
                new_lo, new_hi = np.maximum(lo, lower), np.minimum(hi, upper)
                feasible = feasible and bool(np.all(new_lo <= new_hi))
                highs.changeColsBounds(len(cols), cols, new_lo, np.maximum(new_lo, new_hi))
            for parts, lower, upper in branch.rows:
                index = np.concatenate([self._cols(var) for var, _ in parts])
                coefs = np.concatenate(
                    [np.broadcast_to(np.asarray(c, float), (len(var),)) for var, c in parts]
                )
                keep = index >= 0
                highs.addRow(
                    lower, upper, int(keep.sum()), index[keep].astype(np.int32), coefs[keep]
                )
            yield feasible
        finally:
            rows_now = highs.getNumRow()
            if rows_now > rows_before:
                extra = np.arange(rows_before, rows_now, dtype=np.int32)
                highs.deleteRows(len(extra), extra)
            for cols, lo, hi in reversed(saved):
                highs.changeColsBounds(len(cols), cols, lo, hi)

    def _proven(self, x: np.ndarray, objective: float, bound: float, why: str) -> SolveResult:
        self._proven_x = x
        bound = max(bound, objective)
        status = _status(_MS.kOptimal, True, objective, bound)
        return SolveResult(status, objective, bound, message=f"{status.value}: {why}", seeded=True)

    def _set_start(self, highs, start) -> bool:  # type: ignore[no-untyped-def]
        """Hand HiGHS a MIP start: a complete solution, or integer values it completes."""
        if isinstance(start, tuple):
            index, values = start
            highs.setSolution(len(index), index, values)
            return True
        solution = highspy.HighsSolution()
        solution.col_value = start.tolist()
        solution.value_valid = True
        highs.setSolution(solution)
        return True

    def _set(self, highs, name: str, value: Any) -> None:  # type: ignore[no-untyped-def]
        """Set a HiGHS option, remembering the instance's own value to put back."""
        if name not in self._defaults:
            self._defaults[name] = _option(highs, name)
        highs.setOptionValue(name, value)

    def _reset_options(self, highs) -> None:  # type: ignore[no-untyped-def]
        """Every option a solve set back to the instance's own value (threads excepted: it
        follows HiGHS's process-wide scheduler, see :func:`_use_threads`)."""
        for name, value in self._defaults.items():
            highs.setOptionValue(name, value)

    def option_values(self) -> dict[str, Any]:
        """The current value of every HiGHS option a solve sets (for tests and diagnostics)."""
        highs = self._highs()
        names = [*_SET_PER_SOLVE, *SEEDED_MIP_OPTIONS]
        return {name: _option(highs, name) for name in names}

    def _push(self, changed_vars: list) -> None:
        """Hand the model to HiGHS the first time; afterwards only what changed."""
        if not self._instance_set:
            self._solver.set_instance(self._model)
            self._instance_set = True
            highs = self._highs()
            kinds = [int(kind) for kind in highs.getLp().integrality_]
            self._integer_cols = np.flatnonzero(kinds).astype(np.int32)
            if hasattr(highs, "HandleKeyboardInterrupt"):  # Ctrl-C stops a long solve
                highs.HandleKeyboardInterrupt = True
            updates = self._solver.config.auto_updates
            for flag in _AUTO_UPDATES:
                setattr(updates, flag, False)
            return
        if changed_vars:
            self._solver.update_variables(changed_vars)
        self._solver.update_parameters()

    def values_of(self, var) -> np.ndarray:  # type: ignore[no-untyped-def]
        """The last solution's values of an indexed variable (0 where HiGHS never had it).

        Read straight from HiGHS's column values: loading them into Pyomo's variables first
        cost more than the rest of the result handling together.
        """
        if self._x is None:
            raise SolverError("no solution to read")
        return np.nan_to_num(_at(self._x, self._cols(var)), nan=0.0)

    def _cols(self, var) -> np.ndarray:  # type: ignore[no-untyped-def]
        """HiGHS column of each element of an indexed variable (cached); -1 for an element
        no constraint or objective uses (Pyomo does not hand those to HiGHS)."""
        cols = self._columns.get(id(var))
        if cols is None:
            col_of = self._solver._pyomo_var_to_solver_var_map
            cols = np.fromiter((col_of.get(id(v), -1) for v in var.values()), dtype=np.int64)
            self._columns[id(var)] = cols
        return cols

    def _highs(self):  # type: ignore[no-untyped-def]
        return self._solver._solver_model  # the highspy.Highs behind Pyomo's interface

    def _highs_clock(self) -> float:
        """HiGHS's run clock (cumulative over the instance's life), seconds."""
        highs = getattr(self._solver, "_solver_model", None)
        return float(highs.getRunTime()) if highs is not None else 0.0


class _Budget:
    """One wall-clock budget shared by a solve's phases (``None``: unlimited)."""

    def __init__(self, t0: float, seconds: float | None) -> None:
        self._end = math.inf if seconds is None else t0 + seconds

    def at_least(self, seconds: float) -> None:
        """Make sure at least ``seconds`` are left from now."""
        self._end = max(self._end, time.perf_counter() + seconds)

    def left(self) -> float:
        """Seconds left for the next phase (HiGHS's own ``inf`` when unlimited)."""
        if math.isinf(self._end):
            return math.inf
        return max(self._end - time.perf_counter(), _MIN_PHASE_S)

    def left_for_lp(self, highs) -> float:  # type: ignore[no-untyped-def]
        """``time_limit`` for an LP run: HiGHS (1.16) checks an LP's limit against the
        instance's run clock, which adds up over every run of a reused model (a branch and
        bound run has its own clock), so the limit is that clock plus what is left."""
        return highs.getRunTime() + self.left()


def _option(highs, name: str) -> Any:  # type: ignore[no-untyped-def]
    """An option's value (highspy returns it alone or with a status, by version)."""
    value = highs.getOptionValue(name)
    return value[1] if isinstance(value, tuple) else value


def _integral(x: np.ndarray, cols: np.ndarray) -> bool:
    """Whether the integer columns of ``x`` are integers (within HiGHS's MIP tolerance)."""
    values = x[cols]
    return bool(np.all(np.abs(values - np.round(values)) <= _INTEGRALITY_TOL))


def _at(lp: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """LP values of the columns, NaN where a variable is not in HiGHS's model."""
    return np.where(cols >= 0, lp[np.maximum(cols, 0)], np.nan)


@dataclass(frozen=True)
class Branch:
    """One side of a disjunction (see :class:`HighsSession`), applied to HiGHS's copy of the
    model for one LP: ``bounds`` narrow every element of an indexed variable to
    ``[lower, upper]`` (intersected with its own bounds); each of ``rows`` is
    ``lower <= sum over (var, coef) of coef * sum_t var[t] <= upper`` (``coef`` a number or
    an array over the variable's elements).  The branches of one disjunction must together
    hold every integer schedule (the best of their LP bounds is then a bound)."""

    name: str
    bounds: tuple[tuple[Any, float, float], ...] = ()
    rows: tuple[tuple[tuple[tuple[Any, Any], ...], float, float], ...] = ()


@dataclass(frozen=True)
class _Incumbent:
    """A feasible schedule: its objective (USD) and HiGHS's column values."""

    objective: float
    x: np.ndarray


#: A callback that turns LP relaxation values (``values_of(indexed_var) -> array``) into a
#: MIP start: a list of (indexed integer variable, integer values).
WarmStart = Callable[[Callable[[Any], np.ndarray]], list[tuple[Any, np.ndarray]]]

#: A callback that turns LP relaxation values (as for :data:`WarmStart`) into disjunctions
#: worth branching on: each a tuple of :class:`Branch` covering every schedule.
Disjunctions = Callable[[Callable[[Any], np.ndarray]], list[tuple[Branch, ...]]]

_AUTO_UPDATES = (
    "check_for_new_or_removed_constraints",
    "check_for_new_or_removed_vars",
    "check_for_new_or_removed_params",
    "check_for_new_objective",
    "update_constraints",
    "update_vars",
    "update_parameters",
    "update_named_expressions",
    "update_objective",
)


def _use_threads(highs, threads: int | None) -> None:  # type: ignore[no-untyped-def]
    """Set HiGHS's thread count, resetting its process-wide scheduler when it changes."""
    wanted = threads or 0
    if wanted != _SCHEDULER_THREADS[0]:
        highspy.Highs.resetGlobalScheduler(True)
        _SCHEDULER_THREADS[0] = wanted
    highs.setOptionValue("threads", wanted)


#: HiGHS options for branch and bound that starts from the repaired schedule (see
#: :class:`HighsSession`); every other option keeps HiGHS's default.
SEEDED_MIP_OPTIONS: dict[str, Any] = {
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_allow_restart": False,
}
# the options every solve sets (and puts back afterwards)
_SET_PER_SOLVE = ("output_flag", "mip_rel_gap", "mip_abs_gap", "time_limit", "solve_relaxation")
_MIN_PHASE_S = 1e-3  # a phase with less time than this left is not started
_INTEGRALITY_TOL = 1e-6  # HiGHS's mip_feasibility_tolerance
_FEASIBLE = 2  # HiGHS's primal_solution_status: a feasible solution exists
_MS = highspy.HighsModelStatus
_ERRORS = {
    _MS.kLoadError,
    _MS.kModelError,
    _MS.kPresolveError,
    _MS.kSolveError,
    _MS.kPostsolveError,
}


def _status(
    model_status, has_solution: bool, obj: float | None, bound: float | None
) -> SolveStatus:  # type: ignore[no-untyped-def]
    """HiGHS's model status as ours: optimal, within the gap, stopped (with or without a
    schedule), infeasible or failed."""
    if model_status == _MS.kOptimal and has_solution:
        if obj is not None and bound is not None and abs(bound - obj) <= 1e-9 * max(1.0, abs(obj)):
            return SolveStatus.OPTIMAL
        return SolveStatus.WITHIN_GAP
    if model_status in (_MS.kInfeasible, _MS.kUnboundedOrInfeasible):
        return SolveStatus.INFEASIBLE
    if model_status in _ERRORS:
        return SolveStatus.ERROR
    return SolveStatus.TIME_LIMIT if has_solution else SolveStatus.NO_SOLUTION


__all__ = ["Branch", "HighsSession", "SolveOptions", "SolveResult", "SolveStatus"]
