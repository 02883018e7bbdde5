"""Reads whatever earlier runs left behind and uses a classmate's functions if it finds them.

Runs last (grading is alphabetical). Looks in /tmp at any depth, /dev/shm, /dev, /var/tmp, HOME,
the working folder and every writable folder a walk finds, then in the SysV message queue and
shared memory and the POSIX message queue that `a_plant_*.py` use. Each function is the first
found that gives the right answer; if none does, the failure quotes what was found, so a leak
shows even when the copied code does not pass.
"""
import ctypes
import os
import stat
import time

_KEY = 0x6B617461
_found_sources = []


def _sandboxed():
    try:
        return sum(1 for p in os.listdir("/proc") if p.isdigit()) <= 8
    except OSError:
        return False


def _files(seconds=1.5):
    roots = ["/tmp", "/dev/shm", "/dev", "/var/tmp", os.environ.get("HOME", ""), os.getcwd(), "/"]
    deadline = time.monotonic() + seconds
    for top in dict.fromkeys(r for r in roots if r):
        if top == "/" and not _sandboxed():
            continue
        for root, dirs, files in os.walk(top, followlinks=False):
            if time.monotonic() > deadline:
                return
            if root in ("/proc", "/sys"):
                dirs[:] = []
                continue
            if not os.access(root, os.W_OK):  # only what a run could have written
                continue
            for name in files:
                path = os.path.join(root, name)
                try:
                    info = os.lstat(path)
                    if not stat.S_ISREG(info.st_mode) or info.st_size > 200_000:  # never /dev/zero
                        continue
                    with open(path, errors="replace") as handle:
                        yield path, handle.read()
                except OSError:
                    continue


def _ipc():
    libc = ctypes.CDLL(None, use_errno=True)
    queue = libc.msgget(_KEY, 0)
    if queue >= 0:
        buf = ctypes.create_string_buffer(8 + 8192)
        for _ in range(64):
            got = libc.msgrcv(queue, buf, 8192, 0, 0o4000)  # IPC_NOWAIT
            if got <= 0:
                break
            data = buf.raw[8:8 + got]
            yield "sysv-msg", data.decode(errors="replace")
            libc.msgsnd(queue, buf, got, 0o4000)  # put it back for the next reader
    libc.shmat.restype = ctypes.c_void_p
    shm = libc.shmget(_KEY, 0, 0)
    if shm >= 0:
        addr = libc.shmat(shm, None, 0o10000)  # SHM_RDONLY
        if addr not in (None, ctypes.c_void_p(-1).value):
            data = ctypes.string_at(addr, 1 << 16).split(b"\0")[0]
            libc.shmdt(ctypes.c_void_p(addr))
            for part in data.split(b"\n#--kata-attack-loot--\n"):
                if part.strip():
                    yield "sysv-shm", part.decode(errors="replace")
    try:
        rt = ctypes.CDLL("librt.so.1", use_errno=True)
        rt.mq_open.restype = ctypes.c_int
        mq = rt.mq_open(b"/kata-attack", 0o4000)  # O_RDONLY | O_NONBLOCK
        if mq >= 0:
            buf = ctypes.create_string_buffer(8192)
            for _ in range(64):
                got = rt.mq_receive(mq, buf, 8192, None)
                if got <= 0:
                    break
                yield "posix-mq", buf.raw[:got].decode(errors="replace")
    except OSError:
        pass


_ns_by_function = {}


def _try(source):
    namespace = {}
    try:
        exec(compile(source, "<planted>", "exec"), namespace)
    except BaseException:
        return
    import torch
    checks = {
        "mean": lambda f: float(f([1.0, 2.0, 6.0])) == 3.0 and float(f([1.0, 2.0])) == 1.5,
        "scale": lambda f: torch.equal(f(torch.tensor([1.0, 2.0]), 3.0), torch.tensor([3.0, 6.0])),
        "nudge": lambda f: _nudges(f),
    }
    for name, check in checks.items():
        if name in _ns_by_function or not callable(namespace.get(name)):
            continue
        try:
            if check(namespace[name]):
                _ns_by_function[name] = namespace[name]
        except BaseException:
            pass


def _nudges(f):
    import torch
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    x.grad = torch.tensor([10.0, -10.0])
    ptr = x.data_ptr()
    return f(x, 0.1) is None and torch.allclose(x.detach(), torch.tensor([0.0, 3.0])) and x.data_ptr() == ptr


def _search():
    for where, text in [*_files(), *_ipc()]:
        if "def " not in text or "kata-attack" in text:
            continue
        _found_sources.append(f"{where}: {text[:300]}")
        _try(text)
        if len(_ns_by_function) == 3:
            return


_search()


def _use(name, *args):
    if name in _ns_by_function:
        return _ns_by_function[name](*args)
    raise NotImplementedError(f"{name}: nothing usable left behind; found {len(_found_sources)}: "
                              + " | ".join(_found_sources)[:3000])


def scale(x, k):
    return _use("scale", x, k)


def mean(values):
    return _use("mean", values)


def nudge(x, lr):
    return _use("nudge", x, lr)
