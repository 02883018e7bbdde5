"""The `kata` command: a thin click layer over the core.

Only this module (and watch) talk to the terminal. Exit codes: 0 all well or
all passed, 1 a check failed, 2 bad usage or input. Every error says what to
do next, and no traceback from kata's own code ever reaches the user.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import click

from kata import report
from kata.course import Course, load_course
from kata.errors import KataError
from kata.progress import DONE, SKIPPED, blocker, counts, first_unfinished, state_of
from kata.workspace import Workspace, bundled_course_dir, find_workspace, init_workspace



def _process_start() -> float:
    """When this process started, on the monotonic clock: what a learner waits for counts from
    there (Python, kata, PyTorch, the checks). Linux knows it; elsewhere, from this import on."""
    now = time.monotonic()
    try:
        with open("/proc/self/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: start time since boot
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - started
        return now - age if 0 <= age < 60 else now
    except (OSError, ValueError, IndexError, AttributeError):
        return now


_STARTED = _process_start()


def _warn(ws: Workspace) -> None:
    for warning in ws.progress.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)


def _load_progress(ws: Workspace):
    store = ws.progress
    progress = store.load()
    for warning in store.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    return progress


def _color() -> bool:
    return sys.stdout.isatty()


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kata", prog_name="kata")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """kata: learn neural networks one checked exercise at a time.

    In a workspace, bare `kata` starts `kata watch`.
    """
    if ctx.invoked_subcommand is None:
        find_workspace()  # outside a workspace this says how to start one
        ctx.invoke(watch_cmd)


@cli.command("init")
@click.argument("directory", default="kata-workspace", type=click.Path(file_okay=False, path_type=Path))
@click.option("--course", "course_spec", default=None, metavar="PATH|NAME",
              help="A course folder (with kata.toml), or an installed course's name (`kata courses` lists them).")
@click.option("--notebooks", type=click.Choice(["paired", "alone"]), is_flag=False, flag_value="paired",
              default=None, help="Write each exercise as a Jupyter notebook too: NN_name.ipynb paired with its .py "
                                 "through jupytext (`--notebooks`), or the notebook alone (`--notebooks alone`). "
                                 "Needs `pip install 'kata[notebook]'`.")
@click.option("--no-editor-config", is_flag=True,
              help="Do not write .vscode/settings.json and .vscode/tasks.json into the workspace.")
def init_cmd(directory: Path, course_spec: str | None, notebooks: str | None, no_editor_config: bool) -> None:
    """Create a workspace in DIRECTORY with the course's stubs. Never overwrites your files."""
    from kata.course_sources import BUNDLED, resolve
    from kata.workspace import write_editor_config

    course_dir = resolve(course_spec) if course_spec not in (None, BUNDLED) else None
    before = _workspace_course(directory)
    ws, created, kept = init_workspace(directory, course_dir, course_given=course_spec is not None,
                                       notebooks=notebooks)
    editor_made, editor_kept = ([], []) if no_editor_config else write_editor_config(ws, sys.executable)
    click.echo(f"Workspace ready in {ws.root} ({ws.course.title}, {len(ws.course.exercises)} exercises).")
    if before is not None and before != _workspace_course(directory):
        click.echo(f"  it now follows the course in {ws.course.root} (it was in {before}); "
                   "your files and progress are as they were")
    if created:
        click.echo(f"  {len(created)} exercise files created in {ws.root / 'exercises'}")
    if kept:
        click.echo(f"  {len(kept)} existing files kept as they were")
    if editor_made:
        click.echo(f"  VS Code: {', '.join(str(p.relative_to(ws.root)) for p in editor_made)} written "
                   "(this Python as the interpreter; a \"kata watch\" task)")
    if editor_kept:
        click.echo(f"  VS Code: {', '.join(str(p.relative_to(ws.root)) for p in editor_kept)} kept as they were")
    first = ws.file_of(ws.course.exercises[0]).relative_to(ws.root)
    click.echo(f"Next: cd {directory} && {_kata_command()} watch   (then edit {first})")
    if ws.notebooks:
        click.echo(f"  or open {first} in Jupyter or VS Code, and run `%load_ext kata` then `%kata check` in it")


