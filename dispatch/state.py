"""The state a plan starts from and hands on: what a rolling horizon carries between steps.

A plan with no state given starts from the site file (containers and units initially on,
battery at its initial state of charge, the month's peak so far, nothing burnt today).
``Plan.end_state(k)`` returns the state after interval ``k`` for the next step.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from dispatch.config import Site


@dataclass(frozen=True)
class FleetState:
    """A fleet at a moment: containers running and its recent start/stop history.

    ``recent_starts[-1]`` is the number of containers started in the last interval before
    the moment, ``recent_starts[-2]`` the one before, and so on (as many as min up time
    needs); ``recent_stops`` likewise for min down time.
    """

    on: int
    recent_starts: tuple[int, ...] = ()
    recent_stops: tuple[int, ...] = ()


@dataclass(frozen=True)
class SiteState:
    """Everything a plan needs to know about the past.

    ``peak_month`` and ``fuel_day`` say which billing month and local day the carried peak
    and fuel use belong to; a plan that starts in a later month or day starts them from zero.
    ``None`` means "the month/day the plan starts in".  ``battery_soc_target_mwh`` is the
    charge the battery must be back at by the end of a horizon (with
    ``end_soc_at_least_initial``): the site file's initial charge, carried unchanged from step
    to step, so a rolling backtest cannot drain the battery a little every day and sell
    energy it never bought; ``None`` means "the charge the plan starts with".
    """

    fleets: Mapping[str, FleetState] = field(default_factory=dict)
    genset_units_on: Mapping[str, int] = field(default_factory=dict)
    battery_soc_mwh: float | None = None
    battery_soc_target_mwh: float | None = None
    peak_so_far_mw: float = 0.0
    peak_month: tuple[int, int] | None = None
    fuel_used_today_mmbtu: Mapping[str, float] = field(default_factory=dict)
    fuel_day: str | None = None

    @classmethod
    def initial(cls, site: Site) -> SiteState:
        """The state the site file describes."""
        soc = site.battery.soc_initial_frac * site.battery.energy_mwh if site.battery else None
        return cls(
            fleets={f.name: FleetState(on=f.containers_initially_on) for f in site.fleets},
            genset_units_on={g.name: g.units_initially_on for g in site.gensets},
            battery_soc_mwh=soc,
            battery_soc_target_mwh=soc,
            peak_so_far_mw=site.demand_charge.peak_so_far_mw if site.demand_charge else 0.0,
        )

    def with_soc_target(self) -> SiteState:
        """This state with its battery target set to its charge when it has none yet."""
        if self.battery_soc_target_mwh is not None or self.battery_soc_mwh is None:
            return self
        return self.replace(battery_soc_target_mwh=self.battery_soc_mwh)

    def replace(self, **changes: object) -> SiteState:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def fleet(self, name: str, default_on: int = 0) -> FleetState:
        return self.fleets.get(name, FleetState(on=default_on))

    def peak_for(self, first_interval: pd.Timestamp) -> float:
        """The peak so far that applies to a plan starting at ``first_interval``."""
        if self.peak_month is None or self.peak_month == (
            first_interval.year,
            first_interval.month,
        ):
            return self.peak_so_far_mw
        return 0.0

    def fuel_used_for(self, name: str, first_interval: pd.Timestamp) -> float:
        """Fuel already burnt on the local day of ``first_interval``."""
        if self.fuel_day is None or self.fuel_day == first_interval.strftime("%Y-%m-%d"):
            return self.fuel_used_today_mmbtu.get(name, 0.0)
        return 0.0

    def to_dict(self) -> dict:
        """A JSON-serialisable form (for checkpoints and reports)."""
        return {
            "fleets": {k: dataclasses.asdict(v) for k, v in self.fleets.items()},
            "genset_units_on": dict(self.genset_units_on),
            "battery_soc_mwh": self.battery_soc_mwh,
            "battery_soc_target_mwh": self.battery_soc_target_mwh,
            "peak_so_far_mw": self.peak_so_far_mw,
            "peak_month": list(self.peak_month) if self.peak_month else None,
            "fuel_used_today_mmbtu": dict(self.fuel_used_today_mmbtu),
            "fuel_day": self.fuel_day,
        }

    @classmethod
    def from_dict(cls, raw: Mapping) -> SiteState:
        return cls(
            fleets={
                k: FleetState(
                    on=int(v["on"]),
                    recent_starts=tuple(int(x) for x in v.get("recent_starts", ())),
                    recent_stops=tuple(int(x) for x in v.get("recent_stops", ())),
                )
                for k, v in raw.get("fleets", {}).items()
            },
            genset_units_on={k: int(v) for k, v in raw.get("genset_units_on", {}).items()},
            battery_soc_mwh=raw.get("battery_soc_mwh"),
            battery_soc_target_mwh=raw.get("battery_soc_target_mwh"),
            peak_so_far_mw=float(raw.get("peak_so_far_mw", 0.0)),
            peak_month=tuple(raw["peak_month"]) if raw.get("peak_month") else None,  # type: ignore[arg-type]
            fuel_used_today_mmbtu={
                k: float(v) for k, v in raw.get("fuel_used_today_mmbtu", {}).items()
            },
            fuel_day=raw.get("fuel_day"),
        )
