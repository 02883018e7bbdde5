"""Recording a mistake: `kata new --mistake ID WRONG_FILE` writes `mistakes/NN_name/NAME.mistake` from
a wrong file the checks catch: what its first failing step says, as `# expect:` lines, and its
difference from the solution as replace/with blocks, and the function it changes as `# breaks:`.
Then verify's own verdict on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kata.course import Exercise
from kata.dev.mistakes.breaks import enclosing
from kata.dev.mistakes.catalogue import SUFFIX, judge, load, mistakes_dir
from kata.dev.mistakes.patch import EXPECT, diff_blocks, format_blocks
from kata.results import PASSED, CheckResult

_FRAME = re.compile(r"^\S+:\d+(?: in \S+|: .*)$")  # `file:line in f` and `file:line: your function f`
# addresses and paths change from run to run and from place to place
_UNSTABLE = re.compile(r"0x[0-9a-fA-F]{6,}|(?:^|[\s(\[\"'])/\w|\w\.py\b")
MAX_EXPECT = 120
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


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
    while lines and EXPECT.match(lines[0].strip()):
        lines.pop(0)
    return "".join(lines)


@dataclass
class Recorded:
    path: Path
    expects: list[str]
    result: CheckResult  # the wrong file's run, stopped at its first failure
    problem: str | None  # verify's verdict on the recorded file: None when it is caught as declared


def record_mistake(engine, exercise: Exercise, wrong: Path, name: str) -> Recorded:
    """Run the checks on `wrong`, and write it as `mistakes/NN_name/<name>.mistake`: what its first failing
    step says, and its difference from the solution as replace/with blocks. Refuses a file the checks
    pass, one that does not import, and an existing name."""
    from kata.engine import CheckRequest
    from kata.errors import KataError

    if not NAME.match(name):
        raise KataError(f"{name!r} cannot name a mistake.", "Use --name with lower case letters, digits and _, "
                                                           "e.g. --name sign_flipped.")
    target = mistakes_dir(exercise) / f"{name}{SUFFIX}"
    for existing in (target, target.with_suffix(".py")):
        if existing.exists():
            raise KataError(f"{existing.relative_to(exercise.root)} already exists.",
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
    solution = exercise.solution.read_text(encoding="utf-8")
    blocks = diff_blocks(solution, _without_expects(source))
    header = "".join(f"# expect: {text}\n" for text in expects)
    try:
        broken = enclosing(solution, blocks)
    except SyntaxError:
        broken = []
    if broken:  # the first function the patch changes; kata verify checks that the failure points there
        header += f"# breaks: {broken[0]}\n"
    header += (f"# Recorded from {wrong.name} with `kata new --mistake`; its first failure is step {failure.index} "
               f"({failure.title}).\n# Say here what the learner did wrong, and trim the expect lines to what they "
               "must read.\n\n")
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "x", encoding="utf-8") as handle:
        handle.write(header + format_blocks(blocks))
    mistake = load(target, exercise.solution)
    problem = judge(mistake, None if mistake.file is None else
                    engine.check(CheckRequest(exercise, mistake.file, mistake.label, first_failure_only=True)))
    return Recorded(target, expects, result, problem)
