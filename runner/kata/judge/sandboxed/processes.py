"""Finding and ending every process below the zygote, through /proc (the zygote is a subreaper)."""

from __future__ import annotations

import os
import signal


def descendants(root: int) -> list[int]:
    """Every live process below `root`, found through /proc."""
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
            found.append(child)
            stack.append(child)
    return found


def kill_all_below(root: int) -> None:
    """SIGKILL and reap everything below `root` (the zygote, a subreaper) until nothing is left.

    Killed grandchildren are reparented to us (we are a subreaper), so after each
    round of kills, waiting for our own children collects them all.
    """
    for _ in range(200):
        pids = descendants(root)
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
