"""Limits for a whole run, and the end of everything a run started: the sandbox a worker uses.

Each warm worker makes one cgroup (`kata.engine.cgroup`: v2 where its controllers can be
used, else v1's memory, pids and cpu hierarchies) and reuses it for every run: the child
joins it before any learner code, and the run's memory, process count and CPU are limited
for all its processes together. Where no cgroup can be made, per-process rlimits apply
instead (`kata.engine.rlimits`), and the result's `limits` says so.

The worker is a child subreaper, so a process that leaves its run's process group
(setsid) or its parent (a double fork) is reparented to the worker, not to PID 1.
`end_run` kills the cgroup's members and every child of the worker, again until
none is left, and reaps them: when a run ends, nothing it started is alive.

This module picks the sandbox (`create`) and is the one name the rest of kata imports.
Standard library only: the client calls `remove_stale` after its worker died.
"""

from __future__ import annotations

import os

from kata import settings
from kata.engine.cgroup import HEADROOM_MB, CgroupSandbox, cgroup_name, remove_stale, try_v1, try_v2
from kata.procs import (PR_SET_CHILD_SUBREAPER, PR_SET_DUMPABLE, PR_SET_PDEATHSIG, become_subreaper, children,
                               not_dumpable, prctl, reap)
from kata.engine.rlimits import SANDBOX_FAILED, Limits, Sandbox

__all__ = ["HEADROOM_MB", "CgroupSandbox", "remove_stale", "PR_SET_CHILD_SUBREAPER", "PR_SET_DUMPABLE",
           "PR_SET_PDEATHSIG", "become_subreaper", "children", "not_dumpable", "prctl", "reap", "SANDBOX_FAILED",
           "Limits", "Sandbox", "create", "make_judge_limits"]


def create(limits: Limits, role: str = "") -> Sandbox:
    """The best sandbox this machine allows: cgroup v2, else v1, else rlimits.

    `KATA_NO_CGROUP=1` forces rlimits (the tests use it to cover that path).
    """
    if not settings.current().no_cgroup and os.path.exists("/proc/self/cgroup"):
        remove_stale()
        name = cgroup_name(role)
        for attempt in (try_v2, try_v1):
            cgroup = attempt(name)
            if cgroup is None:
                continue
            try:
                cgroup.configure(limits)
                return cgroup
            except OSError:
                cgroup.close()
    sandbox = Sandbox()
    sandbox.configure(limits)
    return sandbox


def make_judge_limits(memory_mb: int, tasks: int) -> Sandbox:
    """The cgroup (or rlimits) of a judge's zygote and all it forks: role `j`, one core, no CPU-time cap."""
    return create(Limits(memory_mb, tasks, 1.0, 10**6), role="j")
