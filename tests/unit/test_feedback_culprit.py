"""The pointer names the learner's function that holds the mistake, not the one the check called:
the one that differs from the course's solution, or, with several, the one a re-run singles out."""

import sys
import textwrap
from pathlib import Path

from kata.feedback import search
from kata.feedback.culprit import differing, enclosing_definition
from kata.feedback.failures import describe_exception

TENSOR = '''
    class Tensor:
        def __init__(self, data):
            self.data = data

        def __mul__(self, other):
            return Tensor(self.data * other.data)

        def __pow__(self, k):
            return Tensor(self.data ** k)

        def sum(self):
            return Tensor(sum(self.data))

        def mean(self):
            return Tensor(self.sum().data / len(self.data))


    class SGD:
        def __init__(self, params, lr):
            self.params = list(params)
            self.lr = lr

        def step(self):
            for p in self.params:
                p.data = p.data - self.lr * p.grad

        def zero_grad(self):
            for p in self.params:
                p.grad = None
'''

CHECKS = '''
    def test_square(exercise):
        x = exercise.Tensor(3.0)
        assert (x * x).data == 9.0
        assert (x ** 2).data == 9.0, "x ** 2 is wrong"

    def test_step(exercise):
        p = exercise.Tensor(1.0)
        p.grad = 1.0
        opt = exercise.SGD([p], lr=0.5)
        opt.step()
        assert p.data == 0.5, "step() went the wrong way"

    def test_mean(exercise):
        x = exercise.Tensor([1.0, 2.0, 3.0])
        assert x.mean().data == 2.0, "mean is wrong"
'''


def _course(tmp_path: Path, learner: str) -> tuple[Path, Path, dict]:
    for folder in ("exercises", "checks", "solutions"):
        (tmp_path / folder).mkdir(exist_ok=True)
    (tmp_path / "solutions" / "01_thing.py").write_text(textwrap.dedent(TENSOR))
    (tmp_path / "exercises" / "01_thing.py").write_text(textwrap.dedent(TENSOR))
    learner_file = tmp_path / "mine.py"
    learner_file.write_text(textwrap.dedent(learner))
    check_file = tmp_path / "checks" / "test_01_thing.py"
    check_file.write_text(textwrap.dedent(CHECKS))
    checks: dict = {"__name__": "test_01_thing"}
    exec(compile(check_file.read_text(), str(check_file), "exec"), checks)
    return learner_file, check_file, checks


def _module(learner_file: Path):
    module = type(sys)("kata_target")
    module.__file__ = str(learner_file)
    exec(compile(learner_file.read_text(), str(learner_file), "exec"), module.__dict__)
    return module


def _rerun(step, learner_file: Path):
    """What kata.plugin.rerun gives the search: the step again on a fresh, changed copy of the module."""

    def run(prepare, trace, limit_s):
        module = _module(learner_file)
        if prepare is not None:
            prepare(module)
        profile, seen = search.traced_calls(str(learner_file))
        if trace:
            sys.setprofile(profile)
        try:
            step(module)
            passed = True
        except Exception:
            passed = False
        finally:
            sys.setprofile(None)
        return passed, list(seen)

    return run


def _failure(tmp_path: Path, learner: str, step: str, rerun: bool = False) -> str:
    learner_file, check_file, checks = _course(tmp_path, learner)
    try:
        checks[step](_module(learner_file))
    except AssertionError as exc:
        return describe_exception(exc, [check_file, learner_file], learner_file=learner_file,
                                  rerun=_rerun(checks[step], learner_file) if rerun else None)
    raise AssertionError("the step passed")


def _wrong(old: str, new: str) -> str:
    assert old in TENSOR
    return TENSOR.replace(old, new)


def test_a_pow_bug_is_named_in_pow_not_in_mul(tmp_path):
    message = _failure(tmp_path, _wrong("self.data ** k", "self.data ** (k - 1)"), "test_square")
    assert "your function Tensor.__pow__" in message
    assert "__mul__" not in message


def test_a_step_bug_is_named_in_step_not_in_init(tmp_path):
    message = _failure(tmp_path, _wrong("p.data - self.lr * p.grad", "p.data + self.lr * p.grad"), "test_step")
    assert "your function SGD.step" in message


