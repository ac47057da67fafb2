"""The study on real ERCOT prices and Coin Metrics hashprice: the typical-day estimate of a
fixed design stays within a stated share of the full-year backtest, and the study runs."""

from __future__ import annotations

from pathlib import Path

from test_study import GAP_BOUND_FRAC

from conftest import REPO
from dispatch import StudySpec, study

STUDY_SITE = REPO / "data" / "sample_study_site.yaml"


def fixed_spec(shared: Path, **fields: object) -> StudySpec:
    """Today's 100 MW mining site, nothing to choose (no HPC, today's fleet, its battery)."""
    raw: dict = {
        "name": "fixed design",
        "site": str(STUDY_SITE),
        "history": {
            "prices": str(shared / "ercot_dam_hb_hubavg_hourly_2020_2024.csv"),
            "network": str(shared / "btc_mining_daily_coinmetrics_2019_2025.csv"),
            "years": [2023],
        },
        "representative_days": {"per_year": 12, "hashprice_levels": 2},
        "hpc": {"max_blocks": 0},
        "mining": {
            "models": [
                {"fleet": f, "max_containers": n, "step": 100}
                for f, n in (("s21", 20), ("s19xp", 16), ("s19jpro", 15))
            ]
        },
        "horizon_years": 3,
    }
    raw.update(fields)
    return StudySpec.from_dict(raw)


def test_typical_days_estimate_is_close_to_the_full_year_backtest(shared_data: Path) -> None:
    from dispatch import Site

    r = study(fixed_spec(shared_data), site=Site.from_yaml(STUDY_SITE), workers=1, validate=True)
    row = r.validation.loc[2023]
    assert row["typical_days"] == 14  # 12 typical + the max- and min-price days
    assert abs(row["gap_frac_of_margin"]) < GAP_BOUND_FRAC, r.validation
    assert r.chosen.design.config.blocks == 0


def test_study_writes_every_output(shared_data: Path, tmp_path: Path) -> None:
    from dispatch import Site

    spec = fixed_spec(shared_data, representative_days={"per_year": 3, "hashprice_levels": 2})
    r = study(spec, site=Site.from_yaml(STUDY_SITE), workers=1, validate=False)
    names = {p.name for p in r.write(tmp_path / "out")}
    assert {
        "designs.csv",
        "frontier.csv",
        "cash_flows.csv",
        "frontier.png",
        "buffer_curve.png",
        "report.html",
        "summary.json",
    } <= names
    html = (tmp_path / "out" / "report.html").read_text()
    assert "M USD" in html and "Needham" in html and "USD/PH/day" in html
    assert not list((tmp_path / "out").glob(".*.tmp"))
