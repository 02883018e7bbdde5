"""The engine runs checks in isolated child processes.

- `client.Engine` is what the CLI and watch use: it starts the warm worker and
  asks it for check runs. It imports only the standard library.
- `worker` is the warm worker: it pays for torch and pytest once, then forks a
  fresh child per run (or spawns one, where fork does not exist).
- `child` is what runs inside that child: pytest with the kata plugin.
- `supervisor` watches a child: limits, output caps, and the verdict when it dies.
"""

from kata.engine.client import Engine, CheckRequest

__all__ = ["Engine", "CheckRequest"]
