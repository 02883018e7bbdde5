"""Which earlier exercise the carry step (kata.carry) last found breaking a later one, for `kata list`:
the workspace's `.kata/breaks.json`, {"05": "07"} (05 breaks 07).

Written when a later exercise passes on its own code but its carry step names an earlier one; cleared
when that later exercise passes its carry step again. So the mark says what the last check of the later
exercise found, whether or not the earlier file changed since it passed (`kata list` says that apart).
A record kata cannot read is treated as empty: it is a hint, never the learner's work.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

FILE = "breaks.json"
_NUMBER = re.compile(r"^\d{1,4}$")
_FROM = re.compile(r"from exercise (\d+) \(|With the reference (\d+) in place of your ")


def carried_from(notice: str) -> str | None:
    """The earlier exercise a carry notice names (kata.carry writes both forms), or None."""
    found = _FROM.search(notice or "")
    return (found.group(1) or found.group(2)) if found else None


def read(state_dir: Path) -> dict[str, str]:
    try:
        data = json.loads((state_dir / FILE).read_text(encoding="utf-8")[:65536])
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)
            and _NUMBER.match(k) and _NUMBER.match(v)}


def note(state_dir: Path, later: str, earlier: str | None) -> None:
    """After `later` passed its own step: `earlier` breaks it (or, None, nothing does any more)."""
    data = read(state_dir)
    kept = {k: v for k, v in data.items() if v != later}
    if earlier is not None:
        kept[earlier] = later
    if kept == data or not state_dir.is_dir():
        return
    tmp = state_dir / f".{FILE}.{os.getpid()}.kata-tmp"
    try:
        tmp.write_text(json.dumps(kept, sort_keys=True), encoding="utf-8")
        os.replace(tmp, state_dir / FILE)
    except OSError:
        tmp.unlink(missing_ok=True)
