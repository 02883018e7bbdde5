"""Turns results into text for a terminal, or into the public `--json` shape.

Pure functions returning strings: the CLI and watch decide where they go (a picture's colour
also heeds NO_COLOR, read from the environment).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable

from kata.course import Course
from kata.feedback import picture
from kata.progress import Progress, counts
from kata.results import FAILED, NOT_RUN_CAUSES, PASSED, SKIPPED, TIMEOUT, CheckResult, StepResult

MARKS = {PASSED: "✓", SKIPPED: "·"}
MAX_FAILURE_LINES = 15  # the first failure in full: its title, the message and what the code printed
MIN_OUTPUT_LINES = 3  # what the learner printed, even after a long message


def mark(step: StepResult) -> str:
    return MARKS.get(step.outcome, "✗")


def status_word(result: CheckResult) -> str:
    return {
        "passed": "passed",
        "failed": "failed",
        "error": "does not run",
        "timeout": "timed out",
        "crashed": "crashed",
        "locked": "locked",
        "skipped": "skipped",
    }.get(result.status, result.status)


def render_result(result: CheckResult, color: bool = False, waited_s: float | None = None,
                  picture_room: int | None = None) -> str:
    """A check's verdict: one line per step, then the first failure in full.

    The header gives the checks' own time; with `waited_s` (what the learner waited: starting
    Python and PyTorch, the checks, the rest) it gives that first, both labelled.

    A failed comparison's picture (expected and actual as heat grids) sits below the message when
    it fits: by default within the failure's MAX_FAILURE_LINES, else in `picture_room` lines (watch
    gives what its screen has left; 0 leaves it out). Coloured when `color` and NO_COLOR allow.
    """
    took = f"in {result.duration_s:.2f} s"
    if waited_s is not None and waited_s >= result.duration_s + 0.05:
        took = f"in {waited_s:.1f} s (the checks themselves {result.duration_s:.2f} s)"
    lines = [f"{result.id} {result.name}  ({result.target})  {status_word(result)} "
             f"({result.steps_passed}/{len(result.steps)} steps pass) {took}"]
    if result.status == "locked":
        lines.append(f"  {result.message}")
        return "\n".join(lines)
    for step in result.steps:
        lines.append(f"  {_paint(mark(step), step.outcome, color)} {step.title}")
    failure = result.first_failure()
    if failure is not None and failure.cause in NOT_RUN_CAUSES and result.message:
        failure = None  # no step ran: the run-level reason, in full, says more
    if failure is not None:
        lines.append("")
        lines.append(f"First failure, step {failure.index}: {failure.title}")
        message = failure.message.splitlines()
        lines.extend("  " + line for line in message)
        printed = learner_output(failure.output, failure.message)
        after_message = MAX_FAILURE_LINES - 1 - len(message)
        drawn: list[str] = []
        if failure.picture and failure.outcome == FAILED:
            kept_output = 1 + min(len(printed), MIN_OUTPUT_LINES) if printed else 0
            room = after_message - kept_output if picture_room is None else picture_room
            drawn = picture.render(failure.picture, picture.color_mode(color), max_lines=room)
            lines.extend(drawn)
        if printed:
            room = max(after_message - 1 - len(drawn), MIN_OUTPUT_LINES)
            lines.append("  Your code printed:")
            lines.extend("    " + line for line in _clip_lines(printed, room))
    elif result.message and not result.passed:
        lines.append("")
        lines.extend("  " + line for line in result.message.splitlines())
    if result.passed and result.carry:
        lines.append("")
        carried = result.carry.splitlines()
        lines.extend("  " + line for line in _clip_lines(carried, MAX_FAILURE_LINES))
    return "\n".join(lines)


def _clip_lines(lines: list[str], room: int) -> list[str]:
    if len(lines) <= room:
        return lines
    return lines[:room - 1] + [f"… {len(lines) - room + 1} more lines"]


# `path:12: UserWarning: text`, as `warnings.showwarning` writes it; the source line follows, indented.
# A notebook's is `path, cell N, line M: UserWarning: text` (kata.notebook.lines.tell_warnings_by_cell).
_WARNING = re.compile(r"^(?P<where>\S.*?(?::\d+|, (?:cell \d+, )?line \d+)): (?P<kind>\w*Warning): (?P<text>.*)$")
# tqdm's counter, drawn on every refresh: `3/7 [00:01<00:02` or `3it [00:01`.
_PROGRESS = re.compile(r"\d+(?:/\d+|it) \[\d+:\d\d")


def learner_output(output: str, message: str = "") -> list[str]:
    """What a step's code printed, as lines worth a learner's attention.

    Progress bars (tqdm redraws its line with carriage returns, each redraw a line of its own
    here) and library warnings (`…/torch/….py:12: UserWarning: …` and the source line under it)
    are left out: they stretch a failure without explaining it. A warning raised on a line of the
    learner's own code is kept, in one line, unless the message already points at that line.
    """
    kept: list[str] = []
    lines = output.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        warning = _WARNING.match(line)
        if warning:
            i += 1
            while i < len(lines) and lines[i].startswith((" ", "\t")):  # the source line it quotes
                i += 1
            where = warning.group("where")
            if not _library_file(where) and where not in message:
                kept.append(f"{where}: {warning.group('kind')}: {_first_sentence(warning.group('text'))}")
            continue
        if not _PROGRESS.search(line):
            kept.append(line.rstrip())
        i += 1
    while kept and not kept[-1].strip():
        kept.pop()
    while kept and not kept[0].strip():
        kept.pop(0)
    return [line for n, line in enumerate(kept) if line.strip() or (n and kept[n - 1].strip())]


def _first_sentence(text: str, limit: int = 160) -> str:
    """PyTorch's warnings run to several sentences; the first says what happened."""
    end = text.find(". ", 20)
    if 0 < end < limit:
        return text[:end + 1]
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _library_file(where: str) -> bool:
    path = where.rsplit(":", 1)[0].replace("\\", "/")
    return "/site-packages/" in path or "/dist-packages/" in path or "/lib/python" in path or path.startswith("<")


