"""`kata grade`'s outputs that go back to students or to where marks are kept: `--feedback DIR` (a page
per student), `--roster FILE --lms-csv OUT` (an LMS gradebook) and `--gradescope FILE` (results.json).

Why not the format registry (kata.dev.grade_formats): those write one string from the gradebook alone,
while these take more (a folder, a roster read and checked before grading starts, so a typo wastes no run;
exactly one submission for Gradescope). They are kept here so `cli/grader.py` needs three lines for them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import click


def handback_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options, added to `kata grade`; their values arrive in its `**chosen`."""
    options = [
        click.option("--feedback", "feedback_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
                     help="Also write one self-contained web page per student into this folder: their score, each "
                          "exercise's steps, the first failure and what their code printed; nothing of another "
                          "student's, nothing of a hidden check's."),
        click.option("--roster", "roster_file", default=None,
                     type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="A CSV naming each student's submission (columns submission,id, optionally "
                          "student,sis_user_id,section); with --lms-csv."),
        click.option("--lms-csv", "lms_csv_to", default=None, type=click.Path(dir_okay=False, path_type=Path),
                     help="Write a gradebook CSV an LMS imports (Canvas's columns), a row per student of --roster."),
        click.option("--gradescope", "gradescope_to", default=None, type=click.Path(dir_okay=False, path_type=Path),
                     help="Write one submission's results as Gradescope's results.json to this file."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def check_handback(chosen: dict[str, Any]) -> Any:
    """Before grading: the options make sense together, and the roster reads. Returns the roster (or None)."""
    roster_file, lms = chosen.get("roster_file"), chosen.get("lms_csv_to")
    if (roster_file is None) != (lms is None):
        raise click.UsageError("--roster and --lms-csv go together: the roster says whose each submission is, "
                               "--lms-csv where the gradebook goes.")
    for name, what in (("feedback_dir", "a folder of pages"), ("lms_csv_to", "a file the LMS imports"),
                       ("gradescope_to", "a file (Gradescope reads /autograder/results/results.json)")):
        if str(chosen.get(name)) == "-":  # as --csv - means: never a file or folder named `-`
            raise click.BadParameter(f"it writes {what}, not to the terminal: give its path.",
                                     param_hint="--" + name.removesuffix("_to").removesuffix("_dir").replace("_", "-"))
    for name in ("lms_csv_to", "gradescope_to"):
        target = chosen.get(name)
        if target is not None and not target.resolve().parent.is_dir():
            raise click.BadParameter(f"cannot write {target}: its folder does not exist.",
                                     param_hint="--" + name.removesuffix("_to").replace("_", "-"))
    if roster_file is None:
        return None
    from kata.dev.roster import read_roster

    return read_roster(roster_file)


def write_handback(book: Any, chosen: dict[str, Any], roster: Any) -> None:
    """After grading: each output asked for; Gradescope's last, as it refuses a grade of several submissions."""
    if chosen.get("feedback_dir") is not None:
        from kata.dev.feedback_pages import write_feedback

        written = write_feedback(book, chosen["feedback_dir"])
        click.echo(f"feedback: {len(written)} page{'s' if len(written) != 1 else ''} in {chosen['feedback_dir']}",
                   err=True)
    if roster is not None:
        from kata.dev.roster import to_lms_csv, unmatched

        chosen["lms_csv_to"].write_text(to_lms_csv(book, roster), encoding="utf-8")
        stray = unmatched(book, roster)
        if stray:
            click.echo(f"warning: {len(stray)} submission{'s' if len(stray) != 1 else ''} not in the roster, so "
                       f"not in {chosen['lms_csv_to']}: {', '.join(stray[:5])}" + (" …" if len(stray) > 5 else ""),
                       err=True)
    if chosen.get("gradescope_to") is not None:
        from kata.dev.gradescope import to_results_json

        chosen["gradescope_to"].write_text(to_results_json(book), encoding="utf-8")
