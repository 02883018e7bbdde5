"""Turns an exception from a check into what a learner needs: their frames, file:line, the message.

Runs inside the check child. Frames from pytest, kata, torch and the standard
library are dropped: only the learner's file and the check module stay, each as
`path:line` so terminals make it clickable. Of the check module's own helpers
only the step's line is kept: the learner needs their frames, not ours.

The parts: `frames` (which frames, and how they read), `operands` (the shapes
that met in a torch shape or type error), `pointer` (the learner's definition a
check's own failure is about). This module puts them together.
"""

from __future__ import annotations

import linecache
import re
from pathlib import Path

from kata.feedback.frames import deepest_learner_frame, format_frame_list, format_frames, learner_frames, real_path
from kata.feedback.graph_errors import graph_advice
from kata.feedback.operands import explain_operands
from kata.feedback.pointer import culprit_pointer, learner_definition
from kata.notebook.lines import describe_location, location

__all__ = ["describe_exception", "format_frames", "syntax_error_message", "tidy_assertion", "with_picture",
           "MAX_MESSAGE", "MAX_PICTURE"]

MAX_MESSAGE = 4000
MAX_PICTURE = 8000  # a picture's data, beside the message: 2 grids of 32 × 32 and their marks fit


def syntax_error_message(exc: SyntaxError) -> str:
    """`file:line:col`, the offending line and a caret under the column."""
    where = describe_location(exc.filename or "", exc.lineno, exc.offset)
    lines = [f"{where}: {type(exc).__name__}: {exc.msg}"]
    text = exc.text if exc.text is not None else linecache.getline(exc.filename or "", exc.lineno or 0)
    if location(exc.filename or "", exc.lineno):  # a notebook: Python read the line from its JSON
        text = linecache.getline(exc.filename or "", exc.lineno or 0) or text
    if text:
        stripped = text.rstrip("\n")
        indent = len(stripped) - len(stripped.lstrip())
        lines.append("    " + stripped.strip())
        if exc.offset:
            end = getattr(exc, "end_offset", None) or exc.offset + 1
            if getattr(exc, "end_lineno", exc.lineno) != exc.lineno or end <= exc.offset:
                end = exc.offset + 1
            lines.append("    " + " " * max(exc.offset - 1 - indent, 0) + "^" * max(end - exc.offset, 1))
    return "\n".join(lines)


def describe_exception(exc: BaseException, keep_files: list[Path], explanation: str | None = None,
                       learner_file: Path | None = None, rerun=None) -> str:
    """A short, learner-facing account of `exc`: their frames, then the error itself.

    With `learner_file`, frames of the other kept files (the check module)
    shrink to the first of each run, and a tensor error raised on one of the
    learner's lines names the shapes that met there. When a check caught the
    learner's error and failed with its own explanation, the learner's frames
    of the caught error are shown too. A failure that never entered the learner's
    file, or whose deepest learner frame is code the course's solution has too,
    ends with the function that holds the mistake (`pointer`; `rerun` lets it
    run the step again, local mode only).
    """
    if isinstance(exc, SyntaxError):
        return _cap(syntax_error_message(exc))
    keep = {real_path(p) for p in keep_files if p}
    frames = learner_frames(exc.__traceback__, keep)
    caught = _caught_learner_error(exc, learner_file)
    if caught is not None:
        learner = real_path(learner_file)
        frames += [f for f in learner_frames(caught.__traceback__, keep) if real_path(f.filename) == learner]
    text = explanation if explanation else _exception_line(exc)
    if learner_file is not None and not explanation:
        operands = explain_operands(caught or exc, learner_file)
        if operands:
            text = f"{text}\n{operands}"
    graph = None if explanation else graph_advice(str(caught or exc))
    if graph:
        text = f"{text}\n{graph}"
    mine = [f for f in frames if learner_file is not None and real_path(f.filename) == real_path(learner_file)]
    # The check's own frames say how kata called the learner's code, which the message already says:
    # with a line of the learner's to show, the failure starts there, not in kata's check file.
    shown = format_frame_list(mine if mine else frames, learner_file)
    if learner_file is not None and not mine:
        pointer = learner_definition(exc.__traceback__, keep_files, learner_file, rerun)
        if pointer and str(learner_file) not in text:  # a check's message may already point there
            shown = pointer  # the learner's function says more than the check's line that called it
    elif learner_file is not None and mine[-1].lineno:
        from kata.feedback.culprit import enclosing_definition

        deepest = enclosing_definition(learner_file, mine[-1].lineno)
        pointer = culprit_pointer(keep_files, learner_file, rerun, unless=deepest) if deepest else None
        if pointer:  # the code that raised is the solution's own: the mistake is elsewhere
            shown = f"{shown}\n{pointer}"
    return with_picture(_cap(f"{shown}\n{text}" if shown else text), exc if not explanation else None)


