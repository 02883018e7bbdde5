"""A check child forked ahead of the next run, so a run starts with its costliest work done.

After each run the worker forks one child that joins the run's sandbox, drops the worker's
fds and collects the check module the last run used (importing it: module-level reference
data is built there), then waits. When the next request names the same check module, in the
same state, the worker sends it the request and supervises it like any other run: fork,
cgroup join (a cgroup migration can wait on an RCU grace period: 2-20 ms), fd closing and
collection are off the path from save to verdict. Any other request discards it.

The standby has run only trusted code (kata, pytest, the course's checks) until its request
comes; it takes the run's rlimits then, and its memory cap after importing what the target
names, as any child does. It is the worker's child, in the cgroup, and dies with the worker;
after a run the worker's `end_run` has killed and reaped everything before a new one is forked.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kata.contract import RunRequest
from kata.engine.go import go_message
from kata.engine.launch import fork_standby
from kata.engine.process import Child
from kata.engine.rlimits import Sandbox

if TYPE_CHECKING:
    from _pytest.main import Session


def fingerprint(checks: str) -> tuple:
    """Names, sizes and times of the files beside the check module: a change to any (the module,
    a conftest.py, a helper) means a standby collected something else than the run would."""
    folder = Path(checks).parent
    try:
        return tuple(sorted((e.name, s.st_size, s.st_mtime_ns, s.st_ino) for e in os.scandir(folder)
                            if e.is_file() and (s := e.stat())))
    except OSError:
        return ()


@dataclass
class _Waiting:
    child: Child
    events_r: int
    output_r: int
    go_w: int
    checks: str
    rootdir: str
    state: tuple  # what the worker had loaded and how its sandbox was when it forked

    def close_fds(self) -> None:
        for fd in (self.events_r, self.output_r, self.go_w):
            try:
                os.close(fd)
            except OSError:
                pass


class Standby:
    """At most one child waiting for a run; the worker owns it."""

    def __init__(self) -> None:
        self.waiting: _Waiting | None = None

    def fork(self, request: RunRequest, prepared: "Session", sandbox: Sandbox, state: tuple) -> None:
        """Fork a standby for a run like `request` (the same check module)."""
        self.discard()
        marks = (state, id(sandbox), fingerprint(request.checks))
        child, events_r, output_r, go_w = fork_standby(prepared, sandbox, request.checks)
        self.waiting = _Waiting(child, events_r, output_r, go_w, request.checks, request.rootdir, marks)

    def take(self, request: RunRequest, sandbox: Sandbox, state: tuple) -> tuple[Child, int, int] | None:
        """The waiting child, started on `request`, with its events and output pipes; None when
        there is none or it collected something else (it is then discarded)."""
        waiting = self.waiting
        if waiting is None:
            return None
        if (request.judged or waiting.checks != request.checks or waiting.rootdir != request.rootdir
                or waiting.state != (state, id(sandbox), fingerprint(request.checks))
                or waiting.child.poll() is not None):
            self.discard()
            return None
        self.waiting = None
        assert sandbox.limits is not None
        message = go_message(request, sandbox.limits, sandbox.address_space_mb())
        try:
            view = memoryview(message)
            while view:
                view = view[os.write(waiting.go_w, view):]
        except OSError:  # it died meanwhile: the supervisor reports how
            pass
        os.close(waiting.go_w)
        return waiting.child, waiting.events_r, waiting.output_r

    def discard(self) -> None:
        """Kill the waiting child, if any. It is reaped with the next run's leftovers (or at close)."""
        waiting, self.waiting = self.waiting, None
        if waiting is None:
            return
        waiting.close_fds()
        try:
            os.killpg(waiting.child.pid, signal.SIGKILL)
        except OSError:
            waiting.child.kill()
        waiting.child.poll()
