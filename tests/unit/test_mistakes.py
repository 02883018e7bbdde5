"""kata.dev.mistakes: reading a catalogue, and judging whether the checks catch each mistake as declared."""

from pathlib import Path

from kata.course import Exercise
from kata.dev.mistakes import catalogue, read_expects, verify_mistakes
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
