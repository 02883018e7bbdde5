"""The learner's everyday commands: list, hint, solution, reset, skip, watch.

Each is a thin shell over the learner's session (`kata.session`), where the rules live.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kata import messages, report
from kata.cli.common import confirmed, echo_warnings
from kata.errors import KataError
from kata.progress import LOCKED, STARTED, blocker
from kata.session import Session
from kata.stubs import has_file, write_stub
from kata.workspace import find_workspace


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def list_cmd(as_json: bool) -> None:
    """Every exercise with its state: locked, ready, k/n steps pass, done or skipped."""
    ws = find_workspace()
    session = Session(ws)
    echo_warnings(session)
    from kata import breaks

    marks = breaks.read(ws.state_dir)  # earlier exercise -> the later one its carry step found it breaking
    if as_json:
        click.echo(json.dumps([{
            "id": ex.id, "name": ex.name, "title": ex.title, "path": session.path(ex),
            "status": session.state(ex), "steps_passed": session.progress.get(ex.name).steps_passed,
            "steps_total": session.progress.get(ex.name).steps_total,
            "changed_since_passed": session.changed_since_done(ex),
            "breaks": marks.get(ex.id, ""),
        } for ex in ws.course.exercises], indent=2))
        return
    click.echo(report.course_progress(ws.course, session.progress))
    for ex in ws.course.exercises:
        state, entry = session.state(ex), session.progress.get(ex.name)
        shown = f"{entry.steps_passed}/{entry.steps_total} steps pass" if state == STARTED else state
        note = "  (changed since it passed)" if session.changed_since_done(ex) else ""
        if ex.id in marks:
            note += f"  (exercise {marks[ex.id]} fails on it: `kata check {marks[ex.id]}` says how)"
        where = "its file appears when it unlocks" if state == LOCKED and not has_file(ws, ex) else session.path(ex)
        click.echo(f"  {ex.id}  {shown:<12} {ex.title}  [{where}]{note}")


@click.command("hint")
@click.argument("ident", required=False)
def hint_cmd(ident: str | None) -> None:
    """Show the next hint for an exercise (default: the current one), one more each time."""
    session = Session(find_workspace())
    ex = session.exercise(ident, "hint")
    if not ex.hints:
        click.echo(messages.no_hints(ex))
        return
    shown = session.show_hint(ex)
    echo_warnings(session)
    for number in range(1, shown + 1):
        click.echo(messages.hint(ex, number))
    if shown == len(ex.hints):
        click.echo(messages.last_hint(ex))


@click.command("solution")
@click.argument("ident")
@click.option("--yes", "-y", is_flag=True, help="Show it without asking, even if the exercise is not done.")
def solution_cmd(ident: str, yes: bool) -> None:
    """Show the solution: freely once the exercise is done; before that, only if you confirm."""
    ws = find_workspace()
    ex = ws.course.find(ident)
    if not ws.course.ships_solutions:
        raise ws.course.no_solutions(ex)
    session = Session(ws)
    echo_warnings(session)
    if not session.is_done(ex) and not yes and not confirmed(*messages.solution_held(ex)):
        click.echo(messages.KEPT_HIDDEN)
        return
    session.view_solution(ex)
    click.echo(f"# solutions/{ex.filename}")
    click.echo(ex.solution.read_text(encoding="utf-8"))


@click.command("reset")
@click.argument("ident")
@click.option("--yes", "-y", is_flag=True, help="Do not ask first.")
def reset_cmd(ident: str, yes: bool) -> None:
    """Restore an exercise's stub; your current file is backed up to .kata/backups/ first. A file you
    deleted comes back this way. A locked exercise has no stub until it unlocks."""
    ws = find_workspace()
    ex = ws.course.find(ident)
    path = ws.file_of(ex)
    shown = path.relative_to(ws.root)
    session = Session(ws)
    echo_warnings(session)
    first = blocker(ws.course, session.progress, ex)
    if first is not None and not has_file(ws, ex):  # its stub may hold the answer to `first`
        raise KataError(*messages.locked_stub(ex, first))
    if not has_file(ws, ex):  # deleted: written as `kata init` writes it (a notebook, in a notebook workspace)
        created, _ = write_stub(ws, ex)
        click.echo(messages.stub_written(str(created[0].relative_to(ws.root)) if created else str(shown), ex))
        return
    if not yes and path.exists():
        if not confirmed(f"Replace {shown} with the original stub? (a backup is kept)",
                         f"Resetting {shown} replaces your work (after a backup).",
                         f"Run `kata reset {ex.id} --yes` to do it."):
            click.echo(messages.NOTHING_CHANGED)
            return
    backup = ws.restore_stub(ex)
    if backup is not None:
        click.echo(f"Your file was saved to {backup.relative_to(ws.root)}")
    click.echo(messages.stub_written(str(shown), ex))


@click.command("skip")
@click.argument("ident", required=False)
@click.option("--yes", "-y", is_flag=True, help="Do not ask first, even when the next stub holds this one's answer.")
def skip_cmd(ident: str | None, yes: bool) -> None:
    """Skip an exercise (default: the current one): the next one unlocks and its stub is written.
    Checking it later can still make it done. A locked exercise cannot be skipped: skip the one that
    locks it first. When the next stub carries this exercise's answer, kata says so and asks first."""
    session = Session(find_workspace())
    preview = session.skip_preview(ident)
    if preview is not None and preview.answers:
        notice, question, refusal, fix = messages.skip_brings_answer(
            preview.exercise, preview.answers, {ex: session.path(ex) for ex in preview.answers})
        click.echo(notice)
        if not yes and not confirmed(question, refusal, fix):
            click.echo(messages.NOTHING_CHANGED)
            return
    try:
        outcome = session.skip(ident)
    finally:
        echo_warnings(session)
    ex, following = outcome.exercise, outcome.following
    if outcome.already:
        click.echo(messages.already(ex, outcome.already))
        return
    if session.unsaved:  # a read-only workspace: saying "Skipped" would be a promise the disk did not keep
        raise KataError(f"{ex.id} {ex.name} was not skipped: {session.unsaved}",
                        "Make the workspace writable, then run `kata skip` again.")
    built_on = following is not None and _builds_on(following)
    click.echo(messages.skipped(ex, following, session.path(following) if following else "", built_on))


@click.command("watch")
@click.option("--poll", is_flag=True, help="Poll for changes instead of using file events.")
@click.option("--events", "events_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Append one JSON line per verdict to this file.")
@click.option("--open", "open_editor", is_flag=True,
              help="Open the current exercise with $VISUAL or $EDITOR at start and on `n` "
                   "(in VS Code's terminal, `code -r` does this without --open).")
def watch_cmd(poll: bool = False, events_file: Path | None = None, open_editor: bool = False) -> None:
    """Re-run the current exercise's checks on every save (bare `kata` does this)."""
    from kata.watch import run_watch

    ws = find_workspace()
    sys.exit(run_watch(ws, poll=poll, events_file=events_file, open_editor=open_editor))


def _builds_on(ex) -> bool:
    """Whether `ex`'s stub imports earlier exercises (kata.earlier)."""
    try:
        return "earlier(" in ex.stub.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
