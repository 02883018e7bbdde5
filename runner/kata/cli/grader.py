"""The grader's command: `kata grade` checks whole classes, in the formats the registry offers
(`kata.dev.grade_formats`), one option per format."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Callable

import click

from kata.cli.common import course_from
from kata.cli.grade_handback import check_handback, handback_options, write_handback
from kata.dev.grade_formats import FILE, FILE_OR_STDOUT, FLAG, FORMATS, TABLE, GradeFormat
from kata.shown_text import shown


def _format_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """An option per registered format: a flag for those printed instead of the table, a path for files."""
    for fmt in reversed(list(FORMATS.values())):
        if fmt.to == FLAG:
            command = click.option(f"--{fmt.name}", fmt.param, is_flag=True, help=fmt.help)(command)
        elif fmt.to in (FILE, FILE_OR_STDOUT):
            command = click.option(f"--{fmt.name}", fmt.param, default=None, help=fmt.help,
                                   type=click.Path(dir_okay=False, allow_dash=fmt.to == FILE_OR_STDOUT))(command)
    return command


def _outputs(chosen: dict[str, Any]) -> tuple[list[tuple[GradeFormat, str]], bool]:
    """The formats asked for with where each goes ("-" is standard output), and whether something
    other than the table goes to standard output. Checked before grading, so no typo wastes a run."""
    wanted = [(fmt, "-" if fmt.to == FLAG else str(chosen[fmt.param])) for fmt in FORMATS.values()
              if fmt.to != TABLE and chosen.get(fmt.param)]
    on_stdout = [f"--{fmt.name}" + ("" if fmt.to == FLAG else " -") for fmt, target in wanted if target == "-"]
    if len(on_stdout) > 1:
        raise click.UsageError(f"{' and '.join(on_stdout)} would all print to standard output, mixed together: "
                               "send all but one of them to files, e.g. `--csv grades.csv`.")
    for fmt, target in wanted:
        if target != "-" and not Path(target).resolve().parent.is_dir():
            raise click.BadParameter(f"cannot write {target}: its folder does not exist. Create the folder "
                                     "first, or give another path.", param_hint=f"--{fmt.name}")
    return wanted, bool(on_stdout)


@click.command("grade")
@click.argument("submissions", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--course", "course_spec", default=None, metavar="PATH|NAME",
              help="The course to grade against (default: the current folder's course, or the bundled one).")
@click.option("--exercise", "-e", "ids", multiple=True, metavar="ID", help="Grade only these exercises.")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None, help="Checks run at once (default: KATA_JOBS, else one per core).")
@click.option("--timeout", type=click.FloatRange(0.1, 3600), default=None,
              help="Seconds each step may take, instead of each exercise's own limit.")
@_format_options
@handback_options
@click.option("--mode", type=click.Choice(["judged", "local"]), default="judged", show_default=True,
              help="judged: checks in a trusted process, the learner's code sandboxed (marks that hold against "
                   "cheating); local: both in one process, as `kata check` (faster, for your own tests).")
@click.option("--require-sandbox", is_flag=True,
              help="Refuse to grade unless bubblewrap (bwrap) can sandbox the learner's code.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Grade on a Dask cluster: its scheduler's address (tcp://HOST:8786), or local:N for N workers "
                   "on this machine. Needs `pip install 'kata[cluster]'`; see docs/grading.md.")
@click.option("--similar", is_flag=True,
              help="Also list pairs of submissions whose code for an exercise is near-identical once names and "
                   "formatting are ignored (the stub left out), with a score: for you to look at, not a verdict.")
@click.option("--similar-threshold", type=click.FloatRange(0.0, 1.0), default=0.8, show_default=True,
              help="How alike (0-1, on the normalised code) a pair must be for --similar to list it.")
def grade_cmd(submissions: tuple[Path, ...], course_spec: str | None, ids: tuple[str, ...], jobs: int | None,
              timeout: float | None, mode: str, require_sandbox: bool, scheduler: str | None,
              similar: bool, similar_threshold: float, **chosen: Any) -> None:
    """For graders: check every exercise against each of SUBMISSIONS, in parallel.

    A submission is a workspace, a folder of NN_name.py (or .ipynb) files, or one
    .py or .ipynb file holding every exercise; a folder of submissions is opened
    one level down.
    Exit 0 when every submission passed everything, 1 otherwise.
    """
    from kata.dev.grade import find_submissions, grade
    from kata.errors import KataError

    wanted, to_stdout = _outputs(chosen)
    roster = check_handback(chosen)
    if scheduler is not None and jobs is not None:
        raise click.UsageError("--jobs sets the engines on this machine; with --scheduler, the Dask workers "
                               "grade. Drop --jobs: start as many workers as you want engines (`local:N`, or "
                               "`dask worker`).")
    if require_sandbox:
        from kata.judge.sandbox import bwrap_path

        if mode != "judged":
            raise click.UsageError("--require-sandbox needs judged mode: drop `--mode local`, or drop "
                                   "--require-sandbox.")
        if scheduler is None and bwrap_path() is None:  # on a cluster, every worker is asked instead
            raise KataError("bubblewrap (bwrap) is not installed, and --require-sandbox was given.",
                            "Install it (Debian/Ubuntu: `apt-get install bubblewrap`) and grade again.")
    elif mode == "judged" and scheduler is None:
        from kata.judge.sandbox import bwrap_path

        if bwrap_path() is None:
            click.echo("warning: bubblewrap (bwrap) is not installed, so submissions are not sandboxed: their code "
                       "can read your files and leave files for later submissions"
                       + (", and it runs as root" if os.geteuid() == 0 else "")
                       + ". Install it (Debian/Ubuntu: `apt-get install bubblewrap`) and pass --require-sandbox "
                       "for real exams.", err=True)
    course = course_from(course_spec)
    exercises = [course.find(i) for i in ids] if ids else None
    subs = find_submissions(list(submissions), course)
    tty = sys.stderr.isatty()
    finished = 0

    def on_row(row: Any) -> None:
        nonlocal finished
        finished += 1
        if tty:
            bar = "#" * (20 * finished // len(subs))
            label = shown(row.submission.label, newlines=False)[:40]
            click.echo(f"\rgraded [{bar:<20}] {finished}/{len(subs)}: {label:<40}", err=True, nl=False)

    book = grade(course, subs, exercises, jobs=jobs, timeout=timeout, on_row=on_row, judged=mode == "judged",
                 require_sandbox=require_sandbox, scheduler=scheduler)
    if tty:
        click.echo("\r" + " " * 100 + "\r", err=True, nl=False)
    for fmt, target in wanted:
        text = fmt.render(book)
        if target != "-":
            Path(target).write_text(text, encoding="utf-8")
        else:  # a student's name, notices and messages reach the terminal: never as escape codes
            click.echo(shown(text), nl=fmt.to == FLAG)
    write_handback(book, chosen, roster)
    if not to_stdout:
        click.echo(shown(FORMATS[TABLE].render(book)))
    if similar:
        from kata.dev import similar as alike

        pairs = alike.similar_pairs(alike.collect(book.exercises, subs), similar_threshold)
        click.echo(shown(alike.to_text(pairs, similar_threshold)), err=to_stdout)
    _finish(book, to_stdout)


def _finish(book: Any, to_stdout: bool) -> None:
    """The summary, then the exit: 2 when no mark can be trusted or the course is at fault."""
    from kata.contract.results import FAILED, PASSED
    from kata.dev.gradebook import summary
    from kata.engine.supervisor import checks_could_not_run

    click.echo(shown(summary(book)), err=to_stdout)
    if book.checks_changed:
        click.secho("error: the check modules changed on disk while grading, so no mark of this run can be "
                    "trusted.", fg="red", err=True)
        click.echo("Restore the checks (e.g. `git checkout checks/`), install bubblewrap so submissions cannot "
                   "see them, and grade again.", err=True)
        sys.exit(2)
    if book.cancelled:  # Ctrl-C on a cluster: the rows above are the submissions that finished
        sys.exit(130)
    # an exercise whose checks ran for some row (a step passed or failed) can run: what one submission
    # broke is that row's error, never the course's
    ran = {r.id for row in book.rows for r in row.results if any(s.outcome in (PASSED, FAILED) for s in r.steps)}
    broken = {r.id: r for row in book.rows for r in row.results if checks_could_not_run(r) and r.id not in ran}
    if broken:  # no submission could pass these: the course is at fault, not the class
        for result in broken.values():
            click.secho(f"error: the checks of {result.id} {result.name} cannot run, so no submission could "
                        f"pass it: {shown(result.message.splitlines()[0])}", fg="red", err=True)
        click.echo("Fix the course (`kata verify` shows the whole error), then grade again.", err=True)
        sys.exit(2)
    sys.exit(0 if book.all_passed else 1)
