"""The bad-input corpus (``tests/corpus/``): one row per case, at the API and the CLI level.

Every site file in the corpus is ``site_ok.yaml`` with one defect (its first line says
which); every series is ``prices_ok.csv`` (2026-08-17, hourly, with UTC offsets) with one
defect, or a DST day.  Each row states the error type and the key words its one-line message
must contain, or, for valid input, the plan's status, its number of intervals and the key
words of its reason.

The CLI level runs ``dispatch plan`` (and, for three rows, ``dispatch validate``) in a real
subprocess: exit code 2 and one ``error:`` line for bad input, 1 and one ``at_risk:`` line
for a plan at risk, never a traceback, no output directory unless the plan was written.
Interpreter start-up costs 1-2 s per case, so only the rows marked ``cli=True`` run there: a
representative dozen (three site-file errors, five input-file errors, a DR event outside the
window, two plans at risk and a DST day).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from dispatch import ConfigError, DataError, DispatchError, Site, check_plan, load_inputs, plan

CORPUS = Path(__file__).parent / "corpus"
DISPATCH = Path(sys.executable).parent / "dispatch"


@dataclass(frozen=True)
class Case:
    id: str
    words: tuple[str, ...]  # key words of the error message, or of the at-risk reason
    error: type[DispatchError] | None = None  # None: valid input, the plan runs
    site: str = "site_ok.yaml"
    prices: str = "prices_ok.csv"
    hashprice: str | float = 50.0
    hpc_load: str | None = None
    day: str = "2026-08-17"
    status: str = "ok"  # for valid input: "ok" (optimal or within the MIP gap) or "at_risk"
    intervals: int = 96  # for valid input
    cli: bool = False  # also run it through `dispatch plan`
    cli_code: int | None = None  # when the CLI answers differently from the API's error


# fmt: off
CASES = [
    # --- the site file ---------------------------------------------------------------------
    Case("invalid_yaml", ("site_invalid_yaml.yaml", "line 7", "invalid yaml"), ConfigError,
         site="site_invalid_yaml.yaml", cli=True),
    Case("empty_site_file", ("site_empty.yaml", "expected a mapping"), ConfigError,
         site="site_empty.yaml"),
    Case("site_not_a_mapping", ("expected a mapping", "got list"), ConfigError,
         site="site_not_a_mapping.yaml"),
    Case("site_file_missing", ("no_such_site.yaml", "not found"), ConfigError,
         site="no_such_site.yaml"),
    # `grid` is optional since issue 12 (absent = off-grid): a misspelled key is named with
    # a "did you mean" hint instead of a missing grid
    Case("unknown_key", ("grd", "unknown key", "did you mean grid"),
         ConfigError, site="site_unknown_key.yaml", cli=True),
    Case("misspelled_nested_key", ("fleets[0].containers_intially_on", "unknown key"),
         ConfigError, site="site_misspelled_nested_key.yaml"),
    # without `grid` the site is off-grid: its 25 MW hall on a 2 MW genset is at risk, and
    # the reason says why (issue 12)
    Case("missing_section", ("no grid connection", "genset gas's capacity (2.0 MW)"),
         site="site_missing_grid.yaml", status="at_risk"),
    Case("negative_capacity", ("battery.energy_mwh", "greater than 0", "-10"), ConfigError,
         site="site_negative_capacity.yaml"),
    Case("negative_import_limit", ("grid.import_limit_mw", "greater than or equal to 0"),
         ConfigError, site="site_negative_import_limit.yaml"),
    Case("pue_below_one", ("hpc_halls[0].pue", "greater than or equal to 1", "0.9"),
         ConfigError, site="site_pue_below_one.yaml"),
    Case("min_frac_above_max", ("fleets[0].power_target", "min_frac 0.9", "above max_frac 0.8"),
         ConfigError, site="site_min_frac_above_max.yaml"),
    Case("non_concave_curve", ("fleets[0].power_target", "not concave", "power_frac 0.8"),
         ConfigError, site="site_non_concave_curve.yaml", cli=True),
    Case("curve_not_covering_range", ("curve_points", "must cover", "[0.5, 1.0]"), ConfigError,
         site="site_curve_not_covering.yaml"),
    # --- hardening round 2: encodings, duplicate keys, magnitudes, windows as instants ------
    Case("duplicate_key", ("site_duplicate_key.yaml", "line 7", "'import_limit_mw'",
                           "written twice", "first on line 6"), ConfigError,
         site="site_duplicate_key.yaml", cli=True),
    Case("latin1_site_file", ("site_latin1.yaml", "line 2", "0xe9", "not utf-8",
                              "save the file as utf-8"), ConfigError,
         site="site_latin1.yaml", cli=True),
    Case("site_is_a_folder", ("corpus", "is a folder"), ConfigError, site="."),
    Case("absurd_it_load", ("hpc_halls[0]", "it_load_mw", "1e+20", "plausible limit"),
         ConfigError, site="site_absurd_load.yaml", cli=True),
    Case("nan_import_limit", ("grid.import_limit_mw", "(got nan)"), ConfigError,
         site="site_nan_limit.yaml"),
    Case("huge_fuel_price", ("gensets[0]", "fuel_price_usd_per_mmbtu", "1e+308",
                             "plausible limit"), ConfigError, site="site_fuel_price_huge.yaml"),
    Case("dr_mixed_offsets_reversed", ("dr_events[0] (ers)", "dr window ends",
                                       "as instants in america/chicago"), ConfigError,
         site="site_dr_mixed_offsets_reversed.yaml"),
    Case("outage_ambiguous_time", ("fleets[0].outages[0].start", "2026-11-01 01:30",
                                   "ambiguous", "utc offset", "-05:00"), ConfigError,
         site="site_outage_ambiguous.yaml", cli=True),
    Case("dr_window_ends_before_start", ("dr_events[0]", "dr window ends", "before"),
         ConfigError, site="site_dr_ends_before_start.yaml"),
    # the CLI leaves events outside the planned window out of the plan, and says so
    Case("dr_window_outside_horizon", ("dr_events[0]", "ers_sep", "outside the horizon"),
         ConfigError, site="site_dr_outside_horizon.yaml", cli=True, cli_code=0),
    Case("unknown_timezone", ("timezone", "unknown timezone", "america/houston"), ConfigError,
         site="site_unknown_timezone.yaml"),
    Case("interval_not_5_15_60", ("interval_minutes", "5, 15 or 60", "10"), ConfigError,
         site="site_bad_interval.yaml"),
    Case("initially_on_above_in_service",
         ("containers_initially_on = 8", "6 containers in service"), ConfigError,
         site="site_initially_on_above_in_service.yaml"),
    Case("duplicate_names", ("'s21'", "already used"), ConfigError,
         site="site_duplicate_names.yaml"),
    Case("soc_initial_outside_limits", ("battery", "soc_initial_frac 0.1", "outside"),
         ConfigError, site="site_soc_initial_outside.yaml"),
    Case("count_not_integer", ("fleets[0].containers", "valid integer", "'ten'"), ConfigError,
         site="site_containers_not_integer.yaml"),
    Case("solar_without_series", ("solar", "no solar series"), DataError,
         site="site_solar_without_series.yaml"),
    # --- the price file --------------------------------------------------------------------
    Case("price_file_missing", ("no_such_prices.csv", "file not found"), DataError,
         prices="no_such_prices.csv"),
    Case("price_file_empty", ("prices_empty.csv", "empty file"), DataError,
         prices="prices_empty.csv", cli=True),
    Case("price_file_header_only", ("prices_header_only.csv", "no data rows"), DataError,
         prices="prices_header_only.csv"),
    Case("price_nan", ("prices_nan.csv", "price_usd_per_mwh", "row 6", "missing value"),
         DataError, prices="prices_nan.csv"),
    Case("price_blank_cell", ("prices_blank_cell.csv", "row 10", "empty cell"), DataError,
         prices="prices_blank_cell.csv"),
    Case("price_gap", ("prices_gap.csv", "row 6", "gap after 2026-08-17 04:00"), DataError,
         prices="prices_gap.csv", cli=True),
    Case("price_duplicate_timestamp", ("prices_duplicate.csv", "row 9", "duplicate timestamp"),
         DataError, prices="prices_duplicate.csv"),
    Case("price_unsorted", ("prices_unsorted.csv", "row 12", "not sorted"), DataError,
         prices="prices_unsorted.csv"),
    Case("price_naive_timestamps", ("prices_naive.csv", "naive timestamps", "utc offset"),
         DataError, prices="prices_naive.csv"),
    Case("price_other_timezone", ("prices_wrong_tz.csv", "america/new_york",
                                  "different timezone than declared"),
         DataError, prices="prices_wrong_tz.csv", cli=True),
    Case("price_non_numeric", ("prices_non_numeric.csv", "row 13", "'45.0$' is not a number"),
         DataError, prices="prices_non_numeric.csv"),
    Case("price_wrong_columns", ("prices_wrong_columns.csv", "no timestamp column",
                                 "hour_ending, lmp"),
         DataError, prices="prices_wrong_columns.csv"),
    Case("price_misaligned", ("prices_misaligned.csv", "misaligned", "00:07"), DataError,
         prices="prices_misaligned.csv"),
    Case("horizon_without_data", ("prices_ok.csv", "no price_usd_per_mwh data for 2027-01-01",
                                  "data ends"),
         DataError, day="2027-01-01", cli=True),
    # --- hardening round 2: what a file is, and where in it ---------------------------------
    Case("price_file_is_a_folder", ("corpus", "is a folder, not a file"), DataError,
         prices="."),
    Case("price_file_is_excel", ("prices_excel.xlsx", "zip archive", "excel",
                                 "save it as csv or parquet", "supported: .csv, .parquet"),
         DataError, prices="prices_excel.xlsx", cli=True),
    Case("price_row_longer_than_header", ("prices_more_fields.csv", "row 5", "line 6",
                                          "3 fields, the header 2"),
         DataError, prices="prices_more_fields.csv", cli=True),
    Case("timezone_400_characters", ("timezone", "unknown timezone", "americ", "(405 chars)"),
         ConfigError, site="site_timezone_huge.yaml", cli=True),
    # --- hashprice and HPC load ------------------------------------------------------------
    Case("hashprice_zero_in_file", ("hashprice_zero.csv", "must be positive", "row 2"),
         DataError, hashprice="hashprice_zero.csv"),
    Case("hashprice_zero", ("hashprice_usd_per_ph_day", "must be positive", "0.0"), DataError,
         hashprice=0.0, cli=True),
    Case("hashprice_negative", ("hashprice_usd_per_ph_day", "must be positive", "-5.0"),
         DataError, hashprice=-5.0),
    Case("hpc_load_negative", ("hpc_negative.csv", "hall_a", "in [0, 10000]", "row 4"), DataError,
         hpc_load="hpc_negative.csv"),
    Case("hpc_load_columns_name_no_hall", ("hpc_wrong_halls.csv", "hall_b, hall_c",
                                           "name no hall"),
         DataError, hpc_load="hpc_wrong_halls.csv"),
    # --- valid input that must plan ---------------------------------------------------------
    Case("dst_23_hour_day", (), prices="prices_spring_forward.csv", day="2026-03-08",
         intervals=92, cli=True),
    Case("dst_25_hour_day", (), prices="prices_fall_back.csv", day="2026-11-01", intervals=100),
    # a frame saved by pandas with its DatetimeIndex: the index is the timestamp column
    Case("parquet_with_datetime_index", (), prices="prices_datetimeindex.parquet", cli=True),
    Case("hashprice_daily_file", (), hashprice="hashprice_ok.csv"),
    Case("dr_credit_without_cap", (), site="site_dr_credit_only.yaml"),
    Case("utf16_site_file", (), site="site_utf16.yaml"),
    Case("dr_mixed_offsets", (), site="site_dr_mixed_offsets.yaml"),
    Case("hpc_above_import_and_generation",
         ("hpc load not fully served", "8 intervals", "2026-08-17 14:00 to 2026-08-17 15:45",
          "limited by the grid import limit", "genset", "battery's power"),
         hpc_load="hpc_over_supply.csv", status="at_risk", cli=True),
    Case("dr_cap_below_firm_hpc",
         ("dr event ers", "2026-08-17 16:00 to 2026-08-17 17:45",
          "cap (10.0 mw) is below the firm hpc load (25.0 mw)"),
         site="site_dr_cap_below_hpc.yaml", status="at_risk", cli=True),
]
# fmt: on


def _path(name: str | float | None) -> str | float | None:
    return str(CORPUS / name) if isinstance(name, str) else name


def run_api(case: Case):
    site = Site.from_yaml(CORPUS / case.site)
    start = dt.date.fromisoformat(case.day)
    inputs = load_inputs(
        site,
        prices=_path(case.prices),
        hashprice=_path(case.hashprice),
        hpc_load=_path(case.hpc_load),
        start=start,
        end=start + dt.timedelta(days=1),
    )
    return plan(site, inputs)


def test_corpus_is_big_and_every_file_is_used():
    assert sum(c.error is not None for c in CASES) >= 30
    assert len({c.id for c in CASES}) == len(CASES)
    used = {name for c in CASES for name in (c.site, c.prices, c.hashprice, c.hpc_load)}
    assert {p.name for p in CORPUS.iterdir()} <= used


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_api(case: Case):
    if case.error is not None:
        with pytest.raises(DispatchError) as info:
            run_api(case)
        assert type(info.value) is case.error
        message = str(info.value)
        assert "\n" not in message and len(message) < 500, message
        for word in case.words:
            assert word.lower() in message.lower(), (word, message)
        return
    p = run_api(case)
    if case.status == "ok":
        assert p.status.value in ("optimal", "within_gap"), p.status_reason
    else:
        assert p.status.value == case.status, p.status_reason
    assert len(p.schedule) == case.intervals
    assert check_plan(p) == []
    for word in case.words:
        assert word.lower() in p.status_reason.lower(), (word, p.status_reason)
    if case.status == "at_risk":
        assert p.at_risk_intervals and p.status_reason.count("\n") == 0


CLI_CASES = [c for c in CASES if c.cli]


@pytest.fixture(scope="module")
def cli_available():
    if not DISPATCH.exists():
        pytest.skip(f"the dispatch command is not installed at {DISPATCH}")


def _cli_args(case: Case, out: Path) -> list[str]:
    args = [str(DISPATCH), "plan", str(CORPUS / case.site), "--prices", str(_path(case.prices))]
    args += ["--hashprice", str(_path(case.hashprice)), "--day", case.day, "--out", str(out)]
    if case.hpc_load is not None:
        args += ["--hpc-load", str(_path(case.hpc_load))]
    return args


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.id for c in CLI_CASES])
def test_cli(case: Case, tmp_path: Path, cli_available):
    out = tmp_path / "out" / "plan"
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    done = subprocess.run(
        _cli_args(case, out), capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path
    )
    assert "Traceback" not in done.stderr + done.stdout
    expected = case.cli_code
    if expected is None:
        expected = 2 if case.error is not None else (1 if case.status == "at_risk" else 0)
    assert done.returncode == expected, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    if expected == 2:
        assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
        for word in case.words:
            assert word.lower() in lines[0].lower(), (word, lines[0])
        assert not (tmp_path / "out").exists()  # nothing written, not even the folder
        return
    written = sorted(p.name for p in out.iterdir())
    assert written == ["chart.png", "plan.json", "report.html", "schedule.csv"]
    schedule = pd.read_csv(out / "schedule.csv")
    assert len(schedule) == case.intervals
    if expected == 1:
        assert len(lines) == 1 and lines[0].startswith(f"{case.status}: "), done.stderr
        for word in case.words:
            assert word.lower() in lines[0].lower(), (word, lines[0])
    else:
        assert lines == [], done.stderr
    if case.id == "dr_window_outside_horizon":
        assert "ers_sep" in done.stdout and "left out" in done.stdout


VALIDATE_CASES = [c for c in CASES if c.id in ("unknown_key", "price_gap", "dst_23_hour_day")]


@pytest.mark.parametrize("case", VALIDATE_CASES, ids=[c.id for c in VALIDATE_CASES])
def test_cli_validate(case: Case, tmp_path: Path, cli_available):
    """``dispatch validate`` lists every problem, one ``error:`` line each, then a count."""
    args = [str(DISPATCH), "validate", str(CORPUS / case.site), "--prices", str(_path(case.prices))]
    args += ["--hashprice", str(_path(case.hashprice)), "--day", case.day]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert "Traceback" not in done.stderr + done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    if case.error is None:
        assert done.returncode == 0 and lines == [], done.stderr
        assert done.stdout.startswith("ok: ")
        return
    assert done.returncode == 2
    errors = [line for line in lines if line.startswith("error: ")]
    assert lines == [*errors, f"{len(errors)} problem(s) found"]
    for word in case.words:
        assert any(word.lower() in line.lower() for line in errors), (word, errors)
    assert list(tmp_path.iterdir()) == []  # validate writes nothing
