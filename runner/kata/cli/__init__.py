"""The `kata` command line (`kata.cli:main`), a thin click layer over the core.

- `app`: the group, its commands by audience, and `main`, where every error ends.
- `learner`, `check`, `setup`: the learner's commands; `instructor`: verify, new; `grader`: grade.
- `common`: what they share; `group`: the help that lists commands by audience.

Only this package and `kata.watch` print to the terminal.
"""

from kata.cli.app import cli, main

__all__ = ["cli", "main"]
