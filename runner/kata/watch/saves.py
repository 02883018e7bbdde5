"""Which file-system events count as a completed save of an exercise file.

Pure: no watchdog, no disk. Editors save in different ways, and each ends
with one of these on the exercise's own path:
- a plain write: `closed` after writing (inotify's IN_CLOSE_WRITE);
- an atomic replace (VS Code, most editors), vim's backup-and-rename and
  JetBrains' safe write: a `moved` whose destination is the exercise file;
- a rename from another folder, which inotify reports as `created`: the
  caller passes `nonempty` so that an empty, just-created file does not count.
  A file created and then written (vim) may so count twice; the watch loop
  runs again only when the content differs from what it last checked.
A `modified` event means a write is still under way, so it never counts,
except when polling, where no close events exist and a changed file is all
we see. Reads (`opened`, `closed_no_write`), `__pycache__`, swap and temp
files never count, because only the exact exercise file names do.
"""

from __future__ import annotations

import os
from typing import Callable

COMPLETED = {"closed", "moved", "created"}
COMPLETED_WHEN_POLLING = {"closed", "moved", "modified", "created"}


def saved_file(event_type: str, src: str, dest: str | None, is_directory: bool,
               exercise_files: set[str], polling: bool = False,
               nonempty: Callable[[str], bool] = lambda path: True) -> str | None:
    """The exercise file that this event completed a save of, or None."""
    if is_directory:
        return None
    if event_type not in (COMPLETED_WHEN_POLLING if polling else COMPLETED):
        return None
    path = dest if event_type == "moved" else src
    if not path:
        return None
    path = os.path.abspath(path)
    if path not in exercise_files:
        return None
    if event_type == "created" and not nonempty(path):
        return None
    return path

