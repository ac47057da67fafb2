"""Choosing the design: enumeration of integer candidates, each valued by the dispatch model.

The investment problem is solved by **design enumeration**, not by a second, joint
capacity-and-dispatch formulation: the operating value of every candidate comes from
:func:`dispatch.plan` on the representative days (:mod:`dispatch.transition.operations`), the very
MILP that plans a real day, so price spikes, the demand charge and the HPC load are seen as the
operator would dispatch them, and a design's value never depends on a simplified copy of the
model.  HPC blocks and container counts are integers by construction.

The candidate space (HPC blocks 0..B x containers per model x battery options x phasing) is
searched coarse to fine; every config is valued once (cached) and configs are valued in
parallel:

1. for every block count ``h``: three fleets -- no mining; today's fleet trimmed to the room
   left (least efficient containers retire first); and that fleet topped up with new
   containers, most efficient model first, until the room is full -- with the first battery
   option and the first phasing option;
2. for the best fleet at the ``BATTERY_SHARES`` best ``h``: every other battery option;
3. around the best design: containers of each model one ``step`` up and down (one model at a
   time, within the room), repeated while the NPV improves (at most ``REFINE_ROUNDS``);
4. for the best design at each ``h``: every other phasing option.

The chosen design maximises the expected NPV; the best design at each ``h`` is the frontier.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dispatch.transition.designs import Config, Design, Layout
from dispatch.transition.finance import cash_flows, irr, npv, payback_year

REFINE_ROUNDS = 3
#: how many HPC block counts (the best by NPV) try the other battery options
BATTERY_SHARES = 3


@dataclass
class Valued:
    """A design and its money: NPV per scenario, expected flows."""

    design: Design
    npv_by_scenario: dict[str, float]
    npv_usd: float  # expected
    flows: pd.DataFrame  # expected yearly flows
    stage: str


@dataclass
class Search:
    """Values designs, caching configs; ``evaluate`` values configs in batches."""

    layout: Layout
    paths: pd.DataFrame  # year x scenario hashprice, USD/PH/day
    probabilities: dict[str, float]
    evaluate: Callable[[list[Config]], None]
    value: Callable[[Config, float], float]
    valued: dict[Design, Valued] = field(default_factory=dict)

    def run(self) -> Valued:
        lay = self.layout
        stage1 = []
        for h in range(lay.max_blocks + 1):
            kept = lay.trim(lay.existing, h)
            for fleet in (tuple(0 for _ in kept), kept, lay.top_up(kept, h)):
                stage1.append(Design(Config(h, fleet, 0)))
        self.value_designs(stage1, "coarse")
        batteries = range(1, len(lay.spec.battery_options))
        self.value_designs(
            [
                Design(Config(v.design.config.blocks, v.design.config.containers, b))
                for v in self.top_blocks(BATTERY_SHARES)
                for b in batteries
            ],
            "battery",
        )
        for _ in range(REFINE_ROUNDS):
            best = self.best()
            moves = []
            for k, m in enumerate(lay.models):
                for sign in (1, -1):
                    fleet = list(best.design.config.containers)
                    fleet[k] += sign * m.step
                    c = Config(best.design.config.blocks, tuple(fleet), best.design.config.battery)
                    if lay.fits(c):
                        moves.append(Design(c, best.design.phasing))
            self.value_designs(moves, "refine")
            if self.best() is best:
                break
        phasings = range(1, len(lay.spec.hpc.phasing))
        self.value_designs(
            [
                Design(v.design.config, p)
                for v in self.best_by_blocks().values()
                if v.design.config.blocks > 1
                for p in phasings
            ],
            "phasing",
        )
        return self.best()

    def value_designs(self, designs: Iterable[Design], stage: str) -> None:
        todo = [d for d in dict.fromkeys(designs) if d not in self.valued]
        n = self.layout.spec.horizon_years
        configs = {self.layout.year_config(d, y) for d in todo for y in range(1, n + 1)}
        self.evaluate(sorted(configs))
        for d in todo:
            self.valued[d] = self.money(d, stage)

    def money(self, design: Design, stage: str) -> Valued:
        rate = self.layout.spec.discount_rate
        by_s = {}
        expected = None
        for s, p in self.probabilities.items():
            flows = cash_flows(self.layout, design, self.paths[s].to_numpy(), self.value)
            by_s[s] = npv(flows["net_usd"].to_numpy(), rate)
            expected = flows * p if expected is None else expected + flows * p
        assert expected is not None
        return Valued(
            design,
            by_s,
            float(sum(self.probabilities[s] * v for s, v in by_s.items())),
            expected,
            stage,
        )

    def best(self) -> Valued:
        return max(self.valued.values(), key=lambda v: (v.npv_usd, -v.design.config.blocks))

    def best_by_blocks(self) -> dict[int, Valued]:
        out: dict[int, Valued] = {}
        for v in self.valued.values():
            h = v.design.config.blocks
            if h not in out or v.npv_usd > out[h].npv_usd:
                out[h] = v
        return dict(sorted(out.items()))

    def top_blocks(self, n: int) -> list[Valued]:
        return sorted(self.best_by_blocks().values(), key=lambda v: -v.npv_usd)[:n]

    def status_quo(self) -> Design:
        return Design(Config(0, self.layout.trim(self.layout.existing, 0), 0))

    def incremental(self, v: Valued, base: Valued) -> tuple[float | None, int | None]:
        """IRR and payback year of the change from ``base`` to ``v`` (expected flows)."""
        delta = (v.flows["net_usd"] - base.flows["net_usd"]).to_numpy()
        if np.allclose(delta, 0.0, atol=1.0):
            return None, None
        return irr(delta), payback_year(delta)


__all__ = ["REFINE_ROUNDS", "Search", "Valued"]
