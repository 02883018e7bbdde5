"""kata.dev.mistakes: reading a catalogue, and judging whether the checks catch each mistake as declared."""

from pathlib import Path

from kata.course import Exercise
from kata.dev.mistakes.catalogue import catalogue, read_expects, verify_mistakes
from kata.results import FAILED, PASSED, CheckResult, StepResult


def _exercise(root: Path) -> Exercise:
    return Exercise(number=5, name="relu", title="ReLU", hints=("h",), timeout=10.0, root=root)


def _write(root: Path, name: str, text: str) -> Path:
    path = root / "mistakes" / "05_relu" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


class FakeEngine:
    """Answers each check with the verdict given for the mistake's file name."""

    def __init__(self, verdicts: dict[str, CheckResult]) -> None:
        self.verdicts = verdicts
        self.requests = []

    def check(self, request):
        self.requests.append(request)
        return self.verdicts[request.target.name]


def _failed(message: str) -> CheckResult:
    steps = [StepResult(1, "test_a", "a", PASSED), StepResult(2, "test_b", "b", FAILED, message),
             StepResult(3, "test_c", "c", FAILED, "a later failure the learner does not read first")]
    return CheckResult("05", "relu", "x", FAILED, steps)


def test_expects_are_read_from_the_leading_comments(tmp_path):
    path = _write(tmp_path, "a.py", "# expect: first text\n#expect:   second text  \n# a note\n\n"
                                    "def relu(x):\n    # expect: not read, the header is over\n    return x\n")
    assert read_expects(path) == ("first text", "second text")


def test_catalogue_is_sorted_and_empty_without_a_folder(tmp_path):
    ex = _exercise(tmp_path)
    assert catalogue(ex) == []
    _write(tmp_path, "b.py", "# expect: x\n")
    _write(tmp_path, "a.py", "# expect: y\n")
    _write(tmp_path, "notes.txt", "not a mistake")
    assert [m.path.name for m in catalogue(ex)] == ["a.py", "b.py"]


def test_a_mistake_caught_as_declared_is_fine(tmp_path):
    _write(tmp_path, "abs.py", "# expect: that is abs(x)\n# expect: ReLU turns\n")
    engine = FakeEngine({"abs.py": _failed("relu(-1.0) returned 1.0: that is abs(x). ReLU turns negatives into 0.0.")})
    assert verify_mistakes(engine, _exercise(tmp_path)) == []
    request = engine.requests[0]
    assert request.target_label == "mistakes/05_relu/abs.py" and request.exercise.name == "relu"


def test_problems_name_each_mistake_not_caught_as_declared(tmp_path):
    _write(tmp_path, "passes.py", "# expect: anything\n")
    _write(tmp_path, "wrong_text.py", "# expect: that is abs(x)\n")
    _write(tmp_path, "later_step.py", "# expect: a later failure\n")
    _write(tmp_path, "undeclared.py", "def relu(x):\n    return x\n")
    engine = FakeEngine({
        "passes.py": CheckResult("05", "relu", "x", PASSED, [StepResult(1, "t", "t", PASSED)]),
        "wrong_text.py": _failed("relu(-1.0) returned 1.0."),
        "later_step.py": _failed("the first failure"),
        "undeclared.py": _failed("whatever"),
    })
    problems = verify_mistakes(engine, _exercise(tmp_path))
    assert len(problems) == 4
    joined = "\n".join(problems)
    assert "mistakes/05_relu/passes.py passes every check: the checks do not catch this mistake." in joined
    assert "mistakes/05_relu/wrong_text.py is caught, but the first failure (step 2 (b)) does not say " \
           "'that is abs(x)'. It says:\n    relu(-1.0) returned 1.0." in joined
    assert "later_step.py is caught, but the first failure" in joined  # only the first failure counts
    assert "undeclared.py declares no message: start it with `# expect:" in joined


# --- mistakes as patches: NAME.mistake, replace/with blocks against the solution -------------

import pytest

from kata.dev.mistakes.patch import PatchError, apply_patch, diff_blocks, format_blocks, parse_patch

SOLUTION = '''def relu(x: float) -> float:
    """ReLU."""
    return max(x, 0.0)


def twice(x):
    return max(x, 0.0) * 2
'''

ABS = '''# expect: that is abs(x)
# expect: ReLU turns
# Flips the sign of negative inputs.

# replace:
def relu(x: float) -> float:
    """ReLU."""
    return max(x, 0.0)
# with:
def relu(x: float) -> float:
    """ReLU."""
    return abs(x)
'''


def _solution(root: Path, text: str = SOLUTION) -> Path:
    path = root / "solutions" / "05_relu.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_patch_is_its_expects_then_its_blocks():
    expects, blocks = parse_patch(ABS)
    assert expects == ("that is abs(x)", "ReLU turns")
    assert len(blocks) == 1 and blocks[0].line == 5
    assert blocks[0].old[-1] == "    return max(x, 0.0)" and blocks[0].new[-1] == "    return abs(x)"
    assert apply_patch(SOLUTION, blocks) == SOLUTION.replace("    return max(x, 0.0)\n\n", "    return abs(x)\n\n")


