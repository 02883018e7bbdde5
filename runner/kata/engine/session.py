"""A pytest session started once in the warm worker, then finished by each forked child.

pytest spends most of a small check run before the first test: parsing its
command line, loading and configuring plugins, and at session start scanning
every plugin for fixtures. None of that depends on the run, so the worker does
it once per course (`prepare_course`), up to and including `pytest_sessionstart`,
and each child fills in its run's options and goes on from collection
(`ChildRun`): the tail of pytest's own `wrap_session`. A forked child is the only
user of its copy, so this is safe; the worker itself never collects or runs a test.

A child may collect before it knows its run (`kata.engine.standby`): collection
needs only the check module and the events pipe; the target, limits and the
rest of the run's options are filled in when the request comes.

What the worker's configure did with values that differ per run is redone in
the child: the kata plugin's state (target, events fd), pytest-timeout's
limit, and faulthandler's file (the child's own stderr pipe).
"""

from __future__ import annotations

import dataclasses
import faulthandler
import os
from pathlib import Path
from typing import TYPE_CHECKING

from kata.contract import RunRequest

if TYPE_CHECKING:
    from _pytest.main import Session

INI = Path(__file__).with_name("pytest.ini")

# pytest's built-in plugins that checks never use. Each registered plugin costs every
# run its fixture scan at session start, so fewer plugins is a faster check (~8 ms of ~40).
# Kept: capture (capsys), tmpdir (tmp_path), monkeypatch, skipping, faulthandler, terminal.
UNUSED_PLUGINS = (
    "cacheprovider", "stepwise", "pastebin", "legacypath", "doctest", "junitxml", "unittest",
    "setuponly", "setupplan", "debugging", "logging", "warnings", "recwarn", "python_path",
    "threadexception", "unraisableexception",
)


def pytest_args(request: RunRequest, events_fd: int, judge_fd: int | None = None) -> list[str]:
    """pytest's command line for one run (the spawn fallback and the worker's warm-up run it whole)."""
    return [
        request.checks,
        *([f"--kata-judge-fd={judge_fd}"] if judge_fd is not None else []),
        f"--kata-file={request.target}",
        f"--kata-events-fd={events_fd}",
        "-p", "kata.plugin",
        "-p", "pytest_timeout",
        f"--timeout={request.step_timeout}",
        "--timeout-method=signal",
        *(arg for name in UNUSED_PLUGINS for arg in ("-p", f"no:{name}")),
        "--import-mode=importlib",
        "-c", str(INI),
        f"--rootdir={request.rootdir or Path(request.checks).parent}",
        "-q", "--no-header", "-rN", "--tb=no",
        "-W", "ignore::DeprecationWarning",
        f"--maxfail={request.maxfail}",
    ]


# --- in the worker -------------------------------------------------------------------------

def prepare_course(rootdir: str) -> "Session":
    """A session for checks under `rootdir`, started but with nothing collected, for forks to finish.

    Output capture is `sys`, not `fd`: fd capture would share one temp file between every
    child forked from it. The placeholder path holds no conftest.py, and --confcutdir stops
    pytest looking above checks/: so the worker imports no course conftest (it might compute
    with torch, which must never happen before a fork). A checks/conftest.py still loads, in
    each child.
    """
    placeholder = RunRequest(run_id="", id="", name="", checks=str(INI.parent), target=rootdir,
                             step_timeout=10, rootdir=rootdir)
    return prepare(pytest_args(placeholder, events_fd=-1) + ["--capture=sys", f"--confcutdir={Path(rootdir) / 'checks'}"])


def prepare(args: list[str]) -> "Session":
    """Parse, configure and start a session for forks to finish; returns the Session."""
    from _pytest.config import _prepareconfig
    from _pytest.main import Session

    config = _prepareconfig(args, None)
    session = Session.from_config(config)
    config._do_configure()
    config.hook.pytest_sessionstart(session=session)
    return session


