"""The learner's session: one workspace, its progress, and every rule a learner meets.

`kata check`, `hint`, `skip`, `list`, `solution`, `kata watch` and `%kata` all go through it,
so which exercise is current, what a pass unlocks, how hints count and what a verdict records
are each decided here once. Changes are made in memory first and saved after, under the
progress lock; when another `kata` process wrote in between, the file is read again and the
changes are replayed onto it, so both keep theirs. Never prints; warnings are handed back.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from kata import messages, notebook, stubs
from kata.checking import Checker, OnEvent, locked_result, missing_result
from kata.course import Course, Exercise
from kata.engine.client import CheckRequest
from kata.errors import KataError
from kata.progress import DONE, SKIPPED, Progress, blocker, counts, first_unfinished, next_after, state_of
from kata.results import CheckResult
from kata.workspace import Workspace

Change = Callable[[Progress], object]
T = TypeVar("T")


@dataclass(frozen=True)
class Source:
    """The file a check reads, as the learner names it, and what identifies its content."""

    path: Path
    label: str
    digest: str  # "" when it cannot be read
    note: str | None = None  # a notebook and its `.py` differ: which was checked (kata.notebook.pair)


@dataclass(frozen=True)
class Verdict:
    """A check's result and what it means for the learner."""

    result: CheckResult
    source: Source
    ran: bool  # False when locked or missing: nothing to save, nothing was checked
    unlocked: Exercise | None  # the exercise this pass unlocked; None when nothing new unlocked
    finished_course: bool  # this pass finished the last exercise, for the first time
    written: tuple[Path, ...] = ()  # the stubs this pass unlocked, written into the workspace now


@dataclass(frozen=True)
class Skipped:
    exercise: Exercise
    already: str | None  # "done" or "skipped" when it was, and nothing changed
    following: Exercise | None  # the current exercise now
    written: tuple[Path, ...] = ()  # the stubs the skip unlocked, written into the workspace now


@dataclass(frozen=True)
class SkipPreview:
    """What skipping an exercise would bring, asked before the skip: the stubs it would write, and
    those of them that hold part of its answer as working code (with the functions they hold)."""

    exercise: Exercise
    writes: tuple[Exercise, ...]
    answers: dict[Exercise, list[str]]


