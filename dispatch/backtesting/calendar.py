"""The backtest's calendar: steps, their look-ahead horizons, and independent chains.

A **step** keeps the intervals ``[start, end)`` of a plan over ``[start, horizon_end)`` with
``horizon_end = min(end + lookahead, end of the input data)``: at the end of the data the
look-ahead is truncated to what exists.

- ``step="1D"`` (any whole number of days, ``"7D"``) steps over **local days** in the site
  timezone: each step starts at local midnight, so a spring-forward day keeps 23 hours and
  a fall-back day 25.  Other lengths (``"6h"``, ``"12h"``) step over elapsed time from the
  start and must be a whole number of intervals.
- ``lookahead`` is elapsed time (``"24h"``; ``"0h"`` for none).

A **chain** is a sequence of steps planned one after the other, each from the state the
previous one hands on.  One chain covers the whole period unless ``chunk`` asks for
independent chains (``"month"``, ``"week"``, ``"year"`` or a number of steps): each chain
after the first then begins with a **warm-up** step (the step before its first one) planned
from the site file's state, whose results are discarded; the chains are independent, so
they can run in parallel.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from dispatch.config import Site
from dispatch.errors import ConfigError, DataError
from dispatch.horizon import local_timestamp

CHUNKS = ("month", "week", "year")


@dataclass(frozen=True)
class Step:
    """One rolling step: keep ``[start, end)`` of a plan over ``[start, horizon_end)``."""

    start: pd.Timestamp
    end: pd.Timestamp
    horizon_end: pd.Timestamp
    warmup: bool = False

    @cached_property
    def id(self) -> str:
        """A file-name-safe label: the local start date, with the time when not midnight."""
        if self.start == self.start.normalize():
            return self.start.strftime("%Y-%m-%d")
        return self.start.strftime("%Y-%m-%dT%H%M")


@dataclass(frozen=True)
class Chain:
    """Steps planned in sequence; ``label`` names it ("all" or the first kept step's id)."""

    label: str
    steps: tuple[Step, ...]
    warmup: bool  # True: starts from the site file's state with a discarded warm-up step


def parse_duration(value: str | pd.Timedelta | dt.timedelta, what: str) -> pd.Timedelta:
    """``"1D"``, ``"24h"``, ``"90min"`` or a timedelta as a non-negative Timedelta."""
    try:
        delta = pd.Timedelta(value)
    except (ValueError, TypeError):
        raise ConfigError(f"{what}: cannot read {value!r} as a duration (e.g. 1D, 24h)") from None
    if pd.isna(delta) or delta < pd.Timedelta(0):
        raise ConfigError(f"{what}: must be a non-negative duration, got {value!r}")
    return delta


def step_bounds(
    site: Site, start: pd.Timestamp, end: pd.Timestamp, step: pd.Timedelta
) -> list[pd.Timestamp]:
    """Step boundaries from ``start`` to ``end`` (both included), local days when whole days."""
    interval = pd.Timedelta(minutes=site.interval_minutes)
    if step <= pd.Timedelta(0):
        raise ConfigError(f"step: must be positive, got {step}")
    bounds = [start]
    if step % pd.Timedelta(days=1) == pd.Timedelta(0):
        days = step.days
        day = start.tz_localize(None).normalize()
        if start != local_timestamp(day, site.timezone):
            raise ConfigError(f"step {step}: daily steps must start at local midnight, not {start}")
        while bounds[-1] < end:
            day = day + pd.Timedelta(days=days)
            bounds.append(min(local_timestamp(day, site.timezone), end))
    else:
        if step % interval:
            raise ConfigError(
                f"step {step}: must be a whole number of {site.interval_minutes}-minute intervals"
            )
        while bounds[-1] < end:
            bounds.append(min(bounds[-1] + step, end))
    return bounds


def build_chains(
    site: Site,
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    step: pd.Timedelta,
    lookahead: pd.Timedelta,
    data_end: pd.Timestamp,
    chunk: str | int | None = None,
) -> list[Chain]:
    """Split ``[start, end)`` into steps, then into chains (see the module docstring)."""
    interval = pd.Timedelta(minutes=site.interval_minutes)
    if lookahead % interval:
        raise ConfigError(
            f"lookahead {lookahead}: must be a whole number of {site.interval_minutes}-minute "
            "intervals"
        )
    if end <= start:
        raise ConfigError(f"backtest end {end} is not after its start {start}")
    if end > data_end:
        raise DataError(f"the inputs end at {data_end} but the backtest runs to {end}")
    bounds = step_bounds(site, start, end, step)
    steps = [Step(a, b, min(b + lookahead, data_end)) for a, b in itertools.pairwise(bounds)]
    groups = _chunk(steps, chunk)
    chains = []
    for k, group in enumerate(groups):
        if k == 0:
            chains.append(Chain("all" if len(groups) == 1 else group[0].id, tuple(group), False))
            continue
        before = steps[steps.index(group[0]) - 1]
        warm = Step(before.start, before.end, before.horizon_end, warmup=True)
        chains.append(Chain(group[0].id, (warm, *group), True))
    return chains


def _chunk(steps: list[Step], chunk: str | int | None) -> list[list[Step]]:
    if chunk is None or chunk == "none":
        return [steps]
    if isinstance(chunk, int) and not isinstance(chunk, bool):
        if chunk < 1:
            raise ConfigError(f"chunk: a number of steps must be >= 1, got {chunk}")
        return [steps[k : k + chunk] for k in range(0, len(steps), chunk)]
    if chunk not in CHUNKS:
        raise ConfigError(
            f"chunk: {chunk!r} is not one of none, {', '.join(CHUNKS)} or a number of steps"
        )

    def key(s: Step) -> tuple:
        local = s.start.tz_localize(None)
        if chunk == "month":
            return (local.year, local.month)
        if chunk == "year":
            return (local.year,)
        iso = local.isocalendar()
        return (iso.year, iso.week)

    groups: list[list[Step]] = []
    for s in steps:
        if groups and key(groups[-1][0]) == key(s):
            groups[-1].append(s)
        else:
            groups.append([s])
    return groups
