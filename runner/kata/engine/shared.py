"""The engine that one-shot commands (`kata check`, and so the editors' `--format gcc`) use.

Starting a worker costs ~3 s (torch), so a command talks to the *shared engine*: a background
daemon (`engine/daemon.py`) that keeps one warm worker for ~10 idle minutes. `command_engine()`
returns a `SharedEngine`, with the interface of `Engine` (a context manager, `check`, `close`,
`limits`), that connects to the daemon for its key, starting it when absent.

Nothing from the daemon is taken on trust: the runtime folder must be ours and 0700, the socket
file ours and closed to others, the process at the other end ours (SO_PEERCRED), its hello must
carry this command's key, every line must be a well-formed event of this run (run id, exercise,
target), and each step has a deadline (connect, hello, and the run's own limit plus a margin).
A daemon whose hello says it is busy is not waited for: the run in flight may be an endless loop that
ends only at its step limit, so the command starts its own engine at once (issue 22).
On any failure the command falls back to a fresh in-process `Engine` for the rest of its checks:
the verdict always comes, silently unless KATA_DEBUG is set. `KATA_ENGINE=fresh` opts out.

`shared_engine_status()` and `stop_shared_engine()` (`kata engine status|stop`) are in
`engine/engines.py`, with the cap on how many shared engines may run at once.
Standard library only, and no torch: this is on every command's path.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from kata import settings
from kata.contract import CheckResult, Event, EventKind, RunRequest
from kata.engine.client import CheckRequest, Engine, _not_dumpable
from kata.engine.daemon_wire import (PACKAGE, Hello, Lines, Unusable, code_digest, command_env, engine_key,
                                     runtime_dir, send, socket_path)
from kata.engine.engines import (MODES, _connect, _daemons, _hello, engine_mode, make_room,  # noqa: F401
                                 shared_engine_status, stop_shared_engine)

SPAWN_WAIT_S = 10.0  # a daemon just started: how long to wait for its socket (a busy machine is slow)
BUSY_WAIT_S = 0.5  # a check the daemon's hello called free may wait this long (daemon.BUSY_WAIT_S)
START_MARGIN_S = 60.0  # a daemon without a warm worker starts one inside the run (imports torch)
RESULT_MARGIN_S = 15.0  # past the run's own limit: the worker kills and reaps, then answers
SILENCE_S = 5.0  # the daemon says `alive` every second of a run: this much silence is a hung daemon



def _debug(message: str) -> None:
    if settings.debug():
        print(f"kata: {message}", file=sys.stderr, flush=True)


def command_engine() -> "Engine | SharedEngine":
    """An engine for one command: use as a context manager."""
    return Engine() if engine_mode() == "fresh" else SharedEngine()


class SharedEngine:
    """The shared engine for this command's key; a fresh `Engine` once it cannot be used."""

    def __init__(self, cwd: Path | None = None) -> None:
        self.cwd = cwd  # the folder its checks run in, when not this process's (the magic: the workspace's)
        self.limits = ""
        self.fresh: Engine | None = None  # the fallback, once needed: used for the rest of the command
        self.why_fresh = ""
        self.daemon_pid = 0  # the daemon and its worker that ran the last check (0: none yet, or fresh)
        self.worker_pid = 0
        self._digest = ""
        self._key = ""
        self._daemon: subprocess.Popen | None = None  # the daemon this engine started, if it did

    def __enter__(self) -> "SharedEngine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        fresh, self.fresh = self.fresh, None
        if fresh is not None:
            fresh.close()

    def check(self, request: CheckRequest, on_event: Callable[[Event], None] | None = None) -> CheckResult:
        """Run one check in the shared engine, or in a fresh one when the shared one cannot be used."""
        if self.fresh is None:
            try:
                return self._run(request.run_request(), on_event)
            except Unusable as exc:
                self._go_fresh(str(exc))
            except (OSError, ValueError, TypeError) as exc:
                self._go_fresh(f"{type(exc).__name__}: {exc}")
        assert self.fresh is not None
        result = self.fresh.check(request, on_event)
        self.limits = self.fresh.limits
        return result

    def _go_fresh(self, why: str) -> None:
        _debug(f"not using the shared engine ({why}); this command starts its own")
        self.why_fresh, self.daemon_pid, self.worker_pid = why, 0, 0
        self.fresh = Engine()

    def _run(self, wire: RunRequest, on_event: Callable[[Event], None] | None) -> CheckResult:
        _not_dumpable()  # as a command with its own worker: learner code may not open our pipes via /proc
        sock, hello, lines = self._open()
        try:
            if hello.busy:  # never wait behind another run: it may be an endless loop
                raise Unusable("the shared engine answered busy: another check is running in it")
            send(sock, wire.to_wire())
            warm = hello.worker_pid > 0
            deadline = (time.monotonic() + BUSY_WAIT_S + wire.run_timeout + RESULT_MARGIN_S
                        + (0 if warm else START_MARGIN_S))
            while True:
                line = lines.read(min(deadline, time.monotonic() + SILENCE_S))
                if line == {"daemon": "alive"}:
                    continue
                if isinstance(line, dict) and "daemon" in line:
                    raise Unusable(f"the shared engine answered {str(line['daemon'])[:40]}")
                event = Event.from_wire(line)
                if event is None:
                    raise Unusable("the shared engine sent a line that is not an event")
                if not event.belongs_to(wire):
                    raise Unusable("the shared engine sent an event of another run")
                if event.kind == EventKind.RESULT and event.result is not None:
                    self.limits = event.result.limits or hello.limits
                    self.daemon_pid = hello.pid
                    self.worker_pid = hello.worker_pid
                    return event.result
                if event.kind == EventKind.BAD_REQUEST:
                    raise Unusable("the shared engine could not read the request")
                if on_event is not None:
                    on_event(event)
        finally:
            sock.close()

    def _open(self) -> tuple[socket.socket, Hello, Lines]:
        """A trusted connection to this key's daemon, started if absent, and its hello."""
        folder = runtime_dir()
        if not self._key:
            self._digest = code_digest()
            self._key = engine_key(self._digest, self.cwd)
        path = socket_path(folder, self._key)
        deadline = time.monotonic() + SPAWN_WAIT_S
        while True:
            try:
                sock = _connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):  # none yet, or a dead one's socket file
                self._spawn(path)
                code = self._daemon.poll() if self._daemon is not None else None
                if code:  # 0: it found another daemon serving this key, whose socket is coming
                    raise Unusable(f"the shared engine could not start (exit {code}; see "
                                   f"{path.with_suffix('.log')})") from None
                if time.monotonic() > deadline:
                    raise Unusable(f"the shared engine did not start within {SPAWN_WAIT_S:g} s "
                                   f"(see {path.with_suffix('.log')})") from None
                time.sleep(0.02)
            except OSError as exc:
                raise Unusable(f"cannot connect to {path}: {exc}") from None
        try:
            hello, lines = _hello(sock, path)
            if hello.key != self._key:
                raise Unusable(f"the engine behind {path} was started for another key")
        except BaseException as exc:
            sock.close()
            if isinstance(exc, Unusable):
                self._spawn(path)  # it replaces whatever holds the path, unless a live daemon of ours does
            raise
        return sock, hello, lines

    def _spawn(self, path: Path) -> None:
        """Start this key's daemon, detached; it exits at once if one already serves the key."""
        if self._daemon is not None:
            return
        make_room(path.parent, keep=path)
        env = command_env()  # as from a terminal, so the kernel's daemon is the terminal's too
        runner = str(PACKAGE.parent)
        env["PYTHONPATH"] = runner + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        with open(path.with_suffix(".log"), "ab") as log:
            self._daemon = subprocess.Popen(
                [sys.executable, "-m", "kata.engine.daemon", str(path), self._key, self._digest],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, start_new_session=True, cwd=self.cwd,
            )
        _daemons.append(self._daemon)
