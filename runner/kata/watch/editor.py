"""The editor beside watch: opening the current exercise in it, and file locations as links.

- In VS Code's terminal (`TERM_PROGRAM=vscode`), `code -r FILE` opens the file in that window.
- Elsewhere, with `kata watch --open`, `$VISUAL` or `$EDITOR` does (a GUI editor: watch keeps the
  terminal). The editor is started apart from watch, and never waited for.
- Failures name `path:line`; terminals that know OSC 8 also get them as `file://…#L12` links.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Mapping
from urllib.parse import quote

from kata import settings

# Terminals known to show OSC 8 hyperlinks (and to ignore them gracefully where they do not).
_LINKING_TERMINALS = {"vscode", "iTerm.app", "WezTerm", "ghostty", "Hyper", "Tabby", "rio"}
# An absolute path to a Python file or notebook, then `:line`, or a notebook's `, cell N, line M`.
_LOCATION = re.compile(r"(?<![\w./~-])(?P<path>/[^\s:,'\"]+\.(?:py|ipynb))(?P<at>:(?P<line>\d+)(?::\d+)?|, cell \d+, line \d+)?")


def editor_command(open_requested: bool, env: Mapping[str, str]) -> tuple[list[str] | None, str]:
    """The command that opens a file (the file is appended), and a note for the learner when
    --open was asked for but no editor is known. None: do not open anything."""
    if env.get("TERM_PROGRAM") == "vscode" and shutil.which("code", path=env.get("PATH")):
        return ["code", "-r"], ""
    if not open_requested:
        return None, ""
    editor = env.get("VISUAL") or env.get("EDITOR")
    if not editor:
        return None, "--open: set $VISUAL or $EDITOR to the editor to open exercises in (e.g. `code -r`)."
    try:
        return shlex.split(editor), ""
    except ValueError:
        return None, f"--open: $VISUAL/$EDITOR ({editor!r}) is not a command kata can run."


class Opener:
    """Opens files with the editor command; reaps what it started."""

    def __init__(self, command: list[str] | None, cwd: Path) -> None:
        self.command = command
        self.cwd = cwd
        self._started: list[subprocess.Popen] = []

    def open(self, path: Path) -> str:
        """Open `path`; returns a problem to show, or ""."""
        self._started = [proc for proc in self._started if proc.poll() is None]
        if not self.command:
            return ""
        try:
            self._started.append(subprocess.Popen(
                [*self.command, str(path)], cwd=self.cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True))
        except OSError as exc:
            self.command = None  # say it once
            return f"Could not open {path.name} in the editor ({exc.strerror or exc}); watch goes on without it."
        return ""


def supports_hyperlinks(env: Mapping[str, str]) -> bool:
    """Whether the terminal shows OSC 8 hyperlinks. KATA_HYPERLINKS=1/0 decides outright."""
    forced = settings.current(env).hyperlinks  # only KATA_* are read from `env`; unset: None
    if forced is not None:
        return forced
    if env.get("TERM_PROGRAM") in _LINKING_TERMINALS or env.get("WT_SESSION") or env.get("KONSOLE_VERSION"):
        return True
    if env.get("TERM", "") in ("xterm-kitty", "foot", "alacritty", "xterm-ghostty"):
        return True
    try:
        return int(env.get("VTE_VERSION", "0")) >= 5000  # GNOME Terminal, Tilix, …
    except ValueError:
        return False


def hyperlinks(text: str) -> str:
    """Every absolute file location in `text` as an OSC 8 link to `file://…#L12`; the visible text
    stays `path:line`, so a terminal without links still shows (and can click) it."""
    def link(found: re.Match) -> str:
        url = "file://" + quote(found["path"])
        if found["line"]:
            url += f"#L{found['line']}"
        return f"\x1b]8;;{url}\x1b\\{found.group(0)}\x1b]8;;\x1b\\"
    return _LOCATION.sub(link, text)
