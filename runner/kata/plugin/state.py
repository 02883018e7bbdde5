"""The plugin's state for one run: its target, events pipe, steps and what each step came to.

One `State` per configured session, in the config's stash. A child that finishes a session
the warm worker started (`kata.engine.session`) makes its own with `start_state`, and names
the target with `set_target` once its request has come.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kata.contract import Cause, Event, framing
from kata.course import MANIFEST, describe_filename


class LearnerExit(Exception):
    """The learner's code tried to end the process; reported as a plain failure instead."""


@dataclass
class State:
    """One run's target, events pipe and the steps' outcomes so far."""

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
    earlier: str = ""  # which files `earlier(...)` imports (RunRequest.earlier): "", "yours", "yours-but:05"

    def emit(self, event: Event) -> None:
        if self.events_fd is None:
            return
        # The leading newline ends any half line the learner's code wrote to this fd first.
        view = memoryview(framing.line(event.to_wire()))
        while view:
            written = os.write(self.events_fd, view)
            view = view[written:]


KEY = pytest.StashKey[State]()


active: list[State] = []  # the running session's state, for hooks that get no config


def start_state(config: pytest.Config) -> None:
    """This run's state, from the options. The engine calls it again in a child that finishes a
    session the warm worker configured, once the run's own target and events fd are set."""
    file = config.getoption("kata_file")
    config.stash[KEY] = State(
        target_kind=config.getoption("kata_target"),
        target_file=Path(file).resolve() if file else None,
        events_fd=config.getoption("kata_events_fd"),
        judge_fd=config.getoption("kata_judge_fd"),
    )
    active[:] = [config.stash[KEY]]


def set_target(config: pytest.Config, file: str | None, judge_fd: int | None = None, earlier: str = "") -> None:
    """The run's target (and judged mode's socket), for a child that collected before it knew them."""
    state = config.stash[KEY]
    state.target_file = Path(file).resolve() if file else None
    state.judge_fd = judge_fd
    state.earlier = earlier


def state_of(config: pytest.Config) -> State:
    return config.stash[KEY]


def target_for(check_file: Path, state: State) -> Path:
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
