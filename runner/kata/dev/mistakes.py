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


# --- recording a mistake: `kata new --mistake ID WRONG_FILE` -------------------------------

_FRAME = re.compile(r"^\S+:\d+(?: in \S+|: .*)$")  # `file:line in f` and `file:line: your function f`
# addresses and paths change from run to run and from place to place
_UNSTABLE = re.compile(r"0x[0-9a-fA-F]{6,}|(?:^|[\s(\[\"'])/\w|\w\.py\b")
MAX_EXPECT = 120


def expects_from(message: str, limit: int = 2) -> list[str]:
    """The lines of a failure message worth declaring: what it says, not where (no frame, no quoted
    code, no path or address), at most `limit`, each cut to a prefix that still matches."""
    said = []
    for line in message.splitlines():
        text = line.strip()
        if not text or line[:1] in (" ", "\t") or _FRAME.match(text) or _UNSTABLE.search(text):
            continue
        if len(text) > MAX_EXPECT:
            cut = text[:MAX_EXPECT]
            text = cut[:cut.rfind(" ")] if " " in cut else cut
        said.append(text)
        if len(said) == limit:
            break
    return said


def _without_expects(source: str) -> str:
    """`source` without a leading block of `# expect:` lines (a mistake recorded again)."""
    lines = source.splitlines(keepends=True)
    while lines and _EXPECT.match(lines[0].strip()):
        lines.pop(0)
    return "".join(lines)


@dataclass
class Recorded:
    path: Path
    expects: list[str]
    result: CheckResult  # the wrong file's run, stopped at its first failure
    problem: str | None  # verify's verdict on the recorded file: None when it is caught as declared


def record_mistake(engine, exercise: Exercise, wrong: Path, name: str) -> Recorded:
    """Run the checks on `wrong`, and write it as `mistakes/NN_name/<name>.py`, declaring what its first
    failing step says. Refuses a file the checks pass, one that does not import, and an existing name."""
    from kata.engine import CheckRequest
    from kata.errors import KataError

    if not NAME.match(name):
        raise KataError(f"{name!r} cannot name a mistake.", "Use --name with lower case letters, digits and _, "
                                                           "e.g. --name sign_flipped.")
    target = mistakes_dir(exercise) / f"{name}.py"
    if target.exists():
        raise KataError(f"{target.relative_to(exercise.root)} already exists.",
                        "Give the new one another name with --name, or delete the old one first.")
    try:
        source = wrong.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KataError(f"Cannot read {wrong}: {exc}.", "Give the path of a Python file holding the wrong answer.")
    result = engine.check(CheckRequest(exercise, wrong, str(wrong), first_failure_only=True))
    if result.status == PASSED:
        raise KataError(f"{wrong} passes every check of {exercise.id} {exercise.name}: the checks do not catch "
                        "this mistake, so there is no message to record.",
                        "Add a step that fails on it first (or make one stricter), then record it again.")
    failure = result.first_failure()
    if failure is None or result.status == "error" and failure.message.startswith(("not run:", str(wrong))):
        raise KataError(f"{wrong} does not run ({result.status}): {(failure.message if failure else result.message)[:300]}",
                        "A catalogued mistake is a wrong answer that runs: fix the file so that it imports.")
    expects = expects_from(failure.message)
    if not expects:
        raise KataError(f"The first failure of {wrong} (step {failure.index}, {failure.title}) says nothing "
                        f"that can be declared:\n{failure.message}",
                        "Give the check a message that says what is wrong, then record the mistake again.")
    header = "".join(f"# expect: {text}\n" for text in expects)
    header += (f"# Recorded from {wrong.name} with `kata new --mistake`; its first failure is step {failure.index} "
               f"({failure.title}).\n# Say here what the learner did wrong, and trim the expect lines to what they "
               "must read.\n\n")
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "x", encoding="utf-8") as handle:
        handle.write(header + _without_expects(source).lstrip("\n"))
    mistake = Mistake(target, read_expects(target))
    label = f"{FOLDER}/{target.parent.name}/{target.name}"
    problem = judge(mistake, engine.check(CheckRequest(exercise, target, label, first_failure_only=True)))
    return Recorded(target, expects, result, problem)


NAME = re.compile(r"^[a-z][a-z0-9_]*$")
