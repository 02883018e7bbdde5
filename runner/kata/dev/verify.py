"""`kata verify`: proves a course checks itself, so it can run in the course's CI.

For every exercise:
- the solution passes, twice with seed 0 and once with each of `seeds` more
  seeds; a step whose outcome changes with the seed is flaky, one whose outcome
  changes at the same seed uses randomness kata does not seed;
- the solution's checks fit the exercise's time budget (`budget` in kata.toml),
  and when they do not, the slowest steps are named;
- the stub imports cleanly and fails by NotImplementedError or a wrong answer,
  never by a syntax or import error, a hang or a crash;
- every step fails on the stub on its own: one that passes would pass on an
  empty stub by accident (`stub_may_pass` in kata.toml names deliberate ones);
- the stub defines every name the checks use;
- nothing is left of a `kata new` scaffold, and every exercise has real hints;
- the mistake catalogue's entries hold, where the course has one;
- every step fails on some wrong answer: a few mutants of the solution
  (`mutants.py`) run through the checks, and a step that no mutant and no
  catalogued mistake fails cannot tell a wrong answer from a right one. Each
  exercise gets a mutation score, killed/total mutants.

And for the course: no stray files. Returns findings; never prints.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kata.course import Course, Exercise, step_names, stray_files
from kata.engine import CheckRequest, Engine
from kata.engine.supervisor import checks_could_not_run
from kata.dev import mutants as mutation
from kata.engine.pool import run_all
from kata.results import ERROR, FAILED, NOT_RUN_CAUSES, PASSED, SKIPPED, CheckResult, StepResult

DEFAULT_SEEDS = 1  # extra seeds the solution is re-run with; see docs/authoring.md for the cost
_MISSING_NAME = re.compile(r"module 'kata_target_[^']*' has no attribute '([^']+)'")


@dataclass
class MutantRun:
    """One mutant of the solution through the checks: killed when any step failed."""

    label: str
    status: str
    counted: bool  # False: its value mutation changed nothing (a transposed scalar), so it is not scored
    failed_steps: list[str] = field(default_factory=list)
    first_failure_only: bool = False  # stopped at its first failure: every step was already proven
    duration_s: float = 0.0

    @property
    def killed(self) -> bool:
        return self.status != PASSED

    def to_json(self) -> dict:
        return {"mutant": self.label, "killed": self.killed, "status": self.status, "counted": self.counted,
                "failed_steps": self.failed_steps, "first_failure_only": self.first_failure_only,
                "duration_s": round(self.duration_s, 3)}


@dataclass
class ExerciseVerdict:
    exercise: Exercise
    stub: CheckResult | None = None
    solution: CheckResult | None = None
    repeat: CheckResult | None = None  # the solution with seed 0 again: the same seed must give the same verdict
    reruns: list[CheckResult] = field(default_factory=list)  # the solution with seeds 1, 2, …
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # worth a look, but not failing verify (unless strict)
    flaky_steps: list[str] = field(default_factory=list)
    nondeterministic_steps: list[str] = field(default_factory=list)
    stub_passing_steps: list[str] = field(default_factory=list)
    mutants: list[MutantRun] = field(default_factory=list)
    unfailable_steps: list[str] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def solution_s(self) -> float:
        """The fastest of the solution's runs: the least disturbed by whatever else the machine does."""
        return self.fastest.duration_s if self.fastest else 0.0

    @property
    def fastest(self) -> CheckResult | None:
        runs = [r for r in (self.solution, self.repeat, *self.reruns) if r is not None]
        return min(runs, key=lambda r: r.duration_s, default=None)

    def slowest_steps(self, count: int = 3) -> list[StepResult]:
        """The fastest solution run's slowest steps, slowest first (those taking a tenth of the slowest or more)."""
        run = self.fastest
        ranked = sorted(run.steps, key=lambda s: -s.duration_s)[:count] if run else []
        return [s for s in ranked if s is ranked[0] or s.duration_s >= 0.1 * ranked[0].duration_s]

    @property
    def mutation_score(self) -> tuple[int, int]:
        """(killed, total) over the mutants that changed something."""
        counted = [m for m in self.mutants if m.counted]
        return sum(1 for m in counted if m.killed), len(counted)

    def to_json(self) -> dict:
        killed, total = self.mutation_score
        return {
            "id": self.exercise.id,
            "name": self.exercise.name,
            "ok": self.ok,
            "problems": self.problems,
            "warnings": self.warnings,
            "flaky_steps": self.flaky_steps,
            "nondeterministic_steps": self.nondeterministic_steps,
            "stub_passing_steps": self.stub_passing_steps,
            "unfailable_steps": self.unfailable_steps,
            "mutation": {"killed": killed, "total": total,
                         "score": round(killed / total, 3) if total else None,
                         "mutants": [m.to_json() for m in self.mutants]},
            "slowest_steps": [{"index": s.index, "name": s.name, "title": s.title,
                               "duration_s": round(s.duration_s, 3)} for s in self.slowest_steps()],
            "solution_s": round(self.solution_s, 3),
            "budget_s": self.exercise.budget,
            "seeds": list(range(len(self.reruns) + 1)) if self.solution else [],
            "stub": self.stub.to_json() if self.stub else None,
            "solution": self.solution.to_json() if self.solution else None,
            "duration_s": round(self.duration_s, 3),
        }


