"""The warm worker: pays for torch and pytest once, then runs each check in a fresh child.

Protocol (`kata.contract`): one `RunRequest` JSON line per run on stdin; `Event` JSON
lines on stdout, each stamped with the run's id, exercise and target, ending each
run with a `result` event. The worker imports torch but must never compute with it:
a child forked from a parent that ran a multi-threaded torch op hangs. `gc.freeze()`
after warming keeps pytest's final `gc.collect` in each child from walking the
worker's whole heap.

Isolation of each run (see docs/security.md): the child joins the worker's cgroup
(or gets rlimits), keeps only its own pipes, and when the run ends the worker, a
child subreaper, kills and reaps everything the run started. Then, idle, it forks
the next run's child ahead of time (`kata.engine.standby`).
"""

from __future__ import annotations

import gc
import math
import os
import select
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from _pytest.main import Session

from kata import settings
from kata.contract import framing
from kata.contract import (DEFAULT_CPU_CORES, DEFAULT_MAX_PROCESSES, DEFAULT_MEMORY_MB, DEFAULT_RUN_TIMEOUT_S,
                           CheckResult, Event, EventKind, RunRequest)
from kata.engine import hugepages
from kata.engine import sandbox as sandbox_mod
from kata.engine import session as session_mod
from kata.engine.judged import JudgedMode
from kata.engine.launch import CAN_FORK, start_child
from kata.preload import PRELOADABLE, preload
from kata.engine.process import Child
from kata.engine.sandbox import SANDBOX_FAILED, Limits, Sandbox
from kata.engine.standby import Standby
from kata.engine.supervisor import supervise
from kata.engine.trace import mark

CPU_SLACK_S = 5  # RLIMIT_CPU of a run's processes: its time limit plus this
COLLAPSE_FIRST_S = 0.05  # idle time for huge pages before the standby is forked (see Worker.idle)

WARMUP_CHECK = '''
def test_warm(exercise):
    """warm-up"""
    assert exercise.VALUE == 1
'''


def warm_up() -> None:
    """Import everything a check needs and run pytest once, so each fork starts hot."""
    import pytest  # noqa: F401
    import pytest_timeout  # noqa: F401

    import kata.expect  # noqa: F401
    import kata.plugin  # noqa: F401

    if not CAN_FORK:
        return
    with tempfile.TemporaryDirectory(prefix="kata-warm-") as tmp:
        check = Path(tmp, "test_00_warm.py")
        check.write_text(WARMUP_CHECK)
        target = Path(tmp, "00_warm.py")
        target.write_text("VALUE = 1\n")
        request = RunRequest(run_id="warm-up", id="00", name="warm", checks=str(check), target=str(target),
                             step_timeout=30, rootdir=tmp)
        saved = sys.stdout
        sys.stdout = open(os.devnull, "w")
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            # --confcutdir: pytest collects every folder from there down to the check, listing each
            # one whole; without it that starts at /tmp (0.3 s of CPU where /tmp holds 2,000 entries)
            pytest.main(session_mod.pytest_args(request, events_fd=null) + [f"--confcutdir={tmp}"])
        except BaseException:  # warming is an optimisation, never a reason to fail
            pass
        finally:
            os.close(null)
            sys.stdout.close()
            sys.stdout = saved
    gc.collect()
    gc.freeze()


def _pending() -> bool:
    """Whether the client has written again (a request, or closed our stdin): idle work must yield."""
    try:
        return bool(select.select([0], [], [], 0)[0])
    except (OSError, ValueError):
        return True


def limits_for(request: RunRequest | None) -> Limits:
    """The sandbox limits of a run (the contract's defaults without a request)."""
    if request is None:
        return Limits(DEFAULT_MEMORY_MB, DEFAULT_MAX_PROCESSES, DEFAULT_CPU_CORES,
                      math.ceil(DEFAULT_RUN_TIMEOUT_S) + CPU_SLACK_S)
    return Limits(memory_mb=request.memory_mb, max_processes=request.max_processes, cpu_cores=request.cpu_cores,
                  cpu_seconds=math.ceil(request.run_timeout) + CPU_SLACK_S)


