"""The seed's own solution code, put into one file, passes every exercise of the bundled course.

The course's promise: "The seed's own solution code must pass the checks unchanged", and `kata check --all --file`
checks every exercise against one single-file module, as the seed is written. tests/seed/seed_solutions.py
is that file: the seed's code re-indented, with each needed change marked `# kata:`.
"""

import ast
import tomllib
import warnings

import pytest

from tests.conftest import REPO

SEED_FILE = REPO / "tests" / "seed" / "seed_solutions.py"


def _course_names() -> list[str]:
    with open(REPO / "kata.toml", "rb") as f:
        return [entry["name"] for entry in tomllib.load(f)["exercise"]]


def test_every_change_from_the_seed_is_marked():
    """The file parses, and what it adds to the seed says why (`# kata:`), including the names the course adds."""
    source = SEED_FILE.read_text()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the seed's docstring writes \sum unescaped
        ast.parse(source)
    for added in ("predicted_accumulated_grad", "fresh_gradient", "split_dataset", "accuracy", "train_model"):
        assert added in source
    assert source.count("# kata:") >= 10


@pytest.mark.timeout(300)
def test_the_seed_passes_every_exercise(kata):
    results = kata.json("check", "--all", "--file", str(SEED_FILE.relative_to(REPO)), "--json",
                        cwd=REPO, timeout=300)
    names = _course_names()
    assert [r["name"] for r in results] == names
    assert [r["id"] for r in results] == [f"{i:02d}" for i in range(1, len(names) + 1)]
    failures = {
        f"{r['id']} {r['name']}": [(s["title"], s["outcome"], s["message"][:400])
                                   for s in r["steps"] if s["outcome"] != "passed"] or r["status"]
        for r in results if r["status"] != "passed"
    }
    assert not failures, failures
    for r in results:
        assert r["steps"], f"{r['id']} {r['name']} ran no step"
        assert all(s["outcome"] == "passed" for s in r["steps"])
