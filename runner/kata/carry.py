"""The carry step (issue 25): after exercise K passes on its own code, K once more on the learner's own
earlier exercises, and when that fails, which earlier exercise holds the difference.

K's own step (what decides pass or fail) runs `earlier("05")` against the course's solutions, so K passes
on K's code alone. This second run resolves every `earlier` to the learner's own files (RunRequest.earlier
"yours"). When it fails:

1. an exception raised in an earlier file is named by the check child itself (`kata.earlier.attribution`:
   "This comes from your `Tensor.__matmul__` from exercise 06 ...");
2. otherwise (a wrong number, no exception) K's failing run is repeated with one earlier exercise at a
   time taken from the solutions ("yours-but:05"), from K-1 down: the first whose swap makes K pass
   holds the difference, and the functions of it that differ from the solution are named when one does.

Only after a pass (a failing save costs nothing more), only for a file that calls `earlier(`, and only
while the course has solutions (without them the own step already ran on the learner's files). The
verdict stays K's pass; the notice is `CheckResult.carry`. An exercise the learner skipped is taken from
the solutions here too: that is what `kata skip` substitutes (a run of the file itself still uses
theirs). Design: docs/design-learner-library.md.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from kata.course import Exercise
from kata.earlier import number_of, pick
from kata.results import CheckResult

SEARCH_BUDGET_S = 4.0  # the swaps of step 2, in all


def carry_notice(engine, ex: Exercise, target: Path, label: str, skipped: frozenset[str] = frozenset()) -> str:
    """What the learner should know when K fails on their own earlier exercises; "" when it does not
    (or when there is nothing to carry: no `earlier(` in the file, no solutions in the course). The
    exercises the learner skipped (`skipped`, their numbers) are taken from the solutions."""
    from kata.engine.client import CheckRequest
    from kata.learner_source import learner_source

    source = learner_source(target)
    if not source or "earlier(" not in source or not ex.solution.is_file():
        return ""
    own = engine.check(CheckRequest(ex, target, label, first_failure_only=True, earlier=_earlier(skipped)))
    if own.passed:
        return ""
    failure = own.first_failure()
    told = _without_pointer(failure.message if failure is not None else own.message, target)
    where = f"step {failure.index} ({failure.title})" if failure is not None else "it"
    head = (f"{ex.id} passes on its own code, but not with your own earlier exercises, which it builds on: "
            f"{where} fails.")
    if told.startswith("This comes from your"):
        return f"{head}\n{told}"
    found = _search(engine, ex, target, label, skipped)
    if found is None:
        return f"{head}\n{told}"
    number, path, functions = found
    which = (f"your {', '.join(f'`{f}`' for f in functions)} from exercise {number}" if functions
             else f"your exercise {number}")
    return (f"{head}\nWith the reference {number} in place of your {path.name} it passes, so the difference is in "
            f"{which}: check {number} again (`kata check {number}`).\n{told}")


def _earlier(skipped: frozenset[str]) -> str:
    return f"yours-but:{','.join(sorted(skipped))}" if skipped else "yours"


def _search(engine, ex: Exercise, target: Path, label: str,
            skipped: frozenset[str]) -> tuple[str, Path, list[str]] | None:
    from kata.engine.client import CheckRequest
    from kata.feedback.culprit import differing

    own = number_of(target.name)
    if own is None:
        return None
    numbers = {n for p in target.parent.iterdir() if (n := number_of(p.name)) is not None and int(n) < int(own)}
    earlier = [(n, path) for n in sorted(numbers - skipped, reverse=True)  # the file kata checks, of a notebook pair
               if (path := pick(target.parent, n, ex.root / "exercises")) is not None]
    deadline = time.monotonic() + SEARCH_BUDGET_S
    for number, path in earlier:
        if time.monotonic() > deadline:
            return None
        result = engine.check(CheckRequest(ex, target, label, first_failure_only=True,
                                           earlier=_earlier(skipped | {number})))
        if result.passed:
            reference = ex.solution.parent / f"{path.stem}.py"
            functions = (differing(path, reference) or []) if reference.is_file() else []
            return number, path, functions if len(functions) <= 2 else []  # more: the learner's own way, not a clue
    return None


def _without_pointer(message: str, target: Path) -> str:
    """The message without its pointer at K's own functions: K passed on its own code, so a line saying
    "exercises/07_sum_mean.py:36: your function Tensor.sum" would blame the wrong file."""
    mine = re.compile(rf"^{re.escape(str(target))}:\d+: your (function|class|method) ")
    return "\n".join(line for line in message.splitlines() if not mine.match(line))


def with_carry(result: CheckResult, notice: str) -> CheckResult:
    """`result` with the carry step's notice (the verdict itself unchanged)."""
    if notice:
        result.carry = notice
    return result