def test_a_mean_bug_on_a_right_sum_is_named_in_mean(tmp_path):
    message = _failure(tmp_path, _wrong("/ len(self.data)", "/ (len(self.data) - 1)"), "test_mean")
    assert "your function Tensor.mean" in message


def test_with_several_differences_a_rerun_finds_the_one_that_is_wrong(tmp_path):
    # sum written another (right) way, mean wrong, zero_grad written another way and never called
    learner = _wrong("return Tensor(sum(self.data))", "total = 0.0\n            for v in self.data:\n"
                                                       "                total += v\n            return Tensor(total)")
    learner = learner.replace("/ len(self.data)", "/ (len(self.data) - 1)")
    learner = learner.replace("p.grad = None", "setattr(p, 'grad', None)")
    learner_file, _, _ = _course(tmp_path, learner)
    assert differing(learner_file, tmp_path / "solutions" / "01_thing.py") == ["Tensor.sum", "Tensor.mean",
                                                                                "SGD.zero_grad"]
    assert "your function Tensor.mean" in _failure(tmp_path, learner, "test_mean", rerun=True)


def test_the_search_blames_a_wrong_sum_under_a_right_mean(tmp_path):
    learner = _wrong("return Tensor(sum(self.data))", "return Tensor(sum(self.data[1:]))")
    learner = learner.replace("self.sum().data / len(self.data)", "self.sum().data * (1 / len(self.data))")
    learner_file, _, checks = _course(tmp_path, learner)
    found = search.search(["Tensor.sum", "Tensor.mean"], tmp_path / "solutions" / "01_thing.py",
                          _rerun(checks["test_mean"], learner_file))
    assert found == "Tensor.sum"


def test_without_a_rerun_several_differences_fall_back_to_the_old_guess(tmp_path):
    learner = _wrong("p.data - self.lr * p.grad", "p.data + self.lr * p.grad").replace("self.lr = lr", "self.lr = lr * 1")
    message = _failure(tmp_path, learner, "test_step")
    assert "your function SGD." in message  # narrowed to what differs, not the whole class


def test_the_learners_own_style_is_not_a_difference(tmp_path):
    restyled = TENSOR.replace("class SGD:", "class SGD:\n        '''My optimizer.'''\n")
    learner_file, _, _ = _course(tmp_path, restyled + "\n    # a comment\n")
    assert differing(learner_file, tmp_path / "solutions" / "01_thing.py") == []


def test_a_comment_or_layout_inside_a_method_is_not_a_difference_but_a_change_of_its_code_is(tmp_path):
    # the same text is taken as the same code without a dump; a different text is compared as code
    restyled = TENSOR.replace("return Tensor(sum(self.data))", "return Tensor( sum(self.data) )  # the total")
    learner_file, _, _ = _course(tmp_path, restyled)
    solution = tmp_path / "solutions" / "01_thing.py"
    assert differing(learner_file, solution) == []
    changed = tmp_path / "changed.py"  # another file: a rewrite could keep the modification time (the cache's key)
    changed.write_text(textwrap.dedent(restyled.replace("sum(self.data)", "sum(self.data[1:])")))
    assert differing(changed, solution) == ["Tensor.sum"]
    swapped = tmp_path / "swapped.py"
    swapped.write_text(textwrap.dedent(restyled.replace("self.data * other.data", "other.data * self.data")))
    assert differing(swapped, solution) == ["Tensor.__mul__"]


def test_a_raising_solution_method_points_at_the_function_that_differs(tmp_path):
    # zero_grad is the solution's; __init__ keeps a generator, so the second step() finds nothing to do
    learner = _wrong("self.params = list(params)", "self.params = params")
    learner_file, check_file, _ = _course(tmp_path, learner)
    module = _module(learner_file)
    opt = module.SGD(iter([]), lr=0.1)
    opt.params = None  # so that zero_grad, the solution's own code, raises
    try:
        opt.zero_grad()
    except TypeError as exc:
        message = describe_exception(exc, [check_file, learner_file], learner_file=learner_file)
    assert "in zero_grad" in message
    assert "your function SGD.__init__" in message


def test_a_line_names_the_method_holding_it(tmp_path):
    learner_file, _, _ = _course(tmp_path, TENSOR)
    line = next(i for i, text in enumerate(learner_file.read_text().splitlines(), 1) if "** k" in text)
    assert enclosing_definition(learner_file, line) == "Tensor.__pow__"
