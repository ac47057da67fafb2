"""Limits users hit: strict JSON everywhere, the model size of a long horizon, a horizon
that is not whole intervals, a Parquet frame with a DatetimeIndex."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest

from dispatch import DataError, Site, load_inputs, load_sample, plan
from dispatch.assets.base import Mode
from dispatch.files import strict_json
from dispatch.model import SiteModel
from dispatch.planner import MAX_MODEL_VARIABLES, model_size_estimate, plan_data
from dispatch.state import SiteState

DISPATCH = Path(sys.executable).parent / "dispatch"


def strict_loads(text: str):  # type: ignore[no-untyped-def]
    """RFC 8259 JSON: NaN, Infinity and -Infinity are not numbers there."""

    def refuse(name: str) -> None:
        raise ValueError(f"not strict JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def test_strict_json_writes_null_for_every_non_finite_number() -> None:
    doc = {"a": float("nan"), "b": [np.float64("inf"), -math.inf, 1.5], "c": {"d": np.int64(3)}}
    assert strict_loads(strict_json(doc)) == {"a": None, "b": [None, None, 1.5], "c": {"d": 3}}


def test_plan_json_is_strict_even_with_non_finite_numbers(sample_day) -> None:  # type: ignore[no-untyped-def]
    site, inputs = sample_day
    p = plan(site, inputs)
    p.kpis["made_up_nan"] = float("nan")  # type: ignore[index]
    p.kpis["made_up_inf"] = float("inf")  # type: ignore[index]
    doc = strict_loads(p.to_json())
    assert doc["kpis"]["made_up_nan"] is None and doc["kpis"]["made_up_inf"] is None
    assert len(doc["schedule"]["data"]) == 96


def test_every_json_file_of_the_cli_is_strict(tmp_path: Path) -> None:
    sample = Path(__file__).parents[1] / "dispatch" / "sample_data" / "sample_site.yaml"
    done = subprocess.run(
        [str(DISPATCH), "backtest", str(sample), "--from", "2026-08-17", "--to", "2026-08-17",
         "--out", str(tmp_path / "bt"), "--no-charts"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = subprocess.run(
        [str(DISPATCH), "plan", str(sample), "--day", "2026-08-17",
         "--out", str(tmp_path / "plan")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    files = sorted(tmp_path.rglob("*.json"))
    assert len(files) >= 5  # plan.json, manifest, totals x2, a step record
    for path in files:
        strict_loads(path.read_text())


def built_and_estimated(site: Site, inputs) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    data = plan_data(site, inputs, SiteState.initial(site), Mode.OPTIMISE)
    model = SiteModel(site, data)
    built = sum(1 for _ in model.model.component_data_objects(pyo.Var))
    return built, model_size_estimate(site) * data.n


def test_the_model_size_estimate_matches_the_built_model(sample_day) -> None:  # type: ignore[no-untyped-def]
    built, estimate = built_and_estimated(*sample_day)
    assert abs(estimate - built) / built < 0.1, (estimate, built)
    repo = Path(__file__).parents[1]
    flare = Site.from_yaml(repo / "data" / "sample_flare_site.yaml")
    inputs = load_inputs(flare, prices=None, hashprice=50.0,
                         gas_flow=repo / "data" / "sample_gas_flow.csv",
                         start="2023-01-02", end="2023-01-03")  # fmt: skip
    built, estimate = built_and_estimated(flare, inputs)
    assert abs(estimate - built) / built < 0.1, (estimate, built)


def test_a_one_year_five_minute_plan_is_refused_before_building(tmp_path: Path) -> None:
    site, _ = load_sample()
    site = Site.from_dict(
        {
            **site.model_dump(mode="json"),
            "interval_minutes": 5,
            "dr_events": [],
            "coincident_peak": None,
        }
    )
    index = pd.date_range(
        "2026-01-01", "2027-01-01", freq="5min", tz=site.timezone, inclusive="left"
    )
    prices = pd.Series(40.0, index=index, name="price_usd_per_mwh")
    inputs = load_inputs(site, prices=prices, hashprice=50.0)
    with pytest.raises(DataError) as info:
        plan(site, inputs)
    message = str(info.value)
    for words in ("105,120 intervals", "365.0 days at 5 minutes", "variables",
                  f"limit of {MAX_MODEL_VARIABLES:,}", "dispatch backtest"):  # fmt: skip
        assert words in message, (words, message)
    frame = pd.DataFrame({"interval_start": index.tz_convert("UTC").strftime("%Y-%m-%dT%H:%MZ"),
                          "price_usd_per_mwh": 40.0})  # fmt: skip
    frame.to_csv(tmp_path / "year.csv", index=False)
    (tmp_path / "site.yaml").write_text(json.dumps(site.model_dump(mode="json")))
    done = subprocess.run(
        [str(DISPATCH), "plan", "site.yaml", "--prices", "year.csv", "--hashprice", "50",
         "--hpc-load", "40", "--day", "2026-01-01", "--horizon", "365d", "--out", "out"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: horizon: 105,120 intervals"), done.stderr
    assert done.stderr.count("\n") == 1 and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("horizon", "words"),
    [("1.1h", "use 1h or 1.25h"), ("0.1h", "use 0.25h"), ("24.5h", "use 24.5h")],
)
def test_a_horizon_that_is_not_whole_intervals_is_refused(horizon: str, words: str) -> None:
    from dispatch.cli.common import check_whole_intervals, parse_horizon

    hours, _ = parse_horizon(horizon)
    if horizon == "24.5h":  # 98 intervals of 15 minutes: fine
        check_whole_intervals(horizon, hours, 15)
        return
    with pytest.raises(DataError, match=f"--horizon {horizon}: not a whole number .* {words}"):
        check_whole_intervals(horizon, hours, 15)
