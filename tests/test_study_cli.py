"""``dispatch study``: one-line errors with exit 2 and nothing written; outputs on success."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from conftest import REPO
from dispatch.cli import app

runner = CliRunner()


def test_study_bad_input_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    spec = tmp_path / "study.yaml"
    spec.write_text(
        "name: x\nsite: site.yaml\nhistory: {prices: p, network: n, years: [2023]}\n"
        "hpc: {new_build_capex: 9.5}\n"
    )
    result = runner.invoke(app, ["study", str(spec), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "hpc.new_build_capex: needs a unit" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_study_command_writes_the_outputs(shared_data: Path, tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text((REPO / "data" / "sample_study_site.yaml").read_text())
    spec = {
        "name": "cli",
        "site": "site.yaml",
        "history": {
            "prices": str(shared_data / "ercot_dam_hb_hubavg_hourly_2020_2024.csv"),
            "network": str(shared_data / "btc_mining_daily_coinmetrics_2019_2025.csv"),
            "years": [2023],
        },
        "representative_days": {"per_year": 3, "hashprice_levels": 2},
        "hpc": {"max_blocks": 1, "pue": 1.25},
        "mining": {"models": [{"fleet": "s21", "step": 100}]},
        "horizon_years": 3,
    }
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(spec))
    out = tmp_path / "out"
    result = runner.invoke(app, ["study", str(path), "--out", str(out), "--no-validate"])
    assert result.exit_code == 0, result.output
    assert "expected NPV" in result.output
    assert (out / "report.html").stat().st_size > 10_000
    assert (out / "frontier.csv").read_text().startswith("hpc_blocks,")
