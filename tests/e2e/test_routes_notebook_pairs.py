"""Which file of a notebook and its jupytext `.py` twin is checked: decided by content and jupytext's
pairing, never by timestamps, and said in the verdict when the two differ. Real `kata` processes on
a workspace copied as `cp -r` and `git clone` copy one (file times in any order)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_COURSE
from tests.e2e.test_magic_notebooks import code_cell, save_notebook

pytest.importorskip("jupytext", reason="kata[notebook] is not installed")


@pytest.fixture
def nb_ws(tmp_path, kata) -> Path:
    ws = tmp_path / "nbws"
    proc = kata("init", str(ws), "--course", str(FIXTURE_COURSE), "--notebooks", "--no-editor-config")
    assert proc.returncode == 0, proc.stderr
    return ws


def _stale_py_newer(ws: Path, name: str) -> None:
    """As a copy may leave them: the stale `.py` twin with the later time."""
    nb = ws / "exercises" / f"{name}.ipynb"
    py = nb.with_suffix(".py")
    later = nb.stat().st_mtime_ns + 5_000_000_000
    os.utime(py, ns=(later, later))


def test_a_copied_solved_workspace_is_checked_from_its_notebooks(kata, nb_ws, tmp_path):
    """Solved in VS Code's notebook editor (no jupytext: the .py keeps the stub), then copied:
    the notebook is checked, in `kata check` and in `kata grade`, and the verdict says the .py differs."""
    assert kata("check", "01", cwd=nb_ws).returncode == 0  # unlocks 02: its pair is written
    save_notebook(nb_ws / "exercises" / "02_double.ipynb", code_cell("def double(x):\n    return 2 * x"))
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(nb_ws), str(copy)], check=True)
    _stale_py_newer(copy, "02_double")

    assert kata("check", "01", cwd=copy).returncode == 0
    proc = kata("check", "02", cwd=copy)
    assert proc.returncode == 0, proc.stdout
    assert "02 double  (exercises/02_double.ipynb)  passed" in proc.stdout
    assert ("note: checked 02_double.ipynb; 02_double.py holds other code and was not checked "
            "(02_double.py still holds the exercise's stub)") in proc.stdout

    (row,) = kata.json("grade", str(copy), "--course", str(FIXTURE_COURSE), "--json", "--mode", "local",
                       "-e", "02", timeout=300)
    (result,) = row["results"]
    assert result["status"] == "passed" and result["target"].endswith("02_double.ipynb"), result
    assert "02_double.py still holds the exercise's stub" in result["message"]


def test_a_py_edited_as_text_is_checked_whatever_its_time(kata, nb_ws):
    """The .py edited as text (the notebook still the stub) is checked even when it looks older."""
    py = nb_ws / "exercises" / "01_add.py"
    py.write_text(py.read_text().replace("return a + b", "return a - b"))
    old = (nb_ws / "exercises" / "01_add.ipynb").stat().st_mtime_ns - 5_000_000_000
    os.utime(py, ns=(old, old))
    proc = kata("check", "01", cwd=nb_ws)
    assert proc.returncode == 1 and "01 add  (exercises/01_add.py)  failed" in proc.stdout
    assert "01_add.ipynb still holds the exercise's stub" in proc.stdout


def test_both_changed_with_nothing_remembered_checks_the_notebook_and_says_so(kata, nb_ws):
    save_notebook(nb_ws / "exercises" / "01_add.ipynb", code_cell("def add(a, b):\n    return a * b"))
    py = nb_ws / "exercises" / "01_add.py"
    py.write_text(py.read_text().replace("return a + b", "return b + a"))
    _stale_py_newer(nb_ws, "01_add")  # times play no part: the same verdict either way
    for _ in range(2):
        proc = kata("check", "01", "--json", cwd=nb_ws)
        (line,) = [json.loads(x) for x in proc.stdout.splitlines() if x.strip()]
        assert line["status"] == "failed" and line["target"] == "exercises/01_add.ipynb"
        assert "note: checked 01_add.ipynb; 01_add.py holds other code" in proc.stderr
        py_time = py.stat().st_mtime_ns - 10_000_000_000
        os.utime(py, ns=(py_time, py_time))


def test_a_jupytext_save_then_a_py_edit_as_they_happen(kata, nb_ws):
    """What kata last saw of the pair (content digests, no times) tells which one was just edited:
    the notebook written a moment before its .py, then the .py edited as text."""
    nb, py = nb_ws / "exercises" / "01_add.ipynb", nb_ws / "exercises" / "01_add.py"
    save_notebook(nb, code_cell("def add(a, b):\n    return a - b"))
    py.write_text(py.read_text().replace("return a + b", "return a - b"))  # as jupytext writes the pair
    assert kata("check", "01", cwd=nb_ws).returncode == 1
    save_notebook(nb, code_cell("def add(a, b):\n    return b + a"))  # saved; its .py not yet written
    proc = kata("check", "01", cwd=nb_ws)
    assert proc.returncode == 0 and "(exercises/01_add.ipynb)  passed" in proc.stdout, proc.stdout
    assert "01_add.ipynb is the one edited since kata last looked" in proc.stdout
    py.write_text(py.read_text().replace("return a - b", "return a * b"))  # then the .py edited as text
    proc = kata("check", "01", cwd=nb_ws)
    assert proc.returncode == 1 and "(exercises/01_add.py)  failed" in proc.stdout, proc.stdout
    assert "01_add.py is the one edited since kata last looked" in proc.stdout
    (row,) = kata.json("grade", str(nb_ws), "--course", str(FIXTURE_COURSE), "--json", "--mode", "local",
                       "-e", "01", timeout=300)  # grading the workspace chooses as kata check did
    assert row["results"][0]["target"].endswith("01_add.py") and row["results"][0]["status"] == "failed"


def test_grade_of_a_folder_with_an_unpaired_notebook_and_py(kata, tmp_path):
    """No jupytext metadata: the .py beside the notebook is not its twin; the notebook is graded."""
    sub = tmp_path / "class" / "ann"
    sub.mkdir(parents=True)
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [code_cell("def add(a, b):\n    return b + a")]}
    (sub / "01_add.ipynb").write_text(json.dumps(nb))
    (sub / "01_add.py").write_text("def add(a, b):\n    return 0\n")
    os.utime(sub / "01_add.ipynb", ns=(1, 1))
    (row,) = kata.json("grade", str(tmp_path / "class"), "--course", str(FIXTURE_COURSE), "--json", "-e", "01",
                       "--mode", "local", timeout=300)
    (result,) = row["results"]
    assert result["status"] == "passed" and result["target"].endswith("01_add.ipynb"), result
    assert "jupytext does not pair them: 01_add.py is another file" in result["message"]
    shutil.rmtree(tmp_path / "class")
