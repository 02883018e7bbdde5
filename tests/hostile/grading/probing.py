"""Honest, and wrong: what an ordinary answer may do that looks like probing but is not an attack.

It tries optional imports, reads its own file and its environment, writes and lists a temp file,
signals itself and a child of its own, runs a program and raises a plain exception. `kata grade`
must never flag it for integrity (tests/e2e/test_grade_attacks.py).
"""
import os
import subprocess
import sys
import tempfile

try:
    import scipy  # noqa: F401  (optional: may be missing)
except ImportError:
    scipy = None
try:
    import kata_no_such_module  # noqa: F401
except ImportError:
    pass

HOME = os.environ.get("HOME", "")
with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
    handle.write("notes\n")
SEEN = os.listdir(os.path.dirname(handle.name))
os.kill(os.getpid(), 0)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
child.kill()
child.wait()


def scale(x, k):
    return x - k


def mean(values):
    raise ValueError("mean is not written yet")


def nudge(x, lr):
    x.data = x.data + lr
