"""Standby demand response (ERCOT ERS-like): commitments to hold sheddable mining, paid for
availability (DESIGN.md section 8, docs/revenue_stacking.md).

One asset for every commitment, so that overlapping commitments and the reserve offers share
one "sold once" constraint.  Symbols (block ``standby_dr``); ``c`` a commitment with window
``W_c`` (the intervals overlapping ``[start, end)``, as for DR events, or, for a commitment
recurring over a contract term, every interval of its time period on every applicable day:
:func:`commitment_window`), ``q_c`` its committed MW; ``in_c[t]`` = 1 in ``W_c``, else 0
(the windows are the asset's shape)::

    short_<c>_mw[t]  in [0, q_c] in W_c, 0 outside       committed MW not held
    held_<c>[t] = q_c * in_c[t] - short_<c>_mw[t]          MW held for commitment c

    hold[t]:  sum_f (mining_mw_f[t] - reserve_offer_mw_f[t]) >= sum_c held_<c>[t]
              for t in any window: the MW sold as standby DR and the MW offered as reserves
              together never exceed what the fleets draw (the same MW is sold once; with
              hourly reserve offers this holds in every interval of every hour)

Profit terms (USD per interval)::

    standby_dr_revenue[t] = availability_c * dt * (q_c * in_c[t] - short_<c>_mw[t])
    standby_dr_penalty[t] = -shortfall_penalty_c * dt * short_<c>_mw[t]   (if the penalty > 0)

A commitment held short forfeits its availability payment for the MW short (and pays the
penalty): so the no-miners counterfactual earns nothing from it, and a plan holds it only
where mining the committed MW costs less than it pays.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.core as pyo

from dispatch.assets.base import AssetDefaults, Context, PlanData, Term, Values
from dispatch.config import Site, StandbyCommitment, minutes_of
from dispatch.horizon import local_timestamp


def commitment_window(c: StandbyCommitment, site: Site, index: pd.DatetimeIndex) -> np.ndarray:
    """Boolean mask of the committed intervals.

    One window: the intervals overlapping ``[start, end)`` (instants).  Recurring: on each
    local date ``d`` of the term (``term.start <= d < term.end``), an interval whose local
    clock span ``[s, s + interval)`` (minutes after the local midnight of its start, read off
    the wall clock) overlaps one of ``hours`` when ``d`` is one of ``days`` and not in
    ``exclude_dates``, or one of ``other_days_hours`` on the term's other dates.  Wall-clock
    times make DST days natural: ``00:00-24:00`` is 23 hours on the spring-forward day and
    25 on the fall-back day, a range in the skipped hour holds nothing, and a range over the
    repeated hour holds both.
    """
    if c.term is None:
        assert c.start is not None and c.end is not None
        start = local_timestamp(c.start, site.timezone)
        end = local_timestamp(c.end, site.timezone)
        dt = pd.Timedelta(minutes=site.interval_minutes)
        return np.asarray((index < end) & (index + dt > start))
    wall = index.tz_convert(site.timezone).tz_localize(None)
    day = wall.normalize()
    in_term = np.asarray((day >= pd.Timestamp(c.term.start)) & (day < pd.Timestamp(c.term.end)))
    excluded = np.asarray(day.isin(pd.DatetimeIndex([pd.Timestamp(d) for d in c.exclude_dates])))
    on_days = np.isin(np.asarray(wall.day_of_week), sorted(c.weekdays)) & ~excluded
    first = np.asarray(wall.hour * 60 + wall.minute)
    last = first + site.interval_minutes

    def overlaps(ranges: list[str]) -> np.ndarray:
        hit = np.zeros(len(index), dtype=bool)
        for a, b in minutes_of(ranges):
            hit |= (first < b) & (last > a)
        return hit

    return in_term & ((on_days & overlaps(c.hours)) | (~on_days & overlaps(c.other_days_hours)))


@dataclass(frozen=True)
class StandbyDrAsset(AssetDefaults):
    commitments: tuple[StandbyCommitment, ...]
    site: Site
    name: str = "standby_dr"

    def windows(self, data: PlanData) -> list[np.ndarray]:
        return [commitment_window(c, self.site, data.horizon.index) for c in self.commitments]

    def shape(self, data: PlanData) -> Hashable:
        return tuple(tuple(np.flatnonzero(w).tolist()) for w in self.windows(data))

    def build(self, b: pyo.Block, ctx: Context, data: PlanData) -> None:
        T = ctx.T
        wins = self.windows(data)
        shorts = []
        for c, inside in zip(self.commitments, wins, strict=True):
            var = pyo.Var(T, bounds=lambda b, t, c=c, w=inside: (0, c.committed_mw if w[t] else 0))
            b.add_component(f"short_{c.name}_mw", var)
            shorts.append((c, inside, var))

        def held(t: int):  # type: ignore[no-untyped-def]
            return sum(c.committed_mw * float(w[t]) - v[t] for c, w, v in shorts)

        active = [t for t in range(data.n) if any(w[t] for w in wins)]
        fleets = [f.name for f in self.site.fleets]

        def free(t: int):  # type: ignore[no-untyped-def]
            total = 0
            for f in fleets:
                total += ctx.mining_mw[f](t)
                if f in ctx.reserve_offer_mw:
                    total -= ctx.reserve_offer_mw[f](t)
            return total

        if active:
            b.hold = pyo.Constraint(active, rule=lambda b, t: free(t) - held(t) >= 0)
        ctx.standby_held_mw = held

    def terms(self, b: pyo.Block, ctx: Context) -> list[Term]:
        dt = self.site.dt_h
        terms = []
        for c in self.commitments:
            inside = self._inside(b, c)
            rate = c.availability_usd_per_mw_h * dt
            short = b.component(f"short_{c.name}_mw")
            terms.append(
                Term(
                    f"standby_dr_revenue_{c.name}",
                    "standby_dr_revenue",
                    ((-rate, short),),
                    constant=rate * c.committed_mw * inside,
                )
            )
            if c.shortfall_penalty_usd_per_mw_h > 0:
                terms.append(
                    Term(
                        f"standby_dr_penalty_{c.name}",
                        "standby_dr_penalty",
                        ((-c.shortfall_penalty_usd_per_mw_h * dt, short),),
                    )
                )
        return terms

    def _inside(self, b: pyo.Block, c: StandbyCommitment) -> np.ndarray:
        """The window mask the block was built with (from the short variable's bounds)."""
        short = b.component(f"short_{c.name}_mw")
        return np.array([float((v.ub or 0) > 0) for v in short.values()])

    def columns(self, v: Values, data: PlanData) -> dict[str, np.ndarray]:
        cols: dict[str, np.ndarray] = {}
        for c, inside in zip(self.commitments, self.windows(data), strict=True):
            cols[f"standby_{c.name}_committed_mw"] = c.committed_mw * inside.astype(float)
            cols[f"standby_{c.name}_short_mw"] = v[f"short_{c.name}_mw"]
        return cols
