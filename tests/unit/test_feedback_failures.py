"""failures: the learner's frames only, and a shape error names their line and the shapes that met there."""

import textwrap
from pathlib import Path

import pytest
import torch

from kata.feedback.failures import describe_exception


def _load(path: Path, source: str) -> dict:
    path.write_text(textwrap.dedent(source))
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace


def _raise(fn, *args) -> BaseException:
    with pytest.raises(Exception) as info:
        fn(*args)
    return info.value


def test_matmul_shape_error_names_the_line_and_both_shapes(tmp_path):
    learner = tmp_path / "learner.py"
    ns = _load(learner, """
        import torch as t

        def forward(x, layer):
            hidden = x * 2
            return hidden @ layer
    """)
    exc = _raise(ns["forward"], torch.ones(4, 784), torch.ones(2000, 784))
    text = describe_exception(exc, [learner], learner_file=learner)
    lines = text.splitlines()
    assert lines[0] == f"{learner}:6 in forward"
    assert lines[1] == "    return hidden @ layer"
    assert "mat1 and mat2 shapes cannot be multiplied (4x784 and 2000x784)" in lines[2]
    assert lines[3] == "On your line 6, hidden is 4 × 784 (float32) and layer is 2000 × 784 (float32)."
    assert "784 and 2000" in lines[4] and ".T" in lines[4]


def test_attribute_operands_and_broadcasting(tmp_path):
    learner = tmp_path / "learner.py"
    ns = _load(learner, """
        from types import SimpleNamespace

        def add_bias(out, net):
            return out + net.bias
    """)
    from types import SimpleNamespace

    exc = _raise(ns["add_bias"], torch.ones(4, 3), SimpleNamespace(bias=torch.ones(5)))
    text = describe_exception(exc, [learner], learner_file=learner)
    assert "On your line 5, out is 4 × 3 (float32) and net.bias is a vector of 5 (float32)." in text
    assert "dimension 1 has 3 on one side and 5 on the other" in text


def test_type_error_names_plain_operands(tmp_path):
    learner = tmp_path / "learner.py"
    ns = _load(learner, """
        def scale(inputs, w):
            return inputs * w
    """)
    exc = _raise(ns["scale"], [1.0, 2.0], torch.ones(2))
    text = describe_exception(exc, [learner], learner_file=learner)
    assert "inputs is a list of 2" in text and "w is a vector of 2 (float32)" in text


def test_errors_without_tensors_are_left_alone(tmp_path):
    learner = tmp_path / "learner.py"
    ns = _load(learner, """
        def todo(x):
            raise NotImplementedError("todo: write it")
    """)
    exc = _raise(ns["todo"], torch.ones(2))
    text = describe_exception(exc, [learner], learner_file=learner)
    assert "On your line" not in text and text.endswith("NotImplementedError: todo: write it")


def test_a_failure_starts_at_the_learners_line_not_the_checks(tmp_path):
    check = tmp_path / "test_check.py"
    learner = tmp_path / "learner.py"
    ns_learner = _load(learner, """
        def relu(x):
            return x.clamp(min=0) @ x
    """)
    check.write_text(textwrap.dedent("""
        def _call(relu, x):
            return _inner(relu, x)

        def _inner(relu, x):
            return relu(x)

        def test_step(relu, x):
            _call(relu, x)
    """))
    ns_check: dict = {}
    exec(compile(check.read_text(), str(check), "exec"), ns_check)
    exc = _raise(ns_check["test_step"], ns_learner["relu"], torch.ones(2, 3))
    text = describe_exception(exc, [check, learner], learner_file=learner)
    assert f"{check}:9 in test_step" not in text  # the learner's line is shown: the failure starts there
    assert "in _call" not in text and "in _inner" not in text
    assert text.startswith(f"{learner}:3 in relu")
    full = describe_exception(exc, [check, learner])  # without learner_file nothing is shrunk
    assert "in _inner" in full


def test_an_error_a_check_caught_still_shows_the_learners_line(tmp_path):
    learner = tmp_path / "learner.py"
    ns = _load(learner, """
        def accuracy(guesses, labels):
            return (guesses == labels).float().mean()
    """)
    check = tmp_path / "test_check.py"
    check.write_text(textwrap.dedent("""
        from kata.expect import fail

        def test_step(accuracy, guesses, labels):
            try:
                accuracy(guesses, labels)
            except RuntimeError:
                fail("the guesses don't line up with the labels: one guess per image.")
    """))
    ns_check: dict = {}
    exec(compile(check.read_text(), str(check), "exec"), ns_check)
    exc = _raise(ns_check["test_step"], ns["accuracy"], torch.zeros(4), torch.zeros(8))
    lines = describe_exception(exc, [check, learner], learner_file=learner).splitlines()
    assert lines[0] == f"{learner}:3 in accuracy"  # the learner's line first, not kata's check file
    assert lines[2] == "the guesses don't line up with the labels: one guess per image."
    assert lines[3] == "On your line 3, guesses is a vector of 4 (float32) and labels is a vector of 8 (float32)."


def test_backward_after_an_in_place_change_is_explained(tmp_path):
    learner = tmp_path / "learner.py"
    ns = _load(learner, """
        import torch

        def step(w):
            loss = (w ** 2).sum()
            with torch.no_grad():
                w -= 0.1
            loss.backward()
    """)
    exc = _raise(ns["step"], torch.ones(3, requires_grad=True))
    text = describe_exception(exc, [learner], learner_file=learner)
    assert "changed in place after it was used on the way to the loss" in text and "On your line" not in text


def test_a_graph_cut_by_data_is_explained_in_words(tmp_path):
    """Issue 22: torch's "element 0 of tensors does not require grad" names neither the cause nor the fix."""
    learner = tmp_path / "learner.py"
    ns = _load(learner, """
        import torch

        def grad_of(points):
            result = (points.data ** 2).sum()
            result.backward()
            return points.grad
    """)
    exc = _raise(ns["grad_of"], torch.ones(3, requires_grad=True))
    text = describe_exception(exc, [learner], learner_file=learner)
    assert "does not have a grad_fn" in text, "torch's own line stays"
    assert "The computational graph was cut" in text and "Use the tensor itself" in text and "x.data" in text


def test_a_graph_cut_by_detach_is_explained_when_the_check_calls_backward(tmp_path):
    """The learner returns a detached value; the check's own backward() raises, in no frame of the learner's."""
    learner = tmp_path / "learner.py"
    ns = _load(learner, """
        def square(x):
            return (x * x).detach()
    """)
    check = tmp_path / "check.py"
    check_ns = _load(check, """
        def step(square, x):
            square(x).sum().backward()
    """)
    exc = _raise(check_ns["step"], ns["square"], torch.ones(3, requires_grad=True))
    text = describe_exception(exc, [learner, check], learner_file=learner)
    assert "The computational graph was cut" in text


def test_a_name_the_learners_file_lacks_is_told_as_theirs():
    """An emptied file, or a renamed function: never the module name kata gives the file."""
    error = AttributeError("module 'kata_target_04_network_1' has no attribute 'demo_network'")
    told = describe_exception(error, [])
    assert "your file has no `demo_network`" in told and "kata_target" not in told and "kata reset" in told
    other = AttributeError("'Tensor' object has no attribute 'foo'")
    assert "'Tensor' object has no attribute 'foo'" in describe_exception(other, [])
