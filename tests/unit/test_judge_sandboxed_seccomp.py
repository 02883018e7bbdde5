"""The learner processes' seccomp filter, installed in a real child process and tried with real calls."""

from __future__ import annotations

import json
import platform
import subprocess
import sys

import pytest

from tests.conftest import REPO

RUNNER = REPO / "runner"

pytestmark = pytest.mark.skipif(platform.machine() not in ("x86_64", "aarch64") or sys.platform != "linux",
                                reason="the filter knows x86_64 and aarch64 Linux")

PROBE = r"""
import ctypes, errno, json, os, threading
from kata.judge.sandboxed import seccomp
libc = ctypes.CDLL(None, use_errno=True)
seccomp.install()
found = {}
def call(name, *args):
    result = getattr(libc, name)(*args)
    found[name] = 0 if result != -1 else ctypes.get_errno()
call("unshare", 0x10000000)             # a new user namespace
call("unshare", 0x00020000)             # a new mount namespace
call("mount", b"none", b"/tmp", b"tmpfs", 0, None)
call("ptrace", 16, os.getppid(), 0, 0)  # PTRACE_ATTACH
found["keyctl"] = 0 if libc.syscall({keyctl}, 0, 0, 0, 0, 0) != -1 else ctypes.get_errno()
found["clone_newuser"] = 0 if libc.syscall({clone}, 0x10000000 | 17, 0, 0, 0, 0) != -1 else ctypes.get_errno()
pid = os.fork()                         # a plain fork still works
if pid == 0:
    os._exit(7)
found["fork"] = os.WEXITSTATUS(os.waitpid(pid, 0)[1])
box = []
thread = threading.Thread(target=lambda: box.append(1)); thread.start(); thread.join()
found["thread"] = box
found["status"] = [l for l in open("/proc/self/status") if l.startswith(("Seccomp:", "NoNewPrivs:"))]
print(json.dumps(found))
"""


def _numbers() -> dict[str, int]:
    column = 0 if platform.machine() == "x86_64" else 1
    return {"keyctl": seccomp_table()["keyctl"][column], "clone": (56, 220)[column]}


def seccomp_table():
    sys.path.insert(0, str(RUNNER))
    from kata.judge.sandboxed import seccomp

    return seccomp._DENIED


def test_the_filter_refuses_what_a_learner_never_needs_and_allows_the_rest():
    code = PROBE.replace("{keyctl}", str(_numbers()["keyctl"])).replace("{clone}", str(_numbers()["clone"]))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(RUNNER), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout)
    for name in ("unshare", "mount", "ptrace", "keyctl", "clone_newuser"):
        assert found[name] == 1, (name, found)  # EPERM
    assert found["fork"] == 7 and found["thread"] == [1]
    assert any("Seccomp:\t2" in line for line in found["status"])


def test_every_jump_of_the_program_lands_inside_it():
    sys.path.insert(0, str(RUNNER))
    from kata.judge.sandboxed import seccomp

    for machine in ("x86_64", "aarch64"):
        program = seccomp.program(machine)
        for index, (code, jt, jf, _k) in enumerate(program):
            if code & 0x07 == 0x05:  # a jump
                assert index + 1 + max(jt, jf) < len(program)
        assert program[-1][0] == 0x06 and program[-3][3] == 0x7FFF0000  # ends in returns: ENOSYS, EPERM, ALLOW
