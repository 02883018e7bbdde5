"""Watches one check child: streams its step events, enforces limits, names how it died.

The parent side of isolation. A step that runs past its limit is reported as
timed out and the child's whole process group is killed; output is capped; a
child that dies by signal or exit code gets a verdict in plain words. Learner
code can never take the supervisor down with it.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import selectors
import signal
import struct
import subprocess
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kata.contract import (CHECKS_CANNOT_RUN, CHILD_EVENTS, CRASHED, ERROR, PASSED, SKIPPED, TIMEOUT, Cause, CheckResult, Event,
                           EventKind, RunRequest, StepResult, overall_status)
from kata.engine.sandbox import Sandbox

MAX_OUTPUT = 64 * 1024
INTERNAL_ERROR, USAGE_ERROR = 3, 4  # pytest's exit statuses for its own failures
# How the message of a verdict that is not about the target begins (its `cause` says which).
CHECKS_BROKEN = "The check module could not be loaded"
PYTEST_BROKEN = "kata could not run these checks"


def checks_could_not_run(result: CheckResult) -> bool:
    """True when no target could pass: the check module or pytest itself is broken."""
    return result.cause in CHECKS_CANNOT_RUN


GRACE_S = 3.0  # pytest-timeout fires inside the child first; this is the parent's backstop
STARTUP_S = 30.0  # collecting the check module, before the first step starts


class Child:
    """A running check child, forked or spawned, in its own process group."""

    def __init__(self, pid: int, popen: subprocess.Popen | None = None) -> None:
        self.pid = pid
        self.popen = popen
        self.status: tuple[int | None, int | None] | None = None  # (exit code, signal)

    def poll(self) -> tuple[int | None, int | None] | None:
        if self.status is not None:
            return self.status
        if self.popen is not None:
            code = self.popen.poll()
            if code is not None:
                self.status = (code, None) if code >= 0 else (None, -code)
            return self.status
        try:
            pid, raw = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            self.status = (None, None)
            return self.status
        if pid:
            self.status = (os.WEXITSTATUS(raw), None) if os.WIFEXITED(raw) else (None, os.WTERMSIG(raw))
        return self.status

    def kill(self) -> None:
        for kill in (lambda: os.killpg(self.pid, signal.SIGKILL), lambda: os.kill(self.pid, signal.SIGKILL)):
            try:
                kill()
                return
            except (ProcessLookupError, PermissionError, OSError):
                continue

    def wait(self, timeout: float = 5.0) -> tuple[int | None, int | None]:
        end = time.monotonic() + timeout
        while self.poll() is None and time.monotonic() < end:
            time.sleep(0.002)
        if self.status is None:
            self.kill()
            while self.poll() is None:
                time.sleep(0.005)
        return self.status


@dataclass
class _Run:
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


MAX_EVENT_LINE = 4 * 1024 * 1024  # longer event lines are dropped: the worker's memory is not the child's to fill


def supervise(child: Child, events_fd: int, output_fd: int, request: RunRequest,
              on_event: Callable[[Event], None] | None = None, sandbox: Sandbox | None = None,
              oom_before: int = 0, abort_fd: int | None = None) -> CheckResult:
    """Follow `child` to the end and return its verdict. Closes both fds.

    When the run ends, everything it started is killed and reaped (`sandbox.end_run`),
    and the verdict names the limits it ran under. `oom_before` is the sandbox's OOM-kill
    count from before the child started. `abort_fd` (the worker's request pipe) reaching
    end of file means the client is gone: the run is killed at once.
    """
    started = time.monotonic()
    sandbox = sandbox if sandbox is not None else Sandbox()
    run = _Run(
        result=CheckResult(id=request.id, name=request.name, target=request.label, limits=sandbox.describe()),
        step_timeout=float(request.step_timeout),
        sandbox=sandbox, oom_before=oom_before, memory_mb=request.memory_mb,
        files={str(Path(request.target).resolve()), str(Path(request.checks).resolve())},
    )
    run_deadline = started + float(request.run_timeout)
    progress_deadline = started + STARTUP_S
    timed_out = aborted = False
    selector = selectors.DefaultSelector()
    selector.register(events_fd, selectors.EVENT_READ, "events")
    selector.register(output_fd, selectors.EVENT_READ, "output")
    if abort_fd is not None:
        selector.register(abort_fd, selectors.EVENT_READ, "abort")
    reader = _Lines()
    open_fds = 2
    try:
        while open_fds and not aborted:
            now = time.monotonic()
            deadline = min(run_deadline, progress_deadline)
            if now >= deadline:
                timed_out = True
                child.kill()
                break
            for key, _ in selector.select(timeout=min(deadline - now, 0.5)):
                if key.data == "abort":
                    selector.unregister(key.fd)
                    aborted = _at_eof(key.fd)
                    continue
                data = os.read(key.fd, 65536)
                if not data:
                    selector.unregister(key.fd)
                    open_fds -= 1
                    continue
                events = _take(run, key.data, data, reader)
                if events:
                    progress_deadline = time.monotonic() + (
                        run.step_timeout + GRACE_S if run.running is not None else STARTUP_S)
                for event in events:
                    if on_event is not None:
                        on_event(event)
            if open_fds and child.poll() is not None:
                # The child is gone but something (a grandchild) may hold the pipes open.
                _drain(selector, run, reader)
                break
    finally:
        selector.close()
        for fd in (events_fd, output_fd):
            try:
                os.close(fd)
            except OSError:
                pass
    child.kill()  # its process group
    status = child.wait()
    sandbox.end_run()  # and everything else the run started: other groups, sessions, orphans
    oom_kills, refused = sandbox.counters()
    run.result.duration_s = time.monotonic() - started
    _finish(run, status, timed_out, oom_kills > oom_before and not run.memory_marked)
    if aborted:
        run.result.message = "stopped: the client went away"
    _note_process_limit(run, refused, request)
    return run.result


def _at_eof(fd: int) -> bool:
    """True when `fd` (a pipe that select called readable) holds no data, i.e. its writer closed it."""
    try:
        buf = fcntl.ioctl(fd, termios.FIONREAD, struct.pack("i", 0))
        return struct.unpack("i", buf)[0] == 0
    except OSError:
        return True


class _Lines:
    """Splits the events stream into lines, dropping any line longer than MAX_EVENT_LINE."""

    def __init__(self) -> None:
        self.pending = b""
        self.skipping = False  # inside an over-long line: drop up to its end

    def feed(self, data: bytes) -> list[bytes]:
        *lines, tail = (self.pending + data).split(b"\n")
        if self.skipping and lines:
            lines, self.skipping = lines[1:], False
        if len(tail) > MAX_EVENT_LINE:
            tail, self.skipping = b"", True
        self.pending = b"" if self.skipping else tail
        return lines


def _drain(selector: selectors.BaseSelector, run: _Run, reader: _Lines) -> None:
    """Read what a dead child left in its pipes, without waiting on a grandchild."""
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        ready = [(key, mask) for key, mask in selector.select(timeout=0.05) if key.data != "abort"]
        if not ready:
            return
        for key, _ in ready:
            try:
                data = os.read(key.fd, 65536)
            except OSError:
                data = b""
            if not data:
                selector.unregister(key.fd)
                continue
            _take(run, key.data, data, reader)
        if not any(key.data != "abort" for key in selector.get_map().values()):
            return


def _take(run: _Run, stream: str, data: bytes, reader: _Lines) -> list[Event]:
    """Take one chunk from the child: output is kept (capped); whole event lines are applied.

    Returns the events applied; a line that is not a well-formed event, or not one a child
    may send (a forged `result`), is ignored.
    """
    if stream == "output":
        _keep_output(run, data)
        return []
    events = [event for event in map(_parse, reader.feed(data)) if event is not None and event.kind in CHILD_EVENTS]
    for event in events:
        _apply(run, event)
    return events


def _parse(line: bytes) -> Event | None:
    try:
        return Event.from_wire(json.loads(line))
    except (ValueError, RecursionError):
        return None


def _keep_output(run: _Run, data: bytes) -> None:
    room = MAX_OUTPUT - len(run.output)
    if room > 0:
        run.output += data[:room]
    run.dropped += max(len(data) - max(room, 0), 0)


MAX_STEPS = 1000  # step events for more steps than that are ignored


def _apply(run: _Run, event: Event) -> None:
    kind = event.kind
    if kind == EventKind.COLLECTED:
        run.result.steps = [StepResult(index=s.index, name=s.name, title=s.title) for s in event.steps[:MAX_STEPS]]
    elif kind == EventKind.START:
        run.running = event.index
    elif kind == EventKind.STEP:
        if len(run.result.steps) >= MAX_STEPS and not any(s.index == event.index for s in run.result.steps):
            return
        step = run.step(event.index)
        step.outcome = event.outcome or ERROR
        step.message = event.message
        step.duration_s = event.duration_s
        step.output = event.output
        step.cause = event.cause
        run.running = None
        if not run.memory_marked and run.sandbox.oom_kills() > run.oom_before:
            # A process of this step was killed for memory (perhaps a helper it started,
            # while the step itself went on): the step's verdict is that, whatever it returned.
            step.outcome, step.message, step.cause = CRASHED, memory_verdict(run.memory_mb), Cause.MEMORY_LIMIT
            run.memory_marked = True
    elif kind == EventKind.COLLECT_ERROR:
        run.collect_error = event.message
    elif kind == EventKind.INTERNAL_ERROR:
        run.internal_error = event.message
    elif kind == EventKind.END:
        run.ended = True
        run.exitstatus = event.exitstatus


def memory_verdict(memory_mb: int) -> str:
    return (f"your code used more memory than a check allows ({memory_mb} MB for all the processes of the "
            "run together), so the system stopped it")


def _finish(run: _Run, status: tuple[int | None, int | None], timed_out: bool, out_of_memory: bool) -> None:
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


def _note_process_limit(run: _Run, refused: int, request: RunRequest) -> None:
    """Say so when the run was refused processes: a fork bomb, or a pool of workers too large."""
    result = run.result
    if not refused or result.passed:
        return
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


def death_verdict(status: tuple[int | None, int | None]) -> str:
    """How a child died, in words a learner can act on."""
    code, sig = status
    if sig is not None:
        if sig == signal.SIGSEGV:
            return "your code crashed Python with a segmentation fault (e.g. ctypes reading a bad address)"
        if sig == signal.SIGKILL:
            return "the check was killed by the system, most likely because your code used too much memory"
        if sig == signal.SIGXCPU:
            return "your code used more CPU time than a check allows, and was stopped"
        if sig == signal.SIGABRT:
            return "your code aborted the Python process (SIGABRT), often a failed check inside a C library"
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        return f"the check process was ended by {name}"
    if code is None:
        return "the check process disappeared"
    return (f"your code ended the check process with exit code {code} (os._exit, or a crash in C code); "
            "a check needs your function to return")


__all__ = ["Child", "supervise", "death_verdict", "memory_verdict", "checks_could_not_run", "PASSED"]
