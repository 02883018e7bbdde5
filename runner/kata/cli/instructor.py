"""The instructor's commands: `kata verify` proves a course checks itself, `kata new` scaffolds
an exercise or records a known wrong answer."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kata.cli.common import color, course_from, inside
from kata.course import load_course
from kata.errors import KataError


@click.command("verify")
@click.argument("ids", nargs=-1)
@click.option("--course", "course_spec", default=None, metavar="PATH|NAME",
              help="The course to verify: a folder or an installed course's name "
                   "(default: the current folder's course, or the bundled one).")
@click.option("--seeds", type=click.IntRange(0, 100), default=None,
              help="How many more seeds each solution is re-run with, to find flaky steps (default: 1).")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None,
              help="Exercises verified at once (default: KATA_JOBS, else one per core).")
@click.option("--mutants", type=click.IntRange(0, 100), default=None,
              help="Mutants of each solution run to prove every step can fail (default: 6; 0 turns it off).")
@click.option("--strict", is_flag=True, help="Fail on warnings too (a step that no mutant or mistake fails), and on a "
                                            "pointer accuracy below 95% (catalogued mistakes whose failure names "
                                            "another function than their # breaks:).")
@click.option("--solutions", "solutions", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="The folder of NN_name.py solutions, for a course published without its solutions/.")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@click.option("--judged", is_flag=True,
              help="Also run the solution, the stub and every mistake as `kata grade` does (the checks in a trusted "
                   "process, the learner's code sandboxed) and name each step whose verdict differs.")
def verify_cmd(ids: tuple[str, ...], course_spec: str | None, seeds: int | None, jobs: int | None,
               mutants: int | None, strict: bool, solutions: Path | None, as_json: bool, judged: bool) -> None:
    """For instructors and CI: prove the course checks itself. Exit 1 on any problem.

    Every solution passes, with several seeds and within its time budget; every
    stub imports and fails each step by NotImplementedError or a wrong answer;
    no scaffold is left and every exercise has hints.
    """
    from kata.dev.verify import DEFAULT_SEEDS, verify_course

    course = course_from(course_spec, solutions)
    if not course.ships_solutions:
        raise KataError(f"The course in {course.root} has no solutions/ folder, so verify has no right answer "
                        "to prove the checks with.",
                        "Give the solutions kept in the course's own repository: "
                        "`kata verify --course PATH|NAME --solutions DIR`.")
    exercises = [course.find(i) for i in ids] if ids else None

    def show(verdict) -> None:
        if as_json:
            return
        ex = verdict.exercise
        word = click.style("ok", fg="green") if verdict.ok and color() else ("ok" if verdict.ok else "FAIL")
        stub = f"stub {verdict.stub.duration_s:5.2f} s ({verdict.stub.status})" if verdict.stub else "stub not run"
        killed, total = verdict.mutation_score
        mutants = f", mutants {killed}/{total} killed" if verdict.mutants else ""
        right, pointed = verdict.pointer_accuracy
        mutants += f", pointer {right}/{pointed}" if pointed else ""
        click.echo(f"{ex.id} {ex.name:<28} {word:<4}  solution {verdict.solution_s:5.2f} s of {ex.budget:g} s "
                   f"({1 + len(verdict.reruns)} seed{'s' if verdict.reruns else ''}), {stub}{mutants}")
        for problem in verdict.problems:
            click.echo("    " + problem.replace("\n", "\n    "))
        for warning in verdict.warnings:
            click.echo("    warning: " + warning.replace("\n", "\n    "))
        for wrong in (p for p in verdict.pointed if not p.right):
            click.echo(f"    pointer: {wrong.mistake} points at {wrong.named or 'nothing'}, not {wrong.breaks}")

    from kata.dev.mutants import MAX_MUTANTS

    verdict = verify_course(course, exercises, seeds=DEFAULT_SEEDS if seeds is None else seeds, jobs=jobs,
                            on_verdict=show, mutants=MAX_MUTANTS if mutants is None else mutants, strict=strict,
                            judged=judged)
    if as_json:
        click.echo(json.dumps(verdict.to_json(), indent=2))
    else:
        for problem in verdict.course_problems:
            click.echo(f"course: {problem}")
        good = sum(1 for v in verdict.exercises if v.ok)
        killed, total = verdict.mutation_score
        score = f"; mutation score {killed}/{total} mutants killed" if total else ""
        judged_too = ", also judged (as kata grade runs them: checks trusted, code sandboxed)" if judged else ""
        click.echo(f"{good}/{len(verdict.exercises)} exercises verified in {verdict.duration_s:.1f} s{score}"
                   + judged_too + ("" if verdict.ok else " — problems above"))
        from kata.dev.verify.pointing import THRESHOLD, share

        right, pointed = verdict.pointer_accuracy
        low = f" — below {THRESHOLD:.0%}" + (" (fails with --strict)" if not strict else "") if verdict.pointer_low else ""
        if pointed:
            click.echo(f"pointer accuracy: {share(right, pointed)} of catalogued mistakes name their # breaks: "
                       f"function{low}")
        else:
            click.echo("pointer accuracy: not measured, no catalogued mistake says which function it breaks "
                       "(a `# breaks: NAME` line: docs/authoring.md)")
    sys.exit(0 if verdict.ok else 1)


@click.command("new")
@click.argument("name")
@click.option("--after", "after", default=None, metavar="ID",
              help="Insert after this exercise (an id or name; 0 for the very start). Default: at the end.")
@click.option("--title", default=None, help="The exercise's title (default: from its name).")
@click.option("--course", "course_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The course folder (default: the one holding the current folder). "
                   "A folder without kata.toml, even an empty one, becomes a course.")
@click.option("--mistake", "mistake_of", default=None, metavar="ID",
              help="Record NAME, a wrong answer to exercise ID, in its mistakes/ folder as a .mistake patch "
                   "against the solution, with what its first failing step says.")
@click.option("--name", "mistake_name", default=None, help="With --mistake: the mistake's name (default: the file's).")
def new_cmd(name: str, after: str | None, title: str | None, course_dir: Path | None,
            mistake_of: str | None, mistake_name: str | None) -> None:
    """For instructors: scaffold exercise NAME (stub, checks, solution, mistakes/ folder, kata.toml entry).

    Later exercises are renumbered; learners' progress is keyed by name and
    stays. `kata verify` fails until the real checks, stub and solution are written.
    In a folder with no kata.toml (`--course EMPTY_DIR`), a course is started first.

    `kata new --mistake ID WRONG_FILE [--name NAME]` records a known wrong answer instead.
    """
    if mistake_of is not None:
        return _record_mistake(Path(name), mistake_of, mistake_name, course_dir)
    if mistake_name is not None:
        raise click.UsageError("--name names a mistake, and goes with --mistake: "
                               "run `kata new --mistake ID WRONG_FILE --name NAME`.")
    from kata.dev.scaffold import new_exercise

    root = course_dir.resolve() if course_dir is not None else course_from(None).root
    if course_dir is None and not inside(Path.cwd(), root):
        raise KataError("kata new changes a course's files, and there is no course folder here.",
                        "Run it inside the course (the folder with kata.toml), or give --course PATH "
                        "(a folder without kata.toml, even an empty one, becomes a new course).")
    made = new_exercise(root, name, title=title, after=after)
    ex = made.exercise
    if made.started:
        click.echo(f"started    a course in {root}: kata.toml (edit its name and title), exercises/, checks/, "
                   "solutions/, mistakes/")
    for old, new in reversed(made.renamed):
        if old.parent.name == "exercises":
            click.echo(f"renumbered {old.stem} → {new.stem} (stub, checks and solution)")
        elif old.is_dir() or new.is_dir():
            click.echo(f"renumbered {old.parent.name}/{old.name} → {new.parent.name}/{new.name} (its catalogued mistakes)")
    for path in made.created:
        if made.started and path.parent == root:
            continue  # said above
        click.echo(f"created    {path.relative_to(root)}{'/' if path.is_dir() else ''}")
    click.echo(f"added      {ex.id} {ex.name} to kata.toml, with placeholder hints")
    click.echo(f"Next: write the real checks in checks/{ex.checks.name}, then the stub and solution; "
               f"`kata verify {ex.id}` fails until they are written and the `kata:scaffold` lines are gone. "
               f"Record known wrong answers with `kata new --mistake {ex.id} WRONG_FILE`.")


def _record_mistake(wrong: Path, ident: str, name: str | None, course_dir: Path | None) -> None:
    """`kata new --mistake ID WRONG_FILE`: catalogue a wrong answer with the message it gets."""
    from kata.dev.mistakes import record_mistake
    from kata.dev.verify import warmed
    from kata.engine import Engine

    if not wrong.is_file():
        raise click.BadParameter(f"{wrong} is not a file. Give the wrong answer as a .py file: "
                                 "`kata new --mistake ID WRONG_FILE [--name NAME]`.", param_hint="WRONG_FILE")
    course = load_course(course_dir) if course_dir is not None else course_from(None)
    ex = course.find(ident)
    stem = name or wrong.stem.lower().replace("-", "_")
    with Engine() as engine:
        made = record_mistake(engine, warmed(ex), wrong.resolve(), stem)
    failure = made.result.first_failure()
    if failure is None:  # record_mistake refuses a file that passes: kept for the type checker
        raise KataError(f"{wrong} passes every check of {ex.id} {ex.name}, so it is not a mistake.",
                        "Record a wrong answer: a file that fails at least one step.")
    click.echo(f"created    {made.path.relative_to(course.root)}")
    click.echo(f"its first failure is step {failure.index} ({failure.title}); it declares:")
    for text in made.expects:
        click.echo(f"  # expect: {text}")
    if made.problem:
        click.echo(f"but verify would not accept it yet: {made.problem}")
        sys.exit(1)
    click.echo("Say in its comment what the learner did wrong; `kata verify` now checks the message stays.")
