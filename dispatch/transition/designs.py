"""Designs: what a candidate site is made of, and the site file the dispatch model plans.

A :class:`Config` is what runs in one year: HPC blocks online, containers per mining model,
the battery choice.  A :class:`Design` is a config the site ends up with, plus the phasing of
its HPC blocks (in the years before every block is online the freed room keeps mining: see
:meth:`Layout.year_config`).

``Layout.site(config)`` turns a config into a :class:`~dispatch.config.Site`: the base site
with one more hall (``study_hpc``: ``blocks x block_it_mw`` of IT load at the study's PUE),
each fleet's container count set, and the battery chosen.  The base site's dated items (DR
events, outages) and its coincident-peak charge are left out: the typical days come from
history, where those dates and the CP probabilities do not exist.  Every container in service
starts the day on.

Room for mining (the *headroom*) is the import limit less the HPC facility load (existing
halls and new blocks at full IT load x PUE).  A candidate mining fleet never exceeds it: with
a firm HPC load, a container that cannot run at the same time as the others only costs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dispatch.config import MinerFleet, Site
from dispatch.transition.spec import BatteryOption, MiningModel, StudySpec

HPC_HALL = "study_hpc"
MW_TOL = 1e-6


@dataclass(frozen=True, order=True)
class Config:
    """What the site runs in one year."""

    blocks: int
    containers: tuple[int, ...]  # per mining model, in the spec's order
    battery: int  # index into spec.battery_options


@dataclass(frozen=True)
class Design:
    """A candidate end state and how its HPC blocks are phased in."""

    config: Config
    phasing: int = 0  # index into spec.hpc.phasing


class Layout:
    """The study's site, models and candidate space: turns configs into sites and MW."""

    def __init__(self, spec: StudySpec, site: Site) -> None:
        self.spec = spec
        self.base = site
        self.models: list[MiningModel] = spec.models(site)
        fleets = {f.name: f for f in site.fleets}
        self.fleets: list[MinerFleet] = [fleets[m.fleet] for m in self.models]
        self.existing = tuple(f.containers for f in self.fleets)
        self.hall_mw = sum(h.it_load_mw * h.pue for h in site.hpc_halls)
        self.block_mw = spec.hpc.block_it_mw * spec.hpc.pue
        room = site.grid.import_limit_mw - self.hall_mw
        most = max(0, math.floor(room / self.block_mw + 1e-9))
        self.max_blocks = most if spec.hpc.max_blocks is None else min(spec.hpc.max_blocks, most)
        self.max_containers = tuple(
            max(e, math.floor(room / self.container_mw(k) + 1e-9))
            if m.max_containers is None
            else m.max_containers
            for k, (m, e) in enumerate(zip(self.models, self.existing, strict=True))
        )

    # --- MW --------------------------------------------------------------------------------

    def container_mw(self, k: int) -> float:
        """Full power of one container of model ``k`` (highest power target), MW."""
        return self.fleets[k].full_power_mw

    def container_th(self, k: int) -> float:
        return self.fleets[k].container_hashrate_th_s

    def mining_mw(self, containers: tuple[int, ...]) -> float:
        return sum(n * self.container_mw(k) for k, n in enumerate(containers))

    def hpc_mw(self, blocks: int) -> float:
        """Facility load of the new blocks, MW."""
        return blocks * self.block_mw

    def headroom_mw(self, blocks: int) -> float:
        return self.base.grid.import_limit_mw - self.hall_mw - self.hpc_mw(blocks)

    def hpc_share(self, blocks: int) -> float:
        """HPC facility load (existing halls and new blocks) / import limit."""
        return (self.hall_mw + self.hpc_mw(blocks)) / self.base.grid.import_limit_mw

    def fits(self, config: Config) -> bool:
        return (
            0 <= config.blocks <= self.max_blocks
            and all(
                0 <= n <= m for n, m in zip(config.containers, self.max_containers, strict=True)
            )
            and self.mining_mw(config.containers) <= self.headroom_mw(config.blocks) + MW_TOL
        )

    def efficiency_order(self) -> list[int]:
        """Models from the most efficient (lowest J/TH) to the least."""
        return sorted(range(len(self.models)), key=lambda k: self.fleets[k].j_per_th)

    # --- candidate fleets ------------------------------------------------------------------

    def trim(self, containers: tuple[int, ...], blocks: int) -> tuple[int, ...]:
        """Drop containers, least efficient first, until the fleet fits the headroom."""
        out = list(containers)
        room = self.headroom_mw(blocks)
        for k in reversed(self.efficiency_order()):
            while out[k] > 0 and self.mining_mw(tuple(out)) > room + MW_TOL:
                out[k] -= 1
        return tuple(out)

    def top_up(
        self, containers: tuple[int, ...], blocks: int, pool: tuple[int, ...] | None = None
    ) -> tuple[int, ...]:
        """Add containers, most efficient model first, while they fit (at most ``pool``)."""
        out = list(containers)
        limit = self.max_containers if pool is None else pool
        for k in self.efficiency_order():
            while out[k] < limit[k]:
                out[k] += 1
                if self.mining_mw(tuple(out)) > self.headroom_mw(blocks) + MW_TOL:
                    out[k] -= 1
                    break
        return tuple(out)

    def year_config(self, design: Design, year: int) -> Config:
        """The config running in operating year ``year`` (1-based) under the design's phasing.

        Blocks not yet online leave room, which the existing containers the design retires
        keep using (most efficient first) until the blocks arrive.
        """
        c = design.config
        online = self.blocks_online(design, year)
        if online == c.blocks:
            return c
        pool = tuple(max(n, e) for n, e in zip(c.containers, self.existing, strict=True))
        return Config(online, self.top_up(c.containers, online, pool), c.battery)

    def blocks_online(self, design: Design, year: int) -> int:
        """HPC blocks online in operating year ``year`` (1-based)."""
        first = self.spec.hpc.lead_time_years + 1
        if year < first:
            return 0
        rate = self.spec.hpc.phasing[design.phasing].blocks_per_year
        if rate is None:
            return design.config.blocks
        return min(design.config.blocks, rate * (year - first + 1))

    # --- the site the dispatch model plans -------------------------------------------------

    def site(self, config: Config) -> Site:
        raw = self.base.model_dump(mode="json")
        raw["dr_events"] = []
        raw["coincident_peak"] = None
        if config.blocks:
            hall = {
                "name": HPC_HALL,
                "it_load_mw": config.blocks * self.spec.hpc.block_it_mw,
                "pue": self.spec.hpc.pue,
            }
            raw["hpc_halls"] = [*raw["hpc_halls"], hall]
        counts = {m.fleet: n for m, n in zip(self.models, config.containers, strict=True)}
        fleets = []
        for f in raw["fleets"]:
            if f["name"] in counts:
                n = counts[f["name"]]
                out_of_service = min(f["containers_unavailable"], n)
                f.update(
                    containers=n,
                    containers_unavailable=out_of_service,
                    containers_initially_on=n - out_of_service,
                    outages=[],
                )
            else:
                f["outages"] = []
            fleets.append(f)
        raw["fleets"] = fleets
        choice = self.spec.battery_options[config.battery]
        if choice == "none":
            raw["battery"] = None
        elif isinstance(choice, BatteryOption):
            base = dict(raw["battery"] or {})
            base.update(power_mw=choice.power_mw, energy_mwh=choice.energy_mwh)
            raw["battery"] = base
        return Site.from_dict(raw, source=f"study design {self.label(config)}")

    def battery_label(self, index: int) -> str:
        choice = self.spec.battery_options[index]
        if isinstance(choice, BatteryOption):
            return choice.label
        if choice == "existing" and self.base.battery is not None:
            b = self.base.battery
            return f"existing {b.power_mw:g} MW/{b.energy_mwh:g} MWh"
        return str(choice)

    def label(self, config: Config) -> str:
        fleet = "+".join(
            f"{n}x{m.fleet}" for m, n in zip(self.models, config.containers, strict=True)
        )
        return (
            f"{config.blocks}xHPC|{fleet or 'no mining'}|bat:{self.battery_label(config.battery)}"
        )


__all__ = ["HPC_HALL", "Config", "Design", "Layout"]
