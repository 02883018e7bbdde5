"""The worker's memory in huge pages (kata.engine.hugepages): nothing changes but the page size.

Run in a fresh interpreter, so the test's own process is left alone.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

RUNNER = Path(__file__).resolve().parents[2] / "runner"

SCRIPT = r"""
import hashlib, os, sys
from kata.engine import hugepages
data = bytearray(os.urandom(1 << 20)) * 48  # 48 MB of anonymous memory, written
digest = hashlib.sha256(data).hexdigest()
for low, high in hugepages.anonymous_ranges():
    assert low % hugepages.HUGE == 0 and high % hugepages.HUGE == 0 and high > low
done = hugepages.collapse()
assert hashlib.sha256(data).hexdigest() == digest, "the contents changed"
huge = next(int(l.split()[1]) for l in open("/proc/self/smaps_rollup") if l.startswith("AnonHugePages:"))
pid = os.fork()
if pid == 0:
    data[12345] ^= 1  # a write in a child: copy on write, as after any fork
    os._exit(0 if hashlib.sha256(data).hexdigest() != digest else 1)
_, status = os.waitpid(pid, 0)
assert os.WEXITSTATUS(status) == 0 and hashlib.sha256(data).hexdigest() == digest, "the child's write leaked"
print(done, huge)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's transparent huge pages")
def test_collapse_keeps_memory_as_it_was_and_copy_on_write_intact():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(RUNNER), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    done, huge_kb = proc.stdout.split()
    thp = Path("/sys/kernel/mm/transparent_hugepage/enabled")
    if done == "True" and thp.exists() and "[never]" not in thp.read_text():
        assert int(huge_kb) > 0, "the kernel said yes, but no memory is in huge pages"

