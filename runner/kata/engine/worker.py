"""The warm worker: pays for torch and pytest once, then runs each check in a fresh child.

Protocol (`kata.contract`): one `RunRequest` JSON line per run on stdin; `Event` JSON
lines on stdout, each stamped with the run's id, exercise and target, ending each
run with a `result` event. The worker imports torch but must never compute with it:
a child forked from a parent that ran a multi-threaded torch op hangs. `gc.freeze()`
after warming keeps pytest's final `gc.collect` in each child from walking the
worker's whole heap.

Isolation of each run (see docs/security.md): the child joins the worker's cgroup
(or gets rlimits), keeps only its own pipes, and when the run ends the worker, a
child subreaper, kills and reaps everything the run started.
"""

from __future__ import annotations

import gc
import json
import math
import os
import resource
import signal
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from kata.judge.sandbox import Sandbox as JudgeSandbox

from kata.contract import (DEFAULT_CPU_CORES, DEFAULT_MAX_PROCESSES, DEFAULT_MEMORY_MB, DEFAULT_RUN_TIMEOUT_S, ERROR,
                           Cause, CheckResult, Event, EventKind, RunRequest)
from kata.engine import child as child_mod
from kata.engine import sandbox as sandbox_mod
from kata.engine.sandbox import SANDBOX_FAILED, Limits, Sandbox
from kata.engine.supervisor import Child, supervise

CAN_FORK = hasattr(os, "fork") and os.environ.get("KATA_NO_FORK") != "1"
CPU_SLACK_S = 5  # RLIMIT_CPU of a run's processes: its time limit plus this

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
            import pytest

            pytest.main(child_mod.pytest_args(request, events_fd=null))
        except BaseException:  # warming is an optimisation, never a reason to fail
            pass
        finally:
            os.close(null)
            sys.stdout.close()
            sys.stdout = saved
    gc.collect()
    gc.freeze()


_sessions: dict[str, object] = {}


def prepared_session(request: RunRequest):
    """The started pytest session for this request's course, prepared once per course."""
    if not CAN_FORK:
        return None
    rootdir = request.rootdir or str(Path(request.checks).parent)
    if rootdir not in _sessions:
        saved = sys.stdout, sys.stderr
        try:
            _sessions[rootdir] = child_mod.prepare_session(rootdir)
        except BaseException:  # fall back to a full pytest.main in the child
            _sessions[rootdir] = None
        finally:
            sys.stdout, sys.stderr = saved  # capture=sys swapped them; the worker keeps its own
        gc.collect()
        gc.freeze()
    return _sessions[rootdir]


def die_with(parent: int) -> None:
    """Have the kernel kill this child when the worker dies (Linux), so none is ever orphaned.

    The child has its own process group, so a Ctrl-C that ends `kata` and its
    worker would otherwise leave a learner's endless loop running on its own.
    """
    if not sandbox_mod.prctl(sandbox_mod.PR_SET_PDEATHSIG, signal.SIGKILL):
        return
    if os.getppid() != parent:  # the worker died before prctl took effect
        os._exit(1)


def _max_fd() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    known = [n for n in (soft, hard, os.sysconf("SC_OPEN_MAX")) if n not in (resource.RLIM_INFINITY, -1)]
    return max(known + [65536])


MAX_FD = _max_fd()


def keep_only(*fds: int) -> None:
    """Close every file descriptor above 2 except `fds` (close_range(2) where the kernel has it)."""
    low = 3
    for fd in sorted(fds):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, MAX_FD)


