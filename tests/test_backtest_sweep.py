"""Scenario sweeps: the file format, every combination, and one comparison row per scenario."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import tiny_site
from dispatch import Inputs, backtest, site_index
from dispatch.backtesting import Sweep
from dispatch.errors import ConfigError

FLEET = {
    "name": "f",
    "miner": {"model": "m", "hashrate_th_s": 100.0, "power_w": 3000.0},
    "miners_per_container": 1000,
    "containers": 2,
}


def case():  # type: ignore[no-untyped-def]
    site = tiny_site(
        hpc_halls=[{"name": "hall", "it_load_mw": 20.0, "pue": 1.0}],
        fleets=[FLEET],
        battery={"power_mw": 5.0, "energy_mwh": 10.0},
    )
    index = site_index(site, "2021-12-30", "2022-01-04")
    hour = index.hour.to_numpy()
    inputs = Inputs(
        price_usd_per_mwh=pd.Series(np.where((hour >= 17) & (hour < 20), 150.0, 30.0), index=index),
        hashprice_usd_per_ph_day=pd.Series(60.0, index=index),
        hpc_it_load_mw=pd.DataFrame({"hall": 10.0 + (hour % 2)}, index=index),
    )
    return site, inputs


def test_every_combination_runs_with_one_comparison_row_each(tmp_path: Path) -> None:
    site, inputs = case()
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(
        "vary:\n"
        "  hpc_halls[0].it_load_mw: [20, 40]\n"
        "  inputs.hashprice_scale: [1.0, 2.0]\n"
        "  battery: [on, off]\n"
    )
    r = backtest(site, inputs, "2021-12-30", "2022-01-01", sweep=sweep, out=tmp_path / "out")
    c = r.comparison
    assert len(c) == 8
    assert c.index[0] == "hpc_halls[0].it_load_mw=20,inputs.hashprice_scale=1,battery=on"
    assert set(c["battery"]) == {"on", "off"}
    for name, scn in r.scenarios.items():
        s = scn.intervals()
        hall = scn.params["hpc_halls[0].it_load_mw"]
        # the hall's IT-load series (10-11 MW for a 20 MW hall) is resized with the hall
        np.testing.assert_allclose(
            s["hpc_load_mw"], inputs.hpc_it_load_mw["hall"][s.index] * hall / 20
        )
        scale = scn.params["inputs.hashprice_scale"]
        np.testing.assert_allclose(s["hashprice_usd_per_ph_day"], 60.0 * scale)
        assert ("battery_soc_mwh" in s) == scn.params["battery"]
        assert c.loc[name, "profit_total_usd"] == pytest.approx(s["profit_total_usd"].sum())
        assert (tmp_path / "out" / "scenarios" / scn.folder.name / "daily.csv").exists()
    assert (tmp_path / "out" / "comparison.csv").exists()
    # doubling the hashprice (breakeven 83 -> 167 USD/MWh) keeps the miners on in the evening
    on = "hpc_halls[0].it_load_mw=20,inputs.hashprice_scale=2,battery=on"
    off = "hpc_halls[0].it_load_mw=20,inputs.hashprice_scale=1,battery=on"
    assert c.loc[on, "curtailed_mining_mwh"] == pytest.approx(0.0, abs=1e-6)
    assert c.loc[off, "curtailed_mining_mwh"] == pytest.approx(2 * 3 * 6.0)


def test_years_set_each_scenario_period() -> None:
    site, inputs = case()
    sweep = Sweep.from_dict({"vary": {"years": [2021, 2022]}})
    scenarios = sweep.scenarios(site, inputs, None, None)
    assert [(s.start.year, s.end.year) for s in scenarios] == [(2021, 2022), (2022, 2023)]
    assert [s.name for s in scenarios] == ["years=2021", "years=2022"]


def test_fleets_by_name_and_the_base_file(tmp_path: Path) -> None:
    site, inputs = case()
    site.to_yaml(tmp_path / "base.yaml")
    (tmp_path / "sweep.yaml").write_text("base: base.yaml\nvary:\n  fleets[f].containers: [1, 3]\n")
    sweep = Sweep.from_yaml(tmp_path / "sweep.yaml")
    scenarios = sweep.scenarios(None, inputs, *inputs.index[[0, 24]])
    assert [s.site.fleets[0].containers for s in scenarios] == [1, 3]


@pytest.mark.parametrize(
    ("vary", "message"),
    [
        ({"hpc_halls[0].it_lod_mw": [1]}, "unknown field 'it_lod_mw'"),
        ({"fleets[s99].containers": [1]}, "no item named 's99'"),
        ({"hpc_halls[3].pue": [1.2]}, r"no item \[3\]"),
        ({"inputs.gas_scale": [1]}, "vary key 'inputs.gas_scale' is unknown"),
        ({"solar": [True]}, "the base site has no solar to switch on"),
        ({"battery.power_mw": [-1]}, "power_mw"),
        ({"hpc_halls[0]..pue": [1]}, "is not a field path"),
    ],
)
def test_bad_sweep_keys_are_config_errors_naming_the_key(vary: dict, message: str) -> None:
    site, inputs = case()
    with pytest.raises(ConfigError, match=message):
        Sweep.from_dict({"vary": vary}).scenarios(site, inputs, *inputs.index[[0, 24]])


def test_unknown_top_level_sweep_key() -> None:
    with pytest.raises(ConfigError, match="unknown key 'vari'"):
        Sweep.from_dict({"vari": {}})


# --- unbounded sweeps and fleets resized below their initial count ------------------------


def huge_sweep() -> dict:
    """8 keys x 10 values = 10^8 scenarios (site fields, so nothing is checked per value)."""
    keys = ["grid.import_limit_mw", "hpc_halls[0].it_load_mw", "hpc_halls[0].pue",
            "fleets[f].containers", "battery.power_mw", "battery.energy_mwh",
            "fleets[f].miners_per_container", "grid.import_adder_usd_per_mwh"]  # fmt: skip
    return {"vary": {k: [float(v + 1) for v in range(10)] for k in keys}}


def test_a_huge_sweep_is_refused_at_once_with_its_count() -> None:
    import time

    site, inputs = case()
    t0 = time.perf_counter()
    with pytest.raises(ConfigError) as info:
        backtest(site, inputs, "2021-12-30", "2022-01-01", sweep=huge_sweep())
    assert time.perf_counter() - t0 < 5  # counted, not expanded (which grew past 4.8 GB)
    message = str(info.value)
    for words in ("100,000,000 scenarios", "8 keys", "10 x 10", "limit of 1,000",
                  "max_scenarios=100000000"):  # fmt: skip
        assert words in message, (words, message)
    sweep = Sweep.from_dict({"vary": {"battery.power_mw": [1.0, 2.0, 3.0]}})
    assert sweep.count() == 3
    with pytest.raises(ConfigError, match=r"3 scenarios .* limit of 2"):
        backtest(site, inputs, "2021-12-30", "2021-12-31", sweep=sweep, max_scenarios=2)
    r = backtest(site, inputs, "2021-12-30", "2021-12-31", sweep=sweep, max_scenarios=3)
    assert len(r.comparison) == 3


def test_the_cli_names_the_option_that_confirms_a_huge_sweep(tmp_path: Path) -> None:
    import subprocess
    import sys

    import yaml

    sample = Path(__file__).parents[1] / "dispatch" / "sample_data" / "sample_site.yaml"
    sweep = huge_sweep()
    sweep["vary"] = {k.replace("[f]", "[s21]"): v for k, v in sweep["vary"].items()}
    (tmp_path / "sweep.yaml").write_text(yaml.safe_dump(sweep))
    dispatch = Path(sys.executable).parent / "dispatch"
    done = subprocess.run(
        [str(dispatch), "backtest", str(sample), "--from", "2026-08-17", "--to", "2026-08-17",
         "--sweep", "sweep.yaml", "--out", "out"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "100,000,000 scenarios" in lines[0], done.stderr
    assert "confirm with --max-scenarios 100000000" in lines[0]
    assert not (tmp_path / "out").exists()


def test_a_sweep_of_containers_clamps_the_initial_count_with_a_note() -> None:
    site, inputs = case()
    site = site.model_copy(
        update={"fleets": [site.fleets[0].model_copy(update={"containers": 4,
                                                             "containers_initially_on": 4})]}
    )  # fmt: skip
    sweep = {"vary": {"fleets[f].containers": [2, 4]}}
    r = backtest(site, inputs, "2021-12-30", "2021-12-31", sweep=sweep)
    small = r.scenarios["fleets[f].containers=2"].site.fleets[0]
    assert (small.containers, small.containers_initially_on) == (2, 2)
    assert r.scenarios["fleets[f].containers=4"].site.fleets[0].containers_initially_on == 4
    assert r.run["notes"] == [
        "scenario fleets[f].containers=2: fleet f: containers_initially_on 4 clamped to the "
        "2 containers in service"
    ]


def test_each_scenario_is_written_as_soon_as_its_chains_finish(tmp_path: Path) -> None:
    """A sweep writes a scenario's results while the others still run (one worker: the
    scenarios run one after the other), and releases the rows it held for it."""
    site, inputs = case()
    out = tmp_path / "out"
    seen: list[tuple[int, bool]] = []

    def progress(done: int, total: int) -> None:
        first = out / "scenarios" / "inputs.hashprice_scale=1" / "totals.json"
        seen.append((done, first.exists()))

    sweep = {"vary": {"inputs.hashprice_scale": [1.0, 2.0]}}
    r = backtest(site, inputs, "2021-12-30", "2022-01-01", sweep=sweep, out=out, progress=progress)
    # two steps per scenario: the first scenario's files exist once its last step is in,
    # before the second scenario's first step returns
    assert seen == [(0, False), (1, False), (2, False), (3, True), (4, True)]
    assert r.comparison.index.tolist() == ["inputs.hashprice_scale=1", "inputs.hashprice_scale=2"]
    plain = backtest(site, inputs, "2021-12-30", "2022-01-01", sweep=sweep)
    pd.testing.assert_frame_equal(r.comparison, plain.comparison, check_exact=True)
