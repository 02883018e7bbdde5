"""Reading a check child's pipes: event lines split and capped, applied to the run's state.

Every line is parsed as an `Event`; one that is malformed, over-long or not an event a child
may send (a forged `result`) is dropped. Output is kept up to MAX_OUTPUT bytes.
"""

from __future__ import annotations

import fcntl
import os
import selectors
import struct
import termios
import time

from kata.contract import framing
from kata.contract import CHILD_EVENTS, CRASHED, ERROR, Cause, Event, EventKind, StepResult
from kata.engine.verdict import RunState, memory_verdict

MAX_OUTPUT = 64 * 1024
MAX_EVENT_LINE = 4 * 1024 * 1024  # longer event lines are dropped: the worker's memory is not the child's to fill


def at_eof(fd: int) -> bool:
    """True when `fd` (a pipe that select called readable) holds no data, i.e. its writer closed it."""
    try:
        buf = fcntl.ioctl(fd, termios.FIONREAD, struct.pack("i", 0))
        return struct.unpack("i", buf)[0] == 0
    except OSError:
        return True


class Lines(framing.LineSplitter):
    """Splits the events stream into lines, dropping any line longer than MAX_EVENT_LINE."""

    def __init__(self) -> None:
        super().__init__(MAX_EVENT_LINE, drop_oversized=True)


def drain(selector: selectors.BaseSelector, run: RunState, reader: Lines, wait_s: float = 0.05) -> None:
    """Read what a dead (or finished) child left in its pipes, without waiting on a grandchild
    longer than `wait_s` for more."""
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        ready = [(key, mask) for key, mask in selector.select(timeout=wait_s) if key.data != "abort"]
        if not ready:
            return
        for key, _ in ready:
            try:
                data = os.read(key.fd, 65536)
            except OSError:
                data = b""
            if not data:
                selector.unregister(key.fd)
                continue
            take(run, key.data, data, reader)
        if not any(key.data != "abort" for key in selector.get_map().values()):
            return


def take(run: RunState, stream: str, data: bytes, reader: Lines) -> list[Event]:
    """Take one chunk from the child: output is kept (capped); whole event lines are applied.

    Returns the events applied; a line that is not a well-formed event, or not one a child
    may send (a forged `result`), is ignored.
    """
    if stream == "output":
        _keep_output(run, data)
        return []
    events = [event for event in map(_parse, reader.feed(data)) if event is not None and event.kind in CHILD_EVENTS]
    for event in events:
        _apply(run, event)
    return events


def _parse(line: bytes) -> Event | None:
    try:
        return Event.from_wire(framing.parse(line))
    except framing.FrameError:
        return None


def _keep_output(run: RunState, data: bytes) -> None:
    room = MAX_OUTPUT - len(run.output)
    if room > 0:
        run.output += data[:room]
    run.dropped += max(len(data) - max(room, 0), 0)


MAX_STEPS = 1000  # step events for more steps than that are ignored


def _apply(run: RunState, event: Event) -> None:
    kind = event.kind
    if kind == EventKind.COLLECTED:
        run.result.steps = [StepResult(index=s.index, name=s.name, title=s.title) for s in event.steps[:MAX_STEPS]]
    elif kind == EventKind.START:
        run.running = event.index
    elif kind == EventKind.STEP:
        if len(run.result.steps) >= MAX_STEPS and not any(s.index == event.index for s in run.result.steps):
            return
        step = run.step(event.index)
        step.outcome = event.outcome or ERROR
        step.message = event.message
        step.duration_s = event.duration_s
        step.output = event.output
        step.cause = event.cause
        run.running = None
        if not run.memory_marked and run.sandbox.oom_kills() > run.oom_before:
            # A process of this step was killed for memory (perhaps a helper it started,
            # while the step itself went on): the step's verdict is that, whatever it returned.
            step.outcome, step.message, step.cause = CRASHED, memory_verdict(run.memory_mb), Cause.MEMORY_LIMIT
            run.memory_marked = True
    elif kind == EventKind.COLLECT_ERROR:
        run.collect_error = event.message
    elif kind == EventKind.INTERNAL_ERROR:
        run.internal_error = event.message
    elif kind == EventKind.INTEGRITY:
        if event.message and event.message not in run.result.integrity and len(run.result.integrity) < 20:
            run.result.integrity.append(event.message[:300])
    elif kind == EventKind.END:
        run.ended = True
        run.exitstatus = event.exitstatus
