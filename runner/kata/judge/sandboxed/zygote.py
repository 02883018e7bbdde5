"""The sandbox's warm process: imports torch once, then forks one learner process per judged run.

`python -m kata.judge.sandboxed.zygote FD [--isolate]` runs inside bubblewrap where it is
installed (see `kata.judge.sandbox`), with FD a socket to the trusted worker. Per run the
worker sends `run` and passes the learner's end of a fresh socket pair. The zygote never
runs learner code and never imports anything after a run began from a place a run could
write: its `sys.path` holds only read-only folders, and it works from `/`.

Each run's learner process is forked ahead, while the previous run runs, into fresh namespaces
(`learner_process`, `isolation`): PID 1 of its own PID namespace, with its own /tmp, /dev/shm
and IPC, no capabilities and a seccomp filter, used for one run only. So no code of one submission runs in
a process another submission's code has run in, nothing one run writes is seen by the next,
and the learner's code cannot see, signal or trace the zygote (which is also not dumpable).
With `--isolate` (under bubblewrap) a run whose namespaces cannot be made does not start.

At `end` the zygote kills every process the run left (it is a child subreaper, so `setsid`
and double forks come back to it) and answers `clean`. If the learner process dies first,
the zygote tells the judge how, on the learner's socket.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
from typing import Callable

from kata import procs
from kata.judge import wire
from kata.judge.sandboxed import learner_process
from kata.procs import descendants, kill_all_below


def _read_only_path(isolate: bool) -> None:
    """Work from `/` and import only from folders no run can write to (nothing a learner left behind).

    Under bubblewrap every folder but the runs' own tmpfs is read-only, so a writable entry is
    dropped. Without it (best effort), the current folder and the temp folder are.
    """
    import tempfile

    os.chdir("/")
    scratch = os.path.realpath(tempfile.gettempdir())

    def safe(entry: str) -> bool:
        if not entry or not os.path.isabs(entry):
            return False
        if isolate:
            return not os.access(entry, os.W_OK)
        real = os.path.realpath(entry)
        return real != scratch and not real.startswith(scratch + os.sep)

    sys.path[:] = [entry for entry in sys.path if safe(entry)]
    sys.path_importer_cache.clear()


def main(argv: list[str]) -> None:
    control = socket.socket(fileno=int(argv[0]))
    isolate = "--isolate" in argv[1:]
    as_nobody = "--as-nobody" in argv[1:] and not isolate  # root without bubblewrap: runs become `nobody`
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    procs.become_subreaper()  # escaped grandchildren come back to us
    procs.die_with_parent()  # die with the worker
    procs.not_dumpable()  # no process of ours can read or write our memory, or trace us
    _read_only_path(isolate)
    me = os.getpid()
    import inspect  # noqa: F401  what every run's server needs, imported once here

    from kata.feedback import failures  # noqa: F401
    from kata.judge import rng  # noqa: F401
    from kata.judge.sandboxed import isolation, learner_process, ops, seccomp, server  # noqa: F401
    writable = isolation.writable_mounts() if isolate else None
    standby: learner_process.Standby | None = None
    running: learner_process.Standby | None = None  # the run under way, whose temp folder goes at its end

    def fork() -> learner_process.Standby:
        return learner_process.fork_standby(control, writable, as_nobody)

    while True:
        try:
            request, _ = wire.recv(control)
        except (wire.WireError, OSError):
            kill_all_below(me)
            _remove_tmp(running, standby)
            return
        op = request.get("op")
        if op == "preload":
            from kata.preload import preload  # the same libraries, with the same companions

            if standby is not None:  # forked before these imports: it would have to import them per run
                kill_all_below(me)
                _remove_tmp(standby)
                standby = None
            preload([str(n) for n in request.get("names", [])])
            if "torch" in sys.modules:
                # torch.autograd.grad(..., grad_outputs=...) (the judge's backward) imports sympy through
                # this module the first time: 1.3 s in every learner process, unless it is loaded here.
                try:
                    import torch.fx.experimental.symbolic_shapes  # noqa: F401
                except Exception:
                    pass
            import gc

            gc.collect()
            gc.freeze()
            wire.send(control, {"ok": True})
        elif op == "run":
            _, fds, _, _ = socket.recv_fds(control, 1, 1)
            conn = socket.socket(fileno=fds[0])
            running, standby = standby or None, None
            try:
                running = running or fork()
                pid = start_run(conn, request, running)
            except OSError:
                _remove_tmp(running)
                try:  # the standby died unused, or its namespaces failed: one fresh try
                    running = fork()
                    pid = start_run(conn, request, running)
                except OSError as exc:
                    conn.close()
                    kill_all_below(me)
                    wire.send(control, {"ok": False, "error": str(exc)})
                    _remove_tmp(running)
                    running = None
                    continue
            wire.send(control, {"ok": True, "pid": pid, "isolated": writable is not None})
            # The next run's process, forked while this one runs: from the zygote, never from this run,
            # into namespaces of its own that this run cannot name (another PID namespace), and spared
            # at this run's end. So the next run pays no fork and no namespaces.
            standby = _next_standby(fork)
        elif op == "end":
            spare = frozenset({standby.pid}) if standby is not None else frozenset()
            kill_all_below(me, spare)
            clean = not descendants(me, spare)
            _remove_tmp(running)
            running = None
            wire.send(control, {"ok": True, "clean": clean})
            if not clean:  # the worker replaces us: nothing of ours is used again
                kill_all_below(me)
                _remove_tmp(standby)
                standby = None
            elif standby is None:
                standby = _next_standby(fork)
        else:
            kill_all_below(me)
            _remove_tmp(running, standby)
            return


def start_run(conn: socket.socket, request: dict, standby: learner_process.Standby) -> int:
    """Hand the run to `standby` and watch it; returns its pid."""
    standby.start(conn, request)
    threading.Thread(target=_report_death, args=(standby, conn), daemon=True).start()
    return standby.pid


def _next_standby(fork: Callable[[], learner_process.Standby]) -> learner_process.Standby | None:
    """The next run's learner process, forked while the judge sends this run's verdict."""
    try:
        return fork()
    except OSError:
        return None  # the next run tries again, and reports why if it fails too


def _remove_tmp(*processes: learner_process.Standby | None) -> None:
    """Remove the private temp folders of learner processes that are gone (what a run wrote there goes too)."""
    import shutil

    for process in processes:
        if process is not None and process.tmp is not None:
            shutil.rmtree(process.tmp, ignore_errors=True)  # never follows a link the run left


def _report_death(standby: learner_process.Standby, conn: socket.socket) -> None:
    """Wait for the run's child; if it dies, tell the judge how on its socket, then let go of it (and its temp folder)."""
    try:
        _, raw = os.waitpid(standby.pid, 0)
    except ChildProcessError:
        raw = None
    try:
        if raw is not None:
            died = ({"code": os.WEXITSTATUS(raw)} if os.WIFEXITED(raw) else {"signal": os.WTERMSIG(raw)})
            wire.send(conn, {"died": died})
    except OSError:
        pass
    finally:
        conn.close()
        _remove_tmp(standby)


if __name__ == "__main__":
    main(sys.argv[1:])
