"""The sandbox's warm process: imports torch once, then forks one server per judged run.

`python -m kata.judge.zygote FD` runs inside bubblewrap where it is installed
(see `kata.judge.sandbox`), with FD a socket to the trusted worker. Per run the
worker sends `run` and passes the learner's end of a fresh socket pair; the
zygote forks a child that keeps only that socket, limits itself and serves
the judge. At `end` the zygote kills every process the run left (it is a
child subreaper, so `setsid` and double forks come back to it), empties the
run's temp folder, and answers `clean`. If the child dies first, the zygote
tells the judge how, on the child's socket.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
import tempfile
import threading

from kata.judge import wire



def _prctl(option: int, value: int) -> None:
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def descendants(root: int) -> list[int]:
    """Every live process below `root`, found through /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(b")") + 2:].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    found, stack = [], [root]
    while stack:
        for child in parents.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def kill_all_below(root: int) -> None:
    """SIGKILL and reap everything below `root` (the zygote, a subreaper) until nothing is left.

    Killed grandchildren are reparented to us (we are a subreaper), so after each
    round of kills, waiting for our own children collects them all.
    """
    for _ in range(200):
        pids = descendants(root)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        for pid in pids:
            try:
                os.waitpid(pid, 0)  # ours (directly, or reparented): gone within moments of SIGKILL
            except ChildProcessError:
                pass  # not our child (yet), or reaped by the death reporter


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
    """The forked child: keep one socket, drop everything else, then answer the judge."""
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
    from kata.judge.server import Server

    server = Server(conn)
    # The limits apply once the libraries the learner's file imports are loaded (see Server.prepare).
    server.limit = lambda: limit(int(request.get("memory_mb", 3072)), int(request.get("cpu_s", 60)))
    server.serve()
    return 0


def main(argv: list[str]) -> None:
    control = socket.socket(fileno=int(argv[0]))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _prctl(36, 1)  # PR_SET_CHILD_SUBREAPER: escaped grandchildren come back to us
    _prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die with the worker
    me = os.getpid()
    base = tempfile.gettempdir()
    import inspect  # noqa: F401  what every run's server needs, imported once here

    from kata.feedback import failures  # noqa: F401
    from kata.judge import ops, rng, server  # noqa: F401
    current_tmp = ""
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
            tmp = tempfile.mkdtemp(prefix="run-", dir=base)
            pid = os.fork()
            if pid == 0:
                code = 70
                try:
                    control.close()
                    code = serve_run(conn, request, tmp)
                finally:
                    os._exit(code)
            threading.Thread(target=_report_death, args=(pid, conn), daemon=True).start()
            wire.send(control, {"ok": True, "pid": pid, "tmp": tmp})
            current_tmp = tmp
        elif op == "end":
            kill_all_below(me)
            if current_tmp:
                shutil.rmtree(current_tmp, ignore_errors=True)
                current_tmp = ""
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
