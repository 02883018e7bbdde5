"""Does a failure point at the right function? The pointer's accuracy over the mistake catalogue.

A failure message names a place in the learner's file in one of three ways: a pointer line
(`path:line: your function NAME`, `your class NAME`, `where your file sets NAME`), written when the
mistake is found by what it computes; a check's own line pointer (`path:line: <the code>`); or the
learner's own frames (`path:line in NAME`) when their code raised. A line names the function (or
method) that holds it, or the module-level name it sets, as a learner clicking it would find. A
catalogued mistake declares the function that holds it (`# breaks:`); the pointer is right when the
pointer line names it, else the first line pointer, else the deepest frame in the learner's file. `kata verify` reports the share per exercise and for the course: a learner
reads "your function X" and goes to X, so a wrong X costs them more than no pointer at all.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from kata.results import PASSED, CheckResult

THRESHOLD = 0.95  # below it, `kata verify --strict` fails
_POINTER = re.compile(r"^(?P<path>.+?):\d+(?::\d+)?: (?:your function|your class|where your file sets) (?P<name>[\w.]+)")
_LINE = re.compile(r"^(?P<path>\S+?):(?P<line>\d+): \S")
_FRAME = re.compile(r"^(?P<path>.+?):(?P<line>\d+) in (?P<name>[\w<>.]+)$")


@dataclass(frozen=True)
class Pointed:
    """One catalogued mistake's first failure: what it should name, and what it named."""

    mistake: str  # its label, mistakes/NN_name/NAME.mistake
    breaks: str
    named: str | None  # the pointer's name (a frame's function name has no class), None: no pointer

    @property
    def right(self) -> bool:
        if self.named is None:
            return False
        return self.named == self.breaks or ("." not in self.named and self.named == self.breaks.split(".")[-1])

    def to_json(self) -> dict:
        return {"mistake": self.mistake, "breaks": self.breaks, "named": self.named, "right": self.right}


def named_in(message: str, learner_file: str | os.PathLike | None = None) -> str | None:
    """The function a failure message points at: its pointer line's name, else what its first line
    pointer into the learner's file is in, else the deepest frame in the learner's file (any frame not
    in a check module, without `learner_file`)."""
    learner = os.path.realpath(learner_file) if learner_file is not None else None
    frame_name = line_name = None
    for line in message.splitlines():
        if (found := _POINTER.match(line)):
            return found["name"]
        if (found := _FRAME.match(line)) and _is_learner(found["path"], learner):
            frame_name = _holding(learner, int(found["line"])) or found["name"]
        elif line_name is None and learner and (found := _LINE.match(line)) and _is_learner(found["path"], learner):
            line_name = _holding(learner, int(found["line"]))
    return line_name or frame_name


def _holding(path: str | None, lineno: int) -> str | None:
    """The function or method holding line `lineno` of `path`, or the module-level name that line sets."""
    from kata.dev.mistakes.breaks import assignments, definitions

    try:
        with open(path or "", encoding="utf-8") as handle:
            source = handle.read()
        inside = [(lo, name) for name, (lo, hi) in definitions(source).items() if lo <= lineno <= hi]
        return max(inside)[1] if inside else next((n for line, n in assignments(source) if line == lineno), None)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return None


def _is_learner(path: str, learner: str | None) -> bool:
    if learner is None:
        return not os.path.basename(path).startswith("test_")
    return os.path.realpath(path.split(" ")[0]) == learner or path.startswith(learner)


def pointed(runs: list[tuple[object, CheckResult | None]]) -> list[Pointed]:
    """For each catalogued mistake that declares `# breaks:` and fails, what its first failure names."""
    found = []
    for mistake, result in runs:
        breaks = getattr(mistake, "breaks", None)
        if not breaks or result is None or result.status == PASSED:
            continue
        failure = result.first_failure()
        message = failure.message if failure else result.message
        found.append(Pointed(getattr(mistake, "label", str(mistake)), breaks,
                             named_in(message, getattr(mistake, "file", None))))
    return found


def accuracy(points: list[Pointed]) -> tuple[int, int]:
    """(right, total)."""
    return sum(1 for p in points if p.right), len(points)


def share(right: int, total: int) -> str:
    return f"{right}/{total} ({100 * right / total:.0f}%)" if total else "no mistake declares # breaks:"
