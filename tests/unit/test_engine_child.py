"""kata.engine.child.mentioned_libraries: what the check child preloads before its memory cap, read
from the learner's file as the judge's sandbox reads it (a notebook as the module its cells make)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from kata.engine.child import mentioned_libraries

SOURCE = "import numpy as np\n\n\ndef make():\n    import torch\n\n    return torch.ones(2)\n"


def _notebook(path: Path, *cells: str) -> Path:
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                                           "source": cell.splitlines(keepends=True)} for cell in cells],
                                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_a_py_file_names_its_libraries_at_any_indent(tmp_path):
    target = tmp_path / "01_make.py"
    target.write_text(SOURCE)
    assert mentioned_libraries(str(target)) == ["numpy", "torch"]


def test_a_notebook_is_read_from_its_code_cells(tmp_path):
    target = _notebook(tmp_path / "01_make.ipynb", "import numpy as np\n", SOURCE.split("\n\n\n")[1])
    assert mentioned_libraries(str(target)) == ["numpy", "torch"]


def test_a_markdown_cell_names_nothing(tmp_path):
    target = tmp_path / "01_make.ipynb"
    target.write_text(json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["import torch\n"]}],
                                  "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    assert mentioned_libraries(str(target)) == []


def test_what_cannot_be_read_names_nothing(tmp_path):
    broken = tmp_path / "01_make.ipynb"
    broken.write_text("{not json")
    fifo = tmp_path / "02_make.py"
    os.mkfifo(fifo)
    assert mentioned_libraries(str(broken)) == []
    assert mentioned_libraries(str(fifo)) == []  # never blocks on a FIFO
    assert mentioned_libraries(str(tmp_path / "missing.py")) == []