@dataclass
class CourseVerdict:
    course: Course
    exercises: list[ExerciseVerdict] = field(default_factory=list)
    course_problems: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    seeds: int = DEFAULT_SEEDS

    @property
    def ok(self) -> bool:
        return not self.course_problems and all(v.ok for v in self.exercises)

    @property
    def mutation_score(self) -> tuple[int, int]:
        scores = [v.mutation_score for v in self.exercises]
        return sum(k for k, _ in scores), sum(n for _, n in scores)

    def to_json(self) -> dict:
        killed, total = self.mutation_score
        return {
            "course": self.course.name,
            "ok": self.ok,
            "problems": self.course_problems,
            "extra_seeds": self.seeds,
            "mutation": {"killed": killed, "total": total, "score": round(killed / total, 3) if total else None},
            "exercises": [v.to_json() for v in self.exercises],
            "duration_s": round(self.duration_s, 3),
        }


def manifest_problems(course: Course) -> list[str]:
    problems = [
        f"{path.relative_to(course.root)} belongs to no exercise in kata.toml: add an entry for it, "
        "rename it to NN_name.py to match one, or delete it."
        for path in stray_files(course)
    ]
    return problems


def authoring_problems(ex: Exercise) -> list[str]:
    """What a `kata new` scaffold leaves for the instructor to write, and hints that are missing."""
    from kata.dev.scaffold import leftovers

    problems = []
    left = leftovers(ex)
    if left:
        files = ", ".join(str(p.relative_to(ex.root)) for p in left)
        problems.append(
            f"{files} still hold the example from `kata new`: the instructor must write real checks "
            "(steps that a wrong answer fails), the real stub and solution, then delete each "
            "`kata:scaffold` line.")
    if not ex.hints:
        problems.append(f"{ex.id} {ex.name} has no hints: add `hints = [...]` to its kata.toml entry.")
    placeholders = [str(n) for n, hint in enumerate(ex.hints, start=1) if hint.lstrip().upper().startswith("TODO")]
    if placeholders:
        problems.append(f"hint {', '.join(placeholders)} of {ex.id} {ex.name} still "
                        f"{'is a placeholder' if len(placeholders) == 1 else 'are placeholders'} (TODO): "
                        "write real hints in kata.toml, from the gentlest to the most direct.")
    return problems


def _detail(result: CheckResult) -> str:
    failure = result.first_failure()
    return f"step {failure.index} ({failure.title}): {failure.message}" if failure else result.message


