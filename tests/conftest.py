"""Shared fixtures: the bundled sample, the real reference data, and tiny sites."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch import Site, load_sample

REPO = Path(__file__).parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SAMPLE_DAY = "2026-08-17"

#: Tolerances used across the optimisation tests.
BALANCE_TOL_MW = 1e-6
OBJ_RTOL = 1e-6


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (real ERCOT and Coin Metrics data); skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real reference data not found at {SHARED_DATA} (CI and dev machines have it)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def sample_day():
    """(site, inputs) of the bundled sample for its first day, 96 x 15 minutes."""
    return load_sample(day=SAMPLE_DAY)


@pytest.fixture(scope="session")
def sample_site() -> Site:
    return load_sample()[0]


def tiny_site(**fields: object) -> Site:
    """A minimal valid site (100 MW import, no assets) with ``fields`` merged in."""
    raw: dict = {
        "name": "tiny",
        "timezone": "UTC",
        "interval_minutes": 60,
        "grid": {"import_limit_mw": 100.0},
    }
    raw.update(fields)
    return Site.from_dict(raw)
