"""Learners in Jupyter and VS Code: notebook workspaces, the `%kata` magic in a real kernel, one
verdict per notebook save with the jupytext pair in place, the editor files, `--open` and
`--format gcc`. Real `kata` processes, real files, a real IPython kernel."""

from __future__ import annotations

import json
import os
import pty
import re
import stat
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_COURSE
from tests.e2e.test_watch import WatchProcess, save_atomic_replace

jupytext = pytest.importorskip("jupytext", reason="kata[notebook] is not installed")


@pytest.fixture
def nb_ws(tmp_path, kata) -> Path:
    """A fresh notebook workspace (notebooks paired with their .py) on the fixture course."""
    ws = tmp_path / "nbws"
    proc = kata("init", str(ws), "--course", str(FIXTURE_COURSE), "--notebooks")
    assert proc.returncode == 0, proc.stderr
    return ws


def code_cell(source: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}


def save_notebook(path: Path, *cells: dict) -> None:
    """As Jupyter saves without jupytext: the whole notebook written beside, then renamed over."""
    nb = json.loads(path.read_text())
    nb["cells"] = list(cells)
    tmp = path.with_name(f".~{path.name}")
    tmp.write_text(json.dumps(nb, indent=1))
    os.replace(tmp, path)


def save_with_jupytext(path: Path, source: str, gap_s: float = 0.0) -> None:
    """As Jupyter saves with jupytext: jupytext's own `write_pair` writes the notebook, then its
    paired .py (after `gap_s`, to let watch see the two writes apart)."""
    from jupytext.sync_pairs import write_pair

    nb = jupytext.read(path)
    nb.cells = [cell for cell in nb.cells if cell.cell_type != "code"] + [jupytext.reads(source, "py:percent").cells[0]]

    def write_one(alt_path, fmt, **_):
        if not str(alt_path).endswith(".ipynb"):
            time.sleep(gap_s)
        tmp = Path(f"{alt_path}.tmp")
        tmp.write_text(jupytext.writes(nb, fmt=fmt))
        os.replace(tmp, alt_path)
        return {"modified": True, "last_modified": os.stat(alt_path).st_mtime}

    write_pair(str(path), nb.metadata["jupytext"]["formats"], write_one)


# ---- kata init --notebooks, and notebooks checked through saved .ipynb files ----

def test_init_writes_paired_notebooks_that_open_as_jupyter_notebooks(kata, nb_ws):
    folder = nb_ws / "exercises"
    assert sorted(p.name for p in folder.iterdir()) == ["01_add.ipynb", "01_add.py"]  # the rest as they unlock
    assert kata("check", "01", cwd=nb_ws).returncode == 0  # unlocks 02: its pair is written
    for name in ("01_add", "02_double"):
        nb = json.loads((folder / f"{name}.ipynb").read_text())
        assert nb["nbformat"] == 4 and nb["metadata"]["kernelspec"]["name"] == "python3"
        assert nb["metadata"]["jupytext"]["formats"] == "ipynb,py:percent"
        assert (folder / f"{name}.py").read_text().startswith("# ---\n# jupyter:")  # jupytext's pair header
    paired = jupytext.read(folder / "02_double.py")
    assert [c.source for c in paired.cells] == ["".join(c["source"]) for c in json.loads(
        (folder / "02_double.ipynb").read_text())["cells"]]


def test_notebooks_alone(tmp_path, kata):
    ws = tmp_path / "alone"
    proc = kata("init", str(ws), "--course", str(FIXTURE_COURSE), "--notebooks", "alone", "--no-editor-config")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (ws / "exercises").iterdir()) == ["01_add.ipynb"]
    assert "jupytext" not in json.loads((ws / "exercises" / "01_add.ipynb").read_text())["metadata"]
    assert kata("check", "01", cwd=ws).returncode == 0
    assert sorted(p.name for p in (ws / "exercises").iterdir()) == ["01_add.ipynb", "02_double.ipynb"]


