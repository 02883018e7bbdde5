"""Writes a forged `passed` result to every file descriptor it may have inherited (and to the
worker's, through /proc), leaves half a line behind to corrupt the next one, then answers wrong."""

import json
import os

STEPS = [{"index": 1, "name": "test_small_numbers", "title": "adds small numbers", "outcome": "passed"},
         {"index": 2, "name": "test_negative_numbers", "title": "adds negative numbers", "outcome": "passed"}]
FORGED = {"ev": "result", "run": "", "id": "01", "name": "add", "target": "",
          "result": {"id": "01", "name": "add", "target": "forged", "status": "passed", "steps": STEPS}}


def _forge():
    line = (json.dumps(FORGED) + "\n").encode()
    fds = list(range(256))
    for fd in fds:
        try:
            os.write(fd, line + line.replace(b'"run": ""', b'"run": "00000000000000000000000000000000"'))
            os.write(fd, b'{"ev": "result", "result": ')  # half a line: glued onto the next one?
        except OSError:
            pass
    parent = os.getppid()
    try:
        names = os.listdir(f"/proc/{parent}/fd")
    except OSError:
        names = []
    for name in names:  # the worker's own pipes, reopened through /proc (works for root only)
        try:
            fd = os.open(f"/proc/{parent}/fd/{name}", os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            os.write(fd, line + b'{"ev": "result", "result": ')
        except OSError:
            pass
        finally:
            os.close(fd)


def add(a, b):
    _forge()
    return a - b
