"""`kata grade --similar` on a small class: a renamed, reformatted copy is listed with its original, with
a score and the exercise; an honest answer written another way is not; a threshold above the copy's
score lists nothing. The grade itself is unchanged (docs/grading.md, "Similar code")."""

from __future__ import annotations

import pytest

from tests.conftest import TESTS

COURSE = TESTS / "grading_course"

ANN = '''import torch


def scale(x, k):
    return torch.mul(x, k)


def mean(values):
    """Add them up, then divide."""
    total = 0.0
    count = 0
    for value in values:  # one at a time
        total += value
        count += 1
    if count == 0:
        raise ValueError("no values")
    return total / count
'''

BOB = '''import torch
def scale(t, factor): return torch.mul(t, factor)
def mean(xs):
    acc = 0.0; n = 0
    for v in xs:
        acc += v; n += 1
    if n == 0: raise ValueError("empty!")
    return acc / n
'''

CAROL = '''def scale(x, k):
    return x * k


def mean(values):
    ordered = sorted(float(v) for v in values)
    return sum(ordered) / max(len(ordered), 1)
'''


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from tests.conftest import Kata

    root = tmp_path_factory.mktemp("similar")
    subs = root / "class"
    subs.mkdir()
    for name, text in (("ann", ANN), ("bob", BOB), ("carol", CAROL)):
        (subs / f"{name}.py").write_text(text)
    kata = Kata(root)
    base = ("grade", str(subs), "--course", str(COURSE), "--mode", "local", "-e", "01", "-e", "02")
    return kata(*base, "--similar", timeout=300), kata(*base, "--similar", "--similar-threshold", "1.0",
                                                        "--json", timeout=300)


def test_the_copy_is_listed_with_its_score_and_exercise(graded):
    proc, _ = graded
    assert proc.returncode in (0, 1), proc.stderr
    lines = [line for line in proc.stdout.splitlines() if "~" in line]
    assert len(lines) == 1, proc.stdout
    assert "ann" in lines[0] and "bob" in lines[0] and "02 mean 1.00" in lines[0], lines
    assert "carol" not in proc.stdout.split("similar code:")[1], proc.stdout


def test_the_grade_is_unchanged_and_the_list_goes_to_stderr_beside_json(graded):
    _, as_json = graded
    assert as_json.returncode in (0, 1), as_json.stderr
    assert "similar code:" not in as_json.stdout
    assert "similar code: 1 pair" in as_json.stderr  # 1.0 is reached: the copy is the same code


def test_a_threshold_in_the_wrong_range_is_refused(tmp_path):
    from tests.conftest import Kata

    proc = Kata(tmp_path)("grade", str(tmp_path), "--course", str(COURSE), "--similar", "--similar-threshold", "2")
    assert proc.returncode == 2 and "similar-threshold" in proc.stderr and "Traceback" not in proc.stderr
