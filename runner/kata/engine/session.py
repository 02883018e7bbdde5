"""A pytest session started once in the warm worker, then finished by each forked child.

pytest spends most of a small check run before the first test: parsing its
command line, loading and configuring plugins, and at session start scanning
every plugin for fixtures. None of that depends on the run, so the worker does
it once per course, up to and including `pytest_sessionstart`, and each child
fills in its run's options and goes on from collection: the tail of pytest's
own `wrap_session`. A forked child is the only user of its copy, so this is
safe; the worker itself never collects or runs a test.

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


def prepare(args: list[str]) -> "Session":
    """Parse, configure and start a session for forks to finish; returns the Session."""
    from _pytest.config import _prepareconfig
    from _pytest.main import Session

    config = _prepareconfig(args, None)
    session = Session.from_config(config)
    config._do_configure()
    config.hook.pytest_sessionstart(session=session)
    return session


def finish(session: "Session", request: RunRequest, events_fd: int, judge_fd: int | None = None) -> int:
    """Collect and run this request's checks in the prepared session; returns pytest's exit status."""
    import _pytest._code
    from _pytest.faulthandler import fault_handler_stderr_fd_key
    from _pytest.main import ExitCode, Failed, _main  # Failed: the run stopped at --maxfail
    from _pytest.outcomes import Exit

    import kata.plugin

    config = session.config
    # pytest reads "[" in a collection argument as a parametrization, so a course under a folder
    # named "week[1]" could not run: collect the module by its bare name, relative to its folder.
    checks = Path(request.checks)
    config.invocation_params = dataclasses.replace(config.invocation_params, dir=checks.parent)
    config.args = [checks.name]
    config.option.kata_file = request.target
    config.option.kata_events_fd = events_fd
    config.option.kata_judge_fd = judge_fd  # judged mode: `exercise` is a proxy over this socket
    config.option.timeout = float(request.step_timeout)
    config.option.maxfail = request.maxfail
    config._env_timeout = float(request.step_timeout)  # pytest-timeout read it at configure
    kata.plugin.start_state(config)
    # The worker's configure dup'ed its stderr for faulthandler; the child closed that fd with every
    # other inherited one, and unconfigure will close whatever number is in the stash. Give it ours.
    config.stash[fault_handler_stderr_fd_key] = os.dup(2)
    faulthandler.enable(file=config.stash[fault_handler_stderr_fd_key])
    session.exitstatus = ExitCode.OK
    try:
        try:
            session.exitstatus = _main(config, session) or 0
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
