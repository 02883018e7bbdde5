"""The engine that one-shot commands (`kata check`) use.

For now a fresh warm worker per command; the shared background engine replaces this.
"""

from __future__ import annotations

from kata.engine.client import Engine


def command_engine() -> Engine:
    """An engine for one command: use as a context manager."""
    return Engine()
