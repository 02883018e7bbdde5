"""`kata check`: the checks of one or more exercises, as text, JSON Lines or gcc-style lines.

In a workspace it checks the learner's own files through their session (locks, progress,
what unlocks); with `--file` it checks any file, never locked and never recorded.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from kata import messages, notebook, report
from kata.cli.common import STARTED, color, echo_warnings, links, shown_path
from kata.course import Exercise, load_course
from kata.errors import KataError
from kata.results import CheckResult
from kata.session import Session
from kata.workspace import Workspace, bundled_course_dir, find_workspace

FORMATS = ("text", "json", "gcc")


@click.command("check")
@click.argument("ids", nargs=-1)
@click.option("--all", "check_all", is_flag=True, help="Check every exercise.")
@click.option("--file", "file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Check this file instead of your workspace copy (never locked, never recorded).")
@click.option("--course", "course_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="With --file outside a workspace: the course to take checks from.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per exercise (as --format json).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="text (the default); json; or gcc: one `path:line:col: error: message` line per failing "
                   "step, for editors' problem matchers and CI annotations.")
def check_cmd(ids: tuple[str, ...], check_all: bool, file: Path | None, course_dir: Path | None, as_json: bool,
              fmt: str | None) -> None:
    """Run the checks of exercise IDS (05, 5 or a name); default: the current exercise.

    A notebook (.ipynb) is checked as the module its code cells make."""
    from kata.checking import check_file
    from kata.engine.shared import command_engine

    if as_json and fmt not in (None, "json"):
        raise click.UsageError(f"--json and --format {fmt} ask for two formats: give one of them.")
    fmt = "json" if as_json else (fmt or "text")
    if file is not None and not file.is_file():
        raise click.BadParameter(f"{file} does not exist. Give the path of a Python file or notebook to check.",
                                 param_hint="--file")
    ws = _workspace(needed=file is None or course_dir is None, optional=file is not None)
    course = load_course(course_dir) if course_dir else (ws.course if ws else load_course(bundled_course_dir()))
    session = Session(ws) if ws is not None and file is None else None
    if session is not None:
        echo_warnings(session)
    if check_all or ids:
        exercises = list(course.exercises) if check_all else [course.find(i) for i in ids]
    elif file is not None:
        raise click.UsageError(f"Which exercise should {file} be checked against? Name one, e.g. "
                               f"`kata check 01 --file {file}`, or use --all.")
    else:
        current = session.current() if session is not None else None
        if current is None:
            click.echo(messages.all_finished())
            return
        exercises = [current]
    results, unsaved, since = [], None, STARTED
    with command_engine() as engine:
        for ex in exercises:
            pair_note = None
            if session is None:
                checked = file if file is not None else Path()
                result, news = check_file(engine, ex, checked), None
            else:
                verdict = session.check(engine, ex)
                unsaved = session.save() or unsaved
                checked, result = verdict.source.path, verdict.result
                pair_note = verdict.source.note if verdict.ran else None
                news = _news(session, verdict.unlocked, verdict.finished_course) if result.passed else None
            waited, since = time.monotonic() - since, time.monotonic()
            results.append(result)
            _show(fmt, result, checked, waited, news, pair_note)
    if fmt == "text" and session is not None:
        click.echo(report.course_progress(course, session.progress))
    if unsaved and ws is not None:
        click.secho(messages.unsaved(unsaved, ws.state_dir), fg="yellow", err=True)
    sys.exit(0 if all(r.passed for r in results) else 1)


def _workspace(needed: bool, optional: bool) -> Workspace | None:
    """The workspace here, when the command needs one; outside one, an error unless `optional`."""
    if not needed:
        return None
    try:
        return find_workspace()
    except KataError:
        if not optional:
            raise
        return None


def _news(session: Session, unlocked: Exercise | None, finished: bool) -> str | None:
    if unlocked is not None:
        return messages.unlocked(unlocked, session.path(unlocked))
    return messages.LAST_EXERCISE if finished else None


def _show(fmt: str, result: CheckResult, checked: Path, waited: float, news: str | None,
          pair_note: str | None = None) -> None:
    if pair_note and fmt != "text":
        click.echo(pair_note, err=True)  # stdout stays JSON Lines or gcc lines
    if fmt == "json":
        click.echo(report.to_json_line(result))
        return
    if fmt == "gcc":
        for line in report.gcc_lines(result, checked.resolve(), shown_path(checked), _editor_place(checked)):
            click.echo(line)
        return
    click.echo(links(report.render_result(result, color=color(), waited_s=waited)))
    if result.status != "locked" and notebook.is_notebook(checked):
        note = notebook.left_out_note(checked)
        if note:
            click.echo(note)
    if pair_note:
        click.echo(pair_note)
    if news:
        click.echo(news)
    click.echo("")


def _editor_place(checked: Path):
    """For a notebook, where an editor underlines cell N's line M (kata.notebook.places), else None."""
    if not notebook.is_notebook(checked):
        return None

    def place(cell: int, line: int) -> tuple[str, int] | None:
        from kata.notebook.places import editor_place

        found = editor_place(checked.resolve(), cell, line)
        if found is None:
            return None
        file, at = found
        return (shown_path(checked.with_suffix(file.suffix)), at)

    return place
