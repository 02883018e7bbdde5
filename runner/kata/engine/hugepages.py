"""The warm worker's anonymous memory in transparent huge pages, so each fork and exit is cheap.

Importing torch leaves a worker with ~300 MB of anonymous memory (Python's heap, the .bss of
CUDA libraries). A fork copies one page-table entry per 4 KB page of it, and the child's exit
drops them again: 10-40 ms each on this machine, the exit on the path from save to verdict.
Backed by 2 MB pages, the same memory has 512 times fewer entries. `collapse` asks the kernel
for that (MADV_HUGEPAGE, then MADV_COLLAPSE, Linux 6.1+), a chunk at a time; anywhere it is
not supported, nothing changes.
"""

from __future__ import annotations

import ctypes
from typing import Callable

MADV_HUGEPAGE, MADV_COLLAPSE = 14, 25
HUGE = 2 * 1024 * 1024
CHUNK = 2 * HUGE  # one MADV_COLLAPSE call cannot be interrupted: small, so a request waits little


def _madvise() -> Callable[[int, int, int], int] | None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.madvise
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    function.restype = ctypes.c_int
    return function


def anonymous_ranges() -> list[tuple[int, int]]:
    """This process's private writable anonymous mappings (and its heap), cut to whole huge pages."""
    found: list[tuple[int, int]] = []
    try:
        with open("/proc/self/maps") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return found
    for line in lines:
        parts = line.split()
        name = parts[5] if len(parts) > 5 else ""
        if parts[1][:2] != "rw" or parts[1][3] != "p" or name not in ("", "[heap]"):
            continue
        start, end = (int(x, 16) for x in parts[0].split("-"))
        low, high = (start + HUGE - 1) & ~(HUGE - 1), end & ~(HUGE - 1)
        if high > low:
            found.append((low, high))
    return found


def collapse(stop: Callable[[], bool] = lambda: False) -> bool:
    """Back the anonymous memory by huge pages, a chunk at a time, until done or `stop()` says so.

    Returns False when nothing could be collapsed (no THP, no MADV_COLLAPSE): no need to try again.
    A range the kernel refuses (a thread's stack, a malloc arena's guard pages) is skipped.
    """
    madvise = _madvise()
    if madvise is None:
        return False
    done = False
    for low, high in anonymous_ranges():
        if madvise(low, high - low, MADV_HUGEPAGE) != 0:
            continue
        for start in range(low, high, CHUNK):
            if stop():
                return True
            done = madvise(start, min(CHUNK, high - start), MADV_COLLAPSE) == 0 or done
    return done
