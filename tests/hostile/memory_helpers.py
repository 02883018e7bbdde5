"""Two forked helpers each fill 2 GiB at the same time: 4 GiB in all, above a run's 3 GiB.
Each helper alone stays below the per-process limit."""

import os
import time


def add(a, b):
    helpers = []
    for _ in range(2):
        pid = os.fork()
        if pid == 0:
            try:
                hog = bytearray(b"\x01") * (2 * 1024**3)  # filled: every page is really used
                time.sleep(1)
                del hog
            finally:
                os._exit(0)
        helpers.append(pid)
    for pid in helpers:
        os.waitpid(pid, 0)
    return a + b
