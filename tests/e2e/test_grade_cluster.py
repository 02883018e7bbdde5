"""`kata grade --scheduler local:2`: a mixed class graded through Dask gets local grading's table,
survives a Dask worker killed mid-run, and stops cleanly on Ctrl-C.

The class (on tests/grading_course): right, wrong, hanging, crashing, one attack
(patch_comparisons), and a folder submission with one plain file, one symlink (refused
on the grader's side, before anything travels) and one missing file.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import HOSTILE, TESTS, Kata

pytest.importorskip("distributed", reason="the cluster extra is not installed: pip install -e '.[test]'")
pytestmark = pytest.mark.timeout(600)  # the limit, never the expectation: a shared, busy machine can be slow

COURSE = TESTS / "grading_course"
RIGHT = (HOSTILE / "grading" / "right.py").read_text()
TIMEOUT = "3"  # the course's own; a timeout in a grade is run again alone before it stands


def _make_class(root: Path) -> Path:
    subs = root / "class"
    subs.mkdir()
    (subs / "right.py").write_text(RIGHT)
    shutil.copy(HOSTILE / "grading" / "wrong.py", subs / "wrong.py")
    shutil.copy(HOSTILE / "grading" / "patch_comparisons.py", subs / "patch_comparisons.py")
    (subs / "hanging.py").write_text(RIGHT.replace("    return torch.mul(x, k)", "    while True:\n        pass"))
    # crashes, and signals every process it can reach (signal 0: harmless): an integrity flag on both routes
    (subs / "crashing.py").write_text("import os\ntry:\n    os.kill(-1, 0)\nexcept OSError:\n    pass\n"
                                      + RIGHT.replace("    total = 0.0", "    import os\n    os._exit(3)"))
    folder = subs / "ann"
    folder.mkdir()
    (folder / "01_scale.py").write_text(RIGHT)
    (folder / "02_mean.py").symlink_to(subs / "right.py")
    return subs


def _table(stdout: str) -> list[str]:
    return stdout.split("\n\n")[0].splitlines()


def _children(pid: int) -> list[int]:
    """`pid`'s children, whichever of its threads started them."""
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(p) for p in handle.read().split()]
    except OSError:
        pass
    return found


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _busy_dask_worker(grader: int) -> int | None:
    """A Dask worker process of `grader` whose kata engine has a check run in flight (a forked child)."""
    for worker in _children(grader):
        if "spawn_main" not in _cmdline(worker):
            continue
        for engine in _children(worker):
            if "kata.engine.worker" in _cmdline(engine) and any(
                    "kata.engine.worker" in _cmdline(run) for run in _children(engine)):
                return worker
    return None


