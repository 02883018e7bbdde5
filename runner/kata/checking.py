"""Checking exercises: picks targets, honours locks, runs the engine, records progress.

The shared path of `kata check` and `kata watch`. Returns plain results and
never prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from kata.contract import Event
from kata.course import Exercise, step_names
from kata.engine import CheckRequest, Engine
from kata import notebook
from kata.progress import DONE, Progress, blocker, next_after
from kata.results import LOCKED, CheckResult, StepResult
from kata.workspace import Workspace


def locked_result(ex: Exercise, first: Exercise, target: str) -> CheckResult:
    why = f"{ex.id} {ex.name} is locked: finish {first.id} {first.name} first (or `kata skip {first.id}`)."
    return CheckResult(id=ex.id, name=ex.name, target=target, status=LOCKED,
                       steps=_unrun_steps(ex, LOCKED, why), message=why)


def _unrun_steps(ex: Exercise, outcome: str, why: str) -> list[StepResult]:
    """The exercise's steps, none of them run, each saying why (JSON readers see only steps)."""
    return [StepResult(index=i, name=n, title=t, outcome=outcome, message=why)
            for i, (n, t) in enumerate(step_names(ex.checks), 1)]


def check_file(engine: Engine, ex: Exercise, target: Path,
               on_event: Callable[[Event], None] | None = None) -> CheckResult:
    """Check any file against an exercise: never locked, never recorded."""
    return engine.check(CheckRequest(ex, Path(target).resolve(), str(target)), on_event)


def check_in_workspace(engine: Engine, ws: Workspace, ex: Exercise, progress: Progress,
                       on_event: Callable[[Event], None] | None = None) -> tuple[CheckResult, Progress]:
    """Check the learner's own file, if unlocked, and save the verdict to progress.

    The check runs without the lock; recording re-reads progress under the
    lock, so a verdict from another `kata` process in the meantime is kept too.
    """
    result, progress, digest = check_unsaved(engine, ws, ex, progress, on_event)
    if digest is None:
        return result, progress
    return result, record_verdict(ws, result, digest)


def check_unsaved(engine: Engine, ws: Workspace, ex: Exercise, progress: Progress,
                  on_event: Callable[[Event], None] | None = None, target: Path | None = None,
                  label: str | None = None) -> tuple[CheckResult, Progress, str | None]:
    """Check and record the verdict in memory only; returns it with the checked file's digest.

    Watch draws the verdict first and saves it with `record_verdict` after,
    keeping the disk off the path from save to screen. The digest is None when
    nothing ran (locked, or the file is missing), so there is nothing to save.
    The file checked is the learner's (`Workspace.source_of`: a notebook, or its `.py` pair when
    that holds newer code), or `target` (`%%kata`: one notebook cell), shown as `label`.
    """
    path = target if target is not None else ws.source_of(ex)
    label = label or str(path.relative_to(ws.root))
    first = blocker(ws.course, progress, ex)
    if first is not None:
        return locked_result(ex, first, label), progress, None
    if not path.exists():
        why = f"{label} is missing. Run `kata reset {ex.id}` to get the stub back."
        missing = CheckResult(id=ex.id, name=ex.name, target=label, status="error",
                              steps=_unrun_steps(ex, "error", why), message=why)
        return missing, progress, None
    digest = notebook.digest(path)
    result = engine.check(CheckRequest(ex, path, label), on_event)
    progress.record(result, digest)
    return result, progress, digest


def record_verdict(ws: Workspace, result: CheckResult, digest: str) -> Progress:
    """Save one verdict under the progress lock; returns the progress as it now stands."""
    with ws.progress.update() as fresh:
        fresh.record(result, digest)
    return fresh


def unlock_news(ws: Workspace, before: Progress, ex: Exercise) -> Callable[[Progress], str | None]:
    """What to say once `ex` passes, decided from the progress before its check: only what is new.
    Re-checking an exercise already done unlocks nothing, so it says nothing. Returns a function of
    the progress after the check, giving the line to show or None."""
    following = next_after(ws.course, ex)
    was_done = before.get(ex.name).status == DONE
    was_locked = following is not None and blocker(ws.course, before, following) is not None

    def say(after: Progress) -> str | None:
        if following is None:
            return None if was_done else "That was the last exercise of the course. Congratulations!"
        if was_locked and blocker(ws.course, after, following) is None:
            return f"Unlocked: {following.id} {following.title} → {ws.file_of(following).relative_to(ws.root)}"
        return None
    return say
