"""`kata grade --scheduler` on a cluster whose workers lack kata or run another one: one clear error
before anything is graded (exit 2, no table), not an internal error or a row of errors per student.
A real `dask scheduler` and real `dask worker` processes, one without kata, one with a changed copy."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import HOSTILE, REPO, TESTS

pytest.importorskip("distributed", reason="the cluster extra is not installed: pip install -e '.[test]'")
pytestmark = pytest.mark.timeout(300)


def _start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "w") as out:
        return subprocess.Popen([sys.executable, "-m", *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_workers_without_kata_or_with_another_kata_stop_the_grade_before_it_starts(tmp_path, kata):
    missing = tmp_path / "missing"
    (missing / "kata").mkdir(parents=True)
    (missing / "kata" / "__init__.py").write_text("")  # a `kata` without its grader: kata.dev is not there
    other = tmp_path / "other"
    shutil.copytree(REPO / "runner" / "kata", other / "kata", ignore=shutil.ignore_patterns("__pycache__"))
    (other / "kata" / "report.py").write_text((other / "kata" / "report.py").read_text() + "\n# changed\n")
    address_file = tmp_path / "scheduler.json"
    base = dict(os.environ, DASK_DISTRIBUTED__WORKER__DAEMON="False")
    procs = []
    try:
        procs.append(_start(["distributed.cli.dask_scheduler", "--scheduler-file", str(address_file), "--port", "0",
                             "--no-dashboard"], base, tmp_path / "scheduler.log"))
        deadline = time.monotonic() + 120
        while not address_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(address_file.read_text())["address"]
        for name, path in (("missing", missing), ("other", other)):
            env = dict(base, PYTHONPATH=str(path))
            procs.append(_start(["distributed.cli.dask_worker", address, "--nthreads", "1", "--nworkers", "1",
                                 "--no-dashboard", "--name", name], env, tmp_path / f"worker-{name}.log"))
        from distributed import Client

        with Client(address, timeout="60 s") as client:
            client.wait_for_workers(2, timeout=120)
        subs = tmp_path / "class"
        subs.mkdir()
        shutil.copy(HOSTILE / "grading" / "right.py", subs / "right.py")
        proc = kata("grade", str(subs), "--course", str(TESTS / "grading_course"), "--scheduler", address,
                    timeout=240)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        said = proc.stdout + proc.stderr
        assert "Cannot grade on this cluster: kata is not installed on 1 Dask worker" in said, said
        assert "1 Dask worker run(s) another kata than this grader's" in said, said
        assert "Nothing was graded" in said and "right" not in proc.stdout
        assert "internal error" not in said.lower()
    finally:
        for proc in reversed(procs):
            _stop(proc)
