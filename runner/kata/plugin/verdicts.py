"""What a failed step comes to: timed out, an error, or a failure told with the learner's frames.

pytest's own report of a failure (its formatted traceback, ~7 ms a failure) is never shown
when the engine reads the events, so `quick_report` builds the report without it; the
learner-facing message is `classify`'s.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

import pytest

from kata.feedback.failures import describe_exception, format_frames
from kata.plugin.rerun import rerunner
from kata.plugin.state import LearnerExit, State, state_of, target_for


def raised_in_learner_file(exc: BaseException, item: pytest.Item) -> bool:
    """Whether the learner's file is on the traceback (a check's own skip is the check's business)."""
    keep = keep_files(item, state_of(item.config))
    if len(keep) < 2:
        return False
    learner = str(keep[1])
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == learner:
            return True
        tb = tb.tb_next
    return False


def classify(item: pytest.Item, call: pytest.CallInfo, state: State) -> tuple[str, str]:
    """A failed phase's outcome and message. Telling it reads what the learner's code raised (judged,
    text the learner's process chose): whatever breaks in the telling, the step still fails, as the
    learner's, and never turns into an error of pytest's that would blame kata or the course."""
    try:
        return _classified(item, call, state)
    except Exception:  # nothing of the learner's is read again here: it may be what broke
        return (("failed" if call.when == "call" else "error"),
                "this step raised an error that kata could not describe; run the step yourself to see it")


def _classified(item: pytest.Item, call: pytest.CallInfo, state: State) -> tuple[str, str]:
    exc = call.excinfo.value if call.excinfo else None
    if isinstance(exc, pytest.fail.Exception) and str(exc).startswith("Timeout"):
        state.timed_out = True
        limit = item.config.getoption("timeout", None) or getattr(item.config, "_env_timeout", None) or 0
        where = format_frames(exc.__traceback__, keep_files(item, state))
        return "timeout", (f"this step ran past its time limit ({float(limit):g} s) and was stopped; "
                           "is there an endless loop?" + (f"\nIt was here:\n{where}" if where else ""))
    if isinstance(exc, pytest.fail.Exception) and call.when == "setup":
        return "error", str(exc)
    if exc is None:
        return "error", "the step failed"
    keep = keep_files(item, state)
    learner = keep[1] if len(keep) > 1 else None
    if state.judge_fd is not None:
        remote = _remote_failure(exc, item, keep)
        if remote is not None:
            return remote
    told = exc.__cause__ if isinstance(exc, LearnerExit) and exc.__cause__ is not None else exc
    original = told.__traceback__
    rerun = rerunner(item, state, learner) if learner is not None and call.when == "call" else None
    try:
        told.__traceback__ = _from_first_kept(original, keep)  # the same frames shown, fewer files read
        if told is not exc:
            message = describe_exception(told, keep, explanation=str(exc), learner_file=learner, rerun=rerun)
        else:
            message = describe_exception(exc, keep, learner_file=learner, rerun=rerun)
    except Exception:  # the learner's exception may break even str(); the verdict must not break with it
        where = format_frames(exc.__traceback__, keep)
        message = (where + "\n" if where else "") + f"{type(exc).__name__} (its message could not be shown)"
    finally:
        told.__traceback__ = original
    from kata.earlier import attribution

    blame = attribution(told, str(learner) if learner is not None else None)
    if blame:
        message = f"{blame}\n{message}"
    return ("failed" if call.when == "call" else "error"), message


def _remote_failure(exc: BaseException, item: pytest.Item, keep: list[Path]) -> tuple[str, str] | None:
    """Judged mode: a failure that came from the learner's process, told with the learner's frames."""
    from kata.judge.fixture import describe_remote
    from kata.judge.remote import LearnerProcessGone

    if isinstance(exc, LearnerProcessGone):
        return "crashed", str(exc)
    cause = exc if hasattr(exc, "__kata_remote__") else getattr(exc, "__cause__", None) or exc.__context__
    if cause is None or not hasattr(cause, "__kata_remote__"):
        return None
    where = format_frames(exc.__traceback__, keep[:1])
    told = describe_remote(cause)
    pointer = _judged_pointer(told, keep)
    if pointer:
        told = f"{pointer}\n{told}"
    if cause is not exc:  # a check caught the learner's error and failed with its own explanation
        told = f"{told}\n{exc}"
    return "failed", (f"{where}\n{told}" if where else told)


def _judged_pointer(told: str, keep: list[Path]) -> str | None:
    """Judged mode: the learner's process told its own error (it cannot see the solution); when its deepest
    frame is code the solution has too, the trusted side names the function that differs (no re-run here)."""
    from kata.feedback.culprit import enclosing_definition
    from kata.feedback.pointer import culprit_pointer

    if len(keep) < 2:
        return None
    prefix = f"{keep[1]}:"
    lines = [line[len(prefix):].split(" in ", 1)[0] for line in told.splitlines() if line.startswith(prefix)]
    numbers = [int(n) for n in lines if n.isascii() and n.isdigit()]  # the text is the learner's: '²' is a digit
    deepest = enclosing_definition(keep[1], numbers[-1]) if numbers else None
    return culprit_pointer(keep, keep[1], None, unless=deepest) if deepest else None


def keep_files(item: pytest.Item, state: State) -> list[Path]:
    """The check module, then the learner's file: the only files whose frames a learner sees."""
    path = Path(str(item.path))
    try:
        kept = [path, target_for(path, state)]
    except pytest.UsageError:
        return [path]
    if state.earlier and state.judge_fd is None:  # the learner's own earlier files: their frames are theirs too
        from kata.earlier import current

        resolver = current()
        if resolver is not None and resolver.label == "yours":
            kept += [Path(m.__file__) for m in resolver.modules.values() if m.__file__]
    return kept


def _from_first_kept(tb: TracebackType | None, keep: list[Path]) -> TracebackType | None:
    """`tb` from its first frame in a kept file on: the frames before it (pytest's, pluggy's, the
    plugin's) are never shown, and reading their source for the traceback costs ms a failure."""
    files = {str(p) for p in keep} | {os.path.realpath(p) for p in keep}
    start = tb
    while start is not None and start.tb_frame.f_code.co_filename not in files:
        start = start.tb_next
    return start if start is not None else tb


def quick_report(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport | None:
    """A failed phase's report, built without pytest's formatted traceback (~7 ms a failure, never shown
    when the engine reads the events: the step's message is `classify`'s). None for every other
    outcome, which pytest reports itself."""
    excinfo = call.excinfo
    when = call.when
    if excinfo is None or when == "collect" or isinstance(excinfo.value, (pytest.skip.Exception, BaseExceptionGroup)):
        return None
    sections = [(f"Captured {key} {when}", content) for when, key, content in item._report_sections]
    return pytest.TestReport(item.nodeid, item.location, dict.fromkeys(item.keywords, 1), "failed",
                             excinfo.exconly()[:500], when, sections,
                             call.duration, call.start, call.stop, user_properties=item.user_properties)