def _step_label(step: StepResult) -> str:
    return f"step {step.index} ({step.title})"


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
    names = ", ".join(f"{_step_label(step)}" for step, _ in shown) + (f" and {len(steps) - 3} more" if len(steps) > 3 else "")
    where = unseeded_generators(ex.checks, steps[0][0].name)
    pointer = f" ({'; '.join(where)})" if where else ""
    step, again = steps[0]
    verb = "is" if len(steps) == 1 else "are"
    return (f"{names} {verb} not deterministic at a fixed seed: the check uses randomness kata does not seed"
            f"{pointer}. Run twice with seed {seed}, {_step_label(step)} {step.outcome} once and {again} once. "
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


def solution_problems(verdict: ExerciseVerdict, engine: Engine | None = None) -> list[str]:
    ex, solution = verdict.exercise, verdict.solution
    unsure = set(verdict.nondeterministic_steps)
    if solution.status != PASSED:
        failing = [s for s in solution.steps if s.outcome not in (PASSED, SKIPPED)]
        if unsure and failing and all(s.name in unsure or unseeded_generators(ex.checks, s.name, own=True)
                                      for s in failing):
            return []  # said already: the verdict is chance
        return [f"the solution does not pass ({solution.status}): {_detail(solution)}"]
    problems = []
    for seed, rerun in enumerate(verdict.reruns, start=1):
        if rerun.status == PASSED:
            continue
        again = None
        if engine is not None:  # the same seed again: a different verdict means unseeded randomness, not a seed
            again = engine.check(CheckRequest(ex, ex.solution, f"solutions/{ex.filename}", seed))
        outcomes = {s.name: s.outcome for s in again.steps} if again else {}
        failing = [s for s in rerun.steps if s.outcome not in (PASSED, SKIPPED)] or [None]
        for step in failing:
            name = step.name if step else "(the whole run)"
            if name in verdict.flaky_steps or name in unsure:
                continue
            if step is not None and again is not None and outcomes.get(step.name, step.outcome) != step.outcome:
                verdict.nondeterministic_steps.append(step.name)
                unsure.add(step.name)
                problems.append(nondeterminism_problem(ex, [(step, outcomes[step.name])], seed))
                continue
            verdict.flaky_steps.append(name)
            what = _step_label(step) if step else "the run"
            problems.append(
                f"{what} is flaky: it passes with seed 0 but is {step.outcome if step else rerun.status} "
                f"with seed {seed}: {step.message if step else rerun.message}\n"
                "Make the check independent of randomness (fixed inputs, or tolerances that hold for any seed).")
    if verdict.solution_s > ex.budget:
        slow = ", ".join(f"{_step_label(s)} {s.duration_s:.2f} s" for s in verdict.slowest_steps())
        problems.append(
            f"the solution's checks take {verdict.solution_s:.2f} s, over this exercise's budget of "
            f"{ex.budget:g} s. The slowest steps: {slow}. Make those cheaper (smaller tensors, fewer epochs), "
            f"or raise `budget` in its kata.toml entry.")
    return problems


def _returning_todos(ex: Exercise) -> list[str]:
    try:
        return mutation.returning_todos(ex.stub.read_text(encoding="utf-8"), ex.solution.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return []


def _returns_first(ex: Exercise) -> str:
    names = _returning_todos(ex)
    if not names:
        return ""
    listed = ", ".join(f"`{n}`" for n in names)
    return (f"the stub's {listed} {'returns a value' if len(names) == 1 else 'return values'} instead of raising "
            f"NotImplementedError, so the checks see an answer where the learner has written nothing: make "
            f"{'its' if len(names) == 1 else 'each'} TODO `raise NotImplementedError(\"<what to write>\")`. ")


def stub_problems(verdict: ExerciseVerdict) -> list[str]:
    ex, stub = verdict.exercise, verdict.stub
    if stub.status == PASSED:
        return [_returns_first(ex) + "The stub passes every check: the checks cannot tell a TODO from an answer."]
    if stub.status == ERROR:
        return [f"the stub does not import cleanly: {_detail(stub)}\n"
                "A stub must import; its TODOs raise NotImplementedError."]
    if stub.status != FAILED:
        how = {"timeout": "timed out", "crashed": "crashed"}.get(stub.status, f"ended with {stub.status}")
        return [f"the stub should fail by NotImplementedError or a wrong answer, but it {how}: {_detail(stub)}"]
    problems = []
    known = {name for name, _ in step_names(ex.checks)}
    for name in ex.stub_may_pass:
        if name not in known:
            problems.append(f"stub_may_pass names {name!r}, which is not a step of "
                            f"{ex.checks.relative_to(ex.root)}: fix the name in kata.toml.")
    missing: set[str] = set()
    returning = None
    for step in stub.steps:
        if step.outcome == PASSED and step.name not in ex.stub_may_pass:
            verdict.stub_passing_steps.append(step.name)
            if returning is None:
                returning = _returns_first(ex)
                if returning:
                    problems.append(returning.rstrip())
            problems.append(
                f"{_step_label(step)} passes on the stub, so it passes without the learner "
                "writing anything: make it test the learner's work, or, if that is deliberate, "
                f"add `stub_may_pass = [\"{step.name}\"]` to the exercise's kata.toml entry.")
        match = _MISSING_NAME.search(step.message)
        if match:
            missing.add(match.group(1))
    for name in sorted(missing):
        problems.append(f"the stub does not define `{name}`, which the checks use: give the stub `{name}` "
                        "with the solution's signature, raising NotImplementedError.")
    return problems


def mistake_runs(engine: Engine, ex: Exercise) -> tuple[list[tuple], list[str]]:
    """The mistake catalogue's runs and its verdict (issue 5), where this kata has one."""
    try:
        from kata.dev.mistakes import judge, run_mistakes
    except ImportError:
        return [], []
    runs = run_mistakes(engine, ex)  # a patch that no longer applies has no run, only its problem
    return ([(mistake, result) for mistake, result in runs if result is not None],
            [problem for mistake, result in runs if (problem := judge(mistake, result))])


def mistake_problems(engine: Engine, ex: Exercise) -> list[str]:
    return mistake_runs(engine, ex)[1]


def _failed(step: StepResult) -> bool:
    """A step the target really failed: not one skipped or left unrun after an earlier failure."""
    return step.outcome not in (PASSED, SKIPPED) and step.cause not in NOT_RUN_CAUSES


# Mutants in a row that ran every step and failed none still open: after this many, the rest stop at
# their first failure (but transposing and changing an input, which reach other steps, still run them all).
STALE_RUNS = 3


def run_mutants(engine: Engine, verdict: ExerciseVerdict, mistakes: list[tuple],
                limit: int = mutation.MAX_MUTANTS) -> dict[str, list[str]]:
    """Run the solution's mutants; returns, for every step, what fails it (mistakes and mutants).

    A kill needs only the first failure, but which steps fail needs every step: so a mutant runs
    every step while some step has not failed on anything yet (and the mutants before it keep
    failing new ones), and stops at its first failure once every step has. A run that went through every step also tells which run-time changes applied
    to the function's values: a later mutant whose change cannot apply (a transposed scalar) is
    not run, and not scored."""
    ex = verdict.exercise
    steps = [name for name, _ in step_names(ex.checks)]
    failed_by: dict[str, list[str]] = {name: [] for name in steps}
    for mistake, result in mistakes:
        failure = result.first_failure()
        if failure is not None and failure.name in failed_by:
            failed_by[failure.name].append(mistake.label)
    try:
        made = mutation.generate(ex.stub.read_text(encoding="utf-8"), ex.solution.read_text(encoding="utf-8"),
                                 limit)
    except (OSError, UnicodeDecodeError):
        made = []
    slowest = max((s.duration_s for s in verdict.solution.steps), default=0.0)
    # A mutant that loops forever is killed by its timeout: no need to wait the learner's whole limit.
    quick = dataclasses.replace(ex, timeout=min(ex.timeout, max(2.0, 5 * slowest + 1)))
    exempt = set(ex.stub_may_pass) | set(verdict.stub_passing_steps)
    learned: dict[str, set[str]] = {}  # function -> the run-time changes that applied to its values
    stale = 0
    with tempfile.TemporaryDirectory(prefix="kata-mutants-") as folder:
        for mutant, path, mark in mutation.write(made, Path(folder), ex.filename):
            if mutant.marks and mutant.where in learned and mutant.operator not in learned[mutant.where]:
                verdict.mutants.append(MutantRun(mutant.label, "not applicable", False))
                continue
            open_steps = {n for n in steps if not failed_by[n] and n not in exempt}
            full = bool(open_steps) and (stale < STALE_RUNS or mutant.operator in mutation.GUARDS)
            result = engine.check(CheckRequest(quick, path, f"mutant: {mutant.label}", first_failure_only=not full))
            kinds = mutation.applied(mark)
            if mutant.marks and (full or result.status == PASSED):
                learned.setdefault(mutant.where, set()).update(kinds)
            failed = [s.name for s in result.steps if _failed(s)]
            if full:
                stale = 0 if open_steps & set(failed) else stale + 1
            counted = result.status != PASSED or not mutant.marks or mutant.operator in kinds
            verdict.mutants.append(MutantRun(mutant.label, result.status, counted, failed, not full,
                                             result.duration_s))
            for name in failed:
                if name in failed_by:
                    failed_by[name].append(mutant.label)
    return failed_by


def unfailable_problems(verdict: ExerciseVerdict, failed_by: dict[str, list[str]]) -> list[str]:
    """One warning naming every step that nothing failed: no mutant, no catalogued mistake."""
    ex = verdict.exercise
    exempt = set(ex.stub_may_pass) | set(verdict.stub_passing_steps)
    titles = {s.name: s for s in verdict.solution.steps}
    steps = []
    for index, (name, title) in enumerate(step_names(ex.checks), start=1):
        if failed_by.get(name) or name in exempt:
            continue
        verdict.unfailable_steps.append(name)
        steps.append(titles.get(name) or StepResult(index, name, title))
    if not steps:
        return []
    tried = sum(1 for m in verdict.mutants if m.status != "not applicable")
    labels = [_step_label(s) for s in steps]
    named = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    one = len(steps) == 1
    return [
        f"{named} failed on no wrong answer: none of the {tried} mutant{'' if tried == 1 else 's'} of the solution "
        "(returning the input, zeros, a constant, the negated or transposed value, changing an input, dropping "
        f"a statement) and no catalogued mistake makes {'it' if one else 'them'} fail, so {'it' if one else 'they'} "
        f"may fail on the stub only because the stub raises. Make {'it' if one else 'them'} test the learner's "
        "values: compare what their code gives with a value you know (not with itself); if a step guards against "
        f"a subtler mistake, add that mistake to mistakes/{ex.id}_{ex.name}/ so verify sees the step fail."]


def warmed(ex: Exercise) -> Exercise:
    """`ex` with numpy added to what the warm worker preloads: kata's failure messages import it to
    diagnose a wrong answer, and verify fails many runs on purpose (stub, mistakes, mutants). Imported
    once in the worker instead of in each failing child, a plain-Python exercise's failing run takes a
    third of the time. A passing solution never imports it, so its time against the budget is unchanged."""
    from kata.engine.client import imported_libraries

    libraries = set(ex.preload) or imported_libraries(ex.checks, ex.stub, ex.solution)
    return dataclasses.replace(ex, preload=tuple(sorted(libraries | {"numpy"})))


def judged_problems(engine: Engine, verdict: ExerciseVerdict, mistakes: list[tuple]) -> list[str]:
    """The solution, the stub and every catalogued mistake again in judged mode (as `kata grade` runs them):
    a step whose verdict differs relies on something that does not cross to the trusted judge."""
    ex = verdict.exercise
    targets = [("the solution", ex.solution, verdict.solution, False), ("the stub", ex.stub, verdict.stub, False)]
    targets += [(f"mistake {m.path.name}", m.file, result, True) for m, result in mistakes]
    problems = []
    for what, path, local, first_only in targets:
        if local is None:
            continue
        judged = engine.check(CheckRequest(ex, path, f"{what} (judged)", first_failure_only=first_only, judged=True))
        mine, theirs = local.first_failure(), judged.first_failure()
        if local.status == judged.status and (mine is None) == (theirs is None) and (
                mine is None or theirs is None or mine.index == theirs.index):
            if first_only and theirs is not None:
                from kata.dev.mistakes import judge

                mistake = next(m for m, _ in mistakes if m.file == path)
                missed = judge(mistake, judged)
                if missed:
                    problems.append(f"graded (judged mode), {missed}")
            continue
        step = theirs or mine
        where = f"step {step.index} ({step.title})" if step else "the run"
        told = (theirs.message if theirs and theirs.message else judged.message).strip()
        why = told.splitlines()[-1] if told else judged.status  # the error itself, after the frames
        problems.append(f"{where} gives {what} another verdict when graded: {local.status} locally, "
                        f"{judged.status} in judged mode ({why}). The check relies on something that does not "
                        "cross to kata grade's trusted judge; see \"Checks that hold in kata grade\" in "
                        "docs/authoring.md.")
    return problems


def verify_exercise(engine: Engine, ex: Exercise, seeds: int = DEFAULT_SEEDS,
                    mutants: int = mutation.MAX_MUTANTS, strict: bool = False, judged: bool = False) -> ExerciseVerdict:
    started = time.monotonic()
    ex = warmed(ex)
    verdict = ExerciseVerdict(ex)
    verdict.problems.extend(authoring_problems(ex))
    label = f"solutions/{ex.filename}"
    verdict.solution = engine.check(CheckRequest(ex, ex.solution, label))
    if checks_could_not_run(verdict.solution):  # one problem, said once: stub and mistakes would repeat it
        verdict.problems.append(f"{ex.checks.relative_to(ex.root)} cannot run: {verdict.solution.message}")
        verdict.duration_s = time.monotonic() - started
        return verdict
    verdict.repeat = engine.check(CheckRequest(ex, ex.solution, label))
    verdict.problems.extend(determinism_problems(verdict))
    if verdict.solution.status == PASSED and verdict.repeat.status == PASSED:
        for seed in range(1, seeds + 1):
            verdict.reruns.append(engine.check(CheckRequest(ex, ex.solution, label, seed)))
    verdict.problems.extend(solution_problems(verdict, engine))
    verdict.stub = engine.check(CheckRequest(ex, ex.stub, f"exercises/{ex.filename}"))
    verdict.problems.extend(stub_problems(verdict))
    runs, problems = mistake_runs(engine, ex)
    verdict.problems.extend(problems)
    if verdict.solution.status == PASSED and verdict.repeat.status == PASSED and mutants > 0:
        # Mutants reach what they reach: a step only a subtler wrong answer fails is a warning, not a failure.
        unfailable = unfailable_problems(verdict, run_mutants(engine, verdict, runs, mutants))
        (verdict.problems if strict else verdict.warnings).extend(unfailable)
    if judged:
        verdict.problems.extend(judged_problems(engine, verdict, runs))
    verdict.duration_s = time.monotonic() - started
    return verdict


def verify_course(course: Course, exercises: list[Exercise] | None = None, seeds: int = DEFAULT_SEEDS,
                  jobs: int | None = None,
                  on_verdict: Callable[[ExerciseVerdict], None] | None = None,
                  mutants: int = mutation.MAX_MUTANTS, strict: bool = False, judged: bool = False) -> CourseVerdict:
    """Verify `exercises` (default: all) over `jobs` warm engines; `on_verdict` sees them in course order."""
    started = time.monotonic()
    result = CourseVerdict(course, course_problems=manifest_problems(course), seeds=seeds)
    chosen = exercises or list(course.exercises)
    result.exercises = run_all(
        chosen, lambda engine, ex: verify_exercise(engine, ex, seeds, mutants, strict, judged), jobs,
        on_result=(lambda _, verdict: on_verdict(verdict)) if on_verdict else None)
    result.duration_s = time.monotonic() - started
    return result