# --- in the child --------------------------------------------------------------------------

class ChildRun:
    """One child's use of the prepared session: bound to a check module, collected, then run."""

    def __init__(self, session: "Session", checks: str, events_fd: int) -> None:
        """Point the session at `checks` and the run's events pipe: all that collection needs."""
        from _pytest.faulthandler import fault_handler_stderr_fd_key

        import kata.plugin

        self.session = session
        self.checks = checks
        self.collected = False
        self.collect_error: BaseException | None = None
        config = session.config
        # pytest reads "[" in a collection argument as a parametrization, so a course under a folder
        # named "week[1]" could not run: collect the module by its bare name, relative to its folder.
        path = Path(checks)
        config.invocation_params = dataclasses.replace(config.invocation_params, dir=path.parent)
        config.args = [path.name]
        config.option.kata_file = None
        config.option.kata_events_fd = events_fd
        config.option.kata_judge_fd = None
        kata.plugin.start_state(config)
        # The worker's configure dup'ed its stderr for faulthandler; the child closed that fd with every
        # other inherited one, and unconfigure will close whatever number is in the stash. Give it ours.
        config.stash[fault_handler_stderr_fd_key] = os.dup(2)
        faulthandler.enable(file=config.stash[fault_handler_stderr_fd_key])
        # pytest's own report (progress letters, summary) to /dev/null, as the child means it to be
        # (`child._become_child`): its writer was made in the worker, on the worker's fd 1, which in a
        # child is the output pipe, so each progress letter woke the supervisor (~1 ms a write, loaded).
        # What a learner needs of a run comes as events; their prints, as the step's captured output.
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            from _pytest.config import create_terminal_writer

            reporter._tw = create_terminal_writer(config, open(os.devnull, "w"))

    def collect(self) -> None:
        """Import the check module and collect its steps (the `collected` event goes out now).

        What pytest's collection raised is kept and raised again by `finish`, where the
        run's exit status and pytest's own error report are decided.
        """
        self.collected = True
        try:
            self.session.config.hook.pytest_collection(session=self.session)
        except BaseException as exc:
            self.collect_error = exc

    def finish(self, request: RunRequest, judge_fd: int | None = None) -> int:
        """Run this request's steps against its target; returns pytest's exit status."""
        import _pytest._code
        from _pytest.main import ExitCode, Failed  # Failed: the run stopped at --maxfail
        from _pytest.outcomes import Exit

        import kata.plugin

        session, config = self.session, self.session.config
        config.option.kata_file = request.target
        config.option.kata_judge_fd = judge_fd  # judged mode: `exercise` is a proxy over this socket
        config.option.timeout = float(request.step_timeout)
        config.option.maxfail = request.maxfail
        setattr(config, "_env_timeout", float(request.step_timeout))  # pytest-timeout read it at configure
        kata.plugin.set_target(config, request.target, judge_fd, request.earlier)
        session.exitstatus = ExitCode.OK
        try:
            try:
                if self.collect_error is not None:
                    raise self.collect_error
                if not self.collected:
                    self.collected = True
                    config.hook.pytest_collection(session=session)
                config.hook.pytest_runtestloop(session=session)
                session.exitstatus = (ExitCode.TESTS_FAILED if session.testsfailed else
                                      ExitCode.NO_TESTS_COLLECTED if session.testscollected == 0 else ExitCode.OK)
            except Failed:
                session.exitstatus = ExitCode.TESTS_FAILED
            except (KeyboardInterrupt, Exit):
                session.exitstatus = ExitCode.INTERRUPTED
            except BaseException:
                session.exitstatus = ExitCode.INTERNAL_ERROR
                config.notify_exception(_pytest._code.ExceptionInfo.from_current(), config.option)
        finally:
            try:
                config.hook.pytest_sessionfinish(session=session, exitstatus=session.exitstatus)
            finally:
                config._ensure_unconfigure()
        return int(session.exitstatus)
