"""The site configuration: validated, immutable pydantic models loaded from YAML.

Every field carries its unit in its name and a one-line description (``Site.model_json_schema()``
lists them; the field reference in docs/site_file.md is generated from the same
descriptions).  Unknown keys are errors, so a misspelled key never goes unnoticed.

Units at this edge are the ones people read off data sheets (W per miner, kW of container
auxiliaries, minutes of min up time); :mod:`dispatch.horizon` converts them once to the
model's units (MW, MWh, intervals).
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import math
import re
import zoneinfo
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dispatch.errors import ConfigError
from dispatch.files import clip, path_problem

NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"
Name = Annotated[str, Field(pattern=NAME_PATTERN, description="identifier used in column names")]
NonNeg = Annotated[float, Field(ge=0)]
Frac = Annotated[float, Field(ge=0, le=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    @model_validator(mode="after")
    def _check_magnitudes(self) -> Any:
        """Every number finite and below the limit its unit allows (:data:`MAGNITUDE_LIMITS`)."""
        for name in type(self).model_fields:
            problem = _magnitude_problem(name, getattr(self, name))
            if problem:
                raise ValueError(problem)
        return self


class Grid(_Model):
    """The interconnection: limits and the adders on the energy price."""

    import_limit_mw: NonNeg = Field(
        description="maximum import from the grid, MW (0: an off-grid or export-only site)"
    )
    export_limit_mw: NonNeg = Field(0.0, description="maximum export to the grid, MW (0: none)")
    import_adder_usd_per_mwh: NonNeg = Field(
        0.0, description="added to the energy price on import (fees, TDSP charges), USD/MWh"
    )
    export_adder_usd_per_mwh: NonNeg = Field(
        0.0, description="taken off the energy price on export, USD/MWh"
    )


class HpcHall(_Model):
    """A firm AI/HPC hall: served in full whenever physically possible."""

    name: Name
    it_load_mw: NonNeg = Field(
        description="IT load when no series is given, MW (a series in the inputs overrides it)"
    )
    pue: float = Field(1.3, ge=1.0, le=3.0, description="power usage effectiveness, >= 1")
    lease_usd_per_it_mwh: NonNeg = Field(
        0.0, description="lease revenue per MWh of IT load served; reported, not optimised"
    )
    swing_frac: float = Field(
        0.0,
        ge=0,
        le=1,
        description="sub-interval rise of the hall's facility load, fraction of it, that "
        "sheddable mining must absorb within the import limit (0: none; docs/revenue_stacking.md)",
    )


class MinerUnit(_Model):
    """Nameplate of one ASIC miner."""

    model: str = Field(description="model name, e.g. 'Antminer S21'")
    hashrate_th_s: float = Field(gt=0, description="nameplate hashrate per miner, TH/s")
    power_w: float = Field(gt=0, description="nameplate power per miner, W")


class PowerTarget(_Model):
    """Underclocking: a power range and a concave power-to-hashrate curve.

    ``curve_points`` are ``[power_frac, hashrate_frac]`` pairs relative to the miner's
    nameplate (1.0, 1.0); they must cover ``[min_frac, max_frac]`` and be concave (each
    segment's slope no steeper than the one before), which is what makes underclocking
    more efficient in J/TH and keeps the model linear.
    """

    min_frac: float = Field(gt=0, le=1.5, description="lowest power target, fraction of nameplate")
    max_frac: float = Field(
        1.0, gt=0, le=1.5, description="highest power target, fraction of nameplate"
    )
    curve_points: list[tuple[float, float]] = Field(
        min_length=2, description="[power_frac, hashrate_frac] points of the concave curve"
    )

    @model_validator(mode="after")
    def _check_curve(self) -> PowerTarget:
        if self.min_frac > self.max_frac:
            raise ValueError(f"min_frac {self.min_frac} is above max_frac {self.max_frac}")
        pts = self.curve_points
        for p, h in pts:
            if p < 0 or h < 0:
                raise ValueError(f"curve point {[p, h]} is negative")
        for (p0, _), (p1, _) in itertools.pairwise(pts):
            if p1 <= p0:
                raise ValueError("curve_points power fractions must be strictly increasing")
        if pts[0][0] > self.min_frac + 1e-9 or pts[-1][0] < self.max_frac - 1e-9:
            raise ValueError(
                f"curve_points span [{pts[0][0]}, {pts[-1][0]}] but must cover "
                f"[min_frac, max_frac] = [{self.min_frac}, {self.max_frac}]"
            )
        slopes = [(h1 - h0) / (p1 - p0) for (p0, h0), (p1, h1) in itertools.pairwise(pts)]
        for k, (s0, s1) in enumerate(itertools.pairwise(slopes)):
            if s1 > s0 + 1e-9:
                raise ValueError(
                    f"hashrate curve is not concave: slope rises from {s0:.3g} to {s1:.3g} "
                    f"at power_frac {pts[k + 1][0]}"
                )
        return self


class Outage(_Model):
    """Containers out of service (maintenance) during a window."""

    start: dt.datetime = Field(description="window start, site timezone if no offset given")
    end: dt.datetime = Field(description="window end (exclusive)")
    containers: int = Field(ge=0, description="containers unavailable during the window")


class MinerFleet(_Model):
    """A homogeneous fleet of mining containers, scheduled as an integer count."""

    name: Name
    miner: MinerUnit
    miners_per_container: int = Field(gt=0, description="miners in one container")
    containers: int = Field(ge=0, description="containers in the fleet")
    container_aux_kw: NonNeg = Field(
        0.0, description="auxiliary power of a running container (fans, pumps), kW"
    )
    power_target: PowerTarget | None = Field(
        None, description="optional underclocking range and hashrate curve"
    )
    min_up_minutes: int = Field(0, ge=0, description="a started container runs at least this long")
    min_down_minutes: int = Field(0, ge=0, description="a stopped container stays off this long")
    startup_cost_usd_per_container: NonNeg = Field(0.0, description="cost per container start, USD")
    ramp_limit_containers_per_interval: int | None = Field(
        None, ge=1, description="most containers started or stopped per interval (none: no limit)"
    )
    containers_initially_on: int = Field(0, ge=0, description="containers running at the start")
    containers_unavailable: int = Field(0, ge=0, description="containers out for the whole horizon")
    outages: list[Outage] = Field(default_factory=list, description="maintenance windows")
    pool_fee_frac: Frac = Field(0.0, description="mining pool fee, fraction of revenue")
    has_ufr_relay: bool = Field(
        False,
        description="the fleet trips on an under-frequency relay (needed for reserve products "
        "with requires_ufr_relay, e.g. ERCOT RRS from a Load Resource)",
    )
    heat_recovery_frac: Frac = Field(
        0.0, description="share of the fleet's electricity recovered and sold as heat"
    )
    heat_price_usd_per_mwh_th: NonNeg = Field(
        0.0, description="price of recovered heat, USD per MWh thermal"
    )

    @model_validator(mode="after")
    def _check_counts(self) -> MinerFleet:
        if self.containers_unavailable > self.containers:
            raise ValueError(
                f"containers_unavailable = {self.containers_unavailable} exceeds "
                f"containers = {self.containers}"
            )
        in_service = self.containers - self.containers_unavailable
        if self.containers_initially_on > in_service:
            raise ValueError(
                f"containers_initially_on = {self.containers_initially_on} exceeds the "
                f"{in_service} containers in service (containers - containers_unavailable)"
            )
        return self

    @property
    def container_power_mw(self) -> float:
        """Rated power of one running container including auxiliaries, MW."""
        return self.asic_power_mw + self.container_aux_kw / 1e3

    @property
    def full_power_mw(self) -> float:
        """One running container at full power (its highest power target), auxiliaries
        included, MW: ``max_frac * P + aux``, or the rated ``P + aux`` without a target."""
        if self.power_target is None:
            return self.container_power_mw
        return self.power_target.max_frac * self.asic_power_mw + self.container_aux_kw / 1e3

    @property
    def asic_power_mw(self) -> float:
        """Nameplate power of one container's miners, MW."""
        return self.miner.power_w * self.miners_per_container / 1e6

    @property
    def container_hashrate_th_s(self) -> float:
        """Nameplate hashrate of one container, TH/s."""
        return self.miner.hashrate_th_s * self.miners_per_container

    @property
    def j_per_th(self) -> float:
        """Energy per hash at nameplate, auxiliaries included, J/TH."""
        return self.container_power_mw * 1e6 / self.container_hashrate_th_s


class Battery(_Model):
    """A battery energy storage system."""

    power_mw: float = Field(gt=0, description="charge and discharge power limit, MW")
    energy_mwh: float = Field(gt=0, description="usable energy capacity, MWh")
    charge_efficiency: float = Field(0.95, gt=0, le=1, description="share of charged energy stored")
    discharge_efficiency: float = Field(
        0.95, gt=0, le=1, description="share of stored energy delivered"
    )
    soc_min_frac: Frac = Field(0.0, description="lowest state of charge, fraction of energy_mwh")
    soc_max_frac: Frac = Field(1.0, description="highest state of charge, fraction of energy_mwh")
    soc_initial_frac: Frac = Field(0.5, description="state of charge at the start, fraction")
    wear_cost_usd_per_mwh: NonNeg = Field(0.0, description="degradation cost per MWh discharged")
    end_soc_at_least_initial: bool = Field(
        True, description="end the horizon with at least the initial state of charge"
    )

    @model_validator(mode="after")
    def _check_soc(self) -> Battery:
        if self.soc_min_frac > self.soc_max_frac:
            raise ValueError(
                f"soc_min_frac {self.soc_min_frac} is above soc_max_frac {self.soc_max_frac}"
            )
        if not self.soc_min_frac <= self.soc_initial_frac <= self.soc_max_frac:
            raise ValueError(
                f"soc_initial_frac {self.soc_initial_frac} is outside "
                f"[{self.soc_min_frac}, {self.soc_max_frac}]"
            )
        return self


class Genset(_Model):
    """Identical gas generator units, scheduled as an integer count."""

    name: Name
    units: int = Field(ge=0, description="number of identical units")
    unit_capacity_mw: float = Field(gt=0, description="maximum output per unit, MW")
    min_load_frac: Frac = Field(0.0, description="minimum output of a running unit, fraction")
    heat_rate_mmbtu_per_mwh: float = Field(
        gt=0, description="fuel burnt per MWh generated, MMBtu/MWh"
    )
    fuel_price_usd_per_mmbtu: NonNeg = Field(
        description=(
            "fuel price, USD/MMBtu (with fuel_supply: a cost on top of the supply's gas price, "
            "e.g. gas conditioning; often 0)"
        )
    )
    variable_om_usd_per_mwh: NonNeg = Field(0.0, description="variable O&M per MWh generated")
    startup_cost_usd_per_unit: NonNeg = Field(0.0, description="cost per unit start, USD")
    fuel_budget_mmbtu_per_day: NonNeg | None = Field(
        None, description="fuel available per site-local day (stranded or flare gas), MMBtu"
    )
    units_initially_on: int = Field(0, ge=0, description="units running at the start")
    fuel_supply: Name | None = Field(
        None, description="name of the gas_supplies entry this genset burns (none: bought fuel)"
    )

    @model_validator(mode="after")
    def _check_units(self) -> Genset:
        if self.units_initially_on > self.units:
            raise ValueError(
                f"units_initially_on = {self.units_initially_on} exceeds units = {self.units}"
            )
        return self


class Solar(_Model):
    """On-site solar, wind or hydro: curtailable output up to an available series.

    ``capacity_mw`` times the ``solar_cf`` input (0..1) is what the site may take in each
    interval: sunshine or wind, a hydro plant's surplus under a supply contract (a
    Paraguay-like tariff per MWh taken) or a wind farm's curtailed output sold to the site.
    """

    capacity_mw: float = Field(gt=0, description="nameplate AC capacity (or contracted MW), MW")
    kind: Literal["solar", "wind", "hydro"] = Field(
        "solar", description="what the supply is, for reports (the model treats all alike)"
    )
    tariff_usd_per_mwh: float = Field(
        0.0,
        ge=-1e4,
        description="price paid per MWh taken (a hydro-surplus or curtailed-wind contract; 0: own)",
    )


class GasSupply(_Model):
    """A gas supply at the site: a well's associated gas (MMBtu per hour), burnt by the
    gensets that name it in ``fuel_supply``; what they do not burn is flared.

    The flow is a series (input ``gas_flow``, in MMBtu/h, or in Mcf/day converted with
    ``heating_value_mmbtu_per_mcf``) or the constant ``flow_mmbtu_per_h``.  The gas price per
    MMBtu burnt is ``price_usd_per_mmbtu + index_price_share x gas_price[t]`` (the fuel-price
    input, e.g. Henry Hub): a flare-gas contract is often a fixed price near zero, negative
    when the producer pays to avoid flaring, or a share of an index.  The emission
    parameters feed :mod:`dispatch.emissions` (docs/stranded.md states the sources).
    All energies are higher heating value (HHV), as US heat rates are.
    """

    name: Name
    flow_mmbtu_per_h: NonNeg | None = Field(
        None, description="constant gas flow when no gas_flow series is given, MMBtu/h"
    )
    price_usd_per_mmbtu: float = Field(
        0.0, description="fixed gas price per MMBtu burnt, USD/MMBtu (may be 0 or negative)"
    )
    index_price_share: float = Field(
        0.0, ge=0, le=2, description="share of the gas_price input (e.g. Henry Hub) paid, 0..2"
    )
    heating_value_mmbtu_per_mcf: float = Field(
        1.037,
        gt=0.5,
        le=3.0,
        description="gas heating value (HHV), MMBtu per Mcf: converts Mcf/day flows (EIA 1.037)",
    )
    methane_mole_frac: Frac = Field(
        0.80, description="methane share of the gas by volume (use the gas analysis)"
    )
    flare_destruction_frac: Frac = Field(
        0.98, description="share of the methane a flare destroys (EPA assumption 0.98)"
    )
    engine_destruction_frac: Frac = Field(
        0.995, description="share of the methane a genset destroys (1 - methane slip)"
    )
    co2_kg_per_mmbtu: NonNeg = Field(
        53.06, description="CO2 from burning one MMBtu, kg/MMBtu (EPA natural gas 53.06)"
    )
    methane_gwp: float = Field(
        29.8, gt=0, le=200, description="global warming potential of methane (AR6 GWP100 29.8)"
    )


class DemandResponseEvent(_Model):
    """An announced demand-response event.

    In the window, import above ``import_cap_mw`` is non-compliance, penalised per MWh; the
    credit is ``credit_usd_per_mwh * (baseline_mw - import_mw) * dt`` summed over the window.
    """

    name: Name
    start: dt.datetime = Field(description="window start, site timezone if no offset given")
    end: dt.datetime = Field(description="window end (exclusive)")
    import_cap_mw: NonNeg | None = Field(None, description="grid import allowed in the window, MW")
    baseline_mw: NonNeg | None = Field(None, description="baseline the credit is measured from, MW")
    credit_usd_per_mwh: NonNeg = Field(
        0.0, description="credit per MWh below the baseline, USD/MWh"
    )
    penalty_usd_per_mwh: NonNeg = Field(
        10_000.0, description="penalty per MWh imported above the cap, USD/MWh"
    )

    @model_validator(mode="after")
    def _check_credit(self) -> DemandResponseEvent:
        if self.credit_usd_per_mwh > 0 and self.baseline_mw is None:
            raise ValueError("credit_usd_per_mwh is set but baseline_mw is missing")
        return self


class DemandCharge(_Model):
    """Monthly demand charge on the billing month's peak import."""

    rate_usd_per_mw: NonNeg = Field(description="charge per MW of monthly peak import, USD/MW")
    peak_so_far_mw: NonNeg = Field(0.0, description="peak import already set this month, MW")


class CoincidentPeak(_Model):
    """Coincident-peak (ERCOT 4CP-like) transmission charge; probabilities come with the inputs."""

    charge_usd_per_mw: NonNeg = Field(
        description="charge per MW of import at the system peak interval, USD/MW"
    )


#: ERCOT presets (docs/revenue_stacking.md cites the rules; deployed shares are assumptions).
RESERVE_PRESETS: dict[str, dict[str, Any]] = {
    # Responsive Reserve: a Load Resource on an under-frequency relay trips at 59.7 Hz within
    # cycles, and must also deploy within 10 minutes of a manual instruction; since NPRR 863
    # an ESR's RRS is backed by SOC for 1 hour.
    "ercot_rrs": {
        "response_minutes": 10.0,
        "max_deployment_minutes": 60,
        "deployed_share_frac": 0.002,
        "requires_ufr_relay": True,
    },
    # ERCOT Contingency Reserve Service (launched 2023-06-10, NPRR 863/1148): 10-minute
    # response (a non-controllable Load Resource ramps linearly over 10 minutes); ESR SOC
    # for 2 hours at launch (later lowered to 1 hour).
    "ercot_ecrs": {
        "response_minutes": 10.0,
        "max_deployment_minutes": 120,
        "deployed_share_frac": 0.01,
        "requires_ufr_relay": False,
    },
    # Non-Spinning Reserve: deliver within 30 minutes; ESR SOC for 4 hours.
    "ercot_nonspin": {
        "response_minutes": 30.0,
        "max_deployment_minutes": 240,
        "deployed_share_frac": 0.005,
        "requires_ufr_relay": False,
    },
}


class ReserveProduct(_Model):
    """An ancillary-service (capacity) product the site may sell: fleets by curtailing, the
    battery by discharging, never the HPC halls.  Its clearing price comes with the inputs
    (``reserve_prices``, USD per MW-h).  A ``preset`` fills the fields not written."""

    name: Name
    preset: Literal["ercot_rrs", "ercot_ecrs", "ercot_nonspin"] | None = Field(
        None, description="fill the fields not written from ERCOT's rules for RRS, ECRS, Non-Spin"
    )
    response_minutes: float = Field(
        10.0, gt=0, le=60, description="time to deliver the offered MW after a deployment"
    )
    max_deployment_minutes: int = Field(
        60,
        gt=0,
        description="longest deployment; the battery's offer is backed by SOC for this long",
    )
    deployed_share_frac: Frac = Field(
        0.0, description="expected share of the offered MW-hours actually deployed"
    )
    providers: list[str] = Field(
        default_factory=list, description='fleet names and/or "battery" that may offer it'
    )
    requires_ufr_relay: bool = Field(
        False, description="only fleets with has_ufr_relay may offer it (ERCOT RRS)"
    )

    @model_validator(mode="before")
    @classmethod
    def _fill_preset(cls, raw: Any) -> Any:
        if isinstance(raw, dict) and raw.get("preset") in RESERVE_PRESETS:
            return {**RESERVE_PRESETS[raw["preset"]], **raw}
        return raw

    @property
    def duration_h(self) -> float:
        """Longest deployment, hours."""
        return self.max_deployment_minutes / 60


#: Day names a recurring commitment's ``days`` accepts (Monday = 0, as ``date.weekday()``).
WEEKDAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Words for sets of days.
DAY_SETS: dict[str, tuple[int, ...]] = {
    "all": (0, 1, 2, 3, 4, 5, 6),
    "weekdays": (0, 1, 2, 3, 4),
    "weekends": (5, 6),
}
_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HOURS_PATTERN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

#: ERCOT's classic ERS time periods (docs/revenue_stacking.md): hours in Central Prevailing
#: Time on Business Days (Monday to Friday except ERCOT holidays, which the commitment lists
#: in ``exclude_dates``); Non-Business Hours are every other hour of the term.  ERCOT revises
#: the time periods in each term's Technical Requirements & Scope of Work: check the current
#: one, and write ``hours``/``days`` for any other definition.
ERS_TIME_PERIODS: dict[str, dict[str, Any]] = {
    "ercot_bh1": {"hours": ["08:00-13:00"], "days": "weekdays"},
    "ercot_bh2": {"hours": ["13:00-16:00"], "days": "weekdays"},
    "ercot_bh3": {"hours": ["16:00-20:00"], "days": "weekdays"},
    "ercot_nbh": {
        "hours": ["00:00-08:00", "20:00-24:00"],
        "days": "weekdays",
        "other_days_hours": ["00:00-24:00"],
    },
}


def _hour_range(text: Any) -> str:
    """'8:00 - 13:00' -> '08:00-13:00'; an error for anything else or an end not after the
    start (a period over midnight is two ranges)."""
    m = _HOURS_PATTERN.match(text) if isinstance(text, str) else None
    if m is None:
        raise ValueError(
            f"{text!r} is not a range of local clock times HH:MM-HH:MM (e.g. 08:00-13:00; "
            "24:00 for the end of the day)"
        )
    h0, m0, h1, m1 = (int(g) for g in m.groups())
    for h, mm in ((h0, m0), (h1, m1)):
        if mm > 59 or h > 24 or (h == 24 and mm > 0):
            raise ValueError(f"{text!r}: {h:02d}:{mm:02d} is not a clock time (00:00 to 24:00)")
    if h1 * 60 + m1 <= h0 * 60 + m0:
        raise ValueError(
            f"{text!r} ends before or when it starts; a period over midnight is two ranges, "
            "e.g. [20:00-24:00, 00:00-06:00]"
        )
    return f"{h0:02d}:{m0:02d}-{h1:02d}:{m1:02d}"


def _hour_ranges(value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError(f"expected HH:MM-HH:MM or a list of them, got {value!r}")
    return [_hour_range(item) for item in items]


def minutes_of(ranges: list[str]) -> list[tuple[int, int]]:
    """Canonical ``HH:MM-HH:MM`` ranges as (start, end) minutes after local midnight."""
    out = []
    for r in ranges:
        a, b = r.split("-")
        out.append((int(a[:2]) * 60 + int(a[3:]), int(b[:2]) * 60 + int(b[3:])))
    return out


class StandbyTerm(_Model):
    """The contract term of a recurring standby commitment: local dates, end exclusive (ERCOT's
    Standard Contract Terms, e.g. 2023-06-01 to 2023-10-01 for June to September)."""

    start: dt.date = Field(description="first day of the term, local date")
    end: dt.date = Field(description="day after the term's last day (exclusive), local date")

    @model_validator(mode="after")
    def _check_order(self) -> StandbyTerm:
        if self.end <= self.start:
            raise ValueError(
                f"the term ends ({self.end}) before or when it starts ({self.start}); end is "
                "the day after the last day"
            )
        return self


class StandbyCommitment(_Model):
    """A standby demand-response commitment (ERCOT ERS-like): while committed, the site holds
    ``committed_mw`` of sheddable mining it has sold nowhere else, and is paid for it.

    Committed either over one window (``start``/``end``) or, like ERCOT's ERS, over a time
    period recurring on the days of a contract term (``term`` with ``hours``/``days`` or a
    ``time_period`` preset): an interval is committed when its local clock span overlaps one
    of ``hours`` on a date of the term that is one of ``days`` and not in ``exclude_dates``,
    or one of ``other_days_hours`` on any other date of the term (docs/revenue_stacking.md).
    """

    name: Name
    start: dt.datetime | None = Field(
        None, description="one-window form: start, site timezone if no offset given"
    )
    end: dt.datetime | None = Field(None, description="one-window form: end (exclusive)")
    term: StandbyTerm | None = Field(
        None, description="recurring form: the contract term, local dates (end exclusive)"
    )
    time_period: Literal["ercot_bh1", "ercot_bh2", "ercot_bh3", "ercot_nbh"] | None = Field(
        None,
        description="recurring form: fill hours/days/other_days_hours from ERCOT's ERS time "
        "period (business hours 1-3, non-business hours)",
    )
    hours: list[str] = Field(
        default_factory=list,
        description="recurring form: local clock ranges HH:MM-HH:MM committed on the days",
    )
    days: str | list[str] = Field(
        "all", description="recurring form: all, weekdays, weekends or a list (mon, ..., sun)"
    )
    exclude_dates: list[dt.date] = Field(
        default_factory=list,
        description="recurring form: dates treated as outside days (ERCOT holidays)",
    )
    other_days_hours: list[str] = Field(
        default_factory=list,
        description="recurring form: local clock ranges committed on the term's other dates "
        "(non-business hours: 00:00-24:00)",
    )
    committed_mw: float = Field(gt=0, description="MW the site must be able to shed")
    availability_usd_per_mw_h: NonNeg = Field(
        description="availability payment per committed MW per hour, USD/MW-h"
    )
    response_minutes: float = Field(
        10.0, gt=0, le=60, description="time to shed once deployed (ERS: 10 or 30 minutes)"
    )
    shortfall_penalty_usd_per_mw_h: NonNeg = Field(
        0.0,
        description="penalty per MW-h held short of committed_mw, on top of the availability "
        "payment forfeited for it, USD/MW-h",
    )

    @model_validator(mode="before")
    @classmethod
    def _fill_time_period(cls, raw: Any) -> Any:
        if isinstance(raw, dict) and raw.get("time_period") in ERS_TIME_PERIODS:
            return {**ERS_TIME_PERIODS[raw["time_period"]], **raw}
        return raw

    @field_validator("hours", "other_days_hours", mode="before")
    @classmethod
    def _check_hours(cls, value: Any) -> list[str]:
        return _hour_ranges(value)

    @field_validator("days", mode="before")
    @classmethod
    def _check_days(cls, value: Any) -> str | list[str]:
        names = ", ".join(WEEKDAY_NAMES)
        if isinstance(value, str) and value.strip().lower() in DAY_SETS:
            return value.strip().lower()
        items = value if isinstance(value, list | tuple) else [value]
        out = []
        for item in items:
            key = item.strip().lower() if isinstance(item, str) else item
            if key in WEEKDAY_NAMES:
                out.append(key)
            elif key in _FULL_DAY_NAMES:
                out.append(WEEKDAY_NAMES[_FULL_DAY_NAMES.index(key)])
            else:
                raise ValueError(
                    f"{item!r} is not a day: use {names}, or all, weekdays or weekends"
                )
        if not out:
            raise ValueError(f"no day listed: use {names}, or all, weekdays or weekends")
        return out

    @model_validator(mode="after")
    def _check_form(self) -> StandbyCommitment:
        window = self.start is not None or self.end is not None
        recurring = self.term is not None or bool(self.hours) or bool(self.other_days_hours)
        if window and recurring:
            raise ValueError(
                "give either start and end (one window) or term with hours or time_period "
                "(a recurring commitment), not both"
            )
        if window and (self.start is None or self.end is None):
            raise ValueError("a one-window commitment needs both start and end")
        if window and (self.exclude_dates or self.days != "all"):
            raise ValueError(
                "days and exclude_dates apply to a recurring commitment (with term and hours); "
                "a one-window commitment holds every interval from start to end"
            )
        if not window and self.term is None:
            raise ValueError(
                "give start and end (one window), or term with hours or time_period "
                "(a commitment recurring over a contract term)"
            )
        if self.term is not None and not (self.hours or self.other_days_hours):
            raise ValueError(
                "a recurring commitment needs hours (e.g. 08:00-13:00) or a time_period "
                "(ercot_bh1, ercot_bh2, ercot_bh3, ercot_nbh)"
            )
        return self

    @property
    def recurring(self) -> bool:
        """True for the recurring form (term with hours), False for one window."""
        return self.term is not None

    @property
    def weekdays(self) -> frozenset[int]:
        """The days ``hours`` apply on, as ``date.weekday()`` numbers (Monday = 0)."""
        if isinstance(self.days, str):
            return frozenset(DAY_SETS[self.days])
        return frozenset(WEEKDAY_NAMES.index(d) for d in self.days)


class Site(_Model):
    """A hybrid AI + mining site behind one grid connection."""

    name: str = Field(description="site name, for reports")
    timezone: str = Field(description="IANA timezone of the site, e.g. America/Chicago")
    interval_minutes: Literal[5, 15, 60] = Field(15, description="interval length, minutes")
    grid: Grid = Field(
        default_factory=lambda: Grid(import_limit_mw=0.0),
        description="the interconnection (absent or null: an off-grid site, import limit 0)",
    )
    hpc_halls: list[HpcHall] = Field(default_factory=list, description="firm AI/HPC halls")
    fleets: list[MinerFleet] = Field(default_factory=list, description="mining fleets")
    battery: Battery | None = None
    gensets: list[Genset] = Field(default_factory=list, description="gas generator groups")
    solar: Solar | None = None
    dr_events: list[DemandResponseEvent] = Field(
        default_factory=list, description="announced demand-response events"
    )
    demand_charge: DemandCharge | None = None
    coincident_peak: CoincidentPeak | None = None
    reserve_products: list[ReserveProduct] = Field(
        default_factory=list, description="ancillary services the site may sell"
    )
    standby_dr: list[StandbyCommitment] = Field(
        default_factory=list, description="standby demand-response (ERS-like) commitments"
    )
    value_of_lost_load_usd_per_mwh: float = Field(
        50_000.0, gt=0, description="penalty per MWh of HPC load not served, USD/MWh"
    )
    gas_supplies: list[GasSupply] = Field(
        default_factory=list, description="gas supplies (associated gas) the gensets burn"
    )

    @field_validator("timezone")
    @classmethod
    def _check_tz(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            # OSError: a value too long for a file name (tzdata looks it up as a path)
            raise ValueError("unknown timezone (use an IANA name like America/Chicago)") from None
        return value

    @model_validator(mode="after")
    def _check_windows(self) -> Site:
        """DR and outage windows as instants in the site timezone (a naive time is local; a
        naive time the DST change makes ambiguous or skips is an error): end after start."""
        windows: list[tuple[str, str, Any]] = [
            (f"dr_events[{k}] ({e.name})", "DR", e) for k, e in enumerate(self.dr_events)
        ]
        windows += [
            (f"standby_dr[{k}] ({c.name})", "standby DR", c)
            for k, c in enumerate(self.standby_dr)
            if not c.recurring
        ]
        windows += [
            (f"fleets[{i}].outages[{k}]", "outage", o)
            for i, f in enumerate(self.fleets)
            for k, o in enumerate(f.outages)
        ]
        for where, kind, w in windows:
            start = _instant(w.start, self.timezone, f"{where}.start")
            end = _instant(w.end, self.timezone, f"{where}.end")
            if end <= start:
                raise ValueError(
                    f"{where}: {kind} window ends ({w.end}) before or when it starts "
                    f"({w.start}), compared as instants in {self.timezone}"
                )
        return self

    @model_validator(mode="after")
    def _check_names(self) -> Site:
        seen: dict[str, str] = {}
        groups = {
            "hpc_halls": self.hpc_halls,
            "fleets": self.fleets,
            "gensets": self.gensets,
            "dr_events": self.dr_events,
            "reserve_products": self.reserve_products,
            "standby_dr": self.standby_dr,
        }
        for group, items in groups.items():
            for item in items:
                if item.name in seen:
                    raise ValueError(
                        f"name {item.name!r} in {group} is already used in {seen[item.name]}"
                    )
                seen[item.name] = group
        return self

    @model_validator(mode="after")
    def _check_providers(self) -> Site:
        """Every reserve product has providers, each a fleet or the battery, never a hall; a
        product requiring an under-frequency relay only from fleets that have one."""
        fleets = {f.name: f for f in self.fleets}
        halls = {h.name for h in self.hpc_halls}
        for k, p in enumerate(self.reserve_products):
            where = f"reserve_products[{k}] ({p.name}).providers"
            if not p.providers:
                raise ValueError(
                    f"{where}: the product has no provider; list fleet names and/or 'battery'"
                )
            for who in p.providers:
                if who == "hpc" or who in halls:
                    raise ValueError(
                        f"{where}: {who!r} is an HPC hall; the firm AI load never offers "
                        "reserves (list fleets and/or 'battery')"
                    )
                if who == "battery":
                    if self.battery is None:
                        raise ValueError(f"{where}: 'battery' is listed but the site has none")
                    continue
                if who not in fleets:
                    raise ValueError(
                        f"{where}: {who!r} is not a fleet of the site "
                        f"({', '.join(fleets) or 'none'}) nor 'battery'"
                    )
                if p.requires_ufr_relay and not fleets[who].has_ufr_relay:
                    raise ValueError(
                        f"{where}: fleet {who!r} has no under-frequency relay but the product "
                        "requires one (set the fleet's has_ufr_relay: true, or drop it)"
                    )
            if len(set(p.providers)) != len(p.providers):
                raise ValueError(f"{where}: a provider is listed twice")
        return self

    @field_validator("grid", mode="before")
    @classmethod
    def _null_grid(cls, value: Any) -> Any:
        """``grid: null`` in a site file is an off-grid site, like leaving ``grid`` out."""
        return Grid(import_limit_mw=0.0) if value is None else value

    @model_validator(mode="after")
    def _check_off_grid(self) -> Site:
        """Gas supplies named once and used by a genset that names them; an off-grid site
        has no grid tariffs, and a site with no supply at all is refused."""
        supplies = {gs.name for gs in self.gas_supplies}
        if len(supplies) != len(self.gas_supplies):
            raise ValueError("gas_supplies: two supplies share a name")
        for i, g in enumerate(self.gensets):
            if g.fuel_supply is not None and g.fuel_supply not in supplies:
                known = ", ".join(sorted(supplies)) or "none"
                raise ValueError(
                    f"gensets[{i}] ({g.name}).fuel_supply: {g.fuel_supply!r} is not a "
                    f"gas_supplies name (known: {known})"
                )
        for k, gs in enumerate(self.gas_supplies):
            if not any(g.fuel_supply == gs.name for g in self.gensets):
                raise ValueError(
                    f"gas_supplies[{k}] ({gs.name}): no genset burns it; set fuel_supply: "
                    f"{gs.name} on a genset"
                )
        if self.has_grid:
            return self
        for group in ("dr_events", "demand_charge", "coincident_peak"):
            if getattr(self, group):
                raise ValueError(
                    f"{group}: the site has no grid (grid absent or import_limit_mw 0), so it "
                    f"has no import to charge or curtail; remove {group} or give the grid"
                )
        if not self.gensets and self.solar is None:
            raise ValueError(
                "the site has no supply at all: no grid (grid absent or import_limit_mw 0), "
                "no gensets and no solar/wind/hydro; give grid.import_limit_mw > 0, a genset "
                "or solar"
            )
        return self

    @property
    def has_grid(self) -> bool:
        """The site can import from a grid (``grid.import_limit_mw > 0``)."""
        return self.grid.import_limit_mw > 0

    @property
    def dt_h(self) -> float:
        """Interval length, hours."""
        return self.interval_minutes / 60

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def intervals(self, minutes: int) -> int:
        """A duration in minutes as a whole number of intervals, rounded up."""
        return math.ceil(minutes / self.interval_minutes - 1e-9)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Site:
        """Load and validate a site file; errors name the file, the field and what is wrong."""
        path = Path(path)
        problem = path_problem(path, "site file")
        if problem is not None:
            hint = " (give the .yaml file)" if path.is_dir() else ""
            raise ConfigError(f"{path}: {problem}{hint}")
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ConfigError(f"{path}: site file not found") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read site file ({exc.strerror})") from None
        text = _decode(data, path)
        try:
            raw = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader
        except DuplicateKeyError as exc:
            raise ConfigError(f"{path}: {exc}") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise ConfigError(f"{path}:{where}: invalid YAML: {problem}") from None
        if not isinstance(raw, dict):
            raise ConfigError(
                f"{path}: expected a mapping of site fields, got {type(raw).__name__}"
            )
        return cls.from_dict(raw, source=str(path))

    @classmethod
    def from_dict(cls, raw: dict[str, Any], source: str = "site") -> Site:
        """Validate a plain mapping; ``source`` names it in error messages."""
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            problems = [_describe(err) for err in exc.errors()]
            raise ConfigError(
                f"{source}: " + "; ".join(problems), problems=[f"{source}: {p}" for p in problems]
            ) from None

    def to_yaml(self, path: str | Path) -> None:
        """Write the site as YAML that :meth:`from_yaml` reads back to an equal site."""
        Path(path).write_text(yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False))


class DuplicateKeyError(yaml.YAMLError):
    """A key written twice in one mapping of a YAML file."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader that refuses a key written twice in one mapping (PyYAML keeps the
    last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            line = key_node.start_mark.line + 1
            if key in seen:
                raise DuplicateKeyError(
                    f"line {line}: key {key!r} is written twice in the same mapping (first on "
                    f"line {seen[key]}); keep one"
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _decode(data: bytes, path: Path) -> str:
    """A site file's text: UTF-8 (a BOM allowed) or UTF-16 with its BOM; anything else is an
    error that says where the first undecodable byte is."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ConfigError(f"{path}: not valid UTF-16 text; save it as UTF-8") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}: line {line}: byte 0x{data[exc.start]:02x} is not UTF-8 (Latin-1 or "
            "Windows-1252 text?); save the file as UTF-8"
        ) from None


def _describe(err: Any) -> str:
    """One pydantic error as 'fleets[0].miner.power_w: <what is wrong> (got <value>)'."""
    loc = ""
    for part in err["loc"]:
        loc += f"[{part}]" if isinstance(part, int) else (f".{part}" if loc else str(part))
    if err["type"] == "extra_forbidden":
        key = str(err["loc"][-1]) if err["loc"] else ""
        close = difflib.get_close_matches(key, _known_keys(), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}? " if close else ""
        return f"{loc}: unknown key ({hint}check its spelling against the field reference)"
    if err["type"] == "missing":
        return f"{loc}: required field is missing"
    msg = err["msg"].removeprefix("Value error, ")
    got = err.get("input")
    if isinstance(got, str):
        got = clip(got)  # a 10 MB paste is shown as its first characters and its length
    shown = "" if isinstance(got, (dict, list)) or got is None else f" (got {got!r})"
    return f"{loc or 'site'}: {msg}{shown}"


def _known_keys() -> list[str]:
    """Every field name of the site file's models (for "did you mean" hints)."""
    return sorted({name for model in _Model.__subclasses__() for name in model.model_fields})


def _instant(ts: dt.datetime, tz: str, where: str) -> dt.datetime:
    """``ts`` as an aware instant: naive = local time in ``tz``, which must exist once."""
    if ts.tzinfo is not None:
        return ts
    zone = zoneinfo.ZoneInfo(tz)
    early, late = ts.replace(tzinfo=zone, fold=0), ts.replace(tzinfo=zone, fold=1)
    if early.utcoffset() != late.utcoffset():
        raise ValueError(
            f"{where}: {ts:%Y-%m-%d %H:%M} is ambiguous in {tz} (the DST change repeats that "
            "hour): write it with a UTC offset, e.g. "
            f"{early.isoformat(timespec='minutes')} or {late.isoformat(timespec='minutes')}"
        )
    back = early.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
    if back != ts:
        raise ValueError(
            f"{where}: {ts:%Y-%m-%d %H:%M} does not exist in {tz} (the DST change skips that "
            "hour): write it with a UTC offset"
        )
    return early


#: Largest value a field may hold, by the unit its name ends with: far above any real site
#: (10 GW, 100 GWh, 1e7 USD per unit), low enough that the solver's numerics stay sound.
#: A value above it is a unit or typing mistake, and the error says which bound it broke.
MAGNITUDE_LIMITS: tuple[tuple[str, float], ...] = (
    ("_mwh", 1e5),
    ("_mw", 1e4),
    ("_kw", 1e6),
    ("_w", 1e6),
    ("_th_s", 1e6),
    ("_mmbtu_per_mwh", 100.0),
    ("_mmbtu_per_day", 1e7),
    ("_mmbtu_per_h", 1e6),
    ("_minutes", 525_600.0),  # a year
    ("_usd_per_mmbtu", 1e4),
    ("_usd_per_mwh", 1e7),
    ("_usd_per_mwh_th", 1e7),
    ("_usd_per_mw_h", 1e7),
    ("_usd_per_mw", 1e8),
    ("_usd_per_it_mwh", 1e7),
    ("_usd_per_container", 1e7),
    ("_usd_per_unit", 1e8),
)
#: Counts (containers, units, miners): at most this many.
MAX_COUNT = 1_000_000


def _magnitude_problem(name: str, value: Any) -> str | None:
    """Why ``value`` of field ``name`` is not a plausible magnitude, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return f"{name}: must be a finite number (got {value!r})"
    for suffix, limit in sorted(MAGNITUDE_LIMITS, key=lambda item: -len(item[0])):
        if name.endswith(suffix):
            if abs(value) > limit:
                return f"{name}: {value:g} is above the plausible limit of {limit:g} (check unit)"
            return None
    if isinstance(value, int) and abs(value) > MAX_COUNT:
        return f"{name}: {value} is above the plausible limit of {MAX_COUNT:,} (check the value)"
    return None


__all__ = [
    "Battery",
    "CoincidentPeak",
    "DemandCharge",
    "DemandResponseEvent",
    "GasSupply",
    "Genset",
    "Grid",
    "HpcHall",
    "MinerFleet",
    "MinerUnit",
    "Outage",
    "PowerTarget",
    "ReserveProduct",
    "Site",
    "Solar",
    "StandbyCommitment",
    "StandbyTerm",
]
