"""The CLI's side of the engine: starts the warm worker and asks it for check runs.

Standard library only, so `kata` starts fast and never imports torch itself. It never
parses the learner's file either: that happens only in the limited check child (a huge
submission must cost the child memory, not the CLI). If the worker ever dies, the run in
flight gets a `crashed` verdict and the next run starts a fresh worker.

Every request carries a fresh run id; the client takes only the events stamped with
it (and with the request's exercise and target), and ignores every other line.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from kata import settings
from kata.contract import framing
from kata.contract import CRASHED, Cause, CheckResult, Event, EventKind, RunRequest, StepResult, new_run_id
from kata.course import Exercise
from kata.preload import FIRST_CALL

RUN_SLACK_S = 30.0  # a run's limit: each step's limit, plus this for collection and start-up


@dataclass(frozen=True)
class CheckRequest:
    """One run: the checks of `exercise` against the file `target`."""

    exercise: Exercise
    target: Path
    target_label: str = ""
    seed: int = 0  # the random seed every step starts from; `kata verify` varies it to find flaky steps
    first_failure_only: bool = False  # stop at the first failing step (pytest's --maxfail=1)
    judged: bool = False  # checks in a trusted process, the learner's code in the sandbox (kata grade)
    require_sandbox: bool = False  # judged: refuse to run without bubblewrap
    earlier: str = ""  # which files `earlier(...)` imports: RunRequest.earlier

    def run_request(self, run_id: str | None = None) -> RunRequest:
        """The wire request. Reads the check module (cached), never the target."""
        ex = self.exercise
        steps, check_imports = _check_facts(ex.checks, ex.checks.stat().st_mtime_ns)
        return RunRequest(
            run_id=run_id or new_run_id(),
            id=ex.id,
            name=ex.name,
            checks=str(ex.checks),
            target=str(self.target),
            target_label=self.target_label or str(self.target),
            rootdir=str(ex.root),
            step_timeout=ex.timeout,
            run_timeout=ex.timeout * steps + RUN_SLACK_S,
            # What the target imports, the child reports and the worker preloads from then on. What the
            # checks' first calls import (kata.preload.FIRST_CALL) is added to a manifest's own list too.
            preload=tuple(sorted({*(ex.preload or check_imports), *(check_imports & FIRST_CALL.keys())})),
            seed=self.seed,
            maxfail=1 if self.first_failure_only else 0,
            judged=self.judged,
            require_sandbox=self.require_sandbox,
            earlier=self.earlier,
        )


@functools.lru_cache(maxsize=256)
def _check_facts(checks: Path, mtime_ns: int) -> tuple[int, frozenset[str]]:
    """How many steps a check module has and what it imports; cached while the file is unchanged."""
    from kata.course import step_names

    return max(len(step_names(checks)), 1), frozenset(imported_libraries(checks))


def imported_libraries(*files: Path) -> set[str]:
    """Top-level packages that `files` import at module level, read without running them, and the
    `kata.preload.FIRST_CALL` modules they use (`torch.testing`), whose first call imports more.

    For course files only (check modules): a learner's file is never parsed outside its child.
    """
    import ast

    names: set[str] = set()
    for path in files:
        try:
            tree = ast.parse(Path(path).read_bytes())
        except (OSError, SyntaxError, ValueError):
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
        names |= _first_call_modules(tree)
    return names


def _first_call_modules(tree) -> set[str]:
    """The FIRST_CALL modules `tree` reaches: imported (`from torch.testing import assert_close`,
    `from torch import testing`) or as an attribute of the package's name (`torch.testing.…`, `t.testing.…`
    after `import torch as t`; never `np.testing`)."""
    import ast

    found: set[str] = set()
    for name in FIRST_CALL:
        package, last = name.rsplit(".", 1)  # "torch.testing" -> "torch", "testing"
        aliases = {alias.asname or package for node in ast.walk(tree) if isinstance(node, ast.Import)
                   for alias in node.names  # `import torch.nn` binds `torch` too
                   if alias.name == package or (alias.asname is None and alias.name.startswith(package + "."))}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr == last and isinstance(node.value, ast.Name)
                    and node.value.id in aliases):
                found.add(name)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module and (
                    node.module == name or node.module.startswith(name + ".")
                    or (node.module == package and any(alias.name == last for alias in node.names))):
                found.add(name)
            elif isinstance(node, ast.Import) and any(
                    alias.name == name or alias.name.startswith(name + ".") for alias in node.names):
                found.add(name)
    return found


def crashed_result(request: RunRequest) -> CheckResult:
    return CheckResult(
        id=request.id, name=request.name, target=request.label, status=CRASHED, cause=Cause.WORKER_CRASHED,
        steps=[StepResult(index=1, name="worker", title="the kata worker", outcome=CRASHED,
                          cause=Cause.WORKER_CRASHED)],
        message="The kata worker stopped while this check ran; it will restart on the next check. Code that "
                "kills or signals other processes (os.kill, os.killpg, signal.pthread_kill) stops it: if yours "
                "does, remove that. Otherwise set KATA_DEBUG=1 to see the worker's errors.",
    )


def _not_dumpable() -> None:
    """Learner code runs as the same user: keep it from opening this process's pipes (its stdout,
    a grader's JSON) through /proc/<pid>/fd. Linux only; root can still."""
    if sys.platform.startswith("linux"):
        from kata import procs  # not `sandbox`: a command of the shared engine needs no cgroup code

        procs.not_dumpable()


