"""What `kata verify` catches beyond a stub and a solution: steps that cannot fail, randomness kata
does not seed, which steps blow the budget, and a stub that returns instead of raising."""

import json

from tests.e2e.test_verify_course_ci import CHECK, SOLUTION, STUB, make_course

# assert_close(out, out): fails on the stub only because the stub raises
CANNOT_FAIL = CHECK + '''
def test_is_close_to_itself(exercise):
    """f(x) is close to f(x)"""
    out = exercise.f(3)
    assert out == out
'''

# 24 steps, each passing by a coin flip of a generator kata never seeds: two runs with seed 0 agree
# on every step with probability 2**-24.
UNSEEDED = "import random\n" + "".join(f'''
def test_coin_{n}(exercise):
    """coin {n}"""
    exercise.f(1)
    assert random.Random().random() < 0.5
''' for n in range(24)) + '''
def test_seeded_is_fine(exercise):
    """a seeded generator is deterministic"""
    exercise.f(1)
    assert random.Random(0).random() > 0.5
'''

SLOW = CHECK + '''
def test_slow(exercise):
    """a slow step"""
    import time
    time.sleep(0.5)
    assert exercise.f(2) == 3
'''

RETURNING_STUB = "def f(x):\n    # TODO: add one\n    return x\n"
TYPE_CHECK = CHECK + '''
def test_gives_an_int(exercise):
    """f gives an int"""
    assert isinstance(exercise.f(1), int)
'''

CASES = {
    "cannot_fail": (STUB, CANNOT_FAIL, SOLUTION, ""),
    "unseeded": (STUB, UNSEEDED, SOLUTION, ""),
    "slow": (STUB, SLOW, SOLUTION, "budget = 0.3"),
    "returning": (RETURNING_STUB, TYPE_CHECK, SOLUTION, ""),
    "good": (STUB, CHECK, SOLUTION, ""),
}


def _verdict(kata, tmp_path, *args):
    course = make_course(tmp_path / "course", CASES)
    proc = kata("verify", "--json", "--course", str(course), *args)
    verdict = json.loads(proc.stdout)
    return proc, {e["name"]: e for e in verdict["exercises"]}, verdict


def test_verify_catches_what_a_stub_and_a_solution_cannot_show(kata, tmp_path):
    proc, found, verdict = _verdict(kata, tmp_path)
    assert proc.returncode == 1, proc.stderr

    # a step that no wrong answer fails: named, with the advice, as a warning; the other step kills mutants
    cannot = found["cannot_fail"]
    assert cannot["unfailable_steps"] == ["test_is_close_to_itself"]
    warning = "\n".join(cannot["warnings"])
    assert "step 2 (f(x) is close to f(x)) failed on no wrong answer" in warning
    assert "test the learner's values" in warning
    assert cannot["ok"], cannot["problems"]
    mutation = cannot["mutation"]
    assert mutation["total"] >= 3 and mutation["killed"] == mutation["total"]
    assert all("test_is_close_to_itself" not in m["failed_steps"] for m in mutation["mutants"])

    # randomness kata does not seed: the same seed gives different verdicts, and the step is named
    unseeded = found["unseeded"]
    problems = "\n".join(unseeded["problems"])
    assert "not deterministic at a fixed seed" in problems
    assert "the check uses randomness kata does not seed" in problems
    assert "makes random.Random() without a seed" in problems
    assert unseeded["nondeterministic_steps"] and "test_seeded_is_fine" not in unseeded["nondeterministic_steps"]
    assert all(name.startswith("test_coin_") for name in unseeded["nondeterministic_steps"])
    assert "is flaky" not in problems

    # a budget overrun names the slowest step first
    slow = found["slow"]
    problems = "\n".join(slow["problems"])
    assert "over this exercise's budget of 0.3 s" in problems
    assert "The slowest steps: step 2 (a slow step)" in problems
    assert slow["slowest_steps"][0]["name"] == "test_slow"

    # a stub that returns: said first, before the advice about the step
    returning = found["returning"]
    assert returning["stub_passing_steps"] == ["test_gives_an_int"]
    first, second = returning["problems"][:2]
    assert first.startswith("the stub's `f` returns a value instead of raising NotImplementedError")
    assert "make it test the learner's work" in second

    good = found["good"]
    assert good["ok"] and not good["warnings"] and good["mutation"]["score"] == 1.0
    assert verdict["mutation"]["total"] == sum(e["mutation"]["total"] for e in found.values())


def test_text_output_shows_scores_and_warnings_and_strict_fails_on_them(kata, tmp_path):
    course = make_course(tmp_path / "course", CASES)
    proc = kata("verify", "cannot_fail", "good", "--course", str(course))
    assert proc.returncode == 0, proc.stdout
    assert "mutants 4/4 killed" in proc.stdout or "killed" in proc.stdout
    assert "warning: step 2 (f(x) is close to f(x)) failed on no wrong answer" in proc.stdout
    assert "mutation score" in proc.stdout
    proc = kata("verify", "cannot_fail", "--strict", "--course", str(course))
    assert proc.returncode == 1 and "failed on no wrong answer" in proc.stdout
    proc = kata("verify", "cannot_fail", "--mutants", "0", "--course", str(course), "--json")
    assert json.loads(proc.stdout)["exercises"][0]["mutation"]["total"] == 0
