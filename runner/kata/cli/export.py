"""`kata export`: a course packaged for the platforms instructors already use (docs/grading.md).

`gradescope` builds an autograder zip (kata.dev.export_gradescope); `github-classroom` writes a
workflow for a template repository (kata.dev.export_classroom). Thin: the modules do the work.
"""

from __future__ import annotations

from pathlib import Path

import click

from kata.cli.common import course_from


@click.group("export")
def export_group() -> None:
    """For graders: package a course for Gradescope or GitHub Classroom."""


@export_group.command("gradescope")
@click.option("--course", "course_spec", default=None, metavar="PATH|NAME", help="The course to grade with.")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path), default=Path("autograder.zip"),
              show_default=True, help="The zip to write.")
@click.option("--kata", "kata_spec", default="kata", show_default=True, metavar="PIP-SPEC",
              help="What setup.sh pip-installs for kata (e.g. 'kata @ git+https://github.com/ORG/kata').")
def gradescope_cmd(course_spec: str | None, out: Path, kata_spec: str) -> None:
    """Build a Gradescope autograder zip: setup.sh, run_autograder and the course (no solutions)."""
    from kata.dev.export_gradescope import build_autograder

    course = course_from(course_spec)
    if not out.resolve().parent.is_dir():
        raise click.BadParameter(f"cannot write {out}: its folder does not exist.", param_hint="-o")
    names = build_autograder(course, out, kata_spec)
    click.echo(f"wrote {out}: {len(names)} files (setup.sh, run_autograder, course/). Upload it as the "
               "assignment's autograder (Configure Autograder → Zip file upload).")


@export_group.command("github-classroom")
@click.option("--course", "course_spec", default=None, metavar="PATH|NAME", help="The course to grade with.")
@click.option("-o", "--output", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="The template repository's root; the workflow goes in .github/workflows/.")
@click.option("--grade-course", default=None, metavar="NAME",
              help="What the workflow passes to `kata grade --course` (default: the course's name, installed "
                   "by --install).")
@click.option("--install", default="kata", show_default=True, metavar="PIP-SPECS",
              help="What the workflow pip-installs: kata and the package holding the course.")
def github_classroom_cmd(course_spec: str | None, out: Path, grade_course: str | None, install: str) -> None:
    """Write .github/workflows/classroom.yml: grades each push and reports points (all or nothing per exercise).

    The student controls their repository, this workflow included: its marks are feedback, and hidden
    checks never run there. Marks that must hold come from `kata grade` or `kata export gradescope`.
    """
    from kata.dev.export_classroom import write_workflow

    course = course_from(course_spec)
    path = write_workflow(course, out, grade_course or course.name, install)
    click.echo(f"wrote {path}. The student can edit it: these points are feedback, not proof; hidden checks "
               "do not run there (docs/grading.md).")
