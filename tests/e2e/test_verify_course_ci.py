"""`kata verify` as a course's CI: seeds, time budgets, clean stubs, steps that fail one by one."""

import json
from pathlib import Path

STUB = 'def f(x):\n    raise NotImplementedError("f: add one")\n'
SOLUTION = "def f(x):\n    return x + 1\n"
CHECK = '''
def test_adds_one(exercise):
    """f(1) is 2"""
    assert exercise.f(1) == 2
'''

# name -> (stub, checks, solution, extra kata.toml lines)
CASES = {
    "good": (STUB, CHECK, SOLUTION, ""),
    # random.random() is 0.84 with seed 0 and 0.13 with seed 1
    "flaky": (STUB, CHECK + '''
def test_lucky(exercise):
    """passes by luck"""
    import random
    exercise.f(1)
    assert random.random() > 0.5
''', SOLUTION, ""),
    "slow": (STUB, CHECK, "import time\n\ndef f(x):\n    time.sleep(0.4)\n    return x + 1\n", "budget = 0.2"),
    "broken_stub": ("def f(x)\n    raise NotImplementedError\n", CHECK, SOLUTION, ""),
    "nameless": ("def g(x):\n    raise NotImplementedError\n", CHECK, SOLUTION, ""),
    "free_step": ("LIMIT = 3\n" + STUB, CHECK + '''
def test_limit(exercise):
    """the given limit is 3"""
    assert exercise.LIMIT == 3
''', "LIMIT = 3\n" + SOLUTION, ""),
    "allowed": ("LIMIT = 3\n" + STUB, CHECK + '''
def test_limit(exercise):
    """the given limit is 3"""
    assert exercise.LIMIT == 3
''', "LIMIT = 3\n" + SOLUTION, 'stub_may_pass = ["test_limit"]'),
}


def make_course(root: Path, cases: dict) -> Path:
    for folder in ("exercises", "checks", "solutions"):
        (root / folder).mkdir(parents=True)
    toml = ['format_version = 1\nname = "cases"\ntitle = "Verify cases"\n']
    for number, (name, (stub, check, solution, extra)) in enumerate(cases.items(), start=1):
        stem = f"{number:02d}_{name}.py"
        (root / "exercises" / stem).write_text(stub)
        (root / "checks" / f"test_{stem}").write_text(check)
        (root / "solutions" / stem).write_text(solution)
        toml.append(f'[[exercise]]\nname = "{name}"\nhints = ["a hint"]\ntimeout = 5\n{extra}\n')
    (root / "kata.toml").write_text("\n".join(toml))
    return root


def test_every_kind_of_problem_is_found_and_named(kata, tmp_path):
    course = make_course(tmp_path / "course", CASES)
    proc = kata("verify", "--json", "--course", str(course))
    assert proc.returncode == 1, proc.stderr
    verdict = json.loads(proc.stdout)
    assert not verdict["ok"] and verdict["extra_seeds"] == 1
    found = {e["name"]: e for e in verdict["exercises"]}
    text = {name: "\n".join(e["problems"]) for name, e in found.items()}
    assert found["good"]["ok"] and found["good"]["seeds"] == [0, 1]
    assert found["flaky"]["flaky_steps"] == ["test_lucky"] and "seed 1" in text["flaky"]
    assert "budget of 0.2 s" in text["slow"] and found["slow"]["solution_s"] >= 0.4
    assert "does not import cleanly" in text["broken_stub"] and "SyntaxError" in text["broken_stub"]
    assert "does not define `f`" in text["nameless"]
    assert found["free_step"]["stub_passing_steps"] == ["test_limit"]
    assert 'stub_may_pass = ["test_limit"]' in text["free_step"]
    assert found["allowed"]["ok"], text["allowed"]


def test_only_good_exercises_exit_0_and_seeds_can_be_turned_off(kata, tmp_path):
    course = make_course(tmp_path / "course", CASES)
    proc = kata("verify", "good", "flaky", "allowed", "--seeds", "0", "--course", str(course))
    assert proc.returncode == 0, proc.stdout
    assert "(1 seed)" in proc.stdout and "3/3 exercises verified" in proc.stdout
    proc = kata("verify", "flaky", "--seeds", "2", "--course", str(course))
    assert proc.returncode == 1 and "is flaky" in proc.stdout and "(3 seeds)" in proc.stdout

