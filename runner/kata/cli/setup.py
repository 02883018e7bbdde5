"""Starting out: `kata init` makes a workspace, `kata courses` lists the courses to start."""

from __future__ import annotations

import json
import shlex
import shutil
import sys
from pathlib import Path

import click

from kata.workspace import init_workspace


@click.command("init")
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
    """Create a workspace in DIRECTORY with the first exercise's stub (and any your progress has
    unlocked); each later one appears as it unlocks. Never overwrites your files."""
    from kata.course_sources import BUNDLED, resolve
    from kata.editor_config import write_editor_config
    from kata.stubs import has_file

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
        click.echo(f"  {len(created)} exercise file{'' if len(created) == 1 else 's'} created in {ws.root / 'exercises'}")
    if kept:
        click.echo(f"  {len(kept)} existing files kept as they were")
    waiting = [ex for ex in ws.course.exercises if not has_file(ws, ex)]
    if waiting:
        which = "the other exercise's file appears as you unlock it" if len(waiting) == 1 else \
            f"the other {len(waiting)} exercises' files appear as you unlock them"
        click.echo(f"  {which} (finish or `kata skip` the one before)")
    if editor_made:
        click.echo(f"  VS Code: {', '.join(str(p.relative_to(ws.root)) for p in editor_made)} written "
                   "(this Python as the interpreter; a \"kata watch\" task)")
    if editor_kept:
        click.echo(f"  VS Code: {', '.join(str(p.relative_to(ws.root)) for p in editor_kept)} kept as they were")
    from kata.session import Session

    # where the learner is: a workspace set up again may be well past the first exercise
    current = Session(ws).current() or ws.course.exercises[0]
    first = ws.file_of(current).relative_to(ws.root)
    click.echo(f"Next: cd {shlex.quote(str(directory))} && {_kata_command()} watch   (then edit {first})")
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
    on_path = shutil.which("kata")
    script = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    if on_path and script and Path(on_path).resolve() == script:
        return "kata"
    if script and script.name == "kata":
        return str(script)
    return f"{sys.executable} -m kata"


@click.command("courses")
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