def test_a_notebook_workspace_solved_through_saved_notebooks(kata, nb_ws):
    proc = kata("check", cwd=nb_ws)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "01 add  (exercises/01_add.ipynb)  passed" in proc.stdout
    assert "Unlocked: 02 Double a number → exercises/02_double.ipynb" in proc.stdout

    double = nb_ws / "exercises" / "02_double.ipynb"
    save_notebook(double, {"cell_type": "markdown", "metadata": {}, "source": "# Doubling"},
                  code_cell("%matplotlib inline\n!echo hello\nimport math"),
                  code_cell("def helper(x):\n    return x / 0\n\ndef double(x):\n    return helper(x)"))
    proc = kata("check", "02", cwd=nb_ws)
    assert proc.returncode == 1
    # the failure names the cell (counted with the markdown one) and the line inside it
    assert f"{double}, cell 3, line 5 in double\n      return helper(x)" in proc.stdout
    assert f"{double}, cell 3, line 2 in helper\n      return x / 0" in proc.stdout
    assert "ZeroDivisionError: division by zero" in proc.stdout
    assert ("note: 02_double.ipynb: cell 2 line 1 `%matplotlib inline`, cell 2 line 2 `!echo hello` left out "
            "of the check") in proc.stdout

    save_notebook(double, code_cell("def double(x):\n    return x *"))
    proc = kata("check", "02", cwd=nb_ws)
    assert f"{double}, cell 1, line 2, column 15: SyntaxError: invalid syntax\n      return x *" in proc.stdout

    save_notebook(double, code_cell("import math"), code_cell("def double(x):\n    return 2 * x"))
    proc = kata("check", "02", cwd=nb_ws)
    assert proc.returncode == 0 and "02 double  (exercises/02_double.ipynb)  passed (3/3 steps pass)" in proc.stdout
    listed = {row["name"]: row for row in json.loads(kata("list", "--json", cwd=nb_ws).stdout)}
    assert listed["double"]["status"] == "done" and listed["double"]["path"] == "exercises/02_double.ipynb"
    assert listed["spin"]["status"] == "ready"
    assert "changed since" not in kata("list", cwd=nb_ws).stdout


def test_the_py_pair_is_checked_when_it_holds_newer_code(kata, nb_ws):
    """Edited as text (VS Code on the .py), the pair is newer and differs: that is what is checked."""
    py = nb_ws / "exercises" / "01_add.py"
    time.sleep(0.01)
    py.write_text(py.read_text().replace("return a + b", "return a - b"))
    proc = kata("check", "01", cwd=nb_ws)
    assert proc.returncode == 1 and "01 add  (exercises/01_add.py)  failed" in proc.stdout


def test_check_file_and_reset_take_notebooks(kata, nb_ws, tmp_path):
    answer = tmp_path / "answer.ipynb"
    answer.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                                  "cells": [code_cell("def add(a, b):\n    return b + a")]}))
    assert kata("check", "01", "--file", str(answer), "--course", str(FIXTURE_COURSE)).returncode == 0
    answer.write_text("{ not a notebook")
    proc = kata("check", "01", "--file", str(answer), "--course", str(FIXTURE_COURSE))
    assert proc.returncode == 1 and "this notebook is not valid JSON (line 1, column 3)" in proc.stdout

    double = nb_ws / "exercises" / "02_double.ipynb"
    assert kata("check", "01", cwd=nb_ws).returncode == 0  # unlocks 02
    save_notebook(double, code_cell("def double(x):\n    return 0"))
    assert kata("reset", "02", "--yes", cwd=nb_ws).returncode == 0
    assert "abs(x) * 2" in double.read_text() and "abs(x) * 2" in (nb_ws / "exercises" / "02_double.py").read_text()
    backups = sorted(p.name for p in (nb_ws / ".kata" / "backups").iterdir())
    assert [Path(b).suffix for b in backups] == [".ipynb", ".py"]


def test_grade_judges_notebook_submissions(kata, tmp_path):
    sub = tmp_path / "subs" / "ada" / "exercises"
    sub.mkdir(parents=True)
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}
    (sub / "01_add.ipynb").write_text(json.dumps(dict(nb, cells=[code_cell("!pip list"),
                                                                 code_cell("def add(a, b):\n    return a + b")])))
    (sub / "02_double.ipynb").write_text(json.dumps(dict(nb, cells=[
        code_cell("def double(x):\n    y = None\n    return y * x")])))
    (row,) = kata.json("grade", str(tmp_path / "subs"), "--course", str(FIXTURE_COURSE), "--json",
                       "-e", "01", "-e", "02", timeout=300)
    add, double = row["results"]
    assert add["status"] == "passed" and add["target"].endswith("01_add.ipynb")
    assert double["status"] == "failed"
    message = double["steps"][0]["message"]
    assert "02_double.ipynb, cell 1, line 3 in double" in message and "TypeError" in message, message


# ---- one verdict per notebook save, with the jupytext pair in place ----

