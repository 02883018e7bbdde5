"""The learner's source as the checks see it (kata.learner_source), and every reader going through it:
the source helpers of `kata.feedback.source` and the grader's intake, on real files."""

from __future__ import annotations

import json
import os
import types
from pathlib import Path

import pytest

from kata.feedback.source import attribute_assignments, last_assignment, softmax_calls_without_dim
from kata.judge.intake import Refused, check_entry, read_bytes, read_source
from kata.learner_source import Unreadable, describe, learner_source, read_raw
from kata.notebook import to_python

CODE = ("import torch\nimport torch.nn.functional as F\n\n"
        "def forward(x):\n    return F.softmax(x)\n\n"
        "def nudge(x):\n    x.data = x.data - 1\n\n"
        "dc_da = 10.0\n")


def _notebook(path: Path, *sources: str, output: str = "") -> Path:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "# Title"}]
    cells += [{"cell_type": "code", "execution_count": 1, "metadata": {}, "source": source,
               "outputs": [{"output_type": "stream", "name": "stdout", "text": output}] if output else []}
              for source in sources]
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}))
    return path


def test_a_py_is_its_text_and_a_notebook_its_joined_code_cells(tmp_path):
    py = tmp_path / "a.py"
    py.write_bytes(b"\xef\xbb\xbfx = 1\r\ny = 2\r\n")  # a BOM and Windows line ends, as Python reads them
    assert learner_source(py) == "x = 1\ny = 2\n"
    nb = _notebook(tmp_path / "a.ipynb", "%matplotlib inline\nimport math", CODE, output="noise\n")
    text = learner_source(nb)
    assert text == to_python(nb.read_bytes()).source and "noise" not in text and '"cells"' not in text
    assert learner_source(tmp_path / "missing.py") is None
    (tmp_path / "bad.ipynb").write_text("{ nope")
    assert learner_source(tmp_path / "bad.ipynb") is None


def test_the_source_helpers_read_a_notebook_as_its_code(tmp_path):
    for module in (types.SimpleNamespace(__file__=str(_notebook(tmp_path / "m.ipynb", "x = 1", CODE))),
                   types.SimpleNamespace(__file__=str(tmp_path / "m.py"))):
        if module.__file__.endswith(".py"):
            Path(module.__file__).write_text("x = 1\n" + CODE)
        found = last_assignment(module, "dc_da")
        assert found is not None and found.code == "dc_da = 10.0" and not found.reads_attribute("grad")
        assert [code for _, code in softmax_calls_without_dim(module)] == ["F.softmax(x)"]
        assert [code for _, code in attribute_assignments(module, "nudge", "data")] == ["x.data = x.data - 1"]
    notebook = tmp_path / "m.ipynb"
    found = last_assignment(types.SimpleNamespace(__file__=str(notebook)), "dc_da")
    assert found is not None and found.where == f"{notebook}, cell 3, line 10"  # the markdown cell counts
    assert describe(tmp_path / "m.py", 11) == f"{tmp_path / 'm.py'}:11"


def test_reads_are_capped_and_never_block(tmp_path):
    big = tmp_path / "big.py"
    big.write_bytes(b"#" * 2000)
    assert len(read_raw(big, cap=2000)) == 2000
    with pytest.raises(Unreadable, match="over the"):
        read_raw(big, cap=1999)
    fifo = tmp_path / "fifo.py"
    os.mkfifo(fifo)
    with pytest.raises(Unreadable, match="not a plain file"):
        read_raw(fifo)


def test_the_grader_counts_a_notebooks_code_not_its_outputs(tmp_path):
    nb = _notebook(tmp_path / "05_x.ipynb", CODE, output="0123456789abcdef\n" * 128 * 1024)  # 2 MiB of output
    check_entry(nb, tmp_path)  # a .py of that size is refused; a notebook's outputs do not count
    assert read_source(nb) == learner_source(nb)
    assert json.loads(read_bytes(nb))["cells"]  # what the cluster sends: the notebook as it is
    with pytest.raises(Refused, match="of code, over the"):
        read_source(_notebook(tmp_path / "06_y.ipynb", "x = 1\n" + "#" * 4000), max_bytes=1000)
    py = tmp_path / "07_z.py"
    py.write_text("#" * (2 * 1024 * 1024))
    with pytest.raises(Refused, match="over the 1024 KiB a graded file"):
        check_entry(py, tmp_path)
    with pytest.raises(Refused, match="over the"):
        read_source(py)
    link = tmp_path / "08_l.ipynb"
    link.symlink_to(nb)
    with pytest.raises(Refused):
        read_source(link)
