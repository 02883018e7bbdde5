"""`kata verify --judged` names a check that cannot run as `kata grade` runs it."""

import textwrap


def _course(root, check_body):
    (root / "checks").mkdir(parents=True)
    (root / "exercises").mkdir()
    (root / "solutions").mkdir()
    (root / "kata.toml").write_text(textwrap.dedent('''
        format_version = 1
        name = "apply"
        title = "Apply"

        [[exercise]]
        name = "apply_twice"
        title = "Apply a function twice"
        hints = ["Call it on its own result.", "return f(f(x))"]
    '''))
    (root / "exercises" / "01_apply_twice.py").write_text(
        'def apply_twice(f, x):\n    raise NotImplementedError("apply_twice: call f twice")\n')
    (root / "solutions" / "01_apply_twice.py").write_text("def apply_twice(f, x):\n    return f(f(x))\n")
    (root / "checks" / "test_01_apply_twice.py").write_text(check_body)
    return root


LAMBDA = '''
def test_doubles_twice(exercise):
    """applying 'double' twice quadruples"""
    assert exercise.apply_twice(lambda v: 2 * v, 3) == 12
'''

HELPER = '''
from kata.expect import learner_side


def double(v):
    return 2 * v


def test_doubles_twice(exercise):
    """applying 'double' twice quadruples"""
    assert exercise.apply_twice(learner_side(exercise, double), 3) == 12
'''


def test_a_check_that_passes_a_lambda_is_named(kata, tmp_path):
    course = _course(tmp_path / "lambda", LAMBDA)
    proc = kata("verify", "--course", str(course), "--judged", "--mutants", "0", timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "another verdict when graded" in proc.stdout and "learner_side" not in proc.stderr
    assert "cannot pass a function" in proc.stdout


def test_the_same_check_through_learner_side_verifies(kata, tmp_path):
    course = _course(tmp_path / "helper", HELPER)
    proc = kata("verify", "--course", str(course), "--judged", "--mutants", "0", timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
