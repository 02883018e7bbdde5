"""The pytest plugin: the `exercise` fixture, target selection, seeding and streamed step results.

It knows nothing of workspaces: it is given a target (a course folder's
solutions or stubs, or any `--kata-file`) and reports each step as it ends.

- Plain `pytest checks/` in a course runs against `solutions/`.
- `--kata-target=exercises` runs against the stubs; `--kata-file=PATH` against any file.
- `--kata-events-fd=N` streams one JSON line per event (`kata.contract.Event`) to
  file descriptor N (the engine reads it); without it the plugin only adds the fixture.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import itertools
import json
import os
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kata.contract import Cause, Event, EventKind, StepResult
from kata.course import MANIFEST, describe_filename
from kata.feedback.failures import describe_exception, format_frames

MAX_STEP_OUTPUT = 8000
_counter = itertools.count()


class LearnerExit(Exception):
    """The learner's code tried to end the process; reported as a plain failure instead."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kata", "kata exercise checks")
    group.addoption("--kata-target", choices=["solutions", "exercises"], default="solutions",
                    help="which of the course's files the checks import (default: solutions)")
    group.addoption("--kata-file", default=None, metavar="PATH", help="check this file instead")
    group.addoption("--kata-judge-fd", type=int, default=None, metavar="FD",
                    help="judged mode: the learner's code runs in another process, reached over this socket")
    group.addoption("--kata-events-fd", type=int, default=None, metavar="FD",
                    help="stream step results as JSON lines to this file descriptor")


@dataclass
class _State:
    target_kind: str
    target_file: Path | None
    events_fd: int | None
    judge_fd: int | None = None  # judged mode: `exercise` is a proxy to the learner's sandboxed process
    reported: set[str] = field(default_factory=set)  # libraries already named in an IMPORTS event
    steps: dict[str, int] = field(default_factory=dict)  # nodeid -> index
    outcome: dict[str, tuple[str, str]] = field(default_factory=dict)  # nodeid -> (outcome, message)
    cause: dict[str, Cause] = field(default_factory=dict)  # nodeid -> why it did not run
    output: dict[str, str] = field(default_factory=dict)
    duration: dict[str, float] = field(default_factory=dict)
    broken_imports: dict[Path, str] = field(default_factory=dict)  # target -> why it does not import
    timed_out: bool = False
    compiled: dict[Path, object] = field(default_factory=dict)  # target -> code object

    def emit(self, event: Event) -> None:
        if self.events_fd is None:
            return
        # The leading newline ends any half line the learner's code wrote to this fd first.
        data = ("\n" + json.dumps(event.to_wire()) + "\n").encode()
        view = memoryview(data)
        while view:
            written = os.write(self.events_fd, view)
            view = view[written:]


_KEY = pytest.StashKey[_State]()


def pytest_configure(config: pytest.Config) -> None:
    start_state(config)


def start_state(config: pytest.Config) -> None:
    """This run's state, from the options. The engine calls it again in a child that finishes a
    session the warm worker configured, once the run's own target and events fd are set."""
    file = config.getoption("kata_file")
    config.stash[_KEY] = _State(
        target_kind=config.getoption("kata_target"),
        target_file=Path(file).resolve() if file else None,
        events_fd=config.getoption("kata_events_fd"),
        judge_fd=config.getoption("kata_judge_fd"),
    )
    _active[:] = [config.stash[_KEY]]


def pytest_unconfigure(config: pytest.Config) -> None:
    if _active and config.stash.get(_KEY, None) is _active[-1]:
        _active.pop()


def _state(config: pytest.Config) -> _State:
    return config.stash[_KEY]


def target_for(check_file: Path, state: _State) -> Path:
    """The file the checks in `check_file` import."""
    if state.target_file is not None:
        return state.target_file
    parsed = describe_filename(check_file.name)
    if parsed is None:
        raise pytest.UsageError(f"{check_file}: check modules are named test_NN_name.py")
    for folder in (check_file.parent, *check_file.parents):
        if (folder / MANIFEST).is_file():
            return folder / state.target_kind / check_file.name.removeprefix("test_")
    raise pytest.UsageError(f"{check_file} is not inside a course (no {MANIFEST} above it); use --kata-file")


