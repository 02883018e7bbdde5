"""`kata check --format gcc` on a notebook (issue 21 item 3): the problem matcher's line lands on the
failing line itself, on the notebook's jupytext `.py` twin when it holds the same code (VS Code opens
it at that line), else in the notebook's own file, on the JSON line holding that source line; the
message keeps "cell N, line M" for the notebook editor. Real `kata` processes, real files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_COURSE
from tests.e2e.test_magic_notebooks import code_cell, save_notebook

jupytext = pytest.importorskip("jupytext", reason="kata[notebook] is not installed")

WRONG = "def double(x):\n    y = x * 2\n    return y / 0\n"
GCC = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): error: cell (?P<cell>\d+), line (?P<cline>\d+): step ")


@pytest.fixture
def ws(tmp_path, kata) -> Path:
    ws = tmp_path / "nbws"
    assert kata("init", str(ws), "--course", str(FIXTURE_COURSE), "--notebooks", "--no-editor-config").returncode == 0
    assert kata("check", "01", cwd=ws).returncode == 0  # unlocks 02: its pair is written
    return ws


def _lines(kata, ws) -> list[re.Match]:
    proc = kata("check", "02", "--format", "gcc", cwd=ws)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    found = [GCC.match(line) for line in proc.stdout.splitlines()]
    assert found and all(found), proc.stdout
    return found


def test_a_paired_notebook_lands_on_its_py_twins_line(kata, ws):
    nb_path = ws / "exercises" / "02_double.ipynb"
    nb = jupytext.read(nb_path)
    nb.cells = [jupytext.reads("# %% [markdown]\n# Double it\n\n# %%\n" + WRONG, "py:percent").cells[i] for i in (0, 1)]
    nb_path.write_text(jupytext.writes(nb, fmt="ipynb"))
    nb_path.with_suffix(".py").write_text(jupytext.writes(nb, fmt="py:percent"))  # as a jupytext save leaves both
    py_lines = nb_path.with_suffix(".py").read_text().splitlines()
    for found in _lines(kata, ws):
        assert found["file"] == "exercises/02_double.py", found.string
        assert (found["cell"], found["cline"]) == ("2", "3"), found.string
        assert py_lines[int(found["line"]) - 1] == "    return y / 0", found.string


def test_an_unpaired_save_lands_on_the_notebooks_own_line(kata, ws):
    nb_path = ws / "exercises" / "02_double.ipynb"
    save_notebook(nb_path, {"cell_type": "markdown", "metadata": {}, "source": ["# Double it"]},
                  code_cell(WRONG.splitlines(keepends=True)))  # VS Code's notebook editor: the .py keeps the stub
    raw = nb_path.read_text().splitlines()
    for found in _lines(kata, ws):
        assert found["file"] == "exercises/02_double.ipynb", found.string
        assert (found["cell"], found["cline"]) == ("2", "3"), found.string
        assert "return y / 0" in raw[int(found["line"]) - 1], (found.string, raw)