def start_child(request: RunRequest, prepared, sandbox: Sandbox,
                judge_fd: int | None = None) -> tuple[Child, int, int]:
    """Fork (or spawn) a child for one run; returns it with the read ends of its two pipes.

    The child joins the run's sandbox before anything else (or exits with SANDBOX_FAILED),
    then keeps only fd 0 (/dev/null), 1 and 2 (its output pipe) and its events pipe:
    nothing of the worker's (its protocol pipes above all) is left for learner code to reach.
    """
    events_r, events_w = os.pipe()
    output_r, output_w = os.pipe()
    worker = os.getpid()
    address_space_mb = sandbox.address_space_mb()
    if CAN_FORK:
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 70
            try:
                try:
                    sandbox.enter()
                except OSError:
                    os._exit(SANDBOX_FAILED)
                os.setpgid(0, 0)
                die_with(worker)
                os.dup2(output_w, 1)
                os.dup2(output_w, 2)
                null = os.open(os.devnull, os.O_RDONLY)
                os.dup2(null, 0)  # input() gets EOF instead of hanging; the request pipe is gone
                keep_only(events_w, *([judge_fd] if judge_fd is not None else []))
                code = child_mod.run(request, events_w, prepared, address_space_mb, judge_fd)
            except BaseException:
                traceback.print_exc()
            finally:
                try:
                    sys.stderr.flush()
                finally:
                    os._exit(code)
        try:
            os.setpgid(pid, pid)
        except OSError:
            pass
        handle = Child(pid)
    else:
        def preexec() -> None:
            try:
                sandbox.enter()
            except OSError:
                os._exit(SANDBOX_FAILED)
            die_with(worker)

        popen = subprocess.Popen(
            [sys.executable, "-m", "kata.engine.child", json.dumps(request.to_wire()), str(events_w),
             str(address_space_mb), *([str(judge_fd)] if judge_fd is not None else [])],
            pass_fds=(events_w, *([judge_fd] if judge_fd is not None else [])), close_fds=True, stdin=subprocess.DEVNULL, stdout=output_w, stderr=output_w,
            start_new_session=True, preexec_fn=preexec,
        )
        handle = Child(popen.pid, popen)
    os.close(events_w)
    os.close(output_w)
    return handle, events_r, output_r


def sandbox_failure(request: RunRequest, why: str) -> CheckResult:
    """A judged run that could not start its sandbox: an error that names the grader's next step."""
    return CheckResult(id=request.id, name=request.name, target=request.label, status=ERROR,
                       message=why, cause=Cause.PYTEST_BROKEN.value)


def limits_for(request: RunRequest | None) -> Limits:
    """The sandbox limits of a run (the contract's defaults without a request)."""
    if request is None:
        return Limits(DEFAULT_MEMORY_MB, DEFAULT_MAX_PROCESSES, DEFAULT_CPU_CORES,
                      math.ceil(DEFAULT_RUN_TIMEOUT_S) + CPU_SLACK_S)
    return Limits(memory_mb=request.memory_mb, max_processes=request.max_processes, cpu_cores=request.cpu_cores,
                  cpu_seconds=math.ceil(request.run_timeout) + CPU_SLACK_S)


