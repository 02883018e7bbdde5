"""Finding and ending every process below the zygote, through /proc (the zygote is a subreaper)."""

from __future__ import annotations

import os
import signal


def descendants(root: int, spare: frozenset[int] = frozenset()) -> list[int]:
    """Every live process below `root`, found through /proc, but for the subtrees of `spare`."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(b")") + 2:].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    found, stack = [], [root]
    while stack:
        for child in parents.get(stack.pop(), []):
            if child in spare:
                continue
            found.append(child)
            stack.append(child)
    return found


def kill_all_below(root: int, spare: frozenset[int] = frozenset()) -> None:
    """SIGKILL and reap everything below `root` (the zygote, a subreaper) until nothing is left,
    but for `spare` (the next run's learner process, in namespaces of its own, which no run reached).

    Killed grandchildren are reparented to us (we are a subreaper), so after each
    round of kills, waiting for our own children collects them all.
    """
    for _ in range(200):
        pids = descendants(root, spare)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        for pid in pids:
            try:
                os.waitpid(pid, 0)  # ours (directly, or reparented): gone within moments of SIGKILL
            except ChildProcessError:
                pass  # not our child (yet), or reaped by the death reporter
