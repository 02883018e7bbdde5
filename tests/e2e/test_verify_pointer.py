"""`kata verify` reports how often a catalogued mistake's failure points at its `# breaks:` function,
and fails on a low accuracy only with --strict."""

import json

from tests.e2e.test_verify_course_ci import make_course

SOLUTION = '''class Tensor:
    def __init__(self, data):
        self.data = data

    def __mul__(self, other):
        return Tensor(self.data * other.data)

    def __pow__(self, k):
        return Tensor(self.data ** k)
'''

STUB = '''class Tensor:
    def __init__(self, data):
        self.data = data

    def __mul__(self, other):
        raise NotImplementedError("TODO: multiply")

    def __pow__(self, k):
        raise NotImplementedError("TODO: raise to a power")
'''

CHECK = '''
def test_product(exercise):
    """x * y multiplies"""
    assert (exercise.Tensor(3.0) * exercise.Tensor(2.0)).data == 6.0, "x * y is wrong"


def test_square(exercise):
    """x * x and x ** 2 agree"""
    x = exercise.Tensor(3.0)
    assert (x * x).data == 9.0, "x * x is wrong"
    assert (x ** 2).data == 9.0, "x ** 2 is wrong"
'''

POW_OFF_BY_ONE = '''# expect: x ** 2 is wrong
# breaks: Tensor.__pow__
# The power is one too low.

# replace:
        return Tensor(self.data ** k)
# with:
        return Tensor(self.data ** (k - 1))
'''

# The same mistake declared in the wrong place: the pointer names __pow__, so this one counts as missed.
DECLARED_ELSEWHERE = POW_OFF_BY_ONE.replace("# breaks: Tensor.__pow__", "# breaks: Tensor.__mul__").replace(
    "(k - 1)", "(k + 1)")


def _course(tmp_path):
    course = make_course(tmp_path / "course", {"tensor": (STUB, CHECK, SOLUTION, "")})
    folder = course / "mistakes" / "01_tensor"
    folder.mkdir(parents=True)
    (folder / "pow_off_by_one.mistake").write_text(POW_OFF_BY_ONE)
    return course, folder


def test_the_accuracy_line_and_json(kata, tmp_path):
    course, _ = _course(tmp_path)
    proc = kata("verify", "--course", str(course), "--mutants", "0", "--seeds", "0")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "pointer 1/1" in proc.stdout
    assert "pointer accuracy: 1/1 (100%)" in proc.stdout
    verdict = json.loads(kata("verify", "--json", "--course", str(course), "--mutants", "0", "--seeds", "0").stdout)
    assert verdict["pointer"]["right"] == 1 and verdict["pointer"]["accuracy"] == 1.0
    [mistake] = verdict["exercises"][0]["pointer"]["mistakes"]
    assert mistake["breaks"] == mistake["named"] == "Tensor.__pow__"


def test_a_low_accuracy_fails_only_with_strict(kata, tmp_path):
    course, folder = _course(tmp_path)
    (folder / "pow_off_by_two.mistake").write_text(DECLARED_ELSEWHERE)
    proc = kata("verify", "--course", str(course), "--mutants", "0", "--seeds", "0")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "pointer accuracy: 1/2 (50%)" in proc.stdout and "below 95%" in proc.stdout
    assert "pow_off_by_two.mistake points at Tensor.__pow__, not Tensor.__mul__" in proc.stdout
    strict = kata("verify", "--course", str(course), "--mutants", "0", "--seeds", "0", "--strict")
    assert strict.returncode == 1, strict.stdout