def test_blocks_apply_together_and_may_delete_lines():
    _, blocks = parse_patch("# expect: e\n\n# replace:\n    \"\"\"ReLU.\"\"\"\n# with:\n\n"
                            "# replace:\n    return max(x, 0.0) * 2\n# with:\n    return max(x, 0.0) * 3\n")
    patched = apply_patch(SOLUTION, blocks)
    assert '"""ReLU."""' not in patched and "* 3" in patched and "* 2" not in patched


def test_a_block_that_no_longer_applies_says_where_its_lines_went():
    moved = SOLUTION.replace("    return max(x, 0.0)\n\n", "        return max(x, 0.0)\n\n")
    _, blocks = parse_patch(ABS)
    with pytest.raises(PatchError, match=r"block on line 5 no longer applies(.|\n)*another indentation"):
        apply_patch(moved, blocks)
    edited = SOLUTION.replace('"""ReLU."""', '"""ReLU, the activation."""')
    with pytest.raises(PatchError, match=r"no longer applies(.|\n)*nearest match is line 1 of the solution"):
        apply_patch(edited, blocks)
    with pytest.raises(PatchError, match="nothing in the solution comes close"):
        apply_patch("import torch\n", blocks)


def test_a_block_that_matches_twice_is_refused():
    _, blocks = parse_patch("# expect: e\n# replace:\n    return max(x, 0.0)\n# with:\n    return x\n")
    with pytest.raises(PatchError, match=r"matches the solution 2 times \(lines 3, 7\)(.|\n)*a line more"):
        apply_patch(SOLUTION.replace("max(x, 0.0) * 2", "max(x, 0.0)"), blocks)


def test_malformed_patches_are_refused():
    with pytest.raises(PatchError, match="no `# with:`"):
        parse_patch("# expect: e\n# replace:\n    x\n")
    with pytest.raises(PatchError, match="changes nothing"):
        parse_patch("# expect: e\n")
    with pytest.raises(PatchError, match="neither a comment nor in a block"):
        parse_patch("# expect: e\ndef relu(x):\n")
    with pytest.raises(PatchError, match="replaces nothing"):
        parse_patch("# expect: e\n# replace:\n\n# with:\n    x\n")
    _, blocks = parse_patch("# replace:\n    return max(x, 0.0) * 2\n# with:\n\n"
                            "# replace:\n\ndef twice(x):\n    return max(x, 0.0) * 2\n# with:\n")
    with pytest.raises(PatchError, match="change the same lines"):
        apply_patch(SOLUTION, blocks)


@pytest.mark.parametrize("wrong", [
    SOLUTION.replace("max(x, 0.0)\n\n", "abs(x)\n\n"),  # a line changed where the same text occurs twice
    SOLUTION.replace('    """ReLU."""\n', ""),  # lines deleted
    SOLUTION.replace("    return max(x, 0.0) * 2", "    y = x\n    return max(y, 0.0) * 2\n\n\nprint(1)"),  # added
    "def relu(x):\n    return abs(x)\n",  # a whole new file
])
def test_a_diff_becomes_blocks_that_apply_once_each(wrong):
    blocks = diff_blocks(SOLUTION, wrong)
    _, parsed = parse_patch(format_blocks(blocks))
    assert apply_patch(SOLUTION, parsed).rstrip("\n") == wrong.rstrip("\n")
    for block in parsed:
        assert block.old[0].strip() and block.old[-1].strip()


def test_a_patch_in_the_catalogue_is_checked_as_the_patched_solution(tmp_path):
    _solution(tmp_path)
    _write(tmp_path, "abs.mistake", ABS)
    _write(tmp_path, "old_style.py", "# expect: whole module\ndef relu(x):\n    return x\n")
    engine = FakeEngine({"abs.py": _failed("relu(-1.0) returned 1.0: that is abs(x). ReLU turns negatives into 0.0."),
                         "old_style.py": _failed("the whole module, whole module")})
    ex = _exercise(tmp_path)
    assert [m.path.name for m in catalogue(ex)] == ["abs.mistake", "old_style.py"]
    assert verify_mistakes(engine, ex) == []
    patched, old = engine.requests
    assert patched.target_label == "mistakes/05_relu/abs.mistake" and patched.target.suffix == ".py"
    assert "return abs(x)" in patched.target.read_text() and "* 2" in patched.target.read_text()
    assert old.target == tmp_path / "mistakes" / "05_relu" / "old_style.py"


def test_verify_names_a_patch_that_no_longer_applies(tmp_path):
    _solution(tmp_path, SOLUTION.replace("max(x, 0.0)", "x if x > 0 else 0.0"))
    _write(tmp_path, "abs.mistake", ABS)
    engine = FakeEngine({})
    [problem] = verify_mistakes(engine, _exercise(tmp_path))
    assert engine.requests == []
    assert problem.startswith("mistakes/05_relu/abs.mistake cannot be made from the solution: the `# replace:` "
                              "block on line 5 no longer applies")
    assert "return max(x, 0.0)" in problem and "nearest match is line 1" in problem