def _seed() -> None:
    """Each step starts from the same random state, so checks never pass by luck.

    Only libraries already loaded are seeded: one imported later starts from its
    own fixed default seed, and importing torch here would cost every check 1.6 s.
    """
    seed = int(os.environ.get("KATA_SEED", "0"))  # `kata verify` varies it to find flaky steps
    random.seed(seed)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(seed)
    if "torch" in sys.modules:
        # The CPU generator only: torch.manual_seed also queues CUDA seeding, ~5 ms a call.
        sys.modules["torch"].default_generator.manual_seed(seed)


@pytest.fixture
def exercise(request: pytest.FixtureRequest):
    """The target module, freshly imported under a unique name for this step."""
    state = _state(request.config)
    target = target_for(Path(str(request.node.path)), state)
    if state.timed_out:  # the rest would most likely hang too: answer fast instead
        state.cause[request.node.nodeid] = Cause.EARLIER_TIMEOUT
        pytest.skip("not run: an earlier step timed out")
    if target in state.broken_imports:
        state.cause[request.node.nodeid] = Cause.NOT_RUN
        pytest.fail(f"not run: {state.broken_imports[target]}", pytrace=False)
    if not target.is_file():
        pytest.fail(f"{target} does not exist.", pytrace=False)
    _seed()
    try:
        return _import_target(state, target)
    except BaseException:
        if target in state.broken_imports:  # this step found the file broken: say so, for graders
            state.cause[request.node.nodeid] = Cause.DOES_NOT_IMPORT
        raise


def _import_target(state: _State, target: Path):
    module_name = f"kata_target_{target.stem}_{next(_counter)}"
    if state.judge_fd is not None:
        return _remote_exercise(state, target, module_name)
    # An explicit loader, so a target not named .py (a grader's `answer.txt`) still imports as Python.
    spec = importlib.util.spec_from_file_location(
        module_name, target, loader=importlib.machinery.SourceFileLoader(module_name, str(target)))
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        exec(_compiled(state, target), module.__dict__)
    except pytest.fail.Exception as exc:
        if str(exc).startswith("Timeout"):
            state.broken_imports[target] = "importing your file timed out (see the first step)"
        raise
    except BaseException as exc:  # the learner's file may raise anything, even SystemExit
        sys.modules.pop(module_name, None)
        why = _import_failure(exc, target)
        state.broken_imports[target] = "your file does not import (see the first step)"
        pytest.fail(why, pytrace=False)
    _seed()
    return module


def _remote_exercise(state: _State, target: Path, module_name: str):
    """Judged mode: the learner's module runs in the sandbox; the check gets a proxy to it."""
    from kata.judge import fixture
    from kata.judge.remote import LearnerProcessGone

    if fixture.channel(state.judge_fd, target).broken:
        pytest.skip("not run: an earlier step ended the process running your code")
    try:
        module = fixture.load(state.judge_fd, target, module_name)
    except pytest.fail.Exception as exc:
        if str(exc).startswith("Timeout"):
            state.broken_imports[target] = "importing your file timed out (see the first step)"
        raise
    except LearnerProcessGone as exc:
        state.broken_imports[target] = "the process running your code is gone (see the first step)"
        pytest.fail(str(exc), pytrace=False)
    except BaseException as exc:  # rebuilt from the learner's process: never raised by their code here
        state.broken_imports[target] = "your file does not import (see the first step)"
        if isinstance(exc, SyntaxError):
            pytest.fail(_import_failure(exc, target), pytrace=False)
        if isinstance(exc, SystemExit):
            code = (getattr(exc, "__kata_remote__", None) or {}).get("code")
            pytest.fail(f"{target} called sys.exit({code}) while being imported.\n"
                        "Remove it, or move it under `if __name__ == \"__main__\":`.", pytrace=False)
        pytest.fail(f"{target} does not import:\n{fixture.describe_remote(exc)}", pytrace=False)
    imported = [n for n in fixture.channel(state.judge_fd, target).imports if n not in state.reported]
    if imported:  # the worker preloads them in the sandbox for the next run (it checks the names)
        state.reported.update(imported)
        state.emit(Event(EventKind.IMPORTS, names=sorted(imported)))
    _seed()
    return module


