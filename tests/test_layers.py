"""The layers hold: `lint-imports` keeps every import-linter contract in pyproject.toml.

Run here so that CI (which runs `make test`) enforces the layering; `make check` also runs
`lint-imports` directly.
"""

from __future__ import annotations

import pkgutil
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import dispatch

ROOT = Path(__file__).parents[1]


def test_import_contracts_are_kept() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which(
        "lint-imports"
    )
    if exe is None:
        pytest.fail("lint-imports not found: install the test extra (pip install -e '.[test]')")
    done = subprocess.run(
        [exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_every_top_level_module_is_in_a_layer() -> None:
    """A module left out of the layers contract is not checked by it: place each new one."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c["layers"] for c in config["contracts"] if c["type"] == "layers"]
    placed = {name.strip() for layer in layers for name in re.split(r"[|:]", layer)}
    modules = {f"dispatch.{m.name}" for m in pkgutil.iter_modules(dispatch.__path__)}
    assert modules - placed == set(), "add these to a layer in pyproject.toml"
    assert placed - modules == set(), "these layers name no module"