def _workspace_course(directory: Path) -> str | None:
    """What a workspace's settings name as its course, or None where there is no workspace."""
    try:
        return str(json.loads((directory / ".kata" / "settings.json").read_text(encoding="utf-8"))["course"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _kata_command() -> str:
    """How to run this kata again: `kata` when that is on PATH, else this interpreter's full path."""
    import shutil

    on_path = shutil.which("kata")
    script = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    if on_path and script and Path(on_path).resolve() == script:
        return "kata"
    if script and script.name == "kata":
        return str(script)
    return f"{sys.executable} -m kata"


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def list_cmd(as_json: bool) -> None:
    """Every exercise with its state: locked, ready, k/n steps pass, done or skipped."""
    ws = find_workspace()
    progress = _load_progress(ws)
    rows = []
    for ex in ws.course.exercises:
        entry = progress.get(ex.name)
        state = state_of(ws.course, progress, ex)
        path = ws.file_of(ex)
        changed = state == DONE and entry.done_hash and entry.done_hash != ws.digest_of(ex)
        rows.append((ex, state, entry, path, changed))
    if as_json:
        click.echo(json.dumps([{
            "id": ex.id, "name": ex.name, "title": ex.title, "path": str(path.relative_to(ws.root)),
            "status": state, "steps_passed": entry.steps_passed, "steps_total": entry.steps_total,
        } for ex, state, entry, path, _ in rows], indent=2))
        return
    done, skipped = counts(ws.course, progress)
    click.echo(report.progress_bar(done, len(rows), skipped=skipped))
    for ex, state, entry, path, changed in rows:
        shown = f"{entry.steps_passed}/{entry.steps_total} steps pass" if state == "started" else state
        note = "  (changed since it passed)" if changed else ""
        click.echo(f"  {ex.id}  {shown:<12} {ex.title}  [{path.relative_to(ws.root)}]{note}")


@cli.command("check")
@click.argument("ids", nargs=-1)
@click.option("--all", "check_all", is_flag=True, help="Check every exercise.")
@click.option("--file", "file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Check this file instead of your workspace copy (never locked, never recorded).")
@click.option("--course", "course_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="With --file outside a workspace: the course to take checks from.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per exercise (as --format json).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "gcc"]), default=None,
              help="text (the default); json; or gcc: one `path:line:col: error: message` line per failing "
                   "step, for editors' problem matchers and CI annotations.")
def check_cmd(ids: tuple[str, ...], check_all: bool, file: Path | None, course_dir: Path | None, as_json: bool,
              fmt: str | None) -> None:
    """Run the checks of exercise IDS (05, 5 or a name); default: the current exercise.

    A notebook (.ipynb) is checked as the module its code cells make."""
    from kata import notebook
    from kata.checking import check_file, check_in_workspace
    from kata.engine.shared import command_engine

    if as_json and fmt not in (None, "json"):
        raise KataError(f"--json and --format {fmt} ask for two formats.", "Give one of them.")
    fmt = "json" if as_json else (fmt or "text")
    as_json = fmt == "json"
    if file is not None and not file.is_file():
        raise KataError(f"{file} does not exist.", "Give --file the path of a Python file or notebook to check.")
    ws = None
    if file is None or course_dir is None:
        try:
            ws = find_workspace()
        except KataError:
            if file is None:
                raise
    course = load_course(course_dir) if course_dir else (ws.course if ws else load_course(bundled_course_dir()))
    progress = _load_progress(ws) if ws is not None and file is None else None
    if check_all:
        exercises = list(course.exercises)
    elif ids:
        exercises = [course.find(i) for i in ids]
    elif file is not None:
        raise KataError("Which exercise should the file be checked against?",
                        f"Name one, e.g. `kata check 01 --file {file}`, or use --all.")
    else:
        current = first_unfinished(course, progress)
        if current is None:
            click.echo("Every exercise is done. Well done! `kata check ID` re-checks one.")
            return
        exercises = [current]
    results = []
    unsaved = None
    since = _STARTED
    with command_engine() as engine:
        for ex in exercises:
            checked = file if file is not None else ws.source_of(ex)
            if file is not None:
                result = check_file(engine, ex, file)
            else:
                news = _unlock_news(ws, progress, ex)
                result, progress = check_in_workspace(engine, ws, ex, progress)
                unsaved = unsaved or ws.progress.unsaved
            waited, since = time.monotonic() - since, time.monotonic()
            results.append(result)
            if fmt == "json":
                click.echo(report.to_json_line(result))
            elif fmt == "gcc":
                for line in gcc_lines(result, checked.resolve(), _shown_path(checked)):
                    click.echo(line)
            else:
                click.echo(_links(report.render_result(result, color=_color(), waited_s=waited)))
                note = notebook.left_out_note(checked) if result.status != "locked" else None
                if note:
                    click.echo(note)
                if result.passed and ws is not None and file is None:
                    news(progress)
                click.echo("")
    if fmt == "text" and ws is not None and file is None:
        done, skipped = counts(course, progress)
        click.echo(report.progress_bar(done, len(course.exercises), skipped=skipped))
    if unsaved:
        click.secho(f"warning: your progress could not be saved ({unsaved}), so these verdicts are not recorded. "
                    f"Make {ws.state_dir} writable to keep your progress.", fg="yellow", err=True)
    sys.exit(0 if all(r.passed for r in results) else 1)


