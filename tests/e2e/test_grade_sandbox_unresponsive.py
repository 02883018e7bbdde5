"""The trusted side never waits on the sandbox without a limit: a stopped zygote is replaced.

A stopped zygote costs at most the one run that was waiting on it, and never the grade.

Learner code can no longer reach the zygote (its own PID namespace), so this test stops it from
outside, as a crash or a hung kernel call would, and drives the worker-side `Sandbox` directly.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None and os.environ.get("KATA_TEST_REQUIRE_BWRAP") != "1",
    reason="bubblewrap is not installed (apt-get install bubblewrap); .ci/run installs it")
sys.path.insert(0, str(REPO / "runner"))


def _below(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        parents.setdefault(int(stat[stat.rfind(b")") + 2:].split()[1]), []).append(int(entry))
    found, stack = [], [root]
    while stack:
        for child in parents.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def test_a_stopped_zygote_costs_one_run_and_is_replaced():
    from kata.engine.sandbox import make_judge_limits
    from kata.judge.sandbox import Sandbox, SandboxError

    sandbox = Sandbox(require_bwrap=True, make_limits=make_judge_limits)
    sandbox.ask_timeout = 2.0
    try:
        sandbox.start()
        first = sandbox.pid
        assert first is not None
        sandbox.open_run(512, 10).close()
        sandbox.end_run()
        stopped = _below(first)
        for pid in stopped:
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:  # a leader that had just forked the next run's process and left
                pass
        started = time.monotonic()
        try:  # stopped before it said the last run was cleaned up: replaced before this run starts
            sandbox.open_run(512, 10).close()
        except SandboxError as failure:  # stopped after: this run fails, alone, within the limit
            assert not failure.whole_grade and "replaced" in str(failure)
        assert time.monotonic() - started < 20  # bounded: the limit, not forever
        for pid in stopped:  # the lost zygote and all below it are gone
            assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"
        sandbox.open_run(512, 10).close()  # the next run gets a fresh sandbox
        assert sandbox.pid != first
    finally:
        sandbox.close()
