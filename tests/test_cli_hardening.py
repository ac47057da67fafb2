"""The command line under bad options and failing charts, in a real subprocess: one
``error:`` line (exit 2) for every bad option value, naming the option, the bound and the
fix; a chart that cannot be drawn is one ``warning:`` line and the plan is still written;
Python warnings reach stderr as one ``warning:`` line each, never raw."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from io import BytesIO
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from dispatch.report import time_axis

REPO = Path(__file__).parents[1]
SAMPLE = REPO / "dispatch" / "sample_data" / "sample_site.yaml"
DISPATCH = Path(sys.executable).parent / "dispatch"
ENV = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(DISPATCH), *args], capture_output=True, text=True, timeout=180, env=ENV, cwd=cwd
    )
    assert "Traceback" not in done.stdout + done.stderr
    return done


BACKTEST = ["backtest", str(SAMPLE), "--from", "2026-08-17", "--to", "2026-08-17"]
PLAN = ["plan", str(SAMPLE), "--day", "2026-08-17"]


IN_SUBPROCESS = {"gap_1", "time_limit_nan", "unknown_option"}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([*BACKTEST, "--mip-gap", "1"], ("--mip-gap", "1.0", "[0, 1)", "--mip-gap 1e-3")),
        ([*BACKTEST, "--mip-gap", "nan"], ("--mip-gap", "nan", "[0, 1)")),
        ([*BACKTEST, "--mip-gap", "-0.5"], ("--mip-gap", "[0, 1)")),
        ([*BACKTEST, "--mip-gap", "abc"], ("--mip-gap", "valid number")),
        ([*BACKTEST, "--workers", "0"], ("--workers", "greater than or equal to 1")),
        ([*BACKTEST, "--rt-margin", "inf"], ("--rt-margin", "not a finite number")),
        ([*PLAN, "--time-limit", "0.01"], ("--time-limit", "0.01", ">= 0.1", "--time-limit 60")),
        ([*PLAN, "--time-limit", "nan"], ("--time-limit", "nan", ">= 0.1")),
        ([*PLAN, "--bogus"], ("no such option", "--bogus", "dispatch plan --help")),
        (["backtest", str(SAMPLE)], ("missing option", "--from")),
    ],
    ids=["gap_1", "gap_nan", "gap_negative", "gap_text", "workers_0", "rt_margin_inf",
         "time_limit_small", "time_limit_nan", "unknown_option", "missing_option"],
)  # fmt: skip
def test_a_bad_option_is_one_line_naming_it_and_nothing_is_written(
    args: list[str], words: tuple[str, ...], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """In a subprocess for three of them (interpreter start-up costs ~3 s each), in-process
    through the same command group for the others."""
    args = [*args, "--out", str(tmp_path / "out")]
    if request.node.callspec.id in IN_SUBPROCESS:
        done = run(args, tmp_path)
        code, stderr = done.returncode, done.stderr
    else:
        from typer.testing import CliRunner

        from dispatch.cli import app

        result = CliRunner().invoke(app, args)
        code, stderr = result.exit_code, result.stderr
        assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert code == 2, stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    for word in words:
        assert word.lower() in lines[0].lower(), (word, lines[0])
    assert not (tmp_path / "out").exists()


CHART_FAILS = """\
import sys
import dispatch.report as report
def boom(*args, **kwargs):
    raise OverflowError("cannot convert float infinity to integer")
