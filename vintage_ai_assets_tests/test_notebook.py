"""The example notebook runs top to bottom on a built warehouse (as CI runs it, with
nbclient), so it cannot rot: every section executes, the plots are drawn and the text names
the car and its price estimates."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from vintage_ai_assets.demo.generator import FAULT_CAR
from vintage_ai_assets_tests.demo_platform import CARS, environment

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
kernelspec = pytest.importorskip("ipykernel.kernelspec")

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "explore_warehouse.ipynb"
KERNEL_PYTHON_MARK = "kernel python: "


def _outputs(nb) -> list[dict]:
    return [output for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs]


def _text(outputs: list[dict]) -> str:
    parts = []
    for output in outputs:
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        parts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def test_the_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code, "the notebook has no code cells"
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_the_notebook_runs_top_to_bottom_on_the_demo_warehouse(
    demo_platform, tmp_path, monkeypatch
):
    assert FAULT_CAR in CARS
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # Which interpreter the kernel ran (not part of the stored notebook).
    nb.cells.append(
        nbformat.v4.new_code_cell(f"import sys\nprint({KERNEL_PYTHON_MARK!r} + sys.executable)")
    )
    # A "python3" kernelspec for this interpreter, found before any other on JUPYTER_PATH,
    # so the kernel is this virtualenv's Python whatever else is installed on the machine.
    kernelspec.install(kernel_name="python3", prefix=str(tmp_path / "jupyter-prefix"))
    work = tmp_path / "work"
    work.mkdir()
    with environment(demo_platform):
        # The kernel is a subprocess: it inherits this environment (the platform's data
        # directory and catalog, set by environment()) and these settings.
        monkeypatch.setenv("CAR", FAULT_CAR)
        monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter-prefix" / "share" / "jupyter"))
        monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
        monkeypatch.delenv("MPLBACKEND", raising=False)  # ipykernel then sets the inline one
        assert os.environ["VINTAGE_AI_DATA_DIR"] == demo_platform.env["VINTAGE_AI_DATA_DIR"]
        client = nbclient.NotebookClient(
            nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(work)}}
        )
        client.execute()  # raises CellExecutionError, with the traceback, if a cell fails

    outputs = _outputs(nb)
    assert [o for o in outputs if o.get("output_type") == "error"] == []
    text = _text(outputs)
    kernel_python = re.search(re.escape(KERNEL_PYTHON_MARK) + r"(.+)", text)
    assert kernel_python and Path(kernel_python.group(1).strip()) == Path(sys.executable)

    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 3, f"{len(images)} plots drawn"
    assert f"Car: {FAULT_CAR}" in text
    number = r"[\d,]+(?:\.\d+)?"
    assert re.search(rf"p10 {number} · p50 {number} · p90 {number} USD", text), text[-3000:]
    assert "P(price index higher in 6 months) = " in text
    assert "“" in text  # the themes' quotes
    assert "No daily series" not in text and "No forecasts" not in text
