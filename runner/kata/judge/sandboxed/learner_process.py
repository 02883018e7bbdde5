"""The learner process of one run: forked ahead into fresh namespaces, used once, then gone.

The zygote forks the next run's learner process (a *standby*) as soon as a run starts, so the
namespaces, mounts and seccomp filter cost the next run nothing. A standby is forked from the
zygote, which never runs learner code, into namespaces the running submission cannot name (its
own PID namespace among them); it has run no learner code, and serves exactly one run: it waits on a private channel for the run's
request and the learner's socket, then answers the judge until the socket closes.

With namespaces (`writable` given, under bubblewrap), a leader makes them and forks the
learner process as PID 1 of its own PID namespace (see `isolation`), tells the zygote its
pid and exits: the learner process is then the zygote's child (a subreaper). Without them
(no bubblewrap) the learner process is forked directly and gets a private temp folder.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import struct
import sys

from kata.judge import wire
from kata.procs import fork_call, keep_only, limit_address_space, set_oom_score_adj

ISOLATION_FAILED = 72  # the exit code of a standby whose namespaces could not be made
READY_TIMEOUT_S = 30


class Standby:
    """A learner process waiting for its run; `start` hands it the run, once."""

    def __init__(self, pid: int, channel: socket.socket, tmp: str | None = None) -> None:
        self.pid = pid
        self.channel = channel
        self.tmp = tmp  # its private temp folder (without namespaces), removed once its run ended

    def start(self, conn: socket.socket, request: dict) -> None:
        """Give the run's request and socket to the waiting process; OSError if it is gone."""
        try:
            wire.send(self.channel, {"memory_mb": int(request.get("memory_mb", 3072)),
                                     "cpu_s": int(request.get("cpu_s", 60))})
            socket.send_fds(self.channel, [b"F"], [conn.fileno()])
        finally:
            self.channel.close()


def fork_standby(control: socket.socket, writable: list[str] | None, as_nobody: bool = False) -> Standby:
    """Fork the next run's learner process; OSError when its namespaces could not be made.

    `as_nobody` (no namespaces, kata running as root): the process becomes `nobody` when its run
    starts, before any learner code, never while it waits (so no run's code can reach the next one).
    """
    ours, theirs = socket.socketpair()
    if writable is None:
        import tempfile

        tmp = tempfile.mkdtemp(prefix="run-")

        def plain() -> int:
            control.close()
            ours.close()
            return wait_and_serve(theirs, tmp, as_nobody)

        pid = fork_call(plain, report=False)
        theirs.close()
        return Standby(pid, ours, tmp)
    read_end, write_end = os.pipe()

    def leader() -> int:
        from kata.judge.sandboxed import isolation

        control.close()
        ours.close()
        os.close(read_end)
        try:
            isolation.prepare(writable)
        except OSError as exc:
            os.write(write_end, struct.pack("q", -1) + str(exc).encode()[:500])
            return ISOLATION_FAILED

        def learner() -> int:
            os.close(write_end)
            try:
                isolation.finish()
            except OSError:
                return ISOLATION_FAILED
            return wait_and_serve(theirs, "/tmp")

        os.write(write_end, struct.pack("q", fork_call(learner, report=False)))
        return 0

    pid = fork_call(leader, report=False)
    os.close(write_end)
    theirs.close()
    try:
        ready, _, _ = select.select([read_end], [], [], READY_TIMEOUT_S)
        data = os.read(read_end, 512) if ready else b""
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)  # the leader exits at once; its child, the learner process, is now ours
    learner_pid = struct.unpack("q", data[:8])[0] if len(data) >= 8 else 0
    if learner_pid <= 0:
        ours.close()
        why = data[8:].decode(errors="replace") if learner_pid < 0 else "not made in time"
        raise OSError(f"the run's namespaces could not be made ({why})")
    return Standby(learner_pid, ours)


def wait_and_serve(channel: socket.socket, tmp: str, as_nobody: bool = False) -> int:
    """In the standby: set up what needs no run, wait for the run, then serve it."""
    os.setsid()
    set_oom_score_adj(1000)  # out of memory in the run's cgroup: the learner's processes go first
    os.environ.update(TMPDIR=tmp, HOME=tmp)
    os.chdir(tmp)
    try:
        request, _ = wire.recv(channel)
        _, fds, _, _ = socket.recv_fds(channel, 1, 1)
    except (OSError, wire.WireError, ValueError):
        return 0  # the zygote let go of us unused
    if not fds:
        return 0
    channel.close()
    if as_nobody:
        from kata.judge.sandboxed import isolation

        try:  # what it imports from here on (kata, torch, the standard library) must be world-readable
            isolation.become_nobody(tmp, [entry for entry in sys.path if os.path.isabs(entry)])
        except OSError:
            return ISOLATION_FAILED  # the run does not start as root
    return serve_run(socket.socket(fileno=fds[0]), request)


def serve_run(conn: socket.socket, request: dict) -> int:
    """Keep one socket, drop everything else, then answer the judge."""
    keep = conn.fileno()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    keep_only(keep)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.dont_write_bytecode = True
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    from kata.judge.sandboxed import integrity
    from kata.judge.sandboxed.server import Server

    server = Server(conn)
    integrity.install(integrity.send_notice(conn, server.send_lock), server.own_files)  # before any learner code
    # The limits apply once the libraries the learner's file imports are loaded (see Server.prepare).
    server.limit = lambda: limit(int(request.get("memory_mb", 3072)), int(request.get("cpu_s", 60)))
    server.serve()
    return 0


def limit(memory_mb: int, cpu_s: int) -> list[str]:
    """Limits for the learner's process; returns what was applied, in words."""
    import resource

    applied = []
    if limit_address_space(memory_mb):
        applied.append(f"address space +{memory_mb} MB")
    for name, value, words in ((resource.RLIMIT_CPU, cpu_s, f"{cpu_s} s CPU"),
                               (resource.RLIMIT_FSIZE, 64 << 20, "64 MB files"),
                               (resource.RLIMIT_NOFILE, 256, "256 open files"),
                               (resource.RLIMIT_CORE, 0, "")):
        try:
            resource.setrlimit(name, (value, value))
            if words:
                applied.append(words)
        except (OSError, ValueError):
            pass
    return applied
