"""The catalogue of known mistakes: wrong answers a learner might write, and what they should be told.

Each exercise may have a folder `mistakes/NN_name/` at the course root, with one
file per mistake: `NAME.mistake`, a patch against the exercise's solution. Its
leading comments declare what the learner must see, then come the changes:

    # expect: softmax ran over dim=0
    # expect: instead of dim=-1
    # The softmax runs down each column instead of along each row.

    # replace:
        return torch.softmax(x, dim=-1)
    # with:
        return torch.softmax(x, dim=0)

Each `# replace:` text (whole lines, indentation kept) must occur exactly once in
the current solution; the wrong answer is the solution with every block applied,
written to a temporary file and checked as any file is. A `NAME.py` holding the
whole wrong module (the older form) is read too.

Every `# expect:` text must appear in the message of the first failing step
(the failure a learner reads in full). `verify_mistakes` runs each mistake
through the engine and returns a problem for each one that passes, or whose
first failure lacks an expected text. Pure: returns findings, never prints.
"""

from __future__ import annotations

import atexit
import difflib
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kata.course import Exercise
from kata.results import PASSED, CheckResult

FOLDER = "mistakes"
_EXPECT = re.compile(r"^#\s*expect:\s*(.+?)\s*$")


SUFFIX = ".mistake"
REPLACE, WITH = "# replace:", "# with:"


@dataclass(frozen=True)
class Mistake:
    path: Path  # the catalogue's file: NAME.mistake (a patch) or NAME.py (a whole module)
    expects: tuple[str, ...]
    file: Path | None = None  # the wrong module to check: `path` itself, or the patched solution
    error: str | None = None  # why a patch could not make it (then `file` is None)

    def __post_init__(self) -> None:
        if self.file is None and self.error is None and self.path.suffix == ".py":
            object.__setattr__(self, "file", self.path)

    @property
    def label(self) -> str:
        return f"{FOLDER}/{self.path.parent.name}/{self.path.name}"


class PatchError(ValueError):
    """A `.mistake` file that cannot be read, or no longer applies to the solution."""


@dataclass(frozen=True)
class Block:
    line: int  # where its `# replace:` is in the .mistake file (1-based)
    old: tuple[str, ...]
    new: tuple[str, ...]


