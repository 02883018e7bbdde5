"""The watch loop: saves and keys arrive on one queue; checks run one at a time.

No debounce sits between a save and its check. Saves that arrive while a check runs wait in
the queue; the loop then takes everything queued at once, so each file saved meanwhile is
checked once more (never lost, never more than one extra run), and only when its content
differs from what was last checked. Every learner rule (what is current, what unlocks, what a
verdict records) is the session's; this module draws and dispatches.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TextIO

from kata import messages, notebook
from kata.course import Exercise
from kata.engine import Engine
from kata.results import CheckResult
from kata.session import Session, Source, Verdict
from kata.watch import screen
from kata.watch.editor import Opener, editor_command, hyperlinks, supports_hyperlinks
from kata.watch.keys import KeyReader
from kata.watch.observer import SaveWatcher
from kata.workspace import Workspace


class Watch:
    def __init__(self, ws: Workspace, poll: bool, events_file: Path | None, out: TextIO,
                 open_editor: bool = False) -> None:
        self.ws = ws
        self.course = ws.course
        self.session = Session(ws)
        self.events_file = events_file
        self.out = out
        self.tty = out.isatty()
        self.queue: queue.Queue[tuple[str, str]] = queue.Queue()
        # Every file whose save is a save of an exercise: a notebook and its jupytext-paired .py both.
        self.files = {str(path): ex for ex in self.course.exercises for path in ws.files_of(ex)}
        self.engine = Engine()
        self.watcher = SaveWatcher(ws.root / "exercises", set(self.files),
                                   on_save=lambda path: self.queue.put(("save", path)), force_poll=poll)
        self.keys = KeyReader(on_key=lambda key: self.queue.put(("key", key)))
        self.current: Exercise = self.course.exercises[0]
        self.notices: list[str] = []  # warnings and the polling notice, for the next screen
        # The content last checked, per exercise. One save can reach us as two events (vim's new file
        # is `created`, then `closed`; a Jupyter save with jupytext writes the notebook, then its .py);
        # the second finds nothing new and costs no run.
        self.checked: dict[str, str] = {}
        command, problem = editor_command(open_editor, os.environ)
        self.opener = Opener(command, ws.root)
        if problem:
            self.notices.append(problem)
        self.links = self.tty and supports_hyperlinks(os.environ)
        self.unsaved: str | None = None  # why the last save of progress failed (a read-only workspace)

    # ---- output ----
    def say(self, text: str, clear: bool = False) -> None:
        if clear and self.tty:
            text = screen.CLEAR + text
        self.out.write(text + "\n")
        self.out.flush()

    def size(self) -> tuple[int | None, int | None]:
        """The terminal's columns and rows, or (None, None) when the output is not a terminal."""
        if not self.tty:
            return None, None
        size = shutil.get_terminal_size((100, 40))
        return max(size.columns, 40), max(size.lines, 10)

    def record_event(self, result: CheckResult, trigger: str) -> None:
        if self.events_file is None:
            return
        line = {
            "exercise": result.name, "id": result.id, "status": result.status,
            "steps_passed": result.steps_passed, "steps_total": len(result.steps),
            "duration_s": round(result.duration_s, 4), "timestamp": time.time(), "trigger": trigger,
            "file": result.target,
        }
        with open(self.events_file, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")

    # ---- actions ----
    def check(self, ex: Exercise, trigger: str, source: Source | None = None) -> None:
        self.current = ex
        if self.tty:
            self.out.write(f"\rChecking {ex.id} {ex.name}…")
            self.out.flush()
        self.refresh()  # another terminal may have skipped or passed one
        verdict = self.session.check(self.engine, ex, source, carry=False)  # the carry step after the screen
        result = verdict.result
        if verdict.ran:
            self.checked[ex.name] = verdict.source.digest
        else:  # nothing ran (the file was missing): whatever comes back, even the same text, is checked
            self.checked.pop(ex.name, None)
        for path in verdict.written:  # a stub this pass unlocked: its creation is no save to check
            made = self.files.get(str(path))
            if made is not None:
                self.checked.setdefault(made.name, self.session.source(made).digest)
        self.draw(ex, verdict)
        self.record_event(result, trigger)
        if verdict.ran:  # saved after the screen: the disk stays off the path from save to verdict
            self.session.save()
            self.warn_if_unsaved()
        if self.session.carry(self.engine, ex, verdict):  # a pass that fails on the learner's own earlier code
            self.draw(ex, verdict)
            if self.unsaved:  # the redraw cleared the warning said above
                self.say(messages.unsaved(self.unsaved, self.ws.state_dir))

    def draw(self, ex: Exercise, verdict: Verdict) -> None:
        """The verdict's screen, with any notices kept for the next screen on top."""
        result, unlocked = verdict.result, verdict.unlocked
        width, _ = self.size()
        text = screen.verdict_screen(
            self.course, self.session.progress, ex, result, self.session.path(ex), unlocked,
            self.session.path(unlocked) if unlocked else "", color=self.tty, keys=self.keys.active, width=width)
        path = verdict.source.path
        note = notebook.left_out_note(path) if result.status != "locked" and notebook.is_notebook(path) else None
        for line in (note, verdict.source.note if verdict.ran else None):
            if line:
                text = f"{text}\n{screen.wrap(line, width) if width else line}"
        if self.links:
            text = hyperlinks(text)
        notices, self.notices = self.notices, []  # shown on top, so a redraw cannot hide them
        self.say("\n".join(notices + [text]) if notices else text, clear=True)

    def warn_if_unsaved(self) -> None:
        """After a save: say at once when it failed (a read-only workspace), and remember why."""
        self.unsaved = self.session.unsaved
        if self.unsaved:
            self.say(messages.unsaved(self.unsaved, self.ws.state_dir))
            self.session.take_warnings()  # said here; the next screen need not repeat it on top

    def refresh(self) -> None:
        """Progress as it is on disk now; a warning (a corrupt file set aside) is shown once."""
        self.session.refresh()
        self.notices += [f"warning: {warning}" for warning in self.session.take_warnings()]

    def next_exercise(self) -> None:
        self.refresh()
        if not self.session.is_finished(self.current):
            self.say(messages.finish_first(self.current))
            return
        following = self.session.go_on_from(self.current)
        if following is None:
            self.say(messages.LAST_EXERCISE)
            return
        self.open_in_editor(following)
        self.check(following, trigger="key")

    def open_in_editor(self, ex: Exercise) -> None:
        problem = self.opener.open(self.ws.file_of(ex))
        if problem:
            self.notices.append(problem)

    def hint(self) -> None:
        ex = self.current
        if not ex.hints:
            self.say(messages.no_hints(ex))
            return
        shown = self.session.show_hint(ex)
        width, _ = self.size()
        text = messages.hint(ex, shown)
        self.say(screen.wrap(text, width) if width else text)
        self.warn_if_unsaved()

    def handle_key(self, key: str) -> bool:
        """Returns False when the learner asked to quit."""
        key = key.lower()
        if key == "q":
            return False
        if key == "r":
            self.check(self.current, trigger="key")
        elif key == "n":
            self.next_exercise()
        elif key == "h":
            self.hint()
        elif key == "l":  # a screen of its own: appended below the verdict, it pushed the header off
            width, height = self.size()
            self.say(screen.list_screen(self.course, self.session.progress, current=self.current, height=height,
                                        keys=self.keys.active, width=width), clear=True)
        return True

    # ---- the loop ----
    def run(self) -> int:
        _quit_on_sigterm()
        self.refresh()
        starter = threading.Thread(target=self._start_engine, daemon=True)
        starter.start()  # torch loads while the file-event probe runs
        self.watcher.start()
        starter.join()
        self.keys.start()
        try:
            if self.watcher.reason:
                self.notices.append(f"Polling for changes: {self.watcher.reason}.")
            current = self.session.current() or self.course.exercises[-1]
            self.open_in_editor(current)
            self.check(current, trigger="start")
            while True:
                try:
                    first = self.queue.get(timeout=0.5)
                except queue.Empty:
                    continue
                batch = [first]
                while True:
                    try:
                        batch.append(self.queue.get_nowait())
                    except queue.Empty:
                        break
                saved = list(dict.fromkeys(self.files[path] for kind, path in batch if kind == "save"))
                for kind, key in batch:
                    if kind == "key" and not self.handle_key(key):
                        return 0
                for ex in saved:
                    source = self.session.source(ex)  # the file read once: its digest decides and is recorded
                    if source.digest != self.checked.get(ex.name):
                        self.check(ex, trigger="save", source=source)
        except KeyboardInterrupt:
            return 0
        finally:
            self.keys.stop()
            self.watcher.stop()
            self.engine.close()
            self.say(messages.goodbye(self.unsaved))

    def _start_engine(self) -> None:
        try:
            self.engine.start()
        except (OSError, RuntimeError):
            pass  # the first check retries and reports what went wrong


def _quit_on_sigterm() -> None:
    """A terminated watch shuts down like a quit: terminal restored, worker stopped."""
    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        pass


def run_watch(ws: Workspace, poll: bool = False, events_file: Path | None = None, out: TextIO | None = None,
              open_editor: bool = False) -> int:
    return Watch(ws, poll, events_file, out or sys.stdout, open_editor=open_editor).run()
