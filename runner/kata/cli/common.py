"""What the commands share: colour, warnings, confirmation, links, and finding the course."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from kata.course import Course, load_course
from kata.errors import KataError
from kata.procs import stat_fields
from kata.session import Session
from kata.workspace import bundled_course_dir, find_workspace


def _process_start() -> float:
    """When this process started, on the monotonic clock: what a learner waits for counts from
    there (Python, kata, PyTorch, the checks). Linux knows it; elsewhere, from this import on."""
    now = time.monotonic()
    try:
        fields = stat_fields() or []
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: start time since boot
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - started
        return now - age if 0 <= age < 60 else now
    except (OSError, ValueError, IndexError, AttributeError):
        return now


STARTED = _process_start()


def color() -> bool:
    return sys.stdout.isatty()


def warn(text: str) -> None:
    click.secho(f"warning: {text}", fg="yellow", err=True)


def echo_warnings(session: Session) -> None:
    """Loads progress if it is not yet, and says what loading or saving it warned about."""
    session.progress  # noqa: B018 - loading is what may warn
    for warning in session.take_warnings():
        warn(warning)


def confirmed(question: str, refusal: str, fix: str) -> bool:
    """Ask in a terminal; with no terminal to ask in, refuse (exit 2) and say which flag to add."""
    if not sys.stdin.isatty():
        raise KataError(refusal, fix)
    return click.confirm(question, default=False)


def links(text: str) -> str:
    """File locations as OSC 8 hyperlinks, where the terminal shows them (else unchanged)."""
    if not color():
        return text
    from kata.watch.editor import hyperlinks, supports_hyperlinks

    return hyperlinks(text) if supports_hyperlinks(os.environ) else text


def shown_path(path: Path) -> str:
    """`path` relative to the current folder when it is inside it, else absolute."""
    full = path.resolve()
    try:
        return str(full.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(full)


def course_from(course_spec: str | None, solutions: Path | None = None) -> Course:
    """`--course` if given; else the course of the current folder, of the workspace, or the bundled one.
    `solutions`: a folder of solutions to use instead of the course's own (`verify --solutions`)."""
    from kata.course_sources import resolve

    if course_spec is not None:
        return load_course(resolve(course_spec), solutions)
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "kata.toml").is_file():
            return load_course(folder, solutions)
    try:
        course = find_workspace().course
        return load_course(course.root, solutions) if solutions else course
    except KataError:
        return load_course(bundled_course_dir(), solutions)


def inside(folder: Path, root: Path) -> bool:
    here = folder.resolve()
    return here == root or root in here.parents
