"""The catalogue of known mistakes: wrong answers a learner might write, and what they should be told.

Each exercise may have a folder `mistakes/NN_name/` at the course root, with one
full module per mistake. Its first lines declare what the learner must see:

    # expect: softmax ran over dim=0
    # expect: instead of dim=-1

Every `# expect:` text must appear in the message of the first failing step
(the failure a learner reads in full). `verify_mistakes` runs each mistake
through the engine and returns a problem for each one that passes, or whose
first failure lacks an expected text. Pure: returns findings, never prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kata.course import Exercise
from kata.results import PASSED, CheckResult

FOLDER = "mistakes"
_EXPECT = re.compile(r"^#\s*expect:\s*(.+?)\s*$")


@dataclass(frozen=True)
class Mistake:
    path: Path
    expects: tuple[str, ...]


def mistakes_dir(exercise: Exercise) -> Path:
    return exercise.root / FOLDER / f"{exercise.id}_{exercise.name}"


def read_expects(path: Path) -> tuple[str, ...]:
    """The `# expect:` texts of the comment block at the top of `path`."""
    expects = []
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        match = _EXPECT.match(stripped)
        if match:
            expects.append(match.group(1))
    return tuple(expects)


def catalogue(exercise: Exercise) -> list[Mistake]:
    """The exercise's catalogued mistakes, in file-name order (empty when it has none)."""
    folder = mistakes_dir(exercise)
    if not folder.is_dir():
        return []
    return [Mistake(path, read_expects(path)) for path in sorted(folder.glob("*.py"))]


def judge(mistake: Mistake, result: CheckResult) -> str | None:
    """Why the checks' verdict on `mistake` falls short, or None when it is caught as declared."""
    name = f"{FOLDER}/{mistake.path.parent.name}/{mistake.path.name}"
    if not mistake.expects:
        return f"{name} declares no message: start it with `# expect: <text the learner should see>`."
    if result.status == PASSED:
        return f"{name} passes every check: the checks do not catch this mistake."
    failure = result.first_failure()
    message = failure.message if failure else result.message
    missing = [text for text in mistake.expects if text not in message]
    if missing:
        where = f"step {failure.index} ({failure.title})" if failure else result.status
        shown = message.strip().replace("\n", "\n    ")
        return (f"{name} is caught, but the first failure ({where}) does not say {missing[0]!r}. "
                f"It says:\n    {shown}")
    return None


def run_mistakes(engine, exercise: Exercise) -> list[tuple[Mistake, CheckResult]]:
    """Every catalogued mistake of `exercise` through its checks, each stopped at its first failure."""
    from kata.engine import CheckRequest

    runs = []
    for mistake in catalogue(exercise):
        label = f"{FOLDER}/{mistake.path.parent.name}/{mistake.path.name}"
        runs.append((mistake, engine.check(CheckRequest(exercise, mistake.path, label, first_failure_only=True))))
    return runs


def verify_mistakes(engine, exercise: Exercise) -> list[str]:
    """Run every catalogued mistake of `exercise`; one problem string per mistake not caught as declared."""
    return [problem for mistake, result in run_mistakes(engine, exercise)
            if (problem := judge(mistake, result))]
