"""Starting check children, in the worker: a fork per run (or a spawned interpreter), or one ahead of it.

Each child gets two fresh pipes (events, and its stdout/stderr together) and, forked, does
`kata.engine.child.after_fork` before anything else. The spawn fallback (`KATA_NO_FORK=1`, or
no fork on this system) runs `python -m kata.engine.child` in the same sandbox instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING

from kata import settings
from kata.contract import RunRequest
from kata.engine import child as child_mod
from kata.engine.process import Child
from kata.engine.rlimits import SANDBOX_FAILED, Sandbox
from kata.procs import die_with_parent, fork_call

if TYPE_CHECKING:
    from _pytest.main import Session

CAN_FORK = hasattr(os, "fork") and not settings.current().no_fork


def _own_group(pid: int) -> None:
    try:
        os.setpgid(pid, pid)
    except OSError:
        pass


def start_child(request: RunRequest, prepared: "Session | None", sandbox: Sandbox,
                judge_fd: int | None = None) -> tuple[Child, int, int]:
    """Fork (or spawn) a child for one run; returns it with the read ends of its two pipes.

    The child joins the run's sandbox before anything else (or exits with SANDBOX_FAILED),
    then keeps only fd 0 (/dev/null), 1 and 2 (its output pipe), its events pipe and, judged,
    the judge's socket.
    """
    events_r, events_w = os.pipe()
    output_r, output_w = os.pipe()
    worker = os.getpid()
    address_space_mb = sandbox.address_space_mb()
    extra = (judge_fd,) if judge_fd is not None else ()
    if CAN_FORK:
        def body() -> int:  # in the child; what escapes it goes to its stderr (the output pipe)
            child_mod.after_fork(sandbox, worker, output_w, (events_w, *extra))
            return child_mod.run(request, events_w, prepared, address_space_mb, judge_fd)

        pid = fork_call(body)
        _own_group(pid)
        handle = Child(pid)
    else:
        def preexec() -> None:
            try:
                sandbox.enter()
            except OSError:
                os._exit(SANDBOX_FAILED)
            die_with_parent(worker)

        popen = subprocess.Popen(
            [sys.executable, "-m", "kata.engine.child", json.dumps(request.to_wire()), str(events_w),
             str(address_space_mb), *map(str, extra)],
            pass_fds=(events_w, *extra), close_fds=True, stdin=subprocess.DEVNULL, stdout=output_w,
            stderr=output_w, start_new_session=True, preexec_fn=preexec,
        )
        handle = Child(popen.pid, popen)
    os.close(events_w)
    os.close(output_w)
    return handle, events_r, output_r


def fork_standby(prepared: "Session", sandbox: Sandbox, checks: str) -> tuple[Child, int, int, int]:
    """Fork a child that joins the sandbox, collects `checks` and waits for its run (`child.standby`).

    Returns it with the read ends of its events and output pipes and the write end of its go pipe.
    """
    events_r, events_w = os.pipe()
    output_r, output_w = os.pipe()
    go_r, go_w = os.pipe()
    worker = os.getpid()
    def body() -> int:
        child_mod.after_fork(sandbox, worker, output_w, (events_w, go_r), restrict=False)
        return child_mod.standby(prepared, sandbox, checks, events_w, go_r)

    pid = fork_call(body)
    _own_group(pid)
    for fd in (events_w, output_w, go_r):
        os.close(fd)
    return Child(pid), events_r, output_r, go_w
