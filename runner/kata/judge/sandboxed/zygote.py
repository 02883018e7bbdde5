"""The sandbox's warm process: imports torch once, then forks one learner process per judged run.

`python -m kata.judge.sandboxed.zygote FD [--isolate]` runs inside bubblewrap where it is
installed (see `kata.judge.sandbox`), with FD a socket to the trusted worker. Per run the
worker sends `run` and passes the learner's end of a fresh socket pair. The zygote never
runs learner code and never imports anything after a run began from a place a run could
write: its `sys.path` holds only read-only folders, and it works from `/`.

Each run is forked into fresh namespaces (`kata.judge.sandboxed.isolation`): a leader makes
them and forks the learner process as PID 1 of its own PID namespace, with its own /tmp,
/dev/shm and IPC, no capabilities and a seccomp filter. So no code of one submission runs in
a process another submission's code has run in, nothing one run writes is seen by the next,
and the learner's code cannot see, signal or trace the zygote (which is also not dumpable).
With `--isolate` (under bubblewrap) a run whose namespaces cannot be made does not start.

At `end` the zygote kills every process the run left (it is a child subreaper, so `setsid`
and double forks come back to it) and answers `clean`. If the learner process dies first,
the zygote tells the judge how, on the learner's socket.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import struct
import sys
import threading
from typing import Callable

from kata.judge import wire
from kata.judge.sandboxed.processes import descendants, kill_all_below



def _prctl(option: int, value: int) -> None:
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def limit(memory_mb: int, cpu_s: int) -> list[str]:
    """Limits for the learner's process; returns what was applied, in words."""
    import resource

    applied = []
    try:
        with open("/proc/self/status") as handle:
            vm_kb = next(int(line.split()[1]) for line in handle if line.startswith("VmSize:"))
        cap = vm_kb * 1024 + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        applied.append(f"address space +{memory_mb} MB")
    except (OSError, StopIteration, ValueError):
        pass
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


def serve_run(conn: socket.socket, request: dict, tmp: str) -> int:
    """The learner process: keep one socket, drop everything else, then answer the judge."""
    keep = conn.fileno()
    os.setsid()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.closerange(3, keep)
    os.closerange(keep + 1, 65536)
    try:
        with open("/proc/self/oom_score_adj", "w") as handle:
            handle.write("1000")  # out of memory in the run's cgroup: the learner's processes go first
    except OSError:
        pass
    os.environ.update(TMPDIR=tmp, HOME=tmp)
    os.chdir(tmp)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.dont_write_bytecode = True
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    from kata.judge.sandboxed.server import Server

    server = Server(conn)
    # The limits apply once the libraries the learner's file imports are loaded (see Server.prepare).
    server.limit = lambda: limit(int(request.get("memory_mb", 3072)), int(request.get("cpu_s", 60)))
    server.serve()
    return 0


ISOLATION_FAILED = 72  # the learner process's exit code when its namespaces could not be made


def fork_learner(conn: socket.socket, control: socket.socket, request: dict, writable: list[str] | None) -> int:
    """Fork the run's learner process; returns its pid, in our PID namespace.

    With `writable` (the places to cover with a fresh tmpfs), a leader makes new namespaces and
    forks the learner process into them, tells us its pid and exits: the learner process is then
    our child (we are a subreaper). Without, the learner process is forked directly, with a
    private temp folder (no bubblewrap: isolation between runs is best effort there).
    """
    if writable is None:
        import tempfile

        tmp = tempfile.mkdtemp(prefix="run-")

        def unisolated() -> int:
            control.close()
            return serve_run(conn, request, tmp)

        return _fork(unisolated)
    read_end, write_end = os.pipe()

    def leader() -> int:
        from kata.judge.sandboxed import isolation

        control.close()
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
            return serve_run(conn, request, "/tmp")

        os.write(write_end, struct.pack("q", _fork(learner)))
        return 0

    pid = _fork(leader)
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], 30)
        data = os.read(read_end, 512) if ready else b""
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)  # the leader exits at once; its child, the learner process, is now ours
    if len(data) < 8:
        raise OSError("the run's namespaces were not made in time")
    learner_pid = struct.unpack("q", data[:8])[0]
    if learner_pid < 0:
        raise OSError(f"the run's namespaces could not be made ({data[8:].decode(errors='replace')})")
    return learner_pid


def _fork(body: Callable[[], int]) -> int:
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            code = body()
        finally:
            os._exit(code)
    return pid


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
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _prctl(36, 1)  # PR_SET_CHILD_SUBREAPER: escaped grandchildren come back to us
    _prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die with the worker
    _prctl(4, 0)  # PR_SET_DUMPABLE 0: no process of ours can read or write our memory, or trace us
    _read_only_path(isolate)
    me = os.getpid()
    import inspect  # noqa: F401  what every run's server needs, imported once here

    from kata.feedback import failures  # noqa: F401
    from kata.judge import rng  # noqa: F401
    from kata.judge.sandboxed import isolation, ops, seccomp, server  # noqa: F401
    writable = isolation.writable_mounts() if isolate else None
    while True:
        try:
            request, _ = wire.recv(control)
        except (wire.WireError, OSError):
            kill_all_below(me)
            return
        op = request.get("op")
        if op == "preload":
            from kata.engine.preload import preload  # the same libraries, with the same companions

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
            try:
                pid = fork_learner(conn, control, request, writable)
            except OSError as exc:
                conn.close()
                kill_all_below(me)
                wire.send(control, {"ok": False, "error": str(exc)})
                continue
            threading.Thread(target=_report_death, args=(pid, conn), daemon=True).start()
            wire.send(control, {"ok": True, "pid": pid, "isolated": writable is not None})
        elif op == "end":
            kill_all_below(me)
            wire.send(control, {"ok": True, "clean": not descendants(me)})
        else:
            kill_all_below(me)
            return


def _report_death(pid: int, conn: socket.socket) -> None:
    """Wait for the run's child; if it dies, tell the judge how on its socket, then let go of it."""
    try:
        _, raw = os.waitpid(pid, 0)
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


if __name__ == "__main__":
    main(sys.argv[1:])
