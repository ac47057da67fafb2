"""Site configuration: validation, error messages, YAML round trip, derived quantities."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import tiny_site
from dispatch import ConfigError, Site, sample_paths


def test_sample_site_loads_with_its_fleets_and_assets(sample_site: Site) -> None:
    assert [f.name for f in sample_site.fleets] == ["s21", "s19xp", "s19jpro"]
    assert sample_site.battery is not None and sample_site.battery.energy_mwh == 20.0
    assert [h.name for h in sample_site.hpc_halls] == ["training", "inference", "phase2"]
    assert sample_site.dt_h == 0.25
    s21 = sample_site.fleets[0]
    # 540 S21 at 3,500 W + 15 kW auxiliaries, 200 TH/s each
    assert s21.container_power_mw == pytest.approx(540 * 3500 / 1e6 + 0.015)
    assert s21.j_per_th == pytest.approx(s21.container_power_mw * 1e6 / (540 * 200))


def test_yaml_round_trip_gives_an_equal_site(tmp_path: Path, sample_site: Site) -> None:
    path = tmp_path / "site.yaml"
    sample_site.to_yaml(path)
    assert Site.from_yaml(path) == sample_site


def test_unknown_key_is_named_with_its_path_and_file(tmp_path: Path) -> None:
    text = Path(sample_paths()["site"]).read_text().replace("pool_fee_frac", "pool_fee", 1)
    path = tmp_path / "typo.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        Site.from_yaml(path)
    msg = str(err.value)
    assert "typo.yaml" in msg and "fleets[0].pool_fee" in msg and "unknown key" in msg
    assert "\n" not in msg


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\ngrid: {import_limit_mw: 10\ntimezone: UTC\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml:.*line \d+.*invalid YAML"):
        Site.from_yaml(path)


def test_missing_site_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="site file not found"):
        Site.from_yaml(tmp_path / "nope.yaml")


def test_every_problem_is_listed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        Site.from_dict(
            {
                "name": "x",
                "timezone": "Mars/Olympus",
                "grid": {"import_limit_mw": -5},
                "hpc_halls": [{"name": "h", "it_load_mw": 1, "pue": 0.9}],
            },
            source="x.yaml",
        )
    problems = err.value.problems
    assert len(problems) == 3
    assert any("timezone" in p and "Mars/Olympus" in p for p in problems)
    assert any("grid.import_limit_mw" in p for p in problems)
    assert any("hpc_halls[0].pue" in p for p in problems)


@pytest.mark.parametrize(
    ("fleet_patch", "words"),
    [
        (
            {
                "power_target": {
                    "min_frac": 0.9,
                    "max_frac": 0.7,
                    "curve_points": [[0.5, 0.6], [1, 1]],
                }
            },
            "min_frac",
        ),
        (
            {
                "power_target": {
                    "min_frac": 0.6,
                    "curve_points": [[0.6, 0.6], [0.8, 0.7], [1.0, 0.95]],
                }
            },
            "not concave",
        ),
        ({"power_target": {"min_frac": 0.5, "curve_points": [[0.6, 0.7], [1.0, 1.0]]}}, "cover"),
        ({"containers_initially_on": 5}, "exceeds the 2 containers in service"),
        ({"containers": -1}, "greater than or equal to 0"),
    ],
)
def test_fleet_validation(fleet_patch: dict, words: str) -> None:
    fleet = {
        "name": "f",
        "miner": {"model": "m", "hashrate_th_s": 100, "power_w": 3000},
        "miners_per_container": 10,
        "containers": 2,
        **fleet_patch,
    }
    with pytest.raises(ConfigError, match=words):
        tiny_site(fleets=[fleet])


def test_duplicate_names_are_rejected() -> None:
    hall = {"name": "a", "it_load_mw": 1.0}
    with pytest.raises(ConfigError, match="already used"):
        tiny_site(hpc_halls=[hall, hall])


def test_durations_round_up_to_whole_intervals() -> None:
    site = tiny_site(interval_minutes=15)
    assert [site.intervals(m) for m in (0, 1, 15, 16, 30)] == [0, 1, 1, 2, 2]


def test_site_is_immutable(sample_site: Site) -> None:
    with pytest.raises(Exception, match="frozen"):
        sample_site.grid.import_limit_mw = 1.0  # type: ignore[misc]