def _start(subs: Path, out: Path, *extra: str) -> subprocess.Popen:
    """The grade as started from a terminal: with Ctrl-C's signal handled, even where this suite was
    started with it ignored (a background job of a script), which every child inherits."""
    env = dict(os.environ, NO_COLOR="1", COLUMNS="120")
    return subprocess.Popen(
        [sys.executable, "-m", "kata", "grade", str(subs), "--course", str(COURSE), "--timeout", TIMEOUT,
         "--scheduler", "local:2", "--csv", str(out), *extra],
        cwd=subs.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _wait_for_busy_worker(proc: subprocess.Popen, limit_s: float = 120) -> int | None:
    deadline = time.monotonic() + limit_s
    while proc.poll() is None and time.monotonic() < deadline:
        worker = _busy_dask_worker(proc.pid)
        if worker is not None:
            return worker
        time.sleep(0.05)
    return None


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("cluster")
    subs = _make_class(root)
    local = Kata(root)("grade", str(subs), "--course", str(COURSE), "--timeout", TIMEOUT,
                       "--csv", str(root / "local.csv"), timeout=300)
    proc = _start(subs, root / "cluster.csv")
    killed = _wait_for_busy_worker(proc)
    if killed is not None:
        os.kill(killed, signal.SIGKILL)  # mid-task: its engine had a run in flight
    stdout, stderr = proc.communicate(timeout=300)
    return {"root": root, "local": local, "cluster": (proc.returncode, stdout, stderr), "killed": killed}


def test_a_worker_was_killed_mid_run(graded):
    assert graded["killed"] is not None, graded["cluster"][2][-3000:]


def test_same_table_as_local_grading(graded):
    local = graded["local"]
    code, stdout, stderr = graded["cluster"]
    assert local.returncode == code == 1, stderr[-3000:]
    assert _table(stdout) == _table(local.stdout), f"cluster:\n{stdout}\nlocal:\n{local.stdout}\n{stderr[-2000:]}"
    cells = {line.split()[0]: line.split()[1:4] for line in _table(stdout)[1:]}
    assert cells["right"] == ["✓", "✓", "✓"]
    assert cells["hanging"][0] == "timeout" and cells["crashing"][1] == "crashed"
    assert cells["patch_comparisons"] == ["0/4", "0/3", "0/2"]
    assert cells["ann"] == ["✓", "error", "missing"]
    assert "over 2 Dask workers (local:2)" in stdout


def test_every_row_survives_the_killed_worker(graded):
    rows = list(csv.DictReader((graded["root"] / "cluster.csv").open()))
    assert [r["submission"] for r in rows] == ["ann", "crashing", "hanging", "patch_comparisons", "right", "wrong"]
    assert (graded["root"] / "cluster.csv").read_text() == (graded["root"] / "local.csv").read_text()


def test_an_integrity_flag_is_the_same_on_the_cluster(graded):
    rows = {r["submission"]: r for r in csv.DictReader((graded["root"] / "cluster.csv").open())}
    assert "kill(-1)" in rows["crashing"]["integrity"], rows["crashing"]
    assert all(not rows[name]["integrity"] for name in ("right", "wrong", "hanging")), rows


def test_the_symlink_is_refused_before_it_travels(graded):
    rows = {r["submission"]: r for r in csv.DictReader((graded["root"] / "cluster.csv").open())}
    assert rows["ann"]["mean"] == "error" and rows["ann"]["nudge"] == "missing"


def test_ctrl_c_cancels_the_rest_and_prints_what_finished(tmp_path):
    subs = _make_class(tmp_path)
    # A run seen in flight may be the class's last, whose row is done before the signal lands (exit 1, nothing
    # left to cancel): with these, every run seen leaves at least one 3-s timeout to grade after it.
    for n in range(3):
        shutil.copy(subs / "hanging.py", subs / f"zz_hanging_{n}.py")
    proc = _start(subs, tmp_path / "out.csv")
    started = time.monotonic()
    assert _wait_for_busy_worker(proc) is not None
    seen = time.monotonic() - started
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, (f"SIGINT sent {seen:.1f} s after the start, the grade ended "
                                    f"{time.monotonic() - started:.1f} s after it\n{stdout[-3000:]}\n{stderr[-3000:]}")
    assert "interrupted:" in stderr + stdout and "not graded (cancelled)" in stderr + stdout
    assert _table(stdout)[0].split()[:4] == ["submission", "01", "02", "03"]
    assert "Traceback" not in stderr


def test_ctrl_c_while_the_cluster_starts_ends_quietly(tmp_path):
    """Ctrl-C as the local cluster's workers start: "interrupted", exit 130, and no traceback of
    distributed's closing a half-made cluster; its workers end with it."""
    subs = _make_class(tmp_path)
    proc = _start(subs, tmp_path / "out.csv")
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while proc.poll() is None and time.monotonic() < deadline and not workers:
        workers = [p for p in _children(proc.pid) if "spawn_main" in _cmdline(p)]
        time.sleep(0.01)
    assert workers, "no Dask worker process was started"
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stdout[-2000:] + stderr[-3000:]
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr[-3000:]
    assert all(_gone(pid) for pid in workers)


def _gone(pid: int, within_s: float = 30) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                if handle.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except OSError:
            return True
        time.sleep(0.05)
    return False


def test_without_the_extra_it_says_how_to_install_it(tmp_path):
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    for name in ("dask", "distributed"):
        (blocked / f"{name}.py").write_text("raise ImportError('not installed (a test hides it)')\n")
    subs = _make_class(tmp_path)
    env = {"PYTHONPATH": os.pathsep.join([str(blocked), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    proc = Kata(tmp_path)("grade", str(subs), "--course", str(COURSE), "--scheduler", "local:2", env=env)
    assert proc.returncode == 2
    assert "pip install 'kata[cluster]'" in proc.stderr and "Traceback" not in proc.stderr


def test_kata_starts_without_dask():
    code = "import sys, kata.cli, kata.dev.grade; print(sorted(m for m in sys.modules if m.split('.')[0] in " \
           "('dask', 'distributed')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=TESTS.parent / "runner")
    assert out.stdout.strip() == "[]", out.stderr
