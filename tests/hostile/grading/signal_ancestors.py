"""Stops, then kills, every process it can see: its parent (the sandbox's warm process), every pid in
/proc, and kill(-1). A helper named kata-attack keeps stopping them for a while. The grade must
still finish, and no other row may change."""
import ctypes
import os
import signal
import time


def _name():
    try:
        ctypes.CDLL(None).prctl(15, b"kata-attack", 0, 0, 0)  # PR_SET_NAME
    except Exception:
        pass


def _sandboxed():
    """Only ever signal everything inside a sandbox (a pid namespace of a few processes): run without
    one, this file must not stop the grader's machine."""
    try:
        return sum(1 for p in os.listdir("/proc") if p.isdigit()) <= 8
    except OSError:
        return False


def _others():
    me = os.getpid()
    if not _sandboxed():
        return []
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != me]


def _send(sig):
    for pid in [os.getppid(), *_others()]:
        try:
            os.kill(pid, sig)
        except OSError:
            pass
    try:
        if _sandboxed():
            os.kill(-1, sig)
    except OSError:
        pass


def _attack(final):
    _send(signal.SIGSTOP)
    if os.fork() == 0:
        os.setsid()
        _name()
        for _ in range(100):
            _send(signal.SIGSTOP)
            time.sleep(0.1)
        os._exit(0)
    if final is not None:
        _send(final)


_attack(None)


def scale(x, k):
    _attack(signal.SIGTERM)
    raise NotImplementedError("scale")


def mean(values):
    _attack(signal.SIGKILL)
    raise NotImplementedError("mean")


def nudge(x, lr):
    _attack(None)
    raise NotImplementedError("nudge")
