"""A timeout in `kata grade` is run once more alone before it stands (kata.dev.grade_one.check_once_more_alone):
the retry shows in the message, and while it runs no other check of the process runs beside it."""

from __future__ import annotations

import threading

from kata.dev.grade_one import RETRIED_AGAIN, RETRIED_PASSED, Alone, check_once_more_alone
from kata.results import FAILED, PASSED, TIMEOUT, CheckResult


class FakeEngine:
    """Gives the statuses in `script` in turn, noting how many checks ran at once."""

    def __init__(self, *script: str) -> None:
        self.script = list(script)
        self.calls = 0
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.release = threading.Event()
        self.release.set()

    def check(self, request) -> CheckResult:
        with self.lock:
            self.calls += 1
            self.running += 1
            self.most = max(self.most, self.running)
            status = self.script.pop(0) if self.script else PASSED
        self.release.wait(10)
        with self.lock:
            self.running -= 1
        return CheckResult("01", "scale", "ann", status)


def test_a_verdict_that_is_not_a_timeout_is_kept_as_it_is():
    engine = FakeEngine(FAILED)
    result = check_once_more_alone(engine, object(), Alone())
    assert (result.status, result.message, engine.calls) == (FAILED, "", 1)


def test_a_timeout_that_passes_alone_passes_and_says_it_was_run_again():
    engine = FakeEngine(TIMEOUT, PASSED)
    result = check_once_more_alone(engine, object(), Alone())
    assert result.status == PASSED and result.message == RETRIED_PASSED and engine.calls == 2


def test_a_timeout_that_times_out_again_stands_and_says_so():
    engine = FakeEngine(TIMEOUT, TIMEOUT)
    result = check_once_more_alone(engine, object(), Alone())
    assert result.status == TIMEOUT and "twice" in result.message and result.message == RETRIED_AGAIN


def test_the_retry_runs_with_nothing_beside_it_and_is_not_starved():
    alone = Alone()
    engine = FakeEngine(TIMEOUT)
    engine.release.clear()  # the first run (the timeout) and the ones beside it hold until released
    results = []
    first = threading.Thread(target=lambda: results.append(check_once_more_alone(engine, object(), alone)))
    first.start()
    others = [threading.Thread(target=lambda: results.append(check_once_more_alone(engine, object(), alone)))
              for _ in range(3)]
    for thread in others:
        thread.start()
    engine.release.set()
    for thread in [first, *others]:
        thread.join(20)
    assert len(results) == 4 and engine.calls == 5
    assert sum(1 for r in results if r.message == RETRIED_PASSED) == 1


def test_alone_excludes_every_run_beside_it():
    alone = Alone()
    inside = threading.Event()
    leave = threading.Event()
    seen = []

    def lone():
        with alone.alone():
            inside.set()
            leave.wait(10)

    def beside():
        with alone.beside():
            seen.append(leave.is_set())  # only once the lone run has left

    holder = threading.Thread(target=lone)
    holder.start()
    assert inside.wait(10)
    later = threading.Thread(target=beside)
    later.start()
    later.join(0.2)
    assert seen == []  # still waiting
    leave.set()
    later.join(10)
    holder.join(10)
    assert seen == [True]
