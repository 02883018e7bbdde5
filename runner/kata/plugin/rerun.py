"""Running a failed step again, for the pointer (kata.feedback.search): local mode only.

A fresh copy of the learner's module (the run's compiled code, executed as the `exercise` fixture
does, from the same seed), changed by the caller, then the step's test function with its fixtures;
the learner's prints and warnings are dropped, hypothesis does not shrink, and the run is stopped at
its time limit by our own timer, pytest-timeout's own alarm put back after it. Only ever called on a
step that already failed.
"""

from __future__ import annotations

import contextlib
import io
import signal
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import pytest

from kata.feedback.search import Prepare, Rerun, traced_calls
from kata.plugin.state import State


class _Overtime(BaseException):
    """Our timer's end, raised into the re-run step."""


def rerunner(item: pytest.Item, state: State, target: Path) -> Rerun | None:
    """How to run `item` again on a changed copy of the learner's module; None in judged mode, for a
    step whose test takes no `exercise`, or off the main thread (the timer needs signals)."""
    import threading

    if state.judge_fd is not None or target not in state.compiled or threading.current_thread() is not threading.main_thread():
        return None
    funcargs = getattr(item, "funcargs", None)
    names = getattr(getattr(item, "_fixtureinfo", None), "argnames", ())
    test = getattr(item, "obj", None)
    if not funcargs or "exercise" not in names or test is None:
        return None

    def run(prepare: Prepare | None, trace: bool, limit_s: float) -> tuple[bool, list[str]]:
        from kata.plugin.target import _import_target, _seed

        if limit_s <= 0.01:
            return False, []
        profile, seen = traced_calls(str(target))
        passed = False
        with _quiet(), _limited(limit_s):
            _seed()
            try:
                module = _import_target(state, target)
                if prepare is not None:
                    prepare(module)
            except (Exception, pytest.fail.Exception, pytest.skip.Exception):
                return False, []
            _seed()
            args = {name: funcargs[name] for name in names if name in funcargs}
            args["exercise"] = module
            if trace:
                sys.setprofile(profile)
            try:
                test(**args)
                passed = True
            except (Exception, pytest.fail.Exception, pytest.skip.Exception):
                passed = False
            finally:
                if trace:
                    sys.setprofile(None)
                sys.modules.pop(module.__name__, None)
        return passed, list(seen)

    return run


@contextlib.contextmanager
def _quiet():
    """No prints, no warnings, no shrinking: only pass or fail matters here."""
    engine: Any = sys.modules.get("hypothesis.internal.conjecture.engine")  # only if the checks use it
    shrinks = getattr(engine, "MAX_SHRINKS", None)
    if engine is not None:
        engine.MAX_SHRINKS = 0
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        if engine is not None:
            engine.MAX_SHRINKS = shrinks


@contextlib.contextmanager
def _limited(limit_s: float):
    """Raise _Overtime in the step after `limit_s` seconds (never past pytest-timeout's own alarm)."""
    started = time.monotonic()
    previous_left, _ = signal.getitimer(signal.ITIMER_REAL)

    def overtime(signum, frame):
        raise _Overtime()

    previous = signal.signal(signal.SIGALRM, overtime)
    signal.setitimer(signal.ITIMER_REAL, min(limit_s, previous_left) if previous_left else limit_s)
    try:
        yield
    except _Overtime:
        pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if previous_left:
            signal.setitimer(signal.ITIMER_REAL, max(previous_left - (time.monotonic() - started), 0.001))
