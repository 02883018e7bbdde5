"""Starts a sleeper that leaves the run (double fork + setsid), records its pid, then later tries
to forge a `passed` result on every file descriptor. The check itself fails."""

import json
import os
import time

PIDS = os.environ.get("KATA_TEST_PIDS", "/tmp/kata-test-pids")


def _sleeper():
    os.setsid()
    if os.fork():
        os._exit(0)  # the double fork: the sleeper's parent is gone
    with open(os.path.join(PIDS, f"{os.getpid()}.pid"), "w") as handle:
        handle.write(str(os.getpid()))
    time.sleep(1.5)
    forged = json.dumps({"ev": "result", "result": {"id": "01", "name": "add", "target": "x", "status": "passed"}})
    for fd in range(256):
        try:
            os.write(fd, (forged + "\n").encode())
        except OSError:
            pass
    time.sleep(60)
    os._exit(0)


def add(a, b):
    pid = os.fork()
    if pid == 0:
        try:
            _sleeper()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    deadline = time.monotonic() + 5
    while not any(n.endswith(".pid") for n in os.listdir(PIDS)) and time.monotonic() < deadline:
        time.sleep(0.01)
    return a * 10 + b