class Worker:
    """The worker's state between runs: its sandbox, sessions, the libraries learned from targets."""

    def __init__(self, reply: Callable[[Event], None]) -> None:
        self.reply = reply
        self.sandbox = sandbox_mod.create(limits_for(None))
        self.learned: set[str] = set()  # preloadable libraries that checked targets import
        self.judged = JudgedMode()  # judged runs: the judge's sandbox (the learner's side), started on first use
        self.sessions: dict[str, "Session | None"] = {}  # course folder -> its started pytest session
        self.generation = 0  # bumped whenever a fork would inherit something new (libraries, a session)
        self.standby = Standby()
        self.huge_pages = not settings.current().no_huge_pages  # False once the kernel says it cannot
        self.forks_ahead = not settings.current().no_standby  # off: every run forks at its request
        self.unsettled: list[Callable[[], object]] = []  # the last run's reaping, done once its verdict is out

    def prepared_session(self, request: RunRequest) -> "Session | None":
        """The started pytest session for this request's course, prepared once per course."""
        if not CAN_FORK:
            return None
        rootdir = request.rootdir or str(Path(request.checks).parent)
        if rootdir not in self.sessions:
            saved = sys.stdout, sys.stderr
            try:
                self.sessions[rootdir] = session_mod.prepare_course(rootdir)
            except BaseException:  # fall back to a full pytest.main in the child
                self.sessions[rootdir] = None
            finally:
                sys.stdout, sys.stderr = saved  # capture=sys swapped them; the worker keeps its own
            self._frozen()
        return self.sessions[rootdir]

    def _frozen(self) -> None:
        """Freeze what was just loaded too, or each child's gc walks it; forks made before are stale."""
        gc.collect()
        gc.freeze()
        self.generation += 1

    def preload(self, names: set[str] | tuple[str, ...]) -> None:
        """Import these libraries and those learned from targets, once per worker, before forking.

        numpy always (~0.1 s, once): the plugin seeds its generator in every step (and, judged,
        kata.judge.rng sends that state to the learner's process), so a learner's numpy draws follow
        the step's seed even when numpy reaches them through a library no import line names (scipy),
        whatever the checks and earlier targets imported."""
        if preload(sorted(set(names) | self.learned | {"numpy"})):
            self._frozen()

    def check(self, request: RunRequest) -> CheckResult:
        mark("request")
        self.settle()
        self.preload(request.preload)
        self.sandbox.configure(limits_for(request))
        if request.judged:
            self.standby.discard()
            return self.judged.run(self, request)
        result, handle = self.run(request)
        if handle.status == (SANDBOX_FAILED, None) and not result.steps and not self.sandbox.probe():
            # The cgroup cannot be joined any more (removed under us?): rlimits from now on, and run again.
            self.sandbox.close()
            self.sandbox = Sandbox()
            self.sandbox.configure(limits_for(request))
            result, _ = self.run(request)
        return result

    def run(self, request: RunRequest, judge_fd: int | None = None,
            before_supervise: Callable[[], None] | None = None) -> tuple[CheckResult, Child]:
        """One run in a child: the standby when it fits, else a fresh fork; supervised to its verdict."""
        def forward(event: Event) -> None:
            if event.kind == EventKind.IMPORTS:  # remembered, so the next fork has them loaded; never
                if judge_fd is None:  # judged: one student's imports would be loaded for the next
                    self.learned.update(name for name in event.names if name in PRELOADABLE)
            else:
                self.reply(event.stamped(request))

        self.settle()
        oom_before = self.sandbox.oom_kills()
        prepared = self.prepared_session(request)
        started = None
        if judge_fd is None:
            started = self.standby.take(request, self.sandbox, (self.generation,))

        if started is None:
            started = start_child(request, prepared, self.sandbox, judge_fd)
        handle, events_r, output_r = started
        mark("child started")
        if before_supervise is not None:
            before_supervise()  # the worker lets go of the judge's socket: only the check child holds it
        result = supervise(handle, events_r, output_r, request, on_event=forward, sandbox=self.sandbox,
                           oom_before=oom_before, abort_fd=0,
                           settle_later=self.unsettled if judge_fd is None else None)
        return result, handle

    def settle(self) -> None:
        """Reap what the last run left (`supervise`'s settle_later): before anything else happens."""
        while self.unsettled:
            self.unsettled.pop(0)()

    def idle(self, request: RunRequest) -> None:
        """After a run's verdict went out, unless the next request is already here: get the next run
        like it ready. Memory into huge pages (cheaper forks and exits), then a standby child.
        `KATA_NO_STANDBY=1` and `KATA_NO_HUGE_PAGES=1` switch each off (bench/latency.py --machinery)."""
        if not CAN_FORK or request.judged or _pending():
            return
        prepared = self.sessions.get(request.rootdir or str(Path(request.checks).parent))
        if prepared is None:
            return
        if any(name in PRELOADABLE and name not in sys.modules for name in {*request.preload, *self.learned}):
            return  # a library to import first (seconds, for torch): left to the next request, never idle time
        # Huge pages first (the standby's fork and exit are then cheap), but only for a moment: the
        # first collapse after torch loads takes 0.4-1.8 s, and a save arriving before the standby
        # exists would run cold. What is left is collapsed after the fork, for the next one.
        if self.huge_pages:  # again each time: the run's writes split some (a few ms once done)
            until = time.monotonic() + (COLLAPSE_FIRST_S if self.forks_ahead else math.inf)
            self.huge_pages = hugepages.collapse(stop=lambda: _pending() or time.monotonic() > until)
            mark("huge pages")
        if _pending() or not self.forks_ahead:
            return
        self.standby.fork(request, prepared, self.sandbox, (self.generation,))
        mark("standby forked")
        if self.huge_pages:
            hugepages.collapse(stop=_pending)

    def serve(self, requests) -> None:
        for line in requests:
            if not line.strip():
                continue
            try:
                data = framing.parse(line)
            except framing.FrameError as exc:
                self.reply(Event(EventKind.BAD_REQUEST, message=str(exc)))
                continue
            op = data.get("op", "check")
            if op == "ping":
                self.reply(Event(EventKind.PONG, pid=os.getpid(), fork=CAN_FORK, limits=self.sandbox.describe()))
                continue
            if op == "quit":
                return
            try:
                request = RunRequest.from_wire(data)
            except (ValueError, TypeError) as exc:
                # Stamped with whatever the line said it was, so a client waiting on it stops waiting.
                stamp = {k: v for k in ("run_id", "id", "name", "target") if isinstance(v := data.get(k), str)}
                self.reply(Event(EventKind.BAD_REQUEST, message=str(exc), run=stamp.get("run_id", ""),
                                 id=stamp.get("id", ""), name=stamp.get("name", ""), target=stamp.get("target", "")))
                continue
            result = self.check(request)
            self.reply(Event(EventKind.RESULT, result=result).stamped(request))
            mark("verdict sent")
            self.settle()
            self.idle(request)

    def close(self) -> None:
        self.settle()
        self.standby.discard()
        self.judged.close()
        self.sandbox.close()


def main() -> None:
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # only the plugins kata names, each once
    for name in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS"):  # the user's own (-v, --cov) would break every run
        os.environ.pop(name, None)
    # One BLAS thread unless the user set more, as a run's torch gets one (kata.engine.child, .pool):
    # OpenBLAS starts a thread per core when numpy loads here, ~0.1 CPU-s spun by a process that never computes.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the CLI's to handle; it closes our stdin
    sandbox_mod.become_subreaper()  # orphans of a run (setsid, double fork) come back to us, not PID 1
    sandbox_mod.not_dumpable()  # learner code (same user) cannot open our pipes through /proc/<pid>/fd
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # a stray print in the worker can never corrupt the protocol
    os.close(devnull)
    warm_up()

    def reply(event: Event) -> None:
        # The leading newline ends any partial line someone else left in the pipe, so it can
        # never glue onto this one (the client skips blank and malformed lines).
        proto.write(framing.line(event.to_wire()).decode())
        proto.flush()

    worker = Worker(reply)
    try:
        reply(Event(EventKind.READY, pid=os.getpid(), fork=CAN_FORK, limits=worker.sandbox.describe()))
        worker.serve(sys.stdin)
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    finally:
        worker.close()


if __name__ == "__main__":
    main()