report.plan_figure = boom
from dispatch.cli import main
sys.argv = ["dispatch", "plan", sys.argv[1], "--day", "2026-08-17", "--out", sys.argv[2]]
main()
"""


def test_a_chart_failure_after_the_solve_is_a_warning_and_the_plan_is_written(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-c", CHART_FAILS, str(SAMPLE), str(out)],
        capture_output=True, text=True, timeout=180, env=ENV, cwd=tmp_path,
    )  # fmt: skip
    assert "Traceback" not in done.stderr and done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines == [
        "warning: chart.png not drawn (OverflowError: cannot convert float infinity to "
        "integer); the plan is written"
    ]
    assert sorted(p.name for p in out.iterdir()) == ["plan.json", "report.html", "schedule.csv"]


def test_a_python_warning_is_one_warning_line(tmp_path: Path) -> None:
    """A hashprice of 0.05 looks like USD/TH/day: the DispatchWarning is one line."""
    done = run([*PLAN, "--hashprice", "0.05", "--out", str(tmp_path / "out")], tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("warning: "), done.stderr
    assert "USD/TH/day" in lines[0] and "multiply by 1000" in lines[0]


@pytest.mark.parametrize("days", [1, 3, 14, 60, 366, 3 * 366])
def test_the_plan_chart_time_axis_has_a_few_ticks_whatever_the_horizon(days: int) -> None:
    """A fixed 6-hour locator put 1,460 ticks on a one-year plan: 16 MAXTICKS warnings."""
    first = pd.Timestamp("2026-01-01", tz="America/Chicago")
    x = pd.date_range(first, periods=days * 24 + 1, freq="h").to_pydatetime()
    fig = Figure()
    ax = fig.add_subplot()
    ax.plot(x, range(len(x)))
    ax.set_xlim(x[0], x[-1])
    time_axis(ax, x[0], x[-1], first.tz)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(BytesIO(), format="png")
    ticks = ax.get_xticks()
    assert 3 <= len(ticks) <= 31, len(ticks)


# --- messages: what a path is, which hub, every problem at once ----------------------------

CORPUS = REPO / "tests" / "corpus"


def test_a_symlink_loop_or_a_folder_is_named_as_such(tmp_path: Path) -> None:
    from dispatch import ConfigError, DataError, Site, read_series

    (tmp_path / "a.csv").symlink_to(tmp_path / "b.csv")
    (tmp_path / "b.csv").symlink_to(tmp_path / "a.csv")
    (tmp_path / "gone.csv").symlink_to(tmp_path / "nothing.csv")
    with pytest.raises(DataError, match=r"a\.csv: is a symbolic link loop"):
        read_series(tmp_path / "a.csv", name="p", tz="UTC")
    with pytest.raises(DataError, match=r"gone\.csv: is a broken symbolic link \(to .*nothing"):
        read_series(tmp_path / "gone.csv", name="p", tz="UTC")
    with pytest.raises(DataError, match=r": is a folder, not a file"):
        read_series(tmp_path, name="p", tz="UTC")
    with pytest.raises(ConfigError, match=r"a\.csv: is a symbolic link loop"):
        Site.from_yaml(tmp_path / "a.csv")
    done = run([*PLAN, "--prices", "a.csv", "--out", "out"], tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: a.csv: is a symbolic link loop (it points back to itself), not a file"
    )
    done = run(["validate", "b.csv"], tmp_path)
    assert done.returncode == 2 and "b.csv: is a symbolic link loop" in done.stderr


def test_validate_lists_a_bad_number_with_every_other_problem(tmp_path: Path) -> None:
    args = ["validate", str(CORPUS / "site_negative_capacity.yaml"), "--hashprice", "nan"]
    args += ["--hpc-load", "inf", "--prices", str(CORPUS / "prices_gap.csv")]
    done = run([*args, "--day", "2026-08-17"], tmp_path)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert lines[-1] == "4 problem(s) found", lines
    text = "\n".join(lines)
    for words in ("--hashprice 'nan': not a finite number", "--hpc-load 'inf'",
                  "battery.energy_mwh", "prices_gap.csv"):  # fmt: skip
        assert words in text, (words, text)


def test_rt_location_picks_a_hub_of_the_shared_four_hub_file(
    shared_data: Path, tmp_path: Path
) -> None:
    from dispatch import DataError, Site, load_inputs

    rt = shared_data / "ercot_rtm_spp_15min_hubs_2022-01.csv"
    da = shared_data / "ercot_dam_hb_hubavg_hourly_2020_2024.csv"
    site = Site.from_yaml(CORPUS / "site_ok.yaml")
    window = {"start": "2022-01-03", "end": "2022-01-04"}
    inputs = load_inputs(
        site, prices=da, hashprice=80.0, rt_prices=rt, rt_location="hb_west", **window
    )
    raw = pd.read_csv(rt, index_col="interval_start_utc")["rt_spp_hb_west_usd_per_mwh"]
    assert inputs.rt_price_usd_per_mwh.iloc[0] == raw["2022-01-03T06:00:00Z"]
    assert "rt_spp_hb_west_usd_per_mwh" in inputs.sources["rt_price_usd_per_mwh"]
    with pytest.raises(DataError, match=r"several value columns .* rt_location=NAME"):
        load_inputs(site, prices=da, hashprice=80.0, rt_prices=rt, **window)
    base = ["backtest", str(CORPUS / "site_ok.yaml"), "--prices", str(da), "--hashprice", "80"]
    base += ["--rt-prices", str(rt), "--from", "2022-01-03", "--to", "2022-01-03", "--no-charts"]
    done = run([*base, "--out", "a"], tmp_path)
    assert done.returncode == 2 and "choose one with --rt-location NAME" in done.stderr
    assert "location=" not in done.stderr and not (tmp_path / "a").exists()
    done = run([*base, "--rt-location", "HB_WEST", "--out", "b"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "b" / "scenarios" / "base" / "da_vs_rt.csv").exists()
