"""What the learner's process does that no honest answer does, noticed as it happens and told to the judge.

An audit hook (PEP 578) in the learner's process watches a few events: a signal sent to a
process that is not its own or its own child's, opening another process's memory, opening or
listing a course's `solutions/`, `checks/`, `mistakes/` or `hidden/` (a folder beside a
`kata.toml`, which the sandbox shows empty, or one named with an exercise's file in it, as
`solutions/01_scale.py`: the sandbox does not show that course at all), writing a module where a later run could import it
(`sitecustomize`, a `.pth`, a name of a library already imported), and reaching, through ctypes,
for system calls the sandbox exists to block (ptrace, process_vm_writev, unshare, mount, raw
`syscall`, IPC channels that outlive the run). Importing modules, reading one's own files and
raising exceptions are never noticed.

Each reason is sent to the judge at once, as its own frame (`{"integrity": reason}`), before the
action runs: a signal that stops this process cannot hold it back. This runs beside the
learner's code, so a submission can silence it; a notice is evidence, its absence proves
nothing. The judge's own checks of the protocol (kata.judge.remote) do not depend on it.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from typing import Any, Callable

from kata.procs import parent_of

COURSE_PARTS = ("solutions", "checks", "mistakes", "hidden")
# a course's file by its name, for a course the sandbox does not show at all (`solutions/01_scale.py`)
_COURSE_FILE = re.compile(r"^((test_)?\d\d_\w+\.(py|ipynb)|.+\.mistake)$")
# libc functions an exercise never needs, each the tool of an attack the sandbox blocks
ESCAPES = {
    "ptrace": "ptrace (another process's memory)", "process_vm_writev": "process_vm_writev (another process's memory)",
    "process_vm_readv": "process_vm_readv (another process's memory)", "unshare": "unshare (new namespaces)",
    "setns": "setns (another process's namespaces)", "mount": "mount", "umount2": "umount2", "pivot_root": "pivot_root",
    "chroot": "chroot", "syscall": "raw system calls (syscall)", "kill": "kill", "tgkill": "tgkill",
    "killpg": "killpg", "msgget": "a SysV message queue (it outlives the run)",
    "shmget": "SysV shared memory (it outlives the run)", "semget": "SysV semaphores (it outlives the run)",
    "mq_open": "a POSIX message queue (it outlives the run)", "add_key": "the kernel keyring", "keyctl": "the kernel keyring",
    "bpf": "bpf", "init_module": "init_module",
}
MAX_NOTICES = 20

_local = threading.local()


class Watch:
    """The learner process's notices: each reason once, `send` called with it."""

    def __init__(self, send: Callable[[str], None], own: Callable[[], set[str]] | None = None) -> None:
        self.send = send
        self.own = own  # the learner's own files (its module, its earlier exercises): never a course's
        self.pid = os.getpid()
        self.told: set[str] = set()

    def note(self, reason: str) -> None:
        kind = reason.split(" (", 1)[0]  # one notice a kind: the first path or pid stands for the rest
        if os.getpid() != self.pid or kind in self.told or len(self.told) >= MAX_NOTICES:
            return  # a forked helper's notice could cut into its parent's frames on the one socket
        self.told.add(kind)
        try:
            self.send(reason)
        except Exception:
            pass

    def hook(self, event: str, args: tuple) -> None:
        if event not in _EVENTS or getattr(_local, "busy", False):
            return
        _local.busy = True  # what the checks below open must not be looked at again
        try:
            reason = "" if self._own(event, args) else _EVENTS[event](args)
        except Exception:
            reason = ""
        finally:
            _local.busy = False
        if reason:
            self.note(reason)


    def _own(self, event: str, args: tuple) -> bool:
        """Whether the event reads one of the learner's own files (a submission folder may be named
        `solutions`, and a traceback may read the file its frames are in)."""
        if self.own is None or event not in ("open", "os.listdir", "os.scandir") or not args:
            return False
        path = args[0]
        return isinstance(path, (str, bytes)) and os.path.abspath(os.fsdecode(path)) in self.own()


