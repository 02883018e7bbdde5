"""Process plumbing shared by the worker, its sandboxes and the client: prctl, /proc walks, reaping.

Split from the sandbox so both sandbox kinds, the worker's fork code and the client's cleanup use
one copy. Linux-only calls fail soft (they return False) elsewhere. Standard library only.
"""

from __future__ import annotations

import ctypes
import os
import signal
from pathlib import Path

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NAME = 15
PR_SET_CHILD_SUBREAPER = 36


def _libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def prctl(option: int, value: int | bytes) -> bool:
    libc = _libc()
    try:
        return libc is not None and libc.prctl(option, value, 0, 0, 0) == 0
    except AttributeError:
        return False


def become_subreaper() -> bool:
    """Orphans of this process's descendants become its children (Linux ≥ 3.4)."""
    return prctl(PR_SET_CHILD_SUBREAPER, 1)


def not_dumpable() -> bool:
    """Other processes of the same user (learner code) may no longer open this one's files through
    /proc/<pid>/fd, read its memory or ptrace it; the check children inherit it. Root still can."""
    return prctl(PR_SET_DUMPABLE, 0)


def name_process(name: str) -> bool:
    """Set this process's name as `ps`, `pgrep` and /proc/<pid>/comm show it (15 bytes at most)."""
    return prctl(PR_SET_NAME, name.encode()[:15])


def read_text(path: Path | str) -> str:
    with open(path) as handle:
        return handle.read()


def start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot: with its pid, a name no other process has."""
    try:
        stat = read_text(f"/proc/{pid}/stat")
    except OSError:
        return None
    return stat.rpartition(")")[2].split()[19]


def pid_namespace() -> str:
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return "0"


def children(pid: int | None = None) -> set[int]:
    """The live and zombie children of process `pid` (default: this one), from /proc."""
    pid = pid or os.getpid()
    found: set[int] = set()
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            found.update(int(p) for p in read_text(f"/proc/{pid}/task/{task}/children").split())
        except (OSError, ValueError):
            continue
    return found


def reap() -> None:
    """Collect every child that has exited (the subreaper's zombies)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_all(pids: set[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
