"""`# breaks:` in a .mistake: parsed, derived from a patch, and what verify's accuracy reads from a message."""

import textwrap

import pytest

from kata.dev.mistakes.breaks import enclosing, parse_breaks
from kata.dev.mistakes.catalogue import load
from kata.dev.mistakes.patch import PatchError, parse_patch
from kata.dev.verify.pointing import Pointed, accuracy, named_in

SOLUTION = textwrap.dedent('''
    import numpy as np

    LEARNING_RATE = 0.1


    def relu(x):
        return np.maximum(x, 0)


    class SGD:
        def __init__(self, params, lr):
            self.params = list(params)
            self.lr = lr

        def step(self):
            for p in self.params:
                def update(q):
                    q.data = q.data - self.lr * q.grad
                update(p)
''')

MISTAKE = '''# expect: It moved uphill
# breaks: SGD.step
# step() adds the gradient.

# replace:
                q.data = q.data - self.lr * q.grad
# with:
                q.data = q.data + self.lr * q.grad
'''


def test_breaks_is_read_from_the_header():
    assert parse_breaks(MISTAKE) == "SGD.step"
    assert parse_breaks("# expect: x\n# replace:\n# breaks: f\n# with:\n") is None
    assert parse_breaks("# expect: x\n\n# replace:\n    a\n# with:\n    b\n") is None
    expects, blocks = parse_patch(MISTAKE)  # the other fields are unchanged by it
    assert expects == ("It moved uphill",) and len(blocks) == 1


def test_breaks_must_name_a_function():
    with pytest.raises(PatchError):
        parse_breaks("# breaks: not a name\n")
    assert parse_breaks("# breaks:   relu  \n") == "relu"


def test_the_enclosing_function_of_a_patch_is_the_method_not_its_closure():
    _, blocks = parse_patch(MISTAKE)
    assert enclosing(SOLUTION, blocks) == ["SGD.step"]
    _, blocks = parse_patch("# replace:\n    return np.maximum(x, 0)\n# with:\n    return x\n"
                            "# replace:\n        self.lr = lr\n# with:\n        self.lr = -lr\n")
    assert enclosing(SOLUTION, blocks) == ["relu", "SGD.__init__"]
    _, blocks = parse_patch("# replace:\nLEARNING_RATE = 0.1\n# with:\nLEARNING_RATE = 10\n")
    assert enclosing(SOLUTION, blocks) == ["LEARNING_RATE"]


def test_the_catalogue_carries_breaks(tmp_path):
    solution = tmp_path / "solutions" / "01_sgd.py"
    solution.parent.mkdir()
    solution.write_text(SOLUTION)
    path = tmp_path / "mistakes" / "01_sgd" / "uphill.mistake"
    path.parent.mkdir(parents=True)
    path.write_text(MISTAKE)
    mistake = load(path, solution)
    assert mistake.breaks == "SGD.step" and mistake.file is not None


def test_what_a_message_names(tmp_path):
    learner = tmp_path / "mine.py"
    learner.write_text(SOLUTION)
    pointer = f"checks/test_01_sgd.py:9 in test_step\n{learner}:12: your function SGD.__init__\nIt moved uphill"
    assert named_in(pointer, learner) == "SGD.__init__"
    frames = f"checks/test_01_sgd.py:9 in test_step\n{learner}:20 in step\n{learner}:19 in update\nTypeError: x"
    assert named_in(frames, learner) == "SGD.step"  # the closure's line is in step
    line = f"checks/test_01_sgd.py:9 in test_x\n{learner}:4: LEARNING_RATE = 0.1\nToo large."
    assert named_in(line, learner) == "LEARNING_RATE"
    assert named_in("It moved uphill", learner) is None


def test_accuracy_counts_a_frame_by_its_function_name():
    points = [Pointed("a", "SGD.step", "SGD.step"), Pointed("b", "SGD.step", "step"),
              Pointed("c", "SGD.step", "SGD.__init__"), Pointed("d", "relu", None)]
    assert [p.right for p in points] == [True, True, False, False]
    assert accuracy(points) == (2, 4)
