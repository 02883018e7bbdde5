"""The process layer at the bottom of kata: prctl, /proc, limits, forking, and ending process trees.

The engine (its worker, sandboxes, children and client) and the judge (its trusted side and the
sandboxed zygote and learner processes) use this one copy. It is the only module of kata the
sandboxed judge imports besides its own, so it imports nothing of kata (import-linter checks it)
and only the standard library. Linux-only calls fail soft (they return False or None) elsewhere.
"""

from __future__ import annotations

import os
import resource
import signal
import sys
from pathlib import Path
from typing import Callable

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NAME = 15
PR_SET_CHILD_SUBREAPER = 36


# --- prctl -------------------------------------------------------------------------------------

def _libc():
    import ctypes  # here: reading /proc (a command's start time, an engine's state) needs no ctypes

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


def die_with_parent(parent: int | None = None) -> bool:
    """Have the kernel SIGKILL this process when its parent dies (Linux), so none is ever orphaned.

    With `parent` (the pid it was forked from): if that parent died before prctl took effect,
    exit at once."""
    if not prctl(PR_SET_PDEATHSIG, signal.SIGKILL):
        return False
    if parent is not None and os.getppid() != parent:
        os._exit(1)
    return True


# --- /proc -------------------------------------------------------------------------------------

def read_text(path: Path | str) -> str:
    with open(path) as handle:
        return handle.read()


def stat_fields(pid: int | str = "self") -> list[bytes] | None:
    """The fields of /proc/<pid>/stat after the command name, as bytes (a name is any bytes, a `)`
    too): [0] the state, [1] the parent's pid, [19] the start time. None once the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return None
    return stat[stat.rfind(b")") + 2:].split()


def parent_of(pid: int) -> int | None:
    fields = stat_fields(pid)
    try:
        return int(fields[1]) if fields else None
    except (IndexError, ValueError):
        return None


def start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot: with its pid, a name no other process has."""
    fields = stat_fields(pid)
    try:
        return fields[19].decode() if fields else None
    except IndexError:
        return None


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


def descendants(root: int, spare: frozenset[int] = frozenset()) -> list[int]:
    """Every live process below `root`, found through /proc, but for the subtrees of `spare`."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        ppid = parent_of(int(entry))
        if ppid is not None:
            parents.setdefault(ppid, []).append(int(entry))
    found, stack = [], [root]
    while stack:
        for child in parents.get(stack.pop(), []):
            if child in spare:
                continue
            found.append(child)
            stack.append(child)
    return found


def set_oom_score_adj(value: int) -> bool:
    """How soon the kernel's OOM killer picks this process (-1000 never, 1000 first); inherited."""
    try:
        with open("/proc/self/oom_score_adj", "w") as handle:
            handle.write(str(value))
        return True
    except OSError:
        return False


# --- killing and reaping -----------------------------------------------------------------------

def reap() -> None:
    """Collect every child that has exited (the subreaper's zombies)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def tree(pid: int) -> set[int]:
    """`pid` and every process below it, by walking /proc's children lists down from it (no scan of
    all of /proc, so cheap enough for a run's every end)."""
    found, stack = {pid}, [pid]
    while stack:
        for child in children(stack.pop()) - found:
            found.add(child)
            stack.append(child)
    return found


def kill_all(pids: set[int] | list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def kill_all_below(root: int, spare: frozenset[int] = frozenset()) -> None:
    """SIGKILL and reap everything below `root` (a subreaper: this process) until nothing is left,
    but for the subtrees of `spare` (the judge's next learner process, which no run reached).

    Killed grandchildren are reparented to us (we are a subreaper), so after each
    round of kills, waiting for our own children collects them all.
    """
    for _ in range(200):
        pids = descendants(root, spare)
        if not pids:
            return
        kill_all(pids)
        for pid in pids:
            try:
                os.waitpid(pid, 0)  # ours (directly, or reparented): gone within moments of SIGKILL
            except ChildProcessError:
                pass  # not our child (yet), or reaped by another thread


# --- a fresh child: its fds, its limits ----------------------------------------------------------

def fork_call(body: Callable[[], int], failed: int = 70, report: bool = True) -> int:
    """Fork; the child runs `body` and exits with what it returns (`failed` if it raised, with the
    traceback on its stderr when `report`), never returning. The parent gets the child's pid."""
    pid = os.fork()
    if pid == 0:
        code = failed
        try:
            code = body()
        except BaseException:
            if report:
                import traceback

                traceback.print_exc()
        finally:
            try:
                if report:
                    sys.stderr.flush()
            finally:
                os._exit(code)
    return pid


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


def limit_address_space(extra_mb: int) -> bool:
    """Cap this process's address space `extra_mb` above what is mapped now (RLIMIT_AS), so a memory
    bomb is a MemoryError; whether it was applied. Per process: a run's total is its cgroup's."""
    try:
        with open("/proc/self/status") as handle:
            vm_kb = next(int(line.split()[1]) for line in handle if line.startswith("VmSize:"))
        cap = vm_kb * 1024 + extra_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        return True
    except (OSError, StopIteration, ValueError):
        return False
