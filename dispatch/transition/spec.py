"""The study specification: a validated, immutable YAML file, like the site file.

A study file names a base site (``site:``, the physics: grid, timezone, interval, fleets with
their miners, battery, gensets) and adds the economics: candidate capacities and their capex,
the HPC lease, hashprice scenarios, the discount rate and the horizon.  Money carries its unit
in the *value*, so a number without one is an error rather than a silent guess::

    new_build_capex: 9.5 M USD/MW        # ok: 9,500,000 USD per MW of IT load
    new_build_capex: 9.5                 # ConfigError: needs a unit, e.g. '9.5 M USD/MW'

Accepted multipliers: ``k`` (1e3), ``M`` (1e6), ``B`` (1e9).  Each money field stores its
value in one canonical unit (named in :data:`CANONICAL_UNITS`), the unit the rest of the
package computes in.  Every default is sourced in ``docs/study.md``.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from dispatch.config import Site, _describe
from dispatch.errors import ConfigError

_MONEY = re.compile(
    r"^\s*(?P<num>[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)\s*(?P<mult>[kMB])?\s*USD\s*/\s*"
    r"(?P<per>[A-Za-z][A-Za-z0-9_-]*)\s*$"
)
_MULTIPLIERS = {None: 1.0, "k": 1e3, "M": 1e6, "B": 1e9}


def _money(per: dict[str, float], example: str) -> Any:
    """A float parsed from ``'<number> [k|M|B] USD/<per>'``, converted by ``per[<per>]``."""

    def parse(value: Any) -> float:
        if isinstance(value, (bool, int, float)):
            raise ValueError(f"needs a unit: write it as e.g. '{example}'")
        if not isinstance(value, str):
            raise ValueError(f"expected text such as '{example}'")
        m = _MONEY.match(value)
        if m is None:
            raise ValueError(f"cannot read {value!r} as money per unit (e.g. '{example}')")
        if m["per"] not in per:
            raise ValueError(
                f"unit USD/{m['per']} is not accepted here; use USD/{' or USD/'.join(per)}"
            )
        number = float(m["num"]) * _MULTIPLIERS[m["mult"]] * per[m["per"]]
        if number < 0:
            raise ValueError(f"must not be negative, got {value!r}")
        return number

    return Annotated[float, BeforeValidator(parse)]


UsdPerMw = _money({"MW": 1.0, "kW": 1e3}, "9.5 M USD/MW")
UsdPerMwh = _money({"MWh": 1.0, "kWh": 1e3}, "300 k USD/MWh")
UsdPerMwMonth = _money({"MW-month": 1.0, "MW-year": 1 / 12, "kW-month": 1e3}, "125 k USD/MW-month")
UsdPerMwYear = _money({"MW-year": 1.0, "kW-year": 1e3, "MW-month": 12.0}, "50 k USD/MW-year")
UsdPerTh = _money({"TH": 1.0, "PH": 1e-3}, "15.5 USD/TH")

#: The unit each money field is stored in, for reports.
CANONICAL_UNITS = {
    "new_build_capex": "USD/MW of IT load",
    "retrofit_capex": "USD/MW of IT load",
    "lease": "USD/MW-month of IT load",
    "fixed_om": "USD/MW-year",
    "site_capex": "USD/MW of mining load",
    "asic_price": "USD/TH/s",
    "capex_power": "USD/MW",
    "capex_energy": "USD/MWh",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class Phasing(_Model):
    """When the HPC blocks of a design come online: all at once, or a few blocks a year."""

    blocks_per_year: int | None = Field(
        None, ge=1, description="blocks coming online each year (none: all at once)"
    )

    @property
    def label(self) -> str:
        if self.blocks_per_year is None:
            return "all at once"
        return f"{self.blocks_per_year} block(s)/year"


class Hpc(_Model):
    """Candidate HPC capacity: identical blocks of IT load with their capex and lease."""

    block_it_mw: float = Field(10.0, gt=0, description="IT load of one block, MW")
    max_blocks: int | None = Field(
        None, ge=0, description="most blocks (none: as many as the interconnection takes)"
    )
    pue: float = Field(1.3, ge=1.0, le=3.0, description="power usage effectiveness of new halls")
    new_build_capex: UsdPerMw = Field("9.5 M USD/MW", description="new-build capex per MW of IT")
    retrofit_capex: UsdPerMw = Field(
        "2.25 M USD/MW", description="capex per MW of IT to convert a mining hall"
    )
    retrofit: bool = Field(True, description="blocks may be retrofits of freed mining halls")
    lease: UsdPerMwMonth = Field("125 k USD/MW-month", description="lease revenue per MW of IT")
    fixed_om: UsdPerMwYear = Field(
        "50 k USD/MW-year", description="fixed O&M per MW of IT (energy excluded)"
    )
    lead_time_years: int = Field(1, ge=0, le=5, description="years from capex to first lease")
    life_years: int = Field(20, ge=1, description="life of the shell and power plant, years")
    phasing: list[Phasing] = Field(
        default_factory=lambda: [Phasing()],
        min_length=1,
        description="phasing options; the study keeps the best per design",
    )


class MiningModel(_Model):
    """One fleet of the base site as an investment: how many containers it may have."""

    fleet: str = Field(description="name of a fleet in the base site")
    asic_price: UsdPerTh = Field("15.5 USD/TH", description="price of new miners, per TH/s")
    life_years: int = Field(5, ge=1, description="hardware life, years")
    age_years: float = Field(0.0, ge=0, description="age of the existing containers, years")
    max_containers: int | None = Field(
        None, ge=0, description="most containers (none: as many as the interconnection takes)"
    )
    step: int = Field(1, ge=1, description="containers added or removed per search step")
    resale_frac: float = Field(
        0.0, ge=0, le=1, description="resale of a retired container, fraction of new price"
    )


class Mining(_Model):
    """Mining as an investment: site infrastructure and the fleets that may grow or retire."""

    site_capex: UsdPerMw = Field(
        "0.55 M USD/MW", description="infrastructure per new MW of mining, ASICs excluded"
    )
    fixed_om: UsdPerMwYear = Field("20 k USD/MW-year", description="fixed O&M per MW of mining")
    models: list[MiningModel] = Field(
        default_factory=list, description="fleets of the base site (default: all, as they are)"
    )


class BatteryOption(_Model):
    """A battery size the study may build."""

    power_mw: float = Field(gt=0, description="charge and discharge power, MW")
    energy_mwh: float = Field(gt=0, description="usable energy, MWh")
    capex_power: UsdPerMw = Field("250 k USD/MW", description="capex per MW of power")
    capex_energy: UsdPerMwh = Field("250 k USD/MWh", description="capex per MWh of energy")
    fixed_om: UsdPerMwYear = Field("10 k USD/MW-year", description="fixed O&M per MW")

    @property
    def label(self) -> str:
        return f"{self.power_mw:g} MW/{self.energy_mwh:g} MWh"


BatteryChoice = Literal["none", "existing"] | BatteryOption


class Scenario(_Model):
    """A hashprice path: BTC price and network hashrate growth from today, fee share."""

    name: str = Field(description="scenario name")
    probability: float = Field(ge=0, le=1, description="probability, 0..1; all sum to 1")
    btc_price_growth_per_year: float = Field(
        gt=-1, le=5, description="BTC price growth, fraction per year"
    )
    hashrate_growth_per_year: float = Field(
        gt=-1, le=5, description="network hashrate (difficulty) growth, fraction per year"
    )
    fee_share: float = Field(
        0.02, ge=0, lt=1, description="transaction fees, fraction of miner revenue"
    )


class History(_Model):
    """The historical years whose typical days value operations."""

    prices: str = Field(description="energy price file (any layout dispatch reads)")
    network: str = Field(description="bitcoin network data (Coin Metrics layout)")
    years: list[int] = Field(min_length=1, description="calendar years to aggregate")
    location: str | None = Field(None, description="settlement point, for multi-point files")


class RepresentativeDays(_Model):
    """Time-series aggregation of each historical year (tsam), or every day."""

    per_year: int | None = Field(
        12, ge=1, le=366, description="typical days per year (none: every day, no aggregation)"
    )
    extremes: list[Literal["max_price", "min_price", "max_mean_price"]] = Field(
        default_factory=lambda: ["max_price", "min_price"],
        description="extreme days kept as their own representatives (weight 1 each)",
    )
    hashprice_levels: int = Field(
        3, ge=2, le=9, description="hashprice levels each design is planned at"
    )


DEFAULT_SCENARIOS = (
    {
        "name": "bear",
        "probability": 0.25,
        "btc_price_growth_per_year": 0.0,
        "hashrate_growth_per_year": 0.10,
    },
    {
        "name": "base",
        "probability": 0.5,
        "btc_price_growth_per_year": 0.15,
        "hashrate_growth_per_year": 0.15,
    },
    {
        "name": "bull",
        "probability": 0.25,
        "btc_price_growth_per_year": 0.30,
        "hashrate_growth_per_year": 0.15,
    },
)


class StudySpec(_Model):
    """A transition study: the site, the candidates, the money and the scenarios."""

    name: str = Field(description="study name, for reports")
    site: str = Field(description="base site file, relative to the study file")
    history: History
    representative_days: RepresentativeDays = Field(default_factory=RepresentativeDays)
    start_year: int = Field(2026, ge=2000, le=2100, description="first operating year")
    horizon_years: int = Field(10, ge=1, le=40, description="operating years valued")
    discount_rate: float = Field(0.10, ge=0, description="discount rate, fraction per year")
    hpc: Hpc = Field(default_factory=Hpc)
    mining: Mining = Field(default_factory=Mining)
    battery_options: list[BatteryChoice] = Field(
        default_factory=lambda: ["existing"],
        min_length=1,
        description="battery choices: none, existing (the base site's, sunk) or a size",
    )
    scenarios: list[Scenario] = Field(
        default_factory=lambda: [Scenario(**s) for s in DEFAULT_SCENARIOS], min_length=1
    )
    hashprice_start_days: int = Field(
        30, ge=1, description="days at the end of the network data averaged as today's state"
    )
    workers: int = Field(1, ge=1, le=64, description="processes valuing designs in parallel")
    validate_years: bool = Field(True, description="backtest the chosen design per year")

    @field_validator("discount_rate")
    @classmethod
    def _check_rate(cls, value: float) -> float:
        if value > 1:
            raise ValueError(f"{value:g} is above 1: give a fraction (10 % is 0.10)")
        return value

    @field_validator("scenarios")
    @classmethod
    def _check_scenarios(cls, value: list[Scenario]) -> list[Scenario]:
        total = sum(s.probability for s in value)
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"probabilities sum to {total:g}, they must sum to 1")
        names = [s.name for s in value]
        if len(set(names)) != len(names):
            raise ValueError("scenario names must be unique")
        return value

    # --- loading ----------------------------------------------------------------------------

    @classmethod
    def from_yaml(cls, path: str | Path) -> tuple[StudySpec, Site, Path]:
        """Load the study file and its site; returns ``(spec, site, study file folder)``."""
        path = Path(path)
        try:
            raw = yaml.safe_load(path.read_text())
        except FileNotFoundError:
            raise ConfigError(f"{path}: study file not found") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read study file ({exc.strerror})") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            raise ConfigError(f"{path}:{where}: invalid YAML") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: expected a mapping of study fields")
        spec = cls.from_dict(raw, source=str(path))
        site_path = path.parent / spec.site
        site = Site.from_yaml(site_path)
        spec.check_against(site, source=str(path))
        return spec, site, path.parent

    @classmethod
    def from_dict(cls, raw: dict[str, Any], source: str = "study") -> StudySpec:
        """Validate a mapping; errors name ``source`` and the field path."""
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            problems = [_describe(err) for err in exc.errors()]
            raise ConfigError(
                f"{source}: " + "; ".join(problems), problems=[f"{source}: {p}" for p in problems]
            ) from None

    def check_against(self, site: Site, source: str = "study") -> None:
        """Cross-checks with the base site: fleets exist, a block fits the interconnection."""
        limit = site.grid.import_limit_mw
        block_mw = self.hpc.block_it_mw * self.hpc.pue
        if block_mw > limit:
            raise ConfigError(
                f"{source}: hpc.block_it_mw: a {self.hpc.block_it_mw:g} MW IT block draws "
                f"{block_mw:g} MW at PUE {self.hpc.pue:g}, more than the interconnection "
                f"(grid.import_limit_mw = {limit:g} MW of {site.name})"
            )
        fleets = {f.name for f in site.fleets}
        for k, m in enumerate(self.mining.models):
            if m.fleet not in fleets:
                raise ConfigError(
                    f"{source}: mining.models[{k}].fleet: {m.fleet!r} is not a fleet of the "
                    f"site (fleets: {', '.join(sorted(fleets)) or 'none'})"
                )
        for k, b in enumerate(self.battery_options):
            if b == "existing" and site.battery is None:
                raise ConfigError(
                    f"{source}: battery_options[{k}]: 'existing' but the site has no battery"
                )

    def models(self, site: Site) -> list[MiningModel]:
        """The mining models: those listed, or every fleet of the site as it is."""
        if self.mining.models:
            return list(self.mining.models)
        return [MiningModel(fleet=f.name, step=max(1, f.containers // 4)) for f in site.fleets]


__all__ = [
    "CANONICAL_UNITS",
    "BatteryOption",
    "History",
    "Hpc",
    "Mining",
    "MiningModel",
    "Phasing",
    "RepresentativeDays",
    "Scenario",
    "StudySpec",
]
