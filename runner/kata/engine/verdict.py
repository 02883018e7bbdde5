"""Turning what was seen of a run into its verdict, in words a learner can act on.

The supervisor collects a run's events and output into a `RunState`; when the child is
gone, `finish` decides the result: the steps as reported, or the death (time-out, memory,
signal, exit code) pinned on the step that was running, with the learner's frames from
faulthandler's dump. Kept apart from the loop that reads the pipes (`kata.engine.supervisor`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kata.contract import (CHECKS_CANNOT_RUN, CRASHED, ERROR, SKIPPED, TIMEOUT, Cause, CheckResult, RunRequest,
                           StepResult, overall_status)
from kata.engine.rlimits import Sandbox
from kata.messages import death_verdict  # noqa: F401  (words for how a process died; re-exported)

INTERNAL_ERROR, USAGE_ERROR = 3, 4  # pytest's exit statuses for its own failures
# How the message of a verdict that is not about the target begins (its `cause` says which).
CHECKS_BROKEN = "The check module could not be loaded"
PYTEST_BROKEN = "kata could not run these checks"


def checks_could_not_run(result: CheckResult) -> bool:
    """True when no target could pass: the check module or pytest itself is broken."""
    return result.cause in CHECKS_CANNOT_RUN


@dataclass
class RunState:
    """What the supervisor has seen of one run so far: its steps, output, and how far it got."""

    result: CheckResult
    step_timeout: float
    sandbox: Sandbox
    oom_before: int  # the sandbox's OOM-kill count when the run started
    memory_mb: int
    memory_marked: bool = False  # a step already carries the memory verdict
    running: int | None = None
    ended: bool = False
    collect_error: str = ""
    output: bytearray = field(default_factory=bytearray)
    dropped: int = 0
    files: set[str] = field(default_factory=set)  # the learner's file and the check module
    exitstatus: int = 0  # pytest's, from the end event
    internal_error: str = ""

    def step(self, index: int) -> StepResult:
        for step in self.result.steps:
            if step.index == index:
                return step
        step = StepResult(index=index, name=f"step {index}", title=f"step {index}")
        self.result.steps.append(step)
        return step


def memory_verdict(memory_mb: int) -> str:
    return (f"your code used more memory than a check allows ({memory_mb} MB for all the processes of the "
            "run together), so the system stopped it")


def finish(run: RunState, status: tuple[int | None, int | None], timed_out: bool, out_of_memory: bool) -> None:
    result = run.result
    result.output = run.output.decode("utf-8", "replace")
    if run.dropped:
        result.output += f"\n… output cut: {run.dropped} more bytes were printed"
    if run.ended and not timed_out and not out_of_memory:
        if run.collect_error:
            result.status, result.cause = ERROR, Cause.CHECKS_BROKEN
            result.message = CHECKS_BROKEN + " (a problem for the course's author):\n" + run.collect_error
        elif run.exitstatus in (INTERNAL_ERROR, USAGE_ERROR):
            # pytest itself (or kata's plugin) failed: never report that as the learner's verdict.
            result.status, result.cause = ERROR, Cause.PYTEST_BROKEN
            tail = (run.internal_error or result.output).strip()[-1500:]
            result.message = (f"{PYTEST_BROKEN} (pytest exit status {run.exitstatus}); "
                              "this is a bug in kata or in the course, not in your code. "
                              "Please report it." + (f"\n{tail}" if tail else ""))
        else:
            result.status = overall_status(result.steps)
            if any(s.cause == Cause.MEMORY_LIMIT for s in result.steps):
                result.cause = Cause.MEMORY_LIMIT
            return
        reason = result.message.splitlines()[0]
        for step in result.steps:  # --json readers see only the steps: each says why it did not run
            if step.outcome == SKIPPED and not step.message:
                step.outcome, step.message, step.cause = ERROR, f"not run: {reason}", result.cause
        return
    cause = Cause.NONE
    if timed_out:
        outcome = TIMEOUT
        why = (f"this step ran past its time limit ({run.step_timeout:g} s) and was stopped; "
               "is there an endless loop, or a very slow computation?")
    elif out_of_memory:
        outcome, cause = CRASHED, Cause.MEMORY_LIMIT
        why = memory_verdict(run.memory_mb)
    else:
        outcome = CRASHED
        why = death_verdict(status)
    if outcome == CRASHED:
        where = crash_location(result.output, [run.files])
        if where:
            why += "\nIt was here:\n" + where
        else:
            tail = result.output.strip()[-1500:]
            if tail:
                why += "\nLast output before it died:\n" + tail
    current = run.step(run.running) if run.running is not None else _first_unrun(result)
    result.status, result.message, result.cause = outcome, why, cause
    if current is None:
        return
    current.outcome, current.message, current.cause = outcome, why, cause
    for step in result.steps:
        if step.outcome == SKIPPED and step is not current and not step.message:
            step.message = f"not run: the check stopped at step {current.index}"
            step.cause = Cause.NOT_RUN


def note_process_limit(run: RunState, refused: int, request: RunRequest) -> None:
    """Say so when the run was refused processes: a fork bomb, or a pool of workers too large."""
    result = run.result
    if not refused or result.passed:
        return
    if result.status == ERROR and result.cause == Cause.PYTEST_BROKEN:
        # pytest broke while the run's processes filled the limit (kata's side of the check child
        # starts none; the copies a fork bomb makes of it run pytest on, each refused in turn):
        # the learner's code did that, and the verdict says so instead of "a bug in kata".
        result.status, result.cause, result.message = CRASHED, Cause.PROCESS_LIMIT, ""
        for step in result.steps:
            if step.cause == Cause.PYTEST_BROKEN:
                step.outcome, step.cause, step.message = CRASHED, Cause.PROCESS_LIMIT, ""
    note = (f"Your code tried to run more than {request.max_processes} processes and threads at once, "
            "the most a check allows; starting more failed.")
    result.message = (result.message + "\n" if result.message else "") + note
    failure = result.first_failure()
    if failure is not None:
        failure.message = (failure.message + "\n" if failure.message else "") + note
    if not result.cause:
        result.cause = Cause.PROCESS_LIMIT


_FAULT_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+) in (?P<func>\S+)')


def crash_location(output: str, file_sets: list[set[str]]) -> str:
    """The learner's frames from faulthandler's dump, most recent last, as `path:line in function`."""
    keep = set().union(*file_sets)
    frames = []
    for line in output.splitlines():
        match = _FAULT_FRAME.match(line)
        if match and match["file"] in keep:
            frames.append(f"{match['file']}:{match['line']} in {match['func']}")
    return "\n".join(reversed(frames))


def _first_unrun(result: CheckResult) -> StepResult | None:
    return next((s for s in result.steps if s.outcome == SKIPPED and not s.message), None)


