"""The `kata` group: its help lists the commands by who runs them (learner, instructor, grader)."""

from __future__ import annotations

import click

AUDIENCES = ("learner", "instructor", "grader")


class AudienceGroup(click.Group):
    """A click group whose commands each belong to an audience, shown in sections by `--help`."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.audience: dict[str, str] = {}

    def add_for(self, audience: str, *commands: click.Command) -> None:
        assert audience in AUDIENCES, audience
        for command in commands:
            self.add_command(command)
            self.audience[command.name or ""] = audience

    def list_commands(self, ctx: click.Context) -> list[str]:
        """In the order they were added (the learner's path first), not alphabetically."""
        return list(self.commands)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max((len(name) for name in self.commands), default=0)
        for audience in AUDIENCES:
            rows = [(name, command.get_short_help_str(limit)) for name, command in self.commands.items()
                    if self.audience.get(name) == audience and not command.hidden]
            if rows:
                with formatter.section(f"Commands for {audience}s"):
                    formatter.write_dl(rows)