def _unlock_news(ws: Workspace, before, ex):
    """Prints what is new once `ex` passes (see `kata.checking.unlock_news`)."""
    from kata.checking import unlock_news

    news = unlock_news(ws, before, ex)

    def say(after) -> None:
        line = news(after)
        if line:
            click.echo(line)
    return say


# A location in a failure message: `path:line` (`:col`), or a notebook's `path, cell N, line M`.
_AT = re.compile(r"^(?::(?P<line>\d+)(?::(?P<col>\d+))?|, cell (?P<cell>\d+), line (?P<cline>\d+)(?:, column (?P<ccol>\d+))?)")


def gcc_lines(result, learner: Path, shown: str) -> list[str]:
    """`path:line:col: error: message`, one per failing step (none for a pass), at the deepest line of
    the learner's file the failure names (else line 1). A notebook's lines are counted in the cell
    the message names, so the message says which cell."""
    from kata.results import NOT_RUN_CAUSES, PASSED, SKIPPED

    lines = []
    for step in result.steps:
        if step.outcome in (PASSED, SKIPPED) or step.cause in NOT_RUN_CAUSES or result.status == "locked":
            continue
        line, col, cell, said = 1, 1, "", []
        for text in step.message.splitlines():
            found = _AT.match(text[len(str(learner)):]) if text.startswith(str(learner)) else None
            if found:
                line = int(found["line"] or 1) if not found["cell"] else 1
                col = int(found["col"] or found["ccol"] or 1)
                cell = f"cell {found['cell']}, line {found['cline']}: " if found["cell"] else ""
                rest = text[len(str(learner)) + found.end():]
                if rest.startswith(": "):  # `path:3:5: SyntaxError: …`, `path:2: your function add`
                    said.append(rest[2:].strip())
            elif text.strip() and not text.startswith((" ", "\t")) and not re.match(r"^\S+:\d+ in ", text):
                said.append(text.strip())
        message = " ".join(said) or step.outcome
        lines.append(f"{shown}:{line}:{col}: error: {cell}step {step.index} ({step.title}): {message[:400]}")
    if not result.passed and not lines:
        why = (result.message or result.status).strip().splitlines()
        said = why[0] if result.status == "locked" and why else f"{result.id} {result.name} {result.status}: " + (
            why[0] if why else "")
        lines.append(f"{shown}:1:1: error: {said}")
    return lines


