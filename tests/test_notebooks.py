"""The notebooks run top to bottom without errors, so they cannot rot.

Each is executed with nbclient on a kernel running this interpreter, in a temporary working
directory.  To add a notebook, add one entry to ``NOTEBOOKS`` (marks such as a skip without
the shared data, or ``pytest.mark.slow``, go in its ``pytest.param``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from nbclient import NotebookClient

NOTEBOOK_DIR = Path(__file__).parents[1] / "notebooks"
TIMEOUT_S = 300

NOTEBOOKS = [
    pytest.param("day_ahead.ipynb", id="day_ahead"),
    pytest.param("stranded_gas.ipynb", id="stranded_gas"),
]


def kernel_name() -> str:
    """A kernel spec that runs this interpreter ("python3" launches ``sys.executable``)."""
    try:
        KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        pytest.skip(f"no python3 Jupyter kernel spec for {sys.executable} (pip install ipykernel)")
    return "python3"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"), (
        f"{name} is committed with outputs; clear them"
    )
    monkeypatch.chdir(tmp_path)
    client = NotebookClient(
        nb,
        timeout=TIMEOUT_S,
        kernel_name=kernel_name(),
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors
