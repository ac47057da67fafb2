"""The operator's daily loop through a real subprocess: plan day D, then D+1 from D's plan;
``--day today|tomorrow`` and its default; foreign price files (``--time-column``,
``--timezone``, also for ``dispatch validate``); every missing input at once; ``--sweep``,
``--version``, help at 80 columns; ``schedule.csv`` at full precision."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
from typer.testing import CliRunner

from dispatch import read_series, sample_paths
from dispatch.cli import app
from dispatch.errors import DataError

TZ = "America/New_York"
SITE = f"""\
name: PJM test site
timezone: {TZ}
interval_minutes: 60
grid: {{import_limit_mw: 30.0}}
hpc_halls:
  - {{name: hall_a, it_load_mw: 10.0, pue: 1.0}}
fleets:
  - name: s21
    miner: {{model: Antminer S21, hashrate_th_s: 200.0, power_w: 3500.0}}
    miners_per_container: 1000
    containers: 4
    min_up_minutes: 120
    containers_initially_on: 1
"""


def run(*args: str | Path, cwd: Path, columns: int | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if columns is not None:
        env["COLUMNS"] = str(columns)
    return subprocess.run(
        [sys.executable, "-m", "dispatch.cli", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )


def pjm_prices(path: Path, first: dt.date, days: int) -> Path:
    """A PJM-like hourly file: naive local times in a ``Datetime`` column (as the PJM Data
    Miner export), expensive evenings (the miners stop) and cheap nights."""
    stamps = pd.date_range(first, periods=24 * days, freq="h", tz=TZ)
    price = [250.0 if 17 <= ts.hour < 20 else 25.0 + ts.hour for ts in stamps]
    pd.DataFrame({"Datetime": stamps.strftime("%Y-%m-%d %H:%M:%S"), "LMP": price}).to_csv(
        path, index=False
    )
    return path


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    (tmp_path / "site.yaml").write_text(SITE)
    return tmp_path


def test_daily_loop_plans_d_then_d_plus_1_from_ds_plan(folder: Path) -> None:
    prices = pjm_prices(folder / "pjm.csv", dt.date(2026, 3, 7), 3)  # spans the DST change
    common = ["--prices", prices, "--time-column", "Datetime", "--timezone", "local"]
    common += ["--hashprice", "50"]
    first = run("plan", "site.yaml", *common, "--day", "2026-03-07", "--out", "d", cwd=folder)
    assert first.returncode == 0, first.stderr
    second = run(
        "plan", "site.yaml", *common, "--from-plan", "d/plan.json", "--out", "d1", cwd=folder
    )
    assert second.returncode == 0, second.stderr
    before = json.loads((folder / "d" / "plan.json").read_text())
    after = json.loads((folder / "d1" / "plan.json").read_text())
    assert after["state_in"] == before["state_out"]
    assert before["kpis"]["horizon"]["end"] == after["kpis"]["horizon"]["start"]
    assert after["kpis"]["horizon"]["start"] == "2026-03-08T00:00:00-05:00"
    assert after["kpis"]["horizon"]["intervals"] == 23  # spring forward, read as local time
    # a plan that does not continue it, for another site: every difference at once
    other = (folder / "site.yaml").read_text().replace("PJM test site", "Other site")
    (folder / "other.yaml").write_text(other.replace("name: s21", "name: s19"))
    bad = run(
        "plan", "other.yaml", *common, "--from-plan", "d/plan.json", "--day", "2026-03-09",
        cwd=folder,
    )  # fmt: skip
    assert bad.returncode == 2
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 3, bad.stderr
    assert "it is for site 'PJM test site', this site is 'Other site'" in lines[0]
    assert "its fleets are ['s21'], this site's are ['s19']" in lines[1]
    assert "ends 2026-03-08T00:00:00-05:00 but this plan starts 2026-03-09" in lines[2]
    assert "--day 2026-03-08" in lines[2]


def test_schedule_csv_is_full_precision_and_sums_to_the_plan(folder: Path) -> None:
    result = run("plan", sample_paths()["site"], "--day", "2026-08-17", "--out", "o", cwd=folder)
    assert result.returncode == 0, result.stderr
    text = (folder / "o" / "schedule.csv").read_text()
    assert "e+" not in text  # 1,865,456 TH/s is 1865456.0, not 1.86546e+06
    schedule = pd.read_csv(folder / "o" / "schedule.csv")
    doc = json.loads((folder / "o" / "plan.json").read_text())
    schema = files("dispatch").joinpath("schemas/plan.schema.json").read_text()
    jsonschema.validate(doc, json.loads(schema))  # the same document as Plan.to_json()
    assert doc["schedule"] is None and doc["buffer"]["value_of_mining_usd"] is not None
    assert round(schedule["profit_total_usd"].sum(), 2) == round(doc["objective_usd"], 2)
    assert schedule["s21_containers_on"].dtype == "int64"
    assert schedule["dr_active"].dtype == bool
    assert "wrote o/: schedule.csv, plan.json, chart.png, report.html" in result.stdout


def test_day_defaults_to_tomorrow_in_the_site_timezone(folder: Path) -> None:
    today = pd.Timestamp.now(tz=TZ).date()
    pjm_prices(folder / "pjm.csv", today - dt.timedelta(days=1), 4)
    args = ["--prices", "pjm.csv", "--time-column", "Datetime", "--timezone", TZ]
    ok = run("plan", "site.yaml", *args, "--hashprice", "50", "--out", "t", cwd=folder)
    assert ok.returncode == 0, ok.stderr
    start = json.loads((folder / "t" / "plan.json").read_text())["kpis"]["horizon"]["start"]
    assert start.startswith(str(today + dt.timedelta(days=1)))
    # "today" is accepted; a file that ends today says what it covers
    pjm_prices(folder / "old.csv", today - dt.timedelta(days=3), 4)
    args[1] = "old.csv"
    stale = run("plan", "site.yaml", *args, "--hashprice", "50", cwd=folder)
    assert stale.returncode == 2
    assert f"they cover {today - dt.timedelta(days=3)} to {today}" in stale.stderr
    assert "--day" in stale.stderr


def test_a_copied_sample_site_lists_every_missing_input_at_once(folder: Path) -> None:
    shutil.copy(sample_paths()["site"], folder / "my_site.yaml")
    result = run("plan", "my_site.yaml", cwd=folder)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert ["--prices" in lines[0], "--hashprice" in lines[1], "--cp-probability" in lines[2]] == [
        True,
        True,
        True,
    ], lines
    assert len(lines) == 3 and "Traceback" not in result.stderr


def test_sweep_version_and_help_at_80_columns(folder: Path) -> None:
    sweep = run("plan", "site.yaml", "--sweep", "sweep.yaml", cwd=folder)
    assert sweep.returncode == 2
    assert len(sweep.stderr.strip().splitlines()) == 1
    assert "dispatch backtest" in sweep.stderr and "--sweep" in sweep.stderr
    version = run("--version", cwd=folder)
    assert version.returncode == 0 and version.stdout.startswith("dispatch ")
    help_ = run("plan", "--help", cwd=folder, columns=80)
    lines = help_.stdout.splitlines()
    assert max(map(len, lines)) <= 80
    prices = next(line for line in lines if "--prices" in line)
    assert prices.index("energy prices") <= 45, prices  # a help column of 35+ characters
    assert "[default: (tomorrow)]" in help_.stdout


def test_read_series_reads_naive_timestamps_as_told(tmp_path: Path) -> None:
    path = pjm_prices(tmp_path / "pjm.csv", dt.date(2026, 3, 8), 1)
    with pytest.raises(DataError, match="--timezone utc\\|local\\|ZONE"):
        read_series(path, name="price_usd_per_mwh", tz=TZ, time_column="Datetime")
    local = read_series(path, name="p", tz=TZ, time_column="Datetime", timezone="local")
    assert len(local) == 24 and str(local.index[2]) == "2026-03-08 03:00:00-04:00"
    # the same local-time file read as UTC: the spring-forward hour is a gap (the DST check)
    pd.DataFrame(
        {"Datetime": [f"2026-03-08 {h:02d}:00:00" for h in range(24) if h != 2], "LMP": 1.0}
    ).to_csv(path, index=False)
    with pytest.raises(DataError, match="gap"):
        read_series(path, name="p", tz=TZ, time_column="Datetime", timezone="utc")
    with pytest.raises(DataError, match="no column 'When'"):
        read_series(path, name="p", tz=TZ, time_column="When", timezone="utc")


def test_validate_reads_a_foreign_price_file_as_plan_does(folder: Path) -> None:
    prices = pjm_prices(folder / "pjm.csv", dt.date(2026, 3, 7), 3)
    args = ["validate", str(folder / "site.yaml"), "--prices", str(prices), "--hashprice", "50"]
    args += ["--day", "2026-03-08"]
    runner = CliRunner()
    untold = runner.invoke(app, args)
    assert untold.exit_code == 2 and "--timezone utc|local|ZONE" in untold.stderr
    told = runner.invoke(app, [*args, "--time-column", "Datetime", "--timezone", "local"])
    assert told.exit_code == 0, told.output
    assert "for 2026-03-08 00:00 to 2026-03-09 00:00" in told.stdout
    for extra, message in (
        (["--time-column", "Datetime", "--timezone", "utc"], "gap after 2026-03-07 20:00-05:00"),
        (["--time-column", "When", "--timezone", "local"], "no column 'When'"),
    ):
        wrong = runner.invoke(app, [*args, *extra])
        assert wrong.exit_code == 2
        assert wrong.stderr.splitlines() == [wrong.stderr.splitlines()[0], "1 problem(s) found"]
        assert message in wrong.stderr and "pjm.csv" in wrong.stderr
