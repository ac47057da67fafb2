"""Typed failures of the dispatch package.

The exception tree::

    DispatchError                 anything this package raises on purpose
    ├── ConfigError               the site configuration (YAML or Python) is invalid
    ├── DataError                 an input time series is missing, malformed or misaligned
    ├── SolverError               the solver could not be run at all (not: "no solution")
    └── ClusterLost               the Dask cluster went away mid-run (an interruption: the
                                  finished steps are saved and the same call resumes)

    DispatchWarning (UserWarning) input that is valid but probably wrong (a unit mistake)

A solver that stops without a solution is *not* an error: ``plan()`` returns a fallback
plan marked as such.  Every message names where the problem is (file, field, column, row)
and what is wrong, on one line, so the CLI can print it as it is.
"""

from __future__ import annotations


class DispatchError(Exception):
    """Base class of every error this package raises on purpose.

    ``problems`` lists every problem found when more than one was (``dispatch validate``
    prints them all); the message itself is one line.
    """

    def __init__(self, message: str, *, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems: list[str] = problems if problems is not None else [message]


class ConfigError(DispatchError, ValueError):
    """The site configuration is invalid (unknown key, bad value, inconsistent fields)."""


class DataError(DispatchError, ValueError):
    """An input series is malformed: NaN, gap, duplicate, misaligned, wrong column or timezone."""


class SolverError(DispatchError, RuntimeError):
    """HiGHS could not be started or crashed; a stop without a solution is not this."""


class ClusterLost(DispatchError, RuntimeError):
    """The Dask scheduler or its workers went away during a backtest (``CancelledError``,
    ``CommClosedError``...).  Like Ctrl-C, an interruption rather than bad input: the
    steps finished before it are saved, and running the same backtest again resumes."""


class DispatchWarning(UserWarning):
    """Input that is valid but probably a mistake (prices in USD/kWh, hashprice per TH/s):
    the message names the likely unit and the fix."""
