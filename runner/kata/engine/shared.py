"""The engine that one-shot commands (`kata check`, and so the editors' `--format gcc`) use.

Starting a worker costs ~3 s (torch), so a command talks to the *shared engine*: a background
daemon (`engine/daemon.py`) that keeps one warm worker for ~10 idle minutes. `command_engine()`
returns a `SharedEngine`, with the interface of `Engine` (a context manager, `check`, `close`,
`limits`), that connects to the daemon for its key, starting it when absent.

Nothing from the daemon is taken on trust: the runtime folder must be ours and 0700, the socket
file ours and closed to others, the process at the other end ours (SO_PEERCRED), its hello must
carry this command's key, every line must be a well-formed event of this run (run id, exercise,
target), and each step has a deadline (connect, hello, and the run's own limit plus a margin).
On any failure the command falls back to a fresh in-process `Engine` for the rest of its checks:
the verdict always comes, silently unless KATA_DEBUG is set. `KATA_ENGINE=fresh` opts out.

`shared_engine_status()` and `stop_shared_engine()` are for `kata engine status|stop`.
Standard library only, and no torch: this is on every command's path.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

from kata.contract import CheckResult, Event, EventKind, RunRequest
from kata.engine.client import CheckRequest, Engine, _not_dumpable
from kata.engine.daemon_wire import (PACKAGE, PROTOCOL, Lines, Unusable, check_socket_file, code_digest, engine_key,
                                     peer_uid, runtime_dir, send, socket_path)
from kata.errors import KataError

CONNECT_S = 1.0  # connecting to a listening socket is immediate; this bounds a stuck one
HELLO_S = 2.0  # the daemon says hello as soon as it accepts
SPAWN_WAIT_S = 10.0  # a daemon just started: how long to wait for its socket (a busy machine is slow)
BUSY_WAIT_S = 3.0  # the daemon lets a check wait this long for the one in flight (daemon.BUSY_WAIT_S)
START_MARGIN_S = 60.0  # a daemon without a warm worker starts one inside the run (imports torch)
RESULT_MARGIN_S = 15.0  # past the run's own limit: the worker kills and reaps, then answers
SILENCE_S = 5.0  # the daemon says `alive` every second of a run: this much silence is a hung daemon
MODES = ("shared", "fresh")

_daemons: list[subprocess.Popen] = []  # the daemons this process started, kept from the garbage collector


def _debug(message: str) -> None:
    if os.environ.get("KATA_DEBUG"):
        print(f"kata: {message}", file=sys.stderr, flush=True)


def engine_mode() -> str:
    mode = os.environ.get("KATA_ENGINE", "").strip().lower() or "shared"
    if mode not in MODES:
        raise KataError(f"KATA_ENGINE={os.environ['KATA_ENGINE']!r} is not an engine kata knows.",
                        "Set KATA_ENGINE=fresh (a new engine for each command) or shared (the default), or unset it.")
    if mode == "shared" and not (hasattr(socket, "AF_UNIX") and hasattr(socket, "SO_PEERCRED")):
        return "fresh"  # no way to tell who is at the other end of a socket here
    return mode


def command_engine() -> "Engine | SharedEngine":
    """An engine for one command: use as a context manager."""
    return Engine() if engine_mode() == "fresh" else SharedEngine()


def _connect(path: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(CONNECT_S)
    try:
        sock.connect(str(path))
    except BaseException:
        sock.close()
        raise
    return sock


def _hello(sock: socket.socket, path: Path) -> tuple[dict, Lines]:
    """The daemon's hello, after the trust checks on its socket file and its process."""
    check_socket_file(path)
    if peer_uid(sock) != os.getuid():
        raise Unusable(f"the process behind {path} is another user's")
    lines = Lines(sock)
    hello = lines.read(time.monotonic() + HELLO_S)
    if not isinstance(hello, dict) or hello.get("kata_engine") != PROTOCOL:
        raise Unusable(f"{path} is not a kata engine of this version")
    return hello, lines


