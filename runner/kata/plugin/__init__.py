"""The pytest plugin: the `exercise` and `exercise_file` fixtures, target selection, seeding and
streamed step results.

It knows nothing of workspaces: it is given a target (a course folder's
solutions or stubs, or any `--kata-file`) and reports each step as it ends.

- Plain `pytest checks/` in a course runs against `solutions/`.
- `--kata-target=exercises` runs against the stubs; `--kata-file=PATH` against any file.
- `--kata-events-fd=N` streams one JSON line per event (`kata.contract.Event`) to
  file descriptor N (the engine reads it); without it the plugin only adds the fixture.

This module holds the options and pytest's hooks (pytest finds them here); the run's state,
the fixture and the classification of failures are `kata.plugin.state`, `.target` and `.verdicts`.

It stays home: pytest loads it in every project of a venv that has kata (the `pytest11` entry
point), but outside a kata course (no `kata.toml` at or above pytest's rootdir or a given path)
and without a `--kata-*` option, it unregisters itself at configure time, so another project's
`pytest.exit()`, KeyboardInterrupt and reports are pytest's own.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kata.contract import Cause, Event, EventKind, StepResult
from kata.forbid.guard import raise_swallowed
from kata.plugin.state import KEY, LearnerExit, State, active, set_target, start_state, state_of, target_for
from kata.plugin.target import exercise, exercise_file
from kata.plugin.capture_cap import cap_captured_output
from kata.plugin.verdicts import classify, quick_report, raised_in_learner_file

__all__ = ["exercise", "exercise_file", "start_state", "set_target", "target_for", "State", "LearnerExit"]
_State, _classify = State, classify  # the names hostile tests patch (tests/hostile/grading)

MAX_STEP_OUTPUT = 8000


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kata", "kata exercise checks")
    group.addoption("--kata-target", choices=["solutions", "exercises"], default="solutions",
                    help="which of the course's files the checks import (default: solutions)")
    group.addoption("--kata-file", default=None, metavar="PATH", help="check this file instead")
    group.addoption("--kata-judge-fd", type=int, default=None, metavar="FD",
                    help="judged mode: the learner's code runs in another process, reached over this socket")
    group.addoption("--kata-events-fd", type=int, default=None, metavar="FD",
                    help="stream step results as JSON lines to this file descriptor")


def pytest_configure(config: pytest.Config) -> None:
    if not at_home(config):
        config.pluginmanager.unregister(sys.modules[__name__])  # another project's pytest: leave it as it is
        return
    cap_captured_output()
    start_state(config)


def at_home(config: pytest.Config) -> bool:
    """Whether this pytest session checks a kata course (or kata's engine asked for the plugin)."""
    if any(config.getoption(name) is not None for name in ("kata_file", "kata_events_fd", "kata_judge_fd")):
        return True
    if config.getoption("kata_target") != "solutions":
        return True
    places = [Path(config.rootpath)]
    places += [Path(arg.split("::")[0]).resolve() for arg in config.args if arg and not arg.startswith("-")]
    return any((folder / "kata.toml").is_file() for place in places for folder in (place, *place.parents))


def pytest_unconfigure(config: pytest.Config) -> None:
    if active and config.stash.get(KEY, None) is active[-1]:
        active.pop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """Learner code that raises KeyboardInterrupt or SystemExit fails its step; it never ends the run."""
    try:
        return (yield)
    except pytest.exit.Exception as exc:  # a check never ends the session; only learner code would
        raise LearnerExit(f"your code called pytest.exit({exc.msg!r}); a check needs your function to return") from exc
    except pytest.skip.Exception as exc:
        if not raised_in_learner_file(exc, item):
            raise
        raise LearnerExit(f"your code called pytest.skip({exc.msg!r}); a check needs your function to return") from exc
    except KeyboardInterrupt as exc:
        raise LearnerExit("your code raised KeyboardInterrupt") from exc
    except SystemExit as exc:
        raise LearnerExit(f"your code called sys.exit({exc.code!r}); a check needs your function to return") from exc
    finally:  # a forbidden use the learner's code caught (`except BaseException`) still fails the step
        raise_swallowed()


def pytest_collection_finish(session: pytest.Session) -> None:
    state = state_of(session.config)
    steps = []
    for index, item in enumerate(session.items, start=1):
        state.steps[item.nodeid] = index
        steps.append(StepResult(index=index, name=item.name, title=_title(item)))
    state.emit(Event(EventKind.COLLECTED, steps=steps))


def _title(item: pytest.Item) -> str:
    doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
    first = doc.strip().splitlines()[0].strip() if doc.strip() else ""
    return first or item.name.removeprefix("test_").replace("_", " ")


_pending_collect_errors: list[str] = []


# pytest's advice for any import error of a test module, about file names: never the cause of a missing module
_NAMES_HINT = "Hint: make sure your test modules/packages have valid Python names.\n"


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:  # the check module itself is broken: an instructor's problem
        _pending_collect_errors.append(str(report.longrepr).replace(_NAMES_HINT, "")[-4000:])


def pytest_sessionstart(session: pytest.Session) -> None:
    _pending_collect_errors.clear()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    state = state_of(item.config)
    state.emit(Event(EventKind.START, index=state.steps.get(item.nodeid, 0)))


@pytest.hookimpl(tryfirst=True, specname="pytest_runtest_makereport")
def pytest_runtest_makereport_quick(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport | None:
    """A failed phase's report without pytest's formatted traceback, when the engine reads the events.
    Its name starts with `pytest_`: pytest registers no other function as a hook, whatever its specname."""
    if state_of(item.config).events_fd is None:
        return None
    return quick_report(item, call)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    state = state_of(item.config)
    nodeid = item.nodeid
    state.duration[nodeid] = state.duration.get(nodeid, 0.0) + call.duration
    if report.failed and nodeid not in state.outcome:
        state.outcome[nodeid] = classify(item, call, state)
    elif report.skipped and nodeid not in state.outcome:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        state.outcome[nodeid] = ("skipped", reason)
    if report.when == "teardown":  # the teardown report carries every phase's captured output
        state.output[nodeid] = "".join(text for name, text in report.sections if name.startswith("Captured std"))
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem):
    result = yield
    state = state_of(item.config)
    nodeid = item.nodeid
    outcome, message = state.outcome.get(nodeid, ("passed", ""))
    output = state.output.get(nodeid, "")
    if len(output) > MAX_STEP_OUTPUT:
        output = output[:MAX_STEP_OUTPUT] + f"\n… output cut: {len(output) - MAX_STEP_OUTPUT} more characters"
    state.emit(Event(EventKind.STEP, index=state.steps.get(nodeid, 0), outcome=outcome, message=message,
                     duration_s=state.duration.get(nodeid, 0.0), output=output,
                     cause=state.cause.get(nodeid, Cause.NONE)))
    return result


def pytest_internalerror(excrepr, excinfo) -> None:
    """pytest or a plugin broke: pass its traceback on, so the verdict names it instead of hiding it."""
    if active:
        active[-1].emit(Event(EventKind.INTERNAL_ERROR, message=str(excrepr)[-3000:]))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = state_of(session.config)
    for message in _pending_collect_errors:
        state.emit(Event(EventKind.COLLECT_ERROR, message=message))
    state.emit(Event(EventKind.END, exitstatus=int(exitstatus)))