def _shown_path(path: Path) -> str:
    """`path` relative to the current folder when it is inside it, else absolute."""
    full = path.resolve()
    try:
        return str(full.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(full)


def _links(text: str) -> str:
    """File locations as OSC 8 hyperlinks, where the terminal shows them (else unchanged)."""
    if not _color():
        return text
    from kata.watch.editor import hyperlinks, supports_hyperlinks

    return hyperlinks(text) if supports_hyperlinks(os.environ) else text


def _exercise_or_current(ws: Workspace, ident: str | None):
    if ident:
        return ws.course.find(ident)
    progress = _load_progress(ws)
    current = first_unfinished(ws.course, progress)
    if current is None:
        raise KataError("Every exercise is done.", "Name one, e.g. `kata hint 01`.")
    return current


@cli.command("hint")
@click.argument("ident", required=False)
def hint_cmd(ident: str | None) -> None:
    """Show the next hint for an exercise (default: the current one), one more each time."""
    ws = find_workspace()
    ex = _exercise_or_current(ws, ident)
    if not ex.hints:
        click.echo(f"{ex.id} {ex.name} has no hints. `kata solution {ex.id}` shows the solution.")
        return
    with ws.progress.update() as progress:
        entry = progress.entry(ex.name)
        entry.hints_shown = min(entry.hints_shown + 1, len(ex.hints))
        shown = entry.hints_shown
    _warn(ws)
    for number, text in enumerate(ex.hints[:shown], start=1):
        click.echo(f"Hint {number}/{len(ex.hints)} for {ex.id} {ex.name}: {text}")
    if shown == len(ex.hints):
        click.echo(f"That was the last hint. `kata solution {ex.id}` shows the solution.")


def _confirmed(question: str, refusal: str, fix: str) -> bool:
    """Ask in a terminal; with no terminal to ask in, refuse (exit 2) and say which flag to add."""
    if not sys.stdin.isatty():
        raise KataError(refusal, fix)
    return click.confirm(question, default=False)


@cli.command("solution")
@click.argument("ident")
@click.option("--yes", "-y", is_flag=True, help="Show it without asking, even if the exercise is not done.")
def solution_cmd(ident: str, yes: bool) -> None:
    """Show the solution: freely once the exercise is done; before that, only if you confirm."""
    ws = find_workspace()
    ex = ws.course.find(ident)
    if not ws.course.ships_solutions:
        raise ws.course.no_solutions(ex)
    progress = _load_progress(ws)
    if progress.get(ex.name).status != DONE and not yes:
        if not _confirmed(f"{ex.id} {ex.name} is not done yet. Show the solution anyway?",
                          f"{ex.id} {ex.name} is not done yet, so its solution is held back.",
                          f"Finish it first, or run `kata solution {ex.id} --yes` to see it anyway."):
            click.echo("Kept hidden. `kata hint` gives a nudge instead.")
            return
    with ws.progress.update() as fresh:
        fresh.entry(ex.name).solution_viewed = True
    click.echo(f"# solutions/{ex.filename}")
    click.echo(ex.solution.read_text(encoding="utf-8"))


@cli.command("reset")
@click.argument("ident")
@click.option("--yes", "-y", is_flag=True, help="Do not ask first.")
def reset_cmd(ident: str, yes: bool) -> None:
    """Restore an exercise's stub; your current file is backed up to .kata/backups/ first."""
    ws = find_workspace()
    ex = ws.course.find(ident)
    path = ws.file_of(ex)
    if not yes and path.exists():
        if not _confirmed(f"Replace {path.relative_to(ws.root)} with the original stub? (a backup is kept)",
                          f"Resetting {path.relative_to(ws.root)} replaces your work (after a backup).",
                          f"Run `kata reset {ex.id} --yes` to do it."):
            click.echo("Nothing changed.")
            return
    backup = ws.restore_stub(ex)
    if backup is not None:
        click.echo(f"Your file was saved to {backup.relative_to(ws.root)}")
    click.echo(f"{path.relative_to(ws.root)} is the original stub again.")


@cli.command("skip")
@click.argument("ident", required=False)
def skip_cmd(ident: str | None) -> None:
    """Skip an exercise (default: the current one): the next one unlocks. Checking it later can
    still make it done. A locked exercise cannot be skipped: skip the one that locks it first."""
    ws = find_workspace()
    with ws.progress.update() as progress:
        ex = ws.course.find(ident) if ident else first_unfinished(ws.course, progress)
        if ex is None:
            raise KataError("Every exercise is already done or skipped: there is nothing to skip.",
                            "`kata list` shows where you are; `kata check ID` re-checks one.")
        status = progress.get(ex.name).status
        first = blocker(ws.course, progress, ex)
        if first is not None:
            raise KataError(f"{ex.id} {ex.name} is locked ({first.id} {first.name} is not finished), so it cannot be "
                            "skipped yet.", f"Finish {first.id} first, or skip it with `kata skip {first.id}`.")
        if status in (DONE, SKIPPED):
            click.echo(f"{ex.id} {ex.name} is already {status}; nothing changed.")
            return
        progress.skip(ex.name)
    _warn(ws)
    nxt = first_unfinished(ws.course, progress)
    click.echo(f"Skipped {ex.id} {ex.name}." + (
        f" Next: {nxt.id} {nxt.title} → {ws.file_of(nxt).relative_to(ws.root)}" if nxt is not None
        else " Every exercise is now done or skipped."))


@cli.command("verify")
@click.argument("ids", nargs=-1)
@click.option("--course", "course_spec", default=None, metavar="PATH|NAME",
              help="The course to verify: a folder or an installed course's name "
                   "(default: the current folder's course, or the bundled one).")
@click.option("--seeds", type=click.IntRange(0, 100), default=None,
              help="How many more seeds each solution is re-run with, to find flaky steps (default: 1).")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None,
              help="Exercises verified at once (default: one per core).")
