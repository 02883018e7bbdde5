"""Records every file descriptor the check child holds, then answers right."""

import json
import os

PIDS = os.environ.get("KATA_TEST_PIDS", "/tmp/kata-test-pids")


def add(a, b):
    fds = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            fds[name] = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            pass  # the listing's own directory fd, already closed
    with open(os.path.join(PIDS, "fds.json"), "w") as handle:
        json.dump(fds, handle)
    return a + b
