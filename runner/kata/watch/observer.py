"""File events from watchdog, a probe that they arrive, and the polling fallback.

Some file systems never deliver events (WSL's /mnt, Docker bind mounts, NFS).
At start we write a probe file and wait briefly for its event; if none comes,
we switch to polling and say why.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Callable

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from kata import settings
from kata.watch.saves import saved_file

# How long the start-up probe waits for its file event. 0 counts events as missing, which
# forces the polling fallback as on WSL /mnt (the tests use it; so can a user who knows).
PROBE_WAIT_S = settings.current().probe_wait_s
POLL_INTERVAL_S = 0.25


def _nonempty(path: str) -> bool:
    try:
        return os.path.getsize(path) > 0
    except OSError:
        return False


class _Handler(FileSystemEventHandler):
    def __init__(self, exercise_files: set[str], polling: bool, on_save: Callable[[str], None],
                 probe: str, probe_seen: threading.Event) -> None:
        self.exercise_files = exercise_files
        self.polling = polling
        self.on_save = on_save
        self.probe = probe
        self.probe_seen = probe_seen

    def on_any_event(self, event: FileSystemEvent) -> None:
        src = os.fsdecode(event.src_path)
        dest = os.fsdecode(getattr(event, "dest_path", "") or "") or None
        if self.probe in (src, dest):
            self.probe_seen.set()
            return
        path = saved_file(event.event_type, src, dest, event.is_directory, self.exercise_files, self.polling,
                          nonempty=_nonempty)
        if path is not None:
            self.on_save(path)


class SaveWatcher:
    """Calls `on_save(path)` for every completed save of an exercise file."""

    def __init__(self, folder: Path, exercise_files: set[str], on_save: Callable[[str], None],
                 force_poll: bool = False) -> None:
        self.folder = Path(folder)
        self.exercise_files = exercise_files
        self.on_save = on_save
        self.polling = force_poll
        self.reason = "--poll was given" if force_poll else ""
        self._observer: BaseObserver | None = None

    def start(self) -> None:
        if not self.polling and not self._start_and_probe(polling=False):
            self.polling = True
            self.reason = ("file events did not arrive (common on WSL /mnt, Docker bind mounts and "
                           "network drives), so kata polls for changes instead")
        if self.polling:
            self._start_and_probe(polling=True, wait=False)

    def _start_and_probe(self, polling: bool, wait: bool = True) -> bool:
        probe = str(self.folder / f".kata-probe-{os.getpid()}")
        seen = threading.Event()
        handler = _Handler(self.exercise_files, polling, self.on_save, probe, seen)
        observer = PollingObserver(timeout=POLL_INTERVAL_S) if polling else Observer()
        observer.schedule(handler, str(self.folder), recursive=False)
        observer.daemon = True
        try:
            observer.start()
        except OSError:
            return False
        self._observer = observer
        if not wait:
            return True
        try:
            with open(probe, "w") as handle:
                handle.write("probe")
            arrived = seen.wait(PROBE_WAIT_S) if PROBE_WAIT_S > 0 else False
        except OSError:  # a folder kata may not write (read-only): no probe, so trust the events as they come
            arrived = True
        finally:
            try:
                os.unlink(probe)
            except OSError:
                pass
        if not arrived:
            self.stop()
        return arrived

    def stop(self) -> None:
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            observer.join(timeout=2)