def _paint(text: str, outcome: str, color: bool) -> str:
    if not color:
        return text
    code = {"passed": "32", "skipped": "90", TIMEOUT: "33"}.get(outcome, "31")
    return f"\x1b[{code}m{text}\x1b[0m"


def progress_bar(done: int, total: int, width: int = 30, skipped: int = 0) -> str:
    """`[███░░░] 3/21 exercises done`; skipped exercises fill the bar but are counted apart:
    `[███░░░] 2 done, 1 skipped of 21 exercises`."""
    filled = round(width * (done + skipped) / total) if total else width
    bar = f"[{'█' * filled}{'░' * (width - filled)}]"
    if skipped:
        return f"{bar} {done} done, {skipped} skipped of {total} exercises"
    return f"{bar} {done}/{total} exercises done"


def course_progress(course: Course, progress: Progress) -> str:
    """The progress bar of a course: the one place done and skipped exercises are counted for it."""
    done, skipped = counts(course, progress)
    return progress_bar(done, len(course.exercises), skipped=skipped)


def to_json_line(result: CheckResult) -> str:
    return json.dumps(result.to_json(), ensure_ascii=False)


# A location in a failure message: `path:line` (`:col`), or a notebook's `path, cell N, line M`.
_AT = re.compile(r"^(?::(?P<line>\d+)(?::(?P<col>\d+))?|, cell (?P<cell>\d+), line (?P<cline>\d+)(?:, column (?P<ccol>\d+))?)")


def gcc_lines(result: CheckResult, learner: Path, shown: str,
              place: Callable[[int, int], tuple[str, int] | None] | None = None) -> list[str]:
    """`path:line:col: error: message`, one per failing step (none for a pass), at the deepest line of
    the learner's file the failure names (else line 1). A notebook's lines are counted in the cell
    the message names, so the message says which cell; `place(cell, line)` gives the file and line an
    editor should underline for it (kata.notebook.places: its `.py` twin's line, or its JSON's), else
    line 1 of the notebook."""
    lines = []
    for step in result.steps:
        if step.outcome in (PASSED, SKIPPED) or step.cause in NOT_RUN_CAUSES or result.status == "locked":
            continue
        line, col, cell, said = 1, 1, "", []
        for text in step.message.splitlines():
            found = _AT.match(text[len(str(learner)):]) if text.startswith(str(learner)) else None
            if found:
                line = int(found["line"] or 1) if not found["cell"] else 1
                col = int(found["col"] or found["ccol"] or 1)
                cell = f"cell {found['cell']}, line {found['cline']}: " if found["cell"] else ""
                rest = text[len(str(learner)) + found.end():]
                if rest.startswith(": "):  # `path:3:5: SyntaxError: …`, `path:2: your function add`
                    said.append(rest[2:].strip())
            elif text.strip() and not text.startswith((" ", "\t")) and not re.match(r"^\S+:\d+ in ", text):
                said.append(text.strip())
        message = " ".join(said) or step.outcome
        where = shown
        if cell and place is not None:
            at = place(*map(int, re.findall(r"\d+", cell)[:2]))
            if at is not None:
                where, line = at
        lines.append(f"{where}:{line}:{col}: error: {cell}step {step.index} ({step.title}): {message[:400]}")
    if not result.passed and not lines:
        why = (result.message or result.status).strip().splitlines()
        first = why[0] if why else ""
        told = first if result.status == "locked" and why else f"{result.id} {result.name} {result.status}: {first}"
        lines.append(f"{shown}:1:1: error: {told}")
    return lines