def _compiled(state: _State, target: Path):
    """The target's code object, compiled once per run: each step still executes it afresh.

    The first time, it also tells the engine which heavy libraries the target imports at
    top level (the names its module code imports), so the warm worker preloads them for
    the next run. Only here, in the limited child, is the learner's file ever parsed.
    """
    code = state.compiled.get(target)
    if code is None:
        source: bytes | str = target.read_bytes()
        if target.suffix == ".ipynb":  # a notebook: its code cells, joined (kata.notebook)
            from kata import notebook

            source = notebook.to_python(source).source
            notebook.register(target, source)
            code = notebook.compile_joined(source, str(target))
        else:
            code = compile(source, str(target), "exec", dont_inherit=True)
        state.compiled[target] = code
        from kata.engine.child import PRELOADABLE

        imported = sorted({name.split(".")[0] for name in code.co_names} & set(PRELOADABLE))
        if imported:
            state.emit(Event(EventKind.IMPORTS, names=imported))
    return code


def _import_failure(exc: BaseException, target: Path) -> str:
    if isinstance(exc, SystemExit):
        return (f"{target} called sys.exit({exc.code!r}) while being imported.\n"
                "Remove it, or move it under `if __name__ == \"__main__\":`.")
    if isinstance(exc, KeyboardInterrupt):
        return f"{target} raised KeyboardInterrupt while being imported."
    head = f"{target} does not import:" if not isinstance(exc, SyntaxError) else f"{target} has a syntax error:"
    return head + "\n" + describe_exception(exc, [target], learner_file=target)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """Learner code that raises KeyboardInterrupt or SystemExit fails its step; it never ends the run."""
    try:
        return (yield)
    except pytest.exit.Exception as exc:  # a check never ends the session; only learner code would
        raise LearnerExit(f"your code called pytest.exit({exc.msg!r}); a check needs your function to return") from exc
    except pytest.skip.Exception as exc:
        if not _raised_in_learner_file(exc, item):
            raise
        raise LearnerExit(f"your code called pytest.skip({exc.msg!r}); a check needs your function to return") from exc
    except KeyboardInterrupt as exc:
        raise LearnerExit("your code raised KeyboardInterrupt") from exc
    except SystemExit as exc:
        raise LearnerExit(f"your code called sys.exit({exc.code!r}); a check needs your function to return") from exc


def _raised_in_learner_file(exc: BaseException, item: pytest.Item) -> bool:
    """Whether the learner's file is on the traceback (a check's own skip is the check's business)."""
    keep = _keep(item, _state(item.config))
    if len(keep) < 2:
        return False
    learner = str(keep[1])
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == learner:
            return True
        tb = tb.tb_next
    return False


def pytest_collection_finish(session: pytest.Session) -> None:
    state = _state(session.config)
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


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:  # the check module itself is broken: an instructor's problem
        _pending_collect_errors.append(str(report.longrepr)[-4000:])


def pytest_sessionstart(session: pytest.Session) -> None:
    _pending_collect_errors.clear()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    state = _state(item.config)
    state.emit(Event(EventKind.START, index=state.steps.get(item.nodeid, 0)))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    state = _state(item.config)
    nodeid = item.nodeid
    state.duration[nodeid] = state.duration.get(nodeid, 0.0) + call.duration
    if report.failed and nodeid not in state.outcome:
        state.outcome[nodeid] = _classify(item, call, state)
    elif report.skipped and nodeid not in state.outcome:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        state.outcome[nodeid] = ("skipped", reason)
    if report.when == "teardown":  # the teardown report carries every phase's captured output
        state.output[nodeid] = "".join(text for name, text in report.sections if name.startswith("Captured std"))
    return report


