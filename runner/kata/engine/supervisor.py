"""Watches one check child: streams its step events, enforces limits, names how it died.

The parent side of isolation. A step that runs past its limit is reported as
timed out and the child's whole process group is killed; output is capped; a
child that dies by signal or exit code gets a verdict in plain words
(`kata.engine.verdict`). Learner code can never take the supervisor down with it.
"""

from __future__ import annotations

import os
import selectors
import time
from pathlib import Path
from typing import Callable

from kata import settings
from kata.contract import PASSED, CheckResult, Event, RunRequest
from kata.engine.events import MAX_OUTPUT, Lines, at_eof, drain, take
from kata.engine.process import Child
from kata.engine.rlimits import Sandbox
from kata.engine.trace import mark
from kata.engine.verdict import (CHECKS_BROKEN, PYTEST_BROKEN, RunState, checks_could_not_run, crash_location,
                                 death_verdict, finish, memory_verdict, note_process_limit)

__all__ = ["Child", "supervise", "death_verdict", "memory_verdict", "checks_could_not_run", "crash_location",
           "CHECKS_BROKEN", "PYTEST_BROKEN", "MAX_OUTPUT", "PASSED"]

GRACE_S = 3.0  # pytest-timeout fires inside the child first; this is the parent's backstop
STARTUP_S = 30.0  # collecting the check module, before the first step starts
PROFILING = bool(settings.current().profile_dir)  # the child writes its profile after its last event


def supervise(child: Child, events_fd: int, output_fd: int, request: RunRequest,
              on_event: Callable[[Event], None] | None = None, sandbox: Sandbox | None = None,
              oom_before: int = 0, abort_fd: int | None = None,
              settle_later: list[Callable[[], object]] | None = None) -> CheckResult:
    """Follow `child` to the end and return its verdict. Closes both fds.

    When the run ends, everything it started is killed and reaped (`sandbox.end_run`),
    and the verdict names the limits it ran under. `oom_before` is the sandbox's OOM-kill
    count from before the child started. `abort_fd` (the worker's request pipe) reaching
    end of file means the client is gone: the run is killed at once.

    With `settle_later`, a run that ended by its own last word is judged without waiting for
    its exit: the child and all it started are killed, and their reaping is appended there
    for the caller to do after the verdict went out. A killed child of a warm worker takes
    10-20 ms to exit (its page tables), the verdict never depends on how it exited, and the
    next run starts only after the caller settled this one.
    """
    started = time.monotonic()
    sandbox = sandbox if sandbox is not None else Sandbox()
    run = RunState(
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
    reader = Lines()
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
                    aborted = at_eof(key.fd)
                    continue
                data = os.read(key.fd, 65536)
                if not data:
                    selector.unregister(key.fd)
                    open_fds -= 1
                    continue
                events = take(run, key.data, data, reader)
                if events:
                    progress_deadline = time.monotonic() + (
                        run.step_timeout + GRACE_S if run.running is not None else STARTUP_S)
                for event in events:
                    mark(f"event {event.kind.value}")
                    if on_event is not None:
                        on_event(event)
            if run.ended and not PROFILING:
                # The child's last word: all it wrote before is in the pipes already. It is killed
                # now, rather than waited for through pytest's unconfigure and its own exit.
                drain(selector, run, reader, wait_s=0)
                break
            if open_fds and child.poll() is not None:
                # The child is gone but something (a grandchild) may hold the pipes open.
                drain(selector, run, reader)
                break
    finally:
        selector.close()
        for fd in (events_fd, output_fd):
            try:
                os.close(fd)
            except OSError:
                pass
    mark("pipes closed")
    child.kill()  # its process group
    status: tuple[int | None, int | None] = (None, None)  # unused when the run ended by its last word
    if settle_later is not None and run.ended and not (timed_out or aborted):
        sandbox.stop_run(child.pid)  # killed now, reaped after the verdict
        settle_later.append(lambda: _settle(child, sandbox))
    else:
        status = _settle(child, sandbox)
    oom_kills, refused = sandbox.counters()
    run.result.duration_s = time.monotonic() - started
    finish(run, status, timed_out, oom_kills > oom_before and not run.memory_marked)
    if aborted:
        run.result.message = "stopped: the client went away"
    note_process_limit(run, refused, request)
    return run.result


def _settle(child: Child, sandbox: Sandbox) -> tuple[int | None, int | None]:
    """Reap the killed child, then everything else the run started: other groups, sessions, orphans."""
    status = child.wait()
    mark("child reaped")
    sandbox.end_run()
    mark("run ended")
    return status
