"""notebooks/transition_study.ipynb runs top to bottom on the real data, shortened.

The notebook studies 2021-2024 with 12 typical days a year; here ``DISPATCH_STUDY_YEARS``
and ``DISPATCH_STUDY_TYPICAL_DAYS`` cut it to one year and 4 typical days so the suite stays
fast (the notebook reads them, and runs in full without them).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from test_notebooks import NOTEBOOK_DIR, TIMEOUT_S, kernel_name

NAME = "transition_study.ipynb"


def test_study_notebook_runs(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nb = nbformat.read(NOTEBOOK_DIR / NAME, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        f"{NAME} is committed with outputs; clear them"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISPATCH_STUDY_YEARS", "2023")
    monkeypatch.setenv("DISPATCH_STUDY_TYPICAL_DAYS", "4")
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
    for share in ("0% HPC", "25% HPC", "50% HPC", "75% HPC"):
        assert share in text
    assert "of mining adds" in text
