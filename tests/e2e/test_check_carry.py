"""Issue 25's "done when", in a real workspace of the second course: the finale imports only the learner's
own code (a marker planted in 01 shows when 19 is imported), and a bug planted in an earlier exercise after
it passed is named by a later exercise's verdict (kata.carry), with `kata list` marking it changed."""

import json
import shutil
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO

COURSE = REPO / "courses" / "pytorch-from-scratch"


def _workspace(kata, tmp_path, upto: int):
    ws = tmp_path / "ws"
    assert kata("init", str(ws), "--course", str(COURSE), "--no-editor-config").returncode == 0
    for solution in sorted((COURSE / "solutions").glob("*.py"))[:upto]:
        shutil.copy(solution, ws / "exercises" / solution.name)
    return ws


def test_the_finale_imports_the_learners_own_01(kata, tmp_path):
    ws = _workspace(kata, tmp_path, 19)
    first = ws / "exercises" / "01_value_ops.py"
    first.write_text('print("MARKER planted in 01")\n' + first.read_text())
    probe = ("import sys\nfrom kata.earlier import resolve\nresolve('19', 'exercises/20_probe.py')\n"
             "print(sorted(m.__file__ for n, m in sys.modules.items() if n.startswith('kata_earlier_')))\n")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ws, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "MARKER planted in 01" in proc.stdout
    loaded = eval(proc.stdout.splitlines()[-1])
    assert all(path.startswith(str(ws / "exercises")) for path in loaded), loaded  # nothing of the course's
    assert {p.split("/")[-1][:2] for p in loaded} == {f"{n:02d}" for n in range(1, 20)} - {"16"}  # 17 replaces 16's SGD


@pytest.mark.timeout(240)
def test_a_bug_planted_after_05_passed_is_named_by_07(kata, tmp_path):
    ws = _workspace(kata, tmp_path, 7)
    results = kata.json("check", "--all", "--json", cwd=ws, timeout=200)
    assert [r["status"] for r in results[:7]] == ["passed"] * 7, results
    assert not any(r.get("carry") for r in results[:7])  # their own earlier code is the reference's

    five = ws / "exercises" / "05_broadcasting.py"
    right = five.read_text()
    five.write_text(right.replace("            return unbroadcast(grad, self.shape), unbroadcast(grad, other.shape)",
                                  '            raise ValueError("planted in 05")'))
    (seven,) = kata.json("check", "07", "--json", cwd=ws)
    assert seven["status"] == "passed"  # 07's own code is right: judged with the reference 05
    assert "your `Tensor.__add__` from exercise 05" in seven["carry"] and "planted in 05" in seven["carry"]
    listing = {row["id"]: row for row in json.loads(kata("list", "--json", cwd=ws).stdout)}
    assert listing["05"]["changed_since_passed"] and not listing["07"]["changed_since_passed"]
    assert listing["05"]["breaks"] == "07" and listing["06"]["breaks"] == ""
    assert "(exercise 07 fails on it" in kata("list", cwd=ws).stdout
    shown = kata("check", "07", cwd=ws).stdout
    assert "passes on its own code, but not with your own earlier exercises" in shown

    # A wrong number, no exception: found by putting the reference 05 in place of the learner's.
    five.write_text(right.replace("unbroadcast(grad * self.data, other.shape)", "unbroadcast(grad, other.shape)"))
    (seven,) = kata.json("check", "07", "--json", cwd=ws)
    assert seven["status"] == "passed"
    assert "With the reference 05 in place of your 05_broadcasting.py it passes" in seven["carry"], seven["carry"]
    assert "`Tensor.__mul__` from exercise 05" in seven["carry"]

    five.write_text(right)  # fixed: 07's next check clears the mark
    (seven,) = kata.json("check", "07", "--json", cwd=ws)
    assert "carry" not in seven
    assert all(row["breaks"] == "" for row in json.loads(kata("list", "--json", cwd=ws).stdout))


@pytest.mark.timeout(200)
def test_a_notebook_workspace_carries_the_file_kata_checks(kata, tmp_path):
    """`kata init --notebooks`: an earlier exercise is the one of its notebook and `.py` twin that kata
    checks (kata.notebook.pair): here 01's notebook, whose `.py` twin still holds the stub."""
    jupytext = pytest.importorskip("jupytext", reason="kata[notebook] is not installed")
    ws = tmp_path / "nb"
    assert kata("init", str(ws), "--course", str(COURSE), "--notebooks", "--no-editor-config").returncode == 0
    folder = ws / "exercises"
    one = folder / "01_value_ops.ipynb"

    def solve_in_notebook(notebook, text):
        jupytext.write(jupytext.reads(text, "py:percent"), notebook)

    right = (COURSE / "solutions" / "01_value_ops.py").read_text()
    solve_in_notebook(one, right)
    assert kata("check", "01", cwd=ws).returncode == 0
    (folder / "02_value_backward.py").write_text((COURSE / "solutions" / "02_value_backward.py").read_text())
    (two,) = kata.json("check", "02", "--json", cwd=ws)
    assert two["status"] == "passed" and "carry" not in two, two  # the learner's 01 is the notebook, right

    solve_in_notebook(one, right.replace("self.grad += out.grad", "self.grad = out.grad"))  # broken after it passed
    (two,) = kata.json("check", "02", "--json", cwd=ws)
    assert two["status"] == "passed" and "your 01_value_ops.ipynb" in two.get("carry", ""), two.get("carry")


@pytest.mark.timeout(240)
def test_watch_draws_the_verdict_first_then_the_carry_notice(kata, tmp_path):
    """`kata watch` draws K's verdict (and writes its events line) before the carry step runs, then
    redraws with the notice: the step never changes the verdict, so the learner does not wait for it."""
    from tests.e2e.test_watch import WatchProcess, save_atomic_replace as _save  # no read sees half a file

    ws = _workspace(kata, tmp_path, 7)
    results = kata.json("check", "--all", "--json", cwd=ws, timeout=200)
    assert [r["status"] for r in results[:7]] == ["passed"] * 7, results
    five = ws / "exercises" / "05_broadcasting.py"
    five.write_text(five.read_text().replace(
        "            return unbroadcast(grad, self.shape), unbroadcast(grad, other.shape)",
        '            raise ValueError("planted in 05")'))
    seven = ws / "exercises" / "07_sum_mean.py"
    watch = WatchProcess(ws)
    try:
        watch.wait_for(1, timeout=120)  # the exercise it starts on
        _save(seven, seven.read_text() + "\n")
        found = watch.wait_for(2, timeout=120)
        assert (found[-1]["id"], found[-1]["status"]) == ("07", "passed")
        breaks = ws / ".kata" / "breaks.json"  # written by the carry step, just before the redraw
        deadline = time.monotonic() + 120
        while not (breaks.exists() and '"07"' in breaks.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        _save(seven, seven.read_text() + "\n")  # handled after the redraw: once its verdict is out, so is the notice
        watch.wait_for(3, timeout=120)
    finally:
        shown = watch.stop()
    assert "passes on its own code, but not with your own earlier exercises" in shown, shown[-3000:]
    assert "your `Tensor.__add__` from exercise 05" in shown