@click.option("--mutants", type=click.IntRange(0, 100), default=None,
              help="Mutants of each solution run to prove every step can fail (default: 6; 0 turns it off).")
@click.option("--strict", is_flag=True, help="Fail on warnings too (a step that no mutant or mistake fails).")
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

    course = _course_from(course_spec, solutions)
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
        word = click.style("ok", fg="green") if verdict.ok and _color() else ("ok" if verdict.ok else "FAIL")
        stub = f"stub {verdict.stub.duration_s:5.2f} s ({verdict.stub.status})" if verdict.stub else "stub not run"
        killed, total = verdict.mutation_score
        mutants = f", mutants {killed}/{total} killed" if verdict.mutants else ""
        click.echo(f"{ex.id} {ex.name:<28} {word:<4}  solution {verdict.solution_s:5.2f} s of {ex.budget:g} s "
                   f"({1 + len(verdict.reruns)} seed{'s' if verdict.reruns else ''}), {stub}{mutants}")
        for problem in verdict.problems:
            click.echo("    " + problem.replace("\n", "\n    "))
        for warning in verdict.warnings:
            click.echo("    warning: " + warning.replace("\n", "\n    "))

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
        click.echo(f"{good}/{len(verdict.exercises)} exercises verified in {verdict.duration_s:.1f} s{score}"
                   + ("" if verdict.ok else " — problems above"))
    sys.exit(0 if verdict.ok else 1)


def _course_from(course_spec: str | None, solutions: Path | None = None) -> Course:
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


@cli.command("new")
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
        raise KataError("--name names a mistake, and goes with --mistake.",
                        "Run `kata new --mistake ID WRONG_FILE --name NAME`.")
    from kata.dev.scaffold import new_exercise

    root = course_dir.resolve() if course_dir is not None else _course_from(None).root
    if course_dir is None and not _inside(Path.cwd(), root):
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
        raise KataError(f"{wrong} is not a file.", "Give the wrong answer as a .py file: "
                                                   "`kata new --mistake ID WRONG_FILE [--name NAME]`.")
    course = load_course(course_dir) if course_dir is not None else _course_from(None)
    ex = course.find(ident)
    stem = name or wrong.stem.lower().replace("-", "_")
    with Engine() as engine:
        made = record_mistake(engine, warmed(ex), wrong.resolve(), stem)
    failure = made.result.first_failure()
    click.echo(f"created    {made.path.relative_to(course.root)}")
    click.echo(f"its first failure is step {failure.index} ({failure.title}); it declares:")
    for text in made.expects:
        click.echo(f"  # expect: {text}")
    if made.problem:
        click.echo(f"but verify would not accept it yet: {made.problem}")
        sys.exit(1)
    click.echo("Say in its comment what the learner did wrong; `kata verify` now checks the message stays.")


