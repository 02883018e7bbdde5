"""Single keys from the terminal, when stdin is one; otherwise watch works without keys."""

from __future__ import annotations

import os
import select
import sys
import threading
from typing import Callable


class KeyReader:
    """Reads one key at a time in cbreak mode and restores the terminal on stop."""

    def __init__(self, on_key: Callable[[str], None]) -> None:
        self.on_key = on_key
        self._saved: list | None = None  # the terminal's settings before cbreak, to restore
        self._stop = threading.Event()
        self.active = False

    def start(self) -> None:
        try:
            if not sys.stdin.isatty():
                return
            import termios
            import tty
        except (ImportError, ValueError, OSError):
            return
        fd = sys.stdin.fileno()
        try:
            self._saved = termios.tcgetattr(fd)
            tty.setcbreak(fd)
        except termios.error:
            return
        self.active = True
        threading.Thread(target=self._run, args=(fd,), daemon=True, name="kata-keys").start()

    def _run(self, fd: int) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([fd], [], [], 0.2)
            if not ready:
                continue
            try:
                data = os.read(fd, 32)
            except OSError:
                return
            if not data:
                return
            for char in data.decode(errors="ignore"):
                self.on_key(char)

    def stop(self) -> None:
        self._stop.set()
        if self._saved is not None:
            import termios

            try:
                termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, self._saved)
            except termios.error:
                pass
            self._saved = None
