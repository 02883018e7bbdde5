"""The catalogue itself: reading each exercise's `mistakes/NN_name/` folder, running every mistake
through the checks, and judging whether its first failure says what it declares.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kata.course import Exercise
from kata.dev.mistakes.breaks import parse_breaks
from kata.dev.mistakes.patch import EXPECT, PatchError, apply_patch, parse_patch
from kata.earlier import number_of
from kata.results import PASSED, CheckResult

FOLDER = "mistakes"
SUFFIX = ".mistake"


@dataclass(frozen=True)
class Mistake:
    path: Path  # the catalogue's file: NAME.mistake (a patch) or NAME.py (a whole module)
    expects: tuple[str, ...]
    file: Path | None = None  # the wrong module to check: `path` itself, or the patched solution
    error: str | None = None  # why a patch could not make it (then `file` is None)
    breaks: str | None = None  # `# breaks:`: the function (or Class.method) that holds the mistake

    def __post_init__(self) -> None:
        if self.file is None and self.error is None and self.path.suffix == ".py":
            object.__setattr__(self, "file", self.path)

    @property
    def label(self) -> str:
        return f"{FOLDER}/{self.path.parent.name}/{self.path.name}"


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
        return Mistake(path, read_expects(path), breaks=_breaks_of(path))
    try:
        text = path.read_text(encoding="utf-8")
        expects, _ = parse_patch(text)
        breaks = parse_breaks(text)
        source = wrong_source(path, solution)
    except (PatchError, OSError, UnicodeDecodeError) as exc:
        text = str(exc)
        prefix = f"{FOLDER}/{path.parent.name}/{path.name}: "
        return Mistake(path, (), error=text[len(prefix):] if text.startswith(prefix) else text)
    folder = _scratch() / path.parent.name
    folder.mkdir(exist_ok=True)
    target = folder / f"{path.stem}.py"
    if "earlier(" in source and number_of(solution.name) is not None:
        # It imports earlier exercises (kata.earlier): a grader's run sends the files beside it into the sandbox
        # (locally the checks take the course's solutions), so it lies, named as the solution, beside copies of
        # the earlier solutions, as a submission would.
        folder = folder / path.stem
        folder.mkdir(exist_ok=True)
        for earlier in solution.parent.glob("[0-9]*_*.py"):
            if int(number_of(earlier.name) or 99) < int(number_of(solution.name) or 0):
                shutil.copyfile(earlier, folder / earlier.name)
        target = folder / solution.name
    target.write_text(source, encoding="utf-8")
    return Mistake(path, expects, file=target, breaks=breaks)


def _breaks_of(path: Path) -> str | None:
    try:
        return parse_breaks(path.read_text(encoding="utf-8"))
    except (PatchError, OSError, UnicodeDecodeError):
        return None


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
        match = EXPECT.match(stripped)
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
    assert result is not None, "a mistake that could be made has a run"  # only a patch that failed has none
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

    runs: list[tuple[Mistake, CheckResult | None]] = []
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
