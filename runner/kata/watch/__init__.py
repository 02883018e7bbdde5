"""`kata watch`: the learner's live loop.

- `saves`: which file-system events are completed saves of an exercise (pure).
- `observer`: watchdog observers, the events-arrive probe and the polling fallback.
- `keys`: single-key input from a terminal, when there is one.
- `screen`: what the learner sees, as text.
- `loop`: the loop itself: one queue, saves coalesced per file, checks through the learner's session.
- `editor`: opening the current exercise in the learner's editor, and OSC 8 links.
"""

from kata.watch.loop import run_watch

__all__ = ["run_watch"]
