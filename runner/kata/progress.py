"""The learner's progress: what is done, skipped or started, and what is unlocked.

Progress is keyed by exercise name, so inserting an exercise never disturbs it.
It is written atomically (temp file, then `os.replace`) under an exclusive
`fcntl` lock, so two `kata` processes never corrupt it. A corrupt file is moved
aside with a warning and progress starts over; re-checking rebuilds it.
Knows nothing of pytest or of the screen: warnings are returned, not printed.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import stat
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from kata.course import Course, Exercise
from kata.results import Cause, CheckResult

try:  # fcntl is POSIX-only; elsewhere the lock degrades to atomic replace alone.
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

FORMAT = 1
LOCKED, READY, STARTED, DONE, SKIPPED = "locked", "ready", "started", "done", "skipped"


@dataclass
class Entry:
    """What we know of one exercise."""

    status: str = READY  # ready, started, done or skipped
    steps_passed: int = 0
    steps_total: int = 0
    done_hash: str = ""  # sha256 of the learner's file when it passed
    hints_shown: int = 0
    solution_viewed: bool = False
    updated: float = 0.0


_COUNTS = ("steps_passed", "steps_total", "hints_shown")
_MAX_COUNT = 10_000
_FIELD_TYPES: dict[str, type | tuple[type, ...]] = {"status": str, "steps_passed": int, "steps_total": int, "done_hash": str,
                "hints_shown": int, "solution_viewed": bool, "updated": (int, float)}


NO_VERDICT = {Cause.WORKER_CRASHED, Cause.CHECKS_BROKEN, Cause.PYTEST_BROKEN}  # no verdict on the learner's work


@dataclass
class Progress:
    entries: dict[str, Entry] = field(default_factory=dict)

    def get(self, name: str) -> Entry:
        return self.entries.get(name, Entry())

    def entry(self, name: str) -> Entry:
        return self.entries.setdefault(name, Entry())

    def is_finished(self, name: str) -> bool:
        return self.get(name).status in (DONE, SKIPPED)

    def copy(self) -> "Progress":
        return copy.deepcopy(self)

    def record(self, result: CheckResult, file_hash: str) -> bool:
        """Record a check run; done stays done even if a later run fails. Returns whether it changed.

        A run that says nothing about the learner's work (kata's worker died, the checks
        themselves cannot run) changes nothing: `started 3/4` must not become `ready 0/1`."""
        if result.cause in NO_VERDICT:
            return False
        entry = self.entry(result.name)
        entry.steps_passed = result.steps_passed
        entry.steps_total = len(result.steps)
        entry.updated = time.time()
        if result.passed:
            entry.status = DONE
            entry.done_hash = file_hash
        elif entry.status not in (DONE, SKIPPED):
            entry.status = STARTED if result.steps_passed else READY
        return True

    def skip(self, name: str) -> None:
        entry = self.entry(name)
        if entry.status != DONE:
            entry.status = SKIPPED
        entry.updated = time.time()

    def to_json(self) -> dict:
        return {"format": FORMAT, "exercises": {k: vars(v) for k, v in sorted(self.entries.items())}}

    @classmethod
    def from_json(cls, data: object) -> "Progress":
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("exercises"), dict):
            raise ValueError("not a kata progress file")
        entries = {}
        for name, raw in data["exercises"].items():
            if not isinstance(raw, dict):
                raise ValueError(f"entry {name!r} is not an object")
            entry = Entry()
            for key, value in raw.items():
                if key not in _FIELD_TYPES:
                    continue  # a field from a newer kata: ignore it
                wanted = _FIELD_TYPES[key]
                if not isinstance(value, wanted) or (isinstance(value, bool) and wanted is not bool):
                    raise ValueError(f"entry {name!r} has {key} = {value!r}")
                if key in _COUNTS and isinstance(value, int):  # below zero means nothing: `hints_shown: -10`
                    value = max(0, min(value, _MAX_COUNT))
                setattr(entry, key, value)
            if entry.status not in (READY, STARTED, DONE, SKIPPED):
                raise ValueError(f"entry {name!r} has the status {entry.status!r}")
            entries[name] = entry
        return cls(entries)


# ---- unlocking: pure functions of course + progress ----

def counts(course: Course, progress: Progress) -> tuple[int, int]:
    """How many of the course's exercises are done, and how many skipped (not done)."""
    statuses = [progress.get(ex.name).status for ex in course.exercises]
    return statuses.count(DONE), statuses.count(SKIPPED)


def next_after(course: Course, ex: Exercise) -> Exercise | None:
    """The exercise that follows `ex` in the course, or None after the last."""
    index = course.index(ex)
    return course.exercises[index + 1] if index + 1 < len(course.exercises) else None


