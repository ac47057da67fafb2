"""``dispatch backtest``: a real run end to end, and bad input as one line with exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from dispatch.cli import app

SITE = """\
name: cli backtest
timezone: America/Chicago
interval_minutes: 60
grid: {import_limit_mw: 40.0}
hpc_halls: [{name: hall, it_load_mw: 20.0, pue: 1.0}]
fleets:
  - name: f
    miner: {model: m, hashrate_th_s: 100.0, power_w: 3000.0}
    miners_per_container: 1000
    containers: 4
"""
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    (tmp_path / "site.yaml").write_text(SITE)
    index = pd.date_range("2026-03-02 06:00", periods=4 * 24, freq="h", tz="UTC")
    hour = index.tz_convert("America/Chicago").hour
    da = np.where((hour >= 17) & (hour < 20), 150.0, 30.0)
    stamps = index.strftime("%Y-%m-%dT%H:%M:%SZ")
    pd.DataFrame({"interval_start_utc": stamps, "price": da}).to_csv(
        tmp_path / "da.csv", index=False
    )
    rt = np.where(hour == 12, 400.0, da)  # a real-time spike at noon
    pd.DataFrame({"interval_start_utc": stamps, "price": rt}).to_csv(
        tmp_path / "rt.csv", index=False
    )
    return tmp_path


def test_backtest_command_writes_results_charts_and_a_summary(folder: Path) -> None:
    out = folder / "out"
    args = ["backtest", folder / "site.yaml", "--prices", folder / "da.csv", "--hashprice", "60"]
    args += ["--rt-prices", folder / "rt.csv", "--rt-margin", "20", "--counterfactuals"]
    args += ["--from", "2026-03-02", "--to", "2026-03-03", "--out", out]
    proc = subprocess.run(
        [sys.executable, "-m", "dispatch.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Backtest summary" in proc.stdout and "value of flexibility" in proc.stdout
    assert "2026-03-02 to 2026-03-03 (2 days)" in proc.stdout
    scn = out / "scenarios" / "base"
    daily = pd.read_csv(scn / "daily.csv", index_col="date")
    assert list(daily.index) == ["2026-03-02", "2026-03-03"]  # --to is included
    intervals = pd.read_parquet(scn / "intervals.parquet")
    assert len(intervals) == 48
    assert intervals["rt_mining_mw"][intervals.index.hour == 12].eq(0).all()
    totals = json.loads((scn / "totals.json").read_text())
    assert totals["optimise"]["profit_total_usd"] == pytest.approx(daily["profit_total_usd"].sum())
    assert (scn / "da_vs_rt.csv").exists() and (out / "comparison.csv").exists()
    for name in (
        "monthly_profit",
        "curtailment_heatmap",
        "mining_vs_price_duration",
        "monthly_value",
    ):
        data = (scn / "charts" / f"{name}.png").read_bytes()
        assert data.startswith(PNG) and len(data) > 20_000


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--from", "2026-03-32", "--to", "2026-03-03"], "--from '2026-03-32'"),
        (["--from", "2026-03-03", "--to", "2026-03-02"], "before --from"),
        (["--from", "2026-03-02", "--to", "2026-03-09"], "no price_usd_per_mwh data"),
        (["--from", "2026-03-02", "--to", "2026-03-02", "--chunk", "fortnight"], "chunk"),
        (["--from", "2026-03-02", "--to", "2026-03-02", "--sweep", "SWEEP"], "unknown field 'pu'"),
        (
            ["--from", "2026-03-02", "--to", "2026-03-02", "--time-column", "Datetime"],
            "da.csv: no column 'Datetime' for the timestamps (found: interval_start_utc, price); "
            "fix --time-column",
        ),
        (
            ["--from", "2026-03-02", "--to", "2026-03-02", "--timezone", "Mars/Base"],
            "unknown timezone 'Mars/Base'",
        ),
        (["--from", "2026-03-02", "--to", "2026-03-02", "--time-limit", "0"], "--time-limit 60"),
        (["--from", "2026-03-02", "--to", "2026-03-02", "--time-limit", "inf"], "--time-limit"),
    ],
)
def test_bad_input_exits_2_with_one_line(folder: Path, extra: list[str], message: str) -> None:
    (folder / "sweep.yaml").write_text("vary:\n  hpc_halls[0].pu: [1.1]\n")
    extra = [str(folder / "sweep.yaml") if e == "SWEEP" else e for e in extra]
    args = ["backtest", str(folder / "site.yaml"), "--prices", str(folder / "da.csv")]
    args += ["--hashprice", "60", "--out", str(folder / "out"), "--no-charts", *extra]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]


def test_steps_at_risk_exit_1_naming_the_first(folder: Path) -> None:
    (folder / "site.yaml").write_text(SITE.replace("it_load_mw: 20.0", "it_load_mw: 45.0"))
    args = ["backtest", str(folder / "site.yaml"), "--prices", str(folder / "da.csv")]
    args += ["--hashprice", "60", "--from", "2026-03-02", "--to", "2026-03-02"]
    args += ["--out", str(folder / "out"), "--no-charts"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "1 step(s) at risk or fallback; first: base optimise 2026-03-02" in result.stderr
    assert (folder / "out" / "scenarios" / "base" / "daily.csv").exists()


def foreign_prices(folder: Path) -> tuple[list[str], list[str]]:
    """The same day-ahead and real-time prices (2026-03-07 to 03-10, over the spring-forward
    day 03-08) twice: with UTC offsets in ``interval_start``, and as a PJM-like export
    (``Datetime`` of naive local times, a 23-hour 03-08 without 02:00)."""
    stamps = pd.date_range("2026-03-07", "2026-03-10", freq="h", tz="America/Chicago")
    evening = (stamps.hour >= 17) & (stamps.hour < 20)
    da = np.where(evening, 150.0, 20.0 + stamps.hour)
    rt = np.where(stamps.hour == 12, 400.0, da)  # a real-time spike at noon
    naive = stamps.strftime("%Y-%m-%d %H:%M:%S")
    offsets = [t.isoformat() for t in stamps]
    for name, values in (("da", da), ("rt", rt)):
        pd.DataFrame({"interval_start": offsets, name: values}).to_csv(
            folder / f"{name}_offsets.csv", index=False
        )
        pd.DataFrame({"Datetime": naive, "LMP": values}).to_csv(
            folder / f"{name}_naive.csv", index=False
        )
    common = ["backtest", str(folder / "site.yaml"), "--hashprice", "60", "--rt-margin", "20"]
    common += ["--from", "2026-03-07", "--to", "2026-03-08", "--no-charts"]
    offset_args = ["--prices", str(folder / "da_offsets.csv")]
    offset_args += ["--rt-prices", str(folder / "rt_offsets.csv")]
    naive_args = ["--prices", str(folder / "da_naive.csv")]
    naive_args += ["--rt-prices", str(folder / "rt_naive.csv")]
    return common + offset_args, common + naive_args


def test_a_naive_time_file_with_timezone_backtests_as_the_same_data_with_offsets(
    folder: Path,
) -> None:
    with_offsets, naive = foreign_prices(folder)
    runner = CliRunner()
    told = ["--time-column", "Datetime", "--timezone", "local"]
    results = {}
    for name, args in (("offsets", with_offsets), ("naive", [*naive, *told])):
        result = runner.invoke(app, [*args, "--out", str(folder / name)])
        assert result.exit_code == 0, result.output
        assert "2026-03-07 to 2026-03-08 (2 days)" in result.stdout  # the last day has 23 h
        results[name] = pd.read_parquet(folder / name / "scenarios" / "base" / "intervals.parquet")
    assert len(results["naive"]) == 24 + 23  # the spring-forward day read in local time
    assert results["naive"]["rt_mining_mw"][results["naive"].index.hour == 12].eq(0).all()
    pd.testing.assert_frame_equal(results["naive"], results["offsets"])
    # a sweep reads the inputs the same way: its base-sized scenario is the plain run
    (folder / "sweep.yaml").write_text("vary:\n  hpc_halls[0].it_load_mw: [20.0, 30.0]\n")
    sweep = [*naive, *told, "--sweep", str(folder / "sweep.yaml"), "--out", str(folder / "s")]
    result = runner.invoke(app, sweep)
    assert result.exit_code == 0, result.output
    same = next((folder / "s" / "scenarios").glob("*it_load_mw=20")) / "intervals.parquet"
    pd.testing.assert_frame_equal(pd.read_parquet(same), results["offsets"])
    # without --timezone, the naive file is refused in one line that names the fix
    result = runner.invoke(app, [*naive, "--out", str(folder / "bad")])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "da_naive.csv, column Datetime, row 1: naive" in lines[0]
    assert "--timezone utc|local|ZONE" in lines[0]


def test_time_limit_reaches_every_step_and_the_run_record(folder: Path) -> None:
    """``--time-limit`` caps each step's plan (as ``dispatch plan``'s caps its one solve) and
    is part of what the results depend on: the manifest records it."""
    out = folder / "out"
    args = ["backtest", str(folder / "site.yaml"), "--prices", str(folder / "da.csv")]
    args += ["--hashprice", "60", "--from", "2026-03-02", "--to", "2026-03-03"]
    args += ["--time-limit", "30", "--out", str(out), "--no-charts"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["options"]["options"]["time_limit_s"] == 30.0
    daily = pd.read_csv(out / "scenarios" / "base" / "daily.csv")
    assert len(daily) == 2
