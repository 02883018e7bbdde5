"""A running check child, forked or spawned, in its own process group: polled, killed, waited for.

Its own module so that the fork code (`kata.engine.launch`) and the supervisor share it
without one importing the other.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time


class Child:
    """A running check child, forked or spawned, in its own process group."""

    def __init__(self, pid: int, popen: subprocess.Popen | None = None) -> None:
        self.pid = pid
        self.popen = popen
        self.status: tuple[int | None, int | None] | None = None  # (exit code, signal)

    def poll(self) -> tuple[int | None, int | None] | None:
        if self.status is not None:
            return self.status
        if self.popen is not None:
            code = self.popen.poll()
            if code is not None:
                self.status = (code, None) if code >= 0 else (None, -code)
            return self.status
        try:
            pid, raw = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            self.status = (None, None)
            return self.status
        if pid:
            self.status = (os.WEXITSTATUS(raw), None) if os.WIFEXITED(raw) else (None, os.WTERMSIG(raw))
        return self.status

    def kill(self) -> None:
        for kill in (lambda: os.killpg(self.pid, signal.SIGKILL), lambda: os.kill(self.pid, signal.SIGKILL)):
            try:
                kill()
                return
            except (ProcessLookupError, PermissionError, OSError):
                continue

    def wait(self, timeout: float = 5.0) -> tuple[int | None, int | None]:
        end = time.monotonic() + timeout
        while (status := self.poll()) is None and time.monotonic() < end:
            time.sleep(0.0005)
        if status is None:
            self.kill()
            while (status := self.poll()) is None:
                time.sleep(0.005)
        return status