class Engine:
    """A handle on the warm worker. Use as a context manager, or call `close()`."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self._proc: subprocess.Popen | None = None
        self._env = dict(env or {})  # extra environment for the worker, e.g. one torch thread per engine
        self.limits = ""  # the worker's limits for a run, as it described them when it started

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def worker_pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self) -> None:
        """Start the worker and wait until it is warm."""
        if self._proc is not None and self._proc.poll() is None:
            return
        _not_dumpable()
        env = dict(os.environ, **self._env)
        runner_dir = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = runner_dir + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        debug = settings.debug()
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "kata.engine.worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None if debug else subprocess.DEVNULL,
            env=env, text=True, bufsize=1,
        )
        while True:
            event = self._read()
            if event is None or event.kind == EventKind.READY:
                break
        if event is None:
            self.close()
            raise RuntimeError("the kata worker did not start")
        self.limits = event.limits

    def _read(self) -> Event | None:
        """The next well-formed event from the worker; None at end of file. Garbage is skipped."""
        assert self._proc is not None and self._proc.stdout is not None
        while True:
            line = self._proc.stdout.readline()
            if not line:
                return None
            try:
                event = Event.from_wire(framing.parse(line))
            except framing.FrameError:
                continue
            if event is not None:
                return event

    def check(self, request: CheckRequest, on_event: Callable[[Event], None] | None = None) -> CheckResult:
        """Run one check; `on_event` sees each step's event as soon as it ends."""
        return self.run(request.run_request(), on_event)

    def run(self, wire: RunRequest, on_event: Callable[[Event], None] | None = None) -> CheckResult:
        """Run one wire request (the shared engine's daemon receives them already built)."""
        try:
            self.start()
            assert self._proc is not None and self._proc.stdin is not None
            # The leading newline ends any partial line left in the pipe (see the worker's reply).
            self._proc.stdin.write(framing.line(wire.to_wire()).decode())
            self._proc.stdin.flush()
            while True:
                event = self._read()
                if event is None:
                    break
                if not event.belongs_to(wire):
                    continue  # another run's, or forged: never this run's verdict
                if event.kind == EventKind.RESULT and event.result is not None:
                    return event.result
                if event.kind == EventKind.BAD_REQUEST:
                    break
                if on_event is not None:
                    on_event(event)
        except (OSError, RuntimeError, ValueError):
            pass
        self.close()
        return crashed_result(wire)

    def interrupt(self) -> None:
        """End the run in flight from another thread: the worker, its stdin closed, ends the run
        at once and exits; `run` then returns a `crashed` verdict and the next run starts afresh."""
        proc = self._proc
        try:
            if proc is not None and proc.stdin is not None:
                proc.stdin.close()
        except (OSError, ValueError):
            pass

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin:
                proc.stdin.close()
            proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        if proc.returncode != 0:
            # Killed, perhaps mid-run: what its last run started may still be alive in its cgroup.
            from kata.engine import sandbox

            sandbox.remove_stale()
