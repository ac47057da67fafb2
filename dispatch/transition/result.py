"""What a study returns: the designs table, the choice, the frontier, the buffer curve.

Definitions (money in USD; "per year" at the reference hashprice, the expected hashprice of
the first operating year, for the average historical year of typical days):

- ``npv_usd``: expected NPV over the scenarios of the design's yearly cash flows
  (:mod:`dispatch.transition.finance`), today's assets sunk; ``npv_vs_today_usd``: minus the NPV
  of today's site (no new blocks, today's fleet, first battery option);
- ``irr_vs_today``, ``payback_year_vs_today``: of the change from today's site;
- frontier: the best design at each HPC share (HPC facility MW / import limit);
- buffer curve, per HPC share, for the frontier design: **value of mining** =
  NPV(design) - NPV(same design without mining), and per year the operating margin with
  mining less without; **value of flexibility** = operating margin of the optimised fleet
  less the price-blind fleet (every container on at full power), per year.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dispatch.config import Site
from dispatch.files import atomic_path, strict_json
from dispatch.transition.designs import Config, Design, Layout
from dispatch.transition.operations import interpolate
from dispatch.transition.periods import RepDays
from dispatch.transition.scenarios import NetworkState
from dispatch.transition.search import Search, Valued
from dispatch.transition.spec import StudySpec


@dataclass
class StudyResult:
    """A transition study's results (see the module docstring); ``write(out)`` saves them."""

    spec: StudySpec
    site: Site
    layout: Layout
    rep: RepDays
    paths: pd.DataFrame
    network: NetworkState
    levels: np.ndarray
    reference_hashprice: float
    designs: pd.DataFrame
    chosen: Valued
    frontier: dict[int, Valued]
    flex_price_blind: dict[Config, float]
    validation: pd.DataFrame
    timings_s: dict[str, float]
    value: Callable[[Config, float], float] = field(repr=False)
    search: Search = field(repr=False)

    @property
    def chosen_row(self) -> pd.Series:
        return self.designs.loc[
            self.layout.label(self.chosen.design.config) + _phase(self.layout, self.chosen.design)
        ]

    @property
    def cash_flows(self) -> pd.DataFrame:
        """The chosen design's expected yearly cash flows, USD."""
        return self.chosen.flows

    def frontier_table(self) -> pd.DataFrame:
        """Best design per HPC share, with the buffer curve's values."""
        rows = []
        for h, v in self.frontier.items():
            c = v.design.config
            bare = Design(Config(h, tuple(0 for _ in c.containers), c.battery), v.design.phasing)
            nm = self.search.valued[bare]
            op = self.value(c, self.reference_hashprice)
            op_bare = self.value(bare.config, self.reference_hashprice)
            rows.append(
                {
                    "hpc_blocks": h,
                    "hpc_it_mw": h * self.spec.hpc.block_it_mw,
                    "hpc_share": self.layout.hpc_share(h),
                    "design": self.layout.label(c) + _phase(self.layout, v.design),
                    "mining_mw": self.layout.mining_mw(c.containers),
                    "npv_usd": v.npv_usd,
                    "npv_min_usd": min(v.npv_by_scenario.values()),
                    "npv_max_usd": max(v.npv_by_scenario.values()),
                    "value_of_mining_npv_usd": v.npv_usd - nm.npv_usd,
                    "operating_margin_usd_per_year": op,
                    "value_of_mining_usd_per_year": op - op_bare,
                    "value_of_flexibility_usd_per_year": op - self.flex_price_blind[c],
                }
            )
        return pd.DataFrame(rows).set_index("hpc_blocks")

    def assumptions(self) -> list[tuple[str, str, str]]:
        """(item, value with unit, source) for the report."""
        s, h, m = self.spec, self.spec.hpc, self.spec.mining
        st = self.network
        rows = [
            ("discount rate", f"{s.discount_rate:.1%} per year, nominal, pre-tax", "study file"),
            ("horizon", f"{s.horizon_years} operating years from {s.start_year}", "study file"),
            (
                "HPC block",
                f"{h.block_it_mw:g} MW IT at PUE {h.pue:g} = "
                f"{h.block_it_mw * h.pue:g} MW at the meter",
                "study file",
            ),
            (
                "HPC new-build capex",
                f"{h.new_build_capex / 1e6:,.2f} M USD/MW IT",
                "8-11 M USD/MW (the seed); 8-10 M excl. GPUs (Needham)",
            ),
            (
                "HPC retrofit capex",
                f"{h.retrofit_capex / 1e6:,.2f} M USD/MW IT",
                "1.5-3 M USD/MW (Core Scientific, in the seed)",
            ),
            (
                "HPC lease (net of energy; the site pays HPC power)",
                f"{h.lease:,.0f} USD/MW-month IT = {h.lease * 12 / 1e6:,.2f} M USD/MW-year",
                "CoreWeave-Core Scientific: ~3.5 B USD / 12 y / 200 MW = ~1.46 M USD/MW-year",
            ),
            ("HPC fixed O&M", f"{h.fixed_om:,.0f} USD/MW-year IT", "assumption (docs/study.md)"),
            (
                "HPC lead time",
                f"{h.lead_time_years} year(s) from capex to first lease",
                "study file",
            ),
            (
                "mining site capex",
                f"{m.site_capex / 1e6:,.2f} M USD/MW excl. ASICs",
                "0.3-0.8 M USD/MW (Needham)",
            ),
            ("mining fixed O&M", f"{m.fixed_om:,.0f} USD/MW-year", "assumption (docs/study.md)"),
            (
                "today's network",
                f"BTC {st.btc_price_usd:,.0f} USD, hashrate "
                f"{st.hashrate_th_s / 1e9:,.0f} EH/s, hashprice {st.hashprice_usd_per_ph_day:,.1f} "
                f"USD/PH/day (mean of {st.days} days to {st.date:%Y-%m-%d})",
                "network data file",
            ),
            (
                "halvings",
                "every 210,000 blocks at 144 blocks/day: ~2028-04-17, ~2032-04-14",
                "Bitcoin block schedule",
            ),
            (
                "reference hashprice",
                f"{self.reference_hashprice:,.1f} USD/PH/day (expected, {s.start_year})",
                "scenarios",
            ),
            (
                "hashprice levels planned",
                ", ".join(f"{x:,.1f}" for x in self.levels) + " USD/PH/day",
                "linear interpolation between",
            ),
        ]
        for k, model in enumerate(self.layout.models):
            rows.append(
                (
                    f"ASIC price, {model.fleet}",
                    f"{model.asic_price:,.2f} USD/TH/s = "
                    f"{model.asic_price * self.layout.container_th(k):,.0f} USD/container; "
                    f"life {model.life_years} y, age {model.age_years:g} y",
                    "study file; S21 at 3,100 USD/200 TH = 15.5 USD/TH (asic_miner_specs)",
                )
            )
        for sc in s.scenarios:
            rows.append(
                (
                    f"scenario {sc.name} (p = {sc.probability:g})",
                    f"BTC price {sc.btc_price_growth_per_year:+.0%}/y, hashrate "
                    f"{sc.hashrate_growth_per_year:+.0%}/y, fees {sc.fee_share:.1%} of revenue",
                    "study file",
                )
            )
        return rows

    def files(self) -> dict[str, bytes | str]:
        """Every output file by name: the tables (CSV), the charts (PNG), a JSON summary and
        ``report.html``."""
        from dispatch.transition.report import figures, html_report, png

        tables = {
            "designs.csv": self.designs,
            "frontier.csv": self.frontier_table(),
            "cash_flows.csv": self.cash_flows,
            "hashprice_paths.csv": self.paths,
            "representative_days.csv": self.rep.table().set_index("year"),
        }
        if not self.validation.empty:
            tables["validation.csv"] = self.validation
        out: dict[str, bytes | str] = {name: t.to_csv() for name, t in tables.items()}
        out.update({name: png(fig) for name, fig in figures(self).items()})
        out["summary.json"] = strict_json(self.summary(), indent=1)  # NaN/Inf as null
        out["report.html"] = html_report(self)
        return out

    def write(self, out: str | Path) -> list[Path]:
        """Write :meth:`files` into the folder ``out``, each file atomically."""
        out = Path(out)
        written = []
        for name, content in self.files().items():
            with atomic_path(out / name) as tmp:
                if isinstance(content, bytes):
                    tmp.write_bytes(content)
                else:
                    tmp.write_text(content, encoding="utf-8")
            written.append(out / name)
        return written

    def summary(self) -> dict[str, Any]:
        row = self.chosen_row
        out: dict[str, Any] = {
            "study": self.spec.name,
            "chosen_design": str(row.name),
            "hpc_share": float(row["hpc_share"]),
            "npv_usd": float(row["npv_usd"]),
            "npv_vs_today_usd": float(row["npv_vs_today_usd"]),
            "irr_vs_today": _float(row["irr_vs_today"]),
            "payback_year_vs_today": _float(row["payback_year_vs_today"]),
            "designs_valued": len(self.designs),
            "timings_s": self.timings_s,
        }
        if not self.validation.empty:
            out["validation"] = json.loads(self.validation.to_json(orient="index"))
        return out


