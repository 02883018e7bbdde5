"""The watch loop: saves and keys arrive on one queue; checks run one at a time.

No debounce sits between a save and its check. Saves that arrive while a check
runs wait in the queue and are coalesced into one more run per file, so a save
is never lost and never costs more than one extra run.
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

from kata.checking import check_unsaved, record_verdict
from kata.course import Exercise
from kata.engine import Engine
from kata import notebook
from kata.progress import Progress, blocker, first_unfinished, next_after
from kata.results import CheckResult
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
        self.progress = Progress()
        self.current: Exercise = self.course.exercises[0]
        self.last: CheckResult | None = None
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
        self.unsaved: str | None = None  # why the last verdict could not be saved (a read-only workspace)

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
    def check(self, ex: Exercise, trigger: str) -> None:
        self.current = ex
        if self.tty:
            self.out.write(f"\rChecking {ex.id} {ex.name}…")
            self.out.flush()
        self.progress = self.load_progress()  # another terminal may have skipped or passed one
        following = next_after(self.course, ex)
        was_locked = following is not None and blocker(self.course, self.progress, following) is not None
        result, self.progress, digest = check_unsaved(self.engine, self.ws, ex, self.progress)
        if digest is not None:
            self.checked[ex.name] = digest
        self.last = result
        # Only news is announced: re-checking an exercise already done unlocks nothing new.
        unlocked = following if (result.passed and was_locked
                                 and blocker(self.course, self.progress, following) is None) else None
        width, _ = self.size()
        text = screen.verdict_screen(
            self.course, self.progress, ex, result, self.rel(ex), unlocked,
            self.rel(unlocked) if unlocked else "", color=self.tty, keys=self.keys.active, width=width)
        note = notebook.left_out_note(self.ws.source_of(ex)) if result.status != "locked" else None
        if note:
            text = f"{text}\n{screen.wrap(note, width) if width else note}"
        if self.links:
            text = hyperlinks(text)
        notices, self.notices = self.notices, []  # shown on top, so a redraw cannot hide them
        self.say("\n".join(notices + [text]) if notices else text, clear=True)
        self.record_event(result, trigger)
        if digest is not None:
            self.progress = record_verdict(self.ws, result, digest)
            self.warn_if_unsaved()

    def warn_if_unsaved(self) -> None:
        """After a save: say at once when it failed (a read-only workspace), and remember why."""
        store = self.ws.progress
        self.unsaved = store.unsaved
        if store.unsaved:
            self.say(f"warning: your progress could not be saved ({store.unsaved}): this verdict is not recorded.")
            store.warnings.clear()  # said here; the next screen need not repeat it on top

    def load_progress(self) -> Progress:
        """Progress as it is on disk now; a warning (a corrupt file set aside) is shown once."""
        store = self.ws.progress
        progress = store.load()
        self.notices += [f"warning: {warning}" for warning in store.warnings]
        store.warnings.clear()
        return progress

    def rel(self, ex: Exercise) -> str:
        return str(self.ws.file_of(ex).relative_to(self.ws.root))

    def next_exercise(self) -> None:
        if not self.progress.is_finished(self.current.name):
            self.say(f"Finish {self.current.id} {self.current.name} first, or run `kata skip {self.current.id}`.")
            return
        later = [e for e in self.course.exercises if e.number > self.current.number]
        if not later:
            self.say("That was the last exercise. Congratulations!")
            return
        # the next one still to do, past any already done or skipped; else simply the next one
        todo = [e for e in later if not self.progress.is_finished(e.name)]
        self.open_in_editor((todo or later)[0])
        self.check((todo or later)[0], trigger="key")

    def open_in_editor(self, ex: Exercise) -> None:
        problem = self.opener.open(self.ws.file_of(ex))
        if problem:
            self.notices.append(problem)

    def hint(self) -> None:
        ex = self.current
        if not ex.hints:
            self.say(f"{ex.id} {ex.name} has no hints.")
            return
        with self.ws.progress.update() as progress:
            entry = progress.entry(ex.name)
            entry.hints_shown = min(entry.hints_shown + 1, len(ex.hints))
            shown = entry.hints_shown
        self.progress = progress
        width, _ = self.size()
        text = f"Hint {shown}/{len(ex.hints)} for {ex.id} {ex.name}: {ex.hints[shown - 1]}"
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
            self.say(screen.list_screen(self.course, self.progress, current=self.current, height=height,
                                        keys=self.keys.active, width=width), clear=True)
        return True

    # ---- the loop ----
    def run(self) -> int:
        _quit_on_sigterm()
        self.progress = self.load_progress()
        starter = threading.Thread(target=self._start_engine, daemon=True)
        starter.start()  # torch loads while the file-event probe runs
        self.watcher.start()
        starter.join()
        self.keys.start()
        try:
            if self.watcher.reason:
                self.notices.append(f"Polling for changes: {self.watcher.reason}.")
            current = first_unfinished(self.course, self.progress) or self.course.exercises[-1]
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
                    if self.ws.digest_of(ex) != self.checked.get(ex.name):
                        self.check(ex, trigger="save")
        except KeyboardInterrupt:
            return 0
        finally:
            self.keys.stop()
            self.watcher.stop()
            self.engine.close()
            self.say("Bye! Your progress is saved." if self.unsaved is None else
                     f"Bye! Your progress could not be saved ({self.unsaved}): the verdicts above are not recorded.")

    def _start_engine(self) -> None:
        try:
            self.engine.start()
        except (OSError, RuntimeError):
            pass  # the first check retries and reports what went wrong


def _quit_on_sigterm() -> None:
    """A terminated watch shuts down like a quit: terminal restored, worker stopped."""
    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        pass


def run_watch(ws: Workspace, poll: bool = False, events_file: Path | None = None, out: TextIO | None = None,
              open_editor: bool = False) -> int:
    return Watch(ws, poll, events_file, out or sys.stdout, open_editor=open_editor).run()
