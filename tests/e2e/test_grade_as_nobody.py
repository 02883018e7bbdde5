"""Issue 24: judged mode without bubblewrap, as root (a Gradescope container). Each learner process becomes
the unprivileged user nobody before the learner's code runs: that code sees uid 65534, cannot read a file
only root may read, and cannot signal the judge's processes, while its run is still graded; the isolation
line says so."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.conftest import Kata

POINTS_COURSE = Path(__file__).resolve().parents[1] / "points_course"

PROBE = """import os
print("uid", os.getuid(), "gid", os.getgid(), "groups", os.getgroups())
try:
    open({secret!r}).read()
    print("READ-SECRET")
except OSError as exc:
    print("no-read", type(exc).__name__)
zygote = os.getppid()  # the zygote; its parent is the judge (the worker)
judge = int(open(f"/proc/{{zygote}}/stat").read().rsplit(")", 1)[1].split()[1])
for name, pid in (("zygote", zygote), ("judge", judge)):
    try:
        os.kill(pid, 0)
        print("SIGNALLED", name)
    except OSError as exc:
        print("no-signal", name, type(exc).__name__)
with open(os.path.join(os.environ["TMPDIR"], "scratch"), "w") as handle:
    print("tmp-writable", handle.write("x"))
status = open("/proc/self/status").read()
print("CapEff", status.split("CapEff:")[1].split()[0], "NoNewPrivs", status.split("NoNewPrivs:")[1].split()[0])

def add(a, b):
    return a + b
"""

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason=(
    "the learner's process becomes nobody only when kata grades as root (as on Gradescope); this test "
    "does not run as root, and a non-root kata cannot switch users (its isolation line says so)"))


def test_without_bubblewrap_the_learner_runs_as_nobody(tmp_path):
    base = Path(tempfile.mkdtemp(prefix="kata-nobody-"))  # not under pytest's root-only folder
    try:
        os.chmod(base, 0o755)
        secret = base / "secret.txt"
        secret.write_text("TOP-SECRET-7d2\n")
        os.chmod(secret, 0o600)
        sub = base / "sub"
        sub.mkdir()
        (sub / "01_add.py").write_text(PROBE.format(secret=str(secret)))
        out = base / "results.json"
        proc = Kata(tmp_path)("grade", str(sub), "--course", str(POINTS_COURSE), "--gradescope", str(out),
                              env={"KATA_NO_BWRAP": "1"}, timeout=300)
        assert out.is_file(), proc.stdout + proc.stderr
        data = json.loads(out.read_text())
    finally:
        shutil.rmtree(base)
    assert "Isolation: separate process as user nobody" in data["output"]
    first = data["tests"][0]
    printed = first["output"]
    assert "uid 65534 gid 65534 groups []" in printed, printed
    assert "no-read PermissionError" in printed and "READ-SECRET" not in printed
    assert "no-signal zygote PermissionError" in printed and "no-signal judge PermissionError" in printed
    assert "SIGNALLED" not in printed
    assert "tmp-writable 1" in printed
    assert "CapEff 0000000000000000 NoNewPrivs 1" in printed
    assert first["score"] == first["max_score"] == 10.0  # still graded: the learner's add is right
