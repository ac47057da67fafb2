"""notebooks/backtest_ercot.ipynb runs top to bottom on a short period of the real data.

The notebook backtests a whole year; here ``DISPATCH_BACKTEST_DAYS`` cuts it to seven days so
the suite stays fast (the notebook reads the variable, and runs the year without it).  It is
not in tests/test_notebooks.py's list because that runner executes notebooks as they are.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from test_notebooks import NOTEBOOK_DIR, TIMEOUT_S, kernel_name

NAME = "backtest_ercot.ipynb"


def test_backtest_notebook_runs(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nb = nbformat.read(NOTEBOOK_DIR / NAME, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        f"{NAME} is committed with outputs; clear them"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISPATCH_BACKTEST_DAYS", "7")
    client = NotebookClient(
        nb,
        timeout=TIMEOUT_S,
        kernel_name=kernel_name(),
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    text = "\n".join(
        out.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )
    assert "21 steps (0 from checkpoints)" in text  # 7 days x 3 plans
    assert "Over the 7 days mining added" in text
    charts = tmp_path / "out" / "backtest_ercot_20230101_7d" / "scenarios" / "base" / "charts"
    assert (charts / "curtailment_heatmap.png").stat().st_size > 10_000


def test_backtest_notebook_runs_from_the_bundled_extract(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user's fresh clone has no ../shared/data: the notebook reads the 2023 extract that
    ships with the package (two days here)."""
    nb = nbformat.read(NOTEBOOK_DIR / NAME, as_version=4)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISPATCH_BACKTEST_DAYS", "2")
    monkeypatch.setenv("DISPATCH_SHARED_DATA", str(tmp_path / "no-shared-data"))
    client = NotebookClient(
        nb,
        timeout=TIMEOUT_S,
        kernel_name=kernel_name(),
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    text = "\n".join(
        out.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )
    assert "data: the extract bundled with the package" in text
    assert "6 steps (0 from checkpoints)" in text  # 2 days x 3 plans