def _trim(lines: list[str]) -> tuple[str, ...]:
    """`lines` without the blank lines at either end (they separate blocks, they are not part of one)."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return tuple(lines[start:end])


def parse_patch(text: str) -> tuple[tuple[str, ...], list[Block]]:
    """The `# expect:` texts and the replace/with blocks of a `.mistake` file."""
    lines = text.splitlines()
    expects: list[str] = []
    blocks: list[Block] = []
    i = 0
    while i < len(lines) and lines[i].rstrip() != REPLACE:
        stripped = lines[i].strip()
        if stripped and not stripped.startswith("#"):
            raise PatchError(f"line {i + 1} is neither a comment nor in a block: {stripped!r}. "
                             f"Start each change with a `{REPLACE}` line.")
        if (match := _EXPECT.match(stripped)):
            expects.append(match.group(1))
        i += 1
    while i < len(lines):
        start = i
        i += 1
        old: list[str] = []
        while i < len(lines) and lines[i].rstrip() not in (WITH, REPLACE):
            old.append(lines[i])
            i += 1
        if i == len(lines) or lines[i].rstrip() != WITH:
            raise PatchError(f"the `{REPLACE}` block on line {start + 1} has no `{WITH}` line after it.")
        i += 1
        new: list[str] = []
        while i < len(lines) and lines[i].rstrip() not in (WITH, REPLACE):
            new.append(lines[i])
            i += 1
        if i < len(lines) and lines[i].rstrip() == WITH:
            raise PatchError(f"line {i + 1}: a second `{WITH}` in the block of line {start + 1}.")
        block = Block(start + 1, _trim(old), _trim(new))
        if not block.old:
            raise PatchError(f"the `{REPLACE}` block on line {start + 1} replaces nothing: give the solution's "
                             "lines to change (to add lines, replace a line next to them by itself plus them).")
        blocks.append(block)
    if not blocks:
        raise PatchError(f"it changes nothing: add a `{REPLACE}` block with the solution's lines and a `{WITH}` "
                         "block with the wrong ones.")
    return tuple(expects), blocks


def _occurrences(haystack: list[str], needle: tuple[str, ...]) -> list[int]:
    n = len(needle)
    return [i for i in range(len(haystack) - n + 1) if tuple(haystack[i:i + n]) == needle]


def _near(solution: list[str], old: tuple[str, ...]) -> str:
    """Where lines that no longer match exactly may have gone: moved, re-indented or edited."""
    stripped = [line.strip() for line in solution]
    want = tuple(line.strip() for line in old)
    found = _occurrences(stripped, want)
    if found:
        return f"they are at line {found[0] + 1} of the solution with another indentation"
    n = len(old)
    best, where = 0.0, -1
    for i in range(max(1, len(solution) - n + 1)):
        ratio = difflib.SequenceMatcher(None, "\n".join(want), "\n".join(stripped[i:i + n])).ratio()
        if ratio > best:
            best, where = ratio, i
    if best >= 0.6:
        shown = "\n".join("        " + line for line in solution[where:where + n])
        return f"the nearest match is line {where + 1} of the solution:\n{shown}"
    return "nothing in the solution comes close: the code they changed is gone"


def apply_patch(solution: str, blocks: list[Block]) -> str:
    """`solution` with each block's `old` lines replaced by its `new` ones; PatchError names a block whose
    lines are not in the solution, or are there more than once, and blocks that overlap."""
    lines = solution.splitlines()
    spans = []
    for block in blocks:
        found = _occurrences(lines, block.old)
        shown = "\n".join("        " + line for line in block.old)
        if not found:
            raise PatchError(f"the `{REPLACE}` block on line {block.line} no longer applies: the solution has no "
                             f"lines\n{shown}\n    ({_near(lines, block.old)}).")
        if len(found) > 1:
            raise PatchError(f"the `{REPLACE}` block on line {block.line} matches the solution "
                             f"{len(found)} times (lines {', '.join(str(i + 1) for i in found)}):\n{shown}\n"
                             "    Give it a line more of the code around it, so that it matches once.")
        spans.append((found[0], found[0] + len(block.old), block))
    spans.sort(key=lambda span: span[0])
    for (_, end, first), (start, _, second) in zip(spans, spans[1:]):
        if start < end:
            raise PatchError(f"the blocks on lines {first.line} and {second.line} change the same lines of the "
                             "solution: make them one block.")
    for start, end, block in reversed(spans):
        lines[start:end] = block.new
    return "\n".join(lines) + "\n"


def diff_blocks(solution: str, wrong: str) -> list[Block]:
    """The replace/with blocks that turn `solution` into `wrong` (difflib), each widened by the lines
    around it until its `replace` text occurs once in the solution and starts and ends on a non-blank line."""
    a, b = solution.splitlines(), wrong.splitlines()
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    spans = [[i1, i2] for tag, i1, i2, _, _ in ops if tag != "equal"]

    def new_lines(start: int, end: int) -> list[str]:
        out: list[str] = []
        for tag, i1, i2, j1, j2 in ops:
            if tag == "equal":
                lo, hi = max(i1, start), min(i2, end)
                out += b[j1 + lo - i1:j1 + hi - i1] if lo < hi else []
            elif start <= i1 and i2 <= end:
                out += b[j1:j2]
        return out

    def settled(start: int, end: int) -> bool:
        new = new_lines(start, end)
        return (end > start and a[start].strip() != "" and a[end - 1].strip() != ""
                and (not new or (new[0].strip() != "" and new[-1].strip() != ""))
                and len(_occurrences(a, tuple(a[start:end]))) == 1)

    while True:
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        changed = False
        for span in merged:
            upward = True
            while not settled(*span) and (span[0] > 0 or span[1] < len(a)):
                if (upward and span[0] > 0) or span[1] == len(a):
                    span[0] -= 1
                else:
                    span[1] += 1
                upward = not upward
                changed = True
        spans = merged
        if not changed:
            break
    return [Block(0, tuple(a[start:end]), tuple(new_lines(start, end))) for start, end in spans]


def format_blocks(blocks: list[Block]) -> str:
    """`blocks` as a `.mistake` file writes them."""
    parts = []
    for block in blocks:
        parts.append("\n".join([REPLACE, *block.old, WITH, *block.new]) + "\n")
    return "\n".join(parts)


_made: Path | None = None  # where patched mistakes are written, removed when the process ends


def _scratch() -> Path:
    global _made
    if _made is None or not _made.is_dir():
        _made = Path(tempfile.mkdtemp(prefix="kata-mistakes-"))
        atexit.register(shutil.rmtree, _made, True)
    return _made


def wrong_source(path: Path, solution: Path) -> str:
    """The wrong module a catalogue file stands for: a `.mistake` applied to `solution`, or a `.py` itself."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != SUFFIX:
        return text
    try:
        _, blocks = parse_patch(text)
        return apply_patch(solution.read_text(encoding="utf-8"), blocks)
    except PatchError as exc:
        raise PatchError(f"{FOLDER}/{path.parent.name}/{path.name}: {exc}") from None


