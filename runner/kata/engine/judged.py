"""The worker's side of a judged run (`kata grade`): the checks in a forked child as usual, the
learner's code in the judge's sandbox, reached over a socket only that child holds.

Its own module so the worker's loop stays about ordinary runs; see kata.judge for the rest.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable, Protocol

from kata.contract import ERROR, Cause, CheckResult, RunRequest
from kata.engine.process import Child
from kata.engine.sandbox import Sandbox
from kata.engine.verdict import memory_verdict
from kata.preload import FIRST_CALL

if TYPE_CHECKING:
    from kata.judge.sandbox import Sandbox as JudgeSandbox


class Worker(Protocol):
    """What a judged run needs of `kata.engine.worker.Worker` (which imports this module)."""

    sandbox: Sandbox

    def preload(self, names: set[str] | tuple[str, ...]) -> None: ...

    def run(self, request: RunRequest, judge_fd: int | None = None,
            before_supervise: Callable[[], None] | None = None) -> tuple[CheckResult, Child]: ...


def sandbox_failure(request: RunRequest, why: str, whole_grade: bool) -> CheckResult:
    """A judged run whose sandbox failed: an error that names the grader's next step.

    A sandbox that cannot start at all stops every run (the checks cannot run); one that failed
    a single run (it stopped answering and was replaced) costs only that run its verdict.
    """
    cause = Cause.PYTEST_BROKEN if whole_grade else Cause.WORKER_CRASHED
    return CheckResult(id=request.id, name=request.name, target=request.label, status=ERROR,
                       message=why, cause=cause.value)


class JudgedMode:
    """The worker's judged runs (`kata grade`): the judge's sandbox, started on first use and kept
    for the next judged run, and each run through it. The worker owns one and closes it."""

    def __init__(self) -> None:
        self.judge: "JudgeSandbox | None" = None

    def run(self, worker: Worker, request: RunRequest) -> CheckResult:
        return _judged_run(self, worker, request)

    def close(self) -> None:
        judge, self.judge = self.judge, None
        if judge is not None:
            judge.close()


def _judged_run(mode: JudgedMode, worker: Worker, request: RunRequest) -> CheckResult:
    """Run `request` judged: start (or reuse) the judge's sandbox, open a run in it, supervise the check child."""
    from kata.judge.sandbox import Sandbox as JudgeSandbox
    from kata.judge.sandbox import SandboxError

    from kata.engine.sandbox import make_judge_limits

    if mode.judge is None or mode.judge.require_bwrap != request.require_sandbox:
        mode.close()
        mode.judge = JudgeSandbox(require_bwrap=request.require_sandbox, make_limits=make_judge_limits)
    judge = mode.judge
    # No torch here unless the checks or a target named it: the judge's side (kata.judge.mirror)
    # imports it when a tensor first crosses, and the check child preloads what the target names.
    try:
        # What the course's checks name, and numpy on both sides whatever is named (see Worker.preload):
        # the learner's generator then exists before the first state arrives, so a draw through scipy
        # follows the step's seed. Never what earlier targets imported: the zygote serves every student,
        # and each run loads what its own target names, in its own process (server.preload_imports).
        # What a check's first call imports (kata.preload.FIRST_CALL) concerns the checks: the worker only.
        judge.preload(sorted({name for name in request.preload if name not in FIRST_CALL} | {"numpy"}))
        sock = judge.open_run(request.memory_mb, math.ceil(request.run_timeout) + 5)
        # Read after open_run, which may start the zygote or replace it (the last run left processes
        # behind): the run's cleanup kills every child of the worker but this one.
        worker.sandbox.spared = {judge.pid} if judge.pid else set()
    except SandboxError as exc:
        judge.close()
        return sandbox_failure(request, str(exc), exc.whole_grade)
    ooms = judge.oom_kills()
    try:
        result, _ = worker.run(request, judge_fd=sock.fileno(), before_supervise=sock.close)
    finally:
        sock.close()
        try:
            judge.end_run()
        except SandboxError:
            judge.close()
    result.isolation = f"{judge.isolation}; {judge.limits_text}"
    if judge.oom_kills() > ooms:  # a process of the learner's was killed for memory, maybe a helper
        step = result.first_failure()
        if step is not None:
            step.message = f"{memory_verdict(request.memory_mb)}\n{step.message}"
            step.cause = Cause.MEMORY_LIMIT.value
        result.cause = Cause.MEMORY_LIMIT.value
    return result