class SharedEngine:
    """The shared engine for this command's key; a fresh `Engine` once it cannot be used."""

    def __init__(self) -> None:
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
            send(sock, wire.to_wire())
            warm = isinstance(hello.get("worker_pid"), int) and hello["worker_pid"] > 0
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
                    self.limits = event.result.limits or str(hello.get("limits", ""))
                    self.daemon_pid = int(hello.get("pid", 0))
                    self.worker_pid = int(hello.get("worker_pid", 0))
                    return event.result
                if event.kind == EventKind.BAD_REQUEST:
                    raise Unusable("the shared engine could not read the request")
                if on_event is not None:
                    on_event(event)
        finally:
            sock.close()

    def _open(self) -> tuple[socket.socket, dict, Lines]:
        """A trusted connection to this key's daemon, started if absent, and its hello."""
        folder = runtime_dir()
        if not self._key:
            self._digest = code_digest()
            self._key = engine_key(self._digest)
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
            if hello.get("key") != self._key:
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
        env = dict(os.environ)
        runner = str(PACKAGE.parent)
        env["PYTHONPATH"] = runner + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        with open(path.with_suffix(".log"), "ab") as log:
            self._daemon = subprocess.Popen(
                [sys.executable, "-m", "kata.engine.daemon", str(path), self._key, self._digest],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, start_new_session=True,
            )
        _daemons.append(self._daemon)


# --- kata engine status | stop ---------------------------------------------------------------

def _engines(folder: Path) -> list[tuple[Path, socket.socket, dict, Lines]]:
    """Every live, trusted shared engine in `folder`, connected, with its hello."""
    found = []
    for path in sorted(folder.glob("*.sock")):
        try:
            sock = _connect(path)
        except OSError:
            continue
        try:
            hello, lines = _hello(sock, path)
        except (Unusable, OSError):
            sock.close()
            continue
        found.append((path, sock, hello, lines))
    return found


def shared_engine_status() -> dict[str, Any]:
    """The mode, the runtime folder (or why it is refused) and each shared engine running there.

    Each engine: its socket, key, pid, worker pid (0: no worker yet), runs served, idle seconds, idle
    limit, folder (its cwd), and `current`: whether a `kata check` here would use it. Never raises.
    """
    status: dict[str, Any] = {"mode": "", "runtime_dir": "", "refused": "", "engines": []}
    try:
        status["mode"] = engine_mode()
        folder = runtime_dir()
    except (KataError, Unusable) as exc:
        status["refused"] = str(exc)
        return status
    status["runtime_dir"] = str(folder)
    try:
        current = socket_path(folder, engine_key())
    except Unusable:
        current = None
    for path, sock, hello, _lines in _engines(folder):
        sock.close()
        status["engines"].append({
            "socket": str(path), "current": path == current, "key": hello.get("key", ""), "pid": hello.get("pid", 0),
            "worker_pid": hello.get("worker_pid", 0), "runs": hello.get("runs", 0),
            "busy": hello.get("busy", False), "idle_s": hello.get("idle_s", 0.0),
            "idle_limit_s": hello.get("idle_limit_s", 0.0), "cwd": hello.get("cwd", ""),
        })
    return status


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rpartition(")")[2].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def stop_shared_engine(wait_s: float = 10.0) -> int:
    """Stop every shared engine of this user's runtime folder (their workers too); how many stopped.

    Waits up to `wait_s` for them to exit. Never raises.
    """
    try:
        folder = runtime_dir()
    except Unusable:
        return 0
    pids = []
    for _path, sock, hello, lines in _engines(folder):
        try:
            send(sock, {"op": "stop"})
            if lines.read(time.monotonic() + HELLO_S) == {"daemon": "stopping"}:
                pids.append(int(hello.get("pid", 0)))
        except (Unusable, OSError, ValueError, TypeError):
            pass
        finally:
            sock.close()
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and not all(_gone(pid) for pid in pids):
        for proc in _daemons:
            proc.poll()
        time.sleep(0.05)
    for proc in _daemons:
        proc.poll()  # reap the ones this process started
    return len(pids)