@pytest.mark.parametrize("gap_s", [0.0, 0.6], ids=["pair-written-at-once", "pair-written-apart"])
def test_one_verdict_per_notebook_save_with_the_jupytext_pair(nb_ws, gap_s):
    proc = WatchProcess(nb_ws)
    try:
        first = proc.wait_for(1)
        assert first[0]["exercise"] == "add" and first[0]["file"] == "exercises/01_add.ipynb"
        notebook = nb_ws / "exercises" / "01_add.ipynb"
        save_with_jupytext(notebook, "def add(a, b):\n    return a - b\n", gap_s)
        verdicts = proc.wait_for(2)
        assert verdicts[1]["status"] == "failed" and verdicts[1]["file"] == "exercises/01_add.ipynb"
        save_with_jupytext(notebook, "def add(a, b):\n    return b + a\n", gap_s)
        assert proc.wait_for(3)[2]["status"] == "passed"
        time.sleep(1.0)
        assert len(proc.verdicts()) == 3, "a notebook save and its paired .py write are one save"
        # a save that changes only outputs is no new code, and costs no run
        nb = json.loads(notebook.read_text())
        nb["cells"][-1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "hi\n"}]
        save_notebook(notebook, *nb["cells"])
        # the .py edited on its own (as text) is checked
        py = notebook.with_suffix(".py")
        save_atomic_replace(py, py.read_text().replace("return b + a", "return a * b"))  # an editor's one save
        verdicts = proc.wait_for(4)
        assert verdicts[3]["status"] == "failed" and verdicts[3]["file"] == "exercises/01_add.py"
        time.sleep(0.5)
        assert len(proc.verdicts()) == 4
    finally:
        proc.stop()


# ---- the %kata magic in a real IPython kernel ----

def test_kata_magic_in_a_real_kernel(nb_ws):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    double = nb_ws / "exercises" / "02_double.ipynb"
    spin = nb_ws / "exercises" / "03_spin.ipynb"
    cells = [
        "%load_ext kata",
        "import sys; print('torch' in sys.modules)",
        "%kata check",  # nbclient: nothing names this notebook, so kata refuses rather than guess
        "%kata check 01",  # 01's stub passes; it unlocks 02
        f"__vsc_ipynb_file__ = {str(double)!r}  # as VS Code says which notebook this is",
        "%kata check",  # this notebook: 02, whose stub is wrong for negative numbers
        "%%kata 02\ndef double(x):\n    return 2 * x",  # right in the cell, but not saved: not recorded
        "%kata check 03",  # so 03 is still locked
        "%%kata 02\ndef double(x):\n    y = 2 * x\n    return y / 0",  # Jupyter's line 4, the %%kata line being 1
        f"__vsc_ipynb_file__ = {str(spin)!r}",
        "%kata check",  # a notebook kata knows, but not an exercise the check may run: 03 is locked
    ]
    # 02 and 03 are locked (their stubs not written) until `%kata check 01`: these notebooks are the
    # learner's own, written ahead, and kept as they are
    for ahead in (double, spin):
        ahead.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}))
    save_notebook(double, code_cell("%%time\nimport warnings\n\ndef double(x):\n"
                                    "    warnings.warn('doubling a negative?')\n    return abs(x) * 2"))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    client = nbclient.NotebookClient(nb, timeout=240, kernel_name="python3",
                                     resources={"metadata": {"path": str(nb_ws / "exercises")}})
    client.execute()
    outputs = []
    for cell in nb.cells:
        texts = []
        for out in cell.outputs:
            if out.get("output_type") == "error":
                raise AssertionError(f"{cell.source}: {out.ename}: {out.evalue}")
            data = out.get("data", {})
            texts.append(data.get("text/plain", "") + out.get("text", ""))
            if "text/html" in data:
                texts.append(data["text/html"])
        outputs.append("\n".join(texts))
    assert outputs[1].strip() == "False", "the extension must not load torch into the kernel"
    assert "kata cannot tell which notebook this kernel runs" in outputs[2]
    assert "`%kata check 02`" in outputs[2] and "passed" not in outputs[2]
    assert "01 add  (exercises/01_add.ipynb)  passed (2/2 steps pass)" in outputs[3]
    assert "Unlocked: 02 Double a number → exercises/02_double.ipynb" in outputs[3]
    assert "✓ adds small numbers" in outputs[3] and "<li>" in outputs[3]
    # the saved notebook: a %%time cell keeps its body; the warning is told by cell and line
    assert "02 double  (exercises/02_double.ipynb)  failed (2/3 steps pass)" in outputs[5], outputs[5]
    assert "✗ doubles a negative number" in outputs[5] and "First failure, step 2" in outputs[5]
    assert "02_double.ipynb, cell 1, line 5: UserWarning: doubling a negative?" in outputs[5], outputs[5]
    assert "02 double  (your %%kata 02 cell)  passed (3/3 steps pass)" in outputs[6]
    assert "Not recorded: this is your cell's verdict" in outputs[6] and "Unlocked" not in outputs[6]
    assert "03 spin" in outputs[7] and "locked" in outputs[7]
    assert "your cell, line 4" in outputs[8] and "ZeroDivisionError" in outputs[8], outputs[8]
    assert "03 spin" in outputs[10] and "locked" in outputs[10]
    progress = json.loads((nb_ws / ".kata" / "progress.json").read_text())["exercises"]
    assert progress["add"]["status"] == "done"
    assert progress["double"]["status"] == "started" and progress["double"]["steps_passed"] == 2



