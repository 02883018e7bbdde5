"""The `kata` command: its group, the commands by audience, and the one place errors end.

Exit codes: 0 all well or all passed, 1 a check failed, 2 bad usage or input. Every error says
what to do next, and no traceback from kata's own code ever reaches the user.
"""

from __future__ import annotations

import sys

import click

from kata import settings
from kata.cli.group import AudienceGroup
from kata.errors import KataError
from kata.workspace import find_workspace


@click.group(cls=AudienceGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kata", prog_name="kata")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """kata: learn neural networks one checked exercise at a time.

    In a workspace, bare `kata` starts `kata watch`.
    """
    if ctx.invoked_subcommand is None:
        find_workspace()  # outside a workspace this says how to start one
        from kata.cli.learner import watch_cmd

        ctx.invoke(watch_cmd)


assert isinstance(cli, AudienceGroup)
_LEARNER, _SETUP = "kata.cli.learner", "kata.cli.setup"
cli.add_for("learner", init=f"{_SETUP}:init_cmd", list=f"{_LEARNER}:list_cmd", check="kata.cli.check:check_cmd",
            watch=f"{_LEARNER}:watch_cmd", hint=f"{_LEARNER}:hint_cmd", solution=f"{_LEARNER}:solution_cmd",
            reset=f"{_LEARNER}:reset_cmd", skip=f"{_LEARNER}:skip_cmd", courses=f"{_SETUP}:courses_cmd",
            engine="kata.cli.engine:engine_group")
cli.add_for("instructor", verify="kata.cli.instructor:verify_cmd", new="kata.cli.instructor:new_cmd")
cli.add_for("grader", grade="kata.cli.grader:grade_cmd", export="kata.cli.export:export_group")


def main() -> None:
    try:
        settings.current()  # a malformed KATA_* variable stops here, named, before anything runs
        cli.main(standalone_mode=False)
    except KataError as exc:
        click.secho(f"error: {exc.message}", fg="red", err=True)
        if exc.fix:
            click.echo(exc.fix, err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:  # Ctrl-C (click turns KeyboardInterrupt into Abort)
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:  # UsageError, BadParameter: the message says what to do
        exc.show()
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        click.echo("Check the path and its permissions, then run the command again.", err=True)
        sys.exit(2)
    except Exception as exc:  # a bug in kata itself: say so plainly, keep the traceback for KATA_DEBUG
        if settings.debug():
            raise
        click.secho(f"kata hit an internal error: {type(exc).__name__}: {exc}", fg="red", err=True)
        click.echo("Your files and progress are untouched. Run again with KATA_DEBUG=1 for details, "
                   "and please report it.", err=True)
        sys.exit(2)