def _inside(folder: Path, root: Path) -> bool:
    here = folder.resolve()
    return here == root or root in here.parents


@cli.command("courses")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def courses_cmd(as_json: bool) -> None:
    """List the courses you can start: the bundled one and those installed packages offer."""
    from kata.course_sources import installed

    found = installed()
    if as_json:
        click.echo(json.dumps([{
            "name": c.name, "manifest_name": c.course.name if c.course else None,
            "source": c.source, "path": str(c.root) if c.root else None,
            "title": c.course.title if c.course else None,
            "exercises": len(c.course.exercises) if c.course else None, "problem": c.problem or None,
        } for c in found], indent=2))
        return
    width = max(len(c.name) for c in found)
    for c in found:
        if c.course is not None:
            also = f", also `{c.course.name}`" if c.course.name != c.name else ""
            click.echo(f"{c.name:<{width}}  {c.course.title} ({len(c.course.exercises)} exercises{also})  "
                       f"[{c.source}: {c.root}]")
        else:
            click.echo(f"{c.name:<{width}}  unusable: {c.problem}  [{c.source}]")
    click.echo("Start one with `kata init DIR --course NAME` (either name works).")


@cli.command("grade")
@click.argument("submissions", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--course", "course_spec", default=None, metavar="PATH|NAME",
              help="The course to grade against (default: the current folder's course, or the bundled one).")
@click.option("--exercise", "-e", "ids", multiple=True, metavar="ID", help="Grade only these exercises.")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None, help="Checks run at once (default: one per core).")
@click.option("--timeout", type=click.FloatRange(0.1, 3600), default=None,
              help="Seconds each step may take, instead of each exercise's own limit.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per submission instead of the table.")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Also write the table as CSV to this file (- for standard output).")
