"""A run's limits as data, and the sandbox that only has per-process rlimits to enforce them.

The base class of every sandbox: where no cgroup can be made (no permission, no controllers),
each of the run's processes gets rlimits instead, and the result's `limits` says so. The cgroup
sandbox (`kata.engine.cgroup`) extends it. Joining (`join`) and limiting (`restrict`) are two
steps, so a child forked ahead of its run (`kata.engine.standby`) can join early and take its
run's limits once the request is known.
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass

from kata.procs import children, kill_all, reap, tree

SANDBOX_FAILED = 71  # the exit status of a child that could not join its cgroup (no learner code ran)


@dataclass(frozen=True)
class Limits:
    memory_mb: int  # the run's processes together (a cgroup), or each process's extra address space
    max_processes: int
    cpu_cores: float
    cpu_seconds: int  # RLIMIT_CPU of each process: a backstop should one outlive its worker


class Sandbox:
    """The limits of one worker's runs, and the cleanup after each. This base class: rlimits only."""

    kind = "rlimits"

    def __init__(self) -> None:
        self.limits: Limits | None = None
        self.spared: set[int] = set()  # the worker's own long-lived helpers (the judge's sandbox)

    # --- in the worker -----------------------------------------------------------------

    def configure(self, limits: Limits) -> None:
        self.limits = limits

    def describe(self) -> str:
        lim = self.limits
        if lim is None:
            return ""
        procs = "not limited (running as root)" if os.geteuid() == 0 else f"{lim.max_processes} more for this user"
        return (f"rlimits per process: memory {lim.memory_mb} MB, cpu {lim.cpu_seconds} s; "
                f"processes {procs}; no total for the run")

    def address_space_mb(self) -> int:
        """Extra address space each of the run's processes may map, above its size at start."""
        return self.limits.memory_mb if self.limits else 0

    def counters(self) -> tuple[int, int]:
        """(OOM kills, refused forks) so far; a run compares them before and after."""
        return 0, 0

    def oom_kills(self) -> int:
        return 0

    def members(self) -> set[int]:
        return set()

    def stop_run(self, child_pid: int) -> None:
        """SIGKILL the run's child and everything it started, without waiting for any of it to exit
        (`end_run` reaps): what a verdict sent now must not wait for. A process forked during the
        kill is still `end_run`'s, before the next run starts."""
        me = os.getpid()
        kill_all((tree(child_pid) | self.members() | children(me)) - {me} - self.spared)

    def end_run(self) -> None:
        """Kill everything the run left behind (cgroup members, the worker's children) and reap it.

        Call only after the run's main child has been waited for: this reaps any child.
        """
        me = os.getpid()
        for attempt in range(2000):
            left = (self.members() | children(me)) - {me} - self.spared
            if not left:
                return
            kill_all(left)
            reap()
            if attempt:
                time.sleep(0.0005 * min(attempt, 20))

    def probe(self) -> bool:
        """Whether a fresh child can still join the sandbox (a trusted fork that runs nothing else)."""
        return True

    def close(self) -> None:
        pass

    # --- in the child, after the fork, before any learner code ------------------------------

    def enter(self) -> None:
        """Join the run's sandbox and take its limits. Raises OSError when the cgroup cannot be joined."""
        self.join()
        self.restrict()

    def join(self) -> None:
        """Become a member of the run's sandbox (a cgroup); rlimits have nothing to join."""

    def restrict(self) -> None:
        """Lower this process's rlimits to the run's (kept by all it starts)."""
        lim = self.limits
        if lim is None:
            return
        _lower(resource.RLIMIT_CPU, lim.cpu_seconds, lim.cpu_seconds + 5)
        if self.kind == "rlimits" and os.geteuid() != 0 and hasattr(resource, "RLIMIT_NPROC"):
            allowed = _user_processes() + lim.max_processes
            _lower(resource.RLIMIT_NPROC, allowed, allowed)


def _lower(which: int, soft: int, hard: int) -> None:
    try:
        cur_soft, cur_hard = resource.getrlimit(which)
        if cur_hard != resource.RLIM_INFINITY:
            hard = min(hard, cur_hard)
        resource.setrlimit(which, (min(soft, hard), hard))
    except (OSError, ValueError):
        pass


def _user_processes() -> int:
    uid = os.getuid()
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                count += os.stat(f"/proc/{entry}").st_uid == uid
            except OSError:
                continue
    return count