def install(send: Callable[[str], None], own: Callable[[], set[str]] | None = None) -> Watch:
    """Watch this process from now on (an audit hook cannot be removed, by us or by the learner)."""
    watch = Watch(send, own)
    sys.addaudithook(watch.hook)
    return watch


# -- the events ------------------------------------------------------------------------------

def _kill(args: tuple) -> str:
    pid, sig = int(args[0]), int(args[1])
    if pid == -1:
        return f"sent signal {sig} to every process it could reach (kill(-1))"
    if pid <= 0:
        return f"sent signal {sig} to a process group (kill({pid}))"
    if pid == os.getpid() or _descendant(pid):
        return ""
    return f"sent signal {sig} to a process that is not its own (pid {pid})"


def _killpg(args: tuple) -> str:
    return f"sent signal {int(args[1])} to process group {int(args[0])}"


def _descendant(pid: int) -> bool:
    me = os.getpid()
    for _ in range(64):
        parent = parent_of(pid)
        if parent is None:
            return False
        if parent == me:
            return True
        if parent <= 1:
            return False
        pid = parent
    return False


def _open(args: tuple) -> str:
    path, mode, flags = (list(args) + [None, None, None])[:3]
    if isinstance(path, int) or path is None:
        return ""
    path = os.fsdecode(path)
    writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
        isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
    parts = os.path.abspath(path).split(os.sep)
    if len(parts) == 4 and parts[1] == "proc" and parts[3] == "mem" and parts[2] not in ("self", str(os.getpid())):
        return f"opened another process's memory ({path})"
    course = _course_part(path)
    if course:
        return f"{'wrote to' if writes else 'opened'} a course's {course} ({path})"
    if writes:
        return _planted(path)
    return ""


def _listdir(args: tuple) -> str:
    path = args[0] if args else "."
    if path is None or isinstance(path, int):
        return ""
    course = _course_part(os.fsdecode(path))
    return f"listed a course's {course} ({os.fsdecode(path)})" if course else ""


def _course_part(path: str) -> str:
    """`solutions/` (…) when `path` is in or is such a folder of a course, else ""."""
    parts = os.path.abspath(path).split(os.sep)
    for at, part in enumerate(parts):
        if part in COURSE_PARTS and at > 0:
            if (os.path.isfile(os.sep.join(parts[:at] + ["kata.toml"]))
                    or (at + 1 < len(parts) and _COURSE_FILE.match(parts[at + 1]))):
                return f"{part}/"
    return ""


def _planted(path: str) -> str:
    name = os.path.basename(path)
    stem, ext = os.path.splitext(name)
    if ext == ".pth" or (ext == ".py" and (stem in ("sitecustomize", "usercustomize") or stem in _imported())):
        return f"wrote a module where a later run could import it ({path})"
    return ""


def _imported() -> set[str]:
    return {name.split(".")[0] for name in list(sys.modules)} - {"__main__"}


def _dlsym(args: tuple) -> str:
    name = args[1] if len(args) > 1 else ""
    name = name.decode(errors="replace") if isinstance(name, bytes) else str(name)
    if name in ESCAPES:
        return f"reached through ctypes for {ESCAPES[name]}"
    return ""


_EVENTS: dict[str, Callable[[tuple], str]] = {
    "os.kill": _kill, "os.killpg": _killpg, "open": _open, "os.listdir": _listdir, "os.scandir": _listdir,
    "ctypes.dlsym": _dlsym,
}


def send_notice(sock: Any, lock: threading.Lock) -> Callable[[str], None]:
    """A `send` for `install`: the notice as its own frame on the judge's socket."""
    from kata.judge import wire

    send = wire.send

    def notice(reason: str) -> None:
        with lock:
            send(sock, {"integrity": reason})

    return notice
