"""Checks that read the learner's source judge a notebook as they judge the same code in a `.py`.

Exercise 05 of the first course fails answers typed in by hand (`dc_da = 10.0` after
`c.backward()`): the value is right, only the source tells. A notebook's file is JSON, so such a
check once found nothing in it and passed; it must read the notebook's code cells joined into
the module that ran (kata.learner_source). Shown through the real commands: `kata check`, `kata
grade` judged in the sandbox (`--require-sandbox`) and `kata grade --mode local`, on real files;
the submissions are folders holding only notebooks, one with megabytes of outputs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, Kata

pytest.importorskip("jupytext", reason="kata[notebook] is not installed")

needs_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None and os.environ.get("KATA_TEST_REQUIRE_BWRAP") != "1",
    reason="bubblewrap is not installed (apt-get install bubblewrap); .ci/run installs it")

SOLUTION = (REPO / "solutions" / "05_autograd_scalars.py").read_text()
TYPED_IN = SOLUTION.replace("dc_da = a.grad\ndc_db = b.grad", "dc_da = 10.0\ndc_db = 6.0")
STEP = "dc_da and dc_db are what PyTorch computed, not written in by hand"
TOLD = "dc_da holds the right number, but this line never reads a.grad"


def _notebook(text: str, dest: Path, big_output: bool = False) -> Path:
    """`text` as a notebook, written by kata's own writer (jupytext), then as Jupyter leaves it after
    a run: a `%matplotlib inline` cell on top and, with `big_output`, 2 MiB of printed output."""
    from kata.notebook import write_notebook

    write_notebook(text, dest)
    nb = json.loads(dest.read_text())
    nb["cells"].insert(0, {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [],
                           "source": "%matplotlib inline"})
    if big_output:
        code = next(c for c in nb["cells"][1:] if c["cell_type"] == "code")
        code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "0123456789abcdef\n" * 128 * 1024}]
    dest.write_text(json.dumps(nb, indent=1))
    return dest


@pytest.fixture(scope="module")
def subs(tmp_path_factory) -> Path:
    """Three submissions: the typed-in answer as a .py, the same as a notebook, the right answer as a
    notebook (with big outputs). The two notebook folders hold nothing but their notebook."""
    root = tmp_path_factory.mktemp("nbsubs")
    (root / "typed_py").mkdir()
    (root / "typed_py" / "05_autograd_scalars.py").write_text(TYPED_IN)
    _notebook(TYPED_IN, root / "typed_nb" / "05_autograd_scalars.ipynb")
    right = _notebook(SOLUTION, root / "right_nb" / "05_autograd_scalars.ipynb", big_output=True)
    assert right.stat().st_size > 2 * 1024 * 1024  # over the 1 MiB of code a graded file may hold
    _notebook(SOLUTION + "\n\n# %%\ndef broken(:\n    pass\n", root / "broken_nb" / "05_autograd_scalars.ipynb")
    return root


def _step4(result: dict) -> dict:
    step = result["steps"][3]
    assert step["title"] == STEP
    return step


def test_kata_check_fails_the_typed_in_answer_as_py_and_as_notebook(subs, tmp_path):
    kata = Kata(tmp_path)
    for folder, suffix, where in (("typed_py", ".py", ":42: dc_da = 10.0"),
                                  ("typed_nb", ".ipynb", ", cell 4, line 5: dc_da = 10.0")):
        target = subs / folder / f"05_autograd_scalars{suffix}"
        proc = kata("check", "05", "--file", str(target), "--course", str(REPO), "--json")
        assert proc.returncode == 1, proc.stdout + proc.stderr
        (result,) = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
        assert [s["outcome"] for s in result["steps"]] == ["passed", "passed", "passed", "failed"], result
        message = _step4(result)["message"]
        assert TOLD in message and f"{target}{where}" in message, message
    right = subs / "right_nb" / "05_autograd_scalars.ipynb"
    proc = kata("check", "05", "--file", str(right), "--course", str(REPO))
    assert proc.returncode == 0 and "passed (4/4 steps pass)" in proc.stdout, proc.stdout + proc.stderr


def _grade(subs: Path, tmp_path: Path, *mode: str) -> dict[str, dict]:
    """`kata grade` on the three folders, each named on the command line as a submission of its own."""
    names = ("typed_py", "typed_nb", "right_nb", "broken_nb")
    proc = Kata(tmp_path)("grade", *(str(subs / name) for name in names),
                          "--course", str(REPO), "-e", "05", "--json", *mode, timeout=600)
    rows = {row["submission"]: row for row in map(json.loads, proc.stdout.splitlines())}
    assert set(rows) == set(names), proc.stdout + proc.stderr
    assert proc.returncode == 1  # not everyone passed
    return rows


def _assert_graded_alike(rows: dict[str, dict]) -> None:
    for name in ("typed_py", "typed_nb"):
        (result,) = rows[name]["results"]
        assert result["status"] == "failed" and rows[name]["steps_passed"] == 3, result
        step = _step4(result)
        assert step["outcome"] == "failed" and TOLD in step["message"], step
    assert "cell 4, line 5: dc_da = 10.0" in _step4(rows["typed_nb"]["results"][0])["message"]
    (right,) = rows["right_nb"]["results"]
    assert right["status"] == "passed" and rows["right_nb"]["exercises_passed"] == 1, right
    # a syntax error in a later cell is told by cell and line on both sides, never as a line of the JSON
    (broken,) = rows["broken_nb"]["results"]
    assert broken["status"] == "error", broken
    message = broken["steps"][0]["message"]
    assert re.search(r"05_autograd_scalars\.ipynb, cell \d+, line 1, column \d+: SyntaxError", message), message


@needs_bwrap
def test_kata_grade_judged_fails_the_typed_in_notebook_like_the_py(subs, tmp_path):
    rows = _grade(subs, tmp_path, "--require-sandbox")
    assert all(row["isolation"].startswith("bubblewrap") for row in rows.values()), rows
    _assert_graded_alike(rows)


def test_kata_grade_local_fails_the_typed_in_notebook_like_the_py(subs, tmp_path):
    rows = _grade(subs, tmp_path, "--mode", "local")
    _assert_graded_alike(rows)