def load(path: Path, solution: Path) -> Mistake:
    """The catalogue entry at `path`; a patch is applied to `solution` and written to a temporary file."""
    if path.suffix != SUFFIX:
        return Mistake(path, read_expects(path))
    try:
        expects, _ = parse_patch(path.read_text(encoding="utf-8"))
        source = wrong_source(path, solution)
    except (PatchError, OSError, UnicodeDecodeError) as exc:
        text = str(exc)
        prefix = f"{FOLDER}/{path.parent.name}/{path.name}: "
        return Mistake(path, (), error=text[len(prefix):] if text.startswith(prefix) else text)
    folder = _scratch() / path.parent.name
    folder.mkdir(exist_ok=True)
    target = folder / f"{path.stem}.py"
    target.write_text(source, encoding="utf-8")
    return Mistake(path, expects, file=target)


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
    paths = sorted([*folder.glob("*.py"), *folder.glob(f"*{SUFFIX}")], key=lambda path: path.name)
    return [load(path, exercise.solution) for path in paths]


def judge(mistake: Mistake, result: CheckResult | None) -> str | None:
    """Why the checks' verdict on `mistake` falls short, or None when it is caught as declared."""
    name = mistake.label
    if mistake.error is not None:
        return f"{name} cannot be made from the solution: {mistake.error}"
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


def run_mistakes(engine, exercise: Exercise) -> list[tuple[Mistake, CheckResult | None]]:
    """Every catalogued mistake of `exercise` through its checks, each stopped at its first failure
    (the result is None for a patch that no longer applies: `judge` says why)."""
    from kata.engine import CheckRequest

    runs = []
    for mistake in catalogue(exercise):
        if mistake.file is None:
            runs.append((mistake, None))
            continue
        request = CheckRequest(exercise, mistake.file, mistake.label, first_failure_only=True)
        runs.append((mistake, engine.check(request)))
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
    header = "".join(f"# expect: {text}\n" for text in expects)
    header += (f"# Recorded from {wrong.name} with `kata new --mistake`; its first failure is step {failure.index} "
               f"({failure.title}).\n# Say here what the learner did wrong, and trim the expect lines to what they "
               "must read.\n\n")
    blocks = diff_blocks(exercise.solution.read_text(encoding="utf-8"), _without_expects(source))
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "x", encoding="utf-8") as handle:
        handle.write(header + format_blocks(blocks))
    mistake = load(target, exercise.solution)
    problem = judge(mistake, None if mistake.file is None else
                    engine.check(CheckRequest(exercise, mistake.file, mistake.label, first_failure_only=True)))
    return Recorded(target, expects, result, problem)


NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def main(argv: list[str] | None = None) -> int:
    """`python -m kata.dev.mistakes mistakes/NN_name/NAME.mistake`: print the wrong module it stands for
    (the course's solutions/NN_name.py patched), e.g. to run `kata check NN --file` on it."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m kata.dev.mistakes mistakes/NN_name/NAME.mistake", file=sys.stderr)
        return 2
    path = Path(args[0]).resolve()
    try:
        sys.stdout.write(wrong_source(path, path.parents[2] / "solutions" / f"{path.parent.name}.py"))
    except (PatchError, OSError, UnicodeDecodeError) as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