@click.option("--junit-xml", "junit_file", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Also write JUnit XML to this file (- for standard output).")
@click.option("--html", "html_file", type=click.Path(dir_okay=False), default=None,
              help="Also write a class report to this file: one self-contained web page with a heatmap of "
                   "submissions × exercises and the steps where the class is stuck.")
@click.option("--mode", type=click.Choice(["judged", "local"]), default="judged", show_default=True,
              help="judged: checks in a trusted process, the learner's code sandboxed (marks that hold against "
                   "cheating); local: both in one process, as `kata check` (faster, for your own tests).")
@click.option("--require-sandbox", is_flag=True,
              help="Refuse to grade unless bubblewrap (bwrap) can sandbox the learner's code.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Grade on a Dask cluster: its scheduler's address (tcp://HOST:8786), or local:N for N workers "
                   "on this machine. Needs `pip install 'kata[cluster]'`; see docs/grading.md.")
def grade_cmd(submissions: tuple[Path, ...], course_spec: str | None, ids: tuple[str, ...], jobs: int | None,
              timeout: float | None, as_json: bool, csv_file: str | None, junit_file: str | None,
              mode: str, require_sandbox: bool, scheduler: str | None, html_file: str | None = None) -> None:
    """For graders: check every exercise against each of SUBMISSIONS, in parallel.

    A submission is a workspace, a folder of NN_name.py files, or one .py file
    holding every exercise; a folder of submissions is opened one level down.
    Exit 0 when every submission passed everything, 1 otherwise.
    """
    from kata.dev import gradebook
    from kata.dev.grade import find_submissions, grade

    on_stdout = [name for name, on in (("--json", as_json), ("--csv -", csv_file == "-"),
                                       ("--junit-xml -", junit_file == "-")) if on]
    if len(on_stdout) > 1:
        raise KataError(f"{' and '.join(on_stdout)} would all print to standard output, mixed together.",
                        "Send all but one of them to files, e.g. `--csv grades.csv`.")
    for target in (csv_file, junit_file, html_file):  # before grading, so a typo cannot waste a whole run
        if target and target != "-" and not Path(target).resolve().parent.is_dir():
            raise KataError(f"Cannot write {target}: its folder does not exist.",
                            "Create the folder first, or give another path.")
    if scheduler is not None and jobs is not None:
        raise KataError("--jobs sets the engines on this machine; with --scheduler, the Dask workers grade.",
                        "Drop --jobs: start as many workers as you want engines (`local:N`, or `dask worker`).")
    if require_sandbox:
        from kata.judge.sandbox import bwrap_path

        if mode != "judged":
            raise KataError("--require-sandbox needs judged mode.", "Drop `--mode local`, or drop --require-sandbox.")
        if scheduler is None and bwrap_path() is None:  # on a cluster, every worker is asked instead
            raise KataError("bubblewrap (bwrap) is not installed, and --require-sandbox was given.",
                            "Install it (Debian/Ubuntu: `apt-get install bubblewrap`) and grade again.")
    course = _course_from(course_spec)
    exercises = [course.find(i) for i in ids] if ids else None
    subs = find_submissions(list(submissions), course)
    to_stdout = bool(on_stdout)
    tty = sys.stderr.isatty()
    finished = 0

    def on_row(row) -> None:
        nonlocal finished
        finished += 1
        if tty:
            bar = "#" * (20 * finished // len(subs))
            click.echo(f"\rgraded [{bar:<20}] {finished}/{len(subs)}: {row.submission.label[:40]:<40}", err=True,
                       nl=False)

    book = grade(course, subs, exercises, jobs=jobs, timeout=timeout, on_row=on_row, judged=mode == "judged",
                 require_sandbox=require_sandbox, scheduler=scheduler)
    if tty:
        click.echo("\r" + " " * 100 + "\r", err=True, nl=False)
    for target, text in ((csv_file, gradebook.to_csv(book) if csv_file else ""),
                         (junit_file, gradebook.to_junit_xml(book) if junit_file else "")):
        if target == "-":
            click.echo(text, nl=False)
        elif target:
            Path(target).write_text(text, encoding="utf-8")
    if html_file:
        from kata.dev.report_html import to_html

        Path(html_file).write_text(to_html(book), encoding="utf-8")
    if as_json:
        click.echo(gradebook.to_json_lines(book))
    elif not to_stdout:
        click.echo(gradebook.to_text(book))
    click.echo(gradebook.summary(book), err=to_stdout)
    if book.checks_changed:
        click.secho("error: the check modules changed on disk while grading, so no mark of this run can be "
                    "trusted.", fg="red", err=True)
        click.echo("Restore the checks (e.g. `git checkout checks/`), install bubblewrap so submissions cannot "
                   "see them, and grade again.", err=True)
        sys.exit(2)
    if book.cancelled:  # Ctrl-C on a cluster: the rows above are the submissions that finished
        sys.exit(130)
    from kata.engine.supervisor import checks_could_not_run

    broken = {r.id: r for row in book.rows for r in row.results if checks_could_not_run(r)}
    if broken:  # no submission could pass these: the course is at fault, not the class
        for result in broken.values():
            click.secho(f"error: the checks of {result.id} {result.name} cannot run, so no submission could "
                        f"pass it: {result.message.splitlines()[0]}", fg="red", err=True)
        click.echo("Fix the course (`kata verify` shows the whole error), then grade again.", err=True)
        sys.exit(2)
    sys.exit(0 if book.all_passed else 1)


@cli.command("watch")
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


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except KataError as exc:
        click.secho(f"error: {exc.message}", fg="red", err=True)
        if exc.fix:
            click.echo(exc.fix, err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:  # Ctrl-C (click turns KeyboardInterrupt into Abort)
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        click.echo("Check the path and its permissions, then run the command again.", err=True)
        sys.exit(2)
    except Exception as exc:  # a bug in kata itself: say so plainly, keep the traceback for KATA_DEBUG
        if os.environ.get("KATA_DEBUG"):
            raise
        click.secho(f"kata hit an internal error: {type(exc).__name__}: {exc}", fg="red", err=True)
        click.echo("Your files and progress are untouched. Run again with KATA_DEBUG=1 for details, "
                   "and please report it.", err=True)
        sys.exit(2)