def _classify(item: pytest.Item, call: pytest.CallInfo, state: _State) -> tuple[str, str]:
    exc = call.excinfo.value if call.excinfo else None
    if isinstance(exc, pytest.fail.Exception) and str(exc).startswith("Timeout"):
        state.timed_out = True
        limit = item.config.getoption("timeout", None) or getattr(item.config, "_env_timeout", None) or 0
        where = format_frames(exc.__traceback__, _keep(item, state))
        return "timeout", (f"this step ran past its time limit ({float(limit):g} s) and was stopped; "
                           "is there an endless loop?" + (f"\nIt was here:\n{where}" if where else ""))
    if isinstance(exc, pytest.fail.Exception) and call.when == "setup":
        return "error", str(exc)
    if exc is None:
        return "error", "the step failed"
    keep = _keep(item, state)
    learner = keep[1] if len(keep) > 1 else None
    if state.judge_fd is not None:
        remote = _remote_failure(exc, item, keep)
        if remote is not None:
            return remote
    try:
        if isinstance(exc, LearnerExit) and exc.__cause__ is not None:
            message = describe_exception(exc.__cause__, keep, explanation=str(exc), learner_file=learner)
        else:
            message = describe_exception(exc, keep, learner_file=learner)
    except Exception:  # the learner's exception may break even str(); the verdict must not break with it
        where = format_frames(exc.__traceback__, keep)
        message = (where + "\n" if where else "") + f"{type(exc).__name__} (its message could not be shown)"
    return ("failed" if call.when == "call" else "error"), message


def _remote_failure(exc: BaseException, item: pytest.Item, keep: list[Path]) -> tuple[str, str] | None:
    """Judged mode: a failure that came from the learner's process, told with the learner's frames."""
    from kata.judge.fixture import describe_remote
    from kata.judge.remote import LearnerProcessGone

    if isinstance(exc, LearnerProcessGone):
        return "crashed", str(exc)
    cause = exc if hasattr(exc, "__kata_remote__") else getattr(exc, "__cause__", None) or exc.__context__
    if cause is None or not hasattr(cause, "__kata_remote__"):
        return None
    where = format_frames(exc.__traceback__, keep[:1])
    told = describe_remote(cause)
    if cause is not exc:  # a check caught the learner's error and failed with its own explanation
        told = f"{told}\n{exc}"
    return "failed", (f"{where}\n{told}" if where else told)


def _keep(item: pytest.Item, state: _State) -> list[Path]:
    """The check module, then the learner's file: the only files whose frames a learner sees."""
    path = Path(str(item.path))
    try:
        return [path, target_for(path, state)]
    except pytest.UsageError:
        return [path]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem):
    result = yield
    state = _state(item.config)
    nodeid = item.nodeid
    outcome, message = state.outcome.get(nodeid, ("passed", ""))
    output = state.output.get(nodeid, "")
    if len(output) > MAX_STEP_OUTPUT:
        output = output[:MAX_STEP_OUTPUT] + f"\n… output cut: {len(output) - MAX_STEP_OUTPUT} more characters"
    state.emit(Event(EventKind.STEP, index=state.steps.get(nodeid, 0), outcome=outcome, message=message,
                     duration_s=state.duration.get(nodeid, 0.0), output=output,
                     cause=state.cause.get(nodeid, Cause.NONE)))
    return result


_active: list[_State] = []  # the running session's state, for hooks that get no config


def pytest_internalerror(excrepr, excinfo) -> None:
    """pytest or a plugin broke: pass its traceback on, so the verdict names it instead of hiding it."""
    if _active:
        _active[-1].emit(Event(EventKind.INTERNAL_ERROR, message=str(excrepr)[-3000:]))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = _state(session.config)
    for message in _pending_collect_errors:
        state.emit(Event(EventKind.COLLECT_ERROR, message=message))
    state.emit(Event(EventKind.END, exitstatus=int(exitstatus)))
