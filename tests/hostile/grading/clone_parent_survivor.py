"""Tries to outlive the run by leaving the learner process's tree sideways rather than below.

`clone(CLONE_PARENT)` makes the new process a sibling of its caller: from the learner process
(PID 1 of the run's namespace) that would be a child of the zygote, from any other process a
child of whatever is above it. Each survivor execs `sleep` under the name `kata-attack` (a
symlink in /tmp; a program exec'd from a vfork'd child too), in a new session, ignoring SIGTERM
and SIGHUP, so the test finds it from the host if it outlives `end`. The attacks reach past
their own process only in a pid namespace of a few processes (not run without a sandbox).
"""
import ctypes
import os
import signal

CLONE_PARENT, CLONE_VFORK, CLONE_VM, SIGCHLD = 0x00008000, 0x00004000, 0x00000100, 17
_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _sandboxed():
    return len([e for e in os.listdir("/proc") if e.isdigit()]) < 8


def _program():
    link = "/tmp/kata-attack"
    try:
        if not os.path.lexists(link):
            os.symlink("/usr/bin/sleep" if os.path.exists("/usr/bin/sleep") else "/bin/sleep", link)
    except OSError:
        return None
    return link


def _become_survivor():
    """In a fresh child: a new session, signals ignored, then `sleep 120` named kata-attack."""
    try:
        os.setsid()
    except OSError:
        pass
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)
    program = _program()
    if program:
        try:
            os.execv(program, [program, "120"])
        except OSError:
            pass
    _libc.prctl(15, b"kata-attack", 0, 0, 0)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    import time
    time.sleep(120)
    os._exit(0)


def _clone_parent():
    pid = _libc.syscall(56, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0)  # clone: fork, but as our sibling
    if pid == 0:
        _become_survivor()
    return pid, ctypes.get_errno()


def _escape():
    if not _sandboxed():
        return "not in a sandbox"
    tried = {"from_init": _clone_parent()}  # EINVAL for a namespace's init, or a child of the zygote
    child = os.fork()
    if child == 0:  # not init: CLONE_PARENT makes a sibling of ours, then we leave
        _clone_parent()
        program = _program()
        if program:  # and a vfork'd exec (posix_spawn), whose parent exits at once
            try:
                os.posix_spawn(program, [program, "120"], dict(os.environ), setsid=True)
            except OSError:
                pass
        os._exit(0)
    try:
        os.waitpid(child, 0)
    except ChildProcessError:
        pass
    return tried


def scale(x, k):
    raise RuntimeError(f"scale is not done; {_escape()}")


def mean(values):
    raise RuntimeError(f"mean is not done; {_escape()}")


def nudge(x, lr):
    raise RuntimeError(f"nudge is not done; {_escape()}")
