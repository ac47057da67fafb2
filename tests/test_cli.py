"""The ``dispatch`` command through a real subprocess: outputs, exit codes, one-line errors.

Every bad-input case must exit 2 with one line on stderr naming the problem, print no
traceback and leave nothing behind (no output directory, no temporary files).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dispatch import sample_paths

SAMPLE_SITE = sample_paths()["site"]
OUTPUTS = {"schedule.csv", "plan.json", "chart.png", "report.html"}

TIGHT_SITE = """\
name: Tight site
timezone: UTC
interval_minutes: 60
grid: {import_limit_mw: 20.0}
hpc_halls:
  - {name: hall_a, it_load_mw: 10.0, pue: 1.0}
fleets:
  - name: s21
    miner: {model: Antminer S21, hashrate_th_s: 200.0, power_w: 3500.0}
    miners_per_container: 1000
    containers: 2
"""
DAY = "2026-01-05"
OVERLOAD_HOURS = (14, 15)  # HPC 25 MW against a 20 MW import limit and nothing else


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dispatch.cli", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
    )


def write_inputs(folder: Path, *, skip_price_hour: int | None = None) -> dict[str, Path]:
    """A tight site and one day of hourly prices and HPC load (25 MW in OVERLOAD_HOURS)."""
    prices, hpc = ["interval_start,price_usd_per_mwh"], ["interval_start,hall_a"]
    for h in range(24):
        ts = f"{DAY}T{h:02d}:00:00+00:00"
        if h != skip_price_hour:
            prices.append(f"{ts},{30 + h}")
        hpc.append(f"{ts},{25.0 if h in OVERLOAD_HOURS else 10.0}")
    paths = {
        "site": folder / "site.yaml",
        "prices": folder / "prices.csv",
        "hpc": folder / "hpc.csv",
    }
    paths["site"].write_text(TIGHT_SITE)
    paths["prices"].write_text("\n".join(prices) + "\n")
    paths["hpc"].write_text("\n".join(hpc) + "\n")
    return paths


def assert_bad_input(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_plan_on_the_sample_writes_four_files_and_a_summary(tmp_path: Path) -> None:
    result = run(
        "plan", SAMPLE_SITE, "--day", "2026-08-17", "--out", tmp_path / "demo", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    out = tmp_path / "demo"
    assert {p.name for p in out.iterdir()} == OUTPUTS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]  # no temporary directory
    doc = json.loads((out / "plan.json").read_text())
    assert doc["status"] in ("optimal", "within_gap")  # solved, to the default MIP gap
    for label in ("status", doc["status"], "mining uptime", "curtailed mining", "peak import"):
        assert label in result.stdout
    for label in ("HPC served", "value of flexibility", "value of mining", "energy cost"):
        assert label in result.stdout
    assert doc["provenance"]["bundled_sample_inputs"] is True
    assert doc["provenance"]["window"]["start"] == "2026-08-17T00:00:00-05:00"
    assert set(doc["provenance"]["inputs"]) >= {"price_usd_per_mwh", "hashprice_usd_per_ph_day"}
    buffer = doc["buffer"]
    assert buffer["value_of_flexibility_usd"] == pytest.approx(
        doc["objective_usd"] - buffer["counterfactuals"]["price_blind"]["profit_usd"]
    )
    schedule = (out / "schedule.csv").read_text().splitlines()
    assert schedule[0].startswith("interval_start,")
    assert len(schedule) == 1 + 96
    assert (out / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "data:image/png;base64," in (out / "report.html").read_text()


def test_at_risk_plan_is_written_and_exits_1_naming_the_intervals(tmp_path: Path) -> None:
    paths = write_inputs(tmp_path)
    out = tmp_path / "out"
    result = run(
        "plan",
        paths["site"],
        "--prices",
        paths["prices"],
        "--day",
        DAY,
        "--hashprice",
        "50",
        "--hpc-load",
        paths["hpc"],
        "--out",
        out,
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("at_risk:")
    assert f"{DAY} 14:00 to {DAY} 15:00" in lines[0]
    assert {p.name for p in out.iterdir()} == OUTPUTS
    doc = json.loads((out / "plan.json").read_text())
    assert doc["at_risk_intervals"] == [f"{DAY}T{h}:00:00+00:00" for h in OVERLOAD_HOURS]


def test_bad_yaml(tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    site.write_text("name: x\ngrid: {import_limit_mw: 20\n  fleets: [\n")
    result = run("plan", site, "--prices", "p.csv", "--hashprice", "50", cwd=tmp_path)
    assert_bad_input(result, "site.yaml", "invalid YAML", "line")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site.yaml"]


def test_unknown_key(tmp_path: Path) -> None:
    paths = write_inputs(tmp_path)
    paths["site"].write_text(
        TIGHT_SITE.replace(
            "grid: {import_limit_mw: 20.0}", "grid: {import_limit_mw: 20.0, import_limt_mw: 5}"
        )
    )
    result = run(
        "plan", paths["site"], "--prices", paths["prices"], "--hashprice", "50", cwd=tmp_path
    )
    assert_bad_input(result, "site.yaml", "grid.import_limt_mw", "unknown key")
    assert not (tmp_path / "out").exists()


def test_missing_file(tmp_path: Path) -> None:
    paths = write_inputs(tmp_path)
    result = run(
        "plan", paths["site"], "--prices", tmp_path / "nope.csv", "--hashprice", "50",
        "--day", DAY, "--out", tmp_path / "out", cwd=tmp_path,
    )  # fmt: skip
    assert_bad_input(result, "nope.csv")
    assert not (tmp_path / "out").exists()


def test_price_file_with_a_gap(tmp_path: Path) -> None:
    paths = write_inputs(tmp_path, skip_price_hour=7)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run(
        "plan", paths["site"], "--prices", paths["prices"], "--hashprice", "50",
        "--hpc-load", paths["hpc"], "--out", tmp_path / "out", cwd=tmp_path,
    )  # fmt: skip
    assert_bad_input(result, "prices.csv", "gap after 2026-01-05 06:00")
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_other_site_without_prices_is_bad_input(tmp_path: Path) -> None:
    paths = write_inputs(tmp_path)
    result = run("plan", paths["site"], "--hashprice", "50", cwd=tmp_path)
    assert_bad_input(result, "--prices")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hpc.csv", "prices.csv", "site.yaml"]


def test_validate_lists_every_problem(tmp_path: Path) -> None:
    paths = write_inputs(tmp_path, skip_price_hour=7)
    paths["site"].write_text(TIGHT_SITE.replace("pue: 1.0", "pue: 0.5, colour: red"))
    result = run("validate", paths["site"], "--prices", paths["prices"], cwd=tmp_path)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert any("hpc_halls[0].pue" in line for line in errors)
    assert any("hpc_halls[0].colour" in line and "unknown key" in line for line in errors)
    assert any("prices.csv" in line and "gap" in line for line in errors)
    assert "Traceback" not in result.stderr + result.stdout

    paths["site"].write_text(TIGHT_SITE)
    (tmp_path / "hashprice.csv").write_text("date,hashprice_usd_per_ph_day\n2026-01-05,-3\n")
    result = run(
        "validate", paths["site"], "--prices", paths["prices"], "--day", DAY,
        "--hashprice", tmp_path / "hashprice.csv", "--hpc-load", tmp_path / "missing.csv",
        cwd=tmp_path,
    )  # fmt: skip
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode == 2
    assert len(errors) == 3, result.stderr
    assert any("prices.csv" in e for e in errors)
    assert any("hashprice.csv" in e and "positive" in e for e in errors)
    assert any("missing.csv" in e for e in errors)


def test_validate_passes_on_good_inputs(tmp_path: Path) -> None:
    paths = write_inputs(tmp_path)
    result = run(
        "validate", paths["site"], "--prices", paths["prices"], "--hashprice", "50",
        "--hpc-load", paths["hpc"], "--day", DAY, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok:")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hpc.csv", "prices.csv", "site.yaml"]


def test_write_outputs_is_all_or_nothing(tmp_path: Path) -> None:
    from dispatch.cli.common import write_outputs

    target = tmp_path / "new" / "deeper" / "out"
    with pytest.raises(TypeError):  # the second file cannot be written
        write_outputs(target, {"a.txt": "fine", "b.txt": object()})  # type: ignore[dict-item]
    assert list(tmp_path.iterdir()) == []  # no output, no temporary or parent directory

    existing = tmp_path / "existing"
    existing.mkdir()
    (existing / "notes.txt").write_text("keep me")
    (existing / "a.txt").write_text("old")
    write_outputs(existing, {"a.txt": "new", "b.bin": b"\x00\x01"})
    assert (existing / "a.txt").read_text() == "new"
    assert (existing / "b.bin").read_bytes() == b"\x00\x01"
    assert (existing / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing"]
