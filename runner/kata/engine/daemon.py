"""The shared engine: a background process that keeps one warm worker between `kata` commands.

`kata check` pays ~3 s to start a worker that imports torch; a learner (or an editor on every
save) runs it again and again. This daemon owns one `Engine` (the same client class a command
uses, so the worker, its limits, run ids and crash handling are the same) and serves it on a Unix
socket in the user's runtime folder, named after the engine's key (`daemon_wire.engine_key`).
`engine/shared.py` is the other end; docs/warm-engine.md has the design and the trust model.

    python -m kata.engine.daemon SOCKET KEY DIGEST     (started by shared.py, detached)

Protocol, newline-delimited JSON: on connect the daemon sends its hello (protocol, key, pids,
whether it is busy); the client sends one request: a `RunRequest` (`op: check`), `op: stop`, or
nothing (status). For a check the daemon forwards every event of the run, then the `result` event,
all stamped with the run's id. One check at a time: a command whose hello says `busy` uses a fresh
engine at once; one that sent its check anyway waits up to BUSY_WAIT_S, else is told `busy`. A client that goes away mid-run
ends the run, as closing a worker's stdin does. The daemon exits after KATA_ENGINE_IDLE_S idle
seconds (600), when its code changes, when its socket is replaced or removed, on `stop` or SIGTERM.
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from kata import settings
from kata.contract import Event, EventKind, RunRequest
from kata.engine.client import Engine, _not_dumpable
from kata.engine.daemon_wire import PROTOCOL, Lines, Unusable, code_digest, cwd_identity, peer_uid, runtime_dir, send

IDLE_S = 600.0
TICK_S = 0.5  # how often the daemon looks at its idle time, its socket and (every 10 ticks) its code
BUSY_WAIT_S = 0.5  # a check whose hello said free, beaten to the engine by another: then `busy`
REQUEST_WAIT_S = 10.0  # for the request line after the hello
HEARTBEAT_S = 1.0  # while a check waits or runs, so that its client can tell a hung daemon (shared.SILENCE_S)
SEND_TIMEOUT_S = 30.0  # a client that reads nothing for this long has gone: its run ends
STALE_S = 60.0  # another key's files, unlocked for this long, are a dead engine's: removed


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} [{os.getpid()}] {message}", file=sys.stderr, flush=True)


def idle_limit() -> float:
    return settings.current().engine_idle_s  # IDLE_S unless KATA_ENGINE_IDLE_S says otherwise


class Daemon:
    def __init__(self, path: Path, key: str, digest: str) -> None:
        self.path, self.key, self.digest = path, key, digest
        self.idle_s = idle_limit()
        self.engine = Engine()
        self.run_lock = threading.Lock()  # one check at a time
        self.state = threading.Lock()  # guards the fields below
        self.running = ""  # the run id in flight
        self.connections = 0
        self.runs = 0
        self.last_active = time.monotonic()
        self.started = time.time()
        self.stopping = threading.Event()
        self.inode = 0
        self.cwd = cwd_identity()

    # --- start and stop ----------------------------------------------------------------------

    def lock(self) -> int | None:
        """Hold `<name>.lock` for life: one daemon per key, and a dead one's socket is ours to replace."""
        fd = os.open(self.path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        return fd

    def bind(self) -> socket.socket:
        """Listen on a fresh name, then rename it over the socket path: clients never see a socket that
        is bound but not listening, and a dead daemon's file is replaced in one step."""
        fresh = self.path.with_suffix(f".{os.getpid()}")
        fresh.unlink(missing_ok=True)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(fresh))
        os.chmod(fresh, 0o600)
        listener.listen(16)
        os.rename(fresh, self.path)
        self.inode = os.stat(self.path).st_ino
        listener.settimeout(TICK_S)
        return listener

    def sweep(self) -> None:
        """Remove what dead engines of other keys left behind (an old kata version, another folder)."""
        for lock in self.path.parent.glob("*.lock"):
            if lock.stem == self.path.stem:
                continue
            try:
                if time.time() - lock.stat().st_mtime < STALE_S:
                    continue
                fd = os.open(lock, os.O_RDWR | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                for suffix in (".sock", ".log", ".lock"):
                    lock.with_suffix(suffix).unlink(missing_ok=True)
            except OSError:
                pass
            finally:
                os.close(fd)

    def ours(self) -> bool:
        try:
            return os.stat(self.path).st_ino == self.inode
        except OSError:
            return False

    def why_exit(self, tick: int) -> str:
        with self.state:
            idle = self.connections == 0 and self.running == ""
            idle_for = time.monotonic() - self.last_active
        if self.stopping.is_set() or not self.ours():
            return "asked to stop" if self.stopping.is_set() else "its socket was removed or replaced"
        if idle and idle_for >= self.idle_s:
            return f"idle for {idle_for:.0f} s"
        try:
            if idle and tick % 10 == 0 and (code_digest() != self.digest or cwd_identity() != self.cwd):
                return "kata's code or this engine's folder changed"
        except OSError:
            return "this engine's folder is gone"
        return ""

    def serve(self) -> int:
        if self.path.parent != runtime_dir():
            log(f"{self.path} is not in this user's runtime folder {runtime_dir()}: not serving")
            return 1
        lock = self.lock()
        if lock is None:
            return 0  # another daemon serves this key
        if code_digest() != self.digest:
            log("kata's code changed before the engine started: not serving")
            return 0
        try:
            os.ftruncate(sys.stderr.fileno(), 0)  # the log (opened to append) holds this daemon's life only
        except (OSError, ValueError):
            pass
        _not_dumpable()  # learner code (the same user) may not read this process's memory or sockets
        self.sweep()
        listener = self.bind()
        log(f"serving {self.path} (idle limit {self.idle_s:g} s)")
        tick = 0
        why = ""
        while not why:
            try:
                conn, _ = listener.accept()
            except socket.timeout:
                tick += 1
                why = self.why_exit(tick)
                continue
            except OSError as exc:
                why = f"accept failed: {exc}"
                continue
            with self.state:
                self.connections += 1
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()
            why = self.why_exit(tick)
        log(f"exiting: {why}")
        if self.ours():
            self.path.unlink(missing_ok=True)
        listener.close()
        with self.state:
            if self.running:
                self.engine.interrupt()
        deadline = time.monotonic() + 10
        while self.connections and time.monotonic() < deadline:
            time.sleep(0.05)
        self.engine.close()
        os.close(lock)
        return 0

    # --- one connection ------------------------------------------------------------------------

    def hello(self) -> dict:
        with self.state:
            busy, runs, idle_for = bool(self.running), self.runs, time.monotonic() - self.last_active
        proc = self.engine._proc  # read once: a run in another thread may be replacing it
        return {"kata_engine": PROTOCOL, "key": self.key, "pid": os.getpid(),
                "worker_pid": proc.pid if proc else 0, "limits": self.engine.limits, "busy": busy,
                "runs": runs, "idle_s": round(idle_for, 1), "idle_limit_s": self.idle_s, "started": self.started,
                "cwd": os.getcwd()}

    def handle(self, conn: socket.socket) -> None:
        op = None  # only a check is a use of the engine (last_active): a status probe is none
        try:
            if peer_uid(conn) != os.getuid():
                return
            send(conn, self.hello())
            message = Lines(conn).read(time.monotonic() + REQUEST_WAIT_S)
            op = message.get("op") if isinstance(message, dict) else None
            if op == "stop":
                self.stopping.set()
                with self.state:
                    if self.running:
                        self.engine.interrupt()
                send(conn, {"daemon": "stopping"})
            elif op == "check":
                try:
                    wire = RunRequest.from_wire(message)
                except (ValueError, TypeError) as exc:
                    send(conn, {"daemon": "bad_request", "message": str(exc)})
                    return
                self.check(conn, wire)
        except (Unusable, OSError):
            pass  # a client that left, or sent nothing: nothing to answer
        finally:
            conn.close()
            with self.state:
                self.connections -= 1
                self.last_active = time.monotonic() if op == "check" else self.last_active

    def check(self, conn: socket.socket, wire: RunRequest) -> None:
        conn.settimeout(SEND_TIMEOUT_S)
        sending = threading.Lock()  # the run's events and the heartbeats share the connection

        def say(message: dict) -> None:
            with sending:
                send(conn, message)

        done = threading.Event()
        threading.Thread(target=self.watch, args=(conn, wire.run_id, done, say), daemon=True).start()
        try:
            if self.stopping.is_set() or not self.run_lock.acquire(timeout=BUSY_WAIT_S):
                say({"daemon": "busy"})
                return
            try:
                with self.state:
                    self.running = wire.run_id

                def forward(event: Event) -> None:
                    try:
                        say(event.to_wire())
                    except OSError:
                        self.interrupt(wire.run_id)

                result = self.engine.run(wire, forward)
                with self.state:
                    self.running = ""
                    self.runs += 1
                say(Event(EventKind.RESULT, result=result).stamped(wire).to_wire())
            finally:
                with self.state:
                    self.running = ""
                self.run_lock.release()
        finally:
            done.set()

    def watch(self, conn: socket.socket, run_id: str, done: threading.Event, say: Callable[[dict], None]) -> None:
        """Say `alive` every HEARTBEAT_S (a client takes silence for a hung daemon), and end the run
        if its client goes away (Ctrl-C, a deadline on its side)."""
        beat = time.monotonic()
        try:
            while not done.is_set():
                readable, _, _ = select.select([conn], [], [], TICK_S)
                if readable and not conn.recv(1 << 12):
                    return self.interrupt(run_id)
                if time.monotonic() - beat >= HEARTBEAT_S and not done.is_set():
                    say({"daemon": "alive"})
                    beat = time.monotonic()
        except (OSError, ValueError):
            self.interrupt(run_id)

    def interrupt(self, run_id: str) -> None:
        with self.state:
            if self.running == run_id:
                self.engine.interrupt()


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python -m kata.engine.daemon SOCKET KEY DIGEST (kata starts it)", file=sys.stderr)
        return 2
    os.umask(0o077)
    daemon = Daemon(Path(argv[0]), argv[1], argv[2])
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: daemon.stopping.set())
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        return daemon.serve()
    except Unusable as exc:
        log(f"not serving: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