def _float(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else float(x)


def _phase(layout: Layout, design: Design) -> str:
    if design.config.blocks == 0 or len(layout.spec.hpc.phasing) == 1:
        return ""
    return f"|{layout.spec.hpc.phasing[design.phasing].label}"


def design_rows(
    search: Search,
    value: Callable[[Config, float], float],
    mining: dict[Config, np.ndarray],
    levels: np.ndarray,
    reference: float,
) -> pd.DataFrame:
    """One row per design valued, best NPV first."""
    lay = search.layout
    base = search.valued[search.status_quo()]
    rows = []
    for d, v in search.valued.items():
        c = d.config
        irr_, payback = search.incremental(v, base)
        row: dict[str, Any] = {
            "design": lay.label(c) + _phase(lay, d),
            "stage": v.stage,
            "hpc_blocks": c.blocks,
            "hpc_it_mw": c.blocks * lay.spec.hpc.block_it_mw,
            "hpc_share": lay.hpc_share(c.blocks),
            **{f"{m.fleet}_containers": n for m, n in zip(lay.models, c.containers, strict=True)},
            "mining_mw": lay.mining_mw(c.containers),
            "battery": lay.battery_label(c.battery),
            "phasing": lay.spec.hpc.phasing[d.phasing].label,
            "npv_usd": v.npv_usd,
            **{f"npv_{s}_usd": x for s, x in v.npv_by_scenario.items()},
            "npv_min_usd": min(v.npv_by_scenario.values()),
            "npv_max_usd": max(v.npv_by_scenario.values()),
            "npv_vs_today_usd": v.npv_usd - base.npv_usd,
            "irr_vs_today": irr_,
            "payback_year_vs_today": payback,
            "capex_usd": -float(
                v.flows[["capex_hpc_usd", "capex_mining_usd", "capex_battery_usd"]].sum().sum()
            ),
            "operating_margin_usd_per_year": value(c, reference),
            "mining_revenue_usd_per_year": float(interpolate(levels, mining[c], reference)),
        }
        rows.append(row)
    frame = pd.DataFrame(rows).set_index("design")
    return frame.sort_values("npv_usd", ascending=False)


__all__ = ["StudyResult", "design_rows"]
