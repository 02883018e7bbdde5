"""The solution's runs: it passes, again at the same seed (or the check uses randomness kata does not
seed), with every other seed (or a step is flaky), and within the exercise's time budget.
"""

from __future__ import annotations

import ast
from pathlib import Path

from kata.course import Exercise
from kata.dev.verify.verdicts import ExerciseVerdict, detail, step_label
from kata.engine import CheckRequest, Engine
from kata.results import PASSED, SKIPPED, CheckResult, StepResult


def differing_steps(first: CheckResult, second: CheckResult) -> list[StepResult]:
    """Steps of `first` whose outcome is not the same in `second`, a run with the same seed."""
    again = {s.name: s.outcome for s in second.steps}
    return [s for s in first.steps if s.name in again and again[s.name] != s.outcome]


_GENERATORS = {"Random": "random.Random()", "default_rng": "numpy.random.default_rng()",
               "RandomState": "numpy.random.RandomState()", "Generator": "torch.Generator()",
               "SystemRandom": "random.SystemRandom()"}


def unseeded_generators(check_file: Path, step: str | None = None, own: bool = False) -> list[str]:
    """`file:line makes random.Random() without a seed` for each generator made without a seed argument,
    in `step`'s function first (every one in the file when that has none, unless `own`)."""
    try:
        tree = ast.parse(check_file.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return []
    seeded = set()  # `torch.Generator().manual_seed(0)`: the generator is seeded right away
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("manual_seed", "seed"):
            seeded.add(id(node.func.value))

    def found_in(root: ast.AST) -> list[str]:
        hits = []
        for node in ast.walk(root):
            if not isinstance(node, ast.Call) or node.args or node.keywords or id(node) in seeded:
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in _GENERATORS:
                hits.append(f"{check_file.name}:{node.lineno} makes {_GENERATORS[name]} without a seed")
        return hits

    if step:
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == step:
                hits = found_in(node)
                if hits or own:
                    return hits
    return [] if own else found_in(tree)


def nondeterminism_problem(ex: Exercise, steps: list[tuple[StepResult, str]], seed: int) -> str:
    """One problem for the steps whose outcome changed between two runs with the same seed:
    each (step, its outcome the other time)."""
    shown = steps[:3]
    names = ", ".join(f"{step_label(step)}" for step, _ in shown) + (f" and {len(steps) - 3} more" if len(steps) > 3 else "")
    where = unseeded_generators(ex.checks, steps[0][0].name)
    pointer = f" ({'; '.join(where)})" if where else ""
    step, again = steps[0]
    verb = "is" if len(steps) == 1 else "are"
    return (f"{names} {verb} not deterministic at a fixed seed: the check uses randomness kata does not seed"
            f"{pointer}. Run twice with seed {seed}, {step_label(step)} {step.outcome} once and {again} once. "
            "A generator of its own made without a seed, or anything else that changes from run to run (the time, "
            "os.urandom, set order), does this. Seed it (random.Random(0), numpy.random.default_rng(0), "
            "torch.Generator().manual_seed(0)), or use the global random, numpy.random and torch functions, "
            "which kata seeds before every step.")


def determinism_problems(verdict: ExerciseVerdict) -> list[str]:
    """The solution run twice with seed 0: a step whose outcome differs uses randomness kata does not seed."""
    if verdict.solution is None or verdict.repeat is None:
        return []
    again = {s.name: s.outcome for s in verdict.repeat.steps}
    differing = differing_steps(verdict.solution, verdict.repeat)
    verdict.nondeterministic_steps.extend(step.name for step in differing)
    return [nondeterminism_problem(verdict.exercise, [(s, again[s.name]) for s in differing], 0)] if differing else []


def solution_problems(verdict: ExerciseVerdict, solution: CheckResult, engine: Engine | None = None) -> list[str]:
    """`solution` (the verdict's first run of it) passes, with every other seed too, within the budget."""
    ex = verdict.exercise
    unsure = set(verdict.nondeterministic_steps)
    if solution.status != PASSED:
        failing = [s for s in solution.steps if s.outcome not in (PASSED, SKIPPED)]
        if unsure and failing and all(s.name in unsure or unseeded_generators(ex.checks, s.name, own=True)
                                      for s in failing):
            return []  # said already: the verdict is chance
        return [f"the solution does not pass ({solution.status}): {detail(solution)}"]
    problems = []
    for seed, rerun in enumerate(verdict.reruns, start=1):
        if rerun.status == PASSED:
            continue
        again = None
        if engine is not None:  # the same seed again: a different verdict means unseeded randomness, not a seed
            again = engine.check(CheckRequest(ex, ex.solution, f"solutions/{ex.filename}", seed))
        outcomes = {s.name: s.outcome for s in again.steps} if again else {}
        failed: list[StepResult | None] = [s for s in rerun.steps if s.outcome not in (PASSED, SKIPPED)]
        for step in failed or [None]:  # no failing step: the run as a whole
            name = step.name if step else "(the whole run)"
            if name in verdict.flaky_steps or name in unsure:
                continue
            if step is not None and again is not None and outcomes.get(step.name, step.outcome) != step.outcome:
                verdict.nondeterministic_steps.append(step.name)
                unsure.add(step.name)
                problems.append(nondeterminism_problem(ex, [(step, outcomes[step.name])], seed))
                continue
            verdict.flaky_steps.append(name)
            what = step_label(step) if step else "the run"
            problems.append(
                f"{what} is flaky: it passes with seed 0 but is {step.outcome if step else rerun.status} "
                f"with seed {seed}: {step.message if step else rerun.message}\n"
                "Make the check independent of randomness (fixed inputs, or tolerances that hold for any seed).")
    if verdict.solution_s > ex.budget:
        slow = ", ".join(f"{step_label(s)} {s.duration_s:.2f} s" for s in verdict.slowest_steps())
        problems.append(
            f"the solution's checks take {verdict.solution_s:.2f} s, over this exercise's budget of "
            f"{ex.budget:g} s. The slowest steps: {slow}. Make those cheaper (smaller tensors, fewer epochs), "
            f"or raise `budget` in its kata.toml entry.")
    return problems
