"""One verdict, whatever the route: the same submissions through `kata check`, `kata grade --mode
local`, judged `kata grade` and `kata grade --scheduler local:2` get the same status and the same
outcome for every step.

The submissions: right, wrong, an answer typed in by hand (caught only by reading the learner's
source), module code that changes torch's settings, reads its arguments or reads stdin, a numpy scalar
returned, one that hangs (spinning in a call, and asleep at import: each route times out both, and
a sleeper spares the machine's CPU, as each hang runs twice in a grade) and one that crashes (in a
call, and at import),
each as `.py` files and as notebooks, against two exercises of the bundled course: 01 relu and 05
autograd_scalars (the one with a source-reading check), in a copy of the course with a 1.5 s limit
per step (a right answer takes milliseconds, and a run that times out in a grade is run again
alone before `timeout` stands).
One module-scoped fixture per route, each a real `kata` process."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, Kata

pytestmark = pytest.mark.timeout(900)  # the limit, never the expectation

EXERCISES = [("01", "relu", "01_relu"), ("02", "autograd_scalars", "05_autograd_scalars")]
HANG = "\nimport time\nwhile True:\n    time.sleep(0.5)\n"  # at import, asleep: the hang in a call spins
CRASH = "\nimport os\nos._exit(3)\n"


def _course(root: Path) -> Path:
    course = root / "course"
    for kind in ("exercises", "checks", "solutions"):
        (course / kind).mkdir(parents=True)
    entries = []
    for number, name, original in EXERCISES:
        shutil.copy(REPO / "exercises" / f"{original}.py", course / "exercises" / f"{number}_{name}.py")
        shutil.copy(REPO / "solutions" / f"{original}.py", course / "solutions" / f"{number}_{name}.py")
        shutil.copy(REPO / "checks" / f"test_{original}.py", course / "checks" / f"test_{number}_{name}.py")
        entries.append(f'[[exercise]]\nname = "{name}"\ntitle = "{name}"\nhints = ["h"]\ntimeout = 1.5\n')
    (course / "kata.toml").write_text('format_version = 1\nname = "parity"\ntitle = "Parity"\n\n'
                                      + "\n".join(entries))
    return course


def _answers() -> dict[str, tuple[str, str]]:
    relu = (REPO / "solutions" / "01_relu.py").read_text()
    grads = (REPO / "solutions" / "05_autograd_scalars.py").read_text()
    assert "return max(x, 0.0)" in relu and "dc_da = a.grad\ndc_db = b.grad" in grads
    return {
        "right": (relu, grads),
        "wrong": (relu.replace("return max(x, 0.0)", "return abs(x)"),
                  grads.replace("dc_da = a.grad\ndc_db = b.grad", "dc_da = b.grad\ndc_db = a.grad")),
        "typed": (relu, grads.replace("dc_da = a.grad\ndc_db = b.grad", "dc_da = 10.0\ndc_db = 6.0")),
        "hanging": (relu.replace("return max(x, 0.0)", "while True:\n        pass"), grads + HANG),
        "crashing": (relu.replace("return max(x, 0.0)", "import os\n    os._exit(3)"), grads + CRASH),
        # module code that changes what the checks share with it: torch's settings (a clear error on
        # every route), the program's arguments and its stdin (the same argv and the same refusal)
        "torch_globals": (relu + "\nimport torch\ntorch.set_default_dtype(torch.float64)\n",
                          grads + "\nimport torch\ntorch.set_grad_enabled(False)\n"),
        "program": (relu + "\nimport argparse\nARGS = argparse.ArgumentParser().parse_args()\n",
                    grads + "\nimport sys\nDATA = sys.stdin.read()\n"),
        # a numpy scalar crosses the judge as one (np.float32 is no float: relu's checks ask for a float)
        "numpy_scalar": (relu.replace("return max(x, 0.0)", "import numpy\n    return numpy.float32(max(x, 0.0))"),
                         grads),
    }


def _notebook(source: str) -> str:
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]})


@pytest.fixture(scope="module")
def setup(tmp_path_factory) -> tuple[Kata, Path, Path]:
    root = tmp_path_factory.mktemp("parity")
    course = _course(root)
    subs = root / "class"
    for kind, (relu, grads) in _answers().items():
        for suffix in (".py", ".ipynb"):
            folder = subs / f"{kind}{suffix.replace('.', '_')}"
            folder.mkdir(parents=True)
            for (number, name, _), text in zip(EXERCISES, (relu, grads)):
                path = folder / f"{number}_{name}{suffix}"
                path.write_text(text if suffix == ".py" else _notebook(text))
    return Kata(root), course, subs


Verdicts = dict[tuple[str, str], tuple[str, tuple[str, ...]]]  # (submission, exercise) -> status, outcomes


def _graded(setup, *options: str) -> Verdicts:
    kata, course, subs = setup
    proc = kata("grade", str(subs), "--course", str(course), "--json", *options, timeout=800)
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert len(rows) == 2 * len(_answers()), proc.stdout + proc.stderr
    return {(row["submission"], r["name"]): (r["status"], tuple(s["outcome"] for s in r["steps"]))
            for row in rows for r in row["results"]}


@pytest.fixture(scope="module")
def by_check(setup) -> Verdicts:
    kata, course, subs = setup
    found: Verdicts = {}
    for folder in sorted(subs.iterdir()):
        for number, name, _ in EXERCISES:
            (path,) = folder.glob(f"{number}_{name}.*")
            proc = kata("check", number, "--file", str(path), "--course", str(course), "--json", timeout=300)
            (line,) = [json.loads(x) for x in proc.stdout.splitlines() if x.strip()]
            found[(folder.name, name)] = (line["status"], tuple(s["outcome"] for s in line["steps"]))
    return found


@pytest.fixture(scope="module")
def by_grade_local(setup) -> Verdicts:
    return _graded(setup, "--mode", "local")


@pytest.fixture(scope="module")
def by_grade_judged(setup) -> Verdicts:
    return _graded(setup)


@pytest.fixture(scope="module")
def by_grade_cluster(setup) -> Verdicts:
    pytest.importorskip("distributed", reason="the cluster extra is not installed: pip install -e '.[test]'")
    return _graded(setup, "--scheduler", "local:2")


def test_the_verdicts_are_the_ones_each_submission_deserves(by_grade_local):
    got = {key: status for key, (status, _) in by_grade_local.items()}
    for form in ("py", "ipynb"):
        assert got[(f"right_{form}", "relu")] == got[(f"right_{form}", "autograd_scalars")] == "passed"
        assert got[(f"wrong_{form}", "relu")] == got[(f"wrong_{form}", "autograd_scalars")] == "failed"
        assert got[(f"typed_{form}", "relu")] == "passed" and got[(f"typed_{form}", "autograd_scalars")] == "failed"
        assert got[(f"hanging_{form}", "relu")] == got[(f"hanging_{form}", "autograd_scalars")] == "timeout"
        assert re.fullmatch("crashed|error", got[(f"crashing_{form}", "relu")]), got
        assert re.fullmatch("crashed|error", got[(f"crashing_{form}", "autograd_scalars")]), got
        assert got[(f"torch_globals_{form}", "relu")] == got[(f"torch_globals_{form}", "autograd_scalars")] == "error"
        assert got[(f"program_{form}", "relu")] == "passed" and got[(f"program_{form}", "autograd_scalars")] == "error"
        assert got[(f"numpy_scalar_{form}", "relu")] == "failed", got


def test_a_notebook_and_a_py_get_the_same_verdict(by_grade_local):
    for (sub, name), verdict in by_grade_local.items():
        if sub.endswith("_py"):
            assert by_grade_local[(sub.replace("_py", "_ipynb"), name)] == verdict, (sub, name)


@pytest.mark.parametrize("route", ["by_check", "by_grade_judged", "by_grade_cluster"])
def test_every_route_gives_the_same_verdict_for_every_step(route, by_grade_local, request):
    other = request.getfixturevalue(route)
    assert set(other) == set(by_grade_local)
    differ = {key: (by_grade_local[key], other[key]) for key in by_grade_local if other[key] != by_grade_local[key]}
    assert not differ, f"{route} differs from grade --mode local: {differ}"