class Session:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.course: Course = ws.course
        self.store = ws.progress
        self._progress: Progress | None = None
        self._pending: list[Change] = []  # changes made in memory and not yet saved

    # ---- progress ----
    @property
    def progress(self) -> Progress:
        """Progress as this session knows it: loaded once, then kept, with its own changes."""
        if self._progress is None:
            self.refresh()
        assert self._progress is not None
        return self._progress

    def refresh(self) -> Progress:
        """Progress as on disk now (another terminal may have skipped or passed one): reads the
        file only when it changed since this session last read or wrote it."""
        if self._progress is None or self.store.changed():
            self._progress = self.store.load()
            for change in self._pending:
                change(self._progress)
        return self._progress

    def _change(self, change: Callable[[Progress], T]) -> T:
        outcome = change(self.progress)
        self._pending.append(change)
        return outcome

    def save(self) -> str | None:
        """Save the changes made since the last save; returns why it failed (a read-only
        workspace), else None. Unsaved changes stay in memory and go with the next save."""
        if self._pending:
            with self.store.locked():
                self._write()
        return self.unsaved

    def _write(self) -> None:
        if self.store.save(self.refresh()):
            self._pending.clear()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[Progress]:
        """Decide and change under the lock, from progress as on disk, then save."""
        with self.store.locked():
            yield self.refresh()
            if self._pending:
                self._write()

    @property
    def unsaved(self) -> str | None:
        return self.store.unsaved

    def take_warnings(self) -> list[str]:
        """What loading or saving progress warned about (a corrupt file set aside), once."""
        warnings, self.store.warnings[:] = list(self.store.warnings), []
        return warnings

    # ---- where the learner is ----
    def current(self) -> Exercise | None:
        """The current exercise: the first neither done nor skipped; None when all are."""
        return first_unfinished(self.course, self.progress)

    def exercise(self, ident: str | None, command: str) -> Exercise:
        """Exercise `ident`, or the current one; with none current, says how to name one."""
        if ident:
            return self.course.find(ident)
        current = self.current()
        if current is None:
            raise KataError(messages.ALL_FINISHED, f"Name one, e.g. `kata {command} 01`.")
        return current

    def go_on_from(self, ex: Exercise) -> Exercise | None:
        """Where to go from `ex`: the next exercise still to do, past any done or skipped; else
        simply the next; None after the last."""
        later = self.course.exercises[self.course.index(ex) + 1:]
        todo = [e for e in later if not self.progress.is_finished(e.name)]
        return next(iter(todo or later), None)

    def is_done(self, ex: Exercise) -> bool:
        return self.progress.get(ex.name).status == DONE

    def is_finished(self, ex: Exercise) -> bool:
        return self.progress.is_finished(ex.name)

    def state(self, ex: Exercise) -> str:
        return state_of(self.course, self.progress, ex)

    def counts(self) -> tuple[int, int]:
        """Exercises done, and skipped (counted apart)."""
        return counts(self.course, self.progress)

    def changed_since_done(self, ex: Exercise) -> bool:
        entry = self.progress.get(ex.name)
        return entry.status == DONE and bool(entry.done_hash) and entry.done_hash != self.ws.digest_of(ex)

    def path(self, ex: Exercise) -> str:
        """The learner's file for `ex`, relative to the workspace, as messages show it."""
        return str(self.ws.file_of(ex).relative_to(self.ws.root))

    # ---- checking ----
    def source(self, ex: Exercise, target: Path | None = None, label: str | None = None) -> Source:
        """The file a check of `ex` reads (`Workspace.source_of`, or `target` shown as `label`),
        read once for its digest; the check and the record use that digest."""
        if target is not None:
            return Source(target, label or str(target.relative_to(self.ws.root)), notebook.digest(target))
        choice = self.ws.choice_of(ex)
        path = choice.path
        return Source(path, label or str(path.relative_to(self.ws.root)), notebook.digest(path), choice.note)

    def check(self, engine: Checker, ex: Exercise, source: Source | None = None,
              on_event: OnEvent | None = None, record: bool = True, carry: bool = True) -> Verdict:
        """Check the learner's file, if unlocked, and record the verdict in memory (`save` keeps it).
        With `record=False` (code that is not the learner's saved file: a `%%kata` cell) nothing is
        recorded and nothing unlocks. With `carry=False` the carry step is left to the caller
        (`carry` below): `kata watch` draws the verdict first, since the step never changes it."""
        source = source or self.source(ex)
        progress = self.progress
        following = next_after(self.course, ex)
        was_done = progress.get(ex.name).status == DONE
        was_locked = following is not None and blocker(self.course, progress, following) is not None
        first = blocker(self.course, progress, ex)
        if first is not None:
            return Verdict(locked_result(ex, first, source.label), source, False, None, False)
        if not source.path.exists():
            return Verdict(missing_result(ex, source.label), source, False, None, False)
        result = engine.check(CheckRequest(ex, source.path, source.label), on_event)
        if carry and record:
            self.carry(engine, ex, Verdict(result, source, True, None, False))
        if not record:
            return Verdict(result, source, True, None, False)
        before = progress.copy() if result.passed else progress
        if progress.record(result, source.digest):
            self._pending.append(lambda fresh: fresh.record(result, source.digest))
        unlocked = following if (result.passed and was_locked and following is not None
                                 and blocker(self.course, progress, following) is None) else None
        written = stubs.write_new(self.ws, stubs.newly_allowed(self.course, before, progress)) if result.passed else []
        return Verdict(result, source, True, unlocked, result.passed and following is None and not was_done,
                       tuple(written))

    def carry(self, engine: Checker, ex: Exercise, verdict: Verdict) -> str:
        """The carry step of a passing verdict: K once more on the learner's own earlier exercises
        (kata.carry). The notice lands on `verdict.result.carry` and is returned ("" when there is
        none); the verdict itself stays K's."""
        result = verdict.result
        if not (result.passed and verdict.ran):
            return ""
        from kata import breaks
        from kata.carry import carry_notice, with_carry

        def saved_since() -> bool:  # the step reads the file again: it must be the one the verdict judged
            return notebook.digest(verdict.source.path) != verdict.source.digest

        if saved_since():
            return ""  # saved again since the verdict: that save's check carries
        skipped = frozenset(e.id for e in self.course.exercises if self.progress.get(e.name).status == SKIPPED)
        notice = carry_notice(engine, ex, verdict.source.path, verdict.source.label, skipped)
        if saved_since():
            return ""  # saved during the step (an editor's truncate, then write): it may have run on neither
        with_carry(result, notice)
        breaks.note(self.ws.state_dir, ex.id, breaks.carried_from(notice))  # for `kata list`
        return notice

    # ---- the learner's other steps ----
    def show_hint(self, ex: Exercise) -> int:
        """One more hint of `ex` shown (up to all of them), saved; returns how many are shown."""
        def one_more(progress: Progress) -> int:
            entry = progress.entry(ex.name)
            entry.hints_shown = min(entry.hints_shown + 1, len(ex.hints))
            return entry.hints_shown

        with self._locked():
            shown = self._change(one_more)
        return shown

    def hints_shown(self, ex: Exercise) -> int:
        return self.progress.get(ex.name).hints_shown

    def skip(self, ident: str | None) -> Skipped:
        """Skip exercise `ident` (default: the current one), so the next one unlocks. A locked
        exercise cannot be skipped; one done or skipped already stays as it is."""
        with self._locked() as progress:
            ex = self.course.find(ident) if ident else self.current()
            if ex is None:
                raise KataError(messages.NOTHING_TO_SKIP, messages.NOTHING_TO_SKIP_FIX)
            first = blocker(self.course, progress, ex)
            if first is not None:
                raise KataError(*messages.cannot_skip_locked(ex, first))
            status = progress.get(ex.name).status
            if status in (DONE, SKIPPED):
                return Skipped(ex, status, None)
            before = progress.copy()
            self._change(lambda fresh: fresh.skip(ex.name))
            written = stubs.write_new(self.ws, stubs.newly_allowed(self.course, before, self.progress))
        return Skipped(ex, None, self.current(), tuple(written))

    def skip_preview(self, ident: str | None) -> SkipPreview | None:
        """What `skip(ident)` would write, before it does; None when it would change nothing or refuse
        (`skip` then says why). A stub the learner has a file of already is not written again."""
        progress = self.refresh()
        ex = self.course.find(ident) if ident else self.current()
        if ex is None or blocker(self.course, progress, ex) is not None or progress.is_finished(ex.name):
            return None
        after = progress.copy()
        after.skip(ex.name)
        writes = [e for e in stubs.newly_allowed(self.course, progress, after) if not stubs.has_file(self.ws, e)]
        return SkipPreview(ex, tuple(writes), stubs.answers_brought(self.course, ex, writes))

    def view_solution(self, ex: Exercise) -> None:
        """Note that the solution was seen (saved)."""
        def seen(progress: Progress) -> None:
            progress.entry(ex.name).solution_viewed = True

        with self._locked():
            self._change(seen)