def test_importing_kata_imports_neither_torch_nor_ipython():
    import subprocess

    code = ("import sys, kata, kata.cli, kata.notebook, kata.workspace; "
            "print(callable(kata.load_ipython_extension), sorted(m for m in ('torch', 'IPython') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True []"


# ---- VS Code: the workspace's editor files, --open, links and --format gcc ----

def test_init_writes_the_vs_code_files(tmp_path, kata):
    ws = tmp_path / "code"
    proc = kata("init", str(ws), "--course", str(FIXTURE_COURSE))
    assert proc.returncode == 0 and "VS Code: .vscode/settings.json, .vscode/tasks.json written" in proc.stdout
    settings = json.loads((ws / ".vscode" / "settings.json").read_text())
    assert settings["python.defaultInterpreterPath"] == sys.executable
    assert settings["python.analysis.diagnosticSeverityOverrides"]["reportOptionalOperand"] == "none"
    tasks = {t["label"]: t for t in json.loads((ws / ".vscode" / "tasks.json").read_text())["tasks"]}
    assert [tasks["kata watch"]["command"], *tasks["kata watch"]["args"]] == [sys.executable, "-m", "kata", "watch"]
    assert tasks["kata watch"]["isBackground"] is True
    matcher = tasks["kata check"]["problemMatcher"]["pattern"]
    found = re.match(matcher["regexp"], "exercises/02_double.py:2:5: error: step 1 (x): boom")
    assert found and found.group(matcher["file"]) == "exercises/02_double.py" and found.group(matcher["line"]) == "2"
    # the learner's own settings are kept; --no-editor-config writes none
    (ws / ".vscode" / "settings.json").write_text("{}\n")
    assert "kept as they were" in kata("init", str(ws)).stdout
    assert (ws / ".vscode" / "settings.json").read_text() == "{}\n"
    bare = tmp_path / "bare"
    assert kata("init", str(bare), "--course", str(FIXTURE_COURSE), "--no-editor-config").returncode == 0
    assert not (bare / ".vscode").exists()


def test_watch_open_uses_the_editor_at_start_and_on_n(fixture_ws, tmp_path):
    log = tmp_path / "editor.log"
    editor = tmp_path / "fake-editor"
    editor.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$*\" >> {log}\n")
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    leader, follower = pty.openpty()
    proc = WatchProcess(fixture_ws, "--open", stdin=follower,
                        env={"TERM_PROGRAM": "", "VISUAL": "", "EDITOR": f"{editor} --wait"})
    try:
        proc.wait_for(1)
        os.write(leader, b"n")
        assert proc.wait_for(2)[1]["exercise"] == "double"
        end = time.monotonic() + 15
        while time.monotonic() < end and len(log.read_text().splitlines() if log.exists() else []) < 2:
            time.sleep(0.05)
        os.write(leader, b"q")
        proc.proc.communicate(timeout=15)
    finally:
        os.close(leader)
        os.close(follower)
    assert log.read_text().splitlines() == [f"--wait {fixture_ws / 'exercises' / '01_add.py'}",
                                            f"--wait {fixture_ws / 'exercises' / '02_double.py'}"]


def test_watch_without_open_outside_vs_code_opens_nothing(fixture_ws, tmp_path):
    log = tmp_path / "editor.log"
    env = {"EDITOR": f"sh -c 'echo $0 >> {log}'", "TERM_PROGRAM": "xterm"}
    proc = WatchProcess(fixture_ws, env=env)
    try:
        proc.wait_for(1)
    finally:
        proc.stop()
    assert not log.exists()


def test_check_format_gcc(kata, fixture_ws):
    double = fixture_ws / "exercises" / "02_double.py"
    assert kata("check", "02", "--format", "gcc", cwd=fixture_ws).stdout == (
        "exercises/02_double.py:1:1: error: 02 double is locked: finish 01 add first (or `kata skip 01`).\n")
    assert kata("check", "01", "--format", "gcc", cwd=fixture_ws).stdout == ""  # passed: nothing to underline
    double.write_text("def double(x):\n    return x / 0\n")
    proc = kata("check", "02", "--format", "gcc", cwd=fixture_ws)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0] == ("exercises/02_double.py:2:1: error: step 1 (doubles a positive number): "
                        "ZeroDivisionError: division by zero"), proc.stdout
    assert len(lines) == 3 and all(re.match(r"^exercises/02_double\.py:2:1: error: step \d ", line) for line in lines)
    double.write_text("def double(x):\n    return (x *\n")
    (line,) = kata("check", "02", "--format", "gcc", cwd=fixture_ws).stdout.splitlines()
    assert re.match(r"^exercises/02_double\.py:2:\d+: error: step 1 \(doubles a positive number\): .*SyntaxError", line)
    assert kata("check", "01", "--format", "gcc", "--json", cwd=fixture_ws).returncode == 2