class Worker:
    """The worker's state between runs: its sandbox and the libraries learned from targets."""

    def __init__(self, reply: Callable[[Event], None]) -> None:
        self.reply = reply
        self.sandbox = sandbox_mod.create(limits_for(None))
        self.learned: set[str] = set()  # preloadable libraries that checked targets import
        self.judge: "JudgeSandbox | None" = None  # judged runs: the learner's side, started on first use

    def check(self, request: RunRequest) -> CheckResult:
        loaded = len(sys.modules)
        child_mod.preload(sorted(set(request.preload) | self.learned))  # once per worker, before forking
        if len(sys.modules) != loaded:  # freeze what was just imported too, or each child's gc walks it
            gc.collect()
            gc.freeze()
        self.sandbox.configure(limits_for(request))
        if request.judged:
            return self._judged(request)
        result, handle = self._run(request)
        if handle.status == (SANDBOX_FAILED, None) and not result.steps and not self.sandbox.probe():
            # The cgroup cannot be joined any more (removed under us?): rlimits from now on, and run again.
            self.sandbox.close()
            self.sandbox = Sandbox()
            self.sandbox.configure(limits_for(request))
            result, _ = self._run(request)
        return result

    def _judged(self, request: RunRequest) -> CheckResult:
        """A judged run: the checks in a forked child as usual, the learner's code in the judge's sandbox."""
        from kata.judge.sandbox import Sandbox as JudgeSandbox
        from kata.judge.sandbox import SandboxError

        if self.judge is None or self.judge.require_bwrap != request.require_sandbox:
            if self.judge is not None:
                self.judge.close()
            self.judge = JudgeSandbox(require_bwrap=request.require_sandbox)
        if "torch" not in sys.modules:  # the judge's side rebuilds tensors and runs remote autograd
            child_mod.preload(["torch"])
            gc.collect()
            gc.freeze()
        try:
            self.judge.preload(sorted(set(request.preload) | self.learned))
            self.sandbox.spared = {self.judge.pid} if self.judge.pid else set()
            sock = self.judge.open_run(request.memory_mb, math.ceil(request.run_timeout) + 5)
        except SandboxError as exc:
            self.judge.close()
            return sandbox_failure(request, str(exc))
        ooms = self.judge.oom_kills()
        try:
            result, _ = self._run(request, judge_fd=sock.fileno(), before_supervise=sock.close)
        finally:
            sock.close()
            try:
                self.judge.end_run()
            except SandboxError:
                self.judge.close()
        result.isolation = f"{self.judge.isolation}; {self.judge.limits_text}"
        if self.judge.oom_kills() > ooms:  # a process of the learner's was killed for memory, maybe a helper
            from kata.engine.supervisor import memory_verdict

            step = result.first_failure()
            if step is not None:
                step.message = f"{memory_verdict(request.memory_mb)}\n{step.message}"
                step.cause = Cause.MEMORY_LIMIT.value
            result.cause = Cause.MEMORY_LIMIT.value
        return result

    def _run(self, request: RunRequest, judge_fd: int | None = None,
             before_supervise: Callable[[], None] | None = None) -> tuple[CheckResult, Child]:
        def forward(event: Event) -> None:
            if event.kind == EventKind.IMPORTS:  # remembered, so the next fork has them loaded
                self.learned.update(name for name in event.names if name in child_mod.PRELOADABLE)
            else:
                self.reply(event.stamped(request))

        oom_before = self.sandbox.oom_kills()
        handle, events_r, output_r = start_child(request, prepared_session(request), self.sandbox, judge_fd)
        if before_supervise is not None:
            before_supervise()  # the worker lets go of the judge's socket: only the check child holds it
        result = supervise(handle, events_r, output_r, request, on_event=forward, sandbox=self.sandbox,
                           oom_before=oom_before, abort_fd=0)
        return result, handle

    def serve(self, requests) -> None:
        for line in requests:
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except ValueError:
                self.reply(Event(EventKind.BAD_REQUEST, message="not JSON"))
                continue
            op = data.get("op", "check") if isinstance(data, dict) else None
            if op == "ping":
                self.reply(Event(EventKind.PONG, pid=os.getpid(), fork=CAN_FORK, limits=self.sandbox.describe()))
                continue
            if op == "quit":
                return
            try:
                request = RunRequest.from_wire(data)
            except (ValueError, TypeError) as exc:
                # Stamped with whatever the line said it was, so a client waiting on it stops waiting.
                stamp = {k: v for k in ("run_id", "id", "name", "target")
                         if isinstance(v := data.get(k), str)} if isinstance(data, dict) else {}
                self.reply(Event(EventKind.BAD_REQUEST, message=str(exc), run=stamp.get("run_id", ""),
                                 id=stamp.get("id", ""), name=stamp.get("name", ""), target=stamp.get("target", "")))
                continue
            result = self.check(request)
            self.reply(Event(EventKind.RESULT, result=result).stamped(request))

    def close(self) -> None:
        if self.judge is not None:
            self.judge.close()
        self.sandbox.close()


def main() -> None:
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # only the plugins kata names, each once
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
        proto.write("\n" + json.dumps(event.to_wire()) + "\n")
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