def with_picture(message: str, exc: BaseException | None) -> str:
    """`message`, followed by the picture of the comparison that failed (`kata.expect` sets one on
    its `ExpectationFailed`), after `kata.contract.PICTURE_MARK`: the step's event carries it to the
    CLI, whose StepResult keeps it apart from the message. Outside the message's own cap."""
    if exc is None or type(exc).__module__ != "kata.expect":  # a picture only from kata.expect's own failures
        return message
    picture = getattr(exc, "picture", None)
    if not isinstance(picture, str) or not picture or len(picture) > MAX_PICTURE:
        return message
    from kata.contract import PICTURE_MARK

    return f"{message}\n{PICTURE_MARK}{picture}"


def _caught_learner_error(exc: BaseException, learner_file: Path | None) -> BaseException | None:
    """The learner's exception that a check caught and turned into its own failure (`fail` in `except`)."""
    if learner_file is None or not isinstance(exc, AssertionError):
        return None
    inner = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    if inner is None or isinstance(inner, AssertionError) or inner.__traceback__ is None:
        return None
    frame, _ = deepest_learner_frame(inner.__traceback__, real_path(learner_file))
    return inner if frame is not None else None


def tidy_assertion(text: str) -> str:
    """Drop pytest's `where <function …> = <module 'kata_target_…'>` lines, blank lines and `Use -v`: noise to a learner."""
    lines = text.splitlines()
    # `assert cond, "message"`: pytest appends its introspection ("assert False", "+  where …") after
    # the author's message, which already says what is wrong. Keep the message alone.
    first_assert = next((i for i, line in enumerate(lines) if line.startswith("assert ")), None)
    if first_assert:
        lines = lines[:first_assert]
    kept = [line for line in lines
            if not (line.lstrip().startswith("+") and ("<function " in line or "<module " in line))
            and line.strip() and "Use -v to get more diff" not in line]
    return "\n".join(kept)


_MISSING_NAME = re.compile(r"^module 'kata_target_\w*' has no attribute '(\w+)'")


def _exception_line(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:  # a learner's exception class whose __str__ raises
        text = "(its message could not be shown)"
    name = type(exc).__name__
    if isinstance(exc, NotImplementedError):
        return f"NotImplementedError: {text or 'this part is still a TODO'}"
    if isinstance(exc, RecursionError):
        return "RecursionError: your code called itself without end (maximum recursion depth exceeded)."
    if isinstance(exc, MemoryError):
        return "MemoryError: your code tried to use more memory than kata allows for a check."
    missing = _MISSING_NAME.match(text) if isinstance(exc, AttributeError) else None
    if missing:  # the checks looked for a name the learner's file does not define (the module's name is kata's)
        return (f"AttributeError: your file has no `{missing.group(1)}`: the checks call it by that name. Was it "
                "deleted or renamed? The stub has it as the exercise asks (`kata reset ID` restores the stub, "
                "keeping a backup of your file).")
    if isinstance(exc, OSError) and "reading from stdin while output is captured" in text:  # pytest's words
        return ("OSError: your code reads input (input() or sys.stdin), but a check gives it none; take what "
                "it needs as the function's arguments, and keep input() for your own runs, under "
                "`if __name__ == \"__main__\":`.")
    if isinstance(exc, AssertionError):
        return tidy_assertion(text) or "AssertionError"
    if name == "ForbiddenModule" and type(exc).__module__ == "kata.forbid.guard":  # its message is the sentence
        return text
    return f"{name}: {text}" if text else name


def _cap(text: str) -> str:
    if len(text) <= MAX_MESSAGE:
        return text
    return text[:MAX_MESSAGE] + f"\n… ({len(text) - MAX_MESSAGE} more characters cut)"
