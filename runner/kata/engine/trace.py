"""Timestamps of a run's phases across the worker, the child and the supervisor, to see where time goes.

`KATA_TRACE=FILE` appends `<monotonic seconds> <pid> <label>` per mark (CLOCK_MONOTONIC is one clock
for all processes); unset, a mark costs one comparison. bench/latency.py's numbers are end to end;
this says which phase moved them.
"""

from __future__ import annotations

import os
import time

from kata import settings

_FILE = settings.current().trace


def mark(label: str) -> None:
    if not _FILE:
        return
    try:
        fd = os.open(_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError:
        return
    try:
        os.write(fd, f"{time.monotonic():.6f} {os.getpid()} {label}\n".encode())
    finally:
        os.close(fd)
