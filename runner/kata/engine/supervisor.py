"""Watches one check child: streams its step events, enforces limits, names how it died.

The parent side of isolation. A step that runs past its limit is reported as
timed out and the child's whole process group is killed; output is capped; a
child that dies by signal or exit code gets a verdict in plain words. Learner
code can never take the supervisor down with it.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kata.results import (CRASHED, ERROR, PASSED, SKIPPED, TIMEOUT, CheckResult, StepResult,
                          overall_status)

MAX_OUTPUT = 64 * 1024
INTERNAL_ERROR, USAGE_ERROR = 3, 4  # pytest's exit statuses for its own failures
# How a verdict that is not about the target begins: the checks themselves could not run.
CHECKS_BROKEN = "The check module could not be loaded"
PYTEST_BROKEN = "kata could not run these checks"


def checks_could_not_run(result: CheckResult) -> bool:
    """True when no target could pass: the check module or pytest itself is broken."""
    return result.message.startswith((CHECKS_BROKEN, PYTEST_BROKEN))
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


def supervise(child: Child, events_fd: int, output_fd: int, request: dict,
              on_event: Callable[[dict], None] | None = None) -> CheckResult:
    """Follow `child` to the end and return its verdict. Closes both fds."""
    started = time.monotonic()
    run = _Run(
        result=CheckResult(id=request.get("id", ""), name=request.get("name", ""),
                           target=request.get("target_label", request["target"])),
        step_timeout=float(request.get("step_timeout", 10.0)),
        files={str(Path(request["target"]).resolve()), str(Path(request["checks"]).resolve())},
    )
    run_deadline = started + float(request.get("run_timeout", 120.0))
    progress_deadline = started + STARTUP_S
    timed_out = False
    selector = selectors.DefaultSelector()
    selector.register(events_fd, selectors.EVENT_READ, "events")
    selector.register(output_fd, selectors.EVENT_READ, "output")
    pending = b""
    open_fds = 2
    try:
        while open_fds:
            now = time.monotonic()
            deadline = min(run_deadline, progress_deadline)
            if now >= deadline:
                timed_out = True
                child.kill()
                break
            for key, _ in selector.select(timeout=min(deadline - now, 0.5)):
                data = os.read(key.fd, 65536)
                if not data:
                    selector.unregister(key.fd)
                    open_fds -= 1
                    continue
                pending, events = _take(run, key.data, data, pending)
                if events:
                    progress_deadline = time.monotonic() + (
                        run.step_timeout + GRACE_S if run.running is not None else STARTUP_S)
                for event in events:
                    if on_event is not None:
                        on_event(event)
            if open_fds and child.poll() is not None:
                # The child is gone but something (a grandchild) may hold the pipes open.
                pending = _drain(selector, run, pending)
                break
    finally:
        selector.close()
        for fd in (events_fd, output_fd):
            try:
                os.close(fd)
            except OSError:
                pass
    child.kill()  # its process group: no grandchild survives
    status = child.wait()
    run.result.duration_s = time.monotonic() - started
    _finish(run, status, timed_out)
    return run.result


def _drain(selector: selectors.BaseSelector, run: _Run, pending: bytes) -> bytes:
    """Read what a dead child left in its pipes, without waiting on a grandchild."""
    while True:
        ready = selector.select(timeout=0.05)
        if not ready:
            return pending
        for key, _ in ready:
            try:
                data = os.read(key.fd, 65536)
            except OSError:
                data = b""
            if not data:
                selector.unregister(key.fd)
                continue
            pending, _ = _take(run, key.data, data, pending)
        if not selector.get_map():
            return pending


def _take(run: _Run, stream: str, data: bytes, pending: bytes) -> tuple[bytes, list[dict]]:
    """Take one chunk from the child: output is kept (capped); whole event lines are applied.

    Returns the unfinished tail of the event stream and the events applied.
    """
    if stream == "output":
        _keep_output(run, data)
        return pending, []
    *lines, pending = (pending + data).split(b"\n")
    events = [event for event in map(_parse, lines) if event is not None]
    for event in events:
        _apply(run, event)
    return pending, events


def _parse(line: bytes) -> dict | None:
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) else None


def _keep_output(run: _Run, data: bytes) -> None:
    room = MAX_OUTPUT - len(run.output)
    if room > 0:
        run.output += data[:room]
    run.dropped += max(len(data) - max(room, 0), 0)


def _apply(run: _Run, event: dict) -> None:
    kind = event.get("ev")
    if kind == "collected":
        run.result.steps = [StepResult(index=s["index"], name=s["name"], title=s["title"]) for s in event["steps"]]
    elif kind == "start":
        run.running = int(event["index"])
    elif kind == "step":
        step = run.step(int(event["index"]))
        step.outcome = event.get("outcome", ERROR)
        step.message = event.get("message", "")
        step.duration_s = float(event.get("duration_s", 0.0))
        step.output = event.get("output", "")
        run.running = None
    elif kind == "collect_error":
        run.collect_error = event.get("message", "")
    elif kind == "internal_error":
        run.internal_error = event.get("message", "")
    elif kind == "end":
        run.ended = True
        run.exitstatus = int(event.get("exitstatus", 0))


def _finish(run: _Run, status: tuple[int | None, int | None], timed_out: bool) -> None:
    result = run.result
    result.output = run.output.decode("utf-8", "replace")
    if run.dropped:
        result.output += f"\n… output cut: {run.dropped} more bytes were printed"
    if run.ended and not timed_out:
        if run.collect_error:
            result.status = ERROR
            result.message = CHECKS_BROKEN + " (a problem for the course's author):\n" + run.collect_error
        elif run.exitstatus in (INTERNAL_ERROR, USAGE_ERROR):
            # pytest itself (or kata's plugin) failed: never report that as the learner's verdict.
            result.status = ERROR
            tail = (run.internal_error or result.output).strip()[-1500:]
            result.message = (f"{PYTEST_BROKEN} (pytest exit status {run.exitstatus}); "
                              "this is a bug in kata or in the course, not in your code. "
                              "Please report it." + (f"\n{tail}" if tail else ""))
        else:
            result.status = overall_status(result.steps)
            return
        reason = result.message.splitlines()[0]
        for step in result.steps:  # --json readers see only the steps: each says why it did not run
            if step.outcome == SKIPPED and not step.message:
                step.outcome, step.message = ERROR, f"not run: {reason}"
        return
    if timed_out:
        outcome = TIMEOUT
        why = (f"this step ran past its time limit ({run.step_timeout:g} s) and was stopped; "
               "is there an endless loop, or a very slow computation?")
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
    if current is None:
        result.status = outcome
        result.message = why
        return
    current.outcome, current.message = outcome, why
    for step in result.steps:
        if step.outcome == SKIPPED and step is not current and not step.message:
            step.message = f"not run: the check stopped at step {current.index}"
    result.status = outcome
    result.message = why


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


__all__ = ["Child", "supervise", "death_verdict", "PASSED"]
