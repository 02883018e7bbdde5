"""The `kata` group: commands listed by who runs them, each module imported only when its command runs.

A command names its module and attribute (`"kata.cli.check:check_cmd"`), so `kata check` never
imports what `kata grade` or `kata verify` need: start-up is most of a warm `kata check`'s time.
"""

from __future__ import annotations

import importlib

import click

AUDIENCES = ("learner", "instructor", "grader")


class AudienceGroup(click.Group):
    """A click group whose commands each belong to an audience, shown in sections by `--help`."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.audience: dict[str, str] = {}
        self.lazy: dict[str, str] = {}  # command name → "module:attribute", not yet imported

    def add_for(self, audience: str, **commands: str) -> None:
        """Commands by name → "module:attribute", in the order `kata --help` lists them."""
        assert audience in AUDIENCES, audience
        for name, where in commands.items():
            self.lazy[name] = where
            self.audience[name] = audience

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            module, _, attribute = self.lazy[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            assert isinstance(command, click.Command), self.lazy[cmd_name]
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """In the order they were added (the learner's path first), not alphabetically."""
        return list(dict.fromkeys([*self.lazy, *self.commands]))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max((len(name) for name in names), default=0)
        for audience in AUDIENCES:
            rows = []
            for name in names:
                command = self.get_command(ctx, name)
                if command is not None and self.audience.get(name) == audience and not command.hidden:
                    rows.append((name, command.get_short_help_str(limit)))
            if rows:
                with formatter.section(f"Commands for {audience}s"):
                    formatter.write_dl(rows)
