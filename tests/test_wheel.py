"""A normal (non-editable) install carries everything ``import dispatch`` needs at run time:
the sample site and week (``load_sample()``), the real-data extract and the plan schema.

The wheel is built from this tree (pip's isolated build, as ``make install`` does) and
installed with ``--no-deps`` into a temporary folder put first on ``PYTHONPATH``, so the
project's virtualenv provides the dependencies and the check takes ~10-20 s instead of a
fresh virtualenv's minutes; the child process asserts that it imported the wheel's copy, not
the editable source tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).parents[1]
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")

CHECK = """
import json, sys
import dispatch
from importlib.resources import files
assert dispatch.__file__.startswith(sys.argv[1]), dispatch.__file__
site, inputs = dispatch.load_sample()
assert len(inputs.index) == 672, len(inputs.index)
paths = dispatch.real_data_paths()
assert paths["prices"].is_file() and paths["hashprice"] > 0, paths
schema = json.loads(files("dispatch").joinpath("schemas/plan.schema.json").read_text())
assert schema["properties"]["schema_version"]
print("ok", dispatch.__version__)
"""


def test_the_wheel_carries_the_sample_data(tmp_path: Path) -> None:
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    source = tmp_path / "src"  # a copy: an in-tree build would leave build/ in the clone
    shutil.copytree(REPO / "dispatch", source / "dispatch", ignore=IGNORE)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    built = subprocess.run(
        [*pip, "wheel", "--no-deps", "-w", tmp_path / "dist", source],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("hybrid_dispatch-*.whl")
    target = tmp_path / "site"
    installed = subprocess.run(
        [*pip, "install", "--no-deps", "--target", target, wheel],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run(
        [sys.executable, "-c", CHECK, str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("ok ")