def first_unfinished(course: Course, progress: Progress) -> Exercise | None:
    """The current exercise: the first one neither done nor skipped."""
    return next((ex for ex in course.exercises if not progress.is_finished(ex.name)), None)


def blocker(course: Course, progress: Progress, ex: Exercise) -> Exercise | None:
    """The exercise to finish before `ex` unlocks, or None when `ex` is unlocked.

    An exercise the learner has already worked on stays unlocked, even when an
    instructor later inserts a new exercise before it.
    """
    if progress.get(ex.name).status in (DONE, SKIPPED, STARTED):
        return None
    for earlier in course.exercises[: course.index(ex)]:
        if not progress.is_finished(earlier.name):
            return earlier
    return None


def state_of(course: Course, progress: Progress, ex: Exercise) -> str:
    """locked, ready, started, done or skipped, as `kata list` shows it."""
    entry = progress.get(ex.name)
    if entry.status in (DONE, SKIPPED):
        return entry.status
    if blocker(course, progress, ex) is not None:
        return LOCKED
    return STARTED if entry.steps_passed else READY


# ---- the store on disk ----

class ProgressStore:
    """Reads and writes `.kata/progress.json` safely between processes."""

    MAX_BYTES = 4 * 1024 * 1024  # a real progress file is a few kB

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.warnings: list[str] = []
        self.unsaved: str | None = None  # why the last save failed (a read-only workspace), else None
        self._seen: tuple[int, ...] | None | bool = False  # the file as last read or written; False: never

    def _identity(self) -> tuple[int, ...] | None:
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        return info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns

    def changed(self) -> bool:
        """Whether the file may differ from what this store last read or wrote: a `stat`, no read.
        Every save replaces the file (a new inode), so another process's save always shows."""
        return self._seen is False or self._identity() != self._seen

    def load(self) -> Progress:
        self._seen = self._identity()  # before reading: a change while reading shows as changed next time
        try:
            raw = self._read()
        except FileNotFoundError:
            return Progress()
        except OSError as exc:
            return self._set_aside(f"could not be read ({exc.strerror or exc})")
        try:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            return Progress.from_json(json.loads(raw.decode("utf-8")))
        except RecursionError:
            return self._set_aside("is corrupt (nested too deeply)")
        except (ValueError, TypeError) as exc:
            return self._set_aside(f"is corrupt ({exc})")

    def _read(self) -> bytes:
        """The file's bytes. Opened without blocking and checked to be a regular file first, so a
        FIFO or a device put in its place is set aside instead of hanging every command."""
        fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise OSError(0, "it is not a regular file")
            if info.st_size > self.MAX_BYTES:
                raise OSError(0, f"it is {info.st_size:,} bytes, far too large")
            chunks = []
            while chunk := os.read(fd, 1 << 16):
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            os.close(fd)

    def _set_aside(self, why: str) -> Progress:
        aside = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
        try:
            os.replace(self.path, aside)
            where = f"it was moved to {aside}"
        except OSError:
            where = "it could not be moved aside"
        self._seen = self._identity()
        self.warnings.append(
            f"Your progress file {self.path} {why}; {where}. Progress starts over: "
            "run `kata check --all` to rebuild it from your files."
        )
        return Progress()

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """An exclusive lock between kata processes; where the lock file cannot be made (a read-only
        workspace) there is nothing to protect, since nothing can be saved either: go on unlocked."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(self.lock_path, "a+")
        except OSError:
            yield
            return
        with handle:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(handle, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def update(self) -> Iterator[Progress]:
        """Load, let the caller change, and save, all under the lock.

        A save that fails (a read-only or full disk) does not raise: the changed progress is still
        the caller's to show, `unsaved` says why it was not kept, and a warning says so.
        """
        with self.locked():
            progress = self.load()
            yield progress
            self.save(progress)

    def save(self, progress: Progress) -> bool:
        """Write `progress` (the caller holds the lock). A failure (a read-only or full disk) does not
        raise: `unsaved` says why and a warning says so. Returns whether it was saved."""
        try:
            self._write(progress)
        except OSError as exc:
            self.unsaved = exc.strerror or str(exc)
            self.warnings.append(f"your progress could not be saved to {self.path} ({self.unsaved}), so this "
                                 f"change is lost. Make {self.path.parent} writable to keep your progress.")
            return False
        self.unsaved = None
        self._seen = self._identity()
        return True

    def _write(self, progress: Progress) -> None:
        data = json.dumps(progress.to_json(), indent=2, sort_keys=True)
        fd, tmp = tempfile.mkstemp(prefix=".progress-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(data + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
